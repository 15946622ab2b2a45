//! OFD input, two ways, chosen by the first bytes:
//! - `PK…`: the bytes are the package itself (corrupt, truncated, hostile archives);
//! - anything else: the bytes are the XML of the parts, separated by NUL bytes, in this order:
//!   `OFD.xml`, `Doc_0/Document.xml`, `Doc_0/Pages/Page_0/Content.xml`,
//!   `Doc_0/Annots/Annotations.xml`, `Doc_0/Annots/Page_0/Annotation.xml`,
//!   `Doc_0/Tpls/Tpl_0/Content.xml`; the target stores them in a ZIP archive.
//!
//! The extractor returns text or an error, never panics; the document keeps its invariants;
//! the scan of it keeps the report's.
#![no_main]

use std::io::{Cursor, Write};

use libfuzzer_sys::fuzz_target;
use zip::write::SimpleFileOptions;

#[path = "check.rs"]
mod check;

const PARTS: [&str; 6] = [
    "OFD.xml",
    "Doc_0/Document.xml",
    "Doc_0/Pages/Page_0/Content.xml",
    "Doc_0/Annots/Annotations.xml",
    "Doc_0/Annots/Page_0/Annotation.xml",
    "Doc_0/Tpls/Tpl_0/Content.xml",
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
