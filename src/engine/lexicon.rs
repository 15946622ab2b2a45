//! One Aho-Corasick automaton over every literal the rule set uses: rule terms, exception
//! phrases, regex trigger keywords and context hotwords. Each literal knows the roles it plays.
//!
//! Searching is staged, as in gitleaks and Hyperscan. While the text is folded, every character
//! is tested against the literals' one-character forms and (hashed) first two characters
//! ([`Lexicon::first_chars`]); the positions that pass are tested against hashed three-character
//! prefixes; only there does the automaton run, anchored. Chinese text is three bytes a
//! character, so an automaton stepping every byte would be the bottleneck; this way each
//! character is looked at once, during folding, and the automaton only where a literal can start.

use aho_corasick::automaton::Automaton;
use aho_corasick::{nfa::contiguous, Anchored, MatchKind};
use std::collections::HashMap;

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

    /// Of the offsets where a literal's first one or two characters stand (found while
    /// folding), those where a literal may start: a three-character prefix test for the rest.
    fn candidates<'m>(
        &'m self,
        text: &'m str,
        firsts: &'m [u32],
    ) -> impl Iterator<Item = usize> + 'm {
        let b = text.as_bytes();
        firsts.iter().map(|&i| i as usize).filter(move |&i| {
            let (c, len) = decode_at(text, i);
            if self.test_single(c) || i + len >= b.len() {
                return true;
            }
            let (c2, len2) = decode_at(text, i + len);
            let h = pair_hash(c, c2);
            self.test(h)
                || (i + len + len2 < b.len()
                    && self.test(triple_hash(h, decode_at(text, i + len + len2).0)))
        })
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

pub(crate) struct Lexicon {
    auto: Option<contiguous::NFA>,
    prefilter: Prefilter,
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

    pub fn build(self) -> Result<Lexicon, String> {
        let mut spans = Vec::with_capacity(self.roles.len());
        let mut roles = Vec::new();
        for r in self.roles {
            let s = roles.len() as u32;
            roles.extend(r);
            spans.push((s, roles.len() as u32));
        }
        let err =
            |e: aho_corasick::BuildError| format!("building the keyword automaton failed: {e}");
        // The automaton only runs anchored at filtered positions, for a few bytes each time. The
        // contiguous NFA is as fast there as a DFA (measured on the bench corpus) and a fraction
        // of its size: a DFA's table grows with states × byte classes, and Chinese literals use
        // many byte classes (3.9 MB against 0.16 MB for the shipped set).
        let auto = if self.patterns.is_empty() {
            None
        } else {
            Some(
                contiguous::Builder::new()
                    .match_kind(MatchKind::Standard)
                    .prefilter(false)
                    .build(&self.patterns)
                    .map_err(err)?,
            )
        };
        Ok(Lexicon {
            auto,
            prefilter: Prefilter::new(&self.patterns),
            spans,
            roles,
            patterns: self.patterns,
        })
    }
}

/// Walks `aut` anchored at `start`, reporting every literal that starts there.
#[inline]
fn anchored_at<A: Automaton>(aut: &A, hay: &[u8], start: usize, mut f: impl FnMut(usize, usize)) {
    let Ok(mut sid) = aut.start_state(Anchored::Yes) else {
        return;
    };
    for (k, &byte) in hay[start..].iter().enumerate() {
        sid = aut.next_state(Anchored::Yes, sid, byte);
        if aut.is_special(sid) {
            if aut.is_dead(sid) {
                return;
            }
            if aut.is_match(sid) {
                let end = start + k + 1;
                for m in 0..aut.match_len(sid) {
                    let pid = aut.match_pattern(sid, m);
                    // Match states also carry literals that are suffixes of the path; only
                    // those that start here belong to this position.
                    if aut.pattern_len(pid) == end - start {
                        f(pid.as_usize(), end);
                    }
                }
            }
        }
    }
}

impl Lexicon {
    /// Calls `f(role, start, end)` for every role of every (overlapping) literal match in
    /// `text`, in order of start.
    /// The literals' one-character forms and first two characters:
    /// [`super::normalize::fold_marking`] reports where they stand, and [`Lexicon::for_each`]
    /// starts from there.
    pub fn first_chars(&self) -> &CharSet {
        &self.prefilter.first
    }

    /// `firsts`: the ascending offsets of [`Lexicon::first_chars`] characters in `text`.
    pub fn for_each(&self, text: &str, firsts: &[u32], mut f: impl FnMut(Role, usize, usize)) {
        let Some(auto) = &self.auto else { return };
        let hay = text.as_bytes();
        let mut report = |start: usize, pid: usize, end: usize| {
            let (a, b) = self.spans[pid];
            for &role in &self.roles[a as usize..b as usize] {
                f(role, start, end);
            }
        };
        for start in self.prefilter.candidates(text, firsts) {
            anchored_at(auto, hay, start, |pid, end| report(start, pid, end));
        }
    }

    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    pub fn memory_usage(&self) -> usize {
        let auto = self.auto.as_ref().map_or(0, Automaton::memory_usage);
        auto + self.prefilter.multi.len() * 8 + self.prefilter.single.len() * 8 + 8192
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
        let lex = b.build().unwrap();
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
}
