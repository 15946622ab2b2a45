//! The outputs of `baomi scan`, each behind one trait, as ripgrep's printers sit behind its
//! sink: the scan hands every file to a [`Printer`] in walk order, then the totals; the
//! printer decides what to write and when. One per output: [`Text`], [`JsonLines`],
//! [`Sarif`], [`SummaryTable`] (`--summary`) and [`Html`] (`--html FILE`, written beside the
//! main output).
//!
//! Every write is checked: a printer returns the first error of its writer, and the scan
//! stops there (see [`super::scan`] for what it then says and exits with).

use std::io::{self, Write};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::baseline::State;
use super::html_report::HtmlReport;
use super::summary::{pad, print_summary, Summary};
use crate::engine::{Decision, Finding, Severity};
use crate::rules::RuleSet;
use crate::suppress::Mark;

/// A scanned file, as printed and cached.
#[derive(Clone, Serialize, Deserialize)]
pub(super) struct Scanned {
    pub(super) decision: Decision,
    /// Empty when no output and no cache needed it.
    pub(super) sha256: String,
    pub(super) len: usize,
    pub(super) findings: Vec<Finding>,
    /// With `--baseline`: each finding's state, in order (empty otherwise).
    #[serde(skip)]
    pub(super) baseline: Vec<State>,
    /// With suppressions: the suppression covering each finding, in order (empty when none
    /// covers any). A suppressed finding no longer decides.
    #[serde(skip)]
    pub(super) suppressed: Vec<Option<Mark>>,
    /// With `--baseline`: each finding's fingerprint, computed by the worker that scanned it
    /// and cached with the findings.
    #[serde(default, skip_serializing_if = "Vec::is_empty", rename = "fp")]
    pub(super) fingerprints: Vec<String>,
    /// The id of the key `fingerprints` were made with.
    #[serde(default, skip_serializing_if = "String::is_empty", rename = "fp_key")]
    pub(super) fingerprint_key: String,
}

impl Scanned {
    /// The findings no suppression covers: those that decide and are counted.
    pub(super) fn live(&self) -> std::borrow::Cow<'_, [Finding]> {
        if self.suppressed.is_empty() {
            return std::borrow::Cow::Borrowed(&self.findings);
        }
        std::borrow::Cow::Owned(
            self.findings
                .iter()
                .enumerate()
                .filter(|(i, _)| self.mark(*i).is_none())
                .map(|(_, f)| f.clone())
                .collect(),
        )
    }

    /// The suppression covering finding `i`, if any.
    pub(super) fn mark(&self, i: usize) -> Option<&Mark> {
        self.suppressed.get(i).and_then(Option::as_ref)
    }
}

/// One output of the scan.
pub(super) trait Printer {
    /// Before the first file.
    fn begin(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// One file, in walk order: what its scan found, or why it could not be scanned.
    fn file(&mut self, path: &str, result: Result<&Scanned, &str>) -> io::Result<()>;

    /// After the last file, with the totals; writes everything still held back.
    fn finish(&mut self, summary: &Summary) -> io::Result<()>;
}

/// For people: per file the decision and masked findings, then (for more than one file) a
/// closing line. Colour codes are written always; the caller's writer strips them when the
/// output is no terminal.
pub(super) struct Text<W> {
    out: W,
}

impl<W: Write> Text<W> {
    pub(super) fn new(out: W) -> Self {
        Text { out }
    }
}

impl<W: Write> Printer for Text<W> {
    fn file(&mut self, path: &str, result: Result<&Scanned, &str>) -> io::Result<()> {
        match result {
            Ok(s) => print_text(&mut self.out, path, s),
            Err(message) => writeln!(
                self.out,
                "\x1b[1m{path}\x1b[0m: \x1b[35m错误 ERROR\x1b[0m {message}"
            ),
        }
    }

