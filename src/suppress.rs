//! Scoped suppressions: known false alarms kept quiet without hiding real leaks.
//!
//! A suppression file (`rules/suppressions.toml`, or one given with `--suppressions`) lists
//! entries, each naming what it covers — a rule, a keyed digest of the matched value, a path glob,
//! a document's SHA-256, never "everything" — with a required reason, who added it and an expiry
//! date. A finding an active entry covers still shows, marked suppressed with the entry's reason,
//! and no longer decides: a document whose hold findings are all suppressed approves. An expired
//! entry stops applying and is reported.
//!
//! Entries that would hide the worst leaks everywhere are refused when the file is read: one
//! that covers a classification mark (a `state_secret` rule) or a full resident ID, or names no
//! rule at all, must be narrowed to a path or a document.
//!
//! Value digests are HMAC-SHA256 under the deployment's key (the key of baselines): a plain hash
//! of an 18-digit ID or an 11-digit mobile is reversed by trying every value, and the file is
//! meant to be kept in version control.
//!
//! Pure: text in, entries out; matching takes the finding, its document's path and hash.

use std::fmt;

use globset::{Glob, GlobMatcher};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use toml::Spanned;

use crate::calendar::Day;
use crate::engine::{Category, Finding, Matcher};
use crate::engine::{DetectorKind, Engine};

/// The file name a rules directory keeps its suppressions in; the rules loader skips it.
pub const FILE_NAME: &str = crate::rules::SUPPRESSIONS_FILE;

/// The prefix of a value digest in a suppression file.
pub const VALUE_PREFIX: &str = "hmac-sha256:";
/// The prefix of a document's SHA-256 in a suppression file.
pub const CONTENT_PREFIX: &str = "sha256:";

/// HMAC-SHA256 of length-prefixed parts under `key`, the first 16 bytes in hex.
pub fn mac(key: &[u8], parts: &[&[u8]]) -> String {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        m.update(&(p.len() as u64).to_le_bytes());
        m.update(p);
    }
    crate::hex(&m.finalize().into_bytes()[..16])
}

