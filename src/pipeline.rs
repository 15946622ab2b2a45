//! From the bytes of a file to a report: the one entry point, [`scan_bytes`], that the CLI and
//! the service share.
//!
//! `scan_bytes` detects the format from the content (ZIP magic → Word `.docx`; markup → HTML;
//! otherwise text in UTF-8, UTF-16 with a byte-order mark, GBK/GB18030 or Big5), extracts the
//! text with [`crate::extract`], scans it with the engine, adds a `process_internal` hold finding
//! for every Word review trace (comment, tracked insertion or deletion, tracked formatting
//! change) and sets each finding's [`Location`](crate::engine::Location). Anything it cannot read is an [`InputError`],
//! never garbage and never a panic.
//!
//! The pipeline depends on extraction and the engine; neither depends on it.

use crate::engine::{
    Cancel, Cancelled, Category, Engine, Finding, Location, Place, Report, Severity,
};
use crate::extract::{self, Document, InputError, TraceKind};

/// Extracts the text of `bytes` (text, HTML or Word `.docx`, detected from the content), scans
/// it and returns the report: the one entry point for callers with raw bytes (the CLI, the
/// service). Finding spans are byte offsets into the extracted text ([`Document::text`]); each
/// finding carries the [`Location`](crate::engine::Location) it came from. Never panics.
pub fn scan_bytes(engine: &Engine, bytes: &[u8]) -> Result<Report, InputError> {
    scan_bytes_on(engine, bytes, 1)
}

/// [`scan_bytes`] on up to `threads` threads when the text is large (see
/// [`Engine::scan_on`]): the same report.
pub fn scan_bytes_on(engine: &Engine, bytes: &[u8], threads: usize) -> Result<Report, InputError> {
    let doc = extract::extract(bytes)?;
    Ok(
        match scan_document_on(engine, &doc, &Cancel::new(), threads) {
            Ok(report) => report,
            Err(Cancelled) => unreachable!("nothing else holds this flag"),
        },
    )
}

/// [`scan_bytes_on`] for a file with a name: the name is a hint where content cannot tell
/// (a `.csv` file is read as a table; see [`extract::extract_named`]). The name itself is
/// scanned apart, with [`scan_file_name`].
pub fn scan_named_on(
    engine: &Engine,
    bytes: &[u8],
    name: Option<&str>,
    threads: usize,
) -> Result<Report, InputError> {
    let doc = extract::extract_named(bytes, name)?;
    Ok(
        match scan_document_on(engine, &doc, &Cancel::new(), threads) {
            Ok(report) => report,
            Err(Cancelled) => unreachable!("nothing else holds this flag"),
        },
    )
}

/// The findings in a file's name (`张三110101….xlsx`), at location `file_name`: offsets,
/// line and column are in the name. Apart from the bytes, so a decision on the bytes stays
/// bound to the bytes alone; callers that have a name add these to what they report.
pub fn scan_file_name(engine: &Engine, name: &str) -> Vec<Finding> {
    let mut report = engine.scan(name);
    for f in &mut report.findings {
        f.location = Location::FileName;
    }
    report.findings
}

/// Why [`scan_bytes_with`] gave no report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScanError {
    Input(InputError),
    /// The caller raised the [`Cancel`] flag (its deadline passed).
    Cancelled,
}

/// [`scan_bytes`], stopped when `cancel` is raised.
pub fn scan_bytes_with(
    engine: &Engine,
    bytes: &[u8],
    cancel: &Cancel,
) -> Result<Report, ScanError> {
    let doc = extract::extract(bytes).map_err(ScanError::Input)?;
    if cancel.is_cancelled() {
        return Err(ScanError::Cancelled);
    }
    scan_document_with(engine, &doc, cancel).map_err(|_| ScanError::Cancelled)
}

/// Rule ids of the built-in review-trace findings (not in `rules/*.toml`).
pub const RULE_DOCX_COMMENT: &str = "docx_comment";
pub const RULE_DOCX_TRACKED_CHANGE: &str = "docx_tracked_change";
/// Rule id of the hold for a part of a document that could not be read (category
/// `unreadable`): an image file, a page without a text layer, an encrypted file, an archive.
pub const RULE_UNREADABLE: &str = "unreadable_content";
/// Rule id of the warning that counts images embedded beside a document's text.
pub const RULE_EMBEDDED_IMAGES: &str = "embedded_images";

/// Scans an extracted document: engine findings with their locations, plus one
/// `process_internal` hold for every review trace. Never fails.
pub fn scan_document(engine: &Engine, doc: &Document<'_>) -> Report {
    match scan_document_with(engine, doc, &Cancel::new()) {
        Ok(report) => report,
        Err(Cancelled) => unreachable!("nothing else holds this flag"),
    }
}

