//! `baomi scan --baseline FILE`: the findings of an earlier audit, so that the next one shows
//! what is new, what is still unfixed and what was fixed.
//!
//! A finding is known by its fingerprint: the rule, a digest of the matched value (folded:
//! full-width, spaces and zero-width characters do not count) and which occurrence of that
//! rule and value it is in its file. Nothing depends on the file's hash, its path or the
//! line: an edit elsewhere in the file or a page moved to another path leaves its findings
//! unchanged. The baseline is a multiset across the whole audit, so a value found in two
//! files is two findings, and a page moved is matched wherever it now is.
//!
//! The digest is an HMAC-SHA256 under a key kept outside the baseline (`--baseline-key`, by
//! default `~/.config/baomi/baseline.key`, made on first use): a plain hash of an 18-digit ID
//! or an 11-digit mobile is reversed by trying every value, and the baseline file is meant
//! to be kept and shared. The baseline records which key made it (a digest of the key, not
//! the key) and refuses another.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::{Category, Finding, Severity};

const FORMAT: &str = "baomi-baseline/1";

/// Where a finding stands against the baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum State {
    New,
    Unchanged,
}

impl State {
    /// The SARIF `baselineState`.
    pub(super) fn sarif(self) -> &'static str {
        match self {
            State::New => "new",
            State::Unchanged => "unchanged",
        }
    }

    pub(super) fn zh(self) -> &'static str {
        match self {
            State::New => "新增",
            State::Unchanged => "未改",
        }
    }
}

/// One finding of the baseline: its fingerprint, and where it was (to report it fixed).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) fingerprint: String,
    pub(crate) rule: String,
    #[serde(default)]
    pub(crate) rule_name: String,
    pub(crate) category: Category,
    pub(crate) severity: Severity,
    pub(crate) path: String,
    pub(crate) line: usize,
    /// The day (`YYYY-MM-DD`, China time) an audit first saw it; kept while it stays unfixed.
    #[serde(default)]
    pub(crate) first_seen: String,
}

impl Entry {
    /// The rule's name, or its id when it has none.
    pub(crate) fn rule_label(&self) -> &str {
        if self.rule_name.is_empty() {
            &self.rule
        } else {
            &self.rule_name
        }
    }
}

#[derive(Serialize, Deserialize)]
struct File {
    format: String,
    key_id: String,
    ruleset: String,
    created: String,
    findings: Vec<Entry>,
}

pub(super) struct Baseline {
    file: PathBuf,
    key: Vec<u8>,
    key_id: String,
    /// Known findings not yet seen in this audit, by fingerprint.
    /// (Per fingerprint, by path: a value found on every page of a site is one fingerprint
    /// with thousands of paths, and each is taken in O(log n).) The entries' own
    /// `fingerprint` and `path` are moved into the keys, left empty.
    known: HashMap<String, BTreeMap<String, Vec<Entry>>>,
    /// Whether this audit's findings are kept to be written as the baseline (a new baseline,
    /// or `--update-baseline`): a re-audit that only compares keeps nothing.
    keep_seen: bool,
    /// The baseline file existed: without it every finding is new and it is written.
    existed: bool,
    /// Every finding of this audit, for writing the baseline.
    seen: Vec<Entry>,
    /// Files this audit could not read: their known findings are not "fixed".
    unread: std::collections::HashSet<String>,
    /// Today in China, `YYYY-MM-DD`.
    today: String,
}

/// The default key file: `$XDG_CONFIG_HOME/baomi/baseline.key`, else
/// `$HOME/.config/baomi/baseline.key`.
fn default_key_file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("baomi").join("baseline.key"))
}