/// A finding's matched value as the engine reads it: folded, without whitespace.
pub fn normal_value(text: &str) -> String {
    crate::engine::fold(text)
        .text()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The digest a suppression names a value by: `hmac-sha256:` and 32 hex digits.
pub fn value_digest(key: &[u8], value: &str) -> String {
    format!(
        "{VALUE_PREFIX}{}",
        mac(
            key,
            &[b"baomi-suppression-value", normal_value(value).as_bytes()]
        )
    )
}

/// One entry, as read.
#[derive(Clone, Debug)]
pub struct Entry {
    /// `id` as given, else `第N条` by its place in the file.
    pub id: String,
    pub rule: Option<String>,
    pub value: Option<String>,
    pub path: Option<String>,
    glob: Option<GlobMatcher>,
    pub content: Option<String>,
    pub reason: String,
    pub added_by: String,
    pub expires: Day,
    /// 1-based line of the entry in its file.
    pub line: usize,
}

impl Entry {
    /// Checks an entry's `fields` against the rules of `engine` (named `id`, at `line` of its
    /// file, 0 when it has none): every problem, in words that say what to write instead.
    pub fn check(
        d: Fields,
        id: String,
        line: usize,
        engine: &Engine,
    ) -> Result<Entry, Vec<String>> {
        let mut errors = Vec::new();
        let mut bad = |m: String| errors.push(m);
        let mut missing = Vec::new();
        let reason = required_field(&d.reason, "reason", &mut missing);
        let added_by = required_field(&d.added_by, "added_by", &mut missing);
        let expires_text = required_field(&d.expires, "expires", &mut missing);
        for m in &missing {
            bad(format!(
                "`{m}` is required (every suppression says why, who added it and until when)"
            ));
        }
        let expires = expires_text.as_deref().and_then(|e| {
            let day = Day::parse(e);
            if day.is_none() {
                bad(format!("`expires`: {e:?} is not a date written YYYY-MM-DD"));
            }
            day
        });
        if let Some(r) = &d.rule {
            if !engine.rules().any(|x| x.id == *r) {
                bad(format!("`rule`: no rule {r:?} in the rule set"));
            }
        }
        if let Some(v) = &d.value {
            let hex = v.strip_prefix(VALUE_PREFIX).unwrap_or("");
            if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                bad(format!(
                    "`value`: a value is named by its digest, `{VALUE_PREFIX}` and 32 hexadecimal digits (`baomi rules digest VALUE` prints it), never written out"
                ));
            }
        }
        if let Some(c) = &d.content {
            let hex = c.strip_prefix(CONTENT_PREFIX).unwrap_or("");
            if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                bad(format!(
                    "`content`: a document is named by `{CONTENT_PREFIX}` and the 64 hexadecimal digits of its SHA-256"
                ));
            }
        }
        let glob = match &d.path {
            Some(p) => match Glob::new(p) {
                Ok(g) => Some(g.compile_matcher()),
                Err(e) => {
                    bad(format!("`path`: {p:?} is not a glob: {e}"));
                    None
                }
            },
            None => None,
        };
        let scoped = d.path.is_some() || d.content.is_some();
        if d.rule.is_none() && d.value.is_none() && !scoped {
            bad("covers everything: name a rule, a value digest, a path or a document".into());
        } else if !scoped {
            match &d.rule {
                None => bad(
                    "a value suppressed everywhere must name its rule: a value digest alone could hide a full ID or a classification mark on every page; add `rule`, or narrow it with `path` or `content`"
                        .into(),
                ),
                Some(r) if too_grave(engine, r) => bad(format!(
                    "would suppress {r} (a classification mark or a full resident ID) everywhere: narrow it with `path` or `content`"
                )),
                Some(_) => {}
            }
        }
        match (reason, added_by, expires) {
            (Some(reason), Some(added_by), Some(expires)) if errors.is_empty() => Ok(Entry {
                id,
                rule: d.rule,
                value: d.value.map(|v| v.to_ascii_lowercase()),
                path: d.path,
                glob,
                content: d.content.map(|c| c.to_ascii_lowercase()),
                reason,
                added_by,
                expires,
                line,
            }),
            _ => Err(errors),
        }
    }

    /// The entry's fields, as a file or a proposal writes them.
    pub fn fields(&self) -> Fields {
        Fields {
            id: Some(self.id.clone()),
            rule: self.rule.clone(),
            value: self.value.clone(),
            path: self.path.clone(),
            content: self.content.clone(),
            reason: Some(self.reason.clone()),
            added_by: Some(self.added_by.clone()),
            expires: Some(self.expires.to_string()),
        }
    }

    /// Whether the entry is in force on `today` (its expiry day included).
    pub fn active(&self, today: Day) -> bool {
        today <= self.expires
    }

    /// Whether the entry covers `f`, found in the document at `path` (relative, `/`-separated)
    /// with SHA-256 `sha256`; `digest` gives a value's digest.
    pub fn covers(
        &self,
        f: &Finding,
        path: Option<&str>,
        sha256: Option<&str>,
        digest: &dyn Fn(&str) -> String,
    ) -> bool {
        if self.rule.as_deref().is_some_and(|r| r != f.rule) {
            return false;
        }
        if let Some(g) = &self.glob {
            if !path.is_some_and(|p| g.is_match(p)) {
                return false;
            }
        }
        if let Some(c) = &self.content {
            if !sha256.is_some_and(|s| c[CONTENT_PREFIX.len()..].eq_ignore_ascii_case(s)) {
                return false;
            }
        }
        if let Some(v) = &self.value {
            if *v != digest(&f.text) {
                return false;
            }
        }
        // What no one could read is never suppressed: what it hides may be anything.
        f.category != Category::Unreadable
    }
}

/// What an applied suppression tells of a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub id: String,
    pub reason: String,
    pub added_by: String,
    pub expires: String,
}

impl From<&Entry> for Mark {
    fn from(e: &Entry) -> Mark {
        Mark {
            id: e.id.clone(),
            reason: e.reason.clone(),
            added_by: e.added_by.clone(),
            expires: e.expires.to_string(),
        }
    }
}

/// A suppression file, read and checked.
#[derive(Clone, Debug, Default)]
pub struct Suppressions {
    /// Where it was read from.
    pub source: String,
    pub entries: Vec<Entry>,
    /// The rules whose findings no unscoped entry may hide (see [`grave_rules`]): a finding
    /// that another rule found too (`also`: a full ID merged into the table row around it)
    /// is as grave as its gravest rule.
    pub grave: Vec<String>,
}

/// The rules of `engine` whose findings no suppression may hide everywhere: classification
/// marks and full resident IDs.
pub fn grave_rules(engine: &Engine) -> Vec<String> {
    engine
        .rules()
        .filter(|r| too_grave(engine, &r.id))
        .map(|r| r.id.clone())
        .collect()
}

/// A problem in a suppression file, with its place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuppressionError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for SuppressionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDef {
    #[serde(default)]
    suppression: Vec<Spanned<Fields>>,
}

