//! Bytes → text: UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark,
//! GBK/GB18030 and Big5, detected from the bytes.
//!
//! Order: a byte-order mark decides; valid UTF-8 is UTF-8; an HTML page's declared charset is
//! tried next; otherwise `chardetng` guesses among the legacy encodings and only the Chinese
//! ones are accepted. Decoding is strict: one malformed sequence is an error with its offset,
//! never U+FFFD in the scanned text (a mangled ID number would silently approve).

use std::borrow::Cow;

use encoding_rs::{Encoding, BIG5, GB18030, GBK, UTF_16BE, UTF_16LE, UTF_8};

use super::InputError;

/// Encodings accepted without a byte-order mark, besides UTF-8.
fn accepted(enc: &'static Encoding) -> bool {
    enc == GBK || enc == GB18030 || enc == BIG5
}

/// How much of the input the detector reads: enough for a confident guess, bounded in time.
const DETECT_BYTES: usize = 64 * 1024;

/// Decodes `bytes` to text and names the encoding. Errors on binary data and on text that does
/// not decode cleanly.
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, &'static str), InputError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        check_nul(rest, 3)?;
        return match simdutf8::basic::from_utf8(rest) {
            Ok(s) => Ok((Cow::Borrowed(s), "UTF-8")),
            Err(_) => Err(InputError::NotUtf8 {
                offset: 3 + std::str::from_utf8(rest)
                    .err()
                    .map_or(0, |e| e.valid_up_to()),
            }),
        };
    }
    for (bom, enc) in [(b"\xFF\xFE", UTF_16LE), (b"\xFE\xFF", UTF_16BE)] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let text = strict(enc, rest).map_err(|_| InputError::Utf16)?;
            if let Some(at) = first_control(&text) {
                // An offset into the input: the BOM, then two bytes per UTF-16 code unit.
                let offset = bom.len() + 2 * text[..at].encode_utf16().count();
                return Err(InputError::Binary { offset });
            }
            return Ok((Cow::Owned(text), enc.name()));
        }
    }
    check_nul(bytes, 0)?;
    if let Ok(s) = simdutf8::basic::from_utf8(bytes) {
        return Ok((Cow::Borrowed(s), "UTF-8"));
    }
    if let Some(offset) = bytes
        .iter()
        .position(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1B))
    {
        // Below 0x20 no byte is part of a multi-byte GBK, GB18030 or Big5 character.
        return Err(InputError::Binary { offset });
    }
    let enc = match declared_charset(bytes) {
        Some(enc) if enc == UTF_8 || accepted(enc) => enc,
        _ => guess(bytes),
    };
    if enc == UTF_8 {
        // Declared UTF-8 but it is not: name the first bad byte.
        let offset = std::str::from_utf8(bytes)
            .err()
            .map_or(0, |e| e.valid_up_to());
        return Err(InputError::Undecodable {
            encoding: "UTF-8",
            offset,
        });
    }
    if !accepted(enc) {
        return Err(match strict(GBK, bytes) {
            // Not what the detector guessed, but clean GBK: this tool's documents are Chinese.
            Ok(text) => return Ok((Cow::Owned(text), "GBK")),
            // Chinese text up to a broken character: say so rather than name a Latin guess.
            Err(offset) if mostly_chinese(&bytes[..offset]) => InputError::Undecodable {
                encoding: "GBK/GB18030",
                offset,
            },
            Err(_) => InputError::UnsupportedEncoding {
                detected: enc.name(),
            },
        });
    }
    // GBK's decoder is GB18030's (it reads four-byte sequences too); name it after the content.
    // The detector's guess can be wrong for short texts of unusual characters (a GBK table
    // drawn in box characters reads as plausible Big5): when it does not decode, the other
    // Chinese encoding is tried before giving up, and a clean decode wins.
    let (enc, text) = match strict(enc, bytes) {
        // Big5 that is also clean GBK made only of GB2312 pairs (both bytes 0xA1 or above,
        // where Big5 text has a trail byte below 0xA1 in two characters of five) is GBK: a
        // table drawn in box characters is the usual case.
        Ok(_) if enc == BIG5 && gb2312_only(bytes) && strict(GBK, bytes).is_ok() => {
            (GBK, strict(GBK, bytes).unwrap_or_default())
        }
        Ok(text) => (enc, text),
        Err(offset) => {
            let other = if enc == BIG5 { GBK } else { BIG5 };
            match strict(other, bytes) {
                Ok(text) => (other, text),
                Err(_) => {
                    return Err(InputError::Undecodable {
                        encoding: if enc == BIG5 { "Big5" } else { "GBK/GB18030" },
                        offset,
                    })
                }
            }
        }
    };
    let name = if enc == BIG5 {
        "Big5"
    } else if has_four_byte_gb18030(bytes) {
        "GB18030"
    } else {
        "GBK"
    };
    Ok((Cow::Owned(text), name))
}

