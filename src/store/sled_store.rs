//! [`DecisionStore`] on sled 0.34.
//!
//! Layout, one tree each (integers big-endian so that keys sort numerically):
//!
//! | tree        | key                      | value                                  |
//! |-------------|--------------------------|----------------------------------------|
//! | `reviews`   | review id                | [`Review`] as JSON, without decisions   |
//! | `decisions` | review id, decision seq  | [`DecisionRecord`] as JSON              |
//! | `by_sha`    | content sha256 (hex)     | review id                              |
//! | `content`   | content sha256 (hex)     | kind byte + the content                 |
//! | `audit`     | record seq               | [`AuditRecord`] as JSON                 |
//! | `tokens`    | token sha256 (hex)       | [`TokenRecord`] as JSON                 |
//! | `meta`      | `audit_head`             | `{seq, hash}` of the last audit record  |
//! | `rulesets`  | rule-set id              | [`RulesetSnapshot`] as JSON (its files)  |
//!
//! Writes are serialised by one mutex (they are short: the scan happens before) and each is a
//! single sled transaction over every tree it touches, so a review, its decision and its audit
//! record land together or not at all. Durability comes from [`Flusher`]: a write returns only
//! after a `flush` (fsync) that started after its commit; concurrent writers share one flush
//! (group commit), which is what keeps durable submissions fast.

use super::audit::{self, chain_hash, AuditAction, AuditRecord, ChainError, GENESIS};
use super::{
    sha256_hex, Actor, ContentKind, DecisionKind, DecisionRecord, DecisionStore, NewDecision,
    NewReview, Review, ReviewId, ReviewPage, ReviewQuery, Role, RulesetSnapshot, StoreError,
    Submitted, TokenRecord,
};
use crate::engine::Severity;
use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, RwLock};

const REVIEWS: usize = 0;
const DECISIONS: usize = 1;
const BY_SHA: usize = 2;
const CONTENT: usize = 3;
const AUDIT: usize = 4;
const TOKENS: usize = 5;
const META: usize = 6;
const RULESETS: usize = 7;
const TREE_NAMES: [&str; 8] = [
    "reviews",
    "decisions",
    "by_sha",
    "content",
    "audit",
    "tokens",
    "meta",
    "rulesets",
];
const HEAD_KEY: &[u8] = b"audit_head";

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Head {
    seq: u64,
    hash: String,
}

/// In-memory state that only writers touch, under [`SledStore::writer`].
struct WriterState {
    next_review: ReviewId,
    head: Head,
}

pub struct SledStore {
    db: sled::Db,
    trees: Vec<sled::Tree>,
    writer: Mutex<WriterState>,
    flusher: Flusher,
    failed: AtomicBool,
    failure: Mutex<Option<String>>,
    /// Every token by the hash of its secret. The store is the only writer of the tokens tree
    /// (sled locks the directory), so this copy is always current; it spares every request a
    /// tree lookup and a JSON parse.
    token_cache: RwLock<HashMap<String, TokenRecord>>,
}

type Write = (usize, Vec<u8>, Vec<u8>);

impl SledStore {
    /// Opens (or creates) the store in `dir`. Fails if another process holds the directory.
    pub fn open(dir: &Path) -> Result<SledStore, StoreError> {
        let db = sled::Config::new().path(dir).open().map_err(|e| {
            let msg = e.to_string();
            if msg.contains("lock") || msg.contains("WouldBlock") {
                StoreError::Locked(format!(
                    "the data directory {} is in use by another process (a running `baomi serve`?): {msg}",
                    dir.display()
                ))
            } else {
                StoreError::Io(format!("cannot open the store in {}: {msg}", dir.display()))
            }
        })?;
        let mut trees = Vec::new();
        for name in TREE_NAMES {
            trees.push(db.open_tree(name).map_err(io)?);
        }
        let head = match trees[META].get(HEAD_KEY).map_err(io)? {
            Some(v) => serde_json::from_slice(&v)
                .map_err(|e| StoreError::Corrupt(format!("audit head: {e}")))?,
            None => Head {
                seq: 0,
                hash: GENESIS.to_string(),
            },
        };
        let next_review = match trees[REVIEWS].last().map_err(io)? {
            Some((k, _)) => be_u64(&k).map_err(StoreError::Corrupt)? + 1,
            None => 1,
        };
        let mut token_cache = HashMap::new();
        for item in trees[TOKENS].iter() {
            let (k, v) = item.map_err(io)?;
            let hash = String::from_utf8_lossy(&k).into_owned();
            token_cache.insert(hash, from_json(&v, "token", 0)?);
        }
        Ok(SledStore {
            token_cache: RwLock::new(token_cache),
            db,
            trees,
            writer: Mutex::new(WriterState { next_review, head }),
            flusher: Flusher::default(),
            failed: AtomicBool::new(false),
            failure: Mutex::new(None),
        })
    }

