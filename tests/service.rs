//! `baomi serve` as its users meet it: a real process on a loopback port, a real sled
//! directory, real tokens.

mod support;

use serde_json::json;
use std::process::Command;
use support::{document, resident_id, Server};

fn data_dir() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    (dir, data)
}

#[test]
fn submit_override_and_gate() {
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &[]);
    let submitter = server.token("李四", "submitter");
    let reviewer = server.token("王丽", "reviewer");
    let publisher = server.token("发布流水线", "publisher");
    let mut c = server.client();

    // A publicity list with a full ID: the engine holds it.
    let id = resident_id("19900307", 457);
    let draft = document(1, 2000, Some(&id));
    let r = c.post_json(
        "/v1/reviews",
        Some(&submitter),
        &json!({"title": "医保缴费通知", "content": draft, "metadata": {"dept": "医保局"}}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let review = r.json();
    let review_id = review["id"].as_u64().unwrap();
    // The document is the title line and the content: that is what is hashed and gated.
    let published = format!("医保缴费通知\n{draft}");
    let sha = support_sha(published.as_bytes());
    assert_eq!(review["sha256"], sha);
    assert_eq!(review["decision"], "hold");
    assert_eq!(review["submitter"], "李四");
    assert_eq!(review["categories"], json!(["personal_privacy"]));
    assert_eq!(review["metadata"]["dept"], "医保局");
    assert!(review["ruleset"].as_str().unwrap().starts_with("rs-"));
    let finding = review["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "resident_id")
        .expect("resident_id finding");
    for key in [
        "category", "rule", "severity", "start", "end", "line", "column", "text", "reason",
    ] {
        assert!(finding.get(key).is_some(), "finding lacks {key}");
    }
    assert_eq!(
        r.header("location"),
        Some(format!("/v1/reviews/{review_id}").as_str())
    );

    // Resubmitting the same bytes finds the same review.
    let again = c.post_json(
        "/v1/reviews",
        Some(&submitter),
        &json!({"title": "医保缴费通知", "content": draft}),
    );
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["id"], review_id);

    // The pipeline is stopped, by hash and by bytes.
    let g = c.post_json("/v1/gate", Some(&publisher), &json!({"sha256": sha}));
    assert_eq!(g.status, 409, "{}", g.text());
    let g = g.json();
    assert_eq!(g["allowed"], false);
    assert_eq!(g["review_id"], review_id);
    assert!(g["reasons"]
        .to_string()
        .contains("personal_privacy: resident_id"));
    assert!(
        !g.to_string().contains(&id),
        "the gate's answer quotes no content"
    );
    let g = c.post_bytes("/v1/gate", Some(&publisher), published.as_bytes());
    assert_eq!(g.status, 409);

    // Four eyes: the submitter cannot decide; a reason is required.
    let path = format!("/v1/reviews/{review_id}/decisions");
    let r = c.post_json(
        &path,
        Some(&submitter),
        &json!({"decision": "approve", "reason": "x"}),
    );
    assert_eq!(r.status, 403);
    let r = c.post_json(
        &path,
        Some(&reviewer),
        &json!({"decision": "approve", "reason": "  "}),
    );
    assert_eq!(r.status, 400);
    assert!(r.json()["message"].as_str().unwrap().contains("reason"));
    let r = c.post_json(
        &path,
        Some(&reviewer),
        &json!({"decision": "publish", "reason": "x"}),
    );
    assert_eq!(r.status, 400);

    // A reviewer who is also a submitter still may not approve their own draft.
    let both = server.token("赵六", "reviewer");
    let own = c.post_json(
        "/v1/reviews",
        Some(&both),
        &json!({"content": document(2, 500, None)}),
    );
    assert_eq!(own.status, 201);
    let own_id = own.json()["id"].as_u64().unwrap();
    let r = c.post_json(
        &format!("/v1/reviews/{own_id}/decisions"),
        Some(&both),
        &json!({"decision": "approve", "reason": "自己审自己"}),
    );
    assert_eq!(r.status, 403);
    assert!(r.json()["message"].as_str().unwrap().contains("four eyes"));

    // The override is a new decision; the engine's stays in the history.
    let r = c.post_json(
        &path,
        Some(&reviewer),
        &json!({"decision": "approve", "reason": "身份证号为虚构样例，经核实可公开"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let decided = r.json();
    assert_eq!(decided["decision"], "approve");
    let history = decided["decisions"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["kind"], "engine");
    assert_eq!(history[0]["decision"], "hold");
    assert_eq!(history[1]["kind"], "override");
    assert_eq!(history[1]["by"], "王丽");
    assert_eq!(history[1]["role"], "reviewer");

    let g = c.post_json("/v1/gate", Some(&publisher), &json!({"sha256": sha}));
    assert_eq!(g.status, 200, "{}", g.text());
    assert_eq!(g.json()["allowed"], true);
    assert_eq!(g.json()["decided_by"], "王丽");

    // A second reviewer confirms a hold: the gate stops it again, with the reason.
    let chief = server.token("陈主任", "reviewer");
    let r = c.post_json(
        &path,
        Some(&chief),
        &json!({"decision": "hold", "reason": "名单须脱敏后再公开"}),
    );
    assert_eq!(r.status, 201);
    let g = c.post_json("/v1/gate", Some(&publisher), &json!({"sha256": sha}));
    assert_eq!(g.status, 409);
    assert!(g.json()["reasons"][0].as_str().unwrap().contains("陈主任"));

    // Unknown content by hash: not allowed. Unseen raw content: scanned, recorded, gated.
    let g = c.post_json(
        "/v1/gate",
        Some(&publisher),
        &json!({"sha256": "ab".repeat(32)}),
    );
    assert_eq!(g.status, 409);
    assert_eq!(g.json()["review_id"], serde_json::Value::Null);
    let clean = document(3, 800, None);
    let g = c.post_bytes("/v1/gate", Some(&publisher), clean.as_bytes());
    assert_eq!(g.status, 200, "{}", g.text());
    let gid = g.json()["review_id"].as_u64().unwrap();
    let r = c.get(&format!("/v1/reviews/{gid}"), Some(&reviewer)).json();
    assert_eq!(r["via"], "gate");
    assert_eq!(r["submitter"], "发布流水线");

    // The queue: pending reviews by default (the held one was decided), filters and paging
    // over every state.
    let pending = c.get("/v1/reviews", Some(&reviewer)).json();
    let ids: Vec<u64> = pending["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, vec![own_id, gid]);
    let held = c
        .get("/v1/reviews?state=all&decision=hold", Some(&reviewer))
        .json();
    let ids: Vec<u64> = held["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, vec![review_id]);
    let privacy = c
        .get(
            "/v1/reviews?state=held&category=personal_privacy",
            Some(&reviewer),
        )
        .json();
    assert_eq!(privacy["reviews"].as_array().unwrap().len(), 1);
    let mine = c
        .get(
            "/v1/reviews?state=all&submitter=%E6%9D%8E%E5%9B%9B",
            Some(&reviewer),
        )
        .json();
    assert_eq!(mine["reviews"].as_array().unwrap().len(), 1);
    let page1 = c
        .get("/v1/reviews?state=all&limit=2", Some(&reviewer))
        .json();
    assert_eq!(page1["reviews"].as_array().unwrap().len(), 2);
    let next = page1["next"].as_u64().unwrap();
    let page2 = c
        .get(
            &format!("/v1/reviews?state=all&limit=2&after={next}"),
            Some(&reviewer),
        )
        .json();
    assert_eq!(page2["reviews"].as_array().unwrap().len(), 1);
    assert_eq!(page2["next"], serde_json::Value::Null);
    let today = &review["submitted_at"].as_str().unwrap()[..10];
    let dated = c
        .get(
            &format!("/v1/reviews?state=all&from={today}&to={today}"),
            Some(&reviewer),
        )
        .json();
    assert_eq!(dated["reviews"].as_array().unwrap().len(), 3);
    let none = c
        .get("/v1/reviews?state=all&to=2000-01-01", Some(&reviewer))
        .json();
    assert_eq!(none["reviews"].as_array().unwrap().len(), 0);
    let bad = c.get("/v1/reviews?decison=hold", Some(&reviewer));
    assert_eq!(bad.status, 400);
    assert!(bad.json()["message"]
        .as_str()
        .unwrap()
        .contains("unknown field `decison`"));

    // Submitters see their own reviews only.
    let r = c.get(&format!("/v1/reviews/{own_id}"), Some(&submitter));
    assert_eq!(r.status, 404);
    let theirs = c.get("/v1/reviews", Some(&submitter)).json();
    assert_eq!(theirs["reviews"].as_array().unwrap().len(), 1);

    // Everything is in the audit chain, which verifies.
    let v = c.get("/v1/audit/verify", Some(&server.admin));
    assert_eq!(v.status, 200, "{}", v.text());
    let audit = c.get("/v1/audit", Some(&server.admin)).json();
    let actions: Vec<&str> = audit["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    for a in [
        "ruleset_loaded",
        "token_created",
        "review_submitted",
        "override_recorded",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }

    // Metrics count what happened.
    let m = c.get("/metrics", None).text();
    assert!(
        m.contains("baomi_reviews_total{decision=\"hold\"} 1"),
        "{m}"
    );
    assert!(m.contains("baomi_gate_total{allowed=\"false\"}"));
    assert!(m.contains("baomi_decisions_total{kind=\"override\",decision=\"approve\"} 1"));
    assert!(m.contains("baomi_review_holds_total{category=\"personal_privacy\"} 1"));
    assert!(
        m.contains("baomi_http_request_duration_seconds_bucket{method=\"POST\",route=\"/v1/gate\"")
    );

    // Decisions survive a restart, and the chain still verifies on start-up.
    assert_eq!(server.terminate(), Some(0));
    let server = Server::start(&data, &[]);
    let mut c = server.client();
    let r = c
        .get(&format!("/v1/reviews/{review_id}"), Some(&reviewer))
        .json();
    assert_eq!(r["decisions"].as_array().unwrap().len(), 3);
    assert_eq!(r["decision"], "hold");
}

fn support_sha(bytes: &[u8]) -> String {
    baomi::sha256_hex(bytes)
}

/// Every role against every endpoint: allowed endpoints do not answer 401/403, the others
/// answer 403; no token and unknown or revoked tokens answer 401.
#[test]
fn authorization_matrix() {
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &[]);
    let roles = ["submitter", "reviewer", "publisher", "maintainer", "admin"];
    let tokens: Vec<(String, String)> = roles
        .iter()
        .map(|r| (r.to_string(), server.token(&format!("{r}-user"), r)))
        .collect();
    let mut c = server.client();
    // A review submitted by someone else, so that reviewers may decide it.
    let author = server.token("作者", "submitter");
    let r = c.post_json(
        "/v1/reviews",
        Some(&author),
        &json!({"content": document(9, 300, None)}),
    );
    let id = r.json()["id"].as_u64().unwrap();
    let doc_sha = r.json()["sha256"].as_str().unwrap().to_string();

    struct Endpoint {
        method: &'static str,
        path: String,
        json: Option<serde_json::Value>,
        allowed: &'static [&'static str],
    }
    let endpoints = vec![
        Endpoint {
            method: "POST",
            path: "/v1/reviews".into(),
            json: Some(json!({"content": "通知"})),
            allowed: &["submitter", "reviewer", "admin"],
        },
        Endpoint {
            method: "GET",
            path: "/v1/reviews".into(),
            json: None,
            allowed: &["submitter", "reviewer", "maintainer", "admin"],
        },
        Endpoint {
            method: "GET",
            path: format!("/v1/reviews/{id}"),
            json: None,
            allowed: &["reviewer", "maintainer", "admin"],
        },
        Endpoint {
            method: "GET",
            path: format!("/v1/reviews/{id}/content"),
            json: None,
            allowed: &["reviewer", "publisher", "admin"],
        },
        Endpoint {
            method: "GET",
            path: "/v1/persons".into(),
            json: None,
            allowed: &["admin"],
        },
        Endpoint {
            method: "POST",
            path: "/v1/persons".into(),
            json: Some(json!({"name": "新同事", "department": "办公室"})),
            allowed: &["admin"],
        },
        Endpoint {
            method: "POST",
            path: format!("/v1/reviews/{id}/decisions"),
            json: Some(json!({"decision": "hold", "reason": "复核"})),
            allowed: &["reviewer", "admin"],
        },
        Endpoint {
            method: "POST",
            path: "/v1/gate".into(),
            json: Some(json!({"sha256": doc_sha})),
            allowed: &["publisher", "admin"],
        },
        Endpoint {
            method: "GET",
            path: "/v1/rules".into(),
            json: None,
            allowed: &["maintainer", "reviewer", "admin"],
        },
        Endpoint {
            method: "GET",
            path: "/v1/audit".into(),
            json: None,
            allowed: &["admin"],
        },
        Endpoint {
            method: "GET",
            path: "/v1/audit/verify".into(),
            json: None,
            allowed: &["admin"],
        },
        Endpoint {
            method: "GET",
            path: "/v1/tokens".into(),
            json: None,
            allowed: &["admin"],
        },
        Endpoint {
            method: "POST",
            path: "/v1/tokens".into(),
            json: Some(json!({"name": "新人", "role": "submitter"})),
            allowed: &["admin"],
        },
        Endpoint {
            method: "DELETE",
            path: "/v1/tokens/000000000000".into(),
            json: None,
            allowed: &["admin"],
        },
    ];
    let send = |c: &mut support::Client, e: &Endpoint, token: Option<&str>| {
        let body = e.json.as_ref().map(|j| j.to_string()).unwrap_or_default();
        let ct = e.json.as_ref().map(|_| "application/json");
        c.request(e.method, &e.path, token, ct, body.as_bytes())
            .unwrap()
    };
    for e in &endpoints {
        for (role, token) in &tokens {
            let r = send(&mut c, e, Some(token));
            let allowed = e.allowed.contains(&role.as_str());
            if allowed {
                assert!(
                    r.status != 401 && r.status != 403,
                    "{role} {} {}: {} {}",
                    e.method,
                    e.path,
                    r.status,
                    r.text()
                );
            } else if role == "submitter" && e.method == "GET" && e.path.starts_with("/v1/reviews/")
            {
                // Someone else's review does not exist for a submitter.
                assert_eq!(
                    r.status,
                    404,
                    "{role} {} {}: {}",
                    e.method,
                    e.path,
                    r.text()
                );
                assert_eq!(r.json()["code"], "not_found");
            } else {
                assert_eq!(
                    r.status,
                    403,
                    "{role} {} {}: {}",
                    e.method,
                    e.path,
                    r.text()
                );
                assert_eq!(r.json()["code"], "forbidden");
            }
        }
        for bad in [None, Some("bm_not-a-token"), Some("")] {
            let r = send(&mut c, e, bad);
            assert_eq!(r.status, 401, "{bad:?} {} {}", e.method, e.path);
            assert_eq!(r.json()["code"], "unauthorized");
            assert_eq!(r.header("www-authenticate"), Some("Bearer"));
        }
    }
    // The open endpoints need no token.
    for path in ["/healthz", "/metrics", "/openapi.json"] {
        assert_eq!(c.get(path, None).status, 200, "{path}");
    }
    // A revoked token stops working at once.
    let (_, reviewer) = &tokens[1];
    let r = c
        .request(
            "DELETE",
            "/v1/tokens/reviewer-user",
            Some(&server.admin),
            None,
            b"",
        )
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    let r = c.get("/v1/reviews", Some(reviewer));
    assert_eq!(r.status, 401);
    assert!(r.json()["message"].as_str().unwrap().contains("revoked"));
}

#[test]
fn errors_are_json_and_limits_hold() {
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &["--max-body", "4096", "--header-timeout", "1"]);
    let s = server.token("李四", "submitter");
    let mut c = server.client();

    let r = c.post_bytes("/v1/reviews", Some(&s), &vec![b'a'; 5000]);
    assert_eq!(r.status, 413);
    assert_eq!(r.json()["code"], "payload_too_large");
    assert!(r.json()["message"].as_str().unwrap().contains("4096"));

    let r = c.get("/v1/nothing", Some(&s));
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["code"], "not_found");
    let r = c
        .request("PUT", "/v1/reviews", Some(&s), None, b"")
        .unwrap();
    assert_eq!(r.status, 405);
    assert_eq!(r.json()["code"], "method_not_allowed");
    let r = c.get("/v1/reviews/abc", Some(&s));
    assert_eq!(r.status, 400);
    let r = c.get("/v1/reviews/999", Some(&server.admin));
    assert_eq!(r.status, 404);

    // Malformed JSON: the message gives the place, not the text.
    let secret = resident_id("19850101", 12);
    let body = format!("{{\"content\": 12, \"title\": \"{secret}\"");
    let r = c
        .request(
            "POST",
            "/v1/reviews",
            Some(&s),
            Some("application/json"),
            body.as_bytes(),
        )
        .unwrap();
    assert_eq!(r.status, 400);
    let m = r.json()["message"].as_str().unwrap().to_string();
    assert!(m.contains("line 1 column"), "{m}");
    assert!(!m.contains(&secret));
    let body = format!("{{\"title\": \"{secret}\"}}");
    let r = c
        .request(
            "POST",
            "/v1/reviews",
            Some(&s),
            Some("application/json"),
            body.as_bytes(),
        )
        .unwrap();
    assert_eq!(r.status, 400);
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("missing field `content`"));
    let r = c
        .request(
            "POST",
            "/v1/reviews",
            Some(&s),
            Some("application/json"),
            b"{\"content\": \"\\u0000x\", \"extra\": 1}",
        )
        .unwrap();
    assert_eq!(r.status, 400);

    // Binary bytes are not a document: a clear 422, nothing recorded.
    let r = c.post_bytes("/v1/reviews", Some(&s), b"\x00\x01\x02binary");
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["code"], "unreadable_document");
    let r = c.post_bytes("/v1/reviews", Some(&s), b"");
    assert_eq!(r.status, 400);

    // A client that sends half a request head is cut off after the header timeout.
    use std::io::{Read, Write};
    let mut slow = std::net::TcpStream::connect(server.addr).unwrap();
    slow.write_all(b"POST /v1/reviews HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    slow.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let started = std::time::Instant::now();
    let mut buf = Vec::new();
    let _ = slow.read_to_end(&mut buf);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(8),
        "connection kept open"
    );

    // The service still works for everyone else.
    assert_eq!(c.get("/healthz", None).status, 200);
}

