//! The reviewer's console: a static page served by `baomi serve` itself, and `GET /v1/me`.
//!
//! The page is plain HTML, CSS and JavaScript embedded in the binary: nothing is built or
//! downloaded at run time, and the browser never asks another host for anything (the
//! Content-Security-Policy forbids it). The console holds no privilege of its own: every action
//! is a call to the JSON API with the signed-in user's bearer token, so the API's role and
//! four-eyes checks apply exactly as they do to `curl`. The assets themselves are public (they
//! contain no data), which is why their routes need no token.

use super::{ApiError, AppState, Caller, Kind};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::sync::OnceLock;

/// One embedded file: its URL name, content type and bytes.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "index.html",
        content_type: "text/html; charset=utf-8",
        body: include_bytes!("console/index.html"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("console/app.js"),
    },
    Asset {
        name: "stats.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("console/stats.js"),
    },
    Asset {
        name: "suppressions.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("console/suppressions.js"),
    },
    Asset {
        name: "util.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("console/util.js"),
    },
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("console/app.css"),
    },
    Asset {
        name: "icon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("console/icon.svg"),
    },
];

/// Only this origin's scripts, styles, images and API; no inline script or style, no framing
/// (the decide buttons must not be clickjacked), no form posts anywhere.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; \
                   frame-ancestors 'none'";

/// The console's routes, merged into the API router by [`super::router`].
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/console/{file}", get(asset))
        .route("/v1/me", get(me))
}

async fn index(headers: HeaderMap) -> Response {
    serve(&ASSETS[0], &headers)
}

async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Result<Response, ApiError> {
    ASSETS
        .iter()
        .find(|a| a.name == file)
        .map(|a| serve(a, &headers))
        .ok_or_else(|| ApiError::new(Kind::NotFound, "no such console file"))
}

/// ETags of the embedded files, computed once: a hash of the content, so a new binary with a
/// changed page is never served from a stale cache.
fn etag(asset: &Asset) -> &'static str {
    static TAGS: OnceLock<Vec<String>> = OnceLock::new();
    let tags = TAGS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| format!("\"{}\"", &crate::sha256_hex(a.body)[..16]))
            .collect()
    });
    let i = ASSETS
        .iter()
        .position(|a| a.name == asset.name)
        .expect("an embedded asset");
    &tags[i]
}

fn serve(asset: &Asset, request: &HeaderMap) -> Response {
    let tag = etag(asset);
    // `no-cache` means "revalidate every time": the page and its scripts always match the
    // binary that serves the API, at the cost of one small conditional request per file.
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            )],
            asset.body,
        )
            .into_response()
    };
    let h = response.headers_mut();
    h.insert(header::ETAG, HeaderValue::from_static(tag));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// Who the token belongs to: the console signs in with this call and shows what the role
/// allows, with times in the deployment's time zone.
async fn me(State(state): State<AppState>, caller: Caller) -> Response {
    Json(serde_json::json!({
        "name": caller.0.name,
        "role": caller.0.role,
        "time_zone": &*state.time_zone,
        "office": super::office_info(state.service.office()),
    }))
    .into_response()
}
