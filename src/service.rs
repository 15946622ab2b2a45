//! The review service's rules of conduct, independent of HTTP: how a submission is scanned and
//! recorded, who may decide what, and when the gate lets content through.
//!
//! Every method here is blocking (it scans and waits for the disk); the HTTP layer calls them
//! on the blocking thread pool.

use crate::engine::{Decision, Severity};
use crate::metrics::Metrics;
use crate::rules::RuleSet;
use crate::store::{
    sha256_hex, Actor, ContentKind, DecisionKind, DecisionStore, NewDecision, NewReview, Review,
    ReviewId, StoreError, Submitted,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, RwLock};

/// Longest accepted override reason, in characters.
pub const MAX_REASON_CHARS: usize = 2000;

pub struct Service {
    pub store: Arc<dyn DecisionStore>,
    rules: RwLock<Arc<RuleSet>>,
    pub metrics: Metrics,
}

/// A draft as submitted.
pub struct Submission {
    pub title: Option<String>,
    pub metadata: BTreeMap<String, serde_json::Value>,
    pub content: Content,
}

pub enum Content {
    /// The `content` field of a JSON submission.
    Text(String),
    /// Raw document bytes.
    Bytes(Vec<u8>),
}

/// The gate's first step: an answer, or a review to scan again before answering.
pub enum GateStep {
    Answer(GateAnswer),
    Rescan(Review),
}

/// What the publishing pipeline asks about.
pub enum GateQuery {
    Sha256(String),
    Bytes(Vec<u8>),
}

#[derive(Clone, Debug, Serialize)]
pub struct GateAnswer {
    pub allowed: bool,
    pub sha256: String,
    pub review_id: Option<ReviewId>,
    pub decision: Option<Decision>,
    /// `engine` or `override`.
    pub decided_by: Option<String>,
    /// The rule set of the deciding decision.
    pub ruleset: Option<String>,
    /// Why not, when not allowed: held categories and rules, or a reviewer's reason. Never
    /// document text.
    pub reasons: Vec<String>,
}

#[derive(Debug)]
pub enum ServiceError {
    /// The request is malformed: the message says what and where.
    Invalid(String),
    /// The document could not be decoded.
    Unreadable(String),
    NotFound(String),
    /// The caller's role does not allow this, or the four-eyes rule forbids it.
    Forbidden(String),
    Store(StoreError),
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceError::Invalid(m)
            | ServiceError::Unreadable(m)
            | ServiceError::NotFound(m)
            | ServiceError::Forbidden(m) => f.write_str(m),
            ServiceError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => ServiceError::NotFound(m),
            e => ServiceError::Store(e),
        }
    }
}

impl Service {
    pub fn new(store: Arc<dyn DecisionStore>, rules: Arc<RuleSet>) -> Service {
        Service {
            store,
            rules: RwLock::new(rules),
            metrics: Metrics::default(),
        }
    }

