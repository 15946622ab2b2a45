//! A suppression's end, on a real sled directory and the service's own re-check worker, with
//! the service's clock moved past the expiry date: the expiry is recorded once in the audit,
//! and content the suppression let through is held again in the queue and at the gate. (The day cannot be moved in a `baomi serve`
//! process; everything else about suppressions is tested on one in `suppressions.rs`.)

use baomi::calendar::Day;
use baomi::engine::{Cancel, Decision};
use baomi::service::{Content, GateQuery, Proposal, Service, Submission};
use baomi::store::{Actor, DecisionStore, KvStore, Role, SuppressionChange};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn actor(name: &str, role: Role) -> Actor {
    Actor {
        name: name.into(),
        role,
    }
}

fn service(dir: &std::path::Path, day: Arc<AtomicI64>) -> Arc<Service> {
    let store: Arc<dyn DecisionStore> = Arc::new(KvStore::open(dir).unwrap());
    let rules = Arc::new(baomi::rules::default_ruleset(baomi::today()));
    let service = Service::new(store, rules)
        .with_digest_key(vec![7; 32])
        .with_today(Arc::new(move || Day(day.load(Ordering::SeqCst))));
    service.refresh_suppressions().unwrap();
    let service = Arc::new(service);
    let worker = service.clone();
    std::thread::spawn(move || worker.run_rechecks());
    service
}

fn submit(s: &Service, by: &Actor, text: &str) -> baomi::store::Review {
    let submission = Submission {
        title: Some("志愿者招募通知".into()),
        metadata: BTreeMap::new(),
        content: Content::Text(text.into()),
        file_name: None,
        revises: None,
        formed_on: None,
    };
    s.submit(by, submission, "api", &Cancel::new())
        .unwrap()
        .review
}

fn wait_decision(s: &Service, id: u64, decision: Decision) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while s.review(id).unwrap().decision != decision {
        assert!(
            Instant::now() < deadline,
            "review {id} never became {decision}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_expired_suppression_holds_again_what_it_let_through() {
    let dir = tempfile::tempdir().unwrap();
    let today = Day::today_in_china();
    let day = Arc::new(AtomicI64::new(today.0));
    let s = service(dir.path(), day.clone());
    let submitter = actor("李四", Role::Submitter);
    let maintainer = actor("张敏", Role::Maintainer);
    let reviewer = actor("王丽", Role::Reviewer);
    let publisher = actor("发布流水线", Role::Publisher);

    let text = "各位居民：本社区招募志愿者若干名。报名热线13912345678。";
    let held = submit(&s, &submitter, text);
    assert_eq!(held.decision, Decision::Hold);
    let finding = held
        .findings
        .iter()
        .position(|f| f.rule == "mobile")
        .unwrap();
    let expires = Day(today.0 + 10);
    let proposed = s
        .propose_suppression(
            &maintainer,
            Proposal {
                review: Some(held.id),
                finding: Some(finding),
                scope: Some("value".into()),
                reason: "公开热线".into(),
                expires: expires.to_string(),
                ..Proposal::default()
            },
        )
        .unwrap();
    s.change_suppression(&reviewer, &proposed.id, SuppressionChange::Approve, "")
        .unwrap();
    wait_decision(&s, held.id, Decision::Approve);
    let gate = |s: &Service| {
        s.gate(
            &publisher,
            GateQuery::Sha256(held.sha256.clone()),
            None,
            &Cancel::new(),
        )
        .unwrap()
        .allowed
    };
    assert!(gate(&s));

    // Its last day: still in force.
    day.store(expires.0, Ordering::SeqCst);
    assert!(!s.refresh_suppressions().unwrap());
    assert!(gate(&s));

    // The day after, before the clock thread's next pass: the gate already refuses what it
    // let through, and the re-check holds it in the queue.
    day.store(expires.0 + 1, Ordering::SeqCst);
    assert!(!gate(&s));
    wait_decision(&s, held.id, Decision::Hold);
    // The pass then records the end, once.
    assert!(!s.refresh_suppressions().unwrap());
    assert!(!s.refresh_suppressions().unwrap());
    let review = s.review(held.id).unwrap();
    assert!(review.suppressed.is_empty());
    assert!(!gate(&s));
    let records = s.store.audit(0, 10_000).unwrap();
    let expired: Vec<_> = records
        .iter()
        .filter(|r| r.action == baomi::store::AuditAction::SuppressionExpired)
        .collect();
    assert_eq!(expired.len(), 1, "{expired:?}");
    assert!(expired[0].detail.contains(&proposed.id));
    let views = s.suppressions().unwrap();
    assert_eq!(views[0].record.state.as_str(), "expired");
    assert!(!views[0].in_force);
    // It cannot be approved again; a new proposal is needed.
    assert!(s
        .change_suppression(&reviewer, &proposed.id, SuppressionChange::Approve, "")
        .is_err());
}
