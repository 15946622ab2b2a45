//! PDF input, two ways, chosen by the first bytes:
//! - `%PDF…`: the bytes are the file itself (broken cross-reference tables, object streams,
//!   encryption dictionaries, hostile page trees);
//! - anything else: the bytes are a page's content stream and a `/ToUnicode` CMap, separated by
//!   a NUL byte; the target writes them into a one-page PDF (uncompressed, with a classic
//!   cross-reference table) whose resources hold a Type0 `Identity-H` font `/F1` with that CMap,
//!   a `UniGB-UCS2-H` font `/F2`, a `GBK-EUC-H` font `/F3`, a simple font `/F4` with
//!   `/Differences`, and a Form XObject `/X1` that draws the same content — so the fuzzer
//!   mutates operators and CMaps rather than file structure.
//!
//! The extractor returns text or an error, never panics (a panic inside lopdf is caught and is
//! a failure here too: `pdf::extract` turns it into an error, so the assertion is on the
//! invariants), and the document keeps its invariants. Seeded by fuzz/seed.py with
//! fixtures/formats/pdf/*.pdf and content streams; dictionary fuzz/dict/pdf.dict.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "check.rs"]
mod check;

fn stream(body: &[u8], extra: &str) -> Vec<u8> {
    let mut s = format!("<< /Length {} {extra}>>\nstream\n", body.len()).into_bytes();
    s.extend_from_slice(body);
    s.extend_from_slice(b"\nendstream");
    s
}

fn wrap(content: &[u8], cmap: &[u8]) -> Vec<u8> {
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Annots [12 0 R] \
           /Resources << /Font << /F1 5 0 R /F2 7 0 R /F3 9 0 R /F4 10 0 R >> /XObject << /X1 11 0 R >> >> >>"
            .to_vec(),
        stream(content, ""),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /AAAAAA+SimSun /Encoding /Identity-H \
           /DescendantFonts [6 0 R] /ToUnicode 13 0 R >>"
            .to_vec(),
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /AAAAAA+SimSun \
           /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /W [1 [500 600] 10 20 700] >>"
            .to_vec(),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [8 0 R] >>"
            .to_vec(),
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light \
           /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> >>"
            .to_vec(),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /GBK-EUC-H /DescendantFonts [8 0 R] >>"
            .to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /FirstChar 32 /Widths [250 300] \
           /Encoding << /BaseEncoding /WinAnsiEncoding /Differences [65 /uni5185 /quoteright] >> >>"
            .to_vec(),
        stream(content, "/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Matrix [1 0 0 1 0 -400] "),
        b"<< /Type /Annot /Subtype /Text /Rect [0 0 1 1] /Contents <FEFF5185> >>".to_vec(),
        stream(cmap, ""),
    ];
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fuzz_target!(|data: &[u8]| {
    let owned;
    let bytes = if data.starts_with(b"%PDF") {
        data
    } else {
        let mut parts = data.splitn(2, |&b| b == 0);
        let content = parts.next().unwrap_or(b"");
        let cmap = parts.next().unwrap_or(b"");
        owned = wrap(content, cmap);
        &owned[..]
    };
    match baomi::extract::pdf::extract(bytes) {
        Ok(doc) => check::document(&doc),
        Err(e) => check::error(&e, bytes.len()),
    }
});
