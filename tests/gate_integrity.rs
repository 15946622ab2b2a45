//! The gate's promise under attack, on the real binary: nothing that must be held goes online.
//! Each test here is a way a submitter, a reviewer or a stranger walked held content through the
//! gate, or wore the service down, on an earlier version (issue: "The gate's promise, kept under
//! attack").

mod support;

use serde_json::json;
use std::io::Write;
use support::{resident_id, Server};

fn data_dir() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    (dir, data)
}

fn sha(bytes: &[u8]) -> String {
    baomi::sha256_hex(bytes)
}

/// A `.docx` whose entries are stored uncompressed, varied until the whole file is valid UTF-8:
/// bytes a client can send as a JSON string.
fn utf8_docx(entries: &[(&str, String)]) -> String {
    for pad in 0..100_000u32 {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .last_modified_time(zip::DateTime::default())
            // External attributes 0x81C2 << 16: the file-type byte 0x81 follows 0xC2, a
            // valid two-byte UTF-8 sequence (the default 0o644 gives A4 81, which is not).
            .unix_permissions(0o702);
        for (i, (name, xml)) in entries.iter().enumerate() {
            w.start_file(*name, opts).unwrap();
            // Each entry's padding varies in content and length with every attempt, so its
            // CRC and its size (and the offsets after it) change.
            let p = pad.wrapping_mul(2_654_435_761).rotate_left(7 * i as u32);
            let blanks = " ".repeat((p % 97) as usize);
            w.write_all(
                xml.replace("<!--pad-->", &format!("<!--{p}{blanks}-->"))
                    .as_bytes(),
            )
            .unwrap();
        }
        let bytes = w.finish().unwrap().into_inner();
        if let Ok(s) = String::from_utf8(bytes) {
            return s;
        }
    }
    panic!("no UTF-8 docx found");
}

fn word_xml(part: &str, body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><!--pad--><w:{part} xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">{body}</w:{part}>"#
    )
}

