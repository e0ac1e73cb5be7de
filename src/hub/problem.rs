//! Every error the hub answers with, as RFC 9457 `application/problem+json`.
//!
//! Which error to use where: handlers return [`ApiError`]; store errors convert into it through
//! `From` (becoming an opaque 500 whose detail is logged, not returned, unless the call site
//! maps them first, e.g. a unique violation to [`ApiError::BatchConflict`]). Request bodies and
//! query strings go through [`AppJson`] and [`AppQuery`], so malformed input is a problem too.
//! Errors produced outside handlers (unknown routes, timeouts, body limits) are rewritten into
//! problems by [`problem_fallback`]. Every problem `type` is listed in the OpenAPI document.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::store::workflow::WorkflowError;
use crate::store::{DailyLimitHit, StoreError};

/// The media type of problem responses.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// At most this many record errors are listed in one response.
pub const MAX_LISTED_ERRORS: usize = 1000;

/// One problem with one field of one submitted record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Index of the record in the request's `records` array.
    pub record: usize,
    /// The field (`ref`, `keys[3]`, `referral_reason`, …).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// An error answered to a client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 Bad Request: the body is not JSON.
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    /// 422 Unprocessable Content: JSON of the wrong shape, or a bad query parameter.
    #[error("{0}")]
    InvalidRequest(String),
    /// 422 Unprocessable Content: some records are invalid; nothing was written.
    #[error("{n_invalid} of {n_records} records are invalid; nothing was stored")]
    InvalidRecords {
        /// The errors, at most [`MAX_LISTED_ERRORS`].
        errors: Vec<FieldError>,
        /// Records with at least one error.
        n_invalid: usize,
        /// Records in the request.
        n_records: usize,
    },
    /// 422 Unprocessable Content: a protocol version the hub does not speak.
    #[error("protocol version {0} is not supported; this hub speaks version {speaks}", speaks = crate::wire::PROTOCOL_VERSION)]
    UnsupportedProtocol(u32),
    /// 422 Unprocessable Content: the agreement does not accept this key epoch.
    #[error("agreement {agreement_id} does not accept key epoch {epoch} (accepted: {accepted})")]
    EpochNotAccepted {
        /// The agreement.
        agreement_id: String,
        /// The epoch given.
        epoch: u32,
        /// The epochs accepted, comma-separated.
        accepted: String,
    },
    /// 401 Unauthorized: no or unknown API key.
    #[error("a valid API key is required (Authorization: Bearer <key>)")]
    Unauthenticated,
    /// 403 Forbidden: the key's role may not use this route.
    #[error("{0}")]
    Forbidden(&'static str),
    /// 404 Not Found: no such resource visible to the caller (also when it belongs to another
    /// authority, so existence is not revealed).
    #[error("{0} not found")]
    NotFound(String),
    /// 409 Conflict: a different batch was already received under this batch id.
    #[error("batch {0} was already received with different content")]
    BatchConflict(String),
    /// 409 Conflict, with `Retry-After`: the batch is being received by another request, or
    /// was accepted and its records are still being stored; retried later it gets its answer.
    #[error("batch {0} is still being received or stored by an earlier request; retry in a few seconds for its answer")]
    BatchInProgress(String),
    /// 409 Conflict: the case is already closed.
    #[error("case {0} is already closed")]
    CaseClosed(String),
    /// 409 Conflict: the candidate's state does not allow the action.
    #[error("{0}")]
    InvalidTransition(String),
    /// 409 Conflict: this authority already took this decision on the candidate.
    #[error("{0}")]
    AlreadyDecided(String),
    /// 409 Conflict: the sealed records are not released (both sides must confirm first).
    #[error("{0}")]
    NotReleased(String),
    /// 409 Conflict: the other side has no disclosure key to seal to.
    #[error("{0}")]
    NoDisclosureKey(String),
    /// 409 Conflict: the record was sealed to a key that is no longer the other side's.
    #[error("{0}")]
    StaleDisclosureKey(String),
    /// 409 Conflict: another request changed the candidate first; read it again and retry.
    #[error("{0}")]
    ConcurrentChange(String),
    /// 410 Gone: the data was purged under the agreement's retention rules.
    #[error("{0}")]
    Purged(String),
    /// 429 Too Many Requests: the authority's search rate limit was reached.
    #[error("search rate limit reached ({per_minute} per minute); retry in {retry_after_secs} s")]
    RateLimited {
        /// The limit.
        per_minute: u32,
        /// Seconds until a search is allowed again.
        retry_after_secs: u64,
    },
    /// 429 Too Many Requests: the request would take the authority past a daily limit of its
    /// agreement; it was refused whole and nothing was stored.
    #[error(transparent)]
    DailyLimitReached(Box<DailyLimitHit>),
    /// 413 Content Too Large.
    #[error("the request body is larger than the hub accepts")]
    PayloadTooLarge,
    /// 413 Content Too Large: a streamed batch has too many records or too long a line.
    #[error("{0}")]
    BatchTooLarge(String),
    /// 400 Bad Request: the body could not be read (a corrupt gzip stream, a broken upload).
    #[error("{0}")]
    UnreadableBody(String),
    /// 415 Unsupported Media Type.
    #[error("expected a body of type application/json")]
    UnsupportedMediaType,
    /// 503 Service Unavailable: the database cannot be reached just now (sent with
    /// `Retry-After`); nothing of the request was written or answered unaudited.
    #[error("the hub's database is unavailable; try again shortly")]
    DatabaseUnavailable,
    /// 503 Service Unavailable: the matching index is still being rebuilt.
    #[error("the hub is starting; try again shortly")]
    NotReady,
    /// 500 Internal Server Error; the detail is logged, not returned.
    #[error("internal error")]
    Internal(String),
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a [FieldError]>,
    /// The limit, the count and the agreement of a `daily-limit-reached` problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<&'a DailyLimitHit>,
}

