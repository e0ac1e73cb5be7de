//! `POST /v1/submissions`: an authority uploads a batch of encoded records, either as one JSON
//! document (`application/json`, [`json`]) or streamed as NDJSON (`application/x-ndjson`,
//! [`ndjson`]: a header line, then one record per line, any number of records, never buffered
//! whole). Either may be gzip-compressed.
//!
//! Order of work: idempotency (same batch id and content → the first answer, 200; different
//! content → 409), protocol version, agreement membership (404 when not a member), key epoch,
//! for open cases the member's daily limit (429, see `hub::limits`; checked again, binding,
//! in the transaction), every record checked (422 listing each bad record and field), the hub
//! key layer applied, then one transaction, then continuous matching (for a streamed batch,
//! chunk by chunk while it is stored; see [`ndjson`]).

mod json;
mod lines;
mod ndjson;

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRequest, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::AuthorityCaller;
use super::engine::Prepared;
use super::limits::ensure_room;
use super::matching::{index_and_match, Pending};
use super::problem::{ApiError, AppJson};
use super::state::AppState;
use super::validate::ValidRecord;
use crate::hub::layer::HubLayer;
use crate::store::{
    Agreement, DailyLimit, IngestOutcome, Metered, NewRecord, NewSubmission, PriorSubmission, Role,
    RowIdentity, SubmitMode,
};
use crate::wire::EncodedRecord;
use crate::wire::PROTOCOL_VERSION;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/v1/submissions", post(submit))
}

/// Everything about a batch but its records: the JSON body's other members, or the first line
/// of a streamed body.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchHeader {
    batch_id: String,
    agreement_id: String,
    epoch: u32,
    protocol: u32,
    role: Role,
    #[serde(default)]
    mode: Option<SubmitMode>,
}

async fn submit(
    State(state): State<AppState>,
    caller: AuthorityCaller,
    request: Request,
) -> Result<(StatusCode, AppJson<Value>), ApiError> {
    state.ensure_ready()?;
    let media_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if media_type.as_deref() == Some(ndjson::MEDIA_TYPE) {
        ndjson::submit(state, caller, request.into_body()).await
    } else {
        let AppJson(body) = AppJson::<Value>::from_request(request, &state).await?;
        json::submit(state, caller, body).await
    }
}

