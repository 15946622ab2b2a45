//! Editing rule files in place: add or remove terms and exception phrases of a rule, enable or
//! disable it. The file is edited as a TOML document (toml_edit), so its comments, key order
//! and layout stay as the maintainer wrote them; only the touched array or key changes.

use super::{RuleError, SourceFile};
use serde::{Deserialize, Serialize};
use toml_edit::{Array, DocumentMut, Item, Value};

/// One maintainer's change to one rule.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleEdit {
    #[serde(default)]
    pub add_terms: Vec<String>,
    #[serde(default)]
    pub remove_terms: Vec<String>,
    #[serde(default)]
    pub add_exceptions: Vec<String>,
    #[serde(default)]
    pub remove_exceptions: Vec<String>,
    /// `Some(false)` disables the rule, `Some(true)` enables it.
    pub enabled: Option<bool>,
}

impl RuleEdit {
    pub fn is_empty(&self) -> bool {
        self.add_terms.is_empty()
            && self.remove_terms.is_empty()
            && self.add_exceptions.is_empty()
            && self.remove_exceptions.is_empty()
            && self.enabled.is_none()
    }

    /// A one-line account of the edit for the audit log (terms are rule data, not documents).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        let list = |v: &[String]| v.join("、");
        if !self.add_terms.is_empty() {
            parts.push(format!("added terms {}", list(&self.add_terms)));
        }
        if !self.remove_terms.is_empty() {
            parts.push(format!("removed terms {}", list(&self.remove_terms)));
        }
        if !self.add_exceptions.is_empty() {
            parts.push(format!("added exceptions {}", list(&self.add_exceptions)));
        }
        if !self.remove_exceptions.is_empty() {
            parts.push(format!(
                "removed exceptions {}",
                list(&self.remove_exceptions)
            ));
        }
        match self.enabled {
            Some(true) => parts.push("enabled".into()),
            Some(false) => parts.push("disabled".into()),
            None => {}
        }
        parts.join("; ")
    }
}

/// Why an edit cannot be applied (before any compiling).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EditError {
    NoSuchRule(String),
    Invalid(String),
    File(RuleError),
}

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EditError::NoSuchRule(id) => write!(f, "no rule with id `{id}` in the rule set"),
            EditError::Invalid(m) => f.write_str(m),
            EditError::File(e) => write!(f, "{e}"),
        }
    }
}

/// Applies `edit` to the rule `rule_id` wherever it is defined and returns the index of the
/// changed file and its new text. The result is not yet validated as a rule set.
pub fn apply(
    files: &[SourceFile],
    rule_id: &str,
    edit: &RuleEdit,
) -> Result<(usize, String), EditError> {
    if edit.is_empty() {
        return Err(EditError::Invalid("the edit changes nothing".into()));
    }
    for (fi, file) in files.iter().enumerate() {
        let mut doc: DocumentMut = file.text.parse().map_err(|e: toml_edit::TomlError| {
            EditError::File(RuleError {
                file: file.name.clone(),
                line: 0,
                column: 0,
                message: e.message().to_string(),
            })
        })?;
        let Some(rules) = doc.get_mut("rule").and_then(Item::as_array_of_tables_mut) else {
            continue;
        };
        let Some(rule) = rules
            .iter_mut()
            .find(|t| t.get("id").and_then(Item::as_str) == Some(rule_id))
        else {
            continue;
        };
        let has_terms = rule.contains_key("terms");
        if (!edit.add_terms.is_empty() || !edit.remove_terms.is_empty()) && !has_terms {
            return Err(EditError::Invalid(format!(
                "rule `{rule_id}` is a pattern or detector rule; only term rules have terms to edit"
            )));
        }
        if has_terms {
            edit_array(rule, "terms", &edit.add_terms, &edit.remove_terms, rule_id)?;
        }
        if !edit.add_exceptions.is_empty() || !edit.remove_exceptions.is_empty() {
            edit_array(
                rule,
                "exceptions",
                &edit.add_exceptions,
                &edit.remove_exceptions,
                rule_id,
            )?;
        }
        match edit.enabled {
            Some(true) => {
                rule.remove("enabled");
            }
            Some(false) => {
                rule.insert("enabled", toml_edit::value(false));
            }
            None => {}
        }
        return Ok((fi, doc.to_string()));
    }
    Err(EditError::NoSuchRule(rule_id.to_string()))
}

