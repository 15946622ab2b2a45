//! Suppressions in the service: a rule change like any other, with four eyes.
//!
//! A maintainer proposes a suppression — from a finding of a review (this value under this
//! rule everywhere, or this rule in this document) or written out — and it is applied only
//! once another person, a reviewer, approves it. The approved entries in force are part of
//! what a scan is recorded under ([`InForce::scan_id`]): approving, revoking or the expiry of
//! one is a rule-set change, so the gate scans content again whose scan was made under
//! another set, and the re-check worker scans again at once the engine holds and the engine
//! approvals that a suppression let through. Every scan that applied one says so in its audit
//! record (`; suppressed: S-1 ×2`), and the review shows the findings it covered, with the
//! suppression's id, reason, author and expiry.
//!
//! A path glob scopes a site audit (`baomi scan`); the service's documents have no site path,
//! so it never applies one: proposals name a rule, a value digest or a document.

use super::{InForce, Service, ServiceError, MAX_REASON_CHARS};
use crate::calendar::Day;
use crate::engine::{Decision, Report, Severity};
use crate::store::{
    Actor, NewScan, NewSuppression, ReviewId, Role, SuppressedFinding, SuppressionChange,
    SuppressionRecord, SuppressionState,
};
use crate::suppress::{self, Entry, Fields, Suppressions};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The longest a suppression may run: two years from the day it is proposed.
pub const MAX_DAYS: i64 = 731;

/// A maintainer's proposal (`POST /v1/suppressions`): from a finding (`review`, `finding`,
/// `scope`), or with its `rule`, `value` digest and `content` written out.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proposal {
    /// The review whose finding it quiets.
    pub review: Option<ReviewId>,
    /// The finding's place in the review's `findings` (from 0).
    pub finding: Option<usize>,
    /// With a finding: `value` (this value under this rule, in every document) or
    /// `document` (this rule in this document only).
    pub scope: Option<String>,
    pub id: Option<String>,
    pub rule: Option<String>,
    pub value: Option<String>,
    pub content: Option<String>,
    pub path: Option<String>,
    #[serde(default)]
    pub reason: String,
    /// The last day it applies, `YYYY-MM-DD`.
    #[serde(default)]
    pub expires: String,
}

/// A suppression as the service shows it: its record, and whether it applies now.
#[derive(Clone, Debug, Serialize)]
pub struct SuppressionView {
    #[serde(flatten)]
    pub record: SuppressionRecord,
    pub in_force: bool,
}

impl Service {
    /// Value digests are made with this key: the deployment's, as `baomi scan
    /// --baseline-key` reads it, so that one suppression file serves the site audit and the
    /// service.
    pub fn with_digest_key(mut self, key: Vec<u8>) -> Service {
        self.digest_key = key;
        self
    }

    /// Suppressions expire by `today` instead of the calendar day in China (for tests).
    pub fn with_today(mut self, today: Arc<dyn Fn() -> Day + Send + Sync>) -> Service {
        self.today = today;
        self
    }

    /// The engine's report on bytes `sha256`, with the suppressions of `rules` applied: the
    /// findings they cover are kept and named, and decide no more.
    pub(super) fn suppressed(&self, rules: &InForce, sha256: &str, report: Report) -> NewScan {
        let mut scan = NewScan {
            ruleset: rules.scan_id.clone(),
            decision: report.decision,
            findings: report.findings,
            suppressed: Vec::new(),
        };
        if rules.suppressions.entries.is_empty() {
            return scan;
        }
        let marks = rules.suppressions.apply(
            &scan.findings,
            None,
            Some(sha256),
            &self.digest_key,
            (self.today)(),
        );
        scan.suppressed = marks
            .into_iter()
            .enumerate()
            .filter_map(|(i, m)| {
                m.map(|m| SuppressedFinding {
                    finding: i,
                    id: m.id,
                    reason: m.reason,
                    added_by: m.added_by,
                    expires: m.expires,
                })
            })
            .collect();
        if !scan.suppressed.is_empty() {
            let live_hold = scan.findings.iter().enumerate().any(|(i, f)| {
                f.severity == Severity::Hold && !scan.suppressed.iter().any(|s| s.finding == i)
            });
            scan.decision = if live_hold {
                Decision::Hold
            } else {
                Decision::Approve
            };
        }
        scan
    }

