//! Personal identifiers: digit-run scanning and validators.
//!
//! Candidates are maximal ASCII alphanumeric runs of the folded text, so a number never matches
//! inside a longer alphanumeric run (index numbers such as `11330211002868065K/2016-00012` stay
//! whole). Digit groups separated by one to three separators (`138-0000-0001`,
//! `110101 19900101 0015`) or by one line break are joined, but only kept when the joined number
//! validates. Unified social credit codes, landlines and service numbers are recognised so that
//! they are never mistaken for personal identifiers.

use super::finding::Severity;
use super::html_tags::is_inline_tag;
use super::spec::DetectorKind;

/// What an identifier candidate turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IdKind {
    /// 18-digit resident identity number (incl. 港澳台 residence permits and the 9-prefixed
    /// foreigner's permanent residence card, which share the algorithm).
    ResidentId,
    /// 15-digit first-generation resident identity number.
    ResidentId15,
    /// An ID-shaped value with one to three mask characters: too little masked.
    UnderMaskedId,
    Mobile,
    UnderMaskedMobile,
    BankCard,
    Passport,
    TravelPermit,
}

impl IdKind {
    /// The detector whose rule reports this kind.
    pub fn detector(self) -> DetectorKind {
        match self {
            IdKind::ResidentId | IdKind::ResidentId15 | IdKind::UnderMaskedId => {
                DetectorKind::ResidentId
            }
            IdKind::Mobile | IdKind::UnderMaskedMobile => DetectorKind::Mobile,
            IdKind::BankCard => DetectorKind::BankCard,
            IdKind::Passport => DetectorKind::Passport,
            IdKind::TravelPermit => DetectorKind::TravelPermit,
        }
    }
}

/// Context words each detector consults. They come from the rule files.
#[derive(Clone, Debug, Default)]
pub struct IdContext {
    /// Words that make an ID-shaped number an identity number (身份证, 证件号码, ...).
    pub id_keywords: Vec<String>,
    /// Words that make a Luhn-valid digit run a card (卡号, 银行卡, 账号, ...).
    pub card_keywords: Vec<String>,
    pub passport_keywords: Vec<String>,
    pub permit_keywords: Vec<String>,
    /// Well-known example numbers that are never findings (13800138000, 11010519491231002X).
    pub allow: Vec<String>,
}

/// One identifier found in the folded text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdHit {
    pub kind: IdKind,
    pub severity: Severity,
    /// Folded byte span.
    pub start: usize,
    pub end: usize,
    pub reason: String,
}

// ---------------------------------------------------------------------------------------------
// Validators
// ---------------------------------------------------------------------------------------------

const PROVINCES: [u8; 38] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83, 91, 92, 93,
];

fn two(d: &[u8]) -> u8 {
    (d[0] - b'0') * 10 + (d[1] - b'0')
}

fn valid_province(p: u8) -> bool {
    PROVINCES[..35].contains(&p)
}

/// Region prefix of an 18-digit number: a province code, or `9` + province for the 2023
/// foreigner's permanent residence card.
fn valid_id_region(d: &[u8]) -> bool {
    if d[0] == b'9' {
        d[1].is_ascii_digit() && d[2].is_ascii_digit() && valid_province(two(&d[1..3]))
    } else {
        valid_province(two(&d[0..2]))
    }
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        _ => 0,
    }
}

/// `YYYYMMDD` as a real date in `[1900-01-01, today]`.
pub fn valid_birth_date(d: &[u8], today: u32) -> bool {
    if d.len() != 8 || !d.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let n = d.iter().fold(0u32, |a, &b| a * 10 + u32::from(b - b'0'));
    let (y, m, day) = (n / 10000, n / 100 % 100, n % 100);
    y >= 1900 && (1..=12).contains(&m) && day >= 1 && day <= days_in_month(y, m) && n <= today
}

/// ISO 7064 MOD 11-2 check character for the first 17 digits.
pub fn id_check_char(d17: &[u8]) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let s: u32 = d17
        .iter()
        .zip(W)
        .map(|(&b, w)| u32::from(b - b'0') * w)
        .sum();
    b"10X98765432"[(s % 11) as usize] as char
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdCheck {
    Valid,
    /// Region and birth date are real but the check character is wrong.
    BadCheck,
    Invalid,
}

/// Validates an 18-character resident identity number (`x` accepted for `X`).
pub fn check_id18(s: &str, today: u32) -> IdCheck {
    let d = s.as_bytes();
    if d.len() != 18 || !d[..17].iter().all(u8::is_ascii_digit) {
        return IdCheck::Invalid;
    }
    let last = d[17].to_ascii_uppercase();
    if !(last.is_ascii_digit() || last == b'X') {
        return IdCheck::Invalid;
    }
    if !valid_id_region(d) || !valid_birth_date(&d[6..14], today) {
        return IdCheck::Invalid;
    }
    if id_check_char(&d[..17]) as u8 == last {
        IdCheck::Valid
    } else {
        IdCheck::BadCheck
    }
}

/// A 15-digit first-generation number: region and a real `19YYMMDD` birth date.
pub fn valid_id15(s: &str, today: u32) -> bool {
    let d = s.as_bytes();
    if d.len() != 15 || !d.iter().all(u8::is_ascii_digit) || !valid_province(two(&d[0..2])) {
        return false;
    }
    let mut date = *b"19000000";
    date[2..].copy_from_slice(&d[6..12]);
    valid_birth_date(&date, today)
}

