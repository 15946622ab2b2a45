//! The totals of a scan: for `--summary`, the HTML report and the closing line.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::engine::{Category, Decision, Finding, Severity};

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

/// The running list of the files with the most hold findings is cut back to the ten best
/// whenever it grows past this.
const TOP_KEPT: usize = 64;

impl Summary {
    /// Counts a scanned file, in walk order.
    pub(crate) fn add_file(
        &mut self,
        path: &str,
        decision: Decision,
        len: usize,
        cached: bool,
        findings: &[Finding],
    ) {
        self.files += 1;
        self.bytes += len as u64;
        self.cached += usize::from(cached);
        match decision {
            Decision::Hold => self.hold += 1,
            Decision::Approve => self.approve += 1,
        }
        let mut holds = 0;
        let mut cats: Vec<Category> = Vec::new();
        for f in findings {
            let e = self.findings_by_rule.entry(f.rule.clone()).or_default();
            if f.severity == Severity::Hold {
                e.0 += 1;
                holds += 1;
                if !cats.contains(&f.category) {
                    cats.push(f.category);
                }
            } else {
                e.1 += 1;
            }
        }
        for c in cats {
            *self.held_by_category.entry(c.to_string()).or_default() += 1;
        }
        if holds > 0 {
            self.top_files.push((path.to_string(), holds));
            if self.top_files.len() > TOP_KEPT {
                self.cut_top_files();
            }
        }
    }

    /// Counts a file that could not be scanned.
    pub(crate) fn add_error(&mut self) {
        self.errors += 1;
    }

    /// Closes the totals after the last file: the time taken, the rates, the files skipped by
    /// the filters and the final list of the files with the most hold findings.
    pub(crate) fn close(&mut self, seconds: f64, skipped: usize) {
        self.skipped = skipped;
        let secs = seconds.max(1e-9);
        self.seconds = secs;
        self.files_per_second = self.files as f64 / secs;
        self.mb_per_second = self.bytes as f64 / 1e6 / secs;
        self.cut_top_files();
    }

    fn cut_top_files(&mut self) {
        self.top_files
            .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        self.top_files.truncate(10);
    }

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

/// The `--summary` table.
pub(super) fn print_summary(out: &mut dyn Write, s: &Summary) -> std::io::Result<()> {
    writeln!(out, "baomi scan summary — rule set {}", s.ruleset)?;
    writeln!(
        out,
        "  {} file(s), {:.1} MB: {} approve, {} hold, {} error(s), {} skipped by filters, {} from cache",
        s.files + s.errors,
        s.bytes as f64 / 1e6,
        s.approve,
        s.hold,
        s.errors,
        s.skipped,
        s.cached
    )?;
    writeln!(
        out,
        "  {:.2} s, {:.0} files/s, {:.1} MB/s",
        s.seconds, s.files_per_second, s.mb_per_second
    )?;
    if !s.held_by_category.is_empty() {
        writeln!(out, "\nFiles held, by category:")?;
        for (c, n) in &s.held_by_category {
            writeln!(out, "  {c:<20} {n}")?;
        }
    }
    if !s.findings_by_rule.is_empty() {
        writeln!(out, "\nFindings by rule (hold / warn):")?;
        for (r, h, w) in s.rules_by_count() {
            writeln!(out, "  {r:<36} {h:>6} / {w}")?;
        }
    }
    if !s.top_files.is_empty() {
        writeln!(out, "\nFiles with the most hold findings:")?;
        for (p, n) in &s.top_files {
            writeln!(out, "  {n:>5}  {p}")?;
        }
    }
    Ok(())
}
