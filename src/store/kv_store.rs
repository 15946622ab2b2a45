//! [`DecisionStore`] on sled 0.34.
//!
//! Layout (format 7), one tree each (integers big-endian so that keys sort numerically):
//!
//! | tree          | key                          | value                                        |
//! |---------------|------------------------------|----------------------------------------------|
//! | `reviews`     | review id                    | the submission as JSON ([`ReviewRow`])       |
//! | `summaries`   | review id                    | fixed 44-byte summary for list filters (43 in format 3, 35 before) |
//! | `decisions`   | review id, decision seq      | [`DecisionRecord`] as JSON (overrides and returns too) |
//! | `by_sha`      | sha256 (hex) + review id     | the submitter's person key                   |
//! | `content`     | sha256 (hex)                 | kind byte + the bytes that were scanned      |
//! | `scans`       | sha256 + `/` + rule-set id   | [`ScanMeta`] as JSON (no findings)            |
//! | `findings`    | sha256 + `/` + rule-set id   | the scan's findings as JSON                  |
//! | `audit`       | record seq                   | [`AuditRecord`] as JSON                      |
//! | `tokens`      | token sha256 (hex)           | [`TokenRecord`] as JSON                      |
//! | `persons`     | person key                   | [`Person`] as JSON                           |
//! | `meta`        | `audit_head`, `format`, `search_indexed`, `last_ruleset` | `{seq, hash}` of the last audit record; 7; the first review id not yet indexed for search; the id of the rule set loaded last (absent in stores written before it) |
//! | `rulesets`    | rule-set id                  | [`RulesetSnapshot`] as JSON (its files)       |
//! | `undo`        | record seq                   | the old values of every key that write changed |
//! | `idempotency` | person key, 0, client key    | review id + decision seq                     |
//! | `ack`         | `acked`                      | the last record seq known to be on disk      |
//! | `ngrams`      | term (two characters) + review id | the review's search stamp (see [`search`]) |
//! | `assignments` | review id, record seq        | [`AssignmentRow`] as JSON: who claimed or was assigned it |
//! | `revisions`   | review id                    | [`RevisionRow`] as JSON: the review that is its next version |
//! | `redactions`  | review id, copy's review id  | [`RedactionRow`] as JSON: a redacted copy made of the review |
//! | `gate_passes` | sha256 (hex)                 | the seq of the `gate_passed` record of these bytes |
//! | `suppressions`| proposal number              | [`SuppressionRecord`] as JSON                 |
//!
//! **Formats.** Format 7 added suppressions (the `suppressions` tree, their audit records, and
//! scans that name the findings a suppression covered); a format-6 store opens as it is (it
//! has none). An older baomi refuses a format-7 store: its undo records may name the new tree.
//! Format 6 added `gate_passed` audit records and the `gate_passes` tree that
//! keeps them to one per bytes; a format-5 store opens as it is (its bytes that passed the gate
//! before are recorded at their next allowed answer). An older baomi refuses a format-6 store:
//! it cannot read the new records. Format 5 added redacted copies: a review row may name the review it was
//! `redacted_from` (with its `redaction` record), and the `redactions` tree links a review to
//! its copies; a format-4 store opens as it is (it has no copies). An older baomi refuses a
//! format-5 store: its undo records may name the new tree. Format 4 added versions: a review row may name the review it `revises` (and
//! its `version`), the `revisions` tree links a review to its next version, and a 44th summary
//! byte says the review is superseded; a format-3 store opens as it is (no review revises
//! another, its 43-byte summaries read as not superseded). Format 3 added returns (decision kind `return`), claims and assignments, the
//! search index and 43-byte summaries; a format-2 store opens as it is (its 35-byte summaries
//! read as unassigned, its states follow from its decisions, which hold no returns) and its
//! reviews are indexed for search when it is first opened. Format 1 is converted in place.
//!
//! **One write, one transaction, one audit record.** Writes are serialised by one mutex (they
//! are short: the scan happens before) and each is a single sled transaction over every tree it
//! touches, so a review, its decision and the audit record that tells of it land together or
//! not at all. The audit record's seq numbers the write.
//!
//! **Durable before visible.** A write returns only after a flush (fsync) that started after
//! its commit, followed by a second flush of the `ack` marker naming the last write that first
//! flush covered; concurrent writers share both (group commit). Readers see only what the
//! marker covers (an in-memory watermark, moved after the marker's flush), so the gate never
//! answers from a decision that is not on disk yet. A write whose flush failed is never
//! acknowledged: it stays invisible, the store refuses further writes, and when the store is
//! opened again everything after the marker is rolled back with the `undo` records written in
//! each write's own transaction. (A failure of the marker's flush itself leaves the write in
//! doubt: it answers `InDoubt`, 503 `write_in_doubt`, and it counts after a restart only if the
//! marker reached the disk. sled fsyncs its log on its own threads as well, so a marker can reach
//! the disk before the fsync that reports the failure.)

use super::audit::{self, chain_hash, AuditAction, AuditRecord, ChainError, GENESIS};
use super::held_categories;
use super::kv::{in_write, Committed, Kv, PgKv, Write, WriteScope};
use super::search::{self, SearchTerms};
use super::{
    decided_at, person_key, stages_passed, Actor, Assignment, ContentKind, ContentState,
    DecisionKind, DecisionRecord, DecisionStore, NewDecision, NewReview, NewScan, NewSuppression,
    Person, RedactionLink, RedactionRecord, Review, ReviewId, ReviewPage, ReviewQuery, ReviewState,
    ReviewSummary, Role, RulesetSnapshot, ScanMeta, StoreError, StoreHealth, Submitted,
    SuppressedFinding, SuppressionChange, SuppressionEvent, SuppressionRecord, SuppressionState,
    TokenRecord, MAX_VERSIONS,
};
use crate::engine::{Category, Decision, Finding};
use crate::sha256_hex;
use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

const REVIEWS: usize = 0;
const SUMMARIES: usize = 1;
const DECISIONS: usize = 2;
const BY_SHA: usize = 3;
const CONTENT: usize = 4;
const SCANS: usize = 5;
const FINDINGS: usize = 6;
const AUDIT: usize = 7;
const TOKENS: usize = 8;
const PERSONS: usize = 9;
const META: usize = 10;
const RULESETS: usize = 11;
const UNDO: usize = 12;
const IDEMPOTENCY: usize = 13;
const NGRAMS: usize = 14;
const ASSIGNMENTS: usize = 15;
const REVISIONS: usize = 16;
const REDACTIONS: usize = 17;
const GATE_PASSES: usize = 18;
const SUPPRESSIONS: usize = 19;
// New trees go at the end: undo records name trees by their index here.
const TREE_NAMES: [&str; 20] = [
    "reviews",
    "summaries",
    "decisions",
    "by_sha",
    "content",
    "scans",
    "findings",
    "audit",
    "tokens",
    "persons",
    "meta",
    "rulesets",
    "undo",
    "idempotency",
    "ngrams",
    "assignments",
    "revisions",
    "redactions",
    "gate_passes",
    "suppressions",
];
const HEAD_KEY: &[u8] = b"audit_head";
const FORMAT_KEY: &[u8] = b"format";
const FORMAT: u64 = 7;
/// Every review with an id below this value is in the search index.
const SEARCH_KEY: &[u8] = b"search_indexed";
/// How many entries of a query's term the search counts before it calls the term common.
const TERM_COUNT_BOUND: usize = 4096;
const ACK_KEY: &[u8] = b"acked";
/// In `meta`: the id of the rule set the latest `ruleset_loaded` record names.
const LAST_RULESET_KEY: &[u8] = b"last_ruleset";
/// A write or flush running longer than this makes `/healthz` report the store as stalled.
const STALL_AFTER: Duration = Duration::from_secs(5);
/// Undo records of acknowledged writes are deleted a few at a time by later writes.
const UNDO_PRUNE_PER_WRITE: u64 = 64;

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Head {
    seq: u64,
    hash: String,
}

/// A review as stored: the submission, without findings (they belong to the scan of its bytes)
/// and decisions (their own tree).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct ReviewRow {
    id: ReviewId,
    /// The audit seq of the write that stored it.
    seq: u64,
    sha256: String,
    title: Option<String>,
    #[serde(default)]
    metadata: BTreeMap<String, serde_json::Value>,
    submitter: String,
    submitter_key: String,
    submitter_role: Role,
    via: String,
    content_kind: ContentKind,
    len: usize,
    submitted_at: String,
    /// The day the information was formed or changed, as given; rows written before format 6
    /// have none (their clocks count from the submission day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    formed_on: Option<String>,
    /// The name the document was submitted under, if one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    file_name: Option<String>,
    /// The review this one revises; rows written before format 4 revise none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    revises: Option<ReviewId>,
    /// Which version of its draft it is (1 for rows written before format 4).
    #[serde(default = "first_version")]
    version: u32,
    /// The review this one is a redacted copy of, and how it was made; rows written before
    /// format 5 are no copies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    redacted_from: Option<ReviewId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    redaction: Option<RedactionRecord>,
}

fn first_version() -> u32 {
    1
}

/// The link from a review to its next version, written by the write that stores the next
/// version; readers see it once that write is acknowledged.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct RevisionRow {
    /// The review that revises this one.
    by: ReviewId,
    /// The audit seq of the write that stored it.
    audit: u64,
}

/// A redacted copy made of a review, keyed by the review's id and the copy's; written by the
/// write that stores the copy, seen by readers once that write is acknowledged.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct RedactionRow {
    by: String,
    at: String,
    policy: serde_json::Value,
    /// The audit seq of the write that stored it.
    audit: u64,
}

/// A claim or an assignment, as stored; the latest visible one of a review is its assignee.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct AssignmentRow {
    name: String,
    /// The assignee's person key.
    key: String,
    by: String,
    at: String,
    /// The audit seq of the write that stored it.
    audit: u64,
    /// The earlier version whose claim or assignment this is (carried over by the write that
    /// stored this version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    carried_from: Option<ReviewId>,
}

/// A scan's findings, with the ones a suppression covered.
struct ScanFindings {
    findings: Vec<Finding>,
    suppressed: Vec<SuppressedFinding>,
}

/// Everything a [`Review`] is made of. A write reads these before it commits and answers from
/// them: once a write is committed, nothing may fail before its answer, or a write that reaches
/// the disk would be answered as failed (a read after a power loss fails with EIO).
struct ReviewParts {
    row: ReviewRow,
    decisions: Vec<DecisionRecord>,
    findings: ScanFindings,
    assignee: Option<AssignmentRow>,
    department: Option<String>,
    /// The review's next version, if it has one.
    revised_by: Option<ReviewId>,
    /// The redacted copies made of it.
    redactions: Vec<RedactionLink>,
}

impl ReviewParts {
    fn into_review(self) -> Result<Review, StoreError> {
        let ReviewParts {
            row,
            decisions,
            findings,
            assignee,
            department,
            revised_by,
            redactions,
        } = self;
        let engine = latest_of(&decisions, DecisionKind::Engine).ok_or_else(|| {
            StoreError::Corrupt(format!("review {} has no engine decision", row.id))
        })?;
        let effective = effective(&decisions);
        let ScanFindings {
            findings,
            suppressed,
        } = findings;
        Ok(Review {
            id: row.id,
            sha256: row.sha256,
            title: row.title,
            metadata: row.metadata,
            submitter: row.submitter,
            submitter_role: row.submitter_role,
            via: row.via,
            content_kind: row.content_kind,
            len: row.len,
            submitted_at: row.submitted_at,
            formed_on: row.formed_on,
            decided_at: decided_at(&decisions),
            stages_passed: stages_passed(&decisions),
            clocks: None,
            file_name: row.file_name,
            ruleset: engine.ruleset.clone(),
            categories: held_categories(&super::live_findings(&findings, &suppressed)),
            findings,
            suppressed,
            decision: effective.decision,
            state: ReviewState::of_version(&decisions, revised_by.is_some()),
            state_reason: state_reason(&decisions, revised_by),
            assignee: assignee.map(|a| a.assignment()),
            department,
            updated_at: decisions.last().map(|d| d.at.clone()).unwrap_or_default(),
            decisions,
            version: row.version,
            revises: row.revises,
            revised_by,
            versions: Vec::new(),
            redacted_from: row.redacted_from,
            redaction: row.redaction,
            redactions,
        })
    }
}

impl AssignmentRow {
    fn assignment(&self) -> Assignment {
        Assignment {
            name: self.name.clone(),
            by: self.by.clone(),
            at: self.at.clone(),
            carried_from: self.carried_from,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct ScanRow {
    seq: u64,
    #[serde(flatten)]
    meta: ScanMeta,
}

/// A new version's place in its draft: its version number, and the writes that supersede the
/// review it revises.
struct Revised {
    version: u32,
    writes: Vec<Write>,
}

/// In-memory state that only writers touch, under [`KvStore::writer`].
struct WriterState {
    next_review: ReviewId,
    head: Head,
    /// Undo records up to this seq are deleted.
    undo_pruned: u64,
    /// PostgreSQL: the number of the writer's transaction (the ticket of every write in it),
    /// and how many writes in it wait for its commit.
    pg_txn: u64,
    pg_pending: usize,
}

/// The store: its logic over the trees of [`Kv`], on sled or on PostgreSQL.
pub struct KvStore {
    kv: Kv,
    /// What only sled has: its database and files, which this process flushes itself.
    sled: Option<SledFiles>,
    /// PostgreSQL's group commit.
    pg_commits: PgCommits,
    /// PostgreSQL: what the gate read, kept while valid (see [`PgReadCache`]).
    pg_cache: PgReadCache,
    writer: Mutex<WriterState>,
    /// When the writer lock was taken (for stall reports); `None` while free.
    writing_since: Mutex<Option<Instant>>,
    flusher: Flusher,
    /// The last audit seq readers may see: covered by a successful flush and its marker.
    visible: AtomicU64,
    failed: AtomicBool,
    failure: Mutex<Option<String>>,
    /// Every token by the hash of its secret. With sled the store is the only writer of the
    /// tokens tree (sled locks the directory), so this copy is always current; it spares every
    /// request a tree lookup and a JSON parse. With PostgreSQL another node may create or revoke
    /// a token, so there is no copy (`None`) and every lookup reads the database.
    token_cache: Option<RwLock<HashMap<String, TokenRecord>>>,
}

struct SledFiles {
    db: sled::Db,
    /// The data directory: sled's log file and blob files are synced from here (see [`sync`]).
    dir: std::path::PathBuf,
    /// Blob files already synced.
    synced_blobs: Mutex<std::collections::HashSet<std::ffi::OsString>>,
    ack: sled::Tree,
}

/// PostgreSQL: the gate's reads, so that a check of bytes already answered costs one read (the
/// audit head) instead of one per review, decision and scan. Another node's decision reaches
/// this node through the database only, so an answer is kept with the hash of the audit head
/// it was read under and used only while the head is unchanged: any write on any node, the
/// decision among them, is committed with a new head before it is acknowledged, and the next
/// check reads that head and the state again. Never filled inside a write (its head is not
/// committed yet).
#[derive(Default)]
struct PgReadCache {
    states: Mutex<HashMap<String, (String, Option<ContentState>)>>,
    /// Bytes with a gate pass on record: it is never removed.
    passed: Mutex<HashSet<String>>,
}

/// The most entries of each cache (then it starts again, empty).
const PG_CACHE_ENTRIES: usize = 20_000;

/// Group commit on PostgreSQL: writes join the writer's open transaction, and the first writer
/// to wait for its ticket commits it for everyone in it.
#[derive(Default)]
struct PgCommits {
    state: Mutex<PgCommitState>,
    done: Condvar,
}

#[derive(Default)]
struct PgCommitState {
    /// Every transaction up to this number is resolved (committed, or in `failed`).
    resolved: u64,
    committing: Option<Instant>,
    /// Transactions that did not commit: why, and whether they may have (in doubt).
    failed: BTreeMap<u64, (String, bool)>,
}

/// The writer lock, which also tells `/healthz` how long it has been held.
struct WriterGuard<'a> {
    state: MutexGuard<'a, WriterState>,
    since: &'a Mutex<Option<Instant>>,
    store: &'a KvStore,
    _scope: WriteScope,
}

impl std::ops::Deref for WriterGuard<'_> {
    type Target = WriterState;
    fn deref(&self) -> &WriterState {
        &self.state
    }
}

impl std::ops::DerefMut for WriterGuard<'_> {
    fn deref_mut(&mut self) -> &mut WriterState {
        &mut self.state
    }
}

impl Drop for WriterGuard<'_> {
    fn drop(&mut self) {
        // PostgreSQL: a transaction no write waits on is ended now (it holds the cluster's
        // write lock); one whose statement failed is rolled back, and the writes in it fail.
        if let Some(pg) = self.store.kv.pg() {
            let mut w = pg.lock_writer();
            if w.open && (w.broken || self.state.pg_pending == 0) {
                let txn = self.state.pg_txn;
                let outcome = pg.commit(&mut w);
                drop(w);
                self.state.pg_pending = 0;
                self.store.pg_resolved(txn, outcome);
            }
        }
        *lock(self.since) = None;
    }
}

