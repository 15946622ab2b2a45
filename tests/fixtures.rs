//! Every fixture document through the real binary: decision and hold categories as expected.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

#[derive(serde::Deserialize)]
struct Manifest {
    doc: Vec<Doc>,
}

#[derive(serde::Deserialize)]
struct Doc {
    file: String,
    decision: String,
    categories: Vec<String>,
    #[serde(default)]
    note: String,
}

fn manifest() -> Manifest {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("fixtures/expected.toml")).expect("manifest");
    toml::from_str(&text).expect("manifest parses")
}

#[test]
fn every_fixture_has_its_expected_decision_and_categories() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let m = manifest();
    assert!(m.doc.len() >= 60, "at least 60 fixtures");
    let docs_dir = root.join("fixtures/docs");
    // One invocation over the whole directory: JSON Lines, one object per file.
    let out = Command::new(env!("CARGO_BIN_EXE_baomi"))
        .args(["scan", "--format", "json"])
        .arg(&docs_dir)
        .output()
        .expect("run baomi");
    assert_eq!(out.status.code(), Some(1), "some fixtures hold: exit 1");
    let stdout = String::from_utf8(out.stdout).expect("utf-8 output");
    let mut results = std::collections::HashMap::new();
    for line in stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
        let path = v["path"].as_str().expect("path").to_string();
        let name = Path::new(&path)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        results.insert(name, v);
    }
    let mut failures = Vec::new();
    let on_disk = std::fs::read_dir(&docs_dir).unwrap().count();
    assert_eq!(
        on_disk,
        m.doc.len(),
        "every file in fixtures/docs has a manifest entry"
    );
    for d in &m.doc {
        let v = results
            .get(&d.file)
            .unwrap_or_else(|| panic!("no result for {}", d.file));
        assert!(v.get("error").is_none(), "{}: {}", d.file, v["error"]);
        let got_cats: BTreeSet<String> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == "hold")
            .map(|f| f["category"].as_str().unwrap().to_string())
            .collect();
        let want: BTreeSet<String> = d.categories.iter().cloned().collect();
        if v["decision"] != d.decision.as_str() || got_cats != want {
            let holds: Vec<String> = v["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["severity"] == "hold")
                .map(|f| format!("{}@{}:{}", f["rule"], f["line"], f["column"]))
                .collect();
            failures.push(format!(
                "{}: expected {} {:?}, got {} {:?} [{}] ({})",
                d.file,
                d.decision,
                want,
                v["decision"],
                got_cats,
                holds.join(", "),
                d.note
            ));
        }
    }
    let approve = m.doc.iter().filter(|d| d.decision == "approve").count();
    assert!(
        approve * 10 >= m.doc.len() * 4,
        "about half of the fixtures approve"
    );
    assert!(
        failures.is_empty(),
        "{} fixture(s) wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
