//! The real `baomi` binary: the JSON Lines contract, exit codes, inputs (files, directories,
//! stdin, bad encodings), text output that never shows an identifier, and the `rules` commands.
//!
//! Broken rule sets are fixtures: `fixtures/cli/rules/<case>/rules.toml` with the exact error
//! line in `expected_error.txt` beside it (the loader only reads `*.toml`).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use sha2::{Digest, Sha256};

const TODAY: u32 = 20261126;
const ID: &str = "110101195001010009";
const MOBILE: &str = "13900000001";

const HOLD_DOC: &str =
    "关于某事项的公示\n申请人张三，身份证号110101195001010009，电话13900000001。\n";
const APPROVE_DOC: &str = "关于开展春季植树活动的通知\n请各单位认真落实。\n";

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_baomi"));
    cmd.args(args)
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FORCE_COLOR")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run baomi");
    if let Some(bytes) = stdin {
        let mut si = child.stdin.take().unwrap();
        // The child may exit (e.g. on a rule error) before reading its input: a broken pipe
        // here is not the test's concern, the exit code and output are.
        if let Err(e) = si.write_all(bytes) {
            assert_eq!(
                e.kind(),
                std::io::ErrorKind::BrokenPipe,
                "writing stdin: {e}"
            );
        }
    }
    child.wait_with_output().expect("wait for baomi")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code (not killed by a signal)")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_lines(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().expect("object").keys().cloned().collect()
}

fn set(ks: &[&str]) -> BTreeSet<String> {
    ks.iter().map(|k| k.to_string()).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, bytes).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

fn default_id() -> String {
    baomi::rules::default_ruleset(TODAY).id
}

fn fixture_rules(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/cli/rules")
        .join(case)
}

