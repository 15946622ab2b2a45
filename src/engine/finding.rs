//! The vocabulary of a scan result: categories, severities, findings and the report.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of non-publishable content a finding belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    StateSecret,
    ProcessInternal,
    Stability,
    CommercialSecret,
    PersonalPrivacy,
    /// What no one could read yet: held for a person to read (a document past the cap on
    /// findings). Rules cannot use it; only the engine and the service set it.
    Unreadable,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::StateSecret,
        Category::ProcessInternal,
        Category::Stability,
        Category::CommercialSecret,
        Category::PersonalPrivacy,
        Category::Unreadable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::StateSecret => "state_secret",
            Category::ProcessInternal => "process_internal",
            Category::Stability => "stability",
            Category::CommercialSecret => "commercial_secret",
            Category::PersonalPrivacy => "personal_privacy",
            Category::Unreadable => "unreadable",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The name a clerk reads (the console's, the gate's reasons).
    pub fn zh(self) -> &'static str {
        match self {
            Category::StateSecret => "国家秘密",
            Category::ProcessInternal => "内部事项",
            Category::Stability => "社会稳定",
            Category::CommercialSecret => "商业秘密",
            Category::PersonalPrivacy => "个人隐私",
            Category::Unreadable => "无法读取",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `hold` blocks publication; `warn` is shown to the reviewer only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warn,
    Hold,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warn => "warn",
            Severity::Hold => "hold",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "warn" => Some(Severity::Warn),
            "hold" => Some(Severity::Hold),
            _ => None,
        }
    }

    /// The console's word: 拦截 (blocks publication) or 提示 (for the reviewer).
    pub fn zh(self) -> &'static str {
        match self {
            Severity::Warn => "提示",
            Severity::Hold => "拦截",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The engine's verdict on a whole document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Hold,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Hold => "hold",
        }
    }

    pub fn parse(s: &str) -> Option<Decision> {
        match s {
            "approve" => Some(Decision::Approve),
            "hold" => Some(Decision::Hold),
            _ => None,
        }
    }

    /// The console's word: 通过 or 暂缓发布.
    pub fn zh(self) -> &'static str {
        match self {
            Decision::Approve => "通过",
            Decision::Hold => "暂缓发布",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where in the source document the scanned text of a finding came from.
///
/// The engine only sees text and reports every finding at [`Location::Body`]; the extraction
/// layer (`crate::extract`) knows which part of a Word document or HTML page each stretch of
/// text came from and sets the location of each finding from the position of its `start`.
/// Serialized in snake_case (`"tracked_deletion"`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    /// Running text: a plain-text file, the body of a Word document, the visible text of a page.
    #[default]
    Body,
    /// A table cell (Word or HTML).
    Table,
    /// A Word page header.
    Header,
    /// A Word page footer.
    Footer,
    /// A Word footnote.
    Footnote,
    /// A Word endnote.
    Endnote,
    /// A Word text box (shape text).
    TextBox,
    /// A Word review comment (批注).
    Comment,
    /// Text inserted with track changes on (修订：插入), not yet accepted.
    TrackedInsertion,
    /// Text deleted with track changes on (修订：删除): invisible in the final view, still in
    /// the file.
    TrackedDeletion,
    /// Word text formatted as hidden (隐藏文字).
    HiddenText,
    /// An HTML comment `<!-- … -->`.
    HtmlComment,
    /// An HTML element a browser does not show: `hidden`, `display:none`,
    /// `visibility:hidden`, `<template>`, `<noscript>`.
    HiddenElement,
    /// An HTML attribute a reader or crawler can see: `alt`, `title`, `placeholder`,
    /// `aria-label`, `value` of inputs, `content` of `<meta>`.
    Attribute,
    /// A string literal inside an HTML `<script>`.
    Script,
    /// The HTML `<title>`.
    Title,
    /// The visible text of an `<iframe srcdoc>` document (its comments, attributes, scripts,
    /// … keep their own locations).
    Srcdoc,
    /// A string CSS puts on screen: `content: "…"` (`::before`, `::after`), `quotes`,
    /// `list-style-type`, `@counter-style` symbols, custom properties, in `<style>` or a `style`
    /// attribute.
    CssContent,
    /// A link target a crawler follows: a `tel:`, `sms:` or `mailto:` address, or the query
    /// string of an `href`, `src` or `action`, percent-decoded.
    Link,
    /// The value of an HTML `data-*` attribute.
    DataAttribute,
    /// A `//`, `/* */` or `<!--` comment inside an HTML `<script>`.
    ScriptComment,
    /// A spreadsheet cell (any sheet, hidden ones included); [`Place`] names the sheet and
    /// the cell.
    Sheet,
    /// The text layer of a PDF or OFD page; [`Place`] gives the page.
    Page,
    /// A PDF annotation or form field, or an OFD annotation.
    Annotation,
    /// Document properties and metadata: DOCX/XLSX `docProps`, PDF Info and XMP, OFD
    /// `DocInfo`.
    Properties,
    /// The name a file was submitted or found under, scanned apart from its bytes.
    FileName,
}

