//! Rule maintenance on a running service: edits over HTTP written back to the files, reloads
//! (by request and by the directory watcher), rejected rule sets, versions kept by id, and
//! reloads under a stream of submissions.

mod support;

use serde_json::json;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{rules_copy, Client, Server};

fn start(dir: &Path, rules: &Path, extra: &[&str]) -> Server {
    let mut args = vec!["--rules", rules.to_str().unwrap()];
    args.extend_from_slice(extra);
    Server::start(&dir.join("data"), &args)
}

const TERM: &str = "红线台账";
const DOC: &str = "关于报送红线台账的通知\n请各单位于本周五前报送红线台账。\n";

#[test]
fn edits_over_http_round_trip_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rules_copy(dir.path());
    let original = std::fs::read_to_string(rules.join("stability.toml")).unwrap();
    let server = start(dir.path(), &rules, &["--watch-interval-ms", "0"]);
    let maintainer = server.token("张工", "maintainer");
    let submitter = server.token("李四", "submitter");
    let reviewer = server.token("王丽", "reviewer");
    let mut c = server.client();

    let before = c.get("/v1/rules", Some(&maintainer)).json();
    let old_id = before["id"].as_str().unwrap().to_string();
    assert_eq!(before["editable"], true);
    let rule = before["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "stability_control")
        .unwrap()
        .clone();
    assert_eq!(rule["terms"], 21);
    assert_eq!(rule["category"], "stability");
    assert_eq!(
        c.post_bytes("/v1/reviews", Some(&submitter), DOC.as_bytes())
            .json()["decision"],
        "approve"
    );

    // Add a term: the file changes by that term only, comments and layout kept.
    let r = c.post_json(
        "/v1/rules/stability_control/edits",
        Some(&maintainer),
        &json!({"add_terms": [TERM]}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let change = r.json();
    assert_eq!(change["changed"], true);
    assert_eq!(change["old"], old_id.as_str());
    let new_id = change["new"].as_str().unwrap().to_string();
    let edited = std::fs::read_to_string(rules.join("stability.toml")).unwrap();
    assert_eq!(
        edited,
        original.replacen("\"非访\",\n]", &format!("\"非访\", \"{TERM}\",\n]"), 1)
    );
    let now = c.get("/v1/rules", Some(&reviewer)).json();
    assert_eq!(now["id"], new_id.as_str());
    assert_eq!(now["loaded_by"], "张工");

    // The new term holds new content at once.
    let other = format!("{DOC}附：{TERM}模板\n");
    let held = c
        .post_bytes("/v1/reviews", Some(&submitter), other.as_bytes())
        .json();
    assert_eq!(held["decision"], "hold");
    assert_eq!(held["ruleset"], new_id.as_str());
    assert!(held["findings"].to_string().contains("stability_control"));

    // An edit that would break the rule set is refused with the exact error; nothing changes.
    let r = c.post_json(
        "/v1/rules/stability_control/edits",
        Some(&maintainer),
        &json!({"add_terms": ["稳"]}),
    );
    assert_eq!(r.status, 422, "{}", r.text());
    let e = r.json();
    assert_eq!(e["code"], "invalid_rules");
    let errors = e["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{e}");
    let msg = errors[0].as_str().unwrap();
    assert!(
        msg.contains("stability.toml:14:")
            && msg.ends_with("term `稳` is a single character; terms need at least two"),
        "{msg}"
    );
    assert_eq!(
        std::fs::read_to_string(rules.join("stability.toml")).unwrap(),
        edited
    );
    assert_eq!(
        c.get("/v1/rules", Some(&maintainer)).json()["id"],
        new_id.as_str()
    );
    // Other refusals: no such rule, a term that is not there, a pattern rule, not a maintainer.
    let r = c.post_json(
        "/v1/rules/nope/edits",
        Some(&maintainer),
        &json!({"add_terms": ["某某"]}),
    );
    assert_eq!(r.status, 404);
    let r = c.post_json(
        "/v1/rules/stability_control/edits",
        Some(&maintainer),
        &json!({"remove_terms": ["不存在的词"]}),
    );
    assert_eq!(r.status, 400);
    let r = c.post_json(
        "/v1/rules/classification_mark/edits",
        Some(&maintainer),
        &json!({"add_terms": ["某某"]}),
    );
    assert_eq!(r.status, 400);
    let r = c.post_json(
        "/v1/rules/stability_control/edits",
        Some(&reviewer),
        &json!({"add_terms": ["某某"]}),
    );
    assert_eq!(r.status, 403);

    // Disable and enable a rule.
    let r = c.post_json(
        "/v1/rules/stability_control/edits",
        Some(&maintainer),
        &json!({"enabled": false}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let listed = c.get("/v1/rules", Some(&maintainer)).json();
    assert!(!listed["rules"]
        .to_string()
        .contains("\"stability_control\""));
    let r = c.post_json(
        "/v1/rules/stability_control/edits",
        Some(&maintainer),
        &json!({"enabled": true}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["new"], new_id.as_str());

    // Removing the term restores the file byte for byte, and with it the original rule-set id.
    let r = c.post_json(
        "/v1/rules/stability_control/edits",
        Some(&maintainer),
        &json!({"remove_terms": [TERM]}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["new"], old_id.as_str());
    assert_eq!(
        std::fs::read_to_string(rules.join("stability.toml")).unwrap(),
        original
    );

    // Every rule set stays retrievable by id, and the audit log says who changed what.
    let old = c
        .get(&format!("/v1/rules/{new_id}"), Some(&reviewer))
        .json();
    let stability = old["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "stability.toml")
        .unwrap();
    assert!(stability["text"].as_str().unwrap().contains(TERM));
    assert_eq!(old["loaded_by"], "张工");
    assert_eq!(
        c.get("/v1/rules/rs-0000000000000000", Some(&reviewer))
            .status,
        404
    );
    let audit = c.get("/v1/audit", Some(&server.admin)).json();
    let edit = audit["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleset"] == new_id.as_str())
        .expect("an audit record for the edit");
    assert_eq!(edit["action"], "ruleset_loaded");
    assert_eq!(edit["actor"], "张工");
    let detail = edit["detail"].as_str().unwrap();
    assert!(
        detail.contains("stability_control") && detail.contains(TERM) && detail.contains(&old_id),
        "{detail}"
    );
}

#[test]
fn broken_rule_sets_are_refused_and_the_old_one_serves() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rules_copy(dir.path());
    let server = start(dir.path(), &rules, &["--watch-interval-ms", "0"]);
    let maintainer = server.token("张工", "maintainer");
    let submitter = server.token("李四", "submitter");
    let mut c = server.client();
    let id = c.get("/v1/rules", Some(&maintainer)).json()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let path = rules.join("stability.toml");
    let good = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        good.replacen("severity = \"hold\"", "severity = \"block\"", 1),
    )
    .unwrap();
    let r = c
        .request("POST", "/v1/rules/reload", Some(&maintainer), None, b"")
        .unwrap();
    assert_eq!(r.status, 422, "{}", r.text());
    let errors: Vec<String> = r.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_string())
        .collect();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]
            .ends_with("stability.toml:9:12: unknown severity `block` (expected `hold` or `warn`)"),
        "{errors:?}"
    );

    // Meanwhile the old rule set decides.
    let doc = "关于落实稳控措施的工作方案\n";
    let r = c
        .post_bytes("/v1/reviews", Some(&submitter), doc.as_bytes())
        .json();
    assert_eq!(r["ruleset"], id.as_str());
    assert_eq!(r["decision"], "hold");

    // A failing example is refused too.
    std::fs::write(
        &path,
        good.replacen(
            "none = [\"综治维稳等敏感信息不予公开。\"",
            "none = [\"落实稳控措施\"",
            1,
        ),
    )
    .unwrap();
    let r = c
        .request("POST", "/v1/rules/reload", Some(&maintainer), None, b"")
        .unwrap();
    assert_eq!(r.status, 422);
    assert!(
        r.json()["errors"][0]
            .as_str()
            .unwrap()
            .contains("expected none for example \"落实稳控措施\""),
        "{}",
        r.text()
    );

    // No rule files at all: refused, never an empty rule set that approves everything.
    for f in std::fs::read_dir(&rules).unwrap() {
        std::fs::remove_file(f.unwrap().path()).unwrap();
    }
    let r = c
        .request("POST", "/v1/rules/reload", Some(&maintainer), None, b"")
        .unwrap();
    assert_eq!(r.status, 422);
    assert!(r.json()["errors"][0]
        .as_str()
        .unwrap()
        .contains("no *.toml rule files"));
    std::fs::write(rules.join("empty.toml"), "# nothing here\n").unwrap();
    let r = c
        .request("POST", "/v1/rules/reload", Some(&maintainer), None, b"")
        .unwrap();
    assert_eq!(r.status, 422);
    assert!(r.json()["errors"][0]
        .as_str()
        .unwrap()
        .contains("no enabled rules"));
    let r = c
        .post_bytes(
            "/v1/reviews",
            Some(&submitter),
            "另一份落实稳控措施的方案\n".as_bytes(),
        )
        .json();
    assert_eq!(r["ruleset"], id.as_str());
    assert_eq!(r["decision"], "hold");
    let metrics = c.get("/metrics", None).text();
    assert!(
        metrics.contains("baomi_rules_reloads_total{outcome=\"rejected\"} 4"),
        "{metrics}"
    );

    // A service on the embedded rule set has nothing to reload.
    drop(server);
    let other = tempfile::tempdir().unwrap();
    let embedded = Server::start(&other.path().join("data"), &[]);
    let m = embedded.token("张工", "maintainer");
    let r = embedded
        .client()
        .request("POST", "/v1/rules/reload", Some(&m), None, b"")
        .unwrap();
    assert_eq!(r.status, 400);
    assert!(r.json()["message"].as_str().unwrap().contains("--rules"));
}

#[test]
fn the_watcher_reloads_changed_files() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rules_copy(dir.path());
    let server = start(dir.path(), &rules, &["--watch-interval-ms", "100"]);
    let maintainer = server.token("张工", "maintainer");
    let mut c = server.client();
    let id = c.get("/v1/rules", Some(&maintainer)).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = rules.join("stability.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen("\"非访\",", &format!("\"非访\", \"{TERM}\","), 1),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = c.get("/v1/rules", Some(&maintainer)).json();
        if now["id"] != id.as_str() {
            assert_eq!(now["loaded_by"], "rules watcher");
            break;
        }
        assert!(Instant::now() < deadline, "the watcher did not reload");
        std::thread::sleep(Duration::from_millis(50));
    }
    // A broken file is logged and ignored; the last good rule set keeps serving.
    let current = c.get("/v1/rules", Some(&maintainer)).json()["id"].clone();
    std::fs::write(&path, "category = \"stability\"\n[[rule]]\nid = \n").unwrap();
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(c.get("/v1/rules", Some(&maintainer)).json()["id"], current);
    assert!(server.stderr().contains("rule set rejected"));
}

