//! The start-up rebuild: reads every active roll record and open case from the database into
//! the matching index, page by page, then matches the records whose matching had not finished
//! when the hub last stopped. `/readyz` answers 200 only afterwards.

use std::sync::atomic::Ordering;
use std::time::Instant;

use super::matching::{index_and_match, insert_all, Pending};
use super::problem::ApiError;
use super::state::{blocking, AppState};
use crate::encode::EncodedRecord;

const PAGE: i64 = 10_000;

/// Rebuilds the index and marks the hub ready.
pub async fn rebuild(state: AppState) -> Result<(), ApiError> {
    let started = Instant::now();
    let mut after = 0;
    let mut unmatched: Vec<Pending> = Vec::new();
    let mut n_records = 0usize;
    loop {
        let page = state.store.matchable_records(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let index = state.index.clone();
        let (n_indexed, mut pending_unmatched) = blocking(move || {
            let mut pending = Vec::with_capacity(page.len());
            let mut unmatched = Vec::new();
            for stored in page {
                let encoding: EncodedRecord = serde_json::from_str(&stored.encoding)
                    .map_err(|e| ApiError::Internal(format!("record {}: {e}", stored.id)))?;
                let p = Pending {
                    id: stored.id,
                    agreement_id: stored.agreement_id,
                    epoch: stored.epoch,
                    authority: stored.authority_code,
                    role: stored.role,
                    encoding,
                };
                if !stored.matched {
                    unmatched.push(p.clone());
                }
                pending.push(p);
            }
            Ok::<_, ApiError>((insert_all(&index, &pending, &[]), unmatched))
        })
        .await??;
        n_records = n_indexed;
        unmatched.append(&mut pending_unmatched);
    }
    state.update_index_gauge(n_records);
    let n_unmatched = unmatched.len();
    if !unmatched.is_empty() {
        // Already indexed above; inserting again replaces them in place.
        index_and_match(&state, unmatched, Vec::new(), None).await?;
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
