//! `baomi scan --html FILE`: one self-contained page a disclosure office can open, file, and
//! work through: the totals, then every file that holds or warns with its findings, then the
//! files that could not be read.
//!
//! Like the terminal output, the page shows matched text masked (`3302**************34`), never
//! in full: the report is meant to be passed around. Everything taken from the scanned files
//! (paths, rule reasons) is escaped.

use super::summary::Summary;
use crate::engine::{Decision, Finding, Severity};
use std::fmt::Write as _;

/// At most this many findings are listed per file; the rest are counted.
const MAX_FINDINGS_SHOWN: usize = 200;

struct FileEntry {
    path: String,
    decision: Decision,
    findings: Vec<Finding>,
    total: usize,
}

/// The report, filled in walk order while the scan runs. Approved files without findings are
/// only counted, so memory grows with the findings, not with the tree.
#[derive(Default)]
pub struct HtmlReport {
    files: Vec<FileEntry>,
    errors: Vec<(String, String)>,
}

impl HtmlReport {
    pub fn file(&mut self, path: &str, decision: Decision, findings: &[Finding]) {
        if findings.is_empty() {
            return;
        }
        self.files.push(FileEntry {
            path: path.to_string(),
            decision,
            findings: findings.iter().take(MAX_FINDINGS_SHOWN).cloned().collect(),
            total: findings.len(),
        });
    }

    pub fn error(&mut self, path: &str, message: &str) {
        self.errors.push((path.to_string(), message.to_string()));
    }

