//! The characters of an embedded TrueType program, for a font that has no `/ToUnicode`.
//!
//! A code shown with such a font names a glyph (directly, or through the font's own `cmap`);
//! the glyph's character is what the program's Unicode `cmap` subtables map to it. Inverting
//! those subtables (glyph id → code point) reads an `Identity-H` font or a symbolic simple
//! TrueType subset whose producer dropped the `/ToUnicode` but kept the font's `cmap`.
//!
//! A glyph that no Unicode subtable reaches has no character: the caller keeps the page
//! unreadable. Any parse error is "no mapping". The program is parsed by `ttf-parser` (no
//! panics, no unsafe, bounds-checked reads); the inversion looks code points up one by one in
//! a fixed, bounded order rather than enumerating the subtables, whose ranges a hostile font
//! can make billions long.

use std::collections::HashMap;

use ttf_parser::cmap::{Format, Subtable};
use ttf_parser::{PlatformId, RawFace, Tag};

/// Most Unicode subtables consulted per font (fonts repeat one mapping in several: (0,3) and
/// (3,1) in format 4, (0,4) and (3,10) in format 12), full-repertoire ones first.
const MAX_SUBTABLES: usize = 2;
/// Highest code point looked up: the Basic Multilingual Plane and the planes of the CJK
/// extensions (B to H). Planes 4–16 hold no characters a document's text needs.
const LAST_CODE_POINT: u32 = 0x3_FFFF;

/// Ranges looked up first, in this order: when several code points map to one glyph (a
/// Kangxi radical and its unified ideograph, a compatibility ideograph, a full-width digit)
/// the glyph reads as the first one found, so ASCII, then the unified ideographs, then CJK
/// punctuation and full-width forms.
const PREFERRED: [(u32, u32); 5] = [
    (0x20, 0x7E),
    (0x4E00, 0x9FFF),
    (0x3000, 0x303F),
    (0xFF01, 0xFFEF),
    (0x3400, 0x4DBF),
];

/// How a font's codes name its glyphs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeToGid {
    /// The code is the glyph id (`/CIDToGIDMap /Identity`).
    Identity,
    /// Glyph id of each code, in order (a `/CIDToGIDMap` stream, a simple font's `cmap`).
    Table(Vec<u16>),
}

impl CodeToGid {
    /// A `/CIDToGIDMap` stream: big-endian glyph ids indexed by CID; a trailing odd byte and
    /// anything past CID 65535 are ignored.
    pub fn from_stream(bytes: &[u8]) -> Self {
        CodeToGid::Table(
            bytes
                .chunks_exact(2)
                .take(65_536)
                .map(|b| u16::from_be_bytes([b[0], b[1]]))
                .collect(),
        )
    }

    fn gid(&self, code: u32) -> Option<u16> {
        let gid = match self {
            CodeToGid::Identity => u16::try_from(code).ok()?,
            CodeToGid::Table(t) => *t.get(usize::try_from(code).ok()?)?,
        };
        // Glyph 0 is .notdef: nothing to read.
        (gid != 0).then_some(gid)
    }
}

/// The character of each code of one font, through its embedded program.
#[derive(Debug)]
pub struct Glyphs {
    codes: CodeToGid,
    chars: HashMap<u16, char>,
}

impl Glyphs {
    /// The character code `code` shows, or `None` when its glyph has none.
    pub fn char(&self, code: u32) -> Option<char> {
        self.chars.get(&self.codes.gid(code)?).copied()
    }

    /// A CIDFontType2's program with the font's CID → glyph id map: `None` when the program
    /// does not parse or has no Unicode subtable.
    pub fn cid(program: &[u8], codes: CodeToGid) -> Option<Self> {
        let face = RawFace::parse(program, 0).ok()?;
        let chars = invert(&face)?;
        Some(Glyphs { codes, chars })
    }

    /// A symbolic simple TrueType font without `/Encoding` (PDF 32000-1 9.6.6.4): a code
    /// names the glyph the program's (3,0) subtable maps 0xF000 + code to (or 0xF100, 0xF200,
    /// or the code itself), else the glyph its (1,0) subtable maps the code to.
    pub fn simple(program: &[u8]) -> Option<Self> {
        let face = RawFace::parse(program, 0).ok()?;
        let table = ttf_parser::cmap::Table::parse(face.table(Tag::from_bytes(b"cmap"))?)?;
        let subtables: Vec<Subtable> = table.subtables.into_iter().take(64).collect();
        let symbol = subtables
            .iter()
            .find(|s| s.platform_id == PlatformId::Windows && s.encoding_id == 0);
        let mac = subtables
            .iter()
            .find(|s| s.platform_id == PlatformId::Macintosh && s.encoding_id == 0);
        if symbol.is_none() && mac.is_none() {
            return None;
        }
        let mut gids = vec![0u16; 256];
        for (code, slot) in gids.iter_mut().enumerate() {
            let code = code as u32;
            let via_symbol = symbol.and_then(|s| {
                [0xF000, 0xF100, 0xF200, 0]
                    .iter()
                    .find_map(|high| s.glyph_index(high + code))
            });
            if let Some(g) = via_symbol.or_else(|| mac.and_then(|s| s.glyph_index(code))) {
                *slot = g.0;
            }
        }
        let chars = invert(&face)?;
        Some(Glyphs {
            codes: CodeToGid::Table(gids),
            chars,
        })
    }
}