    fn finish(&mut self, s: &Summary) -> io::Result<()> {
        if let Some(b) = &s.baseline {
            writeln!(
                self.out,
                "\n与基线相比：新增 {}，未改 {}，已修复 {}",
                b.new,
                b.unchanged,
                b.fixed.len()
            )?;
            for e in &b.fixed {
                let rule = if e.rule_name.is_empty() {
                    e.rule.clone()
                } else {
                    format!("{}（{}）", e.rule_name, e.rule)
                };
                writeln!(
                    self.out,
                    "  \x1b[32m已修复\x1b[0m {}:{} {} {}",
                    e.path,
                    e.line,
                    e.category.zh(),
                    rule
                )?;
            }
        }
        if s.suppressed > 0 {
            writeln!(
                self.out,
                "\n已豁免 {} 处发现（按豁免清单，不计入决定）",
                s.suppressed
            )?;
        }
        for line in &s.expired_suppressions {
            writeln!(self.out, "\x1b[33m豁免已过期，不再适用\x1b[0m {line}")?;
        }
        if s.files + s.errors > 1 {
            writeln!(
                self.out,
                "\n{} 个文件：通过 {}，暂缓发布 {}，无法读取 {} — 规则集 {}",
                s.files + s.errors,
                s.approve,
                s.hold,
                s.errors,
                s.ruleset
            )?;
        }
        self.out.flush()
    }
}

fn print_text(out: &mut dyn Write, path: &str, s: &Scanned) -> io::Result<()> {
    let (findings, decision) = (&s.findings, s.decision);
    let verdict = match decision {
        Decision::Hold => "\x1b[1;31m暂缓发布 HOLD\x1b[0m",
        Decision::Approve => "\x1b[1;32m通过 APPROVE\x1b[0m",
    };
    let holds = findings
        .iter()
        .enumerate()
        .filter(|(i, f)| f.severity == Severity::Hold && s.mark(*i).is_none())
        .count();
    let quiet = (0..findings.len()).filter(|&i| s.mark(i).is_some()).count();
    writeln!(
        out,
        "\x1b[1m{path}\x1b[0m: {verdict}（拦截 {holds}，提示 {}{}）",
        findings.len() - holds - quiet,
        if quiet > 0 {
            format!("，已豁免 {quiet}")
        } else {
            String::new()
        }
    )?;
    for (i, f) in findings.iter().enumerate() {
        let sev = match f.severity {
            Severity::Hold => "\x1b[31m拦截\x1b[0m",
            Severity::Warn => "\x1b[33m提示\x1b[0m",
        };
        let state = match (s.mark(i), s.baseline.get(i)) {
            (Some(m), _) => format!(
                "\x1b[2m[已豁免 {}：{}，至 {}]\x1b[0m ",
                m.id, m.reason, m.expires
            ),
            (None, Some(st @ State::New)) => format!("\x1b[1m[{}]\x1b[0m ", st.zh()),
            (None, Some(st @ State::Unchanged)) => format!("\x1b[2m[{}]\x1b[0m ", st.zh()),
            (None, None) => String::new(),
        };
        let place = match f.where_zh() {
            w if w.is_empty() => w,
            w => format!("（{w}）"),
        };
        let rule = if f.rule_name.is_empty() {
            f.rule.clone()
        } else {
            format!("{}（{}）", f.rule_name, f.rule)
        };
        writeln!(
            out,
            "  {state}{:>4}:{:<3} {} {} {}  {}  — {}{place}",
            f.line,
            f.column,
            pad(f.category.zh(), 8),
            pad(&rule, 40),
            sev,
            f.shown_text(),
            f.reason
        )?;
    }
    Ok(())
}

/// JSON Lines, one object per file (with its SHA-256, so the scan must compute it).
pub(super) struct JsonLines<W> {
    out: W,
    ruleset: String,
}

impl<W: Write> JsonLines<W> {
    pub(super) fn new(out: W, ruleset: &str) -> Self {
        JsonLines {
            out,
            ruleset: ruleset.to_string(),
        }
    }
}

#[derive(Serialize)]
struct JsonResult<'a> {
    path: &'a str,
    decision: Decision,
    sha256: &'a str,
    ruleset: &'a str,
    findings: &'a [Finding],
    /// With `--baseline`: `new` or `unchanged` for each finding, in order.
    #[serde(skip_serializing_if = "<[State]>::is_empty")]
    baseline: &'a [State],
    /// With suppressions: the suppression covering each finding, or null, in order.
    #[serde(skip_serializing_if = "<[Option<Mark>]>::is_empty")]
    suppressed: &'a [Option<Mark>],
}

/// The last line of JSON Lines with `--baseline`: the counts and the findings fixed.
#[derive(Serialize)]
struct JsonBaseline<'a> {
    baseline: &'a super::summary::BaselineCounts,
}

