//! The HTTP API: `router(state)` builds the whole application, so tests can call it without a
//! socket. Handlers are thin: parse, check the role, call [`Service`] on the blocking pool, map
//! the answer. The API is described in `openapi.json`, served at `/openapi.json`.

mod console;
mod error;
pub mod server;

pub use error::{ApiError, Kind};

use crate::engine::{Cancel, Category, Decision};
use crate::service::{Content, GateQuery, Service, Submission};
use crate::store::{person_key, search, Actor, ReviewQuery, ReviewState, Role};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{
    DefaultBodyLimit, FromRequestParts, MatchedPath, Query, RawPathParams, RawQuery, Request, State,
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
    /// The deployment's time zone (an IANA name such as `Asia/Shanghai`): the console shows
    /// every time in it, whatever the browser's own zone.
    pub time_zone: Arc<str>,
}

/// The time zone of a deployment that names none.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let max_body = state.limits.max_body;
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .route("/v1/reviews", post(submit).get(list_reviews))
        .route("/v1/reviews/next", get(next_review))
        .route("/v1/reviews/{id}", get(get_review))
        .route("/v1/reviews/{id}/text", get(get_text))
        .route("/v1/reviews/{id}/diff", get(get_diff))
        .route("/v1/reviews/{id}/content", get(get_content))
        .route("/v1/reviews/{id}/decisions", post(decide))
        .route("/v1/reviews/{id}/return", post(return_review))
        .route("/v1/reviews/{id}/claim", post(claim_review))
        .route("/v1/reviews/{id}/assign", post(assign_review))
        .route("/v1/reviews/{id}/recheck", post(recheck))
        .route("/v1/reviews/{id}/redactions", post(create_redaction))
        .route("/v1/gate", post(gate))
        .route("/v1/rules", get(rules_info))
        .route("/v1/rules/reload", post(rules_reload))
        .route("/v1/rules/{id}", get(ruleset_by_id))
        .route("/v1/rules/{id}/edits", post(rule_edit))
        .route("/v1/audit", get(audit_export))
        .route("/v1/audit/verify", get(audit_verify))
        .route("/v1/tokens", get(list_tokens).post(create_token))
        .route("/v1/tokens/{id}", axum::routing::delete(revoke_token))
        .route("/v1/persons", get(list_persons).post(create_person))
        .route("/v1/stats", get(stats))
        .route(
            "/v1/suppressions",
            get(list_suppressions).post(propose_suppression),
        )
        .route("/v1/suppressions/{id}/approve", post(approve_suppression))
        .route("/v1/suppressions/{id}/reject", post(reject_suppression))
        .route("/v1/suppressions/{id}/revoke", post(revoke_suppression))
        .merge(console::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// Times every request out, counts it and logs it by route template: never the raw path or
/// query, which could carry content.
async fn observe(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    // A fixed set: the raw method is the client's to invent, and every label value is kept.
    let method: &'static str = match req.method().as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    };
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    // The handler's blocking work (a scan, a write) outlives the request's future when the
    // deadline drops it: this flag stops the scan and keeps the write from happening. If the
    // write already began, the deadline waits for it instead: a request answered 408 recorded
    // nothing, and one that recorded something says so.
    let cancel = Arc::new(Cancel::new());
    req.extensions_mut().insert(RequestCancel(cancel.clone()));
    let run = next.run(req);
    tokio::pin!(run);
    let response = match tokio::time::timeout(state.limits.request_timeout, &mut run).await {
        Ok(r) => r,
        Err(_) if cancel.cancel() => ApiError::new(
            Kind::Timeout,
            format!(
                "the request took longer than {} s (slow client or body, or a scan that did not finish); nothing was recorded",
                state.limits.request_timeout.as_secs()
            ),
        )
        .into_response(),
        Err(_) => run.await,
    };
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    state
        .service
        .metrics
        .request(method, &route, status, elapsed);
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
    /// Submitters see only the reviews they submitted; to them, anyone else's review does
    /// not exist (404, the same answer as for an id never given out).
    fn may_read(&self, review: &crate::store::Review) -> Result<(), ApiError> {
        if self.0.role == Role::Submitter && person_key(&review.submitter) != self.0.key() {
            return Err(ApiError::new(
                Kind::NotFound,
                format!("no review with id {}", review.id),
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
        // sled's store holds tokens in memory: no blocking work. PostgreSQL's reads the
        // database (another node may have revoked the token), off the async threads.
        let token = if state.service.store.lookups_block() {
            let store = state.service.store.clone();
            let secret = secret.to_string();
            tokio::task::spawn_blocking(move || store.token(&secret))
                .await
                .map_err(|_| ApiError::new(Kind::Internal, "the token lookup failed"))??
        } else {
            state.service.store.token(secret)?
        };
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

/// The cancellation flag of this request (see `observe`).
#[derive(Clone)]
struct RequestCancel(Arc<Cancel>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequestCancel {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        // Without the middleware (never in `router`), a flag no one raises.
        Ok(parts
            .extensions
            .get::<RequestCancel>()
            .cloned()
            .unwrap_or_else(|| RequestCancel(Arc::new(Cancel::new()))))
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

/// A positive integer written with ASCII digits only: no sign, no blanks, no leading zero, no
/// overflow (`+1`, `01` and `18446744073709551616` are refused).
fn parse_u64(raw: &str) -> Option<u64> {
    let ok = !raw.is_empty()
        && raw.len() <= 20
        && raw.bytes().all(|b| b.is_ascii_digit())
        && (raw == "0" || !raw.starts_with('0'));
    ok.then(|| raw.parse().ok()).flatten()
}

fn parse_id(raw: &str) -> Result<u64, ApiError> {
    parse_u64(raw).filter(|n| *n > 0).ok_or_else(|| {
        ApiError::new(
            Kind::BadRequest,
            format!(
                "path: the review id must be a positive integer, got {:?}",
                truncate(raw, 24)
            ),
        )
    })
}

/// The one path parameter of a route (`{id}`), undecoded: parsing it is the handler's job, so
/// that a malformed one gets this API's `{code, message}` answer and not axum's plain text.
struct PathParam(String);

impl<S: Send + Sync> FromRequestParts<S> for PathParam {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::new(Kind::BadRequest, "path: malformed path parameter"))?;
        let raw = params
            .iter()
            .next()
            .map(|(_, v)| v.to_string())
            .ok_or_else(|| ApiError::new(Kind::BadRequest, "path: missing path parameter"))?;
        let decoded = percent_decode_strict(&raw).ok_or_else(|| {
            ApiError::new(
                Kind::BadRequest,
                "path: the parameter is not valid percent-encoded UTF-8",
            )
        })?;
        Ok(PathParam(decoded))
    }
}

/// Percent-decodes a path segment; `None` for a bad escape or bytes that are not UTF-8.
fn percent_decode_strict(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let v = u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
            out.push(v);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Typed query parameters, with unknown or malformed ones refused as `{code, message}`.
fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(t)| t).map_err(|e| {
        // serde_urlencoded names the field and what was wrong; it never quotes the value.
        ApiError::new(
            Kind::BadRequest,
            format!("query: {}", truncate(&e.body_text(), 200)),
        )
    })
}

/// JSON endpoints take JSON only: a body sent as anything else is refused, not guessed at.
/// The body of a JSON-only endpoint, read within the size limit, as `T`: 415 for another
/// Content-Type, 400 naming what is wrong with the JSON.
fn json_body<T: serde::de::DeserializeOwned>(
    raw: Result<Bytes, BytesRejection>,
    headers: &HeaderMap,
    limits: &Limits,
) -> Result<T, ApiError> {
    let bytes = body(raw, limits)?;
    require_json(headers)?;
    serde_json::from_slice(&bytes).map_err(|e| error::json_error(&e))
}

fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    if is_json(headers) {
        Ok(())
    } else {
        Err(ApiError::new(
            Kind::UnsupportedMediaType,
            "this endpoint takes `Content-Type: application/json`",
        ))
    }
}

fn truncate(s: &str, chars: usize) -> String {
    s.chars().take(chars).collect()
}

async fn healthz(State(state): State<AppState>) -> Response {
    let health = state.service.store.health();
    let store = match (&health.failed, &health.stalled) {
        (Some(why), _) => format!("refusing writes after a storage error ({why}); restart"),
        (None, Some(why)) => format!("stalled: {why}"),
        (None, None) => "ok".to_string(),
    };
    let ok = health.failed.is_none() && health.stalled.is_none();
    let body = serde_json::json!({
        "status": if ok { "ok" } else { "failing" },
        "store": store,
        "ruleset": state.service.rules().id,
        "scan_id": state.service.in_force().scan_id,
        "office": office_info(state.service.office()),
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// What `/healthz` and the console say of the office's clocks: the calendar's years, this year
/// or next if it has no notice for them (those are counted Monday to Friday until `--calendar`
/// gives them), the limits and the review stages.
fn office_info(office: &crate::service::Office) -> serde_json::Value {
    let year = crate::calendar::today_in_china().year();
    let missing = office.calendar.missing_years(year, year + 1);
    let years: Vec<i32> = office.calendar.years().map(|y| y.year).collect();
    serde_json::json!({
        "years": format!("{}–{}", years.first().copied().unwrap_or(0), years.last().copied().unwrap_or(0)),
        "missing_years": missing,
        "note": if missing.is_empty() { String::new() } else {
            format!("{} 年的放假安排尚未载入，按周一至周五计算工作日；国务院办公厅通知发布后以 --calendar 载入", missing.iter().map(|y| y.to_string()).collect::<Vec<_>>().join("、"))
        },
        "disclosure_days": office.disclosure.working_days,
        "opinion_days": office.opinion.working_days,
        "stages": office.stages,
    })
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
    /// The name the document will be published under.
    file_name: Option<String>,
    #[serde(default)]
    metadata: BTreeMap<String, serde_json::Value>,
    /// The review this draft is a new version of.
    revises: Option<u64>,
    /// The day the information was formed or changed (`YYYY-MM-DD`).
    formed_on: Option<String>,
}

/// Longest title, in characters.
const MAX_TITLE_CHARS: usize = 500;
/// Largest `metadata`, as compact JSON.
const MAX_METADATA_BYTES: usize = 16 * 1024;

async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    RequestCancel(cancel): RequestCancel,
    headers: HeaderMap,
    RawQuery(raw_query): RawQuery,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Submitter, Role::Reviewer])?;
    let bytes = body(raw, &state.limits)?;
    let json = is_json(&headers);
    let name = upload_name_and(&headers, raw_query.as_deref(), &["revises", "formed_on"])?;
    let revises = revises_param(raw_query.as_deref())?;
    let formed_on = formed_on_param(raw_query.as_deref())?;
    let service = state.service.clone();
    let actor = caller.0;
    // Parsing a 16 MiB JSON body is work for the blocking pool, not for the async threads the
    // gate's requests need.
    let submitted = blocking(move || {
        let submission = parse_submission(json, bytes, name, revises, formed_on)?;
        Ok(service.submit(&actor, submission, "api", &cancel)?)
    })
    .await?;
    let status = if submitted.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let location = format!("/v1/reviews/{}", submitted.review.id);
    let mut body = serde_json::to_value(&submitted.review)
        .map_err(|_| ApiError::new(Kind::Internal, "the review could not be serialised"))?;
    if !submitted.created {
        // The same bytes from the same person: the review they have, and nothing new recorded
        // (no version either, when the request named one to revise).
        body["unchanged"] = serde_json::Value::Bool(true);
    }
    Ok((status, [(header::LOCATION, location)], Json(body)).into_response())
}

/// The `revises` query parameter of a submission (an upload names the review it revises
/// there; a JSON submission may too), once at most.
fn revises_param(raw_query: Option<&str>) -> Result<Option<u64>, ApiError> {
    let mut found = None;
    for pair in raw_query.unwrap_or("").split('&') {
        let Some(v) = pair.strip_prefix("revises=") else {
            if pair == "revises" {
                return Err(bad_param("revises", "a review id"));
            }
            continue;
        };
        if found.is_some() {
            return Err(bad_param("revises", "one review id, given once"));
        }
        found = Some(
            parse_u64(v)
                .filter(|n| *n > 0)
                .ok_or_else(|| bad_param("revises", "a review id (a positive integer)"))?,
        );
    }
    Ok(found)
}

/// The `formed_on` query parameter of a submission (`YYYY-MM-DD`), once at most; the service
/// checks the date.
fn formed_on_param(raw_query: Option<&str>) -> Result<Option<String>, ApiError> {
    let mut found = None;
    for pair in raw_query.unwrap_or("").split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if k != "formed_on" {
            continue;
        }
        if found.is_some() {
            return Err(bad_param("formed_on", "one date, given once"));
        }
        found = Some(
            percent_decode_strict(v)
                .ok_or_else(|| bad_param("formed_on", "a date written YYYY-MM-DD"))?,
        );
    }
    Ok(found)
}

/// A submission from its request body: JSON (`title`, `content`, `metadata`, `file_name`,
/// `revises`) or the raw bytes, with the file name and the review revised that the request
/// gave (see [`upload_name`], [`revises_param`]).
fn parse_submission(
    json: bool,
    bytes: Bytes,
    name: Option<String>,
    revises: Option<u64>,
    formed_on: Option<String>,
) -> Result<Submission, ApiError> {
    Ok(if json {
        let j: SubmitJson = serde_json::from_slice(&bytes).map_err(|e| error::json_error(&e))?;
        let file_name = one_name(j.file_name, name)?;
        let revises = match (j.revises, revises) {
            (Some(a), Some(b)) if a != b => {
                return Err(ApiError::new(
                    Kind::BadRequest,
                    "field `revises` and the query parameter `revises` differ: give one",
                ))
            }
            (Some(0), _) => {
                return Err(ApiError::new(
                    Kind::BadRequest,
                    "field `revises`: a review id is a positive integer",
                ))
            }
            (a, b) => a.or(b),
        };
        let title = j.title.filter(|t| !t.trim().is_empty());
        if let Some(t) = &title {
            if t.contains(['\n', '\r']) {
                return Err(ApiError::new(
                    Kind::BadRequest,
                    "field `title`: a title is one line (it becomes the document's first line)",
                ));
            }
            if t.chars().count() > MAX_TITLE_CHARS {
                return Err(ApiError::new(
                    Kind::BadRequest,
                    format!("field `title`: at most {MAX_TITLE_CHARS} characters"),
                ));
            }
        }
        let meta_len = serde_json::to_vec(&j.metadata).map_or(usize::MAX, |v| v.len());
        if meta_len > MAX_METADATA_BYTES {
            return Err(ApiError::new(
                Kind::BadRequest,
                format!("field `metadata`: at most {MAX_METADATA_BYTES} bytes of JSON"),
            ));
        }
        Submission {
            title,
            metadata: j.metadata,
            content: Content::Text(j.content),
            file_name,
            revises,
            formed_on: match (j.formed_on, formed_on) {
                (Some(a), Some(b)) if a != b => {
                    return Err(ApiError::new(
                        Kind::BadRequest,
                        "field `formed_on` and the query parameter `formed_on` differ: give one",
                    ))
                }
                (a, b) => a.or(b),
            },
        }
    } else {
        if bytes.is_empty() {
            return Err(ApiError::new(Kind::BadRequest, "the request body is empty"));
        }
        Submission {
            title: None,
            metadata: BTreeMap::new(),
            content: Content::Bytes(bytes.to_vec()),
            file_name: name,
            revises,
            formed_on,
        }
    })
}

/// A review the caller may read, or 404.
async fn readable_review(
    state: &AppState,
    caller: &Caller,
    raw_id: &str,
) -> Result<crate::store::Review, ApiError> {
    let id = parse_id(raw_id)?;
    let service = state.service.clone();
    let review = blocking(move || Ok(service.review(id)?)).await?;
    caller.may_read(&review)?;
    Ok(review)
}

async fn get_review(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Reviewer, Role::Submitter, Role::Maintainer])?;
    let mut review = readable_review(&state, &caller, &id).await?;
    let service = state.service.clone();
    let id = review.id;
    // The chain lists each version's number, state and finding count (never its text), so a
    // submitter sees a version a reviewer made of their draft listed, but may open only their
    // own.
    review.versions = blocking(move || Ok(service.versions(id)?)).await?;
    Ok(Json(review).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DiffParams {
    against: Option<String>,
}

/// Compares a review with another version of its draft (`against`, by default the review it
/// revises): a masked line diff of the two texts and the findings fixed, new and kept. The
/// caller must be able to read both.
async fn get_diff(
    State(state): State<AppState>,
    caller: Caller,
    RequestCancel(cancel): RequestCancel,
    PathParam(id): PathParam,
    params: Result<Query<DiffParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Reviewer, Role::Submitter, Role::Maintainer])?;
    let p = query(params)?;
    let against = match &p.against {
        Some(a) => Some(
            parse_u64(a)
                .filter(|n| *n > 0)
                .ok_or_else(|| bad_param("against", "a review id (a positive integer)"))?,
        ),
        None => None,
    };
    let review = readable_review(&state, &caller, &id).await?;
    let against = match against.or(review.revises) {
        Some(a) if a == review.id => {
            return Err(bad_param(
                "against",
                "another review than the one compared (a review does not differ from itself)",
            ))
        }
        Some(a) => a,
        None => {
            return Err(bad_param(
                "against",
                &format!(
                    "the id of the review to compare with: review {} revises no other review",
                    review.id
                ),
            ))
        }
    };
    let old = readable_review(&state, &caller, &against.to_string()).await?;
    let service = state.service.clone();
    let diff = blocking(move || Ok(service.diff(&review, &old, &cancel)?)).await?;
    Ok(Json(diff).into_response())
}

async fn get_text(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Reviewer, Role::Submitter, Role::Maintainer])?;
    let review = readable_review(&state, &caller, &id).await?;
    let service = state.service.clone();
    let (id, sha256) = (review.id, review.sha256.clone());
    let text = blocking(move || Ok(service.scanned_text(&review)?)).await?;
    Ok(Json(serde_json::json!({ "id": id, "sha256": sha256, "text": text })).into_response())
}

