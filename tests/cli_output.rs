//! What `baomi scan` does with its output: a write that fails is reported (exit 2), a reader
//! that goes away ends the scan quietly, every format comes out the same whatever the number
//! of threads, and the SARIF is valid JSON that names no made-up site.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn docs() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/docs")
        .display()
        .to_string()
}

fn baomi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_baomi"))
        .args(args)
        .output()
        .unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn a_failed_write_is_an_error() {
    let docs = docs();
    for format in ["text", "json", "sarif"] {
        for extra in [&[][..], &["--summary"][..]] {
            let full = std::fs::File::create("/dev/full").unwrap();
            let o = Command::new(env!("CARGO_BIN_EXE_baomi"))
                .args(["scan", "--format", format])
                .args(extra)
                .arg(&docs)
                .stdout(full)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{format} {extra:?}: {stderr}");
            assert!(
                stderr.contains("baomi: cannot write the output: ")
                    && stderr.contains("No space left on device"),
                "{format} {extra:?}: {stderr}"
            );
        }
    }
}

#[test]
fn a_closed_pipe_ends_the_scan_quietly() {
    // The fixtures forty times over (megabytes of text, more than the pipe holds), then
    // standard input, which the test keeps open and never writes: a scan that went on after
    // its reader left would wait there for ever.
    let docs = docs();
    let mut child = Command::new(env!("CARGO_BIN_EXE_baomi"))
        .args(["scan", "-j", "2"])
        .args(std::iter::repeat_n(&docs, 40))
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _stdin = child.stdin.take();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    assert!(
        first.contains(": 通过 APPROVE") || first.contains(": 暂缓发布 HOLD"),
        "{first}"
    );
    drop(reader);
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the scan went on after its reader left");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(stderr, "", "no message for a closed pipe");
    // The exit code of the files printed so far: the fixtures hold, none is unreadable.
    assert!(
        matches!(status.code(), Some(0 | 1)),
        "not killed, no error: {status:?}"
    );
}

/// The summary's timing line differs from run to run; everything else must not.
fn without_timings(format: &str, out: &str) -> String {
    if format == "json" {
        let mut v: Value = serde_json::from_str(out.trim()).unwrap();
        for k in ["seconds", "files_per_second", "mb_per_second"] {
            v.as_object_mut().unwrap().remove(k).unwrap();
        }
        v.to_string()
    } else {
        out.lines()
            .filter(|l| !l.contains(" 个文件，") || !l.contains("MB/秒"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[test]
fn every_format_is_the_same_on_one_thread_and_four() {
    let docs = docs();
    for format in ["text", "json", "sarif"] {
        let run = |j: &str| baomi(&["scan", "--format", format, "-j", j, &docs]);
        let (one, four) = (run("1"), run("4"));
        assert_eq!(one.status.code(), Some(1), "{format}");
        assert_eq!(one.status.code(), four.status.code(), "{format}");
        assert!(one.stdout.len() > 10_000, "{format}");
        assert!(one.stdout == four.stdout, "{format}: -j 1 and -j 4 differ");
    }
    for format in ["text", "json"] {
        let run = |j: &str| baomi(&["scan", "--summary", "--format", format, "-j", j, &docs]);
        let (one, four) = (run("1"), run("4"));
        assert_eq!(one.status.code(), Some(1), "summary {format}");
        let text = |o: &Output| without_timings(format, &String::from_utf8_lossy(&o.stdout));
        assert_eq!(text(&one), text(&four), "summary {format}");
        assert!(
            text(&one).contains("hold") || text(&one).contains("拦截"),
            "summary {format}"
        );
    }
}

#[test]
fn sarif_is_json_and_names_no_made_up_site() {
    let o = baomi(&["scan", "--format", "sarif", &docs()]);
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(!text.contains("example.invalid"));
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let driver = &v["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "baomi");
    // Optional in SARIF; only the repository Cargo.toml names, if it names one.
    match env!("CARGO_PKG_REPOSITORY") {
        "" => assert!(driver.get("informationUri").is_none(), "{driver}"),
        repository => assert_eq!(driver["informationUri"], repository),
    }
    assert!(v["runs"][0]["results"].as_array().unwrap().len() > 100);
}