const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

fn uscc_value(c: u8) -> Option<u32> {
    USCC_ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// Unified social credit code (GB 32100-2015): upper-case alphabet, registration authority,
/// region, and the mod-31 check character.
pub fn valid_uscc(s: &str) -> bool {
    let d = s.as_bytes();
    if d.len() != 18 {
        return false;
    }
    if !matches!(d[0], b'1'..=b'9' | b'A' | b'N' | b'Y') || !d[1].is_ascii_digit() {
        return false;
    }
    if !d[2..8].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut sum = 0u32;
    let mut w = 1u32;
    for &c in &d[..17] {
        match uscc_value(c) {
            Some(v) => sum += v * w,
            None => return false,
        }
        w = w * 3 % 31;
    }
    let check = USCC_ALPHABET[((31 - sum % 31) % 31) as usize];
    check == d[17]
}

pub fn luhn(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let mut v = u32::from(b - b'0');
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MobileCheck {
    Allocated,
    /// `1[3-9]` and eleven digits, but not an allocated block.
    Unallocated,
    No,
}

/// Mainland mobile numbers by allocated block (libphonenumber metadata).
pub fn check_mobile(s: &str) -> MobileCheck {
    let d = s.as_bytes();
    if d.len() != 11 || !d.iter().all(u8::is_ascii_digit) || d[0] != b'1' || d[1] < b'3' {
        return MobileCheck::No;
    }
    let p3 = u32::from(d[1] - b'0') * 10 + u32::from(d[2] - b'0');
    let allocated = match p3 {
        30..=39
        | 45
        | 47
        | 50..=53
        | 55..=59
        | 62
        | 65..=67
        | 70..=73
        | 75..=78
        | 80..=93
        | 95..=99 => true,
        61 => d[3] == b'0',
        74 => d[3] == b'0' && d[4] <= b'5',
        _ => false,
    };
    if allocated {
        MobileCheck::Allocated
    } else {
        MobileCheck::Unallocated
    }
}

// ---------------------------------------------------------------------------------------------
// Scanning
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
struct Token {
    start: usize,
    end: usize,
    /// Only ASCII digits.
    digits: bool,
}

const fn class_table() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = if b.is_ascii_digit() {
            1
        } else if b.is_ascii_alphabetic() {
            2
        } else {
            0
        };
        i += 1;
    }
    t
}
static CLASS: [u8; 256] = class_table();

/// For the 64 bytes of `w`: bit `i` of `.0` set if byte `i` is an ASCII digit, of `.1` if it
/// is an ASCII letter or digit (the [`CLASS`] table, 64 bytes at a time).
#[inline(always)]
fn class_masks(w: &[u8; 64]) -> (u64, u64) {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        use std::arch::x86_64::*;
        let (mut digits, mut alnum) = (0u64, 0u64);
        for k in 0..4 {
            // SAFETY: SSE2 is enabled (checked by the `cfg` above), and the unaligned load reads
            // bytes 16k..16k+16 of `w`, all inside it.
            let (d, a) = unsafe {
                let x = _mm_loadu_si128(w.as_ptr().add(16 * k).cast());
                // Signed compares: bytes from 0x80 up are negative and match neither range.
                let d = _mm_and_si128(
                    _mm_cmpgt_epi8(x, _mm_set1_epi8(0x2F)),
                    _mm_cmplt_epi8(x, _mm_set1_epi8(0x3A)),
                );
                let y = _mm_or_si128(x, _mm_set1_epi8(0x20));
                let l = _mm_and_si128(
                    _mm_cmpgt_epi8(y, _mm_set1_epi8(0x60)),
                    _mm_cmplt_epi8(y, _mm_set1_epi8(0x7B)),
                );
                (_mm_movemask_epi8(d), _mm_movemask_epi8(_mm_or_si128(d, l)))
            };
            digits |= u64::from(d as u16) << (16 * k);
            alnum |= u64::from(a as u16) << (16 * k);
        }
        (digits, alnum)
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    {
        w.iter()
            .enumerate()
            .fold((0, 0), |(d, a), (i, &x)| match CLASS[x as usize] {
                1 => (d | 1 << i, a | 1 << i),
                2 => (d, a | 1 << i),
                _ => (d, a),
            })
    }
}

/// Bits `0..n` (`n` ≤ 64).
#[inline(always)]
fn low_bits(n: usize) -> u64 {
    if n >= 64 {
        u64::MAX
    } else {
        (1 << n) - 1
    }
}

/// Bytes tokenised at a time by [`IdScanner::scan`].
const TOKEN_BLOCK: usize = 32 * 1024;

/// How far past a token's start the chain built from it may look for the next group: at most
/// eight groups of fewer than 19 characters with gaps of [`MAX_GAP_BYTES`].
const MAX_CHAIN_REACH: usize = 8 * (MAX_GAP_BYTES + 19);