/// The exact bytes of a review: what was scanned and what the gate passes, so the pipeline
/// publishes what was approved. A publisher gets them only while the gate allows them.
async fn get_content(
    State(state): State<AppState>,
    caller: Caller,
    RequestCancel(cancel): RequestCancel,
    PathParam(id): PathParam,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Reviewer, Role::Submitter, Role::Publisher])?;
    let id = parse_id(&id)?;
    let service = state.service.clone();
    let actor = caller.0.clone();
    let (review, answer, bytes) = blocking(move || {
        let review = service.review(id)?;
        // Under the name it was submitted with: that is the name it is delivered under.
        let answer = if actor.role == Role::Publisher {
            let query = GateQuery::Sha256(review.sha256.clone());
            Some(service.gate(&actor, query, review.file_name.as_deref(), &cancel)?)
        } else {
            None
        };
        let bytes = service.content(&review)?;
        Ok((review, answer, bytes))
    })
    .await?;
    caller.may_read(&review)?;
    if let Some(answer) = answer.filter(|a| !a.allowed) {
        return Ok((StatusCode::CONFLICT, Json(answer)).into_response());
    }
    let content_type = content_type(&bytes, review.file_name.as_deref());
    let mut response = (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::HeaderName::from_static("x-baomi-sha256"),
                review.sha256.clone(),
            ),
        ],
        bytes,
    )
        .into_response();
    if let Some(name) = &review.file_name {
        if let Ok(v) = header::HeaderValue::from_str(&content_disposition(name)) {
            response
                .headers_mut()
                .insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(response)
}

/// The media type of stored bytes, by their content, with the file name's extension telling
/// apart what the content alone does not (an `.xlsx` from a `.docx`, `.xls` from `.doc`).
fn content_type(bytes: &[u8], name: Option<&str>) -> &'static str {
    let ext = name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let by_ext = |pairs: &[(&str, &'static str)], default: &'static str| {
        pairs
            .iter()
            .find(|(e, _)| *e == ext)
            .map_or(default, |(_, t)| t)
    };
    if bytes.starts_with(b"PK\x03\x04") {
        by_ext(
            &[
                (
                    "xlsx",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
                ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
                ("ofd", "application/ofd"),
                ("zip", "application/zip"),
            ],
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        by_ext(
            &[
                ("xls", "application/vnd.ms-excel"),
                ("et", "application/vnd.ms-excel"),
            ],
            "application/msword",
        )
    } else if memchr::memmem::find(&bytes[..bytes.len().min(1024)], b"%PDF-").is_some() {
        "application/pdf"
    } else if let Ok(text) = std::str::from_utf8(&bytes[..bytes.len().min(4096)])
        .or_else(|e| std::str::from_utf8(&bytes[..e.valid_up_to()]).map_err(|_| ()))
    {
        let head = text.trim_start().to_ascii_lowercase();
        if head.starts_with("<!doctype html") || head.starts_with("<html") {
            "text/html; charset=utf-8"
        } else if ext == "csv" {
            "text/csv; charset=utf-8"
        } else {
            "text/plain; charset=utf-8"
        }
    } else {
        "application/octet-stream"
    }
}

/// `attachment; filename="…"; filename*=UTF-8''…`: an ASCII stand-in for old clients and the
/// real name percent-encoded (RFC 6266).
fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    state: Option<String>,
    decision: Option<String>,
    category: Option<String>,
    submitter: Option<String>,
    department: Option<String>,
    assignee: Option<String>,
    q: Option<String>,
    from: Option<String>,
    to: Option<String>,
    after: Option<String>,
    limit: Option<String>,
    order: Option<String>,
    /// `id` (queue order, the default) or `due`: open reviews by the working days left.
    sort: Option<String>,
}

fn bad_param(field: &str, want: &str) -> ApiError {
    ApiError::new(
        Kind::BadRequest,
        format!("query parameter `{field}`: expected {want}"),
    )
}

/// The queue's filters from the query string. `state` is `pending` unless given (`all` for
/// every state), except for a submitter, whose list shows every state of their own reviews.
fn queue_query(caller: &Caller, p: &ListParams) -> Result<ReviewQuery, ApiError> {
    let bad = bad_param;
    let mut query = ReviewQuery {
        limit: 50,
        ..ReviewQuery::default()
    };
    query.state = match p.state.as_deref() {
        None if caller.0.role == Role::Submitter => None,
        None => Some(ReviewState::Pending),
        Some("all") => None,
        Some(s) => Some(ReviewState::parse(s).ok_or_else(|| {
            bad(
                "state",
                "pending, returned, approved, held, superseded or all",
            )
        })?),
    };
    if let Some(d) = &p.decision {
        query.decision =
            Some(Decision::parse(d).ok_or_else(|| bad("decision", "approve or hold"))?);
    }
    if let Some(c) = &p.category {
        query.category = Some(Category::parse(c).ok_or_else(|| {
            bad(
                "category",
                "state_secret, process_internal, stability, commercial_secret, personal_privacy or unreadable",
            )
        })?);
    }
    query.submitter = p.submitter.clone().filter(|s| !s.trim().is_empty());
    let name = |field: &str, v: &Option<String>| -> Result<Option<String>, ApiError> {
        match v.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) if v.chars().count() > 64 || v.chars().any(char::is_control) => {
                Err(bad(field, "a name of at most 64 characters on one line"))
            }
            Some(v) => Ok(Some(v.to_string())),
        }
    };
    query.department = name("department", &p.department)?;
    query.assignee = match name("assignee", &p.assignee)?.as_deref() {
        Some("me") => Some(caller.0.name.clone()),
        other => other.map(str::to_string),
    };
    if let Some(q) = p.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        if q.chars().count() > search::MAX_QUERY_CHARS {
            return Err(bad(
                "q",
                &format!("at most {} characters", search::MAX_QUERY_CHARS),
            ));
        }
        if search::query_terms(q).is_empty() {
            return Err(bad(
                "q",
                "at least two letters or characters (search matches pairs of adjacent characters)",
            ));
        }
        query.search = Some(q.to_string());
    }
    const WHEN: &str = "a real date like 2026-11-01 or a UTC timestamp like 2026-11-01T08:00:00Z";
    if let Some(v) = &p.from {
        query.from_ms = Some(crate::parse_timestamp_ms(v).ok_or_else(|| bad("from", WHEN))?);
    }
    if let Some(v) = &p.to {
        let at = crate::parse_timestamp_ms(v).ok_or_else(|| bad("to", WHEN))?;
        // A bare date as upper bound includes that whole day.
        query.to_ms = Some(if v.len() == 10 { at + 86_399_999 } else { at });
    }
    if let Some(a) = &p.after {
        query.after = Some(parse_u64(a).ok_or_else(|| bad("after", "a review id"))?);
    }
    if caller.0.role == Role::Submitter {
        query.submitter = Some(caller.0.name.clone());
    }
    Ok(query)
}

