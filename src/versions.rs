//! Comparing two versions of a draft: a line diff of their scanned texts with personal data
//! masked, and which findings the new version fixed, kept or brought in.
//!
//! Pure: the caller reads the texts and findings (see `Service::diff`) and bounds their size
//! ([`MAX_DIFF_BYTES`], [`MAX_DIFF_LINES`]); the line diff itself is the `similar` crate's.
//!
//! **What is masked.** A finding's span is shown the way reports show its text to a reviewer
//! ([`Finding::shown_text`]): personal data and commercial secrets masked (`11**************3X`),
//! marks and terms whole. Every such span of either version is masked in the lines of that
//! version, and a line both versions share is masked where either masks it, so a diff never
//! shows more of a value than the findings lists do.

use crate::engine::{Finding, Location};
use serde::Serialize;
use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

/// Largest scanned text of one version that is compared, in bytes of UTF-8.
pub const MAX_DIFF_BYTES: usize = 2 * 1024 * 1024;
/// Most lines of one version that are compared.
pub const MAX_DIFF_LINES: usize = 20_000;
/// How long the line diff may search for the smallest set of changes; past it `similar` gives
/// a correct but coarser diff (whole stretches deleted and inserted).
pub const DIFF_DEADLINE: Duration = Duration::from_secs(2);

/// What happened to one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineOp {
    Equal,
    /// In the old version only.
    Delete,
    /// In the new version only.
    Insert,
}

/// One line of the diff, masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    pub op: LineOp,
    /// 1-based line number in the old version (none for an insertion).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_line: Option<usize>,
    /// 1-based line number in the new version (none for a deletion).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_line: Option<usize>,
    /// The line without its line break, with personal data and commercial secrets masked.
    pub text: String,
}

/// Findings of two versions matched by rule and matched text.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FindingChanges {
    /// Findings of the old version whose rule and text no finding of the new one has.
    pub fixed: Vec<Finding>,
    /// Findings of the new version whose rule and text no finding of the old one has.
    pub new: Vec<Finding>,
    /// Findings of the new version that the old one had too.
    pub kept: Vec<Finding>,
}

/// A finding as a diff shows it: its text as reports show it ([`Finding::shown_text`]).
pub fn shown(f: &Finding) -> Finding {
    Finding {
        text: f.shown_text(),
        ..f.clone()
    }
}

/// Sorts findings into fixed, new and kept (each shown masked), by rule and matched text.
/// O(n + m) for n and m findings.
pub fn compare_findings(old: &[Finding], new: &[Finding]) -> FindingChanges {
    let key = |f: &Finding| (f.rule.clone(), f.text.clone());
    let old_keys: HashSet<(String, String)> = old.iter().map(key).collect();
    let new_keys: HashSet<(String, String)> = new.iter().map(key).collect();
    let mut out = FindingChanges::default();
    for f in old {
        if !new_keys.contains(&key(f)) {
            out.fixed.push(shown(f));
        }
    }
    for f in new {
        if old_keys.contains(&key(f)) {
            out.kept.push(shown(f));
        } else {
            out.new.push(shown(f));
        }
    }
    out
}

/// `text` with the spans of `findings` that reports mask ([`Finding::shown_text`]) masked in
/// place, character for character: the result has the same lines as `text`. A finding whose
/// span does not hold its text (a text extracted by another baomi than the one that scanned it)
/// is masked wherever its text occurs instead. Findings of a file name point into the name and
/// are left out. O(len + masked characters · log).
pub fn masked_text(text: &str, findings: &[Finding]) -> String {
    let mut masked: BTreeSet<usize> = BTreeSet::new();
    for f in findings {
        if f.location == Location::FileName || f.text.is_empty() {
            continue;
        }
        let shown = f.shown_text();
        if shown == f.text {
            continue;
        }
        let at_span = text
            .get(f.start..f.end)
            .is_some_and(|s| s == f.text)
            .then_some(f.start);
        let starts: Vec<usize> = match at_span {
            Some(start) => vec![start],
            None => text
                .match_indices(f.text.as_str())
                .map(|(i, _)| i)
                .collect(),
        };
        for start in starts {
            // `shown_text` drops control characters and keeps the count of the others: its
            // characters line up with the span's characters that are not control characters.
            let mut replacement = shown.chars();
            for (i, c) in f.text.char_indices() {
                if c.is_control() {
                    continue;
                }
                if replacement.next() != Some(c) {
                    masked.insert(start + i);
                }
            }
        }
    }
    if masked.is_empty() {
        return text.to_string();
    }
    text.char_indices()
        .map(|(i, c)| if masked.contains(&i) { '*' } else { c })
        .collect()
}

