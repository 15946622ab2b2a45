//! What the engine is built from: rule specifications, independent of any file format.

use super::finding::{Category, Severity};

/// Where in a document a match counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Anywhere,
    /// The first three non-empty lines (the title position of a government document).
    Title,
    /// The first five lines (where a classification mark or 份号 stands).
    Head,
}

/// How far around a match a context looks for its words or markers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// Within this many characters on either side.
    Chars(usize),
    /// Within this many characters before the match only.
    Before(usize),
    /// The sentence around the match (up to 。！？；!? or a line break).
    Sentence,
    /// The line around the match.
    Line,
    /// Anywhere in the title position (first three non-empty lines).
    Title,
    /// The header cell of the match's table column: in a table (cells separated by tabs, `|`,
    /// two or more blanks, or real HTML/Word cells), the cell of the table's first row above the
    /// match's cell. Outside a table, the window is empty.
    Column,
    /// Anywhere in the document.
    Document,
}

/// Things a context can require besides words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    /// A personal name in a form that identifies someone (`姓名：张三`, `张三，男，`, `患者李四`).
    Person,
    /// A validated personal identifier (ID, mobile, bank card, passport).
    Identifier,
}

/// What a context does when it applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Set(Severity),
    Drop,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextSpec {
    /// Any of these words in the window makes the context apply (if `markers` is empty).
    pub words: Vec<String>,
    /// Any of these markers in the window makes the context apply (if `words` is empty);
    /// with both, one of each is needed.
    pub markers: Vec<Marker>,
    pub window: Window,
    pub action: Action,
    /// Why the context exists, shown in the finding's reason when it applies.
    pub note: String,
}

/// The built-in detectors a rule can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DetectorKind {
    ResidentId,
    Mobile,
    BankCard,
    Passport,
    TravelPermit,
    /// A table whose header names personal columns and whose rows carry unmasked values.
    PiiTable,
}

impl DetectorKind {
    pub const ALL: [DetectorKind; 6] = [
        DetectorKind::ResidentId,
        DetectorKind::Mobile,
        DetectorKind::BankCard,
        DetectorKind::Passport,
        DetectorKind::TravelPermit,
        DetectorKind::PiiTable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DetectorKind::ResidentId => "resident_id",
            DetectorKind::Mobile => "mobile",
            DetectorKind::BankCard => "bank_card",
            DetectorKind::Passport => "passport",
            DetectorKind::TravelPermit => "travel_permit",
            DetectorKind::PiiTable => "pii_table",
        }
    }

    pub fn parse(s: &str) -> Option<DetectorKind> {
        DetectorKind::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Matcher {
    /// Literal terms, found anywhere in the folded text.
    Terms(Vec<String>),
    /// A regular expression over the folded text, run only on the lines around a keyword hit.
    Pattern {
        pattern: String,
        keywords: Vec<String>,
    },
    /// A label and its value, in every shape a document gives them: `label：value` (with a unit
    /// in brackets between: `标底价（元）：356,000`), a table row (`标底金额（元）<TAB>28,179,856`,
    /// `| 标底价 | 356.8万元 |`) and a table column (a header cell naming the label, the values
    /// in the cells below it). `value` is a regex a value must start with (on the folded text).
    Field { labels: Vec<String>, value: String },
    /// A built-in detector; `keywords` are its context words, `allow` values never reported.
    Detector {
        kind: DetectorKind,
        keywords: Vec<String>,
        allow: Vec<String>,
    },
}

impl Matcher {
    /// What kind of matcher this is: `terms`, `pattern`, `field`, or the detector's name.
    pub fn kind(&self) -> &'static str {
        match self {
            Matcher::Terms(_) => "terms",
            Matcher::Pattern { .. } => "pattern",
            Matcher::Field { .. } => "field",
            Matcher::Detector { kind, .. } => kind.as_str(),
        }
    }

    /// How many terms a term matcher has (0 for the others).
    pub fn term_count(&self) -> usize {
        match self {
            Matcher::Terms(t) => t.len(),
            _ => 0,
        }
    }

    /// How many keywords (or field labels) lead the matcher to where it runs.
    pub fn keyword_count(&self) -> usize {
        match self {
            Matcher::Terms(_) => 0,
            Matcher::Pattern { keywords, .. } | Matcher::Detector { keywords, .. } => {
                keywords.len()
            }
            Matcher::Field { labels, .. } => labels.len(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleSpec {
    pub id: String,
    /// The name a clerk reads (`身份证号码`): shown with findings in the console and in every
    /// report. Empty: the id stands in.
    pub name: String,
    pub category: Category,
    pub severity: Severity,
    pub description: String,
    pub matcher: Matcher,
    /// Phrases that cancel a match they cover.
    pub exceptions: Vec<String>,
    pub scope: Scope,
    /// The match must be the whole line (blanks and brackets around it aside).
    pub whole_line: bool,
    /// Evaluated in order; the first that applies decides.
    pub contexts: Vec<ContextSpec>,
    /// A marking rule: the severity of a match that is not in the document's own voice (a
    /// mention inside a running sentence, or a title cited in 《》 or quotes). A match in its own
    /// voice (a line of its own, a bracket closing the title, a note to the reader, a sentence
    /// about this very document) keeps the rule's severity, and contexts that would lower it do
    /// not apply: genre and topic excuse mentions, never a marking. `Action::Drop`: a mention is
    /// no finding at all. `None`: no distinction.
    pub mention: Option<Action>,
}

/// Which part of a rule a build error is about, so the caller can point at its source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Site {
    Rule,
    Term(usize),
    Exception(usize),
    Pattern,
    Keyword(usize),
    Context(usize),
}

/// Building failed: rule `rule` (index into the specs), at `site`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError {
    pub rule: usize,
    pub site: Site,
    pub message: String,
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "rule #{}: {}", self.rule, self.message)
    }
}

impl std::error::Error for BuildError {}
