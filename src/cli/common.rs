//! What every subcommand shares: exit codes, the text/JSON choice, loading a rule set, and
//! how an I/O error is worded.

use std::path::Path;

use clap::ValueEnum;

use crate::rules::{self, RuleSet};

pub const EXIT_APPROVE: i32 = 0;
pub const EXIT_HOLD: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

/// Loads the rule set from `dir`, or the embedded one. Errors are printed to stderr.
pub(crate) fn load_rules(dir: Option<&Path>) -> Result<RuleSet, i32> {
    let files = match dir {
        None => rules::embedded_sources(),
        Some(d) => match rules::load_dir(d) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("baomi: {e}");
                return Err(EXIT_ERROR);
            }
        },
    };
    rules::compile(&files, crate::today()).map_err(|errs| {
        for e in &errs {
            eprintln!("{e}");
        }
        eprintln!("baomi: the rule set has {} error(s)", errs.len());
        EXIT_ERROR
    })
}

pub(crate) fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// The suppressions an audit applies: `file`, else the `suppressions.toml` of the rules
/// directory when there is one; checked against `rs`. Errors are printed with their lines.
pub(crate) fn load_suppressions(
    file: Option<&Path>,
    rules_dir: Option<&Path>,
    rs: &RuleSet,
) -> Result<Option<crate::suppress::Suppressions>, i32> {
    let path = match (file, rules_dir) {
        (Some(f), _) => f.to_path_buf(),
        (None, Some(d)) if d.join(crate::suppress::FILE_NAME).is_file() => {
            d.join(crate::suppress::FILE_NAME)
        }
        _ => return Ok(None),
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        eprintln!(
            "baomi: cannot read the suppressions {}: {}",
            path.display(),
            io_message(&e)
        );
        EXIT_ERROR
    })?;
    crate::suppress::Suppressions::parse(&text, &path.display().to_string(), &rs.engine)
        .map(Some)
        .map_err(|errs| {
            for e in &errs {
                eprintln!("{e}");
            }
            eprintln!("baomi: the suppressions have {} error(s)", errs.len());
            EXIT_ERROR
        })
}