impl Location {
    pub const ALL: [Location; 26] = [
        Location::Body,
        Location::Table,
        Location::Header,
        Location::Footer,
        Location::Footnote,
        Location::Endnote,
        Location::TextBox,
        Location::Comment,
        Location::TrackedInsertion,
        Location::TrackedDeletion,
        Location::HiddenText,
        Location::HtmlComment,
        Location::HiddenElement,
        Location::Attribute,
        Location::Script,
        Location::Title,
        Location::Srcdoc,
        Location::CssContent,
        Location::Link,
        Location::DataAttribute,
        Location::ScriptComment,
        Location::Sheet,
        Location::Page,
        Location::Annotation,
        Location::Properties,
        Location::FileName,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Location::Body => "body",
            Location::Table => "table",
            Location::Header => "header",
            Location::Footer => "footer",
            Location::Footnote => "footnote",
            Location::Endnote => "endnote",
            Location::TextBox => "text_box",
            Location::Comment => "comment",
            Location::TrackedInsertion => "tracked_insertion",
            Location::TrackedDeletion => "tracked_deletion",
            Location::HiddenText => "hidden_text",
            Location::HtmlComment => "html_comment",
            Location::HiddenElement => "hidden_element",
            Location::Attribute => "attribute",
            Location::Script => "script",
            Location::Title => "title",
            Location::Srcdoc => "srcdoc",
            Location::CssContent => "css_content",
            Location::Link => "link",
            Location::DataAttribute => "data_attribute",
            Location::ScriptComment => "script_comment",
            Location::Sheet => "sheet",
            Location::Page => "page",
            Location::Annotation => "annotation",
            Location::Properties => "properties",
            Location::FileName => "file_name",
        }
    }

    pub fn parse(s: &str) -> Option<Location> {
        Location::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// The name a clerk reads (the console's words for the same places).
    pub fn zh(self) -> &'static str {
        match self {
            Location::Body => "正文",
            Location::Table => "表格",
            Location::Header => "页眉",
            Location::Footer => "页脚",
            Location::Footnote => "脚注",
            Location::Endnote => "尾注",
            Location::TextBox => "文本框",
            Location::Comment => "批注",
            Location::TrackedInsertion => "修订（插入）",
            Location::TrackedDeletion => "修订（删除）",
            Location::HiddenText => "隐藏文字",
            Location::HtmlComment => "HTML 注释",
            Location::HiddenElement => "隐藏元素",
            Location::Attribute => "属性值",
            Location::Script => "脚本",
            Location::Title => "标题",
            Location::Srcdoc => "内嵌框架（srcdoc）",
            Location::CssContent => "CSS 生成内容",
            Location::Link => "链接地址",
            Location::DataAttribute => "data-* 属性值",
            Location::ScriptComment => "脚本注释",
            Location::Sheet => "工作表",
            Location::Page => "页面",
            Location::Annotation => "注释或表单域",
            Location::Properties => "文档属性",
            Location::FileName => "文件名",
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing the engine found.
///
/// Invariant: `start <= end`, both lie on character boundaries of the scanned text, and
/// `&scanned[start..end] == text`. For a Word document or an HTML page the scanned text is the
/// text extracted from it (see `crate::extract`), not the file's bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "FindingFields")]
pub struct Finding {
    pub category: Category,
    pub rule: String,
    /// The rule's name a clerk reads ([`crate::engine::RuleSpec::name`]); findings stored
    /// before names load with none, and [`Finding::rule_label`] falls back to the id.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rule_name: String,
    pub severity: Severity,
    pub start: usize,
    pub end: usize,
    /// 1-based line of `start`.
    pub line: usize,
    /// 1-based column of `start`, counted in characters.
    pub column: usize,
    /// The matched text exactly as it stands in the scanned text. Sensitive: never log it.
    pub text: String,
    pub reason: String,
    /// Other rules that found the same problem: findings of the same category inside this
    /// one's span, merged into it (their reasons follow this rule's in `reason`). Findings
    /// stored before merging load with none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
    /// Where the text came from in the source document; `body` for plain text.
    #[serde(default)]
    pub location: Location,
    /// Where inside the location, for formats that have sheets, cells or pages. Serialized
    /// as optional fields beside `location`; findings stored before it load with none.
    #[serde(flatten)]
    pub place: Place,
}

/// A finding as read: the same fields, with the place's inline. (`#[serde(flatten)]` reads
/// every field of a finding through an intermediate buffer; the store and the scan cache
/// read findings by the thousand.)
#[derive(Deserialize)]
struct FindingFields {
    category: Category,
    rule: String,
    #[serde(default)]
    rule_name: String,
    severity: Severity,
    start: usize,
    end: usize,
    line: usize,
    column: usize,
    text: String,
    reason: String,
    #[serde(default)]
    also: Vec<String>,
    #[serde(default)]
    location: Location,
    #[serde(default)]
    sheet: Option<String>,
    #[serde(default)]
    cell: Option<String>,
    #[serde(default)]
    page: Option<u32>,
}

impl From<FindingFields> for Finding {
    fn from(f: FindingFields) -> Finding {
        Finding {
            category: f.category,
            rule: f.rule,
            rule_name: f.rule_name,
            severity: f.severity,
            start: f.start,
            end: f.end,
            line: f.line,
            column: f.column,
            text: f.text,
            reason: f.reason,
            also: f.also,
            location: f.location,
            place: Place {
                sheet: f.sheet,
                cell: f.cell,
                page: f.page,
            },
        }
    }
}

/// The sheet, cell and page of a finding, where the format has them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Place {
    /// The sheet's name (a spreadsheet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// The cell, in A1 notation (`"C17"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    /// The 1-based page (PDF, OFD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
}

impl Place {
    pub fn is_empty(&self) -> bool {
        self.sheet.is_none() && self.cell.is_none() && self.page.is_none()
    }

    /// The place in words, for messages and reports: `工作表「名单」C17`, `第 3 页`; empty
    /// when there is none.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        if let Some(sheet) = &self.sheet {
            out.push_str(&format!("工作表「{sheet}」"));
        }
        if let Some(cell) = &self.cell {
            out.push_str(cell);
        }
        if let Some(page) = self.page {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&format!("第 {page} 页"));
        }
        out
    }
}

