//! Extraction: the bytes of a document in, the text the engine scans out, with where each stretch
//! of text came from. Pure: no I/O, no clock; bounded in memory and time on any input.
//!
//! | format | detected by | what is extracted |
//! |---|---|---|
//! | Word `.docx` | a ZIP package with `word/document.xml` | [`docx`] |
//! | Excel `.xlsx` | a ZIP package with `xl/workbook.xml` | [`sheet`] |
//! | OpenDocument `.ods` | a ZIP package whose `mimetype` says spreadsheet | [`sheet`] |
//! | OFD | a ZIP package with `OFD.xml` | [`ofd`] |
//! | Word `.doc`, WPS `.wps` | an OLE compound file with a `WordDocument` stream | `doc` |
//! | Excel `.xls`, WPS `.et` | an OLE compound file with a `Workbook` stream | [`sheet`] |
//! | PDF | `%PDF-` in the first 1024 bytes | [`pdf`] |
//! | HTML | the first tag (`<!DOCTYPE html`, `<html`, `<head`, `<body`, `<div`, …) | [`html`] |
//! | CSV | a `.csv` name, or equal comma-separated widths over three records | [`csv`] |
//! | text | everything else that decodes | [`encoding`] |
//!
//! Images, archives, presentations, encrypted Office files and RTF are not errors: they are a
//! [`Document`] with an [`Unreadable`] part, which the pipeline holds for a person to look at.
//! Broken files and noise are an [`InputError`] naming what is wrong.
//!
//! Offsets: a [`Document`]'s `text` is what the engine scans, so finding spans are offsets into
//! it. For UTF-8 text without markup it is the file's text (after a byte-order mark), borrowed.

pub mod csv;
mod doc;
pub mod docx;
pub mod encoding;
pub mod html;
pub mod ofd;
pub mod ole;
pub(crate) mod package;
pub mod pdf;
pub mod sheet;

use std::borrow::Cow;

pub use crate::engine::Location;
mod error;
pub use error::{utf8_text, InputError, MAX_INPUT_BYTES};

/// The detected format of an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Html,
    Docx,
    /// Comma-separated values: a table.
    Csv,
    /// Excel `.xlsx` (and WPS `.et` saved in that form).
    Xlsx,
    /// Excel 97–2003 `.xls` (and WPS `.et` saved in that form).
    Xls,
    /// OpenDocument spreadsheet `.ods`.
    Ods,
    Pdf,
    /// OFD (GB/T 33190).
    Ofd,
    /// Word 97–2003 `.doc` (and WPS `.wps`).
    Doc,
    /// A file baomi holds without reading: an image, an archive, a presentation, an
    /// encrypted file.
    Unreadable,
}

impl Format {
    pub const ALL: [Format; 11] = [
        Format::Text,
        Format::Html,
        Format::Docx,
        Format::Csv,
        Format::Xlsx,
        Format::Xls,
        Format::Ods,
        Format::Pdf,
        Format::Ofd,
        Format::Doc,
        Format::Unreadable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Html => "html",
            Format::Docx => "docx",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Xls => "xls",
            Format::Ods => "ods",
            Format::Pdf => "pdf",
            Format::Ofd => "ofd",
            Format::Doc => "doc",
            Format::Unreadable => "unreadable",
        }
    }
}

/// From `start` up to the next segment's start (or the end of the text), the text came from
/// `location`, at `at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub start: usize,
    pub location: Location,
    pub at: At,
}

/// Where inside a format with pages or sheets a stretch of text sits. `Copy`, so that a
/// segment per cell stays cheap; [`Document::place`] turns it into the finding's
/// [`Place`](crate::engine::Place).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct At {
    /// 1-based page.
    pub page: Option<u32>,
    /// Index into [`Document::sheets`].
    pub sheet: Option<u32>,
    /// 0-based (row, column).
    pub cell: Option<(u32, u32)>,
}

/// A part of a document that could not be read: the pipeline holds the document with an
/// `unreadable` finding for each, so that a person looks at it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    /// Where in the text the part would have been (a finding needs a position).
    pub pos: usize,
    pub location: Location,
    pub at: At,
    /// Why, in Chinese, for the reviewer: `第 3 页没有文字层（扫描件或图片）`.
    pub why: String,
}

/// A review trace in a Word document: the text it covers in [`Document::text`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trace {
    pub kind: TraceKind,
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceKind {
    /// A comment (批注); the span is the comment's text.
    Comment,
    /// A tracked insertion (`w:ins`, `w:moveTo`).
    Insertion,
    /// A tracked deletion (`w:del`, `w:moveFrom`).
    Deletion,
    /// A tracked formatting change (`w:rPrChange`, `w:pPrChange`, …); the span is the run or
    /// paragraph it applies to.
    Format,
}

