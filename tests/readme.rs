//! The README's pipeline example, run exactly as printed against a real server: the block
//! after the `readme-pipeline` marker is handed to `bash -e` with the tokens, `BAOMI` and `WWW`
//! set, in a directory holding the file it submits. It must succeed and publish the approved
//! bytes; run by a submitter who approves their own held list, it must stop before publishing.

mod support;

use std::path::Path;
use std::process::Command;
use support::Server;

/// The `sh` block that follows the marker in the README.
fn pipeline_block() -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let after = readme
        .split("<!-- readme-pipeline")
        .nth(1)
        .expect("the README has a readme-pipeline block");
    let start = after.find("```sh\n").expect("a sh block after the marker") + 6;
    let end = start + after[start..].find("```").expect("the block ends");
    after[start..end].to_string()
}

fn run(script: &str, dir: &Path, server: &Server, tokens: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new("bash");
    cmd.arg("-e")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .env("BAOMI", format!("http://{}", server.addr))
        .env("WWW", dir.join("www"));
    for (k, v) in tokens {
        cmd.env(k, v);
    }
    cmd.output().expect("bash runs")
}

#[test]
fn the_readme_pipeline_runs_as_printed() {
    let script = pipeline_block();
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let tokens = [
        ("SUBMITTER", server.token("李四", "submitter")),
        ("REVIEWER", server.token("王丽", "reviewer")),
        ("PUBLISHER", server.token("发布流水线", "publisher")),
    ];
    let tokens: Vec<(&str, &str)> = tokens.iter().map(|(k, v)| (*k, v.as_str())).collect();

    // A notice that may go online: published, both ways, byte for byte.
    let ok = dir.path().join("ok");
    std::fs::create_dir_all(ok.join("www")).unwrap();
    let notice = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>关于开展2026年冬季全民健身活动的通知</title></head>\
        <body><h1>关于开展2026年冬季全民健身活动的通知</h1><p>各社区：活动于12月20日上午9时在区体育中心举行，\
        咨询电话0571-87001234。</p></body></html>\n";
    std::fs::write(ok.join("notice.html"), notice).unwrap();
    let out = run(&script, &ok, &server, &tokens);
    assert!(
        out.status.success(),
        "the README pipeline failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(ok.join("www/notice.html")).unwrap(),
        notice
    );
    assert_eq!(
        std::fs::read_to_string(ok.join("www/notice-approved.html")).unwrap(),
        notice
    );

    // A list with a full resident ID, whose submitter tries to approve it themselves: four
    // eyes refuse the decision, `curl -f` fails, and nothing reaches the site.
    let held = dir.path().join("held");
    std::fs::create_dir_all(held.join("www")).unwrap();
    let list = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>2026年度临时救助对象公示</title></head>\
         <body><table><tr><th>姓名</th><th>身份证号</th></tr><tr><td>张桂兰</td><td>{}</td></tr></table></body></html>\n",
        support::resident_id("19580312", 24)
    );
    std::fs::write(held.join("notice.html"), &list).unwrap();
    let self_review: Vec<(&str, &str)> = vec![
        ("SUBMITTER", tokens[0].1),
        ("REVIEWER", tokens[0].1),
        ("PUBLISHER", tokens[2].1),
    ];
    let out = run(&script, &held, &server, &self_review);
    assert!(
        !out.status.success(),
        "a self-approved held list must stop the pipeline"
    );
    assert!(
        std::fs::read_dir(held.join("www"))
            .unwrap()
            .next()
            .is_none(),
        "nothing published"
    );
}