async fn list_reviews(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Reviewer, Role::Submitter, Role::Maintainer])?;
    let p = query(params)?;
    let mut query = queue_query(&caller, &p)?;
    if let Some(l) = &p.limit {
        query.limit = parse_u64(l)
            .filter(|n| (1..=500).contains(n))
            .ok_or_else(|| bad_param("limit", "a number from 1 to 500"))?
            as usize;
    }
    match p.order.as_deref() {
        None | Some("asc") => {}
        Some("desc") => query.descending = true,
        Some(_) => return Err(bad_param("order", "asc or desc")),
    }
    let by_due = match p.sort.as_deref() {
        None | Some("id") => false,
        Some("due") => true,
        Some(_) => return Err(bad_param("sort", "id or due")),
    };
    let service = state.service.clone();
    let page = blocking(move || Ok(service.list(query, by_due)?)).await?;
    Ok(Json(page).into_response())
}

/// 下一件: the next review the caller can take up in queue order after `after` (the one just
/// decided), with the queue's filters; `{"review": null}` when there is none.
async fn next_review(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Reviewer])?;
    let p = query(params)?;
    for (field, given) in [("limit", &p.limit), ("order", &p.order), ("sort", &p.sort)] {
        if given.is_some() {
            return Err(bad_param(
                field,
                "nothing: /v1/reviews/next gives one review, in queue order",
            ));
        }
    }
    let query = queue_query(&caller, &p)?;
    let after = query.after;
    let service = state.service.clone();
    let actor = caller.0;
    let next = blocking(move || Ok(service.next(&actor, query, after)?)).await?;
    Ok(Json(serde_json::json!({ "review": next })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecideJson {
    decision: String,
    reason: Option<String>,
    /// In a staged deployment, the stage the reviewer decides at (refused when the review is
    /// at another).
    stage: Option<String>,
}

async fn decide(
    State(state): State<AppState>,
    caller: Caller,
    RequestCancel(cancel): RequestCancel,
    PathParam(id): PathParam,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Reviewer])?;
    let id = parse_id(&id)?;
    let j: DecideJson = json_body(raw, &headers, &state.limits)?;
    let decision = Decision::parse(&j.decision).ok_or_else(|| {
        ApiError::new(
            Kind::BadRequest,
            "field `decision`: expected \"approve\" or \"hold\"",
        )
    })?;
    let idempotency_key = idempotency_key(&headers)?;
    let reason = j.reason.unwrap_or_default();
    let service = state.service.clone();
    let actor = caller.0;
    let review = blocking(move || {
        Ok(service.decide(
            &actor,
            id,
            decision,
            &reason,
            j.stage,
            idempotency_key,
            &cancel,
        )?)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(review)).into_response())
}