impl ApiError {
    /// The status, the `type` slug and the title.
    pub fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        use ApiError::*;
        match self {
            MalformedJson(_) => (StatusCode::BAD_REQUEST, "malformed-json", "Malformed JSON"),
            InvalidRequest(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-request",
                "Invalid request",
            ),
            InvalidRecords { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-records",
                "Invalid records",
            ),
            UnsupportedProtocol(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "unsupported-protocol",
                "Unsupported protocol version",
            ),
            EpochNotAccepted { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "epoch-not-accepted",
                "Key epoch not accepted",
            ),
            Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Unauthenticated",
            ),
            Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Forbidden"),
            NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            BatchConflict(_) => (StatusCode::CONFLICT, "batch-conflict", "Batch id reused"),
            BatchInProgress(_) => (
                StatusCode::CONFLICT,
                "batch-in-progress",
                "Batch still being received or stored",
            ),
            CaseClosed(_) => (StatusCode::CONFLICT, "case-closed", "Case already closed"),
            InvalidTransition(_) => (
                StatusCode::CONFLICT,
                "invalid-transition",
                "Not allowed in the candidate's state",
            ),
            AlreadyDecided(_) => (StatusCode::CONFLICT, "already-decided", "Already decided"),
            NotReleased(_) => (StatusCode::CONFLICT, "not-released", "Not released"),
            NoDisclosureKey(_) => (
                StatusCode::CONFLICT,
                "no-disclosure-key",
                "No disclosure key",
            ),
            StaleDisclosureKey(_) => (
                StatusCode::CONFLICT,
                "stale-disclosure-key",
                "Stale disclosure key",
            ),
            ConcurrentChange(_) => (
                StatusCode::CONFLICT,
                "concurrent-change",
                "Changed concurrently",
            ),
            Purged(_) => (StatusCode::GONE, "purged", "Purged"),
            RateLimited { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Rate limit reached",
            ),
            DailyLimitReached(_) => (
                StatusCode::TOO_MANY_REQUESTS,
                "daily-limit-reached",
                "Daily limit reached",
            ),
            PayloadTooLarge | BatchTooLarge(_) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "Payload too large",
            ),
            UnreadableBody(_) => (
                StatusCode::BAD_REQUEST,
                "unreadable-body",
                "Unreadable body",
            ),
            UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
            ),
            NotReady => (StatusCode::SERVICE_UNAVAILABLE, "not-ready", "Not ready"),
            DatabaseUnavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "database-unavailable",
                "Database unavailable",
            ),
            Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
            ),
        }
    }
}

/// Seconds a client is asked to wait when the database is unavailable.
pub const DATABASE_RETRY_AFTER_SECS: u64 = 5;

/// The `type` URI of a problem slug.
pub fn problem_type(slug: &str) -> String {
    format!("urn:pupilmatch:problem:{slug}")
}

fn problem_response(
    status: StatusCode,
    kind: String,
    title: &str,
    detail: String,
    errors: Option<&[FieldError]>,
    limit: Option<&DailyLimitHit>,
) -> Response {
    let body = serde_json::to_vec(&Problem {
        kind,
        title,
        status: status.as_u16(),
        detail,
        errors,
        limit,
    })
    .unwrap_or_default();
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}

