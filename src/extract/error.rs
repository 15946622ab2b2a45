//! Why a document could not be read, and the input size limit.

use std::fmt;

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
    /// A file of a recognised format (`format`: "PDF", "xlsx", …) whose structure is broken.
    Corrupt {
        format: &'static str,
        detail: String,
    },
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
            InputError::CorruptZip { .. } | InputError::Xml { .. } | InputError::Corrupt { .. } => {
                "corrupt"
            }
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
            InputError::CorruptZip { detail } => write!(f, "corrupt or truncated ZIP package (.docx, .xlsx, .ods, .ofd): {detail}"),
            InputError::Limit { detail } => write!(f, "refused, safety limit exceeded: {detail}"),
            InputError::Xml { part, detail } => write!(f, "malformed .docx: {part}: {detail}"),
            InputError::Corrupt { format, detail } => write!(f, "malformed {format}: {detail}"),
        }
    }
}

impl std::error::Error for InputError {}

/// Checks that `bytes` are UTF-8 text and returns it without a leading byte-order mark: the
/// plain UTF-8 path only, kept for callers that need a `&str` of the file. Use
/// [`crate::pipeline::scan_bytes`] (or [`super::extract`]) for documents, which reads every
/// supported format.
pub fn utf8_text(bytes: &[u8]) -> Result<&str, InputError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_and_strips_bom() {
        assert_eq!(utf8_text("内部资料".as_bytes()).unwrap(), "内部资料");
        assert_eq!(utf8_text(b"\xEF\xBB\xBFabc").unwrap(), "abc");
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert_eq!(utf8_text(b"ab\0c"), Err(InputError::Binary { offset: 2 }));
        assert_eq!(utf8_text(b"\xFF\xFEa\0"), Err(InputError::Utf16));
        // "内部" in GBK.
        assert_eq!(
            utf8_text(b"ok \xC4\xDA\xB2\xBF"),
            Err(InputError::NotUtf8 { offset: 3 })
        );
    }
}