    fn writer(&self) -> Result<MutexGuard<'_, WriterState>, StoreError> {
        if self.failed.load(Ordering::SeqCst) {
            let why = lock(&self.failure).clone().unwrap_or_default();
            return Err(StoreError::Failed(why));
        }
        Ok(lock(&self.writer))
    }

    fn fail(&self, message: String) -> StoreError {
        tracing::error!(error = %message, "store write failed; refusing writes until restart");
        *lock(&self.failure) = Some(message.clone());
        self.failed.store(true, Ordering::SeqCst);
        StoreError::Io(message)
    }

    /// Applies `writes` (which include `record` and the new head) in one transaction and, when
    /// it commits, moves the in-memory head to `record`. Returns the flush ticket.
    fn commit(
        &self,
        w: &mut WriterState,
        record: &AuditRecord,
        writes: &[Write],
    ) -> Result<u64, StoreError> {
        let t = &self.trees;
        let all = (&t[0], &t[1], &t[2], &t[3], &t[4], &t[5], &t[6], &t[7]);
        let result = all.transaction(|trees| {
            let trees = [
                &trees.0, &trees.1, &trees.2, &trees.3, &trees.4, &trees.5, &trees.6, &trees.7,
            ];
            for (tree, key, value) in writes {
                trees[*tree].insert(key.as_slice(), value.as_slice())?;
            }
            Ok::<(), ConflictableTransactionError<()>>(())
        });
        match result {
            Ok(()) => {
                w.head = Head {
                    seq: record.seq,
                    hash: record.hash.clone(),
                };
                Ok(self.flusher.committed())
            }
            Err(TransactionError::Storage(e)) => Err(self.fail(e.to_string())),
            Err(TransactionError::Abort(())) => Err(self.fail("transaction aborted".into())),
        }
    }

    /// Waits until the write with `ticket` is on disk.
    fn durable(&self, ticket: u64) -> Result<(), StoreError> {
        self.flusher
            .wait(&self.db, ticket)
            .map_err(|e| self.fail(format!("flush failed: {e}")))
    }

    /// The audit record for `action`, chained to the current head, and the writes that store it
    /// and move the head. The head in `w` moves only when the caller's commit succeeded.
    fn audit_writes(
        w: &WriterState,
        actor: &Actor,
        action: AuditAction,
        fill: impl FnOnce(&mut AuditRecord),
    ) -> (AuditRecord, Vec<Write>) {
        let mut record = AuditRecord {
            seq: w.head.seq + 1,
            at: crate::timestamp(),
            actor: actor.name.clone(),
            role: actor.role,
            action,
            review: None,
            sha256: None,
            decision: None,
            ruleset: None,
            detail: String::new(),
            prev: w.head.hash.clone(),
            hash: String::new(),
        };
        fill(&mut record);
        record.hash = chain_hash(&record);
        let head = Head {
            seq: record.seq,
            hash: record.hash.clone(),
        };
        let writes = vec![
            (AUDIT, record.seq.to_be_bytes().to_vec(), to_json(&record)),
            (META, HEAD_KEY.to_vec(), to_json(&head)),
        ];
        (record, writes)
    }

    fn load_review(&self, id: ReviewId) -> Result<Option<Review>, StoreError> {
        let Some(bytes) = self.trees[REVIEWS].get(id.to_be_bytes()).map_err(io)? else {
            return Ok(None);
        };
        let mut review: Review = from_json(&bytes, "review", id)?;
        review.decisions = self.load_decisions(id)?;
        Ok(Some(review))
    }

    fn load_decisions(&self, id: ReviewId) -> Result<Vec<DecisionRecord>, StoreError> {
        let mut out = Vec::new();
        for item in self.trees[DECISIONS].scan_prefix(id.to_be_bytes()) {
            let (_, v) = item.map_err(io)?;
            out.push(from_json(&v, "decision of review", id)?);
        }
        if out.is_empty() {
            return Err(StoreError::Corrupt(format!("review {id} has no decision")));
        }
        Ok(out)
    }
}

