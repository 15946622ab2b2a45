//! One suite for every store: each scenario runs, unchanged, on sled (a real data directory)
//! and on PostgreSQL (a real server, see `support/pg.rs`), through the `DecisionStore` trait
//! only. A scenario gets a `Backend`: its store, and a way to open the same store again (a
//! restart) or a second time beside it (another node; sled refuses that, as it must).

mod support;

use support::pg;

use baomi::engine::Decision;
use baomi::sha256_hex;
use baomi::store::{
    Actor, AuditAction, DecisionKind, DecisionStore, KvStore, NewDecision, NewReview, NewScan,
    ReviewQuery, Role, RulesetSnapshot, SearchTerms, StoreError,
};
use std::collections::BTreeMap;
use std::sync::Arc;

enum Where {
    Sled(tempfile::TempDir),
    Postgres(String),
}

struct Backend {
    at: Where,
}

impl Backend {
    fn sled() -> Backend {
        Backend {
            at: Where::Sled(tempfile::tempdir().unwrap()),
        }
    }

    fn postgres() -> Backend {
        Backend {
            at: Where::Postgres(pg::database()),
        }
    }

    fn open(&self) -> KvStore {
        self.try_open().unwrap_or_else(|e| panic!("open: {e}"))
    }

    fn try_open(&self) -> Result<KvStore, StoreError> {
        match &self.at {
            Where::Sled(dir) => KvStore::open(dir.path()),
            Where::Postgres(url) => KvStore::open_postgres(url, 4),
        }
    }

    fn is_postgres(&self) -> bool {
        matches!(self.at, Where::Postgres(_))
    }
}

/// `scenario!(name)` runs `fn name(b: &Backend)` as `name::sled` and `name::postgres`.
macro_rules! scenario {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sled() {
                super::$name(&super::Backend::sled());
            }
            #[test]
            fn postgres() {
                super::$name(&super::Backend::postgres());
            }
        }
    )*};
}

scenario!(
    resubmission_is_idempotent_and_four_eyes_spans_persons,
    concurrent_writers_return_once_visible_and_durable,
    a_decision_reaches_the_gate_and_its_retry_records_nothing_twice,
    gate_passes_are_recorded_once_per_bytes,
    tokens_and_revocation_are_seen_at_once,
    rulesets_and_suppressions_are_kept,
    the_queue_lists_filters_and_searches,
    versions_chain_and_never_fork,
    two_stores_on_one_database_keep_one_chain,
);

fn actor(name: &str, role: Role) -> Actor {
    Actor {
        name: name.into(),
        role,
    }
}

fn scan(decision: Decision) -> NewScan {
    NewScan {
        ruleset: "rs-1".into(),
        findings: Vec::new(),
        suppressed: Vec::new(),
        decision,
    }
}

fn new_review(bytes: &[u8], by: &Actor, decision: Decision) -> NewReview {
    NewReview {
        sha256: sha256_hex(bytes),
        title: None,
        file_name: None,
        metadata: BTreeMap::new(),
        submitter: by.clone(),
        via: "api",
        formed_on: None,
        content: bytes.to_vec(),
        scan: Some(scan(decision)),
        ruleset: "rs-1".into(),
        terms: SearchTerms::default(),
        revises: None,
        redaction: None,
    }
}

fn approve(by: &Actor, key: Option<&str>) -> NewDecision {
    NewDecision {
        kind: DecisionKind::Override,
        decision: Decision::Approve,
        by: by.clone(),
        reason: "经复核无敏感信息".into(),
        ruleset: "rs-1".into(),
        idempotency_key: key.map(str::to_string),
        stages: Vec::new(),
        stage: None,
    }
}

fn resubmission_is_idempotent_and_four_eyes_spans_persons(b: &Backend) {
    let store = b.open();
    let s = actor("张三", Role::Submitter);
    let r = actor("李四", Role::Reviewer);
    let first = store
        .submit(new_review(b"same bytes", &s, Decision::Hold))
        .unwrap();
    assert!(first.created);
    let again = store
        .submit(new_review(b"same bytes", &s, Decision::Hold))
        .unwrap();
    assert!(!again.created);
    assert_eq!(again.review.id, first.review.id);
    // The reviewer submits the same bytes: a review of their own...
    let mut theirs = new_review(b"same bytes", &r, Decision::Hold);
    theirs.scan = None;
    let second = store.submit(theirs).unwrap();
    assert!(second.created);
    assert_ne!(second.review.id, first.review.id);
    // ... and so may decide neither (the name is matched as a person, spaces aside).
    let err = store
        .decide(
            first.review.id,
            approve(&actor("李 四", Role::Reviewer), None),
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Forbidden(_)), "{err:?}");
    assert_eq!(store.verify_audit().unwrap(), 2);
}

