//! How well a rule set does on a labelled corpus: the labels file (JSON Lines) in, metrics out.
//!
//! Pure: the caller reads the labels file and scans the documents (`baomi eval`, `baomi rules
//! diff --labels`); this module parses the labels, folds identifier values and counts. Nothing
//! here prints or keeps a finding's raw text: what it reports of a finding is
//! [`Finding::masked_text`], and missed identifier values are masked the same way.
//!
//! Hold is the positive class: a *true hold* is a document labelled `hold` that the engine
//! holds, a *false hold* one labelled `approve` that it holds, and so on. A document that
//! could not be read counts as a hold of category `unreadable` (fail-closed), as the gate
//! treats it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::engine::mask;
use crate::engine::numerals_to_digits;
use crate::engine::{Category, Decision, Finding, Location, Report, Severity};

/// The categories a label may name. `unreadable` is the engine's own, never a label's.
pub const LABEL_CATEGORIES: [Category; 5] = [
    Category::StateSecret,
    Category::ProcessInternal,
    Category::Stability,
    Category::CommercialSecret,
    Category::PersonalPrivacy,
];

/// One line of the labels file: what a person decided the document deserves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Label {
    /// 1-based line of the labels file.
    pub line: usize,
    /// The document's path relative to the labels file's directory, `/`-separated, without
    /// `.` components.
    pub file: String,
    pub decision: Decision,
    /// Sorted, without duplicates; empty exactly when `decision` is approve.
    pub categories: Vec<Category>,
    /// Planted identifier values, upper-case ASCII letters and digits.
    pub pii: Vec<String>,
    pub tags: Vec<String>,
    pub note: String,
}

impl Label {
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }
}

/// What is wrong with one line of the labels file. Displays as `FILE:LINE[:COLUMN]: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelError {
    /// The labels file, as the caller named it.
    pub file: String,
    pub line: usize,
    /// 1-based, when the JSON parser knows it.
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for LabelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(c) => write!(f, "{}:{}:{c}: {}", self.file, self.line, self.message),
            None => write!(f, "{}:{}: {}", self.file, self.line, self.message),
        }
    }
}

/// A line as JSON has it; checked and turned into a [`Label`] by [`parse_labels`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLabel {
    file: String,
    decision: String,
    categories: Vec<String>,
    #[serde(default)]
    pii: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    note: String,
}

