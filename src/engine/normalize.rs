//! The folded view of a document and the map back to the original.
//!
//! Matching runs on one folded view of the text, in which:
//! - full-width digits, Latin letters and `＊＃＋－．／＿` become ASCII, `Ⅹ` becomes `X`;
//! - invisible characters (zero-width, soft hyphen, BOM, bidi controls, ...) are removed;
//! - exotic spaces (U+3000, NBSP, thin spaces) become an ASCII space;
//! - traditional and compatibility ideographs become simplified ones (`內部資料` → `内部资料`,
//!   Kangxi radicals from PDFs → unified ideographs);
//! - one or two separators between two ideographs are removed (`内 部 资 料`, `内-部·资 料`);
//! - lines that each hold a single ideograph are joined (vertical stamps `内\n部\n资\n料`).
//!
//! Everything else is copied byte for byte, so clean text costs little more than a memcpy and the
//! map from folded to original offsets stays small: it records only the places that changed.
//! Runs of seven or more Chinese numerals (`一三八零…`, `幺三八〇…`) are reported for the
//! identifier scanner, which converts and validates them.

use std::borrow::Cow;
use std::sync::OnceLock;

/// A change between the original and the folded text: `olen` original bytes at `o` became
/// `flen` folded bytes at `f` (`flen == 0`: removed). Between edits the texts agree byte for byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Edit {
    f: usize,
    o: usize,
    flen: usize,
    olen: usize,
}

/// The folded text of a document and the map back to original byte offsets.
#[derive(Debug)]
pub struct Folded<'a> {
    original: &'a str,
    text: Cow<'a, str>,
    edits: Vec<Edit>,
    /// Folded byte spans of runs of at least [`MIN_NUMERAL_RUN`] Chinese numerals.
    numeral_runs: Vec<(usize, usize)>,
    /// Folded offsets where a literal of the [`CharSet`] given to [`fold_marking`] may start,
    /// ascending.
    marks: Vec<u32>,
}

pub const MIN_NUMERAL_RUN: usize = 7;

/// Where literals may start, as [`fold_marking`] tests it for every folded character: single
/// characters (one-character literals, exact) and hashed pairs of adjacent characters (the first
/// two characters of longer literals). The lexicon builds it, so that its prefilter needs no
/// pass of its own and literals are only looked up where their first two characters stand.
#[derive(Clone, Debug)]
pub struct CharSet {
    bmp: Box<[u64; 1024]>,
    /// The fold tables' stop set plus the one-character literals of the BMP: where the fast
    /// path of [`fold_marking`] must look closer.
    stop: Box<[u64; 1024]>,
    /// The ASCII characters of `bmp`.
    ascii: u128,
    /// Characters outside the Basic Multilingual Plane; any of them is reported if set.
    astral: bool,
    /// Hashed pair bitset.
    pairs: Box<[u64]>,
    shift: u32,
}

impl Default for CharSet {
    fn default() -> Self {
        CharSet::with_capacity(0)
    }
}

/// Bit index of the pair `a`, `b` in a set of `1 << (32 - shift)` bits: a 32-bit hash, so that
/// the vector path of [`plain_run`] computes it eight lanes at a time as the scalar code does.
#[inline(always)]
fn pair_index(a: u32, b: u32, shift: u32) -> usize {
    ((a.wrapping_mul(PAIR_K1) ^ b).wrapping_mul(PAIR_K2) >> shift) as usize
}

const PAIR_K1: u32 = 0x9E37_79B1;
const PAIR_K2: u32 = 0x85EB_CA6B;

impl CharSet {
    /// A set sized for about `pairs` pairs (false positives stay near 1 %).
    pub fn with_capacity(pairs: usize) -> CharSet {
        let bits = if pairs == 0 {
            64
        } else {
            (pairs * 128).next_power_of_two().clamp(1 << 12, 1 << 23)
        };
        CharSet {
            bmp: Box::new([0u64; 1024]),
            stop: tables().stop.clone(),
            ascii: 0,
            astral: false,
            pairs: vec![0u64; bits / 64].into_boxed_slice(),
            shift: 32 - bits.trailing_zeros(),
        }
    }

    pub fn insert(&mut self, c: char) {
        let u = c as u32;
        if u < 0x10000 {
            self.bmp[(u as usize) >> 6] |= 1 << (u & 63);
            self.stop[(u as usize) >> 6] |= 1 << (u & 63);
            if u < 0x80 {
                self.ascii |= 1 << u;
            }
        } else {
            self.astral = true;
        }
    }

    pub fn insert_pair(&mut self, a: char, b: char) {
        let i = pair_index(a as u32, b as u32, self.shift);
        self.pairs[i >> 6] |= 1 << (i & 63);
    }

    #[inline(always)]
    pub fn contains_code(&self, u: u32) -> bool {
        if u < 0x10000 {
            self.bmp[((u as usize) >> 6) & 1023] & (1 << (u & 63)) != 0
        } else {
            self.astral
        }
    }

    #[inline(always)]
    pub fn contains_pair(&self, a: u32, b: u32) -> bool {
        let i = pair_index(a, b, self.shift);
        self.pairs
            .get(i >> 6)
            .is_some_and(|w| w & (1 << (i & 63)) != 0)
    }
}

/// Scratch buffers reused by the scans of one thread. A multi-megabyte document otherwise pays
/// for fresh pages (page faults) on every scan, and a site scan of small files for a series of
/// growing allocations per file; huge buffers are not kept.
mod pool {
    use std::cell::RefCell;
    use std::thread::LocalKey;

    use super::Edit;

    /// Buffers larger than this (in bytes) are dropped, not kept.
    const KEEP_MAX: usize = 32 << 20;

    type Slot<T> = RefCell<Option<T>>;

    thread_local! {
        static TEXT: Slot<String> = const { RefCell::new(None) };
        static MARKS: Slot<Vec<u32>> = const { RefCell::new(None) };
        static EDITS: Slot<Vec<Edit>> = const { RefCell::new(None) };
    }

    fn take_vec<T>(slot: &'static LocalKey<Slot<Vec<T>>>) -> Vec<T> {
        let mut v = slot.with(|m| m.borrow_mut().take()).unwrap_or_default();
        v.clear();
        v
    }

    fn put_vec<T>(slot: &'static LocalKey<Slot<Vec<T>>>, v: Vec<T>) {
        if v.capacity() * std::mem::size_of::<T>() <= KEEP_MAX {
            slot.with(|m| *m.borrow_mut() = Some(v));
        }
    }

    pub fn take_text(len: usize) -> String {
        let mut s = TEXT.with(|t| t.borrow_mut().take()).unwrap_or_default();
        s.clear();
        s.reserve(len);
        s
    }

    pub fn put_text(s: String) {
        if s.capacity() <= KEEP_MAX {
            TEXT.with(|t| *t.borrow_mut() = Some(s));
        }
    }

    pub fn take_marks() -> Vec<u32> {
        take_vec(&MARKS)
    }

    pub fn put_marks(v: Vec<u32>) {
        put_vec(&MARKS, v);
    }

    pub fn take_edits() -> Vec<Edit> {
        take_vec(&EDITS)
    }

    pub fn put_edits(v: Vec<Edit>) {
        put_vec(&EDITS, v);
    }
}

impl Drop for Folded<'_> {
    fn drop(&mut self) {
        if let Cow::Owned(s) = &mut self.text {
            pool::put_text(std::mem::take(s));
        }
        pool::put_marks(std::mem::take(&mut self.marks));
        pool::put_edits(std::mem::take(&mut self.edits));
    }
}

