//! Two `baomi serve` nodes on one PostgreSQL database (a real server, `support/pg.rs`).
//!
//! - What one node records, the other acts on at once: tokens and their revocation, decisions
//!   at the gate, and (within a second) a rule-set reload.
//! - Crash and partition: concurrent submitters and reviewers on both nodes while nodes are
//!   killed with SIGKILL at random moments and the database is restarted once; afterwards every
//!   acknowledged review and decision is there, none was recorded twice, and `baomi audit
//!   verify` passes. `BAOMI_PG_KILLS` sets the number of kills (default 6).

mod support;

use support::pg;

use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use support::{document, resident_id, Client, Server};

/// One node: its data directory (admin token, logs) beside the shared database and key.
fn node(dir: &Path, name: &str, url: &str, key: &Path, extra: &[&str]) -> Server {
    let mut args = vec![
        "--store",
        url,
        "--baseline-key",
        key.to_str().unwrap(),
        "--store-pool",
        "8",
    ];
    args.extend_from_slice(extra);
    Server::start(&dir.join(name), &args)
}

fn shared_key(dir: &Path) -> std::path::PathBuf {
    let key = dir.join("digest.key");
    std::fs::write(&key, format!("{}\n", "5a".repeat(32))).unwrap();
    key
}

#[test]
fn what_one_node_records_the_other_acts_on() {
    let dir = tempfile::tempdir().unwrap();
    let url = pg::database();
    let key = shared_key(dir.path());
    let rules = support::rules_copy(dir.path());
    let a = node(
        dir.path(),
        "a",
        &url,
        &key,
        &["--rules", rules.to_str().unwrap()],
    );
    let b = node(dir.path(), "b", &url, &key, &[]);
    assert!(
        b.admin.is_empty(),
        "one admin token for the database, made by the first node"
    );
    let submitter = a.token("科员甲", "submitter");
    let reviewer = a.token("审核员乙", "reviewer");
    let publisher = a.token("发布系统", "publisher");
    let maintainer = a.token("规则维护丙", "maintainer");
    let (mut ca, mut cb) = (a.client(), b.client());

    // A token made on A works on B; B starts on the rule set A recorded, not the embedded one.
    let rules_a = ca.get("/v1/rules", Some(&maintainer)).json()["id"].clone();
    assert_eq!(cb.get("/v1/rules", Some(&maintainer)).json()["id"], rules_a);
    let doc = format!(
        "关于低保对象的公示\n张某某 身份证号 {}\n",
        resident_id("19800101", 7)
    );
    let r = cb.post_bytes("/v1/reviews", Some(&submitter), doc.as_bytes());
    assert_eq!(r.status, 201, "{}", r.text());
    let review = r.json();
    assert_eq!(review["decision"], "hold");
    let id = review["id"].as_u64().unwrap();

    // The gate on either node refuses it; an override on B lets it through on A at once.
    let gate = |c: &mut Client| {
        c.post_bytes("/v1/gate", Some(&publisher), doc.as_bytes())
            .status
    };
    assert_eq!(gate(&mut ca), 409);
    assert_eq!(gate(&mut cb), 409);
    let d = cb.post_json(
        &format!("/v1/reviews/{id}/decisions"),
        Some(&reviewer),
        &json!({"decision": "approve", "reason": "已核实为公开信息，同意发布"}),
    );
    assert_eq!(d.status, 201, "{}", d.text());
    assert_eq!(gate(&mut ca), 200);
    let d = ca.post_json(
        &format!("/v1/reviews/{id}/decisions"),
        Some(&reviewer),
        &json!({"decision": "hold", "reason": "复核：身份证号未遮盖"}),
    );
    assert_eq!(d.status, 201, "{}", d.text());
    assert_eq!(
        gate(&mut cb),
        409,
        "a hold on A closes the gate on B at once"
    );

    // A revocation on A refuses the token on B at once.
    let r = ca.request("DELETE", "/v1/tokens/发布系统", Some(&a.admin), None, b"");
    assert!(
        r.as_ref().is_ok_and(|r| r.status == 200),
        "{:?}",
        r.map(|r| r.text())
    );
    assert_eq!(gate(&mut cb), 401);

    // A reload on A is in force on B within a second (B's follower reads twice a second).
    let path = rules.join("stability.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}\n# 2026-12 复核：维稳类规则不变\n")).unwrap();
    let r = ca
        .request("POST", "/v1/rules/reload", Some(&maintainer), None, b"")
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    let new_id = r.json()["new"].clone();
    assert_ne!(new_id, rules_a);
    let started = Instant::now();
    loop {
        if cb.get("/v1/rules", Some(&maintainer)).json()["id"] == new_id {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "B did not follow the reload: {}",
            b.stderr()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!("rule set reached the other node in {:?}", started.elapsed());
    // A submission on B records the rule set it was scanned with: the new one.
    let r = cb.post_bytes("/v1/reviews", Some(&submitter), "会议通知\n".as_bytes());
    assert_eq!(r.json()["ruleset"], new_id);
}

#[derive(Clone, Debug)]
struct Acked {
    id: u64,
    sha256: String,
    /// (seq, decision, reason) of every acknowledged decision on this review.
    decisions: Vec<(u64, String, String)>,
}

/// The two nodes' addresses; a killed node's slot is `None` until it is back.
type Nodes = Arc<RwLock<[Option<std::net::SocketAddr>; 2]>>;

/// Sends a request to some live node until one answers with a status other than 503 (a node
/// down, the database restarting). The request must be idempotent: a submission (the same
/// person and bytes get their review back) or a decision with an `Idempotency-Key`.
struct Call<'a> {
    method: &'a str,
    path: &'a str,
    token: &'a str,
    headers: &'a [(&'a str, &'a str)],
    body: &'a [u8],
}

