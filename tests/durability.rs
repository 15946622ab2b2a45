//! Durable before visible, on the real binary with its flushes delayed or failing.
//!
//! `tests/support/fsync_shim.c` is compiled here with `cc -shared -fPIC` and preloaded into
//! `baomi serve` (`LD_PRELOAD`). It intercepts `fsync`, `fdatasync`, `sync_file_range` (what
//! sled 0.34's `flush` calls on Linux; its background flusher calls `fsync`), `syncfs` and
//! `msync`, and does what a control file says: pass through, sleep first, or fail with EIO. It
//! logs every call with its start and end time, so the test knows the earliest moment a flush
//! covering the approve could have ended.
//!
//! - `gate_waits_for_the_approve_to_be_on_disk`: flushes take 400 ms. A reviewer approves a
//!   held 公示 list while one client asks the gate by hash and another reads the review, both
//!   in a tight loop. No 200 from the gate, and no review showing the approve, may arrive
//!   before a flush that started after the approve was sent has ended, nor (beyond a 100 ms
//!   allowance for the approve's own answer to travel) before the approve's answer. The
//!   approve must show within 2 s of its answer, and cannot be answered in under 400 ms.
//! - `failed_approve_is_never_counted`: flushes fail with EIO (after 300 ms, as a failing disk
//!   takes time to say so; `BAOMI_DURABILITY_FAIL=fail` fails them at once). The approve must
//!   answer 503 and the gate must never answer 200, then or after; restarted without the shim
//!   on the same data, the gate still holds the content, the review shows no approve, every
//!   earlier acknowledged submission and decision is there, and the audit chain verifies.
//!
//! Both assume the store makes data durable through one of the intercepted calls (not, say,
//! with O_DSYNC writes): a flush the shim never sees makes the first test fail and say so.
//!
//! Needs `cc` (gcc; `tests/setup.sh` installs it where missing).
//! `cargo test --release --test durability -- --nocapture` prints the counts.

mod support;

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use support::{document, resident_id, Client, Server};

/// How far before the approve's answer a 200 may still arrive: the decision is visible the
/// moment its flush ends, and its answer then still has to be written and read.
const ANSWER_ALLOWANCE_MS: f64 = 100.0;

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i64
}

fn ms(ns: i64) -> f64 {
    ns as f64 / 1e6
}

/// A `baomi serve` with the shim preloaded, and the shim's control and log files.
struct Faulty {
    server: Server,
    ctl: PathBuf,
    log: PathBuf,
}

impl Faulty {
    fn start(dir: &Path) -> Faulty {
        let shim = support::build_fsync_shim(dir);
        let ctl = dir.join("fsync.ctl");
        let log = dir.join("fsync.log");
        std::fs::write(&ctl, "ok").unwrap();
        let server = Server::start_env(
            &dir.join("data"),
            &[],
            &[
                ("LD_PRELOAD", &shim),
                ("BAOMI_FSYNC_CTL", &ctl),
                ("BAOMI_FSYNC_LOG", &log),
            ],
        );
        Faulty { server, ctl, log }
    }

    fn set(&self, mode: &str) {
        // Written whole and renamed, so the shim never reads half a line.
        let tmp = self.ctl.with_extension("tmp");
        std::fs::write(&tmp, mode).unwrap();
        std::fs::rename(&tmp, &self.ctl).unwrap();
    }

    fn calls(&self) -> Vec<SyncCall> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                Some(SyncCall {
                    function: f.first()?.to_string(),
                    start: f.get(2)?.parse().ok()?,
                    end: f.get(3)?.parse().ok()?,
                    rc: f.get(4)?.parse().ok()?,
                })
            })
            .collect()
    }
}

#[derive(Debug)]
struct SyncCall {
    function: String,
    start: i64,
    end: i64,
    rc: i32,
}

