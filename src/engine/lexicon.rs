//! One Aho-Corasick automaton over every literal the rule set uses: rule terms, exception
//! phrases, regex trigger keywords and context hotwords. A single pass over the folded text
//! finds all of them, overlapping matches included; each pattern knows which roles it plays.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use std::collections::HashMap;

/// What a literal is for. Indices are rule indices or context-set indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Term(u32),
    Exception(u32),
    Keyword(u32),
    Hot(u32),
}

pub(crate) struct Lexicon {
    ac: Option<AhoCorasick>,
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
        let ac = if self.patterns.is_empty() {
            None
        } else {
            // The DFA is the fastest automaton but its memory grows with states × byte
            // classes; beyond a few thousand patterns the contiguous NFA is the better trade.
            let bytes: usize = self.patterns.iter().map(String::len).sum();
            let kind = if bytes <= 64 * 1024 {
                AhoCorasickKind::DFA
            } else {
                AhoCorasickKind::ContiguousNFA
            };
            Some(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::Standard)
                    .kind(Some(kind))
                    .build(&self.patterns)
                    .map_err(|e| format!("building the keyword automaton failed: {e}"))?,
            )
        };
        Ok(Lexicon {
            ac,
            spans,
            roles,
            patterns: self.patterns,
        })
    }
}

impl Lexicon {
    /// Calls `f(role, start, end)` for every role of every (overlapping) match in `text`.
    #[inline]
    pub fn for_each(&self, text: &str, mut f: impl FnMut(Role, usize, usize)) {
        let Some(ac) = &self.ac else { return };
        for m in ac.find_overlapping_iter(text) {
            let (a, b) = self.spans[m.pattern().as_usize()];
            for &role in &self.roles[a as usize..b as usize] {
                f(role, m.start(), m.end());
            }
        }
    }

    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    pub fn memory_usage(&self) -> usize {
        self.ac.as_ref().map_or(0, AhoCorasick::memory_usage)
    }
}
