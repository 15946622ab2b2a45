//! The HTTP API: `router(state)` builds the whole application, so tests can call it without a
//! socket. Handlers are thin: parse, check the role, call [`Service`] on the blocking pool, map
//! the answer. The API is described in `openapi.json`, served at `/openapi.json`.

mod console;
mod error;

pub use error::{ApiError, Kind};

use crate::engine::{Category, Decision};
use crate::service::{Content, GateQuery, GateStep, Service, Submission};
use crate::store::{Actor, ReviewQuery, Role};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{
    DefaultBodyLimit, FromRequestParts, MatchedPath, Path, RawQuery, Request, State,
};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The OpenAPI 3.1 description of this API.
pub const OPENAPI: &str = include_str!("openapi.json");

#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest accepted request body, in bytes.
    pub max_body: usize,
    /// Longest a request may take, body included.
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body: 16 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub service: Arc<Service>,
    pub limits: Limits,
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let max_body = state.limits.max_body;
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .route("/v1/reviews", post(submit).get(list_reviews))
        .route("/v1/reviews/{id}", get(get_review))
        .route("/v1/reviews/{id}/text", get(get_text))
        .route("/v1/reviews/{id}/decisions", post(decide))
        .route("/v1/gate", post(gate))
        .route("/v1/rules", get(rules_info))
        .route("/v1/rules/reload", post(rules_reload))
        .route("/v1/rules/{id}", get(ruleset_by_id))
        .route("/v1/rules/{id}/edits", post(rule_edit))
        .route("/v1/audit", get(audit_export))
        .route("/v1/audit/verify", get(audit_verify))
        .route("/v1/tokens", get(list_tokens).post(create_token))
        .route("/v1/tokens/{id}", axum::routing::delete(revoke_token))
        .merge(console::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// Times every request out, counts it and logs it by route template: never the raw path or
/// query, which could carry content.
async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().as_str().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let response = match tokio::time::timeout(state.limits.request_timeout, next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::new(
            Kind::Timeout,
            format!(
                "the request took longer than {} s (slow client or body)",
                state.limits.request_timeout.as_secs()
            ),
        )
        .into_response(),
    };
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    state
        .service
        .metrics
        .request(&method, &route, status, elapsed);
    // Successful requests are logged at debug (the domain events they cause are logged at
    // info); failures at info, server errors at warn.
    let ms = elapsed.as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(method, route, status, ms, "request failed");
    } else if status >= 400 {
        tracing::info!(method, route, status, ms, "request refused");
    } else {
        tracing::debug!(method, route, status, ms, "request");
    }
    response
}

/// The authenticated caller, from `Authorization: Bearer <token>`.
pub struct Caller(pub Actor);

impl Caller {
    /// Passes if the caller has one of `roles`; admin passes everywhere.
    fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if self.0.role == Role::Admin || roles.contains(&self.0.role) {
            return Ok(());
        }
        let allowed: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        Err(ApiError::new(
            Kind::Forbidden,
            format!(
                "role {} may not do this; it needs {} (or admin)",
                self.0.role,
                allowed.join(" or ")
            ),
        ))
    }
}

impl Caller {
    /// Submitters see only the reviews they submitted.
    fn may_read(&self, review: &crate::store::Review) -> Result<(), ApiError> {
        if self.0.role == Role::Submitter && review.submitter != self.0.name {
            return Err(ApiError::new(
                Kind::Forbidden,
                format!(
                    "review {} was submitted by someone else; submitters see only their own",
                    review.id
                ),
            ));
        }
        Ok(())
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| {
                ApiError::new(
                    Kind::Unauthorized,
                    "missing `Authorization: Bearer <token>` header",
                )
            })?
            .to_str()
            .map_err(|_| ApiError::new(Kind::Unauthorized, "malformed Authorization header"))?;
        let secret = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                ApiError::new(
                    Kind::Unauthorized,
                    "the Authorization header must be `Bearer <token>`",
                )
            })?;
        // Tokens are held in memory by the store: no blocking work here.
        let token = state.service.store.token(secret)?;
        match token {
            None => Err(ApiError::new(Kind::Unauthorized, "unknown token")),
            Some(t) if t.revoked_at.is_some() => Err(ApiError::new(
                Kind::Unauthorized,
                format!("token {} was revoked", t.id),
            )),
            Some(t) => Ok(Caller(Actor {
                name: t.name,
                role: t.role,
            })),
        }
    }
}

/// Runs blocking service work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| ApiError::new(Kind::Internal, "the request handler failed"))?
}

