//! The redaction policy: how much of each kind of personal data a published copy keeps.
//!
//! The defaults follow common Chinese practice for published lists (公示): a resident ID keeps
//! its first 6 and last 4 characters (`330106********0037`), a mobile its first 3 and last 4
//! (`138****0001`), a bank card its first 6 and last 4, a passport or permit number its first
//! 2; a home address is cut after its 街道/镇/乡; a person's name keeps its surname (`张**`, or
//! `张某某` with `name.mask = "某"`). An office changes them in a TOML file:
//!
//! ```toml
//! mask = "*"                 # the character that replaces a hidden one
//! [resident_id]
//! keep_start = 6
//! keep_end = 4
//! [mobile]
//! keep_start = 3
//! keep_end = 4
//! [address]
//! keep_through = ["街道", "镇", "乡"]
//! [name]
//! mask = "某"
//! ```

use serde::{Deserialize, Serialize};

/// How many characters of a number stay visible at each end.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Keep {
    pub keep_start: usize,
    pub keep_end: usize,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct AddressPolicy {
    /// The address is kept up to and including the first of these words (in this order of
    /// preference) and hidden after it; with none of them, only its first `fallback_keep`
    /// characters stay.
    pub keep_through: Vec<String>,
    pub fallback_keep: usize,
}

