//! The `baomi` command line. Thin: it reads files, calls the engine and prints.
//!
//! Exit codes: 0 every file approves, 1 at least one file holds, 2 an error (2 wins).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};
use serde::Serialize;

use crate::cli_scan::Source;
use crate::rules::{self, RuleSet};

pub const EXIT_APPROVE: i32 = 0;
pub const EXIT_HOLD: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

#[derive(Parser)]
#[command(
    name = "baomi",
    version,
    about = "保密 — pre-publication confidentiality review for Chinese government documents"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan files, directories (recursively) or `-` (stdin); exit 0 approve, 1 hold, 2 error.
    /// Scan files, directories (recursively, in parallel) or `-` (stdin); exit 0 approve, 1
    /// hold, 2 error.
    Scan(crate::cli_scan::ScanArgs),
    /// Run a rule set over a labelled corpus and report accuracy, hold precision and recall,
    /// per-category and per-tag results and every misclassified file; exit 1 below
    /// --min-accuracy or --min-hold-recall, 2 on errors.
    Eval(crate::cli_eval::EvalArgs),
    /// Work with rule sets.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Run the review service (HTTP API, durable decisions, publishing gate).
    Serve(crate::cli_serve::ServeArgs),
    /// Create, revoke and list API tokens (while the service is stopped).
    Token {
        #[command(subcommand)]
        command: crate::cli_serve::TokenCommand,
    },
    /// Verify or export the audit chain (while the service is stopped).
    Audit {
        #[command(subcommand)]
        command: crate::cli_serve::AuditCommand,
    },
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Run a corpus through two rule sets and list the documents whose decision or findings
    /// change, with the rules responsible; exit 0 if nothing changes, 1 if something does.
    /// With --labels, say for each labelled document whether the edit fixes or breaks it.
    Diff {
        /// The rule set before the edit (default: the embedded rule set).
        #[arg(long, value_name = "DIR")]
        old: Option<PathBuf>,
        /// The rule set after the edit.
        #[arg(long, value_name = "DIR")]
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// A labels file (as for `baomi eval`): judge each changed labelled document (fixes,
        /// breaks, other) and give the accuracy before and after.
        #[arg(long, value_name = "FILE")]
        labels: Option<PathBuf>,
        /// Files or directories (recursive) to run through both.
        #[arg(required = true, value_name = "CORPUS")]
        corpus: Vec<String>,
    },
    /// Compile a rule set and run every rule's examples; exit 1 if any example fails.
    Test {
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
    /// Compile a rule set and report every problem with file:line:column; exit 2 on errors.
    Check {
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_APPROVE
            };
        }
    };
    match cli.command {
        Command::Scan(args) => crate::cli_scan::run(args),
        Command::Eval(args) => crate::cli_eval::run(args),
        Command::Rules { command } => match command {
            RulesCommand::Test { rules } => rules_test(rules.as_deref()),
            RulesCommand::Diff {
                old,
                new,
                format,
                labels,
                corpus,
            } => rules_diff(old.as_deref(), &new, format, labels.as_deref(), &corpus),
            RulesCommand::Check { rules } => rules_check(rules.as_deref()),
        },
        Command::Serve(args) => crate::cli_serve::serve(args),
        Command::Token { command } => crate::cli_serve::token(command),
        Command::Audit { command } => crate::cli_serve::audit(command),
    }
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

fn rules_check(dir: Option<&Path>) -> i32 {
    let rs = match load_rules(dir) {
        Err(code) => return code,
        Ok(rs) => rs,
    };
    for w in &rs.warnings {
        eprintln!("warning: {w}");
    }
    let (count, failures) = rules::run_examples(&rs);
    for f in &failures {
        eprintln!("{f}");
    }
    if !failures.is_empty() {
        eprintln!(
            "baomi: the rule set has {} error(s): failing examples",
            failures.len()
        );
        return EXIT_ERROR;
    }
    println!(
        "rule set {}: {} rules, {} literals, {count} examples pass, {} warning(s), OK",
        rs.id,
        rs.engine.rules().count(),
        rs.engine.literal_count(),
        rs.warnings.len()
    );
    EXIT_APPROVE
}

#[derive(Serialize)]
struct DiffLine<'a> {
    path: &'a str,
    #[serde(flatten)]
    diff: &'a rules::diff::ReportDiff,
    /// With `--labels`, for a labelled document: what the edit does to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<&'a crate::eval::Judgement>,
}