/// The seven ways a submitter alone got bytes that `baomi scan` holds through the gate: a JSON
/// submission was hashed over `content` but scanned as plain `title + "\n" + content`.
#[test]
fn one_reading_of_the_bytes() {
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &[]);
    let submitter = server.token("李四", "submitter");
    let publisher = server.token("发布流水线", "publisher");
    let mut c = server.client();
    let id = resident_id("19800115", 231);
    let entity_id: String = id.chars().map(|ch| format!("&#{};", ch as u32)).collect();
    let (head, tail) = id.split_at(10);

    let html = format!(
        "<!DOCTYPE html><html><body><h1>2026年度临时救助对象公示</h1><table><tr><td>张三</td><td>{entity_id}</td></tr></table></body></html>"
    );
    let split_runs = utf8_docx(&[(
        "word/document.xml",
        word_xml(
            "document",
            &format!("<w:body><w:p><w:r><w:t>救助对象张三，身份证号{head}</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>{tail}</w:t></w:r></w:p></w:body>"),
        ),
    )]);
    let comment = utf8_docx(&[
        (
            "word/document.xml",
            word_xml("document", "<w:body><w:p><w:r><w:t>关于开展节能宣传周活动的通知</w:t></w:r></w:p></w:body>"),
        ),
        (
            "word/comments.xml",
            word_xml("comments", "<w:comment w:id=\"0\" w:author=\"a\"><w:p><w:r><w:t>这一段再斟酌</w:t></w:r></w:p></w:comment>"),
        ),
    ]);
    let tracked = utf8_docx(&[(
        "word/document.xml",
        word_xml(
            "document",
            "<w:body><w:p><w:ins w:id=\"1\" w:author=\"a\"><w:r><w:t>补充一句</w:t></w:r></w:ins><w:r><w:t>关于开展节能宣传周活动的通知</w:t></w:r></w:p></w:body>",
        ),
    )]);
    let cases: Vec<(&str, serde_json::Value, Vec<u8>)> = vec![
        (
            "HTML with character references",
            json!({"content": html}),
            html.clone().into_bytes(),
        ),
        (
            "docx: an ID split over runs",
            json!({"content": split_runs}),
            split_runs.clone().into_bytes(),
        ),
        (
            "docx: a comment",
            json!({"content": comment}),
            comment.clone().into_bytes(),
        ),
        (
            "docx: a tracked insertion",
            json!({"content": tracked}),
            tracked.clone().into_bytes(),
        ),
    ];
    for (what, body, raw) in cases {
        let r = c.post_json("/v1/reviews", Some(&submitter), &body);
        assert_eq!(r.status, 201, "{what}: {}", r.text());
        let review = r.json();
        assert_eq!(
            review["sha256"],
            sha(&raw),
            "{what}: hashed over the bytes scanned"
        );
        assert_eq!(
            review["decision"], "hold",
            "{what}: read in its format and held"
        );
        let g = c.post_bytes("/v1/gate", Some(&publisher), &raw);
        assert_eq!(g.status, 409, "{what}: {}", g.text());
        let g = c.post_json("/v1/gate", Some(&publisher), &json!({"sha256": sha(&raw)}));
        assert_eq!(g.status, 409, "{what}: {}", g.text());
        // What the pipeline may fetch is exactly those bytes, and only once allowed.
        let path = format!("/v1/reviews/{}/content", review["id"]);
        let content = c.get(&path, Some(&publisher));
        assert_eq!(content.status, 409, "{what}");
    }

    // `机密` on the first line, pushed out of the head lines by a title of six lines.
    let secret = "机密★10年\n关于2026年防汛物资储备的通报\n各单位：现将储备情况通报如下。";
    let r = c.post_json(
        "/v1/reviews",
        Some(&submitter),
        &json!({"title": "一\n二\n三\n四\n五\n六", "content": secret}),
    );
    assert_eq!(r.status, 400, "a title is one line: {}", r.text());
    assert!(r.json()["message"].as_str().unwrap().contains("title"));
    let g = c.post_bytes("/v1/gate", Some(&publisher), secret.as_bytes());
    assert_eq!(g.status, 409, "{}", g.text());

    // `内部资料 不得外传` with a title that only the JSON submission carries.
    let internal =
        "内部资料 不得外传\n2026年一季度重点工作推进情况\n各科室：现将推进情况通报如下。";
    let r = c.post_json(
        "/v1/reviews",
        Some(&submitter),
        &json!({"title": "（此件公开发布）", "content": internal}),
    );
    assert!(r.status == 201, "{}", r.text());
    let published = format!("（此件公开发布）\n{internal}");
    assert_eq!(r.json()["sha256"], sha(published.as_bytes()));
    // The content alone is other bytes: read on its own, it holds.
    let g = c.post_bytes("/v1/gate", Some(&publisher), internal.as_bytes());
    assert_eq!(g.status, 409, "{}", g.text());
    let g = c.post_json(
        "/v1/gate",
        Some(&publisher),
        &json!({"sha256": sha(internal.as_bytes())}),
    );
    assert_eq!(g.status, 409);

    // Text with NUL bytes: the same reading refuses it on both paths.
    let nul = format!("救助对象公示\n张三\u{0}{id}\n");
    let r = c.post_json("/v1/reviews", Some(&submitter), &json!({"content": nul}));
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["code"], "unreadable_document");
    let g = c.post_bytes("/v1/gate", Some(&publisher), nul.as_bytes());
    assert_eq!(g.status, 422, "{}", g.text());
    let g = c.post_json(
        "/v1/gate",
        Some(&publisher),
        &json!({"sha256": sha(nul.as_bytes())}),
    );
    assert_eq!(g.status, 409);
}