impl KvStore {
    /// Opens (or creates) the store in `dir`. Fails if another process holds the directory.
    /// Writes that were never acknowledged (their flush failed, or the process died before it)
    /// are rolled back here; a store written by an earlier baomi is converted to this layout.
    pub fn open(dir: &Path) -> Result<KvStore, StoreError> {
        // No background flush: every flush is this store's own, followed by its fsync, so the
        // acknowledgement marker reaches the disk only through a flush that reported success
        // (sled's periodic fsync could otherwise persist a marker whose own fsync then failed).
        let db = sled::Config::new()
            .path(dir)
            .flush_every_ms(None)
            .open()
            .map_err(|e| {
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
        let ack = db.open_tree("ack").map_err(io)?;
        let format = match trees[META].get(FORMAT_KEY).map_err(io)? {
            Some(v) => be_u64(&v).map_err(StoreError::Corrupt)?,
            None if trees[REVIEWS].is_empty() && trees[AUDIT].is_empty() => {
                trees[META]
                    .insert(FORMAT_KEY, &FORMAT.to_be_bytes())
                    .map_err(io)?;
                FORMAT
            }
            None => 1,
        };
        if format > FORMAT {
            return Err(StoreError::Corrupt(format!(
                "the data directory {} was written by a newer baomi (store format {format}; this binary reads {FORMAT})",
                dir.display()
            )));
        }
        let head = read_head(&Kv::Sled(trees.clone()))?;
        let acked = match ack.get(ACK_KEY).map_err(io)? {
            Some(v) => be_u64(&v).map_err(StoreError::Corrupt)?,
            // A store from before the marker: everything in it was acknowledged.
            None => head.seq,
        };
        if acked < head.seq {
            rollback(&trees, acked, head.seq)?;
            tracing::warn!(
                from = acked + 1,
                to = head.seq,
                "rolled back writes that were never acknowledged (their flush failed or did not finish)"
            );
        } else if acked > head.seq {
            return Err(StoreError::Corrupt(format!(
                "the acknowledgement marker ({acked}) is past the audit head ({})",
                head.seq
            )));
        }
        if format < 2 {
            migrate_v1(&trees)?;
        }
        index_backlog(&trees)?;
        if format < FORMAT {
            trees[META]
                .insert(FORMAT_KEY, &FORMAT.to_be_bytes())
                .map_err(io)?;
            tracing::info!(from = format, to = FORMAT, "store format updated");
        }
        ack.insert(ACK_KEY, &acked.to_be_bytes()).map_err(io)?;
        db.flush().map_err(io)?;
        let synced_blobs = Mutex::new(Default::default());
        sync(dir, &synced_blobs)
            .and_then(|_| std::fs::File::open(dir)?.sync_all())
            .map_err(|e| StoreError::Io(format!("cannot sync the store: {e}")))?;
        let head = read_head(&Kv::Sled(trees.clone()))?;
        let next_review = match trees[REVIEWS].last().map_err(io)? {
            Some((k, _)) => be_u64(&k).map_err(StoreError::Corrupt)? + 1,
            None => 1,
        };
        let undo_pruned = match trees[UNDO].first().map_err(io)? {
            Some((k, _)) => be_u64(&k).map_err(StoreError::Corrupt)?.saturating_sub(1),
            None => head.seq,
        };
        let mut token_cache = HashMap::new();
        for item in trees[TOKENS].iter() {
            let (k, v) = item.map_err(io)?;
            let hash = String::from_utf8_lossy(&k).into_owned();
            token_cache.insert(hash, from_json(&v, "token", 0)?);
        }
        Ok(KvStore {
            token_cache: Some(RwLock::new(token_cache)),
            kv: Kv::Sled(trees),
            sled: Some(SledFiles {
                db,
                dir: dir.to_path_buf(),
                synced_blobs,
                ack,
            }),
            pg_commits: PgCommits::default(),
            pg_cache: PgReadCache::default(),
            visible: AtomicU64::new(head.seq),
            writer: Mutex::new(WriterState {
                next_review,
                undo_pruned,
                head,
                pg_txn: 0,
                pg_pending: 0,
            }),
            writing_since: Mutex::new(None),
            flusher: Flusher::default(),
            failed: AtomicBool::new(false),
            failure: Mutex::new(None),
        })
    }

    /// Opens (or creates) the store in the PostgreSQL database at `url`, with at most `pool`
    /// connections for readers (and one for writes). The schema is created or migrated; a
    /// database whose schema or store format is newer than this binary knows is refused, and
    /// so is a server that acknowledges commits before they are durable.
    pub fn open_postgres(url: &str, pool: u32) -> Result<KvStore, StoreError> {
        let pg = PgKv::connect(url, pool).map_err(StoreError::Io)?;
        pg.check_durability().map_err(StoreError::Io)?;
        let shown = pg.shown.clone();
        let kv = Kv::Pg(Arc::new(pg));
        match kv.tree(META).get(FORMAT_KEY).map_err(io)? {
            Some(v) => {
                let format = be_u64(&v).map_err(StoreError::Corrupt)?;
                if format > FORMAT {
                    return Err(StoreError::Corrupt(format!(
                        "the database {shown} was written by a newer baomi (store format {format}; this binary reads {FORMAT})"
                    )));
                }
            }
            None => {
                let pg = kv.pg().expect("a PostgreSQL store");
                let mut w = pg.lock_writer();
                pg.begin(&mut w).map_err(io)?;
                drop(w);
                let _scope = WriteScope::enter();
                let wrote = pg.apply(&[(
                    META,
                    FORMAT_KEY.to_vec(),
                    Some(FORMAT.to_be_bytes().to_vec()),
                )]);
                let mut w = pg.lock_writer();
                match (wrote, pg.commit(&mut w)) {
                    (Ok(()), Committed::Yes) => {}
                    (Err(e), _) => return Err(io(e)),
                    (_, Committed::No(m) | Committed::InDoubt(m)) => return Err(StoreError::Io(m)),
                }
            }
        }
        let head = read_head(&kv)?;
        let next_review = next_review(&kv)?;
        Ok(KvStore {
            token_cache: None,
            kv,
            sled: None,
            pg_commits: PgCommits::default(),
            pg_cache: PgReadCache::default(),
            visible: AtomicU64::new(u64::MAX),
            writer: Mutex::new(WriterState {
                next_review,
                undo_pruned: 0,
                head,
                pg_txn: 0,
                pg_pending: 0,
            }),
            writing_since: Mutex::new(None),
            flusher: Flusher::default(),
            failed: AtomicBool::new(false),
            failure: Mutex::new(None),
        })
    }

    /// Copies everything this store holds (reviews, decisions, contents, scans, tokens,
    /// persons, rule sets, suppressions, the search index and the audit chain) into `target`,
    /// which must be empty, and returns the number of keys copied per tree. Undo records are
    /// not copied (every write they could undo is acknowledged). On PostgreSQL the copy is one
    /// transaction: it lands whole or not at all. Nothing may write to either store meanwhile
    /// (stop the service): a sled directory is locked by this process; a database is not.
    pub fn copy_into(&self, target: &KvStore) -> Result<Vec<(&'static str, u64)>, StoreError> {
        for tree in [AUDIT, REVIEWS, TOKENS, RULESETS] {
            if target.kv.tree(tree).last().map_err(io)?.is_some() {
                return Err(StoreError::Conflict(format!(
                    "the target store is not empty (its {} hold records): copy into a new data directory or an empty database",
                    TREE_NAMES[tree]
                )));
            }
        }
        let head = read_head(&self.kv)?;
        if let Some(pg) = target.kv.pg() {
            pg.begin(&mut pg.lock_writer()).map_err(io)?;
        }
        let mut counts = Vec::new();
        let mut batch: Vec<Write> = Vec::new();
        let mut bytes = 0usize;
        let flush = |batch: &mut Vec<Write>| -> Result<(), StoreError> {
            match &target.kv {
                Kv::Sled(trees) => {
                    for (tree, key, value) in batch.iter() {
                        if let Some(v) = value {
                            trees[*tree]
                                .insert(key.as_slice(), v.as_slice())
                                .map_err(io)?;
                        }
                    }
                }
                Kv::Pg(pg) => pg.apply(batch).map_err(io)?,
            }
            batch.clear();
            Ok(())
        };
        let copied = (|| {
            for (tree, name) in TREE_NAMES.iter().enumerate() {
                if tree == UNDO {
                    continue;
                }
                let mut n = 0u64;
                for item in self.kv.tree(tree).iter() {
                    let (k, v) = item.map_err(io)?;
                    bytes += k.len() + v.len();
                    batch.push((tree, k.to_vec(), Some(v.to_vec())));
                    n += 1;
                    if batch.len() >= 2000 || bytes >= 32 << 20 {
                        flush(&mut batch)?;
                        bytes = 0;
                    }
                }
                flush(&mut batch)?;
                counts.push((*name, n));
            }
            Ok::<(), StoreError>(())
        })();
        match (&target.kv, &target.sled) {
            (Kv::Pg(pg), _) => {
                let mut w = pg.lock_writer();
                if copied.is_err() {
                    w.broken = true;
                }
                match pg.commit(&mut w) {
                    Committed::Yes => copied?,
                    Committed::No(m) | Committed::InDoubt(m) => {
                        copied?;
                        return Err(StoreError::Io(m));
                    }
                }
            }
            (Kv::Sled(_), Some(files)) => {
                copied?;
                files
                    .ack
                    .insert(ACK_KEY, &head.seq.to_be_bytes())
                    .map_err(io)?;
                files.db.flush().map_err(io)?;
                sync(&files.dir, &files.synced_blobs)
                    .and_then(|_| std::fs::File::open(&files.dir)?.sync_all())
                    .map_err(|e| StoreError::Io(format!("cannot sync the store: {e}")))?;
            }
            (Kv::Sled(_), None) => unreachable!("a sled store has its files"),
        }
        Ok(counts)
    }

    /// What the gate needs about these bytes, read from the trees.
    fn read_content_state(&self, sha256: &str) -> Result<Option<ContentState>, StoreError> {
        let mut state = ContentState {
            reviews: Vec::new(),
            latest_override: None,
            latest_engine: None,
            scan: None,
        };
        for (id, _) in self.reviews_of(sha256)? {
            if self.visible_row(id)?.is_none() {
                continue;
            }
            state.reviews.push(id);
            for d in self.visible_decisions(id)? {
                // A return is a reviewer's decision like an override: it holds, and stands. A
                // stage's approval decides nothing: the gate never reads it.
                let slot = match d.kind {
                    DecisionKind::Override | DecisionKind::Return => &mut state.latest_override,
                    DecisionKind::Engine => &mut state.latest_engine,
                    DecisionKind::Stage => continue,
                };
                if slot
                    .as_ref()
                    .is_none_or(|(i, s)| (s.audit, *i, s.seq) < (d.audit, id, d.seq))
                {
                    *slot = Some((id, d));
                }
            }
        }
        if state.reviews.is_empty() {
            return Ok(None);
        }
        if let Some((_, engine)) = &state.latest_engine {
            state.scan = self.scan_row(sha256, &engine.ruleset)?.map(|s| s.meta);
        }
        Ok(Some(state))
    }

    /// The store of a command line: the PostgreSQL database at `store` (with `pool` reader
    /// connections) when given, else the sled store in `data`.
    pub fn open_at(data: &Path, store: Option<&str>, pool: u32) -> Result<KvStore, StoreError> {
        match store {
            Some(url) => KvStore::open_postgres(url, pool),
            None => KvStore::open(data),
        }
    }

    /// The database this store is in, without its password, or `None` for sled.
    pub fn database(&self) -> Option<&str> {
        self.kv.pg().map(|p| p.shown.as_str())
    }

    fn writer(&self) -> Result<WriterGuard<'_>, StoreError> {
        if self.failed.load(Ordering::SeqCst) {
            let why = lock(&self.failure).clone().unwrap_or_default();
            return Err(StoreError::Failed(why));
        }
        let state = lock(&self.writer);
        *lock(&self.writing_since) = Some(Instant::now());
        let mut guard = WriterGuard {
            state,
            since: &self.writing_since,
            store: self,
            _scope: WriteScope::enter(),
        };
        if let Some(pg) = self.kv.pg() {
            // A new transaction starts from what the database holds: another node may have
            // written since this one last did.
            let began = pg.begin(&mut pg.lock_writer()).map_err(io)?;
            if began {
                guard.state.pg_txn += 1;
                guard.state.pg_pending = 0;
                guard.state.head = read_head(&self.kv)?;
                guard.state.next_review = next_review(&self.kv)?;
            }
        }
        Ok(guard)
    }

    /// Records how a PostgreSQL transaction ended and wakes the writes that wait on it.
    fn pg_resolved(&self, txn: u64, outcome: Committed) {
        let mut s = lock(&self.pg_commits.state);
        match outcome {
            Committed::Yes => {}
            Committed::No(m) => {
                tracing::error!(error = %m, "a write transaction was rolled back");
                s.failed.insert(txn, (m, false));
            }
            Committed::InDoubt(m) => {
                tracing::error!(error = %m, "the database connection failed during a commit");
                s.failed.insert(txn, (m, true));
            }
        }
        s.resolved = s.resolved.max(txn);
        let keep_from = s.resolved.saturating_sub(10_000);
        s.failed = s.failed.split_off(&keep_from);
        self.pg_commits.done.notify_all();
    }

    /// Waits until the PostgreSQL transaction `txn` is resolved, committing it when no other
    /// write is doing so (every write that joined it meanwhile shares that commit).
    fn pg_durable(&self, pg: &PgKv, txn: u64) -> Result<(), StoreError> {
        let mut s = lock(&self.pg_commits.state);
        loop {
            if let Some((m, in_doubt)) = s.failed.get(&txn) {
                return Err(if *in_doubt {
                    StoreError::InDoubt(m.clone())
                } else {
                    StoreError::Io(m.clone())
                });
            }
            if s.resolved >= txn {
                return Ok(());
            }
            if s.committing.is_some() {
                s = self
                    .pg_commits
                    .done
                    .wait(s)
                    .unwrap_or_else(|p| p.into_inner());
                continue;
            }
            s.committing = Some(Instant::now());
            drop(s);
            let mut state = lock(&self.writer);
            let mut w = pg.lock_writer();
            let open = state.pg_txn;
            let outcome = pg.commit(&mut w);
            drop(w);
            state.pg_pending = 0;
            drop(state);
            self.pg_resolved(open, outcome);
            s = lock(&self.pg_commits.state);
            s.committing = None;
        }
    }

    fn fail(&self, message: String) -> StoreError {
        tracing::error!(error = %message, "store write failed; refusing writes until restart");
        *lock(&self.failure) = Some(message.clone());
        self.failed.store(true, Ordering::SeqCst);
        StoreError::Io(message)
    }

    fn visible(&self) -> u64 {
        if self.sled.is_none() {
            // PostgreSQL: readers see committed transactions only, and a write is
            // acknowledged once its transaction committed.
            return u64::MAX;
        }
        self.visible.load(Ordering::Acquire)
    }

    /// Applies `writes` (which include `record` and the new head) in one transaction, with the
    /// undo record that reverses them, and when it commits moves the in-memory head to `record`.
    /// Returns the flush ticket (the record's seq).
    fn commit(
        &self,
        w: &mut WriterState,
        record: &AuditRecord,
        writes: &[Write],
    ) -> Result<u64, StoreError> {
        let trees = match &self.kv {
            Kv::Sled(trees) => trees,
            Kv::Pg(pg) => {
                // No undo records: a transaction that does not commit leaves nothing behind.
                pg.apply(writes).map_err(io)?;
                w.head = Head {
                    seq: record.seq,
                    hash: record.hash.clone(),
                };
                w.pg_pending += 1;
                return Ok(w.pg_txn);
            }
        };
        let prune_to = self
            .visible()
            .min(w.undo_pruned + UNDO_PRUNE_PER_WRITE)
            .min(record.seq - 1);
        let prune = (w.undo_pruned + 1)..=prune_to;
        // Content and findings are written before the transaction, as plain inserts: a sled
        // transaction holds a lock that stops every reader (the gate's lookups among them) for
        // as long as it writes, and a 16 MiB document or ten thousand findings take long to
        // write. Both are keyed by what they are (the bytes' hash; the hash and rule set) and
        // read only through rows the transaction writes, so one left behind by a crash or a
        // rollback is never read, and the next write of the same key writes the same thing.
        // The flush after the commit makes them durable with the rest. Search entries too (tens
        // of thousands for a large document): each carries the stamp of its review, so an entry
        // left by a write that was rolled back, whose review id a later review reuses, is not
        // taken for one of the new review's (see `search::stamp`).
        let (side, writes): (Vec<&Write>, Vec<&Write>) =
            writes.iter().partition(|(tree, _, value)| {
                matches!(*tree, CONTENT | FINDINGS | NGRAMS) && value.is_some()
            });
        for (tree, key, value) in side {
            if let Some(v) = value {
                trees[*tree]
                    .insert(key.as_slice(), v.as_slice())
                    .map_err(|e| self.fail(e.to_string()))?;
            }
        }
        let result = trees[..].transaction(|t| {
            let mut undo = Vec::with_capacity(writes.len());
            for (tree, key, value) in writes.iter().copied() {
                let old = match value {
                    Some(v) => t[*tree].insert(key.as_slice(), v.as_slice())?,
                    None => t[*tree].remove(key.as_slice())?,
                };
                undo.push((*tree, key.as_slice(), old));
            }
            t[UNDO].insert(&record.seq.to_be_bytes(), encode_undo(&undo))?;
            for seq in prune.clone() {
                t[UNDO].remove(&seq.to_be_bytes())?;
            }
            Ok::<(), ConflictableTransactionError<()>>(())
        });
        match result {
            Ok(()) => {
                w.head = Head {
                    seq: record.seq,
                    hash: record.hash.clone(),
                };
                w.undo_pruned = w.undo_pruned.max(prune_to);
                self.flusher.committed(record.seq);
                Ok(record.seq)
            }
            Err(TransactionError::Storage(e)) => Err(self.fail(e.to_string())),
            Err(TransactionError::Abort(())) => Err(self.fail("transaction aborted".into())),
        }
    }

    /// The ticket to wait on for a write the writer `w` has read (audit seq `seq`), which may
    /// not be durable yet: on sled the seq itself; on PostgreSQL the writer's open transaction
    /// (the write is in it, or committed already, and either way is durable once that
    /// transaction is resolved).
    fn seen(&self, w: &WriterState, seq: u64) -> u64 {
        if self.kv.pg().is_some() {
            w.pg_txn
        } else {
            seq
        }
    }

    /// Waits until the write with `ticket` is on disk and visible.
    /// A failure after the acknowledgement marker was written is `InDoubt`: the write may or
    /// may not count after a restart, and the caller must be told so, not that it failed.
    fn durable(&self, ticket: u64) -> Result<(), StoreError> {
        if let Some(pg) = self.kv.pg() {
            return self.pg_durable(pg, ticket);
        }
        self.flusher.wait(self, ticket).map_err(|(e, in_doubt)| {
            match self.fail(format!("flush failed: {e}")) {
                StoreError::Io(m) if in_doubt => StoreError::InDoubt(m),
                other => other,
            }
        })
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
            (
                AUDIT,
                record.seq.to_be_bytes().to_vec(),
                Some(to_json(&record)),
            ),
            (META, HEAD_KEY.to_vec(), Some(to_json(&head))),
        ];
        (record, writes)
    }

