//! Figures for the annual report (年度报告): drafts received, approved, held by category,
//! approved after an override, redacted, published through the gate, working days to a
//! reviewer's decision, overdue — per month, category, department or reviewer.
//!
//! Pure: audit records, the persons' departments, the calendar and the day the figures are
//! taken on go in, [`Stats`] comes out. Nothing here reads the store or the clock, so `baomi
//! stats` (on a stopped store), `GET /v1/stats` and anyone holding `baomi audit export` get the
//! same figures from the same records.
//!
//! **What a figure counts.** The unit is a *draft*: a review submitted for review
//! (`review_submitted`, or `version_submitted` for a later version, which is a draft of its
//! own). Redacted copies (`redaction_created`) are not drafts: they count for the draft they
//! were made of (`redacted`, and `published` when the copy passed the gate). A row is the
//! drafts *received* in the period (by the day of their submission, in China), and every
//! figure of the row says where those drafts stand at the last record read:
//!
//! - `approved` / `held`: the draft's decision now — its latest reviewer decision (an
//!   override, or a return, which holds), else the engine's latest decision;
//! - `engine_held` and `held_by_category`: the engine held the draft when it was received, for
//!   these categories (a draft held for two categories counts under both);
//! - `approved_after_override`: approved by a reviewer whose approve overrode an engine hold;
//! - `returned`: held because a reviewer's latest decision returned it for changes;
//! - `pending`: no reviewer decision yet, and no newer version replaced it;
//! - `redacted`: a redacted copy was made of it; `published`: the gate's first allowed
//!   answer for its bytes, or a redacted copy's, is on record (`gate_passed`, once per bytes,
//!   for the review whose decision allowed them);
//! - `decided`, `decision_days_*`: working days (China's calendar, holidays and 调休 counted)
//!   from the day of receipt to the day of the first reviewer decision; the engine's decisions
//!   are immediate and not counted as decisions here;
//! - `overdue`: no reviewer decision within [`crate::calendar::limits::DISCLOSURE`] working days of receipt —
//!   decided later, or still undecided after the limit on `as_of` (or when a newer version
//!   replaced it).
//!
//! A stage's approval in a staged review (`stage_approved`) is not a decision and counts for
//! nothing here.
//!
//! **Departments** come from the submitters' person records (set once, when the person is
//! created; the audit tells them in `person_created` and, since this module, in
//! `token_created` for a new person) and are passed in by the caller.
//!
//! Cost: one pass over the records (O(records)), then one pass over the drafts per row.

pub mod table;

use crate::calendar::{Calendar, Day};
use crate::engine::{Category, Decision};
use crate::store::{held_categories_of, person_key, AuditAction, AuditRecord};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// How rows are made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// One row per month of the period (months without drafts too).
    Month,
    /// One row per category the engine held drafts for, and one for drafts it did not hold.
    Category,
    /// One row per department of the submitters.
    Dept,
    /// One row per reviewer who made a draft's first reviewer decision, and one for drafts
    /// that no reviewer decided.
    Reviewer,
}

impl Group {
    pub const ALL: [Group; 4] = [Group::Month, Group::Category, Group::Dept, Group::Reviewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Group::Month => "month",
            Group::Category => "category",
            Group::Dept => "dept",
            Group::Reviewer => "reviewer",
        }
    }

    pub fn parse(s: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.as_str() == s)
    }

    /// The heading of the row names, in Chinese.
    pub fn zh(self) -> &'static str {
        match self {
            Group::Month => "月份",
            Group::Category => "类别",
            Group::Dept => "部门",
            Group::Reviewer => "审核员",
        }
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The days whose drafts are counted, both included, in China.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: Day,
    pub to: Day,
}

/// The longest period asked for at once, in days (ten years and their leap days).
pub const MAX_PERIOD_DAYS: i64 = 3653;

impl Period {
    /// `from` to `to`: refused when `to` is before `from` or the period is longer than
    /// [`MAX_PERIOD_DAYS`] (its month rows are bounded).
    pub fn new(from: Day, to: Day) -> Result<Period, String> {
        if to < from {
            return Err(format!("the period ends ({to}) before it starts ({from})"));
        }
        if to.0 - from.0 >= MAX_PERIOD_DAYS {
            return Err(format!(
                "the period {from} to {to} is longer than ten years; ask for less"
            ));
        }
        Ok(Period { from, to })
    }

