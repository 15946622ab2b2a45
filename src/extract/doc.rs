//! Word 97–2003 `.doc` and WPS `.wps` (MS-DOC, an OLE compound file) → text.
//!
//! The text of a Word binary document is a sequence of characters addressed by character
//! position (CP), stored in pieces: the piece table (the `Pcdt` in the CLX, in the `0Table` or
//! `1Table` stream as the FIB's `fWhichTblStm` says) maps each run of CPs to bytes of the
//! `WordDocument` stream, 8-bit ("compressed", CP1252 with MS-DOC's exceptions for 0x80–0x9F)
//! or UTF-16LE. The FIB's `ccp*` counts split the CPs into stories, in this order: main text,
//! footnotes, headers and footers (one story; located as [`Location::Header`]), comments,
//! endnotes, text boxes, header text boxes.
//!
//! Word's special characters: 0x0D ends a paragraph; 0x07 ends a table cell, and a 0x07 right
//! after a cell's end ends the row (cells are joined by ` | `, rows end lines, the text is
//! [`Location::Table`]); 0x0B, 0x0C and 0x0E break lines; a field (0x13 code 0x14 result 0x15)
//! keeps its result and drops its code. Tables are recognised from these marks alone (the
//! paragraph properties are not read), so the paragraphs of a cell before its last one are
//! placed as body text. Comments become a [`TraceKind::Comment`] trace.
//!
//! The `\x05SummaryInformation` and `\x05DocumentSummaryInformation` property sets (title,
//! subject, author, keywords, comments, last author, manager, company, custom properties) come
//! last, as [`Location::Properties`].
//!
//! Encrypted and obfuscated files, and Word 6/95 files, are held unread.

use std::io::Read;

use super::ole::ole_error;
use super::{At, Builder, Document, Format, InputError, Location, Trace, TraceKind};

/// A stream larger than this is refused (the input itself is at most 256 MiB).
pub const MAX_STREAM_BYTES: u64 = 128 * 1024 * 1024;
/// At most this many pieces in the piece table (Word writes one to a few hundred).
pub const MAX_PIECES: usize = 1_000_000;
/// At most this many characters in all stories together.
pub const MAX_CHARS: u64 = 32 * 1024 * 1024;
/// Nested fields deeper than this are not tracked (their codes then show as text).
const MAX_FIELD_DEPTH: usize = 64;

type Cf<'a> = cfb::CompoundFile<std::io::Cursor<&'a [u8]>>;

fn corrupt(detail: impl Into<String>) -> InputError {
    InputError::Corrupt {
        format: "doc",
        detail: detail.into(),
    }
}

fn read_stream(cf: &mut Cf<'_>, name: &str) -> Result<Option<Vec<u8>>, InputError> {
    let path = format!("/{name}");
    if !cf.is_stream(&path) {
        return Ok(None);
    }
    let mut s = cf.open_stream(&path).map_err(|e| InputError::Corrupt {
        format: "doc",
        detail: format!("{}: {}", name.trim_start_matches('\x05'), ole_error(&e)),
    })?;
    let len = s.len();
    if len > MAX_STREAM_BYTES {
        return Err(InputError::Limit {
            detail: format!(
                "{} stream is {len} bytes, limit {MAX_STREAM_BYTES}",
                name.trim_start_matches('\x05')
            ),
        });
    }
    let mut buf = Vec::with_capacity(len.min(16 << 20) as usize);
    (&mut s)
        .take(MAX_STREAM_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| InputError::Corrupt {
            format: "doc",
            detail: format!("{}: {}", name.trim_start_matches('\x05'), ole_error(&e)),
        })?;
    Ok(Some(buf))
}