    fn row(&self, id: ReviewId) -> Result<Option<ReviewRow>, StoreError> {
        match self.kv.tree(REVIEWS).get(id.to_be_bytes()).map_err(io)? {
            Some(bytes) => Ok(Some(from_json(&bytes, "review", id)?)),
            None => Ok(None),
        }
    }

    /// The review row, if readers may see it.
    fn visible_row(&self, id: ReviewId) -> Result<Option<ReviewRow>, StoreError> {
        let visible = self.visible();
        Ok(self.row(id)?.filter(|r| r.seq <= visible))
    }

    /// Every decision of a review, visible or not, in order.
    fn all_decisions(&self, id: ReviewId) -> Result<Vec<DecisionRecord>, StoreError> {
        let mut out = Vec::new();
        for item in self.kv.tree(DECISIONS).scan_prefix(id.to_be_bytes()) {
            let (_, v) = item.map_err(io)?;
            out.push(from_json(&v, "decision of review", id)?);
        }
        Ok(out)
    }

    fn visible_decisions(&self, id: ReviewId) -> Result<Vec<DecisionRecord>, StoreError> {
        let visible = self.visible();
        let mut out = self.all_decisions(id)?;
        out.retain(|d| d.audit <= visible);
        if out.is_empty() {
            return Err(StoreError::Corrupt(format!("review {id} has no decision")));
        }
        Ok(out)
    }

    fn scan_row(&self, sha256: &str, ruleset: &str) -> Result<Option<ScanRow>, StoreError> {
        match self
            .kv
            .tree(SCANS)
            .get(scan_key(sha256, ruleset))
            .map_err(io)?
        {
            Some(v) => Ok(Some(from_json(&v, "scan of", 0)?)),
            None => Ok(None),
        }
    }

    /// A scan's findings and the ones a suppression covered.
    fn findings(&self, sha256: &str, ruleset: &str) -> Result<ScanFindings, StoreError> {
        let findings = match self
            .kv
            .tree(FINDINGS)
            .get(scan_key(sha256, ruleset))
            .map_err(io)?
        {
            Some(v) => from_json(&v, "findings of scan", 0)?,
            None => Vec::new(),
        };
        let suppressed = if ruleset.contains('+') {
            self.scan_row(sha256, ruleset)?
                .map(|r| r.meta.suppressed)
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        Ok(ScanFindings {
            findings,
            suppressed,
        })
    }

    /// The whole review as readers may see it.
    fn load_review(&self, id: ReviewId) -> Result<Option<Review>, StoreError> {
        let Some(row) = self.visible_row(id)? else {
            return Ok(None);
        };
        let decisions = self.visible_decisions(id)?;
        let parts = self.parts(row, decisions, true)?;
        parts.into_review().map(Some)
    }

    /// The whole review as the writer sees it (writes not acknowledged yet included): what a
    /// write that repeats an earlier one answers, read before it waits for that write's flush.
    fn written_review(&self, id: ReviewId) -> Result<Review, StoreError> {
        let row = self
            .row(id)?
            .ok_or_else(|| StoreError::Corrupt(format!("review {id} is not readable")))?;
        let decisions = self.all_decisions(id)?;
        self.parts(row, decisions, false)?.into_review()
    }

    /// Answers a write that repeats an earlier one (the same submission, Idempotency-Key or
    /// assignee): the review as the writer sees it, once everything it was read from is on disk.
    /// The earlier write exists, so a failing read leaves it in doubt, never failed.
    fn repeated(&self, w: WriterGuard<'_>, id: ReviewId) -> Result<Review, StoreError> {
        let review = self.written_review(id).map_err(|e| match e {
            StoreError::Io(m) => StoreError::InDoubt(m),
            other => other,
        })?;
        let ticket = self.seen(&w, w.head.seq);
        drop(w);
        self.durable(ticket)?;
        Ok(review)
    }

    /// Reads the rest of a review: its findings, assignment and department.
    fn parts(
        &self,
        row: ReviewRow,
        decisions: Vec<DecisionRecord>,
        visible_only: bool,
    ) -> Result<ReviewParts, StoreError> {
        let engine = latest_of(&decisions, DecisionKind::Engine).ok_or_else(|| {
            StoreError::Corrupt(format!("review {} has no engine decision", row.id))
        })?;
        let findings = self.findings(&row.sha256, &engine.ruleset)?;
        let assignee = self.assignment_row(row.id, visible_only)?;
        let department = self.department(&row.submitter_key)?;
        let revised_by = self.revised_by(row.id, visible_only)?;
        let redactions = self.redactions(row.id, visible_only)?;
        Ok(ReviewParts {
            row,
            decisions,
            findings,
            assignee,
            department,
            revised_by,
            redactions,
        })
    }

    /// The review's next version: the one readers may see when `visible_only`, else the one
    /// written (what a writer builds on).
    fn revised_by(&self, id: ReviewId, visible_only: bool) -> Result<Option<ReviewId>, StoreError> {
        let Some(v) = self.kv.tree(REVISIONS).get(id.to_be_bytes()).map_err(io)? else {
            return Ok(None);
        };
        let r: RevisionRow = from_json(&v, "revision of review", id)?;
        Ok((!visible_only || r.audit <= self.visible()).then_some(r.by))
    }

    /// The redacted copies made of review `id`, oldest first: those readers may see when
    /// `visible_only`, else every one written.
    fn redactions(
        &self,
        id: ReviewId,
        visible_only: bool,
    ) -> Result<Vec<RedactionLink>, StoreError> {
        let visible = self.visible();
        let mut out = Vec::new();
        for item in self.kv.tree(REDACTIONS).scan_prefix(id.to_be_bytes()) {
            let (k, v) = item.map_err(io)?;
            let copy = be_u64(k.get(8..).unwrap_or_default()).map_err(StoreError::Corrupt)?;
            let r: RedactionRow = from_json(&v, "redaction of review", id)?;
            if !visible_only || r.audit <= visible {
                out.push(RedactionLink {
                    id: copy,
                    by: r.by,
                    at: r.at,
                    policy: r.policy,
                });
            }
        }
        Ok(out)
    }

    /// The persons who may not decide or take up review `row` (four eyes), with a review each
    /// submitted: everyone who submitted its bytes, in any review; for a redacted copy also
    /// everyone who submitted the bytes it was made of (the bool says so).
    fn barred(&self, row: &ReviewRow) -> Result<Vec<(ReviewId, String, bool)>, StoreError> {
        let mut out: Vec<(ReviewId, String, bool)> = self
            .reviews_of(&row.sha256)?
            .into_iter()
            .map(|(id, k)| (id, k, false))
            .collect();
        if let Some(original) = row
            .redacted_from
            .map(|o| self.row(o))
            .transpose()?
            .flatten()
        {
            out.extend(
                self.reviews_of(&original.sha256)?
                    .into_iter()
                    .map(|(id, k)| (id, k, true)),
            );
        }
        Ok(out)
    }

    /// The newest version of the draft review `id` belongs to, following the written links
    /// (a writer's view): `id` itself when nothing revises it. Bounded by [`MAX_VERSIONS`],
    /// so a damaged store with a loop in its links cannot hold a writer forever.
    fn newest_version(&self, id: ReviewId) -> Result<ReviewId, StoreError> {
        let mut current = id;
        for _ in 0..=MAX_VERSIONS {
            match self.revised_by(current, false)? {
                Some(next) => current = next,
                None => return Ok(current),
            }
        }
        Err(StoreError::Corrupt(format!(
            "the versions after review {id} do not end within {MAX_VERSIONS} links"
        )))
    }

    /// The latest claim or assignment of a review: the latest one readers may see when
    /// `visible_only`, else the latest written (what a writer builds on).
    fn assignment_row(
        &self,
        id: ReviewId,
        visible_only: bool,
    ) -> Result<Option<AssignmentRow>, StoreError> {
        let visible = self.visible();
        for item in self
            .kv
            .tree(ASSIGNMENTS)
            .scan_prefix(id.to_be_bytes())
            .rev()
        {
            let (_, v) = item.map_err(io)?;
            let a: AssignmentRow = from_json(&v, "assignment of review", id)?;
            if !visible_only || a.audit <= visible {
                return Ok(Some(a));
            }
        }
        Ok(None)
    }

    /// The seq of the `gate_passed` record of these bytes, committed (durable or not yet).
    fn gate_pass_seq(&self, sha256: &str) -> Result<Option<u64>, StoreError> {
        match self
            .kv
            .tree(GATE_PASSES)
            .get(sha256.as_bytes())
            .map_err(io)?
        {
            Some(v) => be_u64(&v).map(Some).map_err(StoreError::Corrupt),
            None => Ok(None),
        }
    }

    /// The department of a person's record, by person key.
    fn department(&self, person: &str) -> Result<Option<String>, StoreError> {
        Ok(self.person(person)?.and_then(|p| p.department))
    }

    /// Review ids indexed with every one of `terms`, each with the stamp its entries carry
    /// (see [`search::stamp`]; the caller checks it against the review). Counts each term's
    /// entries up to [`TERM_COUNT_BOUND`], walks the entries of the rarest and looks the other
    /// terms up for each: a common pair (`通知`) costs at most the bound unless every term is
    /// as common. Never reads a review.
    fn search(&self, terms: &[String]) -> Result<BTreeMap<ReviewId, [u8; 8]>, StoreError> {
        let tree = &self.kv.tree(NGRAMS);
        let mut rarest: Option<(usize, &String)> = None;
        for term in terms {
            let n = tree
                .scan_prefix(term.as_bytes())
                .take(TERM_COUNT_BOUND)
                .count();
            if n == 0 {
                return Ok(BTreeMap::new());
            }
            if rarest.is_none_or(|(m, _)| n < m) {
                rarest = Some((n, term));
            }
        }
        let Some((_, base)) = rarest else {
            return Ok(BTreeMap::new());
        };
        let mut out = BTreeMap::new();
        'entries: for item in tree.scan_prefix(base.as_bytes()) {
            let (k, v) = item.map_err(io)?;
            if k.len() != base.len() + 8 {
                continue;
            }
            let id = be_u64(&k[base.len()..]).map_err(StoreError::Corrupt)?;
            for term in terms.iter().filter(|t| *t != base) {
                match tree.get(search::key(term, id)).map_err(io)? {
                    Some(w) if w == v => {}
                    _ => continue 'entries,
                }
            }
            if let Ok(stamp) = <[u8; 8]>::try_from(v.as_ref()) {
                out.insert(id, stamp);
            }
        }
        Ok(out)
    }

    /// Review ids of `sha256` with their submitters' person keys, visible or not.
    fn reviews_of(&self, sha256: &str) -> Result<Vec<(ReviewId, String)>, StoreError> {
        let mut out = Vec::new();
        for item in self.kv.tree(BY_SHA).scan_prefix(sha256.as_bytes()) {
            let (k, v) = item.map_err(io)?;
            if k.len() != sha256.len() + 8 {
                continue;
            }
            let id = be_u64(&k[sha256.len()..]).map_err(StoreError::Corrupt)?;
            out.push((id, String::from_utf8_lossy(&v).into_owned()));
        }
        Ok(out)
    }

    /// The writes that store a scan once (its meta and findings), with its meta.
    fn scan_writes(
        &self,
        sha256: &str,
        seq: u64,
        scan: NewScan,
    ) -> Result<(ScanMeta, Vec<Write>), StoreError> {
        if let Some(existing) = self.scan_row(sha256, &scan.ruleset)? {
            return Ok((existing.meta, Vec::new()));
        }
        let meta = scan.meta();
        let key = scan_key(sha256, &scan.ruleset);
        let row = ScanRow {
            seq,
            meta: meta.clone(),
        };
        let writes = vec![
            (SCANS, key.clone(), Some(to_json(&row))),
            (FINDINGS, key, Some(to_json(&scan.findings))),
        ];
        Ok((meta, writes))
    }

    /// The summary as readers may see it now: the stored one, or one recomputed from the
    /// visible decisions when a later write has not been acknowledged yet.
    fn visible_summary(&self, id: ReviewId, bytes: &[u8]) -> Result<Option<Summary>, StoreError> {
        let visible = self.visible();
        let s = Summary::decode(bytes).map_err(StoreError::Corrupt)?;
        if s.row_seq > visible {
            return Ok(None);
        }
        if s.seq <= visible {
            return Ok(Some(s));
        }
        let Some(row) = self.visible_row(id)? else {
            return Ok(None);
        };
        let decisions = self.visible_decisions(id)?;
        let scan = self.engine_scan(&row, &decisions)?;
        let assignee = self.assignment_row(id, true)?.map(|a| a.key);
        let superseded = self.revised_by(id, true)?.is_some();
        let bytes = summary_bytes(
            &row,
            &decisions,
            s.seq,
            &scan,
            assignee.as_deref(),
            superseded,
        );
        Summary::decode(&bytes)
            .map(Some)
            .map_err(StoreError::Corrupt)
    }

    /// The scan meta behind a review's latest engine decision.
    fn engine_scan(
        &self,
        row: &ReviewRow,
        decisions: &[DecisionRecord],
    ) -> Result<ScanMeta, StoreError> {
        let engine = latest_of(decisions, DecisionKind::Engine).ok_or_else(|| {
            StoreError::Corrupt(format!("review {} has no engine decision", row.id))
        })?;
        self.scan_row(&row.sha256, &engine.ruleset)?
            .map(|s| s.meta)
            .ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "the scan of review {} under {} is missing",
                    row.id, engine.ruleset
                ))
            })
    }

    fn summary_of(&self, id: ReviewId) -> Result<Option<ReviewSummary>, StoreError> {
        let Some(row) = self.visible_row(id)? else {
            return Ok(None);
        };
        let decisions = self.visible_decisions(id)?;
        let scan = self.engine_scan(&row, &decisions)?;
        let e = effective(&decisions);
        let assignee = self.assignment_row(id, true)?.map(|a| a.assignment());
        let department = self.department(&row.submitter_key)?;
        let revised_by = self.revised_by(id, true)?;
        Ok(Some(ReviewSummary {
            id,
            sha256: row.sha256,
            title: row.title,
            submitter: row.submitter,
            submitter_role: row.submitter_role,
            via: row.via,
            len: row.len,
            submitted_at: row.submitted_at,
            formed_on: row.formed_on,
            decided_at: decided_at(&decisions),
            stages_passed: stages_passed(&decisions),
            clocks: None,
            file_name: row.file_name,
            updated_at: decisions.last().map(|d| d.at.clone()).unwrap_or_default(),
            decision: e.decision,
            decided_by: e.kind,
            state: ReviewState::of_version(&decisions, revised_by.is_some()),
            state_reason: state_reason(&decisions, revised_by),
            assignee,
            department,
            categories: scan.categories,
            finding_count: scan.finding_count,
            ruleset: scan.ruleset,
            metadata: row.metadata,
            version: row.version,
            revises: row.revises,
            revised_by,
            redacted_from: row.redacted_from,
        }))
    }

    /// The checks before a new review `id` (bytes `sha256`, stored by write `seq`) becomes the
    /// next version of review `old`, and the writes that make it so: `old` exists for readers,
    /// no version follows it yet (else a conflict naming the newest, so that two versions of
    /// one draft never fork), its chain has room, and its bytes differ; then `old` links to
    /// `id` and its summary says superseded, in the new review's own transaction.
    fn revision_writes(
        &self,
        old: ReviewId,
        id: ReviewId,
        seq: u64,
        sha256: &str,
    ) -> Result<Revised, StoreError> {
        let row = self.visible_row(old)?.ok_or_else(|| {
            StoreError::NotFound(format!(
                "no review with id {old} (the review a new version revises)"
            ))
        })?;
        let newest = self.newest_version(old)?;
        if newest != old {
            let version = self.row(newest)?.map_or(0, |r| r.version);
            return Err(StoreError::Conflict(format!(
                "review {old} has a newer version already: review {newest} (version {version}); revise the newest version"
            )));
        }
        if row.sha256 == sha256 {
            return Err(StoreError::Conflict(format!(
                "the new version has exactly the content of review {old}: nothing changed"
            )));
        }
        if row.version >= MAX_VERSIONS {
            return Err(StoreError::Conflict(format!(
                "review {old} is version {} of its draft, the most one draft may have: submit the next as a new draft",
                row.version
            )));
        }
        let decisions = self.all_decisions(old)?;
        let scan = self.engine_scan(&row, &decisions)?;
        let assignee = self.assignment_row(old, false)?;
        let summary = summary_bytes(
            &row,
            &decisions,
            seq,
            &scan,
            assignee.as_ref().map(|a| a.key.as_str()),
            true,
        );
        let link = RevisionRow { by: id, audit: seq };
        Ok(Revised {
            version: row.version + 1,
            writes: vec![
                (REVISIONS, old.to_be_bytes().to_vec(), Some(to_json(&link))),
                (SUMMARIES, old.to_be_bytes().to_vec(), Some(summary)),
            ],
        })
    }

    /// The claim or assignment of review `old` as it goes on to its next version (stored by
    /// write `seq`, bytes `sha256`, submitted by the person `submitter`): none when `old` has
    /// none, when its assignee submitted these bytes — in this submission or any other (four
    /// eyes) — or when they hold no active reviewer or admin token any more (a reviewer who
    /// left keeps no draft in a 我的待办 nobody opens).
    fn carried_assignment(
        &self,
        old: ReviewId,
        seq: u64,
        sha256: &str,
        submitter: &str,
    ) -> Result<Option<AssignmentRow>, StoreError> {
        let Some(a) = self.assignment_row(old, false)? else {
            return Ok(None);
        };
        if a.key == submitter || self.reviews_of(sha256)?.iter().any(|(_, k)| *k == a.key) {
            return Ok(None);
        }
        let reviews = self.tokens()?.iter().any(|t| {
            t.revoked_at.is_none()
                && matches!(t.role, Role::Reviewer | Role::Admin)
                && person_key(&t.name) == a.key
        });
        if !reviews {
            return Ok(None);
        }
        Ok(Some(AssignmentRow {
            at: crate::timestamp(),
            audit: seq,
            carried_from: Some(old),
            ..a
        }))
    }

    /// Stores a new person (with the audit writes already prepared by the caller).
    fn person_writes(key: &str, person: &Person) -> Write {
        (PERSONS, key.as_bytes().to_vec(), Some(to_json(person)))
    }

    fn person(&self, key: &str) -> Result<Option<Person>, StoreError> {
        match self.kv.tree(PERSONS).get(key.as_bytes()).map_err(io)? {
            Some(v) => Ok(Some(from_json(&v, "person", 0)?)),
            None => Ok(None),
        }
    }
}