/// A cell's name in A1 notation from 0-based `row` and `col`: (16, 2) is `C17`.
pub fn cell_name(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut c = col as u64 + 1;
    while c > 0 {
        let r = ((c - 1) % 26) as u8;
        letters.push(b'A' + r);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row as u64 + 1)
}

impl Finding {
    /// Where the finding stands, in the words a clerk reads (`表格`, `工作表「名单」C5`,
    /// `页面 第 2 页`); empty for plain body text.
    pub fn where_zh(&self) -> String {
        if self.location == Location::Body && self.place.is_empty() {
            return String::new();
        }
        let place = self.place.describe();
        if place.is_empty() {
            self.location.zh().to_string()
        } else {
            format!("{} {place}", self.location.zh())
        }
    }

    /// The matched text with its inner characters masked, safe for logs and terminals.
    pub fn masked_text(&self) -> String {
        mask(&self.text)
    }

    /// The rule's name where it has one (`身份证号码`), else its id.
    pub fn rule_label(&self) -> &str {
        if self.rule_name.is_empty() {
            &self.rule
        } else {
            &self.rule_name
        }
    }

    /// The matched text as reports show it to a reviewer: masked where it is itself the
    /// secret — personal data and commercial secrets (an ID number, a 标底 price) — and whole
    /// where it is a mark or a term the reason names anyway (`内部资料`, `妥否，请批示`).
    /// Logs use [`Finding::masked_text`] always.
    pub fn shown_text(&self) -> String {
        match self.category {
            Category::PersonalPrivacy | Category::CommercialSecret => self.masked_text(),
            _ => self.text.chars().filter(|c| !c.is_control()).collect(),
        }
    }
}

