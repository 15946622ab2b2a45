//! `baomi rules`: check a rule set, run its examples, and diff two rule sets over a corpus.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::common::{load_rules, Format, EXIT_APPROVE, EXIT_ERROR, EXIT_HOLD};
use super::files::{expand, Source};
use crate::rules;

pub(super) fn check(dir: Option<&Path>, suppressions: Option<&Path>) -> i32 {
    let rs = match load_rules(dir) {
        Err(code) => return code,
        Ok(rs) => rs,
    };
    let sup = match super::common::load_suppressions(suppressions, dir, &rs) {
        Err(code) => return code,
        Ok(s) => s,
    };
    if let Some(sup) = &sup {
        let today = crate::calendar::today_in_china();
        for e in sup.expired(today) {
            eprintln!(
                "warning: {}:{}: suppression {} expired on {}: it no longer applies",
                sup.source, e.line, e.id, e.expires
            );
        }
        println!(
            "suppressions {}: {} entries, {} in force",
            sup.source,
            sup.entries.len(),
            sup.active(today).count()
        );
    }
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

pub(super) fn diff(
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
    let labelled = match labels.map(super::eval::load_labels).transpose() {
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
        let bytes = match super::files::read(src) {
            Ok(b) => b,
            Err(msg) => {
                eprintln!("baomi: {path}: {msg}");
                code = EXIT_ERROR;
                continue;
            }
        };
        let (a, b) = match (
            crate::pipeline::scan_bytes(&old_rs.engine, &bytes),
            crate::pipeline::scan_bytes(&new_rs.engine, &bytes),
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
                    super::eval::ratio(summary.accuracy_before),
                    super::eval::ratio(summary.accuracy_after),
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

pub(super) fn test(dir: Option<&Path>) -> i32 {
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

/// `baomi rules digest`: the digest of each value under the deployment's key, one per line.
pub(super) fn digest(key_file: Option<&Path>, values: &[String]) -> i32 {
    let key = match super::baseline::key(key_file, true) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("baomi: {e}");
            return EXIT_ERROR;
        }
    };
    for v in values {
        println!("{}", crate::suppress::value_digest(&key, v));
    }
    EXIT_APPROVE
}