impl<'a> Folded<'a> {
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn original(&self) -> &'a str {
        self.original
    }

    pub fn numeral_runs(&self) -> &[(usize, usize)] {
        &self.numeral_runs
    }

    /// Folded offsets of the marked characters (see [`fold_marking`]).
    pub fn marks(&self) -> &[u32] {
        &self.marks
    }

    /// True when the folded text is the original, unchanged.
    pub fn is_identity(&self) -> bool {
        self.edits.is_empty()
    }

    /// Original offset of the character that starts at folded offset `p`
    /// (characters removed just before `p` are not included).
    pub fn map_start(&self, p: usize) -> usize {
        let k = self.edits.partition_point(|e| e.f + e.flen <= p);
        if let Some(e) = self.edits.get(k) {
            if e.f <= p {
                return e.o;
            }
        }
        match k.checked_sub(1).map(|i| self.edits[i]) {
            None => p,
            Some(e) => e.o + e.olen + (p - (e.f + e.flen)),
        }
    }

    /// Original offset just past the character that ends at folded offset `p`
    /// (characters removed just after it are not included).
    pub fn map_end(&self, p: usize) -> usize {
        let k = self
            .edits
            .partition_point(|e| e.f + e.flen < p || (e.flen > 0 && e.f + e.flen == p));
        if let Some(e) = self.edits.get(k) {
            if e.f < p {
                return e.o + e.olen;
            }
        }
        match k.checked_sub(1).map(|i| self.edits[i]) {
            None => p,
            Some(e) => e.o + e.olen + (p - (e.f + e.flen)),
        }
    }

    /// Folded offset of original offset `o` (a character boundary): where the character at `o`
    /// went, or, if it was removed, where the next kept character went.
    pub fn fold_offset(&self, o: usize) -> usize {
        let k = self.edits.partition_point(|e| e.o + e.olen <= o);
        if let Some(e) = self.edits.get(k) {
            if e.o <= o {
                return e.f;
            }
        }
        match k.checked_sub(1).map(|i| self.edits[i]) {
            None => o,
            Some(e) => e.f + e.flen + (o - (e.o + e.olen)),
        }
    }

    /// Maps a folded span to the original span it came from.
    pub fn map_span(&self, start: usize, end: usize) -> (usize, usize) {
        if start >= end {
            let s = self.map_start(start);
            return (s, s);
        }
        (self.map_start(start), self.map_end(end))
    }
}

// Table entry layout for characters in U+2E80..=U+9FFF and U+F900..=U+FAFF.
const REPL_MASK: u32 = 0x1F_FFFF;
const F_NUMERAL: u32 = 1 << 24;
const F_HAN: u32 = 1 << 26;
const F_SPACE: u32 = 1 << 27;

const CJK_LO: u32 = 0x2E80;
const CJK_HI: u32 = 0x9FFF;
const COMPAT_LO: u32 = 0xF900;
const COMPAT_HI: u32 = 0xFAFF;

struct Tables {
    cjk: Box<[u32]>,
    compat: Box<[u32]>,
    /// One bit per Basic Multilingual Plane character: set if a plain run must stop there,
    /// because the character does not simply fold to itself whatever its neighbours (it is
    /// replaced, removed, a separator, a space, a line break) or is a Chinese numeral whose
    /// runs are noted. Two-byte characters always stop. An 8 KiB bitset stays in L1 cache,
    /// where a byte table would not.
    stop: Box<[u64; 1024]>,
    /// Chinese numerals that fold to themselves (the numeral runs the fast path tracks).
    numeral: Box<[u64; 1024]>,
}

/// The code point of a three-byte UTF-8 sequence (lead byte `1110xxxx`, already checked).
#[inline(always)]
pub(crate) fn decode3(b0: u8, b1: u8, b2: u8) -> u32 {
    (u32::from(b0 & 0x0F) << 12) | (u32::from(b1 & 0x3F) << 6) | u32::from(b2 & 0x3F)
}

#[inline(always)]
fn bit(set: &[u64; 1024], cp: u32) -> bool {
    set[(cp >> 6) as usize & 1023] & (1 << (cp & 63)) != 0
}

/// ASCII bytes that may be removed (separators between ideographs) or end a line.
#[inline]
fn ascii_needs_care(b: u8) -> bool {
    matches!(
        b,
        b'\n' | b' ' | b'\t' | b'-' | b'_' | b'.' | b'/' | b'|' | b'~' | b'\r'
    )
}

/// Ideograph test for the fast path, by range (no table).
#[inline]
fn fast_is_han(cp: u32) -> bool {
    matches!(cp, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0x3007)
}

const NUMERALS: &str = "〇零一二三四五六七八九幺两兩壹贰貳叁參肆伍陆陸柒捌玖";

fn numeral_value(c: char) -> Option<u8> {
    Some(match c {
        '〇' | '零' | '○' => 0,
        '一' | '幺' | '壹' => 1,
        '二' | '两' | '兩' | '贰' | '貳' => 2,
        '三' | '叁' | '參' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' | '陸' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

/// Converts a run of Chinese numerals to ASCII digits; `None` if any character is not one.
pub fn numerals_to_digits(s: &str) -> Option<String> {
    s.chars()
        .map(|c| numeral_value(c).map(|d| char::from(b'0' + d)))
        .collect()
}

pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
        || c == '〇'
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        use unicode_normalization::UnicodeNormalization;
        let entry = |c: char| -> u32 {
            let mut e = 0u32;
            let mut target = c;
            let code = c as u32;
            // Compatibility forms (Kangxi radicals, CJK compatibility ideographs) via NFKC.
            if (0x2F00..=0x2FDF).contains(&code) || (COMPAT_LO..=COMPAT_HI).contains(&code) {
                let n: String = c.to_string().nfkc().collect();
                let mut it = n.chars();
                if let (Some(x), None) = (it.next(), it.next()) {
                    target = x;
                }
            }
            if is_han(target) {
                let s = target.to_string();
                let t = fast2s::convert(&s);
                let mut it = t.chars();
                if let (Some(x), None) = (it.next(), it.next()) {
                    target = x;
                }
                e |= F_HAN;
            }
            if target != c {
                e |= target as u32;
                if is_han(target) {
                    e |= F_HAN;
                }
            }
            if NUMERALS.contains(c) {
                e |= F_NUMERAL;
            }
            if c == '\u{3000}' {
                e |= F_SPACE;
            }
            e
        };
        let cjk: Box<[u32]> = (CJK_LO..=CJK_HI)
            .map(|u| char::from_u32(u).map_or(0, entry))
            .collect();
        let compat: Box<[u32]> = (COMPAT_LO..=COMPAT_HI)
            .map(|u| char::from_u32(u).map_or(0, entry))
            .collect();
        let mut t = Tables {
            cjk,
            compat,
            stop: Box::new([!0u64; 1024]),
            numeral: Box::new([0u64; 1024]),
        };
        let (mut stop, mut numeral) = (Box::new([0u64; 1024]), Box::new([0u64; 1024]));
        for u in 0..0x10000u32 {
            let set = |v: &mut [u64; 1024]| v[(u >> 6) as usize] |= 1 << (u & 63);
            if u < 0x80 {
                // ASCII folds to itself; separators and line breaks need their neighbours.
                if ascii_needs_care(u as u8) {
                    set(&mut stop);
                }
                continue;
            }
            let Some(c) = char::from_u32(u).filter(|_| u >= 0x800) else {
                // Not a one- or three-byte character: never looked up by the fast path.
                set(&mut stop);
                continue;
            };
            let (f, e) = fold_char(c, &t);
            let plain = f == Fold::Keep
                && !is_separator(c)
                && e & (F_NUMERAL | F_SPACE) == 0
                && (e & F_HAN != 0) == fast_is_han(u);
            if f == Fold::Keep && e & F_NUMERAL != 0 && e & F_HAN != 0 && fast_is_han(u) {
                set(&mut numeral);
                set(&mut stop);
            } else if !plain {
                set(&mut stop);
            }
        }
        t.stop = stop;
        t.numeral = numeral;
        t
    })
}

/// Makes sure the fold tables exist, so the first scan does not pay for building them.
pub fn warm_up() {
    tables();
}

/// How one character folds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fold {
    Keep,
    Remove,
    Replace(char),
}

fn is_invisible(u: u32) -> bool {
    matches!(
        u,
        0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
            | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F
            | 0x3164 | 0xFE00..=0xFE0F | 0xFEFF | 0xFFA0 | 0xE0000..=0xE007F
    )
}

fn is_exotic_space(u: u32) -> bool {
    matches!(
        u,
        0x00A0 | 0x1680 | 0x2000..=0x200A | 0x202F | 0x205F | 0x3000
    )
}

