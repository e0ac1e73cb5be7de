//! `POST /v1/submissions`: an authority uploads a batch of encoded records.
//!
//! Order of work: idempotency (same batch id and content → the first answer, 200; different
//! content → 409), protocol version, agreement membership (404 when not a member), key epoch,
//! every record checked (422 listing each bad record and field), the hub key layer applied,
//! then one transaction, then continuous matching.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use rayon::prelude::*;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::auth::AuthorityCaller;
use super::matching::{index_and_match, Pending};
use super::problem::{ApiError, AppJson, MAX_LISTED_ERRORS};
use super::state::{blocking, AppState};
use super::validate::check_batch;
use crate::encode::encoded::PROTOCOL_VERSION;
use crate::encode::EncodedRecord;
use crate::store::{Agreement, NewRecord, NewSubmission, Role, StoreError, SubmitMode};

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/v1/submissions", post(submit))
}

/// The body of a submission.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmissionRequest {
    batch_id: String,
    agreement_id: String,
    epoch: u32,
    protocol: u32,
    role: Role,
    #[serde(default)]
    mode: Option<SubmitMode>,
    records: Vec<Value>,
}

/// Checks the parts of a request every encoded upload shares: protocol, membership, epoch.
pub(crate) async fn check_agreement(
    state: &AppState,
    authority: &str,
    protocol: u32,
    agreement_id: &str,
    epoch: u32,
) -> Result<Agreement, ApiError> {
    if protocol != PROTOCOL_VERSION {
        return Err(ApiError::UnsupportedProtocol(protocol));
    }
    let agreement = state
        .store
        .agreement_for_member(agreement_id, authority)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("agreement {agreement_id}")))?;
    if !agreement.epochs.contains(&epoch) {
        let accepted: Vec<String> = agreement.epochs.iter().map(u32::to_string).collect();
        return Err(ApiError::EpochNotAccepted {
            agreement_id: agreement_id.to_string(),
            epoch,
            accepted: accepted.join(", "),
        });
    }
    Ok(agreement)
}

fn check_batch_id(batch_id: &str) -> Result<(), ApiError> {
    let ok = (1..=128).contains(&batch_id.len()) && batch_id.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(())
    } else {
        Err(ApiError::InvalidRequest(
            "batch_id must be 1 to 128 printable ASCII characters".into(),
        ))
    }
}

async fn submit(
    State(state): State<AppState>,
    AuthorityCaller(me): AuthorityCaller,
    AppJson(body): AppJson<Value>,
) -> Result<(StatusCode, AppJson<Value>), ApiError> {
    state.ensure_ready()?;
    // serde_json's map keeps keys sorted, so this is a canonical form of the request.
    let request_hash = crate::encode::keys::hex(&Sha256::digest(body.to_string().as_bytes()));
    let request: SubmissionRequest =
        serde_json::from_value(body).map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
    check_batch_id(&request.batch_id)?;
    if let Some(prior) = state
        .store
        .prior_submission(&me.code, &request.batch_id)
        .await?
    {
        return replay(prior, &request_hash, &request.batch_id);
    }
    check_agreement(
        &state,
        &me.code,
        request.protocol,
        &request.agreement_id,
        request.epoch,
    )
    .await?;
    let mode = request.mode.unwrap_or(SubmitMode::Incremental);
    if mode == SubmitMode::Snapshot && request.role != Role::Roll {
        return Err(ApiError::InvalidRequest(
            "mode `snapshot` applies only to role `roll`".into(),
        ));
    }
    let n_records = request.records.len();
    let (role, layer) = (request.role, state.layer.clone());
    let today = chrono::Utc::now().date_naive();
    let records = request.records;
    let started = std::time::Instant::now();
    let checked = blocking(move || {
        check_batch(&records, role, today).map(|valid| {
            // The hub layer is an HMAC per token: spread large batches over the cores.
            valid
                .into_par_iter()
                .map(|v| {
                    let encoding = layer.apply(&v.encoding);
                    let json = serde_json::to_string(&encoding).unwrap_or_default();
                    (
                        encoding,
                        NewRecord {
                            record_ref: v.encoding.record_ref,
                            encoding: json,
                            case: v.case,
                        },
                    )
                })
                .collect::<Vec<(EncodedRecord, NewRecord)>>()
        })
    })
    .await?;
    let (encodings, rows): (Vec<EncodedRecord>, Vec<NewRecord>) = match checked {
        Ok(pairs) => pairs.into_iter().unzip(),
        Err((mut errors, n_invalid)) => {
            errors.truncate(MAX_LISTED_ERRORS);
            return Err(ApiError::InvalidRecords {
                errors,
                n_invalid,
                n_records,
            });
        }
    };
    let submission = NewSubmission {
        authority: me.code.clone(),
        batch_id: request.batch_id.clone(),
        agreement_id: request.agreement_id.clone(),
        epoch: request.epoch,
        role,
        mode,
        request_hash: request_hash.clone(),
    };
    let mut result = json!({
        "batch_id": request.batch_id, "agreement_id": request.agreement_id,
        "epoch": request.epoch, "role": role, "mode": mode,
        "n_records": n_records, "n_withdrawn": 0, "n_candidates": 0,
    });
    let checked_at = started.elapsed();
    let outcome = match state.store.ingest(&submission, &rows, &result).await {
        Ok(outcome) => outcome,
        Err(StoreError::Conflict(_)) => {
            // A concurrent request with the same batch id committed first.
            let prior = state
                .store
                .prior_submission(&me.code, &request.batch_id)
                .await?;
            let prior = prior.ok_or_else(|| ApiError::Internal("batch vanished".into()))?;
            return replay(prior, &request_hash, &request.batch_id);
        }
        Err(e) => return Err(e.into()),
    };
    drop(rows);
    let stored_at = started.elapsed();
    let by_ref: std::collections::HashMap<&str, i64> = outcome
        .records
        .iter()
        .map(|(id, r)| (r.as_str(), *id))
        .collect();
    let pending: Vec<Pending> = encodings
        .into_iter()
        .filter_map(|encoding| {
            Some(Pending {
                id: *by_ref.get(encoding.record_ref.as_str())?,
                agreement_id: request.agreement_id.clone(),
                epoch: request.epoch,
                authority: me.code.clone(),
                role,
                encoding,
            })
        })
        .collect();
    let n_withdrawn = outcome.withdrawn.len();
    let n_candidates = index_and_match(&state, pending, outcome.withdrawn).await?;
    tracing::info!(
        batch_id = %request.batch_id,
        n_records,
        n_withdrawn,
        n_candidates,
        check_ms = checked_at.as_millis() as u64,
        store_ms = (stored_at - checked_at).as_millis() as u64,
        match_ms = (started.elapsed() - stored_at).as_millis() as u64,
        "submission stored"
    );
    result["n_withdrawn"] = json!(n_withdrawn);
    result["n_candidates"] = json!(n_candidates);
    state
        .store
        .set_submission_result(outcome.submission_id, &result)
        .await?;
    let m = &state.metrics;
    m.submissions
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    m.records_ingested
        .fetch_add(n_records as u64, std::sync::atomic::Ordering::Relaxed);
    Ok((StatusCode::CREATED, AppJson(result)))
}

fn replay(
    prior: crate::store::PriorSubmission,
    request_hash: &str,
    batch_id: &str,
) -> Result<(StatusCode, AppJson<Value>), ApiError> {
    if prior.request_hash == request_hash {
        Ok((StatusCode::OK, AppJson(prior.result)))
    } else {
        Err(ApiError::BatchConflict(batch_id.to_string()))
    }
}