/// Checks one result object against the file's bytes and the library's own scan.
fn check_result(v: &Value, path: &str, bytes: &[u8]) {
    assert_eq!(
        keys(v),
        set(&["path", "decision", "sha256", "ruleset", "findings"]),
        "{v}"
    );
    assert_eq!(v["path"], path);
    assert_eq!(
        v["sha256"],
        sha256_hex(bytes),
        "sha256 is over the file's bytes"
    );
    assert_eq!(v["ruleset"], default_id());
    let doc = baomi::extract::extract(bytes).expect("readable input");
    let text: &str = &doc.text;
    let report = baomi::pipeline::scan_bytes(&baomi::rules::default_ruleset(TODAY).engine, bytes)
        .expect("readable input");
    assert_eq!(v["decision"], report.decision.as_str());
    let findings = v["findings"].as_array().expect("findings array");
    for f in findings {
        let mut k = keys(f);
        // Present only on a finding that others were merged into.
        k.remove("also");
        assert_eq!(
            k,
            set(&[
                "category",
                "rule",
                "rule_name",
                "severity",
                "start",
                "end",
                "line",
                "column",
                "text",
                "reason",
                "location"
            ]),
            "{f}"
        );
        let (start, end) = (
            f["start"].as_u64().unwrap() as usize,
            f["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(
            &text[start..end],
            f["text"].as_str().unwrap(),
            "offsets are into the decoded text"
        );
        assert!(["hold", "warn"].contains(&f["severity"].as_str().unwrap()));
        assert!(
            baomi::Category::parse(f["category"].as_str().unwrap()).is_some(),
            "{f}"
        );
        assert!(f["line"].as_u64().unwrap() >= 1 && f["column"].as_u64().unwrap() >= 1);
        assert!(!f["reason"].as_str().unwrap().is_empty());
        assert!(
            baomi::Location::parse(f["location"].as_str().unwrap()).is_some(),
            "{f}"
        );
    }
    assert_eq!(
        v["findings"],
        serde_json::to_value(&report.findings).unwrap(),
        "same findings as the library"
    );
}

// ---------------------------------------------------------------------------------------------
// JSON Lines contract and exit codes
// ---------------------------------------------------------------------------------------------

#[test]
fn json_lines_contract() {
    let dir = tempfile::tempdir().unwrap();
    let hold = write(dir.path(), "hold.txt", HOLD_DOC.as_bytes());
    let approve = write(dir.path(), "approve.txt", APPROVE_DOC.as_bytes());
    let empty = write(dir.path(), "empty.txt", b"");
    let o = run(
        &["scan", "--format", "json", s(&hold), s(&approve), s(&empty)],
        None,
    );
    assert_eq!(code(&o), 1, "a hold: exit 1; stderr {}", stderr(&o));
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 3, "one line per input, in argument order");
    check_result(&lines[0], s(&hold), HOLD_DOC.as_bytes());
    check_result(&lines[1], s(&approve), APPROVE_DOC.as_bytes());
    check_result(&lines[2], s(&empty), b"");
    assert_eq!(lines[0]["decision"], "hold");
    assert_eq!(lines[1]["decision"], "approve");
    assert_eq!(lines[2]["decision"], "approve");
    assert_eq!(lines[1]["findings"].as_array().unwrap().len(), 0);

    let f = lines[0]["findings"].as_array().unwrap();
    let id = f
        .iter()
        .find(|f| f["rule"] == "resident_id")
        .expect("resident_id finding");
    assert_eq!(id["category"], "personal_privacy");
    assert_eq!(id["severity"], "hold");
    assert_eq!(id["text"], ID);
    assert_eq!(
        (id["line"].as_u64(), id["column"].as_u64()),
        (Some(2), Some(11))
    );
    let m = f
        .iter()
        .find(|f| f["rule"] == "mobile")
        .expect("mobile finding");
    assert_eq!(
        (m["line"].as_u64(), m["column"].as_u64(), m["text"].as_str()),
        (Some(2), Some(32), Some(MOBILE))
    );
    // Every line is one compact object: no pretty-printing across lines.
    assert_eq!(stdout(&o).lines().count(), 3);
    assert!(stdout(&o).ends_with('\n'));
}

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let hold = write(dir.path(), "hold.txt", HOLD_DOC.as_bytes());
    let approve = write(dir.path(), "approve.txt", APPROVE_DOC.as_bytes());
    let approve2 = write(dir.path(), "approve2.txt", "普通通知。".as_bytes());
    // Binary data: an error (GBK text is read now, so it no longer serves here).
    let gbk = write(
        dir.path(),
        "garbage.bin",
        b"abc\x01\x02\x03\xff\xfe\x00\x10",
    );
    let missing = dir.path().join("missing.txt");
    let cases: &[(&[&Path], i32)] = &[
        (&[&approve], 0),
        (&[&approve, &approve2], 0),
        (&[&hold], 1),
        (&[&approve, &hold, &approve2], 1),
        (&[&missing], 2),
        (&[&approve, &missing], 2),
        (&[&hold, &missing], 2),
        (&[&missing, &hold], 2),
        (&[&hold, &gbk], 2),
        (&[&gbk, &hold, &approve], 2),
    ];
    for (paths, want) in cases {
        for format in ["json", "text"] {
            let mut args = vec!["scan", "--format", format];
            args.extend(paths.iter().map(|p| s(p)));
            let o = run(&args, None);
            assert_eq!(code(&o), *want, "{args:?}\n{}", stdout(&o));
        }
    }
    // Usage errors are errors too.
    assert_eq!(code(&run(&["scan"], None)), 2);
    assert_eq!(
        code(&run(&["scan", "--format", "xml", s(&approve)], None)),
        2
    );
    assert_eq!(code(&run(&["frobnicate"], None)), 2);
}

#[test]
fn stdin_is_dash() {
    let o = run(
        &["scan", "--format", "json", "-"],
        Some(HOLD_DOC.as_bytes()),
    );
    assert_eq!(code(&o), 1);
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 1);
    check_result(&lines[0], "-", HOLD_DOC.as_bytes());

    let o = run(
        &["scan", "--format", "json", "-"],
        Some(APPROVE_DOC.as_bytes()),
    );
    assert_eq!(code(&o), 0);
    check_result(&json_lines(&o)[0], "-", APPROVE_DOC.as_bytes());

    // Text format, and stdin mixed with a file.
    let dir = tempfile::tempdir().unwrap();
    let approve = write(dir.path(), "a.txt", APPROVE_DOC.as_bytes());
    let o = run(&["scan", s(&approve), "-"], Some("内部资料\n".as_bytes()));
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(out.contains("-: 暂缓发布 HOLD"), "{out}");
    assert!(
        out.contains(&format!("{}: 通过 APPROVE", s(&approve))),
        "{out}"
    );
}

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