fn category_names() -> String {
    LABEL_CATEGORIES
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `a/./b` and `./a/b` are one file; `a\b` is not `a/b` (paths are written with `/`).
fn normalize_file(file: &str) -> String {
    file.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// Parses the labels file: one JSON object per line, blank lines allowed. `name` is how errors
/// name the file. Every bad line is reported, not only the first. The files themselves are not
/// looked at (the caller checks that they exist).
pub fn parse_labels(name: &str, text: &str) -> Result<Vec<Label>, Vec<LabelError>> {
    let mut labels = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (i, raw_line) in text.lines().enumerate() {
        let line = i + 1;
        if raw_line.trim().is_empty() {
            continue;
        }
        let error = |column: Option<usize>, message: String| LabelError {
            file: name.to_string(),
            line,
            column,
            message,
        };
        // serde would take a JSON array for a struct, field by field: refuse anything but an
        // object by name.
        let first = raw_line.len() - raw_line.trim_start().len();
        if !raw_line[first..].starts_with('{') {
            errors.push(error(
                Some(raw_line[..first].chars().count() + 1),
                "a label is a JSON object {\"file\": …, \"decision\": …, \"categories\": […]}"
                    .to_string(),
            ));
            continue;
        }
        let raw: RawLabel = match serde_json::from_str(raw_line) {
            Ok(r) => r,
            Err(e) => {
                // serde_json appends " at line L column C"; the line is ours to name.
                let msg = e.to_string();
                let msg = match msg.rfind(" at line ") {
                    Some(p) => msg[..p].to_string(),
                    None => msg,
                };
                errors.push(error(Some(e.column()).filter(|&c| c > 0), msg));
                continue;
            }
        };
        match check(raw, line) {
            Ok(label) => {
                if let Some(&first) = seen.get(&label.file) {
                    errors.push(error(
                        None,
                        format!("duplicate file `{}` (also on line {first})", label.file),
                    ));
                    continue;
                }
                seen.insert(label.file.clone(), line);
                labels.push(label);
            }
            Err(messages) => errors.extend(messages.into_iter().map(|m| error(None, m))),
        }
    }
    if errors.is_empty() {
        Ok(labels)
    } else {
        Err(errors)
    }
}

fn check(raw: RawLabel, line: usize) -> Result<Label, Vec<String>> {
    let mut problems = Vec::new();
    let file = normalize_file(&raw.file);
    if file.is_empty() {
        problems.push("empty `file`".to_string());
    } else if raw.file.starts_with('/') {
        problems.push(format!(
            "`file` must be relative to the labels file's directory, not `{}`",
            raw.file
        ));
    }
    let decision = Decision::parse(&raw.decision);
    if decision.is_none() {
        problems.push(format!(
            "unknown decision `{}` (approve or hold)",
            raw.decision
        ));
    }
    let mut categories = Vec::new();
    for c in &raw.categories {
        match Category::parse(c).filter(|c| LABEL_CATEGORIES.contains(c)) {
            Some(c) => categories.push(c),
            None => problems.push(format!(
                "unknown category `{c}` (one of {})",
                category_names()
            )),
        }
    }
    categories.sort();
    categories.dedup();
    match decision {
        Some(Decision::Approve) if !raw.categories.is_empty() => {
            problems.push("an approve label has no categories (`\"categories\": []`)".to_string())
        }
        Some(Decision::Hold) if raw.categories.is_empty() => problems.push(format!(
            "a hold label names its categories (one or more of {})",
            category_names()
        )),
        _ => {}
    }
    let mut pii = Vec::new();
    for (n, v) in raw.pii.iter().enumerate() {
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_alphanumeric()) {
            // The value itself is not repeated: it is a personal identifier, if a planted one.
            problems.push(format!(
                "pii value {} of {} is not plain ASCII letters and digits (write `13812345678`, without separators)",
                n + 1,
                raw.pii.len()
            ));
        } else {
            pii.push(v.to_ascii_uppercase());
        }
    }
    if raw.tags.iter().any(|t| t.trim().is_empty()) {
        problems.push("empty tag".to_string());
    }
    match decision {
        Some(decision) if problems.is_empty() => Ok(Label {
            line,
            file,
            decision,
            categories,
            pii,
            tags: raw.tags,
            note: raw.note,
        }),
        _ => Err(problems),
    }
}

/// Folds a finding's text (or any text) for comparison with planted identifier values: NFKC
/// (full-width digits and letters become ASCII), Chinese numerals (`一三八`, `〇`, `幺`) become
/// digits, everything that is not a letter or a digit (separators, blanks, zero-width
/// characters) is removed, and letters are upper-cased. `１３８ 1234-5678` → `13812345678`.
pub fn fold_identifier(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for c in text.nfkc() {
        if let Some(d) = numerals_to_digits(c.encode_utf8(&mut buf)) {
            out.push_str(&d);
        } else if c.is_alphanumeric() {
            out.extend(c.to_uppercase());
        }
    }
    out
}

/// What scanning one document gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Scanned(Report),
    /// The document could not be read or decoded; the message names why (never its text).
    Unreadable(String),
}

impl Outcome {
    pub fn decision(&self) -> Decision {
        match self {
            Outcome::Scanned(r) => r.decision,
            Outcome::Unreadable(_) => Decision::Hold,
        }
    }

    /// Categories with at least one hold finding; `unreadable` for a document not read.
    pub fn hold_categories(&self) -> Vec<Category> {
        match self {
            Outcome::Scanned(r) => r.hold_categories(),
            Outcome::Unreadable(_) => vec![Category::Unreadable],
        }
    }

    fn findings(&self) -> &[Finding] {
        match self {
            Outcome::Scanned(r) => &r.findings,
            Outcome::Unreadable(_) => &[],
        }
    }

    fn error(&self) -> Option<&str> {
        match self {
            Outcome::Scanned(_) => None,
            Outcome::Unreadable(e) => Some(e),
        }
    }
}

/// The four counts, hold being the positive class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Confusion {
    pub true_hold: usize,
    pub false_hold: usize,
    pub true_approve: usize,
    pub false_approve: usize,
}

impl Confusion {
    pub fn add(&mut self, expected: Decision, actual: Decision) {
        match (expected, actual) {
            (Decision::Hold, Decision::Hold) => self.true_hold += 1,
            (Decision::Approve, Decision::Hold) => self.false_hold += 1,
            (Decision::Approve, Decision::Approve) => self.true_approve += 1,
            (Decision::Hold, Decision::Approve) => self.false_approve += 1,
        }
    }

    pub fn documents(&self) -> usize {
        self.true_hold + self.false_hold + self.true_approve + self.false_approve
    }

    pub fn correct(&self) -> usize {
        self.true_hold + self.true_approve
    }

    pub fn accuracy(&self) -> Option<f64> {
        ratio(self.correct(), self.documents())
    }

    /// Of the documents held, how many should be.
    pub fn precision(&self) -> Option<f64> {
        ratio(self.true_hold, self.true_hold + self.false_hold)
    }