    /// The calendar year `year`.
    pub fn year(year: i32) -> Result<Period, String> {
        let day = |m: u32, d: u32| {
            u32::try_from(year)
                .ok()
                .filter(|y| (1970..=9999).contains(y))
                .map(|y| Day(crate::days_from_civil(y, m, d)))
                .ok_or_else(|| format!("year {year}: expected a year from 1970 to 9999"))
        };
        Period::new(day(1, 1)?, day(12, 31)?)
    }

    fn contains(self, day: Day) -> bool {
        self.from <= day && day <= self.to
    }
}

/// What the figures are computed from.
pub struct Sources<'a> {
    /// The audit records, in any order (they are taken in `seq` order).
    pub records: &'a [AuditRecord],
    /// The department of each person, by [`person_key`] of their name.
    pub departments: &'a BTreeMap<String, String>,
    pub calendar: &'a Calendar,
    /// The limit a draft is overdue after (the deployment's disclosure limit,
    /// [`crate::calendar::limits::DISCLOSURE`] by default).
    pub limit: crate::calendar::Limit,
    /// The day the figures are taken on: a draft with no reviewer decision is overdue once its
    /// limit has passed on this day.
    pub as_of: Day,
}

/// The figures of one row: the drafts received in the period that the row is about.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// `2026-03`, a category, a department's or reviewer's name; empty for the row of drafts
    /// without one (no department, no reviewer decision); `total` for the totals.
    pub key: String,
    /// The row's name in Chinese: `2026年3月`, `国家秘密`, `（未填部门）`, `合计`.
    pub label: String,
    pub received: usize,
    /// Of `received`, later versions of a draft (`version_submitted`).
    pub versions: usize,
    /// Held by the engine when received.
    pub engine_held: usize,
    /// `engine_held` by category: every category, and `unrecorded` for holds whose categories
    /// the audit does not tell (records written before it did).
    pub held_by_category: BTreeMap<String, usize>,
    pub approved: usize,
    /// Of `approved`, approved by a reviewer over an engine hold.
    pub approved_after_override: usize,
    pub held: usize,
    /// Of `held`, returned for changes by the latest reviewer decision.
    pub returned: usize,
    /// No reviewer decision yet, not replaced by a newer version.
    pub pending: usize,
    pub redacted: usize,
    pub published: usize,
    /// With a reviewer decision.
    pub decided: usize,
    /// The median of the working days from receipt to the first reviewer decision.
    pub decision_days_median: Option<f64>,
    /// The 90th percentile of the same (nearest rank: the smallest value that at least 90% of
    /// the decided drafts do not exceed).
    pub decision_days_p90: Option<i64>,
    /// How many decided drafts took how many working days.
    pub decision_days: BTreeMap<i64, usize>,
    pub overdue: usize,
}

/// The figures of a period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub from: String,
    pub to: String,
    pub group: Group,
    /// The day the figures were taken on (see [`Sources::as_of`]).
    pub as_of: String,
    /// The last audit record read (0 for none).
    pub last_record: u64,
    /// The limit within which a reviewer decision is due, in working days.
    pub limit_working_days: u32,
    pub rows: Vec<Row>,
    pub total: Row,
    /// What the reader should know about these figures, in Chinese (years the calendar does
    /// not cover, holds whose categories were not recorded).
    pub notes: Vec<String>,
}

/// The key of the holds whose categories the audit does not tell.
pub const UNRECORDED: &str = "unrecorded";
/// The key of the category row for drafts the engine did not hold.
pub const NOT_HELD: &str = "none";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ReviewerKind {
    Override,
    Return,
}

#[derive(Clone, Debug)]
struct ReviewerDecision {
    seq: u64,
    day: Day,
    by: String,
    kind: ReviewerKind,
    decision: Decision,
}

