//! Arbitrary bytes through the whole detection and decoding path (`extract::extract`, the
//! decoders in `extract::encoding` and `extract::utf8_text`): never a panic, documents keep their
//! invariants, error offsets point into the input, and the paths agree with each other.
#![no_main]

use libfuzzer_sys::fuzz_target;

use baomi::extract::{self, Format};

#[path = "check.rs"]
mod check;

fuzz_target!(|data: &[u8]| {
    let decoded = extract::encoding::decode(data);
    match &decoded {
        Ok((text, _)) => assert!(!text.contains('\0'), "decoded text with NUL"),
        Err(e) => check::error(e, data.len()),
    }
    match extract::extract(data) {
        Ok(doc) => {
            check::document(&doc);
            if doc.format == Format::Text {
                let (text, encoding) = decoded.as_ref().expect("text extracted but not decoded");
                assert_eq!(doc.text, *text, "plain text differs from its decoding");
                assert_eq!(doc.encoding, *encoding);
            }
        }
        Err(e) => check::error(&e, data.len()),
    }
    match baomi::extract::utf8_text(data) {
        // Plain UTF-8: the bytes after an optional BOM, and the extractor's decoder agrees.
        Ok(s) => {
            let body = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
            assert_eq!(s.as_bytes(), body);
            let (text, encoding) = decoded.as_ref().expect("UTF-8 refused by encoding::decode");
            assert_eq!(encoding, &"UTF-8");
            assert_eq!(text, s);
        }
        Err(e) => check::error(&e, data.len()),
    }
});
