//! Extraction: the bytes of a document in, the text the engine scans out, with where each stretch
//! of text came from. Pure: no I/O, no clock; bounded in memory and time on any input.
//!
//! | format | detected by | what is extracted |
//! |---|---|---|
//! | Word `.docx` | ZIP magic `PK\x03\x04` and a `word/document.xml` part | [`docx`] |
//! | HTML | the first tag (`<!DOCTYPE html`, `<html`, `<head`, `<body`, `<div`, …) | [`html`] |
//! | text | everything else that decodes | [`encoding`] |
//!
//! PDF, RTF, OLE compound files (legacy `.doc`, encrypted `.docx`) and binary data are refused
//! with an [`InputError`] naming what they look like.
//!
//! Offsets: a [`Document`]'s `text` is what the engine scans, so finding spans are offsets into
//! it. For UTF-8 text without markup it is the file's text (after a byte-order mark), borrowed.

pub mod docx;
pub mod encoding;
pub mod html;

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
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Html => "html",
            Format::Docx => "docx",
        }
    }
}

/// From `start` up to the next segment's start (or the end of the text), the text came from
/// `location`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub start: usize,
    pub location: Location,
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
            }],
            traces: Vec::new(),
        }
    }

    /// The location of the text at byte `pos`.
    pub fn location_at(&self, pos: usize) -> Location {
        let i = self.segments.partition_point(|s| s.start <= pos);
        if i == 0 {
            Location::Body
        } else {
            self.segments[i - 1].location
        }
    }
}

/// Builds a [`Document`]'s text and segments while an extractor walks its source.
#[derive(Default)]
pub(crate) struct Builder {
    pub text: String,
    pub segments: Vec<Segment>,
    pub traces: Vec<Trace>,
}

impl Builder {
    pub fn push(&mut self, s: &str, location: Location) {
        if s.is_empty() {
            return;
        }
        if self.segments.last().map(|g| g.location) != Some(location) {
            self.segments.push(Segment {
                start: self.text.len(),
                location,
            });
        }
        self.text.push_str(s);
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
        }
    }
}

/// Detects the format of `bytes` from their content and extracts the text.
pub fn extract(bytes: &[u8]) -> Result<Document<'_>, InputError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(InputError::TooLarge { len: bytes.len() });
    }
    if let Some(format) = refused_format(bytes) {
        return Err(InputError::UnsupportedFormat { format });
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return docx::extract(bytes);
    }
    let (text, encoding) = encoding::decode(bytes)?;
    if html::looks_like_html(&text) {
        return html::extract(&text, encoding);
    }
    Ok(Document::plain(text, Format::Text, encoding))
}

/// Formats recognised by their magic bytes that are refused with a name rather than as
/// "binary".
fn refused_format(bytes: &[u8]) -> Option<&'static str> {
    const TABLE: &[(&[u8], &str)] = &[
        (b"%PDF-", "PDF"),
        (
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
            "an OLE compound file (legacy Word .doc/.xls/.ppt, or an encrypted .docx)",
        ),
        (b"{\\rtf", "RTF"),
        (b"\x1F\x8B", "gzip-compressed data"),
        (b"7z\xBC\xAF\x27\x1C", "a 7-Zip archive"),
        (b"Rar!\x1A\x07", "a RAR archive"),
        (b"\x89PNG\r\n\x1A\n", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"PK\x07\x08", "a split ZIP archive"),
    ];
    TABLE
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
        .map(|&(_, name)| name)
}