/// Extracted text and where each part of it came from.
///
/// Invariants: `segments` is sorted by `start`, starts at 0 when the text is not empty, and
/// every `start` lies on a character boundary; every trace satisfies
/// `start <= end <= text.len()` on character boundaries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document<'a> {
    pub format: Format,
    /// The encoding the text was decoded from (`UTF-8`, `GBK`, …; `UTF-8` for `.docx`).
    pub encoding: &'static str,
    pub text: Cow<'a, str>,
    pub segments: Vec<Segment>,
    pub traces: Vec<Trace>,
    /// Sheet names, for [`At::sheet`].
    pub sheets: Vec<String>,
    /// Parts that could not be read; each holds the document.
    pub unreadable: Vec<Unreadable>,
    /// Images embedded beside the text (a seal, an emblem, a photo): their text is not read.
    pub images: usize,
}

impl<'a> Document<'a> {
    /// A document that is all body text.
    pub fn plain(text: Cow<'a, str>, format: Format, encoding: &'static str) -> Self {
        Document {
            format,
            encoding,
            text,
            segments: vec![Segment {
                start: 0,
                location: Location::Body,
                at: At::default(),
            }],
            traces: Vec::new(),
            sheets: Vec::new(),
            unreadable: Vec::new(),
            images: 0,
        }
    }

    /// A document none of whose text could be read: empty, with one unreadable part that says
    /// why (an image file, an archive, an encrypted file, a format baomi does not read).
    pub fn unreadable(format: Format, why: String) -> Document<'static> {
        let mut b = Builder::default();
        b.unreadable(Location::Body, At::default(), why);
        b.finish(format, "binary")
    }

    /// The location of the text at byte `pos`.
    pub fn location_at(&self, pos: usize) -> Location {
        self.segment_at(pos).map_or(Location::Body, |s| s.location)
    }

    /// The location and place of the text at byte `pos`.
    pub fn place_at(&self, pos: usize) -> (Location, crate::engine::Place) {
        match self.segment_at(pos) {
            Some(s) => (s.location, self.place(s.at)),
            None => (Location::Body, crate::engine::Place::default()),
        }
    }

    /// `at` with the sheet named and the cell in A1 notation.
    pub fn place(&self, at: At) -> crate::engine::Place {
        crate::engine::Place {
            sheet: at.sheet.and_then(|i| self.sheets.get(i as usize)).cloned(),
            cell: at.cell.map(|(r, c)| crate::engine::cell_name(r, c)),
            page: at.page,
        }
    }

    fn segment_at(&self, pos: usize) -> Option<&Segment> {
        let i = self.segments.partition_point(|s| s.start <= pos);
        i.checked_sub(1).map(|i| &self.segments[i])
    }
}

/// Builds a [`Document`]'s text and segments while an extractor walks its source.
#[derive(Default)]
pub(crate) struct Builder {
    pub text: String,
    pub segments: Vec<Segment>,
    pub traces: Vec<Trace>,
    pub sheets: Vec<String>,
    pub unreadable: Vec<Unreadable>,
    pub images: usize,
}

impl Builder {
    pub fn push(&mut self, s: &str, location: Location) {
        self.push_at(s, location, At::default());
    }

    /// [`Builder::push`] for text at a page, sheet or cell.
    pub fn push_at(&mut self, s: &str, location: Location, at: At) {
        if s.is_empty() {
            return;
        }
        if self.segments.last().map(|g| (g.location, g.at)) != Some((location, at)) {
            self.segments.push(Segment {
                start: self.text.len(),
                location,
                at,
            });
        }
        self.text.push_str(s);
    }

    /// Records a part that could not be read, at the current end of the text.
    pub fn unreadable(&mut self, location: Location, at: At, why: String) {
        self.unreadable.push(Unreadable {
            pos: self.text.len(),
            location,
            at,
            why,
        });
    }

    /// Counts an image embedded beside the text.
    pub fn image(&mut self) {
        self.images += 1;
    }

    /// Adds a sheet's name and returns its index for [`At::sheet`].
    pub fn sheet(&mut self, name: &str) -> u32 {
        self.sheets.push(name.to_string());
        (self.sheets.len() - 1) as u32
    }