fn body(body: Result<Bytes, BytesRejection>, limits: &Limits) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                Kind::TooLarge,
                format!(
                    "the request body is larger than the limit of {} bytes",
                    limits.max_body
                ),
            )
        } else {
            ApiError::new(Kind::BadRequest, "the request body could not be read")
        }
    })
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            let v = v.trim().to_ascii_lowercase();
            v.starts_with("application/json") || v.contains("+json")
        })
        .unwrap_or(false)
}

fn parse_id(raw: &str) -> Result<u64, ApiError> {
    raw.parse().map_err(|_| {
        ApiError::new(
            Kind::BadRequest,
            format!(
                "review id must be a positive integer, got {:?}",
                truncate(raw, 24)
            ),
        )
    })
}

fn truncate(s: &str, chars: usize) -> String {
    s.chars().take(chars).collect()
}

async fn healthz(State(state): State<AppState>) -> Response {
    let failed = state.service.store.failed();
    let body = serde_json::json!({
        "status": if failed { "failing" } else { "ok" },
        "store": if failed { "refusing writes after a storage error; restart" } else { "ok" },
        "ruleset": state.service.rules().id,
    });
    let status = if failed {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    (status, Json(body)).into_response()
}

async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.service.metrics.render(),
    )
        .into_response()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn not_found() -> ApiError {
    ApiError::new(Kind::NotFound, "no such endpoint; see /openapi.json")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        Kind::MethodNotAllowed,
        "this endpoint does not take that method",
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitJson {
    title: Option<String>,
    content: String,
    #[serde(default)]
    metadata: BTreeMap<String, serde_json::Value>,
}

async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Submitter, Role::Reviewer])?;
    let bytes = body(raw, &state.limits)?;
    let submission = if is_json(&headers) {
        let j: SubmitJson = serde_json::from_slice(&bytes).map_err(|e| error::json_error(&e))?;
        Submission {
            title: j.title.filter(|t| !t.trim().is_empty()),
            metadata: j.metadata,
            content: Content::Text(j.content),
        }
    } else {
        if bytes.is_empty() {
            return Err(ApiError::new(Kind::BadRequest, "the request body is empty"));
        }
        Submission {
            title: None,
            metadata: BTreeMap::new(),
            content: Content::Bytes(bytes.to_vec()),
        }
    };
    let service = state.service.clone();
    let actor = caller.0;
    let submitted = blocking(move || Ok(service.submit(&actor, submission, "api")?)).await?;
    let status = if submitted.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        [(
            header::LOCATION,
            format!("/v1/reviews/{}", submitted.review.id),
        )],
        Json(submitted.review),
    )
        .into_response())
}

async fn get_review(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Reviewer, Role::Submitter])?;
    let id = parse_id(&id)?;
    let service = state.service.clone();
    let review = blocking(move || Ok(service.review(id)?)).await?;
    caller.may_read(&review)?;
    Ok(Json(review).into_response())
}

async fn get_text(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Reviewer, Role::Submitter])?;
    let id = parse_id(&id)?;
    let service = state.service.clone();
    let (review, text) = blocking(move || {
        let review = service.review(id)?;
        let text = service.scanned_text(&review)?;
        Ok((review, text))
    })
    .await?;
    caller.may_read(&review)?;
    Ok(
        Json(serde_json::json!({ "id": id, "sha256": review.sha256, "text": text }))
            .into_response(),
    )
}

