//! The walls between the crate's modules, checked on the source: the engine imports nothing
//! of the crate outside it; extraction imports nothing of the store, the service, HTTP, the
//! pipeline or the CLI; and the imports between modules (the top-level ones, and the parts of
//! the command line) have no circles.
//!
//! A module's imports are the `crate::…` paths in its files (comments aside), and, inside a
//! folder module, the `super::…` paths of its files and the children its `mod.rs` names. Test
//! modules count too: a test that needs the rule files belongs outside the engine.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Folder modules whose children are checked as units of their own.
const SPLIT: &[&str] = &["cli"];

/// The unit a file belongs to: its top-level module, or `cli::scan` for a part of a split one.
fn unit_of(rel: &Path) -> Option<String> {
    let parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    let top = parts.first()?.clone();
    if top == "lib" || top == "main" {
        return None;
    }
    if SPLIT.contains(&top.as_str()) && parts.len() > 1 && parts[1] != "mod" {
        return Some(format!("{top}::{}", parts[1]));
    }
    Some(top)
}

/// The code lines of a file (line comments and doc comments removed).
fn code_lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(|l| match l.find("//") {
            // A `//` inside a string (a URL) is rare in this crate; cut at the first one only
            // when it starts the line or follows code.
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect()
}

/// Identifier-like words following `prefix` in `line`.
fn words_after<'a>(line: &'a str, prefix: &str) -> Vec<(&'a str, Option<&'a str>)> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find(prefix) {
        let before_ok = i == 0
            || !rest[..i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
        rest = &rest[i + prefix.len()..];
        let first: &str = &rest[..rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len())];
        let after = &rest[first.len()..];
        let second = after.strip_prefix("::").map(|a| {
            &a[..a
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(a.len())]
        });
        if before_ok && !first.is_empty() {
            out.push((first, second));
        }
    }
    out
}

struct Graph {
    /// unit → (unit it imports → a file and line that does)
    edges: BTreeMap<String, BTreeMap<String, String>>,
    /// unit → every `crate::` top-level module its files name
    crate_refs: BTreeMap<String, BTreeMap<String, String>>,
}

fn graph() -> Graph {
    let root = src();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut crate_refs: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for f in &files {
        let rel = f.strip_prefix(&root).expect("under src");
        let Some(unit) = unit_of(rel) else { continue };
        let top = unit.split("::").next().unwrap_or_default().to_string();
        let text = std::fs::read_to_string(f).expect("read a source file");
        let is_mod_rs = rel.file_name().is_some_and(|n| n == "mod.rs");
        let children: BTreeSet<String> = if is_mod_rs && SPLIT.contains(&top.as_str()) {
            code_lines(&text)
                .iter()
                .filter_map(|l| {
                    let l = l.trim();
                    let l = l.strip_prefix("pub ").unwrap_or(l);
                    l.strip_prefix("mod ")
                        .and_then(|m| m.strip_suffix(';'))
                        .map(str::to_string)
                })
                .collect()
        } else {
            BTreeSet::new()
        };
        let mut in_tests = false;
        for (n, line) in code_lines(&text).into_iter().enumerate() {
            if line.contains("mod tests") {
                in_tests = true;
            }
            let at = format!("src/{}:{}", rel.display(), n + 1);
            let mut add = |to: String| {
                if to != unit {
                    edges
                        .entry(unit.clone())
                        .or_default()
                        .entry(to)
                        .or_insert_with(|| at.clone());
                }
            };
            for (first, second) in words_after(line, "crate::") {
                crate_refs
                    .entry(unit.clone())
                    .or_default()
                    .entry(first.to_string())
                    .or_insert_with(|| at.clone());
                if SPLIT.contains(&first) {
                    match second {
                        Some(s) if s.chars().next().is_some_and(|c| c.is_lowercase()) => {
                            add(format!("{first}::{s}"))
                        }
                        _ => add(first.to_string()),
                    }
                } else if first.chars().next().is_some_and(|c| c.is_lowercase()) {
                    add(first.to_string());
                }
            }
            if SPLIT.contains(&top.as_str()) && !in_tests {
                if is_mod_rs {
                    for child in &children {
                        if line.contains(&format!("{child}::")) {
                            add(format!("{top}::{child}"));
                        }
                    }
                } else {
                    for (first, _) in words_after(line, "super::") {
                        if first.chars().next().is_some_and(|c| c.is_lowercase()) {
                            add(format!("{top}::{first}"));
                        } else {
                            add(top.clone());
                        }
                    }
                }
            }
        }
    }
    // `crate::today()` and the like are functions of the crate root, not modules.
    let units: BTreeSet<String> = files
        .iter()
        .filter_map(|f| unit_of(f.strip_prefix(&root).expect("under src")))
        .collect();
    for to in edges.values_mut() {
        to.retain(|u, _| units.contains(u));
    }
    Graph { edges, crate_refs }
}

#[test]
fn the_engine_imports_nothing_of_the_crate_outside_it() {
    let g = graph();
    let bad: Vec<String> = g
        .crate_refs
        .get("engine")
        .into_iter()
        .flatten()
        .filter(|(m, _)| m.as_str() != "engine")
        .map(|(m, at)| format!("crate::{m} at {at}"))
        .collect();
    assert!(bad.is_empty(), "the engine reaches out: {bad:?}");
}

#[test]
fn extraction_imports_no_store_service_http_pipeline_or_cli() {
    let g = graph();
    let bad: Vec<String> = g
        .crate_refs
        .get("extract")
        .into_iter()
        .flatten()
        .filter(|(m, _)| !matches!(m.as_str(), "extract" | "engine"))
        .map(|(m, at)| format!("crate::{m} at {at}"))
        .collect();
    assert!(bad.is_empty(), "extraction reaches out: {bad:?}");
}

#[test]
fn module_imports_have_no_circles() {
    let g = graph();
    // Depth-first search for a back edge; report the circle with where each step imports.
    fn visit(
        u: &str,
        g: &BTreeMap<String, BTreeMap<String, String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(u.to_string(), 1);
        stack.push(u.to_string());
        for v in g
            .get(u)
            .map(|m| m.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            match state.get(&v).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|s| *s == v).unwrap_or(0);
                    let mut cycle: Vec<String> = stack[from..].to_vec();
                    cycle.push(v.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(&v, g, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(u.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    let units: Vec<String> = g.edges.keys().cloned().collect();
    assert!(
        units.iter().any(|u| u == "cli::scan") && units.iter().any(|u| u == "pipeline"),
        "the graph has the crate's modules: {units:?}"
    );
    for u in &units {
        if state.get(u).copied().unwrap_or(0) == 0 {
            if let Some(cycle) = visit(u, &g.edges, &mut state, &mut Vec::new()) {
                let steps: Vec<String> = cycle
                    .windows(2)
                    .map(|w| format!("{} → {} ({})", w[0], w[1], g.edges[&w[0]][&w[1]]))
                    .collect();
                panic!("an import circle: {}", steps.join(", "));
            }
        }
    }
    eprintln!("import graph:");
    for (u, to) in &g.edges {
        eprintln!(
            "  {u} → {}",
            to.keys().cloned().collect::<Vec<_>>().join(", ")
        );
    }
}
