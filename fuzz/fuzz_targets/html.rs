//! Arbitrary UTF-8 after an HTML doctype: the HTML path must return text or an error, never
//! panic. Seed the corpus with fixtures/formats/*.html.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let page = format!("<!DOCTYPE html>{s}");
    if let Ok(doc) = baomi::extract::html::extract(&page, "UTF-8") {
        for seg in &doc.segments {
            assert!(doc.text.is_char_boundary(seg.start));
        }
    }
});
