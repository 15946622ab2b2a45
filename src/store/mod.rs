//! Durable reviews, decisions, tokens and the audit chain.
//!
//! [`DecisionStore`] is what the service needs from storage; [`KvStore`] implements it on sled
//! 0.34. The promise the rest of baomi relies on: when a write method returns `Ok`, the review,
//! its decision and the audit record that tells of it are on disk together (one transaction,
//! flushed), and when it returns `Err`, none of them are — not even after a restart. No reader
//! sees a write before it is durable. After the first storage error a store refuses every
//! further write until the process restarts, so that nothing is recorded on top of a state the
//! store could not vouch for.

mod audit;
mod kv;
mod kv_store;
pub mod search;

pub use audit::{
    chain_hash, held_categories_of, held_suffix, AuditAction, AuditRecord, ChainError, GENESIS,
};
pub use kv_store::KvStore;
pub use search::SearchTerms;

use crate::engine::{Category, Decision, Finding, Severity};
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

/// The person (or component) behind an action: the name of a [`Person`] and the role of the
/// token used. Names are unique per person (compared by [`person_key`]), so every check that asks
/// "is this the same person?" (four eyes, a submitter's own reviews) compares persons, whatever
/// token each action used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub name: String,
    pub role: Role,
}

impl Actor {
    /// The key of the person behind this actor.
    pub fn key(&self) -> String {
        person_key(&self.name)
    }
}

/// The identity key of a person's name: NFKC-folded, without any white space, lower-case. Two
/// names with the same key are the same person (`王丽`, `王 丽` and `王丽` in full-width forms).
pub fn person_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    name.nfkc()
        .filter(|c| {
            !c.is_whitespace() && !matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}')
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// A person who holds tokens: created by an admin (or with their first token), unique by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub name: String,
    pub department: Option<String>,
    pub created_at: String,
    pub created_by: String,
}

/// Who made a decision: the rule engine when the content was scanned, or a reviewer — an
/// override (approve or hold), or a return to the submitter for changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    Engine,
    Override,
    /// 退回修改: a reviewer sent the draft back to its submitter with a reason. Its decision is
    /// always `hold`: returned content never passes the gate, and like any reviewer's decision
    /// it stands until a reviewer decides otherwise.
    Return,
    /// In a staged deployment (`baomi serve --stages 初审,复审,终审`), the approval of a stage
    /// before the last. Not a decision: the review stays pending and its bytes do not pass the
    /// gate; the last stage's approval is recorded as an [`DecisionKind::Override`] approve,
    /// and a hold at any stage as a [`DecisionKind::Return`].
    Stage,
}

impl DecisionKind {
    /// True for a person's decision (an override or a return): false for the engine's, and
    /// for a stage's approval, which decides nothing yet.
    pub fn by_reviewer(self) -> bool {
        matches!(self, DecisionKind::Override | DecisionKind::Return)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Engine => "engine",
            DecisionKind::Override => "override",
            DecisionKind::Return => "return",
            DecisionKind::Stage => "stage",
        }
    }
}

/// Where a review stands in the reviewers' work, from what reviewers did since it was
/// submitted (the engine's decisions do not move it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    /// 待审: no reviewer has acted on it since it was submitted.
    #[default]
    Pending,
    /// 已退回: a reviewer returned it to its submitter for changes.
    Returned,
    /// 已通过: a reviewer approved it.
    Approved,
    /// 已拦截: a reviewer confirmed a hold.
    Held,
    /// 已被新版本取代: a newer version of the draft was submitted (`revises`). Not a decision:
    /// the review's decision, and so what the gate says of its bytes, stay as they were; it
    /// only leaves the reviewers' work, which goes on with the newest version.
    Superseded,
}

