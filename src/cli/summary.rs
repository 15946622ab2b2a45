//! The totals of a scan: for `--summary`, the HTML report and the closing line.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

/// Totals for `--summary`, the HTML report and the closing line.
#[derive(Default, Serialize)]
pub(crate) struct Summary {
    pub(crate) files: usize,
    pub(crate) bytes: u64,
    pub(crate) approve: usize,
    pub(crate) hold: usize,
    pub(crate) errors: usize,
    pub(crate) skipped: usize,
    pub(crate) cached: usize,
    /// Files with at least one hold finding in the category.
    pub(crate) held_by_category: BTreeMap<String, usize>,
    /// Findings per rule: (hold, warn).
    pub(crate) findings_by_rule: BTreeMap<String, (usize, usize)>,
    /// The files with the most hold findings (at most 10).
    pub(crate) top_files: Vec<(String, usize)>,
    pub(crate) seconds: f64,
    pub(crate) files_per_second: f64,
    pub(crate) mb_per_second: f64,
    pub(crate) ruleset: String,
}

impl Summary {
    /// Findings per rule as (rule, hold, warn), most holds first.
    pub(crate) fn rules_by_count(&self) -> Vec<(&str, usize, usize)> {
        let mut rules: Vec<(&str, usize, usize)> = self
            .findings_by_rule
            .iter()
            .map(|(r, &(h, w))| (r.as_str(), h, w))
            .collect();
        rules.sort_by(|a, b| (b.1, b.2).cmp(&(a.1, a.2)).then_with(|| a.0.cmp(b.0)));
        rules
    }
}

pub(super) fn print_summary(out: &mut dyn Write, s: &Summary) {
    let _ = writeln!(out, "baomi scan summary — rule set {}", s.ruleset);
    let _ = writeln!(
        out,
        "  {} file(s), {:.1} MB: {} approve, {} hold, {} error(s), {} skipped by filters, {} from cache",
        s.files + s.errors,
        s.bytes as f64 / 1e6,
        s.approve,
        s.hold,
        s.errors,
        s.skipped,
        s.cached
    );
    let _ = writeln!(
        out,
        "  {:.2} s, {:.0} files/s, {:.1} MB/s",
        s.seconds, s.files_per_second, s.mb_per_second
    );
    if !s.held_by_category.is_empty() {
        let _ = writeln!(out, "\nFiles held, by category:");
        for (c, n) in &s.held_by_category {
            let _ = writeln!(out, "  {c:<20} {n}");
        }
    }
    if !s.findings_by_rule.is_empty() {
        let _ = writeln!(out, "\nFindings by rule (hold / warn):");
        for (r, h, w) in s.rules_by_count() {
            let _ = writeln!(out, "  {r:<36} {h:>6} / {w}");
        }
    }
    if !s.top_files.is_empty() {
        let _ = writeln!(out, "\nFiles with the most hold findings:");
        for (p, n) in &s.top_files {
            let _ = writeln!(out, "  {n:>5}  {p}");
        }
    }
}
