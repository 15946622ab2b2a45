//! The review service's rules of conduct, independent of HTTP: how a submission is scanned and
//! recorded, who may decide what, and when the gate lets content through.
//!
//! Every method here is blocking (it scans and waits for the disk); the HTTP layer calls them
//! on the blocking thread pool.

use crate::calendar::{Calendar, Day, Limit};
use crate::engine::{Cancel, Category, Decision, Severity};
use crate::metrics::Metrics;
use crate::redact::{self, Policy, RedactError};
use crate::rules::{self, edit::RuleEdit, RuleSet};
use crate::sha256_hex;
use crate::store::{
    person_key, search, Actor, Clocks, ContentKind, DecisionKind, DecisionStore, MaskedValue,
    NewDecision, NewRedaction, NewReview, NewScan, RedactionRecord, Review, ReviewId, ReviewPage,
    ReviewQuery, ReviewState, ReviewSummary, ReviewVersion, Role, RuleFile, RulesetSnapshot,
    ScanMeta, SearchTerms, StoreError, Submitted,
};
use crate::suppress::Suppressions;
use crate::versions::{self, DiffLine, FindingChanges};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Condvar;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// Longest accepted override reason, in characters.
pub const MAX_REASON_CHARS: usize = 2000;

mod suppressions;
pub use suppressions::{Proposal, SuppressionView};

pub struct Service {
    pub store: Arc<dyn DecisionStore>,
    rules: RwLock<Arc<InForce>>,
    /// Where reloads and edits read and write rule files; `None` for the embedded rule set.
    rules_dir: Option<PathBuf>,
    /// Serialises reloads and edits (compiling happens under it, requests never wait on it).
    rules_lock: Mutex<()>,
    pub metrics: Metrics,
    scan_slots: ScanSlots,
    /// What a new rule set must pass besides its own examples (the labelled corpus and its
    /// thresholds, when `baomi serve` is given one).
    rules_check: Option<RulesCheck>,
    /// The background re-check of engine holds after a rule-set change.
    recheck: Recheck,
    /// The office's calendar, legal limits and review stages.
    office: Office,
    /// The deployment's key for value digests (baselines' and suppressions').
    digest_key: Vec<u8>,
    /// Today in China: the clock suppressions expire by (a test sets another).
    today: Arc<dyn Fn() -> Day + Send + Sync>,
}

/// How an office runs its reviews: the calendar its clocks count on, the limits, and the
/// stages a draft passes (none: one reviewer's decision, or the engine's approve, suffices).
#[derive(Clone, Debug)]
pub struct Office {
    pub calendar: Calendar,
    /// Disclosure within this many working days of the day the information was formed or
    /// changed (条例 art. 26: 20).
    pub disclosure: Limit,
    /// The review opinion within this many working days of submission (15 by default).
    pub opinion: Limit,
    /// `初审,复审,终审`: every stage approves in order, each by another person.
    pub stages: Vec<String>,
}

/// 条例 art. 26: disclosure within 20 working days.
pub const DISCLOSURE_DAYS: u32 = crate::calendar::limits::DISCLOSURE.working_days;
/// The review opinion within 15 working days, as local rules set it.
pub const OPINION_DAYS: u32 = crate::calendar::limits::REVIEW_OPINION.working_days;

impl Default for Office {
    fn default() -> Office {
        Office {
            calendar: Calendar::embedded(),
            disclosure: Limit {
                working_days: DISCLOSURE_DAYS,
            },
            opinion: Limit {
                working_days: OPINION_DAYS,
            },
            stages: Vec::new(),
        }
    }
}

/// The stages of `--stages 初审,复审,终审`: 1 to 9 names, each used once, none empty.
pub fn parse_stages(s: &str) -> Result<Vec<String>, String> {
    let stages: Vec<String> = s.split([',', '，']).map(|x| x.trim().to_string()).collect();
    if stages.iter().any(String::is_empty) {
        return Err("a stage's name is empty (write them like 初审,复审,终审)".into());
    }
    if stages.len() > 9 {
        return Err(format!("{} stages; at most 9", stages.len()));
    }
    for (i, a) in stages.iter().enumerate() {
        if stages[..i].contains(a) {
            return Err(format!("the stage {a} is named twice"));
        }
        if a.chars().count() > 20 {
            return Err(format!("the stage name {a:?} is longer than 20 characters"));
        }
    }
    Ok(stages)
}

/// What a review's clocks are computed from: a review or a queue row.
pub struct ClockFacts<'a> {
    pub submitted_at: &'a str,
    pub formed_on: Option<&'a str>,
    pub decided_at: Option<&'a str>,
    pub updated_at: &'a str,
    pub state: ReviewState,
    pub decision: Decision,
}

impl<'a> From<&'a Review> for ClockFacts<'a> {
    fn from(r: &'a Review) -> Self {
        ClockFacts {
            submitted_at: &r.submitted_at,
            formed_on: r.formed_on.as_deref(),
            decided_at: r.decided_at.as_deref(),
            updated_at: &r.updated_at,
            state: r.state,
            decision: r.decision,
        }
    }
}

impl<'a> From<&'a ReviewSummary> for ClockFacts<'a> {
    fn from(r: &'a ReviewSummary) -> Self {
        ClockFacts {
            submitted_at: &r.submitted_at,
            formed_on: r.formed_on.as_deref(),
            decided_at: r.decided_at.as_deref(),
            updated_at: &r.updated_at,
            state: r.state,
            decision: r.decision,
        }
    }
}

/// The day in China of a stored timestamp.
fn day_of(ts: &str) -> Option<Day> {
    crate::parse_timestamp_ms(ts).map(Day::from_unix_ms_in_china)
}

impl Office {
    /// A review's clocks on `today`. The opinion clock stops at a reviewer's decision (an
    /// approve, a hold or a return; in a staged deployment, the last stage's approve); the
    /// disclosure clock stops when the draft is approved or a reviewer confirms its hold, and
    /// runs on while it is returned to its submitter. In a single-stage deployment the
    /// engine's approve ends both (the bytes may go online). A superseded version has none:
    /// its newest version carries the count on.
    pub fn clocks(&self, r: ClockFacts<'_>, today: Day) -> Option<Clocks> {
        let submitted = day_of(r.submitted_at)?;
        let formed = r.formed_on.and_then(Day::parse).unwrap_or(submitted);
        let decided = r.decided_at.and_then(day_of);
        let (opinion_stop, disclosure_stop) = match r.state {
            ReviewState::Superseded => return None,
            ReviewState::Approved | ReviewState::Held => (decided, decided),
            ReviewState::Returned => (decided, None),
            ReviewState::Pending => {
                if self.stages.is_empty() && r.decision == Decision::Approve {
                    let at = day_of(r.updated_at);
                    (at, at)
                } else {
                    (None, None)
                }
            }
        };
        Some(Clocks {
            disclosure: self
                .calendar
                .clock_until(self.disclosure, formed, today, disclosure_stop),
            opinion: self
                .calendar
                .clock_until(self.opinion, submitted, today, opinion_stop),
        })
    }
}

/// Where the background re-check stands: it walks every review whose decision is an engine
/// hold made under an older rule set and scans it again under the rules in force.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RecheckProgress {
    /// `idle` (nothing asked yet), `running` or `done`.
    pub state: &'static str,
    /// The rule set it re-checks under.
    pub ruleset: Option<String>,
    /// Held reviews looked at so far, and approved ones a suppression no longer in force
    /// let through.
    pub examined: usize,
    /// Of those, scanned again (their engine hold was made under another rule set).
    pub rescanned: usize,
    /// Of those, approved under the rules in force.
    pub approved: usize,
    /// Reviews that could not be re-checked (unreadable content, a storage error).
    pub failed: usize,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

#[derive(Default)]
struct Recheck {
    /// (rule-set changes asked for, progress of the last pass).
    state: Mutex<(u64, RecheckProgress)>,
    wake: std::sync::Condvar,
}

/// The rule files a refused rule set changed (`changed stability.toml`), when known.
#[derive(Debug, Default)]
pub struct RejectedChange(pub Option<Vec<String>>);

/// A check a new rule set must pass before it goes in force: the problems, none when it passes.
pub type RulesCheck = Box<dyn Fn(&RuleSet) -> Vec<String> + Send + Sync>;

/// The rule files that differ between two sets of sources: `added x.toml`, `changed y.toml`,
/// `removed z.toml`, by file name.
pub fn changed_files(old: &[rules::SourceFile], new: &[rules::SourceFile]) -> Vec<String> {
    let base = |n: &str| {
        std::path::Path::new(n)
            .file_name()
            .map_or_else(|| n.to_string(), |f| f.to_string_lossy().into_owned())
    };
    let old: BTreeMap<String, &str> = old
        .iter()
        .map(|f| (base(&f.name), f.text.as_str()))
        .collect();
    let new: BTreeMap<String, &str> = new
        .iter()
        .map(|f| (base(&f.name), f.text.as_str()))
        .collect();
    let mut out = Vec::new();
    for (name, text) in &new {
        match old.get(name) {
            None => out.push(format!("added {name}")),
            Some(t) if t != text => out.push(format!("changed {name}")),
            Some(_) => {}
        }
    }
    for name in old.keys().filter(|n| !new.contains_key(*n)) {
        out.push(format!("removed {name}"));
    }
    out
}

/// The rule set in force and how it got there.
#[derive(Clone)]
pub struct InForce {
    pub rules: Arc<RuleSet>,
    pub loaded_at: String,
    pub loaded_by: String,
    pub source: String,
    /// The approved suppressions in force (see [`crate::suppress`]), checked against `rules`.
    pub suppressions: Arc<Suppressions>,
    /// What scans made now are recorded under: the rule set's id, then `+` and the
    /// suppressions' set id when any is in force. A scan recorded under another is out of
    /// date: the gate and the re-check scan its bytes again.
    pub scan_id: String,
}