/// One draft, as the audit tells it.
#[derive(Clone, Debug)]
struct Draft {
    received: Day,
    version: bool,
    submitter: String,
    /// The engine's decision when received, and the categories it held for (`None`: not told).
    first_engine: (Decision, Option<Vec<Category>>),
    /// Every engine decision, by record seq.
    engine: Vec<(u64, Decision)>,
    reviewer: Vec<ReviewerDecision>,
    superseded: Option<Day>,
    redacted: bool,
    published: bool,
}

impl Draft {
    fn decision(&self) -> Decision {
        match self.reviewer.last() {
            Some(r) => r.decision,
            None => self.engine.last().map_or(self.first_engine.0, |e| e.1),
        }
    }

    fn approved_after_override(&self) -> bool {
        let Some(last) = self.reviewer.last() else {
            return false;
        };
        last.kind == ReviewerKind::Override
            && last.decision == Decision::Approve
            && self
                .engine
                .iter()
                .rev()
                .find(|(seq, _)| *seq < last.seq)
                .is_some_and(|(_, d)| *d == Decision::Hold)
    }

    fn decision_days(&self, calendar: &Calendar) -> Option<i64> {
        let first = self.reviewer.first()?;
        Some(calendar.working_days_between(self.received, first.day))
    }

    fn overdue(&self, calendar: &Calendar, limit: crate::calendar::Limit, as_of: Day) -> bool {
        let due = calendar.add_working_days(self.received, limit.working_days);
        let end = match (self.reviewer.first(), self.superseded) {
            (Some(r), _) => r.day,
            (None, Some(day)) => day,
            (None, None) => as_of,
        };
        end > due
    }
}

/// The day of a record's time, in China; `None` for a time that does not parse.
fn day_of(at: &str) -> Option<Day> {
    crate::parse_timestamp_ms(at).map(Day::from_unix_ms_in_china)
}

/// The number after `prefix` at the start of `detail` (`version 2 of review 17, …` names 17
/// after `of review `; the text before it is written by the store, never by a person).
fn review_named(detail: &str, prefix: &str) -> Option<u64> {
    let rest = &detail[detail.find(prefix)? + prefix.len()..];
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// The drafts the records tell of, by review id, and what could not be read.
struct Drafts {
    drafts: BTreeMap<u64, Draft>,
    unreadable_times: usize,
}

fn drafts(records: &[AuditRecord]) -> Drafts {
    let mut sorted: Vec<&AuditRecord> = records.iter().collect();
    sorted.sort_by_key(|r| r.seq);
    let mut drafts: BTreeMap<u64, Draft> = BTreeMap::new();
    // A redacted copy's review id → the draft it was made of.
    let mut copies: BTreeMap<u64, u64> = BTreeMap::new();
    let mut unreadable_times = 0;
    for r in sorted {
        let Some(id) = r.review else { continue };
        let Some(day) = day_of(&r.at) else {
            unreadable_times += 1;
            continue;
        };
        match r.action {
            AuditAction::ReviewSubmitted | AuditAction::VersionSubmitted => {
                let decision = r.decision.unwrap_or(Decision::Hold);
                let categories = if decision == Decision::Hold {
                    held_categories_of(&r.detail)
                } else {
                    Some(Vec::new())
                };
                let version = r.action == AuditAction::VersionSubmitted;
                if version {
                    if let Some(old) = review_named(&r.detail, " of review ") {
                        if let Some(d) = drafts.get_mut(&old) {
                            d.superseded.get_or_insert(day);
                        }
                    }
                }
                drafts.insert(
                    id,
                    Draft {
                        received: day,
                        version,
                        submitter: person_key(&r.actor),
                        first_engine: (decision, categories),
                        engine: vec![(r.seq, decision)],
                        reviewer: Vec::new(),
                        superseded: None,
                        redacted: false,
                        published: false,
                    },
                );
            }
            AuditAction::RedactionCreated => {
                if let Some(from) = review_named(&r.detail, "redacted copy of review ") {
                    // A copy of a copy counts for the draft the first copy was made of.
                    let root = copies.get(&from).copied().unwrap_or(from);
                    copies.insert(id, root);
                    if let Some(d) = drafts.get_mut(&root) {
                        d.redacted = true;
                    }
                }
            }
            AuditAction::DecisionRecorded => {
                if let (Some(d), Some(decision)) = (drafts.get_mut(&id), r.decision) {
                    d.engine.push((r.seq, decision));
                }
            }
            AuditAction::OverrideRecorded | AuditAction::ReviewReturned => {
                let kind = if r.action == AuditAction::ReviewReturned {
                    ReviewerKind::Return
                } else {
                    ReviewerKind::Override
                };
                let decision = match kind {
                    ReviewerKind::Return => Decision::Hold,
                    ReviewerKind::Override => r.decision.unwrap_or(Decision::Hold),
                };
                if let Some(d) = drafts.get_mut(&id) {
                    d.reviewer.push(ReviewerDecision {
                        seq: r.seq,
                        day,
                        by: r.actor.clone(),
                        kind,
                        decision,
                    });
                }
            }
            AuditAction::GatePassed => {
                let root = copies.get(&id).copied().unwrap_or(id);
                if let Some(d) = drafts.get_mut(&root) {
                    d.published = true;
                }
            }
            AuditAction::RulesetLoaded
            | AuditAction::TokenCreated
            | AuditAction::TokenRevoked
            | AuditAction::PersonCreated
            | AuditAction::ReviewAssigned
            | AuditAction::StageApproved
            | AuditAction::SuppressionProposed
            | AuditAction::SuppressionApproved
            | AuditAction::SuppressionRejected
            | AuditAction::SuppressionRevoked
            | AuditAction::SuppressionExpired => {}
        }
    }
    Drafts {
        drafts,
        unreadable_times,
    }
}

/// The median of sorted values (the mean of the middle two for an even count).
fn median(sorted: &[i64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2] as f64),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0),
    }
}

