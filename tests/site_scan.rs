//! `baomi scan` over a whole tree, as a disclosure office audits its published site: parallel
//! output identical to one thread, odd files handled, filters, summary, SARIF and the cache.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn baomi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_baomi"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn docs() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/docs")
        .display()
        .to_string()
}

#[test]
fn parallel_output_is_the_same_as_one_thread() {
    let docs = docs();
    let one = baomi(&["scan", "--format", "json", "-j", "1", &docs]);
    let four = baomi(&["scan", "--format", "json", "-j", "4", &docs]);
    assert_eq!(one.status.code(), Some(1));
    assert_eq!(stdout(&one), stdout(&four));
    assert!(stdout(&one).lines().count() > 200);
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_special_files_do_not_stop_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    std::fs::create_dir_all(root.join("a/b")).unwrap();
    std::fs::write(root.join("a/b/notice.txt"), "关于开展春季植树活动的通知\n").unwrap();
    std::os::unix::fs::symlink(&root, root.join("a/b/loop")).unwrap();
    std::os::unix::fs::symlink(root.join("a/b/notice.txt"), root.join("a/link.txt")).unwrap();
    std::os::unix::fs::symlink(root.join("missing.txt"), root.join("a/broken.txt")).unwrap();
    let fifo = root.join("a/pipe");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let o = baomi(&["scan", "--format", "json", root.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "errors make exit 2");
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by_path = |suffix: &str| {
        lines
            .iter()
            .find(|l| l["path"].as_str().unwrap().ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix}: {lines:?}"))
    };
    assert_eq!(by_path("a/b/notice.txt")["decision"], "approve");
    assert_eq!(by_path("a/link.txt")["decision"], "approve");
    assert!(by_path("a/broken.txt")["error"]
        .as_str()
        .unwrap()
        .contains("broken symbolic link"));
    assert_eq!(by_path("a/pipe")["error"], "a named pipe, not scanned");
    assert_eq!(lines.len(), 4, "the loop is not followed: {lines:?}");
}

#[test]
fn filters_select_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("2024")).unwrap();
    std::fs::write(root.join("2024/a.html"), "<p>内部资料</p>").unwrap();
    std::fs::write(root.join("2024/b.txt"), "内部资料\n").unwrap();
    std::fs::write(root.join("c.txt"), "x".repeat(5000)).unwrap();
    let r = root.to_str().unwrap();
    let paths = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["scan", "--format", "json"];
        a.extend_from_slice(args);
        a.push(r);
        let o = baomi(&a);
        stdout(&o)
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                v["path"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(paths(&[]), ["a.html", "b.txt", "c.txt"]);
    assert_eq!(paths(&["--include", "*.html"]), ["a.html"]);
    assert_eq!(paths(&["--exclude", "**/2024/**"]), ["c.txt"]);
    assert_eq!(paths(&["--max-size", "1000"]), ["a.html", "b.txt"]);
    assert_eq!(paths(&["--type", "html"]), ["a.html"]);
    assert_eq!(paths(&["--type", "text,docx"]), ["b.txt", "c.txt"]);
    let bad = baomi(&["scan", "--include", "[", r]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--include"));
}

#[test]
fn summary_counts_decisions_categories_and_rules() {
    let docs = docs();
    let o = baomi(&["scan", "--summary", "--format", "json", &docs]);
    assert_eq!(o.status.code(), Some(1));
    let s: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    let expected = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/expected.toml"),
    )
    .unwrap();
    let holds = expected.matches("decision = \"hold\"").count() as u64;
    let approves = expected.matches("decision = \"approve\"").count() as u64;
    assert_eq!(s["hold"], holds);
    assert_eq!(s["approve"], approves);
    assert_eq!(s["errors"], 0);
    assert!(s["held_by_category"]["personal_privacy"].as_u64().unwrap() > 10);
    assert!(s["findings_by_rule"]["resident_id"][0].as_u64().unwrap() > 0);
    assert_eq!(s["top_files"].as_array().unwrap().len(), 10);
    assert!(s["files_per_second"].as_f64().unwrap() > 0.0);
    let text = stdout(&baomi(&["scan", "--summary", &docs]));
    assert!(
        text.contains("暂缓发布的文件，按类别：")
            && text.contains("个人隐私（personal_privacy）")
            && text.contains("身份证号码（resident_id）")
            && text.contains("拦截发现最多的文件："),
        "{text}"
    );
    assert!(!text.contains("110101"), "a summary shows no content");
}