/// [`scan_document`], stopped when `cancel` is raised.
pub fn scan_document_with(
    engine: &Engine,
    doc: &Document<'_>,
    cancel: &Cancel,
) -> Result<Report, Cancelled> {
    scan_document_on(engine, doc, cancel, 1)
}

/// [`scan_document_with`] on up to `threads` threads (see [`Engine::scan_on`]).
pub fn scan_document_on(
    engine: &Engine,
    doc: &Document<'_>,
    cancel: &Cancel,
    threads: usize,
) -> Result<Report, Cancelled> {
    let text: &str = &doc.text;
    let mut report = engine.scan_on(text, cancel, threads)?;
    let plain = doc.segments.iter().all(|s| s.at == extract::At::default());
    for f in &mut report.findings {
        if plain {
            f.location = doc.location_at(f.start);
        } else {
            (f.location, f.place) = doc.place_at(f.start);
        }
    }
    let added = doc.traces.len() + doc.unreadable.len() + usize::from(doc.images > 0);
    if added == 0 {
        return Ok(report);
    }
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|p| p + 1))
        .collect();
    let line_column = |pos: usize| {
        let line = line_starts.partition_point(|&ls| ls <= pos);
        let column = text[line_starts[line - 1]..pos].chars().count() + 1;
        (line, column)
    };
    for t in &doc.traces {
        let (rule, reason) = match t.kind {
            TraceKind::Comment => (
                RULE_DOCX_COMMENT,
                "Word 批注：文档带有审阅批注，发布前须删除（批注内容也已扫描）",
            ),
            TraceKind::Insertion => (
                RULE_DOCX_TRACKED_CHANGE,
                "Word 修订痕迹（插入）：修订未接受，发布前须接受或拒绝全部修订",
            ),
            TraceKind::Deletion => (
                RULE_DOCX_TRACKED_CHANGE,
                "Word 修订痕迹（删除）：删除的文字仍保存在文件中，发布前须接受或拒绝全部修订",
            ),
            TraceKind::Format => (
                RULE_DOCX_TRACKED_CHANGE,
                "Word 修订痕迹（格式修改）：发布前须接受或拒绝全部修订",
            ),
        };
        let (line, column) = line_column(t.start);
        let (location, place) = doc.place_at(t.start);
        report.findings.push(Finding {
            category: Category::ProcessInternal,
            rule: rule.to_string(),
            rule_name: if rule == RULE_DOCX_COMMENT {
                "Word 批注"
            } else {
                "Word 修订痕迹"
            }
            .to_string(),
            severity: Severity::Hold,
            start: t.start,
            end: t.end,
            line,
            column,
            text: text[t.start..t.end].to_string(),
            reason: reason.to_string(),
            also: Vec::new(),
            location,
            place,
        });
    }
    for u in &doc.unreadable {
        let (line, column) = line_column(u.pos);
        let place = doc.place(u.at);
        let whre = place.describe();
        let reason = if whre.is_empty() {
            format!("无法读取的内容：{}。须人工查看后再作决定", u.why)
        } else {
            format!("无法读取的内容（{whre}）：{}。须人工查看后再作决定", u.why)
        };
        report.findings.push(Finding {
            category: Category::Unreadable,
            rule: RULE_UNREADABLE.to_string(),
            rule_name: "无法读取的内容".to_string(),
            severity: Severity::Hold,
            start: u.pos,
            end: u.pos,
            line,
            column,
            text: String::new(),
            reason,
            also: Vec::new(),
            location: u.location,
            place,
        });
    }
    if doc.images > 0 {
        report.findings.push(Finding {
            category: Category::Unreadable,
            rule: RULE_EMBEDDED_IMAGES.to_string(),
            rule_name: "嵌入的图片".to_string(),
            severity: Severity::Warn,
            start: 0,
            end: 0,
            line: 1,
            column: 1,
            text: String::new(),
            reason: format!(
                "文档嵌有 {} 幅图片（印章、徽标、照片等），图片中的文字未经审查，请人工查看",
                doc.images
            ),
            also: Vec::new(),
            location: Location::Body,
            place: Place::default(),
        });
    }
    // Stable: the engine's order among findings at the same start is kept.
    report.findings.sort_by_key(|f| f.start);
    report.dropped +=
        crate::engine::cap_findings(&mut report.findings, crate::engine::MAX_FINDINGS, false);
    report.decision = Report::decision_for(&report.findings);
    Ok(report)
}
