//! `baomi scan --baseline`: a second audit of a site mirror shows what is new, unchanged and
//! fixed, exactly, whatever was edited elsewhere in a page or moved to another path; the
//! baseline keeps digests under a key of its own, never the values.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn baomi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_baomi"))
        .args(args)
        .env_remove("BAOMI_BASELINE_KEY")
        .output()
        .unwrap()
}

fn json_lines(o: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// A mirror of the fixture documents.
fn mirror(to: &Path) {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/docs");
    for entry in std::fs::read_dir(&docs).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

/// Findings per file of a JSON Lines audit.
fn findings_of(lines: &[Value]) -> Vec<(String, Vec<Value>)> {
    lines
        .iter()
        .filter_map(|l| {
            Some((
                l["path"].as_str()?.to_string(),
                l["findings"].as_array()?.clone(),
            ))
        })
        .collect()
}

#[test]
fn a_second_audit_shows_new_unchanged_and_fixed_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir(&site).unwrap();
    mirror(&site);
    let key = dir.path().join("baseline.key");
    std::fs::write(&key, format!("{}\n", "5a".repeat(32))).unwrap();
    let base = dir.path().join("baseline.json");
    let (site_s, key_s, base_s) = (
        site.display().to_string(),
        key.display().to_string(),
        base.display().to_string(),
    );
    let audit = |format: &str, extra: &[&str]| {
        let mut args = vec![
            "scan",
            "--format",
            format,
            "--baseline",
            &base_s,
            "--baseline-key",
            &key_s,
        ];
        args.extend_from_slice(extra);
        args.push(&site_s);
        baomi(&args)
    };

    // First audit: everything is new, and the baseline is written.
    let first = audit("json", &[]);
    assert!(base.exists(), "{}", String::from_utf8_lossy(&first.stderr));
    let lines = json_lines(&first);
    let files = findings_of(&lines);
    let total: usize = files.iter().map(|(_, f)| f.len()).sum();
    assert!(total > 20, "the fixtures give findings: {total}");
    for l in lines.iter().filter(|l| l["path"].is_string()) {
        let states = l["baseline"].as_array().map_or(0, |s| {
            assert!(s.iter().all(|s| s == "new"));
            s.len()
        });
        assert_eq!(states, l["findings"].as_array().unwrap().len());
    }
    let last = lines.last().unwrap();
    assert_eq!(last["baseline"]["new"], total);
    // The baseline holds digests, not the values found.
    let kept = std::fs::read_to_string(&base).unwrap();
    for (_, fs) in &files {
        for f in fs {
            let text = f["text"].as_str().unwrap();
            if text.chars().filter(char::is_ascii_digit).count() >= 11 {
                assert!(!kept.contains(text), "the baseline holds {text:?}");
            }
        }
    }

    // The changes of a quarter: a leaking page taken down (fixed), a page moved, a page
    // edited above its findings, a new leak.
    let with_findings: Vec<&(String, Vec<Value>)> =
        files.iter().filter(|(_, f)| !f.is_empty()).collect();
    let (removed, removed_findings) = (&with_findings[0].0, with_findings[0].1.len());
    let (moved, moved_findings) = (&with_findings[1].0, with_findings[1].1.len());
    let edited = &with_findings[2].0;
    std::fs::remove_file(removed).unwrap();
    let sub = site.join("2026");
    std::fs::create_dir(&sub).unwrap();
    std::fs::rename(moved, sub.join("moved.txt")).unwrap();
    let text = std::fs::read_to_string(edited).unwrap();
    std::fs::write(edited, format!("（本页于2026年12月更新）\n\n{text}")).unwrap();
    std::fs::write(
        site.join("new-leak.txt"),
        "关于2026年度临时救助对象的公示\n赵六，联系手机13912345678。\n",
    )
    .unwrap();

    let second = audit("json", &[]);
    let lines = json_lines(&second);
    let counts = &lines.last().unwrap()["baseline"];
    let new: Vec<String> = lines
        .iter()
        .filter(|l| l["path"].is_string())
        .flat_map(|l| {
            let states = l["baseline"].as_array().cloned().unwrap_or_default();
            let fs = l["findings"].as_array().cloned().unwrap_or_default();
            let path = l["path"].as_str().unwrap_or("").to_string();
            fs.into_iter()
                .zip(states)
                .filter(|(_, s)| s == "new")
                .map(move |(f, _)| format!("{path}: {} {}", f["rule"], f["line"]))
        })
        .collect();
    let leak = lines
        .iter()
        .find(|l| {
            l["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("new-leak.txt"))
        })
        .unwrap();
    let leaked = leak["findings"].as_array().unwrap().len();
    assert!(leaked >= 1);
    assert_eq!(leak["baseline"], serde_json::json!(vec!["new"; leaked]));
    // Nothing else is new: not the moved page, not the page edited above its findings.
    assert_eq!(counts["new"], leaked, "{new:?}");
    assert_eq!(counts["unchanged"], total - removed_findings, "{counts}");
    let fixed = counts["fixed"].as_array().unwrap();
    assert_eq!(fixed.len(), removed_findings, "{counts}");
    assert!(fixed.iter().all(|f| f["path"] == removed.as_str()));
    let moved_line = lines
        .iter()
        .find(|l| l["path"].as_str().is_some_and(|p| p.ends_with("moved.txt")))
        .unwrap();
    let states = moved_line["baseline"].as_array().unwrap();
    assert_eq!(states.len(), moved_findings);
    assert!(states.iter().all(|s| s == "unchanged"));
    // An existing baseline is kept unless asked.
    assert_eq!(std::fs::read_to_string(&base).unwrap(), kept);

    // SARIF: baselineState on every result, fixed ones `absent`.
    let sarif = audit("sarif", &[]);
    let sarif: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let count = |state: &str| {
        results
            .iter()
            .filter(|r| r["baselineState"] == state)
            .count()
    };
    assert_eq!(count("new"), leaked);
    assert_eq!(count("unchanged"), total - removed_findings);
    assert_eq!(count("absent"), removed_findings);
    assert_eq!(results.len(), total + leaked);

    // CSV, for the quarterly table: UTF-8 with a byte-order mark, a row per finding with its
    // state, the fixed ones last.
    let csv = audit("csv", &[]);
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert!(csv.starts_with('\u{feff}'), "a byte-order mark");
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    let state_count = |state: &str| {
        rows.iter()
            .filter(|r| r.contains(&format!(",{state},")))
            .count()
    };
    assert_eq!(state_count("新增"), leaked, "{csv}");
    assert_eq!(state_count("未改"), total - removed_findings);
    assert_eq!(state_count("已修复"), removed_findings);
    // Per section: the page moved into `2026/` is counted there, unchanged.
    let table = audit("csv", &["--summary"]);
    let table = String::from_utf8(table.stdout).unwrap();
    let head = table.lines().next().unwrap();
    assert!(
        head.contains("栏目（单位）") && head.contains("最早未整改（天）"),
        "{head}"
    );
    let row_2026 = table
        .lines()
        .find(|l| l.starts_with("2026,"))
        .expect("a 2026 row");
    let cells: Vec<&str> = row_2026.split(',').collect();
    // 栏目, files, held, six categories, warns, new, unchanged, fixed, oldest age.
    assert_eq!(cells.len(), 14, "{row_2026}");
    assert_eq!(cells[11], moved_findings.to_string(), "{row_2026}");
    assert_eq!(cells[13], "0", "first seen today: {row_2026}");

    // Text, only the new: the one leak, and it holds.
    let text = audit("text", &["--only-new"]);
    assert_eq!(text.status.code(), Some(1));
    let out = String::from_utf8_lossy(&text.stdout);
    assert_eq!(out.matches("[新增]").count(), leaked, "{out}");
    assert!(!out.contains("[未改]"), "{out}");
    assert!(
        out.contains(&format!(
            "新增 {leaked}，未改 {}，已修复 {removed_findings}",
            total - removed_findings
        )),
        "{out}"
    );

    // The leak fixed and the baseline renewed: nothing new, exit 0.
    std::fs::remove_file(site.join("new-leak.txt")).unwrap();
    let renewed = audit("json", &["--update-baseline"]);
    assert_eq!(renewed.status.code(), Some(1), "the unchanged holds remain");
    let kept: Value = serde_json::from_str(&std::fs::read_to_string(&base).unwrap()).unwrap();
    assert_eq!(
        kept["findings"].as_array().unwrap().len(),
        total - removed_findings
    );
    let quiet = audit("text", &["--only-new"]);
    assert_eq!(
        quiet.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&quiet.stdout)
    );
}

#[test]
fn a_baseline_made_with_another_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("a.txt");
    std::fs::write(&doc, "联系人手机13912345678。\n").unwrap();
    let base = dir.path().join("b.json");
    let key1 = dir.path().join("k1");
    let key2 = dir.path().join("k2");
    std::fs::write(&key1, "01".repeat(32)).unwrap();
    std::fs::write(&key2, "02".repeat(32)).unwrap();
    let run = |key: &Path| {
        baomi(&[
            "scan",
            "--baseline",
            base.to_str().unwrap(),
            "--baseline-key",
            key.to_str().unwrap(),
            doc.to_str().unwrap(),
        ])
    };
    run(&key1);
    assert!(base.exists());
    let other = run(&key2);
    assert_eq!(other.status.code(), Some(2));
    let err = String::from_utf8_lossy(&other.stderr);
    assert!(err.contains("another key"), "{err}");
    // A key that is not 64 hexadecimal digits is refused with its name.
    std::fs::write(&key2, "not a key").unwrap();
    let bad = run(&key2);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("64 hexadecimal"));
}

