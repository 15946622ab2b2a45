//! Durable reviews, decisions, tokens and the audit chain.
//!
//! [`DecisionStore`] is what the service needs from storage; [`SledStore`] implements it on sled
//! 0.34. The promise the rest of baomi relies on: when a write method returns `Ok`, the review,
//! its decision and the audit record that tells of it are on disk together (one transaction,
//! flushed), and when it returns `Err`, none of them are. After the first storage error a store
//! refuses every further write until the process restarts, so that nothing is recorded on top
//! of a state the store could not vouch for.

mod audit;
mod sled_store;

pub use audit::{chain_hash, AuditAction, AuditRecord, ChainError, GENESIS};
pub use sled_store::SledStore;

use crate::engine::{Category, Decision, Finding};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Review ids count up from 1 in submission order.
pub type ReviewId = u64;

/// What a token allows. `admin` may do everything the other roles may.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Submitter,
    Reviewer,
    Publisher,
    Maintainer,
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Submitter,
        Role::Reviewer,
        Role::Publisher,
        Role::Maintainer,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Submitter => "submitter",
            Role::Reviewer => "reviewer",
            Role::Publisher => "publisher",
            Role::Maintainer => "maintainer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The person (or component) behind an action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub name: String,
    pub role: Role,
}

/// Who made a decision: the rule engine when the content was scanned, or a reviewer's override.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    Engine,
    Override,
}

/// One decision about a review. Decisions are only ever appended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRecord {
    /// 1 for the engine's first decision, then counting up.
    pub seq: u32,
    pub kind: DecisionKind,
    pub decision: Decision,
    /// `engine` for engine decisions, else the reviewer's name.
    pub by: String,
    pub role: Option<Role>,
    /// Required for overrides.
    pub reason: Option<String>,
    /// The rule set in force when the decision was made.
    pub ruleset: String,
    pub at: String,
}

/// How the content reached baomi: it decides how the stored content is scanned again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentKind {
    /// Raw document bytes, scanned through [`crate::input::scan_bytes`].
    Bytes,
    /// Text submitted as JSON (title line plus content), scanned as it is.
    Text,
}

/// A submitted document with its findings and every decision made about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub id: ReviewId,
    /// Hex SHA-256 of the content as it will be published (the raw bytes, or the `content`
    /// string of a JSON submission).
    pub sha256: String,
    pub title: Option<String>,
    #[serde(default)]
    pub metadata: BTreeMap<String, serde_json::Value>,
    pub submitter: String,
    pub submitter_role: Role,
    /// `api` for `POST /v1/reviews`, `gate` for unseen content sent to the gate.
    pub via: String,
    pub content_kind: ContentKind,
    pub len: usize,
    pub submitted_at: String,
    /// The rule set of the engine's scan.
    pub ruleset: String,
    pub findings: Vec<Finding>,
    /// Categories with at least one hold finding.
    pub categories: Vec<Category>,
    /// The latest decision (a copy of the last entry of `decisions`).
    pub decision: Decision,
    pub updated_at: String,
    pub decisions: Vec<DecisionRecord>,
}

impl Review {
    pub fn latest(&self) -> &DecisionRecord {
        self.decisions
            .last()
            .expect("a stored review always has its engine decision")
    }
}

/// What the service hands to [`DecisionStore::submit`]: a scanned document, not yet stored.
#[derive(Clone, Debug)]
pub struct NewReview {
    pub sha256: String,
    pub title: Option<String>,
    pub metadata: BTreeMap<String, serde_json::Value>,
    pub submitter: Actor,
    pub via: &'static str,
    pub content_kind: ContentKind,
    pub content: Vec<u8>,
    pub ruleset: String,
    pub findings: Vec<Finding>,
    pub decision: Decision,
}

/// A decision to append to an existing review.
#[derive(Clone, Debug)]
pub struct NewDecision {
    pub kind: DecisionKind,
    pub decision: Decision,
    /// The reviewer for an override; for an engine decision, whoever caused the scan (it is
    /// the audit record's actor).
    pub by: Actor,
    pub reason: Option<String>,
    pub ruleset: String,
    /// For engine re-evaluations: the new findings replace the stored ones.
    pub findings: Option<Vec<Finding>>,
}

/// Filters and paging for the reviewer's queue. Empty fields do not filter.
#[derive(Clone, Debug, Default)]
pub struct ReviewQuery {
    pub decision: Option<Decision>,
    pub category: Option<Category>,
    pub submitter: Option<String>,
    /// Inclusive bounds on `submitted_at`, compared as strings (`2026-11-01` or a full timestamp).
    pub from: Option<String>,
    pub to: Option<String>,
    /// Only reviews with an id greater than this (the `next` of the previous page).
    pub after: Option<ReviewId>,
    pub limit: usize,
    /// Newest first when true.
    pub descending: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReviewPage {
    pub reviews: Vec<Review>,
    /// Pass as `after` to get the next page; absent on the last page.
    pub next: Option<ReviewId>,
}

/// A bearer token as stored: only the SHA-256 of the secret is kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Short public id (the first 12 hex digits of the hash), used to revoke.
    pub id: String,
    pub name: String,
    pub role: Role,
    pub created_at: String,
    pub created_by: String,
    pub revoked_at: Option<String>,
}

