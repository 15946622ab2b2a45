//! Character codes → Unicode: `/ToUnicode` CMaps (bfchar, bfrange), the predefined CJK CMaps by
//! name (`UniGB-UCS2-H`, `GBK-EUC-H`, …), and the code-space ranges that split a string into
//! codes.
//!
//! The predefined legacy CMaps are not tables here: a code in `GBK-EUC-H`, `GBKp-EUC-H`,
//! `GBK2K-H`, `GB-EUC-H` or `GBpc-EUC-H` is a GBK/GB 18030 byte sequence, so decoding its bytes
//! as GB 18030 gives the character exactly, without the code → CID → Unicode detour through
//! Adobe-GB1. The same holds for the Big5, Shift-JIS and EUC-KR CMaps. The Unicode CMaps
//! (`Uni*-UCS2-*`, `Uni*-UTF16-*`) carry the character in the code.

use std::collections::HashMap;

use encoding_rs::Encoding;

use super::lexer::{Lexer, Tok};

/// Most entries a `/ToUnicode` CMap may hold (bfchar entries plus bfrange ranges); a font needs
/// at most 65,536.
const MAX_ENTRIES: usize = 200_000;

/// A parsed `/ToUnicode` CMap.
#[derive(Default, Debug)]
pub struct ToUnicode {
    chars: HashMap<u32, String>,
    /// Sorted by `lo`.
    ranges: Vec<Range>,
    /// Code-space ranges: (byte length, low, high).
    pub codespace: Vec<(u8, u32, u32)>,
}

#[derive(Debug)]
struct Range {
    lo: u32,
    hi: u32,
    target: Target,
}

#[derive(Debug)]
enum Target {
    /// The first code's UTF-16 units; each next code adds one to the last unit.
    Incrementing(Vec<u16>),
    /// One string per code.
    Each(Vec<String>),
}

fn code_of(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .take(4)
        .fold(0u32, |acc, &b| (acc << 8) | u32::from(b))
}

fn utf16_string(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)]))
        .collect();
    char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// A CMap operand: what bfchar, bfrange and codespacerange lines hold.
enum Opnd {
    Str(Vec<u8>),
    Name(Vec<u8>),
    Array(Vec<Vec<u8>>),
    Other,
}

fn units(d: &[u8]) -> Vec<u16> {
    d.chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)]))
        .collect()
}

impl ToUnicode {
    /// Parses a CMap program. Malformed parts are skipped: what parses is kept.
    pub fn parse(data: &[u8]) -> ToUnicode {
        let mut map = ToUnicode::default();
        let mut operands: Vec<Opnd> = Vec::new();
        let mut array: Option<Vec<Vec<u8>>> = None;
        let mut entries = 0usize;
        for tok in Lexer::new(data) {
            if let Some(items) = array.as_mut() {
                match tok {
                    Tok::Str(s) if items.len() < 65_536 => items.push(s),
                    Tok::ArrayEnd => {
                        operands.push(Opnd::Array(std::mem::take(items)));
                        array = None;
                    }
                    _ => {}
                }
                continue;
            }
            match tok {
                Tok::ArrayStart => array = Some(Vec::new()),
                Tok::Op(op) => {
                    match op {
                        b"endbfchar" => {
                            for pair in operands.chunks(2) {
                                if entries >= MAX_ENTRIES {
                                    break;
                                }
                                let text = match pair {
                                    [Opnd::Str(_), Opnd::Str(d)] => utf16_string(d),
                                    [Opnd::Str(_), Opnd::Name(n)] => glyph_name(n)
                                        .map(String::from)
                                        .or_else(|| glyph_name_code(n).map(String::from))
                                        .unwrap_or_default(),
                                    _ => continue,
                                };
                                if let Opnd::Str(src) = &pair[0] {
                                    entries += 1;
                                    map.chars.insert(code_of(src), text);
                                }
                            }
                        }
                        b"endbfrange" => {
                            for triple in operands.chunks(3) {
                                if entries >= MAX_ENTRIES {
                                    break;
                                }
                                let [Opnd::Str(lo), Opnd::Str(hi), dst] = triple else {
                                    continue;
                                };
                                let (lo, hi) = (code_of(lo), code_of(hi));
                                let target = match dst {
                                    Opnd::Str(d) => Target::Incrementing(units(d)),
                                    Opnd::Array(items) => Target::Each(
                                        items.iter().map(|d| utf16_string(d)).collect(),
                                    ),
                                    _ => continue,
                                };
                                if lo <= hi {
                                    entries += 1;
                                    map.ranges.push(Range { lo, hi, target });
                                }
                            }
                        }
                        b"endcodespacerange" => {
                            for pair in operands.chunks(2) {
                                if let [Opnd::Str(lo), Opnd::Str(hi)] = pair {
                                    let len = lo.len().clamp(1, 4) as u8;
                                    if map.codespace.len() < 256 {
                                        map.codespace.push((len, code_of(lo), code_of(hi)));
                                    }
                                }
                            }
                        }
                        _ => {}
                    }
                    operands.clear();
                }
                other => {
                    if operands.len() < 30_000 {
                        operands.push(match other {
                            Tok::Str(s) => Opnd::Str(s),
                            Tok::Name(n) => Opnd::Name(n.to_vec()),
                            _ => Opnd::Other,
                        });
                    }
                }
            }
        }
        map.ranges.sort_by_key(|r| r.lo);
        map
    }

