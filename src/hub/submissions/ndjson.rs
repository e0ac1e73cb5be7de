//! A streamed submission (`Content-Type: application/x-ndjson`): line 1 is the batch header
//! (the JSON submission without `records`), every further line one record. Lines are checked
//! in parallel chunks while later ones are still arriving (with, for a chunk all valid, its
//! staging statements' arguments), and each valid chunk is staged in a short transaction of
//! its own (`store::Staging`), so memory holds one chunk of text at a time whatever the batch
//! size and nothing that searches, candidate views or audit appends need is held while the
//! body arrives, however slowly (`tests/api/streaming.rs`
//! `a_slow_upload_does_not_hold_up_searches_or_other_batches`). Once the last line is in and
//! every record is valid, one brief transaction accepts the batch (the commit point), its
//! rows move into `records` a chunk per transaction, and it is indexed and matched. All or
//! nothing still holds: an invalid record anywhere discards what was staged, and the answer
//! lists every bad record and field (up to the cap). The idempotency hash is the SHA-256 of
//! the canonical header line, a newline, then each record line as sent followed by a newline.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::StatusCode;
use bytes::Bytes;
use rayon::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::lines::{LineError, Lines};
use super::{
    check_batch_id, complete, empty_batch, replay, shuffle_rows, stored_form, BatchHeader,
    RowContext, Timings,
};
use crate::fault::CrashPoint;
use crate::hub::auth::AuthorityCaller;
use crate::hub::engine::{prepare, Prepared};
use crate::hub::layer::HubLayer;
use crate::hub::limits::settle;
use crate::hub::problem::{ApiError, AppJson, FieldError, MAX_LISTED_ERRORS};
use crate::hub::state::{blocking, AppState};
use crate::hub::validate::check_record;
use crate::store::{AcceptedBatch, BoundChunk, IngestOutcome, NewRecord, RowBinder, StoreError};
use crate::wire::EncodedRecord;

/// The media type of a streamed submission.
pub const MEDIA_TYPE: &str = "application/x-ndjson";

/// Longest accepted line (a record is a few kilobytes).
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Record lines checked together on the blocking pool, then written as one statement
/// ([`RowBinder::CHUNK`] rows; a few megabytes of text held at a time).
const CHUNK_LINES: usize = RowBinder::CHUNK;

type BodyLines = Lines<axum::body::BodyDataStream>;

/// One record's outcome: its index and either its stored form or its errors.
type Checked = (usize, Result<(EncodedRecord, NewRecord), Vec<FieldError>>);

/// A checked chunk of lines, and when all of them are valid, its insert statements' arguments
/// (one per [`RowBinder::CHUNK`] records), built beside the check.
type CheckedChunk = (Vec<Checked>, Vec<BoundChunk>);