fn u16_at(b: &[u8], o: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(o..o.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn u32_at(b: &[u8], o: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(o..o.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// What the FIB says about the document.
#[derive(Debug, Default, PartialEq, Eq)]
struct Fib {
    n_fib: u16,
    encrypted: bool,
    obfuscated: bool,
    table_1: bool,
    /// ccpText, ccpFtn, ccpHdd, ccpMcr, ccpAtn, ccpEdn, ccpTxbx, ccpHdrTxbx.
    ccp: [u32; 8],
    fc_clx: u32,
    lcb_clx: u32,
}

fn parse_fib(w: &[u8]) -> Result<Fib, InputError> {
    let short = || corrupt("WordDocument: file information block cut short (truncated?)");
    if u16_at(w, 0).ok_or_else(short)? != 0xA5EC {
        return Err(corrupt(
            "WordDocument: no Word file information block (wIdent is not 0xA5EC)",
        ));
    }
    let n_fib = u16_at(w, 2).ok_or_else(short)?;
    let flags = u16_at(w, 0x0A).ok_or_else(short)?;
    let mut fib = Fib {
        n_fib,
        encrypted: flags & 0x0100 != 0,
        obfuscated: flags & 0x8000 != 0,
        table_1: flags & 0x0200 != 0,
        ..Fib::default()
    };
    if fib.encrypted || n_fib < 0xC0 {
        // Encrypted files keep the FIB base only; Word 6/95 files have another layout.
        return Ok(fib);
    }
    let csw = usize::from(u16_at(w, 32).ok_or_else(short)?);
    let lw = 34 + csw * 2;
    let cslw = usize::from(u16_at(w, lw).ok_or_else(short)?);
    let rglw = lw + 2;
    if cslw < 11 {
        return Err(corrupt(format!(
            "WordDocument: FIB has {cslw} long fields, at least 11 expected"
        )));
    }
    // FibRgLw97: ccpText at index 3, then ccpFtn, ccpHdd, ccpMcr, ccpAtn, ccpEdn, ccpTxbx,
    // ccpHdrTxbx.
    for (i, c) in fib.ccp.iter_mut().enumerate() {
        *c = u32_at(w, rglw + (3 + i) * 4).ok_or_else(short)?;
    }
    let fc = rglw + cslw * 4;
    let cb = usize::from(u16_at(w, fc).ok_or_else(short)?);
    if cb < 34 {
        return Err(corrupt(format!(
            "WordDocument: FIB has {cb} offset pairs, at least 34 expected"
        )));
    }
    // fcClx/lcbClx: the 34th pair of FibRgFcLcb97.
    fib.fc_clx = u32_at(w, fc + 2 + 33 * 8).ok_or_else(short)?;
    fib.lcb_clx = u32_at(w, fc + 2 + 33 * 8 + 4).ok_or_else(short)?;
    Ok(fib)
}

/// A piece: CPs `cp..cp_end` are at byte `fc` of the WordDocument stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Piece {
    cp: u32,
    cp_end: u32,
    fc: u32,
    compressed: bool,
}

/// The piece table of a CLX: skips the `Prc` property records, reads the `Pcdt`.
fn parse_clx(clx: &[u8]) -> Result<Vec<Piece>, InputError> {
    let short = || corrupt("piece table cut short");
    let mut o = 0usize;
    loop {
        match clx.get(o) {
            Some(1) => {
                let cb = u16_at(clx, o + 1).ok_or_else(short)?;
                o += 3 + usize::from(cb);
            }
            Some(2) => break,
            Some(t) => {
                return Err(corrupt(format!(
                    "piece table: unexpected record type {t:#04x}"
                )))
            }
            None => return Err(corrupt("no piece table in the CLX")),
        }
    }
    let lcb = u32_at(clx, o + 1).ok_or_else(short)? as usize;
    let plc = clx.get(o + 5..o + 5 + lcb).ok_or_else(short)?;
    if lcb < 4 || !(lcb - 4).is_multiple_of(12) {
        return Err(corrupt(format!("piece table of {lcb} bytes is not whole")));
    }
    let n = (lcb - 4) / 12;
    if n > MAX_PIECES {
        return Err(InputError::Limit {
            detail: format!("piece table has {n} pieces, limit {MAX_PIECES}"),
        });
    }
    let cp = |i: usize| u32_at(plc, i * 4).ok_or_else(short);
    let mut pieces = Vec::with_capacity(n);
    for i in 0..n {
        let (start, end) = (cp(i)?, cp(i + 1)?);
        if end < start {
            return Err(corrupt(format!("piece {i} ends before it starts")));
        }
        let raw = u32_at(plc, (n + 1) * 4 + i * 8 + 2).ok_or_else(short)?;
        let compressed = raw & 0x4000_0000 != 0;
        let fc = raw & 0x3FFF_FFFF;
        pieces.push(Piece {
            cp: start,
            cp_end: end,
            fc: if compressed { fc / 2 } else { fc },
            compressed,
        });
    }
    Ok(pieces)
}

/// A byte of a compressed piece: Latin-1, except where MS-DOC maps 0x80–0x9F as CP1252 does.
pub(crate) fn cp1252(b: u8) -> u16 {
    match b {
        0x82 => 0x201A,
        0x83 => 0x0192,
        0x84 => 0x201E,
        0x85 => 0x2026,
        0x86 => 0x2020,
        0x87 => 0x2021,
        0x88 => 0x02C6,
        0x89 => 0x2030,
        0x8A => 0x0160,
        0x8B => 0x2039,
        0x8C => 0x0152,
        0x91 => 0x2018,
        0x92 => 0x2019,
        0x93 => 0x201C,
        0x94 => 0x201D,
        0x95 => 0x2022,
        0x96 => 0x2013,
        0x97 => 0x2014,
        0x98 => 0x02DC,
        0x99 => 0x2122,
        0x9A => 0x0161,
        0x9B => 0x203A,
        0x9C => 0x0153,
        0x9F => 0x0178,
        _ => u16::from(b),
    }
}

/// The UTF-16 code units of CPs `0..total`, from the pieces (CPs no piece covers stay 0 and
/// are dropped as control characters).
fn decode_pieces(word: &[u8], pieces: &[Piece], total: u32) -> Result<Vec<u16>, InputError> {
    let mut units = vec![0u16; total as usize];
    for (i, p) in pieces.iter().enumerate() {
        if p.cp >= total {
            continue;
        }
        let end = p.cp_end.min(total);
        let n = (end - p.cp) as usize;
        let dst = &mut units[p.cp as usize..end as usize];
        let fc = p.fc as usize;
        let bytes = n * if p.compressed { 1 } else { 2 };
        let src = word
            .get(fc..fc.saturating_add(bytes))
            .ok_or_else(|| corrupt(format!("piece {i} lies outside the WordDocument stream")))?;
        if p.compressed {
            for (d, &b) in dst.iter_mut().zip(src) {
                *d = cp1252(b);
            }
        } else {
            for (d, c) in dst.iter_mut().zip(src.chunks_exact(2)) {
                *d = u16::from_le_bytes([c[0], c[1]]);
            }
        }
    }
    Ok(units)
}

/// Writes one story's text.
struct Story<'b> {
    out: &'b mut Builder,
    base: Location,
    /// Open fields: whether each is past its separator (showing its result).
    fields: Vec<bool>,
    /// Fields opened beyond [`MAX_FIELD_DEPTH`], not tracked.
    deep: usize,
    para: String,
    /// Cells ended in the current table row (0: not in a row).
    cells: usize,
    /// The last mark was a cell's end, with nothing since.
    after_cell: bool,
    images: usize,
}

impl Story<'_> {
    fn table_location(&self) -> Location {
        if self.base == Location::Body {
            Location::Table
        } else {
            self.base
        }
    }

    fn flush_line(&mut self) {
        let loc = self.base;
        let line = std::mem::take(&mut self.para);
        self.out.push(&line, loc);
        self.out.push("\n", loc);
    }

    fn char(&mut self, c: char) {
        match c {
            '\u{13}' => {
                if self.fields.len() < MAX_FIELD_DEPTH {
                    self.fields.push(false);
                } else {
                    self.deep += 1;
                }
                return;
            }
            '\u{14}' => {
                if self.deep == 0 {
                    if let Some(top) = self.fields.last_mut() {
                        *top = true;
                    }
                }
                return;
            }
            '\u{15}' => {
                if self.deep > 0 {
                    self.deep -= 1;
                } else {
                    self.fields.pop();
                }
                return;
            }
            _ => {}
        }
        if self.fields.iter().any(|shown| !shown) {
            return;
        }
        match c {
            '\r' => {
                if self.cells > 0 {
                    self.para.push(' ');
                } else {
                    self.flush_line();
                }
            }
            '\u{7}' => {
                let loc = self.table_location();
                if self.after_cell && self.para.trim().is_empty() {
                    self.para.clear();
                    self.out.push("\n", loc);
                    self.cells = 0;
                    self.after_cell = false;
                    return;
                }
                if self.cells > 0 {
                    self.out.push(" | ", loc);
                }
                let cell = std::mem::take(&mut self.para);
                self.out.push(cell.trim_end(), loc);
                self.cells += 1;
                self.after_cell = true;
                return;
            }
            '\u{b}' | '\u{c}' | '\u{e}' => {
                self.para.push(if self.cells > 0 { ' ' } else { '\n' });
            }
            '\t' => self.para.push(if self.cells > 0 { ' ' } else { '\t' }),
            '\u{1e}' => self.para.push('-'),
            '\u{1}' | '\u{8}' => self.images += 1,
            c if (c as u32) < 0x20 => return,
            c => self.para.push(c),
        }
        self.after_cell = false;
    }

    fn finish(mut self) -> usize {
        if self.cells > 0 {
            let loc = self.table_location();
            self.out.push("\n", loc);
        }
        if !self.para.is_empty() {
            self.flush_line();
        }
        self.images
    }
}

fn story(out: &mut Builder, units: &[u16], base: Location) -> usize {
    out.end_line(base);
    let mut s = Story {
        out,
        base,
        fields: Vec::new(),
        deep: 0,
        para: String::new(),
        cells: 0,
        after_cell: false,
        images: 0,
    };
    for c in char::decode_utf16(units.iter().copied()) {
        s.char(c.unwrap_or('\u{FFFD}'));
    }
    s.finish()
}

/// Extracts the text of a Word binary document (an OLE compound file with a `WordDocument`
/// stream).
pub(crate) fn extract(bytes: &[u8]) -> Result<Document<'static>, InputError> {
    let mut cf =
        cfb::CompoundFile::open(std::io::Cursor::new(bytes)).map_err(|e| InputError::Corrupt {
            format: "doc",
            detail: ole_error(&e),
        })?;
    let word =
        read_stream(&mut cf, "WordDocument")?.ok_or_else(|| corrupt("no WordDocument stream"))?;
    let fib = parse_fib(&word)?;
    if fib.encrypted || fib.obfuscated {
        return Ok(Document::unreadable(
            Format::Doc,
            "设有打开密码的加密 Word 文档（.doc/.wps），无法读取".into(),
        ));
    }
    if fib.n_fib < 0xC0 {
        return Ok(Document::unreadable(
            Format::Doc,
            "Word 6.0/95 等早期版本的文档暂不能读取，请另存为 .docx 后送审".into(),
        ));
    }
    let table_name = if fib.table_1 { "1Table" } else { "0Table" };
    let table = read_stream(&mut cf, table_name)?
        .ok_or_else(|| corrupt(format!("no {table_name} stream")))?;
    let (fc, lcb) = (fib.fc_clx as usize, fib.lcb_clx as usize);
    let clx = table
        .get(fc..fc.saturating_add(lcb))
        .filter(|c| !c.is_empty())
        .ok_or_else(|| corrupt(format!("piece table lies outside the {table_name} stream")))?;
    let pieces = parse_clx(clx)?;
    let total: u64 = fib.ccp.iter().map(|&c| u64::from(c)).sum();
    if total > MAX_CHARS {
        return Err(InputError::Limit {
            detail: format!("document declares {total} characters, limit {MAX_CHARS}"),
        });
    }
    // The piece table ends where the stories do (plus a final paragraph mark). Counts beyond
    // it would misplace every story after the main text; text past the counts would go
    // unread: both are refused or read as body text rather than trusted.
    let last = u64::from(pieces.iter().map(|p| p.cp_end).max().unwrap_or(0));
    if total > last + 1 {
        return Err(corrupt(format!(
            "FIB counts {total} characters, the piece table holds {last}"
        )));
    }
    let extra = last.saturating_sub(total + 1).min(MAX_CHARS - total);
    let units = decode_pieces(&word, &pieces, (total + 1 + extra) as u32)?;

    let mut out = Builder::default();
    let locations = [
        Location::Body,
        Location::Footnote,
        Location::Header,
        Location::Body, // ccpMcr: reserved, 0
        Location::Comment,
        Location::Endnote,
        Location::TextBox,
        Location::TextBox,
    ];
    let mut cp = 0usize;
    let mut images = 0;
    for (i, (&n, &loc)) in fib.ccp.iter().zip(&locations).enumerate() {
        let range = &units[cp..cp + n as usize];
        cp += n as usize;
        if i == 3 || n == 0 {
            continue;
        }
        if loc == Location::Comment {
            out.end_line(loc);
            let start = out.len();
            images += story(&mut out, range, loc);
            let mut end = out.len();
            while end > start && out.text.as_bytes()[end - 1] == b'\n' {
                end -= 1;
            }
            if end > start {
                out.traces.push(Trace {
                    kind: TraceKind::Comment,
                    start,
                    end,
                });
            }
        } else {
            images += story(&mut out, range, loc);
        }
    }
    if extra > 0 {
        // Characters the piece table holds beyond the stories the FIB counts.
        images += story(&mut out, &units[cp + 1..], Location::Body);
    }
    for _ in 0..images {
        out.image();
    }
    properties(&mut cf, &mut out)?;
    Ok(out.finish(Format::Doc, "UTF-16LE/CP1252"))
}