    /// Ends the current line unless the text is empty or already ends one.
    pub fn end_line(&mut self, location: Location) {
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.push("\n", location);
        }
    }

    pub fn len(&self) -> usize {
        self.text.len()
    }

    /// Records a trace over `start..self.len()`, merged with the previous one when they are of
    /// the same kind and touch.
    pub fn trace(&mut self, kind: TraceKind, start: usize) {
        let end = self.text.len();
        if start >= end {
            return;
        }
        if let Some(last) = self.traces.last_mut() {
            if last.kind == kind && last.end == start {
                last.end = end;
                return;
            }
        }
        self.traces.push(Trace { kind, start, end });
    }

    pub fn finish(self, format: Format, encoding: &'static str) -> Document<'static> {
        Document {
            format,
            encoding,
            text: Cow::Owned(self.text),
            segments: self.segments,
            traces: self.traces,
            sheets: self.sheets,
            unreadable: self.unreadable,
            images: self.images,
        }
    }
}

/// Detects the format of `bytes` from their content and extracts the text. A format baomi
/// does not read (an image, an archive, a presentation, an encrypted file) is not an error:
/// it is a [`Document`] with an [`Unreadable`] part, so that the pipeline holds it.
pub fn extract(bytes: &[u8]) -> Result<Document<'_>, InputError> {
    extract_named(bytes, None)
}

/// [`extract`], with the file's name as a hint where content alone cannot tell: a `.csv`
/// file is read as a table even when it does not look like one. Detection is by content
/// everywhere else; the name never makes a file skip a check.
pub fn extract_named<'a>(bytes: &'a [u8], name: Option<&str>) -> Result<Document<'a>, InputError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(InputError::TooLarge { len: bytes.len() });
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return zip_package(bytes);
    }
    if bytes.starts_with(OLE_MAGIC) {
        return ole::extract(bytes);
    }
    if memchr::memmem::find(&bytes[..bytes.len().min(1024)], b"%PDF-").is_some() {
        return pdf::extract(bytes);
    }
    if let Some((format, why)) = unread_format(bytes) {
        return Ok(Document::unreadable(format, why.to_string()));
    }
    let (text, encoding) = encoding::decode(bytes)?;
    if html::looks_like_html(&text) {
        return html::extract(&text, encoding);
    }
    let named_csv = name.is_some_and(|n| {
        n.rsplit('.')
            .next()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
    });
    if named_csv || csv::looks_like_csv(&text) {
        return Ok(csv::extract(&text, encoding));
    }
    Ok(Document::plain(text, Format::Text, encoding))
}

/// The signature of an OLE compound file: legacy Word, Excel and PowerPoint, WPS, and
/// encrypted Office Open XML files.
pub(crate) const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// A ZIP file: Word, Excel, OpenDocument spreadsheet, OFD, by the parts inside; a
/// presentation or any other archive is held unread.
fn zip_package(bytes: &[u8]) -> Result<Document<'_>, InputError> {
    let mut package = package::Package::open(bytes)?;
    if package.has("word/document.xml") {
        return docx::extract_package(&mut package);
    }
    if package.has("xl/workbook.xml") || package.has("xl/workbook.bin") {
        return sheet::extract_xlsx(&mut package, bytes);
    }
    if package.has("OFD.xml") {
        return ofd::extract_package(&mut package);
    }
    if package.has("content.xml") && package.has("mimetype") {
        let mime = package.read("mimetype")?;
        if mime.starts_with(b"application/vnd.oasis.opendocument.spreadsheet") {
            return sheet::extract_ods(&mut package);
        }
        if mime.starts_with(b"application/vnd.oasis.opendocument.text") {
            return Ok(Document::unreadable(
                Format::Unreadable,
                "OpenDocument 文本（.odt）暂不能读取，请另存为 .docx 后送审".into(),
            ));
        }
    }
    let why = if package.has("ppt/presentation.xml") {
        "演示文稿（.pptx）暂不能读取"
    } else if package.encrypted() {
        "加密的 ZIP 压缩包，无法读取其中的文件"
    } else {
        "ZIP 压缩包：其中的文件未逐个审查，请解压后分别送审"
    };
    Ok(Document::unreadable(Format::Unreadable, why.into()))
}