impl ReviewState {
    pub const ALL: [ReviewState; 5] = [
        ReviewState::Pending,
        ReviewState::Returned,
        ReviewState::Approved,
        ReviewState::Held,
        ReviewState::Superseded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Pending => "pending",
            ReviewState::Returned => "returned",
            ReviewState::Approved => "approved",
            ReviewState::Held => "held",
            ReviewState::Superseded => "superseded",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewState> {
        ReviewState::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The state that a review's latest decision of kind `kind` puts it in.
    pub fn after(kind: DecisionKind, decision: Decision) -> ReviewState {
        match (kind, decision) {
            (DecisionKind::Engine | DecisionKind::Stage, _) => ReviewState::Pending,
            (DecisionKind::Return, _) => ReviewState::Returned,
            (DecisionKind::Override, Decision::Approve) => ReviewState::Approved,
            (DecisionKind::Override, Decision::Hold) => ReviewState::Held,
        }
    }

    /// The state of a review with these decisions (in order): set by its latest reviewer
    /// decision, pending when there is none. Stores written before states existed hold no
    /// returns, so this reads them as they were. A review with a newer version is
    /// [`ReviewState::Superseded`] whatever its decisions: see [`ReviewState::of_version`].
    pub fn of(decisions: &[DecisionRecord]) -> ReviewState {
        decisions
            .iter()
            .rev()
            .find(|d| d.kind.by_reviewer())
            .map_or(ReviewState::Pending, |d| {
                ReviewState::after(d.kind, d.decision)
            })
    }

    /// [`ReviewState::of`], or superseded when a newer version revises the review.
    pub fn of_version(decisions: &[DecisionRecord], superseded: bool) -> ReviewState {
        if superseded {
            ReviewState::Superseded
        } else {
            ReviewState::of(decisions)
        }
    }
}

impl fmt::Display for ReviewState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who is to review a review: a reviewer who claimed it, or was assigned it by another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// The reviewer's name, as their person record spells it.
    pub name: String,
    /// Who claimed or assigned it (`name` itself for a claim).
    pub by: String,
    pub at: String,
    /// The earlier version of the draft whose claim or assignment this is, carried over when
    /// this version was submitted (see [`DecisionStore::submit`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried_from: Option<ReviewId>,
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
    /// The audit record that recorded this decision: orders decisions across reviews.
    #[serde(default)]
    pub audit: u64,
    /// In a staged deployment, the stage this decision was made at (`初审`): every stage's
    /// approval, the last stage's approval and a hold at any stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
}

/// How the content reached baomi. Every review stores the exact bytes that were scanned and
/// hashed; `text` is only found in stores written before the one-reading rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentKind {
    /// Document bytes, read through [`crate::pipeline::scan_bytes`] (raw uploads, and JSON
    /// submissions as the UTF-8 of `title + "\n" + content`).
    Bytes,
    /// Legacy: text scanned as it is, without extraction.
    Text,
}

