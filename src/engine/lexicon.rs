//! Every literal the rule set uses (rule terms, exception phrases, regex trigger keywords and
//! context hotwords), each knowing the roles it plays, and where they stand in a text.
//!
//! Searching is staged, as in gitleaks and Hyperscan. While the text is folded, every character
//! is tested against the literals' one-character forms and (hashed) first two characters
//! ([`Lexicon::first_chars`]); the positions that pass are tested against hashed two- and
//! three-character prefixes; only there are literals compared, looked up by their first one,
//! two or three characters. Chinese text is three bytes a character, so an automaton stepping
//! every byte would be the bottleneck; this way each character is looked at once, during
//! folding, and literals only where one can start.
//!
//! The lookup replaced an anchored walk of an Aho-Corasick automaton at each position (its
//! state loads were half of this stage on the bench corpus); a walk also went on past the
//! longest literal until the automaton died, where a lookup compares only the literals that
//! share the prefix.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::normalize::CharSet;

/// What a literal is for. Indices are rule indices or context-set indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Term(u32),
    Exception(u32),
    Keyword(u32),
    Hot(u32),
}

/// Bitset filters over literal prefixes: single characters (exact, BMP only), and hashed
/// two-character (for two-character literals) or three-character prefixes.
struct Prefilter {
    /// One-character literals and the first two characters of longer ones, tested during folding.
    first: CharSet,
    single: Box<[u64]>,
    /// Single characters outside the BMP (rare).
    single_astral: Vec<char>,
    multi: Box<[u64]>,
    shift: u32,
}

/// Hash of two characters (a two-character literal, or the start of a longer one).
#[inline]
fn pair_hash(a: char, b: char) -> u64 {
    ((u64::from(a as u32) << 21) | u64::from(b as u32)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Hash of three characters, from the pair hash of the first two.
#[inline]
fn triple_hash(pair: u64, c: char) -> u64 {
    (pair ^ u64::from(c as u32).wrapping_mul(0xC2B2_AE3D_27D4_EB4F))
        .wrapping_mul(0xFF51_AFD7_ED55_8CCD)
}

impl Prefilter {
    fn new(patterns: &[String]) -> Prefilter {
        let n = patterns.len().max(1);
        let bits = (n * 128).next_power_of_two().clamp(1 << 12, 1 << 23);
        let shift = 64 - bits.trailing_zeros();
        let mut p = Prefilter {
            first: CharSet::with_capacity(patterns.len()),
            single: vec![0u64; 1024].into_boxed_slice(),
            single_astral: Vec::new(),
            multi: vec![0u64; bits / 64].into_boxed_slice(),
            shift,
        };
        for pat in patterns {
            let mut cs = pat.chars();
            let (a, b, c) = (cs.next(), cs.next(), cs.next());
            match (a, b) {
                (Some(a), None) => p.first.insert(a),
                (Some(a), Some(b)) => p.first.insert_pair(a, b),
                _ => {}
            }
            match (a, b, c) {
                (Some(a), None, _) => {
                    if (a as u32) < 0x10000 {
                        p.single[(a as usize) >> 6] |= 1 << (a as u32 & 63);
                    } else {
                        p.single_astral.push(a);
                    }
                }
                (Some(a), Some(b), None) => p.set(pair_hash(a, b)),
                (Some(a), Some(b), Some(c)) => p.set(triple_hash(pair_hash(a, b), c)),
                (None, _, _) => {}
            }
        }
        p
    }

    #[inline]
    fn set(&mut self, h: u64) {
        let i = (h >> self.shift) as usize;
        self.multi[i >> 6] |= 1 << (i & 63);
    }

    #[inline]
    fn test(&self, h: u64) -> bool {
        let i = (h >> self.shift) as usize;
        self.multi[i >> 6] & (1 << (i & 63)) != 0
    }

    #[inline]
    fn test_single(&self, c: char) -> bool {
        let u = c as u32;
        if u < 0x10000 {
            self.single[(u as usize) >> 6] & (1 << (u & 63)) != 0
        } else {
            self.single_astral.contains(&c)
        }
    }
}

/// The character at byte `i` (a character boundary) and its length; fast for ASCII and the
/// three-byte characters that make up Chinese text.
#[inline(always)]
fn decode_at(text: &str, i: usize) -> (char, usize) {
    let b = text.as_bytes();
    let x = b[i];
    if x < 0x80 {
        (x as char, 1)
    } else if x & 0xF0 == 0xE0 && i + 2 < b.len() {
        let u = super::normalize::decode3(x, b[i + 1], b[i + 2]);
        (char::from_u32(u).unwrap_or('\u{FFFD}'), 3)
    } else {
        let c = text[i..].chars().next().unwrap_or('\u{FFFD}');
        (c, c.len_utf8())
    }
}

/// A literal's first one, two or three characters, each stored plus one in 21 bits, so that
/// prefixes of different lengths never share a key.
fn prefix_key(chars: &[char]) -> u64 {
    chars
        .iter()
        .take(3)
        .enumerate()
        .fold(0, |k, (i, &c)| k | (u64::from(c as u32) + 1) << (21 * i))
}

/// Hashes [`prefix_key`]s: one multiplication, folded so that the low bits (the table's bucket)
/// and the high bits (its tag) both depend on every character.
#[derive(Default)]
struct PrefixHasher(u64);

impl Hasher for PrefixHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(self.0 ^ u64::from(b));
        }
    }

    fn write_u64(&mut self, k: u64) {
        let h = k.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 32);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) struct Lexicon {
    prefilter: Prefilter,
    /// The literals sharing a [`prefix_key`]: `by_prefix[key]` is a range of `ids`, shortest
    /// literal first. A one- or two-character literal is the only one under its key.
    by_prefix: HashMap<u64, (u32, u32), BuildHasherDefault<PrefixHasher>>,
    ids: Vec<u32>,
    /// For pattern `p`, its roles are `roles[spans[p].0..spans[p].1]`.
    spans: Vec<(u32, u32)>,
    roles: Vec<Role>,
    patterns: Vec<String>,
}