/// The suffix of a scan record's `detail` naming the suppressions it applied and how many
/// findings each covered: `; suppressed: S-1 ×2, S-3 ×1` (before any held suffix).
fn suppressed_suffix(suppressed: &[SuppressedFinding]) -> String {
    if suppressed.is_empty() {
        return String::new();
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for s in suppressed {
        *counts.entry(s.id.as_str()).or_default() += 1;
    }
    let parts: Vec<String> = counts.iter().map(|(id, n)| format!("{id} ×{n}")).collect();
    format!("; suppressed: {}", parts.join(", "))
}

/// What a suppression's audit record says of it: its id, what it covers, until when, why.
fn suppression_detail(f: &crate::suppress::Fields, reason: Option<&str>) -> String {
    let mut covers = Vec::new();
    for (name, v) in [
        ("rule", &f.rule),
        ("value", &f.value),
        ("path", &f.path),
        ("content", &f.content),
    ] {
        if let Some(v) = v {
            covers.push(format!("{name} {v}"));
        }
    }
    let mut d = format!(
        "{}: {}; expires {}; {}",
        f.id.as_deref().unwrap_or("?"),
        covers.join(", "),
        f.expires.as_deref().unwrap_or("?"),
        f.reason.as_deref().unwrap_or("")
    );
    if let Some(r) = reason.filter(|r| !r.is_empty()) {
        d.push_str(&format!(" — {r}"));
    }
    d
}

impl KvStore {
    /// Writes suppression `row` (proposal `number`) with its audit `record` and `writes`, and
    /// answers once it is durable.
    fn commit_suppression(
        &self,
        mut w: WriterGuard<'_>,
        record: &AuditRecord,
        mut writes: Vec<Write>,
        number: u64,
        row: SuppressionRecord,
    ) -> Result<SuppressionRecord, StoreError> {
        writes.push((
            SUPPRESSIONS,
            number.to_be_bytes().to_vec(),
            Some(to_json(&row)),
        ));
        let ticket = self.commit(&mut w, record, &writes)?;
        drop(w);
        self.durable(ticket)?;
        Ok(row)
    }

    /// Every suppression row, by proposal number, whatever its visibility.
    fn suppression_rows(&self) -> Result<Vec<(u64, SuppressionRecord)>, StoreError> {
        let mut out = Vec::new();
        for item in self.kv.tree(SUPPRESSIONS).iter() {
            let (k, v) = item.map_err(io)?;
            let n = be_u64(&k).map_err(StoreError::Corrupt)?;
            out.push((n, from_json(&v, "suppression", n)?));
        }
        Ok(out)
    }
}

impl DecisionStore for KvStore {
    fn submit(&self, new: NewReview) -> Result<Submitted, StoreError> {
        let mut w = self.writer()?;
        let person = new.submitter.key();
        if let Some((id, _)) = self
            .reviews_of(&new.sha256)?
            .into_iter()
            .find(|(_, k)| *k == person)
        {
            // It may be a write of this person's still waiting for its flush.
            let review = self.repeated(w, id)?;
            return Ok(Submitted {
                review,
                created: false,
            });
        }
        let id = w.next_review;
        let seq = w.head.seq + 1;
        let revised = match new.revises {
            Some(old) => Some(self.revision_writes(old, id, seq, &new.sha256)?),
            None => None,
        };
        // The reviewer who took up the version revised goes on with this one (我的待办).
        let carried = match new.revises {
            Some(old) => self.carried_assignment(old, seq, &new.sha256, &person)?,
            None => None,
        };
        if let Some(r) = &new.redaction {
            if self.visible_row(r.from)?.is_none() {
                return Err(StoreError::NotFound(format!(
                    "no review with id {} (the review a redacted copy is made of)",
                    r.from
                )));
            }
        }
        let at = crate::timestamp();
        // Everything the answer shows is read before the commit (see `ReviewParts`).
        let ((scan, mut writes), findings) = match new.scan {
            Some(scan) => {
                let findings = ScanFindings {
                    findings: scan.findings.clone(),
                    suppressed: scan.suppressed.clone(),
                };
                (self.scan_writes(&new.sha256, seq, scan)?, findings)
            }
            None => (
                (
                    self.scan_row(&new.sha256, &new.ruleset)?
                        .map(|s| s.meta)
                        .ok_or_else(|| {
                            StoreError::Corrupt(format!(
                                "no stored scan of {} under {}",
                                &new.sha256[..12],
                                new.ruleset
                            ))
                        })?,
                    Vec::new(),
                ),
                self.findings(&new.sha256, &new.ruleset)?,
            ),
        };
        let department = self.department(&person)?;
        let decision = DecisionRecord {
            seq: 1,
            kind: DecisionKind::Engine,
            decision: scan.decision,
            by: "engine".into(),
            role: None,
            reason: None,
            ruleset: scan.ruleset.clone(),
            at: at.clone(),
            audit: seq,
            stage: None,
        };
        let row = ReviewRow {
            id,
            seq,
            sha256: new.sha256.clone(),
            title: new.title,
            metadata: new.metadata,
            submitter: new.submitter.name.clone(),
            submitter_key: person.clone(),
            submitter_role: new.submitter.role,
            via: new.via.to_string(),
            content_kind: ContentKind::Bytes,
            len: new.content.len(),
            submitted_at: at,
            formed_on: new.formed_on.clone(),
            file_name: new.file_name,
            revises: new.revises,
            version: revised.as_ref().map_or(1, |r| r.version),
            redacted_from: new.redaction.as_ref().map(|r| r.from),
            redaction: new.redaction.as_ref().map(|r| r.record.clone()),
        };
        // A new version and the end of the old one's turn are one write, told by one record.
        let action = match (&revised, &new.redaction) {
            (Some(_), _) => AuditAction::VersionSubmitted,
            (None, Some(_)) => AuditAction::RedactionCreated,
            (None, None) => AuditAction::ReviewSubmitted,
        };
        let (record, audit) = Self::audit_writes(&w, &new.submitter, action, |r| {
            r.review = Some(id);
            r.sha256 = Some(new.sha256.clone());
            r.decision = Some(scan.decision);
            r.ruleset = Some(scan.ruleset.clone());
            r.detail = match (&revised, new.revises) {
                (Some(v), Some(old)) => format!(
                    "version {} of review {old}, which it supersedes; {} finding(s)",
                    v.version, scan.finding_count
                ),
                _ => format!("{} finding(s)", scan.finding_count),
            };
            if let Some(red) = &new.redaction {
                let places: usize = red.record.masked.iter().map(|m| m.occurrences).sum();
                r.detail = format!(
                    "redacted copy of review {}: {} value(s) masked in {places} place(s){}; {} finding(s)",
                    red.from,
                    red.record.masked.len(),
                    if red.record.cleaned.is_empty() {
                        String::new()
                    } else {
                        format!(", {} cleaning step(s)", red.record.cleaned.len())
                    },
                    scan.finding_count
                );
            }
            if let Some(a) = &carried {
                let how = if a.by == a.name {
                    "claimed by"
                } else {
                    "assigned to"
                };
                r.detail.push_str(&format!(
                    "; {how} {}, carried over from review {}",
                    a.name,
                    a.carried_from.unwrap_or_default()
                ));
            }
            r.detail.push_str(&suppressed_suffix(&scan.suppressed));
            if scan.decision == Decision::Hold {
                r.detail.push_str(&audit::held_suffix(&scan.categories));
            }
        });
        writes.extend(audit);
        if let Some(v) = revised {
            writes.extend(v.writes);
        }
        if !self
            .kv
            .tree(CONTENT)
            .contains_key(new.sha256.as_bytes())
            .map_err(io)?
        {
            let mut content = Vec::with_capacity(new.content.len() + 1);
            content.push(b'b');
            content.extend_from_slice(&new.content);
            writes.push((CONTENT, new.sha256.as_bytes().to_vec(), Some(content)));
        }
        let summary = summary_bytes(
            &row,
            std::slice::from_ref(&decision),
            seq,
            &scan,
            carried.as_ref().map(|a| a.key.as_str()),
            false,
        );
        if let Some(a) = &carried {
            let mut k = id.to_be_bytes().to_vec();
            k.extend_from_slice(&seq.to_be_bytes());
            writes.push((ASSIGNMENTS, k, Some(to_json(a))));
        }
        if let Some(red) = &new.redaction {
            let mut k = red.from.to_be_bytes().to_vec();
            k.extend_from_slice(&id.to_be_bytes());
            let link = RedactionRow {
                by: new.submitter.name.clone(),
                at: row.submitted_at.clone(),
                policy: red.record.policy.clone(),
                audit: seq,
            };
            writes.push((REDACTIONS, k, Some(to_json(&link))));
        }
        let stamp = search::stamp(&row.sha256, row.title.as_deref());
        writes.extend(term_writes(id, &new.terms, &stamp));
        writes.push((
            META,
            SEARCH_KEY.to_vec(),
            Some((id + 1).to_be_bytes().to_vec()),
        ));
        writes.extend([
            (REVIEWS, id.to_be_bytes().to_vec(), Some(to_json(&row))),
            (SUMMARIES, id.to_be_bytes().to_vec(), Some(summary)),
            (DECISIONS, decision_key(id, 1), Some(to_json(&decision))),
            (
                BY_SHA,
                by_sha_key(&new.sha256, id),
                Some(person.into_bytes()),
            ),
        ]);
        let review = ReviewParts {
            row,
            decisions: vec![decision],
            findings,
            assignee: carried,
            department,
            revised_by: None,
            redactions: Vec::new(),
        }
        .into_review()?;
        let ticket = self.commit(&mut w, &record, &writes)?;
        w.next_review = id + 1;
        drop(w);
        self.durable(ticket)?;
        Ok(Submitted {
            review,
            created: true,
        })
    }

    fn decide(&self, id: ReviewId, new: NewDecision) -> Result<Review, StoreError> {
        let mut w = self.writer()?;
        let person = new.by.key();
        let idem_key = new
            .idempotency_key
            .as_ref()
            .map(|k| idempotency_key(&person, k));
        if let Some(key) = &idem_key {
            if let Some(v) = self.kv.tree(IDEMPOTENCY).get(key).map_err(io)? {
                let earlier = be_u64(&v).map_err(StoreError::Corrupt)?;
                if earlier != id {
                    return Err(StoreError::Conflict(format!(
                        "this Idempotency-Key was used for a decision on review {earlier}"
                    )));
                }
                return self.repeated(w, id);
            }
        }
        let row = self
            .visible_row(id)?
            .ok_or_else(|| StoreError::NotFound(format!("no review with id {id}")))?;
        // Four eyes, across every submission of these bytes (gate-created ones included), and
        // for a redacted copy of the bytes it was made of.
        if let Some((own, _, original)) = self
            .barred(&row)?
            .into_iter()
            .find(|(_, k, _)| *k == person)
        {
            let what = if original {
                "the original of this redacted copy"
            } else {
                "this content"
            };
            return Err(StoreError::Forbidden(format!(
                "four eyes: {} submitted {what} (review {own}) and cannot also decide it",
                new.by.name
            )));
        }
        // An old version is out of the reviewers' work: approving or returning it would decide
        // a draft its submitter replaced. A hold only ever stops bytes, so it may still be
        // recorded.
        let revised_by = self.revised_by(id, false)?;
        if revised_by.is_some()
            && (new.kind == DecisionKind::Return || new.decision == Decision::Approve)
        {
            let newest = self.newest_version(id)?;
            let version = self.row(newest)?.map_or(0, |r| r.version);
            return Err(StoreError::Conflict(format!(
                "review {id} is superseded by a newer version, review {newest} (version {version}): decide that one (an old version may only be held)"
            )));
        }
        let mut decisions = self.all_decisions(id)?;
        // In a staged deployment an approve is the next stage's, under the writer lock so two
        // reviewers never pass one stage; an old version keeps the rule above (holds only).
        let (kind, stage) = if new.stages.is_empty() || revised_by.is_some() {
            if new.stage.is_some() && new.stages.is_empty() {
                return Err(StoreError::Conflict(
                    "this deployment reviews in one stage: a decision names no stage".into(),
                ));
            }
            (new.kind, None)
        } else {
            staged(id, &new, &person, &decisions)?
        };
        let (action, decision) = match kind {
            DecisionKind::Override => (AuditAction::OverrideRecorded, new.decision),
            // A return holds: returned content never passes the gate.
            DecisionKind::Return => (AuditAction::ReviewReturned, Decision::Hold),
            DecisionKind::Stage => (AuditAction::StageApproved, Decision::Approve),
            DecisionKind::Engine => {
                return Err(StoreError::Forbidden(
                    "the engine's decisions are recorded with its scans, not by a person".into(),
                ))
            }
        };
        let seq = w.head.seq + 1;
        let dseq = decisions.last().map_or(1, |d| d.seq + 1);
        let at = crate::timestamp();
        let record = DecisionRecord {
            seq: dseq,
            kind,
            decision,
            by: new.by.name.clone(),
            role: Some(new.by.role),
            reason: Some(new.reason.clone()),
            ruleset: new.ruleset.clone(),
            at,
            audit: seq,
            stage: stage.clone(),
        };
        let (audit, mut writes) = Self::audit_writes(&w, &new.by, action, |r| {
            r.review = Some(id);
            r.sha256 = Some(row.sha256.clone());
            r.decision = Some(decision);
            r.ruleset = Some(new.ruleset.clone());
            r.detail = match &stage {
                Some(stage) => format!("【{stage}】{}", new.reason),
                None => new.reason.clone(),
            };
        });
        decisions.push(record.clone());
        let scan = self.engine_scan(&row, &decisions)?;
        let assignee = self.assignment_row(id, false)?;
        writes.extend([
            (DECISIONS, decision_key(id, dseq), Some(to_json(&record))),
            (
                SUMMARIES,
                id.to_be_bytes().to_vec(),
                Some(summary_bytes(
                    &row,
                    &decisions,
                    seq,
                    &scan,
                    assignee.as_ref().map(|a| a.key.as_str()),
                    revised_by.is_some(),
                )),
            ),
        ]);
        if let Some(key) = idem_key {
            writes.push((IDEMPOTENCY, key, Some(id.to_be_bytes().to_vec())));
        }
        // Everything the answer shows is read before the commit (see `ReviewParts`).
        let review = ReviewParts {
            findings: self.findings(&row.sha256, &scan.ruleset)?,
            department: self.department(&row.submitter_key)?,
            redactions: self.redactions(id, false)?,
            row,
            decisions,
            assignee,
            revised_by,
        }
        .into_review()?;
        let ticket = self.commit(&mut w, &audit, &writes)?;
        drop(w);
        self.durable(ticket)?;
        Ok(review)
    }

    fn assign(
        &self,
        id: ReviewId,
        assignee: &str,
        by: &Actor,
        claim: bool,
    ) -> Result<Review, StoreError> {
        let mut w = self.writer()?;
        let key = person_key(assignee);
        let row = self
            .visible_row(id)?
            .ok_or_else(|| StoreError::NotFound(format!("no review with id {id}")))?;
        if let Some(current) = self.assignment_row(id, false)? {
            if current.key == key {
                // Nothing changes; it may be a write still waiting for its flush.
                return self.repeated(w, id);
            }
            if claim {
                return Err(StoreError::Conflict(format!(
                    "review {id} is claimed by {} already; a reviewer or admin may assign it to someone else",
                    current.name
                )));
            }
        }
        // Four eyes: nobody reviews content they submitted, in this review or another, nor a
        // redacted copy of it.
        if let Some((own, _, original)) = self.barred(&row)?.into_iter().find(|(_, k, _)| *k == key)
        {
            let what = if original {
                "the original of this redacted copy"
            } else {
                "this content"
            };
            return Err(StoreError::Forbidden(format!(
                "four eyes: {assignee} submitted {what} (review {own}) and cannot review it"
            )));
        }
        let seq = w.head.seq + 1;
        let assignment = AssignmentRow {
            name: assignee.to_string(),
            key: key.clone(),
            by: by.name.clone(),
            at: crate::timestamp(),
            audit: seq,
            carried_from: None,
        };
        let (audit, mut writes) = Self::audit_writes(&w, by, AuditAction::ReviewAssigned, |r| {
            r.review = Some(id);
            r.sha256 = Some(row.sha256.clone());
            r.detail = if claim {
                format!("claimed by {assignee}")
            } else {
                format!("assigned to {assignee}")
            };
        });
        let decisions = self.all_decisions(id)?;
        let scan = self.engine_scan(&row, &decisions)?;
        let revised_by = self.revised_by(id, false)?;
        let mut k = id.to_be_bytes().to_vec();
        k.extend_from_slice(&seq.to_be_bytes());
        writes.extend([
            (ASSIGNMENTS, k, Some(to_json(&assignment))),
            (
                SUMMARIES,
                id.to_be_bytes().to_vec(),
                Some(summary_bytes(
                    &row,
                    &decisions,
                    seq,
                    &scan,
                    Some(&key),
                    revised_by.is_some(),
                )),
            ),
        ]);
        let review = ReviewParts {
            findings: self.findings(&row.sha256, &scan.ruleset)?,
            department: self.department(&row.submitter_key)?,
            redactions: self.redactions(id, false)?,
            row,
            decisions,
            assignee: Some(assignment),
            revised_by,
        }
        .into_review()?;
        let ticket = self.commit(&mut w, &audit, &writes)?;
        drop(w);
        self.durable(ticket)?;
        Ok(review)
    }

    fn record_scan(
        &self,
        id: ReviewId,
        by: &Actor,
        scan: NewScan,
        reason: &str,
    ) -> Result<Review, StoreError> {
        let mut w = self.writer()?;
        let row = self
            .visible_row(id)?
            .ok_or_else(|| StoreError::NotFound(format!("no review with id {id}")))?;
        let seq = w.head.seq + 1;
        let ruleset = scan.ruleset.clone();
        let findings = ScanFindings {
            findings: scan.findings.clone(),
            suppressed: scan.suppressed.clone(),
        };
        // Scanned under this rule set already (another node's re-check pass, or a gate call
        // that raced this one): the same rules decide the same, so nothing is recorded twice.
        if latest_of(&self.all_decisions(id)?, DecisionKind::Engine)
            .is_some_and(|d| d.ruleset == scan.ruleset)
        {
            return self.repeated(w, id);
        }
        let (meta, mut writes) = self.scan_writes(&row.sha256, seq, scan)?;
        let mut decisions = self.all_decisions(id)?;
        let record = DecisionRecord {
            seq: decisions.last().map_or(1, |d| d.seq + 1),
            kind: DecisionKind::Engine,
            decision: meta.decision,
            by: "engine".into(),
            role: None,
            reason: Some(reason.to_string()),
            ruleset: ruleset.clone(),
            at: crate::timestamp(),
            audit: seq,
            stage: None,
        };
        let (audit, a) = Self::audit_writes(&w, by, AuditAction::DecisionRecorded, |r| {
            r.review = Some(id);
            r.sha256 = Some(row.sha256.clone());
            r.decision = Some(meta.decision);
            r.ruleset = Some(ruleset.clone());
            r.detail = reason.to_string();
            r.detail.push_str(&suppressed_suffix(&meta.suppressed));
            if meta.decision == Decision::Hold {
                r.detail.push_str(&audit::held_suffix(&meta.categories));
            }
        });
        writes.extend(a);
        decisions.push(record.clone());
        let assignee = self.assignment_row(id, false)?;
        let revised_by = self.revised_by(id, false)?;
        writes.extend([
            (
                DECISIONS,
                decision_key(id, record.seq),
                Some(to_json(&record)),
            ),
            (
                SUMMARIES,
                id.to_be_bytes().to_vec(),
                Some(summary_bytes(
                    &row,
                    &decisions,
                    seq,
                    &meta,
                    assignee.as_ref().map(|a| a.key.as_str()),
                    revised_by.is_some(),
                )),
            ),
        ]);
        let review = ReviewParts {
            department: self.department(&row.submitter_key)?,
            redactions: self.redactions(id, false)?,
            row,
            decisions,
            findings,
            assignee,
            revised_by,
        }
        .into_review()?;
        let ticket = self.commit(&mut w, &audit, &writes)?;
        drop(w);
        self.durable(ticket)?;
        Ok(review)
    }

    fn review(&self, id: ReviewId) -> Result<Option<Review>, StoreError> {
        self.load_review(id)
    }

    fn versions(&self, id: ReviewId) -> Result<Vec<ReviewSummary>, StoreError> {
        let Some(row) = self.visible_row(id)? else {
            return Ok(Vec::new());
        };
        // Back along `revises` (every earlier version is visible: it was written before), then
        // forward along the acknowledged links. Both walks stop at the bound, so a damaged
        // store cannot make one page read without end.
        let mut ids = vec![id];
        let mut back = row.revises;
        while let Some(prev) = back {
            if ids.len() > MAX_VERSIONS as usize {
                break;
            }
            ids.push(prev);
            back = self.visible_row(prev)?.and_then(|r| r.revises);
        }
        ids.reverse();
        let mut forward = id;
        while let Some(next) = self.revised_by(forward, true)? {
            if ids.len() > 2 * MAX_VERSIONS as usize {
                break;
            }
            ids.push(next);
            forward = next;
        }
        let mut out = Vec::with_capacity(ids.len());
        for v in ids {
            if let Some(summary) = self.summary_of(v)? {
                out.push(summary);
            }
        }
        Ok(out)
    }

    fn review_of(&self, sha256: &str, person: &Actor) -> Result<Option<Review>, StoreError> {
        let key = person.key();
        for (id, k) in self.reviews_of(sha256)? {
            if k == key {
                return self.load_review(id);
            }
        }
        Ok(None)
    }

    fn content_state(&self, sha256: &str) -> Result<Option<ContentState>, StoreError> {
        if self.kv.pg().is_none() || in_write() {
            return self.read_content_state(sha256);
        }
        // PostgreSQL: the answer as of the audit head, kept until any node writes anything.
        let head = read_head(&self.kv)?.hash;
        if let Some((at, state)) = lock(&self.pg_cache.states).get(sha256) {
            if *at == head {
                return Ok(state.clone());
            }
        }
        let state = self.read_content_state(sha256)?;
        let mut cache = lock(&self.pg_cache.states);
        if cache.len() >= PG_CACHE_ENTRIES {
            cache.clear();
        }
        cache.insert(sha256.to_string(), (head, state.clone()));
        Ok(state)
    }

    fn gate_passed(&self, sha256: &str) -> Result<bool, StoreError> {
        if self.kv.pg().is_some() && lock(&self.pg_cache.passed).contains(sha256) {
            // A gate pass on record stays on record.
            return Ok(true);
        }
        let passed = self
            .gate_pass_seq(sha256)?
            .is_some_and(|seq| seq <= self.visible());
        if passed && self.kv.pg().is_some() && !in_write() {
            let mut cache = lock(&self.pg_cache.passed);
            if cache.len() >= PG_CACHE_ENTRIES {
                cache.clear();
            }
            cache.insert(sha256.to_string());
        }
        Ok(passed)
    }

    fn record_gate_pass(
        &self,
        by: &Actor,
        sha256: &str,
        review: Option<ReviewId>,
        ruleset: Option<&str>,
        detail: &str,
    ) -> Result<bool, StoreError> {
        let mut w = self.writer()?;
        // Another gate call may have written it while this one waited for the writer: then
        // this answer goes out once that record is durable, and records nothing of its own.
        if let Some(seq) = self.gate_pass_seq(sha256)? {
            let ticket = self.seen(&w, seq);
            drop(w);
            self.durable(ticket)?;
            return Ok(false);
        }
        let (record, mut writes) = Self::audit_writes(&w, by, AuditAction::GatePassed, |r| {
            r.review = review;
            r.sha256 = Some(sha256.to_string());
            r.decision = Some(Decision::Approve);
            r.ruleset = ruleset.map(str::to_string);
            r.detail = detail.to_string();
        });
        writes.push((
            GATE_PASSES,
            sha256.as_bytes().to_vec(),
            Some(record.seq.to_be_bytes().to_vec()),
        ));
        let ticket = self.commit(&mut w, &record, &writes)?;
        drop(w);
        self.durable(ticket)?;
        Ok(true)
    }

    fn scan(&self, sha256: &str, ruleset: &str) -> Result<Option<ScanMeta>, StoreError> {
        let visible = self.visible();
        Ok(self
            .scan_row(sha256, ruleset)?
            .filter(|s| s.seq <= visible)
            .map(|s| s.meta))
    }

    fn content(&self, sha256: &str) -> Result<Option<(ContentKind, Vec<u8>)>, StoreError> {
        let Some(v) = self.kv.tree(CONTENT).get(sha256.as_bytes()).map_err(io)? else {
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
        let limit = q.limit.max(1);
        let Some(filter) = QueueFilter::new(self, q)? else {
            return Ok(ReviewPage {
                reviews: Vec::new(),
                next: None,
            });
        };
        let tree = &self.kv.tree(SUMMARIES);
        // Review ids in queue order with their summary rows: every review, or only those the
        // search index finds (each with the stamp its index entries carry).
        type Item = Result<(ReviewId, sled::IVec, Option<[u8; 8]>), StoreError>;
        let source: Box<dyn Iterator<Item = Item> + '_> = match &q.search {
            None => {
                let rows: Box<dyn Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>> =
                    match (q.descending, q.after) {
                        (false, Some(a)) => match a.checked_add(1) {
                            Some(next) => Box::new(tree.range(next.to_be_bytes()..)),
                            None => Box::new(std::iter::empty()),
                        },
                        (false, None) => Box::new(tree.iter()),
                        (true, Some(a)) => Box::new(tree.range(..a.to_be_bytes()).rev()),
                        (true, None) => Box::new(tree.iter().rev()),
                    };
                Box::new(rows.map(|item| {
                    let (k, v) = item.map_err(io)?;
                    Ok((be_u64(&k).map_err(StoreError::Corrupt)?, v, None))
                }))
            }
            Some(text) => {
                let found = self.search(&search::query_terms(text))?;
                let ids: Vec<(ReviewId, [u8; 8])> = match (q.descending, q.after) {
                    (false, Some(a)) => match a.checked_add(1) {
                        Some(next) => found.range(next..).map(|(i, s)| (*i, *s)).collect(),
                        None => Vec::new(),
                    },
                    (false, None) => found.into_iter().collect(),
                    (true, Some(a)) => found.range(..a).rev().map(|(i, s)| (*i, *s)).collect(),
                    (true, None) => found.into_iter().rev().collect(),
                };
                Box::new(ids.into_iter().filter_map(move |(id, stamp)| {
                    match tree.get(id.to_be_bytes()) {
                        Ok(Some(v)) => Some(Ok((id, v, Some(stamp)))),
                        Ok(None) => None,
                        Err(e) => Some(Err(io(e))),
                    }
                }))
            }
        };
        let mut reviews = Vec::new();
        let mut next = None;
        for item in source {
            let (id, v, stamp) = item?;
            let Some(s) = self.visible_summary(id, &v)? else {
                continue;
            };
            if !filter.passes(&s) {
                continue;
            }
            let Some(summary) = self.summary_of(id)? else {
                continue;
            };
            if !filter.confirms(self, &summary, stamp)? {
                continue;
            }
            if reviews.len() == limit {
                next = reviews.last().map(|r: &ReviewSummary| r.id);
                break;
            }
            reviews.push(summary);
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
        if !self
            .kv
            .tree(RULESETS)
            .contains_key(snapshot.id.as_bytes())
            .map_err(io)?
        {
            writes.push((
                RULESETS,
                snapshot.id.as_bytes().to_vec(),
                Some(to_json(snapshot)),
            ));
        }
        writes.push((
            META,
            LAST_RULESET_KEY.to_vec(),
            Some(snapshot.id.as_bytes().to_vec()),
        ));
        let ticket = self.commit(&mut w, &record, &writes)?;
        drop(w);
        self.durable(ticket)?;
        Ok(record)
    }

    fn ruleset(&self, id: &str) -> Result<Option<RulesetSnapshot>, StoreError> {
        match self.kv.tree(RULESETS).get(id.as_bytes()).map_err(io)? {
            Some(v) => Ok(Some(from_json(&v, "rule set", 0)?)),
            None => Ok(None),
        }
    }

    fn rulesets(&self) -> Result<Vec<RulesetSnapshot>, StoreError> {
        let mut out: Vec<RulesetSnapshot> = Vec::new();
        for item in self.kv.tree(RULESETS).iter() {
            let (_, v) = item.map_err(io)?;
            let mut r: RulesetSnapshot = from_json(&v, "rule set", 0)?;
            r.files.clear();
            out.push(r);
        }
        out.sort_by(|a, b| a.loaded_at.cmp(&b.loaded_at));
        Ok(out)
    }

    fn propose_suppression(&self, new: NewSuppression) -> Result<SuppressionRecord, StoreError> {
        let w = self.writer()?;
        let all = self.suppression_rows()?;
        let person = new.by.key();
        // A retry of the same proposal gets it back.
        let same = |r: &SuppressionRecord| {
            let mut a = r.fields.clone();
            a.id = None;
            let mut b = new.fields.clone();
            b.id = None;
            if b.added_by.as_deref().is_none_or(str::is_empty) {
                b.added_by = Some(new.by.name.clone());
            }
            r.state == SuppressionState::Proposed
                && person_key(&r.proposed_by) == person
                && a == b
                && new.fields.id.as_ref().is_none_or(|id| *id == r.id)
        };
        if let Some((_, r)) = all.iter().find(|(_, r)| same(r)) {
            let r = r.clone();
            let ticket = self.seen(&w, w.head.seq);
            drop(w);
            self.durable(ticket)?;
            return Ok(r);
        }
        let number = all.last().map_or(1, |(n, _)| n + 1);
        let id = match &new.fields.id {
            Some(id) => {
                if all.iter().any(|(_, r)| r.id == *id) {
                    return Err(StoreError::Conflict(format!(
                        "a suppression with id {id} exists already"
                    )));
                }
                id.clone()
            }
            None => {
                let mut n = number;
                while all.iter().any(|(_, r)| r.id == format!("S-{n}")) {
                    n += 1;
                }
                format!("S-{n}")
            }
        };
        let mut fields = new.fields;
        fields.id = Some(id.clone());
        // The author a file names stays beside the person who had it read (four eyes checks
        // both); a proposal made through the API is its proposer's.
        if fields.added_by.as_deref().is_none_or(str::is_empty) {
            fields.added_by = Some(new.by.name.clone());
        }
        let (record, writes) =
            Self::audit_writes(&w, &new.by, AuditAction::SuppressionProposed, |r| {
                r.review = new.from_review;
                r.detail = suppression_detail(&fields, None);
            });
        let row = SuppressionRecord {
            id,
            fields,
            state: SuppressionState::Proposed,
            proposed_by: new.by.name.clone(),
            proposed_at: record.at.clone(),
            via: new.via,
            from_review: new.from_review,
            history: Vec::new(),
            audit: record.seq,
        };
        self.commit_suppression(w, &record, writes, number, row)
    }

    fn change_suppression(
        &self,
        id: &str,
        by: &Actor,
        change: SuppressionChange,
        reason: &str,
    ) -> Result<SuppressionRecord, StoreError> {
        let w = self.writer()?;
        let (number, mut row) = self
            .suppression_rows()?
            .into_iter()
            .find(|(_, r)| r.id == id)
            .ok_or_else(|| StoreError::NotFound(format!("no suppression with id {id}")))?;
        let (allowed, next, action): (&[SuppressionState], _, _) = match change {
            SuppressionChange::Approve => (
                &[SuppressionState::Proposed],
                SuppressionState::Approved,
                AuditAction::SuppressionApproved,
            ),
            SuppressionChange::Reject => (
                &[SuppressionState::Proposed],
                SuppressionState::Rejected,
                AuditAction::SuppressionRejected,
            ),
            SuppressionChange::Revoke => (
                &[SuppressionState::Proposed, SuppressionState::Approved],
                SuppressionState::Revoked,
                AuditAction::SuppressionRevoked,
            ),
            SuppressionChange::Expire => (
                &[SuppressionState::Approved],
                SuppressionState::Expired,
                AuditAction::SuppressionExpired,
            ),
        };
        if !allowed.contains(&row.state) {
            return Err(StoreError::Conflict(format!(
                "suppression {id} is {}: it cannot be {}",
                row.state.as_str(),
                next.as_str()
            )));
        }
        if matches!(
            change,
            SuppressionChange::Approve | SuppressionChange::Reject
        ) {
            let person = by.key();
            let author = row.fields.added_by.as_deref().map(person_key);
            if person_key(&row.proposed_by) == person || author.as_deref() == Some(&person) {
                return Err(StoreError::Forbidden(format!(
                    "{} proposed suppression {id}: another person must approve or reject it (four eyes)",
                    by.name
                )));
            }
        }
        let (record, writes) = Self::audit_writes(&w, by, action, |r| {
            r.review = row.from_review;
            r.detail = suppression_detail(&row.fields, Some(reason));
        });
        row.state = next;
        row.audit = record.seq;
        row.history.push(SuppressionEvent {
            state: next,
            by: by.name.clone(),
            at: record.at.clone(),
            reason: reason.to_string(),
            audit: record.seq,
        });
        self.commit_suppression(w, &record, writes, number, row)
    }

    fn suppressions(&self) -> Result<Vec<SuppressionRecord>, StoreError> {
        let visible = self.visible();
        Ok(self
            .suppression_rows()?
            .into_iter()
            .map(|(_, r)| r)
            .filter(|r| r.audit <= visible)
            .collect())
    }

    fn last_ruleset(&self) -> Result<Option<String>, StoreError> {
        // Kept by `record_ruleset` since the PostgreSQL store: nodes ask twice a second.
        if let Some(id) = self.kv.tree(META).get(LAST_RULESET_KEY).map_err(io)? {
            return Ok(Some(String::from_utf8_lossy(&id).into_owned()));
        }
        // A store written before: the latest `ruleset_loaded` record.
        for item in self.kv.tree(AUDIT).iter().rev() {
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
        let head = match self.kv.tree(META).get(HEAD_KEY) {
            Ok(Some(v)) => Some(
                serde_json::from_slice::<Head>(&v)
                    .map(|h| (h.seq, h.hash))
                    .map_err(|e| ChainError::Store(format!("audit head unreadable: {e}")))?,
            ),
            Ok(None) => None,
            Err(e) => return Err(ChainError::Store(e.to_string())),
        };
        let store_error = |e: sled::Error| ChainError::Store(e.to_string());
        let tree = self.kv.tree(AUDIT);
        // PostgreSQL: other nodes append while this reads, each page in a snapshot of its own.
        // The chain is checked up to the head read first (a record and the head that names it
        // commit together), and a record past it must be one a later head names: the head is
        // read again after the last record, so a record no head covers was not written by a
        // baomi transaction.
        let bound = match (&self.kv, &head) {
            (Kv::Pg(_), Some((seq, _))) => Some(*seq),
            (Kv::Pg(_), None) => Some(0),
            (Kv::Sled(_), _) => None,
        };
        if let Some(bound) = bound {
            let last = match tree.last().map_err(store_error)? {
                Some((k, _)) => be_u64(&k).map_err(ChainError::Store)?,
                None => 0,
            };
            let again = read_head(&self.kv).map_err(|e| ChainError::Store(e.to_string()))?;
            if last > again.seq {
                return Err(ChainError::Store(format!(
                    "audit record {last} was not written by baomi (it follows the recorded end of the chain, {})",
                    again.seq
                )));
            }
            let records = tree.range(..=bound.to_be_bytes()).map(|item| {
                let (k, v) = item.map_err(|e| e.to_string())?;
                let seq = be_u64(&k)?;
                Ok((seq, v.to_vec()))
            });
            return audit::verify(records, head);
        }
        let records = tree.iter().map(|item| {
            let (k, v) = item.map_err(|e| e.to_string())?;
            let seq = be_u64(&k)?;
            Ok((seq, v.to_vec()))
        });
        audit::verify(records, head)
    }

    fn audit(&self, after: u64, limit: usize) -> Result<Vec<AuditRecord>, StoreError> {
        let Some(from) = after.checked_add(1) else {
            return Ok(Vec::new());
        };
        let visible = self.visible();
        let mut out = Vec::new();
        for item in self.kv.tree(AUDIT).range(from.to_be_bytes()..).take(limit) {
            let (k, v) = item.map_err(io)?;
            let seq = be_u64(&k).map_err(StoreError::Corrupt)?;
            if seq > visible {
                break;
            }
            out.push(from_json(&v, "audit record", seq)?);
        }
        Ok(out)
    }

    fn create_person(
        &self,
        name: &str,
        department: Option<&str>,
        by: &Actor,
    ) -> Result<Person, StoreError> {
        let mut w = self.writer()?;
        let key = person_key(name);
        if key.is_empty() {
            return Err(StoreError::Conflict("a person needs a name".into()));
        }
        if let Some(p) = self.person(&key)? {
            return Err(StoreError::Conflict(format!(
                "a person named {:?} exists already (names are unique; {:?} is the same name)",
                p.name, name
            )));
        }
        let person = Person {
            name: name.to_string(),
            department: department.map(str::to_string),
            created_at: crate::timestamp(),
            created_by: by.name.clone(),
        };
        let (record, mut writes) = Self::audit_writes(&w, by, AuditAction::PersonCreated, |r| {
            r.detail = format!(
                "person {}{}",
                person.name,
                department.map(|d| format!(" ({d})")).unwrap_or_default()
            );
        });
        writes.push(Self::person_writes(&key, &person));
        let ticket = self.commit(&mut w, &record, &writes)?;
        drop(w);
        self.durable(ticket)?;
        Ok(person)
    }

    fn persons(&self) -> Result<Vec<Person>, StoreError> {
        let mut out: Vec<Person> = Vec::new();
        for item in self.kv.tree(PERSONS).iter() {
            let (_, v) = item.map_err(io)?;
            out.push(from_json(&v, "person", 0)?);
        }
        out.sort_by(|a, b| a.created_at.cmp(&b.created_at));
        Ok(out)
    }

    fn create_token(
        &self,
        name: &str,
        department: Option<&str>,
        role: Role,
        by: &Actor,
    ) -> Result<(String, TokenRecord), StoreError> {
        let mut w = self.writer()?;
        let key = person_key(name);
        if key.is_empty() {
            return Err(StoreError::Conflict("a token needs a person's name".into()));
        }
        let existing = self.person(&key)?;
        let person = existing.clone().unwrap_or_else(|| Person {
            name: name.to_string(),
            department: department.map(str::to_string),
            created_at: crate::timestamp(),
            created_by: by.name.clone(),
        });
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
            name: person.name.clone(),
            role,
            created_at: crate::timestamp(),
            created_by: by.name.clone(),
            revoked_at: None,
        };
        let (record, mut writes) = Self::audit_writes(&w, by, AuditAction::TokenCreated, |r| {
            r.detail = format!(
                "token {} for {} as {}{}",
                token.id,
                token.name,
                token.role,
                match (&existing, &person.department) {
                    (Some(_), _) => String::new(),
                    (None, None) => " (new person)".to_string(),
                    (None, Some(d)) => format!(" (new person, department {d})"),
                }
            );
        });
        if existing.is_none() {
            writes.push(Self::person_writes(&key, &person));
        }
        writes.push((TOKENS, hash.clone().into_bytes(), Some(to_json(&token))));
        let ticket = self.commit(&mut w, &record, &writes)?;
        drop(w);
        self.durable(ticket)?;
        // The secret is shown only now, so nobody can present it before it is durable.
        if let Some(cache) = &self.token_cache {
            cache
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .insert(hash, token.clone());
        }
        Ok((secret, token))
    }

    fn token(&self, secret: &str) -> Result<Option<TokenRecord>, StoreError> {
        let hash = sha256_hex(secret.as_bytes());
        match &self.token_cache {
            Some(cache) => Ok(cache
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .get(&hash)
                .cloned()),
            None => match self.kv.tree(TOKENS).get(hash.as_bytes()).map_err(io)? {
                Some(v) => Ok(Some(from_json(&v, "token", 0)?)),
                None => Ok(None),
            },
        }
    }

    fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        let mut out: Vec<TokenRecord> = Vec::new();
        for item in self.kv.tree(TOKENS).iter() {
            let (_, v) = item.map_err(io)?;
            out.push(from_json(&v, "token", 0)?);
        }
        out.sort_by(|a, b| a.created_at.cmp(&b.created_at));
        Ok(out)
    }

    fn revoke_token(&self, id_or_name: &str, by: &Actor) -> Result<Vec<TokenRecord>, StoreError> {
        let mut w = self.writer()?;
        let wanted = person_key(id_or_name);
        let mut targets = Vec::new();
        for item in self.kv.tree(TOKENS).iter() {
            let (k, v) = item.map_err(io)?;
            let t: TokenRecord = from_json(&v, "token", 0)?;
            if t.revoked_at.is_none() && (t.id == id_or_name || person_key(&t.name) == wanted) {
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
            writes.push((TOKENS, k.clone(), Some(to_json(&t))));
            revoked.push((k, t));
        }
        let ticket = self.commit(&mut w, &record, &writes)?;
        // A revocation takes effect at once, before it is durable: refusing a token early is
        // safe, and if the flush fails the store stops writing anyway.
        if let Some(cache) = &self.token_cache {
            let mut cache = cache.write().unwrap_or_else(|p| p.into_inner());
            for (k, t) in &revoked {
                cache.insert(String::from_utf8_lossy(k).into_owned(), t.clone());
            }
        }
        let revoked: Vec<TokenRecord> = revoked.into_iter().map(|(_, t)| t).collect();
        drop(w);
        self.durable(ticket)?;
        Ok(revoked)
    }

    fn lookups_block(&self) -> bool {
        self.sled.is_none()
    }

    fn failed(&self) -> bool {
        self.failed.load(Ordering::SeqCst)
    }

    fn health(&self) -> StoreHealth {
        let failed = self
            .failed()
            .then(|| lock(&self.failure).clone().unwrap_or_default());
        let writing = lock(&self.writing_since).map(|t| t.elapsed());
        let flushing = self.flusher.flushing_for();
        let stalled = match (writing, flushing) {
            (_, Some(f)) if f > STALL_AFTER => Some(format!(
                "a flush to disk has been running for {} s",
                f.as_secs()
            )),
            (Some(w), _) if w > STALL_AFTER => {
                Some(format!("a write has held the store for {} s", w.as_secs()))
            }
            _ => None,
        };
        StoreHealth { failed, stalled }
    }
}

/// The decision that stands for one review: its latest reviewer decision (an override or a
/// return), else its latest engine decision.
fn effective(decisions: &[DecisionRecord]) -> &DecisionRecord {
    latest_reviewer(decisions)
        .or_else(|| latest_of(decisions, DecisionKind::Engine))
        .expect("a review has at least its engine decision")
}

/// The reason of the reviewer's decision that set a review's state: none while it is pending,
/// and none once it is superseded (a new version, not a reviewer, set that).
fn state_reason(decisions: &[DecisionRecord], revised_by: Option<ReviewId>) -> Option<String> {
    if revised_by.is_some() {
        return None;
    }
    latest_reviewer(decisions).and_then(|d| d.reason.clone())
}

/// The latest decision a person made (an override or a return).
fn latest_reviewer(decisions: &[DecisionRecord]) -> Option<&DecisionRecord> {
    decisions.iter().rev().find(|d| d.kind.by_reviewer())
}

/// What a reviewer's decision is in a staged deployment, with its stage: an approve is the
/// next stage's approval (an override at the last stage), by a person who passed no earlier
/// stage of this round; a hold at any stage, or a return, returns the draft to its submitter.
fn staged(
    id: ReviewId,
    new: &NewDecision,
    person: &str,
    decisions: &[DecisionRecord],
) -> Result<(DecisionKind, Option<String>), StoreError> {
    let passed = stages_passed(decisions);
    let next = passed.len().min(new.stages.len() - 1);
    let stage = new.stages[next].clone();
    if let Some(want) = &new.stage {
        if *want != stage {
            return Err(StoreError::Conflict(format!(
                "review {id} is at stage {stage}, not {want} (another reviewer may have just decided it): reload it"
            )));
        }
    }
    if new.kind == DecisionKind::Return || new.decision == Decision::Hold {
        return Ok((DecisionKind::Return, Some(stage)));
    }
    if latest_reviewer(decisions)
        .is_some_and(|d| d.kind == DecisionKind::Override && d.decision == Decision::Approve)
    {
        return Err(StoreError::Conflict(format!(
            "review {id} passed every stage already ({})",
            new.stages.join(" → ")
        )));
    }
    if let Some(p) = passed.iter().find(|p| person_key(&p.by) == person) {
        return Err(StoreError::Forbidden(format!(
            "each stage by a different person: {} approved the stage {} of review {id} already",
            new.by.name, p.stage
        )));
    }
    let kind = if next + 1 == new.stages.len() {
        DecisionKind::Override
    } else {
        DecisionKind::Stage
    };
    Ok((kind, Some(stage)))
}

fn latest_of(decisions: &[DecisionRecord], kind: DecisionKind) -> Option<&DecisionRecord> {
    decisions.iter().rev().find(|d| d.kind == kind)
}

fn category_bit(c: Category) -> u8 {
    1 << (Category::ALL.iter().position(|x| *x == c).unwrap_or(7) as u8)
}

/// The first eight bytes of the SHA-256 of a person key: enough to filter a queue (a match is
/// confirmed on the row).
fn key_hash(key: &str) -> u64 {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(key.as_bytes());
    u64::from_be_bytes(d[..8].try_into().expect("eight bytes"))
}

/// [`key_hash`] of an assignee's person key, never 0 (a summary's "nobody").
fn assignee_hash(key: &str) -> u64 {
    key_hash(key).max(1)
}

/// The summary row of a review whose decisions are `decisions`, whose assignee has the
/// person key `assignee` and which a newer version supersedes or not (written by the write
/// `seq`).
fn summary_bytes(
    row: &ReviewRow,
    decisions: &[DecisionRecord],
    seq: u64,
    scan: &ScanMeta,
    assignee: Option<&str>,
    superseded: bool,
) -> Vec<u8> {
    let e = effective(decisions);
    Summary {
        seq,
        row_seq: row.seq,
        decision: e.decision,
        kind: e.kind,
        categories: scan
            .categories
            .iter()
            .fold(0u8, |m, c| m | category_bit(*c)),
        submitted_ms: crate::parse_timestamp_ms(&row.submitted_at).unwrap_or(0),
        submitter: key_hash(&row.submitter_key),
        assignee: assignee.map_or(0, assignee_hash),
        superseded,
    }
    .encode()
}

/// The fixed-size row that list filters read instead of the review.
struct Summary {
    /// Seq of the write that made this summary.
    seq: u64,
    /// Seq of the write that stored the review.
    row_seq: u64,
    decision: Decision,
    /// Who made `decision`: with it, the review's state.
    kind: DecisionKind,
    categories: u8,
    submitted_ms: u64,
    submitter: u64,
    /// [`assignee_hash`] of the assignee, 0 for none.
    assignee: u64,
    /// A newer version revises the review.
    superseded: bool,
}

impl Summary {
    const LEN: usize = 44;
    /// Summaries written before format 4: never superseded.
    const LEN_V3: usize = 43;
    /// Summaries written before format 3: no assignee, and no return among the kinds.
    const LEN_V2: usize = 35;

    fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::LEN);
        v.extend_from_slice(&self.seq.to_be_bytes());
        v.extend_from_slice(&self.row_seq.to_be_bytes());
        v.push(u8::from(self.decision == Decision::Hold));
        v.push(match self.kind {
            // A stage's approval is never a review's effective decision (see `effective`).
            DecisionKind::Engine | DecisionKind::Stage => 0,
            DecisionKind::Override => 1,
            DecisionKind::Return => 2,
        });
        v.push(self.categories);
        v.extend_from_slice(&self.submitted_ms.to_be_bytes());
        v.extend_from_slice(&self.submitter.to_be_bytes());
        v.extend_from_slice(&self.assignee.to_be_bytes());
        v.push(u8::from(self.superseded));
        v
    }

    fn decode(b: &[u8]) -> Result<Summary, String> {
        if ![Self::LEN, Self::LEN_V3, Self::LEN_V2].contains(&b.len()) {
            return Err(format!("review summary of {} bytes", b.len()));
        }
        let u = |r: std::ops::Range<usize>| be_u64(&b[r]);
        Ok(Summary {
            seq: u(0..8)?,
            row_seq: u(8..16)?,
            decision: if b[16] == 1 {
                Decision::Hold
            } else {
                Decision::Approve
            },
            kind: match b[17] {
                0 => DecisionKind::Engine,
                1 => DecisionKind::Override,
                2 => DecisionKind::Return,
                k => return Err(format!("review summary with decision kind {k}")),
            },
            categories: b[18],
            submitted_ms: u(19..27)?,
            submitter: u(27..35)?,
            assignee: if b.len() >= Self::LEN_V3 {
                u(35..43)?
            } else {
                0
            },
            superseded: match b.get(43) {
                None | Some(0) => false,
                Some(1) => true,
                Some(f) => return Err(format!("review summary with superseded byte {f}")),
            },
        })
    }

    fn state(&self) -> ReviewState {
        if self.superseded {
            ReviewState::Superseded
        } else {
            ReviewState::after(self.kind, self.decision)
        }
    }
}