/// Glyph id → character from the program's Unicode subtables; `None` when it has none, or
/// they map nothing.
fn invert(face: &RawFace) -> Option<HashMap<u16, char>> {
    let table = ttf_parser::cmap::Table::parse(face.table(Tag::from_bytes(b"cmap"))?)?;
    let mut unicode: Vec<Subtable> = table
        .subtables
        .into_iter()
        .take(64)
        .filter(|s| {
            s.is_unicode()
                && !matches!(
                    s.format,
                    // Format 13 maps ranges to one "last resort" glyph; format 14 holds
                    // variation sequences only.
                    Format::ManyToOneRangeMappings(_)
                        | Format::UnicodeVariationSequences(_)
                        | Format::MixedCoverage
                )
        })
        .collect();
    unicode.sort_by_key(|s| !matches!(s.format, Format::SegmentedCoverage(_)));
    unicode.truncate(MAX_SUBTABLES);
    if unicode.is_empty() {
        return None;
    }
    // Once every glyph but .notdef has its character, the rest of the scan finds nothing new.
    let glyphs = face
        .table(Tag::from_bytes(b"maxp"))
        .and_then(|m| m.get(4..6))
        .map_or(usize::from(u16::MAX), |n| {
            usize::from(u16::from_be_bytes([n[0], n[1]]))
        });
    let complete = glyphs.saturating_sub(1).max(1);
    let mut chars = HashMap::new();
    let look = |c: u32, chars: &mut HashMap<u16, char>| {
        let Some(ch) = char::from_u32(c).filter(|&ch| readable(ch)) else {
            return;
        };
        for s in &unicode {
            if let Some(g) = s.glyph_index(c) {
                chars.entry(g.0).or_insert(ch);
                return;
            }
        }
    };
    'scan: {
        for &(first, last) in &PREFERRED {
            for c in first..=last {
                look(c, &mut chars);
            }
            if chars.len() >= complete {
                break 'scan;
            }
        }
        for c in 0..=LAST_CODE_POINT {
            if PREFERRED.iter().any(|&(f, l)| (f..=l).contains(&c)) {
                continue;
            }
            look(c, &mut chars);
            if c & 0xFFF == 0xFFF && chars.len() >= complete {
                break;
            }
        }
    }
    (!chars.is_empty()).then_some(chars)
}