#[derive(Serialize)]
struct JsonError<'a> {
    path: &'a str,
    error: &'a str,
}

impl<W: Write> Printer for JsonLines<W> {
    fn file(&mut self, path: &str, result: Result<&Scanned, &str>) -> io::Result<()> {
        let line = match result {
            Ok(s) => serde_json::to_string(&JsonResult {
                path,
                decision: s.decision,
                sha256: &s.sha256,
                ruleset: &self.ruleset,
                findings: &s.findings,
                baseline: &s.baseline,
                suppressed: &s.suppressed,
            }),
            Err(error) => serde_json::to_string(&JsonError { path, error }),
        };
        writeln!(self.out, "{}", line.unwrap_or_default())
    }

    fn finish(&mut self, s: &Summary) -> io::Result<()> {
        if let Some(baseline) = &s.baseline {
            let line = serde_json::to_string(&JsonBaseline { baseline }).unwrap_or_default();
            writeln!(self.out, "{line}")?;
        }
        if s.suppressed > 0 || !s.expired_suppressions.is_empty() {
            let line = serde_json::json!({"suppressions": {
                "suppressed": s.suppressed,
                "expired": s.expired_suppressions,
            }});
            writeln!(self.out, "{line}")?;
        }
        self.out.flush()
    }
}

/// `--summary`: nothing per file, the totals at the end — a table, or one JSON object.
pub(super) struct SummaryTable<W> {
    out: W,
    json: bool,
}

impl<W: Write> SummaryTable<W> {
    pub(super) fn new(out: W, json: bool) -> Self {
        SummaryTable { out, json }
    }
}

impl<W: Write> Printer for SummaryTable<W> {
    fn file(&mut self, _: &str, _: Result<&Scanned, &str>) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self, s: &Summary) -> io::Result<()> {
        if self.json {
            writeln!(self.out, "{}", serde_json::to_string(s).unwrap_or_default())?;
        } else {
            print_summary(&mut self.out, s)?;
        }
        self.out.flush()
    }
}

/// SARIF 2.1.0, written as results arrive: the `results` array first, then the tool and its
/// rules, then the invocation (JSON objects are unordered, so this is valid SARIF). Files that
/// could not be scanned become notifications of the invocation, held until the end.
pub(super) struct Sarif<'a, W> {
    out: W,
    rules: &'a RuleSet,
    any: bool,
    notifications: Vec<serde_json::Value>,
}

impl<'a, W: Write> Sarif<'a, W> {
    pub(super) fn new(out: W, rules: &'a RuleSet) -> Self {
        Sarif {
            out,
            rules,
            any: false,
            notifications: Vec::new(),
        }
    }
}

