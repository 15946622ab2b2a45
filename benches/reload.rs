//! Reloading a rule set with 20,000 extra terms on a running `baomi serve` while 8 clients
//! submit ~10 KB documents: how long a reload takes (compile, examples, record, swap) and the
//! worst submission latency seen while reloading.
//!
//! Run with `cargo bench --bench reload`. `BAOMI_RELOADS` sets the number of reloads (default 10).

#[path = "corpus/mod.rs"]
mod corpus;
#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{document, Client, Server};

fn main() {
    let reloads: usize = std::env::var("BAOMI_RELOADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let dir = tempfile::tempdir().expect("temp dir");
    let rules = support::rules_copy(dir.path());
    let extra = rules.join("extra_lexicon.toml");
    let lexicon = |marker: usize| {
        let mut text = String::from(
            "category = \"process_internal\"\n\n[[rule]]\nid = \"extra_lexicon\"\nseverity = \"warn\"\ndescription = \"bench: extra lexicon\"\nterms = [\n",
        );
        for t in corpus::extra_lexicon(20_000, 1) {
            text.push_str(&format!("  \"{t}\",\n"));
        }
        text.push_str(&format!("  \"压测标记词{marker}\",\n]\n"));
        text
    };
    std::fs::write(&extra, lexicon(0)).unwrap();
    let data = dir.path().join("data");
    let server = Server::start(
        &data,
        &[
            "--rules",
            rules.to_str().unwrap(),
            "--watch-interval-ms",
            "0",
        ],
    );
    let maintainer = server.token("张工", "maintainer");
    let submitter = server.token("压测", "submitter");
    let addr = server.addr;

    let stop = Arc::new(AtomicBool::new(false));
    let reloading = Arc::new(AtomicBool::new(false));
    let samples: Arc<Mutex<(Vec<Duration>, Vec<Duration>)>> = Arc::default();
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let (stop, reloading, samples, token) = (
                stop.clone(),
                reloading.clone(),
                samples.clone(),
                submitter.clone(),
            );
            std::thread::spawn(move || {
                let mut c = Client::new(addr);
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let doc = format!("{}（第{t}组第{n}份）\n", document(n, 10 * 1024, None));
                    let during = reloading.load(Ordering::Relaxed);
                    let t0 = Instant::now();
                    let r = c.post_bytes("/v1/reviews", Some(&token), doc.as_bytes());
                    let took = t0.elapsed();
                    assert_eq!(r.status, 201, "{}", r.text());
                    let mut s = samples.lock().unwrap();
                    if during || reloading.load(Ordering::Relaxed) {
                        s.1.push(took);
                    } else {
                        s.0.push(took);
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    let mut c = server.client();
    let mut walls = Vec::new();
    let mut compiles = Vec::new();
    for i in 1..=reloads {
        std::fs::write(&extra, lexicon(i)).unwrap();
        reloading.store(true, Ordering::Relaxed);
        let t0 = Instant::now();
        let r = c
            .request("POST", "/v1/rules/reload", Some(&maintainer), None, b"")
            .unwrap();
        let wall = t0.elapsed();
        std::thread::sleep(Duration::from_millis(50));
        reloading.store(false, Ordering::Relaxed);
        assert_eq!(r.status, 200, "{}", r.text());
        let v = r.json();
        assert_eq!(v["changed"], true);
        walls.push(wall);
        compiles.push(v["compile_ms"].as_f64().unwrap());
        std::thread::sleep(Duration::from_millis(700));
    }
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        h.join().unwrap();
    }
    walls.sort();
    compiles.sort_by(|a, b| a.total_cmp(b));
    let literals = c.get("/v1/rules", Some(&maintainer)).json()["literals"]
        .as_u64()
        .unwrap_or(0);
    println!(
        "reload of a {literals}-literal rule set ({reloads} times): wall (request) median {:.0} ms, max {:.0} ms; compile + examples median {:.0} ms, max {:.0} ms",
        walls[walls.len() / 2].as_secs_f64() * 1000.0,
        walls[walls.len() - 1].as_secs_f64() * 1000.0,
        compiles[compiles.len() / 2],
        compiles[compiles.len() - 1],
    );
    let (mut outside, mut during) = std::mem::take(&mut *samples.lock().unwrap());
    for (name, v) in [
        ("outside reloads", &mut outside),
        ("during reloads", &mut during),
    ] {
        v.sort();
        if v.is_empty() {
            continue;
        }
        println!(
            "submissions {name}: {} requests, p50 {:.2} ms, p99 {:.2} ms, worst {:.2} ms",
            v.len(),
            v[v.len() / 2].as_secs_f64() * 1000.0,
            v[(v.len() * 99 / 100).min(v.len() - 1)].as_secs_f64() * 1000.0,
            v[v.len() - 1].as_secs_f64() * 1000.0
        );
    }
}