#[test]
fn without_a_key_file_one_is_made_outside_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("a.txt");
    std::fs::write(&doc, "联系人手机13912345678。\n").unwrap();
    let base = dir.path().join("b.json");
    let config = dir.path().join("config");
    let out = Command::new(env!("CARGO_BIN_EXE_baomi"))
        .args([
            "scan",
            "--baseline",
            base.to_str().unwrap(),
            doc.to_str().unwrap(),
        ])
        .env_remove("BAOMI_BASELINE_KEY")
        .env("XDG_CONFIG_HOME", &config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let key = config.join("baomi/baseline.key");
    let text = std::fs::read_to_string(&key).unwrap();
    assert_eq!(text.trim().len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the key is readable by its owner only");
    }
}

/// The README's re-audit script, run as printed (as its timer runs it): the first run writes
/// the baseline; after a new leak, the next writes exactly the new findings and says so.
#[test]
fn the_readme_reaudit_script_runs_as_printed() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let after = readme
        .split("<!-- readme-reaudit -->")
        .nth(1)
        .expect("a readme-reaudit block");
    let start = after.find("```sh\n").expect("a sh block") + 6;
    let end = start + after[start..].find("```").expect("the block ends");
    let script = &after[start..end];

    let dir = tempfile::tempdir().unwrap();
    let (mirror, state, home) = (
        dir.path().join("mirror"),
        dir.path().join("state"),
        dir.path().join("home"),
    );
    for d in [&mirror, &state, &home] {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::create_dir(mirror.join("xxgk")).unwrap();
    std::fs::write(
        mirror.join("xxgk/notice.txt"),
        "关于2026年度低保对象的公示\n张三，手机13912345678。\n",
    )
    .unwrap();
    std::fs::write(mirror.join("index.txt"), "首页\n").unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_baomi")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = || {
        Command::new("bash")
            .arg("-e")
            .arg("-c")
            .arg(script)
            .env("PATH", &path)
            .env("MIRROR", &mirror)
            .env("STATE", &state)
            .env("HOME", &home)
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("BAOMI_BASELINE_KEY")
            .output()
            .unwrap()
    };
    let csv_rows = || {
        let csv = std::fs::read_dir(&state)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "csv"))
            .expect("a CSV report");
        std::fs::read_to_string(csv)
            .unwrap()
            .lines()
            .skip(1)
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let first = run();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(state.join("baseline.json").exists());
    assert!(home.join(".config/baomi/baseline.key").exists());
    let first_rows = csv_rows();
    assert!(!first_rows.is_empty());

    // Unchanged: nothing new, nothing said.
    let again = run();
    assert!(again.status.success());
    assert!(
        again.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    assert!(csv_rows().is_empty(), "{:?}", csv_rows());

    // A new leak on another page: the report lists it, and only it.
    std::fs::write(mirror.join("xxgk/list.txt"), "李四，手机13700137000。\n").unwrap();
    let third = run();
    assert!(
        third.status.success(),
        "{}",
        String::from_utf8_lossy(&third.stderr)
    );
    assert!(String::from_utf8_lossy(&third.stdout).contains("new findings"));
    let rows = csv_rows();
    assert!(
        !rows.is_empty()
            && rows
                .iter()
                .all(|r| r.contains("list.txt") && r.contains(",新增,")),
        "{rows:?}"
    );
}