/// A code point a glyph may read as: not a control, surrogate, private-use character,
/// variation selector or special (U+FFF0–U+FFFF, the replacement character among them). A
/// glyph only such code points reach has no character.
fn readable(c: char) -> bool {
    !(c.is_control() || matches!(c as u32, 0xE000..=0xF8FF | 0xFE00..=0xFE0F | 0xFFF0..=0xFFFF))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal TrueType program: `maxp` with `glyphs` glyphs and a `cmap` of the given
    /// subtables ((platform, encoding, subtable bytes)).
    pub(crate) fn program(glyphs: u16, subtables: &[(u16, u16, Vec<u8>)]) -> Vec<u8> {
        let mut cmap = Vec::new();
        cmap.extend_from_slice(&0u16.to_be_bytes());
        cmap.extend_from_slice(&(subtables.len() as u16).to_be_bytes());
        let mut offset = 4 + 8 * subtables.len();
        for (p, e, body) in subtables {
            cmap.extend_from_slice(&p.to_be_bytes());
            cmap.extend_from_slice(&e.to_be_bytes());
            cmap.extend_from_slice(&(offset as u32).to_be_bytes());
            offset += body.len();
        }
        for (_, _, body) in subtables {
            cmap.extend_from_slice(body);
        }
        let mut maxp = vec![0, 0, 0x50, 0];
        maxp.extend_from_slice(&glyphs.to_be_bytes());
        let tables: [(&[u8; 4], Vec<u8>); 2] = [(b"cmap", cmap), (b"maxp", maxp)];
        let mut out = vec![0, 1, 0, 0];
        out.extend_from_slice(&(tables.len() as u16).to_be_bytes());
        out.extend_from_slice(&[0; 6]);
        let mut at = 12 + 16 * tables.len();
        let mut bodies = Vec::new();
        for (tag, body) in &tables {
            out.extend_from_slice(&tag[..]);
            out.extend_from_slice(&[0; 4]);
            out.extend_from_slice(&(at as u32).to_be_bytes());
            out.extend_from_slice(&(body.len() as u32).to_be_bytes());
            let mut padded = body.clone();
            padded.resize(body.len().div_ceil(4) * 4, 0);
            at += padded.len();
            bodies.extend(padded);
        }
        out.extend(bodies);
        out
    }

    /// A format 12 subtable of (first code point, last code point, first glyph) groups.
    pub(crate) fn format12(groups: &[(u32, u32, u32)]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&12u16.to_be_bytes());
        b.extend_from_slice(&0u16.to_be_bytes());
        b.extend_from_slice(&((16 + 12 * groups.len()) as u32).to_be_bytes());
        b.extend_from_slice(&0u32.to_be_bytes());
        b.extend_from_slice(&(groups.len() as u32).to_be_bytes());
        for (s, e, g) in groups {
            for v in [s, e, g] {
                b.extend_from_slice(&v.to_be_bytes());
            }
        }
        b
    }

    /// A format 0 subtable: byte code → glyph.
    fn format0(map: &[(u8, u8)]) -> Vec<u8> {
        let mut b = vec![0, 0, 1, 6, 0, 0];
        let mut glyphs = [0u8; 256];
        for &(c, g) in map {
            glyphs[c as usize] = g;
        }
        b.extend_from_slice(&glyphs);
        b
    }

    #[test]
    fn inverts_and_prefers_unified_ideographs_and_ascii() {
        // Glyph 1: U+2F00 (Kangxi radical one) and U+4E00 (一); glyph 2: U+FF11 (１) and
        // U+0031 (1); glyph 3: U+5185 (内) only; glyph 4: private use only.
        let sub = format12(&[
            (0x31, 0x31, 2),
            (0x2F00, 0x2F00, 1),
            (0x4E00, 0x4E00, 1),
            (0x5185, 0x5185, 3),
            (0xE000, 0xE000, 4),
            (0xFF11, 0xFF11, 2),
        ]);
        let font = program(5, &[(3, 10, sub)]);
        let g = Glyphs::cid(&font, CodeToGid::Identity).expect("a Unicode cmap");
        assert_eq!(g.char(1), Some('一'));
        assert_eq!(g.char(2), Some('1'));
        assert_eq!(g.char(3), Some('内'));
        assert_eq!(g.char(4), None, "private use is no character");
        assert_eq!(g.char(0), None, ".notdef");
        assert_eq!(g.char(70_000), None);
    }

    #[test]
    fn cid_to_gid_map_streams() {
        let sub = format12(&[(0x5185, 0x5186, 7)]);
        let font = program(9, &[(0, 4, sub)]);
        // CID 0 → glyph 0, CID 1 → glyph 8, CID 2 → glyph 7; a trailing odd byte is ignored.
        let map = CodeToGid::from_stream(&[0, 0, 0, 8, 0, 7, 1]);
        assert_eq!(map, CodeToGid::Table(vec![0, 8, 7]));
        let g = Glyphs::cid(&font, map).expect("a Unicode cmap");
        assert_eq!(g.char(1), Some('円'));
        assert_eq!(g.char(2), Some('内'));
        assert_eq!(g.char(0), None);
        assert_eq!(g.char(3), None, "past the end of the map");
    }

    #[test]
    fn simple_truetype_codes_go_through_the_symbol_or_mac_subtable() {
        // (3,0): 0xF041 → glyph 3; (1,0): 0x42 → glyph 4; (3,1): 'A' → 3, '部' → 4.
        let symbol = format12(&[(0xF041, 0xF041, 3)]);
        let unicode = format12(&[(0x41, 0x41, 3), (0x90E8, 0x90E8, 4)]);
        let font = program(
            5,
            &[
                (1, 0, format0(&[(0x42, 4)])),
                (3, 0, symbol),
                (3, 1, unicode),
            ],
        );
        let g = Glyphs::simple(&font).expect("mapped");
        assert_eq!(g.char(0x41), Some('A'));
        assert_eq!(g.char(0x42), Some('部'));
        assert_eq!(g.char(0x43), None);
        // A program with only the (1,0) subtable (LibreOffice's subsets) has no characters.
        let font = program(5, &[(1, 0, format0(&[(0x42, 4)]))]);
        assert!(Glyphs::simple(&font).is_none());
    }

    #[test]
    fn garbage_and_hostile_programs_map_nothing() {
        assert!(Glyphs::cid(b"", CodeToGid::Identity).is_none());
        assert!(Glyphs::cid(&[0xAB; 4096], CodeToGid::Identity).is_none());
        assert!(Glyphs::simple(b"\x00\x01\x00\x00\xff\xff").is_none());
        let good = program(5, &[(3, 10, format12(&[(0x4E00, 0x4E01, 1)]))]);
        for cut in 0..good.len() {
            let _ = Glyphs::cid(&good[..cut], CodeToGid::Identity);
            let _ = Glyphs::simple(&good[..cut]);
        }
        let mut flipped = good.clone();
        for i in 0..flipped.len() {
            flipped[i] ^= 0x5A;
            let _ = Glyphs::cid(&flipped, CodeToGid::Identity);
            flipped[i] ^= 0x5A;
        }
        // A group covering every 32-bit code point is looked up, not enumerated: quick.
        let start = std::time::Instant::now();
        let huge = program(3, &[(3, 10, format12(&[(0, u32::MAX, 1)]))]);
        let g = Glyphs::cid(&huge, CodeToGid::Identity);
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        // Glyph 0x41 is U+0040 (first glyph 1 at U+0000).
        assert_eq!(g.and_then(|g| g.char(0x41)), Some('@'));
    }
}
