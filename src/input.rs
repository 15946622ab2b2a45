//! From the bytes of a file to a report: the one entry point, [`scan_bytes`], that the CLI and
//! the service share.
//!
//! `scan_bytes` detects the format from the content (ZIP magic → Word `.docx`; markup → HTML;
//! otherwise text in UTF-8, UTF-16 with a byte-order mark, GBK/GB18030 or Big5), extracts the
//! text with [`crate::extract`], scans it with the engine, adds a `process_internal` hold finding
//! for every Word review trace (comment, tracked insertion or deletion, tracked formatting
//! change) and sets each finding's [`Location`](crate::engine::Location). Anything it cannot read is an [`InputError`],
//! never garbage and never a panic.

use std::fmt;

use crate::engine::{Cancel, Cancelled, Category, Engine, Finding, Report, Severity};
use crate::extract::{self, Document, TraceKind};

/// Files larger than this are refused rather than read into memory.
pub const MAX_INPUT_BYTES: usize = 256 * 1024 * 1024;

/// Why a document could not be read. Messages name the problem, the offset or the archive part
/// and the limit; they never contain text of the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputError {
    /// The input is over [`MAX_INPUT_BYTES`].
    TooLarge { len: usize },
    /// NUL or other control bytes: not a text, HTML or Word document.
    Binary { offset: usize },
    /// UTF-16 with a byte-order mark, but not valid UTF-16.
    Utf16,
    /// A UTF-8 byte-order mark, but not valid UTF-8.
    NotUtf8 { offset: usize },
    /// Text detected (or declared) as `encoding` that does not decode at byte `offset`.
    Undecodable {
        encoding: &'static str,
        offset: usize,
    },
    /// Text that is neither UTF-8 nor a Chinese encoding baomi reads.
    UnsupportedEncoding { detected: &'static str },
    /// A format recognised by its magic bytes that baomi does not read (PDF, legacy .doc, RTF).
    UnsupportedFormat { format: &'static str },
    /// A ZIP archive that is not a Word document (no `word/document.xml`).
    NotDocx,
    /// A ZIP archive that cannot be read: truncated, corrupt, encrypted.
    CorruptZip { detail: String },
    /// A resource limit against hostile input was exceeded (zip bombs, huge parts, nesting).
    Limit { detail: String },
    /// A part of a Word document is not well-formed XML, or declares a DTD.
    Xml { part: String, detail: String },
}

impl InputError {
    /// A stable machine-readable code for the kind of error (for the service's error body).
    pub fn code(&self) -> &'static str {
        match self {
            InputError::TooLarge { .. } => "too_large",
            InputError::Binary { .. } => "binary",
            InputError::Utf16
            | InputError::NotUtf8 { .. }
            | InputError::Undecodable { .. }
            | InputError::UnsupportedEncoding { .. } => "encoding",
            InputError::UnsupportedFormat { .. } | InputError::NotDocx => "unsupported_format",
            InputError::CorruptZip { .. } | InputError::Xml { .. } => "corrupt",
            InputError::Limit { .. } => "limit",
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::TooLarge { len } => write!(
                f,
                "file is {len} bytes, over the {} MiB limit",
                MAX_INPUT_BYTES / (1024 * 1024)
            ),
            InputError::Binary { offset } => write!(
                f,
                "binary data (control byte at offset {offset}): not UTF-8/GBK/Big5 text, HTML or a Word .docx document"
            ),
            InputError::Utf16 => write!(f, "invalid UTF-16 text (byte-order mark, but malformed code units)"),
            InputError::NotUtf8 { offset } => write!(
                f,
                "not valid UTF-8 (UTF-8 byte-order mark, invalid byte at offset {offset})"
            ),
            InputError::Undecodable { encoding, offset } => write!(
                f,
                "not valid {encoding} text (invalid byte sequence at offset {offset}); refusing to guess"
            ),
            InputError::UnsupportedEncoding { detected } => write!(
                f,
                "text in an unsupported encoding (looks like {detected}); baomi reads UTF-8, UTF-16 with a byte-order mark, GBK/GB18030 and Big5"
            ),
            InputError::UnsupportedFormat { format } => {
                write!(f, "{format} is not supported; supported: text, HTML and Word .docx")
            }
            InputError::NotDocx => write!(
                f,
                "ZIP archive without word/document.xml: not a Word .docx document"
            ),
            InputError::CorruptZip { detail } => write!(f, "corrupt or truncated .docx (ZIP): {detail}"),
            InputError::Limit { detail } => write!(f, "refused, safety limit exceeded: {detail}"),
            InputError::Xml { part, detail } => write!(f, "malformed .docx: {part}: {detail}"),
        }
    }
}

impl std::error::Error for InputError {}

/// Checks that `bytes` are UTF-8 text and returns it without a leading byte-order mark: the
/// plain UTF-8 path only, kept for callers that need a `&str` of the file. Use [`scan_bytes`]
/// (or [`crate::extract::extract`]) for documents, which reads every supported format.
pub fn decode(bytes: &[u8]) -> Result<&str, InputError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(InputError::TooLarge { len: bytes.len() });
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(InputError::Utf16);
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    if let Some(offset) = memchr::memchr(0, body) {
        return Err(InputError::Binary {
            offset: offset + (bytes.len() - body.len()),
        });
    }
    match simdutf8::basic::from_utf8(body) {
        Ok(s) => Ok(s),
        Err(_) => {
            let offset = std::str::from_utf8(body)
                .err()
                .map_or(0, |e| e.valid_up_to());
            Err(InputError::NotUtf8 {
                offset: offset + (bytes.len() - body.len()),
            })
        }
    }
}

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
    for f in &mut report.findings {
        f.location = doc.location_at(f.start);
    }
    if !doc.traces.is_empty() {
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|p| p + 1))
            .collect();
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
            let line = line_starts.partition_point(|&ls| ls <= t.start);
            let column = text[line_starts[line - 1]..t.start].chars().count() + 1;
            report.findings.push(Finding {
                category: Category::ProcessInternal,
                rule: rule.to_string(),
                severity: Severity::Hold,
                start: t.start,
                end: t.end,
                line,
                column,
                text: text[t.start..t.end].to_string(),
                reason: reason.to_string(),
                location: doc.location_at(t.start),
            });
        }
        // Stable: the engine's order among findings at the same start is kept.
        report.findings.sort_by_key(|f| f.start);
        report.dropped += crate::engine::finding::cap_findings(
            &mut report.findings,
            crate::engine::MAX_FINDINGS,
            false,
        );
        report.decision = Report::decision_for(&report.findings);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_and_strips_bom() {
        assert_eq!(decode("内部资料".as_bytes()).unwrap(), "内部资料");
        assert_eq!(decode(b"\xEF\xBB\xBFabc").unwrap(), "abc");
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert_eq!(decode(b"ab\0c"), Err(InputError::Binary { offset: 2 }));
        assert_eq!(decode(b"\xFF\xFEa\0"), Err(InputError::Utf16));
        // "内部" in GBK.
        assert_eq!(
            decode(b"ok \xC4\xDA\xB2\xBF"),
            Err(InputError::NotUtf8 { offset: 3 })
        );
    }
}