/// A queue query with its names resolved once: person keys and their hashes, a department to
/// the persons in it. [`QueueFilter::passes`] reads the fixed-size summary only;
/// [`QueueFilter::confirms`] checks what a hash cannot prove on the review itself.
struct QueueFilter<'q> {
    q: &'q ReviewQuery,
    submitter: Option<(String, u64)>,
    /// Person keys of the department's members, and their hashes.
    department: Option<(HashSet<String>, HashSet<u64>)>,
    assignee: Option<(String, u64)>,
    open_to: Option<(String, u64)>,
}

impl<'q> QueueFilter<'q> {
    /// `None` when nothing can match (a department nobody is in).
    fn new(store: &KvStore, q: &'q ReviewQuery) -> Result<Option<QueueFilter<'q>>, StoreError> {
        let person = |name: &Option<String>, hash: fn(&str) -> u64| {
            name.as_deref().map(|n| {
                let k = person_key(n);
                let h = hash(&k);
                (k, h)
            })
        };
        let department = match &q.department {
            None => None,
            Some(d) => {
                let wanted = person_key(d);
                let mut keys = HashSet::new();
                for item in store.kv.tree(PERSONS).iter() {
                    let (k, v) = item.map_err(io)?;
                    let p: Person = from_json(&v, "person", 0)?;
                    if p.department
                        .as_deref()
                        .is_some_and(|d| person_key(d) == wanted)
                    {
                        keys.insert(String::from_utf8_lossy(&k).into_owned());
                    }
                }
                if keys.is_empty() {
                    return Ok(None);
                }
                let hashes = keys.iter().map(|k| key_hash(k)).collect();
                Some((keys, hashes))
            }
        };
        Ok(Some(QueueFilter {
            q,
            submitter: person(&q.submitter, key_hash),
            department,
            assignee: person(&q.assignee, assignee_hash),
            open_to: person(&q.open_to, assignee_hash),
        }))
    }

    fn passes(&self, s: &Summary) -> bool {
        let q = self.q;
        q.decision.is_none_or(|d| d == s.decision)
            && q.state.is_none_or(|st| st == s.state())
            && q.category
                .is_none_or(|c| s.categories & category_bit(c) != 0)
            && self
                .submitter
                .as_ref()
                .is_none_or(|(_, h)| *h == s.submitter)
            && self
                .department
                .as_ref()
                .is_none_or(|(_, hs)| hs.contains(&s.submitter))
            && q.from_ms.is_none_or(|f| s.submitted_ms >= f)
            && q.to_ms.is_none_or(|t| s.submitted_ms <= t)
            && self.assignee.as_ref().is_none_or(|(_, h)| *h == s.assignee)
            && self
                .open_to
                .as_ref()
                .is_none_or(|(_, h)| s.assignee == 0 || *h == s.assignee)
    }

    /// The checks on the review itself: the names behind the hashes, four eyes for `open_to`
    /// (every submission of the same bytes), and the search stamp.
    fn confirms(
        &self,
        store: &KvStore,
        r: &ReviewSummary,
        stamp: Option<[u8; 8]>,
    ) -> Result<bool, StoreError> {
        let submitter = person_key(&r.submitter);
        let assignee = r.assignee.as_ref().map(|a| person_key(&a.name));
        if self
            .submitter
            .as_ref()
            .is_some_and(|(k, _)| *k != submitter)
            || self
                .department
                .as_ref()
                .is_some_and(|(keys, _)| !keys.contains(&submitter))
            || self
                .assignee
                .as_ref()
                .is_some_and(|(k, _)| assignee.as_ref() != Some(k))
            || stamp.is_some_and(|s| s != search::stamp(&r.sha256, r.title.as_deref()))
        {
            return Ok(false);
        }
        if let Some((k, _)) = &self.open_to {
            if assignee.as_ref().is_some_and(|a| a != k)
                || store.reviews_of(&r.sha256)?.iter().any(|(_, s)| s == k)
            {
                return Ok(false);
            }
            // Nor a redacted copy of content they submitted (four eyes).
            if let Some(original) = r.redacted_from.map(|o| store.row(o)).transpose()?.flatten() {
                if store
                    .reviews_of(&original.sha256)?
                    .iter()
                    .any(|(_, s)| s == k)
                {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }
}

/// The search entries of a review (see [`search`]), for the write that stores it.
fn term_writes<'a>(
    id: ReviewId,
    terms: &'a SearchTerms,
    stamp: &'a [u8; 8],
) -> impl Iterator<Item = Write> + 'a {
    terms
        .iter()
        .map(move |t| (NGRAMS, search::key(t, id), Some(stamp.to_vec())))
}

/// Indexes for search every review stored before the index covered it — all the reviews of a
/// store written before format 3, the first time it opens — reading the text of each from its
/// stored bytes as the pipeline does (a legacy text as it is). It runs before anything can read
/// the index, and once: a large old store takes a while to open that one time (every document
/// is read again), and says so in the log. An interrupted run goes on from where it stopped.
fn index_backlog(trees: &[sled::Tree]) -> Result<(), StoreError> {
    let from = match trees[META].get(SEARCH_KEY).map_err(io)? {
        Some(v) => be_u64(&v).map_err(StoreError::Corrupt)?,
        None => 1,
    };
    let mark = |id: u64| {
        trees[META]
            .insert(SEARCH_KEY, &id.to_be_bytes())
            .map(|_| ())
            .map_err(io)
    };
    let mut indexed = 0u64;
    let mut last = None;
    for item in trees[REVIEWS].range(from.to_be_bytes()..) {
        let (k, v) = item.map_err(io)?;
        let id = be_u64(&k).map_err(StoreError::Corrupt)?;
        let row: ReviewRow = from_json(&v, "review", id)?;
        let text = trees[CONTENT]
            .get(row.sha256.as_bytes())
            .map_err(io)?
            .map(|c| stored_text(&c))
            .unwrap_or_default();
        let terms = search::index_terms(row.title.as_deref(), &text);
        let stamp = search::stamp(&row.sha256, row.title.as_deref());
        for (tree, key, value) in term_writes(id, &terms, &stamp) {
            if let Some(v) = value {
                trees[tree].insert(key, v).map_err(io)?;
            }
        }
        indexed += 1;
        last = Some(id);
        if indexed.is_multiple_of(500) {
            mark(id + 1)?;
            tracing::info!(reviews = indexed, "indexing stored reviews for search");
        }
    }
    match last {
        Some(id) => {
            mark(id + 1)?;
            tracing::info!(reviews = indexed, "stored reviews indexed for search");
        }
        None if from == 1 => mark(1)?,
        None => {}
    }
    Ok(())
}

/// The text of stored content (kind byte, then the bytes), for the search index: a document's
/// extracted text, a legacy text as it is; empty for a document that cannot be read.
fn stored_text(content: &[u8]) -> String {
    match content.split_first() {
        Some((b't', text)) => String::from_utf8_lossy(text).into_owned(),
        Some((_, bytes)) => crate::extract::extract(bytes)
            .map(|doc| doc.text.into_owned())
            .unwrap_or_default(),
        None => String::new(),
    }
}

fn read_head(kv: &Kv) -> Result<Head, StoreError> {
    match kv.tree(META).get(HEAD_KEY).map_err(io)? {
        Some(v) => {
            serde_json::from_slice(&v).map_err(|e| StoreError::Corrupt(format!("audit head: {e}")))
        }
        None => Ok(Head {
            seq: 0,
            hash: GENESIS.to_string(),
        }),
    }
}

/// The id the next review gets: one past the highest stored.
fn next_review(kv: &Kv) -> Result<ReviewId, StoreError> {
    match kv.tree(REVIEWS).last().map_err(io)? {
        Some((k, _)) => Ok(be_u64(&k).map_err(StoreError::Corrupt)? + 1),
        None => Ok(1),
    }
}

/// Undoes the writes with seq in `(acked, head]`, newest first, from their undo records.
fn rollback(trees: &[sled::Tree], acked: u64, head: u64) -> Result<(), StoreError> {
    for seq in (acked + 1..=head).rev() {
        let bytes = trees[UNDO]
            .get(seq.to_be_bytes())
            .map_err(io)?
            .ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "write {seq} was never acknowledged and its undo record is missing"
                ))
            })?;
        let entries = decode_undo(&bytes).map_err(StoreError::Corrupt)?;
        for (tree, key, old) in entries.into_iter().rev() {
            let t = trees
                .get(tree)
                .ok_or_else(|| StoreError::Corrupt(format!("undo record {seq}: tree {tree}")))?;
            match old {
                Some(v) => t.insert(key, v).map(|_| ()),
                None => t.remove(key).map(|_| ()),
            }
            .map_err(io)?;
        }
        trees[UNDO].remove(seq.to_be_bytes()).map_err(io)?;
    }
    Ok(())
}