/// The lines of a text, without their line breaks (`\n` or `\r\n`).
fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n')
        .map(|l| l.trim_end_matches('\n').trim_end_matches('\r'))
        .collect()
}

/// The line diff from `old` to `new` (scanned texts, with the findings of each), masked as
/// the module says. Lines are compared whole and unmasked, so a change inside a masked value
/// still shows as a changed line. The caller bounds both texts to [`MAX_DIFF_LINES`] lines.
pub fn line_diff(
    old: &str,
    old_findings: &[Finding],
    new: &str,
    new_findings: &[Finding],
) -> Vec<DiffLine> {
    let (old_raw, new_raw) = (lines(old), lines(new));
    let old_masked = masked_text(old, old_findings);
    let new_masked = masked_text(new, new_findings);
    let (old_shown, new_shown) = (lines(&old_masked), lines(&new_masked));
    let ops = similar::capture_diff_slices_deadline(
        similar::Algorithm::Patience,
        &old_raw,
        &new_raw,
        Some(Instant::now() + DIFF_DEADLINE),
    );
    let shown = |v: &[&str], i: usize| v.get(i).copied().unwrap_or_default().to_string();
    let mut out = Vec::with_capacity(old_raw.len().max(new_raw.len()));
    for op in ops {
        for change in op.iter_changes(&old_raw, &new_raw) {
            let (o, n) = (change.old_index(), change.new_index());
            let line = match change.tag() {
                similar::ChangeTag::Equal => {
                    let (o, n) = (o.unwrap_or(0), n.unwrap_or(0));
                    DiffLine {
                        op: LineOp::Equal,
                        old_line: Some(o + 1),
                        new_line: Some(n + 1),
                        text: mask_either(&shown(&old_shown, o), &shown(&new_shown, n)),
                    }
                }
                similar::ChangeTag::Delete => {
                    let o = o.unwrap_or(0);
                    DiffLine {
                        op: LineOp::Delete,
                        old_line: Some(o + 1),
                        new_line: None,
                        text: shown(&old_shown, o),
                    }
                }
                similar::ChangeTag::Insert => {
                    let n = n.unwrap_or(0);
                    DiffLine {
                        op: LineOp::Insert,
                        old_line: None,
                        new_line: Some(n + 1),
                        text: shown(&new_shown, n),
                    }
                }
            };
            out.push(line);
        }
    }
    out
}

/// One line as both versions mask it: a character either masks is masked.
fn mask_either(a: &str, b: &str) -> String {
    if a == b || a.chars().count() != b.chars().count() {
        return if a.contains('*') { a } else { b }.to_string();
    }
    a.chars()
        .zip(b.chars())
        .map(|(x, y)| if x == y { x } else { '*' })
        .collect()
}