/// A planted ID number, phone and name never reach the logs, whatever the request does with
/// them: submitted, gated, in bad JSON, in the path or the query.
#[test]
fn logs_never_contain_content() {
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &[]);
    let s = server.token("李四", "submitter");
    let p = server.token("pipeline", "publisher");
    let r = server.token("王丽", "reviewer");
    let mut c = server.client();
    let id = resident_id("19760512", 333);
    let phone = "13912345678";
    let doc = format!("困难群众救助名单\n王秀英，身份证号{id}，手机{phone}，住址幸福路8号。\n");
    assert_eq!(
        c.post_bytes("/v1/reviews", Some(&s), doc.as_bytes()).status,
        201
    );
    assert_eq!(
        c.post_json(
            "/v1/reviews",
            Some(&s),
            &json!({"title": id, "content": format!("{doc}附件")})
        )
        .status,
        201
    );
    c.post_bytes("/v1/gate", Some(&p), format!("{doc}\n附件").as_bytes());
    c.request(
        "POST",
        "/v1/reviews",
        Some(&s),
        Some("application/json"),
        format!("{{\"content\": \"{id}").as_bytes(),
    )
    .unwrap();
    c.get(&format!("/v1/reviews/{id}"), Some(&r));
    c.get(&format!("/v1/reviews?submitter={id}"), Some(&r));
    c.get(&format!("/{phone}"), Some(&r));
    c.post_json(
        "/v1/reviews/1/decisions",
        Some(&r),
        &json!({"decision": "hold", "reason": "含个人信息"}),
    );
    let log_text = {
        assert_eq!(server.terminate(), Some(0));
        let files: Vec<_> = std::fs::read_dir(data.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".stderr"))
            .collect();
        files
            .iter()
            .map(|f| std::fs::read_to_string(f.path()).unwrap())
            .collect::<String>()
    };
    assert!(
        log_text.contains("review recorded"),
        "logs are written: {log_text}"
    );
    for needle in [id.as_str(), phone, "王秀英", "幸福路"] {
        assert!(!log_text.contains(needle), "{needle} leaked into the logs");
    }
}