/// Submissions never stop while a maintainer adds and removes a term and tries broken rule
/// sets. Every recorded decision names a rule set that really was in force, never one that was
/// refused, and agrees with it: the document with the term holds exactly under the rule sets
/// that have the term.
#[test]
fn reloads_under_concurrent_submissions() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rules_copy(dir.path());
    let server = start(dir.path(), &rules, &["--watch-interval-ms", "0"]);
    let maintainer = server.token("张工", "maintainer");
    let submitters: Vec<String> = (0..4)
        .map(|i| server.token(&format!("科员{i}"), "submitter"))
        .collect();
    let mut c = server.client();
    let base_id = c.get("/v1/rules", Some(&maintainer)).json()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let stop = Arc::new(AtomicBool::new(false));
    let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let worst = Arc::new(Mutex::new(Duration::ZERO));
    let handles: Vec<_> = submitters
        .iter()
        .enumerate()
        .map(|(t, token)| {
            let (token, addr, stop, seen, worst) = (
                token.clone(),
                server.addr,
                stop.clone(),
                seen.clone(),
                worst.clone(),
            );
            std::thread::spawn(move || {
                let mut c = Client::new(addr);
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let doc = format!("{DOC}（第{t}组第{n}份）\n");
                    let started = Instant::now();
                    let r = c.post_bytes("/v1/reviews", Some(&token), doc.as_bytes());
                    let took = started.elapsed();
                    assert_eq!(r.status, 201, "{}", r.text());
                    let v = r.json();
                    let ruleset = v["ruleset"].as_str().unwrap_or("").to_string();
                    assert!(ruleset.starts_with("rs-") && ruleset.len() == 19, "{v}");
                    seen.lock()
                        .unwrap()
                        .push((ruleset, v["decision"].as_str().unwrap().to_string()));
                    let mut w = worst.lock().unwrap();
                    *w = (*w).max(took);
                }
            })
        })
        .collect();

    let path = rules.join("stability.toml");
    let good = std::fs::read_to_string(&path).unwrap();
    let mut with_term = None;
    for round in 0..6 {
        let r = c.post_json(
            "/v1/rules/stability_control/edits",
            Some(&maintainer),
            &json!({"add_terms": [TERM]}),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        with_term = Some(r.json()["new"].as_str().unwrap().to_string());
        std::thread::sleep(Duration::from_millis(40));
        // A broken rule set, written by hand and reloaded: refused.
        let current = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            &path,
            format!("{current}\n[[rule]]\nid = \"broken{round}\"\nseverity = \"hold\"\n"),
        )
        .unwrap();
        let r = c
            .request("POST", "/v1/rules/reload", Some(&maintainer), None, b"")
            .unwrap();
        assert_eq!(r.status, 422, "{}", r.text());
        std::fs::write(&path, &current).unwrap();
        std::thread::sleep(Duration::from_millis(40));
        let r = c.post_json(
            "/v1/rules/stability_control/edits",
            Some(&maintainer),
            &json!({"remove_terms": [TERM]}),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["new"], base_id.as_str());
        std::thread::sleep(Duration::from_millis(40));
    }
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), good);
    let with_term = with_term.unwrap();
    let seen = seen.lock().unwrap();
    let mut counts = (0, 0);
    for (ruleset, decision) in seen.iter() {
        if *ruleset == with_term {
            assert_eq!(decision, "hold");
            counts.0 += 1;
        } else {
            assert_eq!(
                *ruleset, base_id,
                "a decision under a rule set that was never in force"
            );
            assert_eq!(decision, "approve");
            counts.1 += 1;
        }
    }
    assert!(
        counts.0 > 0 && counts.1 > 0,
        "both rule sets decided something: {counts:?}"
    );
    eprintln!(
        "{} submissions during 18 rule changes ({} under the added term); worst latency {:?}",
        seen.len(),
        counts.0,
        *worst.lock().unwrap()
    );
}