/// Formats recognised by their magic bytes that baomi holds unread, with the reason.
fn unread_format(bytes: &[u8]) -> Option<(Format, &'static str)> {
    const TABLE: &[(&[u8], &str)] = &[
        (b"{\\rtf", "RTF 文档暂不能读取，请另存为 .docx 后送审"),
        (b"\x1F\x8B", "gzip 压缩文件，其中的内容未经审查"),
        (b"7z\xBC\xAF\x27\x1C", "7-Zip 压缩包，其中的文件未经审查"),
        (b"Rar!\x1A\x07", "RAR 压缩包，其中的文件未经审查"),
        (b"PK\x07\x08", "分卷 ZIP 压缩包，其中的文件未经审查"),
        (
            b"\x89PNG\r\n\x1A\n",
            "PNG 图片：图片中的文字（如扫描件、证件照）无法读取",
        ),
        (
            b"\xFF\xD8\xFF",
            "JPEG 图片：图片中的文字（如扫描件、证件照）无法读取",
        ),
        (b"GIF8", "GIF 图片：图片中的文字无法读取"),
        (b"BM", "BMP 图片：图片中的文字无法读取"),
        (b"II*\0", "TIFF 图片（常见于扫描件）：图片中的文字无法读取"),
        (b"MM\0*", "TIFF 图片（常见于扫描件）：图片中的文字无法读取"),
        (b"\0\0\0\x0CjP  ", "JPEG 2000 图片：图片中的文字无法读取"),
    ];
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some((Format::Unreadable, "WebP 图片：图片中的文字无法读取"));
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        let brand = &bytes[8..12];
        if [b"heic", b"heix", b"mif1", b"avif"]
            .iter()
            .any(|b| brand == *b)
        {
            return Some((Format::Unreadable, "HEIF/AVIF 图片：图片中的文字无法读取"));
        }
    }
    if bytes.starts_with(b"BM") && bytes.len() >= 14 {
        // "BM" alone starts ordinary text too: a bitmap's header says its own size.
        let declared = u32::from_le_bytes([bytes[2], bytes[3], bytes[4], bytes[5]]) as usize;
        if declared != bytes.len() {
            return None;
        }
    }
    TABLE
        .iter()
        .filter(|(magic, _)| *magic != b"BM" || bytes.len() >= 14)
        .find(|(magic, _)| bytes.starts_with(magic))
        .map(|&(_, why)| (Format::Unreadable, why))
}

/// The document's own title, found cheaply, for a submission that came without one: the
/// `<title>` of an HTML page (in its first 64 KiB), or the title property of an Office or ODF
/// package (`docProps/core.xml`, `meta.xml`). `None` when it has none or it cannot be read;
/// the scan reads the whole document anyway.
pub fn document_title(bytes: &[u8]) -> Option<String> {
    if bytes.starts_with(b"PK\x03\x04") {
        let mut package = package::Package::open(bytes).ok()?;
        let part = ["docProps/core.xml", "meta.xml"]
            .into_iter()
            .find(|p| package.has(p))?;
        let xml = package.read(part).ok()?;
        return element_text(&String::from_utf8_lossy(&xml), "dc:title");
    }
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let text = match std::str::from_utf8(head) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        // Cut inside a character at the 64 KiB mark, or a GBK page.
        Err(e) if e.error_len().is_none() => String::from_utf8_lossy(&head[..e.valid_up_to()]),
        Err(_) => encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(head)
            .unwrap_or_default(),
    };
    let lower = text.to_ascii_lowercase();
    if !lower.contains("<html") && !lower.contains("<!doctype html") && !lower.contains("<head") {
        return None;
    }
    element_text(&text, "title")
}

/// The text of the first `<tag …>…</tag>` in `xml`, ASCII case-insensitive, with the five
/// predefined entities and numeric references resolved; `None` when absent or blank.
fn element_text(xml: &str, tag: &str) -> Option<String> {
    let lower = xml.to_ascii_lowercase();
    let open = format!("<{tag}");
    let mut from = 0;
    let start = loop {
        let i = from + lower[from..].find(&open)?;
        let after = i + open.len();
        match lower.as_bytes().get(after) {
            Some(b'>') => break after + 1,
            Some(b' ' | b'\t' | b'\r' | b'\n') => break after + lower[after..].find('>')? + 1,
            _ => from = after,
        }
    };
    let end = start + lower[start..].find(&format!("</{tag}"))?;
    let raw = &xml[start..end];
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(semi) = rest[..rest.len().min(12)].find(';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let name = &rest[1..semi];
        let c = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => name
                .strip_prefix("#x")
                .or_else(|| name.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    let out = out.trim().to_string();
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod title_tests {
    use super::document_title;

    #[test]
    fn html_title_and_none_for_plain_text() {
        let page = "<!DOCTYPE html><html><head><TITLE lang=zh>关于2026年度 &amp; 公示</TITLE></head></html>";
        assert_eq!(
            document_title(page.as_bytes()).as_deref(),
            Some("关于2026年度 & 公示")
        );
        assert_eq!(document_title("<title>不是网页</title>".as_bytes()), None);
        assert_eq!(document_title(b"<html><titles>x</titles></html>"), None);
        assert_eq!(document_title(b"<html><title>   </title>"), None);
        let (gbk, _, _) = encoding_rs::GBK.encode("<html><title>通知公告</title></html>");
        assert_eq!(document_title(&gbk).as_deref(), Some("通知公告"));
    }
}