    /// Whether the map maps anything: an empty `/ToUnicode` is as good as none.
    pub fn is_usable(&self) -> bool {
        !self.chars.is_empty() || !self.ranges.is_empty()
    }

    /// The text for `code`, if the map has it.
    pub fn get(&self, code: u32) -> Option<String> {
        if let Some(s) = self.chars.get(&code) {
            return Some(s.clone());
        }
        let i = self.ranges.partition_point(|r| r.lo <= code);
        // Ranges may overlap; look back over the few that start at or before the code.
        for r in self.ranges[..i].iter().rev().take(8) {
            if code > r.hi {
                continue;
            }
            let off = code - r.lo;
            return match &r.target {
                Target::Incrementing(units) => {
                    let mut units = units.clone();
                    if let Some(last) = units.last_mut() {
                        *last = last.wrapping_add(off as u16);
                    }
                    Some(
                        char::decode_utf16(units)
                            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
                            .collect(),
                    )
                }
                Target::Each(items) => items.get(off as usize).cloned(),
            };
        }
        None
    }
}

/// How a font's strings split into codes.
#[derive(Clone, Debug, PartialEq)]
pub enum Codes {
    /// One byte per code (simple fonts).
    One,
    /// Two bytes per code (`Identity-H`, `*-UCS2-*`).
    Two,
    /// UTF-16: two bytes, four for a surrogate pair.
    Utf16,
    /// A legacy multi-byte encoding: its lead bytes say the length.
    Legacy(&'static Encoding),
    /// By an embedded CMap's code-space ranges.
    Ranges(Vec<(u8, u32, u32)>),
}

/// What a predefined CMap name says about codes and characters.
pub struct Predefined {
    pub codes: Codes,
    /// Whether the code alone gives the character (Unicode and legacy CMaps); `false` for
    /// `Identity-H`/`Identity-V`, whose codes are glyph ids.
    pub carries_text: bool,
}

/// Classifies a predefined CMap by name; `None` for a name this does not know.
pub fn predefined(name: &[u8]) -> Option<Predefined> {
    let name = std::str::from_utf8(name).ok()?;
    let base = name
        .strip_suffix("-H")
        .or_else(|| name.strip_suffix("-V"))
        .unwrap_or(name);
    let (codes, carries_text) = if base == "Identity" {
        (Codes::Two, false)
    } else if base.ends_with("-UCS2") {
        (Codes::Two, true)
    } else if base.ends_with("-UTF16") {
        (Codes::Utf16, true)
    } else if matches!(
        base,
        "GB-EUC" | "GBpc-EUC" | "GBK-EUC" | "GBKp-EUC" | "GBK2K" | "GB"
    ) {
        (Codes::Legacy(encoding_rs::GB18030), true)
    } else if matches!(
        base,
        "B5pc"
            | "B5"
            | "ETen-B5"
            | "ETenms-B5"
            | "HKscs-B5"
            | "HKdla-B5"
            | "HKdlb-B5"
            | "HKgccs-B5"
            | "HKm314-B5"
            | "HKm471-B5"
    ) {
        (Codes::Legacy(encoding_rs::BIG5), true)
    } else if matches!(
        base,
        "90ms-RKSJ" | "90msp-RKSJ" | "83pv-RKSJ" | "90pv-RKSJ" | "78-RKSJ" | "RKSJ"
    ) {
        (Codes::Legacy(encoding_rs::SHIFT_JIS), true)
    } else if matches!(base, "KSC-EUC" | "KSCms-UHC" | "KSCms-UHC-HW" | "KSCpc-EUC") {
        (Codes::Legacy(encoding_rs::EUC_KR), true)
    } else {
        return None;
    };
    Some(Predefined {
        codes,
        carries_text,
    })
}

/// Splits `bytes` into codes: (code, its bytes).
pub fn split<'b>(codes: &Codes, bytes: &'b [u8]) -> Vec<(u32, &'b [u8])> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        let n = match codes {
            Codes::One => 1,
            Codes::Two => 2,
            Codes::Utf16 => {
                if rest.len() >= 4 && (0xD8..=0xDB).contains(&rest[0]) {
                    4
                } else {
                    2
                }
            }
            Codes::Legacy(enc) => legacy_len(enc, rest),
            Codes::Ranges(ranges) => ranges
                .iter()
                .find(|&&(len, lo, hi)| {
                    let len = len as usize;
                    rest.len() >= len && (lo..=hi).contains(&code_of(&rest[..len]))
                })
                .map_or(1, |&(len, _, _)| len as usize),
        }
        .min(rest.len());
        let code = &rest[..n];
        out.push((code_of(code), code));
        i += n;
    }
    out
}

