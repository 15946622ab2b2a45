//! The PostgreSQL store under load, beside sled, on loopback (release build): real `baomi
//! serve` processes, a real PostgreSQL server (the tests' cluster, `tests/support/pg.rs`:
//! Debian's postgresql, `fsync` and `synchronous_commit` on).
//!
//! For each setup — sled, one node on PostgreSQL, two nodes on one PostgreSQL database:
//! 1. durable submissions: 8 clients (spread over the nodes) each POST distinct ~10 KB
//!    Chinese documents as fast as answers come; every 201 is scanned, recorded, committed;
//! 2. gate checks by sha256 of the reviewed content, 8 clients.
//!
//! Run with `cargo bench --bench store_pg`. `BAOMI_LOAD_SECS` sets each phase's length
//! (default 10 s), `BAOMI_LOAD_CLIENTS` the number of clients (default 8).

#[path = "../tests/support/mod.rs"]
mod support;

use support::pg;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{document, resident_id, Client, Server};

fn main() {
    let secs: u64 = env("BAOMI_LOAD_SECS", 10);
    let clients: usize = env("BAOMI_LOAD_CLIENTS", 8);
    let dir = tempfile::tempdir().expect("temp dir");
    let key = dir.path().join("digest.key");
    std::fs::write(&key, "7b".repeat(32)).unwrap();
    let key = key.to_str().unwrap().to_string();
    let common = ["--max-body", "1048576", "--baseline-key", &key];

    {
        let server = Server::start(&dir.path().join("sled"), &common);
        run("sled, one node", &[&server], &server, secs, clients);
    }
    {
        let url = pg::database();
        let mut args = common.to_vec();
        args.extend(["--store", &url]);
        let server = Server::start(&dir.path().join("pg1"), &args);
        run("PostgreSQL, one node", &[&server], &server, secs, clients);
    }
    {
        let url = pg::database();
        let mut args = common.to_vec();
        args.extend(["--store", &url]);
        let a = Server::start(&dir.path().join("pg2a"), &args);
        let b = Server::start(&dir.path().join("pg2b"), &args);
        run("PostgreSQL, two nodes", &[&a, &b], &a, secs, clients);
    }
}

fn run(setup: &str, nodes: &[&Server], first: &Server, secs: u64, clients: usize) {
    let submitter = first.token("压测", "submitter");
    let publisher = first.token("发布", "publisher");
    let addrs: Vec<SocketAddr> = nodes.iter().map(|s| s.addr).collect();

    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|t| {
            let (stop, token, addr) = (stop.clone(), submitter.clone(), addrs[t % addrs.len()]);
            std::thread::spawn(move || {
                let mut c = Client::new(addr);
                let mut lat = Vec::new();
                let mut shas = Vec::new();
                let mut n = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let id = n.is_multiple_of(4).then(|| resident_id("19790923", n));
                    let doc = format!(
                        "{}（第{t}组第{n}份）\n",
                        document(n as usize, 10 * 1024, id.as_deref())
                    );
                    let title = format!("通知{t}-{n}");
                    let body = serde_json::json!({"title": &title, "content": doc}).to_string();
                    let t0 = Instant::now();
                    let r = c
                        .request(
                            "POST",
                            "/v1/reviews",
                            Some(&token),
                            Some("application/json"),
                            body.as_bytes(),
                        )
                        .expect("request");
                    lat.push(t0.elapsed());
                    assert_eq!(r.status, 201, "{}", r.text());
                    shas.push(baomi::sha256_hex(format!("{title}\n{doc}").as_bytes()));
                }
                (lat, shas)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(secs));
    stop.store(true, Ordering::Relaxed);
    let (mut lat, mut shas) = (Vec::new(), Vec::new());
    for h in handles {
        let (l, s) = h.join().unwrap();
        lat.extend(l);
        shas.extend(s);
    }
    report(
        &format!("{setup}: durable submissions (~10 KB, {clients} clients)"),
        &mut lat,
        started.elapsed().as_secs_f64(),
    );

    let shas = Arc::new(shas);
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|t| {
            let (stop, token, shas) = (stop.clone(), publisher.clone(), shas.clone());
            let addr = addrs[t % addrs.len()];
            let phase = Instant::now();
            std::thread::spawn(move || {
                let mut c = Client::new(addr);
                let mut lat = Vec::new();
                let mut i = t;
                let mut passed = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    let body = format!("{{\"sha256\":\"{}\"}}", shas[i % shas.len()]);
                    i += clients;
                    let t0 = Instant::now();
                    let r = c
                        .request(
                            "POST",
                            "/v1/gate",
                            Some(&token),
                            Some("application/json"),
                            body.as_bytes(),
                        )
                        .unwrap_or_else(|e| panic!("gate request to {addr}: {e}"));
                    lat.push(t0.elapsed());
                    if t0.elapsed() > Duration::from_millis(500) {
                        eprintln!(
                            "  slow gate check: {:?} on {addr}, {:?} into the phase, status {}",
                            t0.elapsed(),
                            phase.elapsed(),
                            r.status
                        );
                    }
                    assert!(r.status == 200 || r.status == 409, "{}", r.text());
                    if r.status == 200 {
                        passed += 1;
                    }
                }
                (lat, passed)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(secs));
    stop.store(true, Ordering::Relaxed);
    let mut lat = Vec::new();
    let mut passed = 0;
    for h in handles {
        let (l, p) = h.join().unwrap();
        lat.extend(l);
        passed += p;
    }
    println!(
        "  gate: {passed} passed (200), {} refused (409)",
        lat.len() - passed
    );
    report(
        &format!("{setup}: gate checks by sha256 ({clients} clients)"),
        &mut lat,
        started.elapsed().as_secs_f64(),
    );
}

fn report(name: &str, lat: &mut [Duration], elapsed: f64) {
    lat.sort();
    let pct = |p: f64| {
        let i = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
        lat[i].as_secs_f64() * 1000.0
    };
    println!(
        "{name}: {} requests in {elapsed:.1} s = {:.0}/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        lat.len(),
        lat.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99),
        pct(1.0)
    );
}

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