/// The `Idempotency-Key` header, if given: a retried write with the same key counts once.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    v.to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 200)
        .map(|k| Some(k.to_string()))
        .ok_or_else(|| {
            ApiError::new(
                Kind::BadRequest,
                "header `Idempotency-Key`: 1 to 200 visible ASCII characters",
            )
        })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReturnJson {
    reason: Option<String>,
}

/// 退回修改: returns a review to its submitter for changes, with a required reason.
async fn return_review(
    State(state): State<AppState>,
    caller: Caller,
    RequestCancel(cancel): RequestCancel,
    PathParam(id): PathParam,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Reviewer])?;
    let id = parse_id(&id)?;
    let j: ReturnJson = json_body(raw, &headers, &state.limits)?;
    let idempotency_key = idempotency_key(&headers)?;
    let reason = j.reason.unwrap_or_default();
    let service = state.service.clone();
    let actor = caller.0;
    let review = blocking(move || {
        Ok(service.return_for_changes(&actor, id, &reason, idempotency_key, &cancel)?)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(review)).into_response())
}

/// A reviewer claims a review: it is theirs to review (我的待办).
async fn claim_review(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Reviewer])?;
    let id = parse_id(&id)?;
    let service = state.service.clone();
    let actor = caller.0;
    let review = blocking(move || Ok(service.assign(&actor, id, None)?)).await?;
    Ok(Json(review).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignJson {
    assignee: String,
}

/// A reviewer or admin assigns a review to a named reviewer.
async fn assign_review(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Reviewer])?;
    let id = parse_id(&id)?;
    let j: AssignJson = json_body(raw, &headers, &state.limits)?;
    let assignee = person_field("assignee", &j.assignee)?;
    let service = state.service.clone();
    let actor = caller.0;
    let review = blocking(move || Ok(service.assign(&actor, id, Some(&assignee))?)).await?;
    Ok(Json(review).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GateJson {
    sha256: String,
    /// The name the content will be published under.
    file_name: Option<String>,
}

/// The file name a request gives for its body: the `X-File-Name` header (UTF-8, raw or
/// percent-encoded), a `Content-Disposition` header's `filename*=UTF-8''…` or `filename="…"`,
/// or a `name` query parameter. Two different names are refused rather than one chosen.
fn upload_name(headers: &HeaderMap, raw_query: Option<&str>) -> Result<Option<String>, ApiError> {
    upload_name_and(headers, raw_query, &[])
}

/// [`upload_name`] on a query that may hold the parameters `others` too (read by the caller).
fn upload_name_and(
    headers: &HeaderMap,
    raw_query: Option<&str>,
    others: &[&str],
) -> Result<Option<String>, ApiError> {
    let mut names: Vec<(&str, String)> = Vec::new();
    if let Some(v) = headers.get("x-file-name") {
        names.push(("X-File-Name", header_name(v.as_bytes(), "X-File-Name")?));
    }
    if let Some(v) = headers.get(header::CONTENT_DISPOSITION) {
        if let Some(n) = disposition_name(v.as_bytes())? {
            names.push(("Content-Disposition", n));
        }
    }
    if let Some(q) = raw_query {
        for pair in q.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            if others.contains(&k) {
                continue;
            }
            if k != "name" {
                let takes: Vec<String> = std::iter::once("name")
                    .chain(others.iter().copied())
                    .map(|p| format!("`{p}`"))
                    .collect();
                return Err(ApiError::new(
                    Kind::BadRequest,
                    format!(
                        "query: unknown parameter `{}` (this endpoint takes {})",
                        truncate(k, 40),
                        takes.join(" and ")
                    ),
                ));
            }
            let v = percent_decode_strict(&v.replace('+', " ")).ok_or_else(|| {
                ApiError::new(
                    Kind::BadRequest,
                    "query `name`: not valid percent-encoded UTF-8",
                )
            })?;
            names.push(("the `name` parameter", v));
        }
    }
    if let [(a, first), rest @ ..] = names.as_slice() {
        if let Some((b, _)) = rest.iter().find(|(_, n)| n != first) {
            return Err(ApiError::new(
                Kind::BadRequest,
                format!("{a} and {b} give two different file names: give one"),
            ));
        }
    }
    let Some((_, name)) = names.into_iter().next() else {
        return Ok(None);
    };
    crate::service::clean_file_name(&name).map_err(ApiError::from)
}