impl InForce {
    fn new(rules: Arc<RuleSet>, loaded_by: String, source: String) -> InForce {
        InForce {
            scan_id: rules.id.clone(),
            rules,
            loaded_at: crate::timestamp(),
            loaded_by,
            source,
            suppressions: Arc::new(Suppressions::default()),
        }
    }
}

/// What a reload or an edit did.
#[derive(Clone, Debug, Serialize)]
pub struct RulesChange {
    pub changed: bool,
    /// Entries of the rules directory's suppression file recorded by this reload as
    /// proposals (they apply once another person approves them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressions_proposed: Vec<String>,
    pub old: String,
    pub new: String,
    pub rules: usize,
    pub literals: usize,
    /// Compiling and checking the new rule set, in milliseconds.
    pub compile_ms: f64,
}

/// The bytes of a draft: the upload as it is, or for a JSON submission the UTF-8 of
/// `title + "\n" + content` (`content` alone without a title). This is what is hashed, scanned,
/// stored and gated: one reading of the bytes.
pub fn document_bytes(title: Option<&str>, content: Content) -> Vec<u8> {
    match (title, content) {
        (_, Content::Bytes(b)) => b,
        (Some(t), Content::Text(c)) => {
            let mut b = Vec::with_capacity(t.len() + 1 + c.len());
            b.extend_from_slice(t.as_bytes());
            b.push(b'\n');
            b.extend_from_slice(c.as_bytes());
            b
        }
        (None, Content::Text(c)) => c.into_bytes(),
    }
}

/// A draft as submitted.
pub struct Submission {
    pub title: Option<String>,
    pub metadata: BTreeMap<String, serde_json::Value>,
    pub content: Content,
    /// The name the document is submitted (and will be published) under: an upload's file
    /// name. Not part of the bytes; scanned on its own each time (see [`Service::add_file_name_findings`]).
    pub file_name: Option<String>,
    /// The review this draft is a new version of (`revises`): it must exist and be readable by
    /// the submitter, and have no newer version yet.
    pub revises: Option<ReviewId>,
    /// The day the information was formed or changed (`YYYY-MM-DD`): the disclosure clock
    /// counts from it. A new version without one keeps its draft's.
    pub formed_on: Option<String>,
}

/// A `formed_on` date as kept: a real date, `YYYY-MM-DD`, not after today in China.
fn check_formed_on(day: &str) -> Result<String, ServiceError> {
    let d = Day::parse(day.trim()).ok_or_else(|| {
        ServiceError::Invalid(format!(
            "field `formed_on`: {:?} is not a date written YYYY-MM-DD",
            day.chars().take(40).collect::<String>()
        ))
    })?;
    let today = Day::today_in_china();
    if d > today {
        return Err(ServiceError::Invalid(format!(
            "field `formed_on`: {d} is after today ({today}); information is formed before it is reviewed"
        )));
    }
    Ok(d.to_string())
}

/// Longest file name, in bytes of UTF-8.
pub const MAX_FILE_NAME_BYTES: usize = 1024;

/// A submitted file name as it is kept: its last path component (`C:\\公示\\名单.xlsx` and
/// `a/名单.xlsx` give `名单.xlsx`), trimmed. Control characters and names longer than
/// [`MAX_FILE_NAME_BYTES`] are refused, an empty name is none.
pub fn clean_file_name(raw: &str) -> Result<Option<String>, ServiceError> {
    if raw.len() > MAX_FILE_NAME_BYTES {
        return Err(ServiceError::Invalid(format!(
            "file name: longer than {MAX_FILE_NAME_BYTES} bytes"
        )));
    }
    if let Some(i) = raw.chars().position(char::is_control) {
        return Err(ServiceError::Invalid(format!(
            "file name: a control character at character {}",
            i + 1
        )));
    }
    let name = raw.rsplit(['/', '\\']).next().unwrap_or(raw).trim();
    Ok((!name.is_empty()).then(|| name.to_string()))
}

/// Longest title made for an upload that came without one, in characters.
pub const MAX_UPLOAD_TITLE_CHARS: usize = 100;

/// How far into the extracted text an upload's first line is looked for, in bytes.
const FIRST_LINE_WINDOW: usize = 64 * 1024;

/// A title for an upload that came without one, in this order:
///
/// 1. the document's own title: an HTML `<title>`, the title property of a DOCX/XLSX/ODF file;
/// 2. else the first line of its text that a reader sees first — running text or a table, not
///    a page header or footer, a comment, a tracked deletion or hidden text — with at least one
///    letter or Chinese character in it (a page number or a rule of dashes is no title);
/// 3. else the file name without its extension.
///
/// Blanks are collapsed to one space, and a title longer than [`MAX_UPLOAD_TITLE_CHARS`]
/// characters is cut on a character boundary and ends with `…`. `doc` is the extracted
/// document, when it could be read.
fn upload_title(
    bytes: &[u8],
    doc: Option<&crate::extract::Document>,
    file_name: Option<&str>,
) -> Option<String> {
    crate::extract::document_title(bytes)
        .and_then(|t| one_line_title(&t))
        .or_else(|| doc.and_then(first_line_title))
        .or_else(|| {
            let name = file_name?;
            let stem = match name.rfind('.') {
                Some(i) if i > 0 => &name[..i],
                _ => name,
            };
            one_line_title(stem)
        })
}

/// `t` on one line (blanks collapsed), at most [`MAX_UPLOAD_TITLE_CHARS`] characters; `None`
/// when blank.
fn one_line_title(t: &str) -> Option<String> {
    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.is_empty() {
        return None;
    }
    if t.chars().count() <= MAX_UPLOAD_TITLE_CHARS {
        return Some(t);
    }
    let mut cut: String = t.chars().take(MAX_UPLOAD_TITLE_CHARS - 1).collect();
    cut.push('…');
    Some(cut)
}

/// The first line of a document's running text or tables with a letter or Chinese character
/// in it, looked for in the first [`FIRST_LINE_WINDOW`] bytes of its text.
fn first_line_title(doc: &crate::extract::Document) -> Option<String> {
    use crate::engine::Location;
    let text: &str = &doc.text;
    let mut end = text.len().min(FIRST_LINE_WINDOW);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut at = 0;
    for line in text[..end].split_inclusive('\n') {
        let start = at;
        at += line.len();
        let Some(lead) = line.find(|c: char| !c.is_whitespace()) else {
            continue;
        };
        if !matches!(
            doc.location_at(start + lead),
            Location::Body | Location::Table
        ) {
            continue;
        }
        if line.chars().any(char::is_alphabetic) {
            return one_line_title(line);
        }
    }
    None
}

pub enum Content {
    /// The `content` field of a JSON submission.
    Text(String),
    /// Raw document bytes.
    Bytes(Vec<u8>),
}

/// One side of a comparison.
#[derive(Clone, Debug, Serialize)]
pub struct DiffSide {
    pub id: ReviewId,
    pub version: u32,
    pub sha256: String,
    pub submitted_at: String,
}

/// Two versions of a draft compared (`GET /v1/reviews/{id}/diff`): from the older (`from`,
/// the one compared against) to the newer (`to`). Texts and findings are masked (see
/// [`crate::versions`]).
#[derive(Clone, Debug, Serialize)]
pub struct VersionDiff {
    pub from: DiffSide,
    pub to: DiffSide,
    /// Every line of both versions in order: equal, deleted (old only) or inserted (new only).
    pub lines: Vec<DiffLine>,
    pub deleted: usize,
    pub inserted: usize,
    /// 已修正的问题: findings of `from` whose rule and text `to` no longer has.
    pub findings_fixed: Vec<crate::engine::Finding>,
    /// 新出现的问题: findings of `to` that `from` did not have.
    pub findings_new: Vec<crate::engine::Finding>,
    /// Findings of `to` that `from` had too.
    pub findings_kept: Vec<crate::engine::Finding>,
}

/// A redacted copy, as `POST /v1/reviews/{id}/redactions` answers.
#[derive(Clone, Debug, Serialize)]
pub struct RedactionAnswer {
    /// The copy: a new review of the redacted bytes, submitted by the reviewer who made it,
    /// scanned and decided like any submission.
    pub review: Review,
    /// False when this reviewer made the same copy before (the same bytes: the same original
    /// under the same policy and rules): that review is the answer and nothing is recorded.
    pub created: bool,
    pub redacted_from: ReviewId,
    /// The policy used, every field given.
    pub policy: serde_json::Value,
    /// Each value masked, as published, and in how many places.
    pub masked: Vec<MaskedValue>,
    /// What cleaning the package removed.
    pub cleaned: Vec<String>,
    /// The copy's hold findings: what no mask can fix (a classification mark, a 稳控 plan, a
    /// 标底). The copy holds for them until a reviewer decides.
    pub unmasked: Vec<crate::engine::Finding>,
    /// Where the masks stand in the copy's scanned text (`GET /v1/reviews/{copy}/text`): UTF-8
    /// byte spans `[start, end)`, sorted.
    pub marks: Vec<[usize; 2]>,
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
    /// Conflicts with what is stored (a taken name, a reused idempotency key).
    Conflict(String),
    /// Two texts too large to compare line by line: the message says which and the limit.
    TooLargeToCompare(String),
    /// A document no redaction can rewrite safely (PDF, OFD, spreadsheets, legacy formats),
    /// or one that cannot be written back in its own encoding.
    NotRedactable(String),
    /// The redacted copy failed its proof (a value could still be found): nothing recorded.
    RedactionFailed(String),
    /// A redaction found nothing a mask can hide: no copy is made.
    NothingToRedact(String),
    /// Every scan slot is busy: try again after `retry_after` seconds.
    Busy {
        retry_after: u64,
    },
    /// The request's deadline passed first (its [`Cancel`] was raised): nothing was recorded.
    Cancelled,
    /// A new rule set was refused; each entry is one `file:line:col: problem`. The rules in
    /// force are unchanged.
    RulesRejected(Vec<String>, RejectedChange),
    Store(StoreError),
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceError::Invalid(m)
            | ServiceError::Unreadable(m)
            | ServiceError::NotFound(m)
            | ServiceError::Forbidden(m)
            | ServiceError::Conflict(m)
            | ServiceError::TooLargeToCompare(m)
            | ServiceError::NotRedactable(m)
            | ServiceError::RedactionFailed(m)
            | ServiceError::NothingToRedact(m) => f.write_str(m),
            ServiceError::Busy { retry_after } => {
                write!(f, "every scan slot is busy; try again in {retry_after} s")
            }
            ServiceError::Cancelled => f.write_str(
                "the request's deadline passed before it finished; nothing was recorded",
            ),
            ServiceError::RulesRejected(errors, changed) => {
                write!(
                    f,
                    "the rule set was rejected with {} error(s); the rules in force are unchanged",
                    errors.len()
                )?;
                match &changed.0 {
                    Some(c) if c.is_empty() => {
                        f.write_str(" (no file differs from the rules in force)")
                    }
                    Some(c) => write!(
                        f,
                        " (files changed since the rules in force: {})",
                        c.join(", ")
                    ),
                    None => Ok(()),
                }
            }
            ServiceError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => ServiceError::NotFound(m),
            StoreError::Forbidden(m) => ServiceError::Forbidden(m),
            StoreError::Conflict(m) => ServiceError::Conflict(m),
            e => ServiceError::Store(e),
        }
    }
}