/// Separators that are removed when they stand alone (or in pairs) between two ideographs.
fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '-' | '_' | '.' | '/' | '|' | '~' | '·' | '•' | '・' | '‧' | '∙'
    )
}

/// Folds one character (not considering neighbours) and tells whether the result is an ideograph.
#[inline]
fn fold_char(c: char, t: &Tables) -> (Fold, u32) {
    let u = c as u32;
    if (CJK_LO..=CJK_HI).contains(&u) || (COMPAT_LO..=COMPAT_HI).contains(&u) {
        let e = if u <= CJK_HI {
            t.cjk[(u - CJK_LO) as usize]
        } else {
            t.compat[(u - COMPAT_LO) as usize]
        };
        if e & F_SPACE != 0 {
            return (Fold::Replace(' '), e);
        }
        let r = e & REPL_MASK;
        let f = if r != 0 {
            Fold::Replace(char::from_u32(r).unwrap_or(c))
        } else {
            Fold::Keep
        };
        return (f, e);
    }
    let f = match u {
        0xFF10..=0xFF19 | 0xFF21..=0xFF3A | 0xFF41..=0xFF5A => {
            Fold::Replace(char::from_u32(u - 0xFF01 + 0x21).unwrap_or(c))
        }
        0xFF03 | 0xFF0A | 0xFF0B | 0xFF0D | 0xFF0E | 0xFF0F | 0xFF3F => {
            Fold::Replace(char::from_u32(u - 0xFF01 + 0x21).unwrap_or(c))
        }
        0x2169 => Fold::Replace('X'),
        0x25CB => Fold::Keep, // ○ stays, but counts as a numeral
        _ if is_invisible(u) => Fold::Remove,
        _ if is_exotic_space(u) => Fold::Replace(' '),
        _ => Fold::Keep,
    };
    let mut e = 0;
    if u == 0x25CB {
        e |= F_NUMERAL;
    }
    if u >= 0x20000 && is_han(c) {
        e |= F_HAN;
    }
    (f, e)
}

/// Collects the folded offsets where a literal of a [`CharSet`] may start, as the folded
/// characters go by (the slow paths; [`plain_run`] and [`ascii_run`] do the same with their
/// state in registers).
struct Marker<'s> {
    set: &'s CharSet,
    /// The marks are `marks[..n_marks]`; the rest is room the runs write into directly (a
    /// buffer per run, copied after it, cost a copy call per run, and there is a run between
    /// every two digits, line breaks or numerals).
    marks: Vec<u32>,
    n_marks: usize,
    prev_cp: u32,
    prev_pos: u32,
}

impl<'s> Marker<'s> {
    fn new(set: &'s CharSet, mut marks: Vec<u32>) -> Marker<'s> {
        marks.clear();
        Marker {
            set,
            marks,
            n_marks: 0,
            prev_cp: 0,
            prev_pos: 0,
        }
    }

    /// Folded character `cp` at folded offset `pos`. A position may be marked twice (as a
    /// one-character literal and as a pair's start); [`Marker::finish`] removes the repeats.
    #[inline]
    fn visit(&mut self, cp: u32, pos: u32) {
        let (set, prev_pos) = (self.set, self.prev_pos);
        let pair = set.contains_pair(self.prev_cp, cp);
        let buf = self.run_buf();
        buf[0] = prev_pos;
        let mut n = usize::from(pair);
        buf[n] = pos;
        n += usize::from(set.contains_code(cp));
        self.n_marks += n;
        self.prev_cp = cp;
        self.prev_pos = pos;
    }

    /// Room for the marks of one run, after the marks so far. The run adds how many it wrote
    /// to [`Marker::n_marks`].
    #[inline]
    fn run_buf(&mut self) -> &mut [u32; RUN_BUF] {
        let at = self.n_marks;
        if self.marks.len() < at + RUN_BUF {
            let len = (at + RUN_BUF).max(2 * self.marks.len());
            self.marks.resize(len, 0);
        }
        (&mut self.marks[at..at + RUN_BUF])
            .try_into()
            .expect("RUN_BUF slots")
    }

    /// The state a plain run starts from: after the last character seen.
    fn run_state(&self) -> RunState {
        RunState {
            j: 0,
            n: 0,
            prev_cp: self.prev_cp,
            prev_pos: self.prev_pos,
            line_start: 0,
        }
    }

    /// Takes over where a plain run ended: its last character and the marks it wrote.
    fn end_run(&mut self, st: &RunState) {
        (self.prev_cp, self.prev_pos) = (st.prev_cp, st.prev_pos);
        self.n_marks += st.n;
    }

    /// The marks, ascending, each once.
    fn finish(mut self) -> Vec<u32> {
        self.marks.truncate(self.n_marks);
        self.marks.dedup();
        self.marks
    }
}

/// Runs of Chinese numerals in the folded text, as they are being found.
#[derive(Default)]
struct NumeralRuns {
    runs: Vec<(usize, usize)>,
    start: usize,
    count: usize,
}

impl NumeralRuns {
    /// A numeral at folded offset `pos`.
    #[inline]
    fn numeral(&mut self, pos: usize) {
        if self.count == 0 {
            self.start = pos;
        }
        self.count += 1;
    }