/// One submission: a person's draft, its findings (from the scan of its bytes under the rule set
/// of its latest engine decision) and every decision made on it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub id: ReviewId,
    /// Hex SHA-256 of exactly the bytes that were scanned and that the gate will pass: the raw
    /// upload, or the UTF-8 of `title + "\n" + content` for a JSON submission.
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
    /// The day the information was formed or last changed (`YYYY-MM-DD`, China's date), as
    /// the submitter gave it: the disclosure clock (条例 art. 26) counts from it, from the
    /// submission day when it is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formed_on: Option<String>,
    /// The time of the decision that ended the review opinion (a reviewer's approve, hold or
    /// return; the engine's approve in a single-stage deployment ends nothing for a person, so
    /// it is not here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<String>,
    /// In a staged deployment: the stages approved since the review's last reviewer decision,
    /// in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages_passed: Vec<StagePass>,
    /// The legal clocks as they stand today, computed by the service on every read (never
    /// stored); none for a superseded version.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub clocks: Option<Clocks>,
    /// The name the document was submitted under (an upload's file name), if one was given.
    /// It is not part of the bytes: the service scans it again each time it is shown or gated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// The rule set of the scan whose findings are shown (`rs-…`, followed by `+s-…` when
    /// suppressions were in force).
    pub ruleset: String,
    pub findings: Vec<Finding>,
    /// The findings a suppression covered in that scan: shown, not deciding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressed: Vec<SuppressedFinding>,
    /// Categories with at least one hold finding.
    pub categories: Vec<Category>,
    /// This review's decision: its latest reviewer decision, or the engine's when no reviewer
    /// has decided it.
    pub decision: Decision,
    /// Where it stands: pending, returned, approved, held or superseded (see
    /// [`ReviewState::of_version`]).
    #[serde(default)]
    pub state: ReviewState,
    /// The reason of the reviewer's decision that set `state` (none while pending).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<String>,
    /// The reviewer who claimed it or was assigned it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<Assignment>,
    /// The department of the submitter's person record, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    pub updated_at: String,
    pub decisions: Vec<DecisionRecord>,
    /// Which version of its draft this is: 1 for a first submission, the revised review's
    /// version plus one for a submission that names the review it revises.
    #[serde(default = "first_version")]
    pub version: u32,
    /// The review this one revises (its previous version), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revises: Option<ReviewId>,
    /// The review that revises this one (its next version), if any: then `state` is
    /// `superseded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revised_by: Option<ReviewId>,
    /// Every version of the draft, oldest first, this one among them: filled for
    /// `GET /v1/reviews/{id}` only (a write's answer is read before it commits and does not
    /// read the chain).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<ReviewVersion>,
    /// The review this one is a redacted copy of (`POST /v1/reviews/{id}/redactions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted_from: Option<ReviewId>,
    /// How this redacted copy was made: the policy, the values masked (as published), what
    /// cleaning removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redaction: Option<RedactionRecord>,
    /// The redacted copies made of this review, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redactions: Vec<RedactionLink>,
}

/// How a redacted copy was made, kept with the copy. Holds the values only as they are
/// published (`110101********0009`), never the values themselves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RedactionRecord {
    /// The redaction policy used, every field given (defaults filled in).
    pub policy: serde_json::Value,
    /// Each value masked, and in how many places.
    pub masked: Vec<MaskedValue>,
    /// What cleaning the package removed (comments, tracked deletions, hidden text,
    /// properties), in Chinese.
    #[serde(default)]
    pub cleaned: Vec<String>,
}

/// One value a redaction masked, as the copy publishes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaskedValue {
    /// `resident_id`, `mobile`, `bank_card`, `passport`, `address`, `name` or `other`.
    pub kind: String,
    /// The value as published: its visible characters and masks.
    pub shown: String,
    /// How many places it was masked in (0: it went with what cleaning removed).
    pub occurrences: usize,
}

/// A redacted copy of a review, as the review lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RedactionLink {
    /// The copy's review.
    pub id: ReviewId,
    /// Who made it (the copy's submitter).
    pub by: String,
    pub at: String,
    /// The redaction policy used.
    pub policy: serde_json::Value,
}

/// What makes a submission a redacted copy: the review it was made of and how.
#[derive(Clone, Debug)]
pub struct NewRedaction {
    pub from: ReviewId,
    pub record: RedactionRecord,
}

fn first_version() -> u32 {
    1
}

/// A stage approved, in a staged deployment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StagePass {
    pub stage: String,
    /// The reviewer's name.
    pub by: String,
    pub at: String,
}

/// The stages approved since the latest reviewer decision (a return, or the last stage's
/// approval, starts a new round).
pub fn stages_passed(decisions: &[DecisionRecord]) -> Vec<StagePass> {
    let start = decisions
        .iter()
        .rposition(|d| d.kind.by_reviewer())
        .map_or(0, |i| i + 1);
    decisions[start..]
        .iter()
        .filter(|d| d.kind == DecisionKind::Stage)
        .map(|d| StagePass {
            stage: d.stage.clone().unwrap_or_default(),
            by: d.by.clone(),
            at: d.at.clone(),
        })
        .collect()
}

