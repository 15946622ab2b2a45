//! Spreadsheet input, chosen by the first byte:
//! - `PK…` or an OLE signature: the bytes are the file itself (`.xlsx`, `.ods`, `.xls`);
//! - `O`: the rest is an OpenDocument `content.xml`, stored in an `.ods` package;
//! - anything else: NUL-separated parts of an `.xlsx` package, in this order:
//!   `xl/workbook.xml`, `xl/_rels/workbook.xml.rels`, `xl/worksheets/sheet1.xml`,
//!   `xl/sharedStrings.xml`, `xl/worksheets/_rels/sheet1.xml.rels`, `xl/comments1.xml`,
//!   `docProps/core.xml`; stored uncompressed, so the fuzzer mutates the XML.
//!
//! The extractor returns a document or an error, never panics; the document keeps its
//! invariants and the scan of it the report's.
#![no_main]

use std::io::{Cursor, Write};

use libfuzzer_sys::fuzz_target;
use zip::write::SimpleFileOptions;

#[path = "check.rs"]
mod check;

const XLSX: [&str; 7] = [
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/worksheets/sheet1.xml",
    "xl/sharedStrings.xml",
    "xl/worksheets/_rels/sheet1.xml.rels",
    "xl/comments1.xml",
    "docProps/core.xml",
];

fn package(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in parts {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

// The extractor catches panics of the third-party readers it calls and reports a corrupt file;
// libfuzzer-sys's hook would abort at the panic before that catch. The default hook is put
// back: a panic that escapes the extractor still reaches libfuzzer-sys's own catch, which
// aborts, so baomi's own panics are still found.
fuzz_target!(init: { drop(std::panic::take_hook()); }, |data: &[u8]| {
    let bytes = if data.starts_with(b"PK") || data.starts_with(b"\xD0\xCF") {
        data.to_vec()
    } else if let Some(content) = data.strip_prefix(b"O") {
        package(&[
            ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
            ("content.xml", content),
        ])
    } else {
        let parts: Vec<(&str, &[u8])> = XLSX.iter().copied().zip(data.split(|&b| b == 0)).collect();
        package(&parts)
    };
    check::extracted(&bytes);
});