/// Reads the key (64 hex digits), or makes one (32 random bytes, readable by the owner only)
/// when `make` and the file does not exist.
fn load_key(path: &Path, make: bool) -> Result<Vec<u8>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let t = text.trim();
            let key = (t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| {
                    (0..32)
                        .map(|i| u8::from_str_radix(&t[2 * i..2 * i + 2], 16).ok())
                        .collect::<Option<Vec<u8>>>()
                })
                .flatten();
            key.ok_or_else(|| {
                format!(
                    "the baseline key {} is not 64 hexadecimal digits",
                    path.display()
                )
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && make => {
            let mut key = vec![0u8; 32];
            getrandom::getrandom(&mut key)
                .map_err(|e| format!("cannot make a baseline key: {e}"))?;
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| {
                    format!(
                        "cannot make the directory of the key {}: {e}",
                        path.display()
                    )
                })?;
            }
            let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut f = options
                .open(path)
                .map_err(|e| format!("cannot write the baseline key {}: {e}", path.display()))?;
            writeln!(f, "{hex}")
                .and_then(|()| f.sync_all())
                .map_err(|e| format!("cannot write the baseline key {}: {e}", path.display()))?;
            // A full or closed standard error (a service's log disk) must not stop the start.
            let _ = writeln!(
                std::io::stderr(),
                "baomi: made a new key for value digests {} — keep it (outside any baseline): later audits and the suppressions naming values need it",
                path.display()
            );
            Ok(key)
        }
        Err(e) => Err(format!(
            "cannot read the baseline key {}: {e}",
            path.display()
        )),
    }
}

use crate::suppress::{mac, normal_value};

/// The deployment's key for value digests (baselines and suppressions): `key_file`, or the
/// default one (made on first use when `make`).
pub(super) fn key(key_file: Option<&Path>, make: bool) -> Result<Vec<u8>, String> {
    match key_file {
        Some(p) => load_key(p, false),
        None => {
            let p = default_key_file()
                .ok_or("no home directory for the default key: give --baseline-key FILE")?;
            load_key(&p, make)
        }
    }
}

/// The key in `path`, made (readable by the owner only) when the file does not exist.
pub(super) fn key_or_make(path: &Path) -> Result<Vec<u8>, String> {
    load_key(path, true)
}

/// The key a baseline's digests are made with, read (or made, for a new baseline with the
/// default key file) before the baseline itself.
#[derive(Clone)]
pub(super) struct BaselineKey {
    pub(super) key: Vec<u8>,
    path: PathBuf,
    existed: bool,
}

impl BaselineKey {
    pub(super) fn of(file: &Path, key_file: Option<&Path>) -> Result<BaselineKey, String> {
        let (path, make) = match key_file {
            Some(p) => (p.to_path_buf(), false),
            None => (
                default_key_file().ok_or(
                    "no baseline key: give --baseline-key FILE (neither XDG_CONFIG_HOME nor HOME is set)",
                )?,
                true,
            ),
        };
        let existed = file.exists();
        let key = load_key(&path, make && !existed)?;
        Ok(BaselineKey { key, path, existed })
    }
}

/// The fingerprint of each of a file's findings, in order: the rule, the digest of the value
/// and which occurrence of that rule and value it is in the file. Computed by the scan's
/// workers, where the baseline's key is known.
pub(super) fn fingerprints_of(key: &[u8], findings: &[Finding]) -> Vec<String> {
    let mut occurrence: HashMap<(&str, String), usize> = HashMap::new();
    findings
        .iter()
        .map(|f| {
            let value = normal_value(&f.text);
            let n = occurrence
                .entry((f.rule.as_str(), value.clone()))
                .or_default();
            *n += 1;
            mac(
                key,
                &[
                    f.rule.as_bytes(),
                    value.as_bytes(),
                    &(*n as u64).to_le_bytes(),
                ],
            )
        })
        .collect()
}

/// The name of a key, kept in the baselines (and cached fingerprints) made with it.
pub(super) fn key_id(key: &[u8]) -> String {
    mac(key, &[b"baomi baseline key id"])
}

impl Baseline {
    /// Opens the baseline `file` (which need not exist yet) with the key in `key_file` (or the
    /// default one, made if missing).
    #[cfg(test)]
    fn open(file: &Path, key_file: Option<&Path>) -> Result<Baseline, String> {
        let key = BaselineKey::of(file, key_file)?;
        Self::read(file, key, true)
    }