/// The time of the latest reviewer decision, if any.
pub fn decided_at(decisions: &[DecisionRecord]) -> Option<String> {
    decisions
        .iter()
        .rev()
        .find(|d| d.kind.by_reviewer())
        .map(|d| d.at.clone())
}

/// A review's legal clocks (see [`crate::calendar::Clock`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Clocks {
    /// Disclosure within the limit (20 working days by default, 条例 art. 26) from the day
    /// the information was formed or changed.
    pub disclosure: crate::calendar::Clock,
    /// The review opinion within the limit (15 working days by default) from submission.
    pub opinion: crate::calendar::Clock,
}

/// One version of a draft, as the review page lists its history (版本历史).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewVersion {
    pub id: ReviewId,
    pub version: u32,
    pub submitted_at: String,
    pub submitter: String,
    pub decision: Decision,
    pub state: ReviewState,
    pub finding_count: usize,
}

impl From<&ReviewSummary> for ReviewVersion {
    fn from(s: &ReviewSummary) -> ReviewVersion {
        ReviewVersion {
            id: s.id,
            version: s.version,
            submitted_at: s.submitted_at.clone(),
            submitter: s.submitter.clone(),
            decision: s.decision,
            state: s.state,
            finding_count: s.finding_count,
        }
    }
}

/// Most versions one draft may have: a chain is read whole for every review page.
pub const MAX_VERSIONS: u32 = 100;

impl Review {
    pub fn latest(&self) -> &DecisionRecord {
        self.decisions
            .last()
            .expect("a stored review always has its engine decision")
    }
}

/// A review without its findings and decisions: what the reviewer's queue lists.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewSummary {
    pub id: ReviewId,
    pub sha256: String,
    pub title: Option<String>,
    pub submitter: String,
    pub submitter_role: Role,
    pub via: String,
    pub len: usize,
    pub submitted_at: String,
    /// See [`Review::formed_on`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formed_on: Option<String>,
    /// See [`Review::decided_at`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<String>,
    /// See [`Review::stages_passed`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages_passed: Vec<StagePass>,
    /// See [`Review::clocks`].
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub clocks: Option<Clocks>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    pub updated_at: String,
    pub decision: Decision,
    /// `engine`, `override` or `return`: who made [`ReviewSummary::decision`].
    pub decided_by: DecisionKind,
    #[serde(default)]
    pub state: ReviewState,
    /// The reason of the reviewer's decision that set `state` (a return's reason, for the
    /// submitter's list); none while pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<Assignment>,
    /// The department of the submitter's person record, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    pub categories: Vec<Category>,
    /// Number of findings (hold and warn) of the scan shown.
    pub finding_count: usize,
    pub ruleset: String,
    #[serde(default)]
    pub metadata: BTreeMap<String, serde_json::Value>,
    /// Which version of its draft this is (see [`Review::version`]).
    #[serde(default = "first_version")]
    pub version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revises: Option<ReviewId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revised_by: Option<ReviewId>,
    /// The review this one is a redacted copy of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted_from: Option<ReviewId>,
}

/// The engine's result for some bytes under one rule set; shared by every review of those
/// bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct NewScan {
    pub ruleset: String,
    pub findings: Vec<Finding>,
    /// The findings a suppression in force covered: they still show, and no longer decide.
    pub suppressed: Vec<SuppressedFinding>,
    pub decision: Decision,
}

impl NewScan {
    /// What is known of this scan without its findings.
    pub fn meta(&self) -> ScanMeta {
        let live = live_findings(&self.findings, &self.suppressed);
        let mut held: Vec<String> = live
            .iter()
            .filter(|f| f.severity == Severity::Hold)
            .map(|f| format!("{}: {}", f.category, f.rule))
            .collect();
        held.sort();
        held.dedup();
        ScanMeta {
            ruleset: self.ruleset.clone(),
            decision: self.decision,
            held,
            categories: held_categories(&live),
            finding_count: self.findings.len(),
            suppressed: self.suppressed.clone(),
        }
    }
}