    /// Something else at folded offset `pos`: ends the current run.
    #[inline]
    fn other(&mut self, pos: usize) {
        if self.count > 0 {
            if self.count >= MIN_NUMERAL_RUN {
                self.runs.push((self.start, pos));
            }
            self.count = 0;
        }
    }
}

/// Most characters [`ascii_run`] looks at in one call.
const RUN_CHUNK: usize = 256;

/// Marks one run may write: two per byte for [`ascii_run`] (a pair's start and a single), one
/// per character for [`plain_run`]. A power of two, so that the run loops wrap their index with a
/// mask instead of checking it.
const RUN_BUF: usize = 4 * RUN_CHUNK;

/// Bytes one [`plain_run`] call looks at: its marks (at most one per character) fit in
/// [`RUN_BUF`], with room for a last vector store of eight.
const PLAIN_CHUNK: usize = 3 * RUN_CHUNK;
const _: () = assert!(PLAIN_CHUNK + 8 <= RUN_BUF && 2 * RUN_CHUNK <= RUN_BUF);

/// A run of ASCII from the start of `chunk` (at folded offset `pos0`): it folds to itself, since
/// separators are only removed after an ideograph, which the caller has ruled out. Marks pairs
/// and one-character literals; returns the bytes consumed and the offset of the run's last line
/// feed.
#[inline(never)]
fn ascii_run(chunk: &[u8], pos0: u32, mk: &mut Marker<'_>) -> (usize, Option<usize>) {
    // Two marks at most per byte: the run's writes stay inside its RUN_BUF slots, so the
    // index mask below never wraps onto marks already written.
    debug_assert!(
        2 * chunk.len() <= RUN_BUF,
        "ascii_run chunk of {} bytes",
        chunk.len()
    );
    let set = mk.set;
    let singles = set.ascii;
    let (mut prev_cp, mut prev_pos) = (mk.prev_cp, mk.prev_pos);
    let buf = mk.run_buf();
    let (mut n, mut j) = (0usize, 0usize);
    let mut nl = None;
    while let Some(&x) = chunk.get(j) {
        if x >= 0x80 {
            break;
        }
        if x == b'\n' {
            nl = Some(j);
        }
        let (cp, pos) = (u32::from(x), pos0 + j as u32);
        debug_assert!(n + 1 < RUN_BUF, "ascii_run writes mark {n}");
        buf[n % RUN_BUF] = prev_pos;
        n += usize::from(set.contains_pair(prev_cp, cp));
        buf[n % RUN_BUF] = pos;
        n += ((singles >> x) & 1) as usize;
        prev_cp = cp;
        prev_pos = pos;
        j += 1;
    }
    (mk.prev_cp, mk.prev_pos) = (prev_cp, prev_pos);
    mk.n_marks += n;
    (j, nl)
}

/// The fast path of [`fold_marking`]: from the start of `chunk` (at folded offset `pos0`), ASCII
/// and three-byte characters that are not in the [`CharSet`]'s stop set, so fold to themselves
/// whatever stands around them. Marks where pairs of the set start (after the marks so far, see
/// [`Marker::run_buf`]) and returns the bytes consumed and where the run's last line starts:
/// the offset just past its last line feed, 0 if it took none (an `Option` here, as
/// [`ascii_run`] returns, measured 4–5 % slower on the bench corpus).
///
/// Most of a document is such runs. Where the processor has AVX2, eight three-byte characters
/// are decoded and tested at a time ([`avx2::plain_run`]); otherwise, and for ASCII and the
/// characters before a stop, one at a time ([`plain_steps`]).
#[inline]
fn plain_run(chunk: &[u8], pos0: u32, mk: &mut Marker<'_>, simd: bool) -> (usize, usize) {
    // One mark per character at most, plus one vector store of eight: see PLAIN_CHUNK.
    debug_assert!(
        chunk.len() <= PLAIN_CHUNK,
        "plain_run chunk of {} bytes",
        chunk.len()
    );
    #[cfg(target_arch = "x86_64")]
    if simd {
        // SAFETY: `avx2::plain_run` needs AVX2, POPCNT and BMI1; `simd` is only true where
        // `simd_available` detected all three at run time (`fold_with` is private and its
        // callers pass `simd_available()` or `false`).
        return unsafe { avx2::plain_run(chunk, pos0, mk) };
    }
    let _ = simd;
    plain_run_scalar(chunk, pos0, mk)
}

/// [`plain_run`] without vectors: [`plain_steps`] to the end of the chunk.
#[inline(never)]
fn plain_run_scalar(chunk: &[u8], pos0: u32, mk: &mut Marker<'_>) -> (usize, usize) {
    let mut st = mk.run_state();
    plain_steps(chunk, pos0, mk.set, mk.run_buf(), &mut st, chunk.len());
    mk.end_run(&st);
    (st.j, st.line_start)
}

#[cfg(test)]
thread_local! {
    /// Eight-character blocks the vector path of [`plain_run`] took on this thread (at least
    /// one character of the block), so that the differential tests can tell whether they
    /// compared the vector path with the scalar one or the scalar one with itself.
    static VECTOR_BLOCKS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Whether [`plain_run`] may take its vector path on this processor.
fn simd_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("popcnt")
            && std::arch::is_x86_feature_detected!("bmi1")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Where a plain run stands: the next byte of its chunk, the marks written, the last
/// character and its folded offset, and the chunk offset past its last line feed (0: none).
struct RunState {
    j: usize,
    n: usize,
    prev_cp: u32,
    prev_pos: u32,
    line_start: usize,
}

/// [`plain_run`] one character at a time from `st.j` up to `until` (or the end of the chunk):
/// ASCII and three-byte characters alike. Returns whether it stopped at a character it does not
/// take. The loop is kept small enough for its state to live in registers: per character a
/// decode, one bit test against the stop set, and a hashed pair test whose mark is stored
/// unconditionally and kept only on a hit (no branch to mispredict).
#[inline(always)]
fn plain_steps(
    chunk: &[u8],
    pos0: u32,
    set: &CharSet,
    buf: &mut [u32; RUN_BUF],
    st: &mut RunState,
    until: usize,
) -> bool {
    let stop = &*set.stop;
    let (mut prev_cp, mut prev_pos) = (st.prev_cp, st.prev_pos);
    let (mut j, mut n) = (st.j, st.n);
    let until = until.min(chunk.len());
    let mut stopped = false;
    while j < until {
        let b0 = chunk[j];
        let (cp, len) = if b0 < 0x80 {
            (u32::from(b0), 1)
        } else if let (0xE0, Some(&[b1, b2])) = (b0 & 0xF0, chunk.get(j + 1..j + 3)) {
            (decode3(b0, b1, b2), 3)
        } else {
            stopped = true;
            break;
        };
        if bit(stop, cp) && !separator_kept(set, prev_cp, cp) {
            if !(cp == u32::from(b'\n') && no_stamp_line_ends(set, chunk, j, prev_cp)) {
                stopped = true;
                break;
            }
            st.line_start = j + 1;
        }
        let pair = set.contains_pair(prev_cp, cp);
        // At most one mark per character, and a chunk is at most PLAIN_CHUNK bytes: the index
        // mask never wraps onto marks already written.
        debug_assert!(n < RUN_BUF, "plain_steps writes mark {n}");
        buf[n % RUN_BUF] = prev_pos;
        n += usize::from(pair);
        prev_cp = cp;
        prev_pos = pos0 + j as u32;
        j += len;
    }
    (st.j, st.n, st.prev_cp, st.prev_pos) = (j, n, prev_cp, prev_pos);
    stopped
}

/// Whether a line feed at `chunk[j]`, inside a plain run (`chunk[..j]` is all run characters),
/// folds to itself with nothing to look at: a line feed after an ideograph may end a line of a
/// vertical stamp (one ideograph per line), unless a character that is not blank stands before
/// the ideograph on the same line. A line feed that is a one-character literal is marked on
/// the slow path.
#[inline(never)]
fn no_stamp_line_ends(set: &CharSet, chunk: &[u8], j: usize, prev_cp: u32) -> bool {
    if (set.ascii >> b'\n') & 1 != 0 {
        return false;
    }
    if !fast_is_han(prev_cp) {
        return true;
    }
    // The ideograph is `chunk[j - 3..j]`; the character before it is ASCII or three bytes.
    match j.checked_sub(6).map(|k| &chunk[k..j - 3]) {
        _ if j < 4 => false,
        _ if chunk[j - 4] < 0x80 => chunk[j - 4].is_ascii_graphic(),
        Some(&[b0, b1, b2]) if b0 & 0xF0 == 0xE0 => {
            char::from_u32(decode3(b0, b1, b2)).is_some_and(|c| !c.is_whitespace())
        }
        _ => false,
    }
}

/// An ASCII separator after anything but an ideograph folds to itself, as [`ascii_run`] takes
/// it, unless it is a one-character literal: a run need not stop there. Line breaks are left to
/// [`no_stamp_line_ends`] (line starts are noted for vertical stamps).
#[inline]
fn separator_kept(set: &CharSet, prev_cp: u32, cp: u32) -> bool {
    cp < 0x80
        && !matches!(cp as u8, b'\n' | b'\r')
        && !fast_is_han(prev_cp)
        && (set.ascii >> cp) & 1 == 0
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{plain_steps, CharSet, Marker, PAIR_K1, PAIR_K2, PLAIN_CHUNK, RUN_BUF};
    use std::arch::x86_64::*;

    /// For each 8-bit mask, the indices of its set bits in ascending order, four bits each:
    /// a lane permutation that packs the selected lanes to the front.
    const COMPACT: [u32; 256] = {
        let mut t = [0u32; 256];
        let mut m = 0;
        while m < 256 {
            let (mut packed, mut k, mut l) = (0u32, 0, 0);
            while l < 8 {
                if m & (1 << l) != 0 {
                    packed |= l << (4 * k);
                    k += 1;
                }
                l += 1;
            }
            t[m] = packed;
            m += 1;
        }
        t
    };

    /// [`super::plain_run`] eight characters at a time: the 24 bytes of eight three-byte
    /// characters are spread to one character per 32-bit lane and decoded; the stop set and the
    /// pair bitset are read with gathers. A block that is not eight three-byte characters (ASCII
    /// ahead, or the end of the chunk) goes one character at a time for up to 24 bytes, then
    /// blocks resume; the run ends at a two- or four-byte character or one in the stop set.
    ///
    /// # Safety
    /// The processor must support AVX2, POPCNT and BMI1.
    #[target_feature(enable = "avx2,popcnt,bmi1")]
    pub(super) unsafe fn plain_run(chunk: &[u8], pos0: u32, mk: &mut Marker<'_>) -> (usize, usize) {
        debug_assert!(chunk.len() <= PLAIN_CHUNK);
        let set: &CharSet = mk.set;
        let mut st = mk.run_state();
        let buf = mk.run_buf();
        // Both bitsets are read as 32-bit words: bit `i` of the little-endian `u64` words is
        // bit `i % 32` of 32-bit word `i / 32`.
        let stop_words = set.stop.as_ptr().cast::<i32>();
        let pair_words = set.pairs.as_ptr().cast::<i32>();
        let shift = _mm_cvtsi32_si128(set.shift as i32);
        // Bytes 0..16 to the low 128-bit lane, bytes 12..28 to the high one, so that an
        // in-lane byte shuffle can reach the three bytes of each of four characters per lane.
        let halves = _mm256_setr_epi32(0, 1, 2, 3, 3, 4, 5, 6);
        // Lane l: byte 2 of character l in bits 0..8, byte 1 in 8..16, the lead byte in 16..24.
        #[rustfmt::skip]
        let spread = _mm256_setr_epi8(
            2, 1, 0, -128, 5, 4, 3, -128, 8, 7, 6, -128, 11, 10, 9, -128,
            2, 1, 0, -128, 5, 4, 3, -128, 8, 7, 6, -128, 11, 10, 9, -128,
        );
        let rotate = _mm256_setr_epi32(7, 0, 1, 2, 3, 4, 5, 6);
        let (k1, k2) = (
            _mm256_set1_epi32(PAIR_K1 as i32),
            _mm256_set1_epi32(PAIR_K2 as i32),
        );
        let low5 = _mm256_set1_epi32(31);
        let lane_starts = _mm256_setr_epi32(-3, 0, 3, 6, 9, 12, 15, 18);
        let nibbles = _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28);
        loop {
            while st.j + 32 <= chunk.len() {
                // SAFETY: the loop condition keeps `st.j + 32 <= chunk.len()`, so the offset
                // pointer stays in `chunk` and the 32 bytes read from it (unaligned load) too.
                let v = unsafe { _mm256_loadu_si256(chunk.as_ptr().add(st.j).cast()) };
                let x = _mm256_shuffle_epi8(_mm256_permutevar8x32_epi32(v, halves), spread);
                let lead_ok = _mm256_cmpeq_epi32(
                    _mm256_and_si256(x, _mm256_set1_epi32(0x00F0_0000)),
                    _mm256_set1_epi32(0x00E0_0000),
                );
                let lead_ok = _mm256_movemask_ps(_mm256_castsi256_ps(lead_ok));
                if lead_ok != 0xFF {
                    // ASCII or a line break ahead: cheaper one at a time than through the gathers.
                    break;
                }
                let cp = _mm256_or_si256(
                    _mm256_or_si256(
                        _mm256_and_si256(_mm256_srli_epi32::<4>(x), _mm256_set1_epi32(0xF000)),
                        _mm256_and_si256(_mm256_srli_epi32::<2>(x), _mm256_set1_epi32(0x0FC0)),
                    ),
                    _mm256_and_si256(x, _mm256_set1_epi32(0x3F)),
                );
                // SAFETY: the masks above keep every lane's `cp < 0x10000`, so each lane reads
                // 32-bit word `cp >> 5 < 2048` from `stop_words`: the stop set is 1024 `u64`,
                // 2048 such words (scale 4: the indices count 32-bit words).
                let stop =
                    unsafe { _mm256_i32gather_epi32::<4>(stop_words, _mm256_srli_epi32::<5>(cp)) };
                let stop = _mm256_srlv_epi32(stop, _mm256_and_si256(cp, low5));
                let stop = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_slli_epi32::<31>(stop)));
                // Lanes taken: those before the first in the stop set.
                let taken = (stop as u32 | 0x100).trailing_zeros() as usize;
                let prev = _mm256_blend_epi32::<1>(
                    _mm256_permutevar8x32_epi32(cp, rotate),
                    _mm256_set1_epi32(st.prev_cp as i32),
                );
                let h = _mm256_mullo_epi32(_mm256_xor_si256(_mm256_mullo_epi32(prev, k1), cp), k2);
                let idx = _mm256_srl_epi32(h, shift);
                // SAFETY: `idx` is a 32-bit hash shifted right by `set.shift` (logically), so
                // `idx < 1 << (32 - set.shift)`, the bit count of `set.pairs` (a multiple of
                // 64); each lane reads 32-bit word `idx >> 5`, below the `2 * set.pairs.len()`
                // such words.
                let pair =
                    unsafe { _mm256_i32gather_epi32::<4>(pair_words, _mm256_srli_epi32::<5>(idx)) };
                let pair = _mm256_srlv_epi32(pair, _mm256_and_si256(idx, low5));
                let pairs = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_slli_epi32::<31>(pair)))
                    as u32
                    & ((1u32 << taken) - 1);
                let base = pos0.wrapping_add(st.j as u32);
                // The marks: where each pair starts (lane l's pair starts at character l - 1, lane
                // 0's at the run's previous character), the hits packed to the front and stored as
                // a whole, without a branch per hit.
                let starts = _mm256_blend_epi32::<1>(
                    _mm256_add_epi32(_mm256_set1_epi32(base as i32), lane_starts),
                    _mm256_set1_epi32(st.prev_pos as i32),
                );
                let order = _mm256_and_si256(
                    _mm256_srlv_epi32(_mm256_set1_epi32(COMPACT[pairs as usize] as i32), nibbles),
                    _mm256_set1_epi32(7),
                );
                // At most one mark per character taken, and the characters taken so far lie in
                // `chunk[..st.j]` with `st.j + 32 <= chunk.len() <= PLAIN_CHUNK` bytes: so
                // `st.n + 8 <= PLAIN_CHUNK + 8 <= RUN_BUF`, and the eight lanes fit (the slice
                // is bounds-checked as well).
                debug_assert!(st.n + 8 <= RUN_BUF, "vector store at mark {}", st.n);
                let dst = &mut buf[st.n..st.n + 8];
                // SAFETY: `dst` is eight `u32`, exactly the 32 bytes stored (unaligned store).
                unsafe {
                    _mm256_storeu_si256(
                        dst.as_mut_ptr().cast(),
                        _mm256_permutevar8x32_epi32(starts, order),
                    );
                }
                #[cfg(test)]
                if taken > 0 {
                    super::VECTOR_BLOCKS.with(|b| b.set(b.get() + 1));
                }
                st.n += pairs.count_ones() as usize;
                if taken == 8 {
                    // The next block's address must not wait for this block's gathers.
                    st.prev_cp = _mm256_extract_epi32::<7>(cp) as u32;
                    st.prev_pos = base + 21;
                    st.j += 24;
                    continue;
                }
                if taken > 0 {
                    let mut lanes = [0u32; 8];
                    // SAFETY: `lanes` is eight `u32`, exactly the 32 bytes stored (unaligned
                    // store).
                    unsafe { _mm256_storeu_si256(lanes.as_mut_ptr().cast(), cp) };
                    st.prev_cp = lanes[taken - 1];
                    st.prev_pos = base + 3 * (taken as u32 - 1);
                    st.j += 3 * taken;
                }
                break;
            }
            // A short stretch one at a time (ASCII, or the characters before a stop), then back
            // to whole blocks if the run goes on.
            let until = if st.j + 32 <= chunk.len() {
                st.j + 24
            } else {
                chunk.len()
            };
            if plain_steps(chunk, pos0, set, buf, &mut st, until) || st.j >= chunk.len() {
                break;
            }
        }
        mk.end_run(&st);
        (st.j, st.line_start)
    }
}