impl DecisionStore for SledStore {
    fn submit(&self, new: NewReview) -> Result<Submitted, StoreError> {
        let mut w = self.writer()?;
        if let Some(id) = self.trees[BY_SHA].get(new.sha256.as_bytes()).map_err(io)? {
            drop(w);
            let id = be_u64(&id).map_err(StoreError::Corrupt)?;
            let review = self.load_review(id)?.ok_or_else(|| {
                StoreError::Corrupt(format!("index points at missing review {id}"))
            })?;
            return Ok(Submitted {
                review,
                created: false,
            });
        }
        let id = w.next_review;
        let at = crate::timestamp();
        let categories = held_categories(&new.findings);
        let decision = DecisionRecord {
            seq: 1,
            kind: DecisionKind::Engine,
            decision: new.decision,
            by: "engine".into(),
            role: None,
            reason: None,
            ruleset: new.ruleset.clone(),
            at: at.clone(),
        };
        let mut review = Review {
            id,
            sha256: new.sha256.clone(),
            title: new.title,
            metadata: new.metadata,
            submitter: new.submitter.name.clone(),
            submitter_role: new.submitter.role,
            via: new.via.to_string(),
            content_kind: new.content_kind,
            len: new.content.len(),
            submitted_at: at.clone(),
            ruleset: new.ruleset.clone(),
            findings: new.findings,
            categories,
            decision: new.decision,
            updated_at: at,
            decisions: Vec::new(),
        };
        let (record, mut writes) =
            Self::audit_writes(&w, &new.submitter, AuditAction::ReviewSubmitted, |r| {
                r.review = Some(id);
                r.sha256 = Some(new.sha256.clone());
                r.decision = Some(new.decision);
                r.ruleset = Some(new.ruleset.clone());
                r.detail = format!("{} finding(s)", review.findings.len());
            });
        let mut content = Vec::with_capacity(new.content.len() + 1);
        content.push(match new.content_kind {
            ContentKind::Bytes => b'b',
            ContentKind::Text => b't',
        });
        content.extend_from_slice(&new.content);
        writes.extend([
            (REVIEWS, id.to_be_bytes().to_vec(), to_json(&review)),
            (DECISIONS, decision_key(id, 1), to_json(&decision)),
            (
                BY_SHA,
                new.sha256.as_bytes().to_vec(),
                id.to_be_bytes().to_vec(),
            ),
            (CONTENT, new.sha256.as_bytes().to_vec(), content),
        ]);
        let ticket = self.commit(&mut w, &record, &writes)?;
        w.next_review = id + 1;
        drop(w);
        self.durable(ticket)?;
        review.decisions = vec![decision];
        Ok(Submitted {
            review,
            created: true,
        })
    }

    fn decide(&self, id: ReviewId, new: NewDecision) -> Result<Review, StoreError> {
        let mut w = self.writer()?;
        let mut review = self
            .load_review(id)?
            .ok_or_else(|| StoreError::NotFound(format!("no review with id {id}")))?;
        let seq = review.latest().seq + 1;
        let at = crate::timestamp();
        let record = DecisionRecord {
            seq,
            kind: new.kind,
            decision: new.decision,
            by: match new.kind {
                DecisionKind::Engine => "engine".to_string(),
                DecisionKind::Override => new.by.name.clone(),
            },
            role: Some(new.by.role).filter(|_| new.kind == DecisionKind::Override),
            reason: new.reason.clone(),
            ruleset: new.ruleset.clone(),
            at: at.clone(),
        };
        let action = match new.kind {
            DecisionKind::Engine => AuditAction::DecisionRecorded,
            DecisionKind::Override => AuditAction::OverrideRecorded,
        };
        let (audit, mut writes) = Self::audit_writes(&w, &new.by, action, |r| {
            r.review = Some(id);
            r.sha256 = Some(review.sha256.clone());
            r.decision = Some(new.decision);
            r.ruleset = Some(new.ruleset.clone());
            r.detail = new.reason.clone().unwrap_or_default();
        });
        let decisions = std::mem::take(&mut review.decisions);
        review.decision = new.decision;
        review.updated_at = at;
        if let Some(findings) = new.findings {
            review.categories = held_categories(&findings);
            review.findings = findings;
            review.ruleset = new.ruleset.clone();
        }
        writes.extend([
            (REVIEWS, id.to_be_bytes().to_vec(), to_json(&review)),
            (DECISIONS, decision_key(id, seq), to_json(&record)),
        ]);
        let ticket = self.commit(&mut w, &audit, &writes)?;
        drop(w);
        self.durable(ticket)?;
        review.decisions = decisions;
        review.decisions.push(record);
        Ok(review)
    }