fn concurrent_writers_return_once_visible_and_durable(b: &Backend) {
    let store = Arc::new(b.open());
    let writers: Vec<_> = (0..8)
        .map(|t| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                let by = actor(&format!("提交人{t}"), Role::Submitter);
                for i in 0..12 {
                    let bytes = format!("第{t}号线程的第{i}份文件");
                    let out = store
                        .submit(new_review(bytes.as_bytes(), &by, Decision::Hold))
                        .unwrap();
                    assert!(out.created);
                    let state = store.content_state(&sha256_hex(bytes.as_bytes())).unwrap();
                    assert!(state.is_some(), "a returned write is visible: {bytes}");
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("a writer thread");
    }
    drop(store);
    let store = b.open();
    for t in 0..8 {
        for i in 0..12 {
            let bytes = format!("第{t}号线程的第{i}份文件");
            assert!(
                store
                    .content_state(&sha256_hex(bytes.as_bytes()))
                    .unwrap()
                    .is_some(),
                "acknowledged and kept across a reopen: {bytes}"
            );
        }
    }
    assert_eq!(store.verify_audit().unwrap(), 96);
    let ids: std::collections::BTreeSet<_> = store
        .list(&ReviewQuery {
            limit: 1000,
            ..Default::default()
        })
        .unwrap()
        .reviews
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids.len(), 96, "every review has its own id");
}

fn a_decision_reaches_the_gate_and_its_retry_records_nothing_twice(b: &Backend) {
    let store = b.open();
    let s = actor("王五", Role::Submitter);
    let r = actor("赵六", Role::Reviewer);
    let bytes = "某县2026年低保对象名单".as_bytes();
    let sub = store.submit(new_review(bytes, &s, Decision::Hold)).unwrap();
    let sha = sha256_hex(bytes);
    let state = store.content_state(&sha).unwrap().unwrap();
    assert!(state.latest_override.is_none());
    assert_eq!(
        state.latest_engine.as_ref().unwrap().1.decision,
        Decision::Hold
    );
    let one = store
        .decide(sub.review.id, approve(&r, Some("retry-1")))
        .unwrap();
    // A retry with the same key (a lost answer) records nothing more.
    let two = store
        .decide(sub.review.id, approve(&r, Some("retry-1")))
        .unwrap();
    assert_eq!(one.decisions.len(), two.decisions.len());
    let state = store.content_state(&sha).unwrap().unwrap();
    let (_, d) = state.latest_override.unwrap();
    assert_eq!(d.decision, Decision::Approve);
    assert_eq!(d.by, "赵六");
    let audit = store.audit(0, 100).unwrap();
    assert_eq!(audit.len(), 2, "one submission, one decision");
    assert_eq!(audit[1].action, AuditAction::OverrideRecorded);
    // And after a restart.
    drop(store);
    let store = b.open();
    let review = store.review(sub.review.id).unwrap().unwrap();
    assert_eq!(review.decisions.len(), one.decisions.len());
    assert_eq!(store.verify_audit().unwrap(), 2);
}

fn gate_passes_are_recorded_once_per_bytes(b: &Backend) {
    let store = Arc::new(b.open());
    // Writes first from several threads, so that audit seqs run ahead of the number of
    // commits (group commit): a repeat waits on its commit, not on a seq.
    let earlier: Vec<_> = (0..8)
        .map(|t| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                let by = actor(&format!("先行{t}"), Role::Submitter);
                for i in 0..10 {
                    let bytes = format!("先行{t}-{i}");
                    store
                        .submit(new_review(bytes.as_bytes(), &by, Decision::Hold))
                        .unwrap();
                }
            })
        })
        .collect();
    for t in earlier {
        t.join().unwrap();
    }
    let again = store
        .submit(new_review(
            "先行0-9".as_bytes(),
            &actor("先行0", Role::Submitter),
            Decision::Hold,
        ))
        .unwrap();
    assert!(!again.created, "a repeat finds its review");
    let s = actor("孙七", Role::Submitter);
    let bytes = b"a public notice";
    let sub = store
        .submit(new_review(bytes, &s, Decision::Approve))
        .unwrap();
    let sha = sha256_hex(bytes);
    assert!(!store.gate_passed(&sha).unwrap());
    let publisher = actor("发布系统", Role::Publisher);
    let racers: Vec<_> = (0..4)
        .map(|_| {
            let store = Arc::clone(&store);
            let sha = sha.clone();
            let publisher = publisher.clone();
            std::thread::spawn(move || {
                store
                    .record_gate_pass(&publisher, &sha, Some(sub.review.id), Some("rs-1"), "")
                    .unwrap()
            })
        })
        .collect();
    let wrote: usize = racers
        .into_iter()
        .map(|t| usize::from(t.join().unwrap()))
        .sum();
    assert_eq!(wrote, 1, "one gate_passed record per bytes");
    assert!(store.gate_passed(&sha).unwrap());
    assert_eq!(store.verify_audit().unwrap(), 82);
}