/// An entry's fields as written (in a file, or proposed to the service), before they are
/// checked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Whether a rule holds what no suppression may hide everywhere: a classification mark or a
/// full resident ID.
fn too_grave(engine: &Engine, rule: &str) -> bool {
    engine.rules().any(|r| {
        r.id == rule
            && (r.category == Category::StateSecret
                || matches!(
                    &r.matcher,
                    Matcher::Detector {
                        kind: DetectorKind::ResidentId,
                        ..
                    }
                ))
    })
}

impl Suppressions {
    /// Reads a suppression file's `text` (from `source`) and checks every entry against the
    /// rules of `engine`. Every problem is reported, each with its line.
    pub fn parse(text: &str, source: &str, engine: &Engine) -> Result<Self, Vec<SuppressionError>> {
        let err = |line: usize, message: String| SuppressionError {
            file: source.to_string(),
            line,
            message,
        };
        let def: FileDef = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| line_of(text, s.start));
            vec![err(line, e.message().to_string())]
        })?;
        let mut errors = Vec::new();
        let mut entries = Vec::new();
        let mut ids = std::collections::HashSet::new();
        for (i, spanned) in def.suppression.into_iter().enumerate() {
            let line = line_of(text, spanned.span().start);
            let d = spanned.into_inner();
            let id = d.id.clone().unwrap_or_else(|| format!("第{}条", i + 1));
            if !ids.insert(id.clone()) {
                errors.push(err(line, format!("the id {id} is used twice")));
            }
            match Entry::check(d, id, line, engine) {
                Ok(e) => entries.push(e),
                Err(ms) => errors.extend(ms.into_iter().map(|m| err(line, m))),
            }
        }
        if errors.is_empty() {
            Ok(Suppressions {
                source: source.to_string(),
                entries,
                grave: grave_rules(engine),
            })
        } else {
            Err(errors)
        }
    }

    /// The entries in force on `today`.
    pub fn active(&self, today: Day) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |e| e.active(today))
    }

    /// The entries expired on `today`.
    pub fn expired(&self, today: Day) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |e| !e.active(today))
    }

    /// A name for the entries in force on `today`, `s-` and 12 hex digits, that changes
    /// whenever one of them does (one is added, revoked or expires); `None` when none is.
    pub fn set_id(&self, today: Day) -> Option<String> {
        use sha2::Digest;
        let mut h = Sha256::new();
        let mut any = false;
        for e in self.active(today) {
            any = true;
            let text = serde_json::to_string(&e.fields()).unwrap_or_default();
            h.update((text.len() as u64).to_le_bytes());
            h.update(text.as_bytes());
        }
        any.then(|| format!("s-{}", crate::hex(&h.finalize()[..6])))
    }

    /// The entries as a suppression file (`baomi scan --suppressions` reads it).
    pub fn to_toml(&self, header: &str) -> String {
        #[derive(Serialize)]
        struct Out<'a> {
            suppression: &'a [Fields],
        }
        let fields: Vec<Fields> = self.entries.iter().map(Entry::fields).collect();
        let body = toml::to_string(&Out {
            suppression: &fields,
        })
        .unwrap_or_default();
        let mut out = String::new();
        for l in header.lines() {
            out.push_str("# ");
            out.push_str(l);
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&body);
        out
    }

    /// Whether any entry in force needs the document's SHA-256.
    pub fn needs_hash(&self, today: Day) -> bool {
        self.active(today).any(|e| e.content.is_some())
    }

    /// The mark of each finding an entry in force on `today` covers, in order (`None` for the
    /// others).
    pub fn apply(
        &self,
        findings: &[Finding],
        path: Option<&str>,
        sha256: Option<&str>,
        key: &[u8],
        today: Day,
    ) -> Vec<Option<Mark>> {
        findings
            .iter()
            .map(|f| {
                // A finding's digest is made once, and only when an entry names a value.
                let made = std::cell::OnceCell::new();
                let digest = |v: &str| made.get_or_init(|| value_digest(key, v)).clone();
                let grave = std::iter::once(&f.rule)
                    .chain(&f.also)
                    .any(|r| self.grave.contains(r));
                self.active(today)
                    .filter(|e| !grave || e.path.is_some() || e.content.is_some())
                    .find(|e| e.covers(f, path, sha256, &digest))
                    .map(Mark::from)
            })
            .collect()
    }
}