fn scan_with(base: &Path, key: &Path, extra: &[&str], paths: &[&Path]) -> Output {
    let mut args = vec![
        "scan".to_string(),
        "--baseline".into(),
        base.display().to_string(),
        "--baseline-key".into(),
        key.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(paths.iter().map(|p| p.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    baomi(&args)
}

/// A file past the finding cap was not read whole: what it hides may be new, so it is never
/// "unchanged", and `--only-new` still holds it.
#[test]
fn a_capped_file_is_never_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("flood.txt");
    let text: String = (0..30_000u64)
        .map(|i| format!("联系人手机{}，", 13_900_000_000u64 + i * 7))
        .collect();
    std::fs::write(&doc, text).unwrap();
    let (base, key) = (dir.path().join("b.json"), dir.path().join("k"));
    std::fs::write(&key, "3c".repeat(32)).unwrap();
    scan_with(&base, &key, &["--quiet"], &[&doc]);
    let again = scan_with(&base, &key, &["--only-new", "--format", "json"], &[&doc]);
    assert_eq!(again.status.code(), Some(1), "the capped file still holds");
    let lines = json_lines(&again);
    let findings = lines[0]["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "only the cap finding is new");
    assert_eq!(findings[0]["rule"], "finding_cap");
}

/// One value on two pages, one page taken down: the fix is reported on that page, and the
/// other page's finding is unchanged.
#[test]
fn a_value_on_two_pages_is_fixed_on_the_right_one() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("a")).unwrap();
    std::fs::create_dir_all(site.join("b")).unwrap();
    let leak = "联系人张三，手机13912345678。\n";
    std::fs::write(site.join("a/1.txt"), leak).unwrap();
    std::fs::write(site.join("b/2.txt"), leak).unwrap();
    let (base, key) = (dir.path().join("b.json"), dir.path().join("k"));
    std::fs::write(&key, "4d".repeat(32)).unwrap();
    scan_with(&base, &key, &["--quiet"], &[&site]);
    std::fs::remove_file(site.join("b/2.txt")).unwrap();
    let out = scan_with(&base, &key, &["--format", "json"], &[&site]);
    let lines = json_lines(&out);
    let counts = &lines.last().unwrap()["baseline"];
    let fixed = counts["fixed"].as_array().unwrap();
    assert!(!fixed.is_empty());
    assert!(
        fixed
            .iter()
            .all(|f| f["path"].as_str().unwrap().ends_with("b/2.txt")),
        "{counts}"
    );
    assert_eq!(counts["new"], 0, "{counts}");
}

/// A key in the environment does not get in the way of a scan without a baseline.
#[test]
fn a_key_in_the_environment_does_not_break_a_plain_scan() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("a.txt");
    std::fs::write(&doc, "各乡镇：请于3月31日前报送。\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_baomi"))
        .args(["scan", doc.to_str().unwrap()])
        .env("BAOMI_BASELINE_KEY", dir.path().join("none"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Files skipped by the filters are missing from the audit: no baseline is written from it.
#[test]
fn no_baseline_is_written_from_a_filtered_audit() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(site.join("a.txt"), "联系人手机13912345678。\n").unwrap();
    std::fs::write(site.join("b.html"), "<p>联系人手机13812345678。</p>\n").unwrap();
    let (base, key) = (dir.path().join("b.json"), dir.path().join("k"));
    std::fs::write(&key, "5e".repeat(32)).unwrap();
    let out = scan_with(&base, &key, &["--quiet", "--exclude", "*.html"], &[&site]);
    assert!(!base.exists());
    assert!(String::from_utf8_lossy(&out.stderr).contains("skipped by the filters"));
}

/// Scoped suppressions in an audit: a known false alarm (an activity's published contact
/// mobile) stays quiet, named by its keyed digest, without hiding the real leak beside it; an
/// expired suppression stops applying and is reported; the baseline still sees every finding,
/// so new / unchanged / fixed stay exact — in text, JSON, SARIF and CSV.
#[test]
fn suppressions_quiet_a_known_false_alarm_and_an_expired_one_counts_again() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("通知")).unwrap();
    let key = dir.path().join("baseline.key");
    std::fs::write(&key, format!("{}\n", "3c".repeat(32))).unwrap();
    let base = dir.path().join("baseline.json");
    let sup = dir.path().join("suppressions.toml");
    let (site_s, key_s, base_s, sup_s) = (
        site.display().to_string(),
        key.display().to_string(),
        base.display().to_string(),
        sup.display().to_string(),
    );
    // The activity's published contact: a false alarm, on a page that also leaks an ID.
    std::fs::write(
        site.join("通知/送温暖.txt"),
        "关于开展2026年冬季送温暖活动的通知\n各社区：活动咨询请联系活动专员，手机13800001111。\n困难群众张三，身份证号110101195001010009。\n",
    )
    .unwrap();
    // A duty-mobile page whose suppression has expired.
    std::fs::write(
        site.join("热线.txt"),
        "便民服务热线公告\n夜间值班手机13900002222。\n",
    )
    .unwrap();
    let audit = |format: &str, extra: &[&str]| {
        let mut args = vec![
            "scan",
            "--format",
            format,
            "--baseline",
            &base_s,
            "--baseline-key",
            &key_s,
        ];
        args.extend_from_slice(extra);
        args.push(&site_s);
        baomi(&args)
    };
    let first = audit("json", &[]);
    let counts = json_lines(&first).last().unwrap()["baseline"].clone();
    assert_eq!(counts["new"], 3, "{counts}");

    // The value is named by its digest under the deployment's key, never written out.
    let digest = baomi(&["rules", "digest", "--baseline-key", &key_s, "138 0000 1111"]);
    assert!(digest.status.success());
    let digest = String::from_utf8(digest.stdout).unwrap().trim().to_string();
    assert!(digest.starts_with("hmac-sha256:"), "{digest}");
    std::fs::write(
        &sup,
        format!(
            "[[suppression]]\nid = \"S1\"\nrule = \"mobile\"\nvalue = \"{digest}\"\nreason = \"活动专员的工作手机，经本人同意公开\"\nadded_by = \"王丽\"\nexpires = \"2099-12-31\"\n\n[[suppression]]\nid = \"S2\"\nrule = \"mobile\"\npath = \"**/热线.txt\"\nreason = \"值班手机（已停用）\"\nadded_by = \"王丽\"\nexpires = \"2020-01-01\"\n"
        ),
    )
    .unwrap();
    assert!(!std::fs::read_to_string(&sup)
        .unwrap()
        .contains("13800001111"));
    let check = baomi(&["rules", "check", "--suppressions", &sup_s]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(String::from_utf8_lossy(&check.stderr).contains("S2 expired"));
    // An entry that would hide a full ID on every page is refused, with its line.
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[suppression]]\nrule = \"mobile\"\npath = \"x/**\"\nreason = \"r\"\nadded_by = \"王丽\"\nexpires = \"2099-01-01\"\n\n[[suppression]]\nrule = \"resident_id\"\nreason = \"样例\"\nadded_by = \"王丽\"\nexpires = \"2099-01-01\"\n",
    )
    .unwrap();
    let refused = baomi(&["rules", "check", "--suppressions", bad.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("bad.toml:8: would suppress resident_id"),
        "{err}"
    );

    // A quarter later: a new leak, the page moved.
    std::fs::create_dir(site.join("2026")).unwrap();
    std::fs::rename(site.join("通知/送温暖.txt"), site.join("2026/送温暖.txt")).unwrap();
    std::fs::write(
        site.join("新公示.txt"),
        "临时救助公示\n李四，手机13912345678。\n",
    )
    .unwrap();

    let second = audit("json", &["--suppressions", &sup_s]);
    assert_eq!(
        second.status.code(),
        Some(1),
        "the ID and the new leak hold"
    );
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("suppression expired") && err.contains("S2"),
        "{err}"
    );
    let lines = json_lines(&second);
    let page = lines
        .iter()
        .find(|l| {
            l["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("送温暖.txt"))
        })
        .unwrap();
    let rules: Vec<&str> = page["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    let marks = page["suppressed"].as_array().unwrap();
    let i = rules.iter().position(|r| *r == "mobile").unwrap();
    assert_eq!(marks[i]["id"], "S1");
    assert_eq!(marks[i]["reason"], "活动专员的工作手机，经本人同意公开");
    let j = rules.iter().position(|r| *r == "resident_id").unwrap();
    assert!(marks[j].is_null(), "the real leak beside it is not hidden");
    assert_eq!(page["decision"], "hold");
    let hotline = lines
        .iter()
        .find(|l| l["path"].as_str().is_some_and(|p| p.ends_with("热线.txt")))
        .unwrap();
    assert!(hotline["suppressed"].is_null(), "S2 expired: {hotline}");
    // (A duty mobile on an office notice is a warning to check, not a hold.)
    assert_eq!(hotline["findings"].as_array().unwrap().len(), 1);
    let tail = &lines[lines.len() - 1];
    assert_eq!(tail["suppressions"]["suppressed"], 1);
    assert!(tail["suppressions"]["expired"][0]
        .as_str()
        .unwrap()
        .contains("S2"));
    let leaked = lines
        .iter()
        .find(|l| {
            l["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("新公示.txt"))
        })
        .unwrap()["findings"]
        .as_array()
        .unwrap()
        .len();
    let counts = &lines[lines.len() - 2]["baseline"];
    // New: the new page's findings only. Unchanged: the ID (moved with its page) and the hotline mobile.
    // The suppressed mobile is neither; nothing was fixed.
    assert_eq!(
        (
            &counts["new"],
            &counts["unchanged"],
            counts["fixed"].as_array().unwrap().len()
        ),
        (&serde_json::json!(leaked), &serde_json::json!(2), 0),
        "{counts}"
    );

    let text = audit("text", &["--suppressions", &sup_s]);
    let out = String::from_utf8_lossy(&text.stdout);
    assert!(out.contains("[已豁免 S1：活动专员的工作手机"), "{out}");
    assert!(
        out.contains("豁免已过期，不再适用") && out.contains("S2"),
        "{out}"
    );
    assert!(
        out.contains(&format!("新增 {leaked}，未改 2，已修复 0")),
        "{out}"
    );
    assert!(!out.contains("13800001111"), "values stay masked: {out}");

    let sarif = audit("sarif", &["--suppressions", &sup_s]);
    let sarif: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let run = &sarif["runs"][0];
    let quiet: Vec<&Value> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["suppressions"].is_array())
        .collect();
    assert_eq!(quiet.len(), 1);
    assert_eq!(quiet[0]["suppressions"][0]["kind"], "external");
    assert!(quiet[0]["suppressions"][0]["justification"]
        .as_str()
        .unwrap()
        .contains("S1"));
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert!(notes
        .iter()
        .any(|n| n["message"]["text"].as_str().unwrap().contains("S2")));

    let csv = audit("csv", &["--suppressions", &sup_s]);
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",豁免"), "{csv}");
    let quiet_rows: Vec<&str> = csv.lines().filter(|l| l.contains("S1：")).collect();
    assert_eq!(quiet_rows.len(), 1, "{csv}");

    // Without the suppressions, the false alarm holds its page again.
    let plain = json_lines(&audit("json", &[]));
    let counts = &plain.last().unwrap()["baseline"];
    assert_eq!(counts["unchanged"], 3, "{counts}");
}

