//! One error type for the HTTP layer and the one table that maps every kind to a status code.
//! Every 4xx and 5xx body is `{"code": str, "message": str}`; messages never quote document
//! text.

use crate::service::ServiceError;
use crate::store::StoreError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Timeout,
    TooLarge,
    UnsupportedMediaType,
    Unreadable,
    InvalidRules,
    /// Two versions too large to compare line by line.
    DiffTooLarge,
    /// A format a redaction cannot rewrite safely.
    NotRedactable,
    /// A redacted copy failed its proof: nothing recorded.
    RedactionFailed,
    /// Nothing a mask can hide: no copy made.
    NothingToRedact,
    Conflict,
    Busy,
    Unavailable,
    /// The store failed after the write may have reached the disk.
    InDoubt,
    Internal,
}

impl Kind {
    fn status(self) -> StatusCode {
        match self {
            Kind::BadRequest => StatusCode::BAD_REQUEST,
            Kind::Unauthorized => StatusCode::UNAUTHORIZED,
            Kind::Forbidden => StatusCode::FORBIDDEN,
            Kind::NotFound => StatusCode::NOT_FOUND,
            Kind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Kind::Timeout => StatusCode::REQUEST_TIMEOUT,
            Kind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Kind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Kind::Unreadable => StatusCode::UNPROCESSABLE_ENTITY,
            Kind::InvalidRules => StatusCode::UNPROCESSABLE_ENTITY,
            Kind::DiffTooLarge => StatusCode::UNPROCESSABLE_ENTITY,
            Kind::NotRedactable | Kind::RedactionFailed | Kind::NothingToRedact => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Kind::Conflict => StatusCode::CONFLICT,
            Kind::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Kind::Unavailable | Kind::InDoubt => StatusCode::SERVICE_UNAVAILABLE,
            Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Kind::BadRequest => "bad_request",
            Kind::Unauthorized => "unauthorized",
            Kind::Forbidden => "forbidden",
            Kind::NotFound => "not_found",
            Kind::MethodNotAllowed => "method_not_allowed",
            Kind::Timeout => "timeout",
            Kind::TooLarge => "payload_too_large",
            Kind::UnsupportedMediaType => "unsupported_media_type",
            Kind::Unreadable => "unreadable_document",
            Kind::InvalidRules => "invalid_rules",
            Kind::DiffTooLarge => "diff_too_large",
            Kind::NotRedactable => "not_redactable",
            Kind::RedactionFailed => "redaction_failed",
            Kind::NothingToRedact => "nothing_to_redact",
            Kind::Conflict => "conflict",
            Kind::Busy => "busy",
            Kind::Unavailable => "store_unavailable",
            Kind::InDoubt => "write_in_doubt",
            Kind::Internal => "internal",
        }
    }
}

#[derive(Debug)]
pub struct ApiError {
    pub kind: Kind,
    pub message: String,
    /// Itemised problems (each rule-set error with its file:line:col).
    pub errors: Vec<String>,
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    errors: &'a [String],
}

impl ApiError {
    pub fn new(kind: Kind, message: impl Into<String>) -> ApiError {
        ApiError {
            kind,
            message: message.into(),
            errors: Vec::new(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.kind.status(),
            Json(Body {
                code: self.kind.code(),
                message: &self.message,
                errors: &self.errors,
            }),
        )
            .into_response();
        if matches!(self.kind, Kind::Busy | Kind::Unavailable | Kind::InDoubt) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        if self.kind == Kind::Unauthorized {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        if let ServiceError::RulesRejected(errors, _) = &e {
            let mut err = ApiError::new(Kind::InvalidRules, e.to_string());
            err.errors = errors.clone();
            return err;
        }
        let kind = match &e {
            ServiceError::RulesRejected(..) => Kind::InvalidRules,
            ServiceError::Invalid(_) => Kind::BadRequest,
            ServiceError::Unreadable(_) => Kind::Unreadable,
            ServiceError::NotFound(_) => Kind::NotFound,
            ServiceError::Forbidden(_) => Kind::Forbidden,
            ServiceError::Conflict(_) => Kind::Conflict,
            ServiceError::TooLargeToCompare(_) => Kind::DiffTooLarge,
            ServiceError::NotRedactable(_) => Kind::NotRedactable,
            ServiceError::RedactionFailed(_) => Kind::RedactionFailed,
            ServiceError::NothingToRedact(_) => Kind::NothingToRedact,
            ServiceError::Busy { .. } => Kind::Busy,
            ServiceError::Cancelled => Kind::Timeout,
            ServiceError::Store(StoreError::NotFound(_)) => Kind::NotFound,
            ServiceError::Store(StoreError::Forbidden(_)) => Kind::Forbidden,
            ServiceError::Store(StoreError::Conflict(_)) => Kind::Conflict,
            ServiceError::Store(StoreError::InDoubt(_)) => Kind::InDoubt,
            ServiceError::Store(_) => Kind::Unavailable,
        };
        ApiError::new(kind, e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::from(ServiceError::from(e))
    }
}

/// A serde_json error described by position and category only: serde's own messages can quote
/// the offending value, which may be document text.
pub fn json_error(e: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    let full = e.to_string();
    let missing = full
        .starts_with("missing field")
        .then(|| full.split(" at line").next().unwrap_or("missing field"));
    let what = match (e.classify(), missing) {
        (Category::Data, Some(m)) => m,
        (Category::Syntax, _) => "malformed JSON",
        (Category::Eof, _) => "the JSON ends too early",
        (Category::Data, None) => "a field has the wrong type",
        (Category::Io, _) => "the body could not be read",
    };
    ApiError::new(
        Kind::BadRequest,
        format!(
            "invalid JSON body: {what} at line {} column {}",
            e.line(),
            e.column()
        ),
    )
}