fn tokens_and_revocation_are_seen_at_once(b: &Backend) {
    let store = b.open();
    let admin = actor("管理员", Role::Admin);
    let (secret, record) = store
        .create_token("周八", Some("办公室"), Role::Reviewer, &admin)
        .unwrap();
    assert_eq!(store.token(&secret).unwrap().unwrap().id, record.id);
    assert!(store.token("bm_not_a_token").unwrap().is_none());
    assert_eq!(store.persons().unwrap().len(), 1);
    let revoked = store.revoke_token(&record.id, &admin).unwrap();
    assert_eq!(revoked.len(), 1);
    assert!(store.token(&secret).unwrap().unwrap().revoked_at.is_some());
    drop(store);
    let store = b.open();
    assert!(store.token(&secret).unwrap().unwrap().revoked_at.is_some());
    assert_eq!(store.tokens().unwrap().len(), 1);
}

fn rulesets_and_suppressions_are_kept(b: &Backend) {
    let store = b.open();
    let m = actor("规则维护", Role::Maintainer);
    assert_eq!(store.last_ruleset().unwrap(), None);
    let snapshot: RulesetSnapshot = serde_json::from_value(serde_json::json!({
        "id": "rs-abc",
        "loaded_at": "2026-12-05T01:00:00Z",
        "loaded_by": "规则维护",
        "source": "rules",
        "files": [{"name": "privacy.toml", "text": "# 个人隐私\n"}],
    }))
    .unwrap();
    store.record_ruleset(&m, &snapshot, "reload").unwrap();
    store.record_ruleset(&m, &snapshot, "again").unwrap();
    assert_eq!(store.last_ruleset().unwrap().as_deref(), Some("rs-abc"));
    let back = store.ruleset("rs-abc").unwrap().unwrap();
    assert_eq!(back.files.len(), 1);
    assert_eq!(store.rulesets().unwrap().len(), 1, "kept once");
    assert_eq!(store.verify_audit().unwrap(), 2);
}

