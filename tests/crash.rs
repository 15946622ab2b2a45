//! Crash safety: SIGKILL the service while 8 clients submit drafts and reviewers record
//! overrides, restart it on the same data directory, and check that every acknowledged
//! decision is there and the audit chain verifies. Many cycles, at random moments.
//!
//! `BAOMI_CRASH_CYCLES` sets the number of cycles (default 25).

mod support;

use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{document, resident_id, Client, Server};

#[derive(Clone, Debug)]
struct Acked {
    id: u64,
    sha256: String,
    /// (seq, decision) of every acknowledged decision on this review.
    decisions: Vec<(u64, String)>,
}

#[test]
fn acknowledged_decisions_survive_sigkill() {
    let cycles: usize = std::env::var("BAOMI_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(25);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = Server::start(&data, &[]);
    let submitters: Vec<String> = (0..8)
        .map(|i| first.token(&format!("科员{i}"), "submitter"))
        .collect();
    let reviewer = first.token("王丽", "reviewer");
    let admin = first.admin.clone();
    first.kill9();

    let acked: Arc<Mutex<Vec<Acked>>> = Arc::default();
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut total_requests = 0usize;
    let mut checked = 0;
    for cycle in 0..cycles {
        let server = Server::start(&data, &[]);
        // The reviews acknowledged just before the last kill are the ones at risk; all of
        // them are checked again at the end.
        let recent: Vec<Acked> = acked.lock().unwrap()[checked..].to_vec();
        checked += recent.len();
        check(&server, &admin, &recent, cycle);
        let stop = Arc::new(AtomicBool::new(false));
        let mut handles = Vec::new();
        for (t, token) in submitters.iter().enumerate() {
            let (token, addr, acked, stop) =
                (token.clone(), server.addr, acked.clone(), stop.clone());
            handles.push(std::thread::spawn(move || {
                let mut c = Client::new(addr);
                let mut n = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let id = n
                        .is_multiple_of(2)
                        .then(|| resident_id("19880214", (cycle * 7 + t * 31 + n) as u32));
                    let doc = format!(
                        "{}第{cycle}轮第{t}组第{n}份\n",
                        document(n, 2048, id.as_deref())
                    );
                    let body = json!({"title": format!("通知{cycle}-{t}-{n}"), "content": doc});
                    let Ok(r) = c.request(
                        "POST",
                        "/v1/reviews",
                        Some(&token),
                        Some("application/json"),
                        body.to_string().as_bytes(),
                    ) else {
                        break;
                    };
                    assert_eq!(r.status, 201, "{}", r.text());
                    let v = r.json();
                    acked.lock().unwrap().push(Acked {
                        id: v["id"].as_u64().unwrap(),
                        sha256: v["sha256"].as_str().unwrap().to_string(),
                        decisions: vec![(1, v["decision"].as_str().unwrap().to_string())],
                    });
                }
                n
            }));
        }
        // A reviewer overrides recorded reviews at the same time.
        {
            let (addr, acked, stop, reviewer) =
                (server.addr, acked.clone(), stop.clone(), reviewer.clone());
            handles.push(std::thread::spawn(move || {
                let mut c = Client::new(addr);
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let target = {
                        let a = acked.lock().unwrap();
                        if a.is_empty() {
                            None
                        } else {
                            Some(a[(n * 7919) % a.len()].id)
                        }
                    };
                    n += 1;
                    let Some(id) = target else {
                        std::thread::sleep(Duration::from_millis(2));
                        continue;
                    };
                    let decision = if n % 2 == 0 { "approve" } else { "hold" };
                    let body = json!({"decision": decision, "reason": format!("第{n}次复核")});
                    let Ok(r) = c.request(
                        "POST",
                        &format!("/v1/reviews/{id}/decisions"),
                        Some(&reviewer),
                        Some("application/json"),
                        body.to_string().as_bytes(),
                    ) else {
                        break;
                    };
                    assert_eq!(r.status, 201, "{}", r.text());
                    let v = r.json();
                    let last = v["decisions"].as_array().unwrap().last().unwrap().clone();
                    let mut a = acked.lock().unwrap();
                    if let Some(entry) = a.iter_mut().find(|e| e.id == id) {
                        entry
                            .decisions
                            .push((last["seq"].as_u64().unwrap(), decision.to_string()));
                    }
                }
                n
            }));
        }
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let wait = 60 + (seed >> 33) % 400;
        std::thread::sleep(Duration::from_millis(wait));
        server.kill9();
        stop.store(true, Ordering::Relaxed);
        for h in handles {
            total_requests += h.join().unwrap();
        }
    }
    let server = Server::start(&data, &[]);
    let acked = acked.lock().unwrap();
    check(&server, &admin, &acked, cycles);
    let decisions: usize = acked.iter().map(|a| a.decisions.len()).sum();
    eprintln!(
        "crash test: {cycles} SIGKILL cycles, {total_requests} requests sent, {} reviews and {decisions} decisions acknowledged, 0 lost",
        acked.len()
    );
    assert!(acked.len() > cycles, "too few submissions to mean anything");
}

/// Every acknowledged review is present with its content hash and every acknowledged decision
/// in place, and the audit chain verifies.
fn check(server: &Server, admin: &str, acked: &[Acked], cycle: usize) {
    let mut c = server.client();
    for a in acked {
        let r = c.get(&format!("/v1/reviews/{}", a.id), Some(admin));
        assert_eq!(
            r.status,
            200,
            "cycle {cycle}: acknowledged review {} lost: {}",
            a.id,
            r.text()
        );
        let v = r.json();
        assert_eq!(
            v["sha256"],
            a.sha256.as_str(),
            "cycle {cycle}: review {} changed",
            a.id
        );
        let history = v["decisions"].as_array().unwrap();
        for (seq, decision) in &a.decisions {
            let d = history
                .iter()
                .find(|d| d["seq"].as_u64() == Some(*seq))
                .unwrap_or_else(|| panic!("cycle {cycle}: decision {seq} of review {} lost", a.id));
            assert_eq!(
                d["decision"],
                decision.as_str(),
                "cycle {cycle}: review {} decision {seq}",
                a.id
            );
        }
    }
    let v = c.get("/v1/audit/verify", Some(admin));
    assert_eq!(v.status, 200, "cycle {cycle}: {}", v.text());
}