/// A JSON body's `file_name` and the request's own (see [`upload_name`]): one of them, or
/// refused when they differ.
fn one_name(field: Option<String>, request: Option<String>) -> Result<Option<String>, ApiError> {
    match (field, request) {
        (Some(a), Some(b)) if a != b => Err(ApiError::new(
            Kind::BadRequest,
            "field `file_name` and the request's file name differ: give one",
        )),
        (a, b) => Ok(a.or(b)),
    }
}

/// A header value that is a file name, raw UTF-8 or percent-encoded; at most 1,024 bytes.
fn header_name(raw: &[u8], header: &str) -> Result<String, ApiError> {
    let bad = |what: &str| ApiError::new(Kind::BadRequest, format!("{header}: {what}"));
    if raw.len() > crate::service::MAX_FILE_NAME_BYTES {
        return Err(bad("longer than 1024 bytes"));
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' {
            let hex = raw
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| bad(&format!("malformed percent escape at byte {i}")))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|e| {
        bad(&format!(
            "not UTF-8 at byte {}",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// The file name of a `Content-Disposition` header (RFC 6266): `filename*=UTF-8''…` first,
/// else `filename="…"` or a bare `filename=…`.
fn disposition_name(raw: &[u8]) -> Result<Option<String>, ApiError> {
    let text = String::from_utf8(raw.to_vec()).map_err(|_| {
        ApiError::new(
            Kind::BadRequest,
            "Content-Disposition: not UTF-8 (use filename*=UTF-8''<percent-encoded name>)",
        )
    })?;
    let mut plain = None;
    for param in text.split(';').skip(1) {
        let Some((k, v)) = param.split_once('=') else {
            continue;
        };
        match k.trim().to_ascii_lowercase().as_str() {
            "filename*" => {
                let v = v.trim();
                let Some((charset, rest)) = v.split_once('\'') else {
                    return Err(ApiError::new(
                        Kind::BadRequest,
                        "Content-Disposition: filename* is not charset'language'value",
                    ));
                };
                if !charset.eq_ignore_ascii_case("utf-8") {
                    return Err(ApiError::new(
                        Kind::BadRequest,
                        format!(
                            "Content-Disposition: filename* in {} (only UTF-8 is read)",
                            truncate(charset, 20)
                        ),
                    ));
                }
                let value = rest.split_once('\'').map_or(rest, |(_, v)| v);
                return header_name(value.as_bytes(), "Content-Disposition filename*").map(Some);
            }
            "filename" => {
                let v = v.trim();
                let v = v
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .map_or_else(
                        || v.to_string(),
                        |v| v.replace("\\\"", "\"").replace("\\\\", "\\"),
                    );
                plain = Some(v);
            }
            _ => {}
        }
    }
    Ok(plain)
}

async fn gate(
    State(state): State<AppState>,
    caller: Caller,
    RequestCancel(cancel): RequestCancel,
    headers: HeaderMap,
    RawQuery(raw_query): RawQuery,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Publisher])?;
    let bytes = body(raw, &state.limits)?;
    let mut name = upload_name(&headers, raw_query.as_deref())?;
    let query = if is_json(&headers) {
        let j: GateJson = serde_json::from_slice(&bytes).map_err(|e| error::json_error(&e))?;
        name = one_name(j.file_name, name)?;
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
    // Even a lookup by hash reads the store: never on an async thread. The name the content
    // will be published under is checked there too, apart from the bytes, on every call.
    let answer =
        blocking(move || Ok(service.gate(&actor, query, name.as_deref(), &cancel)?)).await?;
    let status = if answer.allowed {
        StatusCode::OK
    } else {
        StatusCode::CONFLICT
    };
    Ok((status, Json(answer)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RedactionJson {
    /// The redaction policy: TOML text (as in a policy file) or its fields as JSON.
    policy: Option<serde_json::Value>,
}

/// The redaction policy a request gives: none (an empty body, `{}`) for the default; JSON
/// `{"policy": "<TOML text>"}` or `{"policy": {<fields>}}`; or the TOML text itself with
/// `Content-Type: application/toml`. Checked as `baomi redact --policy` checks a file.
fn redaction_policy(headers: &HeaderMap, bytes: &[u8]) -> Result<crate::redact::Policy, ApiError> {
    use crate::redact::Policy;
    let bad = |e: crate::redact::PolicyError| ApiError::new(Kind::BadRequest, e.to_string());
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Policy::default());
    }
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    if media == "application/toml" || media == "text/x-toml" {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| ApiError::new(Kind::BadRequest, "the policy is not UTF-8 text"))?;
        return Policy::parse(text, "policy").map_err(bad);
    }
    require_json(headers)?;
    let j: RedactionJson = serde_json::from_slice(bytes).map_err(|e| error::json_error(&e))?;
    match j.policy {
        None | Some(serde_json::Value::Null) => Ok(Policy::default()),
        Some(serde_json::Value::String(toml)) => {
            Policy::parse(&toml, "field `policy`").map_err(bad)
        }
        Some(v @ serde_json::Value::Object(_)) => {
            Policy::from_json(v, "field `policy`").map_err(bad)
        }
        Some(_) => Err(ApiError::new(
            Kind::BadRequest,
            "field `policy`: the policy's TOML text, or an object of its fields",
        )),
    }
}

/// 生成脱敏稿: a redacted copy of a review, as a new review linked to it (see
/// [`Service::redact`]). 201 with the copy, 200 when this reviewer made the same copy before.
async fn create_redaction(
    State(state): State<AppState>,
    caller: Caller,
    RequestCancel(cancel): RequestCancel,
    PathParam(id): PathParam,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Reviewer])?;
    let id = parse_id(&id)?;
    let bytes = body(raw, &state.limits)?;
    let policy = redaction_policy(&headers, &bytes)?;
    // The original must be one the caller may read (a reviewer reads every review; this keeps
    // the rule if roles change).
    readable_review(&state, &caller, &id.to_string()).await?;
    let service = state.service.clone();
    let actor = caller.0;
    let answer = blocking(move || Ok(service.redact(&actor, id, &policy, &cancel)?)).await?;
    let status = if answer.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let location = format!("/v1/reviews/{}", answer.review.id);
    Ok((status, [(header::LOCATION, location)], Json(answer)).into_response())
}

/// Scans a review again under the rules in force (a reviewer's 按现行规则重新审查). A person's
/// decision stands; the engine's new decision is recorded in the history.
async fn recheck(
    State(state): State<AppState>,
    caller: Caller,
    RequestCancel(cancel): RequestCancel,
    PathParam(id): PathParam,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Reviewer])?;
    let id = parse_id(&id)?;
    let service = state.service.clone();
    let actor = caller.0;
    let review = blocking(move || Ok(service.recheck(&actor, id, &cancel)?)).await?;
    Ok(Json(review).into_response())
}