/// The findings no suppression covers.
pub(crate) fn live_findings(
    findings: &[Finding],
    suppressed: &[SuppressedFinding],
) -> Vec<Finding> {
    findings
        .iter()
        .enumerate()
        .filter(|(i, _)| !suppressed.iter().any(|s| s.finding == *i))
        .map(|(_, f)| f.clone())
        .collect()
}

/// A finding a suppression covered when its scan was made: the finding's place in the scan's
/// findings, and the suppression's id, reason, author and expiry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuppressedFinding {
    pub finding: usize,
    pub id: String,
    pub reason: String,
    pub added_by: String,
    pub expires: String,
}

/// Where a suppression stands in the service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionState {
    /// Proposed by a maintainer; not applied until another person approves it.
    Proposed,
    /// Approved: applied to every scan until it expires or is revoked.
    Approved,
    /// Refused by the person asked to approve it.
    Rejected,
    /// Taken back (by anyone who may propose or approve one): applied no more.
    Revoked,
    /// Past its expiry date: applied no more, recorded once by the service.
    Expired,
}

impl SuppressionState {
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionState::Proposed => "proposed",
            SuppressionState::Approved => "approved",
            SuppressionState::Rejected => "rejected",
            SuppressionState::Revoked => "revoked",
            SuppressionState::Expired => "expired",
        }
    }
}

/// A suppression in the service (see [`crate::suppress`]): a rule change, proposed by one
/// person and in force only once another approves it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuppressionRecord {
    pub id: String,
    /// What it covers, why, who added it and until when (`id` and `added_by` filled).
    pub fields: crate::suppress::Fields,
    pub state: SuppressionState,
    pub proposed_by: String,
    pub proposed_at: String,
    /// `api`, or the suppression file it was read from.
    pub via: String,
    /// The review whose finding it was proposed from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_review: Option<ReviewId>,
    /// Who approved, rejected, revoked it (or `baomi serve` for an expiry), when and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<SuppressionEvent>,
    /// The audit record of its latest change.
    pub audit: u64,
}

/// One change of a suppression's state after its proposal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuppressionEvent {
    pub state: SuppressionState,
    pub by: String,
    pub at: String,
    pub reason: String,
    pub audit: u64,
}

/// A proposed suppression, for [`DecisionStore::propose_suppression`].
#[derive(Clone, Debug)]
pub struct NewSuppression {
    pub by: Actor,
    /// Checked by the caller; `id` is given by the store when absent (`S-1`, `S-2`, ...),
    /// `added_by` is the proposer when absent (a file names its author).
    pub fields: crate::suppress::Fields,
    pub via: String,
    pub from_review: Option<ReviewId>,
}

/// A change of a suppression's state, for [`DecisionStore::change_suppression`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuppressionChange {
    /// By another person than its proposer (four eyes), of a proposed one.
    Approve,
    /// By another person than its proposer, of a proposed one.
    Reject,
    /// Of a proposed or approved one, by anyone allowed: a stricter rule set needs no second
    /// person.
    Revoke,
    /// Of an approved one past its expiry date.
    Expire,
}

/// The categories with at least one hold finding, sorted, once each.
pub(crate) fn held_categories(findings: &[Finding]) -> Vec<Category> {
    let mut c: Vec<_> = findings
        .iter()
        .filter(|f| f.severity == Severity::Hold)
        .map(|f| f.category)
        .collect();
    c.sort();
    c.dedup();
    c
}

/// What is known of a scan without reading its findings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanMeta {
    pub ruleset: String,
    pub decision: Decision,
    /// `category: rule` of every hold finding, sorted, once each.
    pub held: Vec<String>,
    pub categories: Vec<Category>,
    pub finding_count: usize,
    /// The findings a suppression covered (see [`NewScan::suppressed`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressed: Vec<SuppressedFinding>,
}