    /// Of the documents that should be held, how many are.
    pub fn recall(&self) -> Option<f64> {
        ratio(self.true_hold, self.true_hold + self.false_approve)
    }

    pub fn f1(&self) -> Option<f64> {
        let (p, r) = (self.precision()?, self.recall()?);
        Some(if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        })
    }

    /// Of the documents that could be published, how many are held.
    pub fn false_hold_rate(&self) -> Option<f64> {
        ratio(self.false_hold, self.false_hold + self.true_approve)
    }
}

/// `n / d`, or `None` (JSON `null`) when there is nothing to divide by.
pub fn ratio(n: usize, d: usize) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

/// A finding as an evaluation shows it: where, which rule, and its text as reports show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ShownFinding {
    pub rule: String,
    pub category: Category,
    pub severity: Severity,
    pub line: usize,
    pub column: usize,
    pub location: Location,
    /// [`Finding::shown_text`]: personal data and commercial secrets masked, marks and terms
    /// (which the reason names anyway) whole.
    pub masked_text: String,
}

impl From<&Finding> for ShownFinding {
    fn from(f: &Finding) -> Self {
        ShownFinding {
            rule: f.rule.clone(),
            category: f.category,
            severity: f.severity,
            line: f.line,
            column: f.column,
            location: f.location,
            masked_text: f.shown_text(),
        }
    }
}

/// A document the rule set got wrong, wholly (a wrong decision) or in part (a labelled
/// category not found).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DocumentResult {
    pub file: String,
    /// Line of the label in the labels file.
    pub label_line: usize,
    pub note: String,
    pub tags: Vec<String>,
    pub expected: Decision,
    pub actual: Decision,
    /// The label's categories.
    pub labelled: Vec<Category>,
    /// Categories with a hold finding (`unreadable` for a document not read).
    pub held: Vec<Category>,
    /// Labelled categories without a hold finding.
    pub missing: Vec<Category>,
    /// Why the document could not be read, for an unreadable one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Every finding, hold and warn, in text order.
    pub findings: Vec<ShownFinding>,
}

/// Per category: recall over the documents labelled with it, and the documents held for it
/// without the label naming it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CategoryStats {
    /// Documents whose label names the category.
    pub labelled: usize,
    /// Of those, documents with a hold finding of the category.
    pub found: usize,
    pub recall: Option<f64>,
    /// Documents with a hold finding of the category that their label does not name.
    pub extra: usize,
}

/// The documents carrying one tag.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TagStats {
    pub documents: usize,
    pub accuracy: Option<f64>,
    pub hold_recall: Option<f64>,
    pub false_holds: usize,
    pub false_approves: usize,
    #[serde(skip)]
    confusion: Confusion,
}

impl TagStats {
    fn add(&mut self, expected: Decision, actual: Decision) {
        self.confusion.add(expected, actual);
        let c = self.confusion;
        self.documents = c.documents();
        self.accuracy = c.accuracy();
        self.hold_recall = c.recall();
        self.false_holds = c.false_hold;
        self.false_approves = c.false_approve;
    }
}

/// A planted identifier value that no hold finding contains.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PiiMiss {
    pub file: String,
    /// The value masked as findings are ([`mask`]).
    pub masked_value: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PiiRecall {
    /// Planted values over all documents evaluated.
    pub planted: usize,
    /// Values contained in the folded text of some hold finding of their document.
    pub found: usize,
    pub recall: Option<f64>,
    pub missed: Vec<PiiMiss>,
}

/// Everything `baomi eval` reports. Field names are part of the JSON output: keep them stable.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    pub documents: usize,
    pub labelled_hold: usize,
    pub labelled_approve: usize,
    pub accuracy: Option<f64>,
    pub hold_precision: Option<f64>,
    pub hold_recall: Option<f64>,
    pub hold_f1: Option<f64>,
    /// Held among the documents labelled approve.
    pub false_hold_rate: Option<f64>,
    /// Documents tagged `hard_negative` and labelled approve (a hard negative labelled hold
    /// counts in its tag's row, not here).
    pub hard_negatives: usize,
    /// Of those, documents held.
    pub hard_negative_false_holds: usize,
    pub hard_negative_false_hold_rate: Option<f64>,
    pub confusion: Confusion,
    pub pii: PiiRecall,
    /// Every label category and `unreadable` (which no label names: only `extra` counts).
    pub categories: BTreeMap<Category, CategoryStats>,
    /// `genre:<value>` tags, by value.
    pub genre: BTreeMap<String, TagStats>,
    /// `split:<value>` tags, by value.
    pub split: BTreeMap<String, TagStats>,
    /// Every other tag, whole (`hard_negative`, `format:docx`, `evasion:fullwidth`, …).
    pub tags: BTreeMap<String, TagStats>,
    /// Documents whose decision is not the labelled one, in label order.
    pub misclassified: Vec<DocumentResult>,
    /// Documents labelled and held, with a labelled category not found, in label order.
    pub category_misses: Vec<DocumentResult>,
    /// Documents that could not be read (each counted as a hold), in label order.
    pub unreadable: Vec<DocumentResult>,
}