fn until_answered(
    nodes: &Nodes,
    start: usize,
    call: &Call<'_>,
    stop: &AtomicBool,
) -> Option<(support::Response, usize)> {
    let Call {
        method,
        path,
        token,
        headers,
        body,
    } = *call;
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut n = start;
    while Instant::now() < deadline {
        let addr = nodes.read().unwrap()[n % 2];
        n += 1;
        let Some(addr) = addr else {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        };
        let mut c = Client::new(addr);
        c.extra_headers = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        match c.request(method, path, Some(token), Some("application/json"), body) {
            Ok(r) if r.status == 503 => {
                if stop.load(Ordering::Relaxed) && n > start + 400 {
                    return None;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(r) => return Some((r, n)),
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    panic!("no node answered {method} {path} in 120 s");
}

#[test]
fn acknowledged_work_survives_node_kills_and_a_database_restart() {
    let kills: usize = std::env::var("BAOMI_PG_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    let dir = tempfile::tempdir().unwrap();
    let url = pg::database();
    let key = shared_key(dir.path());
    let first = node(dir.path(), "a", &url, &key, &[]);
    let admin = first.admin.clone();
    let submitters: Vec<String> = (0..6)
        .map(|i| first.token(&format!("科员{i}"), "submitter"))
        .collect();
    let reviewers: Vec<String> = (0..2)
        .map(|i| first.token(&format!("审核员{i}"), "reviewer"))
        .collect();
    let second = node(dir.path(), "b", &url, &key, &[]);
    let nodes: Nodes = Arc::new(RwLock::new([Some(first.addr), Some(second.addr)]));
    let mut servers = [Some(first), Some(second)];

    let acked: Arc<Mutex<Vec<Acked>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let requests = Arc::new(AtomicUsize::new(0));
    let retried_submissions = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for (t, token) in submitters.iter().enumerate() {
        let (token, nodes, acked, stop, requests, retried) = (
            token.clone(),
            nodes.clone(),
            acked.clone(),
            stop.clone(),
            requests.clone(),
            retried_submissions.clone(),
        );
        handles.push(std::thread::spawn(move || {
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let id = n
                    .is_multiple_of(2)
                    .then(|| resident_id("19880214", (t * 1000 + n) as u32));
                let doc = format!("{}第{t}组第{n}份\n", document(n, 2048, id.as_deref()));
                let body = json!({"title": format!("通知{t}-{n}"), "content": doc});
                let body = body.to_string();
                let call = Call {
                    method: "POST",
                    path: "/v1/reviews",
                    token: &token,
                    headers: &[],
                    body: body.as_bytes(),
                };
                let Some((r, _)) = until_answered(&nodes, t + n, &call, &stop) else {
                    break;
                };
                requests.fetch_add(1, Ordering::Relaxed);
                // 201: recorded now; 200: a retry found the review an unanswered try recorded.
                assert!(r.status == 201 || r.status == 200, "{}", r.text());
                if r.status == 200 {
                    retried.fetch_add(1, Ordering::Relaxed);
                }
                let v = r.json();
                let mut a = acked.lock().unwrap();
                let id = v["id"].as_u64().unwrap();
                assert!(
                    a.iter().all(|e| e.id != id),
                    "review {id} acknowledged for two submissions"
                );
                a.push(Acked {
                    id,
                    sha256: v["sha256"].as_str().unwrap().to_string(),
                    decisions: Vec::new(),
                });
            }
        }));
    }
    for (k, reviewer) in reviewers.iter().enumerate() {
        let (reviewer, nodes, acked, stop, requests) = (
            reviewer.clone(),
            nodes.clone(),
            acked.clone(),
            stop.clone(),
            requests.clone(),
        );
        handles.push(std::thread::spawn(move || {
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let target = {
                    let a = acked.lock().unwrap();
                    (!a.is_empty()).then(|| a[(n * 7919 + k) % a.len()].id)
                };
                n += 1;
                let Some(id) = target else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                let decision = if n.is_multiple_of(2) {
                    "approve"
                } else {
                    "hold"
                };
                let reason = format!("审核员{k}第{n}次复核");
                let key = format!("r{k}-{n}");
                let body = json!({"decision": decision, "reason": reason});
                let (path, body) = (format!("/v1/reviews/{id}/decisions"), body.to_string());
                let call = Call {
                    method: "POST",
                    path: &path,
                    token: &reviewer,
                    headers: &[("Idempotency-Key", &key)],
                    body: body.as_bytes(),
                };
                let Some((r, _)) = until_answered(&nodes, k + n, &call, &stop) else {
                    break;
                };
                requests.fetch_add(1, Ordering::Relaxed);
                assert!(r.status == 201 || r.status == 200, "{}", r.text());
                let v = r.json();
                let d = v["decisions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|d| d["reason"] == reason.as_str())
                    .unwrap_or_else(|| panic!("the answer lacks its decision: {v}"))
                    .clone();
                let mut a = acked.lock().unwrap();
                if let Some(e) = a.iter_mut().find(|e| e.id == id) {
                    e.decisions.push((
                        d["seq"].as_u64().unwrap(),
                        decision.to_string(),
                        reason.clone(),
                    ));
                }
            }
        }));
    }

    // Chaos: kill a node at random moments and start it again; restart the database once,
    // half-way.
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut rng = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        seed >> 33
    };
    for k in 0..kills {
        std::thread::sleep(Duration::from_millis(200 + rng() % 500));
        if k == kills / 2 {
            pg::cluster().restart();
            eprintln!("database restarted");
        }
        let victim = (rng() % 2) as usize;
        nodes.write().unwrap()[victim] = None;
        servers[victim].take().unwrap().kill9();
        std::thread::sleep(Duration::from_millis(rng() % 300));
        let name = if victim == 0 { "a" } else { "b" };
        let s = node(dir.path(), name, &url, &key, &[]);
        nodes.write().unwrap()[victim] = Some(s.addr);
        servers[victim] = Some(s);
    }
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        h.join().unwrap();
    }

    // Every acknowledged review and decision is there, once.
    let acked = acked.lock().unwrap();
    let server = servers[0].as_ref().unwrap();
    let mut c = server.client();
    let mut decisions = 0;
    for a in acked.iter() {
        let r = c.get(&format!("/v1/reviews/{}", a.id), Some(&admin));
        assert_eq!(
            r.status,
            200,
            "acknowledged review {} lost: {}",
            a.id,
            r.text()
        );
        let v = r.json();
        assert_eq!(v["sha256"], a.sha256.as_str());
        let history = v["decisions"].as_array().unwrap();
        let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
        for d in history {
            *reasons
                .entry(d["reason"].as_str().unwrap_or(""))
                .or_default() += 1;
        }
        for (seq, decision, reason) in &a.decisions {
            decisions += 1;
            let d = history
                .iter()
                .find(|d| d["seq"].as_u64() == Some(*seq))
                .unwrap_or_else(|| panic!("decision {seq} of review {} lost", a.id));
            assert_eq!(d["decision"], decision.as_str());
            assert_eq!(
                reasons.get(reason.as_str()),
                Some(&1),
                "decision {reason:?} of review {} recorded once",
                a.id
            );
        }
    }
    let ids: BTreeSet<u64> = acked.iter().map(|a| a.id).collect();
    assert_eq!(ids.len(), acked.len());
    let out = std::process::Command::new(support::binary())
        .args(["audit", "verify", "--store", &url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "audit verify: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!(
        "two-node crash test: {kills} SIGKILLs, 1 database restart, {} requests answered, {} reviews ({} found by a retry) and {decisions} decisions acknowledged, 0 lost, 0 twice; {}",
        requests.load(Ordering::Relaxed),
        acked.len(),
        retried_submissions.load(Ordering::Relaxed),
        String::from_utf8_lossy(&out.stdout).trim()
    );
    assert!(acked.len() > kills, "too few submissions to mean anything");
}