fn legacy_len(enc: &'static Encoding, rest: &[u8]) -> usize {
    let b0 = rest[0];
    if enc == encoding_rs::SHIFT_JIS {
        return if matches!(b0, 0x81..=0x9F | 0xE0..=0xFC) {
            2
        } else {
            1
        };
    }
    if !(0x81..=0xFE).contains(&b0) {
        return 1;
    }
    if enc == encoding_rs::GB18030 && rest.get(1).is_some_and(|b| b.is_ascii_digit()) {
        return 4;
    }
    2
}

/// The character(s) a code of a predefined text-carrying CMap stands for.
pub fn predefined_text(codes: &Codes, code: &[u8]) -> String {
    match codes {
        Codes::Two | Codes::Utf16 => utf16_string(code),
        Codes::Legacy(enc) => {
            let (text, _) = enc.decode_without_bom_handling(code);
            text.into_owned()
        }
        Codes::One | Codes::Ranges(_) => code.iter().map(|&b| char::from(b)).collect(),
    }
}

/// The Unicode character of a glyph name: the Adobe Glyph List's forms `uniXXXX` and
/// `uXXXX[XX]`, and the common Latin names; `None` for the rest.
pub fn glyph_name(name: &[u8]) -> Option<&'static str> {
    const NAMES: &[(&[u8], &str)] = &[
        (b"space", " "),
        (b"exclam", "!"),
        (b"quotedbl", "\""),
        (b"numbersign", "#"),
        (b"dollar", "$"),
        (b"percent", "%"),
        (b"ampersand", "&"),
        (b"quotesingle", "'"),
        (b"quoteright", "\u{2019}"),
        (b"quoteleft", "\u{2018}"),
        (b"parenleft", "("),
        (b"parenright", ")"),
        (b"asterisk", "*"),
        (b"plus", "+"),
        (b"comma", ","),
        (b"hyphen", "-"),
        (b"period", "."),
        (b"slash", "/"),
        (b"zero", "0"),
        (b"one", "1"),
        (b"two", "2"),
        (b"three", "3"),
        (b"four", "4"),
        (b"five", "5"),
        (b"six", "6"),
        (b"seven", "7"),
        (b"eight", "8"),
        (b"nine", "9"),
        (b"colon", ":"),
        (b"semicolon", ";"),
        (b"less", "<"),
        (b"equal", "="),
        (b"greater", ">"),
        (b"question", "?"),
        (b"at", "@"),
        (b"bracketleft", "["),
        (b"backslash", "\\"),
        (b"bracketright", "]"),
        (b"underscore", "_"),
        (b"braceleft", "{"),
        (b"bar", "|"),
        (b"braceright", "}"),
        (b"asciitilde", "~"),
        (b"bullet", "\u{2022}"),
        (b"endash", "\u{2013}"),
        (b"emdash", "\u{2014}"),
        (b"quotedblleft", "\u{201C}"),
        (b"quotedblright", "\u{201D}"),
        (b"Alpha", "\u{391}"),
        (b"beta", "\u{3B2}"),
    ];
    if let [c] = name {
        if c.is_ascii_alphabetic() {
            const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
            let i = if c.is_ascii_uppercase() {
                c - b'A'
            } else {
                c - b'a' + 26
            } as usize;
            return LETTERS.get(i..i + 1);
        }
    }
    NAMES.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