/// A 公示 list of 最低生活保障 recipients with checksum-valid resident IDs: the engine holds it.
fn dibao_list(batch: usize) -> (String, String) {
    let title = format!("关于2026年度第{batch}批城乡居民最低生活保障对象的公示");
    let people = [
        ("张建国", "19560312", "和平社区3号楼2单元", 3),
        ("李秀英", "19621105", "光明社区12号院", 1),
        ("王德福", "19700728", "团结村二组", 4),
    ];
    let mut content = format!(
        "根据《社会救助暂行办法》和本市最低生活保障审核确认办法有关规定，经个人申请、街道办事处审核、区民政局确认，现将2026年度第{batch}批城乡居民最低生活保障对象名单予以公示。\n\
         序号　姓名　身份证号　家庭住址　保障人数\n"
    );
    for (i, (name, birth, addr, n)) in people.iter().enumerate() {
        let id = resident_id(birth, (batch * 10 + i) as u32);
        content.push_str(&format!("{}　{name}　{id}　{addr}　{n}\n", i + 1));
    }
    content.push_str(
        "公示期为2026年11月20日至2026年11月26日。公示期内如有异议，请以书面形式向区民政局社会救助科反映，联系电话：010-12345678。\n\
         区民政局\n2026年11月19日\n",
    );
    (title, content)
}

struct Actors {
    submitter: String,
    reviewer: String,
    publisher: String,
}

fn actors(server: &Server) -> Actors {
    Actors {
        submitter: server.token("街道办科员李明", "submitter"),
        reviewer: server.token("民政局审核员王丽", "reviewer"),
        publisher: server.token("政务公开发布流水线", "publisher"),
    }
}

/// Submits the held list; returns (review id, sha256 the service recorded).
fn submit_held(c: &mut Client, submitter: &str, batch: usize) -> (u64, String) {
    let (title, content) = dibao_list(batch);
    let r = c.post_json(
        "/v1/reviews",
        Some(submitter),
        &json!({"title": title, "content": content, "metadata": {"dept": "区民政局"}}),
    );
    assert_eq!(r.status, 201, "submission: {}", r.text());
    let v = r.json();
    assert_eq!(
        v["decision"], "hold",
        "the engine should hold a 公示 list with resident IDs: {v}"
    );
    (
        v["id"].as_u64().unwrap(),
        v["sha256"].as_str().unwrap().to_string(),
    )
}

fn gate(c: &mut Client, publisher: &str, sha: &str) -> std::io::Result<u16> {
    c.request(
        "POST",
        "/v1/gate",
        Some(publisher),
        Some("application/json"),
        json!({"sha256": sha}).to_string().as_bytes(),
    )
    .map(|r| r.status)
}

/// Whether a review (as JSON) carries a reviewer's approve with `reason`.
fn shows_approve(v: &Value, reason: &str) -> bool {
    v["decisions"].as_array().is_some_and(|ds| {
        ds.iter()
            .any(|d| d["decision"] == "approve" && d["reason"] == reason)
    })
}

/// One observation by a polling client: when sent, when answered, and what it saw
/// (`true`: the approve was visible — a gate 200, or the approve in the review).
#[derive(Clone, Copy, Debug)]
struct Seen {
    sent: i64,
    received: i64,
    approved: bool,
    status: u16,
}

