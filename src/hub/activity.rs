//! `GET /v1/agreements/activity`: for every agreement the calling authority belongs to, what
//! each member ran per UTC day (open cases and roll records submitted, searches run and how
//! many found something, candidates proposed, refusals at a daily limit) and the limits in
//! force. Every
//! member sees every other member's volumes, so a member using the hub as an oracle is visible
//! to all of their data-protection officers. Counts only: no record, reference or score.

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use super::auth::AuthorityCaller;
use super::problem::{in_range, ApiError, AppJson, AppQuery};
use super::state::AppState;
use crate::store::limits::utc_today;
use crate::store::{ActivityReport, AuditEvent};

/// Days shown when the caller does not say.
const DEFAULT_DAYS: u32 = 7;

/// The most days one request may cover.
const MAX_DAYS: u32 = 92;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/v1/agreements/activity", get(activity))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Window {
    /// UTC days up to and including today (default 7, at most 92).
    days: Option<u32>,
}

async fn activity(
    State(state): State<AppState>,
    AuthorityCaller(me): AuthorityCaller,
    AppQuery(window): AppQuery<Window>,
) -> Result<AppJson<ActivityReport>, ApiError> {
    let days = in_range("days", window.days.unwrap_or(DEFAULT_DAYS), 1..=MAX_DAYS)?;
    let to = utc_today();
    let from = to - chrono::Days::new(u64::from(days - 1));
    let defaults = state.policy.daily_limits();
    let report = state.store.activity(&me.code, from, to, defaults).await?;
    let event = AuditEvent::new(&format!("authority:{}", me.code), "activity.view", &me.code)
        .with_detail(json!({"from": from, "to": to, "n_agreements": report.agreements.len()}));
    state.store.audit(event).await?;
    Ok(AppJson(report))
}
