//! `baomi eval`: run a rule set over a labelled corpus and print how well it does. Thin: the
//! labels are parsed and the metrics computed by [`crate::eval`]; this reads the files, scans
//! them in parallel with [`crate::pipeline::scan_bytes`] (as `baomi scan` does) and prints.
//!
//! Exit codes: 0, or 1 when `--min-accuracy` / `--min-hold-recall` is not met, 2 on an error
//! (a bad labels file, a labelled file that does not exist, an invalid rule set, a missing
//! PATH). A labelled file that exists but cannot be read is no error: it counts as a hold.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::Args;
use serde::Serialize;

use super::common::{Format, EXIT_APPROVE, EXIT_ERROR, EXIT_HOLD};
use super::files::Source;
use crate::engine::Category;
use crate::eval::{self, DocumentResult, Evaluation, Label, LabelError, Outcome};
use crate::rules::RuleSet;

#[derive(Args)]
pub struct EvalArgs {
    /// The labels file: JSON Lines, one object per document (see the README).
    #[arg(long, value_name = "FILE")]
    labels: PathBuf,
    /// Rule directory to use instead of the embedded default rule set.
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Exit 1 when the decision accuracy is below X (0 to 1).
    #[arg(long, value_name = "X", value_parser = fraction_arg)]
    min_accuracy: Option<f64>,
    /// Exit 1 when the hold recall is below X (0 to 1).
    #[arg(long, value_name = "X", value_parser = fraction_arg)]
    min_hold_recall: Option<f64>,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long, value_name = "N")]
    threads: Option<usize>,
    /// Only the labelled files under these files or directories (default: every labelled file).
    #[arg(value_name = "PATH")]
    paths: Vec<String>,
}

pub(crate) fn fraction_arg(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("`{s}` is not a number from 0 to 1")),
    }
}

/// A label and where its document is.
pub(crate) struct Labelled {
    pub(crate) label: Label,
    /// The labels file's directory joined with the label's `file`: how it is opened.
    pub(crate) path: PathBuf,
    /// The same, canonical: how PATHs and corpus files are matched to labels.
    pub(crate) canonical: PathBuf,
}

/// Reads and checks the labels file; every labelled file must exist. Errors go to stderr as
/// `FILE:LINE: what`, and the result is then exit code 2.
pub(crate) fn load_labels(file: &Path) -> Result<Vec<Labelled>, i32> {
    let name = file.display().to_string();
    let text = match std::fs::read(file) {
        Ok(b) => match String::from_utf8(b) {
            Ok(t) => t,
            Err(e) => {
                eprintln!(
                    "baomi: {name}: not UTF-8 (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                );
                return Err(EXIT_ERROR);
            }
        },
        Err(e) => {
            eprintln!(
                "baomi: cannot read the labels file {name}: {}",
                super::common::io_message(&e)
            );
            return Err(EXIT_ERROR);
        }
    };
    let mut errors = Vec::new();
    let labels = eval::parse_labels(&name, &text).unwrap_or_else(|e| {
        errors = e;
        Vec::new()
    });
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut out = Vec::with_capacity(labels.len());
    let mut seen: HashMap<PathBuf, usize> = HashMap::new();
    for label in labels {
        let path = dir.join(&label.file);
        let problem = match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => Some(format!("`{}` is a directory, not a file", label.file)),
            Ok(_) => None,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Some(format!("file `{}` does not exist", label.file))
            }
            Err(e) => Some(format!(
                "`{}`: {}",
                label.file,
                super::common::io_message(&e)
            )),
        };
        if let Some(message) = problem {
            errors.push(LabelError {
                file: name.clone(),
                line: label.line,
                column: None,
                message,
            });
            continue;
        }
        let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        // `a/../b.txt` or a symbolic link can name a file labelled on another line.
        if let Some(first) = seen.insert(canonical.clone(), label.line) {
            errors.push(LabelError {
                file: name.clone(),
                line: label.line,
                column: None,
                message: format!("`{}` is the file labelled on line {first}", label.file),
            });
            continue;
        }
        out.push(Labelled {
            label,
            path,
            canonical,
        });
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        for e in &errors {
            eprintln!("{e}");
        }
        eprintln!("baomi: the labels file has {} error(s)", errors.len());
        return Err(EXIT_ERROR);
    }
    if out.is_empty() {
        eprintln!("baomi: {name}: no labels");
        return Err(EXIT_ERROR);
    }
    Ok(out)
}