/// The document properties worth scanning, from the two property-set streams.
fn properties(cf: &mut Cf<'_>, out: &mut Builder) -> Result<(), InputError> {
    // SummaryInformation: title, subject, author, keywords, comments, last author.
    if let Some(s) = read_stream(cf, "\x05SummaryInformation")? {
        for v in property_strings(&s, 0, &[2, 3, 4, 5, 6, 8]) {
            push_property(out, &v);
        }
    }
    // DocumentSummaryInformation: manager, company; the second section holds custom
    // properties, all of whose strings are read.
    if let Some(s) = read_stream(cf, "\x05DocumentSummaryInformation")? {
        for v in property_strings(&s, 0, &[0x0E, 0x0F]) {
            push_property(out, &v);
        }
        for v in property_strings(&s, 1, &[]) {
            push_property(out, &v);
        }
    }
    Ok(())
}

fn push_property(out: &mut Builder, v: &str) {
    let v = v.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    if v.is_empty() {
        return;
    }
    out.end_line(Location::Properties);
    out.push_at(v, Location::Properties, At::default());
    out.push_at("\n", Location::Properties, At::default());
}

/// The string values of section `section` of a property set whose ids are in `ids` (all but
/// the dictionary when `ids` is empty), in the set's code page. A malformed set yields what
/// could be read: properties are an addition to the text, not a reason to refuse it.
pub(crate) fn property_strings(set: &[u8], section: usize, ids: &[u32]) -> Vec<String> {
    let mut found = Vec::new();
    let Some(n_sections) = u32_at(set, 24) else {
        return found;
    };
    if section >= n_sections as usize || section >= 8 {
        return found;
    }
    let Some(base) = u32_at(set, 28 + section * 20 + 16) else {
        return found;
    };
    let base = base as usize;
    let Some(count) = u32_at(set, base + 4) else {
        return found;
    };
    let count = (count as usize).min(4096);
    let entry = |i: usize| -> Option<(u32, usize)> {
        let o = base.checked_add(8 + i * 8)?;
        Some((
            u32_at(set, o)?,
            base.checked_add(u32_at(set, o + 4)? as usize)?,
        ))
    };
    // The code page (PID 1, VT_I2) decodes VT_LPSTR strings.
    let mut codepage = 1252u16;
    for i in 0..count {
        if let Some((1, o)) = entry(i) {
            if u16_at(set, o) == Some(2) {
                codepage = u16_at(set, o + 4).unwrap_or(1252);
            }
        }
    }
    for i in 0..count {
        let Some((id, o)) = entry(i) else { break };
        if id <= 1 || (!ids.is_empty() && !ids.contains(&id)) {
            continue;
        }
        let Some(kind) = u32_at(set, o) else { continue };
        let Some(len) = u32_at(set, o + 4) else {
            continue;
        };
        let len = len as usize;
        let value = match kind {
            0x1E => set
                .get(o + 8..(o + 8).saturating_add(len))
                .map(|b| decode_codepage(b, codepage)),
            0x1F => set.get(o + 8..(o + 8).saturating_add(len * 2)).map(|b| {
                char::decode_utf16(b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])))
                    .map(|c| c.unwrap_or('\u{FFFD}'))
                    .collect()
            }),
            _ => None,
        };
        if let Some(v) = value {
            found.push(v);
        }
    }
    found
}