fn required_field(v: &Option<String>, name: &str, missing: &mut Vec<String>) -> Option<String> {
    let got = v
        .as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    if got.is_none() {
        missing.push(name.to_string());
    }
    got
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> Engine {
        crate::rules::default_ruleset(20_000).engine
    }

    fn parse(text: &str) -> Result<Suppressions, Vec<SuppressionError>> {
        Suppressions::parse(text, "suppressions.toml", &engine())
    }

    #[test]
    fn an_entry_needs_a_reason_an_author_and_an_expiry() {
        let errs = parse("[[suppression]]\nrule = \"mobile\"\npath = \"a/**\"\n").unwrap_err();
        let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 3, "{text:?}");
        assert!(
            text.iter().all(|t| t.starts_with("suppressions.toml:1: ")),
            "{text:?}"
        );
        assert!(text[0].contains("`reason`"));
    }

    #[test]
    fn blanket_and_grave_entries_are_refused_with_their_line() {
        let text = "\
[[suppression]]
rule = \"resident_id\"
reason = \"r\"
added_by = \"王丽\"
expires = \"2027-01-01\"

[[suppression]]
value = \"hmac-sha256:0123456789abcdef0123456789abcdef\"
reason = \"r\"
added_by = \"王丽\"
expires = \"2027-01-01\"

[[suppression]]
reason = \"r\"
added_by = \"王丽\"
expires = \"2027-01-01\"

[[suppression]]
rule = \"no_such_rule\"
path = \"x\"
reason = \"r\"
added_by = \"王丽\"
expires = \"2027-13-01\"
";
        let errs = parse(text).unwrap_err();
        let lines: Vec<usize> = errs.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![1, 7, 13, 18, 18], "{errs:?}");
        assert!(errs[0].message.contains("everywhere"));
        assert!(errs[2].message.contains("covers everything"));
        // Narrowed to a path, the ID entry is accepted.
        let ok = parse(
            "[[suppression]]\nrule = \"resident_id\"\npath = \"公示/样例/**\"\nreason = \"样例号码\"\nadded_by = \"王丽\"\nexpires = \"2027-01-01\"\n",
        )
        .unwrap();
        assert_eq!(ok.entries[0].id, "第1条");
    }

    #[test]
    fn digests_are_keyed_and_see_through_width_and_spaces() {
        let a = value_digest(b"k1", "139 1234 5678");
        assert_eq!(a, value_digest(b"k1", "１３９１２３４５６７８"));
        assert_ne!(a, value_digest(b"k2", "13912345678"));
        assert!(a.starts_with(VALUE_PREFIX) && a.len() == VALUE_PREFIX.len() + 32);
    }
}

#[cfg(test)]
mod grave_tests {
    use super::*;
    use crate::engine::{Location, Place, Severity};

    fn finding(rule: &str, also: &[&str]) -> Finding {
        Finding {
            category: Category::PersonalPrivacy,
            rule: rule.into(),
            rule_name: String::new(),
            severity: Severity::Hold,
            start: 0,
            end: 11,
            line: 1,
            column: 1,
            text: "13912345678".into(),
            reason: String::new(),
            also: also.iter().map(|s| s.to_string()).collect(),
            location: Location::Body,
            place: Place::default(),
        }
    }

    /// A rule-wide entry quiets its rule's findings, but not one that merged a full ID found
    /// by another rule: that is narrowed to a path or a document, as for the ID's own rule.
    #[test]
    fn an_unscoped_entry_never_hides_a_finding_that_merged_a_grave_one() {
        let engine = crate::rules::default_ruleset(20_000).engine;
        let text = "[[suppression]]\nrule = \"mobile\"\nreason = \"r\"\nadded_by = \"王丽\"\nexpires = \"2099-01-01\"\n";
        let s = Suppressions::parse(text, "s.toml", &engine).unwrap();
        assert!(s.grave.iter().any(|r| r == "resident_id"), "{:?}", s.grave);
        let today = Day::parse("2026-12-04").unwrap();
        let plain = finding("mobile", &[]);
        let merged = finding("mobile", &["resident_id"]);
        let marks = s.apply(&[plain, merged.clone()], None, None, b"k", today);
        assert!(marks[0].is_some());
        assert!(marks[1].is_none(), "a merged full ID stays held");
        let scoped = Suppressions::parse(
            &text.replace("rule = \"mobile\"", "rule = \"mobile\"\npath = \"样例/**\""),
            "s.toml",
            &engine,
        )
        .unwrap();
        let marks = scoped.apply(&[merged], Some("样例/a.html"), None, b"k", today);
        assert!(marks[0].is_some(), "narrowed to a path, it applies");
    }
}