async fn rules_info(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    caller.require(&[Role::Maintainer, Role::Reviewer])?;
    let in_force = state.service.in_force();
    let rules: Vec<serde_json::Value> = in_force
        .rules
        .engine
        .rules()
        .map(|r| {
            let (kind, terms, keywords) = (
                r.matcher.kind(),
                r.matcher.term_count(),
                r.matcher.keyword_count(),
            );
            serde_json::json!({
                "id": r.id,
                "name": r.name,
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
        "scan_id": in_force.scan_id,
        "suppressions_in_force": in_force.suppressions.entries.len(),
        "loaded_at": in_force.loaded_at,
        "loaded_by": in_force.loaded_by,
        "source": in_force.source,
        "editable": state.service.rules_dir().is_some(),
        "literals": in_force.rules.engine.literal_count(),
        "files": in_force.rules.files.iter().map(|f| crate::rules::base_name(&f.name)).collect::<Vec<_>>(),
        "rules": rules,
        "history": history,
        "recheck": state.service.recheck_progress(),
    });
    Ok(Json(body).into_response())
}

async fn ruleset_by_id(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
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
    PathParam(rule): PathParam,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Maintainer])?;
    let edit: crate::rules::edit::RuleEdit = json_body(raw, &headers, &state.limits)?;
    let service = state.service.clone();
    let actor = caller.0;
    let change = blocking(move || Ok(service.edit_rule(&actor, &rule, &edit)?)).await?;
    Ok(Json(change).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditParams {
    after: Option<String>,
    limit: Option<String>,
}

async fn audit_export(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<AuditParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[])?;
    let q = query(params)?;
    let after = match &q.after {
        Some(a) => parse_u64(a).ok_or_else(|| {
            ApiError::new(
                Kind::BadRequest,
                "query parameter `after`: expected a record number",
            )
        })?,
        None => 0,
    };
    let limit = match &q.limit {
        Some(l) => parse_u64(l)
            .filter(|n| (1..=10_000).contains(n))
            .map(|n| n as usize)
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
    /// The person's name: an existing person, or a new one created with the token.
    name: String,
    role: String,
    department: Option<String>,
}

/// A person's name and optional department, checked.
fn person_fields(
    name: &str,
    department: Option<&str>,
) -> Result<(String, Option<String>), ApiError> {
    let department = department
        .map(|d| person_field("department", d))
        .transpose()?;
    Ok((person_field("name", name)?, department))
}

/// A person's name or department: trimmed, 1 to 64 characters, one line.
fn person_field(field: &str, value: &str) -> Result<String, ApiError> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > 64 || v.chars().any(char::is_control) {
        return Err(ApiError::new(
            Kind::BadRequest,
            format!("field `{field}`: 1 to 64 characters on one line"),
        ));
    }
    Ok(v.to_string())
}

async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[])?;
    let j: TokenJson = json_body(raw, &headers, &state.limits)?;
    let role = Role::parse(&j.role).ok_or_else(|| {
        ApiError::new(
            Kind::BadRequest,
            "field `role`: expected submitter, reviewer, publisher, maintainer or admin",
        )
    })?;
    let (name, department) = person_fields(&j.name, j.department.as_deref())?;
    let service = state.service.clone();
    let actor = caller.0;
    let (secret, record) = blocking(move || {
        Ok(service
            .store
            .create_token(&name, department.as_deref(), role, &actor)?)
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "token": secret, "record": record })),
    )
        .into_response())
}