#[derive(Default)]
pub(crate) struct LexiconBuilder {
    index: HashMap<String, usize>,
    roles: Vec<Vec<Role>>,
    patterns: Vec<String>,
}

impl LexiconBuilder {
    /// Adds a (folded, non-empty) literal with a role.
    pub fn add(&mut self, literal: &str, role: Role) {
        let id = *self.index.entry(literal.to_string()).or_insert_with(|| {
            self.patterns.push(literal.to_string());
            self.roles.push(Vec::new());
            self.patterns.len() - 1
        });
        if !self.roles[id].contains(&role) {
            self.roles[id].push(role);
        }
    }

    pub fn build(self) -> Lexicon {
        let mut spans = Vec::with_capacity(self.roles.len());
        let mut roles = Vec::new();
        for r in self.roles {
            let s = roles.len() as u32;
            roles.extend(r);
            spans.push((s, roles.len() as u32));
        }
        // Literals ordered by prefix, then length: each prefix's literals are one range.
        let keys: Vec<u64> = self
            .patterns
            .iter()
            .map(|p| prefix_key(&p.chars().take(3).collect::<Vec<_>>()))
            .collect();
        let mut ids: Vec<u32> = (0..self.patterns.len() as u32).collect();
        ids.sort_unstable_by_key(|&p| (keys[p as usize], self.patterns[p as usize].len()));
        let mut by_prefix = HashMap::with_capacity_and_hasher(ids.len(), Default::default());
        for (i, &p) in ids.iter().enumerate() {
            by_prefix
                .entry(keys[p as usize])
                .and_modify(|r: &mut (u32, u32)| r.1 = i as u32 + 1)
                .or_insert((i as u32, i as u32 + 1));
        }
        Lexicon {
            prefilter: Prefilter::new(&self.patterns),
            by_prefix,
            ids,
            spans,
            roles,
            patterns: self.patterns,
        }
    }
}

impl Lexicon {
    /// The literals' one-character forms and first two characters:
    /// [`super::normalize::fold_marking`] reports where they stand, and [`Lexicon::for_each`]
    /// starts from there.
    pub fn first_chars(&self) -> &CharSet {
        &self.prefilter.first
    }

