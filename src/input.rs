//! Turning the bytes of a file into the text the engine scans.
//!
//! For now baomi reads UTF-8 text (with or without a byte-order mark, LF or CRLF). Anything else
//! is a clear error rather than garbage: other encodings and document formats are extracted by a
//! later layer.

use std::fmt;

/// Files larger than this are refused rather than read into memory.
pub const MAX_INPUT_BYTES: usize = 256 * 1024 * 1024;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputError {
    TooLarge { len: usize },
    Binary { offset: usize },
    Utf16,
    NotUtf8 { offset: usize },
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::TooLarge { len } => write!(
                f,
                "file is {len} bytes, over the {} MiB limit",
                MAX_INPUT_BYTES / (1024 * 1024)
            ),
            InputError::Binary { offset } => {
                write!(f, "binary data (NUL byte at offset {offset}); only UTF-8 text is supported")
            }
            InputError::Utf16 => write!(f, "UTF-16 text is not supported yet; convert it to UTF-8"),
            InputError::NotUtf8 { offset } => write!(
                f,
                "not valid UTF-8 (invalid byte at offset {offset}); GBK and other encodings are not supported yet"
            ),
        }
    }
}

impl std::error::Error for InputError {}

/// Checks that `bytes` are UTF-8 text and returns it without a leading byte-order mark.
/// Spans in findings are byte offsets into the returned text.
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

/// Decodes `bytes` and scans the text: the one entry point that callers with raw bytes (the CLI,
/// the service) use, so that every format the extraction layer knows is handled the same way
/// everywhere. Finding spans are byte offsets into the decoded text.
pub fn scan_bytes(
    engine: &crate::engine::Engine,
    bytes: &[u8],
) -> Result<crate::engine::Report, InputError> {
    decode(bytes).map(|text| engine.scan(text))
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
