//! `GET /v1/me`: who the calling authority is to the hub — its code, name and jurisdiction,
//! whether the hub already holds records it submitted, and the names of the authorities it
//! shares an agreement with, and the terms of each of its agreements (purpose, lawful basis,
//! retention, key epochs, members) for its data-protection officer. The command line uses it to keep one local workspace per
//! authority, to refuse a new local key that would give the same children new references, and
//! to show authorities by name. Nothing about any record.

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use super::auth::AuthorityCaller;
use super::problem::{ApiError, AppJson};
use super::state::AppState;
use crate::store::Authority;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/v1/me", get(me))
}

fn authority(a: &Authority) -> Value {
    json!({"code": a.code, "name": a.name, "jurisdiction": a.jurisdiction})
}

async fn me(
    State(state): State<AppState>,
    AuthorityCaller(me): AuthorityCaller,
) -> Result<AppJson<Value>, ApiError> {
    let holds_records = state.store.holds_records_of(&me.code).await?;
    let partners = state.store.partners_of(&me.code).await?;
    let agreements = state.store.agreements_of(&me.code).await?;
    let last_roll_at = state.store.last_roll_submitted_at(&me.code).await?;
    Ok(AppJson(json!({
        "authority": authority(&me),
        "holds_records": holds_records,
        "partners": partners.iter().map(authority).collect::<Vec<_>>(),
        "agreements": agreements,
        "last_roll_at": last_roll_at,
    })))
}