/// Duplicate content never opens someone else's review, and four eyes holds across every
/// submission of the same bytes, raced or not, gate-created ones included.
#[test]
fn duplicate_content_is_isolated_and_four_eyes_spans_submissions() {
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &[]);
    let submitter = server.token("李四", "submitter");
    let reviewer = server.token("王丽", "reviewer");
    let other = server.token("陈主任", "reviewer");
    // One person, two tokens: 王丽 may also submit, and is the same person either way.
    let same_person = server.token("王 丽", "submitter");
    let addr = server.addr;

    let rounds = 150;
    let mut wins_for_cheater = 0;
    for round in 0..rounds {
        let content = format!(
            "第{round}期困难群众救助公示\n张三，身份证号{}，救助金额800元。",
            resident_id("19700101", round)
        );
        let body = json!({"title": "救助公示", "content": content, "metadata": {"dept": "民政局"}});
        // The submitter and the reviewer race to submit the same bytes.
        let (a, b) = std::thread::scope(|s| {
            let ta = s.spawn(|| {
                support::Client::new(addr).post_json("/v1/reviews", Some(&submitter), &body)
            });
            let tb = s.spawn(|| {
                let token = if round % 2 == 0 {
                    &reviewer
                } else {
                    &same_person
                };
                support::Client::new(addr).post_json(
                    "/v1/reviews",
                    Some(token),
                    &json!({"title": "救助公示", "content": content}),
                )
            });
            (ta.join().unwrap(), tb.join().unwrap())
        });
        assert_eq!(a.status, 201, "{}", a.text());
        assert_eq!(b.status, 201, "{}", b.text());
        let (a, b) = (a.json(), b.json());
        assert_ne!(a["id"], b["id"], "each submission is its own review");
        assert_eq!(a["sha256"], b["sha256"]);
        assert_eq!(a["submitter"], "李四");
        assert_ne!(
            b["submitter"], "李四",
            "never a window into another's review"
        );
        assert_eq!(
            b["metadata"],
            json!({}),
            "the other's metadata is not shown"
        );
        // 王丽 submitted these bytes (under either token): she may decide neither review.
        let mut c = support::Client::new(addr);
        for rid in [&a["id"], &b["id"]] {
            let r = c.post_json(
                &format!("/v1/reviews/{rid}/decisions"),
                Some(&reviewer),
                &json!({"decision": "approve", "reason": "已核实"}),
            );
            if r.status == 201 {
                wins_for_cheater += 1;
            } else {
                assert_eq!(r.status, 403, "{}", r.text());
            }
        }
        // The submitter cannot read the reviewer's review of the same bytes: it does not exist
        // for them.
        let r = c.get(&format!("/v1/reviews/{}", b["id"]), Some(&submitter));
        assert_eq!(r.status, 404);
        // Somebody else may decide.
        if round % 10 == 0 {
            let r = c.post_json(
                &format!("/v1/reviews/{}/decisions", a["id"]),
                Some(&other),
                &json!({"decision": "hold", "reason": "名单须脱敏"}),
            );
            assert_eq!(r.status, 201, "{}", r.text());
        }
    }
    assert_eq!(wins_for_cheater, 0, "a submitter approved their own draft");

    // Content that first reaches the store through the gate is the publisher person's: with a
    // reviewer token of their own they still cannot approve it.
    let publisher = server.token("赵发布", "publisher");
    let publisher_as_reviewer = server.token("赵发布", "reviewer");
    let mut c = server.client();
    let unseen = format!(
        "2026年度低保对象公示\n王五，身份证号{}。",
        resident_id("19650412", 77)
    );
    let g = c.post_bytes("/v1/gate", Some(&publisher), unseen.as_bytes());
    assert_eq!(g.status, 409);
    let gid = g.json()["review_id"].as_u64().unwrap();
    let r = c.post_json(
        &format!("/v1/reviews/{gid}/decisions"),
        Some(&publisher_as_reviewer),
        &json!({"decision": "approve", "reason": "自己放行"}),
    );
    assert_eq!(r.status, 403, "{}", r.text());
    // Its real author submits it later; the gate-created record counts for four eyes too.
    let author = server.token("孙作者", "reviewer");
    let r = c.post_bytes("/v1/reviews", Some(&author), unseen.as_bytes());
    assert_eq!(r.status, 201);
    let aid = r.json()["id"].as_u64().unwrap();
    for rid in [gid, aid] {
        let r = c.post_json(
            &format!("/v1/reviews/{rid}/decisions"),
            Some(&author),
            &json!({"decision": "approve", "reason": "自己放行"}),
        );
        assert_eq!(r.status, 403, "{}", r.text());
    }
}