async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
) -> Result<Response, ApiError> {
    caller.require(&[])?;
    let service = state.service.clone();
    let actor = caller.0;
    let revoked = blocking(move || Ok(service.store.revoke_token(&id, &actor)?)).await?;
    Ok(Json(serde_json::json!({ "revoked": revoked })).into_response())
}

async fn list_persons(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    caller.require(&[])?;
    let service = state.service.clone();
    let persons = blocking(move || Ok(service.store.persons()?)).await?;
    Ok(Json(serde_json::json!({ "persons": persons })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonJson {
    name: String,
    department: Option<String>,
}

async fn create_person(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[])?;
    let j: PersonJson = json_body(raw, &headers, &state.limits)?;
    let (name, department) = person_fields(&j.name, j.department.as_deref())?;
    let service = state.service.clone();
    let actor = caller.0;
    let person = blocking(move || {
        Ok(service
            .store
            .create_person(&name, department.as_deref(), &actor)?)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(person)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SuppressionParams {
    format: Option<String>,
}

/// Every suppression with its state and whether it applies now; `?format=toml`: the ones in
/// force as a suppression file for `baomi scan --suppressions`.
async fn list_suppressions(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<SuppressionParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Maintainer, Role::Reviewer])?;
    let q = query(params)?;
    let service = state.service.clone();
    match q.format.as_deref() {
        None | Some("json") => {
            let list = blocking(move || Ok(service.suppressions()?)).await?;
            Ok(Json(serde_json::json!({ "suppressions": list })).into_response())
        }
        Some("toml") => Ok((
            [
                (header::CONTENT_TYPE, "application/toml; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"suppressions.toml\"",
                ),
            ],
            service.suppressions_file(),
        )
            .into_response()),
        Some(_) => Err(ApiError::new(
            Kind::BadRequest,
            "query parameter `format`: expected json or toml",
        )),
    }
}

/// A maintainer proposes a suppression; it applies once another person approves it.
async fn propose_suppression(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Maintainer])?;
    let p: crate::service::Proposal = json_body(raw, &headers, &state.limits)?;
    let service = state.service.clone();
    let actor = caller.0;
    let record = blocking(move || Ok(service.propose_suppression(&actor, p)?)).await?;
    Ok((StatusCode::CREATED, Json(record)).into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SuppressionChangeJson {
    #[serde(default)]
    reason: String,
}

async fn change_suppression(
    state: AppState,
    caller: Caller,
    id: String,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
    change: crate::store::SuppressionChange,
) -> Result<Response, ApiError> {
    let j: SuppressionChangeJson = match &raw {
        Ok(b) if b.is_empty() => SuppressionChangeJson::default(),
        _ => json_body(raw, &headers, &state.limits)?,
    };
    let service = state.service.clone();
    let actor = caller.0;
    let record =
        blocking(move || Ok(service.change_suppression(&actor, &id, change, &j.reason)?)).await?;
    Ok(Json(record).into_response())
}

/// A reviewer (not its proposer) approves a proposed suppression: it applies from now on.
async fn approve_suppression(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Reviewer])?;
    use crate::store::SuppressionChange::Approve;
    change_suppression(state, caller, id, headers, raw, Approve).await
}

async fn reject_suppression(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Reviewer])?;
    use crate::store::SuppressionChange::Reject;
    change_suppression(state, caller, id, headers, raw, Reject).await
}