/// Builds the folded view of `text`.
pub fn fold(text: &str) -> Folded<'_> {
    static NONE: OnceLock<CharSet> = OnceLock::new();
    fold_marking(text, NONE.get_or_init(CharSet::default))
}

/// Builds the folded view of `text` and records where the characters of `marks` stand in it.
pub fn fold_marking<'a>(text: &'a str, marks: &CharSet) -> Folded<'a> {
    fold_with(text, marks, simd_available())
}

/// [`fold_marking`] on up to `threads` threads, with exactly the same result.
///
/// Folding carries state from one character to the next (a separator is removed after an
/// ideograph, a vertical stamp joins lines, a numeral run goes on, a pair of characters is
/// marked), but all of it is reset by a line feed that follows a sentence end (`。\n`,
/// `。\r\n`): after it nothing is removed or joined, no numeral run is open, and only the pair
/// (line feed, next character) reaches across, which the join puts back. The text is cut after
/// such line feeds into about equal pieces, each piece folded on its own thread, and the pieces
/// joined. A text without such a place is folded on one thread.
pub fn fold_marking_on<'a>(text: &'a str, marks: &CharSet, threads: usize) -> Folded<'a> {
    let cuts = fold_cuts(text, threads);
    if cuts.is_empty() {
        return fold_marking(text, marks);
    }
    let simd = simd_available();
    let bounds: Vec<(usize, usize)> = std::iter::once(0)
        .chain(cuts.iter().copied())
        .zip(cuts.iter().copied().chain(std::iter::once(text.len())))
        .collect();
    let mut parts: Vec<Folded<'a>> = std::thread::scope(|sc| {
        let handles: Vec<_> = bounds[1..]
            .iter()
            .map(|&(s, e)| sc.spawn(move || fold_piece(&text[s..e], marks, simd, true, e - s)))
            .collect();
        // The first piece's text becomes the joined text: sized for all of it, it is
        // never moved to grow (a copy of its bytes and a page fault per page).
        let first = fold_piece(&text[..bounds[0].1], marks, simd, false, text.len());
        std::iter::once(first)
            .chain(handles.into_iter().map(|h| match h.join() {
                Ok(f) => f,
                Err(panic) => std::panic::resume_unwind(panic),
            }))
            .collect()
    });
    let owned = parts.iter().any(|p| matches!(p.text, Cow::Owned(_)));
    let mut out = Folded {
        original: text,
        text: Cow::Borrowed(text),
        edits: std::mem::take(&mut parts[0].edits),
        numeral_runs: std::mem::take(&mut parts[0].numeral_runs),
        marks: std::mem::take(&mut parts[0].marks),
    };
    let mut joined = if owned {
        let mut s = match std::mem::replace(&mut parts[0].text, Cow::Borrowed("")) {
            Cow::Owned(s) => s,
            Cow::Borrowed(b) => String::from(b),
        };
        s.reserve(text.len().saturating_sub(s.len()));
        Some(s)
    } else {
        None
    };
    let mut flen = parts[0].text.len() + joined.as_ref().map_or(0, String::len);
    for (part, &(o, _)) in parts.iter_mut().zip(bounds.iter()).skip(1) {
        for e in &part.edits {
            out.edits.push(Edit {
                f: e.f + flen,
                o: e.o + o,
                ..*e
            });
        }
        out.numeral_runs
            .extend(part.numeral_runs.iter().map(|&(s, e)| (s + flen, e + flen)));
        let before = (flen - 1) as u32;
        for &m in &part.marks {
            let m = if m == MARK_BEFORE {
                before
            } else {
                m + flen as u32
            };
            if out.marks.last() != Some(&m) {
                out.marks.push(m);
            }
        }
        if let Some(s) = joined.as_mut() {
            s.push_str(&part.text);
        }
        flen += part.text.len();
    }
    if let Some(s) = joined {
        out.text = Cow::Owned(s);
    }
    out
}