fn the_queue_lists_filters_and_searches(b: &Backend) {
    let store = b.open();
    let s = actor("吴九", Role::Submitter);
    for (i, text) in ["关于低保复核的通知", "政府工作报告", "关于低保资金的公示"]
        .iter()
        .enumerate()
    {
        let mut new = new_review(
            text.as_bytes(),
            &s,
            if i == 1 {
                Decision::Approve
            } else {
                Decision::Hold
            },
        );
        new.terms = baomi::store::search::index_terms(None, text);
        store.submit(new).unwrap();
    }
    let all = store
        .list(&ReviewQuery {
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.reviews.len(), 3);
    let held = store
        .list(&ReviewQuery {
            limit: 10,
            decision: Some(Decision::Hold),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(held.reviews.len(), 2);
    let page = store
        .list(&ReviewQuery {
            limit: 1,
            descending: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(page.reviews.len(), 1);
    assert_eq!(page.reviews[0].id, 3);
    assert_eq!(page.next, Some(3));
    let found = store
        .list(&ReviewQuery {
            limit: 10,
            search: Some("低保".into()),
            ..Default::default()
        })
        .unwrap();
    let ids: Vec<_> = found.reviews.iter().map(|r| r.id).collect();
    assert_eq!(ids, vec![1, 3]);
}

fn versions_chain_and_never_fork(b: &Backend) {
    let store = b.open();
    let s = actor("郑十", Role::Submitter);
    let v1 = store
        .submit(new_review(
            "初稿：含身份证号".as_bytes(),
            &s,
            Decision::Hold,
        ))
        .unwrap();
    let mut second = new_review("二稿：已删去".as_bytes(), &s, Decision::Approve);
    second.revises = Some(v1.review.id);
    let v2 = store.submit(second).unwrap();
    let mut fork = new_review("另一个二稿".as_bytes(), &s, Decision::Approve);
    fork.revises = Some(v1.review.id);
    let err = store.submit(fork).unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    let versions = store.versions(v2.review.id).unwrap();
    let ids: Vec<_> = versions.iter().map(|v| v.id).collect();
    assert_eq!(ids, vec![v1.review.id, v2.review.id]);
}

/// Two stores on one database (two nodes): writes from both at once form one chain, with
/// unique review ids, and each sees the other's writes as soon as they are acknowledged.
/// sled refuses the second open of a directory instead.
fn two_stores_on_one_database_keep_one_chain(b: &Backend) {
    let first = Arc::new(b.open());
    let second = match b.try_open() {
        Ok(s) => Arc::new(s),
        Err(e) => {
            assert!(!b.is_postgres(), "PostgreSQL opens twice: {e}");
            assert!(matches!(e, StoreError::Locked(_)), "{e:?}");
            return;
        }
    };
    let writers: Vec<_> = [&first, &second, &first, &second]
        .into_iter()
        .enumerate()
        .map(|(t, store)| {
            let store = Arc::clone(store);
            let other = if t % 2 == 0 {
                Arc::clone(&second)
            } else {
                Arc::clone(&first)
            };
            std::thread::spawn(move || {
                let by = actor(&format!("节点提交人{t}"), Role::Submitter);
                for i in 0..25 {
                    let bytes = format!("节点{t}的第{i}份");
                    store
                        .submit(new_review(bytes.as_bytes(), &by, Decision::Hold))
                        .unwrap();
                    assert!(
                        other
                            .content_state(&sha256_hex(bytes.as_bytes()))
                            .unwrap()
                            .is_some(),
                        "the other node sees an acknowledged write"
                    );
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    assert_eq!(first.verify_audit().unwrap(), 100);
    assert_eq!(second.verify_audit().unwrap(), 100);
    let listed = second
        .list(&ReviewQuery {
            limit: 1000,
            ..Default::default()
        })
        .unwrap();
    let ids: std::collections::BTreeSet<_> = listed.reviews.iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), 100);
    assert_eq!(ids.iter().copied().max(), Some(100));
}

/// A database whose schema is newer than this binary knows is refused, saying so.
#[test]
fn a_newer_schema_is_refused() {
    let url = pg::database();
    drop(KvStore::open_postgres(&url, 2).unwrap());
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    c.batch_execute("INSERT INTO baomi_schema (version) VALUES (99)")
        .unwrap();
    let err = match KvStore::open_postgres(&url, 2) {
        Ok(_) => panic!("a newer schema was opened"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("schema version 99"), "{err}");
    assert!(err.contains("newer than this binary knows"), "{err}");
}

/// A server that acknowledges commits before they are durable is refused.
#[test]
fn an_asynchronous_commit_is_refused() {
    let url = pg::database();
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let db = url.rsplit('/').next().unwrap().split('?').next().unwrap();
    c.batch_execute(&format!("ALTER DATABASE {db} SET synchronous_commit = off"))
        .unwrap();
    let err = match KvStore::open_postgres(&url, 2) {
        Ok(_) => panic!("synchronous_commit = off was accepted"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("synchronous_commit = off"), "{err}");
}

/// TLS to the database: with `sslmode=require` and the authority that signed the server's
/// certificate, the store's connections are encrypted; without that authority (the system's
/// roots only) the connection is refused, not made in clear.
#[test]
fn tls_to_the_database_is_verified() {
    let url = pg::database();
    let ca = pg::cluster().ca_file();
    let tls = url.replace(
        "sslmode=disable",
        &format!("sslmode=require&sslrootcert={}", ca.display()),
    );
    let store = KvStore::open_postgres(&tls, 2).unwrap_or_else(|e| panic!("TLS: {e}"));
    store
        .submit(new_review(
            b"over TLS",
            &actor("TLS", Role::Submitter),
            Decision::Hold,
        ))
        .unwrap();
    let db = url
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let row = admin
        .query_one(
            "SELECT count(*) FILTER (WHERE s.ssl), count(*) FROM pg_stat_ssl s \
             JOIN pg_stat_activity a USING (pid) WHERE a.datname = $1 AND a.pid <> pg_backend_pid()",
            &[&db],
        )
        .unwrap();
    let (encrypted, all): (i64, i64) = (row.get(0), row.get(1));
    assert!(
        all > 0 && encrypted == all,
        "{encrypted} of {all} connections encrypted"
    );
    drop(store);
    let unverified = url.replace("sslmode=disable", "sslmode=require");
    let err = match KvStore::open_postgres(&unverified, 2) {
        Ok(_) => panic!("a server certificate no known authority signed was accepted"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("certificate") || err.contains("issuer"),
        "{err}"
    );
}