    /// Calls `f(role, start, end)` for every role of every (overlapping) literal match in
    /// `text`, in order of start, then end.
    /// `firsts`: the ascending offsets of [`Lexicon::first_chars`] characters in `text`.
    pub fn for_each(&self, text: &str, firsts: &[u32], mut f: impl FnMut(Role, usize, usize)) {
        let hay = text.as_bytes();
        // The literals under `prefix` that stand at `start`.
        let mut lookup = |start: usize, prefix: &[char]| {
            let Some(&(a, b)) = self.by_prefix.get(&prefix_key(prefix)) else {
                return;
            };
            for &p in &self.ids[a as usize..b as usize] {
                let lit = self.patterns[p as usize].as_bytes();
                if hay[start..].starts_with(lit) {
                    let (ra, rb) = self.spans[p as usize];
                    for &role in &self.roles[ra as usize..rb as usize] {
                        f(role, start, start + lit.len());
                    }
                }
            }
        };
        let pf = &self.prefilter;
        for &i in firsts {
            let i = i as usize;
            let (c, len) = decode_at(text, i);
            if pf.test_single(c) {
                lookup(i, &[c]);
            }
            if i + len >= hay.len() {
                continue;
            }
            let (c2, len2) = decode_at(text, i + len);
            let h = pair_hash(c, c2);
            if pf.test(h) {
                lookup(i, &[c, c2]);
            }
            if i + len + len2 < hay.len() {
                let c3 = decode_at(text, i + len + len2).0;
                if pf.test(triple_hash(h, c3)) {
                    lookup(i, &[c, c2, c3]);
                }
            }
        }
    }

    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Bytes held by the lookup structures (literals, prefix table, filters).
    pub fn memory_usage(&self) -> usize {
        let table = self.by_prefix.capacity() * (8 + 8 + 1) + self.ids.len() * 4;
        let literals: usize = self.patterns.iter().map(|p| p.len() + 24).sum();
        table + literals + self.prefilter.multi.len() * 8 + self.prefilter.single.len() * 8 + 8192
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(patterns: &[&str], text: &str) -> Vec<(String, usize, usize)> {
        let mut b = LexiconBuilder::default();
        for (i, p) in patterns.iter().enumerate() {
            b.add(p, Role::Term(i as u32));
        }
        let lex = b.build();
        let mut out = Vec::new();
        let folded = crate::engine::normalize::fold_marking(text, lex.first_chars());
        assert_eq!(folded.text(), text);
        lex.for_each(text, folded.marks(), |role, s, e| {
            let Role::Term(i) = role else { unreachable!() };
            out.push((patterns[i as usize].to_string(), s, e));
        });
        out
    }

    #[test]
    fn finds_overlapping_literals_of_every_length() {
        let text = "本件为内部资料性出版物，如“秘密”。";
        let got = hits(
            &["内部资料", "内部资料性出版物", "如", "资料", "秘密", "“"],
            text,
        );
        let names: Vec<&str> = got.iter().map(|h| h.0.as_str()).collect();
        assert_eq!(
            names,
            ["内部资料", "内部资料性出版物", "资料", "如", "“", "秘密"]
        );
        for (p, s, e) in &got {
            assert_eq!(&text[*s..*e], p);
        }
    }

    #[test]
    fn matches_at_text_edges_and_ascii() {
        let got = hits(&["Comment [", "ab"], "ab Comment [1]");
        assert_eq!(got, vec![("ab".into(), 0, 2), ("Comment [".into(), 3, 12)]);
    }

    #[test]
    fn literals_sharing_a_prefix_are_each_compared() {
        // One prefix key for four literals; astral and two-byte characters in the mix.
        let pats = [
            "内部资料",
            "内部资",
            "内部资料汇编",
            "内部资金",
            "内部",
            "内",
            "𠀀é",
            "é",
        ];
        let got = hits(&pats, "内部资料汇编，内部资金；𠀀é");
        let want: Vec<(String, usize, usize)> = [
            ("内", 0, 3),
            ("内部", 0, 6),
            ("内部资", 0, 9),
            ("内部资料", 0, 12),
            ("内部资料汇编", 0, 18),
            ("内", 21, 24),
            ("内部", 21, 27),
            ("内部资", 21, 30),
            ("内部资金", 21, 33),
            ("𠀀é", 36, 42),
            ("é", 40, 42),
        ]
        .into_iter()
        .map(|(p, s, e)| (p.to_string(), s, e))
        .collect();
        assert_eq!(got, want);
    }

    proptest::proptest! {
        /// Every occurrence of every literal, in order of start then end, as a plain search
        /// over all offsets finds them. The text is made of the literals themselves (and a little
        /// filler), from a small alphabet, so that literals share prefixes and overlap.
        #[test]
        fn finds_what_a_plain_search_finds(
            pats in proptest::collection::vec("[内部ab]{1,5}", 1..16),
            pieces in proptest::collection::vec((0..16usize, "[内部资ab，]{0,2}"), 0..20),
        ) {
            let mut uniq: Vec<&str> = Vec::new();
            for p in &pats {
                if !uniq.contains(&p.as_str()) {
                    uniq.push(p);
                }
            }
            let text: String = pieces
                .iter()
                .map(|(k, filler)| format!("{}{filler}", uniq[k % uniq.len()]))
                .collect();
            let got = hits(&uniq, &text);
            let mut want = Vec::new();
            for (s, _) in text.char_indices() {
                for p in &uniq {
                    if text[s..].starts_with(p) {
                        want.push((p.to_string(), s, s + p.len()));
                    }
                }
            }
            want.sort_by_key(|w| (w.1, w.2));
            proptest::prop_assert_eq!(got, want);
        }
    }
}