/// The nearest-rank 90th percentile of sorted values.
fn p90(sorted: &[i64]) -> Option<i64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = (n * 9).div_ceil(10);
    Some(sorted[rank.max(1) - 1])
}

fn row(key: String, label: String, drafts: &[&Draft], src: &Sources) -> Row {
    let mut r = Row {
        key,
        label,
        held_by_category: Category::ALL
            .iter()
            .map(|c| (c.as_str().to_string(), 0))
            .collect(),
        ..Row::default()
    };
    let mut days = Vec::new();
    for d in drafts {
        r.received += 1;
        r.versions += usize::from(d.version);
        if d.first_engine.0 == Decision::Hold {
            r.engine_held += 1;
            match &d.first_engine.1 {
                Some(cats) => {
                    for c in cats {
                        *r.held_by_category.entry(c.as_str().into()).or_default() += 1;
                    }
                }
                None => *r.held_by_category.entry(UNRECORDED.into()).or_default() += 1,
            }
        }
        match d.decision() {
            Decision::Approve => r.approved += 1,
            Decision::Hold => r.held += 1,
        }
        r.approved_after_override += usize::from(d.approved_after_override());
        r.returned += usize::from(
            d.reviewer
                .last()
                .is_some_and(|x| x.kind == ReviewerKind::Return),
        );
        r.pending += usize::from(d.reviewer.is_empty() && d.superseded.is_none());
        r.redacted += usize::from(d.redacted);
        r.published += usize::from(d.published);
        if let Some(n) = d.decision_days(src.calendar) {
            days.push(n);
            *r.decision_days.entry(n).or_default() += 1;
        }
        r.overdue += usize::from(d.overdue(src.calendar, src.limit, src.as_of));
    }
    days.sort_unstable();
    r.decided = days.len();
    r.decision_days_median = median(&days);
    r.decision_days_p90 = p90(&days);
    r
}