    fn review(&self, id: ReviewId) -> Result<Option<Review>, StoreError> {
        self.load_review(id)
    }

    fn review_by_sha(&self, sha256: &str) -> Result<Option<Review>, StoreError> {
        match self.trees[BY_SHA].get(sha256.as_bytes()).map_err(io)? {
            Some(id) => self.load_review(be_u64(&id).map_err(StoreError::Corrupt)?),
            None => Ok(None),
        }
    }

    fn content(&self, sha256: &str) -> Result<Option<(ContentKind, Vec<u8>)>, StoreError> {
        let Some(v) = self.trees[CONTENT].get(sha256.as_bytes()).map_err(io)? else {
            return Ok(None);
        };
        let kind = match v.first() {
            Some(b'b') => ContentKind::Bytes,
            Some(b't') => ContentKind::Text,
            _ => return Err(StoreError::Corrupt(format!("content {sha256} has no kind"))),
        };
        Ok(Some((kind, v[1..].to_vec())))
    }

    fn list(&self, q: &ReviewQuery) -> Result<ReviewPage, StoreError> {
        let tree = &self.trees[REVIEWS];
        let iter: Box<dyn Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>> =
            match (q.descending, q.after) {
                (false, Some(a)) => Box::new(tree.range((a + 1).to_be_bytes()..)),
                (false, None) => Box::new(tree.iter()),
                (true, Some(a)) => Box::new(tree.range(..a.to_be_bytes()).rev()),
                (true, None) => Box::new(tree.iter().rev()),
            };
        let limit = q.limit.max(1);
        let mut reviews = Vec::new();
        let mut next = None;
        for item in iter {
            let (k, v) = item.map_err(io)?;
            let id = be_u64(&k).map_err(StoreError::Corrupt)?;
            let review: Review = from_json(&v, "review", id)?;
            if !matches(&review, q) {
                continue;
            }
            if reviews.len() == limit {
                next = reviews.last().map(|r: &Review| r.id);
                break;
            }
            reviews.push(review);
        }
        for r in &mut reviews {
            r.decisions = self.load_decisions(r.id)?;
        }
        Ok(ReviewPage { reviews, next })
    }

    fn record(
        &self,
        actor: &Actor,
        action: AuditAction,
        ruleset: Option<&str>,
        detail: &str,
    ) -> Result<AuditRecord, StoreError> {
        let mut w = self.writer()?;
        let (record, writes) = Self::audit_writes(&w, actor, action, |r| {
            r.ruleset = ruleset.map(str::to_string);
            r.detail = detail.to_string();
        });
        let ticket = self.commit(&mut w, &record, &writes)?;
        drop(w);
        self.durable(ticket)?;
        Ok(record)
    }

    fn record_ruleset(
        &self,
        actor: &Actor,
        snapshot: &RulesetSnapshot,
        detail: &str,
    ) -> Result<AuditRecord, StoreError> {
        let mut w = self.writer()?;
        let (record, mut writes) = Self::audit_writes(&w, actor, AuditAction::RulesetLoaded, |r| {
            r.ruleset = Some(snapshot.id.clone());
            r.detail = detail.to_string();
        });
        if !self.trees[RULESETS]
            .contains_key(snapshot.id.as_bytes())
            .map_err(io)?
        {
            writes.push((RULESETS, snapshot.id.as_bytes().to_vec(), to_json(snapshot)));
        }
        let ticket = self.commit(&mut w, &record, &writes)?;
        drop(w);
        self.durable(ticket)?;
        Ok(record)
    }

    fn ruleset(&self, id: &str) -> Result<Option<RulesetSnapshot>, StoreError> {
        match self.trees[RULESETS].get(id.as_bytes()).map_err(io)? {
            Some(v) => Ok(Some(from_json(&v, "rule set", 0)?)),
            None => Ok(None),
        }
    }