#[test]
fn directories_are_scanned_recursively_in_sorted_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("docs");
    let files: &[(&str, &str)] = &[
        ("c.txt", APPROVE_DOC),
        ("a/z.txt", HOLD_DOC),
        ("b.txt", APPROVE_DOC),
        ("a/c/y.txt", APPROVE_DOC),
        ("a/c/deeper/x.md", "秘密★1年\n"),
    ];
    for (name, text) in files {
        write(&root, name, text.as_bytes());
    }
    std::fs::create_dir_all(root.join("empty/dir")).unwrap();
    let o = run(&["scan", "--format", "json", s(&root)], None);
    assert_eq!(code(&o), 1);
    let lines = json_lines(&o);
    let got: Vec<String> = lines
        .iter()
        .map(|v| v["path"].as_str().unwrap().to_string())
        .collect();
    let want: Vec<String> = ["a/c/deeper/x.md", "a/c/y.txt", "a/z.txt", "b.txt", "c.txt"]
        .iter()
        .map(|n| s(&root.join(n)).to_string())
        .collect();
    assert_eq!(got, want, "every file, depth first, sorted by name");
    for (v, path) in lines.iter().zip(&want) {
        let bytes = std::fs::read(path).unwrap();
        check_result(v, path, &bytes);
    }
    let decisions: Vec<&str> = lines
        .iter()
        .map(|v| v["decision"].as_str().unwrap())
        .collect();
    assert_eq!(decisions, ["hold", "approve", "hold", "approve", "approve"]);
}

#[test]
fn missing_path_is_an_error_and_scanning_continues() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.txt", APPROVE_DOC.as_bytes());
    let b = write(dir.path(), "b.txt", APPROVE_DOC.as_bytes());
    let missing = dir.path().join("no/such/file.txt");
    let o = run(
        &["scan", "--format", "json", s(&a), s(&missing), s(&b)],
        None,
    );
    assert_eq!(code(&o), 2);
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 3);
    let err = lines
        .iter()
        .find(|v| v.get("error").is_some())
        .expect("an error line");
    assert_eq!(keys(err), set(&["path", "error"]));
    assert_eq!(err["path"], s(&missing));
    assert!(
        err["error"].as_str().unwrap().contains("no such file"),
        "{err}"
    );
    let ok: Vec<&Value> = lines
        .iter()
        .filter(|v| v.get("decision").is_some())
        .collect();
    assert_eq!(ok.len(), 2, "the other files are still scanned");
    check_result(ok[0], s(&a), APPROVE_DOC.as_bytes());
    check_result(ok[1], s(&b), APPROVE_DOC.as_bytes());

    // Text format names the path and says ERROR.
    let o = run(&["scan", s(&a), s(&missing)], None);
    assert_eq!(code(&o), 2);
    let out = stdout(&o);
    assert!(out.contains(s(&missing)) && out.contains("ERROR"), "{out}");
    assert!(out.contains("无法读取 1"), "{out}");
}

#[cfg(unix)]
#[test]
fn unreadable_entries_in_a_directory_are_errors() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("d");
    write(&root, "a.txt", APPROVE_DOC.as_bytes());
    write(&root, "z.txt", HOLD_DOC.as_bytes());
    symlink(root.join("nowhere.txt"), root.join("dangling.txt")).unwrap();
    symlink(root.join("loop.txt"), root.join("loop.txt")).unwrap();
    let locked = write(&root, "m_locked.txt", APPROVE_DOC.as_bytes());
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads anything: then the locked file is just a file.
    let locked_is_unreadable = std::fs::read(&locked).is_err();

    let o = run(&["scan", "--format", "json", s(&root)], None);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    let lines = json_lines(&o);
    let by_name = |n: &str| {
        lines
            .iter()
            .find(|v| v["path"] == s(&root.join(n)))
            .unwrap_or_else(|| panic!("no line for {n}"))
    };
    for n in ["dangling.txt", "loop.txt"] {
        let v = by_name(n);
        assert_eq!(keys(v), set(&["path", "error"]), "{v}");
        assert!(!v["error"].as_str().unwrap().is_empty());
    }
    if locked_is_unreadable {
        let v = by_name("m_locked.txt");
        assert_eq!(keys(v), set(&["path", "error"]));
        assert!(
            v["error"].as_str().unwrap().contains("permission denied"),
            "{v}"
        );
    }
    check_result(
        by_name("a.txt"),
        s(&root.join("a.txt")),
        APPROVE_DOC.as_bytes(),
    );
    check_result(
        by_name("z.txt"),
        s(&root.join("z.txt")),
        HOLD_DOC.as_bytes(),
    );
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();
}