/// What the service hands to [`DecisionStore::submit`]: a scanned document, not yet stored.
#[derive(Clone, Debug)]
pub struct NewReview {
    pub sha256: String,
    pub title: Option<String>,
    /// The upload's file name, if one was given.
    pub file_name: Option<String>,
    pub metadata: BTreeMap<String, serde_json::Value>,
    pub submitter: Actor,
    pub via: &'static str,
    /// See [`Review::formed_on`].
    pub formed_on: Option<String>,
    /// The exact bytes that were scanned (`sha256` is their hash).
    pub content: Vec<u8>,
    /// The scan of `content` under the rule set in force. `None` reuses the stored scan of the
    /// same bytes under `ruleset` (the service checked that it exists).
    pub scan: Option<NewScan>,
    pub ruleset: String,
    /// What search finds the review by: the bigrams of its title and extracted text
    /// ([`search::index_terms`]).
    pub terms: SearchTerms,
    /// The review this submission is a new version of (the caller checked that the submitter
    /// may read it). The store refuses it when that review has a newer version already
    /// ([`StoreError::Conflict`], naming the newest), and records in the same write that it
    /// is superseded.
    pub revises: Option<ReviewId>,
    /// Set for a redacted copy of a review (which must exist for readers): the copy is linked
    /// to it in the same write, told by a `redaction_created` audit record.
    pub redaction: Option<NewRedaction>,
}

/// A reviewer's decision to append to a review: an override (approve or hold) or a return for
/// changes (`kind` [`DecisionKind::Return`], whose decision the store records as `hold`).
#[derive(Clone, Debug)]
pub struct NewDecision {
    /// [`DecisionKind::Override`] or [`DecisionKind::Return`].
    pub kind: DecisionKind,
    pub decision: Decision,
    pub by: Actor,
    pub reason: String,
    pub ruleset: String,
    /// A client's key for this decision (`Idempotency-Key`): a retry with the same key returns
    /// the decision recorded the first time instead of recording another.
    pub idempotency_key: Option<String>,
    /// The deployment's stages, in order; empty for single-stage review. With stages, the
    /// store records an approve as the next stage's ([`DecisionKind::Stage`], or an override
    /// at the last stage) and a hold as a return, checking within its write that the
    /// approver passed no earlier stage of this round.
    pub stages: Vec<String>,
    /// The stage the reviewer means to decide at, if they said: refused when it is not the
    /// review's next stage (two reviewers acting on one stage at once).
    pub stage: Option<String>,
}

/// Everything the gate needs about some bytes, from the decisions that readers may see.
#[derive(Clone, Debug)]
pub struct ContentState {
    /// Reviews of these bytes, oldest first.
    pub reviews: Vec<ReviewId>,
    /// The latest reviewer decision (an override or a return) on any review of these bytes.
    pub latest_override: Option<(ReviewId, DecisionRecord)>,
    /// The latest engine decision on any review of these bytes.
    pub latest_engine: Option<(ReviewId, DecisionRecord)>,
    /// The scan behind `latest_engine`.
    pub scan: Option<ScanMeta>,
}