impl Service {
    pub fn new(store: Arc<dyn DecisionStore>, rules: Arc<RuleSet>) -> Service {
        Service {
            store,
            rules: RwLock::new(Arc::new(InForce::new(
                rules,
                "baomi serve".into(),
                "embedded".into(),
            ))),
            rules_dir: None,
            rules_lock: Mutex::new(()),
            metrics: Metrics::default(),
            scan_slots: ScanSlots::new(
                std::thread::available_parallelism()
                    .map_or(1, |n| n.get().saturating_sub(1))
                    .max(1),
                Duration::from_secs(10),
            ),
            rules_check: None,
            recheck: Recheck::default(),
            office: Office::default(),
            digest_key: {
                // Without a deployment key (`with_digest_key`), one for this process only.
                let mut k = vec![0u8; 32];
                let _ = getrandom::getrandom(&mut k);
                k
            },
            today: Arc::new(Day::today_in_china),
        }
    }

    /// Runs the office's clocks on `office`'s calendar and limits, and its review in stages.
    pub fn with_office(mut self, office: Office) -> Service {
        self.office = office;
        self
    }

    pub fn office(&self) -> &Office {
        &self.office
    }

    /// Computes the `/metrics` gauges of open reviews (pending or returned) due soon and
    /// overdue, per clock.
    pub fn update_clock_gauges(&self) -> Result<(), ServiceError> {
        let today = Day::today_in_china();
        let mut soon = [0i64; 2];
        let mut overdue = [0i64; 2];
        for state in [ReviewState::Pending, ReviewState::Returned] {
            let mut query = ReviewQuery {
                state: Some(state),
                limit: 500,
                ..ReviewQuery::default()
            };
            loop {
                let page = self.count_store(self.store.list(&query))?;
                for r in &page.reviews {
                    let Some(c) = self.office.clocks(ClockFacts::from(r), today) else {
                        continue;
                    };
                    for (i, k) in [&c.disclosure, &c.opinion].into_iter().enumerate() {
                        match k.state {
                            crate::calendar::ClockState::Near => soon[i] += 1,
                            crate::calendar::ClockState::Overdue => overdue[i] += 1,
                            _ => {}
                        }
                    }
                }
                match page.next {
                    Some(n) => query.after = Some(n),
                    None => break,
                }
            }
        }
        let labelled = |v: [i64; 2]| {
            vec![
                ("clock=\"disclosure\"".to_string(), v[0]),
                ("clock=\"opinion\"".to_string(), v[1]),
            ]
        };
        self.metrics
            .set_gauge("baomi_reviews_due_soon", labelled(soon));
        self.metrics
            .set_gauge("baomi_reviews_overdue", labelled(overdue));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        self.metrics.set_gauge(
            "baomi_clocks_computed_timestamp_seconds",
            vec![(String::new(), now)],
        );
        Ok(())
    }

    /// Fills a review's clocks as they stand today.
    pub fn add_clocks(&self, review: &mut Review) {
        review.clocks = self
            .office
            .clocks(ClockFacts::from(&*review), Day::today_in_china());
    }

    /// Fills a queue row's clocks as they stand today.
    pub fn add_summary_clocks(&self, row: &mut ReviewSummary, today: Day) {
        row.clocks = self.office.clocks(ClockFacts::from(&*row), today);
    }

    /// Where the background re-check stands.
    pub fn recheck_progress(&self) -> RecheckProgress {
        let s = self.recheck.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut p = s.1.clone();
        if p.state.is_empty() {
            p.state = "idle";
        }
        p
    }

    /// Asks the re-check worker for a pass under the rules in force.
    pub fn request_recheck(&self) {
        let mut s = self.recheck.state.lock().unwrap_or_else(|p| p.into_inner());
        s.0 += 1;
        self.recheck.wake.notify_all();
    }

    /// The re-check worker, for a thread of its own: after each rule-set change (and once at
    /// start), every review whose decision is an engine hold made under another rule set is
    /// scanned again under the rules in force, and the new engine decision recorded in its
    /// history. A reviewer's decision is never touched: reviews decided by a person are
    /// skipped. A change while a pass runs starts a new pass under the newer rules.
    pub fn run_rechecks(self: Arc<Self>) {
        let mut seen = 0;
        loop {
            {
                let mut s = self.recheck.state.lock().unwrap_or_else(|p| p.into_inner());
                while s.0 == seen {
                    s = self.recheck.wake.wait(s).unwrap_or_else(|p| p.into_inner());
                }
                seen = s.0;
            }
            self.recheck_pass(seen);
        }
    }

