//! What a rule change does to a document: compare its reports under the old and the new rule
//! set. Pure; `baomi rules diff` runs it over a corpus.

use crate::engine::{Decision, Finding, Report};
use serde::Serialize;
use std::collections::BTreeMap;

/// How one document's result changes between two rule sets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReportDiff {
    pub old_decision: Decision,
    pub new_decision: Decision,
    /// Findings only the new rule set makes, as `rule (severity) line:column`.
    pub added: Vec<String>,
    /// Findings only the old rule set made.
    pub removed: Vec<String>,
    /// The rules behind the change, with how many findings each gained (+) or lost (-).
    pub rules: BTreeMap<String, i64>,
}

/// A finding's identity across the two reports: rule, severity and span.
type Key = (String, String, usize, usize);

fn key(f: &Finding) -> Key {
    (f.rule.clone(), f.severity.to_string(), f.start, f.end)
}

fn label(f: &Finding) -> String {
    format!("{} ({}) {}:{}", f.rule, f.severity, f.line, f.column)
}

/// `None` when the decision and every finding (rule, severity, span) are the same.
pub fn diff_reports(old: &Report, new: &Report) -> Option<ReportDiff> {
    let mut counts: BTreeMap<Key, (i64, &Finding)> = BTreeMap::new();
    for f in &old.findings {
        counts.entry(key(f)).or_insert((0, f)).0 -= 1;
    }
    for f in &new.findings {
        counts.entry(key(f)).or_insert((0, f)).0 += 1;
    }
    let mut diff = ReportDiff {
        old_decision: old.decision,
        new_decision: new.decision,
        added: Vec::new(),
        removed: Vec::new(),
        rules: BTreeMap::new(),
    };
    for ((rule, ..), (n, f)) in &counts {
        if *n > 0 {
            diff.added.push(label(f));
        } else if *n < 0 {
            diff.removed.push(label(f));
        } else {
            continue;
        }
        *diff.rules.entry(rule.clone()).or_default() += n;
    }
    if diff.added.is_empty() && diff.removed.is_empty() && old.decision == new.decision {
        None
    } else {
        Some(diff)
    }
}