/// `value` of the request field `name` if it lies in `range`, else a 422 naming the field, the
/// range and the value (a NaN is in no range).
pub fn in_range<T: PartialOrd + std::fmt::Display>(
    name: &str,
    value: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ApiError> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(ApiError::InvalidRequest(format!(
            "{name} must be between {} and {} (was {value})",
            range.start(),
            range.end()
        )))
    }
}

/// The answer when a handler panics: the panic is logged and the client gets the usual 500
/// `internal` problem (with its request id), instead of a dropped connection.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_string()))
        .unwrap_or_else(|| "no message".into());
    ApiError::Internal(format!("a handler panicked: {message}")).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, slug, title) = self.parts();
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let errors = match &self {
            ApiError::InvalidRecords { errors, .. } => Some(errors.as_slice()),
            _ => None,
        };
        let limit = match &self {
            ApiError::DailyLimitReached(hit) => Some(hit.as_ref()),
            _ => None,
        };
        let mut response = problem_response(
            status,
            problem_type(slug),
            title,
            self.to_string(),
            errors,
            limit,
        );
        let retry_after = match &self {
            ApiError::RateLimited {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            ApiError::DailyLimitReached(hit) => Some(hit.retry_after_secs(chrono::Utc::now())),
            ApiError::DatabaseUnavailable | ApiError::BatchInProgress(_) => {
                Some(DATABASE_RETRY_AFTER_SECS)
            }
            _ => None,
        };
        if let Some(secs) = retry_after {
            if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            // Counted and audited by `hub::limits::settle`, which every write that can be
            // refused at a limit goes through.
            StoreError::DailyLimit(hit) => ApiError::DailyLimitReached(hit),
            other if other.is_unavailable() => {
                tracing::warn!(error = %other, "the database is unavailable: answered 503");
                ApiError::DatabaseUnavailable
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<WorkflowError> for ApiError {
    fn from(error: WorkflowError) -> Self {
        use crate::store::workflow::state::TransitionError;
        let detail = error.to_string();
        match error {
            WorkflowError::NotFound(id) => ApiError::NotFound(format!("candidate {id}")),
            WorkflowError::Transition { error, .. } => match error {
                TransitionError::AlreadyDecided(_) => ApiError::AlreadyDecided(detail),
                TransitionError::NotReleased(_) => ApiError::NotReleased(detail),
                TransitionError::InvalidState { .. } | TransitionError::NotOpened => {
                    ApiError::InvalidTransition(detail)
                }
            },
            WorkflowError::NoCounterpartKey(_) => ApiError::NoDisclosureKey(detail),
            WorkflowError::StaleKey { .. } => ApiError::StaleDisclosureKey(detail),
            WorkflowError::Concurrent(_) => ApiError::ConcurrentChange(detail),
            WorkflowError::Purged(_) => ApiError::Purged(detail),
            WorkflowError::Store(e) => e.into(),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonSyntaxError(e) => ApiError::MalformedJson(e.body_text()),
            JsonRejection::JsonDataError(e) => ApiError::InvalidRequest(e.body_text()),
            JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType,
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            other => ApiError::MalformedJson(other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::InvalidRequest(rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        // "Cannot parse `abc` to a `i64`" names the value; say which part of the path it was.
        ApiError::InvalidRequest(format!("path: {}", rejection.body_text()))
    }
}

/// `axum::extract::Path` whose rejections are problem responses naming the bad segment.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct AppPath<T>(pub T);

/// `axum::Json` whose rejections are problem responses.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct AppJson<T>(pub T);

impl<T: Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Query` whose rejections are problem responses.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct AppQuery<T>(pub T);

/// Middleware: rewrites error responses that are not yet problems (unknown routes, wrong
/// methods, timeouts, body limits) into `application/problem+json`.
pub async fn problem_fallback(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes());
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response;
    }
    let title = status.canonical_reason().unwrap_or("Error");
    let detail = match status {
        StatusCode::NOT_FOUND => "no such route".to_string(),
        StatusCode::METHOD_NOT_ALLOWED => "method not allowed on this route".to_string(),
        StatusCode::REQUEST_TIMEOUT => "the request took longer than the hub allows".to_string(),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge.to_string(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "the hub reads JSON (`Content-Type: \
            application/json`) or NDJSON (`application/x-ndjson`), optionally gzip-compressed \
            (`Content-Encoding: gzip`); nothing else"
            .to_string(),
        _ => title.to_string(),
    };
    let mut rewritten =
        problem_response(status, "about:blank".to_string(), title, detail, None, None);
    for name in [header::ALLOW, header::WWW_AUTHENTICATE] {
        if let Some(value) = response.headers().get(&name) {
            rewritten.headers_mut().insert(name, value.clone());
        }
    }
    rewritten
}

#[cfg(test)]
mod tests {

    #[tokio::test]
    async fn a_panicking_handler_is_answered_with_an_internal_problem() {
        use tower::ServiceExt;
        let app = axum::Router::new()
            .route(
                "/boom",
                axum::routing::get(|| async {
                    if true {
                        panic!("deliberately");
                    }
                    "unreachable"
                }),
            )
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(
                panic_response,
            ));
        let request = axum::http::Request::get("/boom")
            .body(axum::body::Body::empty())
            .unwrap();
        let response = app.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem["type"], problem_type("internal"));
        assert!(
            !problem["detail"].as_str().unwrap().contains("deliberately"),
            "the panic is logged, not sent"
        );
    }

    use super::*;

    /// One of every variant; the `match` makes a new variant a compile error until it is
    /// listed here (and therefore checked against the OpenAPI document).
    fn every_error() -> Vec<ApiError> {
        let all = vec![
            ApiError::MalformedJson(String::new()),
            ApiError::InvalidRequest(String::new()),
            ApiError::InvalidRecords {
                errors: Vec::new(),
                n_invalid: 0,
                n_records: 0,
            },
            ApiError::UnsupportedProtocol(2),
            ApiError::EpochNotAccepted {
                agreement_id: String::new(),
                epoch: 0,
                accepted: String::new(),
            },
            ApiError::Unauthenticated,
            ApiError::Forbidden(""),
            ApiError::NotFound(String::new()),
            ApiError::BatchConflict(String::new()),
            ApiError::BatchInProgress(String::new()),
            ApiError::CaseClosed(String::new()),
            ApiError::InvalidTransition(String::new()),
            ApiError::AlreadyDecided(String::new()),
            ApiError::NotReleased(String::new()),
            ApiError::NoDisclosureKey(String::new()),
            ApiError::StaleDisclosureKey(String::new()),
            ApiError::ConcurrentChange(String::new()),
            ApiError::Purged(String::new()),
            ApiError::RateLimited {
                per_minute: 1,
                retry_after_secs: 1,
            },
            ApiError::DailyLimitReached(Box::new(DailyLimitHit {
                agreement_id: String::new(),
                authority: String::new(),
                metered: crate::store::Metered::Cases,
                per_day: 0,
                used: 0,
                requested: 1,
                day: chrono::NaiveDate::MIN,
            })),
            ApiError::PayloadTooLarge,
            ApiError::BatchTooLarge(String::new()),
            ApiError::UnreadableBody(String::new()),
            ApiError::UnsupportedMediaType,
            ApiError::NotReady,
            ApiError::DatabaseUnavailable,
            ApiError::Internal(String::new()),
        ];
        for error in &all {
            match error {
                ApiError::MalformedJson(_)
                | ApiError::InvalidRequest(_)
                | ApiError::InvalidRecords { .. }
                | ApiError::UnsupportedProtocol(_)
                | ApiError::EpochNotAccepted { .. }
                | ApiError::Unauthenticated
                | ApiError::Forbidden(_)
                | ApiError::NotFound(_)
                | ApiError::BatchConflict(_)
                | ApiError::BatchInProgress(_)
                | ApiError::CaseClosed(_)
                | ApiError::InvalidTransition(_)
                | ApiError::AlreadyDecided(_)
                | ApiError::NotReleased(_)
                | ApiError::NoDisclosureKey(_)
                | ApiError::StaleDisclosureKey(_)
                | ApiError::ConcurrentChange(_)
                | ApiError::Purged(_)
                | ApiError::RateLimited { .. }
                | ApiError::DailyLimitReached(_)
                | ApiError::PayloadTooLarge
                | ApiError::BatchTooLarge(_)
                | ApiError::UnreadableBody(_)
                | ApiError::UnsupportedMediaType
                | ApiError::NotReady
                | ApiError::DatabaseUnavailable
                | ApiError::Internal(_) => {}
            }
        }
        all
    }

    #[test]
    fn every_problem_type_is_listed_in_the_openapi_document() {
        let openapi: serde_json::Value = serde_json::from_str(crate::hub::OPENAPI).unwrap();
        let listed = &openapi["components"]["schemas"]["Problem"]["properties"]["type"]["enum"];
        let listed: Vec<&str> = listed
            .as_array()
            .expect("the Problem type enum")
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        for error in every_error() {
            let (_, slug, _) = error.parts();
            assert!(
                listed.contains(&problem_type(slug).as_str()),
                "{slug} is missing from the OpenAPI Problem.type enum"
            );
        }
    }
}
