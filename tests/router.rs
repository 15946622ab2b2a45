//! The HTTP application called in-process, without a socket (`router(state)` + `oneshot`):
//! the OpenAPI document against the routes and roles, and the gate failing closed when the
//! store fails.

#[path = "common/app.rs"]
mod app;
use app::app;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use baomi::store::{
    Actor, AuditAction, AuditRecord, ChainError, ContentKind, ContentState, DecisionStore, KvStore,
    NewDecision, NewReview, NewScan, Person, Review, ReviewId, ReviewPage, ReviewQuery,
    ReviewSummary, Role, RulesetSnapshot, ScanMeta, StoreError, StoreHealth, Submitted,
    TokenRecord,
};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tower::ServiceExt;

async fn call(
    app: &axum::Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let body = match body {
        Some(v) => {
            req = req.header("content-type", "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let resp = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, value)
}

fn admin() -> Actor {
    Actor {
        name: "test".into(),
        role: Role::Admin,
    }
}

/// Every operation in `openapi.json` exists in the router, and its `x-roles` are exactly the
/// roles the router lets through: the document and the code cannot drift apart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_matches_routes_and_roles() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(KvStore::open(dir.path()).unwrap());
    let app = app(store.clone());
    let mut tokens = Vec::new();
    for role in Role::ALL {
        let (secret, _) = store
            .create_token(&format!("{role}-user"), None, role, &admin())
            .unwrap();
        tokens.push((role, secret));
    }
    // Submitted by the submitter-role user, who may read their own review.
    let (s, review) = call(
        &app,
        "POST",
        "/v1/reviews",
        Some(&tokens[0].1),
        Some(json!({"content": "关于开展节能宣传周活动的通知"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = review["id"].as_u64().unwrap();
    let sha = review["sha256"].as_str().unwrap().to_string();

    let doc: Value = serde_json::from_str(baomi::http::OPENAPI).unwrap();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let concrete = path
                .replace("{id}", &id.to_string())
                .replace("{file}", "app.js");
            let body = match (method.as_str(), path.as_str()) {
                ("post", "/v1/reviews") => Some(json!({"content": "通知正文"})),
                ("post", "/v1/reviews/{id}/decisions") => {
                    Some(json!({"decision": "hold", "reason": "复核"}))
                }
                ("post", "/v1/reviews/{id}/return") => Some(json!({"reason": "请补充依据"})),
                ("post", "/v1/reviews/{id}/assign") => Some(json!({"assignee": "reviewer-user"})),
                ("post", "/v1/gate") => Some(json!({"sha256": sha})),
                ("post", "/v1/tokens") => Some(json!({"name": "新人", "role": "submitter"})),
                ("post", "/v1/persons") => Some(json!({"name": "新同事"})),
                _ => None,
            };
            let concrete = if path == "/v1/tokens/{id}" {
                "/v1/tokens/nobody".to_string()
            } else {
                concrete
            };
            let method = method.to_uppercase();
            let Some(roles) = op.get("x-roles") else {
                let (s, _) = call(&app, &method, &concrete, None, body.clone()).await;
                assert_eq!(s, StatusCode::OK, "{method} {path} is documented as open");
                continue;
            };
            let roles: Vec<&str> = roles
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect();
            for (role, token) in &tokens {
                let (s, v) = call(&app, &method, &concrete, Some(token), body.clone()).await;
                let unrouted = s == StatusCode::METHOD_NOT_ALLOWED
                    || v["message"]
                        .as_str()
                        .is_some_and(|m| m.starts_with("no such endpoint"));
                assert!(!unrouted, "{method} {path} is documented but not routed");
                if roles.contains(&role.as_str()) {
                    assert!(
                        s != StatusCode::FORBIDDEN && s != StatusCode::UNAUTHORIZED,
                        "{role} {method} {path}: {s} {v}"
                    );
                } else {
                    assert_eq!(s, StatusCode::FORBIDDEN, "{role} {method} {path}: {v}");
                }
            }
            let (s, _) = call(&app, &method, &concrete, None, body).await;
            assert_eq!(
                s,
                StatusCode::UNAUTHORIZED,
                "{method} {path} without a token"
            );
        }
    }
    assert_eq!(operations, 37);
    // And nothing undocumented answers.
    let (s, v) = call(&app, "GET", "/v1/secret", Some(&tokens[4].1), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["code"], "not_found");
}

/// Wraps a real store and fails every call once `broken` is set: a disk that went away.
struct FlakyStore {
    inner: KvStore,
    broken: AtomicBool,
    /// Fails only the recording of a first gate pass.
    pass_fails: AtomicBool,
}

impl FlakyStore {
    fn check(&self) -> Result<(), StoreError> {
        if self.broken.load(Ordering::SeqCst) {
            Err(StoreError::Io("injected: input/output error".into()))
        } else {
            Ok(())
        }
    }
}

impl DecisionStore for FlakyStore {
    fn submit(&self, new: NewReview) -> Result<Submitted, StoreError> {
        self.check()?;
        self.inner.submit(new)
    }
    fn decide(&self, id: ReviewId, d: NewDecision) -> Result<Review, StoreError> {
        self.check()?;
        self.inner.decide(id, d)
    }
    fn assign(
        &self,
        id: ReviewId,
        assignee: &str,
        by: &Actor,
        claim: bool,
    ) -> Result<Review, StoreError> {
        self.check()?;
        self.inner.assign(id, assignee, by, claim)
    }
    fn review(&self, id: ReviewId) -> Result<Option<Review>, StoreError> {
        self.check()?;
        self.inner.review(id)
    }
    fn versions(&self, id: ReviewId) -> Result<Vec<ReviewSummary>, StoreError> {
        self.check()?;
        self.inner.versions(id)
    }
    fn record_scan(
        &self,
        id: ReviewId,
        by: &Actor,
        scan: NewScan,
        reason: &str,
    ) -> Result<Review, StoreError> {
        self.check()?;
        self.inner.record_scan(id, by, scan, reason)
    }
    fn review_of(&self, sha: &str, person: &Actor) -> Result<Option<Review>, StoreError> {
        self.check()?;
        self.inner.review_of(sha, person)
    }
    fn content_state(&self, sha: &str) -> Result<Option<ContentState>, StoreError> {
        self.check()?;
        self.inner.content_state(sha)
    }
    fn gate_passed(&self, sha: &str) -> Result<bool, StoreError> {
        self.check()?;
        self.inner.gate_passed(sha)
    }
    fn record_gate_pass(
        &self,
        by: &Actor,
        sha: &str,
        review: Option<ReviewId>,
        ruleset: Option<&str>,
        detail: &str,
    ) -> Result<bool, StoreError> {
        self.check()?;
        if self.pass_fails.load(Ordering::SeqCst) {
            return Err(StoreError::Io(
                "injected: cannot record the gate pass".into(),
            ));
        }
        self.inner
            .record_gate_pass(by, sha, review, ruleset, detail)
    }
    fn scan(&self, sha: &str, ruleset: &str) -> Result<Option<ScanMeta>, StoreError> {
        self.check()?;
        self.inner.scan(sha, ruleset)
    }
    fn content(&self, sha: &str) -> Result<Option<(ContentKind, Vec<u8>)>, StoreError> {
        self.check()?;
        self.inner.content(sha)
    }
    fn list(&self, q: &ReviewQuery) -> Result<ReviewPage, StoreError> {
        self.check()?;
        self.inner.list(q)
    }
    fn record(
        &self,
        a: &Actor,
        action: AuditAction,
        rs: Option<&str>,
        d: &str,
    ) -> Result<AuditRecord, StoreError> {
        self.check()?;
        self.inner.record(a, action, rs, d)
    }
    fn record_ruleset(
        &self,
        a: &Actor,
        snap: &RulesetSnapshot,
        d: &str,
    ) -> Result<AuditRecord, StoreError> {
        self.check()?;
        self.inner.record_ruleset(a, snap, d)
    }
    fn ruleset(&self, id: &str) -> Result<Option<RulesetSnapshot>, StoreError> {
        self.check()?;
        self.inner.ruleset(id)
    }
    fn rulesets(&self) -> Result<Vec<RulesetSnapshot>, StoreError> {
        self.check()?;
        self.inner.rulesets()
    }
    fn last_ruleset(&self) -> Result<Option<String>, StoreError> {
        self.check()?;
        self.inner.last_ruleset()
    }
    fn propose_suppression(
        &self,
        new: baomi::store::NewSuppression,
    ) -> Result<baomi::store::SuppressionRecord, StoreError> {
        self.check()?;
        self.inner.propose_suppression(new)
    }
    fn change_suppression(
        &self,
        id: &str,
        by: &Actor,
        change: baomi::store::SuppressionChange,
        reason: &str,
    ) -> Result<baomi::store::SuppressionRecord, StoreError> {
        self.check()?;
        self.inner.change_suppression(id, by, change, reason)
    }
    fn suppressions(&self) -> Result<Vec<baomi::store::SuppressionRecord>, StoreError> {
        self.check()?;
        self.inner.suppressions()
    }
    fn verify_audit(&self) -> Result<u64, ChainError> {
        self.inner.verify_audit()
    }
    fn audit(&self, after: u64, limit: usize) -> Result<Vec<AuditRecord>, StoreError> {
        self.check()?;
        self.inner.audit(after, limit)
    }
    fn create_person(&self, n: &str, d: Option<&str>, by: &Actor) -> Result<Person, StoreError> {
        self.check()?;
        self.inner.create_person(n, d, by)
    }
    fn persons(&self) -> Result<Vec<Person>, StoreError> {
        self.check()?;
        self.inner.persons()
    }
    fn create_token(
        &self,
        n: &str,
        d: Option<&str>,
        r: Role,
        by: &Actor,
    ) -> Result<(String, TokenRecord), StoreError> {
        self.check()?;
        self.inner.create_token(n, d, r, by)
    }
    fn token(&self, s: &str) -> Result<Option<TokenRecord>, StoreError> {
        self.inner.token(s)
    }
    fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        self.check()?;
        self.inner.tokens()
    }
    fn revoke_token(&self, i: &str, by: &Actor) -> Result<Vec<TokenRecord>, StoreError> {
        self.check()?;
        self.inner.revoke_token(i, by)
    }
    fn failed(&self) -> bool {
        self.broken.load(Ordering::SeqCst)
    }
    fn health(&self) -> StoreHealth {
        StoreHealth {
            failed: self.failed().then(|| "injected".to_string()),
            stalled: None,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gate_fails_closed_on_storage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(FlakyStore {
        inner: KvStore::open(dir.path()).unwrap(),
        broken: AtomicBool::new(false),
        pass_fails: AtomicBool::new(false),
    });
    let app = app(store.clone());
    let publisher = store
        .create_token("流水线", None, Role::Publisher, &admin())
        .unwrap()
        .0;
    let submitter = store
        .create_token("李四", None, Role::Submitter, &admin())
        .unwrap()
        .0;
    let (s, review) = call(
        &app,
        "POST",
        "/v1/reviews",
        Some(&submitter),
        Some(json!({"content": "关于开展节能宣传周活动的通知"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(review["decision"], "approve");
    let sha = review["sha256"].as_str().unwrap().to_string();
    let (s, v) = call(
        &app,
        "POST",
        "/v1/gate",
        Some(&publisher),
        Some(json!({"sha256": sha})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    store.broken.store(true, Ordering::SeqCst);
    let (s, v) = call(
        &app,
        "POST",
        "/v1/gate",
        Some(&publisher),
        Some(json!({"sha256": sha})),
    )
    .await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert_eq!(v["code"], "store_unavailable");
    assert!(v.get("allowed").is_none_or(|a| a != true));
    let (s, _) = call(
        &app,
        "POST",
        "/v1/reviews",
        Some(&submitter),
        Some(json!({"content": "另一份通知"})),
    )
    .await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    let (s, v) = call(&app, "GET", "/healthz", None, None).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(v["status"], "failing");
}

/// The first allowed answer for some bytes is recorded once (`gate_passed`), and the gate
/// never answers allowed when that record cannot be written: a publication the audit does not
/// know of is exactly what the figures for the annual report must not miss.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_gate_pass_is_recorded_once_or_the_gate_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(FlakyStore {
        inner: KvStore::open(dir.path()).unwrap(),
        broken: AtomicBool::new(false),
        pass_fails: AtomicBool::new(true),
    });
    let app = app(store.clone());
    let publisher = store
        .create_token("流水线", None, Role::Publisher, &admin())
        .unwrap()
        .0;
    let submitter = store
        .create_token("李四", None, Role::Submitter, &admin())
        .unwrap()
        .0;
    let (s, review) = call(
        &app,
        "POST",
        "/v1/reviews",
        Some(&submitter),
        Some(json!({"content": "关于开展节能宣传周活动的通知"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let sha = review["sha256"].as_str().unwrap().to_string();
    let gate = json!({"sha256": sha});
    let (s, v) = call(
        &app,
        "POST",
        "/v1/gate",
        Some(&publisher),
        Some(gate.clone()),
    )
    .await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert!(v.get("allowed").is_none_or(|a| a != true), "{v}");

    store.pass_fails.store(false, Ordering::SeqCst);
    for _ in 0..3 {
        let (s, v) = call(
            &app,
            "POST",
            "/v1/gate",
            Some(&publisher),
            Some(gate.clone()),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["allowed"], true);
    }
    let passes: Vec<AuditRecord> = store
        .audit(0, 1000)
        .unwrap()
        .into_iter()
        .filter(|r| r.action == AuditAction::GatePassed)
        .collect();
    assert_eq!(passes.len(), 1, "{passes:?}");
    assert_eq!(passes[0].sha256.as_deref(), Some(sha.as_str()));
    assert_eq!(passes[0].review, review["id"].as_u64());
    assert_eq!(passes[0].actor, "流水线");
    // Once recorded, an allowed answer writes nothing, even with recording broken.
    store.pass_fails.store(true, Ordering::SeqCst);
    let (s, v) = call(&app, "POST", "/v1/gate", Some(&publisher), Some(gate)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(store.inner.verify_audit().is_ok());
}

/// Query strings are typed: a malformed date, a bad number or an unknown parameter answers
/// 400 with the API's `{code, message}` naming the parameter, never a silent default.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_query_parameters_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(KvStore::open(dir.path()).unwrap());
    let app = app(store.clone());
    let reviewer = store
        .create_token("王五", None, Role::Reviewer, &admin())
        .unwrap()
        .0;
    let auditor = store
        .create_token("管理员", None, Role::Admin, &admin())
        .unwrap()
        .0;
    let (s, v) = call(
        &app,
        "GET",
        "/v1/reviews?from=2026-11-01",
        Some(&reviewer),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let too_long = format!("/v1/reviews?q={}", "%E4%BD%8E%E4%BF%9D".repeat(51));
    for (path, field) in [
        ("/v1/reviews?from=2026-13-01", "`from`"),
        ("/v1/reviews?from=2026-02-30", "`from`"),
        ("/v1/reviews?to=2026-11-01T10:00:00", "`to`"),
        ("/v1/reviews?to=yesterday", "`to`"),
        ("/v1/reviews?limit=ten", "`limit`"),
        ("/v1/reviews?limit=0", "`limit`"),
        ("/v1/reviews?limit=501", "`limit`"),
        ("/v1/reviews?limit=%2B5", "`limit`"),
        ("/v1/reviews?after=-1", "`after`"),
        ("/v1/reviews?after=18446744073709551616", "`after`"),
        ("/v1/reviews?order=up", "`order`"),
        ("/v1/reviews?decison=hold", "`decison`"),
        ("/v1/reviews?state=waiting", "`state`"),
        ("/v1/reviews?q=%E4%BD%8E", "`q`"),
        ("/v1/reviews?q=%EF%BC%8C%EF%BC%8C", "`q`"),
        ("/v1/reviews/next?limit=1", "`limit`"),
        ("/v1/reviews/next?order=desc", "`order`"),
        ("/v1/reviews/next?after=x", "`after`"),
        ("/v1/audit?limit=10001", "`limit`"),
        ("/v1/audit?after=x", "`after`"),
    ]
    .into_iter()
    .chain([(too_long.as_str(), "`q`")])
    {
        let token = if path.starts_with("/v1/audit") {
            &auditor
        } else {
            &reviewer
        };
        let (s, v) = call(&app, "GET", path, Some(token), None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{path}: {v}");
        assert_eq!(v["code"], "bad_request", "{path}: {v}");
        let message = v["message"].as_str().unwrap_or_default();
        assert!(message.contains(field), "{path}: {message}");
    }
}