#[test]
fn legacy_encodings_are_read_and_binary_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    // "内部资料" in GBK, and in UTF-16LE with a byte-order mark: both read, both hold.
    let gbk_bytes = b"\xC4\xDA\xB2\xBF\xD7\xCA\xC1\xCF";
    let gbk = write(dir.path(), "gbk.txt", gbk_bytes);
    let bin = write(dir.path(), "image.bin", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    let utf16_bytes = b"\xFF\xFE\x85\x51\xE8\x90\x44\x8D\x99\x65";
    let utf16 = write(dir.path(), "utf16.txt", utf16_bytes);
    let garbage = write(
        dir.path(),
        "garbage.dat",
        b"abc\x01\x02\x03\xff\xfe\x00\x10",
    );
    let ok = write(dir.path(), "ok.txt", APPROVE_DOC.as_bytes());
    let o = run(
        &[
            "scan",
            "--format",
            "json",
            s(&gbk),
            s(&bin),
            s(&utf16),
            s(&garbage),
            s(&ok),
        ],
        None,
    );
    assert_eq!(code(&o), 2);
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 5);
    let err = |i: usize| -> String {
        assert_eq!(keys(&lines[i]), set(&["path", "error"]), "{}", lines[i]);
        lines[i]["error"].as_str().unwrap().to_string()
    };
    check_result(&lines[0], s(&gbk), gbk_bytes);
    assert_eq!(lines[0]["decision"], "hold");
    // An image is not an error: it holds unread, for a person to look at.
    check_result(&lines[1], s(&bin), b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR");
    assert_eq!(lines[1]["decision"], "hold");
    assert_eq!(lines[1]["findings"][0]["category"], "unreadable");
    assert_eq!(lines[1]["findings"][0]["rule"], "unreadable_content");
    assert!(
        lines[1]["findings"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("PNG 图片"),
        "{}",
        lines[1]
    );
    check_result(&lines[2], s(&utf16), utf16_bytes);
    assert_eq!(lines[2]["decision"], "hold");
    assert!(
        err(3).contains("binary") && err(3).contains("UTF-8"),
        "{}",
        err(3)
    );
    check_result(&lines[4], s(&ok), APPROVE_DOC.as_bytes());

    // Text output too.
    let o = run(&["scan", s(&garbage)], None);
    assert_eq!(code(&o), 2);
    assert!(stdout(&o).contains("binary"), "{}", stdout(&o));
}

#[test]
fn bom_and_crlf_files_work() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = "\u{feff}关于某事项\r\n本材料仅供内部参考。\r\n".as_bytes();
    let p = write(dir.path(), "bom_crlf.txt", bytes);
    let o = run(&["scan", "--format", "json", s(&p)], None);
    assert_eq!(code(&o), 1);
    let v = &json_lines(&o)[0];
    check_result(v, s(&p), bytes);
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "internal_marking")
        .expect("finding");
    assert_eq!(f["text"], "仅供内部参考");
    // Offsets are into the text after the byte-order mark.
    assert_eq!(
        (
            f["start"].as_u64(),
            f["line"].as_u64(),
            f["column"].as_u64()
        ),
        (Some(26), Some(2), Some(4))
    );

    // A BOM alone, and CRLF without BOM, approve cleanly.
    let p2 = write(dir.path(), "bom_only.txt", b"\xEF\xBB\xBF");
    let p3 = write(dir.path(), "crlf.txt", "普通通知\r\n第二行\r\n".as_bytes());
    let o = run(&["scan", "--format", "json", s(&p2), s(&p3)], None);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
}

// ---------------------------------------------------------------------------------------------
// Text output
// ---------------------------------------------------------------------------------------------