#[test]
fn graceful_shutdown_finishes_requests_in_flight() {
    use std::io::{BufReader, Write};
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &[]);
    let s = server.token("李四", "submitter");
    // A request whose body is half sent when SIGTERM arrives is in flight: it must complete.
    let body = document(1, 200_000, None);
    let (first, rest) = body.as_bytes().split_at(100_000);
    let mut stream = std::net::TcpStream::connect(server.addr).unwrap();
    write!(
        stream,
        "POST /v1/reviews HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {s}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(first).unwrap();
    stream.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let pid = server.child.id();
    let _ = Command::new("kill")
        .arg("-15")
        .arg(pid.to_string())
        .status();
    std::thread::sleep(std::time::Duration::from_millis(200));
    // New connections are refused while the old one drains.
    assert!(std::net::TcpStream::connect(server.addr).is_err());
    stream.write_all(rest).unwrap();
    let mut reader = BufReader::new(stream);
    let response = support::read_response(&mut reader).expect("an answer");
    assert_eq!(response.status, 201, "{}", response.text());
    assert_eq!(server.terminate(), Some(0));
    let server = Server::start(&data, &[]);
    let page = server
        .client()
        .get("/v1/reviews", Some(&server.admin))
        .json();
    assert_eq!(page["reviews"].as_array().unwrap().len(), 1);
}