/// Converts a store written before format 2 (one review per content, findings inside the
/// review, `by_sha` keyed by the hash alone) to this layout. Each row is converted in place and
/// the conversion can run again after an interruption.
fn migrate_v1(trees: &[sled::Tree]) -> Result<(), StoreError> {
    #[derive(Deserialize)]
    struct V1Review {
        sha256: String,
        title: Option<String>,
        #[serde(default)]
        metadata: BTreeMap<String, serde_json::Value>,
        submitter: String,
        submitter_role: Role,
        via: String,
        content_kind: ContentKind,
        submitted_at: String,
        ruleset: String,
        findings: Vec<Finding>,
        len: usize,
    }
    let mut converted = 0usize;
    for item in trees[REVIEWS].iter() {
        let (k, v) = item.map_err(io)?;
        let id = be_u64(&k).map_err(StoreError::Corrupt)?;
        let value: serde_json::Value = from_json(&v, "review", id)?;
        if value.get("findings").is_none() {
            continue; // converted already
        }
        let old: V1Review = from_json(&v, "review", id)?;
        let content = trees[CONTENT].get(old.sha256.as_bytes()).map_err(io)?;
        // A JSON submission was hashed over `content` but scanned as title + content: bind it
        // to the bytes that were scanned (the stored ones), and let the gate scan it again.
        let (sha, ruleset) = match (old.content_kind, &content) {
            (ContentKind::Text, Some(c)) => {
                (sha256_hex(&c[1..]), format!("legacy-text:{}", old.ruleset))
            }
            _ => (old.sha256.clone(), old.ruleset.clone()),
        };
        if sha != old.sha256 {
            if let Some(c) = &content {
                trees[CONTENT]
                    .insert(sha.as_bytes(), c.clone())
                    .map_err(io)?;
            }
        }
        let findings = old.findings;
        let decision = crate::engine::Report::decision_for(&findings);
        let meta = NewScan {
            ruleset: ruleset.clone(),
            findings: findings.clone(),
            suppressed: Vec::new(),
            decision,
        }
        .meta();
        let key = scan_key(&sha, &ruleset);
        trees[SCANS]
            .insert(
                key.as_slice(),
                to_json(&ScanRow {
                    seq: 0,
                    meta: meta.clone(),
                }),
            )
            .map_err(io)?;
        trees[FINDINGS]
            .insert(key.as_slice(), to_json(&findings))
            .map_err(io)?;
        let mut decisions = Vec::new();
        for item in trees[DECISIONS].scan_prefix(id.to_be_bytes()) {
            let (dk, dv) = item.map_err(io)?;
            let mut d: DecisionRecord = from_json(&dv, "decision of review", id)?;
            if d.kind == DecisionKind::Engine {
                d.ruleset = if old.content_kind == ContentKind::Text {
                    format!("legacy-text:{}", d.ruleset)
                } else {
                    d.ruleset
                };
                // Every engine decision must find its scan: earlier ones are stood in for by
                // the findings the review kept.
                let k = scan_key(&sha, &d.ruleset);
                if !trees[SCANS].contains_key(&k).map_err(io)? {
                    let m = ScanMeta {
                        ruleset: d.ruleset.clone(),
                        decision: d.decision,
                        ..meta.clone()
                    };
                    trees[SCANS]
                        .insert(k.as_slice(), to_json(&ScanRow { seq: 0, meta: m }))
                        .map_err(io)?;
                    trees[FINDINGS]
                        .insert(k.as_slice(), to_json(&findings))
                        .map_err(io)?;
                }
            }
            trees[DECISIONS].insert(dk, to_json(&d)).map_err(io)?;
            decisions.push(d);
        }
        let row = ReviewRow {
            id,
            seq: 0,
            sha256: sha.clone(),
            title: old.title,
            metadata: old.metadata,
            submitter_key: person_key(&old.submitter),
            submitter: old.submitter,
            submitter_role: old.submitter_role,
            via: old.via,
            content_kind: old.content_kind,
            len: old.len,
            submitted_at: old.submitted_at,
            formed_on: None,
            file_name: None,
            revises: None,
            version: 1,
            redacted_from: None,
            redaction: None,
        };
        let summary = summary_bytes(&row, &decisions, 0, &meta, None, false);
        trees[BY_SHA].remove(old.sha256.as_bytes()).map_err(io)?;
        trees[BY_SHA]
            .insert(by_sha_key(&sha, id), row.submitter_key.as_bytes())
            .map_err(io)?;
        trees[SUMMARIES]
            .insert(id.to_be_bytes(), summary)
            .map_err(io)?;
        trees[REVIEWS]
            .insert(id.to_be_bytes(), to_json(&row))
            .map_err(io)?;
        converted += 1;
    }
    trees[META]
        .insert(FORMAT_KEY, &2u64.to_be_bytes())
        .map_err(io)?;
    tracing::info!(reviews = converted, "store converted to format 2");
    Ok(())
}