/// Polls the gate by hash and the review while `stop` is false (bounded in count and time).
fn pollers(
    addr: std::net::SocketAddr,
    a: &Actors,
    id: u64,
    sha: &str,
    reason: &str,
    stop: &Arc<AtomicBool>,
) -> [std::thread::JoinHandle<Vec<Seen>>; 2] {
    let (publisher, sha, stop1) = (a.publisher.clone(), sha.to_string(), stop.clone());
    let gate_poller = std::thread::spawn(move || {
        let mut c = Client::new(addr);
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !stop1.load(Ordering::SeqCst) && seen.len() < 100_000 && Instant::now() < deadline {
            let sent = now_ns();
            let Ok(status) = gate(&mut c, &publisher, &sha) else {
                break;
            };
            seen.push(Seen {
                sent,
                received: now_ns(),
                approved: status == 200,
                status,
            });
        }
        seen
    });
    let (reviewer, reason, stop2) = (a.reviewer.clone(), reason.to_string(), stop.clone());
    let review_poller = std::thread::spawn(move || {
        let mut c = Client::new(addr);
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !stop2.load(Ordering::SeqCst) && seen.len() < 100_000 && Instant::now() < deadline {
            let sent = now_ns();
            let Ok(r) = c.request(
                "GET",
                &format!("/v1/reviews/{id}"),
                Some(&reviewer),
                None,
                b"",
            ) else {
                break;
            };
            let approved = r.status == 200 && shows_approve(&r.json(), &reason);
            seen.push(Seen {
                sent,
                received: now_ns(),
                approved,
                status: r.status,
            });
        }
        seen
    });
    [gate_poller, review_poller]
}

/// Checks the content is held, then gives the pollers time to be in their loops (so that the
/// approve lands among running requests).
fn wait_for_pollers(addr: std::net::SocketAddr, a: &Actors, sha: &str) {
    // One request of each kind first, so that a slow first connection is not what we measure.
    let mut c = Client::new(addr);
    assert_eq!(gate(&mut c, &a.publisher, sha).unwrap(), 409);
    std::thread::sleep(Duration::from_millis(150));
}

