//! Word `.docx` input, two ways, chosen by the first bytes:
//! - `PK…`: the bytes are the archive itself (corrupt, truncated, hostile archives);
//! - anything else: the bytes are the XML of the parts, separated by NUL bytes, in this order:
//!   `word/document.xml`, `word/header1.xml`, `word/footer1.xml`, `word/footnotes.xml`,
//!   `word/endnotes.xml`, `word/comments.xml`; the target stores them in a ZIP archive, so the
//!   fuzzer mutates the XML rather than compressed bytes.
//!
//! The extractor returns text or an error, never panics; the document keeps its invariants; the
//! scan of it (`pipeline::scan_document`, which turns review traces into findings) keeps the
//! report's. Seeded with fixtures/formats/*.docx and their parts; dictionary fuzz/dict/docx.dict.
#![no_main]

use std::io::{Cursor, Write};

use libfuzzer_sys::fuzz_target;
use zip::write::SimpleFileOptions;

#[path = "check.rs"]
mod check;

const PARTS: [&str; 6] = [
    "word/document.xml",
    "word/header1.xml",
    "word/footer1.xml",
    "word/footnotes.xml",
    "word/endnotes.xml",
    "word/comments.xml",
];

fn archive(data: &[u8]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, xml) in PARTS.iter().zip(data.split(|&b| b == 0)) {
        w.start_file(*name, opts).unwrap();
        w.write_all(xml).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fuzz_target!(|data: &[u8]| {
    let bytes = if data.starts_with(b"PK") {
        data.to_vec()
    } else {
        archive(data)
    };
    check::extracted(&bytes);
});