/// Computes every metric over `docs`: each label with what scanning its document gave.
pub fn evaluate<'a>(docs: impl IntoIterator<Item = (&'a Label, &'a Outcome)>) -> Evaluation {
    let mut all = Confusion::default();
    let mut hard = Confusion::default();
    let mut pii = PiiRecall::default();
    let mut categories: BTreeMap<Category, CategoryStats> = LABEL_CATEGORIES
        .iter()
        .chain([&Category::Unreadable])
        .map(|&c| (c, CategoryStats::default()))
        .collect();
    let (mut genre, mut split, mut tags) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    let (mut misclassified, mut category_misses, mut unreadable) = (vec![], vec![], vec![]);

    for (label, outcome) in docs {
        let actual = outcome.decision();
        all.add(label.decision, actual);
        if label.has_tag("hard_negative") {
            hard.add(label.decision, actual);
        }
        let mut seen_tags = BTreeSet::new();
        for t in &label.tags {
            if !seen_tags.insert(t) {
                continue;
            }
            let (map, key) = if let Some(v) = t.strip_prefix("genre:") {
                (&mut genre, v)
            } else if let Some(v) = t.strip_prefix("split:") {
                (&mut split, v)
            } else {
                (&mut tags, t.as_str())
            };
            map.entry(key.to_string())
                .or_insert_with(TagStats::default)
                .add(label.decision, actual);
        }

        let held = outcome.hold_categories();
        for c in &label.categories {
            let s = categories.entry(*c).or_default();
            s.labelled += 1;
            s.found += usize::from(held.contains(c));
        }
        for c in &held {
            if !label.categories.contains(c) {
                categories.entry(*c).or_default().extra += 1;
            }
        }

        let folded: Vec<String> = outcome
            .findings()
            .iter()
            .filter(|f| f.severity == Severity::Hold)
            .map(|f| fold_identifier(&f.text))
            .collect();
        for v in &label.pii {
            pii.planted += 1;
            if folded.iter().any(|t| t.contains(v.as_str())) {
                pii.found += 1;
            } else {
                pii.missed.push(PiiMiss {
                    file: label.file.clone(),
                    masked_value: mask(v),
                });
            }
        }

        let missing: Vec<Category> = label
            .categories
            .iter()
            .filter(|c| !held.contains(c))
            .copied()
            .collect();
        let wrong = actual != label.decision;
        let partly = !wrong && label.decision == Decision::Hold && !missing.is_empty();
        let error = outcome.error();
        if wrong || partly || error.is_some() {
            let result = DocumentResult {
                file: label.file.clone(),
                label_line: label.line,
                note: label.note.clone(),
                tags: label.tags.clone(),
                expected: label.decision,
                actual,
                labelled: label.categories.clone(),
                held,
                missing,
                error: error.map(str::to_string),
                findings: outcome.findings().iter().map(ShownFinding::from).collect(),
            };
            if error.is_some() {
                unreadable.push(result.clone());
            }
            if wrong {
                misclassified.push(result);
            } else if partly {
                category_misses.push(result);
            }
        }
    }
    for s in categories.values_mut() {
        s.recall = ratio(s.found, s.labelled);
    }
    pii.recall = ratio(pii.found, pii.planted);
    Evaluation {
        documents: all.documents(),
        labelled_hold: all.true_hold + all.false_approve,
        labelled_approve: all.true_approve + all.false_hold,
        accuracy: all.accuracy(),
        hold_precision: all.precision(),
        hold_recall: all.recall(),
        hold_f1: all.f1(),
        false_hold_rate: all.false_hold_rate(),
        hard_negatives: hard.false_hold + hard.true_approve,
        hard_negative_false_holds: hard.false_hold,
        hard_negative_false_hold_rate: hard.false_hold_rate(),
        confusion: all,
        pii,
        categories,
        genre,
        split,
        tags,
        misclassified,
        category_misses,
        unreadable,
    }
}

/// What a rule-set edit does to one labelled document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The old decision was wrong and the new one is right, or a labelled category is newly
    /// found (and none lost).
    Fixes,
    /// The old decision was right and the new one is wrong, or a labelled category is lost.
    Breaks,
    /// Findings changed, but neither the decision's correctness nor a labelled category.
    Other,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Fixes => "fixes",
            Verdict::Breaks => "breaks",
            Verdict::Other => "other",
        }
    }
}

