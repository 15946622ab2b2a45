//! `baomi scan --format json FILE` through the real binary, for the per-format tests.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A fixture of `fixtures/formats/<dir>/`.
pub fn format_fixture(dir: &str, name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/formats")
        .join(dir)
        .join(name)
}

/// The exit code and the JSON object of `baomi scan --format json FILE`.
pub fn scan_json(file: &Path) -> (i32, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_baomi"))
        .args(["scan", "--format", "json"])
        .arg(file)
        .output()
        .expect("baomi runs");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
    let line = stdout.lines().next().unwrap_or_else(|| {
        panic!(
            "{}: no output; stderr: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let v =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("{}: {e}: {line}", file.display()));
    (out.status.code().expect("an exit code"), v)
}

/// The rules that found a finding: its own, and those merged into it (`also`).
pub fn rules_of(f: &serde_json::Value) -> Vec<String> {
    let also = f["also"].as_array().into_iter().flatten();
    std::iter::once(&f["rule"])
        .chain(also)
        .filter_map(|r| r.as_str().map(str::to_string))
        .collect()
}

/// Whether `rule` found this finding (as its rule or merged into it).
#[allow(dead_code)] // not every test file asks for it
pub fn found_by(f: &serde_json::Value, rule: &str) -> bool {
    rules_of(f).iter().any(|r| r == rule)
}

/// The (rule, category, severity, location) of each finding, once for each rule that found it
/// (a merged finding lists its own rule and those in `also`).
#[allow(dead_code)] // not every test file asks for it
pub fn findings(v: &serde_json::Value) -> Vec<(String, String, String, String)> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .flat_map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
            rules_of(f)
                .into_iter()
                .map(move |r| (r, s("category"), s("severity"), s("location")))
        })
        .collect()
}