/// Appends to `out` the maximal ASCII alphanumeric runs of `b[from..to]` that contain at least one
/// digit. No run may cross `from` or `to`.
/// With `skip_quiet`, short numbers that nothing can join or mask are left out (see below).
fn tokens_into(b: &[u8], from: usize, to: usize, out: &mut Vec<Token>, skip_quiet: bool) {
    // 64-byte windows, each as two bitmasks: digits, and letters or digits. A token is a run of
    // the second that holds a bit of the first; its ends are found with bit scans, and only a
    // token that crosses a window's edge is followed byte by byte.
    let mut i = from;
    while i < to {
        let (digits, alnum) = match b[..to].get(i..i + 64) {
            Some(w) => class_masks(w.try_into().unwrap_or(&[0; 64])),
            None => {
                // The last, partial window: zeros past `to` are neither digits nor letters.
                let mut w = [0u8; 64];
                w[..to - i].copy_from_slice(&b[i..to]);
                class_masks(&w)
            }
        };
        let mut next = i + 64;
        let mut d = digits;
        while d != 0 {
            let k = d.trailing_zeros() as usize;
            // The run around this digit: from just after the last other byte before it (or,
            // if there is none in the window, back across the window's start, as far as
            // `from`) to the first other byte after it.
            let before = !alnum & low_bits(k);
            let start = if before != 0 {
                i + 64 - before.leading_zeros() as usize
            } else {
                let mut s = i;
                while s > from && CLASS[b[s - 1] as usize] != 0 {
                    s -= 1;
                }
                s
            };
            let after = !alnum & !low_bits(k);
            let end = if after != 0 {
                let e = after.trailing_zeros() as usize;
                d &= !low_bits(e);
                i + e
            } else {
                let mut e = i + 64;
                while e < to && CLASS[b[e] as usize] != 0 {
                    e += 1;
                }
                d = 0;
                next = e;
                e
            };
            let has_alpha = if start >= i && end <= i + 64 {
                (alnum & !digits) >> (start - i) & low_bits(end - start) != 0
            } else {
                b[start..end].iter().any(|&x| CLASS[x as usize] == 2)
            };
            // A short number between two words (`2024年3月`) can be no identifier: too short on
            // its own, with nothing around it that could join it to another group or mask it.
            if skip_quiet
                && !has_alpha
                && !matches!(end - start, 11 | 15..=19)
                && quiet_before(b, start)
                && quiet_after(b, end)
            {
                continue;
            }
            out.push(Token {
                start,
                end,
                digits: !has_alpha,
            });
        }
        i = next;
    }
}

/// ASCII bytes that may join digit groups (separators, line ends, the ends of markup: see
/// [`gap_kind`]) or mask them ([`is_mask_char`]).
fn joins_or_masks(x: u8) -> bool {
    let c = char::from(x);
    is_group_separator(c) || is_mask_char(c) || matches!(c, '\n' | '\r' | '<' | '>')
}

/// Whether the byte at `i` starts an ideograph of U+4000..U+9FFF (never a separator or mask).
fn ideograph_lead(x: u8) -> bool {
    (0xE4..=0xE9).contains(&x)
}

/// True if the character before offset `s` can neither end a gap between digit groups nor be a
/// mask: an ASCII character other than those of [`joins_or_masks`], or an ideograph.
fn quiet_before(b: &[u8], s: usize) -> bool {
    match s.checked_sub(1).map(|k| b[k]) {
        None => true,
        Some(x) if x < 0x80 => !joins_or_masks(x),
        Some(_) => s >= 3 && ideograph_lead(b[s - 3]),
    }
}

/// True if the character at offset `e` can neither start a gap between digit groups nor be a
/// mask (see [`quiet_before`]).
fn quiet_after(b: &[u8], e: usize) -> bool {
    match b.get(e) {
        None => true,
        Some(&x) if x < 0x80 => !joins_or_masks(x),
        Some(&x) => ideograph_lead(x),
    }
}

/// The tokens of a whole text.
#[cfg(test)]
fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    tokens_into(text.as_bytes(), 0, text.len(), &mut out, false);
    out
}

/// True if a mask character may stand next to or inside the token at `s..e`: a cheap byte test
/// before [`IdScanner::masked`] decodes anything.
#[inline(always)]
fn may_touch_mask(text: &str, s: usize, e: usize) -> bool {
    let b = text.as_bytes();
    // ASCII mask characters, and the lead bytes of the others (`×` is C3 97; the symbols are
    // E2 xx xx).
    let ascii_mask = |x: u8| matches!(x, b'*' | b'x' | b'X' | b'#' | b'?');
    let after = b
        .get(e)
        .is_some_and(|&x| ascii_mask(x) || x == 0xC3 || x == 0xE2);
    let before = s > 0
        && (ascii_mask(b[s - 1]) || (s >= 2 && b[s - 2] == 0xC3) || (s >= 3 && b[s - 3] == 0xE2));
    after || before || b[s..e].iter().any(|&x| x == b'x' || x == b'X')
}

fn is_group_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '-'
            | '‐'
            | '‑'
            | '‒'
            | '–'
            | '—'
            | '―'
            | '.'
            | '·'
            | '・'
            | '_'
            | '/'
            | '('
            | ')'
            | '（'
            | '）'
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Gap {
    Separator,
    LineBreak,
    No,
}

/// What lies between two digit groups.
/// The longest gap between two digit groups that can join them (inline markup).
const MAX_GAP_BYTES: usize = 96;