/// Where [`fold_marking_on`] may cut `text` for `threads` threads: just after line feeds that
/// follow `。` (or `。\r`), near equal shares of the text, ascending.
fn fold_cuts(text: &str, threads: usize) -> Vec<usize> {
    let mut cuts = Vec::new();
    let mut from = 0usize;
    for k in 1..threads.max(1) {
        let target = (text.len() * k / threads).max(from);
        match fold_cut_after(text, target) {
            Some(cut) => {
                cuts.push(cut);
                from = cut;
            }
            None => break,
        }
    }
    cuts
}

/// The first place at or after byte `at` where folding starts afresh: just after a line feed
/// that follows `。` (or `。\r`), short of the end of `text`. Folding `text[..cut]` gives
/// exactly the start of folding `text` (see [`fold_marking_on`]).
pub fn fold_cut_after(text: &str, at: usize) -> Option<usize> {
    let b = text.as_bytes();
    let at = at.min(b.len());
    memchr::memchr_iter(b'\n', &b[at..])
        .map(|i| at + i)
        .find(|&i| {
            let before = &b[..i];
            before.ends_with("。".as_bytes()) || before.ends_with("。\r".as_bytes())
        })
        .map(|i| i + 1)
        .filter(|&cut| cut < b.len())
}

/// [`fold_marking`], with or without the vector path of [`plain_run`].
fn fold_with<'a>(text: &'a str, marks: &CharSet, simd: bool) -> Folded<'a> {
    fold_piece(text, marks, simd, false, text.len())
}

/// A mark that stands for "the line feed just before this piece" (see [`fold_marking_on`]):
/// no real offset reaches it, since the engine scans texts of at most 1 GiB
/// (`MAX_TEXT_BYTES`).
const MARK_BEFORE: u32 = u32::MAX;