/// Masks all but the first and last character (all but the first two and last two for
/// longer values), so a reviewer can recognise a finding without the log holding it.
pub fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().filter(|c| !c.is_control()).collect();
    let n = chars.len();
    let keep = match n {
        0..=2 => 0,
        3..=7 => 1,
        _ => 2,
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| if i < keep || i + keep >= n { c } else { '*' })
        .collect()
}

/// The result of scanning one document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub decision: Decision,
    /// Id of the rule set that produced this report.
    pub ruleset: String,
    /// Sorted by `start`, then by category and rule. At most [`MAX_FINDINGS`] + 1: past the
    /// cap, one `finding_cap` hold finding stands for the rest.
    pub findings: Vec<Finding>,
    /// Findings past the cap: counted, not kept.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dropped: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The most findings one document keeps. A document that reaches it holds (a reviewer must
/// read it whole), and the findings past it are only counted: one hostile document cannot make
/// the service store or send hundreds of megabytes of findings.
pub const MAX_FINDINGS: usize = 10_000;

/// Rule id of the finding that stands for the findings past [`MAX_FINDINGS`].
pub const RULE_FINDING_CAP: &str = "finding_cap";

/// Keeps the first `max` findings (in text order) and replaces the rest with one `unreadable`
/// hold finding at the first one left out. Returns how many were left out. `stopped`: the scan
/// stopped making candidates at its own bound, so what was found is not all there is; the
/// document then holds with the same finding even when fewer than `max` were kept.
pub fn cap_findings(findings: &mut Vec<Finding>, max: usize, stopped: bool) -> usize {
    if findings.len() <= max && !stopped {
        return 0;
    }
    let dropped = findings.len().saturating_sub(max);
    let at = findings.get(max).or(findings.last());
    let (start, line, column, location) = at.map_or((0, 1, 1, Location::Body), |f| {
        (f.start, f.line, f.column, f.location)
    });
    let reason = if stopped {
        format!(
            "发现过多（超过 {max} 条上限或候选过多），扫描已在此处停止，其余内容未逐条检查、只计数 {dropped} 条：须人工通读全文后再作决定"
        )
    } else {
        format!(
            "发现超过 {max} 条的上限，其余 {dropped} 条只计数、未逐条列出：须人工通读全文后再作决定"
        )
    };
    let cap = Finding {
        category: Category::Unreadable,
        rule: RULE_FINDING_CAP.to_string(),
        rule_name: "发现过多".to_string(),
        severity: Severity::Hold,
        start,
        end: start,
        line,
        column,
        text: String::new(),
        reason,
        also: Vec::new(),
        location,
        place: at.map(|f| f.place.clone()).unwrap_or_default(),
    };
    findings.truncate(max);
    findings.push(cap);
    dropped
}

/// Rule id of the finding that stands for a text the engine did not scan because it is over
/// the engine's size limit (see [`text_too_large`]).
pub const RULE_TEXT_TOO_LARGE: &str = "text_too_large";

/// The finding for a text of `len` bytes when the engine scans at most `max`: `None` if it
/// fits; otherwise one `unreadable` hold finding at the start of the text, in the manner of
/// the [`RULE_FINDING_CAP`] finding, saying the text was not scanned.
pub fn text_too_large(len: usize, max: usize) -> Option<Finding> {
    (len > max).then(|| Finding {
        category: Category::Unreadable,
        rule: RULE_TEXT_TOO_LARGE.to_string(),
        rule_name: "文本过大".to_string(),
        severity: Severity::Hold,
        start: 0,
        end: 0,
        line: 1,
        column: 1,
        text: String::new(),
        reason: format!(
            "文本过大（{len} 字节，超过可扫描的 {max} 字节上限），未作扫描：须人工通读全文后再作决定"
        ),
        also: Vec::new(),
        location: Location::Body,
        place: Place::default(),
    })
}

impl Report {
    pub fn decision_for(findings: &[Finding]) -> Decision {
        if findings.iter().any(|f| f.severity == Severity::Hold) {
            Decision::Hold
        } else {
            Decision::Approve
        }
    }