#[test]
fn token_and_audit_commands() {
    let (_dir, data) = data_dir();
    let bin = support::binary();
    let out = Command::new(&bin)
        .args([
            "token", "create", "--role", "reviewer", "--name", "王丽", "--data",
        ])
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let secret = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(secret.starts_with("bm_") && secret.len() == 67, "{secret}");
    let bad = Command::new(&bin)
        .args(["token", "create", "--role", "boss", "--name", "x", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown role"));

    // With a token already there, a start creates no admin token; the CLI token works.
    let server = Server::start(&data, &[]);
    assert!(!data.join("admin.token").exists());
    assert_eq!(
        server.client().get("/v1/reviews", Some(&secret)).status,
        200
    );
    // While the service runs, the CLI cannot open the store and says why.
    let locked = Command::new(&bin)
        .args(["audit", "verify", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(locked.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&locked.stderr).contains("in use"),
        "{}",
        String::from_utf8_lossy(&locked.stderr)
    );
    assert_eq!(server.terminate(), Some(0));

    let list = Command::new(&bin)
        .args(["token", "list", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    let list = String::from_utf8(list.stdout).unwrap();
    assert!(list.contains("王丽") && list.contains("reviewer"));
    assert!(!list.contains(&secret));
    let revoke = Command::new(&bin)
        .args(["token", "revoke", "王丽", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(revoke.status.success());

    let verify = Command::new(&bin)
        .args(["audit", "verify", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(verify.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&verify.stdout).contains("intact: 3 record(s)"));
    let export = Command::new(&bin)
        .args(["audit", "export", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8(export.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let actions: Vec<&str> = lines
        .iter()
        .map(|l| l["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["token_created", "ruleset_loaded", "token_revoked"]
    );
    assert_eq!(lines[1]["prev"], lines[0]["hash"]);

    let missing = Command::new(&bin)
        .args(["audit", "verify", "--data", "/nonexistent/x"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

/// Builds a store with a few records, stops the service, tampers with the audit tree directly
/// in sled, and checks that `baomi audit verify` names the first broken record and that the
/// service refuses to start.
#[test]
fn audit_tampering_is_detected() {
    // Every kind of tampering (edit, edit and rehash, delete, reorder, delete the last) is a
    // unit test of the chain check (src/store/audit.rs); here, one of them end to end: the
    // command names it and the service refuses to start on it.
    type Tamper = fn(&sled::Tree);
    let cases: [(&str, Tamper, &str); 1] = [(
        "flip and rehash",
        |t| {
            edit(t, 3, |r| {
                r["detail"] = json!("0 finding(s)");
                let rec: baomi::store::AuditRecord = serde_json::from_value(r.clone()).unwrap();
                r["hash"] = json!(baomi::store::chain_hash(&rec));
            })
        },
        "audit record 4 does not link to the hash of record 3",
    )];
    for (name, tamper, expected) in cases {
        let (_dir, data) = data_dir();
        let server = Server::start(&data, &[]);
        let s = server.token("李四", "submitter");
        let mut c = server.client();
        for n in 0..3 {
            assert_eq!(
                c.post_json(
                    "/v1/reviews",
                    Some(&s),
                    &json!({"content": document(n, 300, None)})
                )
                .status,
                201
            );
        }
        assert_eq!(server.terminate(), Some(0));
        {
            let db = sled::open(&data).unwrap();
            tamper(&db.open_tree("audit").unwrap());
            db.flush().unwrap();
        }
        // sled's own threads may hold the directory's lock a moment after the handle above
        // is dropped: `verify` then says the directory is in use (exit 2), and is run again.
        let mut tries = 0;
        let out = loop {
            let out = Command::new(support::binary())
                .args(["audit", "verify", "--data"])
                .arg(&data)
                .output()
                .unwrap();
            let in_use = String::from_utf8_lossy(&out.stderr).contains("in use by another process");
            if out.status.code() == Some(2) && in_use && tries < 50 {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(100));
                continue;
            }
            break out;
        };
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stdout} {stderr}");
        assert!(stdout.contains(expected), "{name}: {stdout}");
        let refused = Server::try_start(&data, &[])
            .err()
            .expect("a broken chain must stop the start");
        assert!(
            refused.contains("refusing to serve") && refused.contains(expected),
            "{name}: {refused}"
        );
    }

    fn edit(t: &sled::Tree, seq: u64, f: impl FnOnce(&mut serde_json::Value)) {
        let v = t.get(seq.to_be_bytes()).unwrap().unwrap();
        let mut r: serde_json::Value = serde_json::from_slice(&v).unwrap();
        f(&mut r);
        t.insert(seq.to_be_bytes(), serde_json::to_vec(&r).unwrap())
            .unwrap();
    }
}

/// A rule change reaches content approved earlier: an engine approve made under an older rule
/// set is scanned again at the gate; a reviewer's approve stands and names its rule set.
#[test]
fn gate_reevaluates_engine_approvals_under_new_rules() {
    let dir = tempfile::tempdir().unwrap();
    let rules = support::rules_copy(dir.path());
    let data = dir.path().join("data");
    let rules_arg = rules.to_str().unwrap();
    let server = Server::start(&data, &["--rules", rules_arg]);
    let s = server.token("李四", "submitter");
    let r = server.token("王丽", "reviewer");
    let p = server.token("流水线", "publisher");
    let mut c = server.client();
    let a = "关于红星水库移民安置工作的通知\n请各乡镇做好红星水库移民安置的政策宣传工作。\n";
    let b = "关于红星水库移民安置补偿标准的说明\n红星水库移民安置补偿标准按省政府批复执行。\n";
    let ra = c.post_bytes("/v1/reviews", Some(&s), a.as_bytes()).json();
    let rb = c.post_bytes("/v1/reviews", Some(&s), b.as_bytes()).json();
    assert_eq!(ra["decision"], "approve");
    assert_eq!(rb["decision"], "approve");
    let old_ruleset = ra["ruleset"].as_str().unwrap().to_string();
    let path = format!("/v1/reviews/{}/decisions", rb["id"]);
    assert_eq!(
        c.post_json(
            &path,
            Some(&r),
            &json!({"decision": "approve", "reason": "已核"})
        )
        .status,
        201
    );
    assert_eq!(server.terminate(), Some(0));

    // A maintainer adds a term that both documents contain.
    let mut toml = std::fs::read_to_string(rules.join("stability.toml")).unwrap();
    toml.push_str(
        "\n[[rule]]\nid = \"reservoir_resettlement_test\"\nseverity = \"hold\"\ndescription = \"测试用：水库移民安置\"\nterms = [\"水库移民安置\"]\n[rule.examples]\nhold = [\"水库移民安置\"]\nnone = [\"水库调度\"]\n",
    );
    std::fs::write(rules.join("stability.toml"), toml).unwrap();
    let server = Server::start(&data, &["--rules", rules_arg]);
    let mut c = server.client();
    let ga = c.post_json("/v1/gate", Some(&p), &json!({"sha256": ra["sha256"]}));
    assert_eq!(ga.status, 409, "{}", ga.text());
    let ga = ga.json();
    assert_ne!(ga["ruleset"], old_ruleset.as_str());
    assert!(
        ga["reasons"]
            .to_string()
            .contains("reservoir_resettlement_test"),
        "{ga}"
    );
    let review = c.get(&format!("/v1/reviews/{}", ra["id"]), Some(&r)).json();
    let history = review["decisions"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["kind"], "engine");
    assert_eq!(history[1]["decision"], "hold");
    assert_eq!(review["categories"], json!(["stability"]));

    let gb = c.post_json("/v1/gate", Some(&p), &json!({"sha256": rb["sha256"]}));
    assert_eq!(gb.status, 200, "{}", gb.text());
    assert_eq!(gb.json()["decided_by"], "王丽");
    assert_eq!(gb.json()["ruleset"], old_ruleset.as_str());

    let audit = c.get("/v1/audit", Some(&server.admin)).json();
    let loads = audit["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "ruleset_loaded")
        .count();
    assert_eq!(loads, 2, "each distinct rule set is recorded once");
}

/// The service takes the same documents as `baomi scan`: every format fixture submitted as raw
/// bytes gets its expected decision, categories and locations; hostile files are a 422 and
/// record nothing; the gate stops a Word draft with review traces.
#[test]
fn formats_over_http() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats");
    let expected: toml::Value = std::fs::read_to_string(root.join("expected.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &["--max-body", "67108864"]);
    let s = server.token("李四", "submitter");
    let p = server.token("流水线", "publisher");
    let mut c = server.client();
    let docs = expected["doc"].as_array().unwrap();
    assert!(docs.len() >= 20);
    for d in docs {
        let file = d["file"].as_str().unwrap();
        let bytes = std::fs::read(root.join(file)).unwrap();
        let r = c.post_bytes("/v1/reviews", Some(&s), &bytes);
        assert_eq!(r.status, 201, "{file}: {}", r.text());
        let v = r.json();
        assert_eq!(v["decision"], d["decision"].as_str().unwrap(), "{file}");
        let mut want: Vec<&str> = d["categories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        want.sort();
        let mut got: Vec<&str> = v["categories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        got.sort();
        assert_eq!(got, want, "{file}");
        for loc in d["locations"].as_array().unwrap() {
            assert!(
                v["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| f["location"] == loc.as_str().unwrap()),
                "{file}: no finding in {loc}"
            );
        }
        // The scanned text is there for the console, and the spans slice to the findings.
        let text = c
            .get(
                &format!("/v1/reviews/{}/text", v["id"]),
                Some(&server.admin),
            )
            .json();
        let text = text["text"].as_str().unwrap();
        for f in v["findings"].as_array().unwrap() {
            let (a, b) = (
                f["start"].as_u64().unwrap() as usize,
                f["end"].as_u64().unwrap() as usize,
            );
            assert_eq!(&text[a..b], f["text"].as_str().unwrap(), "{file}");
        }
    }
    let traced = std::fs::read(root.join("hold_notice_tracked_changes.docx")).unwrap();
    let g = c.post_bytes("/v1/gate", Some(&p), &traced);
    assert_eq!(g.status, 409);
    assert!(g.text().contains("docx_tracked_change"), "{}", g.text());

    let before = c.get("/v1/reviews?limit=500", Some(&server.admin)).json()["reviews"]
        .as_array()
        .unwrap()
        .len();
    for entry in std::fs::read_dir(root.join("hostile")).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let r = c.post_bytes("/v1/reviews", Some(&s), &bytes);
        assert!(
            r.status == 422 || r.status == 413,
            "{}: {} {}",
            path.display(),
            r.status,
            r.text()
        );
        let g = c.post_bytes("/v1/gate", Some(&p), &bytes);
        assert!(
            g.status >= 400 && g.status != 200,
            "{}: the gate never allows what it cannot read",
            path.display()
        );
    }
    let after = c.get("/v1/reviews?limit=500", Some(&server.admin)).json()["reviews"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after, "nothing unreadable is recorded");

    // What baomi does not read is recorded as a hold for a person, never an approve: an
    // image over the API holds with its reason, and the gate refuses it.
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01";
    let r = c.post_bytes("/v1/reviews", Some(&s), png);
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    assert_eq!(v["decision"], "hold");
    assert_eq!(v["findings"][0]["rule"], "unreadable_content");
    assert_eq!(c.post_bytes("/v1/gate", Some(&p), png).status, 409);
    // A spreadsheet's hold names its sheet and cell over the API too.
    let sheet = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/formats/sheet/hold_public_list_full_id.xlsx");
    let g = c.post_bytes("/v1/gate", Some(&p), &std::fs::read(sheet).unwrap());
    assert_eq!(g.status, 409, "{}", g.text());
    let r = c.post_bytes(
        "/v1/reviews",
        Some(&s),
        &std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/formats/sheet/hold_public_list_full_id.xlsx"),
        )
        .unwrap(),
    );
    let v = r.json();
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "resident_id" && f["sheet"] == "公示名单" && f["cell"] == "C5"),
        "{v}"
    );

    // The name it will be published under is checked on every gate call, apart from the
    // bytes: the masked list passes, the same list named after a person's ID number does not.
    let masked = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/formats/sheet/approve_public_list_masked.xlsx"),
    )
    .unwrap();
    assert_eq!(c.post_bytes("/v1/gate", Some(&p), &masked).status, 200);
    let encoded: String = "张桂兰110101199003077715医保材料.xlsx"
        .bytes()
        .map(|b| format!("%{b:02X}"))
        .collect();
    c.extra_headers = vec![("X-File-Name".into(), encoded)];
    let g = c.post_bytes("/v1/gate", Some(&p), &masked);
    assert_eq!(g.status, 409, "{}", g.text());
    assert!(g.text().contains("file_name"), "{}", g.text());
    assert!(
        !g.text().contains("110101199003077715"),
        "no name text in the answer"
    );
    c.extra_headers = vec![("X-File-Name".into(), "%E5%85%AC%E7%A4%BA.xlsx".into())];
    assert_eq!(c.post_bytes("/v1/gate", Some(&p), &masked).status, 200);
    c.extra_headers = vec![("X-File-Name".into(), "%E5%8".into())];
    assert_eq!(c.post_bytes("/v1/gate", Some(&p), &masked).status, 400);
    c.extra_headers.clear();
    assert_eq!(
        c.post_bytes("/v1/gate", Some(&p), &masked).status,
        200,
        "the bytes' decision is untouched by a held name"
    );
}

/// An upload carries its file name: the name is kept, becomes the title when the document has
/// none, is scanned on its own each time the review is read or gated, and is what the content
/// endpoint delivers the bytes under. A held name never changes the bytes' decision.
#[test]
fn uploads_carry_their_file_name() {
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &[]);
    let s = server.token("李四", "submitter");
    let r = server.token("王审核", "reviewer");
    let p = server.token("流水线", "publisher");
    let mut c = server.client();
    let pct = |s: &str| -> String { s.bytes().map(|b| format!("%{b:02X}")).collect() };
    let masked = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/formats/sheet/approve_public_list_masked.xlsx"),
    )
    .unwrap();

    // A harmless name, given as Content-Disposition: kept, and the title (no title inside).
    c.extra_headers = vec![(
        "Content-Disposition".into(),
        format!(
            "attachment; filename=\"list.xlsx\"; filename*=UTF-8''{}",
            pct("2026年度低保公示名单.xlsx")
        ),
    )];
    let v = c.post_bytes("/v1/reviews", Some(&s), &masked).json();
    assert_eq!(v["file_name"], "2026年度低保公示名单.xlsx", "{v}");
    assert_eq!(v["decision"], "approve", "{v}");
    let id = v["id"].as_u64().unwrap();
    c.extra_headers.clear();

    // The publisher fetches the approved bytes under that name, with their media type.
    let content = c.get(&format!("/v1/reviews/{id}/content"), Some(&p));
    assert_eq!(content.status, 200, "{}", content.text());
    assert_eq!(content.body, masked);
    assert_eq!(
        content.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    let disposition = content.header("content-disposition").unwrap();
    assert!(
        disposition.contains("filename*=UTF-8''2026%E5%B9%B4%E5%BA%A6%E4%BD%8E%E4%BF%9D%E5%85%AC%E7%A4%BA%E5%90%8D%E5%8D%95.xlsx"),
        "{disposition}"
    );

    // An HTML page's own <title> wins over its file name; `?name=` gives the name.
    let page = "<!DOCTYPE html><html><head><title>关于开展2026年度志愿服务活动的通知</title></head>\
                <body><p>各单位：请于12月10日前报送志愿者名单。联系电话：0571-87001234。</p></body></html>";
    let v = c
        .request(
            "POST",
            &format!("/v1/reviews?name={}", pct("通知.html")),
            Some(&s),
            Some("text/html"),
            page.as_bytes(),
        )
        .unwrap()
        .json();
    assert_eq!(v["title"], "关于开展2026年度志愿服务活动的通知", "{v}");
    assert_eq!(v["file_name"], "通知.html", "{v}");
    let html = c.get(&format!("/v1/reviews/{}/content", v["id"]), Some(&s));
    assert_eq!(
        html.header("content-type"),
        Some("text/html; charset=utf-8")
    );

    // The same bytes under a name that carries a resident ID: the bytes stay approved, the
    // name holds on its own, at location file_name, in the review and at the gate.
    let held_name = "张桂兰110101199003077715低保材料.xlsx";
    let mut c2 = server.client();
    c2.extra_headers = vec![("X-File-Name".into(), pct(held_name))];
    let r2 = c2.post_bytes("/v1/reviews", Some(&r), &masked);
    assert_eq!(r2.status, 201, "{}", r2.text());
    let v = r2.json();
    assert_eq!(v["decision"], "approve", "the bytes' decision: {v}");
    // The workbook's own title property wins over the file name.
    assert_eq!(v["title"], "公示名单", "{v}");
    let name_holds: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["location"] == "file_name" && f["severity"] == "hold")
        .collect();
    assert!(!name_holds.is_empty(), "{v}");
    assert!(v["categories"]
        .as_array()
        .unwrap()
        .contains(&serde_json::Value::from("personal_privacy")));
    let held_id = v["id"].as_u64().unwrap();
    let again = c.get(&format!("/v1/reviews/{held_id}"), Some(&r)).json();
    assert!(again["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["location"] == "file_name"));
    // Delivered under its name: refused to the publisher, with the reason and not the name.
    let refused = c.get(&format!("/v1/reviews/{held_id}/content"), Some(&p));
    assert_eq!(refused.status, 409, "{}", refused.text());
    assert!(refused.text().contains("file_name"), "{}", refused.text());
    assert!(
        !refused.text().contains("110101199003077715"),
        "{}",
        refused.text()
    );
    // The gate by hash alone still answers for the bytes; with the name, 409.
    let sha = v["sha256"].as_str().unwrap();
    let by_hash = c.post_json("/v1/gate", Some(&p), &json!({ "sha256": sha }));
    assert_eq!(by_hash.status, 200, "{}", by_hash.text());
    let named = c.post_json(
        "/v1/gate",
        Some(&p),
        &json!({ "sha256": sha, "file_name": held_name }),
    );
    assert_eq!(named.status, 409, "{}", named.text());

    // Two different names in one request are refused, naming both sources.
    c.extra_headers = vec![("X-File-Name".into(), pct("a.xlsx"))];
    let two = c.request(
        "POST",
        &format!("/v1/reviews?name={}", pct("b.xlsx")),
        Some(&s),
        Some("application/octet-stream"),
        &masked,
    );
    let two = two.unwrap();
    assert_eq!(two.status, 400, "{}", two.text());
    assert!(two.text().contains("X-File-Name"), "{}", two.text());
    // A control character in a name is refused; a path keeps its last component.
    c.extra_headers = vec![("X-File-Name".into(), "a%0Ab.xlsx".into())];
    assert_eq!(c.post_bytes("/v1/reviews", Some(&s), &masked).status, 400);
    c.extra_headers = vec![("X-File-Name".into(), pct("C:\\公示\\名单.xlsx"))];
    let v = c
        .post_bytes(
            "/v1/reviews",
            Some(&r),
            "关于开展冬季安全检查的通知".as_bytes(),
        )
        .json();
    assert_eq!(v["file_name"], "名单.xlsx", "{v}");
    assert_eq!(
        v["title"], "关于开展冬季安全检查的通知",
        "no title inside: its first line, before the file name, {v}"
    );
}

/// An upload has no title field: it is titled by the document's own title, else by the first
/// line a reader sees (not a comment or a hidden element, not a page number), else by its file
/// name; blanks collapsed, cut at 100 characters on a character boundary. Searchable by it.
#[test]
fn an_upload_is_titled_by_its_title_then_its_first_line_then_its_file_name() {
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &[]);
    let s = server.token("李四", "submitter");
    let r = server.token("王审核", "reviewer");
    let mut c = server.client();
    let pct = |s: &str| -> String { s.bytes().map(|b| format!("%{b:02X}")).collect() };
    let mut upload = |name: Option<&str>, body: &[u8]| -> serde_json::Value {
        c.extra_headers = name
            .map(|n| vec![("X-File-Name".to_string(), pct(n))])
            .unwrap_or_default();
        let resp = c.post_bytes("/v1/reviews", Some(&s), body);
        assert_eq!(resp.status, 201, "{}", resp.text());
        resp.json()
    };

    // Plain text: leading blank lines and blanks skipped, inner blanks collapsed; the first
    // line wins over the file name.
    let v = upload(
        Some("扫描件(3).txt"),
        "\n \t\n  关于开展2026年度   冬季安全检查的通知  \n各单位：请于12月10日前完成自查。\n"
            .as_bytes(),
    );
    assert_eq!(v["title"], "关于开展2026年度 冬季安全检查的通知", "{v}");
    assert_eq!(v["file_name"], "扫描件(3).txt", "{v}");

    // An HTML page without <title>: not its comment or hidden element, the visible heading.
    let page = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>\
                <!-- 内部备注：待办公室核稿 -->\n<div hidden>草稿编号七</div>\n\
                <h1>关于调整城区公交线路的公告</h1><p>自12月1日起，3路公交车改经人民路。</p></body></html>";
    let v = upload(Some("公告.html"), page.as_bytes());
    assert_eq!(v["title"], "关于调整城区公交线路的公告", "{v}");

    // A Word file without a title property: its first body paragraph, not its page header.
    let docx = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/formats/approve_report_header_footer_notes.docx"),
    )
    .unwrap();
    let v = upload(Some("材料.docx"), &docx);
    assert_eq!(v["title"], "某县2024年度优化营商环境工作总结", "{v}");

    // Nothing a title can be made of in the text (a page number, a rule): the file name's stem.
    let v = upload(Some("2026年第3期简报.txt"), "  12\n———\n\n".as_bytes());
    assert_eq!(v["title"], "2026年第3期简报", "{v}");
    // ... and without a name, no title.
    let v = upload(None, "  13\n———\n".as_bytes());
    assert!(v["title"].is_null(), "{v}");

    // A first line of 300 characters: cut to 100 on a character boundary, ending with `…`.
    let long =
        "关于".to_string() + &"全面推进基层政务公开标准化规范化工作".repeat(17) + "\n正文。\n";
    let v = upload(Some("长.txt"), long.as_bytes());
    let title = v["title"].as_str().unwrap();
    assert_eq!(title.chars().count(), 100, "{title}");
    assert!(title.ends_with('…'), "{title}");
    assert!(long.starts_with(title.trim_end_matches('…')), "{title}");

    // The title made is stored, shown in the list and found by the search.
    let id = v["id"].as_u64().unwrap();
    let got = c.get(&format!("/v1/reviews/{id}"), Some(&r)).json();
    assert_eq!(got["title"], title);
    let found = c.get(
        &format!("/v1/reviews?state=all&q={}", pct("公交线路")),
        Some(&r),
    );
    assert_eq!(found.status, 200, "{}", found.text());
    let titles: Vec<String> = found.json()["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(titles, vec!["关于调整城区公交线路的公告"], "{titles:?}");
}