/// The refusal of a batch without a record: it would store nothing, and a roll snapshot of
/// nothing would withdraw the authority's whole roll by mistake.
fn empty_batch() -> ApiError {
    ApiError::InvalidRequest(
        "the batch holds no records; nothing was stored (to take records out of matching, \
         withdraw them: `pupilmatch withdraw`)"
            .into(),
    )
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

/// What the checks of a batch header decided.
#[derive(Debug, Clone, Copy)]
struct Accepted {
    mode: SubmitMode,
    /// For open cases, the member's daily limit (rolls are not counted).
    cases_per_day: DailyLimit,
}

impl BatchHeader {
    /// The checks that need no records: batch id, protocol, membership, epoch, mode, and for
    /// open cases whether `requested` more fit in the member's daily limit.
    async fn check(
        &self,
        state: &AppState,
        authority: &str,
        requested: usize,
    ) -> Result<Accepted, ApiError> {
        let agreement = check_agreement(
            state,
            authority,
            self.protocol,
            &self.agreement_id,
            self.epoch,
        )
        .await?;
        let mode = self.mode.unwrap_or(SubmitMode::Incremental);
        if mode == SubmitMode::Snapshot && self.role != Role::Roll {
            return Err(ApiError::InvalidRequest(
                "mode `snapshot` applies only to role `roll`".into(),
            ));
        }
        let cases_per_day = match self.role {
            Role::Missing => state.daily_limits(&agreement).cases_per_day,
            Role::Roll => DailyLimit::Unlimited,
        };
        if self.role == Role::Missing {
            let (agreement, metered) = (&self.agreement_id, Metered::Cases);
            ensure_room(
                state,
                agreement,
                authority,
                metered,
                cases_per_day,
                requested,
            )
            .await?;
        }
        Ok(Accepted {
            mode,
            cases_per_day,
        })
    }

    fn submission(&self, authority: &str, accepted: Accepted) -> NewSubmission {
        NewSubmission {
            authority: authority.to_string(),
            batch_id: self.batch_id.clone(),
            agreement_id: self.agreement_id.clone(),
            epoch: self.epoch,
            role: self.role,
            mode: accepted.mode,
            request_hash: String::new(),
            cases_per_day: accepted.cases_per_day,
        }
    }

    /// The answer before matching has run.
    fn result(&self, mode: SubmitMode, n_records: usize) -> Value {
        json!({
            "batch_id": self.batch_id, "agreement_id": self.agreement_id,
            "epoch": self.epoch, "role": self.role, "mode": mode,
            "n_records": n_records, "n_withdrawn": 0, "n_candidates": 0,
        })
    }
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

/// The first answer to a batch id again (200), or 409 if the content differs, or if the batch
/// is accepted but its records are still being stored or its candidates recorded (the answer
/// would not be true yet).
fn replay(
    prior: PriorSubmission,
    request_hash: &str,
    batch_id: &str,
) -> Result<(StatusCode, AppJson<Value>), ApiError> {
    if prior.request_hash == request_hash && !prior.finished {
        Err(ApiError::BatchInProgress(batch_id.to_string()))
    } else if prior.request_hash == request_hash {
        Ok((StatusCode::OK, AppJson(prior.result)))
    } else {
        Err(ApiError::BatchConflict(batch_id.to_string()))
    }
}

/// Who stores a batch's rows, under which agreement, epoch and role: what every sealed
/// encoding of the batch is bound to (protocol.md §7.2).
#[derive(Debug, Clone)]
struct RowContext {
    authority: String,
    agreement: String,
    epoch: u32,
    role: Role,
}

impl RowContext {
    fn new(authority: &str, header: &BatchHeader) -> Arc<Self> {
        Arc::new(RowContext {
            authority: authority.to_string(),
            agreement: header.agreement_id.clone(),
            epoch: header.epoch,
            role: header.role,
        })
    }
}

/// A checked record's hub-layer form (kept in memory for matching) and its row, with the
/// encoding sealed at rest under the hub key.
fn stored_form(
    layer: &HubLayer,
    rows: &RowContext,
    valid: ValidRecord,
) -> (EncodedRecord, NewRecord) {
    let encoding = layer.apply(&valid.encoding);
    let identity = RowIdentity {
        authority: &rows.authority,
        agreement: &rows.agreement,
        epoch: rows.epoch,
        role: rows.role,
        record_ref: &valid.encoding.record_ref,
    };
    let sealed = layer.at_rest().seal(&identity, &encoding);
    let row = NewRecord {
        record_ref: valid.encoding.record_ref,
        encoding: sealed,
        case: valid.case,
    };
    (encoding, row)
}

/// Puts a batch's rows in random order before they are written, so that row ids (which
/// follow insertion) say nothing about the order of the authority's file — a roll sorted by
/// surname would otherwise give away where in the alphabet each stored row sits
/// (protocol.md §7.2).
fn shuffle_rows<T>(rows: &mut [T]) {
    use rand::seq::SliceRandom;
    rows.shuffle(&mut rand::thread_rng());
}

/// How long each stage of a submission took, for the log line.
#[derive(Debug, Clone, Copy, Default)]
struct Timings {
    check: Duration,
    store: Duration,
}

/// Pairs prepared records with the row ids their references were stored under.
fn with_row_ids(
    header: &BatchHeader,
    me: &str,
    written: &[(i64, String)],
    prepared: Vec<(String, Prepared)>,
) -> Vec<Pending> {
    let by_ref: HashMap<&str, i64> = written.iter().map(|(id, r)| (r.as_str(), *id)).collect();
    prepared
        .into_iter()
        .filter_map(|(record_ref, record)| {
            Some(Pending {
                id: *by_ref.get(record_ref.as_str())?,
                agreement_id: header.agreement_id.clone(),
                epoch: header.epoch,
                authority: me.to_string(),
                role: header.role,
                record,
            })
        })
        .collect()
}

/// After the commit: indexes (and, unless done, matches) the stored records, completes the
/// stored answer and the metrics, and answers 201.
async fn complete(
    state: &AppState,
    me: &str,
    header: &BatchHeader,
    mut result: Value,
    outcome: IngestOutcome,
    prepared: Vec<(String, Prepared)>,
    timings: Timings,
) -> Result<(StatusCode, AppJson<Value>), ApiError> {
    let matching_started = std::time::Instant::now();
    let pending = with_row_ids(header, me, &outcome.records, prepared);
    let n_records = pending.len();
    let n_withdrawn = outcome.withdrawn.len();
    result["n_withdrawn"] = json!(n_withdrawn);
    // The final answer is stored with the candidates, in their transaction.
    let n_candidates = index_and_match(
        state,
        pending,
        outcome.withdrawn,
        Some(outcome.submission_id),
        Some(result.clone()),
    )
    .await?;
    crate::fault::reach(crate::fault::CrashPoint::Matched);
    tracing::info!(
        batch_id = %header.batch_id,
        n_records,
        n_withdrawn,
        n_candidates,
        check_ms = timings.check.as_millis() as u64,
        store_ms = timings.store.as_millis() as u64,
        match_ms = matching_started.elapsed().as_millis() as u64,
        "submission stored"
    );
    result["n_candidates"] = json!(n_candidates);
    let m = &state.metrics;
    m.submissions.fetch_add(1, Ordering::Relaxed);
    m.records_ingested
        .fetch_add(n_records as u64, Ordering::Relaxed);
    Ok((StatusCode::CREATED, AppJson(result)))
}