/// Which decision counts: a standing reviewer's hold blocks every later engine approve; among
/// reviewers' decisions the latest counts; the engine's only while no reviewer decided.
#[test]
fn a_standing_human_hold_beats_every_engine_approve() {
    let (_dir, data) = data_dir();
    let rules = support::rules_copy(_dir.path());
    let server = Server::start(
        &data,
        &[
            "--rules",
            rules.to_str().unwrap(),
            "--watch-interval-ms",
            "0",
        ],
    );
    let submitter = server.token("李四", "submitter");
    let second = server.token("周五", "submitter");
    let reviewer = server.token("王丽", "reviewer");
    let chief = server.token("陈主任", "reviewer");
    let publisher = server.token("发布流水线", "publisher");
    let maintainer = server.token("规则组", "maintainer");
    let mut c = server.client();
    let text = "关于开展2026年节能宣传周活动的通知\n各单位：请于6月底前报送活动总结。";
    let r = c.post_bytes("/v1/reviews", Some(&submitter), text.as_bytes());
    assert_eq!(r.json()["decision"], "approve");
    let id = r.json()["id"].as_u64().unwrap();
    let g = c.post_bytes("/v1/gate", Some(&publisher), text.as_bytes());
    assert_eq!(g.status, 200);
    // A reviewer holds it.
    let r = c.post_json(
        &format!("/v1/reviews/{id}/decisions"),
        Some(&reviewer),
        &json!({"decision": "hold", "reason": "活动方案尚未定稿"}),
    );
    assert_eq!(r.status, 201);
    assert_eq!(
        c.post_bytes("/v1/gate", Some(&publisher), text.as_bytes())
            .status,
        409
    );
    // Another submission of the same bytes, and a new rule set, approve in the engine: the
    // hold stands.
    let r = c.post_bytes("/v1/reviews", Some(&second), text.as_bytes());
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["decision"], "approve");
    let r = c.post_json(
        "/v1/rules/stability_control/edits",
        Some(&maintainer),
        &json!({"add_terms": ["红线台账清单"]}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let g = c.post_bytes("/v1/gate", Some(&publisher), text.as_bytes());
    assert_eq!(g.status, 409, "{}", g.text());
    assert!(g.json()["reasons"][0].as_str().unwrap().contains("王丽"));
    // The latest reviewer decision counts, on any review of the bytes.
    let other = r.json();
    let _ = other;
    let second_id = id + 1;
    let r = c.post_json(
        &format!("/v1/reviews/{second_id}/decisions"),
        Some(&chief),
        &json!({"decision": "approve", "reason": "方案已定稿，可以公开"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let g = c.post_bytes("/v1/gate", Some(&publisher), text.as_bytes());
    assert_eq!(g.status, 200, "{}", g.text());
    assert_eq!(g.json()["decided_by"], "陈主任");
    // And the approved bytes are what the pipeline fetches.
    let content = c.get(&format!("/v1/reviews/{id}/content"), Some(&publisher));
    assert_eq!(content.status, 200);
    assert_eq!(content.body, text.as_bytes());
    assert_eq!(
        content.header("x-baomi-sha256"),
        Some(sha(text.as_bytes()).as_str())
    );
}

/// A draft returned for changes never passes the gate: not by hash, not by its bytes, not when
/// fetched for publishing, not when the engine approves the same bytes again in another
/// submission or under a new rule set. Only a reviewer's later approve lets it through, and a
/// return after that stops it again.
#[test]
fn a_returned_draft_never_passes_the_gate() {
    let (_dir, data) = data_dir();
    let rules = support::rules_copy(_dir.path());
    let server = Server::start(
        &data,
        &[
            "--rules",
            rules.to_str().unwrap(),
            "--watch-interval-ms",
            "0",
        ],
    );
    let submitter = server.token("李四", "submitter");
    let second = server.token("周五", "submitter");
    let reviewer = server.token("王丽", "reviewer");
    let chief = server.token("陈主任", "reviewer");
    let publisher = server.token("发布流水线", "publisher");
    let maintainer = server.token("规则组", "maintainer");
    let mut c = server.client();
    let text = "关于2026年城区道路绿化提升工程的公示\n各有关单位：工程拟于7月开工，请周知。";
    let r = c.post_bytes("/v1/reviews", Some(&submitter), text.as_bytes());
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["decision"], "approve");
    let id = r.json()["id"].as_u64().unwrap();
    let hash = sha(text.as_bytes());
    let by_hash = |c: &mut support::Client| {
        c.post_json("/v1/gate", Some(&publisher), &json!({ "sha256": hash }))
    };
    assert_eq!(by_hash(&mut c).status, 200, "the engine approves it");

    let reason = "工程量清单尚未经财政评审，删去后重新送审";
    let r = c.post_json(
        &format!("/v1/reviews/{id}/return"),
        Some(&reviewer),
        &json!({ "reason": reason }),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let refused = |g: support::Response| {
        assert_eq!(g.status, 409, "{}", g.text());
        let g = g.json();
        assert_eq!(g["allowed"], false);
        assert_eq!(g["decision"], "hold");
        assert_eq!(g["decided_by"], "王丽");
        let why = g["reasons"][0].as_str().unwrap().to_string();
        assert!(why.contains("退回修改") && why.contains(reason), "{why}");
    };
    refused(by_hash(&mut c));
    refused(c.post_bytes("/v1/gate", Some(&publisher), text.as_bytes()));
    let content = c.get(&format!("/v1/reviews/{id}/content"), Some(&publisher));
    assert_eq!(content.status, 409, "{}", content.text());
    assert_ne!(content.body, text.as_bytes());
    // The engine approves the same bytes again — another person's submission, a new rule set
    // (whose re-check leaves a person's decision alone) — and the return stands.
    let r = c.post_bytes("/v1/reviews", Some(&second), text.as_bytes());
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["decision"], "approve");
    assert_eq!(r.json()["state"], "pending", "a review of its own");
    let second_id = r.json()["id"].as_u64().unwrap();
    let r = c.post_json(
        "/v1/rules/stability_control/edits",
        Some(&maintainer),
        &json!({"add_terms": ["绿化提升台账"]}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    refused(by_hash(&mut c));
    // A reviewer approves: it passes; a return after that stops it again.
    let r = c.post_json(
        &format!("/v1/reviews/{second_id}/decisions"),
        Some(&chief),
        &json!({"decision": "approve", "reason": "清单已删去"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(by_hash(&mut c).status, 200);
    let r = c.post_json(
        &format!("/v1/reviews/{second_id}/return"),
        Some(&reviewer),
        &json!({ "reason": reason }),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    refused(by_hash(&mut c));
    // And after a restart.
    assert_eq!(server.terminate(), Some(0));
    let server = Server::start(&data, &["--rules", rules.to_str().unwrap()]);
    let mut c = server.client();
    let g = c.post_json("/v1/gate", Some(&publisher), &json!({ "sha256": hash }));
    assert_eq!(g.status, 409, "{}", g.text());
}

/// Bounded resources: invented methods do not grow `/metrics`, a document with more findings
/// than the cap holds with a finding that says so, queue pages carry no findings.
#[test]
fn one_client_cannot_exhaust_memory() {
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &[]);
    let submitter = server.token("李四", "submitter");
    let reviewer = server.token("王丽", "reviewer");
    let mut c = server.client();
    for i in 0..2_000 {
        let r = c
            .request(&format!("X{i:05}"), "/healthz", None, None, b"")
            .unwrap();
        assert!(r.status >= 400, "{}", r.status);
    }
    let m = c.get("/metrics", None).text();
    assert!(!m.contains("X0"), "the raw method is not a label");
    assert!(m.contains("method=\"other\""));
    assert!(m.len() < 64 * 1024, "metrics are {} bytes", m.len());

    // 30,000 valid IDs: more findings than the cap.
    let mut doc = String::from("2026年度救助对象名单\n");
    for i in 0..30_000u32 {
        doc.push_str(&format!(
            "{}，张{}\n",
            resident_id(&format!("19{:02}0{}1{}", 50 + i % 40, 1 + i % 9, i % 10), i),
            i % 100
        ));
    }
    let r = c.post_bytes("/v1/reviews", Some(&submitter), doc.as_bytes());
    assert_eq!(r.status, 201, "{}", r.text());
    let review = r.json();
    assert_eq!(review["decision"], "hold");
    let findings = review["findings"].as_array().unwrap();
    assert_eq!(findings.len(), baomi::engine::MAX_FINDINGS + 1);
    let cap = findings.last().unwrap();
    assert_eq!(cap["rule"], "finding_cap");
    assert_eq!(cap["category"], "unreadable");
    assert_eq!(cap["severity"], "hold");
    assert!(review["categories"].to_string().contains("unreadable"));
    // The queue lists summaries: small whatever the reviews hold.
    let page = c.get("/v1/reviews?limit=500", Some(&reviewer));
    assert_eq!(page.status, 200);
    assert!(page.body.len() < 16 * 1024, "{} bytes", page.body.len());
    let item = &page.json()["reviews"][0];
    assert!(item.get("findings").is_none());
    assert_eq!(item["finding_count"], baomi::engine::MAX_FINDINGS + 1);
    // A filter that matches nothing answers, empty.
    let none = c
        .get("/v1/reviews?category=stability", Some(&reviewer))
        .json();
    assert_eq!(none["reviews"], json!([]));
}

/// Every 4xx is `{code, message}`; ids, dates and integers are parsed strictly; JSON endpoints
/// check the Content-Type.
#[test]
fn strict_parsing_and_json_errors() {
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &[]);
    let reviewer = server.token("王丽", "reviewer");
    let submitter = server.token("李四", "submitter");
    let mut c = server.client();
    let r = c.post_bytes(
        "/v1/reviews",
        Some(&submitter),
        "关于召开座谈会的通知".as_bytes(),
    );
    assert_eq!(r.status, 201);
    for path in [
        "/v1/reviews/%FF",
        "/v1/reviews/+1",
        "/v1/reviews/01",
        "/v1/reviews/0",
        "/v1/reviews/18446744073709551616",
        "/v1/reviews?from=2026-13-45",
        "/v1/reviews?to=99999",
        "/v1/reviews?to=2026-11-1",
        "/v1/reviews?from=2026-02-29",
        "/v1/reviews?after=-1",
        "/v1/reviews?limit=%FF",
        "/v1/reviews?nonsense=1",
    ] {
        let r = c.get(path, Some(&reviewer));
        assert_eq!(r.status, 400, "{path}: {}", r.text());
        let j = r.json();
        assert_eq!(j["code"], "bad_request", "{path}");
        assert!(
            j["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{path}"
        );
    }
    let r = c.get("/v1/reviews/1", Some(&reviewer));
    assert_eq!(r.status, 200);
    let r = c.get("/v1/reviews?after=18446744073709551615", Some(&reviewer));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["reviews"], json!([]));
    let r = c.get(
        "/v1/reviews?from=2024-02-29&to=2099-12-31T23:59:59Z",
        Some(&reviewer),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["reviews"].as_array().unwrap().len(), 1);
    // JSON endpoints take JSON only.
    let r = c
        .request(
            "POST",
            "/v1/reviews/1/decisions",
            Some(&reviewer),
            Some("text/plain"),
            br#"{"decision": "approve", "reason": "ok"}"#,
        )
        .unwrap();
    assert_eq!(r.status, 415, "{}", r.text());
    assert_eq!(r.json()["code"], "unsupported_media_type");
    // A retried decision with the same Idempotency-Key is recorded once.
    let send = |c: &mut support::Client| {
        let body = r#"{"decision": "hold", "reason": "复核"}"#.as_bytes();
        let raw = format!(
            "POST /v1/reviews/1/decisions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {reviewer}\r\nContent-Type: application/json\r\nIdempotency-Key: k-1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = c;
        let mut s = std::net::TcpStream::connect(server.addr).unwrap();
        s.write_all(raw.as_bytes()).unwrap();
        s.write_all(body).unwrap();
        let mut reader = std::io::BufReader::new(s);
        support::read_response(&mut reader).unwrap()
    };
    let a = send(&mut c);
    let b = send(&mut c);
    assert_eq!(a.status, 201, "{}", a.text());
    assert_eq!(b.status, 201, "{}", b.text());
    assert_eq!(b.json()["decisions"].as_array().unwrap().len(), 2);
}

/// A log that cannot be written (stderr on a full disk) does not stop the service.
#[test]
fn a_full_log_disk_does_not_wedge_the_service() {
    let (_dir, data) = data_dir();
    let server = Server::start_with_stderr(&data, &[], std::fs::File::create("/dev/full").unwrap());
    let submitter = server.token("李四", "submitter");
    let publisher = server.token("发布流水线", "publisher");
    let mut c = server.client();
    for i in 0..50 {
        let text = format!("关于第{i}批节能宣传活动的通知\n请各单位按时报送。");
        let r = c.post_bytes("/v1/reviews", Some(&submitter), text.as_bytes());
        assert_eq!(r.status, 201, "{}", r.text());
        let g = c.post_bytes("/v1/gate", Some(&publisher), text.as_bytes());
        assert_eq!(g.status, 200);
    }
    let h = c.get("/healthz", None);
    assert_eq!(h.status, 200, "{}", h.text());
}
