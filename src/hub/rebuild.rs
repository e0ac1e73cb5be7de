//! The start-up rebuild: discards uploads that were still being received when the hub stopped
//! and stores the accepted ones (`store::Staging`), seals any stored encoding an older hub left
//! unsealed, reads every
//! active roll record and open case from the database, opening each sealed encoding, into
//! the matching index, then matches the records whose matching had not finished when the hub
//! last stopped. `/readyz` answers 200 only afterwards.
//!
//! Reading, decoding and indexing overlap: a reader task fetches the next page while the
//! previous one is decoded in parallel on the blocking pool and handed to the index in id
//! order.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::time::Instant;

use rayon::prelude::*;
use tokio::sync::mpsc;

use super::engine::prepare;
use super::matching::{index_and_match, insert_all, Pending};
use super::problem::ApiError;
use super::state::{blocking, AppState};
use crate::store::sealed::open_or_legacy;
use crate::store::StoredRecord;

/// Record ids per window read.
const PAGE: i64 = 25_000;

/// Rows re-sealed per transaction.
const RESEAL_PAGE: i64 = 10_000;

/// Seals every stored encoding written before encodings were sealed at rest (protocol.md
/// §7.2), so that a database carried over from an older hub holds no unsealed encoding once
/// the hub is ready. Returns how many rows were sealed.
pub async fn seal_legacy_rows(state: &AppState) -> Result<usize, ApiError> {
    let mut after = 0;
    let mut n_sealed = 0;
    loop {
        let rows = state.store.unsealed_records(after, RESEAL_PAGE).await?;
        let Some(last) = rows.last() else {
            return Ok(n_sealed);
        };
        after = last.id;
        let layer = state.layer.clone();
        let sealed = blocking(move || {
            rows.into_par_iter()
                .map(|row| {
                    let identity = row.identity();
                    let (encoding, _) =
                        open_or_legacy(layer.at_rest(), &identity, &row.encoding)
                            .map_err(|e| ApiError::Internal(format!("record {}: {e}", row.id)))?;
                    Ok((row.id, layer.at_rest().seal(&identity, &encoding)))
                })
                .collect::<Result<Vec<_>, ApiError>>()
        })
        .await??;
        n_sealed += sealed.len();
        state.store.reseal(&sealed).await?;
    }
}

/// Rebuilds the index and marks the hub ready.
pub async fn rebuild(state: AppState) -> Result<(), ApiError> {
    let started = Instant::now();
    let n_sealed = seal_legacy_rows(&state).await?;
    if n_sealed > 0 {
        tracing::info!(
            n_sealed,
            "stored encodings written before sealing are now sealed"
        );
    }
    // A streamed batch still being received when the hub stopped was never accepted: its
    // staged rows go. One accepted but not yet moved into `records` is the client's: moved
    // now, it is then matched below with the other unfinished batches.
    let n_discarded = state.store.discard_staging().await?;
    let accepted = state.store.accepted_batches().await?;
    let n_accepted = accepted.len();
    for batch in accepted {
        state.store.store_accepted(batch).await?;
    }
    if n_discarded + n_accepted > 0 {
        tracing::info!(
            n_discarded,
            n_accepted,
            "uploads interrupted by the last stop: unaccepted ones discarded, accepted ones stored"
        );
    }
    // In the order they were accepted, which is the order an uninterrupted hub matched them
    // in (a streamed batch's id is older than its acceptance).
    let unmatched_in_order = state.store.unmatched_submissions().await?;
    let unmatched_submissions: std::sync::Arc<HashSet<i64>> =
        std::sync::Arc::new(unmatched_in_order.iter().map(|(id, _)| *id).collect());
    let (pages, mut received) = mpsc::channel::<Vec<StoredRecord>>(2);
    let store = state.store.clone();
    let reader = tokio::spawn(async move {
        let last = store.max_record_id().await?;
        let mut after = 0;
        while after < last {
            let through = (after + PAGE).min(last);
            let page = store.matchable_records(after, through).await?;
            after = through;
            if !page.is_empty() && pages.send(page).await.is_err() {
                break;
            }
        }
        Ok::<(), crate::store::StoreError>(())
    });
    // The records of each submission whose matching did not finish, held out of the index
    // until that submission is matched, as it would have been had the hub not stopped.
    let mut unmatched: HashMap<i64, Vec<Pending>> = HashMap::new();
    let mut n_records = 0usize;
    while let Some(page) = received.recv().await {
        let index = state.index.clone();
        let layer = state.layer.clone();
        let unfinished = unmatched_submissions.clone();
        let (n_indexed, page_unmatched) = blocking(move || {
            let decoded: Vec<(Pending, Option<i64>)> = page
                .into_par_iter()
                .map(|stored| {
                    let identity = stored.identity();
                    let encoding = layer
                        .at_rest()
                        .open(&identity, &stored.encoding)
                        .map_err(|e| ApiError::Internal(format!("record {}: {e}", stored.id)))?;
                    let pending = Pending {
                        id: stored.id,
                        agreement_id: stored.agreement_id,
                        epoch: stored.epoch,
                        authority: stored.authority_code,
                        role: stored.role,
                        record: prepare(&encoding),
                    };
                    let unfinished = (!stored.matched
                        && unfinished.contains(&stored.submission_id))
                    .then_some(stored.submission_id);
                    Ok((pending, unfinished))
                })
                .collect::<Result<_, ApiError>>()?;
            let (matched, unmatched): (Vec<_>, Vec<_>) = decoded
                .into_iter()
                .partition(|(_, unfinished)| unfinished.is_none());
            let n = insert_all(&index, matched.into_iter().map(|(p, _)| p).collect(), &[]);
            Ok::<_, ApiError>((n, unmatched))
        })
        .await??;
        n_records = n_indexed;
        for (pending, submission) in page_unmatched {
            let submission = submission.expect("partitioned on it");
            unmatched.entry(submission).or_default().push(pending);
        }
    }
    reader
        .await
        .map_err(|e| ApiError::Internal(format!("the rebuild reader failed: {e}")))??;
    state.update_index_gauge(n_records);
    let n_unmatched: usize = unmatched.values().map(Vec::len).sum();
    // In the order they were accepted, each against what was indexed before it, and recorded
    // as its batch's matching (its stored answer then tells a retry how many candidates it
    // produced).
    for (submission, answer) in unmatched_in_order {
        let Some(records) = unmatched.remove(&submission) else {
            continue;
        };
        index_and_match(&state, records, Vec::new(), Some(submission), answer).await?;
    }
    state.metrics.ready.store(true, Ordering::Release);
    tracing::info!(
        n_records,
        n_unmatched,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "matching index rebuilt"
    );
    Ok(())
}
