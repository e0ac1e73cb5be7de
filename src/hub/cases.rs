//! `GET /v1/cases` (the caller's open CME cases), `POST /v1/cases/{ref}/close` (close one with
//! an outcome code) and
//! `POST /v1/records/withdraw` (take records out of matching). Both act only on the caller's
//! own records; another authority's reference is simply not found.

use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::AuthorityCaller;
use super::matching::unindex;
use super::problem::{ApiError, AppJson, AppPath};
use super::state::AppState;
use crate::store::{CaseOutcome, StoreError};

/// At most this many references per withdrawal.
const MAX_WITHDRAW: usize = 100_000;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/cases", get(open_cases))
        .route("/v1/cases/{ref}/close", post(close))
        .route("/v1/records/withdraw", post(withdraw))
}

async fn open_cases(
    State(state): State<AppState>,
    AuthorityCaller(me): AuthorityCaller,
) -> Result<AppJson<Value>, ApiError> {
    let cases: Vec<Value> = state
        .store
        .open_cases(&me.code)
        .await?
        .into_iter()
        .map(|c| {
            json!({"ref": c.record_ref, "agreement_id": c.agreement_id,
                "referral_reason": c.case.referral_reason, "referral_source": c.case.referral_source,
                "referred_on": c.case.referred_on, "opened_at": c.opened_at})
        })
        .collect();
    Ok(AppJson(json!({"cases": cases})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CloseRequest {
    outcome: CaseOutcome,
}

async fn close(
    State(state): State<AppState>,
    AuthorityCaller(me): AuthorityCaller,
    AppPath(record_ref): AppPath<String>,
    AppJson(request): AppJson<CloseRequest>,
) -> Result<AppJson<Value>, ApiError> {
    state.ensure_ready()?;
    let ids = match state
        .store
        .close_case(&me.code, &record_ref, request.outcome)
        .await
    {
        Ok(ids) => ids,
        Err(StoreError::Conflict(_)) => return Err(ApiError::CaseClosed(record_ref)),
        Err(e) => return Err(e.into()),
    };
    if ids.is_empty() {
        // Another authority's case looks like no case at all (the store audited the probe).
        return Err(ApiError::NotFound(format!("case {record_ref}")));
    }
    unindex(&state, ids).await?;
    Ok(AppJson(
        json!({"ref": record_ref, "status": "closed", "outcome": request.outcome}),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WithdrawRequest {
    refs: Vec<String>,
    #[serde(default)]
    agreement_id: Option<String>,
}

async fn withdraw(
    State(state): State<AppState>,
    AuthorityCaller(me): AuthorityCaller,
    AppJson(request): AppJson<WithdrawRequest>,
) -> Result<AppJson<Value>, ApiError> {
    state.ensure_ready()?;
    if request.refs.len() > MAX_WITHDRAW {
        return Err(ApiError::InvalidRequest(format!(
            "at most {MAX_WITHDRAW} references per request"
        )));
    }
    let ids = state
        .store
        .withdraw(&me.code, request.agreement_id.as_deref(), &request.refs)
        .await?;
    let n_withdrawn = ids.len();
    unindex(&state, ids).await?;
    Ok(AppJson(
        json!({"n_requested": request.refs.len(), "n_withdrawn": n_withdrawn}),
    ))
}