/// With `--labels`, the last JSON line: what the edit does to the labelled documents.
#[derive(Default, Serialize)]
struct LabelSummary {
    /// Labelled documents of the corpus scanned under both rule sets.
    labelled: usize,
    fixed: usize,
    broken: usize,
    /// Changed labelled documents neither fixed nor broken.
    other: usize,
    correct_before: usize,
    correct_after: usize,
    accuracy_before: Option<f64>,
    accuracy_after: Option<f64>,
}

fn rules_diff(
    old: Option<&Path>,
    new: &Path,
    format: Format,
    labels: Option<&Path>,
    corpus: &[String],
) -> i32 {
    let (old_rs, new_rs) = match (load_rules(old), load_rules(Some(new))) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let labelled = match labels.map(crate::cli_eval::load_labels).transpose() {
        Ok(l) => l.unwrap_or_default(),
        Err(code) => return code,
    };
    let by_path: std::collections::HashMap<&Path, &crate::eval::Label> = labelled
        .iter()
        .map(|l| (l.canonical.as_path(), &l.label))
        .collect();
    let mut inputs = Vec::new();
    let mut missing = Vec::new();
    for p in corpus {
        expand(p, &mut inputs, &mut missing);
    }
    // The labels file often lives in the corpus it describes; it is not one of its documents.
    if let Some(labels) = labels.and_then(|l| std::fs::canonicalize(l).ok()) {
        inputs.retain(|(_, src)| match src {
            Source::File(p) => std::fs::canonicalize(p).ok().as_ref() != Some(&labels),
            Source::Stdin => true,
        });
    }
    let mut code = EXIT_APPROVE;
    for (path, msg) in &missing {
        eprintln!("baomi: {path}: {msg}");
        code = EXIT_ERROR;
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut changed, mut flipped) = (0usize, 0usize);
    let mut per_rule: std::collections::BTreeMap<String, (usize, i64)> = Default::default();
    let mut summary = LabelSummary::default();
    for (path, src) in &inputs {
        let bytes = match crate::cli_scan::read(src) {
            Ok(b) => b,
            Err(msg) => {
                eprintln!("baomi: {path}: {msg}");
                code = EXIT_ERROR;
                continue;
            }
        };
        let (a, b) = match (
            crate::input::scan_bytes(&old_rs.engine, &bytes),
            crate::input::scan_bytes(&new_rs.engine, &bytes),
        ) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("baomi: {path}: {e}");
                code = EXIT_ERROR;
                continue;
            }
        };
        let label = match src {
            Source::File(p) if !by_path.is_empty() => std::fs::canonicalize(p)
                .ok()
                .and_then(|c| by_path.get(c.as_path()).copied()),
            _ => None,
        };
        if let Some(l) = label {
            summary.labelled += 1;
            summary.correct_before += usize::from(a.decision == l.decision);
            summary.correct_after += usize::from(b.decision == l.decision);
        }
        let Some(diff) = rules::diff::diff_reports(&a, &b) else {
            continue;
        };
        changed += 1;
        if diff.old_decision != diff.new_decision {
            flipped += 1;
        }
        for (rule, n) in &diff.rules {
            let e = per_rule.entry(rule.clone()).or_default();
            e.0 += 1;
            e.1 += n;
        }
        let judgement = label.map(|l| crate::eval::judge(l, &a, &b));
        if let Some(j) = &judgement {
            match j.verdict {
                crate::eval::Verdict::Fixes => summary.fixed += 1,
                crate::eval::Verdict::Breaks => summary.broken += 1,
                crate::eval::Verdict::Other => summary.other += 1,
            }
        }
        match format {
            Format::Json => {
                let line = serde_json::to_string(&DiffLine {
                    path,
                    diff: &diff,
                    label: judgement.as_ref(),
                })
                .unwrap_or_default();
                let _ = writeln!(out, "{line}");
            }
            Format::Text => {
                let _ = writeln!(out, "{path}: {} → {}", diff.old_decision, diff.new_decision);
                for a in &diff.added {
                    let _ = writeln!(out, "  + {a}");
                }
                for r in &diff.removed {
                    let _ = writeln!(out, "  - {r}");
                }
                if let Some(j) = &judgement {
                    let _ = writeln!(out, "  {}", judgement_line(j, &diff));
                }
            }
        }
    }
    summary.accuracy_before = crate::eval::ratio(summary.correct_before, summary.labelled);
    summary.accuracy_after = crate::eval::ratio(summary.correct_after, summary.labelled);
    match format {
        Format::Text => {
            let _ = writeln!(
                out,
                "\n{} document(s): {changed} changed, {flipped} with a different decision ({} → {})",
                inputs.len(),
                old_rs.id,
                new_rs.id
            );
            for (rule, (docs, net)) in &per_rule {
                let _ = writeln!(out, "  {rule}: {docs} document(s), {net:+} finding(s)");
            }
            if labels.is_some() {
                let _ = writeln!(
                    out,
                    "{} labelled document(s): {} fixed, {} broken, {} other; accuracy {} → {} ({}/{} → {}/{})",
                    summary.labelled,
                    summary.fixed,
                    summary.broken,
                    summary.other,
                    crate::cli_eval::ratio(summary.accuracy_before),
                    crate::cli_eval::ratio(summary.accuracy_after),
                    summary.correct_before,
                    summary.labelled,
                    summary.correct_after,
                    summary.labelled
                );
            }
        }
        Format::Json if labels.is_some() => {
            #[derive(Serialize)]
            struct Line<'a> {
                labels: &'a LabelSummary,
            }
            let line = serde_json::to_string(&Line { labels: &summary }).unwrap_or_default();
            let _ = writeln!(out, "{line}");
        }
        Format::Json => {}
    }
    if code == EXIT_APPROVE && changed > 0 {
        code = EXIT_HOLD;
    }
    code
}

