//! The reviewer's console: its routes and headers in-process, what its files may and may not
//! contain, and the whole page in headless Chromium against a real `baomi serve`
//! (`tests/e2e/console.spec.mjs`, driven by playwright-core), checked through the API
//! afterwards.
//!
//! The browser test needs Debian's `chromium` and `npm ci --prefix tests/e2e`; `.ci/run`
//! installs both. Without them it fails and says so: a console nobody ran is not tested.
//! `BAOMI_UPDATE_SCREENSHOT=1` makes it rewrite `docs/console-review.png`,
//! `docs/console-redaction.png` and `docs/console-stats.png` for the README.

mod support;

#[path = "common/stats_recompute.rs"]
mod recompute;

#[path = "common/app.rs"]
mod app;
use app::app;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use baomi::store::{Actor, DecisionStore, KvStore, Role};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{resident_id, Server};
use tower::ServiceExt;

const FILES: [(&str, &str); 7] = [
    ("/", "text/html; charset=utf-8"),
    ("/console/app.js", "text/javascript; charset=utf-8"),
    ("/console/stats.js", "text/javascript; charset=utf-8"),
    ("/console/suppressions.js", "text/javascript; charset=utf-8"),
    ("/console/util.js", "text/javascript; charset=utf-8"),
    ("/console/app.css", "text/css; charset=utf-8"),
    ("/console/icon.svg", "image/svg+xml"),
];

