//! Load test of a real `baomi serve` on loopback (release build):
//!
//! 1. durable submissions: 8 clients on keep-alive connections each POST distinct ~10 KB
//!    Chinese documents (JSON) as fast as answers come; every 201 means scanned, recorded and
//!    flushed to disk;
//! 2. gate checks by sha256 of already reviewed content, 8 clients;
//! 3. hostile flood: 20 concurrent 16 MiB submissions of the worst documents of
//!    `tests/support/adversarial.rs` (on the default scan threads and request timeout), while
//!    one client checks the gate by hash every 20 ms: the gate's latency meanwhile, and how
//!    the flood was answered (`tests/hostile.rs` checks the same flood for correctness).
//!
//! Run with `cargo bench --bench service`. `BAOMI_LOAD_SECS` sets each phase's length (default
//! 10 s), `BAOMI_LOAD_CLIENTS` the number of clients (default 8).

#[path = "../tests/support/adversarial.rs"]
mod adversarial;
#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{document, resident_id, Client, Server};

fn main() {
    let secs: u64 = env("BAOMI_LOAD_SECS", 10);
    let clients: usize = env("BAOMI_LOAD_CLIENTS", 8);
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let server = Server::start(&data, &["--max-body", "1048576"]);
    let submitter = server.token("压测", "submitter");
    let publisher = server.token("发布", "publisher");
    let addr = server.addr;

    // Phase 1: durable submissions.
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|t| {
            let (stop, token) = (stop.clone(), submitter.clone());
            std::thread::spawn(move || {
                let mut c = Client::new(addr);
                let mut lat = Vec::new();
                let mut shas = Vec::new();
                let mut bytes = 0usize;
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
                    bytes += doc.len();
                    // The document is the title line and the content.
                    shas.push(baomi::sha256_hex(format!("{title}\n{doc}").as_bytes()));
                }
                (lat, shas, bytes)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(secs));
    stop.store(true, Ordering::Relaxed);
    let mut lat = Vec::new();
    let mut shas = Vec::new();
    let mut bytes = 0;
    for h in handles {
        let (l, s, b) = h.join().unwrap();
        lat.extend(l);
        shas.extend(s);
        bytes += b;
    }
    let elapsed = started.elapsed().as_secs_f64();
    report(
        &format!("durable submissions (~10 KB, {clients} clients)"),
        &mut lat,
        elapsed,
    );
    println!(
        "  {:.1} MB/s of documents scanned and recorded",
        bytes as f64 / elapsed / 1e6
    );

    // Phase 2: gate checks by sha256.
    let shas = Arc::new(shas);
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|t| {
            let (stop, token, shas) = (stop.clone(), publisher.clone(), shas.clone());
            std::thread::spawn(move || {
                let mut c = Client::new(addr);
                let mut lat = Vec::new();
                let mut i = t;
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
                        .expect("request");
                    lat.push(t0.elapsed());
                    assert!(r.status == 200 || r.status == 409, "{}", r.text());
                }
                lat
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(secs));
    stop.store(true, Ordering::Relaxed);
    let mut lat = Vec::new();
    for h in handles {
        lat.extend(h.join().unwrap());
    }
    report(
        &format!("gate checks by sha256 ({clients} clients)"),
        &mut lat,
        started.elapsed().as_secs_f64(),
    );
    drop(server);
    hostile_flood();
}

/// Phase 3, on a server of its own (the default 16 MiB body limit).
fn hostile_flood() {
    const FLOOD: usize = 20;
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(&dir.path().join("data"), &[]);
    let submitter = server.token("洪流", "submitter");
    let publisher = server.token("发布", "publisher");
    let addr = server.addr;
    let ordinary = "关于做好春季植树工作的通知\n请各乡镇按时报送。\n";
    let r = server
        .client()
        .post_bytes("/v1/reviews", Some(&submitter), ordinary.as_bytes());
    assert_eq!(r.status, 201, "{}", r.text());
    let ordinary_sha = baomi::sha256_hex(ordinary.as_bytes());

    let gens = adversarial::all();
    let bodies: Vec<Vec<u8>> = (0..FLOOD)
        .map(|i| {
            let g = &gens[i % gens.len()];
            let mut body = format!("第{i}号\n").into_bytes();
            body.extend((g.make)(16 * 1024 * 1024 - 8192));
            body
        })
        .collect();
    let done = Arc::new(AtomicBool::new(false));
    let gate = {
        let (done, token) = (done.clone(), publisher.clone());
        std::thread::spawn(move || {
            let mut c = Client::new(addr);
            let mut lat = Vec::new();
            let body = format!("{{\"sha256\":\"{ordinary_sha}\"}}");
            while !done.load(Ordering::Relaxed) {
                let t0 = Instant::now();
                let r = c
                    .request(
                        "POST",
                        "/v1/gate",
                        Some(&token),
                        Some("application/json"),
                        body.as_bytes(),
                    )
                    .expect("request");
                lat.push(t0.elapsed());
                assert_eq!(r.status, 200, "{}", r.text());
                std::thread::sleep(Duration::from_millis(20));
            }
            lat
        })
    };
    let started = Instant::now();
    let senders: Vec<_> = bodies
        .into_iter()
        .map(|body| {
            let token = submitter.clone();
            std::thread::spawn(move || {
                let mut c = Client::new(addr);
                c.request(
                    "POST",
                    "/v1/reviews",
                    Some(&token),
                    Some("text/plain"),
                    &body,
                )
                .expect("request")
                .status
            })
        })
        .collect();
    let mut answers = std::collections::BTreeMap::new();
    for h in senders {
        *answers.entry(h.join().unwrap()).or_insert(0) += 1;
    }
    let elapsed = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let mut lat = gate.join().unwrap();
    report(
        &format!("gate checks by sha256 during {FLOOD} hostile 16 MiB submissions (answered {answers:?} in {elapsed:.1} s)"),
        &mut lat,
        elapsed,
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
