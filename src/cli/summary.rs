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
    /// The name a clerk reads of each rule counted (its id when it has none).
    #[serde(skip)]
    pub(crate) rule_names: BTreeMap<String, String>,
    /// The files with the most hold findings (at most 10).
    pub(crate) top_files: Vec<(String, usize)>,
    pub(crate) seconds: f64,
    pub(crate) files_per_second: f64,
    pub(crate) mb_per_second: f64,
    pub(crate) ruleset: String,
    /// With `--baseline`: findings new, unchanged and fixed since the baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) baseline: Option<BaselineCounts>,
    /// Per site section (see [`super::sections`]), for the report per office.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) sections: BTreeMap<String, super::sections::SectionCounts>,
    /// Findings a suppression in force covered (shown, not deciding).
    #[serde(skip_serializing_if = "is_zero")]
    pub(crate) suppressed: usize,
    /// Suppressions past their expiry: no longer applied (`file:line id（who，day）：reason`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) expired_suppressions: Vec<String>,
    /// The day of the audit (`YYYY-MM-DD`, UTC) and what was scanned.
    pub(crate) date: String,
    pub(crate) roots: Vec<String>,
}

/// Findings against a baseline (`scan --baseline`).
#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct BaselineCounts {
    pub(crate) new: usize,
    pub(crate) unchanged: usize,
    /// The findings of the baseline this audit did not see again.
    pub(crate) fixed: Vec<super::baseline::Entry>,
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
            if !self.rule_names.contains_key(&f.rule) {
                self.rule_names
                    .insert(f.rule.clone(), f.rule_label().to_string());
            }
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

    /// A rule as a clerk reads it: `身份证号码（resident_id）`, or the id alone when it has no
    /// name.
    pub(crate) fn rule_label(&self, id: &str) -> String {
        match self.rule_names.get(id) {
            Some(name) if name != id => format!("{name}（{id}）"),
            _ => id.to_string(),
        }
    }
}

/// A category as a clerk reads it: `个人隐私（personal_privacy）`.
pub(crate) fn category_label(code: &str) -> String {
    match Category::parse(code) {
        Some(c) => format!("{}（{code}）", c.zh()),
        None => code.to_string(),
    }
}

/// `s` padded with spaces to `width` terminal columns (Chinese characters take two).
pub(crate) fn pad(s: &str, width: usize) -> String {
    let used: usize = s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    format!("{s}{}", " ".repeat(width.saturating_sub(used)))
}

/// The `--summary` table.
pub(super) fn print_summary(out: &mut dyn Write, s: &Summary) -> std::io::Result<()> {
    writeln!(out, "baomi 扫描汇总 — 规则集 {}", s.ruleset)?;
    writeln!(
        out,
        "  {} 个文件，{:.1} MB：通过 {}，暂缓发布 {}，无法读取 {}，被过滤跳过 {}，取自缓存 {}",
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
        "  {:.2} 秒，每秒 {:.0} 个文件，{:.1} MB/秒",
        s.seconds, s.files_per_second, s.mb_per_second
    )?;
    if let Some(b) = &s.baseline {
        writeln!(
            out,
            "  与基线相比：新增 {}，未改 {}，已修复 {}",
            b.new,
            b.unchanged,
            b.fixed.len()
        )?;
    }
    if s.sections.len() > 1 || s.baseline.is_some() {
        print_sections(out, s)?;
    }
    if !s.held_by_category.is_empty() {
        writeln!(out, "\n暂缓发布的文件，按类别：")?;
        for (c, n) in &s.held_by_category {
            writeln!(out, "  {} {n}", pad(&category_label(c), 32))?;
        }
    }
    if !s.findings_by_rule.is_empty() {
        writeln!(out, "\n发现，按规则（拦截 / 提示）：")?;
        for (r, h, w) in s.rules_by_count() {
            writeln!(out, "  {} {h:>6} / {w}", pad(&s.rule_label(r), 56))?;
        }
    }
    if !s.top_files.is_empty() {
        writeln!(out, "\n拦截发现最多的文件：")?;
        for (p, n) in &s.top_files {
            writeln!(out, "  {n:>5}  {p}")?;
        }
    }
    Ok(())
}

/// The figures per section (单位/栏目): files, files held, hold findings per category, and with
/// a baseline the new, unchanged and fixed findings and the age of the oldest unfixed one.
fn print_sections(out: &mut dyn Write, s: &Summary) -> std::io::Result<()> {
    writeln!(out, "\n按栏目（单位）：")?;
    let baseline = s.baseline.is_some();
    for (name, c) in &s.sections {
        write!(
            out,
            "  {} 文件 {}，暂缓 {}，拦截发现 {}",
            pad(name, 24),
            c.files,
            c.held,
            c.holds_text()
        )?;
        if baseline {
            write!(
                out,
                "；新增 {}，未改 {}，已修复 {}",
                c.new, c.unchanged, c.fixed
            )?;
            if let Some(days) = c.oldest_age_days(&s.date) {
                write!(out, "，最早未整改 {days} 天")?;
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