pub(super) async fn submit(
    state: AppState,
    AuthorityCaller(me): AuthorityCaller,
    body: Body,
) -> Result<(StatusCode, AppJson<Value>), ApiError> {
    let started = std::time::Instant::now();
    let mut lines = Lines::new(body.into_data_stream(), MAX_LINE_BYTES);
    let (_, first) = lines.next().await.map_err(line_error)?.ok_or_else(|| {
        ApiError::InvalidRequest("the body is empty; line 1 must be the batch header".into())
    })?;
    let header_value: Value = serde_json::from_slice(&first)
        .map_err(|e| ApiError::MalformedJson(format!("line 1 (the batch header): {e}")))?;
    if header_value.get("records").is_some() {
        return Err(ApiError::InvalidRequest(
            "a streamed submission carries its records on the lines after the header, \
             not in a `records` member"
                .into(),
        ));
    }
    let header: BatchHeader = serde_json::from_value(header_value.clone())
        .map_err(|e| ApiError::InvalidRequest(format!("line 1 (the batch header): {e}")))?;
    check_batch_id(&header.batch_id)?;
    let mut hasher = Sha256::new();
    hasher.update(header_value.to_string().as_bytes());
    hasher.update(b"\n");
    let limit = state.limits.max_batch_records;
    if let Some(prior) = state
        .store
        .prior_submission(&me.code, &header.batch_id)
        .await?
    {
        let (hash, _) = run_producer(lines, None, hasher, None, limit).await?;
        return replay(prior, &hash, &header.batch_id);
    }
    // Read before anything is written: a body with no record line is refused at once.
    let Some((_, first_record)) = lines.next().await.map_err(line_error)? else {
        return Err(empty_batch());
    };
    // The number of records is known only at the end: refused here if not even one more
    // case fits, and at the commit point if the batch's cases do not.
    let accepted = header.check(&state, &me.code, 1).await?;
    let mode = accepted.mode;
    let submission = header.submission(&me.code, accepted);
    let mut staging = match state.store.begin_staging(&submission).await {
        Ok(staging) => staging,
        Err(StoreError::Conflict(_)) => {
            // The batch id was taken since: received by a concurrent upload (a replay), or
            // still being received by one.
            return match state
                .store
                .prior_submission(&me.code, &header.batch_id)
                .await?
            {
                Some(prior) => {
                    let (hash, _) =
                        run_producer(lines, Some(first_record), hasher, None, limit).await?;
                    replay(prior, &hash, &header.batch_id)
                }
                None => Err(ApiError::BatchInProgress(header.batch_id.clone())),
            };
        }
        Err(e) => return Err(e.into()),
    };

    let check = CheckContext {
        rows: RowContext::new(&me.code, &header),
        today: chrono::Utc::now().date_naive(),
        layer: state.layer.clone(),
        binder: staging.binder(),
    };
    let (sender, mut receiver) = mpsc::channel::<CheckedChunk>(2);
    let producer = tokio::spawn(run_producer(
        lines,
        Some(first_record),
        hasher,
        Some((check, sender)),
        limit,
    ));
    let mut errors: Vec<FieldError> = Vec::new();
    let mut n_invalid = 0usize;
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    let mut preparing: Vec<JoinHandle<Vec<(String, Prepared)>>> = Vec::new();
    let mut store_time = std::time::Duration::ZERO;
    while let Some((chunk, bound)) = receiver.recv().await {
        let mut rows = Vec::with_capacity(chunk.len());
        let mut encodings = Vec::with_capacity(chunk.len());
        for (index, outcome) in chunk {
            match outcome {
                Ok((encoding, row)) => {
                    if let Some(first) = first_seen.get(&row.record_ref) {
                        n_invalid += 1;
                        errors.push(FieldError {
                            record: index,
                            field: "ref".into(),
                            message: format!("duplicate of record {first} in this batch"),
                        });
                        continue;
                    }
                    first_seen.insert(row.record_ref.clone(), index);
                    if errors.is_empty() {
                        encodings.push(encoding);
                        rows.push(row);
                    }
                }
                Err(mut e) => {
                    n_invalid += 1;
                    errors.append(&mut e);
                }
            }
        }
        if errors.is_empty() {
            let writing = std::time::Instant::now();
            staging.write_bound(&rows, bound).await?;
            crate::fault::reach(CrashPoint::Staging);
            store_time += writing.elapsed();
            // Prepared for matching on the blocking pool, hidden behind the next chunk.
            preparing.push(tokio::task::spawn_blocking(move || {
                encodings
                    .into_iter()
                    .map(|encoding| (encoding.record_ref.clone(), prepare(&encoding)))
                    .collect()
            }));
        } else {
            // Nothing will be stored: drop what was prepared, but go on listing problems.
            preparing.clear();
            errors.truncate(MAX_LISTED_ERRORS);
        }
    }
    let (request_hash, n_records) = producer
        .await
        .map_err(|e| ApiError::Internal(format!("the upload reader failed: {e}")))??;
    drop(first_seen);
    if !errors.is_empty() {
        staging.abandon().await?;
        return Err(ApiError::InvalidRecords {
            errors,
            n_invalid,
            n_records,
        });
    }
    let mut prepared = Vec::with_capacity(n_records);
    for chunk in preparing {
        prepared.extend(
            chunk
                .await
                .map_err(|e| ApiError::Internal(format!("preparing a stored chunk failed: {e}")))?,
        );
    }
    let result = header.result(mode, n_records);
    let committing = std::time::Instant::now();
    let accepted = staging.accept(&request_hash, &result).await;
    if accepted.is_err() {
        // Refused at the commit point (a daily limit) or failed: nothing is left of it.
        staging.abandon().await?;
    } else {
        drop(staging);
    }
    let (batch, withdrawn) = settle(&state, accepted).await?;
    crate::fault::reach(CrashPoint::Accepted);
    let records = match state.store.store_accepted(batch).await {
        Ok(records) => records,
        Err(e) => {
            // Accepted is the client's: the hub finishes it in the background, and a retry
            // is told to wait until it has (503) rather than told it is stored.
            finish_in_background(
                state.clone(),
                me.code.clone(),
                header,
                batch,
                prepared,
                withdrawn,
                result,
            );
            return Err(e.into());
        }
    };
    store_time += committing.elapsed();
    let timings = Timings {
        check: started.elapsed().saturating_sub(store_time),
        store: store_time,
    };
    let outcome = IngestOutcome {
        submission_id: batch.submission_id,
        records,
        withdrawn,
    };
    complete(
        &state, &me.code, &header, result, outcome, prepared, timings,
    )
    .await
}