    fn recheck_pass(&self, generation: u64) {
        let rules = self.in_force_now();
        let system = Actor {
            name: "按现行规则重新审查".into(),
            role: crate::store::Role::Admin,
        };
        let set = |f: &dyn Fn(&mut RecheckProgress)| {
            let mut s = self.recheck.state.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut s.1);
        };
        set(&|p| {
            *p = RecheckProgress {
                state: "running",
                ruleset: Some(rules.scan_id.clone()),
                started_at: Some(crate::timestamp()),
                ..RecheckProgress::default()
            }
        });
        let superseded = || {
            self.recheck
                .state
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .0
                != generation
        };
        // Engine holds made under other rules, then engine approvals a suppression no longer
        // in force let through.
        for decision in [Decision::Hold, Decision::Approve] {
            let mut after = None;
            loop {
                let page = match self.store.list(&ReviewQuery {
                    decision: Some(decision),
                    after,
                    limit: 200,
                    ..ReviewQuery::default()
                }) {
                    Ok(p) => p,
                    Err(e) => {
                        tracing::warn!(error = %e, "re-check stopped: cannot list reviews");
                        break;
                    }
                };
                for r in &page.reviews {
                    if superseded() {
                        return;
                    }
                    if decision == Decision::Hold {
                        set(&|p| p.examined += 1);
                    }
                    if r.decided_by != DecisionKind::Engine {
                        continue;
                    }
                    if decision == Decision::Approve {
                        match self.approved_by_suppression(&rules, &r.sha256, &r.ruleset) {
                            Ok(true) => {}
                            Ok(false) => continue,
                            Err(e) => {
                                tracing::warn!(review = r.id, error = %e, "re-check of a review failed");
                                set(&|p| p.failed += 1);
                                continue;
                            }
                        }
                        set(&|p| p.examined += 1);
                    }
                    let cancel = Cancel::new();
                    match self.recheck_one(&system, r.id, &r.sha256, &r.ruleset, &rules, &cancel) {
                        Ok(Some(d)) => set(&|p| {
                            p.rescanned += 1;
                            p.approved += (d == Decision::Approve) as usize;
                        }),
                        Ok(None) => {}
                        Err(e) => {
                            tracing::warn!(review = r.id, error = %e, "re-check of a review failed");
                            set(&|p| p.failed += 1);
                        }
                    }
                }
                match page.next {
                    Some(n) => after = Some(n),
                    None => break,
                }
            }
        }
        let p = {
            let mut s = self.recheck.state.lock().unwrap_or_else(|p| p.into_inner());
            s.1.state = "done";
            s.1.finished_at = Some(crate::timestamp());
            s.1.clone()
        };
        if p.rescanned > 0 || p.failed > 0 {
            tracing::info!(
                ruleset = %rules.scan_id,
                examined = p.examined,
                rescanned = p.rescanned,
                approved = p.approved,
                failed = p.failed,
                "held reviews re-checked under the rules in force"
            );
        }
    }

    /// Scans review `id` (bytes `sha`, its scan shown made under `shown`) again under `rules`
    /// when that is another rule set and no person decided these bytes; the new engine
    /// decision, or `None` when nothing was done.
    fn recheck_one(
        &self,
        by: &Actor,
        id: ReviewId,
        sha: &str,
        shown: &str,
        rules: &InForce,
        cancel: &Cancel,
    ) -> Result<Option<Decision>, ServiceError> {
        if shown == rules.scan_id {
            return Ok(None);
        }
        let Some(state) = self.count_store(self.store.content_state(sha))? else {
            return Ok(None);
        };
        // A person decided these bytes: their decision stands.
        if state.latest_override.is_some() {
            return Ok(None);
        }
        let reason = format!("按现行规则重新审查（规则集 {}）", rules.scan_id);
        let meta = self.rescan(by, id, sha, rules, &reason, cancel)?;
        Ok(Some(meta.decision))
    }

    /// Re-checks one review under the rules in force, on a reviewer's request: its bytes are
    /// scanned again and the engine's decision recorded, unless a person decided them (their
    /// decision stands) or the scan shown is already under the rules in force.
    pub fn recheck(
        &self,
        by: &Actor,
        id: ReviewId,
        cancel: &Cancel,
    ) -> Result<Review, ServiceError> {
        let review = self.review(id)?;
        let rules = self.in_force_now();
        match self.recheck_one(by, id, &review.sha256, &review.ruleset, &rules, cancel)? {
            Some(_) => self.review(id),
            None => Ok(review),
        }
    }

    /// Every reload, edit and watcher change must also pass `check`.
    pub fn with_rules_check(mut self, check: RulesCheck) -> Service {
        self.rules_check = Some(check);
        self
    }

    /// Scans run on at most `slots` threads at once; a request that waits longer than `wait`
    /// for one is answered "busy" (503 with `Retry-After`), never with a decision.
    pub fn with_scan_slots(mut self, slots: usize, wait: Duration) -> Service {
        self.scan_slots = ScanSlots::new(slots.max(1), wait);
        self
    }

    /// Reloads and edits use the rule files in `dir`.
    pub fn with_rules_dir(mut self, dir: PathBuf) -> Service {
        if let Ok(mut f) = self.rules.write() {
            let current = f.clone();
            *f = Arc::new(InForce {
                source: dir.display().to_string(),
                ..(*current).clone()
            });
        }
        self.rules_dir = Some(dir);
        self
    }

    /// Compiles a rule set and runs its examples, as reloads do: for start-up.
    pub fn compile_checked(files: &[rules::SourceFile]) -> Result<RuleSet, Vec<String>> {
        let compiled = rules::compile(files, crate::today())
            .map_err(|errs| errs.iter().map(ToString::to_string).collect::<Vec<_>>())?;
        let (_, failures) = rules::run_examples(&compiled);
        if !failures.is_empty() {
            return Err(failures.iter().map(ToString::to_string).collect());
        }
        Ok(compiled)
    }

    pub fn rules_dir(&self) -> Option<&std::path::Path> {
        self.rules_dir.as_deref()
    }

    /// The rule set in force. Callers keep the `Arc` for the whole request, so a reload never
    /// changes rules under a running scan.
    pub fn rules(&self) -> Arc<RuleSet> {
        self.in_force().rules.clone()
    }

    pub fn in_force(&self) -> Arc<InForce> {
        self.rules.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Puts a compiled rule set in force: it is recorded (its files kept under its id, an
    /// audit record written and flushed) before any request can use it. Unchanged rule sets
    /// are not recorded again.
    pub fn install(
        &self,
        by: &Actor,
        rules: RuleSet,
        detail: &str,
    ) -> Result<RulesChange, ServiceError> {
        let old = self.in_force();
        let source = match &self.rules_dir {
            Some(d) => d.display().to_string(),
            None => "embedded".into(),
        };
        let change = RulesChange {
            changed: old.rules.id != rules.id,
            suppressions_proposed: Vec::new(),
            old: old.rules.id.clone(),
            new: rules.id.clone(),
            rules: rules.engine.rules().count(),
            literals: rules.engine.literal_count(),
            compile_ms: 0.0,
        };
        let id = rules.id.clone();
        let mut next = InForce::new(Arc::new(rules), by.name.clone(), source.clone());
        // The suppressions in force are checked again against the new rules.
        self.with_suppressions(&mut next)?;
        self.record(by, &next.rules, &source, detail)?;
        let scan_changed = next.scan_id != old.scan_id;
        *self.rules.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next);
        if change.changed {
            tracing::info!(old = %change.old, new = %id, by = %by.name, "rule set in force");
        }
        if change.changed || scan_changed {
            self.request_recheck();
        }
        Ok(change)
    }

    /// Puts in force the rule set the store recorded last, when it is not the one in force:
    /// with several nodes on one database, a reload or an edit on one node reaches the others
    /// through this (their followers call it twice a second). The rule set was validated and
    /// recorded by the node that loaded it; it is compiled and its examples run again here,
    /// and one that fails here is refused (logged) and leaves the rules in force unchanged.
    /// Whether the rules in force changed.
    pub fn follow_store(&self) -> Result<bool, ServiceError> {
        let Some(id) = self.count_store(self.store.last_ruleset())? else {
            return Ok(false);
        };
        if self.in_force().rules.id == id {
            return Ok(false);
        }
        let _guard = self.rules_lock.lock().unwrap_or_else(|p| p.into_inner());
        if self.in_force().rules.id == id {
            return Ok(false);
        }
        let Some(snapshot) = self.count_store(self.store.ruleset(&id))? else {
            return Ok(false);
        };
        let files: Vec<rules::SourceFile> = snapshot
            .files
            .iter()
            .map(|f| rules::SourceFile {
                name: f.name.clone(),
                text: f.text.clone(),
            })
            .collect();
        let compiled = Self::compile_checked(&files).map_err(|errors| self.rejected(errors))?;
        if compiled.id != id {
            return Err(ServiceError::Invalid(format!(
                "the recorded rule set {id} compiles to {} on this node (another baomi version?)",
                compiled.id
            )));
        }
        let old = self.in_force();
        let mut next = InForce::new(Arc::new(compiled), snapshot.loaded_by, snapshot.source);
        self.with_suppressions(&mut next)?;
        tracing::info!(old = %old.rules.id, new = %id, "rule set in force, as another node recorded it");
        *self.rules.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next);
        self.request_recheck();
        Ok(true)
    }

    /// Records the rule set in force (at start-up) unless it is the one recorded last.
    pub fn record_in_force(&self, by: &Actor, detail: &str) -> Result<(), ServiceError> {
        let current = self.in_force();
        self.record(by, &current.rules, &current.source.clone(), detail)
    }

    fn record(
        &self,
        by: &Actor,
        rules: &RuleSet,
        source: &str,
        detail: &str,
    ) -> Result<(), ServiceError> {
        let recorded = self.count_store(self.store.last_ruleset())?;
        if recorded.as_deref() != Some(rules.id.as_str()) {
            let snapshot = RulesetSnapshot {
                id: rules.id.clone(),
                loaded_at: crate::timestamp(),
                loaded_by: by.name.clone(),
                source: source.to_string(),
                files: rules
                    .files
                    .iter()
                    .map(|f| RuleFile {
                        name: rules::base_name(&f.name).to_string(),
                        text: f.text.clone(),
                    })
                    .collect(),
            };
            let detail = match &recorded {
                Some(previous) => format!("{detail} (replaces {previous})"),
                None => detail.to_string(),
            };
            self.count_store(self.store.record_ruleset(by, &snapshot, &detail))?;
        }
        Ok(())
    }

    /// Compiles the rules directory again and puts it in force if it is valid (every rule
    /// compiles and every example passes). Otherwise nothing changes and the errors say why.
    pub fn reload(&self, by: &Actor) -> Result<RulesChange, ServiceError> {
        let dir = self.rules_dir.clone().ok_or_else(|| {
            ServiceError::Invalid(
                "the service runs on the embedded rule set; start it with --rules DIR to reload rules".into(),
            )
        })?;
        let _guard = self.rules_lock.lock().unwrap_or_else(|p| p.into_inner());
        let started = Instant::now();
        let files = rules::load_dir(&dir).map_err(|e| self.rejected(vec![e.to_string()]))?;
        let compiled = self.check(&files)?;
        // The directory's suppression file is checked against the new rules before they are
        // put in force: a reload that cannot take both changes nothing.
        let suppressions = self.suppression_file(&compiled.engine)?;
        let compile_ms = started.elapsed().as_secs_f64() * 1000.0;
        let mut change = self.install(by, compiled, "reload")?;
        change.compile_ms = compile_ms;
        change.suppressions_proposed = self.import_checked(suppressions, Some(by))?;
        self.metrics.rules_reload(if change.changed {
            "changed"
        } else {
            "unchanged"
        });
        Ok(change)
    }

    /// Edits one rule in its file (layout and comments kept), validates the whole rule set with
    /// the edit, writes the file atomically (write, then rename) and puts the new rule set in
    /// force. An edit that does not validate changes nothing.
    pub fn edit_rule(
        &self,
        by: &Actor,
        rule_id: &str,
        edit: &RuleEdit,
    ) -> Result<RulesChange, ServiceError> {
        let dir = self.rules_dir.clone().ok_or_else(|| {
            ServiceError::Invalid(
                "the service runs on the embedded rule set; start it with --rules DIR to edit rules".into(),
            )
        })?;
        let _guard = self.rules_lock.lock().unwrap_or_else(|p| p.into_inner());
        let started = Instant::now();
        let mut files = rules::load_dir(&dir).map_err(|e| self.rejected(vec![e.to_string()]))?;
        let (index, text) = rules::edit::apply(&files, rule_id, edit).map_err(|e| match e {
            rules::edit::EditError::NoSuchRule(_) => ServiceError::NotFound(e.to_string()),
            rules::edit::EditError::Invalid(m) => ServiceError::Invalid(m),
            rules::edit::EditError::File(e) => self.rejected(vec![e.to_string()]),
        })?;
        files[index].text = text;
        let compiled = self.check(&files)?;
        let compile_ms = started.elapsed().as_secs_f64() * 1000.0;
        let path = std::path::PathBuf::from(&files[index].name);
        write_atomically(&path, &files[index].text).map_err(|e| {
            ServiceError::Store(StoreError::Io(format!(
                "cannot write {}: {e}",
                path.display()
            )))
        })?;
        let detail = format!("edit of rule {rule_id} by {}: {}", by.name, edit.describe());
        let mut change = self.install(by, compiled, &detail)?;
        change.compile_ms = compile_ms;
        self.metrics.rules_reload("edited");
        Ok(change)
    }

    /// Compiles `files`, runs every rule's examples and the configured check. A refusal says
    /// which files differ from the rules in force.
    fn check(&self, files: &[rules::SourceFile]) -> Result<RuleSet, ServiceError> {
        let changed = || RejectedChange(Some(changed_files(&self.rules().files, files)));
        let compiled = Self::compile_checked(files)
            .map_err(|errors| self.rejected_change(errors, changed()))?;
        if let Some(check) = &self.rules_check {
            let problems = check(&compiled);
            if !problems.is_empty() {
                return Err(self.rejected_change(problems, changed()));
            }
        }
        Ok(compiled)
    }

    fn rejected(&self, errors: Vec<String>) -> ServiceError {
        self.rejected_change(errors, RejectedChange::default())
    }

    fn rejected_change(&self, errors: Vec<String>, changed: RejectedChange) -> ServiceError {
        self.metrics.rules_reload("rejected");
        let files = changed
            .0
            .as_deref()
            .map(|c| c.join(", "))
            .unwrap_or_default();
        tracing::warn!(errors = errors.len(), first = %errors.first().map(String::as_str).unwrap_or(""), changed = %files, "rule set rejected; the rules in force are unchanged");
        ServiceError::RulesRejected(errors, changed)
    }

    /// Scans and records a draft. The draft's bytes — the upload, or the UTF-8 of
    /// `title + "\n" + content` for a JSON submission — are hashed, read by the one extraction
    /// the gate uses, scanned and stored: a decision is bound to exactly the bytes that were
    /// scanned. The same person submitting the same bytes again gets their review back; another
    /// person gets a review of their own that shares the stored scan.
    pub fn submit(
        &self,
        by: &Actor,
        submission: Submission,
        via: &'static str,
        cancel: &Cancel,
    ) -> Result<Submitted, ServiceError> {
        self.submit_as(by, submission, via, cancel, None)
    }

    /// [`Service::submit`], of a redacted copy when `redaction` says what it was made of.
    fn submit_as(
        &self,
        by: &Actor,
        submission: Submission,
        via: &'static str,
        cancel: &Cancel,
        redaction: Option<NewRedaction>,
    ) -> Result<Submitted, ServiceError> {
        let Submission {
            title,
            metadata,
            content,
            file_name,
            revises,
            formed_on,
        } = submission;
        let formed_on = match formed_on {
            Some(day) => Some(check_formed_on(&day)?),
            None => None,
        };
        let file_name = match file_name {
            Some(name) => clean_file_name(&name)?,
            None => None,
        };
        let revised = match revises {
            Some(old) => Some(self.revisable(by, old)?),
            None => None,
        };
        // A new version is the same information: its disclosure clock goes on from the day
        // its draft's did.
        let formed_on = formed_on.or_else(|| {
            let old = revised.as_ref()?;
            old.formed_on
                .clone()
                .or_else(|| day_of(&old.submitted_at).map(|d| d.to_string()))
        });
        let uploaded = matches!(content, Content::Bytes(_));
        // A large document takes its scan slot before it is even hashed: hashing, reading and
        // scanning it all hold a core, and the gate must keep one (see `ScanSlots`).
        let len = match &content {
            Content::Text(t) => t.len(),
            Content::Bytes(b) => b.len(),
        };
        let early = if len > LARGE_DOCUMENT {
            Some(self.scan_slots.acquire(cancel)?)
        } else {
            None
        };
        let bytes = document_bytes(title.as_deref(), content);
        let sha256 = sha256_hex(&bytes);
        if let Some(mut review) = self.count_store(self.store.review_of(&sha256, by))? {
            // The same bytes again: the review they have. A name given now is the one this
            // caller will publish under, so that is the one checked.
            if file_name.is_some() {
                review.file_name = file_name;
            }
            self.present(&mut review);
            return Ok(Submitted {
                review,
                created: false,
            });
        }
        if let Some(old) = &revised {
            self.check_no_newer_version(old)?;
        }
        let rules = self.in_force_now();
        let stored = self
            .count_store(self.store.scan(&sha256, &rules.scan_id))?
            .is_some();
        // An upload without a title is titled from what it says (see `upload_title`): it is
        // read anyway, for the scan or the search index.
        let untitled = (title.is_none() && uploaded).then_some(file_name.as_deref());
        // Reading the document holds a core while it scans, or while a large one is read for
        // the search index alone (its scan under these rules is stored already).
        let read = |scan| {
            self.read_document(
                &rules,
                &bytes,
                &sha256,
                title.as_deref(),
                untitled,
                scan,
                cancel,
            )
        };
        let (scan, terms, derived) = match early {
            Some(_slot) => read(!stored)?,
            None if !stored => {
                let _slot = self.scan_slots.acquire(cancel)?;
                read(true)?
            }
            None => read(false)?,
        };
        let title = title.or(derived);
        // A redacted copy says so in its title, which is made from the copy's own text (the
        // original's title may carry what was masked).
        let title = match &redaction {
            Some(r) => Some(match title {
                Some(t) => format!("{t}（脱敏稿）"),
                None => format!("第 {} 号的脱敏稿", r.from),
            }),
            None => title,
        };
        claim(cancel)?;
        let mut submitted = self.count_store(self.store.submit(NewReview {
            sha256,
            title,
            file_name,
            metadata,
            submitter: by.clone(),
            via,
            formed_on,
            content: bytes,
            scan,
            ruleset: rules.scan_id.clone(),
            terms,
            revises,
            redaction,
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
                version = r.version,
                revises = r.revises,
                via,
                "review recorded"
            );
        }
        self.present(&mut submitted.review);
        Ok(submitted)
    }

    /// Makes the publishable copy of review `id` (`POST /v1/reviews/{id}/redactions`): its
    /// stored bytes are redacted under `policy` by [`crate::redact::redact`] — the code
    /// `baomi redact` runs, proof included — and the copy is submitted as a new review by `by`,
    /// linked to the original (`redacted_from`), scanned and decided like any submission. The
    /// gate knows only bytes: the copy passes once a reviewer approves it, the original's
    /// bytes stay as they were decided.
    ///
    /// Refused, with nothing recorded: a format that cannot be rewritten safely, a copy that
    /// fails its proof, a review with nothing a mask can hide. A copy that still holds for
    /// findings no mask fixes is made, and they are listed. The same reviewer redacting the
    /// same review under the same policy gets the same bytes, so their copy back (`created`
    /// false); another policy makes another copy.
    pub fn redact(
        &self,
        by: &Actor,
        id: ReviewId,
        policy: &Policy,
        cancel: &Cancel,
    ) -> Result<RedactionAnswer, ServiceError> {
        let original = self.review(id)?;
        let bytes = self.content(&original)?;
        let rules = self.rules();
        let refused = |kind: &'static str| {
            tracing::info!(review = id, by = %by.name, refused = kind, "redaction refused; nothing recorded");
        };
        // Extracting, scanning, rewriting and proving the copy all hold a core.
        let done = {
            let _slot = self.scan_slots.acquire(cancel)?;
            redact::redact(&rules.engine, &bytes, original.file_name.as_deref(), policy)
        };
        let done = done.map_err(|e| match e {
            RedactError::Input(e) => {
                refused("unreadable");
                ServiceError::Unreadable(format!("the document cannot be read: {e}"))
            }
            RedactError::Unsupported(m) | RedactError::Encoding(m) => {
                refused("not_redactable");
                ServiceError::NotRedactable(format!(
                    "review {id} cannot be redacted: {m}; nothing was recorded"
                ))
            }
            e @ RedactError::Proof(_) => {
                refused("proof_failed");
                ServiceError::RedactionFailed(format!(
                    "{e} (the redacted copy of review {id} failed its proof; nothing was recorded)"
                ))
            }
        })?;
        if cancel.is_cancelled() {
            return Err(ServiceError::Cancelled);
        }
        let masked: Vec<MaskedValue> = done
            .masked
            .iter()
            .map(|m| MaskedValue {
                kind: m.kind.as_str().to_string(),
                shown: m.shown.clone(),
                occurrences: m.occurrences,
            })
            .collect();
        if done.bytes == bytes || (masked.is_empty() && done.cleaned.is_empty()) {
            refused("nothing_to_redact");
            let held = original
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Hold && f.location != crate::Location::FileName)
                .count();
            return Err(ServiceError::NothingToRedact(format!(
                "review {id} has no personal data a mask can hide (未发现可自动遮盖的个人信息){}; no copy was made",
                if held > 0 {
                    format!(": its {held} hold finding(s) must be handled by a person (须人工处理)")
                } else {
                    String::new()
                }
            )));
        }
        let policy_json = serde_json::to_value(policy).map_err(|e| {
            ServiceError::Invalid(format!("the redaction policy cannot be recorded: {e}"))
        })?;
        // The copy is published under the original's name, marked as the copy; a name that
        // holds itself (an ID number in it) is not carried over.
        let file_name = original
            .file_name
            .as_deref()
            .filter(|n| self.file_name_reasons(n).is_empty())
            .map(|n| match n.rfind('.') {
                Some(i) if i > 0 => format!("{}（脱敏稿）{}", &n[..i], &n[i..]),
                _ => format!("{n}（脱敏稿）"),
            });
        let record = RedactionRecord {
            policy: policy_json.clone(),
            masked: masked.clone(),
            cleaned: done.cleaned.clone(),
        };
        let submission = Submission {
            title: None,
            metadata: BTreeMap::new(),
            content: Content::Bytes(done.bytes),
            file_name,
            revises: None,
            // The copy publishes the same information: its clock is the original's.
            formed_on: original
                .formed_on
                .clone()
                .or_else(|| day_of(&original.submitted_at).map(|d| d.to_string())),
        };
        let redaction = NewRedaction { from: id, record };
        let submitted = self.submit_as(by, submission, "redaction", cancel, Some(redaction))?;
        let review = submitted.review;
        let text = self.scanned_text(&review)?;
        let shown: Vec<&str> = masked.iter().map(|m| m.shown.as_str()).collect();
        let marks = redact::mask_spans(&text, &shown)
            .into_iter()
            .map(|(s, e)| [s, e])
            .collect();
        let unmasked: Vec<crate::engine::Finding> = review
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Hold && f.location != crate::Location::FileName)
            .cloned()
            .collect();
        tracing::info!(
            review = review.id,
            redacted_from = id,
            sha256 = &review.sha256[..12],
            masked = masked.len(),
            places = masked.iter().map(|m| m.occurrences).sum::<usize>(),
            unmasked = unmasked.len(),
            created = submitted.created,
            by = %by.name,
            "redacted copy made"
        );
        Ok(RedactionAnswer {
            created: submitted.created,
            redacted_from: id,
            policy: policy_json,
            masked,
            cleaned: done.cleaned,
            unmasked,
            marks,
            review,
        })
    }

    /// The review `by` names as the one a new version revises, if `by` may: it must exist and
    /// be one `by` may read (a submitter's own; to them anyone else's does not exist, as when
    /// reading it).
    fn revisable(&self, by: &Actor, old: ReviewId) -> Result<Review, ServiceError> {
        let missing = || {
            ServiceError::NotFound(format!(
                "field `revises`: no review with id {old} (a new version names a review you may read)"
            ))
        };
        let review = self
            .count_store(self.store.review(old))?
            .ok_or_else(missing)?;
        if by.role == Role::Submitter && person_key(&review.submitter) != by.key() {
            return Err(missing());
        }
        Ok(review)
    }

    /// Refuses a new version of a review that has one already, naming the newest, before
    /// anything is scanned (so that two versions of one draft never fork). The store checks
    /// again under its lock.
    fn check_no_newer_version(&self, old: &Review) -> Result<(), ServiceError> {
        if old.revised_by.is_none() {
            return Ok(());
        }
        let (id, version) = self
            .count_store(self.store.versions(old.id))?
            .pop()
            .map_or((0, 0), |v| (v.id, v.version));
        Err(ServiceError::Conflict(format!(
            "review {} has a newer version already: review {id} (version {version}); revise the newest version",
            old.id
        )))
    }

    /// Every version of the draft review `id` belongs to, oldest first, as its page lists
    /// them.
    pub fn versions(&self, id: ReviewId) -> Result<Vec<ReviewVersion>, ServiceError> {
        Ok(self
            .count_store(self.store.versions(id))?
            .iter()
            .map(ReviewVersion::from)
            .collect())
    }

    /// Compares review `new` with review `old` (the caller checked that both may be read): a
    /// line diff of their scanned texts, masked as the findings lists mask (see
    /// [`crate::versions`]), and their findings sorted into fixed, new and kept. Refused when
    /// either text is larger than [`versions::MAX_DIFF_BYTES`] or has more than
    /// [`versions::MAX_DIFF_LINES`] lines. Holds a scan slot: reading two documents and
    /// comparing them is work for a core the gate does not need.
    pub fn diff(
        &self,
        new: &Review,
        old: &Review,
        cancel: &Cancel,
    ) -> Result<VersionDiff, ServiceError> {
        let _slot = self.scan_slots.acquire(cancel)?;
        let old_text = self.scanned_text(old)?;
        let new_text = self.scanned_text(new)?;
        for (review, text) in [(old, &old_text), (new, &new_text)] {
            let lines = versions::line_count(text);
            if text.len() > versions::MAX_DIFF_BYTES || lines > versions::MAX_DIFF_LINES {
                return Err(ServiceError::TooLargeToCompare(format!(
                    "review {} is too large to compare line by line: its text has {} bytes in {lines} lines; versions are compared up to {} bytes and {} lines each",
                    review.id,
                    text.len(),
                    versions::MAX_DIFF_BYTES,
                    versions::MAX_DIFF_LINES
                )));
            }
        }
        if cancel.is_cancelled() {
            return Err(ServiceError::Cancelled);
        }
        let lines = versions::line_diff(&old_text, &old.findings, &new_text, &new.findings);
        let FindingChanges {
            fixed,
            new: added,
            kept,
        } = versions::compare_findings(&old.findings, &new.findings);
        let side = |r: &Review| DiffSide {
            id: r.id,
            version: r.version,
            sha256: r.sha256.clone(),
            submitted_at: r.submitted_at.clone(),
        };
        Ok(VersionDiff {
            from: side(old),
            to: side(new),
            deleted: lines
                .iter()
                .filter(|l| l.op == versions::LineOp::Delete)
                .count(),
            inserted: lines
                .iter()
                .filter(|l| l.op == versions::LineOp::Insert)
                .count(),
            lines,
            findings_fixed: fixed,
            findings_new: added,
            findings_kept: kept,
        })
    }

    /// Adds the findings of the review's file name, scanned now under the rules in force, to
    /// its findings and categories. Its decision stays the decision of its bytes; the gate and
    /// the content endpoint refuse a held name on their own.
    /// What a reader is shown of a stored review: with the findings of its file name under
    /// the rules in force, and its clocks as they stand today.
    pub fn present(&self, review: &mut Review) {
        self.add_file_name_findings(review);
        self.add_clocks(review);
    }

    /// Adds the findings of a review's file name under the rules in force.
    pub fn add_file_name_findings(&self, review: &mut Review) {
        let Some(name) = &review.file_name else {
            return;
        };
        let found = crate::pipeline::scan_file_name(&self.rules().engine, name);
        for f in &found {
            if f.severity == Severity::Hold && !review.categories.contains(&f.category) {
                review.categories.push(f.category);
            }
        }
        review.findings.extend(found);
    }

    /// The reasons a file name may not be published under, one per hold finding; empty when
    /// it may.
    pub fn file_name_reasons(&self, name: &str) -> Vec<String> {
        crate::pipeline::scan_file_name(&self.rules().engine, name)
            .iter()
            .filter(|f| f.severity == Severity::Hold)
            .map(|f| {
                format!(
                    "文件名含有不得公开的内容：{}（{}: {}，位置 file_name），请更改文件名",
                    f.category.zh(),
                    f.category,
                    f.rule
                )
            })
            .collect()
    }

    /// Reads a draft for storing it: its search terms (from its title and the extracted text),
    /// when `scan` its scan under `rules` (an unreadable document is then an error; without a
    /// scan it is only not searchable by its text), and when `untitled` (an upload without a
    /// title, with its file name if any) the title made for it ([`upload_title`]), which the
    /// search terms include. The caller holds a scan slot when it scans or the document is
    /// large.
    #[allow(clippy::too_many_arguments)]
    fn read_document(
        &self,
        rules: &InForce,
        bytes: &[u8],
        sha256: &str,
        title: Option<&str>,
        untitled: Option<Option<&str>>,
        scan: bool,
        cancel: &Cancel,
    ) -> Result<(Option<NewScan>, SearchTerms, Option<String>), ServiceError> {
        let doc = match crate::extract::extract(bytes) {
            Ok(doc) => doc,
            Err(e) if scan => {
                return Err(ServiceError::Unreadable(format!(
                    "the document cannot be read: {e}"
                )))
            }
            Err(_) => {
                let derived = untitled.and_then(|name| upload_title(bytes, None, name));
                let terms = search::index_terms(title.or(derived.as_deref()), "");
                return Ok((None, terms, derived));
            }
        };
        let derived = untitled.and_then(|name| upload_title(bytes, Some(&doc), name));
        let terms = search::index_terms(title.or(derived.as_deref()), &doc.text);
        if !scan {
            return Ok((None, terms, derived));
        }
        if cancel.is_cancelled() {
            return Err(ServiceError::Cancelled);
        }
        let report = crate::pipeline::scan_document_with(&rules.rules.engine, &doc, cancel)
            .map_err(|_| ServiceError::Cancelled)?;
        let scan = self.suppressed(rules, sha256, report);
        Ok((Some(scan), terms, derived))
    }

    /// Scans document bytes under `rules`, holding a scan slot meanwhile; stops when `cancel`
    /// is raised, while waiting for a slot or scanning.
    fn scan(
        &self,
        rules: &InForce,
        bytes: &[u8],
        sha256: &str,
        cancel: &Cancel,
    ) -> Result<NewScan, ServiceError> {
        let _slot = self.scan_slots.acquire(cancel)?;
        self.scan_in_slot(rules, bytes, sha256, cancel)
    }

    /// [`Service::scan`] for a caller that holds a scan slot already.
    fn scan_in_slot(
        &self,
        rules: &InForce,
        bytes: &[u8],
        sha256: &str,
        cancel: &Cancel,
    ) -> Result<NewScan, ServiceError> {
        let report =
            crate::pipeline::scan_bytes_with(&rules.rules.engine, bytes, cancel).map_err(|e| {
                match e {
                    crate::pipeline::ScanError::Cancelled => ServiceError::Cancelled,
                    crate::pipeline::ScanError::Input(e) => {
                        ServiceError::Unreadable(format!("the document cannot be read: {e}"))
                    }
                }
            })?;
        Ok(self.suppressed(rules, sha256, report))
    }

    /// A review with the findings of its file name under the rules in force.
    pub fn review(&self, id: ReviewId) -> Result<Review, ServiceError> {
        let mut review = self
            .count_store(self.store.review(id))?
            .ok_or_else(|| ServiceError::NotFound(format!("no review with id {id}")))?;
        self.present(&mut review);
        Ok(review)
    }

    /// The text the engine scanned for a review (finding spans are byte offsets into it).
    pub fn scanned_text(&self, review: &Review) -> Result<String, ServiceError> {
        let (kind, content) = self.stored_content(review)?;
        match kind {
            ContentKind::Text => String::from_utf8(content).map_err(|_| {
                ServiceError::Store(StoreError::Corrupt(format!(
                    "the stored text of review {} is not UTF-8",
                    review.id
                )))
            }),
            ContentKind::Bytes => crate::extract::extract(&content)
                .map(|doc| doc.text.into_owned())
                .map_err(|e| ServiceError::Unreadable(format!("the document cannot be read: {e}"))),
        }
    }

    /// The stored bytes of a review: exactly what was scanned, and what the gate passes.
    pub fn content(&self, review: &Review) -> Result<Vec<u8>, ServiceError> {
        Ok(self.stored_content(review)?.1)
    }

    /// The stored content of a review; a review without it is damaged.
    fn stored_content(&self, review: &Review) -> Result<(ContentKind, Vec<u8>), ServiceError> {
        self.count_store(self.store.content(&review.sha256))?
            .ok_or_else(|| {
                ServiceError::Store(StoreError::Corrupt(format!(
                    "the content of review {} is missing",
                    review.id
                )))
            })
    }

    /// A reviewer's decision. The reason is required, and the reviewer must not be a person who
    /// submitted these bytes (in this review or any other, gate-created ones included). A retry
    /// with the same `idempotency_key` returns the first decision instead of recording another.
    ///
    /// In a staged deployment an approve is the approval of the review's next stage (`stage`,
    /// when given, must name it), by a person who approved no earlier stage of it; the last
    /// stage's approve is the review's approve. A hold at any stage returns the draft to its
    /// submitter.
    #[allow(clippy::too_many_arguments)]
    pub fn decide(
        &self,
        by: &Actor,
        id: ReviewId,
        decision: Decision,
        reason: &str,
        stage: Option<String>,
        idempotency_key: Option<String>,
        cancel: &Cancel,
    ) -> Result<Review, ServiceError> {
        let kind = DecisionKind::Override;
        self.reviewer_decision(
            by,
            id,
            kind,
            decision,
            reason,
            stage,
            idempotency_key,
            cancel,
        )
    }

    /// 退回修改: a reviewer returns a review to its submitter for changes, with a required
    /// reason. Recorded like a decision (a hold, under the same four-eyes rule and idempotency
    /// key), so returned content never passes the gate; the submitter sees the state and the
    /// reason in their list.
    pub fn return_for_changes(
        &self,
        by: &Actor,
        id: ReviewId,
        reason: &str,
        idempotency_key: Option<String>,
        cancel: &Cancel,
    ) -> Result<Review, ServiceError> {
        let kind = DecisionKind::Return;
        self.reviewer_decision(
            by,
            id,
            kind,
            Decision::Hold,
            reason,
            None,
            idempotency_key,
            cancel,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn reviewer_decision(
        &self,
        by: &Actor,
        id: ReviewId,
        kind: DecisionKind,
        decision: Decision,
        reason: &str,
        stage: Option<String>,
        idempotency_key: Option<String>,
        cancel: &Cancel,
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
        let rules = self.in_force_now();
        claim(cancel)?;
        let mut review = self.count_store(self.store.decide(
            id,
            NewDecision {
                kind,
                decision,
                by: by.clone(),
                reason: reason.to_string(),
                ruleset: rules.scan_id.clone(),
                idempotency_key,
                stages: self.office.stages.clone(),
                stage,
            },
        ))?;
        // What was recorded: in a staged deployment an approve may be a stage's, a hold a
        // return.
        let recorded = review.decisions.last().map_or(kind, |d| d.kind);
        self.metrics.decision_recorded(recorded, decision);
        let stage = review.decisions.last().and_then(|d| d.stage.clone());
        match recorded {
            DecisionKind::Return => {
                tracing::info!(review = id, by = %by.name, stage, "review returned for changes")
            }
            DecisionKind::Stage => {
                tracing::info!(review = id, by = %by.name, stage, "stage approved")
            }
            _ => {
                tracing::info!(review = id, decision = %decision, by = %by.name, stage, "override recorded")
            }
        }
        self.present(&mut review);
        Ok(review)
    }

    /// Makes a reviewer the one to review `id`: `by` claims it (`assignee` none), or assigns it
    /// to the person named `assignee`, who must hold an active reviewer or admin token. Nobody
    /// is assigned content they submitted (four eyes), and a review claimed by someone else is
    /// taken over only by an assignment.
    pub fn assign(
        &self,
        by: &Actor,
        id: ReviewId,
        assignee: Option<&str>,
    ) -> Result<Review, ServiceError> {
        let name = match assignee {
            None => by.name.clone(),
            Some(name) => self.reviewer_named(name)?,
        };
        let claim = assignee.is_none();
        let mut review = self.count_store(self.store.assign(id, &name, by, claim))?;
        tracing::info!(review = id, by = %by.name, assignee = %name, "review assigned");
        self.present(&mut review);
        Ok(review)
    }

    /// The name, as stored, of the person called `name` (compared as persons are), if they
    /// hold an active token that may decide: a reviewer's or an admin's.
    fn reviewer_named(&self, name: &str) -> Result<String, ServiceError> {
        let key = person_key(name);
        let person = self
            .count_store(self.store.persons())?
            .into_iter()
            .find(|p| person_key(&p.name) == key)
            .ok_or_else(|| {
                ServiceError::Invalid(format!("field `assignee`: no person named {name:?}"))
            })?;
        let reviews = self.count_store(self.store.tokens())?.iter().any(|t| {
            t.revoked_at.is_none()
                && matches!(t.role, Role::Reviewer | Role::Admin)
                && person_key(&t.name) == key
        });
        if !reviews {
            return Err(ServiceError::Invalid(format!(
                "field `assignee`: {} holds no active reviewer token, so cannot review",
                person.name
            )));
        }
        Ok(person.name)
    }

    /// A page of the queue with every row's clocks. With `by_due`, the page is the `limit`
    /// open rows (pending or returned) that fall due first, among the first
    /// [`MAX_DUE_SORTED`] matching ones, most urgent first, and there is no next page.
    pub fn list(&self, mut query: ReviewQuery, by_due: bool) -> Result<ReviewPage, ServiceError> {
        let today = Day::today_in_china();
        if !by_due {
            let mut page = self.count_store(self.store.list(&query))?;
            for r in &mut page.reviews {
                self.add_summary_clocks(r, today);
            }
            return Ok(page);
        }
        let limit = query.limit.max(1);
        query.limit = MAX_DUE_SORTED;
        query.after = None;
        let mut rows = self.count_store(self.store.list(&query))?.reviews;
        rows.retain(|r| matches!(r.state, ReviewState::Pending | ReviewState::Returned));
        for r in &mut rows {
            self.add_summary_clocks(r, today);
        }
        rows.retain(|r| r.clocks.is_some());
        rows.sort_by_key(|r| (urgency(r), r.id));
        rows.truncate(limit);
        Ok(ReviewPage {
            reviews: rows,
            next: None,
        })
    }

    /// 下一件: the first review in queue order (oldest first) after review `after` that
    /// matches `query` and that `by` can take up — not content they submitted (four eyes), not
    /// claimed by someone else — or, past the end of the queue, the first such from its start
    /// (never `after` itself). `None` when there is none.
    pub fn next(
        &self,
        by: &Actor,
        mut query: ReviewQuery,
        after: Option<ReviewId>,
    ) -> Result<Option<ReviewSummary>, ServiceError> {
        query.open_to = Some(by.name.clone());
        query.descending = false;
        query.after = after;
        // In a staged deployment, a review whose earlier stage this person approved waits
        // for someone else: those are passed over, a page at a time.
        let me = by.key();
        let takes = |r: &ReviewSummary| !r.stages_passed.iter().any(|p| person_key(&p.by) == me);
        let staged = !self.office.stages.is_empty();
        let today = Day::today_in_china();
        // The first review of the queue from `query.after` on that `by` can take up, other than
        // `skip`; a page at a time when some are passed over.
        let first = |mut query: ReviewQuery, skip: Option<ReviewId>| loop {
            let page = self.count_store(self.store.list(&query))?;
            if let Some(r) = page.reviews.iter().find(|r| Some(r.id) != skip && takes(r)) {
                return Ok::<_, ServiceError>(Some(r.clone()));
            }
            match page.next {
                Some(n) if staged => query.after = Some(n),
                _ => return Ok(None),
            }
        };
        query.limit = if staged { 50 } else { 1 };
        let found = match first(query.clone(), None)? {
            Some(r) => Some(r),
            None if after.is_none() => None,
            None => {
                query.after = None;
                query.limit = if staged { 50 } else { 2 };
                first(query, after)?
            }
        };
        Ok(found.map(|mut r| {
            self.add_summary_clocks(&mut r, today);
            r
        }))
    }

    /// The publishing gate: may exactly these bytes go online? Fails closed: any storage
    /// problem is an error, never an approve. Blocking: it may scan.
    ///
    /// Which decision counts, over every review of the bytes: the latest reviewer decision if
    /// any reviewer decided (so a standing reviewer's hold blocks whatever the engine approves
    /// later, from another submission, a re-check or a new rule set); otherwise the latest engine
    /// decision, scanned again first when it is an approve made under an older rule set.
    /// Whether content may go online, and why not. `file_name`, the name it will be published
    /// under, is checked apart from the bytes on every call: a held name refuses this
    /// publication without touching the bytes' decision.
    pub fn gate(
        &self,
        by: &Actor,
        query: GateQuery,
        file_name: Option<&str>,
        cancel: &Cancel,
    ) -> Result<GateAnswer, ServiceError> {
        let name = match file_name {
            Some(n) => clean_file_name(n)?,
            None => None,
        };
        let mut answer = self.gate_bytes(by, query, name.as_deref(), cancel)?;
        if let Some(name) = &name {
            let reasons = self.file_name_reasons(name);
            if !reasons.is_empty() {
                answer.allowed = false;
                answer.reasons.extend(reasons);
            }
        }
        if answer.allowed {
            self.record_gate_pass(by, &answer, cancel)?;
        }
        self.metrics.gate(answer.allowed);
        tracing::info!(
            review = answer.review_id,
            sha256 = &answer.sha256[..12],
            allowed = answer.allowed,
            "gate answered"
        );
        Ok(answer)
    }

    fn gate_bytes(
        &self,
        by: &Actor,
        query: GateQuery,
        file_name: Option<&str>,
        cancel: &Cancel,
    ) -> Result<GateAnswer, ServiceError> {
        if self.store.failed() {
            return Err(ServiceError::Store(StoreError::Failed(
                "an earlier write failed".into(),
            )));
        }
        let sha = match query {
            GateQuery::Sha256(sha) => {
                let sha = sha.to_ascii_lowercase();
                if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(ServiceError::Invalid(
                        "field `sha256`: expected 64 hexadecimal digits".into(),
                    ));
                }
                sha
            }
            GateQuery::Bytes(bytes) => {
                let sha = sha256_hex(&bytes);
                if self.count_store(self.store.content_state(&sha))?.is_none() {
                    // Unseen content is scanned and recorded first, as the publisher's.
                    let submission = Submission {
                        title: None,
                        metadata: BTreeMap::new(),
                        content: Content::Bytes(bytes),
                        file_name: file_name.map(str::to_string),
                        revises: None,
                        formed_on: None,
                    };
                    self.submit(by, submission, "gate", cancel)?;
                }
                sha
            }
        };
        let Some(state) = self.count_store(self.store.content_state(&sha))? else {
            let answer = GateAnswer {
                allowed: false,
                sha256: sha,
                review_id: None,
                decision: None,
                decided_by: None,
                ruleset: None,
                reasons: vec!["没有这份内容的审查记录：请先送审（POST /v1/reviews）".into()],
            };
            return Ok(answer);
        };
        let answer = if let Some((id, d)) = state.latest_override {
            GateAnswer {
                // A return is recorded as a hold; the kind is checked too, so that returned
                // content can never pass whatever the record says.
                allowed: d.decision == Decision::Approve && d.kind == DecisionKind::Override,
                reasons: match (d.kind, d.decision) {
                    (DecisionKind::Return, _) => vec![format!(
                        "审核人 {} 已退回修改，修改后须重新送审：{}",
                        d.by,
                        d.reason.as_deref().unwrap_or("")
                    )],
                    (_, Decision::Approve) => Vec::new(),
                    (_, Decision::Hold) => vec![format!(
                        "审核人 {} 决定拦截：{}",
                        d.by,
                        d.reason.as_deref().unwrap_or("")
                    )],
                },
                sha256: sha,
                review_id: Some(id),
                decision: Some(d.decision),
                decided_by: Some(d.by),
                ruleset: Some(d.ruleset),
            }
        } else {
            let (id, engine) = state.latest_engine.ok_or_else(|| {
                ServiceError::Store(StoreError::Corrupt(format!(
                    "the reviews of {} have no engine decision",
                    &sha[..12]
                )))
            })?;
            let rules = self.in_force_now();
            let scan = if engine.ruleset != rules.scan_id {
                // A term added today must stop content approved yesterday, a rule disabled
                // today no longer holds what only it held, and content a suppression let
                // through is held again once it expires or is revoked.
                let reason = format!("发布核验时按现行规则重新审查（规则集 {}）", rules.scan_id);
                self.rescan(by, id, &sha, &rules, &reason, cancel)?
            } else {
                state.scan.ok_or_else(|| {
                    ServiceError::Store(StoreError::Corrupt(format!(
                        "the scan of {} under {} is missing",
                        &sha[..12],
                        engine.ruleset
                    )))
                })?
            };
            let mut reasons = Vec::new();
            let staged = !self.office.stages.is_empty();
            if staged {
                // In a staged deployment the engine's approve is where review starts.
                reasons.push(format!(
                    "分级审核：须经{}逐级审核通过后方可发布，规则引擎通过不能代替审核",
                    self.office.stages.join("、")
                ));
            }
            if scan.decision == Decision::Hold {
                reasons.push(format!("规则引擎拦截（规则集 {}）", scan.ruleset));
                // `category: rule`, with the category's Chinese name before it.
                reasons.extend(scan.held.iter().map(|held| {
                    let name = held
                        .split(':')
                        .next()
                        .and_then(Category::parse)
                        .map_or("", Category::zh);
                    format!("{name}（{held}）")
                }));
            }
            GateAnswer {
                allowed: scan.decision == Decision::Approve && !staged,
                sha256: sha,
                review_id: Some(id),
                decision: Some(scan.decision),
                decided_by: Some("engine".into()),
                ruleset: Some(scan.ruleset),
                reasons,
            }
        };
        Ok(answer)
    }

    /// Scans a review's bytes under `rules` and records the engine's decision, with `reason`.
    fn rescan(
        &self,
        by: &Actor,
        id: ReviewId,
        sha: &str,
        rules: &InForce,
        reason: &str,
        cancel: &Cancel,
    ) -> Result<ScanMeta, ServiceError> {
        let (kind, content) = self.count_store(self.store.content(sha))?.ok_or_else(|| {
            ServiceError::Store(StoreError::Corrupt(format!(
                "the content of review {id} is missing"
            )))
        })?;
        let scan = match kind {
            // Legacy text is read as the document bytes it is, like every submission now.
            ContentKind::Text | ContentKind::Bytes => self.scan(rules, &content, sha, cancel)?,
        };
        claim(cancel)?;
        // Nothing is read once the scan is recorded: a read that failed then would answer a
        // recorded write as failed.
        let meta = scan.meta();
        let review = self.count_store(self.store.record_scan(id, by, scan, reason))?;
        self.metrics
            .decision_recorded(DecisionKind::Engine, review.latest().decision);
        Ok(meta)
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

/// Most rows a queue sorted by due date looks at.
pub const MAX_DUE_SORTED: usize = 5000;

/// A row's place in the queue sorted by due date: running clocks first (the one with fewest
/// working days left), then stopped ones.
fn urgency(r: &ReviewSummary) -> (bool, i64) {
    let Some(c) = &r.clocks else {
        return (true, i64::MAX);
    };
    let running = [&c.disclosure, &c.opinion]
        .into_iter()
        .filter(|k| k.stopped_on.is_none())
        .map(|k| k.left)
        .min();
    match running {
        Some(left) => (false, left),
        None => (true, i64::MAX),
    }
}

impl Service {
    /// Records the gate's first allowed answer for these bytes in the audit (`gate_passed`),
    /// once, so that what went online can be counted from the audit alone. Every later allowed
    /// answer for the same bytes is a plain read. Fails closed: an answer whose pass cannot be
    /// recorded is an error, never an allow.
    fn record_gate_pass(
        &self,
        by: &Actor,
        answer: &GateAnswer,
        cancel: &Cancel,
    ) -> Result<(), ServiceError> {
        if self.count_store(self.store.gate_passed(&answer.sha256))? {
            return Ok(());
        }
        // A request already answered 408 gave no allowed answer, so records none.
        claim(cancel)?;
        let detail = format!(
            "first allowed gate answer for these bytes (decided by {})",
            answer.decided_by.as_deref().unwrap_or("engine")
        );
        let recorded = self.count_store(self.store.record_gate_pass(
            by,
            &answer.sha256,
            answer.review_id,
            answer.ruleset.as_deref(),
            &detail,
        ))?;
        if recorded {
            tracing::info!(
                review = answer.review_id,
                sha256 = &answer.sha256[..12],
                "first gate pass recorded"
            );
        }
        Ok(())
    }
}

impl Service {
    /// The figures for the annual report of the drafts received in `period` (see
    /// [`crate::stats`]), as they stand today in China, on China's working-day calendar. Reads
    /// the whole audit chain: O(records).
    pub fn stats(
        &self,
        period: crate::stats::Period,
        group: crate::stats::Group,
    ) -> Result<crate::stats::Stats, ServiceError> {
        let (records, departments) = self.count_store(stats_sources(self.store.as_ref()))?;
        let sources = crate::stats::Sources {
            records: &records,
            departments: &departments,
            calendar: &self.office.calendar,
            limit: self.office.disclosure,
            as_of: crate::calendar::today_in_china(),
        };
        Ok(crate::stats::compute(&sources, period, group))
    }
}

/// What the figures for the annual report are computed from, read from a store: every audit
/// record, and the department of each person who has one, by [`crate::store::person_key`].
pub fn stats_sources(
    store: &dyn DecisionStore,
) -> Result<(Vec<crate::store::AuditRecord>, BTreeMap<String, String>), StoreError> {
    let mut records = Vec::new();
    loop {
        let batch = store.audit(
            records
                .last()
                .map_or(0, |r: &crate::store::AuditRecord| r.seq),
            1000,
        )?;
        if batch.is_empty() {
            break;
        }
        records.extend(batch);
    }
    let departments = store
        .persons()?
        .into_iter()
        .filter_map(|p| Some((crate::store::person_key(&p.name), p.department?)))
        .collect();
    Ok((records, departments))
}

/// Writes `text` to a temporary file beside `path`, syncs it, and renames it over `path`: a
/// reader (or a crash) sees the old file or the new one, never half of one.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.baomi-tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("rules")
    ));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Documents larger than this take their scan slot before they are hashed.