/// Filters and paging for the reviewer's queue. Empty fields do not filter.
#[derive(Clone, Debug, Default)]
pub struct ReviewQuery {
    pub decision: Option<Decision>,
    pub state: Option<ReviewState>,
    pub category: Option<Category>,
    /// A person's name (compared as a person, see [`person_key`]).
    pub submitter: Option<String>,
    /// The department of the submitter's person record (compared like names, see
    /// [`person_key`]).
    pub department: Option<String>,
    /// The name of the reviewer the review is claimed by or assigned to.
    pub assignee: Option<String>,
    /// Words from the title or the text: only reviews indexed with every bigram of it
    /// ([`search::query_terms`]; at least one bigram, or the list is empty).
    pub search: Option<String>,
    /// Only reviews this person may take up: not submitted by them (in any review of the same
    /// bytes: four eyes) and not claimed by or assigned to anyone else.
    pub open_to: Option<String>,
    /// Inclusive bounds on the submission time, in milliseconds since the Unix epoch.
    pub from_ms: Option<u64>,
    pub to_ms: Option<u64>,
    /// Only reviews with an id greater than this (smaller, in descending order).
    pub after: Option<ReviewId>,
    pub limit: usize,
    /// Newest first when true.
    pub descending: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReviewPage {
    pub reviews: Vec<ReviewSummary>,
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
    /// The storage engine failed while making this write durable, after the point where it
    /// may already have reached the disk: it may or may not count after a restart. The store
    /// now refuses writes.
    InDoubt(String),
    /// An earlier write failed; nothing more is written until restart.
    Failed(String),
    /// Stored data could not be read back (corrupt record, broken audit chain).
    Corrupt(String),
    /// The data directory is held by another process (a running `baomi serve`).
    Locked(String),
    NotFound(String),
    /// The write is not allowed (four eyes); nothing was written.
    Forbidden(String),
    /// The request conflicts with what is stored (a name that is taken); nothing was written.
    Conflict(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Io(m) => write!(f, "storage error: {m}"),
            StoreError::InDoubt(m) => write!(
                f,
                "storage error while making the write durable ({m}): it may or may not have been recorded; read it back after the service restarts"
            ),
            StoreError::Failed(m) => write!(
                f,
                "the store refuses writes after an earlier storage error ({m}); restart the service"
            ),
            StoreError::Corrupt(m) => write!(f, "stored data is damaged: {m}"),
            StoreError::Locked(m) => write!(f, "{m}"),
            StoreError::NotFound(m) | StoreError::Forbidden(m) | StoreError::Conflict(m) => {
                write!(f, "{m}")
            }
        }
    }
}

impl std::error::Error for StoreError {}

/// How the store is doing, for `/healthz`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StoreHealth {
    /// Set once a write failed: the store refuses writes until restart.
    pub failed: Option<String>,
    /// Set while a write or a flush has been running for longer than a few seconds.
    pub stalled: Option<String>,
}

