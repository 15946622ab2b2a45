//! Suppressions in the service, on a real `baomi serve` and a real sled directory: a
//! maintainer proposes one from a finding, it applies only once another person approves it,
//! every use is in the audit, the findings it covers stay visible with its reason, revoking it
//! holds again what it let through, grave entries are refused, the rules directory's file is
//! read as proposals, and the file the service exports quiets the same value in `baomi scan`.
//! (Expiry, which needs another day, is tested in `suppression_expiry.rs`.)

mod support;

use serde_json::{json, Value};
use std::process::Command;
use std::time::{Duration, Instant};
use support::{binary, resident_id, Client, Server};

fn data_dir() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    (dir, data)
}

/// A volunteer notice whose contact is a mobile number: a public hotline the office publishes
/// on purpose, which the engine holds as a private mobile.
const HOTLINE: &str = "13912345678";

fn notice(extra: &str) -> String {
    format!("各位居民：本社区招募志愿者若干名。报名热线{HOTLINE}。{extra}")
}

fn submit(c: &mut Client, token: &str, title: &str, content: &str) -> Value {
    let r = c.post_json(
        "/v1/reviews",
        Some(token),
        &json!({"title": title, "content": content}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

fn index_of(review: &Value, rule: &str) -> usize {
    review["findings"]
        .as_array()
        .unwrap()
        .iter()
        .position(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {review}"))
}

/// Waits for review `id` to reach `decision` (the re-check worker runs in the background).
fn wait_decision(c: &mut Client, token: &str, id: u64, decision: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = c.get(&format!("/v1/reviews/{id}"), Some(token)).json();
        if r["decision"] == decision {
            return r;
        }
        assert!(
            Instant::now() < deadline,
            "review {id} is still {}: {r}",
            r["decision"]
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn gate(c: &mut Client, token: &str, sha: &str) -> (u16, Value) {
    let r = c.post_json("/v1/gate", Some(token), &json!({"sha256": sha}));
    (r.status, r.json())
}

fn audit(c: &mut Client, admin: &str) -> Vec<Value> {
    let r = c.get("/v1/audit?limit=10000", Some(admin));
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["records"].as_array().unwrap().clone()
}

#[test]
fn a_suppression_applies_only_once_another_person_approves_it_and_revoking_it_holds_again() {
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &[]);
    let admin = server.admin.clone();
    let submitter = server.token("李四", "submitter");
    let maintainer = server.token("张敏", "maintainer");
    let maintainer_as_reviewer = server.token("张敏", "reviewer");
    let reviewer = server.token("王丽", "reviewer");
    let publisher = server.token("发布流水线", "publisher");
    let mut c = server.client();

    let a = submit(&mut c, &submitter, "志愿者招募通知", &notice(""));
    assert_eq!(a["decision"], "hold", "{a}");
    let a_id = a["id"].as_u64().unwrap();
    let a_sha = a["sha256"].as_str().unwrap().to_string();
    let finding = index_of(&a, "mobile");

    // Only a maintainer proposes; a reason and an expiry are required; the scope is named.
    let expires = baomi::calendar::Day(baomi::calendar::Day::today_in_china().0 + 90).to_string();
    let body = json!({"review": a_id, "finding": finding, "scope": "value",
        "reason": "社区公开的报名热线，依职责公开", "expires": expires});
    let r = c.post_json("/v1/suppressions", Some(&reviewer), &body);
    assert_eq!(r.status, 403, "{}", r.text());
    for (bad, field) in [
        (
            json!({"review": a_id, "finding": finding, "scope": "value", "expires": expires}),
            "reason",
        ),
        (
            json!({"review": a_id, "finding": finding, "scope": "value", "reason": "x", "expires": "2020-01-01"}),
            "expires",
        ),
        (
            json!({"review": a_id, "finding": finding, "scope": "value", "reason": "x", "expires": "2099-01-01"}),
            "expires",
        ),
        (
            json!({"review": a_id, "finding": finding, "reason": "x", "expires": expires}),
            "scope",
        ),
        (
            json!({"review": a_id, "finding": 99, "scope": "value", "reason": "x", "expires": expires}),
            "finding",
        ),
        (
            json!({"rule": "mobile", "path": "公示/**", "reason": "x", "expires": expires}),
            "path",
        ),
        (
            json!({"reason": "x", "expires": expires, "content": "sha256:00"}),
            "content",
        ),
    ] {
        let r = c.post_json("/v1/suppressions", Some(&maintainer), &bad);
        assert_eq!(r.status, 400, "{bad}: {}", r.text());
        assert!(
            r.json()["message"].as_str().unwrap().contains(field),
            "{bad}: {}",
            r.text()
        );
    }
    let r = c.post_json("/v1/suppressions", Some(&maintainer), &body);
    assert_eq!(r.status, 201, "{}", r.text());
    let s1 = r.json();
    let s1_id = s1["id"].as_str().unwrap().to_string();
    assert_eq!(s1["state"], "proposed");
    assert_eq!(s1["fields"]["rule"], "mobile");
    assert_eq!(s1["fields"]["added_by"], "张敏");
    let digest = s1["fields"]["value"].as_str().unwrap();
    assert!(
        digest.starts_with("hmac-sha256:") && digest.len() == 12 + 32,
        "{s1}"
    );
    assert!(
        !s1.to_string().contains(HOTLINE),
        "the value itself is never kept: {s1}"
    );
    // A retry of the same proposal gets the same record back.
    let again = c
        .post_json("/v1/suppressions", Some(&maintainer), &body)
        .json();
    assert_eq!(again["id"], s1["id"]);

    // Proposed is not in force: the same number in another draft still holds.
    let b = submit(&mut c, &submitter, "第二期志愿者招募", &notice("第二期。"));
    assert_eq!(b["decision"], "hold");
    assert_eq!(
        gate(&mut c, &publisher, b["sha256"].as_str().unwrap()).0,
        409
    );

    // Four eyes: the proposer cannot approve it, even with a reviewer's token.
    let r = c.post_json(
        &format!("/v1/suppressions/{s1_id}/approve"),
        Some(&maintainer_as_reviewer),
        &json!({}),
    );
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.json()["message"].as_str().unwrap().contains("four eyes"));
    let r = c.post_json(
        &format!("/v1/suppressions/{s1_id}/approve"),
        Some(&maintainer),
        &json!({}),
    );
    assert_eq!(
        r.status,
        403,
        "a maintainer's token cannot approve: {}",
        r.text()
    );
    let r = c.post_json(
        &format!("/v1/suppressions/{s1_id}/approve"),
        Some(&reviewer),
        &json!({"reason": "核实为公开热线"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["state"], "approved");
    let r = c.post_json(
        &format!("/v1/suppressions/{s1_id}/approve"),
        Some(&reviewer),
        &json!({}),
    );
    assert_eq!(r.status, 409, "approved twice: {}", r.text());
    let list = c.get("/v1/suppressions", Some(&reviewer)).json();
    assert_eq!(list["suppressions"][0]["in_force"], true, "{list}");

    // The engine holds made before are scanned again: the hotline no longer decides, and
    // still shows, greyed with its reason.
    for id in [a_id, b["id"].as_u64().unwrap()] {
        let r = wait_decision(&mut c, &reviewer, id, "approve");
        assert!(r["ruleset"].as_str().unwrap().contains("+s-"), "{r}");
        let i = index_of(&r, "mobile");
        let s = &r["suppressed"][0];
        assert_eq!(s["finding"].as_u64(), Some(i as u64), "{r}");
        assert_eq!(s["id"], s1_id.as_str());
        assert_eq!(s["reason"], "社区公开的报名热线，依职责公开");
        assert_eq!(s["added_by"], "张敏");
        assert_eq!(r["categories"], json!([]), "{r}");
    }
    let (status, g) = gate(&mut c, &publisher, &a_sha);
    assert_eq!(status, 200, "{g}");
    assert_eq!(g["allowed"], true);

    // A new draft with the hotline and another person's mobile: only the hotline is quiet.
    let c3 = submit(
        &mut c,
        &submitter,
        "第三期志愿者招募",
        &notice("联系人刘洋，手机13687654321。"),
    );
    assert_eq!(c3["decision"], "hold", "{c3}");
    assert_eq!(c3["suppressed"].as_array().map(Vec::len), Some(1), "{c3}");
    // And in full-width digits with spaces, the digest still knows the hotline.
    let wide = submit(
        &mut c,
        &submitter,
        "全角",
        "报名热线１３９ １２３４ ５６７８。",
    );
    assert_eq!(wide["decision"], "approve", "{wide}");

    // Every use is in the audit, and the four-eyes trail with it; no value is written out.
    let records = audit(&mut c, &admin);
    let actions: Vec<&str> = records
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"suppression_proposed"), "{actions:?}");
    let approved = records
        .iter()
        .find(|r| r["action"] == "suppression_approved")
        .unwrap();
    assert_eq!(approved["actor"], "王丽");
    assert!(approved["detail"]
        .as_str()
        .unwrap()
        .contains("核实为公开热线"));
    let uses: Vec<&Value> = records
        .iter()
        .filter(|r| {
            r["detail"]
                .as_str()
                .unwrap()
                .contains(&format!("suppressed: {s1_id} ×1"))
        })
        .collect();
    assert!(
        uses.len() >= 4,
        "each scan that applied it says so: {uses:?}"
    );
    assert!(uses.iter().any(|r| r["review"].as_u64() == Some(a_id)));
    let all = serde_json::to_string(&records).unwrap();
    assert!(!all.contains(HOTLINE), "the audit never holds the value");

    // Grave entries are refused: a full resident ID everywhere, but one document is allowed.
    let id_doc = submit(
        &mut c,
        &submitter,
        "样例",
        &format!("填写示例：身份证号{}。", resident_id("19800101", 123)),
    );
    let i = index_of(&id_doc, "resident_id");
    let r = c.post_json(
        "/v1/suppressions",
        Some(&maintainer),
        &json!({"review": id_doc["id"], "finding": i, "scope": "value", "reason": "样例", "expires": expires}),
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.json()["message"].as_str().unwrap().contains("everywhere"));
    let r = c.post_json(
        "/v1/suppressions",
        Some(&maintainer),
        &json!({"review": id_doc["id"], "finding": i, "scope": "document", "reason": "填表样例中的虚构号码", "expires": expires}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let s2 = r.json();
    assert_eq!(
        s2["fields"]["content"],
        format!("sha256:{}", id_doc["sha256"].as_str().unwrap())
    );
    let r = c.post_json(
        &format!("/v1/suppressions/{}/reject", s2["id"].as_str().unwrap()),
        Some(&reviewer),
        &json!({}),
    );
    assert_eq!(r.status, 400, "a rejection says why: {}", r.text());
    let r = c.post_json(
        &format!("/v1/suppressions/{}/reject", s2["id"].as_str().unwrap()),
        Some(&reviewer),
        &json!({"reason": "样例号码也应遮盖"}),
    );
    assert_eq!(r.json()["state"], "rejected");

    // The file the service exports quiets the same value in a site audit, with the same key.
    let exported = c.get("/v1/suppressions?format=toml", Some(&reviewer));
    assert_eq!(exported.status, 200);
    let toml = exported.text();
    assert!(toml.contains(&s1_id) && toml.contains(digest), "{toml}");
    let site = data.parent().unwrap().join("site");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(site.join("招募.html"), format!("<p>{}</p>", notice(""))).unwrap();
    let file = data.parent().unwrap().join("suppressions.toml");
    std::fs::write(&file, &toml).unwrap();
    let out = Command::new(binary())
        .args(["scan", "--format", "json", "--suppressions"])
        .arg(&file)
        .arg("--baseline-key")
        .arg(data.join("digest.key"))
        .arg(&site)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("\"decision\":\"approve\"") && text.contains(&s1_id),
        "{text}"
    );

    // Revoked, it applies no more: the gate scans again and refuses what it let through,
    // and the re-check holds it in the queue.
    let r = c.post_json(
        &format!("/v1/suppressions/{s1_id}/revoke"),
        Some(&maintainer),
        &json!({"reason": "热线已停用"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["state"], "revoked");
    let (status, g) = gate(&mut c, &publisher, &a_sha);
    assert_eq!(status, 409, "{g}");
    assert_eq!(g["allowed"], false);
    let back = wait_decision(&mut c, &reviewer, wide["id"].as_u64().unwrap(), "hold");
    assert!(
        back["suppressed"].as_array().is_none_or(Vec::is_empty),
        "{back}"
    );
    assert_eq!(c.get("/v1/audit/verify", Some(&admin)).json()["ok"], true);
}

#[test]
fn the_rules_directory_file_is_read_as_proposals_and_a_bad_one_stops_the_start() {
    let (dir, data) = data_dir();
    let rules = support::rules_copy(dir.path());
    let expires = baomi::calendar::Day(baomi::calendar::Day::today_in_china().0 + 30).to_string();
    std::fs::write(
        rules.join("suppressions.toml"),
        format!(
            "[[suppression]]\nid = \"热线\"\nrule = \"mobile\"\nvalue = \"hmac-sha256:0123456789abcdef0123456789abcdef\"\nreason = \"公开热线\"\nadded_by = \"张敏\"\nexpires = \"{expires}\"\n"
        ),
    )
    .unwrap();
    let rules_arg = rules.display().to_string();
    let server = Server::start(&data, &["--rules", &rules_arg]);
    let reviewer = server.token("王丽", "reviewer");
    let author = server.token("张敏", "reviewer");
    let mut c = server.client();
    let list = c.get("/v1/suppressions", Some(&reviewer)).json();
    let s = &list["suppressions"][0];
    assert_eq!(s["id"], "热线", "{list}");
    assert_eq!(s["state"], "proposed");
    assert_eq!(s["in_force"], false);
    assert!(s["via"].as_str().unwrap().ends_with("suppressions.toml"));
    // Its author, named in the file, cannot approve it.
    let r = c.post_json(
        "/v1/suppressions/%E7%83%AD%E7%BA%BF/approve",
        Some(&author),
        &json!({}),
    );
    assert_eq!(r.status, 403, "{}", r.text());
    let r = c.post_json(
        "/v1/suppressions/%E7%83%AD%E7%BA%BF/approve",
        Some(&reviewer),
        &json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let info = c.get("/v1/rules", Some(&reviewer)).json();
    assert_eq!(info["suppressions_in_force"], 1, "{info}");
    assert!(info["scan_id"].as_str().unwrap().contains("+s-"));

    // An entry added to the file and read by a reload is proposed by the person who reloaded
    // it, beside the author it names: neither may approve it.
    let maintainer = server.token("赵强", "maintainer");
    let reloader_as_reviewer = server.token("赵强", "reviewer");
    let mut text = std::fs::read_to_string(rules.join("suppressions.toml")).unwrap();
    text.push_str(&format!(
        "\n[[suppression]]\nid = \"样例表\"\nrule = \"mobile\"\ncontent = \"sha256:{}\"\nreason = \"样例\"\nadded_by = \"王丽\"\nexpires = \"{expires}\"\n",
        "ab".repeat(32)
    ));
    std::fs::write(rules.join("suppressions.toml"), &text).unwrap();
    let r = c.post_json("/v1/rules/reload", Some(&maintainer), &json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["suppressions_proposed"], json!(["样例表"]));
    let list = c.get("/v1/suppressions", Some(&reviewer)).json();
    let added = &list["suppressions"][1];
    assert_eq!(
        (
            added["proposed_by"].as_str(),
            added["fields"]["added_by"].as_str()
        ),
        (Some("赵强"), Some("王丽")),
        "{added}"
    );
    let approve = "/v1/suppressions/%E6%A0%B7%E4%BE%8B%E8%A1%A8/approve";
    for token in [&reloader_as_reviewer, &reviewer] {
        let r = c.post_json(approve, Some(token), &json!({}));
        assert_eq!(r.status, 403, "{}", r.text());
    }
    let r = c.post_json(approve, Some(&author), &json!({}));
    assert_eq!(r.status, 200, "a third person approves: {}", r.text());

    // The entry changed in the file under the same id: a reload refuses it, nothing changes.
    let text = std::fs::read_to_string(rules.join("suppressions.toml")).unwrap();
    std::fs::write(
        rules.join("suppressions.toml"),
        text.replace("公开热线", "改过的理由"),
    )
    .unwrap();
    let r = c.post_json("/v1/rules/reload", Some(&maintainer), &json!({}));
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("needs a new id"), "{}", r.text());
    drop(server);

    // A file that would hide full IDs everywhere stops the start, naming its line.
    std::fs::write(
        rules.join("suppressions.toml"),
        format!(
            "# 样例\n[[suppression]]\nrule = \"resident_id\"\nreason = \"r\"\nadded_by = \"张敏\"\nexpires = \"{expires}\"\n"
        ),
    )
    .unwrap();
    let err = Server::try_start(&data, &["--rules", &rules_arg])
        .err()
        .unwrap();
    assert!(
        err.contains("suppressions.toml:2") && err.contains("everywhere"),
        "{err}"
    );
}