const LARGE_DOCUMENT: usize = 256 * 1024;

/// Claims the request's work for a write, or says it was cancelled first (see [`Cancel`]).
fn claim(cancel: &Cancel) -> Result<(), ServiceError> {
    if cancel.claim() {
        Ok(())
    } else {
        Err(ServiceError::Cancelled)
    }
}

/// A counting semaphore for scans: the gate's lookups never wait behind a queue of large scans
/// for a core, and a scan that cannot start in time is refused instead of queued forever.
struct ScanSlots {
    free: Mutex<usize>,
    freed: Condvar,
    wait: Duration,
}

struct ScanSlot<'a>(&'a ScanSlots);

impl ScanSlots {
    fn new(slots: usize, wait: Duration) -> ScanSlots {
        ScanSlots {
            free: Mutex::new(slots),
            freed: Condvar::new(),
            wait,
        }
    }

    fn acquire(&self, cancel: &Cancel) -> Result<ScanSlot<'_>, ServiceError> {
        let deadline = Instant::now() + self.wait;
        let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
        while *free == 0 {
            if cancel.is_cancelled() {
                return Err(ServiceError::Cancelled);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(ServiceError::Busy { retry_after: 5 });
            }
            // Wakes at least every 100 ms to notice a cancelled request.
            free = self
                .freed
                .wait_timeout(free, left.min(Duration::from_millis(100)))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        *free -= 1;
        Ok(ScanSlot(self))
    }
}

impl Drop for ScanSlot<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        self.0.freed.notify_one();
    }
}