fn decode_codepage(b: &[u8], codepage: u16) -> String {
    let b = match memchr::memchr(0, b) {
        Some(i) => &b[..i],
        None => b,
    };
    let enc = match codepage {
        936 => encoding_rs::GBK,
        54936 => encoding_rs::GB18030,
        950 => encoding_rs::BIG5,
        65001 => encoding_rs::UTF_8,
        1200 => encoding_rs::UTF_16LE,
        _ => encoding_rs::WINDOWS_1252,
    };
    enc.decode_without_bom_handling(b).0.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(s: &str) -> Vec<u16> {
        s.encode_utf16().collect()
    }

    fn run(s: &str, loc: Location) -> Document<'static> {
        let mut out = Builder::default();
        story(&mut out, &units(s), loc);
        out.finish(Format::Doc, "UTF-16LE")
    }

    #[test]
    fn cp1252_exceptions_and_latin1() {
        assert_eq!(cp1252(b'A'), 'A' as u16);
        assert_eq!(cp1252(0x93), 0x201C);
        assert_eq!(cp1252(0x94), 0x201D);
        assert_eq!(cp1252(0x96), 0x2013);
        assert_eq!(cp1252(0x80), 0x80, "not in MS-DOC's exceptions");
        assert_eq!(cp1252(0xA0), 0xA0);
        assert_eq!(cp1252(0xE9), 0xE9);
    }

    /// A CLX with a `Prc` before the `Pcdt`, and its pieces.
    fn clx(pieces: &[(u32, u32, u32, bool)]) -> Vec<u8> {
        let mut plc = Vec::new();
        for p in pieces {
            plc.extend_from_slice(&p.0.to_le_bytes());
        }
        plc.extend_from_slice(&pieces.last().map_or(0, |p| p.1).to_le_bytes());
        for p in pieces {
            plc.extend_from_slice(&0u16.to_le_bytes());
            let fc = if p.3 { (p.2 * 2) | 0x4000_0000 } else { p.2 };
            plc.extend_from_slice(&fc.to_le_bytes());
            plc.extend_from_slice(&0u16.to_le_bytes());
        }
        let mut c = vec![1, 2, 0, 0xAA, 0xBB];
        c.push(2);
        c.extend_from_slice(&(plc.len() as u32).to_le_bytes());
        c.extend_from_slice(&plc);
        c
    }

    #[test]
    fn piece_table_mixes_compressed_and_utf16_pieces() {
        // CPs 0..3 compressed at byte 0 ("A“B"), CPs 3..5 UTF-16 at byte 8 ("公示").
        let mut word = vec![b'A', 0x93, b'B', 0, 0, 0, 0, 0];
        for u in "公示".encode_utf16() {
            word.extend_from_slice(&u.to_le_bytes());
        }
        let pieces = parse_clx(&clx(&[(0, 3, 0, true), (3, 5, 8, false)])).unwrap();
        assert_eq!(pieces.len(), 2);
        assert_eq!(
            pieces[0],
            Piece {
                cp: 0,
                cp_end: 3,
                fc: 0,
                compressed: true
            }
        );
        let u = decode_pieces(&word, &pieces, 5).unwrap();
        assert_eq!(String::from_utf16(&u).unwrap(), "A\u{201C}B公示");
        // A piece past the stream's end is an error, not a panic.
        let bad = parse_clx(&clx(&[(0, 100, 4, false)])).unwrap();
        assert!(decode_pieces(&word, &bad, 100).is_err());
        assert!(parse_clx(&[2, 0xFF, 0xFF, 0xFF, 0xFF]).is_err());
        assert!(parse_clx(&[7]).is_err());
    }

    #[test]
    fn fields_keep_results_and_tables_keep_cells_apart() {
        let d = run(
            "通知\r\u{13} HYPERLINK \"x\" \u{14}链接\u{15}正文\r姓名\u{7}身份证号\u{7}\u{7}张三\u{7}110101199003077774\u{7}\u{7}完\r",
            Location::Body,
        );
        assert_eq!(
            d.text,
            "通知\n链接正文\n姓名 | 身份证号\n张三 | 110101199003077774\n完\n"
        );
        let cell = d.text.find("张三").unwrap();
        assert_eq!(d.location_at(cell), Location::Table);
        assert_eq!(d.location_at(d.text.find("完").unwrap()), Location::Body);
        // A field without a separator is all code.
        assert_eq!(run("a\u{13}PAGE\u{15}b", Location::Header).text, "ab\n");
    }

    #[test]
    fn fib_of_garbage_is_an_error_and_encryption_is_seen() {
        assert!(parse_fib(b"").is_err());
        assert!(parse_fib(&[0u8; 64]).is_err());
        let mut w = vec![0u8; 64];
        w[0..2].copy_from_slice(&0xA5ECu16.to_le_bytes());
        w[2..4].copy_from_slice(&0xC1u16.to_le_bytes());
        w[0x0A..0x0C].copy_from_slice(&0x0100u16.to_le_bytes());
        assert!(parse_fib(&w).unwrap().encrypted);
        w[0x0B] = 0;
        assert!(parse_fib(&w).is_err(), "cut short");
    }

    #[test]
    fn property_set_strings() {
        // One section with a code page (PID 1) and an author (PID 4, VT_LPSTR).
        let mut s = vec![0u8; 48];
        s[0..2].copy_from_slice(&0xFFFEu16.to_le_bytes());
        s[24..28].copy_from_slice(&1u32.to_le_bytes());
        s[44..48].copy_from_slice(&48u32.to_le_bytes());
        let mut sec = Vec::new();
        sec.extend_from_slice(&0u32.to_le_bytes());
        sec.extend_from_slice(&2u32.to_le_bytes());
        sec.extend_from_slice(&1u32.to_le_bytes());
        sec.extend_from_slice(&24u32.to_le_bytes());
        sec.extend_from_slice(&4u32.to_le_bytes());
        sec.extend_from_slice(&32u32.to_le_bytes());
        sec.extend_from_slice(&2u32.to_le_bytes()); // VT_I2
        sec.extend_from_slice(&936u32.to_le_bytes());
        sec.extend_from_slice(&0x1Eu32.to_le_bytes());
        let (gbk, _, _) = encoding_rs::GBK.encode("张三");
        sec.extend_from_slice(&(gbk.len() as u32 + 1).to_le_bytes());
        sec.extend_from_slice(&gbk);
        sec.push(0);
        s.extend_from_slice(&sec);
        assert_eq!(property_strings(&s, 0, &[4]), vec!["张三".to_string()]);
        assert!(property_strings(&s, 0, &[2]).is_empty());
        assert!(property_strings(&s[..50], 0, &[4]).is_empty());
    }

    proptest::proptest! {
        /// Arbitrary FIBs, CLXs, streams and text never panic.
        #[test]
        fn arbitrary_bytes_never_panic(
            word in proptest::collection::vec(proptest::num::u8::ANY, 0..600),
            clx_bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
            text in proptest::collection::vec(proptest::num::u16::ANY, 0..200),
        ) {
            let _ = parse_fib(&word);
            if let Ok(pieces) = parse_clx(&clx_bytes) {
                let total = pieces.iter().map(|p| p.cp_end).max().unwrap_or(0).min(10_000);
                let _ = decode_pieces(&word, &pieces, total);
            }
            let _ = property_strings(&word, 0, &[]);
            let _ = property_strings(&word, 1, &[2, 4]);
            let mut out = Builder::default();
            story(&mut out, &text, Location::Body);
            let d = out.finish(Format::Doc, "UTF-16LE");
            for s in &d.segments {
                proptest::prop_assert!(d.text.is_char_boundary(s.start));
            }
        }
    }
}
