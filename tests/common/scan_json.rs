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

/// The (rule, category, severity, location) of each finding.
#[allow(dead_code)] // not every test file asks for it
pub fn findings(v: &serde_json::Value) -> Vec<(String, String, String, String)> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
            (s("rule"), s("category"), s("severity"), s("location"))
        })
        .collect()
}