#[test]
fn text_output_shows_positions_but_never_the_identifier() {
    let dir = tempfile::tempdir().unwrap();
    let hold = write(dir.path(), "hold.txt", HOLD_DOC.as_bytes());
    let approve = write(dir.path(), "approve.txt", APPROVE_DOC.as_bytes());
    let o = run(&["scan", s(&hold), s(&approve)], None);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(
        !out.contains('\x1b'),
        "no colour codes when stdout is not a terminal: {out:?}"
    );
    assert!(
        out.contains(&format!("{}: 暂缓发布 HOLD", s(&hold))),
        "{out}"
    );
    assert!(
        out.contains(&format!("{}: 通过 APPROVE", s(&approve))),
        "{out}"
    );
    for (line, col) in [(2, 11), (2, 32)] {
        assert!(
            out.contains(&format!("{line}:{col}")),
            "line:column {line}:{col} in {out}"
        );
    }
    assert!(
        out.contains("身份证号码（resident_id）")
            && out.contains("手机号码（mobile）")
            && out.contains("个人隐私"),
        "{out}"
    );
    assert!(
        out.contains(&baomi::engine::mask(ID)),
        "masked ID shown: {out}"
    );
    assert!(
        out.contains(&baomi::engine::mask(MOBILE)),
        "masked mobile shown: {out}"
    );
    assert!(
        !out.contains(ID),
        "the full ID must never be printed: {out}"
    );
    assert!(
        !out.contains(MOBILE),
        "the full mobile must never be printed: {out}"
    );
    assert!(
        !out.contains(&ID[3..15]),
        "no long run of the ID either: {out}"
    );
    assert!(
        out.contains("2 个文件：通过 1，暂缓发布 1，无法读取 0"),
        "summary: {out}"
    );
    assert!(
        out.contains(&default_id()),
        "summary names the rule set: {out}"
    );
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}

#[test]
fn text_output_masks_identifiers_from_every_detector() {
    let doc =
        "持卡人李四，银行卡号6222020000000007，护照号码E12345678，证件号码11010119750501001X。\n";
    let o = run(&["scan", "-"], Some(doc.as_bytes()));
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    for secret in ["6222020000000007", "E12345678", "11010119750501001X"] {
        assert!(!out.contains(secret), "{secret} printed: {out}");
    }
    for rule in ["bank_card", "passport", "resident_id"] {
        assert!(out.contains(rule), "{rule} missing: {out}");
    }
}

// ---------------------------------------------------------------------------------------------
// Rule sets
// ---------------------------------------------------------------------------------------------

#[test]
fn rules_test_passes_on_the_shipped_rules() {
    let o = run(&["rules", "test"], None);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains(" 0 failed"), "{}", stdout(&o));
    assert!(!stdout(&o).contains("FAIL"), "{}", stdout(&o));
}

#[test]
fn rules_test_runs_every_example() {
    // Whatever the verdicts, every example runs and the summary names the rule set.
    let o = run(&["rules", "test"], None);
    assert!([0, 1].contains(&code(&o)), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(&format!("rule set {}:", default_id())),
        "{out}"
    );
    assert!(out.contains("examples in"), "{out}");
    // Against the shipped rules directory as well: same id as the embedded copy.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let o2 = run(&["rules", "test", "--rules", s(&dir)], None);
    assert_eq!(code(&o2), code(&o));
    assert!(
        stdout(&o2).contains(&format!("rule set {}:", default_id())),
        "{}",
        stdout(&o2)
    );
}

#[test]
fn rules_check_passes_on_the_shipped_rules() {
    let o = run(&["rules", "check"], None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains(&default_id()) && out.contains("OK"), "{out}");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let o = run(&["rules", "check", "--rules", s(&dir)], None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&default_id()),
        "rules/ and the embedded copy agree: {}",
        stdout(&o)
    );
}

