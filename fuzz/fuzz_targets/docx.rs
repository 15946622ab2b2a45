//! Arbitrary bytes behind a ZIP magic: the .docx path must return text or an error, never panic.
//! Seed the corpus with fixtures/formats/*.docx.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = b"PK\x03\x04".to_vec();
    bytes.extend_from_slice(data.strip_prefix(b"PK\x03\x04").unwrap_or(data));
    if let Ok(doc) = baomi::extract::extract(&bytes) {
        for t in &doc.traces {
            assert!(t.start <= t.end && t.end <= doc.text.len());
        }
    }
});