/// Labelled documents under `paths` (all of them when there is none), in label order, and the
/// files under `paths` that have no label.
fn select(
    labelled: &[Labelled],
    labels_file: &Path,
    paths: &[String],
) -> Result<(Vec<usize>, Vec<String>), i32> {
    if paths.is_empty() {
        return Ok(((0..labelled.len()).collect(), Vec::new()));
    }
    let by_path: HashMap<&Path, usize> = labelled
        .iter()
        .enumerate()
        .map(|(i, l)| (l.canonical.as_path(), i))
        .collect();
    let labels_file = std::fs::canonicalize(labels_file).ok();
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        if p == "-" {
            errors.push(("-".to_string(), "standard input has no label".to_string()));
            continue;
        }
        super::files::expand(p, &mut inputs, &mut errors);
    }
    if !errors.is_empty() {
        for (path, message) in &errors {
            eprintln!("baomi: {path}: {message}");
        }
        return Err(EXIT_ERROR);
    }
    let mut selected = Vec::new();
    let mut unlabelled = Vec::new();
    for (display, source) in inputs {
        let Source::File(p) = source else { continue };
        let canonical = std::fs::canonicalize(&p).ok();
        if canonical.is_some() && canonical == labels_file {
            continue;
        }
        match canonical.as_deref().and_then(|c| by_path.get(c)) {
            Some(&i) => selected.push(i),
            None => unlabelled.push(display),
        }
    }
    selected.sort_unstable();
    selected.dedup();
    Ok((selected, unlabelled))
}

/// Reads and scans one labelled file: a file that cannot be read or decoded is an
/// [`Outcome::Unreadable`], never an error.
pub(crate) fn scan_file(path: &Path, rs: &RuleSet) -> Outcome {
    match super::files::read(&Source::File(path.to_path_buf())) {
        Err(message) => Outcome::Unreadable(message),
        Ok(bytes) => match crate::pipeline::scan_bytes(&rs.engine, &bytes) {
            Ok(report) => Outcome::Scanned(report),
            Err(e) => Outcome::Unreadable(e.to_string()),
        },
    }
}

/// Scans `paths` on `threads` threads; the outcomes come back in the order of `paths`.
fn scan_all(paths: &[&Path], rs: &RuleSet, threads: usize) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let mut outcomes: Vec<Option<Outcome>> = vec![None; paths.len()];
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.clamp(1, paths.len().max(1)))
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(p) = paths.get(i) else { break };
                        done.push((i, scan_file(p, rs)));
                    }
                    done
                })
            })
            .collect();
        for w in workers {
            let done = w.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            for (i, o) in done {
                outcomes[i] = Some(o);
            }
        }
    });
    outcomes
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Outcome::Unreadable("not scanned".into())))
        .collect()
}

/// The JSON output: the evaluation with what it was run on.
#[derive(Serialize)]
struct JsonEval<'a> {
    labels: &'a str,
    ruleset: &'a str,
    /// Files under the PATHs without a label (not evaluated).
    unlabelled: &'a [String],
    #[serde(flatten)]
    evaluation: &'a Evaluation,
}

pub fn run(args: EvalArgs) -> i32 {
    let rs = match super::common::load_rules(args.rules.as_deref()) {
        Ok(rs) => rs,
        Err(code) => return code,
    };
    let labelled = match load_labels(&args.labels) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let (selected, unlabelled) = match select(&labelled, &args.labels, &args.paths) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let labels_name = args.labels.display().to_string();
    for path in &unlabelled {
        eprintln!("warning: {path}: unlabelled (not in {labels_name}), not evaluated");
    }
    if selected.is_empty() {
        eprintln!("baomi: no labelled document under the given path(s)");
        return EXIT_ERROR;
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let paths: Vec<&Path> = selected
        .iter()
        .map(|&i| labelled[i].path.as_path())
        .collect();
    let outcomes = scan_all(&paths, &rs, threads);
    let evaluation = eval::evaluate(
        selected
            .iter()
            .zip(&outcomes)
            .map(|(&i, o)| (&labelled[i].label, o)),
    );

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        Format::Json => {
            let json = serde_json::to_string(&JsonEval {
                labels: &labels_name,
                ruleset: &rs.id,
                unlabelled: &unlabelled,
                evaluation: &evaluation,
            })
            .unwrap_or_default();
            let _ = writeln!(out, "{json}");
        }
        Format::Text => print_text(&mut out, &labels_name, &rs.id, &evaluation),
    }
    let _ = out.flush();

    let mut code = EXIT_APPROVE;
    for (flag, min, value, what) in [
        (
            "--min-accuracy",
            args.min_accuracy,
            evaluation.accuracy,
            "decision accuracy",
        ),
        (
            "--min-hold-recall",
            args.min_hold_recall,
            evaluation.hold_recall,
            "hold recall",
        ),
    ] {
        let Some(min) = min else { continue };
        match value {
            Some(v) if v >= min => {}
            Some(v) => {
                eprintln!("baomi: {what} {v:.3} is below {flag} {min}");
                code = EXIT_HOLD;
            }
            None => {
                eprintln!(
                    "baomi: {what} is undefined (no document labelled hold), {flag} {min} not met"
                );
                code = EXIT_HOLD;
            }
        }
    }
    code
}