/// The number of lines [`line_diff`] reads in `text`.
pub fn line_count(text: &str) -> usize {
    text.split_inclusive('\n').count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Category, Place, Severity};

    fn finding(text: &str, whole: &str, rule: &str, category: Category) -> Finding {
        let start = whole.find(text).expect("the text holds the finding");
        Finding {
            category,
            rule: rule.into(),
            rule_name: String::new(),
            severity: Severity::Hold,
            start,
            end: start + text.len(),
            line: 1,
            column: 1,
            text: text.into(),
            reason: String::new(),
            also: Vec::new(),
            location: Location::Body,
            place: Place::default(),
        }
    }

    const ID: &str = "110101195807120237";

    #[test]
    fn personal_data_is_masked_in_place_and_marks_are_not() {
        let text = format!("名单\n张三，身份证号{ID}。\n内部资料\n");
        let id = finding(ID, &text, "resident_id", Category::PersonalPrivacy);
        let mark = finding(
            "内部资料",
            &text,
            "internal_marking",
            Category::ProcessInternal,
        );
        let masked = masked_text(&text, &[id.clone(), mark]);
        assert_eq!(
            masked,
            "名单\n张三，身份证号11**************37。\n内部资料\n"
        );
        assert_eq!(masked.lines().count(), text.lines().count());
        // A span that does not hold its text: masked wherever the text occurs.
        let moved = Finding {
            start: 0,
            end: 3,
            ..id
        };
        assert!(!masked_text(&format!("{text}{ID}"), &[moved]).contains(ID));
    }

    #[test]
    fn the_diff_shows_the_removed_line_masked_and_the_fixed_finding() {
        let old = format!("通知\n联系人：张三，身份证号{ID}。\n请按时参加。\n");
        let new = "通知\n联系人：张三。\n请按时参加。\n".to_string();
        let id = finding(ID, &old, "resident_id", Category::PersonalPrivacy);
        let diff = line_diff(&old, std::slice::from_ref(&id), &new, &[]);
        let ops: Vec<(LineOp, Option<usize>, Option<usize>, &str)> = diff
            .iter()
            .map(|l| (l.op, l.old_line, l.new_line, l.text.as_str()))
            .collect();
        assert_eq!(
            ops,
            [
                (LineOp::Equal, Some(1), Some(1), "通知"),
                (
                    LineOp::Delete,
                    Some(2),
                    None,
                    "联系人：张三，身份证号11**************37。"
                ),
                (LineOp::Insert, None, Some(2), "联系人：张三。"),
                (LineOp::Equal, Some(3), Some(3), "请按时参加。"),
            ]
        );
        let changes = compare_findings(&[id], &[]);
        assert_eq!(changes.fixed.len(), 1);
        assert_eq!(changes.fixed[0].text, "11**************37");
        assert!(changes.new.is_empty() && changes.kept.is_empty());
    }

    #[test]
    fn a_line_both_versions_share_is_masked_where_either_masks_it() {
        let line = format!("身份证号{ID}");
        let old = format!("{line}\n旧\n");
        let new = format!("{line}\n新\n");
        let id = finding(ID, &old, "resident_id", Category::PersonalPrivacy);
        // Only the old version's scan found it (another rule set, say).
        let diff = line_diff(&old, &[id], &new, &[]);
        assert_eq!(diff[0].op, LineOp::Equal);
        assert!(!diff[0].text.contains(ID), "{}", diff[0].text);
        let diff = line_diff(
            &new,
            &[],
            &old,
            &[finding(ID, &old, "r", Category::PersonalPrivacy)],
        );
        assert!(!diff[0].text.contains(ID), "{}", diff[0].text);
    }

    #[test]
    fn findings_are_matched_by_rule_and_text() {
        let text = "甲138001380001乙13900139000丙";
        let a = finding("138001380001", text, "mobile", Category::PersonalPrivacy);
        let b = finding("13900139000", text, "mobile", Category::PersonalPrivacy);
        let c = finding("13900139000", text, "pii_table", Category::PersonalPrivacy);
        let changes = compare_findings(&[a.clone(), b.clone()], &[b, c]);
        assert_eq!(changes.fixed.len(), 1);
        assert_eq!(changes.fixed[0].rule, "mobile");
        assert_eq!(changes.kept.len(), 1);
        assert_eq!(changes.new.len(), 1);
        assert_eq!(changes.new[0].rule, "pii_table");
        assert!(changes.new[0].text.contains('*'), "shown masked");
    }

    #[test]
    fn line_breaks_do_not_count_as_changes() {
        let diff = line_diff("一\r\n二\n三", &[], "一\n二\n三\n", &[]);
        assert!(diff.iter().all(|l| l.op == LineOp::Equal), "{diff:?}");
        assert_eq!(line_count("一\n二\n三"), 3);
        assert_eq!(line_count(""), 0);
    }
}
