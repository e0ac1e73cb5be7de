//! Operational routes: `/healthz` (the process answers), `/readyz` (database taking writes
//! and index rebuilt), `/metrics` (Prometheus text), `/v1/openapi.json`, and the operators' audit
//! chain check `GET /v1/audit/verify`.

use std::sync::atomic::Ordering;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use super::auth::OperatorCaller;
use super::problem::{ApiError, AppJson};
use super::state::AppState;

/// The OpenAPI 3.1 document of the whole API.
pub const OPENAPI: &str = include_str!("openapi.json");

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/audit/verify", get(verify_audit))
}

async fn healthz() -> AppJson<Value> {
    AppJson(json!({"status": "ok"}))
}

async fn readyz(State(state): State<AppState>) -> Result<AppJson<Value>, ApiError> {
    state.ensure_ready()?;
    // Writable, not merely reachable: every search is audited, so a database that answers
    // reads but refuses writes (SQLite write-locked by another process, a read-only file or
    // standby) cannot serve the hub's main route, and a balancer should send traffic
    // elsewhere (issue #20 item 2). The probe writes nothing.
    if !state.store.accepts_writes().await {
        return Err(ApiError::NotReady);
    }
    let model = state.index.read().map(|index| {
        let model = index.model();
        json!({"fingerprint": model.fingerprint(), "trained_on": model.training.source})
    });
    Ok(AppJson(json!({
        "status": "ready",
        "index_records": state.metrics.index_records.load(Ordering::Relaxed),
        "model": model.unwrap_or(Value::Null),
    })))
}

async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn verify_audit(
    State(state): State<AppState>,
    OperatorCaller(operator): OperatorCaller,
) -> Result<AppJson<Value>, ApiError> {
    let report = state.store.verify_audit_chain().await?;
    tracing::info!(%operator, n_events = report.n_events, intact = report.intact(), "audit chain verified");
    Ok(AppJson(json!({
        "n_events": report.n_events,
        "n_legacy": report.n_legacy,
        "head": report.head,
        "intact": report.intact(),
        "first_broken": report.first_broken,
        "why": report.why.as_ref().map(ToString::to_string),
    })))
}

/// Middleware: counts every response by status class.
pub async fn count_responses(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    state.metrics.count_response(response.status().as_u16());
    if response.status() == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::warn!("request failed with 500");
    }
    response
}