/// The watcher is off unless asked for, and with `--check-labels` a labelled corpus stands
/// guard over every rule change: a change that lets a must-hold document through is refused,
/// saying which figure fell, which documents now approve and which files changed.
#[test]
fn a_labelled_corpus_refuses_rule_changes_that_weaken_it() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rules_copy(dir.path());
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::write(
        corpus.join("plan.txt"),
        "关于做好春节期间重点人员稳控工作的通知\n各乡镇：请落实稳控措施，对重点稳控对象实行包保责任，严防进京非访。\n",
    )
    .unwrap();
    std::fs::write(
        corpus.join("notice.txt"),
        "关于开展2026年冬季全民健身活动的通知\n各社区：活动时间为12月20日上午9时，地点为区体育中心。\n",
    )
    .unwrap();
    std::fs::write(
        corpus.join("labels.jsonl"),
        concat!(
            r#"{"file": "plan.txt", "decision": "hold", "categories": ["stability"], "pii": [], "tags": [], "note": "稳控方案"}"#,
            "\n",
            r#"{"file": "notice.txt", "decision": "approve", "categories": [], "pii": [], "tags": [], "note": "通知"}"#,
            "\n"
        ),
    )
    .unwrap();
    let labels = corpus.join("labels.jsonl");
    let server = start(
        dir.path(),
        &rules,
        &["--check-labels", labels.to_str().unwrap()],
    );
    let maintainer = server.token("张工", "maintainer");
    let mut c = server.client();
    let id = c.get("/v1/rules", Some(&maintainer)).json()["id"].clone();

    // Disabling the rule that holds the plan falls below the corpus: refused, nothing changes.
    let r = c.post_json(
        "/v1/rules/stability_control/edits",
        Some(&maintainer),
        &json!({"enabled": false}),
    );
    assert_eq!(r.status, 422, "{}", r.text());
    let errors = r.json()["errors"].to_string();
    assert!(errors.contains("hold recall 0.000 is below"), "{errors}");
    assert!(errors.contains("plan.txt"), "{errors}");
    let message = r.json()["message"].to_string();
    assert!(message.contains("changed stability.toml"), "{message}");
    assert_eq!(c.get("/v1/rules", Some(&maintainer)).json()["id"], id);
    assert!(
        std::fs::read_to_string(rules.join("stability.toml"))
            .unwrap()
            .contains("id = \"stability_control\"\nname = \"稳控措施\"\nseverity = \"hold\""),
        "a refused edit leaves the file as it was"
    );

    // An edit that keeps the corpus whole goes in force.
    let r = c.post_json(
        "/v1/rules/stability_control/edits",
        Some(&maintainer),
        &json!({"add_terms": [TERM]}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let id = c.get("/v1/rules", Some(&maintainer)).json()["id"].clone();

    // A file saved in the directory is not in force until someone asks: no watcher by default.
    let path = rules.join("stability.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("\"稳控措施\", ", "", 1)).unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(c.get("/v1/rules", Some(&maintainer)).json()["id"], id);
    let r = c.post_json("/v1/rules/reload", Some(&maintainer), &json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_ne!(c.get("/v1/rules", Some(&maintainer)).json()["id"], id);
}

/// After a rule-set change, engine holds are re-checked in the background under the rules in
/// force, each change recorded in the review's history; a reviewer's hold is never lifted, and a
/// reviewer can re-check one review on request.
#[test]
fn engine_holds_are_rechecked_after_a_rule_change() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rules_copy(dir.path());
    let server = start(dir.path(), &rules, &[]);
    let maintainer = server.token("张工", "maintainer");
    let submitter = server.token("李四", "submitter");
    let reviewer = server.token("王丽", "reviewer");
    let publisher = server.token("流水线", "publisher");
    let mut c = server.client();

    let plan = "关于做好春节期间信访工作的通知\n各乡镇：请落实稳控措施，确保节日期间平稳。\n";
    let other = "关于做好元旦期间信访工作的通知\n各街道：请落实稳控措施，做好值班安排。\n";
    let a = c
        .post_bytes("/v1/reviews", Some(&submitter), plan.as_bytes())
        .json();
    let b = c
        .post_bytes("/v1/reviews", Some(&submitter), other.as_bytes())
        .json();
    assert_eq!(a["decision"], "hold", "{a}");
    assert_eq!(b["decision"], "hold", "{b}");
    let (a_id, b_id) = (a["id"].as_u64().unwrap(), b["id"].as_u64().unwrap());
    // A reviewer confirms one hold: a person's decision.
    let r = c.post_json(
        &format!("/v1/reviews/{b_id}/decisions"),
        Some(&reviewer),
        &json!({"decision": "hold", "reason": "涉及维稳工作部署，不予公开"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());

    // The rule that held both is disabled.
    let r = c.post_json(
        "/v1/rules/stability_control/edits",
        Some(&maintainer),
        &json!({"enabled": false}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let new_id = r.json()["new"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    let progress = loop {
        let p = c.get("/v1/rules", Some(&maintainer)).json()["recheck"].clone();
        if p["state"] == "done" && p["ruleset"] == new_id.as_str() {
            break p;
        }
        assert!(
            Instant::now() < deadline,
            "the re-check did not finish: {p}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(progress["rescanned"], 1, "{progress}");
    assert_eq!(progress["approved"], 1, "{progress}");

    // The engine's hold was re-checked and lifted, and the history says so.
    let a = c
        .get(&format!("/v1/reviews/{a_id}"), Some(&reviewer))
        .json();
    assert_eq!(a["decision"], "approve", "{a}");
    assert_eq!(a["ruleset"], new_id.as_str());
    let last = a["decisions"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "engine");
    assert!(
        last["reason"]
            .as_str()
            .unwrap()
            .contains("按现行规则重新审查"),
        "{last}"
    );
    let g = c.post_bytes("/v1/gate", Some(&publisher), plan.as_bytes());
    assert_eq!(g.status, 200, "{}", g.text());
    // The reviewer's hold stands, at the gate too.
    let b = c
        .get(&format!("/v1/reviews/{b_id}"), Some(&reviewer))
        .json();
    assert_eq!(b["decision"], "hold", "{b}");
    assert_eq!(
        c.post_bytes("/v1/gate", Some(&publisher), other.as_bytes())
            .status,
        409
    );

    // The rule comes back: the gate re-checks the engine's approve, and a reviewer's
    // re-check of one review records the hold at once.
    let r = c.post_json(
        "/v1/rules/stability_control/edits",
        Some(&maintainer),
        &json!({"enabled": true}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let r = c.post_json(
        &format!("/v1/reviews/{a_id}/recheck"),
        Some(&reviewer),
        &json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["decision"], "hold", "{}", r.text());
    // A second re-check under the same rules changes nothing; a submitter may not ask.
    let n = r.json()["decisions"].as_array().unwrap().len();
    let again = c.post_json(
        &format!("/v1/reviews/{a_id}/recheck"),
        Some(&reviewer),
        &json!({}),
    );
    assert_eq!(again.json()["decisions"].as_array().unwrap().len(), n);
    let denied = c.post_json(
        &format!("/v1/reviews/{a_id}/recheck"),
        Some(&submitter),
        &json!({}),
    );
    assert_eq!(denied.status, 403);
    assert_eq!(
        c.post_bytes("/v1/gate", Some(&publisher), plan.as_bytes())
            .status,
        409
    );
}