    fn rulesets(&self) -> Result<Vec<RulesetSnapshot>, StoreError> {
        let mut out: Vec<RulesetSnapshot> = Vec::new();
        for item in self.trees[RULESETS].iter() {
            let (_, v) = item.map_err(io)?;
            let mut r: RulesetSnapshot = from_json(&v, "rule set", 0)?;
            r.files.clear();
            out.push(r);
        }
        out.sort_by(|a, b| a.loaded_at.cmp(&b.loaded_at));
        Ok(out)
    }

    fn last_ruleset(&self) -> Result<Option<String>, StoreError> {
        for item in self.trees[AUDIT].iter().rev() {
            let (k, v) = item.map_err(io)?;
            let seq = be_u64(&k).map_err(StoreError::Corrupt)?;
            let r: AuditRecord = from_json(&v, "audit record", seq)?;
            if r.action == AuditAction::RulesetLoaded {
                return Ok(r.ruleset);
            }
        }
        Ok(None)
    }

    fn verify_audit(&self) -> Result<u64, ChainError> {
        let head = match self.trees[META].get(HEAD_KEY) {
            Ok(Some(v)) => Some(
                serde_json::from_slice::<Head>(&v)
                    .map(|h| (h.seq, h.hash))
                    .map_err(|e| ChainError::Store(format!("audit head unreadable: {e}")))?,
            ),
            Ok(None) => None,
            Err(e) => return Err(ChainError::Store(e.to_string())),
        };
        let records = self.trees[AUDIT].iter().map(|item| {
            let (k, v) = item.map_err(|e| e.to_string())?;
            let seq = be_u64(&k)?;
            Ok((seq, v.to_vec()))
        });
        audit::verify(records, head)
    }

    fn audit(&self, after: u64, limit: usize) -> Result<Vec<AuditRecord>, StoreError> {
        let mut out = Vec::new();
        for item in self.trees[AUDIT]
            .range((after + 1).to_be_bytes()..)
            .take(limit)
        {
            let (k, v) = item.map_err(io)?;
            let seq = be_u64(&k).map_err(StoreError::Corrupt)?;
            out.push(from_json(&v, "audit record", seq)?);
        }
        Ok(out)
    }

    fn create_token(
        &self,
        name: &str,
        role: Role,
        by: &Actor,
    ) -> Result<(String, TokenRecord), StoreError> {
        let mut w = self.writer()?;
        let mut raw = [0u8; 32];
        getrandom::getrandom(&mut raw)
            .map_err(|e| StoreError::Io(format!("no randomness for a token: {e}")))?;
        let secret = format!(
            "bm_{}",
            raw.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        let hash = sha256_hex(secret.as_bytes());
        let token = TokenRecord {
            id: hash[..12].to_string(),
            name: name.to_string(),
            role,
            created_at: crate::timestamp(),
            created_by: by.name.clone(),
            revoked_at: None,
        };
        let (record, mut writes) = Self::audit_writes(&w, by, AuditAction::TokenCreated, |r| {
            r.detail = format!("token {} for {} as {}", token.id, token.name, token.role);
        });
        writes.push((TOKENS, hash.clone().into_bytes(), to_json(&token)));
        let ticket = self.commit(&mut w, &record, &writes)?;
        self.token_cache
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(hash, token.clone());
        drop(w);
        self.durable(ticket)?;
        Ok((secret, token))
    }

    fn token(&self, secret: &str) -> Result<Option<TokenRecord>, StoreError> {
        let hash = sha256_hex(secret.as_bytes());
        let cache = self.token_cache.read().unwrap_or_else(|p| p.into_inner());
        Ok(cache.get(&hash).cloned())
    }

    fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        let mut out: Vec<TokenRecord> = Vec::new();
        for item in self.trees[TOKENS].iter() {
            let (_, v) = item.map_err(io)?;
            out.push(from_json(&v, "token", 0)?);
        }
        out.sort_by(|a, b| a.created_at.cmp(&b.created_at));
        Ok(out)
    }