async fn get(
    app: &axum::Router,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut req = Request::builder().method("GET").uri(path);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, headers, body.to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_files_are_served_with_strict_headers() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(KvStore::open(dir.path()).unwrap());
    let app = app(store.clone());
    let admin = Actor {
        name: "test".into(),
        role: Role::Admin,
    };
    let (token, _) = store
        .create_token("王丽", None, Role::Reviewer, &admin)
        .unwrap();
    let bearer = format!("Bearer {token}");
    for (path, content_type) in FILES {
        let (s, h, body) = get(&app, path, &[]).await;
        assert_eq!(s, StatusCode::OK, "{path} needs no token");
        assert!(!body.is_empty());
        assert_eq!(h["content-type"], content_type, "{path}");
        let csp = h["content-security-policy"].to_str().unwrap();
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: CSP lacks {directive}");
        }
        assert!(!csp.contains("unsafe"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["cache-control"], "no-cache");
        assert!(h.get("set-cookie").is_none());
        // Revalidation: the same ETag answers 304 without a body.
        let etag = h["etag"].to_str().unwrap().to_string();
        let (s, h2, body) = get(&app, path, &[("if-none-match", &etag)]).await;
        assert_eq!(s, StatusCode::NOT_MODIFIED, "{path}");
        assert!(body.is_empty());
        assert_eq!(h2["etag"].to_str().unwrap(), etag);
        assert!(h2.get("content-security-policy").is_some());
        let (s, _, _) = get(&app, path, &[("if-none-match", "\"stale\"")]).await;
        assert_eq!(s, StatusCode::OK);
        // A token changes nothing: the files are the same public bytes for everyone.
        let (s, _, with_token) = get(&app, path, &[("authorization", &bearer)]).await;
        assert_eq!(s, StatusCode::OK);
        let (_, _, without) = get(&app, path, &[]).await;
        assert_eq!(with_token, without);
    }
    // Only the embedded files: no path reaches anything else.
    for path in [
        "/console/",
        "/console/nope.js",
        "/console/..%2F..%2FCargo.toml",
        "/console/%2e%2e%2fopenapi.json",
        "/console/app.js/x",
        "/index.html",
    ] {
        let (s, h, body) = get(&app, path, &[("authorization", &bearer)]).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
        assert!(h["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["code"], "not_found");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn me_names_the_token_holder() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(KvStore::open(dir.path()).unwrap());
    let app = app(store.clone());
    let admin = Actor {
        name: "test".into(),
        role: Role::Admin,
    };
    for role in Role::ALL {
        let name = format!("{role}-用户");
        let (token, _) = store.create_token(&name, None, role, &admin).unwrap();
        let (s, _, body) = get(
            &app,
            "/v1/me",
            &[("authorization", &format!("Bearer {token}"))],
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            (&v["name"], &v["role"], &v["time_zone"]),
            (&json!(name), &json!(role.as_str()), &json!("Asia/Shanghai"))
        );
        // How the office's clocks count, for the console's hints.
        assert_eq!(v["office"]["disclosure_days"], 20);
        assert_eq!(v["office"]["opinion_days"], 15);
        assert_eq!(v["office"]["stages"], json!([]));
    }
    let (s, _, _) = get(&app, "/v1/me", &[]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _, _) = get(&app, "/v1/me", &[("authorization", "Bearer nope")]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (token, _) = store
        .create_token("周强", None, Role::Reviewer, &admin)
        .unwrap();
    store.revoke_token("周强", &admin).unwrap();
    let (s, _, body) = get(
        &app,
        "/v1/me",
        &[("authorization", &format!("Bearer {token}"))],
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(String::from_utf8_lossy(&body).contains("revoked"));
}

fn console_file(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/http/console")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What the CSP enforces at run time, checked in the source too, plus what no header can
/// enforce: the token stays out of persistent storage and document text never becomes HTML.
#[test]
fn console_sources_keep_the_rules() {
    let html = console_file("index.html");
    let scripts = ["app.js", "util.js", "stats.js", "suppressions.js"]
        .map(console_file)
        .join("\n");
    let all = [html.as_str(), &scripts, &console_file("app.css")].join("\n");

    // No inline script or style, no inline event handler: every <script> has a src.
    let lower = html.to_lowercase();
    for (i, _) in lower.match_indices("<script") {
        let tag = &lower[i..i + lower[i..].find('>').unwrap()];
        assert!(tag.contains(" src="), "inline script in index.html: {tag}");
    }
    assert!(!lower.contains("<style"), "inline style in index.html");
    assert!(!lower.contains(" style="), "style attribute in index.html");
    assert!(
        !regex::Regex::new(r"\son[a-z]+\s*=")
            .unwrap()
            .is_match(&lower),
        "inline event handler in index.html"
    );

    // Nothing from another host: no absolute URL but the SVG namespace, no @import, no
    // protocol-relative URL.
    let url = regex::Regex::new(r#"(?i)\b(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}"#).unwrap();
    // The charts of 统计 are SVG elements made in the SVG namespace, which is a name, not a host.
    if let Some(m) = url.find(&all.replace("'http://www.w3.org/2000/svg'", "")) {
        panic!("an external URL in the console: {}", m.as_str());
    }
    assert!(!all.contains("@import"));

    // The token: sessionStorage at most.
    let storage = regex::Regex::new(r"localStorage\s*[.\[]|document\.cookie|indexedDB").unwrap();
    assert!(
        !storage.is_match(&scripts),
        "the console must not keep anything beyond the session"
    );
    // Document text and server data reach the page as text, never as markup.
    let html_sinks = regex::Regex::new(
        r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function",
    )
    .unwrap();
    if let Some(m) = html_sinks.find(&scripts) {
        panic!("the console builds HTML from strings: {}", m.as_str());
    }
    // Each role check the page shows mirrors the API's x-roles.
    let doc: Value = serde_json::from_str(baomi::http::OPENAPI).unwrap();
    let roles = |path: &str, method: &str| -> Vec<String> {
        doc["paths"][path][method]["x-roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_string())
            .filter(|r| r != "admin")
            .collect()
    };
    for (action, path, method) in [
        ("submit", "/v1/reviews", "post"),
        ("read", "/v1/reviews/{id}", "get"),
        ("decide", "/v1/reviews/{id}/decisions", "post"),
        ("return", "/v1/reviews/{id}/return", "post"),
        ("claim", "/v1/reviews/{id}/claim", "post"),
        ("assign", "/v1/reviews/{id}/assign", "post"),
        ("next", "/v1/reviews/next", "get"),
        ("rules", "/v1/rules", "get"),
        ("redact", "/v1/reviews/{id}/redactions", "post"),
        ("stats", "/v1/stats", "get"),
        ("suppressions", "/v1/suppressions", "get"),
        ("propose", "/v1/suppressions", "post"),
        (
            "approve_suppression",
            "/v1/suppressions/{id}/approve",
            "post",
        ),
        ("reject_suppression", "/v1/suppressions/{id}/reject", "post"),
        ("revoke_suppression", "/v1/suppressions/{id}/revoke", "post"),
    ] {
        let mut want = roles(path, method);
        want.sort();
        let line = scripts
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{action}: [")))
            .unwrap_or_else(|| panic!("util.js lists no roles for {action}"));
        let mut got: Vec<String> = line
            .split('\'')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        got.sort();
        assert_eq!(
            got, want,
            "util.js roles for {action} differ from openapi.json"
        );
    }
}

/// Where the browser is, and an error that says how to install it if it is not.
fn e2e_prerequisites() -> (PathBuf, PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let chromium = std::env::var_os("BAOMI_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let module = root.join("tests/e2e/node_modules/playwright-core/package.json");
    // Installed by `tests/setup.sh` (the README's test command runs it), never from here.
    let node = Command::new("node").arg("--version").output();
    let mut missing = Vec::new();
    if !chromium.exists() {
        missing.push(format!(
            "Chromium ({}): run tests/setup.sh (as root), or set BAOMI_CHROMIUM",
            chromium.display()
        ));
    }
    if !node.is_ok_and(|o| o.status.success()) {
        missing.push("Node.js (`node`): run tests/setup.sh (as root)".into());
    }
    if !module.exists() {
        missing.push("playwright-core: run tests/setup.sh (npm ci --prefix tests/e2e)".into());
    }
    assert!(
        missing.is_empty(),
        "the console's browser test cannot run; missing:\n  {}\n(`tests/setup.sh` installs all \
         of them; the README's test command runs it first)",
        missing.join("\n  ")
    );
    (chromium, root.join("tests/e2e/console.spec.mjs"))
}

/// Sign in, submit a draft with an ID number, see it highlighted, hold, override as another
/// reviewer with a reason, in Chromium; then the API must agree on every decision, and on
/// those that must not have been recorded.
#[test]
fn console_in_a_real_browser() {
    let (chromium, spec) = e2e_prerequisites();
    let dir = tempfile::tempdir().unwrap();
    // On a copy of the shipped rules, so that the maintainer can edit terms in the browser.
    let rules = support::rules_copy(dir.path());
    let original = std::fs::read_to_string(rules.join("stability.toml")).unwrap();
    let server = Server::start(
        &dir.path().join("data"),
        &[
            "--rules",
            rules.to_str().unwrap(),
            "--watch-interval-ms",
            "0",
        ],
    );
    let submitter = server.token_in("李四", "submitter", "城关街道办事处");
    let tokens = [
        ("BAOMI_SUBMITTER", submitter.clone()),
        ("BAOMI_REVIEWER", server.token("王丽", "reviewer")),
        ("BAOMI_REVIEWER2", server.token("陈主任", "reviewer")),
        ("BAOMI_REVIEWER3", server.token("周强", "reviewer")),
        ("BAOMI_MAINTAINER", server.token("规则组", "maintainer")),
        ("BAOMI_PUBLISHER", server.token("发布流水线", "publisher")),
        ("BAOMI_ADMIN", server.admin.clone()),
        // An admin reads reviews and may propose a suppression from a finding (a maintainer
        // may propose, but not read a review).
        ("BAOMI_OFFICER", server.token_in("孙敏", "admin", "保密办")),
    ];
    let id_number = resident_id("19580712", 23);
    let shots = if std::env::var_os("BAOMI_UPDATE_SCREENSHOT").is_some() {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs")
    } else {
        PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
    };
    let screenshot = shots.join("console-review.png");
    let screenshot_redaction = shots.join("console-redaction.png");
    let screenshot_stats = shots.join("console-stats.png");
    std::fs::create_dir_all(&shots).unwrap();

    let started = Instant::now();
    let mut child = Command::new("node")
        .arg(&spec)
        .envs(tokens.iter().map(|(k, v)| (*k, v.as_str())))
        .env("BAOMI_URL", format!("http://{}", server.addr))
        .env("BAOMI_ID_NUMBER", &id_number)
        .env("BAOMI_SCREENSHOT", &screenshot)
        .env("BAOMI_SCREENSHOT_REDACTION", &screenshot_redaction)
        .env("BAOMI_SCREENSHOT_STATS", &screenshot_stats)
        .env("BAOMI_ARTIFACTS", env!("CARGO_TARGET_TMPDIR"))
        .env("BAOMI_CHROMIUM", &chromium)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node starts");
    // Read both pipes on threads so a chatty child never blocks, and give up after 3 minutes.
    let read = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = pipe.read_to_string(&mut s);
            s
        })
    };
    let out = read(Box::new(child.stdout.take().unwrap()));
    let err = read(Box::new(child.stderr.take().unwrap()));
    let deadline = started + Duration::from_secs(180);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let (out, err) = (out.join().unwrap(), err.join().unwrap());
    println!("{out}");
    eprintln!("{err}");
    let log = server.stderr();
    assert!(
        status.is_some_and(|s| s.success()),
        "the browser test failed ({}):\n{out}\n{err}\nserver log (last 3000 bytes):\n{}",
        status.map_or("timed out after 180 s".to_string(), |s| s.to_string()),
        &log[log.len().saturating_sub(3000)..]
    );
    println!("browser test took {:.1} s", started.elapsed().as_secs_f64());
    let result: Value = out
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .map(|j| serde_json::from_str(j).unwrap())
        .expect("the browser test prints its RESULT line");
    for shot in [&screenshot, &screenshot_redaction, &screenshot_stats] {
        assert!(
            shot.metadata().unwrap().len() > 10_000,
            "screenshot {} written",
            shot.display()
        );
    }

    // The API agrees with what the page showed.
    let admin = server.admin.clone();
    let mut c = server.client();
    let review_id = result["review"].as_u64().unwrap();
    let review = c
        .get(&format!("/v1/reviews/{review_id}"), Some(&admin))
        .json();
    assert_eq!(review["submitter"], "李四");
    assert_eq!(review["metadata"]["dept"], "城关街道社会事务办公室");
    let decisions: Vec<(String, String, String)> = review["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap().to_string(),
                d["by"].as_str().unwrap().to_string(),
                d["decision"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        ("engine", "engine", "hold"),
        ("override", "王丽", "hold"),
        ("override", "陈主任", "approve"),
    ]
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()));
    assert_eq!(
        decisions, want,
        "the submitter's forced approve was refused, the two reviewers' decisions recorded"
    );
    assert!(review["decisions"][1]["reason"]
        .as_str()
        .unwrap()
        .contains("须脱敏后再公开"));
    assert!(review["decisions"][2]["reason"]
        .as_str()
        .unwrap()
        .contains("同意发布"));
    let text = c
        .get(&format!("/v1/reviews/{review_id}/text"), Some(&admin))
        .json();
    assert!(text["text"].as_str().unwrap().contains(&id_number));
    assert!(review["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "resident_id" && f["text"] == id_number.as_str()));
    // The gate follows the override.
    let publisher = &tokens[5].1;
    let g = c.post_json(
        "/v1/gate",
        Some(publisher),
        &json!({"sha256": review["sha256"]}),
    );
    assert_eq!(g.status, 200, "{}", g.text());
    assert_eq!(g.json()["decided_by"], "陈主任");

    // The draft returned in the page: a return by 王丽 with her reason, and the gate refuses it.
    let returned = c
        .get(&format!("/v1/reviews/{}", result["returned"]), Some(&admin))
        .json();
    assert_eq!(returned["state"], "returned");
    assert_eq!(returned["decision"], "hold");
    let last = returned["decisions"].as_array().unwrap().last().unwrap();
    assert_eq!(
        (&last["kind"], &last["by"]),
        (&json!("return"), &json!("王丽"))
    );
    assert!(returned["state_reason"]
        .as_str()
        .unwrap()
        .contains("重新送审"));
    let g = c.post_json(
        "/v1/gate",
        Some(publisher),
        &json!({"sha256": returned["sha256"]}),
    );
    assert_eq!(g.status, 409, "{}", g.text());
    // A version in the page: the returned draft superseded by its corrected second version,
    // which 王丽 approved; the gate passes the new bytes only.
    let (old_id, new_id) = (&result["version_old"], &result["version_new"]);
    let old = c.get(&format!("/v1/reviews/{old_id}"), Some(&admin)).json();
    let new = c.get(&format!("/v1/reviews/{new_id}"), Some(&admin)).json();
    assert_eq!(old["state"], "superseded");
    assert_eq!(&old["revised_by"], new_id);
    assert_eq!(old["decision"], "hold");
    assert_eq!((&new["version"], &new["revises"]), (&json!(2), old_id));
    assert_eq!(new["state"], "approved");
    assert_eq!(new["submitter"], "李四");
    let g = c.post_json(
        "/v1/gate",
        Some(publisher),
        &json!({"sha256": new["sha256"]}),
    );
    assert_eq!(g.status, 200, "{}", g.text());
    let g = c.post_json(
        "/v1/gate",
        Some(publisher),
        &json!({"sha256": old["sha256"]}),
    );
    assert_eq!(g.status, 409, "{}", g.text());
    // Claimed and assigned in the page.
    let claimed = c
        .get(&format!("/v1/reviews/{}", result["upload"]), Some(&admin))
        .json();
    assert_eq!(claimed["assignee"]["name"], "王丽");
    let assigned = c
        .get(&format!("/v1/reviews/{}", result["name"]), Some(&admin))
        .json();
    assert_eq!(assigned["assignee"]["name"], "陈主任");
    assert_eq!(assigned["assignee"]["by"], "王丽");

    // Refused in the page, so nothing recorded: a reviewer on her own draft (four eyes), a
    // revoked reviewer on the uploaded file.
    for key in ["own", "upload"] {
        let id = result[key].as_u64().unwrap();
        let r = c.get(&format!("/v1/reviews/{id}"), Some(&admin)).json();
        // Only the engine's decisions (the rule edits in the page re-check engine holds).
        assert!(
            r["decisions"]
                .as_array()
                .unwrap()
                .iter()
                .all(|d| d["kind"] == "engine"),
            "{key}: {r}"
        );
        assert_eq!(r["decision"], "hold");
    }
    let upload = c
        .get(&format!("/v1/reviews/{}", result["upload"]), Some(&admin))
        .json();
    assert_eq!(
        upload["content_kind"], "bytes",
        "the upload went as raw bytes"
    );
    let tokens_now = c.get("/v1/tokens", Some(&admin)).json();
    assert!(tokens_now["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["name"] == "周强" && !t["revoked_at"].is_null()));
    // 生成脱敏稿 in the page: 王丽's copy of the held list, linked to it, approved by 陈主任;
    // the gate passes the copy's bytes and not the original's.
    let (orig_id, copy_id) = (&result["redaction_original"], &result["redaction_copy"]);
    let orig = c
        .get(&format!("/v1/reviews/{orig_id}"), Some(&admin))
        .json();
    let copy = c
        .get(&format!("/v1/reviews/{copy_id}"), Some(&admin))
        .json();
    assert_eq!(&copy["redacted_from"], orig_id, "{copy}");
    assert_eq!(copy["submitter"], "王丽");
    assert_eq!(
        copy["redaction"]["policy"]["name"]["mask"], "某",
        "the page's choice"
    );
    assert_eq!(&orig["redactions"][0]["id"], copy_id, "{orig}");
    assert_eq!(orig["decision"], "hold");
    let last = copy["decisions"].as_array().unwrap().last().unwrap();
    assert_eq!(
        (&last["kind"], &last["by"], &last["decision"]),
        (&json!("override"), &json!("陈主任"), &json!("approve"))
    );
    let copy_bytes = c.get(&format!("/v1/reviews/{copy_id}/content"), Some(&admin));
    assert!(!copy_bytes.text().contains(&id_number));
    for (review, status) in [(&copy, 200), (&orig, 409)] {
        let g = c.post_json(
            "/v1/gate",
            Some(publisher),
            &json!({"sha256": review["sha256"]}),
        );
        assert_eq!(g.status, status, "{}", g.text());
    }
    let v = c.get("/v1/audit/verify", Some(&admin));
    assert_eq!(v.status, 200, "{}", v.text());
    // The maintainer's edits in the browser went through the rule files and the audit log:
    // the terms were added and removed again, so the file is as it was.
    assert_eq!(
        std::fs::read_to_string(rules.join("stability.toml")).unwrap(),
        original
    );
    let audit = c.get("/v1/audit", Some(&admin)).json();
    let edits = audit["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "ruleset_loaded" && r["actor"] == "规则组")
        .count();
    // Two from the rules page, two around the re-check step.
    assert_eq!(edits, 4, "each add and removal is audited");
    // 豁免 in the page: 孙敏's proposal, her own approve refused (nothing recorded), 王丽's
    // approval; the draft it held approves after the re-check, with the finding named.
    let sid = result["suppression"].as_str().unwrap();
    let list = c.get("/v1/suppressions", Some(&admin)).json();
    let list = list["suppressions"].as_array().unwrap();
    assert_eq!(
        list.len(),
        1,
        "the refused ID proposal recorded nothing: {list:?}"
    );
    let s = &list[0];
    assert_eq!(s["id"], sid);
    assert_eq!(
        (&s["state"], &s["proposed_by"], &s["in_force"]),
        (&json!("approved"), &json!("孙敏"), &json!(true))
    );
    assert_eq!(s["fields"]["rule"], "mobile");
    assert!(s["fields"]["value"]
        .as_str()
        .unwrap()
        .starts_with("hmac-sha256:"));
    assert!(
        s["fields"].get("content").is_none(),
        "scoped to the value: {s}"
    );
    assert_eq!(s["from_review"], result["suppression_review"]);
    let history = s["history"].as_array().unwrap();
    assert_eq!(history.len(), 1, "one change, the approval: {s}");
    assert_eq!(
        (&history[0]["state"], &history[0]["by"]),
        (&json!("approved"), &json!("王丽"))
    );
    let quieted = c
        .get(
            &format!("/v1/reviews/{}", result["suppression_review"]),
            Some(&admin),
        )
        .json();
    assert_eq!(quieted["decision"], "approve", "{quieted}");
    assert_eq!(quieted["suppressed"][0]["id"], sid);
    assert_eq!(quieted["categories"], json!([]));
    let g = c.post_json(
        "/v1/gate",
        Some(publisher),
        &json!({"sha256": quieted["sha256"]}),
    );
    assert_eq!(g.status, 200, "{}", g.text());
    let all = c.get("/v1/audit?limit=10000", Some(&admin)).json();
    let audited = |action: &str| -> Vec<String> {
        all["records"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["action"] == action)
            .map(|r| r["actor"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(audited("suppression_proposed"), ["孙敏"]);
    assert_eq!(audited("suppression_approved"), ["王丽"]);
    // The service log never held document text, also when a browser drove it.
    let log = server.stderr();
    assert!(!log.contains(&id_number), "the log quotes an ID number");
    for number in ["13912345678", "13905316688"] {
        assert!(!log.contains(number), "the log quotes a mobile number");
    }

    // 统计: `baomi stats` on the stopped store is what tests/common/stats_recompute.rs makes of
    // `baomi audit export` on its own; and what the page showed is what it makes of the records
    // the page's figures were taken from (the checks above gated more bytes since).
    let data = server.data.clone();
    assert_eq!(server.terminate(), Some(0));
    let run = |args: &[&str]| -> Vec<u8> {
        let out = Command::new(support::binary())
            .args(args)
            .arg("--data")
            .arg(&data)
            .output()
            .unwrap();
        assert!(out.status.success(), "baomi {args:?}: {out:?}");
        out.stdout
    };
    let year = baomi::calendar::Day::today_in_china().year();
    let export = String::from_utf8(run(&["audit", "export"])).unwrap();
    let cli: Value = serde_json::from_slice(&run(&[
        "stats",
        "--year",
        &year.to_string(),
        "--format",
        "json",
    ]))
    .unwrap();
    recompute::assert_agrees(
        "baomi stats",
        &cli,
        &recompute::recompute(&export, year, "month", &Default::default()),
    );
    let shown = &result["stats"];
    let upto = shown["last_record"].as_u64().unwrap();
    let then: String = export
        .lines()
        .filter(|l| serde_json::from_str::<Value>(l).unwrap()["seq"].as_u64() <= Some(upto))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(upto > 0 && then.len() < export.len(), "{upto}");
    let then = recompute::recompute(&then, year, "month", &Default::default());
    let total = &then["total"];
    for k in [
        "received",
        "approved",
        "approved_after_override",
        "held",
        "returned",
        "engine_held",
        "pending",
        "redacted",
        "published",
        "overdue",
    ] {
        assert_eq!(shown["total"][k], total[k], "the page's table, {k}");
    }
    for k in ["received", "approved", "held", "published", "overdue"] {
        assert_eq!(
            shown[k],
            json!(total[k].to_string()),
            "the page's figure {k}"
        );
    }
}