/// Parses `?a=b&c=d` into a map, rejecting unknown keys so that a typo is not a silent
/// no-filter.
fn query_map(raw: Option<String>, known: &[&str]) -> Result<BTreeMap<String, String>, ApiError> {
    let mut map = BTreeMap::new();
    for pair in raw
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_decode(k);
        if !known.contains(&k.as_str()) {
            return Err(ApiError::new(
                Kind::BadRequest,
                format!(
                    "unknown query parameter {:?}; known: {}",
                    truncate(&k, 32),
                    known.join(", ")
                ),
            ));
        }
        map.insert(k, percent_decode(v));
    }
    Ok(map)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn list_reviews(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Reviewer, Role::Submitter])?;
    let q = query_map(
        raw,
        &[
            "decision",
            "category",
            "submitter",
            "from",
            "to",
            "after",
            "limit",
            "order",
        ],
    )?;
    let bad = |field: &str, want: &str| {
        ApiError::new(
            Kind::BadRequest,
            format!("query parameter `{field}`: expected {want}"),
        )
    };
    let mut query = ReviewQuery {
        limit: 50,
        ..ReviewQuery::default()
    };
    if let Some(d) = q.get("decision") {
        query.decision =
            Some(Decision::parse(d).ok_or_else(|| bad("decision", "approve or hold"))?);
    }
    if let Some(c) = q.get("category") {
        query.category = Some(Category::parse(c).ok_or_else(|| {
            bad(
                "category",
                "state_secret, process_internal, stability, commercial_secret or personal_privacy",
            )
        })?);
    }
    query.submitter = q.get("submitter").cloned();
    for (field, slot) in [("from", &mut query.from), ("to", &mut query.to)] {
        if let Some(v) = q.get(field) {
            let ok = v.len() >= 4
                && v.len() <= 24
                && v.bytes()
                    .all(|b| b.is_ascii_digit() || b"-:.TZ".contains(&b));
            if !ok {
                return Err(bad(
                    field,
                    "a date like 2026-11-01 or a timestamp like 2026-11-01T08:00:00Z",
                ));
            }
            *slot = Some(v.clone());
        }
    }
    if let Some(a) = q.get("after") {
        query.after = Some(a.parse().map_err(|_| bad("after", "a review id"))?);
    }
    if let Some(l) = q.get("limit") {
        query.limit = l
            .parse()
            .ok()
            .filter(|n| (1..=500).contains(n))
            .ok_or_else(|| bad("limit", "a number from 1 to 500"))?;
    }
    match q.get("order").map(String::as_str) {
        None | Some("asc") => {}
        Some("desc") => query.descending = true,
        Some(_) => return Err(bad("order", "asc or desc")),
    }
    if caller.0.role == Role::Submitter {
        query.submitter = Some(caller.0.name.clone());
    }
    let service = state.service.clone();
    let page = blocking(move || Ok(service.store.list(&query)?)).await?;
    Ok(Json(page).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecideJson {
    decision: String,
    reason: Option<String>,
}

async fn decide(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Reviewer])?;
    let id = parse_id(&id)?;
    let bytes = body(raw, &state.limits)?;
    let j: DecideJson = serde_json::from_slice(&bytes).map_err(|e| error::json_error(&e))?;
    let decision = Decision::parse(&j.decision).ok_or_else(|| {
        ApiError::new(
            Kind::BadRequest,
            "field `decision`: expected \"approve\" or \"hold\"",
        )
    })?;
    let reason = j.reason.unwrap_or_default();
    let service = state.service.clone();
    let actor = caller.0;
    let review = blocking(move || Ok(service.decide(&actor, id, decision, &reason)?)).await?;
    Ok((StatusCode::CREATED, Json(review)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GateJson {
    sha256: String,
}

async fn gate(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Publisher])?;
    let bytes = body(raw, &state.limits)?;
    let query = if is_json(&headers) {
        let j: GateJson = serde_json::from_slice(&bytes).map_err(|e| error::json_error(&e))?;
        GateQuery::Sha256(j.sha256)
    } else {
        if bytes.is_empty() {
            return Err(ApiError::new(
                Kind::BadRequest,
                "send the content to publish, or JSON {\"sha256\": ...}",
            ));
        }
        GateQuery::Bytes(bytes.to_vec())
    };
    let service = state.service.clone();
    let actor = caller.0;
    let answer = match query {
        // A lookup by hash reads a few small records: answered here, unless the content must
        // be scanned again under a newer rule set.
        GateQuery::Sha256(_) => match service.gate_lookup(&actor, query)? {
            GateStep::Answer(a) => a,
            GateStep::Rescan(review) => {
                blocking(move || Ok(service.gate_finish(&actor, review)?)).await?
            }
        },
        GateQuery::Bytes(_) => blocking(move || Ok(service.gate(&actor, query)?)).await?,
    };
    let status = if answer.allowed {
        StatusCode::OK
    } else {
        StatusCode::CONFLICT
    };
    Ok((status, Json(answer)).into_response())
}

async fn rules_info(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    caller.require(&[Role::Maintainer, Role::Reviewer])?;
    let in_force = state.service.in_force();
    let rules: Vec<serde_json::Value> = in_force
        .rules
        .engine
        .rules()
        .map(|r| {
            let (kind, terms, keywords) = match &r.matcher {
                crate::engine::Matcher::Terms(t) => ("terms", t.len(), 0),
                crate::engine::Matcher::Pattern { keywords, .. } => ("pattern", 0, keywords.len()),
                crate::engine::Matcher::Detector { kind, keywords, .. } => {
                    (kind.as_str(), 0, keywords.len())
                }
            };
            serde_json::json!({
                "id": r.id,
                "category": r.category,
                "severity": r.severity,
                "description": r.description,
                "kind": kind,
                "terms": terms,
                "keywords": keywords,
                "exceptions": r.exceptions.len(),
                "contexts": r.contexts.len(),
            })
        })
        .collect();
    let service = state.service.clone();
    let history = blocking(move || Ok(service.store.rulesets()?)).await?;
    let body = serde_json::json!({
        "id": in_force.rules.id,
        "loaded_at": in_force.loaded_at,
        "loaded_by": in_force.loaded_by,
        "source": in_force.source,
        "editable": state.service.rules_dir().is_some(),
        "literals": in_force.rules.engine.literal_count(),
        "files": in_force.rules.files.iter().map(|f| crate::rules::base_name(&f.name)).collect::<Vec<_>>(),
        "rules": rules,
        "history": history,
    });
    Ok(Json(body).into_response())
}