/// [`fold_with`]; `after_lf`: the text is a piece that follows a line feed (see
/// [`fold_marking_on`]), so its first pair starts at that line feed, marked [`MARK_BEFORE`];
/// `capacity`: the bytes to reserve for the folded text once it differs from `text`.
fn fold_piece<'a>(
    text: &'a str,
    marks: &CharSet,
    simd: bool,
    after_lf: bool,
    capacity: usize,
) -> Folded<'a> {
    let original = text;
    let mut mk = Marker::new(marks, pool::take_marks());
    if after_lf {
        (mk.prev_cp, mk.prev_pos) = (u32::from(b'\n'), MARK_BEFORE);
    }
    let mut nums = NumeralRuns::default();
    let t = tables();
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut edits: Vec<Edit> = pool::take_edits();
    // Bytes of `text` from `copy_from` up to the current position are pending copy.
    let mut copy_from = 0usize;
    // State for separator removal and vertical stamps.
    let mut prev_han = false;
    // Original offset where the current line starts (after a joined stamp line: where the
    // joined character starts).
    let mut line_start_o = 0usize;

    // Folded length so far, including the pending copy run.
    macro_rules! flen {
        ($i:expr) => {
            match &out {
                Some(s) => s.len() + ($i - copy_from),
                None => $i,
            }
        };
    }
    // Starts an edit at original offset i: flushes the pending copy and returns the output.
    macro_rules! begin_edit {
        ($i:expr) => {{
            let s = out.get_or_insert_with(|| pool::take_text(capacity));
            s.push_str(&text[copy_from..$i]);
            s
        }};
    }

    let mut i = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        // Fast path: a run of characters that fold to themselves and need no look-around,
        // starting with a three-byte one. Most of a Chinese document is such runs.
        if b & 0xF0 == 0xE0 {
            let run_start = i;
            // Within a run the folded offset is the original one shifted by a constant.
            let shift = flen!(i) as isize - i as isize;
            while i < bytes.len() {
                let pos = (i as isize + shift) as u32;
                let end = bytes.len().min(i + PLAIN_CHUNK);
                let (j, line_start) = plain_run(&bytes[i..end], pos, &mut mk, simd);
                if line_start > 0 {
                    line_start_o = i + line_start;
                }
                if j > 0 {
                    nums.other(pos as usize);
                    i += j;
                    if i == end && i < bytes.len() {
                        continue;
                    }
                }
                // The run stopped: a two- or four-byte character, or one in the stop set.
                let Some(&[b0, b1, b2]) = bytes.get(i..i + 3) else {
                    break;
                };
                if b0 & 0xF0 != 0xE0 {
                    break;
                }
                let cp = decode3(b0, b1, b2);
                let pos = (i as isize + shift) as u32;
                if bit(&t.numeral, cp) {
                    // Chinese numerals fold to themselves; only their runs are noted.
                    nums.numeral(pos as usize);
                } else if !bit(&t.stop, cp) {
                    // A one-character literal that folds to itself.
                    nums.other(pos as usize);
                } else {
                    break;
                }
                mk.visit(cp, pos);
                i += 3;
            }
            if i > run_start {
                prev_han = fast_is_han(mk.prev_cp);
                continue;
            }
        } else if b < 0x80 && !(prev_han && ascii_needs_care(b)) {
            nums.other(flen!(i));
            // After an ASCII character no separator is removed, so a run of ASCII is plain;
            // only line starts are noted (for vertical stamps).
            prev_han = false;
            let shift = flen!(i) as isize - i as isize;
            loop {
                let end = bytes.len().min(i + RUN_CHUNK);
                let pos = (i as isize + shift) as u32;
                let (j, nl) = ascii_run(&bytes[i..end], pos, &mut mk);
                if let Some(k) = nl {
                    line_start_o = i + k + 1;
                }
                i += j;
                if i < end || i == bytes.len() {
                    break;
                }
            }
            continue;
        }
        let (c, clen) = if b < 0x80 {
            (b as char, 1)
        } else {
            let c = text[i..].chars().next().unwrap_or('\u{FFFD}');
            (c, c.len_utf8())
        };

        let (fold, entry) = if b < 0x80 {
            (Fold::Keep, 0)
        } else {
            fold_char(c, t)
        };
        let folded_char = match fold {
            Fold::Keep => Some(c),
            Fold::Replace(r) => Some(r),
            Fold::Remove => None,
        };

        // Numeral runs are tracked on the folded text.
        if entry & F_NUMERAL != 0 {
            nums.numeral(flen!(i));
        } else if folded_char.is_some() {
            nums.other(flen!(i));
        }

        match folded_char {
            None => {
                let s = begin_edit!(i);
                edits.push(Edit {
                    f: s.len(),
                    o: i,
                    flen: 0,
                    olen: clen,
                });
                copy_from = i + clen;
                i += clen;
                continue;
            }
            Some(fc) => {
                // Separators between two ideographs disappear.
                if prev_han && is_separator(fc) {
                    if let Some(skip) = separators_then_han(text, i, t) {
                        let s = begin_edit!(i);
                        edits.push(Edit {
                            f: s.len(),
                            o: i,
                            flen: 0,
                            olen: skip,
                        });
                        copy_from = i + skip;
                        i += skip;
                        continue;
                    }
                }
                // A line break (`\n` or `\r\n`) after an ideograph may end a vertical stamp line.
                let crlf = fc == '\r' && bytes.get(i + 1) == Some(&b'\n');
                if fc == '\n' || crlf {
                    let nl = if crlf { i + 1 } else { i };
                    // Vertical stamp: this line is one ideograph and so is the next one.
                    if prev_han && is_single_han(&text[line_start_o..i], t) {
                        if let Some(skip) = single_han_line_follows(text, nl, t).map(|k| k + nl - i)
                        {
                            // The joined stamp continues as if it were one ideograph per line.
                            line_start_o = i + skip;
                            let s = begin_edit!(i);
                            edits.push(Edit {
                                f: s.len(),
                                o: i,
                                flen: 0,
                                olen: skip,
                            });
                            copy_from = i + skip;
                            i += skip;
                            continue;
                        }
                    }
                    if crlf {
                        // The `\n` that follows ends the line; keep the ideograph before it.
                        i += clen;
                        continue;
                    }
                    line_start_o = i + 1;
                }
                prev_han = entry & F_HAN != 0;
                mk.visit(fc as u32, flen!(i) as u32);
                if let Fold::Replace(r) = fold {
                    let s = begin_edit!(i);
                    let f = s.len();
                    s.push(r);
                    edits.push(Edit {
                        f,
                        o: i,
                        flen: r.len_utf8(),
                        olen: clen,
                    });
                    copy_from = i + clen;
                }
                i += clen;
            }
        }
    }
    nums.other(flen!(bytes.len()));
    let text = match out {
        None => Cow::Borrowed(text),
        Some(mut s) => {
            s.push_str(&text[copy_from..]);
            Cow::Owned(s)
        }
    };
    Folded {
        original,
        text,
        edits,
        numeral_runs: nums.runs,
        marks: mk.finish(),
    }
}

/// At byte `i` (a separator after an ideograph): if one or two separators (invisible characters
/// not counted) are followed by an ideograph, returns the byte length to remove.
fn separators_then_han(text: &str, i: usize, t: &Tables) -> Option<usize> {
    let mut seps = 0;
    for (off, c) in text[i..].char_indices() {
        let (f, e) = fold_char(c, t);
        match f {
            Fold::Remove => continue,
            Fold::Keep | Fold::Replace(_) => {
                let fc = if let Fold::Replace(r) = f { r } else { c };
                if is_separator(fc) {
                    seps += 1;
                    if seps > 2 {
                        return None;
                    }
                } else if e & F_HAN != 0 || is_han(fc) {
                    return Some(off);
                } else {
                    return None;
                }
            }
        }
    }
    None
}

/// True if `line`, blanks aside, is exactly one ideograph.
fn is_single_han(line: &str, t: &Tables) -> bool {
    let core = line.trim();
    let mut chars = core.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => fold_char(c, t).1 & F_HAN != 0 || is_han(c),
        _ => false,
    }
}