impl<W: Write> Printer for Sarif<'_, W> {
    fn begin(&mut self) -> io::Result<()> {
        write!(
            self.out,
            "{{\"version\":\"2.1.0\",\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"runs\":[{{\"results\":["
        )
    }

    fn file(&mut self, path: &str, result: Result<&Scanned, &str>) -> io::Result<()> {
        let s = match result {
            Ok(s) => s,
            Err(message) => {
                self.notifications.push(serde_json::json!({
                    "level": "error",
                    "message": { "text": message },
                    "locations": [{ "physicalLocation": { "artifactLocation": { "uri": uri(path) } } }]
                }));
                return Ok(());
            }
        };
        for (i, f) in s.findings.iter().enumerate() {
            let mut result = serde_json::json!({
                "ruleId": f.rule,
                "level": if f.severity == Severity::Hold { "error" } else { "warning" },
                "message": { "text": format!("{}·{}：{} — {}", f.category.zh(), f.rule_label(), f.shown_text(), f.reason) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(path) },
                        "region": { "startLine": f.line, "startColumn": f.column }
                    }
                }],
                "properties": {
                    "category": f.category,
                    "severity": f.severity,
                    "location": f.location,
                    "sheet": f.place.sheet,
                    "cell": f.place.cell,
                    "page": f.place.page,
                }
            });
            if let Some(state) = s.baseline.get(i) {
                result["baselineState"] = state.sarif().into();
            }
            if let Some(m) = s.mark(i) {
                result["suppressions"] = serde_json::json!([{
                    "kind": "external",
                    "status": "accepted",
                    "justification": format!("{}：{}（{} 添加，至 {}）", m.id, m.reason, m.added_by, m.expires),
                }]);
            }
            write!(self.out, "{}{result}", if self.any { "," } else { "" })?;
            self.any = true;
        }
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        // Findings of the baseline not seen again: fixed, `absent` in SARIF's words.
        for e in summary.baseline.iter().flat_map(|b| &b.fixed) {
            let result = serde_json::json!({
                "ruleId": e.rule,
                "level": "none",
                "kind": "pass",
                "baselineState": "absent",
                "message": { "text": format!("已修复：{}·{}", e.category.zh(), e.rule_label()) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&e.path) },
                        "region": { "startLine": e.line }
                    }
                }],
                "properties": { "category": e.category, "severity": e.severity }
            });
            write!(self.out, "{}{result}", if self.any { "," } else { "" })?;
            self.any = true;
        }
        let mut rules: Vec<serde_json::Value> = self
            .rules
            .engine
            .rules()
            .map(|r| {
                let name = if r.name.is_empty() { &r.id } else { &r.name };
                let full = if r.description.is_empty() { name } else { &r.description };
                serde_json::json!({
                    "id": r.id,
                    "name": name,
                    "shortDescription": { "text": name },
                    "fullDescription": { "text": full },
                    "defaultConfiguration": { "level": if r.severity == Severity::Hold { "error" } else { "warning" } },
                    "properties": { "category": r.category }
                })
            })
            .collect();
        for (id, name, text) in [
            (
                crate::pipeline::RULE_DOCX_COMMENT,
                "Word 批注",
                "Word 批注（审阅痕迹）",
            ),
            (
                crate::pipeline::RULE_DOCX_TRACKED_CHANGE,
                "Word 修订痕迹",
                "Word 修订（审阅痕迹）",
            ),
        ] {
            rules.push(serde_json::json!({
                "id": id,
                "name": name,
                "shortDescription": { "text": name },
                "fullDescription": { "text": text },
                "defaultConfiguration": { "level": "error" },
                "properties": { "category": "process_internal" }
            }));
        }
        let mut driver = serde_json::json!({
            "name": "baomi",
            "version": env!("CARGO_PKG_VERSION"),
            "properties": { "ruleset": self.rules.id },
            "rules": rules
        });
        // `informationUri` is optional: given only when Cargo.toml names the repository.
        let repository = env!("CARGO_PKG_REPOSITORY");
        if !repository.is_empty() {
            driver["informationUri"] = repository.into();
        }
        let tool = serde_json::json!({ "driver": driver });
        for line in &summary.expired_suppressions {
            self.notifications.push(serde_json::json!({
                "level": "warning",
                "message": { "text": format!("豁免已过期，不再适用：{line}") },
            }));
        }
        let invocation = serde_json::json!([{
            "executionSuccessful": summary.errors == 0,
            "toolExecutionNotifications": self.notifications
        }]);
        writeln!(
            self.out,
            "],\"tool\":{tool},\"invocations\":{invocation}}}]}}"
        )?;
        self.out.flush()
    }
}

