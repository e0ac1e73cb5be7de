//! A submission as one JSON document: `{batch_id, agreement_id, epoch, protocol, role, mode,
//! records: [...]}`, bounded by the hub's body limit. Its idempotency hash is the SHA-256 of
//! the canonical (sorted-key) JSON of the whole body.

use axum::http::StatusCode;
use rayon::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{
    check_batch_id, complete, empty_batch, replay, shuffle_rows, stored_form, BatchHeader,
    RowContext, Timings,
};
use crate::hub::auth::AuthorityCaller;
use crate::hub::engine::prepare;
use crate::hub::limits::settle;
use crate::hub::problem::{ApiError, AppJson, MAX_LISTED_ERRORS};
use crate::hub::state::{blocking, AppState};
use crate::hub::validate::check_batch;
use crate::store::{NewRecord, StoreError};
use crate::wire::EncodedRecord;

pub(super) async fn submit(
    state: AppState,
    AuthorityCaller(me): AuthorityCaller,
    mut body: Value,
) -> Result<(StatusCode, AppJson<Value>), ApiError> {
    // serde_json's map keeps keys sorted, so this is a canonical form of the request.
    let request_hash = hex::encode(Sha256::digest(body.to_string().as_bytes()));
    let records = match body.as_object_mut().map(|o| o.remove("records")) {
        Some(Some(Value::Array(records))) => records,
        Some(Some(_)) => {
            return Err(ApiError::InvalidRequest(
                "`records` must be an array of encoded records".into(),
            ))
        }
        Some(None) => return Err(ApiError::InvalidRequest("missing field `records`".into())),
        None => return Err(ApiError::InvalidRequest("expected a JSON object".into())),
    };
    let header: BatchHeader =
        serde_json::from_value(body).map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
    check_batch_id(&header.batch_id)?;
    if let Some(prior) = state
        .store
        .prior_submission(&me.code, &header.batch_id)
        .await?
    {
        return replay(prior, &request_hash, &header.batch_id);
    }
    if records.is_empty() {
        return Err(empty_batch());
    }
    let n_records = records.len();
    let accepted = header.check(&state, &me.code, n_records).await?;
    let mode = accepted.mode;
    let (rows, layer) = (RowContext::new(&me.code, &header), state.layer.clone());
    let today = chrono::Utc::now().date_naive();
    let started = std::time::Instant::now();
    let checked = blocking(move || {
        check_batch(&records, rows.role, today).map(|valid| {
            // The hub layer is an HMAC per token: spread large batches over the cores.
            let mut stored = valid
                .into_par_iter()
                .map(|v| stored_form(&layer, &rows, v))
                .collect::<Vec<(EncodedRecord, NewRecord)>>();
            shuffle_rows(&mut stored);
            stored
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
    let mut submission = header.submission(&me.code, accepted);
    submission.request_hash = request_hash.clone();
    let result = header.result(mode, n_records);
    let check = started.elapsed();
    let outcome = match state.store.ingest(&submission, &rows, &result).await {
        Ok(outcome) => outcome,
        Err(StoreError::Conflict(_)) => {
            // A concurrent request with the same batch id committed first.
            let prior = state
                .store
                .prior_submission(&me.code, &header.batch_id)
                .await?;
            let prior = prior.ok_or_else(|| ApiError::Internal("batch vanished".into()))?;
            return replay(prior, &request_hash, &header.batch_id);
        }
        Err(e) => return settle(&state, Err(e)).await,
    };
    drop(rows);
    let timings = Timings {
        check,
        store: started.elapsed() - check,
    };
    complete(
        &state,
        &me.code,
        &header,
        result,
        outcome,
        encodings
            .iter()
            .map(|e| (e.record_ref.clone(), prepare(e)))
            .collect(),
        timings,
    )
    .await
}
