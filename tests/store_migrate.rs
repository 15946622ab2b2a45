//! `baomi store migrate`: a sled store copied into PostgreSQL serves the same reviews, tokens
//! and gate answers, and copied back into a new data directory (an office's backup) its audit
//! chain is the same, record for record. A target that is not empty is refused.

mod support;

use support::pg;

use serde_json::json;
use std::process::Command;
use support::{resident_id, Server};

fn baomi(args: &[&str]) -> std::process::Output {
    Command::new(support::binary()).args(args).output().unwrap()
}

fn export(args: &[&str]) -> String {
    let mut all = vec!["audit", "export"];
    all.extend_from_slice(args);
    let out = baomi(&all);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_store_moves_to_postgresql_and_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data, &[]);
    let submitter = server.token("科员甲", "submitter");
    let reviewer = server.token("审核员乙", "reviewer");
    let publisher = server.token("发布系统", "publisher");
    let mut c = server.client();
    let held = format!("低保对象名单\n王某 {}\n", resident_id("19700305", 11));
    let r = c.post_bytes("/v1/reviews", Some(&submitter), held.as_bytes());
    assert_eq!(r.json()["decision"], "hold");
    let id = r.json()["id"].as_u64().unwrap();
    let approved = "关于2026年春节放假安排的通知\n";
    assert_eq!(
        c.post_bytes("/v1/reviews", Some(&submitter), approved.as_bytes())
            .json()["decision"],
        "approve"
    );
    let d = c.post_json(
        &format!("/v1/reviews/{id}/decisions"),
        Some(&reviewer),
        &json!({"decision": "hold", "reason": "身份证号须遮盖"}),
    );
    assert_eq!(d.status, 201);
    assert_eq!(server.terminate(), Some(0));
    let before = export(&["--data", data.to_str().unwrap()]);

    // sled → PostgreSQL.
    let url = pg::database();
    let out = baomi(&[
        "store",
        "migrate",
        "--from",
        data.to_str().unwrap(),
        "--to",
        &url,
    ]);
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        report.contains("the audit chain verifies on the copy"),
        "{report}"
    );
    assert_eq!(
        export(&["--store", &url]),
        before,
        "the chain, record for record"
    );

    // A second copy into the same database is refused, and changes nothing.
    let again = baomi(&[
        "store",
        "migrate",
        "--from",
        data.to_str().unwrap(),
        "--to",
        &url,
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("not empty"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    // The service on PostgreSQL: the same tokens, reviews and gate answers.
    let node = dir.path().join("node");
    let pgserver = Server::start(&node, &["--store", &url]);
    let mut c = pgserver.client();
    let r = c.get(&format!("/v1/reviews/{id}"), Some(&reviewer));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["decisions"].as_array().unwrap().len(), 2);
    assert_eq!(
        c.post_bytes("/v1/gate", Some(&publisher), held.as_bytes())
            .status,
        409
    );
    assert_eq!(
        c.post_bytes("/v1/gate", Some(&publisher), approved.as_bytes())
            .status,
        200
    );
    assert_eq!(pgserver.terminate(), Some(0));
    let on_pg = export(&["--store", &url]);

    // PostgreSQL → a new data directory, and the service on it.
    let home = dir.path().join("backup");
    let out = baomi(&[
        "store",
        "migrate",
        "--from",
        &url,
        "--to",
        home.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(export(&["--data", home.to_str().unwrap()]), on_pg);
    let back = Server::start(&home, &[]);
    let mut c = back.client();
    assert_eq!(
        c.post_bytes("/v1/gate", Some(&publisher), held.as_bytes())
            .status,
        409
    );
    assert_eq!(
        c.post_bytes("/v1/gate", Some(&publisher), approved.as_bytes())
            .status,
        200
    );
    let v = c.get("/v1/audit/verify", Some(&reviewer));
    assert!(v.status == 200 || v.status == 403, "{}", v.text());

    // Into a directory that holds something: refused.
    let out = baomi(&[
        "store",
        "migrate",
        "--from",
        &url,
        "--to",
        data.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}