impl Default for AddressPolicy {
    fn default() -> Self {
        AddressPolicy {
            keep_through: vec!["街道".into(), "镇".into(), "乡".into()],
            fallback_keep: 3,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct NamePolicy {
    /// The character that replaces each character of the given name (`*` or `某`).
    pub mask: String,
    /// Whether names are masked at all (in records that carry a held identifier of the person).
    pub enabled: bool,
}

impl Default for NamePolicy {
    fn default() -> Self {
        NamePolicy {
            mask: "*".into(),
            enabled: true,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// The character that replaces each hidden character of a number or an address.
    pub mask: String,
    pub resident_id: Keep,
    pub mobile: Keep,
    pub bank_card: Keep,
    /// Passports, travel permits and other document numbers.
    pub passport: Keep,
    pub address: AddressPolicy,
    pub name: NamePolicy,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            mask: "*".into(),
            resident_id: Keep {
                keep_start: 6,
                keep_end: 4,
            },
            mobile: Keep {
                keep_start: 3,
                keep_end: 4,
            },
            bank_card: Keep {
                keep_start: 6,
                keep_end: 4,
            },
            passport: Keep {
                keep_start: 2,
                keep_end: 0,
            },
            address: AddressPolicy::default(),
            name: NamePolicy::default(),
        }
    }
}

/// A policy file that cannot be used, with where: `policy.toml:4:1: …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError(pub String);

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PolicyError {}

impl Policy {
    /// Parses and checks a policy file's text; `path` names it in errors.
    pub fn parse(text: &str, path: &str) -> Result<Policy, PolicyError> {
        let policy: Policy = toml::from_str(text).map_err(|e| {
            let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            PolicyError(format!("{path}:{line}:{col}: {}", e.message().trim()))
        })?;
        policy.check().map_err(|(key, why)| {
            let (line, col) = find_key(text, key);
            PolicyError(format!("{path}:{line}:{col}: {why}"))
        })?;
        Ok(policy)
    }

    /// A policy given as JSON fields (the same keys as the TOML file, each optional), checked
    /// like a file; `what` names it in errors (`field \`policy\``).
    pub fn from_json(value: serde_json::Value, what: &str) -> Result<Policy, PolicyError> {
        let policy: Policy =
            serde_json::from_value(value).map_err(|e| PolicyError(format!("{what}: {e}")))?;
        policy
            .check()
            .map_err(|(_, why)| PolicyError(format!("{what}: {why}")))?;
        Ok(policy)
    }

    /// Every value must hide something: a policy that keeps a whole number would publish it.
    fn check(&self) -> Result<(), (&'static str, String)> {
        let one_char = |s: &str| s.chars().count() == 1 && !s.chars().any(char::is_alphanumeric);
        if !one_char(&self.mask) {
            return Err((
                "mask",
                format!(
                    "`mask` must be one character that is not a letter or digit (such as *), not {:?}",
                    self.mask
                ),
            ));
        }
        let name_ok = self.name.mask.chars().count() == 1
            && !self.name.mask.chars().any(|c| c.is_ascii_alphanumeric());
        if !name_ok {
            return Err((
                "name",
                format!(
                    "`name.mask` must be one character (* or 某), not {:?}",
                    self.name.mask
                ),
            ));
        }
        // The shortest number of each kind, and at least 4 characters hidden in it.
        for (key, keep, shortest) in [
            ("resident_id", self.resident_id, 15),
            ("mobile", self.mobile, 11),
            ("bank_card", self.bank_card, 16),
            ("passport", self.passport, 8),
        ] {
            if keep.keep_start + keep.keep_end + 4 > shortest {
                return Err((
                    key,
                    format!(
                        "`{key}` keeps {} + {} characters of a number that can be {shortest} long: at least 4 must be hidden",
                        keep.keep_start, keep.keep_end
                    ),
                ));
            }
        }
        if self
            .address
            .keep_through
            .iter()
            .any(|w| w.trim().is_empty())
        {
            return Err((
                "address",
                "`address.keep_through` holds an empty word".into(),
            ));
        }
        Ok(())
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Where `key` is set or its table starts, for an error about its value.
fn find_key(text: &str, key: &str) -> (usize, usize) {
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.starts_with(&format!("[{key}]"))
            || t.starts_with(&format!("{key} "))
            || t.starts_with(&format!("{key}="))
        {
            return (i + 1, line.len() - t.len() + 1);
        }
    }
    (1, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_is_valid_and_an_empty_file_gives_it() {
        assert!(Policy::default().check().is_ok());
        assert_eq!(Policy::parse("", "p.toml").unwrap(), Policy::default());
    }

    #[test]
    fn errors_name_the_file_line_and_column() {
        let e = Policy::parse(
            "mask = \"*\"\n[mobile]\nkeep_start = 3\nkeep_ends = 4\n",
            "p.toml",
        )
        .unwrap_err();
        assert!(e.0.starts_with("p.toml:4:1: "), "{e}");
        assert!(e.0.contains("keep_ends"), "{e}");
        let e =
            Policy::parse("[resident_id]\nkeep_start = 10\nkeep_end = 4\n", "p.toml").unwrap_err();
        assert!(e.0.starts_with("p.toml:1:1: "), "{e}");
        assert!(e.0.contains("at least 4"), "{e}");
        let e = Policy::parse("mask = \"ab\"\n", "p.toml").unwrap_err();
        assert!(e.0.starts_with("p.toml:1:1: "), "{e}");
    }

    #[test]
    fn json_fields_are_checked_like_a_file() {
        let p = Policy::from_json(serde_json::json!({"name": {"mask": "某"}}), "policy").unwrap();
        assert_eq!(p.name.mask, "某");
        assert_eq!(p.mobile, Policy::default().mobile);
        let e = Policy::from_json(
            serde_json::json!({"mobile": {"keep_start": 9, "keep_end": 4}}),
            "policy",
        )
        .unwrap_err();
        assert!(
            e.0.starts_with("policy: ") && e.0.contains("at least 4"),
            "{e}"
        );
        let e = Policy::from_json(serde_json::json!({"masks": "*"}), "policy").unwrap_err();
        assert!(e.0.contains("masks"), "{e}");
        // What a copy records: every field, and it reads back as the same policy.
        let v = serde_json::to_value(Policy::default()).unwrap();
        assert_eq!(Policy::from_json(v, "policy").unwrap(), Policy::default());
    }

    #[test]
    fn an_office_changes_one_value_and_keeps_the_others() {
        let p = Policy::parse("[name]\nmask = \"某\"\n", "p.toml").unwrap();
        assert_eq!(p.name.mask, "某");
        assert_eq!(p.resident_id, Policy::default().resident_id);
    }
}