    /// Reads the baseline `file` made with `key` (see [`BaselineKey::of`]): the slow part of
    /// opening a baseline, megabytes of JSON for a large site.
    pub(super) fn read(file: &Path, key: BaselineKey, update: bool) -> Result<Baseline, String> {
        let BaselineKey {
            key,
            path: key_path,
            existed,
        } = key;
        let key_id = key_id(&key);
        let mut known: HashMap<String, BTreeMap<String, Vec<Entry>>> = HashMap::new();
        if existed {
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("cannot read the baseline {}: {e}", file.display()))?;
            let f: File = serde_json::from_str(&text).map_err(|e| {
                format!(
                    "{}:{}:{}: not a baomi baseline: {e}",
                    file.display(),
                    e.line(),
                    e.column()
                )
            })?;
            if f.format != FORMAT {
                return Err(format!(
                    "{}: format {:?}, expected {FORMAT:?}",
                    file.display(),
                    f.format
                ));
            }
            if f.key_id != key_id {
                return Err(format!(
                    "{}: the baseline was made with another key than {} — its fingerprints cannot be compared",
                    file.display(),
                    key_path.display()
                ));
            }
            known.reserve(f.findings.len());
            for mut e in f.findings {
                let fingerprint = std::mem::take(&mut e.fingerprint);
                let path = std::mem::take(&mut e.path);
                known
                    .entry(fingerprint)
                    .or_default()
                    .entry(path)
                    .or_default()
                    .push(e);
            }
        }
        Ok(Baseline {
            file: file.to_path_buf(),
            key,
            key_id,
            known,
            keep_seen: !existed || update,
            existed,
            seen: Vec::new(),
            unread: Default::default(),
            today: crate::calendar::today_in_china().to_string(),
        })
    }

    pub(super) fn existed(&self) -> bool {
        self.existed
    }

    /// The state of each of a file's findings, in order, and the day the oldest unchanged one
    /// was first seen; a known finding is taken out of the baseline, so that what remains at
    /// the end was fixed.
    pub(super) fn classify(
        &mut self,
        path: &str,
        findings: &[Finding],
        fingerprints: &[String],
    ) -> (Vec<State>, Option<String>) {
        let computed;
        let fingerprints = if fingerprints.len() == findings.len() {
            fingerprints
        } else {
            computed = fingerprints_of(&self.key, findings);
            &computed
        };
        let mut oldest: Option<String> = None;
        let states = findings
            .iter()
            .zip(fingerprints)
            .map(|(f, fingerprint)| {
                let fingerprint = fingerprint.clone();
                // What no one could read (a document past the finding cap, a file too large) is
                // new every time: what it hides may be new.
                let known = if f.category == Category::Unreadable {
                    None
                } else {
                    self.take(&fingerprint, path)
                };
                let (state, first_seen) = match known {
                    Some(known) if !known.first_seen.is_empty() => {
                        (State::Unchanged, known.first_seen)
                    }
                    Some(_) => (State::Unchanged, self.today.clone()),
                    None => (State::New, self.today.clone()),
                };
                if state == State::Unchanged
                    && oldest.as_deref().is_none_or(|o| first_seen.as_str() < o)
                {
                    oldest = Some(first_seen.clone());
                }
                if !self.keep_seen {
                    return state;
                }
                self.seen.push(Entry {
                    fingerprint,
                    rule: f.rule.clone(),
                    rule_name: f.rule_name.clone(),
                    category: f.category,
                    severity: f.severity,
                    path: path.to_string(),
                    line: f.line,
                    first_seen,
                });
                state
            })
            .collect();
        (states, oldest)
    }

    /// A known finding with this fingerprint, taken out of the baseline: the one at `path` if
    /// there is one (so that a value on two pages, one of them fixed, is fixed on the right
    /// page), else any (the page moved).
    fn take(&mut self, fingerprint: &str, path: &str) -> Option<Entry> {
        let by_path = self.known.get_mut(fingerprint)?;
        if let Some(here) = by_path.get_mut(path) {
            let e = here.pop();
            if here.is_empty() {
                by_path.remove(path);
            }
            return e;
        }
        let mut slot = by_path.last_entry()?;
        let e = slot.get_mut().pop();
        if slot.get().is_empty() {
            slot.remove();
        }
        e
    }

    /// A file or directory this audit could not read.
    pub(super) fn unread(&mut self, path: &str) {
        self.unread.insert(path.to_string());
    }

    /// The known findings this audit did not see, except in files it could not read: fixed,
    /// in path and line order.
    pub(super) fn fixed(&self) -> Vec<Entry> {
        let mut v: Vec<Entry> = self
            .known
            .iter()
            .flat_map(|(fingerprint, by_path)| {
                by_path.iter().flat_map(move |(path, entries)| {
                    entries.iter().map(move |e| Entry {
                        fingerprint: fingerprint.clone(),
                        path: path.clone(),
                        ..e.clone()
                    })
                })
            })
            .filter(|e| {
                !self.unread.iter().any(|u| {
                    e.path == *u
                        || e.path
                            .strip_prefix(u.as_str())
                            .is_some_and(|rest| rest.starts_with('/'))
                })
            })
            .collect();
        v.sort_by(|a, b| (&a.path, a.line, &a.rule).cmp(&(&b.path, b.line, &b.rule)));
        v
    }

    /// Writes this audit's findings as the baseline, replacing the file atomically.
    pub(super) fn write(&self, ruleset: &str) -> Result<usize, String> {
        if !self.keep_seen {
            return Err(format!(
                "the baseline {} was opened to compare only; it cannot be written",
                self.file.display()
            ));
        }
        let f = File {
            format: FORMAT.to_string(),
            key_id: self.key_id.clone(),
            ruleset: ruleset.to_string(),
            created: crate::timestamp(),
            findings: self.seen.clone(),
        };
        let json = serde_json::to_vec_pretty(&f).map_err(|e| e.to_string())?;
        let tmp = self.file.with_extension("baomi-tmp");
        let fail =
            |e: std::io::Error| format!("cannot write the baseline {}: {e}", self.file.display());
        let mut out = std::fs::File::create(&tmp).map_err(fail)?;
        out.write_all(&json)
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| out.sync_all())
            .map_err(fail)?;
        std::fs::rename(&tmp, &self.file).map_err(fail)?;
        Ok(self.seen.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &str, text: &str) -> Finding {
        Finding {
            category: Category::PersonalPrivacy,
            rule: rule.into(),
            rule_name: String::new(),
            severity: Severity::Hold,
            start: 0,
            end: text.len(),
            line: 1,
            column: 1,
            text: text.into(),
            reason: String::new(),
            also: Vec::new(),
            location: crate::engine::Location::Body,
            place: Default::default(),
        }
    }

    #[test]
    fn fingerprints_are_keyed_and_see_through_width_and_spaces() {
        let a = mac(
            b"key one",
            &[b"mobile", normal_value("13912345678").as_bytes()],
        );
        let b = mac(
            b"key one",
            &[
                b"mobile",
                normal_value("１３９ １２３４ ５６７８").as_bytes(),
            ],
        );
        let c = mac(
            b"key two",
            &[b"mobile", normal_value("13912345678").as_bytes()],
        );
        assert_eq!(a, b);
        assert_ne!(a, c);
        // Length-prefixed parts: moving a byte from one part to the next changes the digest.
        assert_ne!(mac(b"k", &[b"ab", b"c"]), mac(b"k", &[b"a", b"bc"]));
    }

    #[test]
    fn the_same_value_twice_is_two_findings() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = dir.path().join("k");
        std::fs::write(&key, "ab".repeat(32)).expect("write key");
        let file = dir.path().join("b.json");
        let mut first = Baseline::open(&file, Some(&key)).expect("open");
        let twice = [
            finding("mobile", "13912345678"),
            finding("mobile", "13912345678"),
        ];
        assert_eq!(
            first.classify("a.txt", &twice, &[]).0,
            vec![State::New, State::New]
        );
        first.write("rs").expect("write");
        let mut second = Baseline::open(&file, Some(&key)).expect("reopen");
        // Moved to another path, and one of the two fixed.
        let (states, oldest) = second.classify("b.txt", &twice[..1], &[]);
        assert_eq!(states, vec![State::Unchanged]);
        assert_eq!(oldest.map(|d| d.len()), Some(10));
        assert_eq!(second.fixed().len(), 1);
        // Another key is refused.
        std::fs::write(&key, "cd".repeat(32)).expect("write key");
        let e = Baseline::open(&file, Some(&key)).err().expect("refused");
        assert!(e.contains("another key"), "{e}");
        // The file holds no value, only digests.
        let text = std::fs::read_to_string(&file).expect("read");
        assert!(!text.contains("13912345678"), "{text}");
    }
}