fn gap_kind(gap: &str) -> Gap {
    // The longest gap worth a look: three separators, CRLF and an indent, or inline markup.
    if gap.is_empty() || gap.len() > MAX_GAP_BYTES {
        return Gap::No;
    }
    if gap.starts_with('<') {
        return html_gap(gap);
    }
    if gap.len() > 12 {
        return Gap::No;
    }
    // Most gaps are a word (`2024年3月`): one look at the first character rules them out.
    let first = gap.chars().next().unwrap_or(' ');
    if !(first == '\n' || first == '\r' || is_group_separator(first)) {
        return Gap::No;
    }
    // A tab, a `|` or a run of blanks aligns table columns: the groups on either side are two
    // cells, never one number (`1874<TAB>30000`).
    if is_cell_gap(gap) {
        return Gap::No;
    }
    let n = gap.chars().count();
    if n <= 3 && gap.chars().all(is_group_separator) {
        return Gap::Separator;
    }
    // One line break, optionally with a carriage return and the next line's indent.
    let t = gap.trim_end_matches([' ', '\t', '\u{3000}']);
    if (t == "\n" || t == "\r\n") && gap.len() - t.len() <= 8 {
        return Gap::LineBreak;
    }
    // Markup was handled above: a gap that reaches here and is neither is no join.
    Gap::No
}

/// A tab, a `|` or two blanks in a row: what separates table cells in text (tab-separated
/// tables, `|` tables, columns aligned with spaces in text copied from PDFs and web pages).
pub fn is_cell_gap(gap: &str) -> bool {
    gap.contains(['\t', '|']) || gap.contains("  ")
}

/// The line ending at `end` (back to the previous line feed) is a table row: a line break after
/// it ends a cell, and digits on either side are two numbers.
fn ends_table_row(text: &str, end: usize) -> bool {
    let b = text.as_bytes();
    let lo = end.saturating_sub(512);
    let start = memchr::memrchr(b'\n', &b[lo..end]).map_or(lo, |i| lo + i + 1);
    // Leading blanks indent a paragraph; only blanks between text align columns.
    let line = &b[start..end];
    let line = &line[line.iter().take_while(|&&c| c == b' ').count()..];
    memchr::memchr2(b'\t', b'|', line).is_some() || memchr::memmem::find(line, b"  ").is_some()
}

/// Markup between digit groups in raw HTML: inline tags ([`is_inline_tag`]) do not separate a number
/// (`<span>138</span><span>0000</span>0001`), `<br>` is a line break, and cell or block tags
/// (`</td><td>`) keep the groups apart.
fn html_gap(gap: &str) -> Gap {
    if !gap.starts_with('<') || gap.len() > MAX_GAP_BYTES {
        return Gap::No;
    }
    let mut kind = Gap::Separator;
    let mut rest = gap;
    while !rest.is_empty() {
        let Some(stripped) = rest.strip_prefix('<') else {
            return Gap::No;
        };
        let Some(close) = stripped.find('>') else {
            return Gap::No;
        };
        let tag = stripped[..close].trim_start_matches('/');
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match name.as_str() {
            n if is_inline_tag(n) => {}
            "br" | "wbr" if kind == Gap::Separator => kind = Gap::LineBreak,
            _ => return Gap::No,
        }
        rest = &stripped[close + 1..];
    }
    kind
}

fn is_mask_char(c: char) -> bool {
    matches!(
        c,
        '*' | '×' | 'x' | 'X' | '●' | '○' | '■' | '□' | '#' | '?' | '※' | '✱' | '∗' | '◯'
    )
}

/// The scanner. Holds the context words; stateless otherwise.
pub struct IdScanner<'c> {
    pub ctx: &'c IdContext,
    pub today: u32,
}

/// True if any of `words` occurs within `before` characters before `start` or `after`
/// characters after `end` (including the span itself).
pub fn near(
    text: &str,
    start: usize,
    end: usize,
    before: usize,
    after: usize,
    words: &[String],
) -> bool {
    if words.is_empty() {
        return false;
    }
    let ws = back_chars(text, start, before);
    let we = fwd_chars(text, end, after);
    let window = &text[ws..we];
    words.iter().any(|w| window.contains(w.as_str()))
}

/// Byte offset `n` characters before `pos` (clamped to 0).
pub fn back_chars(text: &str, pos: usize, n: usize) -> usize {
    let mut p = pos;
    for _ in 0..n {
        if p == 0 {
            break;
        }
        p -= 1;
        while p > 0 && !text.is_char_boundary(p) {
            p -= 1;
        }
    }
    p
}

/// Byte offset `n` characters after `pos` (clamped to the end).
pub fn fwd_chars(text: &str, pos: usize, n: usize) -> usize {
    let mut p = pos;
    for _ in 0..n {
        if p >= text.len() {
            break;
        }
        p += 1;
        while p < text.len() && !text.is_char_boundary(p) {
            p += 1;
        }
    }
    p
}