/// A rule set as it was loaded: kept by id so that any past decision can be explained with the
/// rules that made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulesetSnapshot {
    pub id: String,
    /// When and by whom this rule set was first loaded.
    pub loaded_at: String,
    pub loaded_by: String,
    /// `embedded` or the rules directory.
    pub source: String,
    pub files: Vec<RuleFile>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleFile {
    pub name: String,
    pub text: String,
}

/// The result of a submission: the stored review, and whether this call created it.
#[derive(Clone, Debug)]
pub struct Submitted {
    pub review: Review,
    pub created: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// The storage engine failed; the message says how. The store now refuses writes.
    Io(String),
    /// An earlier write failed; nothing more is written until restart.
    Failed(String),
    /// Stored data could not be read back (corrupt record, broken audit chain).
    Corrupt(String),
    /// The data directory is held by another process (a running `baomi serve`).
    Locked(String),
    NotFound(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Io(m) => write!(f, "storage error: {m}"),
            StoreError::Failed(m) => write!(
                f,
                "the store refuses writes after an earlier storage error ({m}); restart the service"
            ),
            StoreError::Corrupt(m) => write!(f, "stored data is damaged: {m}"),
            StoreError::Locked(m) => write!(f, "{m}"),
            StoreError::NotFound(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// Storage for the review service. Every write is durable when it returns `Ok`.
pub trait DecisionStore: Send + Sync {
    /// Records a scanned document and the engine's decision, or returns the existing review if
    /// the same content (by sha256) was submitted before.
    fn submit(&self, new: NewReview) -> Result<Submitted, StoreError>;
    /// Appends a decision to a review; earlier decisions are kept as they are.
    fn decide(&self, id: ReviewId, decision: NewDecision) -> Result<Review, StoreError>;
    fn review(&self, id: ReviewId) -> Result<Option<Review>, StoreError>;
    fn review_by_sha(&self, sha256: &str) -> Result<Option<Review>, StoreError>;
    /// The stored content of a review, for scanning it again under a newer rule set.
    fn content(&self, sha256: &str) -> Result<Option<(ContentKind, Vec<u8>)>, StoreError>;
    fn list(&self, query: &ReviewQuery) -> Result<ReviewPage, StoreError>;

    /// Appends a record that is about no review (rule-set loads, token changes).
    fn record(
        &self,
        actor: &Actor,
        action: AuditAction,
        ruleset: Option<&str>,
        detail: &str,
    ) -> Result<AuditRecord, StoreError>;
    /// Records that a rule set was put in force: keeps its files under its id (once) and appends
    /// a `ruleset_loaded` audit record, in one transaction.
    fn record_ruleset(
        &self,
        actor: &Actor,
        snapshot: &RulesetSnapshot,
        detail: &str,
    ) -> Result<AuditRecord, StoreError>;
    /// A rule set that was once in force, by id.
    fn ruleset(&self, id: &str) -> Result<Option<RulesetSnapshot>, StoreError>;
    /// Every rule set ever loaded (files omitted), oldest first.
    fn rulesets(&self) -> Result<Vec<RulesetSnapshot>, StoreError>;
    /// The id of the rule set named by the latest `ruleset_loaded` record, if any.
    fn last_ruleset(&self) -> Result<Option<String>, StoreError>;
    /// Checks the whole audit chain; the error names the first broken record.
    fn verify_audit(&self) -> Result<u64, ChainError>;
    /// Audit records with `seq > after`, at most `limit` of them, in order.
    fn audit(&self, after: u64, limit: usize) -> Result<Vec<AuditRecord>, StoreError>;

    /// Stores a new token for `name` with `role` and returns the secret (shown once).
    fn create_token(
        &self,
        name: &str,
        role: Role,
        by: &Actor,
    ) -> Result<(String, TokenRecord), StoreError>;
    /// Looks a presented secret up; revoked tokens are returned with `revoked_at` set.
    fn token(&self, secret: &str) -> Result<Option<TokenRecord>, StoreError>;
    fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError>;
    /// Revokes the token with this id (or every active token of this name).
    fn revoke_token(&self, id_or_name: &str, by: &Actor) -> Result<Vec<TokenRecord>, StoreError>;

    /// True once a write has failed: the service reports it in `/healthz` and refuses writes.
    fn failed(&self) -> bool;
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}