/// At a `\n` ending a line that holds one ideograph: if the next line (trimmed) holds exactly one
/// ideograph too, returns the byte length of the newline and the next line's leading blanks.
fn single_han_line_follows(text: &str, i: usize, t: &Tables) -> Option<usize> {
    let rest = &text[i + 1..];
    let line_end = rest.find('\n').unwrap_or(rest.len());
    let line = &rest[..line_end];
    let trimmed = line.trim_start();
    let lead = line.len() - trimmed.len();
    let core = trimmed.trim_end();
    let mut chars = core.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => {
            let (_, e) = fold_char(c, t);
            if e & F_HAN != 0 || is_han(c) {
                Some(1 + lead)
            } else {
                None
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, folded: &str) {
        let f = fold(input);
        assert_eq!(f.text(), folded, "input {input:?}");
    }

    #[test]
    fn folds_the_documented_cases() {
        check("内部资料", "内部资料");
        check("內部資料", "内部资料");
        check("机 密 ★ 长 期", "机密 ★ 长期");
        check("内\u{200b}部\u{200b}资\u{200b}料", "内部资料");
        check("１３８００００００１０", "13800000010");
        check("内-部·资 料", "内部资料");
        check("内\n部\n资\n料\n", "内部资料\n");
        check("abc def", "abc def");
        check("\u{feff}秘密", "秘密");
        check("⽂件", "文件");
        check("138\u{3000}0000", "138 0000");
    }

    /// Line feeds inside a plain run are taken there only where no stamp line can end; these
    /// texts put stamps right after longer lines, whose line feeds the run takes.
    #[test]
    fn stamp_lines_after_longer_lines() {
        let lead = "关于做好年度工作的通知各单位现将有关事项如下";
        for (input, folded) in [
            (
                "关于内部事项\n内\n部\n资\n料\n正文",
                "关于内部事项\n内部资料\n正文",
            ),
            ("通知：\n内\n部\n", "通知：\n内部\n"),
            ("文字 内\n部\n资\n", "文字内\n部资\n"),
            ("一内\n部\n", "一内\n部\n"),
            ("关于内部事项文字\n 内\n部\n", "关于内部事项文字\n 内部\n"),
            ("字a内\n部\n", "字a内\n部\n"),
        ] {
            for simd in [false, simd_available()] {
                let (input, folded) = (format!("{lead}{input}"), format!("{lead}{folded}"));
                let f = fold_with(&input, &CharSet::default(), simd);
                assert_eq!(f.text(), folded, "input {input:?}, vector path {simd}");
            }
        }
    }

    #[test]
    fn maps_spans_back() {
        let input = "甲內\u{200b}部 資料乙";
        let f = fold(input);
        assert_eq!(f.text(), "甲内部资料乙");
        let s = f.text().find("内部资料").unwrap();
        let e = s + "内部资料".len();
        let (os, oe) = f.map_span(s, e);
        assert_eq!(&input[os..oe], "內\u{200b}部 資料");
    }

    #[test]
    fn identity_for_clean_text() {
        let f = fold("关于做好2025年度工作的通知");
        assert!(f.is_identity());
        assert_eq!(f.map_span(3, 9), (3, 9));
    }

    #[test]
    fn numeral_runs_with_yao_and_ling() {
        let f = fold("手机幺三八〇〇〇〇〇〇〇幺");
        assert_eq!(f.numeral_runs().len(), 1);
        let (s, e) = f.numeral_runs()[0];
        assert_eq!(numerals_to_digits(&f.text()[s..e]).unwrap(), "13800000001");
    }

    #[test]
    fn numeral_runs() {
        let f = fold("电话一三八零零零零零零零一。二〇二四年");
        assert_eq!(f.numeral_runs().len(), 1);
        let (s, e) = f.numeral_runs()[0];
        assert_eq!(numerals_to_digits(&f.text()[s..e]).unwrap(), "13800000001");
    }

    mod marking {
        use super::super::*;
        use proptest::prelude::*;

        /// Characters that exercise every path of the fold: plain and traditional ideographs,
        /// numerals, full-width forms, separators, invisible characters, line breaks, ASCII,
        /// astral characters.
        const ALPHABET: &str = "内部资料秘密机密★年长期一二三〇零两幺內資機０１２３ｘＸ0123456789xX*＊-._/ \t\n\r\u{3000}\u{200b}\u{feff}\u{ad}，。；：“”·•・—…⽂𠀀😀abc";

        fn text() -> impl Strategy<Value = String> {
            let chars: Vec<char> = ALPHABET.chars().collect();
            proptest::collection::vec(proptest::sample::select(chars), 0..200)
                .prop_map(|v| v.into_iter().collect())
        }

        fn literals() -> impl Strategy<Value = Vec<String>> {
            let chars: Vec<char> = ALPHABET.chars().filter(|c| !c.is_whitespace()).collect();
            proptest::collection::vec(
                proptest::collection::vec(proptest::sample::select(chars), 1..4)
                    .prop_map(|v| v.into_iter().collect::<String>()),
                1..12,
            )
        }

        proptest! {
            #![proptest_config(ProptestConfig {
                cases: 2000,
                failure_persistence: None,
                ..ProptestConfig::default()
            })]

            /// Every place where a literal starts in the folded text is marked (literals are
            /// only looked up at marks, so a missing mark is a missed finding); marks ascend, once each.
            #[test]
            fn every_literal_start_is_marked(text in text(), lits in literals()) {
                let mut set = CharSet::with_capacity(lits.len());
                let mut folded_lits = Vec::new();
                for l in &lits {
                    let f = fold(l).text().to_string();
                    let mut cs = f.chars();
                    match (cs.next(), cs.next()) {
                        (Some(a), None) => set.insert(a),
                        (Some(a), Some(b)) => set.insert_pair(a, b),
                        _ => continue,
                    }
                    folded_lits.push(f);
                }
                let f = fold_marking(&text, &set);
                let marks = f.marks();
                prop_assert!(marks.windows(2).all(|w| w[0] < w[1]), "marks {marks:?}");
                for l in &folded_lits {
                    for (p, _) in f.text().match_indices(l.as_str()) {
                        prop_assert!(
                            marks.binary_search(&(p as u32)).is_ok(),
                            "{l:?} at {p} in {:?} not marked: {marks:?}", f.text()
                        );
                    }
                }
            }
        }

        /// The vector path of the plain runs folds and marks exactly as the scalar one. The
        /// text is mostly long runs of plain ideographs, so that whole eight-character blocks
        /// are taken, broken now and then by a stop (numeral, traditional form, digit, line
        /// break, invisible or four-byte character).
        ///
        /// On a processor without AVX2 both sides are scalar: the test says so and passes.
        /// Where AVX2 was detected it fails unless the vector path took blocks, so that a
        /// change that quietly keeps the vector path from running does not pass as agreement.
        #[test]
        fn vector_path_agrees_with_scalar() {
            let plain = || proptest::sample::select(PLAIN.chars().collect::<Vec<_>>());
            let strategy = (
                proptest::collection::vec(
                    prop_oneof![
                        8 => plain(),
                        1 => proptest::sample::select(ALPHABET.chars().collect::<Vec<_>>()),
                    ],
                    0..400,
                )
                .prop_map(|v| v.into_iter().collect::<String>()),
                proptest::collection::vec(
                    proptest::sample::subsequence(PLAIN.chars().collect::<Vec<_>>(), 2),
                    0..24,
                ),
                proptest::collection::vec(plain(), 0..3),
            );
            let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
                cases: 2000,
                failure_persistence: None,
                ..ProptestConfig::default()
            });
            let simd = simd_available();
            // The runner calls the test on this thread; the counter is per thread.
            VECTOR_BLOCKS.with(|b| b.set(0));
            let result = runner.run(&strategy, |(text, pairs, singles)| {
                let mut set = CharSet::with_capacity(pairs.len());
                for p in &pairs {
                    set.insert_pair(p[0], p[1]);
                }
                for &c in &singles {
                    set.insert(c);
                }
                let (v, s) = (fold_with(&text, &set, simd), fold_with(&text, &set, false));
                prop_assert_eq!(v.text(), s.text());
                prop_assert_eq!(v.marks(), s.marks());
                prop_assert_eq!(v.numeral_runs(), s.numeral_runs());
                Ok(())
            });
            if let Err(e) = result {
                panic!("{e}");
            }
            let blocks = VECTOR_BLOCKS.with(|b| b.get());
            if simd {
                eprintln!("vector_path_agrees_with_scalar: AVX2 path took {blocks} blocks");
                assert!(
                    blocks > 0,
                    "AVX2 detected, but the vector path took no block"
                );
            } else {
                assert_eq!(blocks, 0);
                eprintln!(
                    "vector_path_agrees_with_scalar: no AVX2 here, scalar compared with scalar"
                );
            }
        }

        /// Pieces of text for [`folding_in_pieces_is_folding_whole`]: the places where folding
        /// may be cut (`。\n`, `。\r\n`) next to everything that carries state across a
        /// character (separators between ideographs, vertical stamps, numeral runs, pairs).
        const PIECES: &[&str] = &[
            "。\n",
            "。\r\n",
            "。\n",
            "内\n",
            "部\n",
            "\n",
            "\r\n",
            "内 部",
            "资·料",
            "一二三四五六七八",
            "〇",
            "幺",
            "１２３",
            " ",
            "\u{3000}",
            "\u{200b}",
            "內部資料",
            "秘密",
            "。",
            "，",
            "⽂",
            "😀",
            "ab",
            "-",
            "\t",
            "机\n密\n",
            "★",
            "年",
            "长期",
        ];

        proptest! {
            #![proptest_config(ProptestConfig {
                cases: 3000,
                failure_persistence: None,
                ..ProptestConfig::default()
            })]

            /// Folding a text in pieces on several threads gives exactly what folding it whole
            /// gives: the text, the map back to the original, the marks and the numeral runs,
            /// whatever pairs the lexicon marks (a pair that starts at the line feed before a
            /// cut included).
            #[test]
            fn folding_in_pieces_is_folding_whole(
                parts in proptest::collection::vec(proptest::sample::select(PIECES.to_vec()), 0..160),
                pairs in proptest::collection::vec(
                    (
                        proptest::sample::select("\n。内部资料秘密一ab".chars().collect::<Vec<_>>()),
                        proptest::sample::select("内部资料秘密一ab\n\r。".chars().collect::<Vec<_>>()),
                    ),
                    0..12,
                ),
                singles in proptest::collection::vec(
                    proptest::sample::select("内密一a。".chars().collect::<Vec<_>>()),
                    0..3,
                ),
                threads in 2usize..6,
            ) {
                let text: String = parts.concat();
                let mut set = CharSet::with_capacity(pairs.len());
                for &(a, b) in &pairs {
                    set.insert_pair(a, b);
                }
                for &c in &singles {
                    set.insert(c);
                }
                let whole = fold_marking(&text, &set);
                let cut = fold_marking_on(&text, &set, threads);
                prop_assert_eq!(whole.text(), cut.text());
                prop_assert_eq!(&whole.edits, &cut.edits);
                prop_assert_eq!(whole.marks(), cut.marks());
                prop_assert_eq!(whole.numeral_runs(), cut.numeral_runs());
            }
        }

        /// Plain ideographs and punctuation: the characters the fast path takes.
        const PLAIN: &str =
            "关于做好年度工作的通知各单位现将有关事项如下请认真贯彻落实政府信息公开，。、；：“”";
    }
}
