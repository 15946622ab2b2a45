//! Arbitrary UTF-8 after an HTML doctype: the HTML path must return text or an error, never
//! panic, and the document keeps its invariants. Seeded with fixtures/formats/*.html;
//! dictionary: fuzz/dict/html.dict.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "check.rs"]
mod check;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let page = format!("<!DOCTYPE html>{s}");
    if let Ok(doc) = baomi::extract::html::extract(&page, "UTF-8") {
        check::document(&doc);
    }
});