#[test]
fn gate_waits_for_the_approve_to_be_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let f = Faulty::start(dir.path());
    let a = actors(&f.server);
    let mut c = f.server.client();
    let (id, sha) = submit_held(&mut c, &a.submitter, 1);
    assert!(
        f.calls().iter().any(|call| call.rc == 0),
        "the shim saw no fsync/fdatasync/sync_file_range call: is LD_PRELOAD honoured? ({})",
        f.log.display()
    );
    let reason = "经核实，名单已按《政府信息公开条例》要求征得本人同意，同意按原文公示";
    let stop = Arc::new(AtomicBool::new(false));
    let handles = pollers(f.server.addr, &a, id, &sha, reason, &stop);
    wait_for_pollers(f.server.addr, &a, &sha);

    f.set("delay 400");
    let sent = now_ns();
    let r = c.post_json(
        &format!("/v1/reviews/{id}/decisions"),
        Some(&a.reviewer),
        &json!({"decision": "approve", "reason": reason}),
    );
    let answered = now_ns();
    // Keep polling after the answer until the approve shows (bounded): it must take effect.
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline && gate(&mut c, &a.publisher, &sha).ok() != Some(200) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(100));
    stop.store(true, Ordering::SeqCst);
    let [g, rv] = handles;
    let (gates, reviews) = (g.join().unwrap(), rv.join().unwrap());
    f.set("ok");
    assert_eq!(r.status, 201, "the approve itself: {}", r.text());

    // The earliest end of a successful sync call that started after the approve was sent: no
    // flush covering the approve can have ended before it.
    let calls = f.calls();
    let covered = calls
        .iter()
        .filter(|c| c.start >= sent && c.rc == 0)
        .map(|c| c.end)
        .min();
    let mut failures = Vec::new();
    let Some(covered) = covered else {
        panic!(
            "no sync call started after the approve was sent and succeeded: the approve was answered without any flush ({} calls logged)",
            calls.len()
        );
    };
    let report = |what: &str, seen: &[Seen], failures: &mut Vec<String>| {
        let approved: Vec<&Seen> = seen.iter().filter(|s| s.approved).collect();
        let before_flush = approved.iter().filter(|s| s.received < covered).count();
        let before_answer = approved.iter().filter(|s| s.received < answered).count();
        let early = approved
            .iter()
            .filter(|s| ms(answered - s.received) > ANSWER_ALLOWANCE_MS)
            .count();
        let during = seen
            .iter()
            .filter(|s| s.sent >= sent && s.received <= answered)
            .count();
        let first = approved
            .first()
            .map(|s| format!("{:.1} ms", ms(s.received - sent)))
            .unwrap_or_else(|| "never".into());
        let statuses: std::collections::BTreeMap<u16, usize> =
            seen.iter().fold(Default::default(), |mut m, s| {
                *m.entry(s.status).or_default() += 1;
                m
            });
        eprintln!(
            "  {what}: {} requests ({during} while the approve was in flight), statuses {statuses:?}; \
             approve visible first at {first} after it was sent; {before_flush} showed it before \
             the first covering flush ended, {before_answer} before the approve's answer \
             ({early} more than {ANSWER_ALLOWANCE_MS} ms before)",
            seen.len()
        );
        if during == 0 {
            failures.push(format!(
                "{what}: no request ran while the approve was in flight"
            ));
        }
        if before_flush > 0 {
            failures.push(format!(
                "{what}: {before_flush} answers showed the approve before any flush covering it had ended (first {first} after the approve was sent; the flush ended {:.1} ms after)",
                ms(covered - sent)
            ));
        }
        if early > 0 {
            failures.push(format!(
                "{what}: {early} answers showed the approve more than {ANSWER_ALLOWANCE_MS} ms before the approve was answered"
            ));
        }
        if !approved.iter().any(|s| s.received >= answered) {
            failures.push(format!(
                "{what}: the approve had not shown 2 s after it was answered (201)"
            ));
        }
    };
    let by_function: std::collections::BTreeMap<&str, usize> =
        calls.iter().fold(Default::default(), |mut m, c| {
            *m.entry(c.function.as_str()).or_default() += 1;
            m
        });
    eprintln!(
        "delayed fsync (400 ms): approve answered {} after {:.1} ms; first covering flush ended at {:.1} ms; sync calls {by_function:?}",
        r.status,
        ms(answered - sent),
        ms(covered - sent),
    );
    report("gate by hash", &gates, &mut failures);
    report("GET review", &reviews, &mut failures);
    if ms(answered - sent) < 400.0 {
        failures.push(format!(
            "the approve was answered after {:.1} ms, before a 400 ms flush could end: it was acknowledged before it was durable",
            ms(answered - sent)
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn failed_approve_is_never_counted() {
    let dir = tempfile::tempdir().unwrap();
    let f = Faulty::start(dir.path());
    let a = actors(&f.server);
    let admin = f.server.admin.clone();
    let mut c = f.server.client();

    // Acknowledged before the failure: submissions (held and approved by the engine) and a
    // reviewer's hold on one of them.
    let mut acked: Vec<(u64, String)> = Vec::new();
    for n in 0..6 {
        let id = (n % 2 == 0).then(|| resident_id("19850617", n as u32));
        let doc = document(n, 1500, id.as_deref());
        let r = c.post_json(
            "/v1/reviews",
            Some(&a.submitter),
            &json!({"title": format!("关于第{n}批城乡居民医疗保险缴费情况的通知"), "content": doc}),
        );
        assert_eq!(r.status, 201, "{}", r.text());
        let v = r.json();
        acked.push((
            v["id"].as_u64().unwrap(),
            v["sha256"].as_str().unwrap().to_string(),
        ));
    }
    let hold_reason = "通知附件含未脱敏的联系人信息，退回修改";
    let held_id = acked[1].0;
    let r = c.post_json(
        &format!("/v1/reviews/{held_id}/decisions"),
        Some(&a.reviewer),
        &json!({"decision": "hold", "reason": hold_reason}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let (id, sha) = submit_held(&mut c, &a.submitter, 2);
    acked.push((id, sha.clone()));

    let reason = "名单已核实无误，同意公示";
    let stop = Arc::new(AtomicBool::new(false));
    let handles = pollers(f.server.addr, &a, id, &sha, reason, &stop);
    wait_for_pollers(f.server.addr, &a, &sha);

    let fail_mode = std::env::var("BAOMI_DURABILITY_FAIL").unwrap_or_else(|_| "fail 300".into());
    f.set(&fail_mode);
    let sent = now_ns();
    let r = c.post_json(
        &format!("/v1/reviews/{id}/decisions"),
        Some(&a.reviewer),
        &json!({"decision": "approve", "reason": reason}),
    );
    let answered = now_ns();
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::SeqCst);
    let [g, rv] = handles;
    let (gates, reviews) = (g.join().unwrap(), rv.join().unwrap());
    let failed_calls = f.calls().iter().filter(|c| c.rc != 0).count();

    let mut failures = Vec::new();
    eprintln!(
        "failing fsync ({fail_mode:?}: EIO): approve answered {} after {:.1} ms; {failed_calls} sync calls failed",
        r.status,
        ms(answered - sent)
    );
    if r.status != 503 {
        failures.push(format!(
            "the approve whose flush failed answered {}, not 503: {}",
            r.status,
            r.text()
        ));
    }
    if failed_calls == 0 {
        failures.push("the shim failed no sync call: the test did not test anything".into());
    }
    for (what, seen) in [("gate by hash", &gates), ("GET review", &reviews)] {
        let approved: Vec<&Seen> = seen.iter().filter(|s| s.approved).collect();
        let statuses: std::collections::BTreeMap<u16, usize> =
            seen.iter().fold(Default::default(), |mut m, s| {
                *m.entry(s.status).or_default() += 1;
                m
            });
        eprintln!(
            "  {what}: {} requests, statuses {statuses:?}; {} showed the approve whose flush failed{}",
            seen.len(),
            approved.len(),
            approved
                .first()
                .map(|s| format!(" (first {:.1} ms after it was sent)", ms(s.received - sent)))
                .unwrap_or_default()
        );
        if seen
            .iter()
            .filter(|s| s.sent >= sent && s.received <= answered)
            .count()
            == 0
        {
            failures.push(format!(
                "{what}: no request ran while the approve was in flight"
            ));
        }
        if !approved.is_empty() {
            failures.push(format!(
                "{what}: {} answers showed an approve whose flush failed",
                approved.len()
            ));
        }
    }
    let Faulty { server, .. } = f;
    server.kill9();

    // Restarted without the shim: what is on disk.
    let server = Server::start(&dir.path().join("data"), &[]);
    let mut c = server.client();
    let status = gate(&mut c, &a.publisher, &sha).unwrap();
    let v = c.get(&format!("/v1/reviews/{id}"), Some(&admin));
    let after_restart = v.status == 200 && shows_approve(&v.json(), reason);
    eprintln!(
        "  after restart without the shim: gate {status}, the failed approve {} in the review",
        if after_restart { "IS" } else { "is not" }
    );
    if status != 409 {
        failures.push(format!(
            "after a restart the gate answered {status} for content whose approve failed (want 409)"
        ));
    }
    if after_restart {
        failures.push("after a restart the review shows the approve whose flush failed".into());
    }
    let mut lost = 0;
    for (rid, rsha) in &acked {
        let r = c.get(&format!("/v1/reviews/{rid}"), Some(&admin));
        if r.status != 200 || r.json()["sha256"] != rsha.as_str() {
            lost += 1;
            continue;
        }
        if *rid == held_id {
            let ok = r.json()["decisions"].as_array().is_some_and(|ds| {
                ds.iter()
                    .any(|d| d["decision"] == "hold" && d["reason"] == hold_reason)
            });
            if !ok {
                failures.push(format!("the acknowledged hold on review {rid} is lost"));
            }
        }
    }
    eprintln!(
        "  {} submissions acknowledged before the failure, {lost} lost",
        acked.len()
    );
    if lost > 0 {
        failures.push(format!("{lost} acknowledged submissions lost"));
    }
    let v = c.get("/v1/audit/verify", Some(&admin));
    if v.status != 200 {
        failures.push(format!("audit chain: {} {}", v.status, v.text()));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