#[test]
fn broken_rule_sets_exit_2_and_point_at_file_line_column() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cli/rules");
    let dir = tempfile::tempdir().unwrap();
    let doc = write(dir.path(), "doc.txt", HOLD_DOC.as_bytes());
    let mut cases = 0;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for case in entries {
        let Ok(expected) = std::fs::read_to_string(case.join("expected_error.txt")) else {
            continue;
        };
        cases += 1;
        let expected = expected.trim_end();
        // The message names the file as `<rule dir>/<file>:LINE:COL: message`.
        let want = format!("{}/{expected}", s(&case));
        // `example_*` cases compile: only `rules check` (exit 2) and `rules test` (exit 1, the
        // failure on stdout) see them.
        let example_case = case
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("example_");
        let commands = if example_case {
            vec![
                vec!["rules", "check", "--rules", s(&case)],
                vec!["rules", "test", "--rules", s(&case)],
            ]
        } else {
            vec![
                vec!["rules", "check", "--rules", s(&case)],
                vec!["rules", "test", "--rules", s(&case)],
                vec!["scan", "--format", "json", "--rules", s(&case), s(&doc)],
            ]
        };
        for args in commands {
            let o = run(&args, None);
            if example_case && args[1] == "test" {
                assert_eq!(code(&o), 1, "{args:?}: {}", stdout(&o));
                let out = stdout(&o);
                assert!(
                    out.lines().any(|l| l == format!("FAIL {want}")),
                    "{args:?}: expected FAIL {want} in\n{out}"
                );
                continue;
            }
            assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
            let err = stderr(&o);
            assert!(
                err.lines().any(|l| l == want),
                "{args:?}: expected line\n{want}\nin stderr\n{err}"
            );
            if args[0] == "scan" {
                assert!(
                    stdout(&o).is_empty(),
                    "nothing is scanned with a broken rule set: {}",
                    stdout(&o)
                );
            }
        }
    }
    assert!(cases >= 11, "found {cases} broken rule-set fixtures");
}

/// Warnings are printed with their place and do not fail the check.
#[test]
fn rule_warnings_do_not_fail() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cli/rules/warnings_only");
    let expected = std::fs::read_to_string(case.join("expected_warnings.txt")).unwrap();
    let o = run(&["rules", "check", "--rules", s(&case)], None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    for line in expected.lines() {
        let (prefix, rest) = line.split_once(": ").unwrap();
        let want = format!("{prefix}: {}/{rest}", s(&case));
        assert!(
            err.lines().any(|l| l == want),
            "expected\n{want}\nin\n{err}"
        );
    }
    assert!(stdout(&o).contains("2 warning(s), OK"));
}

#[test]
fn broken_rule_file_written_at_runtime() {
    // An unknown category and a bad regex in a temp rule directory, one file each.
    let dir = tempfile::tempdir().unwrap();
    let cat = dir.path().join("cat");
    write(&cat, "custom.toml", "category = \"top_secret\"\n\n[[rule]]\nid = \"a\"\nseverity = \"hold\"\nterms = [\"机密文件\"]\n".as_bytes());
    let o = run(&["rules", "check", "--rules", s(&cat)], None);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains(&format!(
            "{}:1:12: unknown category `top_secret`",
            s(&cat.join("custom.toml"))
        )),
        "{}",
        stderr(&o)
    );

    let re = dir.path().join("re");
    write(&re, "custom.toml", "category = \"state_secret\"\n\n[[rule]]\nid = \"b\"\nseverity = \"hold\"\nkeywords = [\"密\"]\npattern = '[密'\n".as_bytes());
    let o = run(&["rules", "check", "--rules", s(&re)], None);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains(&format!(
            "{}:7:11: invalid regex",
            s(&re.join("custom.toml"))
        )),
        "{}",
        stderr(&o)
    );

    // A directory with no rule files, and one that does not exist.
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let o = run(&["rules", "check", "--rules", s(&empty)], None);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no *.toml"), "{}", stderr(&o));
    let nowhere = dir.path().join("nowhere");
    let o = run(&["scan", "--rules", s(&nowhere), "-"], Some(b"x"));
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains(s(&nowhere)), "{}", stderr(&o));
}