    /// The rule set in force. Callers keep the `Arc` for the whole request, so a reload never
    /// changes rules under a running scan.
    pub fn rules(&self) -> Arc<RuleSet> {
        self.rules.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Swaps in a new rule set for the requests that start after this call.
    pub fn set_rules(&self, rules: Arc<RuleSet>) {
        *self.rules.write().unwrap_or_else(|p| p.into_inner()) = rules;
    }

    /// Scans and records a draft, or finds the review of the same content.
    pub fn submit(
        &self,
        by: &Actor,
        submission: Submission,
        via: &'static str,
    ) -> Result<Submitted, ServiceError> {
        let sha256 = match &submission.content {
            Content::Text(t) => sha256_hex(t.as_bytes()),
            Content::Bytes(b) => sha256_hex(b),
        };
        if let Some(review) = self.count_store(self.store.review_by_sha(&sha256))? {
            return Ok(Submitted {
                review,
                created: false,
            });
        }
        let rules = self.rules();
        let (kind, content, report) = match submission.content {
            Content::Text(text) => {
                let text = match &submission.title {
                    Some(title) => format!("{title}\n{text}"),
                    None => text,
                };
                let report = rules.engine.scan(&text);
                (ContentKind::Text, text.into_bytes(), report)
            }
            Content::Bytes(bytes) => {
                let report = crate::input::scan_bytes(&rules.engine, &bytes).map_err(|e| {
                    ServiceError::Unreadable(format!("the document cannot be read: {e}"))
                })?;
                (ContentKind::Bytes, bytes, report)
            }
        };
        let submitted = self.count_store(self.store.submit(NewReview {
            sha256,
            title: submission.title,
            metadata: submission.metadata,
            submitter: by.clone(),
            via,
            content_kind: kind,
            content,
            ruleset: rules.id.clone(),
            findings: report.findings,
            decision: report.decision,
        }))?;
        if submitted.created {
            self.metrics.review_recorded(&submitted.review);
            let r = &submitted.review;
            tracing::info!(
                review = r.id,
                sha256 = &r.sha256[..12],
                len = r.len,
                findings = r.findings.len(),
                holds = r.findings.iter().filter(|f| f.severity == Severity::Hold).count(),
                decision = %r.decision,
                ruleset = %r.ruleset,
                via,
                "review recorded"
            );
        }
        Ok(submitted)
    }

    pub fn review(&self, id: ReviewId) -> Result<Review, ServiceError> {
        self.count_store(self.store.review(id))?
            .ok_or_else(|| ServiceError::NotFound(format!("no review with id {id}")))
    }

    /// The text the engine scanned for a review (finding spans are byte offsets into it).
    pub fn scanned_text(&self, review: &Review) -> Result<String, ServiceError> {
        let Some((kind, content)) = self.count_store(self.store.content(&review.sha256))? else {
            return Err(ServiceError::Store(StoreError::Corrupt(format!(
                "the content of review {} is missing",
                review.id
            ))));
        };
        match kind {
            ContentKind::Text => String::from_utf8(content).map_err(|_| {
                ServiceError::Store(StoreError::Corrupt(format!(
                    "the stored text of review {} is not UTF-8",
                    review.id
                )))
            }),
            ContentKind::Bytes => crate::input::decode(&content)
                .map(str::to_string)
                .map_err(|e| ServiceError::Unreadable(format!("the document cannot be read: {e}"))),
        }
    }

    /// A reviewer's override. The reason is required and the reviewer must not be the person
    /// who submitted the draft.
    pub fn decide(
        &self,
        by: &Actor,
        id: ReviewId,
        decision: Decision,
        reason: &str,
    ) -> Result<Review, ServiceError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(ServiceError::Invalid(
                "field `reason`: a reason is required for every decision".into(),
            ));
        }
        if reason.chars().count() > MAX_REASON_CHARS {
            return Err(ServiceError::Invalid(format!(
                "field `reason`: at most {MAX_REASON_CHARS} characters"
            )));
        }
        let review = self.review(id)?;
        if review.submitter == by.name {
            return Err(ServiceError::Forbidden(format!(
                "four eyes: {} submitted review {id} and cannot also decide it",
                by.name
            )));
        }
        let rules = self.rules();
        let review = self.count_store(self.store.decide(
            id,
            NewDecision {
                kind: DecisionKind::Override,
                decision,
                by: by.clone(),
                reason: Some(reason.to_string()),
                ruleset: rules.id.clone(),
                findings: None,
            },
        ))?;
        self.metrics
            .decision_recorded(DecisionKind::Override, decision);
        tracing::info!(review = id, decision = %decision, by = %by.name, "override recorded");
        Ok(review)
    }

    /// The publishing gate. Fails closed: any storage problem is an error, never an approve.
    /// Blocking: it may scan.
    pub fn gate(&self, by: &Actor, query: GateQuery) -> Result<GateAnswer, ServiceError> {
        match self.gate_lookup(by, query)? {
            GateStep::Answer(a) => Ok(a),
            GateStep::Rescan(review) => self.gate_finish(by, review),
        }
    }

    /// The gate's first step, which never scans and so may run on an async thread for a
    /// `sha256` query: either the answer, or the review that must first be scanned again
    /// (raw bytes are always answered here, scanning included).
    pub fn gate_lookup(&self, by: &Actor, query: GateQuery) -> Result<GateStep, ServiceError> {
        if self.store.failed() {
            return Err(ServiceError::Store(StoreError::Failed(
                "an earlier write failed".into(),
            )));
        }
        let review = match query {
            GateQuery::Sha256(sha) => {
                let sha = sha.to_ascii_lowercase();
                if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(ServiceError::Invalid(
                        "field `sha256`: expected 64 hexadecimal digits".into(),
                    ));
                }
                match self.count_store(self.store.review_by_sha(&sha))? {
                    Some(r) => r,
                    None => {
                        let answer = GateAnswer {
                            allowed: false,
                            sha256: sha,
                            review_id: None,
                            decision: None,
                            decided_by: None,
                            ruleset: None,
                            reasons: vec!["no review of this content: submit it first".into()],
                        };
                        self.metrics.gate(false);
                        return Ok(GateStep::Answer(answer));
                    }
                }
            }
            GateQuery::Bytes(bytes) => {
                let submission = Submission {
                    title: None,
                    metadata: BTreeMap::new(),
                    content: Content::Bytes(bytes),
                };
                self.submit(by, submission, "gate")?.review
            }
        };
        if self.needs_rescan(&review) {
            return Ok(GateStep::Rescan(review));
        }
        Ok(GateStep::Answer(self.answer(&review)))
    }

    /// The gate's second step for content approved by the engine under an older rule set.
    pub fn gate_finish(&self, by: &Actor, review: Review) -> Result<GateAnswer, ServiceError> {
        let review = self.current(by, review)?;
        Ok(self.answer(&review))
    }

    fn answer(&self, review: &Review) -> GateAnswer {
        let latest = review.latest().clone();
        let allowed = latest.decision == Decision::Approve;
        let mut reasons = Vec::new();
        if !allowed {
            match latest.kind {
                DecisionKind::Override => reasons.push(format!(
                    "held by reviewer {}: {}",
                    latest.by,
                    latest.reason.as_deref().unwrap_or("")
                )),
                DecisionKind::Engine => {
                    let mut rules: Vec<String> = review
                        .findings
                        .iter()
                        .filter(|f| f.severity == Severity::Hold)
                        .map(|f| format!("{}: {}", f.category, f.rule))
                        .collect();
                    rules.sort();
                    rules.dedup();
                    reasons.push("held by the rule engine".into());
                    reasons.extend(rules);
                }
            }
        }
        self.metrics.gate(allowed);
        tracing::info!(
            review = review.id,
            sha256 = &review.sha256[..12],
            allowed,
            "gate answered"
        );
        GateAnswer {
            allowed,
            sha256: review.sha256.clone(),
            review_id: Some(review.id),
            decision: Some(latest.decision),
            decided_by: Some(match latest.kind {
                DecisionKind::Engine => "engine".into(),
                DecisionKind::Override => latest.by.clone(),
            }),
            ruleset: Some(latest.ruleset.clone()),
            reasons,
        }
    }

    fn needs_rescan(&self, review: &Review) -> bool {
        let latest = review.latest();
        latest.kind == DecisionKind::Engine
            && latest.decision == Decision::Approve
            && latest.ruleset != self.rules().id
    }

    /// An engine approve made under an older rule set is scanned again under the current one
    /// (a term added today must stop content approved yesterday). The new engine decision is
    /// recorded. A reviewer's decision stands as it is.
    fn current(&self, by: &Actor, review: Review) -> Result<Review, ServiceError> {
        if !self.needs_rescan(&review) {
            return Ok(review);
        }
        let rules = self.rules();
        let Some((kind, content)) = self.count_store(self.store.content(&review.sha256))? else {
            return Err(ServiceError::Store(StoreError::Corrupt(format!(
                "the content of review {} is missing",
                review.id
            ))));
        };
        let report = match kind {
            ContentKind::Text => match std::str::from_utf8(&content) {
                Ok(text) => rules.engine.scan(text),
                Err(_) => {
                    return Err(ServiceError::Store(StoreError::Corrupt(format!(
                        "the stored text of review {} is not UTF-8",
                        review.id
                    ))))
                }
            },
            ContentKind::Bytes => {
                crate::input::scan_bytes(&rules.engine, &content).map_err(|e| {
                    ServiceError::Unreadable(format!("the document cannot be read: {e}"))
                })?
            }
        };
        let decision = report.decision;
        let review = self.count_store(self.store.decide(
            review.id,
            NewDecision {
                kind: DecisionKind::Engine,
                decision,
                by: by.clone(),
                reason: Some(format!(
                    "re-evaluated at the gate under rule set {}",
                    rules.id
                )),
                ruleset: rules.id.clone(),
                findings: Some(report.findings),
            },
        ))?;
        self.metrics
            .decision_recorded(DecisionKind::Engine, decision);
        Ok(review)
    }

    /// Passes a store result through, counting errors for `/metrics`.
    fn count_store<T>(&self, r: Result<T, StoreError>) -> Result<T, ServiceError> {
        r.map_err(|e| {
            if !matches!(e, StoreError::NotFound(_)) {
                self.metrics.store_error();
            }
            ServiceError::from(e)
        })
    }
}