/// Undo records: `count u32`, then per entry `tree u8, key len u32, key, has-old u8, [old len
/// u32, old]`.
fn encode_undo(entries: &[(usize, &[u8], Option<sled::IVec>)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
    for (tree, key, old) in entries {
        out.push(*tree as u8);
        out.extend_from_slice(&(key.len() as u32).to_be_bytes());
        out.extend_from_slice(key);
        match old {
            Some(v) => {
                out.push(1);
                out.extend_from_slice(&(v.len() as u32).to_be_bytes());
                out.extend_from_slice(v);
            }
            None => out.push(0),
        }
    }
    out
}

type UndoEntry = (usize, Vec<u8>, Option<Vec<u8>>);

fn decode_undo(mut b: &[u8]) -> Result<Vec<UndoEntry>, String> {
    fn take<'a>(b: &mut &'a [u8], n: usize) -> Result<&'a [u8], String> {
        if b.len() < n {
            return Err("undo record truncated".into());
        }
        let (head, rest) = b.split_at(n);
        *b = rest;
        Ok(head)
    }
    fn len(b: &mut &[u8]) -> Result<usize, String> {
        let v = take(b, 4)?;
        Ok(u32::from_be_bytes(v.try_into().expect("four bytes")) as usize)
    }
    let count = len(&mut b)?;
    let mut out = Vec::with_capacity(count.min(64));
    for _ in 0..count {
        let tree = take(&mut b, 1)?[0] as usize;
        let n = len(&mut b)?;
        let key = take(&mut b, n)?.to_vec();
        let old = match take(&mut b, 1)?[0] {
            0 => None,
            _ => {
                let n = len(&mut b)?;
                Some(take(&mut b, n)?.to_vec())
            }
        };
        out.push((tree, key, old));
    }
    Ok(out)
}

/// Group commit: a writer takes a ticket (its audit seq) after its commit and waits until a
/// flush that started after that commit, and the flush of the acknowledgement marker after it,
/// have finished. One writer at a time flushes; the others wait and are covered by it or by the
/// next one.
#[derive(Default)]
struct Flusher {
    state: Mutex<FlushState>,
    done: Condvar,
}

#[derive(Default)]
struct FlushState {
    committed: u64,
    flushed: u64,
    flushing: Option<Instant>,
    error: Option<FlushError>,
}

/// Why a flush failed, and which writes it leaves in doubt.
struct FlushError {
    message: String,
    /// The failure came after the acknowledgement marker was written: the marker may have
    /// reached the disk (sled fsyncs the log on its own threads too, when it truncates a
    /// segment), so writes up to `target` may count after a restart. Writes after `target` do
    /// not: no marker naming them was ever written.
    marker_written: bool,
    target: u64,
}

impl Flusher {
    fn committed(&self, seq: u64) {
        let mut s = lock(&self.state);
        s.committed = s.committed.max(seq);
    }

    fn flushing_for(&self) -> Option<Duration> {
        lock(&self.state).flushing.map(|t| t.elapsed())
    }

