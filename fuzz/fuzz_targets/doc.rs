//! Word 97–2003 `.doc` input, two ways, chosen by the first bytes:
//! - the OLE signature: the bytes are the compound file itself (corrupt, truncated files);
//! - anything else: the bytes are the `WordDocument` stream, then (after the first NUL NUL
//!   NUL NUL) the `1Table` stream, then the `\x05SummaryInformation` property set; the
//!   target stores them in a compound file, so that the fuzzer mutates the FIB, the piece
//!   table and the text rather than the container.
//!
//! The extractor returns text or an error, never panics; the document keeps its invariants;
//! the scan of it keeps the report's.
#![no_main]

use std::io::{Cursor, Write};

use libfuzzer_sys::fuzz_target;

#[path = "check.rs"]
mod check;

const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

fn compound(data: &[u8]) -> Vec<u8> {
    let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    let names = ["/WordDocument", "/1Table", "/\u{5}SummaryInformation"];
    let mut rest = data;
    for name in names {
        let (part, next) = match rest.windows(4).position(|w| w == [0, 0, 0, 0]) {
            Some(i) => (&rest[..i], &rest[i + 4..]),
            None => (rest, &[][..]),
        };
        let mut s = cf.create_stream(name).unwrap();
        s.write_all(part).unwrap();
        drop(s);
        rest = next;
    }
    cf.flush().unwrap();
    cf.into_inner().into_inner()
}

fuzz_target!(|data: &[u8]| {
    let bytes = if data.starts_with(OLE) {
        data.to_vec()
    } else {
        compound(data)
    };
    check::extracted(&bytes);
});