/// A glyph name's character when it is `uniXXXX` or `uXXXX`–`uXXXXXX` (not `'static`).
pub fn glyph_name_code(name: &[u8]) -> Option<char> {
    let hex = name
        .strip_prefix(b"uni")
        .filter(|h| h.len() == 4)
        .or_else(|| {
            name.strip_prefix(b"u")
                .filter(|h| (4..=6).contains(&h.len()))
        })?;
    let s = std::str::from_utf8(hex).ok()?;
    char::from_u32(u32::from_str_radix(s, 16).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CMAP: &[u8] = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap
1 begincodespacerange <0000> <FFFF> endcodespacerange
2 beginbfchar <0001> <5185> <0002> <D840DC00> endbfchar
2 beginbfrange <0003> <0004> [<8D44> <6599>] <0010> <0012> <0031> endbfrange
endcmap end end";

    #[test]
    fn bfchar_and_bfrange() {
        let m = ToUnicode::parse(CMAP);
        assert!(m.is_usable());
        assert_eq!(m.get(1).as_deref(), Some("内"));
        assert_eq!(m.get(2).as_deref(), Some("\u{20000}"));
        assert_eq!(m.get(3).as_deref(), Some("资"));
        assert_eq!(m.get(4).as_deref(), Some("料"));
        assert_eq!(m.get(0x10).as_deref(), Some("1"));
        assert_eq!(m.get(0x12).as_deref(), Some("3"));
        assert_eq!(m.get(0x13), None);
        assert_eq!(m.codespace, vec![(2, 0, 0xFFFF)]);
    }

    #[test]
    fn empty_tounicode_is_not_usable() {
        assert!(!ToUnicode::parse(b"begincmap endcmap").is_usable());
    }

    #[test]
    fn gbk_cmaps_decode_by_gb18030() {
        for name in [
            &b"GBK-EUC-H"[..],
            b"GBKp-EUC-H",
            b"GB-EUC-H",
            b"GBK2K-H",
            b"GBK2K-V",
        ] {
            let p = predefined(name).expect("known");
            assert!(p.carries_text);
            let bytes = "内部资料 ID1".encode_utf16().count(); // 7 characters
            let (gbk, _, _) = encoding_rs::GBK.encode("内部资料 ID1");
            let codes = split(&p.codes, &gbk);
            assert_eq!(codes.len(), bytes);
            let text: String = codes
                .iter()
                .map(|(_, c)| predefined_text(&p.codes, c))
                .collect();
            assert_eq!(text, "内部资料 ID1");
        }
        // GB 18030's four-byte codes (GBK2K-H): U+20000 is 0x95328236.
        let p = predefined(b"GBK2K-H").expect("known");
        let codes = split(&p.codes, b"\x95\x32\x82\x36\xC4\xDA");
        assert_eq!(codes.len(), 2);
        assert_eq!(predefined_text(&p.codes, codes[0].1), "\u{20000}");
        assert_eq!(predefined_text(&p.codes, codes[1].1), "内");
    }

    #[test]
    fn unicode_cmaps() {
        let p = predefined(b"UniGB-UCS2-H").expect("known");
        assert_eq!(predefined_text(&p.codes, b"\x51\x85"), "内");
        let p = predefined(b"UniGB-UTF16-H").expect("known");
        let codes = split(&p.codes, b"\xD8\x40\xDC\x00\x51\x85");
        assert_eq!(codes.len(), 2);
        assert_eq!(predefined_text(&p.codes, codes[0].1), "\u{20000}");
        let p = predefined(b"Identity-H").expect("known");
        assert!(!p.carries_text);
        assert!(predefined(b"Custom-Thing").is_none());
    }

    #[test]
    fn glyph_names() {
        assert_eq!(glyph_name(b"A"), Some("A"));
        assert_eq!(glyph_name(b"quoteright"), Some("\u{2019}"));
        assert_eq!(glyph_name_code(b"uni5185"), Some('内'));
        assert_eq!(glyph_name_code(b"u20000"), Some('\u{20000}'));
        assert_eq!(glyph_name_code(b"g12"), None);
    }
}