fn edit_array(
    rule: &mut toml_edit::Table,
    key: &str,
    add: &[String],
    remove: &[String],
    rule_id: &str,
) -> Result<(), EditError> {
    if !rule.contains_key(key) {
        rule.insert(key, Item::Value(Value::Array(Array::new())));
    }
    let array = rule
        .get_mut(key)
        .and_then(Item::as_array_mut)
        .ok_or_else(|| {
            EditError::Invalid(format!("`{key}` of rule `{rule_id}` is not an array"))
        })?;
    for r in remove {
        let Some(i) = array.iter().position(|v| v.as_str() == Some(r.as_str())) else {
            return Err(EditError::Invalid(format!(
                "rule `{rule_id}` has no {} `{r}` to remove",
                singular(key)
            )));
        };
        // A comment written after the previous item's comma is stored as this item's prefix;
        // keep it where it was by handing it on to the next item (or the array's end).
        let comment = array
            .get(i)
            .and_then(|v| v.decor().prefix())
            .and_then(|p| p.as_str())
            .map(|p| leading_comment(p).to_string())
            .unwrap_or_default();
        if !comment.is_empty() {
            if let Some(next) = array.get_mut(i + 1) {
                let rest = raw(next.decor().prefix());
                next.decor_mut().set_prefix(format!("{comment}{rest}"));
            } else {
                let trailing = array.trailing().as_str().unwrap_or("").to_string();
                array.set_trailing(format!("{comment}{trailing}"));
            }
        }
        array.remove(i);
    }
    for a in add {
        let a = a.trim();
        if a.is_empty() {
            return Err(EditError::Invalid(format!(
                "an added {} is empty or whitespace only",
                singular(key)
            )));
        }
        if array.iter().any(|v| v.as_str() == Some(a)) {
            return Err(EditError::Invalid(format!(
                "rule `{rule_id}` already has the {} `{a}`",
                singular(key)
            )));
        }
        // A multi-line array keeps its layout: the new item takes the last item's indentation,
        // and a comment after the last item stays with it.
        let last_prefix = array.iter().last().map(|v| raw(v.decor().prefix()));
        let trailing = array.trailing().as_str().unwrap_or("").to_string();
        let comment = leading_comment(&trailing).to_string();
        array.push(a);
        if let Some(prefix) = last_prefix {
            // On its own line: the same indentation; on a shared line: the same spacing.
            let prefix = prefix
                .rfind('\n')
                .map_or(prefix.clone(), |nl| prefix[nl..].to_string());
            if let Some(last) = array.iter_mut().last() {
                last.decor_mut().set_prefix(format!("{comment}{prefix}"));
            }
            array.set_trailing(trailing[comment.len()..].to_string());
        }
    }
    if array.is_empty() && key == "exceptions" {
        rule.remove(key);
    }
    Ok(())
}

/// The comment at the start of `decor` that belongs to the line before (spaces, `# ...`), without
/// its line break.
fn leading_comment(decor: &str) -> &str {
    let body = decor.trim_start_matches([' ', '\t']);
    if !body.starts_with('#') {
        return "";
    }
    let end = decor.find('\n').unwrap_or(decor.len());
    &decor[..end]
}

fn raw(r: Option<&toml_edit::RawString>) -> String {
    r.and_then(|r| r.as_str()).unwrap_or("").to_string()
}

fn singular(key: &str) -> &str {
    match key {
        "terms" => "term",
        "exceptions" => "exception phrase",
        k => k,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> Vec<SourceFile> {
        vec![SourceFile {
            name: "x.toml".into(),
            text: text.into(),
        }]
    }

    const RULES: &str = r#"# 过程性信息
category = "process_internal"

[[rule]]
id = "internal_marking"   # 内部标注
severity = "hold"
terms = [
  "内部资料",  # 最常见
  "内部文件",
]
[rule.examples]
hold = ["内部资料"]
"#;

    #[test]
    fn adds_and_removes_keeping_comments() {
        let edit = RuleEdit {
            add_terms: vec!["内部刊物".into()],
            remove_terms: vec!["内部文件".into()],
            add_exceptions: vec!["内部资料汇编目录".into()],
            ..RuleEdit::default()
        };
        let (i, text) = apply(&file(RULES), "internal_marking", &edit).unwrap();
        assert_eq!(i, 0);
        assert!(text.starts_with("# 过程性信息\n"));
        assert!(text.contains("# 内部标注"));
        assert!(text.contains("\"内部资料\",  # 最常见"));
        assert!(text.contains("\"内部刊物\""));
        assert!(!text.contains("内部文件"));
        assert!(text.contains("exceptions = [\"内部资料汇编目录\"]"));
        assert!(
            text.contains("terms = [\n  \"内部资料\",  # 最常见\n  \"内部刊物\",\n]\n"),
            "{text}"
        );
    }

    #[test]
    fn disables_and_enables() {
        let off = RuleEdit {
            enabled: Some(false),
            ..RuleEdit::default()
        };
        let (_, text) = apply(&file(RULES), "internal_marking", &off).unwrap();
        assert!(text.contains("enabled = false"));
        let on = RuleEdit {
            enabled: Some(true),
            ..RuleEdit::default()
        };
        let (_, text) = apply(&file(&text), "internal_marking", &on).unwrap();
        assert!(!text.contains("enabled"));
    }

    #[test]
    fn refuses_what_does_not_apply() {
        let add = |t: &str| RuleEdit {
            add_terms: vec![t.into()],
            ..RuleEdit::default()
        };
        assert_eq!(
            apply(&file(RULES), "nope", &add("内部刊物")),
            Err(EditError::NoSuchRule("nope".into()))
        );
        assert!(
            matches!(apply(&file(RULES), "internal_marking", &add("内部资料")), Err(EditError::Invalid(m)) if m.contains("already"))
        );
        assert!(
            matches!(apply(&file(RULES), "internal_marking", &add("  ")), Err(EditError::Invalid(m)) if m.contains("empty"))
        );
        let rm = RuleEdit {
            remove_terms: vec!["不存在".into()],
            ..RuleEdit::default()
        };
        assert!(
            matches!(apply(&file(RULES), "internal_marking", &rm), Err(EditError::Invalid(m)) if m.contains("no term"))
        );
        assert!(matches!(
            apply(&file(RULES), "internal_marking", &RuleEdit::default()),
            Err(EditError::Invalid(_))
        ));
    }
}
