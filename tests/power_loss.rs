//! Power loss: what was acknowledged must survive losing everything that was not fsynced.
//!
//! SIGKILL (tests/crash.rs) keeps the page cache, so it says nothing about fsync. Here the data
//! directory is a FUSE filesystem (tests/support/cutfs.rs) that holds each file's writes in
//! memory until that file is fsynced. Each cycle mounts it over the data directory, starts
//! `baomi serve` on it, has four submitters send drafts (notices and 公示 lists, some with
//! resident IDs) and two reviewers record approves and holds with unique reasons, then cuts the
//! power at a random moment: unsynced data is dropped, every later operation fails with EIO,
//! and the process is killed. The service is restarted on the backing directory alone and
//! every acknowledged (2xx) submission and decision must be there, and no decision the service
//! answered 503 `store_unavailable` for may be (503 `write_in_doubt` says the client cannot
//! know, like a missing answer). The audit chain must verify after each cycle.
//!
//! Counts, per cycle and in total: acknowledged, lost (target 0), decisions answered 503 but
//! visible after the restart (target 0), and decisions whose answer never came or was
//! `write_in_doubt` that are visible (allowed: the client cannot know).
//!
//! Needs root and /dev/fuse (mount(2) directly; no libfuse or fusermount). Without them the
//! test fails and says what is missing. Bounded: `BAOMI_POWER_CYCLES` cycles (default 12) and at
//! most `BAOMI_POWER_BUDGET_SECS` seconds of cycles (default 60). A longer soak:
//!
//! ```sh
//! BAOMI_POWER_CYCLES=200 BAOMI_POWER_BUDGET_SECS=1200 \
//!     cargo test --release --test power_loss -- --nocapture
//! ```
//!
//! `BAOMI_POWER_SEED` picks the cut moments (printed at the start). Between the cut and the
//! SIGKILL the service runs on for 0-40 ms, so that some writes fail with EIO and are answered
//! 503.
//!
//! `BAOMI_POWER_PROMOTE=1` checks the harness itself: it preloads `tests/support/fsync_shim.c`
//! with `BAOMI_FSYNC_PROMOTE=1`, which turns sled's `sync_file_range` (no data integrity,
//! and invisible to a FUSE filesystem) into `fsync`, as a store that really makes its
//! writes durable would do; then nothing acknowledged may be lost either.

#[path = "support/cutfs.rs"]
mod cutfs;
mod support;

use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{document, resident_id, Client, Server};

#[derive(Clone, Copy, PartialEq, Debug)]
enum Outcome {
    /// 2xx received.
    Acked,
    /// 503: the service said the write failed.
    Failed,
    /// No answer (the connection died with the power).
    Unknown,
    /// 503 `write_in_doubt`: the store failed after the write may have reached the disk; the
    /// client is told it cannot know, as when no answer came.
    InDoubt,
}

#[derive(Clone, Debug)]
struct Sub {
    id: u64,
    sha256: String,
    cycle: usize,
}

#[derive(Clone, Debug)]
struct Dec {
    review: u64,
    decision: &'static str,
    reason: String,
    outcome: Outcome,
    cycle: usize,
}