    /// Categories that have at least one `hold` finding, sorted and deduplicated.
    pub fn hold_categories(&self) -> Vec<Category> {
        let mut cats: Vec<Category> = self
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Hold)
            .map(|f| f.category)
            .collect();
        cats.sort();
        cats.dedup();
        cats
    }
}

/// One finding per problem. A finding whose span lies inside another's of the same category
/// is merged into that outer finding: the merged one keeps the outer span and text, takes the
/// strongest severity and the rule and reason of the strongest finding (the outer's when they
/// are equally strong), and lists the other rules in [`Finding::also`] with their reasons
/// after its own.
///
/// `findings` must be ordered by start, and by end descending among equal starts (as the
/// engine orders them). One pass: per category, the finding that reaches furthest so far
/// holds every later one that ends within it (all earlier findings start no later).
pub fn merge_nested(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut furthest: [Option<usize>; Category::ALL.len()] = [None; Category::ALL.len()];
    for f in findings {
        let slot = &mut furthest[f.category as usize];
        match *slot {
            Some(g) if f.end <= out[g].end && f.start >= out[g].start => absorb(&mut out[g], f),
            _ => {
                if slot.is_none_or(|g| f.end > out[g].end) {
                    *slot = Some(out.len());
                }
                out.push(f);
            }
        }
    }
    out
}

