//! Audit exports for data-protection officers: `GET /v1/audit/events` (an authority's own
//! events) and `GET /v1/audit/authorities/{code}/events` (any authority's, for operators). Each
//! event carries its chain hashes so it can be checked against `GET /v1/audit/verify`. Every
//! export is itself audited.
//!
//! `GET /v1/audit/checkpoint` gives an authority the chain's length and head signed with the
//! hub's checkpoint key (protocol.md §14.6), to keep outside the hub. It is not audited: it
//! reveals nothing about any authority, and auditing it would move the head it reports.

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::{AuthorityCaller, OperatorCaller};
use super::problem::{ApiError, AppJson, AppPath, AppQuery};
use super::state::AppState;
use crate::checkpoint::Checkpoint;
use crate::store::AuditEvent;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/audit/events", get(own_events))
        .route("/v1/audit/authorities/{code}/events", get(authority_events))
        .route("/v1/audit/checkpoint", get(checkpoint))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Page {
    /// Only events with ids above this.
    after: Option<i64>,
    /// At most this many (default 1000, at most 10000).
    limit: Option<i64>,
}

async fn export(
    state: &AppState,
    actor: &str,
    authority: &str,
    page: Page,
) -> Result<AppJson<Value>, ApiError> {
    let after = page.after.unwrap_or(0);
    let limit = page.limit.unwrap_or(1000).clamp(1, 10_000);
    let events = state
        .store
        .audit_events_for(authority, after, limit)
        .await?;
    let event = AuditEvent::new(actor, "audit.export", authority)
        .with_detail(json!({"after": after, "n_events": events.len()}))
        .with_parties(&[authority]);
    state.store.audit(event).await?;
    let next_after = events.last().map(|e| e.id);
    Ok(AppJson(
        json!({"authority": authority, "events": events, "next_after": next_after}),
    ))
}

async fn own_events(
    State(state): State<AppState>,
    AuthorityCaller(me): AuthorityCaller,
    AppQuery(page): AppQuery<Page>,
) -> Result<AppJson<Value>, ApiError> {
    export(&state, &format!("authority:{}", me.code), &me.code, page).await
}

async fn authority_events(
    State(state): State<AppState>,
    OperatorCaller(operator): OperatorCaller,
    AppPath(code): AppPath<String>,
    AppQuery(page): AppQuery<Page>,
) -> Result<AppJson<Value>, ApiError> {
    export(&state, &format!("operator:{operator}"), &code, page).await
}

async fn checkpoint(
    State(state): State<AppState>,
    AuthorityCaller(_me): AuthorityCaller,
) -> Result<AppJson<Checkpoint>, ApiError> {
    let head = state.store.audit_chain_head().await?;
    Ok(AppJson(state.layer.checkpoint_signer().sign(&head)))
}