#[derive(Default)]
struct Ledger {
    subs: Vec<Sub>,
    decs: Vec<Dec>,
    /// Submissions answered with something else than 2xx (503 after the cut).
    sub_refused: usize,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A draft: a notice, or a 公示 list with resident IDs (held by the engine).
fn draft(cycle: usize, t: usize, n: usize) -> Value {
    if n.is_multiple_of(3) {
        let ids: Vec<String> = (0..3)
            .map(|i| resident_id("19610923", (cycle * 97 + t * 31 + n * 3 + i) as u32))
            .collect();
        json!({
            "title": format!("关于第{cycle}-{t}-{n}批临时救助对象的公示"),
            "content": format!(
                "经街道办事处审核、区民政局审批，现将临时救助对象名单公示如下。\n\
                 序号　姓名　身份证号　救助金额（元）\n\
                 1　刘桂兰　{}　2000\n2　陈志强　{}　1500\n3　赵淑珍　{}　3000\n\
                 公示期七天。如有异议，请向区民政局社会救助科反映，电话010-12345678。\n",
                ids[0], ids[1], ids[2]
            ),
            "metadata": {"dept": "区民政局"},
        })
    } else {
        let id = (n % 3 == 1).then(|| resident_id("19880214", (cycle * 7 + t * 13 + n) as u32));
        json!({
            "title": format!("通知{cycle}-{t}-{n}"),
            "content": format!("{}第{cycle}轮第{t}组第{n}份\n", document(n, 1200, id.as_deref())),
        })
    }
}

struct Traffic {
    stop: Arc<AtomicBool>,
    handles: Vec<std::thread::JoinHandle<usize>>,
}

fn start_traffic(
    addr: std::net::SocketAddr,
    cycle: usize,
    submitters: &[String],
    reviewers: &[String],
    ledger: &Arc<Mutex<Ledger>>,
) -> Traffic {
    let stop = Arc::new(AtomicBool::new(false));
    let mut handles = Vec::new();
    for (t, token) in submitters.iter().enumerate() {
        let (token, ledger, stop) = (token.clone(), ledger.clone(), stop.clone());
        handles.push(std::thread::spawn(move || {
            let mut c = Client::new(addr);
            let deadline = Instant::now() + Duration::from_secs(15);
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) && n < 20_000 && Instant::now() < deadline {
                n += 1;
                let body = draft(cycle, t, n).to_string();
                let Ok(r) = c.request(
                    "POST",
                    "/v1/reviews",
                    Some(&token),
                    Some("application/json"),
                    body.as_bytes(),
                ) else {
                    break;
                };
                if r.status == 201 || r.status == 200 {
                    let v = r.json();
                    ledger.lock().unwrap().subs.push(Sub {
                        id: v["id"].as_u64().unwrap(),
                        sha256: v["sha256"].as_str().unwrap().to_string(),
                        cycle,
                    });
                } else {
                    ledger.lock().unwrap().sub_refused += 1;
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
            n
        }));
    }
    for (t, token) in reviewers.iter().enumerate() {
        let (token, ledger, stop) = (token.clone(), ledger.clone(), stop.clone());
        handles.push(std::thread::spawn(move || {
            let mut c = Client::new(addr);
            let deadline = Instant::now() + Duration::from_secs(15);
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) && n < 20_000 && Instant::now() < deadline {
                let target = {
                    let l = ledger.lock().unwrap();
                    let mine: Vec<u64> = l
                        .subs
                        .iter()
                        .filter(|s| s.cycle == cycle)
                        .map(|s| s.id)
                        .collect();
                    (!mine.is_empty()).then(|| mine[(n * 7919 + t * 104_729) % mine.len()])
                };
                n += 1;
                let Some(review) = target else {
                    std::thread::sleep(Duration::from_millis(2));
                    continue;
                };
                let decision = if (n + t) % 2 == 0 { "approve" } else { "hold" };
                let reason = format!(
                    "第{cycle}轮审核员{t}第{n}次复核：{}",
                    if decision == "approve" {
                        "内容已核实，同意发布"
                    } else {
                        "含个人信息，暂缓发布"
                    }
                );
                let body = json!({"decision": decision, "reason": reason}).to_string();
                let answer = c.request(
                    "POST",
                    &format!("/v1/reviews/{review}/decisions"),
                    Some(&token),
                    Some("application/json"),
                    body.as_bytes(),
                );
                let outcome = match &answer {
                    Ok(r) if r.status == 201 => Outcome::Acked,
                    Ok(r) if r.status == 503 && r.json()["code"] == "write_in_doubt" => {
                        Outcome::InDoubt
                    }
                    Ok(r) if r.status == 503 => Outcome::Failed,
                    Ok(_) => {
                        std::thread::sleep(Duration::from_millis(5));
                        continue;
                    }
                    Err(_) => Outcome::Unknown,
                };
                ledger.lock().unwrap().decs.push(Dec {
                    review,
                    decision,
                    reason,
                    outcome,
                    cycle,
                });
                if matches!(outcome, Outcome::Unknown | Outcome::InDoubt) {
                    break;
                }
                if outcome == Outcome::Failed {
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
            n
        }));
    }
    Traffic { stop, handles }
}

#[derive(Default, Debug)]
struct Check {
    subs: usize,
    subs_lost: usize,
    decs: usize,
    decs_lost: usize,
    failed: usize,
    failed_visible: usize,
    unknown: usize,
    unknown_visible: usize,
    in_doubt: usize,
    in_doubt_visible: usize,
    examples: Vec<String>,
}

/// Checks `subs` and `decs` against a running server.
fn check(server: &Server, admin: &str, subs: &[Sub], decs: &[Dec]) -> Check {
    let mut c = server.client();
    let mut out = Check::default();
    let mut reviews: HashMap<u64, Option<Value>> = HashMap::new();
    let mut fetch = |c: &mut Client, id: u64| -> Option<Value> {
        reviews
            .entry(id)
            .or_insert_with(|| {
                let r = c.get(&format!("/v1/reviews/{id}"), Some(admin));
                (r.status == 200).then(|| r.json())
            })
            .clone()
    };
    for s in subs {
        out.subs += 1;
        let ok = fetch(&mut c, s.id).is_some_and(|v| v["sha256"] == s.sha256.as_str());
        if !ok {
            out.subs_lost += 1;
            if out.examples.len() < 5 {
                out.examples.push(format!(
                    "acknowledged submission {} (cycle {}) lost",
                    s.id, s.cycle
                ));
            }
        }
    }
    for d in decs {
        let visible = fetch(&mut c, d.review).is_some_and(|v| {
            v["decisions"].as_array().is_some_and(|ds| {
                ds.iter()
                    .any(|x| x["reason"] == d.reason.as_str() && x["decision"] == d.decision)
            })
        });
        match d.outcome {
            Outcome::Acked => {
                out.decs += 1;
                if !visible {
                    out.decs_lost += 1;
                    if out.examples.len() < 10 {
                        out.examples.push(format!(
                            "acknowledged {} on review {} (cycle {}) lost",
                            d.decision, d.review, d.cycle
                        ));
                    }
                }
            }
            Outcome::Failed => {
                out.failed += 1;
                if visible {
                    out.failed_visible += 1;
                    out.examples.push(format!(
                        "{} on review {} (cycle {}) answered 503 but is in the store",
                        d.decision, d.review, d.cycle
                    ));
                }
            }
            Outcome::Unknown => {
                out.unknown += 1;
                out.unknown_visible += visible as usize;
            }
            Outcome::InDoubt => {
                out.in_doubt += 1;
                out.in_doubt_visible += visible as usize;
            }
        }
    }
    out
}

#[test]
fn acknowledged_writes_survive_power_loss() {
    if let Some(why) = cutfs::missing_requirement() {
        panic!("cannot run the power-loss test: {why}");
    }
    let cycles: usize = env_or("BAOMI_POWER_CYCLES", 12);
    let budget = Duration::from_secs(env_or("BAOMI_POWER_BUDGET_SECS", 60));
    let mut seed: u64 = env_or("BAOMI_POWER_SEED", 0x6261_6f6d_6931);
    eprintln!("power loss: up to {cycles} cycles, {budget:?}, BAOMI_POWER_SEED={seed}");

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mnt = dir.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();

    // Tokens, made on the plain directory (sled's first files are written there, as on a
    // machine that has been running for a while).
    let first = Server::start(&data, &[]);
    let submitters: Vec<String> = [
        "街道办科员李明",
        "街道办科员周敏",
        "社区干事吴刚",
        "社区干事郑洁",
    ]
    .iter()
    .map(|n| first.token(n, "submitter"))
    .collect();
    let reviewers: Vec<String> = ["民政局审核员王丽", "民政局审核员孙强"]
        .iter()
        .map(|n| first.token(n, "reviewer"))
        .collect();
    let admin = first.admin.clone();
    assert_eq!(first.terminate(), Some(0));

    let promote = std::env::var("BAOMI_POWER_PROMOTE").is_ok_and(|v| v == "1");
    let shim = promote.then(|| support::build_fsync_shim(dir.path()));
    let one = std::path::PathBuf::from("1");
    let env: Vec<(&str, &std::path::Path)> = match &shim {
        Some(shim) => vec![("LD_PRELOAD", shim), ("BAOMI_FSYNC_PROMOTE", &one)],
        None => Vec::new(),
    };
    if promote {
        eprintln!("BAOMI_POWER_PROMOTE=1: sled's sync_file_range runs as fsync");
    }

    let ledger: Arc<Mutex<Ledger>> = Arc::default();
    let started = Instant::now();
    let mut failures: Vec<String> = Vec::new();
    let mut done = 0;
    let (mut failed_visible, mut unknown_visible, mut failed_total, mut unknown_total) =
        (0, 0, 0, 0);
    let (mut in_doubt_total, mut in_doubt_visible) = (0, 0);
    for cycle in 0..cycles {
        if started.elapsed() > budget {
            eprintln!("time budget reached after {cycle} cycles");
            break;
        }
        let mounted = cutfs::mount(&data, &mnt).unwrap_or_else(|e| {
            panic!("cannot mount the FUSE filesystem on {}: {e}", mnt.display())
        });
        let server = match Server::try_start_env(&mnt, &[], &env) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!(
                    "cycle {cycle}: the service did not start on the FUSE mount: {e}"
                ));
                break;
            }
        };
        let traffic = start_traffic(server.addr, cycle, &submitters, &reviewers, &ledger);
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let wait = 150 + (seed >> 33) % 500;
        let gap = (seed >> 13) % 41;
        let refused_before = ledger.lock().unwrap().sub_refused;
        std::thread::sleep(Duration::from_millis(wait));
        mounted.power.cut();
        std::thread::sleep(Duration::from_millis(gap));
        server.kill9();
        traffic.stop.store(true, Ordering::SeqCst);
        let sent: usize = traffic.handles.into_iter().map(|h| h.join().unwrap()).sum();
        let fs = mounted.power.stats();
        drop(mounted);

        let server = match Server::try_start(&data, &[]) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!(
                    "cycle {cycle}: the service does not start after the power cut: {e}"
                ));
                break;
            }
        };
        let (subs, decs, refused) = {
            let l = ledger.lock().unwrap();
            let subs: Vec<Sub> = l
                .subs
                .iter()
                .filter(|s| s.cycle == cycle)
                .cloned()
                .collect();
            let decs: Vec<Dec> = l
                .decs
                .iter()
                .filter(|d| d.cycle == cycle)
                .cloned()
                .collect();
            (subs, decs, l.sub_refused - refused_before)
        };
        let r = check(&server, &admin, &subs, &decs);
        let audit = server.client().get("/v1/audit/verify", Some(&admin));
        if audit.status != 200 {
            failures.push(format!(
                "cycle {cycle}: audit chain: {} {}",
                audit.status,
                audit.text()
            ));
        }
        eprintln!(
            "cycle {cycle:2}: cut after {wait} ms, killed {gap} ms later; {sent} requests; acknowledged {} submissions ({} lost), \
             {} decisions ({} lost); decisions answered 503: {} ({} visible), unanswered: {} ({} visible); in doubt: {} ({} visible); \
             submissions refused: {refused}; fs {} writes, {} fsyncs, {} KiB synced, {} KiB dropped",
            r.subs, r.subs_lost, r.decs, r.decs_lost, r.failed, r.failed_visible, r.unknown, r.unknown_visible,
            r.in_doubt, r.in_doubt_visible,
            fs.writes, fs.fsyncs, fs.bytes_synced / 1024, fs.bytes_dropped / 1024
        );
        for e in &r.examples {
            eprintln!("    {e}");
        }
        failed_visible += r.failed_visible;
        unknown_visible += r.unknown_visible;
        failed_total += r.failed;
        unknown_total += r.unknown;
        in_doubt_total += r.in_doubt;
        in_doubt_visible += r.in_doubt_visible;
        if server.terminate() != Some(0) {
            failures.push(format!(
                "cycle {cycle}: the checking service did not stop cleanly"
            ));
        }
        done += 1;
    }

    // Everything acknowledged in every cycle, once more at the end.
    let server = Server::start(&data, &[]);
    let l = ledger.lock().unwrap();
    let acked_decs: Vec<Dec> = l
        .decs
        .iter()
        .filter(|d| d.outcome == Outcome::Acked)
        .cloned()
        .collect();
    let total = check(&server, &admin, &l.subs, &acked_decs);
    let audit = server.client().get("/v1/audit/verify", Some(&admin));
    eprintln!(
        "power loss: {done} cycles in {:.1} s: acknowledged {} submissions and {} decisions; lost {} submissions and {} decisions; \
         {failed_total} decisions answered 503, {failed_visible} of them visible after restart; {unknown_total} unanswered, {unknown_visible} visible; \
         {in_doubt_total} in doubt, {in_doubt_visible} visible; {} submissions refused",
        started.elapsed().as_secs_f64(),
        total.subs, total.decs, total.subs_lost, total.decs_lost, l.sub_refused
    );
    if audit.status != 200 {
        failures.push(format!(
            "final audit chain: {} {}",
            audit.status,
            audit.text()
        ));
    }
    if total.subs_lost + total.decs_lost > 0 {
        failures.push(format!(
            "{} acknowledged submissions and {} acknowledged decisions lost to power cuts (e.g. {})",
            total.subs_lost,
            total.decs_lost,
            total.examples.join("; ")
        ));
    }
    if failed_visible > 0 {
        failures.push(format!(
            "{failed_visible} decisions answered 503 were in the store after the restart"
        ));
    }
    if total.subs < done {
        failures.push(format!(
            "too few submissions ({}) to mean anything",
            total.subs
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