/// `FIXES: labelled hold [stability], was approve` and the like.
fn judgement_line(j: &crate::eval::Judgement, diff: &rules::diff::ReportDiff) -> String {
    let names = |cats: &[crate::Category]| {
        cats.iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut why = vec![format!(
        "labelled {}{}",
        j.expected,
        if j.labelled.is_empty() {
            String::new()
        } else {
            format!(" [{}]", names(&j.labelled))
        }
    )];
    if diff.old_decision != diff.new_decision {
        why.push(format!("now {}", diff.new_decision));
    } else {
        if !j.gained.is_empty() {
            why.push(format!("now finds {}", names(&j.gained)));
        }
        if !j.lost.is_empty() {
            why.push(format!("no longer finds {}", names(&j.lost)));
        }
        if j.verdict == crate::eval::Verdict::Other {
            why.push("decision and labelled categories unchanged".into());
        }
    }
    format!("{}: {}", j.verdict.as_str().to_uppercase(), why.join(", "))
}

fn rules_test(dir: Option<&Path>) -> i32 {
    let rs = match load_rules(dir) {
        Ok(rs) => rs,
        Err(code) => return code,
    };
    let (count, failures) = rules::run_examples(&rs);
    for f in &failures {
        println!("FAIL {f}");
    }
    let rules_without = rs
        .examples
        .iter()
        .filter(|e| e.hold.is_empty() && e.warn.is_empty() && e.none.is_empty())
        .count();
    println!(
        "rule set {}: {} examples in {} rules, {} passed, {} failed{}",
        rs.id,
        count,
        rs.examples.len(),
        count - failures.len(),
        failures.len(),
        if rules_without > 0 {
            format!(" ({rules_without} rules have no examples)")
        } else {
            String::new()
        }
    );
    if failures.is_empty() {
        EXIT_APPROVE
    } else {
        EXIT_HOLD
    }
}

/// Expands directories recursively (sorted, symlinked directories not followed).
pub(crate) fn expand(
    path: &str,
    out: &mut Vec<(String, Source)>,
    errors: &mut Vec<(String, String)>,
) {
    if path == "-" {
        out.push(("-".into(), Source::Stdin));
        return;
    }
    let p = PathBuf::from(path);
    match std::fs::metadata(&p) {
        Ok(m) if m.is_dir() => walk(&p, out, errors),
        Ok(_) => out.push((path.to_string(), Source::File(p))),
        Err(e) => errors.push((path.to_string(), io_message(&e))),
    }
}

fn walk(dir: &Path, out: &mut Vec<(String, Source)>, errors: &mut Vec<(String, String)>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push((dir.display().to_string(), io_message(&e)));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        let is_dir = std::fs::symlink_metadata(&p)
            .map(|m| m.is_dir())
            .unwrap_or(false);
        if is_dir {
            walk(&p, out, errors);
        } else {
            out.push((p.display().to_string(), Source::File(p)));
        }
    }
}

pub(crate) fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}
