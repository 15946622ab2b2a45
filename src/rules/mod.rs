//! Rule files: the TOML format, validation with source positions, the embedded default rule
//! set, the rule-set id, and running each rule's examples.
//!
//! A rule set is a directory of `*.toml` files, one per category, plus optional files that only
//! define named word sets (`[sets]`) usable as `@name` in any rule's context `words`.
//! See `README.md` ("Writing rules") for the format.

pub mod diff;
pub mod edit;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

use crate::engine::{
    Action, BuildError, Category, ContextSpec, DetectorKind, Engine, EngineOptions, Marker,
    Matcher, RuleSpec, Scope, Severity, Site, Window,
};

/// One rule file's name and content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
}

/// A problem in a rule set, pointing at its source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for RuleError {}

/// The examples a rule carries, for `baomi rules test`.
#[derive(Clone, Debug, Default)]
pub struct RuleExamples {
    pub rule: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub hold: Vec<String>,
    pub warn: Vec<String>,
    pub none: Vec<String>,
}

/// A compiled rule set with what is needed to explain and test it.
pub struct RuleSet {
    pub engine: Engine,
    pub id: String,
    pub examples: Vec<RuleExamples>,
    pub files: Vec<SourceFile>,
    /// Problems that do not stop the rule set (a term repeated with the same severity, a rule
    /// without examples).
    pub warnings: Vec<RuleError>,
}

const EMBEDDED: &[(&str, &str)] = &[
    ("common.toml", include_str!("../../rules/common.toml")),
    (
        "state_secret.toml",
        include_str!("../../rules/state_secret.toml"),
    ),
    (
        "process_internal.toml",
        include_str!("../../rules/process_internal.toml"),
    ),
    ("stability.toml", include_str!("../../rules/stability.toml")),
    (
        "commercial_secret.toml",
        include_str!("../../rules/commercial_secret.toml"),
    ),
    (
        "personal_privacy.toml",
        include_str!("../../rules/personal_privacy.toml"),
    ),
];

/// The rule set shipped inside the binary (a copy of `rules/`).
pub fn embedded_sources() -> Vec<SourceFile> {
    EMBEDDED
        .iter()
        .map(|(n, t)| SourceFile {
            name: (*n).to_string(),
            text: (*t).to_string(),
        })
        .collect()
}

/// The file a rules directory keeps its suppressions in (`crate::suppress`): not a rule file.
pub const SUPPRESSIONS_FILE: &str = "suppressions.toml";

