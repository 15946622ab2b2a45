//! Scanning in linear time, counted in instructions rather than seconds: for the worst document
//! of each stage (`tests/support/adversarial.rs`), doubling the document must not more than
//! about double the work of `baomi scan`. Work is counted by callgrind (valgrind), which gives
//! the same count for the same binary and input whatever else the machine is doing; a timing
//! assertion would not. A quadratic stage shows as a ratio near 4.

#[path = "support/adversarial.rs"]
mod adversarial;

use std::path::Path;
use std::process::Command;

fn baomi() -> &'static str {
    env!("CARGO_BIN_EXE_baomi")
}

/// Instructions `baomi scan --quiet --summary FILE` executes, by callgrind.
fn instructions(file: &Path) -> u64 {
    let out = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(baomi())
        .args(["scan", "--quiet", "--summary"])
        .arg(file)
        .output()
        .unwrap_or_else(|e| {
            panic!("valgrind could not be run ({e}): tests/setup.sh installs it (Debian package valgrind)")
        });
    let err = String::from_utf8_lossy(&out.stderr);
    err.lines()
        .find_map(|l| l.split("Collected :").nth(1))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no instruction count in callgrind's output:\n{err}"))
}

#[test]
fn doubling_the_worst_document_of_each_stage_about_doubles_the_work() {
    let dir = tempfile::tempdir().unwrap();
    let base_file = dir.path().join("base.txt");
    std::fs::write(&base_file, "关于做好年度工作的通知\n").unwrap();
    let base = instructions(&base_file);

    const N: usize = 512 * 1024;
    let gens = adversarial::all();
    // Two at a time: the machine has two cores, and callgrind runs a program on one.
    let results: Vec<(String, u64, u64)> = std::thread::scope(|s| {
        let handles: Vec<_> = gens
            .chunks(gens.len().div_ceil(2))
            .map(|chunk| {
                let dir = dir.path();
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|g| {
                            let mut work = [0u64; 2];
                            for (k, n) in [N, 2 * N].into_iter().enumerate() {
                                let f = dir.join(format!("{}-{k}.txt", g.name));
                                std::fs::write(&f, (g.make)(n)).unwrap();
                                work[k] = instructions(&f).saturating_sub(base);
                            }
                            (g.name.to_string(), work[0], work[1])
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });

    let mut table = format!("baseline (startup, rule set): {base} instructions\n");
    let mut bad = Vec::new();
    for (name, one, two) in &results {
        let ratio = *two as f64 / (*one).max(1) as f64;
        table.push_str(&format!(
            "{name:<20} {:>6.1} instr/byte at 512 KiB, {:>6.1} at 1 MiB, ratio {ratio:.2}\n",
            *one as f64 / N as f64,
            *two as f64 / (2 * N) as f64,
        ));
        if ratio > 2.5 {
            bad.push(name.as_str());
        }
    }
    eprintln!("{table}");
    assert!(
        bad.is_empty(),
        "work grows faster than the document for {bad:?}:\n{table}"
    );
}

/// A document with more findings than a report keeps holds with a `finding_cap` finding, and
/// the scan stops making candidates rather than judging all of them.
#[test]
fn a_flood_of_findings_holds_and_stops() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("flood.txt");
    // About 60,000 hold findings of mobile numbers.
    let text: String = (0..60_000)
        .map(|i| format!("联系人手机{}，", 13_900_000_000u64 + i * 7))
        .collect();
    std::fs::write(&f, text).unwrap();
    let out = Command::new(baomi())
        .args(["scan", "--format", "json"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["decision"], "hold");
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.len() <= 10_001, "{} findings kept", findings.len());
    let cap = findings.last().unwrap();
    assert_eq!(cap["rule"], "finding_cap");
    assert_eq!(cap["category"], "unreadable");
    assert_eq!(cap["severity"], "hold");
}