fn check_nul(bytes: &[u8], base: usize) -> Result<(), InputError> {
    match memchr::memchr(0, bytes) {
        Some(offset) => Err(InputError::Binary {
            offset: base + offset,
        }),
        None => Ok(()),
    }
}

/// UTF-16 text can hold any code point; NUL and other C0 controls still mean binary data. The
/// position in `text` of the first one.
fn first_control(text: &str) -> Option<usize> {
    text.bytes()
        .position(|b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1B))
}

/// Decodes without replacement; on a malformed sequence returns its byte offset.
fn strict(enc: &'static Encoding, bytes: &[u8]) -> Result<String, usize> {
    let mut decoder = enc.new_decoder_without_bom_handling();
    let cap = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .ok_or(0usize)?;
    let mut out = String::with_capacity(cap);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut out, true);
    match result {
        encoding_rs::DecoderResult::InputEmpty => Ok(out),
        encoding_rs::DecoderResult::Malformed(bad, after) => {
            Err(read.saturating_sub(bad as usize + after as usize))
        }
        encoding_rs::DecoderResult::OutputFull => Err(read),
    }
}

fn guess(bytes: &[u8]) -> &'static Encoding {
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    let head = &bytes[..bytes.len().min(DETECT_BYTES)];
    det.feed(head, head.len() == bytes.len());
    let enc = det.guess(None, chardetng::Utf8Detection::Deny);
    if accepted(enc) {
        return enc;
    }
    enc
}

/// Whether `prefix` (which decodes as GBK) holds at least a few ideographs and mostly
/// ideographs among its non-ASCII characters.
fn mostly_chinese(prefix: &[u8]) -> bool {
    let Ok(text) = strict(GBK, prefix) else {
        return false;
    };
    let (mut han, mut other) = (0usize, 0usize);
    for c in text.chars().filter(|c| !c.is_ascii()) {
        if ('\u{4E00}'..='\u{9FFF}').contains(&c)
            || ('\u{3000}'..='\u{303F}').contains(&c)
            || ('\u{FF00}'..='\u{FFEF}').contains(&c)
        {
            han += 1;
        } else {
            other += 1;
        }
    }
    han >= 4 && han >= 4 * other
}

/// `charset=` in the first 1024 bytes of an HTML page (`<meta charset="gbk">`,
/// `content="text/html; charset=gb2312"`), as the HTML standard's prescan does.
fn declared_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(1024)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    if !lower.contains(&b'<') {
        return None;
    }
    let at = memchr::memmem::find(&lower, b"charset=")? + b"charset=".len();
    let rest = &head[at..];
    let rest = rest
        .strip_prefix(b"\"")
        .or_else(|| rest.strip_prefix(b"'"))
        .unwrap_or(rest);
    let end = rest
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .unwrap_or(rest.len());
    Encoding::for_label(&rest[..end])
}

/// GB18030's four-byte form: a lead byte 0x81–0xFE followed by a digit 0x30–0x39.
fn has_four_byte_gb18030(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i + 1 < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
        } else if (0x81..=0xFE).contains(&b) && bytes[i + 1].is_ascii_digit() {
            return true;
        } else {
            i += 2;
        }
    }
    false
}