/// Merges `inner` into `outer` (see [`merge_nested`]).
fn absorb(outer: &mut Finding, inner: Finding) {
    let mut lead = (
        std::mem::take(&mut outer.rule),
        std::mem::take(&mut outer.rule_name),
        std::mem::take(&mut outer.reason),
    );
    let mut other = (inner.rule, inner.rule_name, inner.reason);
    if inner.severity > outer.severity {
        outer.severity = inner.severity;
        std::mem::swap(&mut lead, &mut other);
    }
    let (rule, rule_name, mut reason) = lead;
    let mut also = std::mem::take(&mut outer.also);
    for r in std::iter::once(other.0).chain(inner.also) {
        if r != rule && !also.contains(&r) {
            also.push(r);
        }
    }
    for part in other.2.split('；') {
        if !part.is_empty() && !reason.split('；').any(|p| p == part) {
            reason.push('；');
            reason.push_str(part);
        }
    }
    outer.rule = rule;
    outer.rule_name = rule_name;
    outer.reason = reason;
    outer.also = also;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(start: usize) -> Finding {
        Finding {
            category: Category::PersonalPrivacy,
            rule: "mobile".into(),
            rule_name: "手机号码".into(),
            severity: Severity::Warn,
            start,
            end: start + 11,
            line: 1 + start / 100,
            column: 1,
            text: "13800000000".into(),
            reason: String::new(),
            also: Vec::new(),
            location: Location::Body,
            place: Place::default(),
        }
    }

    fn found(c: Category, rule: &str, sev: Severity, start: usize, end: usize) -> Finding {
        Finding {
            category: c,
            rule: rule.into(),
            rule_name: format!("{rule}的名称"),
            severity: sev,
            end,
            reason: format!("{rule} 的理由"),
            ..finding(start)
        }
    }

    #[test]
    fn nested_findings_of_one_category_become_one() {
        use Category::*;
        use Severity::*;
        let merged = merge_nested(vec![
            found(ProcessInternal, "draft_title", Hold, 10, 20),
            found(ProcessInternal, "draft_mention", Warn, 12, 18),
            // Another category inside it stays its own finding.
            found(Stability, "stability_topic", Warn, 13, 15),
            // Equal spans: the first is the outer one.
            found(PersonalPrivacy, "resident_id", Hold, 30, 48),
            found(PersonalPrivacy, "pii_table", Hold, 30, 48),
            // A weaker outer finding takes the stronger inner one's rule, keeps its span.
            found(Stability, "stability_topic", Warn, 60, 80),
            found(Stability, "petition_control_with_person", Hold, 66, 72),
            // Overlapping but not nested: two findings.
            found(Stability, "stability_topic", Warn, 75, 90),
        ]);
        let got: Vec<_> = merged
            .iter()
            .map(|f| {
                (
                    f.rule.as_str(),
                    f.severity,
                    f.start,
                    f.end,
                    f.also.join(","),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("draft_title", Hold, 10, 20, "draft_mention".to_string()),
                ("stability_topic", Warn, 13, 15, String::new()),
                ("resident_id", Hold, 30, 48, "pii_table".to_string()),
                (
                    "petition_control_with_person",
                    Hold,
                    60,
                    80,
                    "stability_topic".to_string()
                ),
                ("stability_topic", Warn, 75, 90, String::new()),
            ]
        );
        assert_eq!(merged[0].reason, "draft_title 的理由；draft_mention 的理由");
        assert_eq!(
            merged[3].reason,
            "petition_control_with_person 的理由；stability_topic 的理由"
        );
        // The name goes with the rule.
        assert_eq!(merged[3].rule_name, "petition_control_with_person的名称");
        assert_eq!(merged[0].rule_name, "draft_title的名称");
    }

    #[test]
    fn a_finding_inside_an_earlier_long_one_is_merged_even_after_others() {
        use Category::*;
        use Severity::*;
        let merged = merge_nested(vec![
            found(PersonalPrivacy, "pii_table", Hold, 0, 100),
            found(PersonalPrivacy, "mobile", Hold, 5, 16),
            found(PersonalPrivacy, "resident_id", Hold, 40, 58),
            found(PersonalPrivacy, "mobile", Hold, 80, 91),
        ]);
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].also, ["mobile", "resident_id"]);
    }

    #[test]
    fn cells_are_named_in_a1_notation() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(16, 2), "C17");
        assert_eq!(cell_name(0, 25), "Z1");
        assert_eq!(cell_name(0, 26), "AA1");
        assert_eq!(cell_name(9, 701), "ZZ10");
        assert_eq!(cell_name(0, 702), "AAA1");
        assert_eq!(cell_name(u32::MAX, u32::MAX), "MWLQKWV4294967296");
    }

    #[test]
    fn a_finding_stored_before_places_loads_and_places_serialize_beside_location() {
        let old = r#"{"category":"personal_privacy","rule":"id","severity":"hold","start":0,"end":1,"line":1,"column":1,"text":"x","reason":"r","location":"table"}"#;
        let f: Finding = serde_json::from_str(old).unwrap();
        assert!(f.place.is_empty());
        assert!(!serde_json::to_string(&f).unwrap().contains("sheet"));
        let f = Finding {
            place: Place {
                sheet: Some("名单".into()),
                cell: Some("C17".into()),
                page: None,
            },
            ..f
        };
        let json = serde_json::to_string(&f).unwrap();
        assert!(
            json.contains(r#""location":"table","sheet":"名单","cell":"C17""#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<Finding>(&json).unwrap(), f);
    }

    #[test]
    fn findings_past_the_cap_are_counted_and_held() {
        let mut few: Vec<Finding> = (0..3).map(|i| finding(i * 20)).collect();
        assert_eq!(cap_findings(&mut few, 3, false), 0);
        assert_eq!(few.len(), 3);
        let mut many: Vec<Finding> = (0..10).map(|i| finding(i * 20)).collect();
        assert_eq!(cap_findings(&mut many, 4, false), 6);
        assert_eq!(many.len(), 5);
        let cap = &many[4];
        assert_eq!(
            (cap.category, cap.rule.as_str(), cap.severity),
            (Category::Unreadable, RULE_FINDING_CAP, Severity::Hold)
        );
        assert_eq!((cap.start, cap.end, cap.text.as_str()), (80, 80, ""));
        // Warn findings alone would approve; past the cap the document holds.
        assert_eq!(Report::decision_for(&many), Decision::Hold);
    }

    #[test]
    fn a_text_over_the_limit_holds_unscanned() {
        assert_eq!(text_too_large(0, 16), None);
        assert_eq!(text_too_large(16, 16), None);
        let f = text_too_large(17, 16).expect("17 bytes are over 16");
        assert_eq!(
            (f.category, f.rule.as_str(), f.severity),
            (Category::Unreadable, RULE_TEXT_TOO_LARGE, Severity::Hold)
        );
        assert_eq!((f.start, f.end, f.line, f.column), (0, 0, 1, 1));
        assert!(
            f.reason.contains("17") && f.reason.contains("16"),
            "{}",
            f.reason
        );
        assert_eq!(Report::decision_for(&[f]), Decision::Hold);
    }
}