/// Keeps moving an accepted batch's rows into `records` (after a database error stopped the
/// request that received it), then indexes and matches it, retrying every few seconds until
/// the database lets it; a hub stopped before then finishes it at start.
fn finish_in_background(
    state: AppState,
    me: String,
    header: BatchHeader,
    batch: AcceptedBatch,
    prepared: Vec<(String, Prepared)>,
    withdrawn: Vec<i64>,
    result: Value,
) {
    tokio::spawn(async move {
        let retry = std::time::Duration::from_secs(crate::hub::problem::DATABASE_RETRY_AFTER_SECS);
        let records = loop {
            match state.store.store_accepted(batch).await {
                Ok(records) => break records,
                Err(e) => {
                    tracing::warn!(batch_id = %header.batch_id, error = %e, "an accepted batch is not yet stored; retrying");
                    tokio::time::sleep(retry).await;
                }
            }
        };
        let outcome = IngestOutcome {
            submission_id: batch.submission_id,
            records,
            withdrawn,
        };
        let timings = Timings::default();
        if let Err(e) = complete(&state, &me, &header, result, outcome, prepared, timings).await {
            tracing::warn!(batch_id = %header.batch_id, error = %e, "an accepted batch is stored but not matched until the next start");
        }
    });
}

fn line_error(error: LineError) -> ApiError {
    match error {
        LineError::Read(_) => ApiError::UnreadableBody(error.to_string()),
        LineError::TooLong { .. } => ApiError::BatchTooLarge(error.to_string()),
        LineError::TooManyBlankLines { .. } => ApiError::UnreadableBody(error.to_string()),
    }
}

/// What the record checks need, and the batch's statement builder.
struct CheckContext {
    rows: Arc<RowContext>,
    today: chrono::NaiveDate,
    layer: Arc<HubLayer>,
    binder: RowBinder,
}

/// Reads the record lines to the end (after `first`, a record line already read), hashing
/// each; with a context, checks each chunk on the blocking pool and sends it on. Returns the
/// request hash (hex) and the number of records.
async fn run_producer(
    mut lines: BodyLines,
    mut first: Option<Bytes>,
    mut hasher: Sha256,
    check: Option<(CheckContext, mpsc::Sender<CheckedChunk>)>,
    max_records: usize,
) -> Result<(String, usize), ApiError> {
    let mut n_records = 0usize;
    loop {
        let mut chunk: Vec<Bytes> = Vec::with_capacity(CHUNK_LINES);
        chunk.extend(first.take());
        while chunk.len() < CHUNK_LINES {
            match lines.next().await.map_err(line_error)? {
                Some((_, line)) => chunk.push(line),
                None => break,
            }
        }
        if chunk.is_empty() {
            break;
        }
        let first = n_records;
        n_records += chunk.len();
        if n_records > max_records {
            return Err(ApiError::BatchTooLarge(format!(
                "a batch holds at most {max_records} records; split it into several batch ids"
            )));
        }
        let context = check
            .as_ref()
            .map(|(c, _)| (c.rows.clone(), c.today, c.layer.clone(), c.binder.clone()));
        let (returned, checked) = blocking(move || {
            for line in &chunk {
                hasher.update(line);
                hasher.update(b"\n");
            }
            let checked = context.map(|(rows, today, layer, binder)| {
                let mut checked = check_chunk(first, &chunk, &rows, today, &layer);
                if checked.iter().all(|(_, outcome)| outcome.is_ok()) {
                    shuffle_rows(&mut checked);
                }
                let bound = bind_chunk(&checked, &binder);
                (checked, bound)
            });
            (hasher, checked)
        })
        .await?;
        hasher = returned;
        if let (Some(checked), Some((_, sender))) = (checked, check.as_ref()) {
            if sender.send(checked).await.is_err() {
                // The handler gave up (a database error) and answers for itself.
                return Ok((String::new(), n_records));
            }
        }
    }
    Ok((hex::encode(hasher.finalize()), n_records))
}

/// The insert arguments of a checked chunk whose records are all valid, in statements of
/// [`RowBinder::CHUNK`] (none otherwise: nothing of the batch will be stored; and none if
/// binding fails, for the writer to bind again and answer the error). A reference repeated
/// within the batch is the writer's to find; if it finds one, nothing is written either.
fn bind_chunk(checked: &[Checked], binder: &RowBinder) -> Vec<BoundChunk> {
    let rows: Option<Vec<&NewRecord>> = checked
        .iter()
        .map(|(_, outcome)| outcome.as_ref().ok().map(|(_, row)| row))
        .collect();
    let Some(rows) = rows else {
        return Vec::new();
    };
    rows.chunks(RowBinder::CHUNK)
        .map(|chunk| binder.bind(chunk.iter().copied()))
        .collect::<Result<_, _>>()
        .unwrap_or_default()
}

/// Checks one chunk of record lines in parallel, applying the hub layer to the valid ones.
fn check_chunk(
    first: usize,
    lines: &[Bytes],
    rows: &RowContext,
    today: chrono::NaiveDate,
    layer: &HubLayer,
) -> Vec<Checked> {
    lines
        .par_iter()
        .enumerate()
        .map(|(i, line)| {
            let index = first + i;
            let outcome = serde_json::from_slice::<Value>(line)
                .map_err(|e| {
                    vec![FieldError {
                        record: index,
                        field: String::new(),
                        message: format!("not valid JSON: {e}"),
                    }]
                })
                .and_then(|value| check_record(index, &value, rows.role, today))
                .map(|valid| stored_form(layer, rows, valid));
            (index, outcome)
        })
        .collect()
}