async fn ruleset_by_id(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Maintainer, Role::Reviewer])?;
    let service = state.service.clone();
    let wanted = id.clone();
    let snapshot = blocking(move || Ok(service.store.ruleset(&wanted)?)).await?;
    match snapshot {
        Some(s) => Ok(Json(s).into_response()),
        None => Err(ApiError::new(
            Kind::NotFound,
            format!(
                "no rule set with id {:?} was ever loaded",
                truncate(&id, 40)
            ),
        )),
    }
}

async fn rules_reload(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    caller.require(&[Role::Maintainer])?;
    let service = state.service.clone();
    let actor = caller.0;
    let change = blocking(move || Ok(service.reload(&actor)?)).await?;
    Ok(Json(change).into_response())
}

async fn rule_edit(
    State(state): State<AppState>,
    caller: Caller,
    Path(rule): Path<String>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Maintainer])?;
    let bytes = body(raw, &state.limits)?;
    let edit: crate::rules::edit::RuleEdit =
        serde_json::from_slice(&bytes).map_err(|e| error::json_error(&e))?;
    let service = state.service.clone();
    let actor = caller.0;
    let change = blocking(move || Ok(service.edit_rule(&actor, &rule, &edit)?)).await?;
    Ok(Json(change).into_response())
}

async fn audit_export(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    caller.require(&[])?;
    let q = query_map(raw, &["after", "limit"])?;
    let after = match q.get("after") {
        Some(a) => a.parse().map_err(|_| {
            ApiError::new(
                Kind::BadRequest,
                "query parameter `after`: expected a record number",
            )
        })?,
        None => 0,
    };
    let limit = match q.get("limit") {
        Some(l) => l
            .parse()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or_else(|| {
                ApiError::new(
                    Kind::BadRequest,
                    "query parameter `limit`: expected 1 to 10000",
                )
            })?,
        None => 1000,
    };
    let service = state.service.clone();
    let records = blocking(move || Ok(service.store.audit(after, limit)?)).await?;
    Ok(Json(serde_json::json!({ "records": records })).into_response())
}

async fn audit_verify(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    caller.require(&[])?;
    let service = state.service.clone();
    let result = blocking(move || Ok(service.store.verify_audit())).await?;
    Ok(match result {
        Ok(n) => Json(serde_json::json!({ "ok": true, "records": n })).into_response(),
        Err(e) => (
            StatusCode::CONFLICT,
            Json(serde_json::json!({ "ok": false, "error": e.to_string() })),
        )
            .into_response(),
    })
}

async fn list_tokens(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    caller.require(&[])?;
    let service = state.service.clone();
    let tokens = blocking(move || Ok(service.store.tokens()?)).await?;
    Ok(Json(serde_json::json!({ "tokens": tokens })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenJson {
    name: String,
    role: String,
}

async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[])?;
    let bytes = body(raw, &state.limits)?;
    let j: TokenJson = serde_json::from_slice(&bytes).map_err(|e| error::json_error(&e))?;
    let role = Role::parse(&j.role).ok_or_else(|| {
        ApiError::new(
            Kind::BadRequest,
            "field `role`: expected submitter, reviewer, publisher, maintainer or admin",
        )
    })?;
    let name = j.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ApiError::new(
            Kind::BadRequest,
            "field `name`: 1 to 64 characters",
        ));
    }
    let service = state.service.clone();
    let actor = caller.0;
    let (secret, record) =
        blocking(move || Ok(service.store.create_token(&name, role, &actor)?)).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "token": secret, "record": record })),
    )
        .into_response())
}

async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(&[])?;
    let service = state.service.clone();
    let actor = caller.0;
    let revoked = blocking(move || Ok(service.store.revoke_token(&id, &actor)?)).await?;
    Ok(Json(serde_json::json!({ "revoked": revoked })).into_response())
}
