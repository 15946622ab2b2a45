//! Versions of a draft, as a disclosure office meets them, on a real `baomi serve` with a real
//! sled directory: a draft returned for changes comes back as its next version (`revises`), the
//! old one leaves the 待审 queue (superseded), the review shows the chain and a masked diff with
//! the findings fixed; two versions of one draft never fork; strangers can neither revise nor
//! compare; the gate never passes the old bytes; and a store written before versions opens.

mod support;

use serde_json::{json, Value};
use support::{resident_id, Client, Server};

fn data_dir() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    (dir, data)
}

fn list(c: &mut Client, token: &str, query: &str) -> Vec<u64> {
    let r = c.get(&format!("/v1/reviews{query}"), Some(token));
    assert_eq!(r.status, 200, "{query}: {}", r.text());
    r.json()["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_u64().unwrap())
        .collect()
}

/// Submits JSON; `revises` names the review it is a new version of.
fn submit(c: &mut Client, token: &str, title: &str, content: &str, revises: Option<u64>) -> Value {
    let mut body = json!({"title": title, "content": content});
    if let Some(r) = revises {
        body["revises"] = json!(r);
    }
    let r = c.post_json("/v1/reviews", Some(token), &body);
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

fn post(c: &mut Client, token: &str, path: &str, body: Value) -> Value {
    let r = c.post_json(path, Some(token), &body);
    assert_eq!(r.status, 201, "{path}: {}", r.text());
    r.json()
}

fn id(v: &Value) -> u64 {
    v["id"].as_u64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// An ID number as the findings show it: the first two and last two digits.
fn masked(id_number: &str) -> String {
    format!("{}{}{}", &id_number[..2], "*".repeat(14), &id_number[16..])
}

const TITLE: &str = "关于开展冬季送温暖走访活动的通知";

fn first_draft(id_number: &str) -> String {
    format!(
        "各社区：\n街道将于12月走访辖区困难群众，名单附后。\n联系人：张伟，身份证号{id_number}。\n请各社区于12月5日前报送走访安排。\n"
    )
}

const CORRECTED: &str = "各社区：\n街道将于12月走访辖区困难群众，名单附后。\n联系方式请向街道社会事务办公室咨询。\n请各社区于12月5日前报送走访安排。\n";

/// The whole round: held for an ID number, returned with a reason, resubmitted corrected as
/// version 2; version 1 leaves the queue, the review lists both, and the diff shows the line
/// with the ID number removed — masked — and the finding fixed.
#[test]
fn a_returned_draft_comes_back_as_its_next_version_with_a_diff() {
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &[]);
    let lisi = server.token_in("李四", "submitter", "城关街道办事处");
    let wang = server.token("王丽", "reviewer");
    let mut c = server.client();
    let id_number = resident_id("19580712", 23);

    let v1 = submit(&mut c, &lisi, TITLE, &first_draft(&id_number), None);
    let v1_id = id(&v1);
    assert_eq!(v1["decision"], "hold", "the ID number holds it");
    assert_eq!(v1["version"], 1);
    assert!(v1.get("revises").is_none() && v1.get("revised_by").is_none());
    let reason = "请删去联系人的身份证号后重新送审";
    post(
        &mut c,
        &wang,
        &format!("/v1/reviews/{v1_id}/return"),
        json!({ "reason": reason }),
    );
    assert_eq!(list(&mut c, &wang, "?state=returned"), [v1_id]);

    // The submitter sends the corrected text as the next version.
    let v2 = submit(&mut c, &lisi, TITLE, CORRECTED, Some(v1_id));
    let v2_id = id(&v2);
    assert_eq!(
        (v2["version"].as_u64(), v2["revises"].as_u64()),
        (Some(2), Some(v1_id))
    );
    assert_eq!(v2["state"], "pending");
    assert_eq!(v2["decision"], "approve", "{v2}");

    // Version 1 is superseded: out of every reviewer's work, its decisions as they were.
    let old = c.get(&format!("/v1/reviews/{v1_id}"), Some(&lisi)).json();
    assert_eq!(old["state"], "superseded");
    assert_eq!(old["revised_by"], v2_id);
    assert_eq!(old["decision"], "hold");
    assert_eq!(old["decisions"].as_array().unwrap().len(), 2);
    assert!(old.get("state_reason").is_none(), "{old}");
    assert_eq!(
        list(&mut c, &wang, ""),
        [v2_id],
        "the queue shows the newest only"
    );
    assert!(list(&mut c, &wang, "?state=returned").is_empty());
    assert_eq!(list(&mut c, &wang, "?state=superseded"), [v1_id]);
    let page = c.get("/v1/reviews?state=all", Some(&lisi)).json();
    let rows: Vec<(u64, &str, u64)> = page["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_u64().unwrap(),
                r["state"].as_str().unwrap(),
                r["version"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows, [(v1_id, "superseded", 1), (v2_id, "pending", 2)]);
    assert_eq!(page["reviews"][0]["revised_by"], v2_id);

    // Both reviews list the chain, oldest first.
    for (reader, which) in [(&lisi, v1_id), (&wang, v2_id)] {
        let r = c.get(&format!("/v1/reviews/{which}"), Some(reader)).json();
        let chain: Vec<(u64, u64, &str, &str)> = r["versions"]
            .as_array()
            .unwrap_or_else(|| panic!("no versions in {r}"))
            .iter()
            .map(|v| {
                (
                    v["id"].as_u64().unwrap(),
                    v["version"].as_u64().unwrap(),
                    v["state"].as_str().unwrap(),
                    v["decision"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            chain,
            [
                (v1_id, 1, "superseded", "hold"),
                (v2_id, 2, "pending", "approve")
            ]
        );
        assert_eq!(r["versions"][0]["submitter"], "李四");
        assert!(r["versions"][0]["finding_count"].as_u64().unwrap() >= 1);
    }

    // The diff against the version it revises (the default, or named).
    for (reader, query) in [
        (&wang, ""),
        (&lisi, ""),
        (&wang, &*format!("?against={v1_id}")),
    ] {
        let r = c.get(&format!("/v1/reviews/{v2_id}/diff{query}"), Some(reader));
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(
            !r.text().contains(&id_number),
            "the diff shows the ID number unmasked"
        );
        let d = r.json();
        assert_eq!(
            (d["from"]["id"].as_u64(), d["to"]["id"].as_u64()),
            (Some(v1_id), Some(v2_id))
        );
        assert_eq!(
            (d["from"]["version"].as_u64(), d["to"]["version"].as_u64()),
            (Some(1), Some(2))
        );
        let lines: Vec<(&str, &str)> = d["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| (l["op"].as_str().unwrap(), l["text"].as_str().unwrap()))
            .collect();
        assert_eq!(
            lines,
            [
                ("equal", TITLE),
                ("equal", "各社区："),
                ("equal", "街道将于12月走访辖区困难群众，名单附后。"),
                (
                    "delete",
                    &*format!("联系人：张伟，身份证号{}。", masked(&id_number))
                ),
                ("insert", "联系方式请向街道社会事务办公室咨询。"),
                ("equal", "请各社区于12月5日前报送走访安排。"),
            ]
        );
        assert_eq!(
            (d["deleted"].as_u64(), d["inserted"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(d["lines"][3]["old_line"], 4);
        assert_eq!(d["lines"][4]["new_line"], 4);
        let fixed = d["findings_fixed"].as_array().unwrap();
        let id_finding = fixed
            .iter()
            .find(|f| f["rule"] == "resident_id")
            .unwrap_or_else(|| panic!("the ID number is not among the fixed: {fixed:?}"));
        assert_eq!(id_finding["text"], masked(&id_number));
        assert!(d["findings_new"].as_array().unwrap().is_empty(), "{d}");
    }
    // Version 1 revises nothing: nothing to compare it with unless told.
    let r = c.get(&format!("/v1/reviews/{v1_id}/diff"), Some(&wang));
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.json()["message"].as_str().unwrap().contains("against"));
    let r = c.get(
        &format!("/v1/reviews/{v1_id}/diff?against={v2_id}"),
        Some(&wang),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json()["findings_new"][0]["rule"],
        "resident_id",
        "the other way round"
    );

    // One audit record tells of the new version and the old one's end; the chain verifies.
    let audit = c.get("/v1/audit", Some(&server.admin)).json();
    let versions: Vec<&Value> = audit["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "version_submitted")
        .collect();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0]["review"], v2_id);
    assert!(versions[0]["detail"]
        .as_str()
        .unwrap()
        .contains(&format!("review {v1_id}, which it supersedes")));
    let v = c.get("/v1/audit/verify", Some(&server.admin));
    assert_eq!(v.status, 200, "{}", v.text());
    let log = server.stderr();
    assert!(!log.contains(&id_number), "the log quotes the ID number");

    // All of it survives a restart.
    assert_eq!(server.terminate(), Some(0));
    let server = Server::start(&data, &[]);
    let mut c = server.client();
    let old = c.get(&format!("/v1/reviews/{v1_id}"), Some(&wang)).json();
    assert_eq!(
        (old["state"].as_str(), old["revised_by"].as_u64()),
        (Some("superseded"), Some(v2_id))
    );
    assert_eq!(old["versions"].as_array().unwrap().len(), 2);
    assert_eq!(list(&mut c, &wang, ""), [v2_id]);
}

/// A version revises the newest version of a draft the submitter may read: a fork is a 409
/// naming the newest, an unknown id a 404; the same bytes again answer the existing review,
/// unchanged; another submitter can neither revise nor compare; a reviewer may revise anyone's
/// draft; an old version can no longer be approved or returned.
#[test]
fn versions_never_fork_and_strangers_cannot_revise_or_compare() {
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &[]);
    let lisi = server.token("李四", "submitter");
    let zhao = server.token("赵敏", "submitter");
    let wang = server.token("王丽", "reviewer");
    let chen = server.token("陈主任", "reviewer");
    let mut c = server.client();
    let title = "关于调整社区服务中心开放时间的通知";
    let text =
        |n: u32| format!("各居民：\n自12月{n}日起，社区服务中心开放时间调整为每日八时至十八时。\n");
    let v1 = id(&submit(&mut c, &lisi, title, &text(1), None));
    let v2 = id(&submit(&mut c, &lisi, title, &text(2), Some(v1)));

    // A second version of version 1: refused, naming the newest.
    let fork = c.post_json(
        "/v1/reviews",
        Some(&lisi),
        &json!({"title": title, "content": text(3), "revises": v1}),
    );
    assert_eq!(fork.status, 409, "{}", fork.text());
    let m = fork.json()["message"].as_str().unwrap().to_string();
    assert!(m.contains(&format!("review {v2}")), "{m}");
    let v3 = id(&submit(&mut c, &lisi, title, &text(3), Some(v2)));
    for old in [v1, v2] {
        let r = c.post_json(
            "/v1/reviews",
            Some(&lisi),
            &json!({"title": title, "content": text(4), "revises": old}),
        );
        assert_eq!(r.status, 409, "{}", r.text());
        let m = r.json()["message"].as_str().unwrap().to_string();
        assert!(m.contains(&format!("review {v3} (version 3)")), "{m}");
    }
    // Nothing was recorded by the refusals.
    assert_eq!(list(&mut c, &wang, "?state=all"), [v1, v2, v3]);

    // An id that is no review.
    let r = c.post_json(
        "/v1/reviews",
        Some(&lisi),
        &json!({"title": title, "content": text(5), "revises": 9999}),
    );
    assert_eq!(r.status, 404, "{}", r.text());
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("`revises`: no review with id 9999"));

    // The same bytes as version 3, named as its next version: version 3 itself, unchanged.
    let r = c.post_json(
        "/v1/reviews",
        Some(&lisi),
        &json!({"title": title, "content": text(3), "revises": v3}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let same = r.json();
    assert_eq!((id(&same), &same["unchanged"]), (v3, &json!(true)));
    assert_eq!(same["state"], "pending", "not superseded by itself");
    let r = c.post_json(
        "/v1/reviews",
        Some(&lisi),
        &json!({"content": "新的通知正文"}),
    );
    assert_eq!(r.status, 201);
    assert!(r.json().get("unchanged").is_none());

    // Malformed `revises`.
    for (path, body) in [
        ("/v1/reviews?revises=abc", b"x".to_vec()),
        ("/v1/reviews?revises=0", b"x".to_vec()),
        ("/v1/reviews?revises=1&revises=2", b"x".to_vec()),
        ("/v1/reviews?revise=1", b"x".to_vec()),
    ] {
        let r = c
            .request("POST", path, Some(&lisi), Some("text/plain"), &body)
            .unwrap();
        assert_eq!(r.status, 400, "{path}: {}", r.text());
    }
    let r = c.request(
        "POST",
        &format!("/v1/reviews?revises={v1}"),
        Some(&lisi),
        Some("application/json"),
        json!({"content": "正文", "revises": v3})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(r.unwrap().status, 400);
    let r = c.post_json(
        "/v1/reviews",
        Some(&lisi),
        &json!({"content": "正文", "revises": 0}),
    );
    assert_eq!(r.status, 400, "{}", r.text());

    // An upload names the review it revises in the query, beside its file name.
    let r = c.post_bytes(
        &format!("/v1/reviews?revises={v3}&name=%E9%80%9A%E7%9F%A5.txt"),
        Some(&lisi),
        "关于调整社区服务中心开放时间的通知（第四稿）\n开放时间调整为每日九时至十七时。\n"
            .as_bytes(),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let v4 = r.json();
    assert_eq!(
        (v4["version"].as_u64(), v4["revises"].as_u64()),
        (Some(4), Some(v3))
    );
    assert_eq!(v4["file_name"], "通知.txt");
    let v4 = id(&v4);

    // Another submitter: no such review, to revise or to compare or to read.
    let r = c.post_json(
        "/v1/reviews",
        Some(&zhao),
        &json!({"title": title, "content": text(6), "revises": v4}),
    );
    assert_eq!(r.status, 404, "{}", r.text());
    for path in [
        format!("/v1/reviews/{v4}/diff"),
        format!("/v1/reviews/{v4}/diff?against={v3}"),
        format!("/v1/reviews/{v4}"),
    ] {
        assert_eq!(c.get(&path, Some(&zhao)).status, 404, "{path}");
    }
    // ... nor compare their own draft with someone else's.
    let theirs = id(&submit(&mut c, &zhao, title, &text(7), None));
    let r = c.get(
        &format!("/v1/reviews/{theirs}/diff?against={v4}"),
        Some(&zhao),
    );
    assert_eq!(r.status, 404, "{}", r.text());

    // A reviewer may revise anyone's draft. The submitter sees that version listed, but may
    // open and compare only their own.
    let v5 = id(&submit(&mut c, &wang, title, &text(8), Some(v4)));
    let r = c.get(&format!("/v1/reviews/{v4}"), Some(&lisi)).json();
    let chain: Vec<u64> = r["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_u64().unwrap())
        .collect();
    assert_eq!(chain, [v1, v2, v3, v4, v5]);
    assert_eq!(r["versions"][4]["submitter"], "王丽");
    assert_eq!(c.get(&format!("/v1/reviews/{v5}"), Some(&lisi)).status, 404);
    assert_eq!(
        c.get(&format!("/v1/reviews/{v5}/diff"), Some(&lisi)).status,
        404
    );
    let r = c.get(&format!("/v1/reviews/{v5}/diff"), Some(&chen));
    assert_eq!(r.status, 200, "{}", r.text());

    // An old version is out of the reviewers' work: approving or returning it is refused,
    // naming the newest; a hold may still be recorded.
    let path = format!("/v1/reviews/{v3}/decisions");
    let r = c.post_json(
        &path,
        Some(&chen),
        &json!({"decision": "approve", "reason": "可以"}),
    );
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains(&format!("review {v5} (version 5)")));
    let r = c.post_json(
        &format!("/v1/reviews/{v3}/return"),
        Some(&chen),
        &json!({"reason": "请修改"}),
    );
    assert_eq!(r.status, 409, "{}", r.text());
    let held = post(
        &mut c,
        &chen,
        &path,
        json!({"decision": "hold", "reason": "旧版不得发布"}),
    );
    assert_eq!(held["state"], "superseded");

    // The comparison's own refusals.
    for (query, status) in [
        (format!("?against={v5}"), 400),
        ("?against=9999".to_string(), 404),
        ("?against=x".to_string(), 400),
        ("?other=1".to_string(), 400),
    ] {
        let r = c.get(&format!("/v1/reviews/{v5}/diff{query}"), Some(&chen));
        assert_eq!(r.status, status, "{query}: {}", r.text());
    }
    // A publisher fetches approved bytes; drafts' versions are not theirs to compare.
    let r = c.get(
        &format!("/v1/reviews/{v5}/diff"),
        Some(&server.token("发布流水线", "publisher")),
    );
    assert_eq!(r.status, 403);
}

/// The gate answers by the bytes: approving version 2 never lets version 1's bytes through,
/// whether version 1 was returned by a reviewer or only held by the engine.
#[test]
fn the_gate_never_passes_an_old_version() {
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &[]);
    let lisi = server.token("李四", "submitter");
    let wang = server.token("王丽", "reviewer");
    let chen = server.token("陈主任", "reviewer");
    let publisher = server.token("发布流水线", "publisher");
    let mut c = server.client();
    let gate_sha = |c: &mut Client, sha: &Value| {
        c.post_json("/v1/gate", Some(&publisher), &json!({ "sha256": sha }))
    };

    // Returned, then corrected and approved.
    let id_number = resident_id("19620315", 41);
    let v1 = submit(&mut c, &lisi, TITLE, &first_draft(&id_number), None);
    post(
        &mut c,
        &wang,
        &format!("/v1/reviews/{}/return", id(&v1)),
        json!({"reason": "请删去身份证号"}),
    );
    let v2 = submit(&mut c, &lisi, TITLE, CORRECTED, Some(id(&v1)));
    post(
        &mut c,
        &chen,
        &format!("/v1/reviews/{}/decisions", id(&v2)),
        json!({"decision": "approve", "reason": "已删去身份证号，同意发布"}),
    );
    let r = gate_sha(&mut c, &v2["sha256"]);
    assert_eq!(r.status, 200, "{}", r.text());
    let r = gate_sha(&mut c, &v1["sha256"]);
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.json()["reasons"][0]
        .as_str()
        .unwrap()
        .contains("退回修改"));
    // By its bytes too, and as content to fetch.
    let bytes = format!("{TITLE}\n{}", first_draft(&id_number));
    let r = c.request(
        "POST",
        "/v1/gate",
        Some(&publisher),
        Some("text/plain; charset=utf-8"),
        bytes.as_bytes(),
    );
    assert_eq!(r.unwrap().status, 409);
    let r = c.get(
        &format!("/v1/reviews/{}/content", id(&v1)),
        Some(&publisher),
    );
    assert_eq!(r.status, 409, "{}", r.text());
    let r = c.get(
        &format!("/v1/reviews/{}/content", id(&v2)),
        Some(&publisher),
    );
    assert_eq!(r.status, 200);

    // Held by the engine only, corrected before any reviewer read it, then approved.
    let other = resident_id("19750101", 7);
    let w1 = submit(
        &mut c,
        &lisi,
        "关于发放临时救助金的公示",
        &first_draft(&other),
        None,
    );
    assert_eq!(w1["decision"], "hold");
    let w2 = submit(
        &mut c,
        &lisi,
        "关于发放临时救助金的公示",
        CORRECTED,
        Some(id(&w1)),
    );
    post(
        &mut c,
        &wang,
        &format!("/v1/reviews/{}/decisions", id(&w2)),
        json!({"decision": "approve", "reason": "同意"}),
    );
    assert_eq!(gate_sha(&mut c, &w2["sha256"]).status, 200);
    let r = gate_sha(&mut c, &w1["sha256"]);
    assert_eq!(r.status, 409, "{}", r.text());
    assert_eq!(r.json()["decided_by"], "engine");
}

/// A store written before versions (format 3: 43-byte summaries, no `revisions` tree) opens
/// as it is: its reviews keep their states, and a returned one can be revised.
#[test]
fn a_store_from_before_versions_keeps_working() {
    let (_dir, data) = data_dir();
    let (lisi, wang, a, b);
    let id_number = resident_id("19580712", 23);
    {
        let server = Server::start(&data, &[]);
        lisi = server.token("李四", "submitter");
        wang = server.token("王丽", "reviewer");
        let mut c = server.client();
        a = id(&submit(
            &mut c,
            &lisi,
            TITLE,
            &first_draft(&id_number),
            None,
        ));
        b = id(&submit(
            &mut c,
            &lisi,
            "关于停水的通知",
            "12月3日停水一天。\n",
            None,
        ));
        post(
            &mut c,
            &wang,
            &format!("/v1/reviews/{a}/return"),
            json!({"reason": "请删去身份证号"}),
        );
        assert_eq!(server.terminate(), Some(0));
    }
    // Make it what the previous baomi wrote.
    {
        let db = sled::open(&data).unwrap();
        let meta = db.open_tree("meta").unwrap();
        meta.insert("format", &3u64.to_be_bytes()).unwrap();
        assert!(db.drop_tree("revisions").unwrap());
        let summaries = db.open_tree("summaries").unwrap();
        for item in summaries.iter() {
            let (k, v) = item.unwrap();
            assert_eq!(v.len(), 44);
            summaries.insert(k, &v[..43]).unwrap();
        }
        db.flush().unwrap();
    }
    let server = Server::start(&data, &[]);
    let mut c = server.client();
    let states: Vec<(u64, String, u64)> = c.get("/v1/reviews?state=all", Some(&wang)).json()
        ["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_u64().unwrap(),
                r["state"].as_str().unwrap().to_string(),
                r["version"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            (a, "returned".to_string(), 1),
            (b, "pending".to_string(), 1)
        ]
    );
    let v2 = submit(&mut c, &lisi, TITLE, CORRECTED, Some(a));
    assert_eq!(v2["version"], 2);
    let r = c.get(&format!("/v1/reviews/{a}"), Some(&wang)).json();
    assert_eq!(r["state"], "superseded");
    assert_eq!(r["versions"].as_array().unwrap().len(), 2);
    assert_eq!(list(&mut c, &wang, ""), [b, id(&v2)]);
    let r = c.get(&format!("/v1/reviews/{}/diff", id(&v2)), Some(&wang));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = c.get("/v1/audit/verify", Some(&server.admin));
    assert_eq!(v.status, 200, "{}", v.text());
    assert_eq!(server.terminate(), Some(0));
    let db = sled::open(&data).unwrap();
    let format = db
        .open_tree("meta")
        .unwrap()
        .get("format")
        .unwrap()
        .unwrap();
    assert_eq!(
        format.as_ref(),
        7u64.to_be_bytes(),
        "the format was updated"
    );
}

/// Comparing is bounded: texts beyond the line limit are refused with the limit named, before
/// any diff is computed.
#[test]
fn texts_too_large_to_compare_are_refused_with_the_limit() {
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &[]);
    let lisi = server.token("李四", "submitter");
    let mut c = server.client();
    let long: String = (0..20_001).map(|i| format!("第{i}行。\n")).collect();
    let v1 = id(&submit(&mut c, &lisi, "值班安排", &long, None));
    let v2 = id(&submit(&mut c, &lisi, "值班安排", "只有一行。\n", Some(v1)));
    let r = c.get(&format!("/v1/reviews/{v2}/diff"), Some(&lisi));
    assert_eq!(r.status, 422, "{}", r.text());
    let e = r.json();
    assert_eq!(e["code"], "diff_too_large");
    let m = e["message"].as_str().unwrap();
    assert!(
        m.contains(&format!("review {v1}")) && m.contains("20000 lines"),
        "{m}"
    );
}

/// The reviewer who claimed (or was assigned) a draft goes on with its next version: it is in
/// their 我的待办 as soon as it comes back, told in the new version's audit record. Not when
/// that reviewer submitted the new version's bytes (four eyes, in this submission or another),
/// nor when they hold no reviewer token any more.
#[test]
fn a_claim_goes_on_to_the_next_version_unless_four_eyes_forbid() {
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &[]);
    let lisi = server.token_in("李四", "submitter", "城关街道办事处");
    let wang = server.token("王丽", "reviewer");
    let chen = server.token("陈主任", "reviewer");
    let zhou = server.token("周强", "reviewer");
    let mut c = server.client();
    let todo = |c: &mut Client, token: &str| list(c, token, "?assignee=me");
    let claim = |c: &mut Client, token: &str, id: u64| {
        let r = c.post_json(&format!("/v1/reviews/{id}/claim"), Some(token), &json!({}));
        assert_eq!(r.status, 200, "{}", r.text());
    };

    // 王丽 claims version 1 and returns it; version 2 comes back to her, claimed.
    let v1 = id(&submit(
        &mut c,
        &lisi,
        TITLE,
        &first_draft(&resident_id("19580712", 23)),
        None,
    ));
    claim(&mut c, &wang, v1);
    assert_eq!(todo(&mut c, &wang), [v1]);
    post(
        &mut c,
        &wang,
        &format!("/v1/reviews/{v1}/return"),
        json!({"reason": "请删去身份证号"}),
    );
    let v2 = submit(&mut c, &lisi, TITLE, CORRECTED, Some(v1));
    let v2_id = id(&v2);
    assert_eq!(v2["assignee"]["name"], "王丽", "{v2}");
    assert_eq!(v2["assignee"]["by"], "王丽", "her own claim: {v2}");
    assert_eq!(v2["assignee"]["carried_from"], v1, "{v2}");
    assert_eq!(todo(&mut c, &wang), [v2_id], "v1 is superseded, v2 hers");
    let got = c.get(&format!("/v1/reviews/{v2_id}"), Some(&wang)).json();
    assert_eq!(got["assignee"]["carried_from"], v1, "{got}");
    // Someone else's claim on it is refused like any claim of a claimed draft.
    let r = c.post_json(
        &format!("/v1/reviews/{v2_id}/claim"),
        Some(&chen),
        &json!({}),
    );
    assert_eq!(r.status, 409, "{}", r.text());
    // 下一件 does not offer it to 陈主任.
    let next = c.get("/v1/reviews/next", Some(&chen)).json();
    assert!(next["review"].is_null(), "{next}");

    // An assignment goes on too, with who assigned it; and on to version 3.
    let r = c.post_json(
        &format!("/v1/reviews/{v2_id}/assign"),
        Some(&wang),
        &json!({"assignee": "陈主任"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v3 = submit(
        &mut c,
        &lisi,
        TITLE,
        &format!("{CORRECTED}附件：走访名单（略）\n"),
        Some(v2_id),
    );
    let v3_id = id(&v3);
    assert_eq!(
        (
            &v3["assignee"]["name"],
            &v3["assignee"]["by"],
            &v3["assignee"]["carried_from"]
        ),
        (&json!("陈主任"), &json!("王丽"), &json!(v2_id)),
        "{v3}"
    );
    assert_eq!(todo(&mut c, &chen), [v3_id]);
    assert!(todo(&mut c, &wang).is_empty());

    // Four eyes: the assignee revises the draft themselves (reviewers may) — not carried.
    let r = c.post_json(
        &format!("/v1/reviews/{v3_id}/assign"),
        Some(&wang),
        &json!({"assignee": "周强"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v4 = submit(
        &mut c,
        &zhou,
        TITLE,
        &format!("{CORRECTED}（第四稿）\n"),
        Some(v3_id),
    );
    assert!(v4.get("assignee").is_none(), "周强 submitted v4: {v4}");
    assert!(todo(&mut c, &zhou).is_empty());

    // Four eyes across submissions: the assignee sent the very bytes of the next version as
    // a draft of their own before.
    let other = id(&submit(
        &mut c,
        &lisi,
        "另一份通知",
        "各单位：请于本周五前报送材料。\n",
        None,
    ));
    claim(&mut c, &chen, other);
    let same = "各单位：请于本周五前报送材料，逾期视为放弃。\n";
    submit(&mut c, &chen, "另一份通知", same, None);
    let next = submit(&mut c, &lisi, "另一份通知", same, Some(other));
    assert!(
        next.get("assignee").is_none(),
        "陈主任 submitted these bytes: {next}"
    );

    // A reviewer whose token was revoked keeps no claim on the next version.
    let third = id(&submit(
        &mut c,
        &lisi,
        "第三份通知",
        "请各社区报送名单。\n",
        None,
    ));
    claim(&mut c, &wang, third);
    let r = c.request(
        "DELETE",
        "/v1/tokens/%E7%8E%8B%E4%B8%BD",
        Some(&server.admin),
        None,
        b"",
    );
    assert_eq!(r.unwrap().status, 200);
    let after = submit(
        &mut c,
        &lisi,
        "第三份通知",
        "请各社区于周五前报送名单。\n",
        Some(third),
    );
    assert!(after.get("assignee").is_none(), "{after}");

    // The audit record of each version tells of the claim it carried, and the chain verifies.
    let audit = c.get("/v1/audit", Some(&server.admin)).json();
    let details: Vec<(u64, String)> = audit["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "version_submitted")
        .map(|r| {
            (
                r["review"].as_u64().unwrap(),
                r["detail"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let detail = |id: u64| &details.iter().find(|(r, _)| *r == id).unwrap().1;
    assert!(
        detail(v2_id).ends_with(&format!("; claimed by 王丽, carried over from review {v1}")),
        "{details:?}"
    );
    assert!(
        detail(v3_id).ends_with(&format!(
            "; assigned to 陈主任, carried over from review {v2_id}"
        )),
        "{details:?}"
    );
    assert!(!detail(id(&v4)).contains("carried"), "{details:?}");
    assert_eq!(c.get("/v1/audit/verify", Some(&server.admin)).status, 200);

    // A carried claim survives a restart.
    let fourth = id(&submit(
        &mut c,
        &lisi,
        "第四份通知",
        "请各社区报送台账。\n",
        None,
    ));
    claim(&mut c, &chen, fourth);
    let fifth = id(&submit(
        &mut c,
        &lisi,
        "第四份通知",
        "请各社区于周五前报送台账。\n",
        Some(fourth),
    ));
    assert_eq!(server.terminate(), Some(0));
    let server = Server::start(&data, &[]);
    let mut c = server.client();
    let got = c.get(&format!("/v1/reviews/{fifth}"), Some(&chen)).json();
    assert_eq!(
        (&got["assignee"]["name"], &got["assignee"]["carried_from"]),
        (&json!("陈主任"), &json!(fourth)),
        "{got}"
    );
    assert_eq!(todo(&mut c, &chen), [fifth]);
}