#[test]
fn custom_rule_set_changes_the_ruleset_id() {
    let tiny = fixture_rules("tiny");
    let files = baomi::rules::load_dir(&tiny).expect("tiny rules load");
    let tiny_id = baomi::rules::ruleset_id(&files);
    assert_ne!(tiny_id, default_id());

    let o = run(
        &["scan", "--format", "json", "--rules", s(&tiny), "-"],
        Some("这里有测试用语。内部资料".as_bytes()),
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let v = &json_lines(&o)[0];
    assert_eq!(v["ruleset"], tiny_id.as_str());
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "only the tiny rule applies: {v}");
    assert_eq!(
        (
            f[0]["rule"].as_str(),
            f[0]["text"].as_str(),
            f[0]["start"].as_u64()
        ),
        (Some("tiny_term"), Some("测试用语"), Some(9))
    );

    // The default rules are not applied: 内部资料 alone approves.
    let o = run(
        &["scan", "--format", "json", "--rules", s(&tiny), "-"],
        Some("内部资料".as_bytes()),
    );
    assert_eq!(code(&o), 0);
    assert_eq!(json_lines(&o)[0]["ruleset"], tiny_id.as_str());

    // `rules check` and `rules test` report the same id.
    let o = run(&["rules", "check", "--rules", s(&tiny)], None);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains(&tiny_id), "{}", stdout(&o));
    let o = run(&["rules", "test", "--rules", s(&tiny)], None);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(
        stdout(&o).contains(&tiny_id) && stdout(&o).contains(" 0 failed"),
        "{}",
        stdout(&o)
    );

    // The id depends on file names and content, not on where the directory lives.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("elsewhere");
    write(
        &copy,
        "tiny.toml",
        &std::fs::read(tiny.join("tiny.toml")).unwrap(),
    );
    let o = run(
        &["scan", "--format", "json", "--rules", s(&copy), "-"],
        Some(b"ok"),
    );
    assert_eq!(json_lines(&o)[0]["ruleset"], tiny_id.as_str());
    // Changing the content changes the id.
    write(
        &copy,
        "tiny.toml",
        &[
            std::fs::read(tiny.join("tiny.toml")).unwrap(),
            b"\n# edited\n".to_vec(),
        ]
        .concat(),
    );
    let o = run(
        &["scan", "--format", "json", "--rules", s(&copy), "-"],
        Some(b"ok"),
    );
    assert_ne!(json_lines(&o)[0]["ruleset"], tiny_id.as_str());
}

/// `rules diff` shows what an edit would change before it goes live.
#[test]
fn rules_diff_lists_changed_documents_and_rules() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cli/rules/tiny/tiny.toml");
    let old = dir.path().join("old");
    let new = dir.path().join("new");
    let text = std::fs::read_to_string(&tiny).unwrap();
    write(&old, "tiny.toml", text.as_bytes());
    write(
        &new,
        "tiny.toml",
        text.replace(
            "terms = [\"测试用语\"]",
            "terms = [\"测试用语\", \"红线台账\"]",
        )
        .as_bytes(),
    );
    let corpus = dir.path().join("corpus");
    write(&corpus, "a.txt", "请报送红线台账。\n".as_bytes());
    write(&corpus, "b.txt", "这里有测试用语。\n".as_bytes());
    write(&corpus, "c.txt", "关于开展春季植树活动的通知\n".as_bytes());
    let o = run(
        &[
            "rules",
            "diff",
            "--old",
            s(&old),
            "--new",
            s(&new),
            s(&corpus),
        ],
        None,
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(&format!("{}: approve → hold", s(&corpus.join("a.txt")))),
        "{out}"
    );
    assert!(out.contains("  + tiny_term (hold) 1:4"), "{out}");
    assert!(!out.contains("b.txt") && !out.contains("c.txt: "), "{out}");
    assert!(
        out.contains("3 document(s): 1 changed, 1 with a different decision"),
        "{out}"
    );
    assert!(
        out.contains("  tiny_term: 1 document(s), +1 finding(s)"),
        "{out}"
    );

    let o = run(
        &[
            "rules",
            "diff",
            "--old",
            s(&old),
            "--new",
            s(&new),
            "--format",
            "json",
            s(&corpus),
        ],
        None,
    );
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["old_decision"], "approve");
    assert_eq!(lines[0]["new_decision"], "hold");
    assert_eq!(lines[0]["rules"]["tiny_term"], 1);

    let o = run(
        &[
            "rules",
            "diff",
            "--old",
            s(&old),
            "--new",
            s(&old),
            s(&corpus),
        ],
        None,
    );
    assert_eq!(code(&o), 0);
}

/// `serve --timezone` takes IANA names only: a path or an unknown zone is refused before the
/// service starts, with what was wrong.
#[test]
fn serve_refuses_a_time_zone_it_cannot_name() {
    let mut bad = vec!["../etc/passwd", "Asia//Shanghai", ""];
    if Path::new("/usr/share/zoneinfo").is_dir() {
        bad.push("Mars/Olympus");
    }
    for tz in bad {
        let o = run(&["serve", "--timezone", tz], None);
        assert_eq!(code(&o), 2, "{tz}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains("time zone") && err.contains("Asia/Shanghai"),
            "{tz}: {err}"
        );
    }
}