/// The cache knows an unchanged file by its metadata and does not read it again; a file
/// rewritten with the same size and its modification time set back is still read again
/// (its change time moved), and its new finding is seen.
#[test]
fn the_cache_sees_an_edit_that_keeps_the_size_and_the_modification_time() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir(&site).unwrap();
    let page = site.join("公告.txt");
    let clean = "关于开展冬季消防安全检查的通知\n联系人：王科长，电话0571-87001234。\n";
    std::fs::write(&page, clean).unwrap();
    for i in 0..20 {
        std::fs::write(
            site.join(format!("p{i}.txt")),
            format!("第{i}号公告：天气预报。\n"),
        )
        .unwrap();
    }
    let cache = dir.path().join("cache");
    let (site_s, cache_s) = (site.display().to_string(), cache.display().to_string());
    let audit = || {
        let o = baomi(&[
            "scan",
            "--summary",
            "--format",
            "json",
            "--cache",
            &cache_s,
            &site_s,
        ]);
        serde_json::from_slice::<Value>(&o.stdout).unwrap()
    };
    // A stamp is trusted only for a file changed more than a second before it was taken.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let first = audit();
    assert_eq!(first["cached"], 0);
    assert_eq!(first["hold"], 0);
    let second = audit();
    assert_eq!(second["cached"], 21, "{second}");
    // Same size, same modification time: a mobile in place of the landline's digits.
    let before = std::fs::metadata(&page).unwrap();
    let leaked = clean.replace("0571-87001234", "13912345678  ");
    assert_eq!(leaked.len(), clean.len());
    std::fs::write(&page, &leaked).unwrap();
    let mtime = before.modified().unwrap();
    std::fs::File::options()
        .write(true)
        .open(&page)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    assert_eq!(std::fs::metadata(&page).unwrap().modified().unwrap(), mtime);
    assert_eq!(std::fs::metadata(&page).unwrap().len(), before.len());
    let third = audit();
    assert_eq!(third["hold"], 1, "the edit is seen: {third}");
    assert_eq!(third["cached"], 20, "{third}");
}