    fn revoke_token(&self, id_or_name: &str, by: &Actor) -> Result<Vec<TokenRecord>, StoreError> {
        let mut w = self.writer()?;
        let mut targets = Vec::new();
        for item in self.trees[TOKENS].iter() {
            let (k, v) = item.map_err(io)?;
            let t: TokenRecord = from_json(&v, "token", 0)?;
            if t.revoked_at.is_none() && (t.id == id_or_name || t.name == id_or_name) {
                targets.push((k.to_vec(), t));
            }
        }
        if targets.is_empty() {
            return Err(StoreError::NotFound(format!(
                "no active token with id or name {id_or_name:?}"
            )));
        }
        let now = crate::timestamp();
        let ids: Vec<&str> = targets.iter().map(|(_, t)| t.id.as_str()).collect();
        let (record, mut writes) = Self::audit_writes(&w, by, AuditAction::TokenRevoked, |r| {
            r.detail = format!("token(s) {}", ids.join(", "));
        });
        let mut revoked = Vec::new();
        for (k, mut t) in targets {
            t.revoked_at = Some(now.clone());
            writes.push((TOKENS, k.clone(), to_json(&t)));
            revoked.push((k, t));
        }
        let ticket = self.commit(&mut w, &record, &writes)?;
        {
            let mut cache = self.token_cache.write().unwrap_or_else(|p| p.into_inner());
            for (k, t) in &revoked {
                cache.insert(String::from_utf8_lossy(k).into_owned(), t.clone());
            }
        }
        let revoked: Vec<TokenRecord> = revoked.into_iter().map(|(_, t)| t).collect();
        drop(w);
        self.durable(ticket)?;
        Ok(revoked)
    }

    fn failed(&self) -> bool {
        self.failed.load(Ordering::SeqCst)
    }
}

/// The categories with at least one hold finding, sorted, once each.
fn held_categories(findings: &[crate::engine::Finding]) -> Vec<crate::engine::Category> {
    let mut c: Vec<_> = findings
        .iter()
        .filter(|f| f.severity == Severity::Hold)
        .map(|f| f.category)
        .collect();
    c.sort();
    c.dedup();
    c
}

fn matches(r: &Review, q: &ReviewQuery) -> bool {
    if q.decision.is_some_and(|d| d != r.decision) {
        return false;
    }
    if q.category.is_some_and(|c| !r.categories.contains(&c)) {
        return false;
    }
    if q.submitter.as_ref().is_some_and(|s| *s != r.submitter) {
        return false;
    }
    if q.from
        .as_ref()
        .is_some_and(|f| r.submitted_at.as_str() < f.as_str())
    {
        return false;
    }
    // A bare date as upper bound includes that whole day.
    if let Some(to) = &q.to {
        let day = r.submitted_at.get(..to.len()).unwrap_or(&r.submitted_at);
        if day > to.as_str() {
            return false;
        }
    }
    true
}

/// Group commit: a writer takes a ticket after its commit and waits until a flush that started
/// after that commit has finished. One writer at a time runs `flush`; the others wait and are
/// covered by it or by the next one.
#[derive(Default)]
struct Flusher {
    state: Mutex<FlushState>,
    done: Condvar,
}

#[derive(Default)]
struct FlushState {
    committed: u64,
    flushed: u64,
    flushing: bool,
    error: Option<String>,
}

impl Flusher {
    fn committed(&self) -> u64 {
        let mut s = lock(&self.state);
        s.committed += 1;
        s.committed
    }

    fn wait(&self, db: &sled::Db, ticket: u64) -> Result<(), String> {
        let mut s = lock(&self.state);
        loop {
            if s.flushed >= ticket {
                return Ok(());
            }
            if let Some(e) = &s.error {
                return Err(e.clone());
            }
            if s.flushing {
                s = self.done.wait(s).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            s.flushing = true;
            let target = s.committed;
            drop(s);
            let result = db.flush();
            s = lock(&self.state);
            s.flushing = false;
            match result {
                Ok(_) => s.flushed = s.flushed.max(target),
                Err(e) => s.error = Some(e.to_string()),
            }
            self.done.notify_all();
        }
    }
}

/// A poisoned lock only means another thread panicked while holding it; the data it guards is
/// still consistent because every write to it happens after the fallible step.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn io(e: sled::Error) -> StoreError {
    StoreError::Io(e.to_string())
}

fn to_json<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).expect("store records always serialise")
}

fn from_json<'a, T: Deserialize<'a>>(
    bytes: &'a [u8],
    what: &str,
    id: u64,
) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(format!("{what} {id}: {e}")))
}

fn be_u64(bytes: &[u8]) -> Result<u64, String> {
    bytes
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_be_bytes)
        .ok_or_else(|| format!("malformed key of {} bytes", bytes.len()))
}

fn decision_key(id: ReviewId, seq: u32) -> Vec<u8> {
    let mut k = id.to_be_bytes().to_vec();
    k.extend_from_slice(&seq.to_be_bytes());
    k
}
