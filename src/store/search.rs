//! The search index: pairs of adjacent characters (bigrams) of a review's title and text.
//!
//! Chinese is written without spaces, so there are no words to index without a dictionary.
//! Every pair of adjacent characters of the normalised text is a term instead, and a query finds
//! the reviews indexed with every bigram of the query: `城乡低保` is found through `城乡`, `乡低`
//! and `低保`. Normalising — the engine's fold (full-width forms to ASCII, traditional and
//! compatibility ideographs to simplified ones), lower case, letters and digits only — makes
//! `內部資料`, `内 部 资 料` and `内部资料` one query. The store keeps one key per review and
//! term (`ngrams` tree: term + review id), written when the review is stored, so a search reads
//! the entries of the query's terms and never visits a review that lacks one of them.
//!
//! A match holds every bigram of the query, not necessarily side by side: a query of three or
//! more characters may also find a text that has its pairs apart (`工作` and `作方`, without
//! `工作方`). For the phrases people search for this is rare, and the review opened shows its text.
//! A query needs at least two letters or characters: a single one has no bigram.
//!
//! **Bounded cost.** Indexing reads at most [`MAX_INDEXED_CHARS`] characters of the text (after
//! the title) and keeps at most [`MAX_TERMS`] distinct bigrams, in the order first seen: O(n)
//! time for the n characters read, and at most `MAX_TERMS` keys of at most 16 bytes plus an
//! 8-byte value per review, however large the document. A phrase that first occurs past that
//! point of a very large document is not found. A query has at most [`MAX_QUERY_CHARS`]
//! characters (so at most that many terms); the store counts each term's entries up to a bound
//! and walks the rarest term's entries, looking the other terms up for each: O(k·(b + p)) for k
//! terms, the bound b and p entries of the rarest term.

use super::ReviewId;
use std::collections::HashSet;

/// Characters of a document's text that are indexed; the rest is not searchable.
pub const MAX_INDEXED_CHARS: usize = 200_000;
/// Distinct bigrams kept per review (the title's first, then the text's in order).
pub const MAX_TERMS: usize = 50_000;
/// Longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

/// The distinct bigrams a review is found by, as UTF-8 strings of two characters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchTerms(Vec<String>);

impl SearchTerms {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

/// The terms of a review: the bigrams of its title, then of the first [`MAX_INDEXED_CHARS`]
/// characters of its text, at most [`MAX_TERMS`] of them. No pair spans the title and the text.
pub fn index_terms(title: Option<&str>, text: &str) -> SearchTerms {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for part in title.into_iter().chain([text]) {
        let chars = normalised(prefix_chars(part, MAX_INDEXED_CHARS));
        for pair in chars.windows(2) {
            let term: String = pair.iter().collect();
            if seen.insert(term.clone()) {
                out.push(term);
                if out.len() == MAX_TERMS {
                    return SearchTerms(out);
                }
            }
        }
    }
    SearchTerms(out)
}

/// The distinct bigrams of a query, in order; empty when it has fewer than two letters or
/// characters. Only the first [`MAX_QUERY_CHARS`] characters count (the caller refuses longer
/// queries).
pub fn query_terms(query: &str) -> Vec<String> {
    let chars = normalised(prefix_chars(query, MAX_QUERY_CHARS));
    let mut seen = HashSet::new();
    chars
        .windows(2)
        .map(|pair| pair.iter().collect::<String>())
        .filter(|t| seen.insert(t.clone()))
        .collect()
}

/// The letters and digits of `text`, folded as the engine folds it and in lower case.
fn normalised(text: &str) -> Vec<char> {
    crate::engine::fold(text)
        .text()
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// The first `n` characters of `s`.
fn prefix_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// The key of a term's entry for a review: the term's UTF-8, then the id (big-endian, so that a
/// term's entries sort by id). UTF-8 is prefix-free, so the entries of one term are exactly the
/// keys that start with it and are 8 bytes longer.
pub(super) fn key(term: &str, id: ReviewId) -> Vec<u8> {
    let mut k = Vec::with_capacity(term.len() + 8);
    k.extend_from_slice(term.as_bytes());
    k.extend_from_slice(&id.to_be_bytes());
    k
}

/// What every entry of a review carries: the first 8 bytes of the SHA-256 of its bytes' hash
/// and its title. Entries are written outside the write's transaction, so an entry left by a
/// write that was rolled back (whose review id a later review reuses) is told apart from the
/// entries of the review that now has the id, and ignored.
pub(super) fn stamp(sha256: &str, title: Option<&str>) -> [u8; 8] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(sha256.as_bytes());
    h.update([0]);
    h.update(title.unwrap_or("").as_bytes());
    let d = h.finalize();
    d[..8].try_into().expect("eight bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(t: &SearchTerms) -> Vec<&str> {
        t.iter().collect()
    }

    #[test]
    fn bigrams_of_the_normalised_title_and_text() {
        let t = index_terms(Some("关于 低保"), "內部資料，ＡＢ1");
        assert_eq!(
            terms(&t),
            ["关于", "于低", "低保", "内部", "部资", "资料", "料a", "ab", "b1"]
        );
        // No pair across the title and the text, none twice.
        let t = index_terms(Some("通知"), "通知");
        assert_eq!(terms(&t), ["通知"]);
        assert!(index_terms(None, "").is_empty());
    }

    #[test]
    fn queries_fold_like_the_index() {
        assert_eq!(query_terms("内 部 资 料"), ["内部", "部资", "资料"]);
        assert_eq!(query_terms("內部資料"), ["内部", "部资", "资料"]);
        assert_eq!(query_terms("哈哈哈"), ["哈哈"]);
        assert!(query_terms("低").is_empty());
        assert!(query_terms("，。 ").is_empty());
    }

    #[test]
    fn indexing_is_bounded() {
        // 300 × 300 distinct pairs of ideographs: more than MAX_TERMS.
        let han = |i: u32| char::from_u32(0x4e00 + i).unwrap();
        let text: String = (0..300u32)
            .flat_map(|i| (0..300u32).flat_map(move |j| [han(i), han(j)]))
            .collect();
        let t = index_terms(Some("标题"), &text);
        assert_eq!(t.len(), MAX_TERMS);
        assert_eq!(t.iter().next(), Some("标题"));
        // Past the indexed prefix, nothing.
        let mut long = "甲乙".repeat(MAX_INDEXED_CHARS / 2);
        long.push_str("丙丁");
        let t = index_terms(None, &long);
        assert!(!t.iter().any(|x| x == "丙丁"));
    }

    #[test]
    fn keys_and_stamps() {
        assert_eq!(key("低保", 1).len(), 6 + 8);
        assert_ne!(stamp("ab", Some("t")), stamp("ab", Some("u")));
        assert_eq!(stamp("ab", None), stamp("ab", Some("")));
    }
}