/// Fingerprints are cached with a file's findings under the id of their key: a cache made
/// without a baseline, or with another key, gives none of them to an audit against a baseline,
/// and an audit with the cache says exactly what one without it says.
#[test]
fn cached_fingerprints_belong_to_their_key() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir(&site).unwrap();
    mirror(&site);
    let cache = dir.path().join("cache");
    let cache_s = cache.display().to_string();
    let key_a = dir.path().join("a.key");
    let key_b = dir.path().join("b.key");
    std::fs::write(&key_a, format!("{}\n", "a1".repeat(32))).unwrap();
    std::fs::write(&key_b, format!("{}\n", "b2".repeat(32))).unwrap();
    let states = |o: &Output| -> Vec<(String, Vec<String>)> {
        json_lines(o)
            .iter()
            .filter_map(|l| {
                let s = l["baseline"]
                    .as_array()?
                    .iter()
                    .map(|s| s.as_str().unwrap_or("").to_string())
                    .collect();
                Some((l["path"].as_str()?.to_string(), s))
            })
            .collect()
    };
    // A cache filled by a plain audit, then a baseline under key A made through it.
    let plain = baomi(&[
        "scan",
        "--format",
        "json",
        "--cache",
        &cache_s,
        &site.display().to_string(),
    ]);
    assert!(plain.status.code().is_some());
    let base_a = dir.path().join("a.json");
    let with = |base: &Path, key: &Path, cached: bool| {
        let extra: Vec<&str> = if cached {
            vec!["--format", "json", "--cache", &cache_s]
        } else {
            vec!["--format", "json"]
        };
        scan_with(base, key, &extra, &[&site])
    };
    with(&base_a, &key_a, true);
    let again_a = with(&base_a, &key_a, true);
    let fresh_a = with(&base_a, &key_a, false);
    assert_eq!(states(&again_a), states(&fresh_a));
    assert!(states(&again_a).len() > 5);
    assert!(states(&again_a)
        .iter()
        .flat_map(|(_, s)| s)
        .all(|s| s == "unchanged"));
    // The same cache against a baseline under key B: its fingerprints are B's, not A's.
    let base_b = dir.path().join("b.json");
    with(&base_b, &key_b, true);
    let again_b = with(&base_b, &key_b, true);
    assert_eq!(states(&again_b), states(&with(&base_b, &key_b, false)));
    assert!(states(&again_b)
        .iter()
        .flat_map(|(_, s)| s)
        .all(|s| s == "unchanged"));
    // And back to A: still unchanged, the cache's fingerprints made again under A's key.
    let back_a = with(&base_a, &key_a, true);
    assert_eq!(states(&back_a), states(&fresh_a));
}