/// A [`Verdict`] with what it rests on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Judgement {
    pub verdict: Verdict,
    pub expected: Decision,
    pub labelled: Vec<Category>,
    /// Labelled categories the new rule set finds and the old one did not.
    pub gained: Vec<Category>,
    /// Labelled categories the old rule set found and the new one does not.
    pub lost: Vec<Category>,
}

/// Judges the change from `old` to `new` against `label`. A lost category outweighs a gained
/// one: an edit that trades one labelled category for another breaks the document.
pub fn judge(label: &Label, old: &Report, new: &Report) -> Judgement {
    let (old_held, new_held) = (old.hold_categories(), new.hold_categories());
    let gained: Vec<Category> = label
        .categories
        .iter()
        .filter(|c| new_held.contains(c) && !old_held.contains(c))
        .copied()
        .collect();
    let lost: Vec<Category> = label
        .categories
        .iter()
        .filter(|c| old_held.contains(c) && !new_held.contains(c))
        .copied()
        .collect();
    let (was_right, is_right) = (
        old.decision == label.decision,
        new.decision == label.decision,
    );
    let verdict = match (was_right, is_right) {
        (false, true) => Verdict::Fixes,
        (true, false) => Verdict::Breaks,
        _ if !lost.is_empty() => Verdict::Breaks,
        _ if !gained.is_empty() => Verdict::Fixes,
        _ => Verdict::Other,
    };
    Judgement {
        verdict,
        expected: label.decision,
        labelled: label.categories.clone(),
        gained,
        lost,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(file: &str, decision: Decision, categories: &[Category], tags: &[&str]) -> Label {
        Label {
            line: 1,
            file: file.into(),
            decision,
            categories: categories.to_vec(),
            pii: vec![],
            tags: tags.iter().map(|t| t.to_string()).collect(),
            note: String::new(),
        }
    }

    fn finding(category: Category, severity: Severity, text: &str) -> Finding {
        Finding {
            category,
            rule: format!("{category}_rule"),
            rule_name: String::new(),
            severity,
            start: 0,
            end: text.len(),
            line: 1,
            column: 1,
            text: text.into(),
            reason: String::new(),
            also: Vec::new(),
            location: Location::Body,
            place: Default::default(),
        }
    }

    fn scanned(findings: Vec<Finding>) -> Outcome {
        Outcome::Scanned(report(findings))
    }

    fn report(findings: Vec<Finding>) -> Report {
        Report {
            decision: Report::decision_for(&findings),
            ruleset: "rs-test".into(),
            findings,
            dropped: 0,
        }
    }

    fn hold(c: Category) -> Finding {
        finding(c, Severity::Hold, "机密★5年")
    }

    use Category::*;
    use Decision::{Approve, Hold};

    /// Ten documents whose confusion is written out by hand: 4 true holds, 1 false hold,
    /// 3 true approves, 2 false approves.
    #[test]
    fn confusion_precision_recall_f1_by_hand() {
        let mut docs = Vec::new();
        for i in 0..4 {
            docs.push((
                label(&format!("th{i}"), Hold, &[StateSecret], &[]),
                scanned(vec![hold(StateSecret)]),
            ));
        }
        docs.push((
            label("fh", Approve, &[], &["hard_negative"]),
            scanned(vec![hold(Stability)]),
        ));
        for i in 0..3 {
            docs.push((
                label(&format!("ta{i}"), Approve, &[], &["hard_negative"]),
                scanned(vec![finding(Stability, Severity::Warn, "维稳")]),
            ));
        }
        // A hard negative labelled hold is counted in its tag's row, not in the hard-negative
        // false-hold rate.
        for (i, tags) in [(0, &["hard_negative"][..]), (1, &[][..])] {
            docs.push((
                label(&format!("fa{i}"), Hold, &[Stability], tags),
                scanned(vec![]),
            ));
        }
        let e = evaluate(docs.iter().map(|(l, o)| (l, o)));
        assert_eq!(
            e.confusion,
            Confusion {
                true_hold: 4,
                false_hold: 1,
                true_approve: 3,
                false_approve: 2
            }
        );
        assert_eq!(
            (e.documents, e.labelled_hold, e.labelled_approve),
            (10, 6, 4)
        );
        assert_eq!(e.accuracy, Some(0.7));
        assert_eq!(e.hold_precision, Some(0.8));
        let r = e.hold_recall.unwrap();
        assert!((r - 4.0 / 6.0).abs() < 1e-12);
        // F1 = 2PR/(P+R) = 2·0.8·(2/3) / (0.8 + 2/3) = 8/11.
        assert!((e.hold_f1.unwrap() - 8.0 / 11.0).abs() < 1e-12);
        assert_eq!(e.false_hold_rate, Some(0.25));
        assert_eq!((e.hard_negatives, e.hard_negative_false_holds), (4, 1));
        assert_eq!(e.hard_negative_false_hold_rate, Some(0.25));
        assert_eq!(e.tags["hard_negative"].documents, 5);
        let files: Vec<&str> = e.misclassified.iter().map(|d| d.file.as_str()).collect();
        assert_eq!(files, ["fh", "fa0", "fa1"]);
        // A classification mark is shown whole (the reason names it); personal data is masked.
        assert_eq!(e.misclassified[0].findings[0].masked_text, "机密★5年");
        assert_eq!(e.categories[&StateSecret].recall, Some(1.0));
        assert_eq!(e.categories[&Stability].labelled, 2);
        assert_eq!(e.categories[&Stability].recall, Some(0.0));
        assert_eq!(e.categories[&Stability].extra, 1);
        assert_eq!(e.categories[&PersonalPrivacy].recall, None);
    }

    #[test]
    fn undefined_metrics_are_none() {
        let c = Confusion::default();
        assert_eq!(
            (c.accuracy(), c.precision(), c.recall(), c.f1()),
            (None, None, None, None)
        );
        let only_misses = Confusion {
            false_approve: 3,
            ..Confusion::default()
        };
        assert_eq!(only_misses.recall(), Some(0.0));
        assert_eq!(only_misses.precision(), None);
        assert_eq!(only_misses.f1(), None);
        let zero = Confusion {
            false_approve: 1,
            false_hold: 1,
            ..Confusion::default()
        };
        assert_eq!(zero.f1(), Some(0.0));
    }

    #[test]
    fn tags_by_genre_split_and_whole() {
        let docs = [
            (
                label("a", Hold, &[StateSecret], &["genre:notice", "split:dev"]),
                scanned(vec![hold(StateSecret)]),
            ),
            (
                label(
                    "b",
                    Hold,
                    &[StateSecret],
                    &["genre:notice", "split:heldout"],
                ),
                scanned(vec![]),
            ),
            (
                label(
                    "c",
                    Approve,
                    &[],
                    &[
                        "genre:report",
                        "split:dev",
                        "hard_negative",
                        "hard_negative",
                    ],
                ),
                scanned(vec![hold(ProcessInternal)]),
            ),
            (
                label("d", Approve, &[], &["genre:report", "format:gbk"]),
                scanned(vec![]),
            ),
        ];
        let e = evaluate(docs.iter().map(|(l, o)| (l, o)));
        let notice = &e.genre["notice"];
        assert_eq!(
            (notice.documents, notice.accuracy, notice.hold_recall),
            (2, Some(0.5), Some(0.5))
        );
        assert_eq!((notice.false_holds, notice.false_approves), (0, 1));
        let report = &e.genre["report"];
        assert_eq!(
            (report.documents, report.accuracy, report.hold_recall),
            (2, Some(0.5), None)
        );
        assert_eq!(report.false_holds, 1);
        assert_eq!(e.split["dev"].documents, 2);
        assert_eq!(e.split["dev"].accuracy, Some(0.5));
        assert_eq!(e.split["heldout"].hold_recall, Some(0.0));
        // A tag repeated on one label counts the document once.
        assert_eq!(e.tags["hard_negative"].documents, 1);
        assert_eq!(e.tags["format:gbk"].accuracy, Some(1.0));
        assert!(!e.tags.contains_key("genre:notice"));
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["genre"]["notice"]["hold_recall"], 0.5);
        assert_eq!(
            json["genre"]["report"]["hold_recall"],
            serde_json::Value::Null
        );
        assert!(json["genre"]["notice"].get("confusion").is_none());
    }

    #[test]
    fn identifier_folding() {
        assert_eq!(fold_identifier("１３８ 1234-5678"), "13812345678");
        assert_eq!(
            fold_identifier("3301\u{200b}0619\u{3000}8002·29003x"),
            "33010619800229003X"
        );
        assert_eq!(fold_identifier("一三八〇〇〇〇幺二三四"), "13800001234");
        assert_eq!(fold_identifier("Ｇ１２３４５６７８"), "G12345678");
        assert_eq!(fold_identifier("138****0001"), "1380001");
    }

    #[test]
    fn planted_identifiers_are_found_in_hold_findings_only() {
        let mut l = label("a", Hold, &[PersonalPrivacy], &[]);
        l.pii = vec!["13812345678".into(), "33010619800229003X".into()];
        let mut m = label("b", Hold, &[PersonalPrivacy], &[]);
        m.pii = vec!["13900000001".into()];
        let docs = [
            (
                l,
                scanned(vec![
                    finding(PersonalPrivacy, Severity::Hold, "１３８ 1234-5678"),
                    // Found only as a warning: a planted value the rule set lets through.
                    finding(PersonalPrivacy, Severity::Warn, "33010619800229003x"),
                ]),
            ),
            (m, Outcome::Unreadable("binary data".into())),
        ];
        let e = evaluate(docs.iter().map(|(l, o)| (l, o)));
        assert_eq!((e.pii.planted, e.pii.found), (3, 1));
        assert!((e.pii.recall.unwrap() - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(
            e.pii.missed,
            [
                PiiMiss {
                    file: "a".into(),
                    masked_value: "33**************3X".into()
                },
                PiiMiss {
                    file: "b".into(),
                    masked_value: "13*******01".into()
                }
            ]
        );
    }

    #[test]
    fn category_misses_and_unreadable_documents() {
        let mut wrong_note = label("minutes", Hold, &[ProcessInternal, PersonalPrivacy], &[]);
        wrong_note.note = "the landline is not personal".into();
        let docs = [
            (wrong_note, scanned(vec![hold(ProcessInternal)])),
            (
                label("scan.pdf", Approve, &[], &[]),
                Outcome::Unreadable("PDF is not supported".into()),
            ),
            (
                label("scan2.pdf", Hold, &[StateSecret], &[]),
                Outcome::Unreadable("PDF is not supported".into()),
            ),
        ];
        let e = evaluate(docs.iter().map(|(l, o)| (l, o)));
        assert_eq!(e.category_misses.len(), 2);
        let m = &e.category_misses[0];
        assert_eq!(m.file, "minutes");
        assert_eq!(m.missing, [PersonalPrivacy]);
        assert_eq!(m.held, [ProcessInternal]);
        assert_eq!(m.note, "the landline is not personal");
        assert_eq!(e.category_misses[1].missing, [StateSecret]);
        // Unreadable is a hold (fail-closed): a false hold for an approve label.
        assert_eq!(e.confusion.false_hold, 1);
        assert_eq!(e.misclassified.len(), 1);
        assert_eq!(e.misclassified[0].held, [Unreadable]);
        assert_eq!(
            e.misclassified[0].error.as_deref(),
            Some("PDF is not supported")
        );
        assert_eq!(e.unreadable.len(), 2);
        assert_eq!(e.categories[&Unreadable].extra, 2);
        assert_eq!(e.categories[&Unreadable].recall, None);
    }

    #[test]
    fn labels_parse() {
        let text = "\u{feff}{\"file\": \"./docs/a.txt\", \"decision\": \"hold\", \"categories\": [\"stability\", \"state_secret\", \"stability\"], \"pii\": [\"33010619800229003x\"], \"tags\": [\"genre:notice\"], \"note\": \"n\"}\n\n   \n{\"file\": \"b.html\", \"decision\": \"approve\", \"categories\": []}\r\n";
        let labels = parse_labels("labels.jsonl", text).unwrap();
        assert_eq!(labels.len(), 2);
        assert_eq!(labels[0].file, "docs/a.txt");
        assert_eq!(labels[0].categories, [StateSecret, Stability]);
        assert_eq!(labels[0].pii, ["33010619800229003X"]);
        assert_eq!(labels[0].note, "n");
        assert_eq!(labels[1].line, 4);
        assert_eq!(labels[1].decision, Approve);
        assert!(labels[1].tags.is_empty() && labels[1].pii.is_empty());
    }

    /// One malformed line per case, with the exact error: each names its line.
    #[test]
    fn malformed_label_lines() {
        let ok = r#"{"file": "ok.txt", "decision": "approve", "categories": []}"#;
        let cases: &[(&str, &str)] = &[
            (r#"{"file": "a.txt", "decision": "hold""#, "l:2:36: EOF while parsing an object"),
            (r#"{file: "a.txt"}"#, "l:2:2: key must be a string"),
            ("not json", "l:2:1: a label is a JSON object {\"file\": …, \"decision\": …, \"categories\": […]}"),
            (
                r#"  ["a.txt", "hold", []]"#,
                "l:2:3: a label is a JSON object {\"file\": …, \"decision\": …, \"categories\": […]}",
            ),
            ("\"a.txt\"", "l:2:1: a label is a JSON object {\"file\": …, \"decision\": …, \"categories\": […]}"),
            (
                r#"{"file": "a.txt", "decision": "hold", "categories": ["stability"], "genre": "x"}"#,
                "l:2:74: unknown field `genre`, expected one of `file`, `decision`, `categories`, `pii`, `tags`, `note`",
            ),
            (
                r#"{"file": "a.txt", "decision": "hold", "categories": "stability"}"#,
                "l:2:63: invalid type: string \"stability\", expected a sequence",
            ),
            (
                r#"{"file": 7, "decision": "hold", "categories": []}"#,
                "l:2:10: invalid type: integer `7`, expected a string",
            ),
            (
                r#"{"file": "a.txt", "decision": "hold", "categories": ["stability"], "note": null}"#,
                "l:2:79: invalid type: null, expected a string",
            ),
            (
                r#"{"file": "a.txt", "categories": []}"#,
                "l:2:35: missing field `decision`",
            ),
            (
                r#"{"file": "a.txt", "decision": "block", "categories": []}"#,
                "l:2: unknown decision `block` (approve or hold)",
            ),
            (
                r#"{"file": "a.txt", "decision": "hold", "categories": ["secret"]}"#,
                "l:2: unknown category `secret` (one of state_secret, process_internal, stability, commercial_secret, personal_privacy)",
            ),
            (
                r#"{"file": "a.txt", "decision": "hold", "categories": ["unreadable"]}"#,
                "l:2: unknown category `unreadable` (one of state_secret, process_internal, stability, commercial_secret, personal_privacy)",
            ),
            (
                r#"{"file": "a.txt", "decision": "hold", "categories": []}"#,
                "l:2: a hold label names its categories (one or more of state_secret, process_internal, stability, commercial_secret, personal_privacy)",
            ),
            (
                r#"{"file": "a.txt", "decision": "approve", "categories": ["stability"]}"#,
                "l:2: an approve label has no categories (`\"categories\": []`)",
            ),
            (
                r#"{"file": "", "decision": "approve", "categories": []}"#,
                "l:2: empty `file`",
            ),
            (
                r#"{"file": "/etc/a.txt", "decision": "approve", "categories": []}"#,
                "l:2: `file` must be relative to the labels file's directory, not `/etc/a.txt`",
            ),
            (
                r#"{"file": "./ok.txt", "decision": "approve", "categories": []}"#,
                "l:2: duplicate file `ok.txt` (also on line 1)",
            ),
            (
                r#"{"file": "a.txt", "decision": "hold", "categories": ["personal_privacy"], "pii": ["138-1234-5678"]}"#,
                "l:2: pii value 1 of 1 is not plain ASCII letters and digits (write `13812345678`, without separators)",
            ),
            (
                r#"{"file": "a.txt", "decision": "approve", "categories": [], "tags": [""]}"#,
                "l:2: empty tag",
            ),
        ];
        let mut wrong = Vec::new();
        for (line, expected) in cases {
            let text = format!("{ok}\n{line}\n");
            let errors = parse_labels("l", &text).expect_err(line);
            let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
            if shown != [expected.to_string()] {
                wrong.push(format!(
                    "{line}\n  expected {expected}\n  got      {shown:?}"
                ));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        // Every bad line is reported, each with its own line.
        let text = format!("{ok}\n\nnot json\n{ok}\n{{\"file\": \"\"}}\n");
        let lines: Vec<usize> = parse_labels("l", &text)
            .unwrap_err()
            .iter()
            .map(|e| e.line)
            .collect();
        assert_eq!(lines, [3, 4, 5]);
    }

    #[test]
    fn judging_an_edit() {
        let l = label("a", Hold, &[Stability, PersonalPrivacy], &[]);
        let none = report(vec![]);
        let stab = report(vec![hold(Stability)]);
        let both = report(vec![hold(Stability), hold(PersonalPrivacy)]);
        let pp = report(vec![hold(PersonalPrivacy)]);
        let warn = report(vec![finding(Stability, Severity::Warn, "x")]);
        assert_eq!(judge(&l, &none, &stab).verdict, Verdict::Fixes);
        assert_eq!(judge(&l, &stab, &none).verdict, Verdict::Breaks);
        let j = judge(&l, &stab, &both);
        assert_eq!(
            (j.verdict, j.gained.as_slice()),
            (Verdict::Fixes, &[PersonalPrivacy][..])
        );
        let j = judge(&l, &stab, &pp);
        assert_eq!(j.verdict, Verdict::Breaks);
        assert_eq!(
            (j.gained.as_slice(), j.lost.as_slice()),
            (&[PersonalPrivacy][..], &[Stability][..])
        );
        assert_eq!(judge(&l, &none, &warn).verdict, Verdict::Other);
        let a = label("b", Approve, &[], &[]);
        assert_eq!(judge(&a, &stab, &warn).verdict, Verdict::Fixes);
        assert_eq!(judge(&a, &none, &stab).verdict, Verdict::Breaks);
        assert_eq!(judge(&a, &stab, &both).verdict, Verdict::Other);
    }
}