/// The months of a period, as (first day, `YYYY-MM`, `YYYY年M月`).
fn months(period: Period) -> Vec<(String, String)> {
    let (mut y, mut m, _) = period.from.ymd();
    let (ty, tm, _) = period.to.ymd();
    let mut out = Vec::new();
    while (y, m) <= (ty, tm) {
        out.push((format!("{y:04}-{m:02}"), format!("{y}年{m}月")));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    out
}

/// The figures of the drafts received in `period`, in rows of `group`.
pub fn compute(src: &Sources, period: Period, group: Group) -> Stats {
    let Drafts {
        drafts,
        unreadable_times,
    } = drafts(src.records);
    let cohort: Vec<&Draft> = drafts
        .values()
        .filter(|d| period.contains(d.received))
        .collect();
    let department = |d: &Draft| src.departments.get(&d.submitter).cloned();
    let groups: Vec<(String, String, Vec<&Draft>)> = match group {
        Group::Month => months(period)
            .into_iter()
            .map(|(key, label)| {
                let of: Vec<&Draft> = cohort
                    .iter()
                    .copied()
                    .filter(|d| {
                        let (y, m, _) = d.received.ymd();
                        format!("{y:04}-{m:02}") == key
                    })
                    .collect();
                (key, label, of)
            })
            .collect(),
        Group::Category => {
            let mut rows: Vec<(String, String, Vec<&Draft>)> = Category::ALL
                .iter()
                .map(|c| {
                    let of = cohort
                        .iter()
                        .copied()
                        .filter(|d| {
                            d.first_engine.0 == Decision::Hold
                                && d.first_engine.1.as_ref().is_some_and(|cs| cs.contains(c))
                        })
                        .collect();
                    (c.as_str().to_string(), c.zh().to_string(), of)
                })
                .collect();
            let unrecorded: Vec<&Draft> = cohort
                .iter()
                .copied()
                .filter(|d| d.first_engine.0 == Decision::Hold && d.first_engine.1.is_none())
                .collect();
            if !unrecorded.is_empty() {
                rows.push((UNRECORDED.into(), "未记录类别".into(), unrecorded));
            }
            let not_held = cohort
                .iter()
                .copied()
                .filter(|d| d.first_engine.0 == Decision::Approve)
                .collect();
            rows.push((NOT_HELD.into(), "未被拦截".into(), not_held));
            rows
        }
        Group::Dept | Group::Reviewer => {
            let mut by: BTreeMap<String, Vec<&Draft>> = BTreeMap::new();
            for d in &cohort {
                let key = match group {
                    Group::Dept => department(d).unwrap_or_default(),
                    _ => d.reviewer.first().map(|r| r.by.clone()).unwrap_or_default(),
                };
                by.entry(key).or_default().push(d);
            }
            let none = match group {
                Group::Dept => "（未填部门）",
                _ => "（未经人工审核）",
            };
            let mut rows: Vec<(String, String, Vec<&Draft>)> = by
                .into_iter()
                .map(|(k, of)| {
                    let label = if k.is_empty() { none.into() } else { k.clone() };
                    (k, label, of)
                })
                .collect();
            // The largest first; the row without a name last.
            rows.sort_by(|a, b| {
                (a.0.is_empty(), std::cmp::Reverse(a.2.len()), &a.0).cmp(&(
                    b.0.is_empty(),
                    std::cmp::Reverse(b.2.len()),
                    &b.0,
                ))
            });
            rows
        }
    };
    let rows: Vec<Row> = groups
        .into_iter()
        .map(|(key, label, of)| row(key, label, &of, src))
        .collect();
    let total = row("total".into(), "合计".into(), &cohort, src);
    let mut notes = Vec::new();
    let missing = src
        .calendar
        .missing_years(period.from.year(), src.as_of.year().max(period.to.year()));
    if !missing.is_empty() {
        let years: Vec<String> = missing.iter().map(|y| y.to_string()).collect();
        notes.push(format!(
            "{} 年的节假日安排尚未收录，这些年份按周一至周五计算工作日。",
            years.join("、")
        ));
    }
    let unrecorded_here = total.held_by_category.get(UNRECORDED).copied().unwrap_or(0);
    if unrecorded_here > 0 {
        notes.push(format!(
            "{unrecorded_here} 份稿件的拦截类别未记入审计记录（统计功能上线前送审），列为“未记录类别”。"
        ));
    }
    if unreadable_times > 0 {
        notes.push(format!(
            "{unreadable_times} 条审计记录的时间无法读取，未计入。"
        ));
    }
    Stats {
        from: period.from.to_string(),
        to: period.to.to_string(),
        group,
        as_of: src.as_of.to_string(),
        last_record: src.records.iter().map(|r| r.seq).max().unwrap_or(0),
        limit_working_days: src.limit.working_days,
        rows,
        total,
        notes,
    }
}