/// Storage for the review service.
///
/// Every write is durable when it returns `Ok`, and **no reader sees a write before that**: a
/// decision becomes visible only once a flush that covers it has succeeded, and a write whose
/// flush failed is never visible, not even after a restart (it is rolled back when the store
/// opens).
pub trait DecisionStore: Send + Sync {
    /// Records a submission. If the same person submitted the same bytes before, returns that
    /// review (`created: false`); another person's submission of the same bytes is a new review
    /// that shares the stored scan. A submission that `revises` a review is its next version:
    /// the revised review becomes superseded in the same write, and its claim or assignment is
    /// carried over to the new version — unless the assignee is a person who submitted the new
    /// version's bytes (four eyes) or holds no active reviewer or admin token any more.
    fn submit(&self, new: NewReview) -> Result<Submitted, StoreError>;
    /// Appends a reviewer's decision (an override or a return) to a review. Refused
    /// ([`StoreError::Forbidden`]) when the deciding person submitted these bytes in any review,
    /// gate-created ones included — or, for a redacted copy, the bytes of the review it was
    /// made of.
    fn decide(&self, id: ReviewId, decision: NewDecision) -> Result<Review, StoreError>;
    /// Makes the person `assignee` (the name as their person record spells it) the reviewer of
    /// a review: `by` claims it for themselves (`claim`), or assigns it. The assignee must not
    /// have submitted these bytes (four eyes: [`StoreError::Forbidden`]); the caller checks that
    /// they may review. A claim of a review claimed by or assigned to someone else is a
    /// [`StoreError::Conflict`] (an assignment takes it over); making it whose it is already
    /// changes nothing.
    fn assign(
        &self,
        id: ReviewId,
        assignee: &str,
        by: &Actor,
        claim: bool,
    ) -> Result<Review, StoreError>;
    /// Records the engine's scan of a review's bytes under a newer rule set, and the engine
    /// decision it makes.
    fn record_scan(
        &self,
        id: ReviewId,
        by: &Actor,
        scan: NewScan,
        reason: &str,
    ) -> Result<Review, StoreError>;
    fn review(&self, id: ReviewId) -> Result<Option<Review>, StoreError>;
    /// Every version of the draft review `id` belongs to that readers may see, oldest first
    /// (the review alone when it has no other version; none when it is not visible).
    fn versions(&self, id: ReviewId) -> Result<Vec<ReviewSummary>, StoreError>;
    /// The review of these bytes submitted by this person, if any.
    fn review_of(&self, sha256: &str, person: &Actor) -> Result<Option<Review>, StoreError>;
    /// What the gate needs to know about these bytes; `None` when no review of them is visible.
    fn content_state(&self, sha256: &str) -> Result<Option<ContentState>, StoreError>;
    /// Whether the gate's first allowed answer for these bytes is on record, durably (a
    /// `gate_passed` audit record). A plain read: the gate asks it on every allowed answer.
    fn gate_passed(&self, sha256: &str) -> Result<bool, StoreError>;
    /// Records the gate's first allowed answer for these bytes: a `gate_passed` audit record
    /// naming the review whose decision allowed them, durable when this returns `Ok`. Once per
    /// bytes: when one is on record already it writes nothing and returns `false` (after
    /// waiting for it to be durable, if another call has just written it).
    fn record_gate_pass(
        &self,
        by: &Actor,
        sha256: &str,
        review: Option<ReviewId>,
        ruleset: Option<&str>,
        detail: &str,
    ) -> Result<bool, StoreError>;
    /// The stored scan of these bytes under a rule set, without its findings.
    fn scan(&self, sha256: &str, ruleset: &str) -> Result<Option<ScanMeta>, StoreError>;
    /// The stored bytes, for scanning them again under a newer rule set and for publishing.
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
    /// Records a proposed suppression (not in force) with a `suppression_proposed` audit
    /// record. The same person proposing the same fields again gets the record back.
    /// Refused with [`StoreError::Conflict`] when the id is taken.
    fn propose_suppression(&self, new: NewSuppression) -> Result<SuppressionRecord, StoreError>;
    /// Changes a suppression's state, checked within the write: approve and reject only a
    /// proposed one and never by its proposer or author ([`StoreError::Forbidden`]), revoke a
    /// proposed or approved one, expire an approved one ([`StoreError::Conflict`] otherwise).
    fn change_suppression(
        &self,
        id: &str,
        by: &Actor,
        change: SuppressionChange,
        reason: &str,
    ) -> Result<SuppressionRecord, StoreError>;
    /// Every suppression ever proposed, in the order proposed.
    fn suppressions(&self) -> Result<Vec<SuppressionRecord>, StoreError>;
    /// Checks the whole audit chain; the error names the first broken record.
    fn verify_audit(&self) -> Result<u64, ChainError>;
    /// Audit records with `seq > after`, at most `limit` of them, in order.
    fn audit(&self, after: u64, limit: usize) -> Result<Vec<AuditRecord>, StoreError>;

    /// Creates a person; refused with [`StoreError::Conflict`] when the name is taken.
    fn create_person(
        &self,
        name: &str,
        department: Option<&str>,
        by: &Actor,
    ) -> Result<Person, StoreError>;
    fn persons(&self) -> Result<Vec<Person>, StoreError>;
    /// Stores a new token for the person `name` (created on the way if there is none, with
    /// `department`) with `role` and returns the secret (shown once). The token carries the
    /// person's name as stored.
    fn create_token(
        &self,
        name: &str,
        department: Option<&str>,
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
    /// Whether a token lookup may wait on the network (a database), so that it must not run on
    /// an async thread.
    fn lookups_block(&self) -> bool {
        false
    }
    /// Failure and stalls, for `/healthz`.
    fn health(&self) -> StoreHealth;
}