    /// The whole page.
    pub(crate) fn render(&self, t: &Summary) -> String {
        let mut h = String::with_capacity(16 * 1024);
        let _ = write!(
            h,
            "<!doctype html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
             <title>baomi 保密审查报告</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
             <h1>baomi 保密审查报告</h1>\n<p class=\"meta\">审查日期 {} · 审查范围 {} · 规则集 <code>{}</code> · {} 个文件 · {:.1} MB · 用时 {:.1} 秒</p>\n",
            esc(&t.date),
            esc(&t.roots.join("、")),
            esc(&t.ruleset),
            t.files + t.errors,
            t.bytes as f64 / 1e6,
            t.seconds
        );
        let _ = writeln!(
            h,
            "<table class=\"totals\"><tr><th>暂缓发布</th><th>可发布</th><th>无法读取</th><th>被过滤跳过</th></tr>\
             <tr><td class=\"hold\">{}</td><td class=\"approve\">{}</td><td>{}</td><td>{}</td></tr></table>",
            t.hold, t.approve, t.errors, t.skipped
        );
        if let Some(b) = &t.baseline {
            let _ = writeln!(
                h,
                "<p class=\"meta\">与基线相比：新增 {}，未改 {}，已修复 {}</p>",
                b.new,
                b.unchanged,
                b.fixed.len()
            );
        }
        if t.sections.len() > 1 || t.baseline.is_some() {
            h.push_str("<h2>按栏目（单位）</h2>\n<table><tr><th>栏目（单位）</th><th>文件</th><th>暂缓发布</th><th>拦截发现</th><th>提示</th>");
            if t.baseline.is_some() {
                h.push_str("<th>新增</th><th>未改</th><th>已修复</th><th>最早未整改（天）</th>");
            }
            h.push_str("</tr>\n");
            for (name, c) in &t.sections {
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
                    esc(name),
                    c.files,
                    c.held,
                    esc(&c.holds_text()),
                    c.warns
                );
                if t.baseline.is_some() {
                    let _ = write!(
                        h,
                        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
                        c.new,
                        c.unchanged,
                        c.fixed,
                        c.oldest_age_days(&t.date)
                            .map_or_else(String::new, |d| d.to_string())
                    );
                }
                h.push_str("</tr>\n");
            }
            h.push_str("</table>\n");
        }
        if !t.held_by_category.is_empty() {
            h.push_str("<h2>按类别（含暂缓发现的文件数）</h2>\n<table><tr><th>类别</th><th>文件</th></tr>\n");
            for (c, n) in &t.held_by_category {
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td>{n}</td></tr>",
                    esc(&super::summary::category_label(c))
                );
            }
            h.push_str("</table>\n");
        }
        let rules = t.rules_by_count();
        if !rules.is_empty() {
            h.push_str(
                "<h2>按规则</h2>\n<table><tr><th>规则</th><th>拦截</th><th>提示</th></tr>\n",
            );
            for (r, hold, warn) in &rules {
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td>{hold}</td><td>{warn}</td></tr>",
                    esc(&t.rule_label(r))
                );
            }
            h.push_str("</table>\n");
        }
        let held = self
            .files
            .iter()
            .filter(|f| f.decision == Decision::Hold)
            .count();
        let _ = writeln!(
            h,
            "<h2>需要处理的文件（{held} 个暂缓，{} 个仅有提示）</h2>",
            self.files.len() - held
        );
        if self.files.is_empty() {
            h.push_str("<p>没有发现。</p>\n");
        }
        // Held files first, then those with warnings only; walk order within each.
        let ordered = self
            .files
            .iter()
            .filter(|f| f.decision == Decision::Hold)
            .chain(self.files.iter().filter(|f| f.decision != Decision::Hold));
        for f in ordered {
            let holds = f
                .findings
                .iter()
                .filter(|x| x.severity == Severity::Hold)
                .count();
            let (class, verdict) = match f.decision {
                Decision::Hold => ("hold", "暂缓发布"),
                Decision::Approve => ("approve", "可发布（有提示）"),
            };
            let _ = write!(
                h,
                "<details{}><summary><span class=\"{class}\">{verdict}</span> <code>{}</code> — {} 项发现</summary>\n\
                 <table><tr><th>行:列</th><th>类别</th><th>规则</th><th>级别</th><th>内容（已遮盖）</th><th>原因</th></tr>\n",
                if holds > 0 { " open" } else { "" },
                esc(&f.path),
                f.total
            );
            for x in &f.findings {
                let sev = match x.severity {
                    Severity::Hold => "<span class=\"hold\">拦截</span>",
                    Severity::Warn => "<span class=\"warn\">提示</span>",
                };
                let place = match x.where_zh() {
                    w if w.is_empty() => w,
                    w => format!("（{w}）"),
                };
                let _ = writeln!(
                    h,
                    "<tr><td>{}:{}</td><td>{}</td><td>{}</td><td>{sev}</td><td><code>{}</code></td><td>{}{}</td></tr>",
                    x.line,
                    x.column,
                    x.category.zh(),
                    esc(x.rule_label()),
                    esc(&x.shown_text()),
                    esc(&x.reason),
                    esc(&place)
                );
            }
            if f.total > f.findings.len() {
                let _ = writeln!(
                    h,
                    "<tr><td colspan=\"6\">另有 {} 项未列出</td></tr>",
                    f.total - f.findings.len()
                );
            }
            h.push_str("</table></details>\n");
        }
        if !self.errors.is_empty() {
            let _ = writeln!(
                h,
                "<h2>无法读取的文件（{}）</h2>\n<table><tr><th>文件</th><th>原因</th></tr>",
                self.errors.len()
            );
            for (p, m) in &self.errors {
                let _ = writeln!(
                    h,
                    "<tr><td><code>{}</code></td><td>{}</td></tr>",
                    esc(p),
                    esc(m)
                );
            }
            h.push_str("</table>\n");
        }
        h.push_str("</body>\n</html>\n");
        h
    }
}

/// Escapes text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}\
th{background:#f4f4f4}.meta{color:#666}.hold{color:#b00;font-weight:bold}.approve{color:#070;font-weight:bold}\
.warn{color:#a60}details{margin:.4em 0}summary{cursor:pointer}code{font-family:ui-monospace,monospace}\
.totals td{font-size:1.4em;text-align:center}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(esc("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
    }
}