/// A relative path as a URI reference: `/` kept, everything outside the unreserved set
/// percent-encoded (Chinese file names included).
fn uri(path: &str) -> String {
    let mut s = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// `--html FILE`: the page is built in memory while the scan runs (files with findings and
/// files that could not be read; approved files without findings are only counted) and
/// written to its file at the end. A failure to write it is the caller's to word.
pub(super) struct Html {
    file: PathBuf,
    report: HtmlReport,
}

impl Html {
    pub(super) fn new(file: PathBuf) -> Self {
        Html {
            file,
            report: HtmlReport::default(),
        }
    }

    pub(super) fn path(&self) -> &std::path::Path {
        &self.file
    }
}

impl Printer for Html {
    fn file(&mut self, path: &str, result: Result<&Scanned, &str>) -> io::Result<()> {
        match result {
            Ok(s) => self.report.file(path, s.decision, &s.findings),
            Err(message) => self.report.error(path, message),
        }
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        std::fs::write(&self.file, self.report.render(summary))
    }
}

/// CSV, UTF-8 with a byte-order mark (so that Excel and WPS read it as UTF-8): a row per
/// finding (its text masked as on the terminal), or with `--summary` a row per site section.
/// Fields are quoted as RFC 4180 asks, and a field that a spreadsheet would take for a formula
/// (`=`, `+`, `-`, `@` first) is led by an apostrophe.
pub(super) struct Csv<W> {
    out: W,
    summary: bool,
    /// The site sections, to name each finding's.
    sections: Option<super::sections::Sections>,
}

impl<W: Write> Csv<W> {
    pub(super) fn new(out: W, summary: bool) -> Self {
        Csv {
            out,
            summary,
            sections: None,
        }
    }

    pub(super) fn with_sections(mut self, sections: super::sections::Sections) -> Self {
        self.sections = Some(sections);
        self
    }

    fn row(&mut self, fields: &[&str]) -> io::Result<()> {
        let line: Vec<String> = fields.iter().map(|f| crate::csv_field(f)).collect();
        write!(self.out, "{}\r\n", line.join(","))
    }
}

impl<W: Write> Printer for Csv<W> {
    fn begin(&mut self) -> io::Result<()> {
        self.out.write_all("\u{feff}".as_bytes())?;
        if !self.summary {
            self.row(&[
                "栏目",
                "文件",
                "行",
                "列",
                "类别",
                "规则",
                "级别",
                "与基线相比",
                "内容（已遮盖）",
                "理由",
                "豁免",
            ])?;
        }
        Ok(())
    }

    fn file(&mut self, path: &str, result: Result<&Scanned, &str>) -> io::Result<()> {
        if self.summary {
            return Ok(());
        }
        let section = self
            .sections
            .as_ref()
            .map_or_else(String::new, |s| s.of(path));
        match result {
            Ok(s) => {
                for (i, f) in s.findings.iter().enumerate() {
                    let state = s.baseline.get(i).map_or("", |st| st.zh());
                    let quiet = s.mark(i).map_or_else(String::new, |m| {
                        format!("{}：{}（至 {}）", m.id, m.reason, m.expires)
                    });
                    self.row(&[
                        &section,
                        path,
                        &f.line.to_string(),
                        &f.column.to_string(),
                        f.category.zh(),
                        f.rule_label(),
                        f.severity.zh(),
                        state,
                        &f.shown_text(),
                        &f.reason,
                        &quiet,
                    ])?;
                }
                Ok(())
            }
            Err(message) => self.row(&[
                &section,
                path,
                "",
                "",
                "无法读取",
                "",
                "错误",
                "",
                "",
                message,
                "",
            ]),
        }
    }

    fn finish(&mut self, s: &Summary) -> io::Result<()> {
        if self.summary {
            let mut head: Vec<String> = vec![
                "栏目（单位）".into(),
                "检查文件数".into(),
                "暂缓发布文件数".into(),
            ];
            head.extend(
                crate::engine::Category::ALL
                    .iter()
                    .map(|c| format!("{}（拦截）", c.zh())),
            );
            head.push("提示".into());
            if s.baseline.is_some() {
                head.extend([
                    "新增".into(),
                    "未改".into(),
                    "已修复".into(),
                    "最早未整改（天）".into(),
                ]);
            }
            let head: Vec<&str> = head.iter().map(String::as_str).collect();
            self.row(&head)?;
            for (name, c) in &s.sections {
                let mut row = vec![name.clone(), c.files.to_string(), c.held.to_string()];
                row.extend(crate::engine::Category::ALL.iter().map(|cat| {
                    c.holds_by_category
                        .get(cat)
                        .copied()
                        .unwrap_or(0)
                        .to_string()
                }));
                row.push(c.warns.to_string());
                if s.baseline.is_some() {
                    row.extend([
                        c.new.to_string(),
                        c.unchanged.to_string(),
                        c.fixed.to_string(),
                        c.oldest_age_days(&s.date)
                            .map_or_else(String::new, |d| d.to_string()),
                    ]);
                }
                let row: Vec<&str> = row.iter().map(String::as_str).collect();
                self.row(&row)?;
            }
        } else if let Some(b) = &s.baseline {
            for e in &b.fixed {
                let section = self
                    .sections
                    .as_ref()
                    .map_or_else(String::new, |x| x.of(&e.path));
                self.row(&[
                    &section,
                    &e.path,
                    &e.line.to_string(),
                    "",
                    e.category.zh(),
                    e.rule_label(),
                    e.severity.zh(),
                    "已修复",
                    "",
                    "",
                ])?;
            }
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use crate::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("区民政局"), "区民政局");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1"), "'-1");
        assert_eq!(csv_field("line\nbreak"), "\"line\nbreak\"");
    }
}
