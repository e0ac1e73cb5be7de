//! Retention and erasure (protocol.md §14): `POST /v1/records/erase` (an authority erases its
//! records at once), `GET /v1/follow-ups` and `POST /v1/follow-ups/{id}/done` (the 6- and
//! 18-week follow-ups of cases closed as found), `POST /v1/admin/purge` (operators run the
//! purge now) and the background task that runs it on a schedule, keeping the matching index
//! in step with what was purged.

use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::{AuthorityCaller, OperatorCaller};
use super::matching::unindex;
use super::problem::{ApiError, AppJson, AppPath, AppQuery};
use super::state::AppState;
use crate::store::retention::{PurgePolicy, PurgeReport};

/// At most this many references per erasure.
const MAX_ERASE: usize = 100_000;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/records/erase", post(erase))
        .route("/v1/follow-ups", get(follow_ups))
        .route("/v1/follow-ups/{id}/done", post(follow_up_done))
        .route("/v1/admin/purge", post(purge_now))
}

/// The store's purge policy from the hub's.
pub fn purge_policy(state: &AppState) -> PurgePolicy {
    PurgePolicy {
        confirm_within_days: state.policy.confirm_within_days,
        purge_after_days: state.policy.purge_after_days,
        sealed_ttl_days: state.policy.sealed_ttl_days,
    }
}

/// Runs the purge now as `actor` and drops purged records from the index.
pub async fn run_purge(state: &AppState, actor: &str) -> Result<PurgeReport, ApiError> {
    let report = state
        .store
        .purge(purge_policy(state), chrono::Utc::now(), actor)
        .await?;
    unindex(state, report.unindex.clone()).await?;
    tracing::info!(
        n_candidates_expired = report.n_candidates_expired,
        n_closed_purged = report.n_closed_purged,
        n_retention_purged = report.n_retention_purged,
        n_epoch_purged = report.n_epoch_purged,
        n_sealed_purged = report.n_sealed_purged,
        "retention purge"
    );
    Ok(report)
}

/// Starts the scheduled purge, if the policy has an interval (first run after one interval).
pub fn spawn_scheduled_purge(state: AppState) {
    let Some(interval) = state.policy.purge_interval else {
        return;
    };
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        loop {
            ticker.tick().await;
            if let Err(error) = run_purge(&state, "hub").await {
                tracing::error!(%error, "the scheduled purge failed; it runs again next interval");
            }
        }
    });
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EraseRequest {
    refs: Vec<String>,
}

async fn erase(
    State(state): State<AppState>,
    AuthorityCaller(me): AuthorityCaller,
    AppJson(request): AppJson<EraseRequest>,
) -> Result<AppJson<Value>, ApiError> {
    state.ensure_ready()?;
    if request.refs.len() > MAX_ERASE {
        return Err(ApiError::InvalidRequest(format!(
            "at most {MAX_ERASE} references per request"
        )));
    }
    let ids = state.store.erase(&me.code, &request.refs).await?;
    let n_erased = ids.len();
    unindex(&state, ids).await?;
    Ok(AppJson(
        json!({"n_requested": request.refs.len(), "n_erased": n_erased}),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FollowUpQuery {
    /// `YYYY-MM-DD`; default today.
    due_by: Option<String>,
}

async fn follow_ups(
    State(state): State<AppState>,
    AuthorityCaller(me): AuthorityCaller,
    AppQuery(query): AppQuery<FollowUpQuery>,
) -> Result<AppJson<Value>, ApiError> {
    let due_by = match query.due_by {
        Some(d) => chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
            .map_err(|_| ApiError::InvalidRequest("due_by must be YYYY-MM-DD".into()))?,
        None => chrono::Utc::now().date_naive(),
    };
    let items: Vec<Value> = state
        .store
        .follow_ups_due(&me.code, &due_by.format("%Y-%m-%d").to_string())
        .await?
        .into_iter()
        .map(|f| json!({"id": f.id, "ref": f.record_ref, "kind": f.kind, "due_on": f.due_on}))
        .collect();
    Ok(AppJson(json!({"follow_ups": items})))
}

async fn follow_up_done(
    State(state): State<AppState>,
    AuthorityCaller(me): AuthorityCaller,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Value>, ApiError> {
    if state.store.complete_follow_up(&me.code, id).await? {
        Ok(AppJson(json!({"id": id, "done": true})))
    } else {
        Err(ApiError::NotFound(format!("open follow-up {id}")))
    }
}

async fn purge_now(
    State(state): State<AppState>,
    OperatorCaller(operator): OperatorCaller,
) -> Result<AppJson<Value>, ApiError> {
    let report = run_purge(&state, &format!("operator:{operator}")).await?;
    Ok(AppJson(serde_json::to_value(&report).unwrap_or_default()))
}
