//! One large document scanned on several threads gets exactly the report one thread gives:
//! the same findings (rule, severity, span, line, reason, location), decision and count of
//! findings left out, whatever is in the document (titles and heads, tables whose header stands
//! far above their cells, windows across any line, the candidate bound) and wherever the work
//! is cut.

#[path = "common/ruleset.rs"]
mod ruleset;
use ruleset::ruleset;
#[path = "support/adversarial.rs"]
mod adversarial;

use baomi::engine::{Cancel, PARALLEL_MIN};
use std::path::Path;

/// Every UTF-8 text fixture (the documents of the engine fixtures and of the labelled corpus;
/// the GBK ones test decoding, not this).
fn fixture_texts() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut paths = Vec::new();
    for dir in ["docs", "corpus/dev", "corpus/heldout"] {
        let mut found: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap_or_else(|e| panic!("fixtures/{dir}: {e}"))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        found.sort();
        paths.extend(found);
    }
    assert!(
        paths.len() > 500,
        "the fixtures are all here: {}",
        paths.len()
    );
    paths
        .iter()
        .filter_map(|p| {
            let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            String::from_utf8(bytes).ok()
        })
        .collect()
}

/// Checks one text on 2, 3 and 4 threads against one thread.
fn same_on_threads(name: &str, text: &str) {
    assert!(
        text.len() >= PARALLEL_MIN,
        "{name}: the text is large enough to be cut"
    );
    let engine = &ruleset().engine;
    let one = engine.scan(text);
    let want = serde_json::to_string(&one).expect("a report serialises");
    for threads in 2..=4 {
        let got = engine
            .scan_on(text, &Cancel::new(), threads)
            .expect("nothing cancels");
        let got = serde_json::to_string(&got).expect("a report serialises");
        assert!(
            got == want,
            "{name}: {threads} threads differ from one ({} and {} bytes of report)",
            got.len(),
            want.len()
        );
    }
    eprintln!(
        "{name}: {} bytes, {} findings, {} left out: same on 1–4 threads",
        text.len(),
        one.findings.len(),
        one.dropped
    );
}

/// The fixtures one after another, several times over, in three orders; with line feeds and
/// with CRLF; and as one long table under a header at the top.
#[test]
fn fixtures_put_together_scan_the_same_on_several_threads() {
    let texts = fixture_texts();
    let mut forward = String::new();
    while forward.len() < 3 * PARALLEL_MIN {
        for t in &texts {
            forward.push_str(t);
            forward.push('\n');
        }
    }
    same_on_threads("fixtures in order", &forward);

    let mut backward = String::new();
    while backward.len() < 2 * PARALLEL_MIN {
        for t in texts.iter().rev() {
            backward.push_str(t);
        }
    }
    same_on_threads("fixtures backwards, no line feed between", &backward);

    let crlf = forward.replace('\n', "\r\n");
    same_on_threads("fixtures with CRLF", &crlf);

    // A publicity table whose header is megabytes above most of its rows, and whose rows hold
    // identifiers the column header decides about.
    let mut table = String::from(
        "关于2026年度困难群众救助对象的公示\n\n序号\t姓名\t身份证号\t联系电话\t家庭住址\n",
    );
    let mut i = 0u64;
    while table.len() < 2 * PARALLEL_MIN {
        // A private mobile now and then (a hold under this header), an office line otherwise.
        let phone = if i.is_multiple_of(40) {
            format!("139{:08}", (i * 7919) % 100_000_000)
        } else {
            "0574-87654321".to_string()
        };
        table.push_str(&format!(
            "{i}\t张{}\t330211********{:04}\t{phone}\t宁波市江北区某路{}号\n",
            ["建国", "小红", "大军"][i as usize % 3],
            i % 10_000,
            i % 500
        ));
        if i.is_multiple_of(97) {
            table.push_str("。\n");
        }
        i += 1;
    }
    same_on_threads("one long table", &table);
}

/// The worst document of each stage, at 2 MiB: dense candidates, markers, windows without a
/// sentence end, a line that never ends, the candidate bound.
#[test]
fn worst_documents_scan_the_same_on_several_threads() {
    for g in adversarial::all() {
        let bytes = (g.make)(2 * PARALLEL_MIN);
        let text = String::from_utf8(bytes).expect("generators write UTF-8");
        same_on_threads(g.name, &text);
    }
    // Long enough to be probed: a dense text is read only until it reaches the cap, at the same
    // place whatever the threads.
    for g in adversarial::all() {
        let bytes = (g.make)(6 * PARALLEL_MIN);
        let text = String::from_utf8(bytes).expect("generators write UTF-8");
        same_on_threads(&format!("{} (6 MiB)", g.name), &text);
    }
}

/// The command line lends a large file the cores of idle workers: `-j 2` on one file prints
/// what `-j 1` prints, byte for byte, and exits alike (whether the file is read or mapped).
#[test]
fn the_command_prints_the_same_for_one_large_file_on_one_or_two_threads() {
    let dir = std::env::temp_dir().join(format!("baomi-threads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let texts = fixture_texts();
    let mut doc = String::new();
    while doc.len() < 3 * PARALLEL_MIN {
        for t in &texts {
            doc.push_str(t);
            doc.push('\n');
        }
    }
    let file = dir.join("large.txt");
    std::fs::write(&file, &doc).expect("write the document");
    let run = |jobs: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_baomi"))
            .args(["scan", "--format", "json", "-j", jobs])
            .arg(&file)
            .output()
            .expect("run baomi scan");
        (out.status.code(), out.stdout)
    };
    let (code1, out1) = run("1");
    let (code2, out2) = run("2");
    assert_eq!(code1, Some(1), "the document holds");
    assert_eq!(code1, code2);
    assert!(
        out1.len() > 100_000,
        "findings were printed: {} bytes",
        out1.len()
    );
    assert!(out1 == out2, "-j 2 printed something else than -j 1");
    let _ = std::fs::remove_dir_all(&dir);
}