/// Whether every double-byte sequence of `bytes` is a GB2312 pair (lead and trail byte both
/// 0xA1 or above), over at least eight of them.
fn gb2312_only(bytes: &[u8]) -> bool {
    let (mut pairs, mut i) = (0usize, 0usize);
    while i < bytes.len() {
        if bytes[i] < 0x80 {
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(&t) if bytes[i] >= 0xA1 && bytes[i] <= 0xF7 && t >= 0xA1 && t != 0xFF => {
                pairs += 1;
                i += 2;
            }
            _ => return false,
        }
    }
    pairs >= 8
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table drawn in box characters, in GBK and in Big5: each reads back as itself.
    #[test]
    fn box_drawn_tables_decode_in_their_own_encoding() {
        let table = "┌──────┬────────────┐\n│姓名  │身份证号    │\n├──────┼────────────┤\n│王秀英│330106198503120037│\n└──────┴────────────┘\n";
        let bytes = gbk(table);
        let (t, e) = decode(&bytes).unwrap();
        assert_eq!((t.as_ref(), e), (table, "GBK"));
        let big5_table = "┌──────┬────────────┐\n│姓名  │身分證號    │\n├──────┼────────────┤\n│王秀英│330106198503120037│\n└──────┴────────────┘\n";
        let bytes = BIG5.encode(big5_table).0.into_owned();
        let (t, e) = decode(&bytes).unwrap();
        assert_eq!((t.as_ref(), e), (big5_table, "Big5"));
    }

    fn gbk(s: &str) -> Vec<u8> {
        GBK.encode(s).0.into_owned()
    }

    #[test]
    fn utf8_with_and_without_bom_is_borrowed() {
        let (t, e) = decode("内部资料".as_bytes()).unwrap();
        assert!(matches!(t, Cow::Borrowed("内部资料")));
        assert_eq!(e, "UTF-8");
        let (t, _) = decode(b"\xEF\xBB\xBFabc").unwrap();
        assert_eq!(t, "abc");
    }

    #[test]
    fn gbk_and_utf16_decode() {
        let doc = "关于印发《某区2025年度重点工作安排》的通知\n各街道办事处、区政府各部门：\n本材料为内部资料，不得外传。\n";
        let bytes = gbk(doc);
        let (t, e) = decode(&bytes).unwrap();
        assert_eq!(t, doc);
        assert_eq!(e, "GBK");
        let mut le = vec![0xFF, 0xFE];
        le.extend(doc.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&le).unwrap().0, doc);
        let mut be = vec![0xFE, 0xFF];
        be.extend(doc.encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode(&be).unwrap().0, doc);
    }

    #[test]
    fn declared_charset_wins() {
        let page = "<html><head><meta charset=\"gb2312\"><title>公示</title></head><body>内部资料</body></html>";
        let bytes = gbk(page);
        let (t, e) = decode(&bytes).unwrap();
        assert_eq!(t, page);
        assert_eq!(e, "GBK");
    }

    #[test]
    fn malformed_is_an_error_with_offset() {
        let mut b = gbk("通知：内部资料，不得外传。各单位请于本周内报送材料。");
        b.push(0xC4); // a lone lead byte at the end
        match decode(&b) {
            Err(InputError::Undecodable { offset, .. }) => assert_eq!(offset, b.len() - 1),
            other => panic!("{other:?}"),
        }
        assert_eq!(decode(b"ab\0c"), Err(InputError::Binary { offset: 2 }));
        assert_eq!(decode(b"\xFF\xFEa"), Err(InputError::Utf16));
    }

    /// Found by fuzzing (fuzz/fuzz_targets/text.rs): a control character in UTF-16 text was
    /// reported at its offset in the decoded UTF-8, past the end of a short input.
    #[test]
    fn utf16_control_offset_is_in_the_input() {
        let mut le = vec![0xFF, 0xFE];
        le.extend("内部资料\u{1}".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&le), Err(InputError::Binary { offset: 10 }));
        let mut be = vec![0xFE, 0xFF];
        be.extend("😀\0".encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode(&be), Err(InputError::Binary { offset: 6 }));
    }
}