impl IdScanner<'_> {
    /// Every identifier in the folded text, plus those spelled in Chinese numerals.
    pub fn scan(&self, text: &str, numeral_runs: &[(usize, usize)]) -> Vec<IdHit> {
        self.scan_in_blocks(text, numeral_runs, TOKEN_BLOCK, true)
    }

    /// `skip_quiet`: see [`tokens_into`].
    fn scan_in_blocks(
        &self,
        text: &str,
        numeral_runs: &[(usize, usize)],
        block: usize,
        skip_quiet: bool,
    ) -> Vec<IdHit> {
        let mut hits = Vec::new();
        // Block by block, so that the tokens are examined while their text is still in cache.
        let b = text.as_bytes();
        let mut toks: Vec<Token> = Vec::new();
        // The last run of digits and mask characters examined (see `IdScanner::masked`).
        let mut masked_run = (0, 0);
        let mut scanned = 0;
        while scanned < b.len() || !toks.is_empty() {
            if scanned < b.len() {
                // A block ends where no token continues.
                let mut to = scanned.saturating_add(block).min(b.len());
                while to < b.len() && CLASS[b[to] as usize] != 0 {
                    to += 1;
                }
                tokens_into(b, scanned, to, &mut toks, skip_quiet);
                scanned = to;
            }
            // Tokens whose chains cannot reach into the text not yet tokenised.
            let limit = if scanned == b.len() {
                usize::MAX
            } else {
                scanned.saturating_sub(MAX_CHAIN_REACH)
            };
            let mut i = 0;
            while i < toks.len() && toks[i].start < limit {
                i += self
                    .at_token(text, &toks, i, &mut hits, &mut masked_run)
                    .max(1);
            }
            toks.drain(..i);
        }
        for &(s, e) in numeral_runs {
            if let Some(digits) = super::normalize::numerals_to_digits(&text[s..e]) {
                if let Some(mut h) = self.classify(text, s, e, &digits, true) {
                    h.reason = format!("{}（中文数字书写）", h.reason);
                    hits.push(h);
                }
            }
        }
        hits.sort_by_key(|h| (h.start, h.end));
        hits
    }

    /// Examines the chains of digit groups starting at token `i`; returns tokens consumed.
    /// `masked_run`: see [`IdScanner::masked`].
    fn at_token(
        &self,
        text: &str,
        toks: &[Token],
        i: usize,
        hits: &mut Vec<IdHit>,
        masked_run: &mut (usize, usize),
    ) -> usize {
        let t = toks[i];
        let tok = &text[t.start..t.end];
        if !t.digits {
            // Letters inside: an ID with check character X, a USCC, a passport or permit.
            if let Some(h) = self.classify_alnum(text, t.start, t.end, tok) {
                hits.push(h);
            } else if let Some(h) = self.masked(text, t.start, t.end, masked_run) {
                hits.push(h);
            }
            return 1;
        }
        // Chains of groups joined by separators (at most one line break per chain): the last
        // token of each chain and the chain's length in characters.
        let mut chains: [(usize, usize); 8] = [(0, 0); 8];
        let mut n_chains = 0;
        let mut len = t.end - t.start;
        chains[0] = (i, len);
        n_chains += 1;
        let mut line_breaks = 0;
        let mut j = i;
        while j + 1 < toks.len() && len < 19 && n_chains < chains.len() {
            let next = toks[j + 1];
            // Most numbers stand alone: test the gap's length before touching its text.
            if next.start - toks[j].end > MAX_GAP_BYTES {
                break;
            }
            let gap = gap_kind(&text[toks[j].end..next.start]);
            if gap == Gap::No {
                break;
            }
            if gap == Gap::LineBreak {
                line_breaks += 1;
                if line_breaks > 1 || ends_table_row(text, toks[j].end) {
                    break;
                }
            }
            let nt = &text[next.start..next.end];
            let last_x = !next.digits
                && nt.len() >= 2
                && nt[..nt.len() - 1].bytes().all(|b| b.is_ascii_digit())
                && nt.ends_with(['x', 'X']);
            if !next.digits && !last_x {
                break;
            }
            len += nt.len();
            j += 1;
            if len > 19 {
                break;
            }
            chains[n_chains] = (j, len);
            n_chains += 1;
            if last_x {
                break;
            }
        }
        // `×` after 17 digits is an ID's check character X if the number validates (typed
        // with a Chinese input method).
        let (end_tok, len) = chains[n_chains - 1];
        if len == 17 && text[toks[end_tok].end..].starts_with('×') {
            let mut digits: String = toks[i..=end_tok]
                .iter()
                .map(|t| &text[t.start..t.end])
                .collect();
            digits.push('X');
            let e = toks[end_tok].end + '×'.len_utf8();
            if check_id18(&digits, self.today) == IdCheck::Valid {
                if let Some(h) = self.classify(text, t.start, e, &digits, true) {
                    hits.push(h);
                    return end_tok - i + 1;
                }
            }
        }
        // Longest chain first; a multi-group chain must validate to count.
        for k in (0..n_chains).rev() {
            let (end_tok, len) = chains[k];
            if !matches!(len, 11 | 15..=19) {
                continue;
            }
            let digits: String = toks[i..=end_tok]
                .iter()
                .map(|t| &text[t.start..t.end])
                .collect();
            let (s, e) = (t.start, toks[end_tok].end);
            if let Some(h) = self.classify(text, s, e, &digits, k > 0) {
                hits.push(h);
                return end_tok - i + 1;
            }
        }
        if let Some(h) = self.masked(text, t.start, t.end, masked_run) {
            hits.push(h);
        }
        1
    }

    /// Classifies a digit string (possibly joined from groups) at folded span `s..e`.
    /// `strict`: the value was assembled (groups, numerals) and must fully validate.
    fn classify(
        &self,
        text: &str,
        s: usize,
        e: usize,
        digits: &str,
        strict: bool,
    ) -> Option<IdHit> {
        let ctx = self.ctx;
        if ctx.allow.iter().any(|a| a.eq_ignore_ascii_case(digits)) {
            return None;
        }
        let hit = |kind, severity, reason: String| {
            Some(IdHit {
                kind,
                severity,
                start: s,
                end: e,
                reason,
            })
        };
        let id_kw = |n| near(text, s, e, n, 4, &ctx.id_keywords);
        let card_kw = || near(text, s, e, 15, 4, &ctx.card_keywords);
        match digits.len() {
            18 => match check_id18(digits, self.today) {
                IdCheck::Valid => {
                    return hit(
                        IdKind::ResidentId,
                        Severity::Hold,
                        "18位身份证号码（地区码、出生日期、校验码均有效）".into(),
                    )
                }
                IdCheck::BadCheck if !strict && id_kw(10) => {
                    return hit(
                        IdKind::ResidentId,
                        Severity::Warn,
                        "疑似身份证号码：地区码、出生日期有效，校验码不符，附近有证件关键词".into(),
                    )
                }
                _ => {
                    if valid_uscc(digits) {
                        return None;
                    }
                }
            },
            15 if valid_id15(digits, self.today) => {
                if id_kw(10) {
                    return hit(
                        IdKind::ResidentId15,
                        Severity::Hold,
                        "15位身份证号码，附近有证件关键词".into(),
                    );
                }
                // Without a keyword it may be an IMEI (Luhn) or an old registration number.
                if !strict && !luhn(digits) {
                    return hit(
                        IdKind::ResidentId15,
                        Severity::Warn,
                        "疑似15位身份证号码（地区码、出生日期有效）".into(),
                    );
                }
            }
            11 => match check_mobile(digits) {
                MobileCheck::Allocated => {
                    return hit(
                        IdKind::Mobile,
                        Severity::Hold,
                        "手机号码（已分配号段）".into(),
                    )
                }
                MobileCheck::Unallocated if !strict => {
                    return hit(
                        IdKind::Mobile,
                        Severity::Warn,
                        "疑似手机号码（号段未分配）".into(),
                    )
                }
                _ => {}
            },
            _ => {}
        }
        if (16..=19).contains(&digits.len()) {
            let first = digits.as_bytes()[0];
            if digits.bytes().all(|b| b == first) {
                return None;
            }
            let unionpay = digits.starts_with("62");
            let ok = luhn(digits);
            if unionpay && ok {
                return hit(
                    IdKind::BankCard,
                    Severity::Hold,
                    "银联卡号（62开头，Luhn校验通过）".into(),
                );
            }
            if ok && card_kw() {
                return hit(
                    IdKind::BankCard,
                    Severity::Hold,
                    "银行卡号（Luhn校验通过，附近有卡号关键词）".into(),
                );
            }
            if !strict && !ok && unionpay && card_kw() {
                return hit(
                    IdKind::BankCard,
                    Severity::Warn,
                    "疑似银行卡号（附近有卡号关键词，Luhn校验未通过）".into(),
                );
            }
        }
        None
    }

    /// A token with letters: ID ending in X, USCC, passport or travel permit.
    fn classify_alnum(&self, text: &str, s: usize, e: usize, tok: &str) -> Option<IdHit> {
        let ctx = self.ctx;
        if tok.len() == 18 && tok[..17].bytes().all(|b| b.is_ascii_digit()) {
            return self.classify(text, s, e, tok, false);
        }
        if tok.len() == 18 && valid_uscc(&tok.to_ascii_uppercase()) {
            return None;
        }
        let b = tok.as_bytes();
        let digits_from = |k: usize| b.len() > k && b[k..].iter().all(u8::is_ascii_digit);
        let passport = b.len() == 9
            && ((matches!(b[0], b'E' | b'G' | b'K') && digits_from(1))
                || (b[0] == b'E' && b[1].is_ascii_uppercase() && digits_from(2))
                || (["DE", "SE", "PE", "KJ", "MA"]
                    .iter()
                    .any(|p| tok.starts_with(p))
                    && digits_from(2)));
        if passport {
            if near(text, s, e, 15, 15, &ctx.passport_keywords) {
                return Some(IdHit {
                    kind: IdKind::Passport,
                    severity: Severity::Hold,
                    start: s,
                    end: e,
                    reason: "护照号码，附近有护照关键词".into(),
                });
            }
            return None;
        }
        let permit = (b.len() == 9 && matches!(b[0], b'C' | b'W' | b'H' | b'M') && digits_from(1))
            || (b.len() == 9 && b[0] == b'C' && b[1].is_ascii_uppercase() && digits_from(2))
            || (b.len() == 11 && matches!(b[0], b'H' | b'M') && digits_from(1));
        if permit && near(text, s, e, 15, 15, &ctx.permit_keywords) {
            return Some(IdHit {
                kind: IdKind::TravelPermit,
                severity: Severity::Hold,
                start: s,
                end: e,
                reason: "港澳台通行证号码，附近有通行证关键词".into(),
            });
        }
        None
    }

    /// A run of digits and mask characters around folded span `s..e`: safe with at least four
    /// mask characters, a warning with one to three.
    ///
    /// `seen` holds the last run examined: a token inside it (the `34` of `330211****34`) is
    /// part of a number already judged, so it is not judged again.
    #[inline(always)]
    fn masked(&self, text: &str, s: usize, e: usize, seen: &mut (usize, usize)) -> Option<IdHit> {
        // Most numbers have no mask anywhere near: rule them out before decoding, and without
        // the cost of a call.
        if (seen.0 <= s && e <= seen.1) || !may_touch_mask(text, s, e) {
            return None;
        }
        self.masked_run(text, s, e, seen)
    }

    #[inline(never)]
    fn masked_run(
        &self,
        text: &str,
        s: usize,
        e: usize,
        seen: &mut (usize, usize),
    ) -> Option<IdHit> {
        let adjacent_mask = text[..s].chars().next_back().is_some_and(is_mask_char)
            || text[e..].chars().next().is_some_and(is_mask_char)
            || text[s..e].chars().any(is_mask_char);
        if !adjacent_mask {
            return None;
        }
        let mut rs = s;
        while let Some(c) = text[..rs].chars().next_back() {
            if c.is_ascii_digit() || is_mask_char(c) {
                rs -= c.len_utf8();
            } else {
                break;
            }
        }
        let mut re = e;
        while let Some(c) = text[re..].chars().next() {
            if c.is_ascii_digit() || is_mask_char(c) {
                re += c.len_utf8();
            } else {
                break;
            }
        }
        // An alphanumeric neighbour means this is part of something longer.
        *seen = (rs, re);
        let before = text[..rs].chars().next_back();
        let after = text[re..].chars().next();
        if before.is_some_and(|c| c.is_ascii_alphanumeric())
            || after.is_some_and(|c| c.is_ascii_alphanumeric())
        {
            return None;
        }
        let run = &text[rs..re];
        // Letters other than mask characters (a USCC such as 52420106MA700000XU): not masked.
        if !run.chars().all(|c| c.is_ascii_digit() || is_mask_char(c)) {
            return None;
        }
        let n = run.chars().count();
        let masks = run.chars().filter(|&c| is_mask_char(c)).count();
        if masks == 0 || masks > 3 {
            return None;
        }
        let digits = run.bytes().filter(u8::is_ascii_digit).count();
        if n == 18
            && run.is_char_boundary(6)
            && run[..6].bytes().all(|b| b.is_ascii_digit())
            && valid_id_region(run.as_bytes())
        {
            // A trailing X is a check character, not a mask.
            if masks == 1 && run.ends_with(['x', 'X']) {
                return None;
            }
            return Some(IdHit {
                kind: IdKind::UnderMaskedId,
                severity: Severity::Warn,
                start: rs,
                end: re,
                reason: format!("身份证号码脱敏不足（仅{masks}位遮盖）"),
            });
        }
        if n == 11
            && digits >= 8
            && run.starts_with('1')
            && run
                .as_bytes()
                .get(1)
                .is_some_and(|b| (b'3'..=b'9').contains(b))
        {
            return Some(IdHit {
                kind: IdKind::UnderMaskedMobile,
                severity: Severity::Warn,
                start: rs,
                end: re,
                reason: format!("手机号码脱敏不足（仅{masks}位遮盖）"),
            });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: u32 = 20261126;

    /// Digit groups join across the inline tags of the engine's one tag list, `<br>` makes a
    /// line break of the gap, and cell or block tags keep the groups apart.
    #[test]
    fn html_gaps_read_the_shared_tag_lists() {
        for t in crate::engine::html::INLINE_TAGS {
            let gap = format!("</{t}><{t} class=\"x\">");
            assert!(html_gap(&gap) == Gap::Separator, "{gap}");
        }
        assert!(html_gap("<br>") == Gap::LineBreak);
        assert!(html_gap("</span><br/><span>") == Gap::LineBreak);
        for t in crate::engine::html::BLOCK_TAGS {
            let gap = format!("</{t}><{t}>");
            assert!(html_gap(&gap) == Gap::No, "{gap}");
        }
        assert!(html_gap("</td><td>") == Gap::No);
    }

    #[test]
    fn id18() {
        assert_eq!(check_id18("110101195001010009", TODAY), IdCheck::Valid);
        assert_eq!(check_id18("11010119750501001X", TODAY), IdCheck::Valid);
        assert_eq!(check_id18("31010419750502002x", TODAY), IdCheck::Valid);
        assert_eq!(check_id18("110101195001010000", TODAY), IdCheck::BadCheck);
        assert_eq!(check_id18("110101209901010017", TODAY), IdCheck::Invalid);
        assert_eq!(check_id18("931156199001010006", TODAY), IdCheck::Valid);
    }

    /// The identifier and card keywords the property tests scan with.
    fn keyword_context() -> IdContext {
        IdContext {
            id_keywords: vec!["身份证".into()],
            card_keywords: vec!["卡号".into()],
            ..IdContext::default()
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 2000,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// Scanning block by block finds what one pass over the whole text finds, wherever the
        /// blocks end (numbers split into groups across a block's end included).
        #[test]
        fn blocks_do_not_change_the_hits(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "11010119500101000", "9", "X", "138", "0000", "0001", "6222020000000007",
                    " ", "-", "\n", "<span>", "</span>", "身份证号：", "手机", "，", "**", "内容",
                    "2025年", "abc12", "×", "根据有关规定对申请材料进行了审核。",
                ]),
                0..600,
            ),
            block in 1usize..2048,
        ) {
            let text: String = parts.concat();
            let ctx = keyword_context();
            let scanner = IdScanner { ctx: &ctx, today: 20261126 };
            let key = |h: &IdHit| (h.start, h.end, format!("{:?}{:?}", h.kind, h.severity));
            let whole: Vec<_> = scanner.scan_in_blocks(&text, &[], usize::MAX, true).iter().map(key).collect();
            let blocks: Vec<_> = scanner.scan_in_blocks(&text, &[], block, true).iter().map(key).collect();
            proptest::prop_assert_eq!(blocks, whole);
        }

        /// Leaving out the short numbers that nothing can join or mask changes no hit, whatever
        /// stands around the numbers.
        #[test]
        fn quiet_numbers_hold_no_hits(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "110101195001010", "13800138000", "1380013", "8000", "6222020000000007",
                    "0", "1", "9", "X", "x", "138", "0000", "00", "6222",
                    "02000", " ", "  ", "-", "—", "·", ".", "/", "(", "）", "\n", "\r\n", "\t",
                    "\u{3000}", "\n\u{3000}\u{3000}", "・", "<span>", "</span>", "<br>", "<td>", "身份证号：", "手机", "，",
                    "*", "×", "●", "#", "?", "年", "月", "第", "号", "内容", "abc", "「", "、",
                ]),
                0..300,
            ),
        ) {
            let text: String = parts.concat();
            let ctx = keyword_context();
            let scanner = IdScanner { ctx: &ctx, today: 20261126 };
            let key = |h: &IdHit| (h.start, h.end, format!("{:?}{:?}{}", h.kind, h.severity, h.reason));
            let all: Vec<_> = scanner.scan_in_blocks(&text, &[], TOKEN_BLOCK, false).iter().map(key).collect();
            let fewer: Vec<_> = scanner.scan_in_blocks(&text, &[], TOKEN_BLOCK, true).iter().map(key).collect();
            proptest::prop_assert_eq!(fewer, all);
        }

        /// The window-at-a-time token scan finds exactly the maximal ASCII alphanumeric runs
        /// that hold a digit (runs long enough to cross windows included).
        #[test]
        fn tokens_match_a_plain_scan(text in "([0-9a-zA-Z 内部资料，。é\\-]|[0-9a-z]{20,70}){0,120}") {
            let b = text.as_bytes();
            let mut want = Vec::new();
            let mut i = 0;
            while i < b.len() {
                if !b[i].is_ascii_alphanumeric() {
                    i += 1;
                    continue;
                }
                let s = i;
                while i < b.len() && b[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                let run = &b[s..i];
                if run.iter().any(u8::is_ascii_digit) {
                    want.push((s, i, run.iter().all(u8::is_ascii_digit)));
                }
            }
            let got: Vec<_> = tokens(&text).iter().map(|t| (t.start, t.end, t.digits)).collect();
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn uscc() {
        assert!(valid_uscc("91110108MA00000070"));
        assert!(valid_uscc("Y1610113MA80000012"));
        assert!(!valid_uscc("91110108MA00000071"));
        assert!(!valid_uscc("000000000000000000"));
    }

    #[test]
    fn mobile() {
        assert_eq!(check_mobile("13800000000"), MobileCheck::Allocated);
        assert_eq!(check_mobile("14000000000"), MobileCheck::Unallocated);
        assert_eq!(check_mobile("17406000000"), MobileCheck::Unallocated);
        assert_eq!(check_mobile("17405000000"), MobileCheck::Allocated);
        assert_eq!(check_mobile("16100000000"), MobileCheck::Allocated);
        assert_eq!(check_mobile("16110000000"), MobileCheck::Unallocated);
        assert_eq!(check_mobile("12345678901"), MobileCheck::No);
    }

    proptest::proptest! {
        /// The 64-byte masks agree with the class table on every byte value in every lane.
        #[test]
        fn class_masks_match_the_class_table(w in proptest::array::uniform32(0u8..=255), v in proptest::array::uniform32(0u8..=255)) {
            let mut all = [0u8; 64];
            all[..32].copy_from_slice(&w);
            all[32..].copy_from_slice(&v);
            let (d, a) = class_masks(&all);
            for (i, &x) in all.iter().enumerate() {
                proptest::prop_assert_eq!(d >> i & 1 == 1, CLASS[x as usize] == 1, "byte {:#x} at {}", x, i);
                proptest::prop_assert_eq!(a >> i & 1 == 1, CLASS[x as usize] != 0, "byte {:#x} at {}", x, i);
            }
        }
    }

    #[test]
    fn class_masks_cover_every_byte_value() {
        for x in 0u8..=255 {
            let mut w = [0xE4u8; 64];
            w[17] = x;
            w[63] = x;
            let (d, a) = class_masks(&w);
            let want = |class_bit: bool| if class_bit { 1 << 17 | 1 << 63 } else { 0 };
            assert_eq!(d, want(CLASS[x as usize] == 1), "byte {x:#x}");
            assert_eq!(a, want(CLASS[x as usize] != 0), "byte {x:#x}");
        }
    }
}