    /// Fills `next` with the approved suppressions in force today, checked against its rules
    /// (one whose rule is gone, or that its rules now refuse, is left out and logged).
    pub(super) fn with_suppressions(&self, next: &mut InForce) -> Result<(), ServiceError> {
        let today = (self.today)();
        // Unreadable records leave none in force: stricter, never looser.
        let records = match self.count_store(self.store.suppressions()) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "suppressions cannot be read: none applies until they can");
                Vec::new()
            }
        };
        let mut entries = Vec::new();
        for r in records
            .iter()
            .filter(|r| r.state == SuppressionState::Approved)
        {
            match Entry::check(r.fields.clone(), r.id.clone(), 0, &next.rules.engine) {
                Ok(e) if e.active(today) => entries.push(e),
                Ok(_) => {}
                Err(problems) => tracing::warn!(
                    suppression = %r.id,
                    problem = %problems.join("; "),
                    "an approved suppression does not apply under the rules in force"
                ),
            }
        }
        let set = Suppressions {
            source: "approved suppressions".into(),
            entries,
            grave: suppress::grave_rules(&next.rules.engine),
        };
        next.scan_id = self.scan_id(&next.rules.id, &set, today);
        next.suppressions = Arc::new(set);
        Ok(())
    }

    /// What scans under `rules_id` and `set` are recorded under: the rule set's id, then the
    /// set's and, when an entry names a value, the digest key's (another key, other values).
    fn scan_id(&self, rules_id: &str, set: &Suppressions, today: Day) -> String {
        match set.set_id(today) {
            Some(s) if set.active(today).any(|e| e.value.is_some()) => format!(
                "{rules_id}+{s}{}",
                &suppress::mac(&self.digest_key, &[b"baomi digest key id"])[..4]
            ),
            Some(s) => format!("{rules_id}+{s}"),
            None => rules_id.to_string(),
        }
    }

    /// The rules in force, with any suppression past its expiry taken out first (at once,
    /// without reading the store: what the clock thread would do at its next pass, and
    /// records). The gate, submissions and re-checks scan under this.
    pub(super) fn in_force_now(&self) -> Arc<InForce> {
        let current = self.in_force();
        let today = (self.today)();
        if current.suppressions.entries.iter().all(|e| e.active(today)) {
            return current;
        }
        let _guard = self.rules_lock.lock().unwrap_or_else(|p| p.into_inner());
        let current = self.in_force();
        if current.suppressions.entries.iter().all(|e| e.active(today)) {
            return current;
        }
        let mut next = (*current).clone();
        let set = Suppressions {
            source: current.suppressions.source.clone(),
            entries: current.suppressions.active(today).cloned().collect(),
            grave: current.suppressions.grave.clone(),
        };
        next.scan_id = self.scan_id(&next.rules.id, &set, today);
        next.suppressions = Arc::new(set);
        let next = Arc::new(next);
        tracing::info!(old = %current.scan_id, new = %next.scan_id, "a suppression expired: it applies no more");
        *self.rules.write().unwrap_or_else(|p| p.into_inner()) = next.clone();
        self.request_recheck();
        next
    }

    /// Records the expiry of approved suppressions past their date, and puts the approved
    /// ones in force today in force. A change of the set is a rule-set change: the re-check
    /// worker is asked for a pass. Whether the set changed.
    pub fn refresh_suppressions(&self) -> Result<bool, ServiceError> {
        let _guard = self.rules_lock.lock().unwrap_or_else(|p| p.into_inner());
        let today = (self.today)();
        // What is in force changes first (an expired entry is never in force, whatever its
        // record says): a failure to record an expiry leaves the rules stricter, not looser.
        let current = self.in_force();
        let mut next = (*current).clone();
        self.with_suppressions(&mut next)?;
        let changed = next.scan_id != current.scan_id;
        if changed {
            tracing::info!(old = %current.scan_id, new = %next.scan_id, "suppressions in force changed");
            *self.rules.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next);
            self.request_recheck();
        }
        let system = Actor {
            name: "baomi serve".into(),
            role: Role::Admin,
        };
        for r in self.count_store(self.store.suppressions())? {
            if r.state == SuppressionState::Approved && expired(&r, today) {
                self.count_store(self.store.change_suppression(
                    &r.id,
                    &system,
                    SuppressionChange::Expire,
                    &format!("{} 到期", r.fields.expires.as_deref().unwrap_or("")),
                ))?;
                tracing::info!(suppression = %r.id, "a suppression expired: content it let through is checked again");
            }
        }
        Ok(changed)
    }

    /// Every suppression, in the order proposed, with whether it applies now.
    pub fn suppressions(&self) -> Result<Vec<SuppressionView>, ServiceError> {
        let in_force = self.in_force();
        Ok(self
            .count_store(self.store.suppressions())?
            .into_iter()
            .map(|record| SuppressionView {
                in_force: in_force
                    .suppressions
                    .entries
                    .iter()
                    .any(|e| e.id == record.id),
                record,
            })
            .collect())
    }

    /// The suppressions in force as a suppression file, for `baomi scan --suppressions` (its
    /// value digests need the same key: `--baseline-key`).
    pub fn suppressions_file(&self) -> String {
        let in_force = self.in_force();
        in_force.suppressions.to_toml(&format!(
            "baomi 服务中已批准、现行有效的豁免（{}，规则集 {}）\nThe approved suppressions in force; value digests are keyed with the deployment's key.",
            crate::timestamp(),
            in_force.rules.id
        ))
    }

    /// Records a maintainer's proposal; it applies once another person approves it.
    pub fn propose_suppression(
        &self,
        by: &Actor,
        p: Proposal,
    ) -> Result<SuppressionRecord, ServiceError> {
        let reason = p.reason.trim().to_string();
        if reason.is_empty() {
            return Err(ServiceError::Invalid(
                "field `reason`: every suppression says why the finding is a false alarm".into(),
            ));
        }
        if reason.chars().count() > MAX_REASON_CHARS {
            return Err(ServiceError::Invalid(format!(
                "field `reason`: at most {MAX_REASON_CHARS} characters"
            )));
        }
        let today = (self.today)();
        let expires = Day::parse(p.expires.trim()).ok_or_else(|| {
            ServiceError::Invalid(format!(
                "field `expires`: {:?} is not a date written YYYY-MM-DD",
                shown(&p.expires)
            ))
        })?;
        if expires < today {
            return Err(ServiceError::Invalid(format!(
                "field `expires`: {expires} is past (today is {today})"
            )));
        }
        if expires.0 - today.0 > MAX_DAYS {
            return Err(ServiceError::Invalid(format!(
                "field `expires`: at most two years ahead ({}); a longer-lived exception belongs in the rules",
                Day(today.0 + MAX_DAYS)
            )));
        }
        if p.path.is_some() {
            return Err(ServiceError::Invalid(
                "field `path`: a path glob scopes a site audit (`baomi scan`); the service's documents have no site path — name the document (`content`, or `scope: \"document\"`) or the value".into(),
            ));
        }
        if let Some(id) = &p.id {
            check_id(id).map_err(|m| ServiceError::Invalid(format!("field {m}")))?;
        }
        let rules = self.in_force();
        let mut fields = Fields {
            id: p.id.clone(),
            rule: p.rule.clone(),
            value: p.value.clone(),
            path: None,
            content: p.content.clone(),
            reason: Some(reason),
            added_by: Some(by.name.clone()),
            expires: Some(expires.to_string()),
        };
        match (p.review, p.finding) {
            (Some(id), Some(i)) => {
                if p.rule.is_some() || p.value.is_some() || p.content.is_some() {
                    return Err(ServiceError::Invalid(
                        "a proposal from a finding takes its rule and value from the finding: leave `rule`, `value` and `content` out".into(),
                    ));
                }
                let review = self.review(id)?;
                let f = review.findings.get(i).ok_or_else(|| {
                    ServiceError::Invalid(format!(
                        "field `finding`: review {id} has {} finding(s), numbered from 0",
                        review.findings.len()
                    ))
                })?;
                if f.location == crate::Location::FileName {
                    return Err(ServiceError::Invalid(
                        "field `finding`: a finding in the file name is fixed by renaming the file, not suppressed".into(),
                    ));
                }
                fields.rule = Some(f.rule.clone());
                match p.scope.as_deref() {
                    Some("value") => {
                        fields.value = Some(suppress::value_digest(&self.digest_key, &f.text));
                    }
                    Some("document") => {
                        fields.content = Some(format!("{}{}", suppress::CONTENT_PREFIX, review.sha256));
                    }
                    other => {
                        return Err(ServiceError::Invalid(format!(
                            "field `scope`: {} — write `value` (this value under rule {}, in every document) or `document` (rule {} in this document only)",
                            match other {
                                Some(o) => format!("{:?} is not a scope", shown(o)),
                                None => "missing".into(),
                            },
                            f.rule,
                            f.rule
                        )));
                    }
                }
            }
            (None, None) => {
                if p.scope.is_some() {
                    return Err(ServiceError::Invalid(
                        "field `scope` goes with `review` and `finding`".into(),
                    ));
                }
            }
            _ => {
                return Err(ServiceError::Invalid(
                    "fields `review` and `finding` go together: the finding's place in the review's findings".into(),
                ))
            }
        }
        // The checks of a suppression file: a rule that exists, a digest, never everything,
        // never a classification mark or a full ID everywhere.
        Entry::check(
            fields.clone(),
            p.id.clone().unwrap_or_else(|| "new".into()),
            0,
            &rules.rules.engine,
        )
        .map_err(|problems| ServiceError::Invalid(problems.join("; ")))?;
        let record = self.count_store(self.store.propose_suppression(NewSuppression {
            by: by.clone(),
            fields,
            via: "api".into(),
            from_review: p.review,
        }))?;
        tracing::info!(suppression = %record.id, by = %by.name, "suppression proposed; it applies once another person approves it");
        Ok(record)
    }

    /// Approves, rejects or revokes suppression `id`. Approving and revoking change what is
    /// in force at once.
    pub fn change_suppression(
        &self,
        by: &Actor,
        id: &str,
        change: SuppressionChange,
        reason: &str,
    ) -> Result<SuppressionRecord, ServiceError> {
        let reason = reason.trim();
        if reason.chars().count() > MAX_REASON_CHARS {
            return Err(ServiceError::Invalid(format!(
                "field `reason`: at most {MAX_REASON_CHARS} characters"
            )));
        }
        if change != SuppressionChange::Approve && reason.is_empty() {
            return Err(ServiceError::Invalid(
                "field `reason`: say why it is rejected or revoked".into(),
            ));
        }
        if change == SuppressionChange::Expire {
            return Err(ServiceError::Invalid(
                "a suppression expires on its date, by itself".into(),
            ));
        }
        if change == SuppressionChange::Approve {
            // It must still pass the checks under the rules in force.
            let record = self
                .count_store(self.store.suppressions())?
                .into_iter()
                .find(|r| r.id == id)
                .ok_or_else(|| ServiceError::NotFound(format!("no suppression with id {id}")))?;
            Entry::check(
                record.fields.clone(),
                id.to_string(),
                0,
                &self.rules().engine,
            )
            .map_err(|p| {
                ServiceError::Conflict(format!(
                    "suppression {id} cannot apply under the rules in force: {}",
                    p.join("; ")
                ))
            })?;
            if expired(&record, (self.today)()) {
                return Err(ServiceError::Conflict(format!(
                    "suppression {id} expired before it was approved; propose it again with a new date"
                )));
            }
        }
        let record = self.count_store(self.store.change_suppression(id, by, change, reason))?;
        tracing::info!(suppression = %record.id, by = %by.name, state = record.state.as_str(), "suppression changed");
        self.refresh_suppressions()?;
        Ok(record)
    }

    /// Records the entries of the rules directory's suppression file that the store does not
    /// know yet as proposals by their `added_by` (read from that file): like any proposal,
    /// they apply only once another person approves them. An entry whose id names a recorded
    /// suppression with other fields is refused: a changed entry needs a new id.
    ///
    /// At start-up no one is signed in: a proposal read then is its named author's. On a
    /// reload, the person who reloaded is its proposer, so neither they nor the author approve
    /// it.
    pub fn import_suppressions(&self) -> Result<Vec<String>, ServiceError> {
        let file = self.suppression_file(&self.rules().engine)?;
        self.import_checked(file, None)
    }

    /// Reads and checks the rules directory's suppression file against `engine`'s rules and
    /// the suppressions recorded, changing nothing.
    pub(super) fn suppression_file(
        &self,
        engine: &crate::engine::Engine,
    ) -> Result<Option<Suppressions>, ServiceError> {
        let Some(dir) = self.rules_dir.clone() else {
            return Ok(None);
        };
        let path = dir.join(suppress::FILE_NAME);
        let rejected =
            |errors: Vec<String>| ServiceError::RulesRejected(errors, Default::default());
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(rejected(vec![format!(
                    "cannot read {}: {e}",
                    path.display()
                )]))
            }
        };
        let file = Suppressions::parse(&text, &path.display().to_string(), engine)
            .map_err(|errs| rejected(errs.iter().map(ToString::to_string).collect()))?;
        let known = self.count_store(self.store.suppressions())?;
        let today = (self.today)();
        let mut problems = Vec::new();
        for e in &file.entries {
            // The service's own limits on a proposal, for entries it has not recorded yet.
            let place = format!("{}:{}", path.display(), e.line);
            if !known.iter().any(|r| r.id == e.id) && e.active(today) {
                if let Err(m) = check_id(&e.id) {
                    problems.push(format!("{place}: {m}"));
                }
                if e.reason.chars().count() > MAX_REASON_CHARS {
                    problems.push(format!(
                        "{place}: `reason`: at most {MAX_REASON_CHARS} characters"
                    ));
                }
                if e.expires.0 - today.0 > MAX_DAYS {
                    problems.push(format!(
                        "{place}: `expires`: at most two years ahead ({}); a longer-lived exception belongs in the rules",
                        Day(today.0 + MAX_DAYS)
                    ));
                }
            }
            if let Some(r) = known.iter().find(|r| r.id == e.id) {
                let mut a = r.fields.clone();
                a.added_by = None;
                let mut b = e.fields();
                b.added_by = None;
                if a != b {
                    problems.push(format!(
                        "{}:{}: the suppression {} is recorded ({}) with other fields; a changed entry needs a new id",
                        path.display(),
                        e.line,
                        e.id,
                        r.state.as_str()
                    ));
                }
            }
        }
        if !problems.is_empty() {
            return Err(rejected(problems));
        }
        Ok(Some(file))
    }

    /// Records the entries of a checked suppression file not recorded yet (and not expired)
    /// as proposals by their authors.
    pub(super) fn import_checked(
        &self,
        file: Option<Suppressions>,
        by: Option<&Actor>,
    ) -> Result<Vec<String>, ServiceError> {
        let Some(file) = file else {
            return Ok(Vec::new());
        };
        let known = self.count_store(self.store.suppressions())?;
        let today = (self.today)();
        let mut proposed = Vec::new();
        for e in &file.entries {
            if known.iter().any(|r| r.id == e.id) || !e.active(today) {
                continue;
            }
            let by = by.cloned().unwrap_or_else(|| Actor {
                name: e.added_by.clone(),
                role: Role::Maintainer,
            });
            let record = self.count_store(self.store.propose_suppression(NewSuppression {
                by,
                fields: e.fields(),
                via: file.source.clone(),
                from_review: None,
            }))?;
            proposed.push(record.id);
        }
        if !proposed.is_empty() {
            tracing::info!(count = proposed.len(), file = %file.source, "suppressions read from the rules directory await approval");
        }
        Ok(proposed)
    }

    /// For the re-check pass: whether review `id`'s engine approve of bytes `sha`, made under
    /// `shown`, rested on a suppression and was made under another set than `rules`'.
    pub(super) fn approved_by_suppression(
        &self,
        rules: &InForce,
        sha: &str,
        shown: &str,
    ) -> Result<bool, ServiceError> {
        if shown == rules.scan_id || !shown.contains('+') {
            return Ok(false);
        }
        let Some(state) = self.count_store(self.store.content_state(sha))? else {
            return Ok(false);
        };
        Ok(state.latest_override.is_none() && state.scan.is_some_and(|s| !s.suppressed.is_empty()))
    }
}

/// A client's text in an error message: at most 40 characters.
fn shown(s: &str) -> String {
    s.chars().take(40).collect()
}

/// A suppression's id: 1 to 40 letters, digits, `-`, `_` or `.`.
fn check_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.chars().count() <= 40
        && id
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err("`id`: 1 to 40 letters, digits, `-`, `_` or `.`".into())
    }
}

/// Whether a suppression's expiry day is before `today`.
fn expired(r: &SuppressionRecord, today: Day) -> bool {
    r.fields
        .expires
        .as_deref()
        .and_then(Day::parse)
        .is_some_and(|d| d < today)
}