/// Accuracy and hold recall of `rs` on the labelled corpus of `labels_file`: what
/// `baomi serve --check-labels` holds every new rule set to.
pub(crate) fn corpus_figures(labels_file: &Path, rs: &RuleSet) -> Result<CorpusFigures, String> {
    let labelled = load_labels(labels_file).map_err(|_| {
        format!(
            "the labels file {} cannot be read (the log says why)",
            labels_file.display()
        )
    })?;
    if labelled.is_empty() {
        return Err(format!(
            "the labels file {} labels nothing",
            labels_file.display()
        ));
    }
    let paths: Vec<&Path> = labelled.iter().map(|l| l.path.as_path()).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let outcomes = scan_all(&paths, rs, threads);
    let e = eval::evaluate(labelled.iter().zip(&outcomes).map(|(l, o)| (&l.label, o)));
    let missed = e
        .misclassified
        .iter()
        .filter(|d| d.expected == crate::engine::Decision::Hold)
        .map(|d| d.file.clone())
        .collect();
    Ok(CorpusFigures {
        accuracy: e.accuracy,
        hold_recall: e.hold_recall,
        missed,
    })
}

/// What [`corpus_check`] compares: the two figures, and the documents labelled hold that the
/// rule set approves.
pub(crate) struct CorpusFigures {
    pub(crate) accuracy: Option<f64>,
    pub(crate) hold_recall: Option<f64>,
    pub(crate) missed: Vec<String>,
}

/// The check `baomi serve --check-labels FILE` runs on every rule set before it goes in force:
/// its decision accuracy and hold recall on the labelled corpus must reach the minimums.
pub(crate) fn corpus_check(
    labels_file: PathBuf,
    min_accuracy: f64,
    min_hold_recall: f64,
) -> impl Fn(&RuleSet) -> Vec<String> + Send + Sync {
    move |rs: &RuleSet| match corpus_figures(&labels_file, rs) {
        Ok(f) => f.problems(&labels_file, min_accuracy, min_hold_recall),
        Err(e) => vec![e],
    }
}

impl CorpusFigures {
    /// Each figure below its minimum, and then the documents labelled hold that approve; none
    /// when both minimums are met.
    pub(crate) fn problems(
        &self,
        labels_file: &Path,
        min_accuracy: f64,
        min_hold_recall: f64,
    ) -> Vec<String> {
        let name = labels_file.display();
        let mut problems = Vec::new();
        for (what, flag, value, min) in [
            (
                "decision accuracy",
                "--check-min-accuracy",
                self.accuracy,
                min_accuracy,
            ),
            (
                "hold recall",
                "--check-min-hold-recall",
                self.hold_recall,
                min_hold_recall,
            ),
        ] {
            match value {
                Some(v) if v + 1e-9 >= min => {}
                Some(v) => problems.push(format!("{name}: {what} {v:.3} is below {flag} {min:.3}")),
                None => problems.push(format!(
                    "{name}: {what} is undefined (nothing labelled hold)"
                )),
            }
        }
        let missed = &self.missed;
        if !problems.is_empty() && !missed.is_empty() {
            let shown: Vec<&str> = missed.iter().take(5).map(String::as_str).collect();
            problems.push(format!(
                "{name}: {} document(s) labelled hold now approve: {}{}",
                missed.len(),
                shown.join(", "),
                if missed.len() > shown.len() {
                    ", …"
                } else {
                    ""
                }
            ));
        }
        problems
    }
}

/// `0.833`, or `n/a` when there was nothing to count.
pub(crate) fn ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "n/a".to_string(), |r| format!("{r:.3}"))
}

