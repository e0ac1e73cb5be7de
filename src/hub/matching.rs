//! Continuous matching: after records are committed they enter the index, and each new record
//! is compared with what the rules admit (see `hub::index`); every probable pair becomes one
//! candidate row. Runs on blocking threads (rayon for large batches), never on a tokio worker.
//!
//! A batch's submission row is written with `matched = 0` and flipped to 1 in the same
//! transaction that stores its candidates (records matched outside a batch flip their own
//! `records.matched`), so a crash between the two is repaired by the start-up rebuild.

use std::sync::RwLock;

use rayon::prelude::*;

use super::engine::RecordId;
use super::index::{IndexedRecord, MatchIndex, Partition};
use super::problem::ApiError;
use super::state::{blocking, AppState, MatchSettings};
use crate::encode::EncodedRecord;
use crate::store::{MatchedRecords, NewCandidate, Role};

/// A stored record about to enter the index.
#[derive(Debug, Clone)]
pub struct Pending {
    /// Row id.
    pub id: RecordId,
    /// Agreement.
    pub agreement_id: String,
    /// Key epoch.
    pub epoch: u32,
    /// Owning authority.
    pub authority: String,
    /// Missing or roll.
    pub role: Role,
    /// Hub-layer encoding.
    pub encoding: EncodedRecord,
}

/// Removes `removed`, then indexes `records`; returns the index size.
pub fn insert_all(index: &RwLock<MatchIndex>, records: &[Pending], removed: &[RecordId]) -> usize {
    let mut index = index.write().unwrap_or_else(|e| e.into_inner());
    for id in removed {
        index.remove(*id);
    }
    let batch = records
        .iter()
        .map(|r| indexed(&mut index, r.clone()))
        .collect();
    index.insert_many(batch);
    index.len()
}

/// Indexes records it may keep (the start-up rebuild: no copies); returns the index size.
pub fn insert_owned(index: &RwLock<MatchIndex>, records: impl Iterator<Item = Pending>) -> usize {
    let mut index = index.write().unwrap_or_else(|e| e.into_inner());
    let batch = records.map(|r| indexed(&mut index, r)).collect();
    index.insert_many(batch);
    index.len()
}

fn indexed(index: &mut MatchIndex, r: Pending) -> (Partition, IndexedRecord) {
    let meta = index.meta(&r.authority, r.role);
    (
        (r.agreement_id, r.epoch),
        IndexedRecord {
            id: r.id,
            meta,
            encoding: r.encoding,
        },
    )
}

/// The candidates of `records` (already indexed) under the continuous-matching rules.
pub fn match_all(
    index: &RwLock<MatchIndex>,
    records: &[Pending],
    settings: &MatchSettings,
) -> Vec<NewCandidate> {
    let index = index.read().unwrap_or_else(|e| e.into_inner());
    let per_record = |r: &Pending| -> Vec<NewCandidate> {
        index
            .matches_of(
                r.id,
                &r.encoding,
                settings.candidate_probability,
                settings.candidates_per_record,
            )
            .into_iter()
            .map(|m| NewCandidate {
                agreement_id: r.agreement_id.clone(),
                record_a: r.id,
                record_b: m.scored.id,
                probability: m.scored.probability,
                match_weight: m.scored.match_weight,
                evidence: m.scored.explanation,
            })
            .collect()
    };
    if records.len() < 256 {
        records.iter().flat_map(per_record).collect()
    } else {
        records.par_iter().flat_map_iter(per_record).collect()
    }
}

/// Indexes freshly committed records (and drops withdrawn ones), matches them and stores the
/// candidates. `submission` names the batch when `records` are all of one submission (it is
/// then marked matched, one row); `answer` is then stored as its answer in the same
/// transaction, with `n_candidates` filled in. Returns how many candidates were new.
pub async fn index_and_match(
    state: &AppState,
    records: Vec<Pending>,
    removed: Vec<RecordId>,
    submission: Option<i64>,
    answer: Option<serde_json::Value>,
) -> Result<u64, ApiError> {
    let index = state.index.clone();
    let settings = state.settings;
    let started = std::time::Instant::now();
    let (candidates, n_indexed, matched, index_time) = blocking(move || {
        let n_indexed = insert_all(&index, &records, &removed);
        let index_time = started.elapsed();
        let candidates = match_all(&index, &records, &settings);
        let matched = match submission {
            Some(id) => MatchedRecords::Submission { id, answer },
            None => MatchedRecords::Ids(records.iter().map(|r| r.id).collect()),
        };
        (candidates, n_indexed, matched, index_time)
    })
    .await?;
    let compute_time = started.elapsed();
    state.update_index_gauge(n_indexed);
    let n_new = state.store.record_matches(&candidates, &matched).await?;
    tracing::debug!(
        index_ms = index_time.as_millis() as u64,
        match_ms = (compute_time - index_time).as_millis() as u64,
        store_ms = (started.elapsed() - compute_time).as_millis() as u64,
        "indexed and matched"
    );
    state
        .metrics
        .candidates_proposed
        .fetch_add(n_new, std::sync::atomic::Ordering::Relaxed);
    Ok(n_new)
}

/// Drops records from the index (withdrawn, or cases closed).
pub async fn unindex(state: &AppState, removed: Vec<RecordId>) -> Result<(), ApiError> {
    let index = state.index.clone();
    let n = blocking(move || insert_all(&index, &[], &removed)).await?;
    state.update_index_gauge(n);
    Ok(())
}