#[test]
fn sarif_is_valid_and_complete() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("名单.txt"),
        "公示名单\n张三，身份证号110101195001010009，电话13900000001。\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("ok.txt"), "关于开展春季植树活动的通知\n").unwrap();
    std::fs::write(dir.path().join("bin.dat"), b"\x00\x01\x02").unwrap();
    let o = baomi(&["scan", "--format", "sarif", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let v: Value = serde_json::from_str(&stdout(&o)).expect("one JSON document");
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "baomi");
    let results = run["results"].as_array().unwrap();
    assert!(results.len() >= 2);
    let rule_ids: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for r in results {
        assert!(rule_ids.contains(&r["ruleId"].as_str().unwrap()), "{r}");
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(uri.ends_with("%E5%90%8D%E5%8D%95.txt"), "{uri}");
        assert!(
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
                == 2
        );
        assert!(matches!(r["level"].as_str(), Some("error" | "warning")));
    }
    assert!(results
        .iter()
        .any(|r| r["ruleId"] == "resident_id" && r["level"] == "error"));
    assert!(
        !stdout(&o).contains("110101195001010009"),
        "SARIF messages are masked"
    );
    let inv = &run["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    assert!(inv["toolExecutionNotifications"][0]["message"]["text"]
        .as_str()
        .unwrap()
        .contains("binary"));
}

#[test]
fn the_cache_skips_unchanged_files() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir(&site).unwrap();
    for i in 0..20 {
        std::fs::write(
            site.join(format!("{i}.txt")),
            format!("第{i}号通知\n内部资料\n"),
        )
        .unwrap();
    }
    let cache = dir.path().join("cache");
    let args = [
        "scan",
        "--summary",
        "--format",
        "json",
        "--cache",
        cache.to_str().unwrap(),
        site.to_str().unwrap(),
    ];
    let first: Value = serde_json::from_str(stdout(&baomi(&args)).trim()).unwrap();
    assert_eq!(first["cached"], 0);
    assert_eq!(first["hold"], 20);
    std::fs::write(site.join("3.txt"), "第3号通知（已修改）\n").unwrap();
    let second: Value = serde_json::from_str(stdout(&baomi(&args)).trim()).unwrap();
    assert_eq!(second["cached"], 19);
    assert_eq!(second["hold"], 19);
    assert_eq!(second["approve"], 1);
    // Cached results are the same results.
    let plain = baomi(&["scan", "--format", "json", site.to_str().unwrap()]);
    let cached = baomi(&[
        "scan",
        "--format",
        "json",
        "--cache",
        cache.to_str().unwrap(),
        site.to_str().unwrap(),
    ]);
    assert_eq!(stdout(&plain), stdout(&cached));
}

#[test]
fn the_html_report_lists_held_files_masked_and_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    std::fs::create_dir_all(&root).unwrap();
    // A valid (synthetic) resident ID in a file whose name holds markup.
    let id = "110101195001010009";
    std::fs::write(
        root.join("名单<script>.txt"),
        format!("城乡低保对象公示\n申请人身份证号：{id}\n"),
    )
    .unwrap();
    std::fs::write(root.join("notice.txt"), "关于开展春季植树活动的通知\n").unwrap();
    std::fs::write(
        root.join("bad.txt"),
        b"\x00\x01\x02\x03binary\x00\x00\x07\x08",
    )
    .unwrap();
    let report = dir.path().join("report.html");
    let o = baomi(&[
        "scan",
        "--quiet",
        "--summary",
        "--html",
        report.to_str().unwrap(),
        root.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "the unreadable file makes exit 2");
    let page = std::fs::read_to_string(&report).unwrap();
    assert!(page.starts_with("<!doctype html>"));
    assert!(page.contains("名单&lt;script&gt;.txt"), "paths are escaped");
    assert!(!page.contains("<script>"));
    assert!(!page.contains(id), "the ID never appears in full");
    assert!(page.contains("11**************09"), "it appears masked");
    assert!(page.contains("resident_id"));
    assert!(page.contains("bad.txt"), "unreadable files are listed");
    assert!(
        !page.contains("notice.txt"),
        "approved files without findings are only counted"
    );

    // A report that cannot be written is an error, and says which file.
    let o = baomi(&[
        "scan",
        "--quiet",
        "--html",
        dir.path().join("no/such/dir/r.html").to_str().unwrap(),
        root.join("notice.txt").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("r.html"));
}