    /// Waits until `ticket` is durable. On failure, the error says whether the write is in
    /// doubt (`true`: it may count after a restart) or certainly lost (`false`).
    fn wait(&self, store: &KvStore, ticket: u64) -> Result<(), (String, bool)> {
        let mut s = lock(&self.state);
        loop {
            if s.flushed >= ticket || store.visible() >= ticket {
                return Ok(());
            }
            if let Some(e) = &s.error {
                return Err((e.message.clone(), e.marker_written && ticket <= e.target));
            }
            if s.flushing.is_some() {
                s = self.done.wait(s).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            s.flushing = Some(Instant::now());
            let target = s.committed;
            drop(s);
            // The data first, then the marker that says it is there.
            let files = store
                .sled
                .as_ref()
                .expect("only a sled store flushes its own files");
            let sync = || sync(&files.dir, &files.synced_blobs).map_err(sled::Error::Io);
            let mut marker_written = false;
            let result = files
                .db
                .flush()
                .and_then(|_| sync())
                .and_then(|_| {
                    marker_written = true;
                    files.ack.insert(ACK_KEY, &target.to_be_bytes())
                })
                .and_then(|_| files.db.flush())
                .and_then(|_| sync());
            s = lock(&self.state);
            s.flushing = None;
            match result {
                Ok(_) => {
                    s.flushed = s.flushed.max(target);
                    store.visible.fetch_max(target, Ordering::AcqRel);
                }
                Err(e) => {
                    s.error = Some(FlushError {
                        message: e.to_string(),
                        marker_written,
                        target,
                    })
                }
            }
            self.done.notify_all();
        }
    }
}

/// Makes what sled flushed durable. sled 0.34's `flush` writes its log with
/// `sync_file_range`, which neither flushes the drive's cache nor the file's size, and its
/// periodic `fsync` runs in the background every half second; large values go to blob files
/// that it never syncs at all. So after each flush: `fsync` the log, every blob file not synced
/// yet, and the directories whose entries changed.
fn sync(
    dir: &Path,
    synced_blobs: &Mutex<std::collections::HashSet<std::ffi::OsString>>,
) -> std::io::Result<()> {
    // The log file last: its fsync is the commit point of the acknowledgement marker, so
    // nothing may fail after it (a marker on disk behind a failed call would count a write
    // whose caller was told it failed).
    let blobs = dir.join("blobs");
    let mut synced = lock(synced_blobs);
    let mut present = std::collections::HashSet::new();
    match std::fs::read_dir(&blobs) {
        Ok(entries) => {
            let mut new = false;
            for entry in entries {
                let name = entry?.file_name();
                if !synced.contains(&name) {
                    std::fs::File::open(blobs.join(&name))?.sync_all()?;
                    new = true;
                }
                present.insert(name);
            }
            if new || present.len() != synced.len() {
                std::fs::File::open(&blobs)?.sync_all()?;
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    *synced = present;
    std::fs::File::open(dir.join("db"))?.sync_all()
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

fn by_sha_key(sha256: &str, id: ReviewId) -> Vec<u8> {
    let mut k = sha256.as_bytes().to_vec();
    k.extend_from_slice(&id.to_be_bytes());
    k
}

fn scan_key(sha256: &str, ruleset: &str) -> Vec<u8> {
    format!("{sha256}/{ruleset}").into_bytes()
}

fn idempotency_key(person: &str, key: &str) -> Vec<u8> {
    let mut k = person.as_bytes().to_vec();
    k.push(0);
    k.extend_from_slice(key.as_bytes());
    k
}

#[cfg(test)]
impl KvStore {
    /// A tree of a sled store, for tests that write past the store's logic.
    fn sled_tree(&self, tree: usize) -> &sled::Tree {
        match &self.kv {
            Kv::Sled(trees) => &trees[tree],
            Kv::Pg(_) => panic!("not a sled store"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(name: &str, role: Role) -> Actor {
        Actor {
            name: name.into(),
            role,
        }
    }

    fn scan(ruleset: &str, decision: Decision) -> NewScan {
        NewScan {
            ruleset: ruleset.into(),
            findings: Vec::new(),
            suppressed: Vec::new(),
            decision,
        }
    }

    fn new_review(bytes: &[u8], by: &Actor, decision: Decision) -> NewReview {
        NewReview {
            sha256: sha256_hex(bytes),
            title: None,
            file_name: None,
            metadata: BTreeMap::new(),
            submitter: by.clone(),
            via: "api",
            formed_on: None,
            content: bytes.to_vec(),
            scan: Some(scan("rs-1", decision)),
            ruleset: "rs-1".into(),
            terms: SearchTerms::default(),
            revises: None,
            redaction: None,
        }
    }

    #[test]
    fn undo_records_round_trip() {
        let a = sled::IVec::from(&b"old"[..]);
        let entries = vec![(3usize, &b"k1"[..], Some(a)), (7, &b""[..], None)];
        let bytes = encode_undo(&entries);
        let back = decode_undo(&bytes).unwrap();
        assert_eq!(
            back,
            vec![
                (3, b"k1".to_vec(), Some(b"old".to_vec())),
                (7, vec![], None)
            ]
        );
        assert!(decode_undo(&bytes[..bytes.len() - 1]).is_err());
    }

    #[test]
    fn summaries_round_trip() {
        let s = Summary {
            seq: 9,
            row_seq: 4,
            decision: Decision::Hold,
            kind: DecisionKind::Return,
            categories: 0b10010,
            submitted_ms: 1_790_000_000_000,
            submitter: 77,
            assignee: 5,
            superseded: false,
        };
        let d = Summary::decode(&s.encode()).unwrap();
        assert_eq!(
            (
                d.seq,
                d.row_seq,
                d.decision,
                d.kind,
                d.categories,
                d.submitted_ms,
                d.submitter,
                d.assignee,
            ),
            (
                9,
                4,
                Decision::Hold,
                DecisionKind::Return,
                0b10010,
                1_790_000_000_000,
                77,
                5
            )
        );
        assert_eq!(d.state(), ReviewState::Returned);
        // Superseded whatever its decision says.
        let newer = Summary {
            superseded: true,
            ..Summary::decode(&s.encode()).unwrap()
        };
        let d = Summary::decode(&newer.encode()).unwrap();
        assert_eq!((d.superseded, d.state()), (true, ReviewState::Superseded));
        // A summary written before format 4: never superseded.
        let v3 = Summary::decode(&newer.encode()[..Summary::LEN_V3]).unwrap();
        assert_eq!((v3.assignee, v3.state()), (5, ReviewState::Returned));
        // A summary written before format 3: no assignee.
        let old = Summary::decode(&s.encode()[..Summary::LEN_V2]).unwrap();
        assert_eq!((old.kind, old.assignee), (DecisionKind::Return, 0));
        assert!(Summary::decode(&s.encode()[..40]).is_err());
        let mut bad = s.encode();
        bad[43] = 7;
        assert!(Summary::decode(&bad).is_err());
    }

    #[test]
    fn unacknowledged_writes_are_rolled_back_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let s = actor("张三", Role::Submitter);
        let r = actor("李四", Role::Reviewer);
        let id;
        {
            let store = KvStore::open(dir.path()).unwrap();
            id = store
                .submit(new_review(b"doc one", &s, Decision::Hold))
                .unwrap()
                .review
                .id;
            // Commit a decision without flushing it, as if the flush had failed.
            let mut w = store.writer().unwrap();
            let (record, mut writes) =
                KvStore::audit_writes(&w, &r, AuditAction::OverrideRecorded, |_| {});
            let d = DecisionRecord {
                seq: 2,
                kind: DecisionKind::Override,
                decision: Decision::Approve,
                by: r.name.clone(),
                role: Some(Role::Reviewer),
                reason: Some("ok".into()),
                ruleset: "rs-1".into(),
                at: crate::timestamp(),
                audit: record.seq,
                stage: None,
            };
            writes.push((DECISIONS, decision_key(id, 2), Some(to_json(&d))));
            store.commit(&mut w, &record, &writes).unwrap();
            drop(w);
            // Not visible to readers: no flush covered it.
            assert_eq!(store.review(id).unwrap().unwrap().decision, Decision::Hold);
            let state = store
                .content_state(&sha256_hex(b"doc one"))
                .unwrap()
                .unwrap();
            assert!(state.latest_override.is_none());
            // Make the data reach the disk without the marker, as a failed marker would not.
            store.sled.as_ref().unwrap().db.flush().unwrap();
        }
        let store = KvStore::open(dir.path()).unwrap();
        let review = store.review(id).unwrap().unwrap();
        assert_eq!(review.decisions.len(), 1);
        assert_eq!(review.decision, Decision::Hold);
        assert_eq!(store.verify_audit().unwrap(), 1);
        // The chain goes on from the rolled-back head.
        let again = store
            .decide(
                id,
                NewDecision {
                    kind: DecisionKind::Override,
                    decision: Decision::Approve,
                    by: r,
                    reason: "核实无误".into(),
                    ruleset: "rs-1".into(),
                    idempotency_key: None,
                    stages: Vec::new(),
                    stage: None,
                },
            )
            .unwrap();
        assert_eq!(again.decision, Decision::Approve);
        assert_eq!(store.verify_audit().unwrap(), 2);
    }

    #[test]
    fn each_person_gets_their_own_review_and_four_eyes_spans_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = KvStore::open(dir.path()).unwrap();
        let s = actor("张三", Role::Submitter);
        let r = actor("李四", Role::Reviewer);
        let first = store
            .submit(new_review(b"same bytes", &s, Decision::Hold))
            .unwrap();
        assert!(first.created);
        let again = store
            .submit(new_review(b"same bytes", &s, Decision::Hold))
            .unwrap();
        assert!(!again.created);
        assert_eq!(again.review.id, first.review.id);
        // The reviewer submits the same bytes: a new review, not a window into the first.
        let mut theirs = new_review(b"same bytes", &r, Decision::Hold);
        theirs.scan = None;
        let second = store.submit(theirs).unwrap();
        assert!(second.created);
        assert_ne!(second.review.id, first.review.id);
        assert_eq!(second.review.submitter, "李四");
        // ... and so may decide neither.
        let d = NewDecision {
            kind: DecisionKind::Override,
            decision: Decision::Approve,
            by: actor("李 四", Role::Reviewer),
            reason: "ok".into(),
            ruleset: "rs-1".into(),
            idempotency_key: None,
            stages: Vec::new(),
            stage: None,
        };
        assert!(matches!(
            store.decide(first.review.id, d),
            Err(StoreError::Forbidden(_))
        ));
    }

    /// Group commit: writers on many threads share flushes, and each returns only once its
    /// write is covered by a flush and the acknowledgement marker: readers see it at once,
    /// and it is all there after the store is closed and opened again.
    #[test]
    fn concurrent_writers_return_once_visible_and_durable() {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(KvStore::open(dir.path()).unwrap());
        let writers: Vec<_> = (0..8)
            .map(|t| {
                let store = std::sync::Arc::clone(&store);
                std::thread::spawn(move || {
                    let by = actor(&format!("提交人{t}"), Role::Submitter);
                    for i in 0..12 {
                        let bytes = format!("第{t}号线程的第{i}份文件");
                        let out = store
                            .submit(new_review(bytes.as_bytes(), &by, Decision::Hold))
                            .unwrap();
                        assert!(out.created);
                        let state = store.content_state(&sha256_hex(bytes.as_bytes())).unwrap();
                        assert!(state.is_some(), "a returned write is visible: {bytes}");
                        assert!(store.visible() >= 1);
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().expect("a writer thread");
        }
        assert!(
            store.flusher.flushing_for().is_none(),
            "no flush left running"
        );
        drop(store);
        let store = KvStore::open(dir.path()).unwrap();
        for t in 0..8 {
            for i in 0..12 {
                let bytes = format!("第{t}号线程的第{i}份文件");
                assert!(
                    store
                        .content_state(&sha256_hex(bytes.as_bytes()))
                        .unwrap()
                        .is_some(),
                    "acknowledged and kept across a reopen: {bytes}"
                );
            }
        }
    }

    /// A search entry whose stamp is not its review's — left by a write that was rolled back
    /// before its review id was given to another review — finds nothing.
    #[test]
    fn search_ignores_entries_of_another_review_under_the_same_id() {
        let dir = tempfile::tempdir().unwrap();
        let store = KvStore::open(dir.path()).unwrap();
        let s = actor("张三", Role::Submitter);
        let mut new = new_review("关于低保复核的通知".as_bytes(), &s, Decision::Approve);
        new.terms = search::index_terms(None, "关于低保复核的通知");
        let id = store.submit(new).unwrap().review.id;
        let find = |text: &str| {
            let q = ReviewQuery {
                search: Some(text.into()),
                limit: 10,
                ..ReviewQuery::default()
            };
            store
                .list(&q)
                .unwrap()
                .reviews
                .iter()
                .map(|r| r.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(find("低保复核"), [id]);
        assert!(find("拆迁补偿").is_empty());
        // Entries of a rolled-back write for the same id, with that write's stamp.
        let stale = search::stamp(&sha256_hex(b"other bytes"), None);
        for t in search::index_terms(None, "拆迁补偿方案").iter() {
            store
                .sled_tree(NGRAMS)
                .insert(search::key(t, id), &stale[..])
                .unwrap();
        }
        assert!(find("拆迁补偿").is_empty());
        // Even when one term is shared, overwritten with the review's own stamp.
        let own = search::stamp(&sha256_hex("关于低保复核的通知".as_bytes()), None);
        store
            .sled_tree(NGRAMS)
            .insert(search::key("拆迁", id), &own[..])
            .unwrap();
        assert!(find("拆迁补偿").is_empty());
        assert_eq!(find("低保"), [id]);
    }

    #[test]
    fn states_and_assignees_are_in_the_summaries() {
        let dir = tempfile::tempdir().unwrap();
        let store = KvStore::open(dir.path()).unwrap();
        let s = actor("张三", Role::Submitter);
        let r = actor("李四", Role::Reviewer);
        let mut ids: Vec<ReviewId> = (0..4u8)
            .map(|i| {
                let new = new_review(&[b'y', i], &s, Decision::Approve);
                store.submit(new).unwrap().review.id
            })
            .collect();
        let decide = |id, kind, decision| {
            let d = NewDecision {
                kind,
                decision,
                by: r.clone(),
                reason: "理由".into(),
                ruleset: "rs-1".into(),
                idempotency_key: None,
                stages: Vec::new(),
                stage: None,
            };
            store.decide(id, d).unwrap()
        };
        let returned = decide(ids[1], DecisionKind::Return, Decision::Approve);
        assert_eq!(returned.state, ReviewState::Returned);
        assert_eq!(returned.decision, Decision::Hold, "a return always holds");
        decide(ids[2], DecisionKind::Override, Decision::Approve);
        decide(ids[3], DecisionKind::Override, Decision::Hold);
        let engine = NewDecision {
            kind: DecisionKind::Engine,
            decision: Decision::Approve,
            by: r.clone(),
            reason: "x".into(),
            ruleset: "rs-1".into(),
            idempotency_key: None,
            stages: Vec::new(),
            stage: None,
        };
        assert!(matches!(
            store.decide(ids[0], engine),
            Err(StoreError::Forbidden(_))
        ));
        store.assign(ids[0], "李四", &r, true).unwrap();
        // A fifth review, superseded by a sixth (which is pending).
        let old = store
            .submit(new_review(b"y-old", &s, Decision::Hold))
            .unwrap()
            .review
            .id;
        let mut next = new_review(b"y-new", &s, Decision::Approve);
        next.revises = Some(old);
        let newer = store.submit(next).unwrap().review;
        assert_eq!((newer.version, newer.revises), (2, Some(old)));
        ids.push(old);
        let q = |f: &dyn Fn(&mut ReviewQuery)| {
            let mut q = ReviewQuery {
                limit: 10,
                ..ReviewQuery::default()
            };
            f(&mut q);
            store
                .list(&q)
                .unwrap()
                .reviews
                .iter()
                .map(|r| (r.id, r.state))
                .collect::<Vec<_>>()
        };
        for (i, state) in ReviewState::ALL.into_iter().enumerate() {
            let want: Vec<_> = match state {
                ReviewState::Pending => vec![(ids[0], state), (newer.id, state)],
                _ => vec![(ids[i], state)],
            };
            assert_eq!(q(&|q| q.state = Some(state)), want);
        }
        assert_eq!(
            q(&|q| q.assignee = Some("李 四".into())),
            [(ids[0], ReviewState::Pending)]
        );
        assert!(q(&|q| q.open_to = Some("张三".into())).is_empty());
        assert_eq!(q(&|q| q.open_to = Some("王五".into())).len(), 5);
    }

    /// A version chain: links both ways, a fork refused naming the newest version, decisions
    /// on an old version limited to a hold, and the chain as readers see it.
    #[test]
    fn versions_chain_and_never_fork() {
        let dir = tempfile::tempdir().unwrap();
        let store = KvStore::open(dir.path()).unwrap();
        let s = actor("张三", Role::Submitter);
        let r = actor("李四", Role::Reviewer);
        let v1 = store
            .submit(new_review(b"v1", &s, Decision::Hold))
            .unwrap()
            .review;
        let revise = |bytes: &[u8], of: ReviewId| {
            let mut n = new_review(bytes, &s, Decision::Approve);
            n.revises = Some(of);
            store.submit(n)
        };
        let v2 = revise(b"v2", v1.id).unwrap().review;
        let v3 = revise(b"v3", v2.id).unwrap().review;
        assert_eq!((v2.version, v3.version), (2, 3));
        // Forking v1 or v2 is refused, naming v3.
        for old in [v1.id, v2.id] {
            match revise(b"fork", old) {
                Err(StoreError::Conflict(m)) => {
                    assert!(m.contains(&format!("review {}", v3.id)), "{m}")
                }
                other => panic!("a fork was not refused: {other:?}"),
            }
        }
        assert!(matches!(revise(b"x", 999), Err(StoreError::NotFound(_))));
        // The same bytes as the review revised, from another person: nothing changed.
        let mut same = new_review(b"v3", &r, Decision::Approve);
        same.revises = Some(v3.id);
        assert!(matches!(store.submit(same), Err(StoreError::Conflict(_))));
        let old = store.review(v1.id).unwrap().unwrap();
        assert_eq!(
            (old.state, old.revised_by, old.decision),
            (ReviewState::Superseded, Some(v2.id), Decision::Hold)
        );
        let chain: Vec<_> = store
            .versions(v2.id)
            .unwrap()
            .iter()
            .map(|v| (v.id, v.version, v.state))
            .collect();
        assert_eq!(
            chain,
            [
                (v1.id, 1, ReviewState::Superseded),
                (v2.id, 2, ReviewState::Superseded),
                (v3.id, 3, ReviewState::Pending)
            ]
        );
        // An old version may be held, not approved or returned.
        let decide = |kind, decision| {
            store.decide(
                v1.id,
                NewDecision {
                    kind,
                    decision,
                    by: r.clone(),
                    reason: "理由".into(),
                    ruleset: "rs-1".into(),
                    idempotency_key: None,
                    stages: Vec::new(),
                    stage: None,
                },
            )
        };
        assert!(matches!(
            decide(DecisionKind::Override, Decision::Approve),
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            decide(DecisionKind::Return, Decision::Hold),
            Err(StoreError::Conflict(_))
        ));
        let held = decide(DecisionKind::Override, Decision::Hold).unwrap();
        assert_eq!(held.state, ReviewState::Superseded, "still superseded");
        let q = ReviewQuery {
            state: Some(ReviewState::Superseded),
            limit: 10,
            ..ReviewQuery::default()
        };
        let listed: Vec<_> = store
            .list(&q)
            .unwrap()
            .reviews
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(
            listed,
            [v1.id, v2.id],
            "the hold kept the summary superseded"
        );
        // All of it after a reopen, and the audit chain verifies.
        drop(store);
        let store = KvStore::open(dir.path()).unwrap();
        assert_eq!(store.versions(v1.id).unwrap().len(), 3);
        assert_eq!(store.review(v3.id).unwrap().unwrap().revises, Some(v2.id));
        assert!(store.verify_audit().is_ok());
    }

    #[test]
    fn list_filters_read_summaries() {
        let dir = tempfile::tempdir().unwrap();
        let store = KvStore::open(dir.path()).unwrap();
        let s = actor("张三", Role::Submitter);
        let t = actor("王五", Role::Submitter);
        for i in 0..10u8 {
            let who = if i % 2 == 0 { &s } else { &t };
            let d = if i % 3 == 0 {
                Decision::Hold
            } else {
                Decision::Approve
            };
            store.submit(new_review(&[b'x', i], who, d)).unwrap();
        }
        let q = |f: &dyn Fn(&mut ReviewQuery)| {
            let mut q = ReviewQuery {
                limit: 3,
                ..ReviewQuery::default()
            };
            f(&mut q);
            store.list(&q).unwrap()
        };
        let page = q(&|_| {});
        assert_eq!(
            page.reviews.iter().map(|r| r.id).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert_eq!(page.next, Some(3));
        let holds = q(&|q| {
            q.decision = Some(Decision::Hold);
            q.limit = 10;
        });
        assert_eq!(
            holds.reviews.iter().map(|r| r.id).collect::<Vec<_>>(),
            [1, 4, 7, 10]
        );
        let theirs = q(&|q| {
            q.submitter = Some("王 五".into());
            q.limit = 10;
            q.descending = true;
        });
        assert_eq!(
            theirs.reviews.iter().map(|r| r.id).collect::<Vec<_>>(),
            [10, 8, 6, 4, 2]
        );
        let none = q(&|q| q.to_ms = Some(0));
        assert!(none.reviews.is_empty());
        let past_end = q(&|q| q.after = Some(u64::MAX));
        assert!(past_end.reviews.is_empty());
    }
}