fn print_text(out: &mut dyn Write, labels: &str, ruleset: &str, e: &Evaluation) {
    let c = &e.confusion;
    let _ = writeln!(out, "baomi eval — labels {labels}, rule set {ruleset}");
    let _ = writeln!(
        out,
        "{} document(s): {} labelled hold, {} labelled approve, {} unreadable\n",
        e.documents,
        e.labelled_hold,
        e.labelled_approve,
        e.unreadable.len()
    );
    let rows = [
        (
            "decision accuracy",
            ratio(e.accuracy),
            format!("{}/{}", c.correct(), e.documents),
        ),
        (
            "hold precision",
            ratio(e.hold_precision),
            format!("{}/{}", c.true_hold, c.true_hold + c.false_hold),
        ),
        (
            "hold recall",
            ratio(e.hold_recall),
            format!("{}/{}", c.true_hold, e.labelled_hold),
        ),
        ("hold F1", ratio(e.hold_f1), String::new()),
        (
            "false holds, approvable",
            ratio(e.false_hold_rate),
            format!("{}/{}", c.false_hold, e.labelled_approve),
        ),
        (
            "false holds, hard_negative",
            ratio(e.hard_negative_false_hold_rate),
            format!("{}/{}", e.hard_negative_false_holds, e.hard_negatives),
        ),
    ];
    for (what, value, counts) in rows {
        let counts = if counts.is_empty() {
            counts
        } else {
            format!("  ({counts})")
        };
        let _ = writeln!(out, "{what:<28} {value:>5}{counts}");
    }
    let _ = writeln!(
        out,
        "{:<28} {} true hold, {} false hold, {} true approve, {} false approve",
        "confusion", c.true_hold, c.false_hold, c.true_approve, c.false_approve
    );
    let _ = writeln!(
        out,
        "{:<28} {:>5}  ({}/{})",
        "planted identifiers found",
        ratio(e.pii.recall),
        e.pii.found,
        e.pii.planted
    );
    for m in &e.pii.missed {
        let _ = writeln!(out, "  identifier missed: {}  {}", m.file, m.masked_value);
    }

    let _ = writeln!(
        out,
        "\n{:<28} {:>8} {:>6} {:>7} {:>6}",
        "by category", "labelled", "found", "recall", "extra"
    );
    for (cat, s) in &e.categories {
        if *cat == Category::Unreadable && s.extra == 0 {
            continue;
        }
        let _ = writeln!(
            out,
            "  {:<26} {:>8} {:>6} {:>7} {:>6}",
            cat.as_str(),
            s.labelled,
            s.found,
            ratio(s.recall),
            s.extra
        );
    }
    for (title, map) in [
        ("by genre", &e.genre),
        ("by split", &e.split),
        ("by tag", &e.tags),
    ] {
        if map.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n{title:<28} {:>9} {:>9} {:>12} {:>12} {:>15}",
            "documents", "accuracy", "hold recall", "false holds", "false approves"
        );
        for (value, t) in map {
            let _ = writeln!(
                out,
                "  {value:<26} {:>9} {:>9} {:>12} {:>12} {:>15}",
                t.documents,
                ratio(t.accuracy),
                ratio(t.hold_recall),
                t.false_holds,
                t.false_approves
            );
        }
    }

    if !e.misclassified.is_empty() {
        let _ = writeln!(out, "\nmisclassified ({}):", e.misclassified.len());
        for d in &e.misclassified {
            let _ = writeln!(
                out,
                "  {}: labelled {}{}, got {}{}",
                d.file,
                d.expected,
                categories(&d.labelled),
                d.actual,
                categories(&d.held)
            );
            document_details(out, d);
        }
    }
    if !e.category_misses.is_empty() {
        let _ = writeln!(out, "\ncategory misses ({}):", e.category_misses.len());
        for d in &e.category_misses {
            let missing: Vec<&str> = d.missing.iter().map(|c| c.as_str()).collect();
            let _ = writeln!(
                out,
                "  {}: held{}, not found: {}",
                d.file,
                categories(&d.held),
                missing.join(", ")
            );
            document_details(out, d);
        }
    }
    if !e.unreadable.is_empty() {
        let _ = writeln!(
            out,
            "\nunreadable, counted as hold ({}):",
            e.unreadable.len()
        );
        for d in &e.unreadable {
            let _ = writeln!(
                out,
                "  {}: {}",
                d.file,
                d.error.as_deref().unwrap_or_default()
            );
        }
    }
}

/// ` [stability, personal_privacy]`, or nothing.
fn categories(cats: &[Category]) -> String {
    if cats.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = cats.iter().map(|c| c.as_str()).collect();
    format!(" [{}]", names.join(", "))
}

fn document_details(out: &mut dyn Write, d: &DocumentResult) {
    if !d.note.is_empty() {
        let _ = writeln!(out, "    note: {}", d.note);
    }
    if let Some(err) = &d.error {
        let _ = writeln!(out, "    unreadable: {err}");
    } else if d.findings.is_empty() {
        let _ = writeln!(out, "    (no findings)");
    }
    for f in &d.findings {
        let _ = writeln!(
            out,
            "    {:>4}:{:<3} {:<4} {:<17} {:<30} {}",
            f.line,
            f.column,
            f.severity.as_str(),
            f.category.as_str(),
            f.rule,
            f.masked_text
        );
    }
}