/// Reads every `*.toml` file of a rule directory (not recursive) but its suppressions, sorted
/// by name.
pub fn load_dir(dir: &Path) -> Result<Vec<SourceFile>, RuleError> {
    let err = |message: String| RuleError {
        file: dir.display().to_string(),
        line: 0,
        column: 0,
        message,
    };
    let entries =
        std::fs::read_dir(dir).map_err(|e| err(format!("cannot read rule directory: {e}")))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| err(format!("cannot read rule directory: {e}")))?;
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        // The directory's suppressions are not rules (see `crate::suppress`).
        if path.file_name().and_then(|n| n.to_str()) == Some(SUPPRESSIONS_FILE) {
            continue;
        }
        let name = path.display().to_string();
        let bytes = std::fs::read(&path).map_err(|e| RuleError {
            file: name.clone(),
            line: 0,
            column: 0,
            message: format!("cannot read: {e}"),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| RuleError {
            file: name.clone(),
            line: 0,
            column: 0,
            message: format!("not UTF-8 (byte {})", e.utf8_error().valid_up_to()),
        })?;
        files.push(SourceFile { name, text });
    }
    if files.is_empty() {
        return Err(err("no *.toml rule files in the directory".into()));
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

/// The rule-set id: a hash of every file's name (without directory) and content.
pub fn ruleset_id(files: &[SourceFile]) -> String {
    let mut parts: Vec<(&str, &str)> = files
        .iter()
        .map(|f| (base_name(&f.name), f.text.as_str()))
        .collect();
    parts.sort();
    let mut h = Sha256::new();
    for (n, t) in parts {
        h.update((n.len() as u64).to_le_bytes());
        h.update(n.as_bytes());
        h.update((t.len() as u64).to_le_bytes());
        h.update(t.as_bytes());
    }
    let d = h.finalize();
    let hex: String = d.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("rs-{hex}")
}

/// A rule file's name without its directory.
pub fn base_name(n: &str) -> &str {
    n.rsplit(['/', '\\']).next().unwrap_or(n)
}

// ------------------------------------------------------------------------------------------
// File format
// ------------------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDef {
    category: Option<Spanned<String>>,
    #[serde(default)]
    sets: BTreeMap<String, Spanned<Vec<String>>>,
    #[serde(default)]
    rule: Vec<Spanned<RuleDef>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    id: Spanned<String>,
    #[serde(default = "yes")]
    enabled: bool,
    severity: Spanned<String>,
    /// The name a clerk reads (`身份证号码`).
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    terms: Vec<Spanned<String>>,
    pattern: Option<Spanned<String>>,
    detector: Option<Spanned<String>>,
    #[serde(default)]
    keywords: Vec<Spanned<String>>,
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    exceptions: Vec<Spanned<String>>,
    scope: Option<Spanned<String>>,
    #[serde(default)]
    whole_line: bool,
    mention: Option<Spanned<String>>,
    #[serde(default)]
    labels: Vec<Spanned<String>>,
    value: Option<Spanned<String>>,
    #[serde(default)]
    context: Vec<Spanned<ContextDef>>,
    #[serde(default)]
    examples: ExamplesDef,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContextDef {
    #[serde(default)]
    words: Vec<String>,
    #[serde(default)]
    markers: Vec<String>,
    within: Option<toml::Value>,
    before: Option<i64>,
    severity: String,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ExamplesDef {
    #[serde(default)]
    hold: Vec<String>,
    #[serde(default)]
    warn: Vec<String>,
    #[serde(default)]
    none: Vec<String>,
}

/// Where a compiled rule came from, to point errors at its source.
struct Origin {
    file: usize,
    rule: std::ops::Range<usize>,
    terms: Vec<std::ops::Range<usize>>,
    exceptions: Vec<std::ops::Range<usize>>,
    keywords: Vec<std::ops::Range<usize>>,
    pattern: Option<std::ops::Range<usize>>,
    contexts: Vec<std::ops::Range<usize>>,
    id: std::ops::Range<usize>,
}

fn position(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn at(file: &SourceFile, offset: usize, message: impl Into<String>) -> RuleError {
    let (line, column) = position(&file.text, offset);
    RuleError {
        file: file.name.clone(),
        line,
        column,
        message: message.into(),
    }
}

/// Parses and compiles a rule set. Every problem found is reported.
pub fn compile(files: &[SourceFile], today: u32) -> Result<RuleSet, Vec<RuleError>> {
    let mut errors = Vec::new();
    let mut parsed: Vec<(usize, FileDef)> = Vec::new();
    for (fi, file) in files.iter().enumerate() {
        match toml::from_str::<FileDef>(&file.text) {
            Ok(def) => parsed.push((fi, def)),
            Err(e) => {
                let offset = e.span().map_or(0, |s| s.start);
                errors.push(at(file, offset, one_line(e.message())));
            }
        }
    }
    // Named word sets are shared by all files.
    let mut sets: HashMap<String, Vec<String>> = HashMap::new();
    for (fi, def) in &parsed {
        for (name, words) in &def.sets {
            if sets.insert(name.clone(), words.get_ref().clone()).is_some() {
                errors.push(at(
                    &files[*fi],
                    words.span().start,
                    format!("word set `{name}` is defined twice"),
                ));
            }
            if words.get_ref().iter().any(|w| w.trim().is_empty()) {
                errors.push(at(
                    &files[*fi],
                    words.span().start,
                    format!("word set `{name}` has an empty word"),
                ));
            }
        }
    }

    let mut specs = Vec::new();
    let mut origins = Vec::new();
    let mut examples = Vec::new();
    for (fi, def) in parsed {
        let file = &files[fi];
        let category = match &def.category {
            None if def.rule.is_empty() => None,
            None => {
                errors.push(at(file, 0, "a file with rules needs `category = \"...\"`"));
                continue;
            }
            Some(c) => match Category::parse(c.get_ref()).filter(|c| *c != Category::Unreadable) {
                Some(cat) => Some(cat),
                None => {
                    errors.push(at(
                        file,
                        c.span().start,
                        format!(
                            "unknown category `{}` (expected one of: state_secret, process_internal, stability, commercial_secret, personal_privacy)",
                            c.get_ref()
                        ),
                    ));
                    continue;
                }
            },
        };
        let Some(category) = category else { continue };
        for rule in def.rule {
            let rule_span = rule.span();
            let r = rule.into_inner();
            match rule_spec(file, category, &r, &sets) {
                Ok(spec) => {
                    if !r.enabled {
                        continue;
                    }
                    examples.push(RuleExamples {
                        rule: spec.id.clone(),
                        file: file.name.clone(),
                        line: position(&file.text, rule_span.start).0,
                        column: position(&file.text, rule_span.start).1,
                        hold: r.examples.hold.clone(),
                        warn: r.examples.warn.clone(),
                        none: r.examples.none.clone(),
                    });
                    origins.push(Origin {
                        file: fi,
                        rule: rule_span,
                        terms: r.terms.iter().map(Spanned::span).collect(),
                        exceptions: r.exceptions.iter().map(Spanned::span).collect(),
                        keywords: r.keywords.iter().map(Spanned::span).collect(),
                        pattern: r.pattern.as_ref().map(Spanned::span),
                        contexts: r.context.iter().map(Spanned::span).collect(),
                        id: r.id.span(),
                    });
                    specs.push(spec);
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
    }
    if specs.is_empty() && errors.is_empty() {
        errors.push(RuleError {
            file: files.first().map_or_else(String::new, |f| f.name.clone()),
            line: 0,
            column: 0,
            message: "the rule set has no enabled rules".into(),
        });
    }
    let mut warnings = Vec::new();
    check_terms(files, &specs, &origins, &mut errors, &mut warnings);
    for (spec, o) in specs.iter().zip(&origins) {
        if spec.name.is_empty() {
            warnings.push(at(
                &files[o.file],
                o.id.start,
                format!(
                    "rule `{}` has no `name` (the name reviewers read, such as \"身份证号码\"); its id is shown instead",
                    spec.id
                ),
            ));
        }
    }
    for (ex, o) in examples.iter().zip(&origins) {
        if ex.hold.is_empty() && ex.warn.is_empty() && ex.none.is_empty() {
            warnings.push(at(
                &files[o.file],
                o.id.start,
                format!("rule `{}` has no examples", ex.rule),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let id = ruleset_id(files);
    match Engine::build(specs, EngineOptions { today }) {
        Ok(engine) => Ok(RuleSet {
            engine: engine.with_id(id.clone()),
            id,
            examples,
            files: files.to_vec(),
            warnings,
        }),
        Err(errs) => Err(errs
            .into_iter()
            .map(|e| locate(files, &origins, e))
            .collect()),
    }
}

/// The same term in two rules: an error if their severities differ (which one would decide?),
/// a warning if they agree (one of them is redundant).
fn check_terms(
    files: &[SourceFile],
    specs: &[RuleSpec],
    origins: &[Origin],
    errors: &mut Vec<RuleError>,
    warnings: &mut Vec<RuleError>,
) {
    let mut seen: HashMap<String, (usize, usize)> = HashMap::new();
    for (si, spec) in specs.iter().enumerate() {
        let Matcher::Terms(terms) = &spec.matcher else {
            continue;
        };
        for (ti, term) in terms.iter().enumerate() {
            let key = crate::engine::fold(term.trim()).text().to_string();
            if key.is_empty() {
                continue;
            }
            let Some(&(sj, tj)) = seen.get(&key) else {
                seen.insert(key, (si, ti));
                continue;
            };
            let here = &origins[si];
            let offset = here.terms.get(ti).map_or(here.id.start, |r| r.start);
            let there = &origins[sj];
            let (line, _) = position(
                &files[there.file].text,
                there.terms.get(tj).map_or(there.id.start, |r| r.start),
            );
            let other = format!(
                "rule `{}` ({}:{line})",
                specs[sj].id,
                base_name(&files[there.file].name)
            );
            if sj == si {
                warnings.push(at(
                    &files[here.file],
                    offset,
                    format!("term `{term}` is listed twice in rule `{}`", spec.id),
                ));
            } else if specs[sj].severity != spec.severity {
                errors.push(at(
                    &files[here.file],
                    offset,
                    format!(
                        "term `{term}` is `{}` here but `{}` in {other}; a term has one severity",
                        spec.severity, specs[sj].severity
                    ),
                ));
            } else {
                warnings.push(at(
                    &files[here.file],
                    offset,
                    format!("term `{term}` is also in {other}; one of them is redundant"),
                ));
            }
        }
    }
}

fn locate(files: &[SourceFile], origins: &[Origin], e: BuildError) -> RuleError {
    let Some(o) = origins.get(e.rule) else {
        return RuleError {
            file: files.first().map_or_else(String::new, |f| f.name.clone()),
            line: 0,
            column: 0,
            message: e.message,
        };
    };
    let span = match e.site {
        Site::Rule => Some(o.id.clone()),
        Site::Term(i) => o.terms.get(i).cloned(),
        Site::Exception(i) => o.exceptions.get(i).cloned(),
        Site::Keyword(i) => o.keywords.get(i).cloned(),
        Site::Pattern => o.pattern.clone(),
        Site::Context(i) => o.contexts.get(i).cloned(),
    }
    .unwrap_or_else(|| o.rule.clone());
    at(&files[o.file], span.start, e.message)
}

fn rule_spec(
    file: &SourceFile,
    category: Category,
    r: &RuleDef,
    sets: &HashMap<String, Vec<String>>,
) -> Result<RuleSpec, Vec<RuleError>> {
    let mut errors = Vec::new();
    let id = r.id.get_ref().trim().to_string();
    if id.is_empty() {
        errors.push(at(file, r.id.span().start, "rule id is empty"));
    }
    let severity = Severity::parse(r.severity.get_ref()).unwrap_or_else(|| {
        errors.push(at(
            file,
            r.severity.span().start,
            format!(
                "unknown severity `{}` (expected `hold` or `warn`)",
                r.severity.get_ref()
            ),
        ));
        Severity::Warn
    });
    let kinds = usize::from(!r.terms.is_empty())
        + usize::from(r.pattern.is_some())
        + usize::from(r.detector.is_some())
        + usize::from(r.value.is_some() || !r.labels.is_empty());
    if kinds != 1 {
        errors.push(at(
            file,
            r.id.span().start,
            format!("rule `{id}` needs exactly one of `terms`, `pattern`, `detector` or `labels` with `value`"),
        ));
    }
    let strings = |v: &[Spanned<String>]| v.iter().map(|s| s.get_ref().clone()).collect::<Vec<_>>();
    let matcher = if r.value.is_some() || !r.labels.is_empty() {
        match &r.value {
            Some(v) if !r.labels.is_empty() => Matcher::Field {
                labels: strings(&r.labels),
                value: v.get_ref().clone(),
            },
            _ => {
                errors.push(at(
                    file,
                    r.id.span().start,
                    "a field rule needs both `labels` and `value`",
                ));
                Matcher::Terms(Vec::new())
            }
        }
    } else if let Some(p) = &r.pattern {
        Matcher::Pattern {
            pattern: p.get_ref().clone(),
            keywords: strings(&r.keywords),
        }
    } else if let Some(d) = &r.detector {
        match DetectorKind::parse(d.get_ref()) {
            Some(kind) => Matcher::Detector {
                kind,
                keywords: strings(&r.keywords),
                allow: r.allow.clone(),
            },
            None => {
                let names: Vec<&str> = DetectorKind::ALL.iter().map(|k| k.as_str()).collect();
                errors.push(at(
                    file,
                    d.span().start,
                    format!(
                        "unknown detector `{}` (expected one of: {})",
                        d.get_ref(),
                        names.join(", ")
                    ),
                ));
                Matcher::Terms(Vec::new())
            }
        }
    } else {
        if !r.keywords.is_empty() {
            errors.push(at(
                file,
                r.keywords[0].span().start,
                "`keywords` only apply to pattern and detector rules",
            ));
        }
        Matcher::Terms(strings(&r.terms))
    };
    let scope = match r.scope.as_ref().map(|s| s.get_ref().as_str()) {
        None | Some("anywhere") => Scope::Anywhere,
        Some("title") => Scope::Title,
        Some("head") => Scope::Head,
        Some(other) => {
            errors.push(at(
                file,
                r.scope.as_ref().map_or(0, |s| s.span().start),
                format!("unknown scope `{other}` (expected anywhere, title or head)"),
            ));
            Scope::Anywhere
        }
    };
    let mut contexts = Vec::new();
    for c in &r.context {
        let pos = c.span().start;
        let c = c.get_ref();
        let mut words = Vec::new();
        for w in &c.words {
            if let Some(name) = w.strip_prefix('@') {
                match sets.get(name) {
                    Some(ws) => words.extend(ws.iter().cloned()),
                    None => errors.push(at(file, pos, format!("unknown word set `@{name}`"))),
                }
            } else {
                words.push(w.clone());
            }
        }
        let mut markers = Vec::new();
        for m in &c.markers {
            match m.as_str() {
                "person" => markers.push(Marker::Person),
                "identifier" => markers.push(Marker::Identifier),
                other => errors.push(at(
                    file,
                    pos,
                    format!("unknown marker `{other}` (expected person or identifier)"),
                )),
            }
        }
        let window = match (&c.within, c.before) {
            (Some(_), Some(_)) => {
                errors.push(at(
                    file,
                    pos,
                    "a context has either `within` or `before`, not both",
                ));
                Window::Line
            }
            (None, Some(n)) if n > 0 => Window::Before(n as usize),
            (None, Some(_)) => {
                errors.push(at(
                    file,
                    pos,
                    "`before` must be a positive number of characters",
                ));
                Window::Line
            }
            (None, None) => {
                errors.push(at(file, pos, "a context needs `within` (characters, sentence, line, title or document) or `before`"));
                Window::Line
            }
            (Some(toml::Value::Integer(n)), None) if *n > 0 => Window::Chars(*n as usize),
            (Some(toml::Value::String(s)), None) => match s.as_str() {
                "sentence" => Window::Sentence,
                "line" => Window::Line,
                "title" => Window::Title,
                "document" => Window::Document,
                "column" => Window::Column,
                other => {
                    errors.push(at(file, pos, format!("unknown window `{other}` (expected a number of characters, sentence, line, column, title or document)")));
                    Window::Line
                }
            },
            (Some(v), None) => {
                errors.push(at(file, pos, format!("invalid `within` value {v}")));
                Window::Line
            }
        };
        let action = match c.severity.as_str() {
            "drop" => Action::Drop,
            s => match Severity::parse(s) {
                Some(sev) => Action::Set(sev),
                None => {
                    errors.push(at(
                        file,
                        pos,
                        format!("unknown context severity `{s}` (expected hold, warn or drop)"),
                    ));
                    Action::Drop
                }
            },
        };
        contexts.push(ContextSpec {
            words,
            markers,
            window,
            action,
            note: c.note.clone(),
        });
    }
    let mention = match &r.mention {
        None => None,
        Some(m) if m.get_ref() == "drop" => Some(Action::Drop),
        Some(m) => match Severity::parse(m.get_ref()) {
            Some(sev) => Some(Action::Set(sev)),
            None => {
                errors.push(at(
                    file,
                    m.span().start,
                    format!(
                        "unknown `mention` severity `{}` (expected warn or drop)",
                        m.get_ref()
                    ),
                ));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(RuleSpec {
        id,
        name: one_line(&r.name),
        category,
        severity,
        description: r.description.clone(),
        matcher,
        exceptions: strings(&r.exceptions),
        scope,
        whole_line: r.whole_line,
        contexts,
        mention,
    })
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The embedded default rule set, compiled. Panics only if the shipped rules are broken, which
/// the test suite rules out.
pub fn default_ruleset(today: u32) -> RuleSet {
    match compile(&embedded_sources(), today) {
        Ok(rs) => rs,
        Err(errs) => {
            let msgs: Vec<String> = errs.iter().map(ToString::to_string).collect();
            panic!("the embedded rule set is invalid:\n{}", msgs.join("\n"))
        }
    }
}

/// A rule example that did not behave.
#[derive(Clone, Debug)]
pub struct ExampleFailure {
    pub rule: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub expected: &'static str,
    pub example: String,
    pub got: String,
}

impl fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: rule `{}`: expected {} for example {:?}, got {}",
            self.file, self.line, self.column, self.rule, self.expected, self.example, self.got
        )
    }
}

/// Runs every rule's examples through the whole engine.
pub fn run_examples(rs: &RuleSet) -> (usize, Vec<ExampleFailure>) {
    let mut failures = Vec::new();
    let mut count = 0;
    for ex in &rs.examples {
        let cases = ex
            .hold
            .iter()
            .map(|e| ("hold", e))
            .chain(ex.warn.iter().map(|e| ("warn", e)))
            .chain(ex.none.iter().map(|e| ("none", e)));
        for (expected, example) in cases {
            count += 1;
            // A rule's own findings, before another rule's finding around them absorbs them.
            let findings = rs.engine.scan_each_rule(example);
            let mine: Vec<_> = findings.iter().filter(|f| f.rule == ex.rule).collect();
            let ok = match expected {
                "hold" => mine.iter().any(|f| f.severity == Severity::Hold),
                "warn" => {
                    mine.iter().any(|f| f.severity == Severity::Warn)
                        && !mine.iter().any(|f| f.severity == Severity::Hold)
                }
                _ => mine.is_empty(),
            };
            if !ok {
                let got = if mine.is_empty() {
                    "no finding of this rule".to_string()
                } else {
                    mine.iter()
                        .map(|f| format!("{} at {}..{} ({})", f.severity, f.start, f.end, f.reason))
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                failures.push(ExampleFailure {
                    rule: ex.rule.clone(),
                    file: ex.file.clone(),
                    line: ex.line,
                    column: ex.column,
                    expected,
                    example: example.clone(),
                    got,
                });
            }
        }
    }
    (count, failures)
}