/// Takes a suppression back: a stricter rule set needs no second person.
async fn revoke_suppression(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Reviewer, Role::Maintainer])?;
    use crate::store::SuppressionChange::Revoke;
    change_suppression(state, caller, id, headers, raw, Revoke).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatsParams {
    from: Option<String>,
    to: Option<String>,
    group: Option<String>,
    format: Option<String>,
}

/// The figures for the annual report (see [`crate::stats`]): of the drafts received from
/// `from` to `to` (days in China, both included; the current year when neither is given), in
/// rows per `group`; as JSON, or as the table for the report (`format=csv` or `xlsx`, a
/// download). Reviewers and admins: the figures name reviewers and departments.
async fn stats(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<StatsParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    use crate::calendar::Day;
    use crate::stats::{table, Group, Period};
    caller.require(&[Role::Reviewer])?;
    let p = query(params)?;
    let day = |field: &str, v: &str| {
        Day::parse(v).ok_or_else(|| bad_param(field, "a real date like 2026-01-31"))
    };
    let period = match (&p.from, &p.to) {
        (Some(from), Some(to)) => Period::new(day("from", from)?, day("to", to)?),
        (None, None) => Period::year(Day::today_in_china().year()),
        (Some(_), None) => return Err(bad_param("to", "a date, with `from`")),
        (None, Some(_)) => return Err(bad_param("from", "a date, with `to`")),
    }
    .map_err(|e| ApiError::new(Kind::BadRequest, e))?;
    let group = match p.group.as_deref() {
        None => Group::Month,
        Some(g) => Group::parse(g)
            .ok_or_else(|| bad_param("group", "month, category, dept or reviewer"))?,
    };
    let format = p.format.unwrap_or_else(|| "json".into());
    if !matches!(format.as_str(), "json" | "csv" | "xlsx") {
        return Err(bad_param("format", "json, csv or xlsx"));
    }
    let service = state.service.clone();
    let figures = blocking(move || Ok(service.stats(period, group)?)).await?;
    let (content_type, bytes) = match format.as_str() {
        "csv" => ("text/csv; charset=utf-8", table::csv(&figures)),
        "xlsx" => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            table::xlsx(&figures).map_err(|e| ApiError::new(Kind::Internal, e))?,
        ),
        _ => return Ok(Json(figures).into_response()),
    };
    let name = format!(
        "保密审查统计_{}_{}_{}.{format}",
        figures.from,
        figures.to,
        figures.group.zh()
    );
    let mut response = ([(header::CONTENT_TYPE, content_type)], bytes).into_response();
    if let Ok(v) = header::HeaderValue::from_str(&content_disposition(&name)) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
