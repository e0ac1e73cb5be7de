//! Continuous matching: each new record is compared with what the rules admit (see
//! `hub::index`), then enters the index; every probable pair becomes one candidate row.
//! Records are compared and indexed after their commit (a streamed batch once all its rows
//! are stored), under the [`MatchTurn`], which orders batches against each other. Runs on blocking threads (rayon for large
//! batches), never on a tokio worker.
//!
//! A batch's submission row is written with `matched = 0` and flipped to 1 in the same
//! transaction that stores its candidates (records matched outside a batch flip their own
//! `records.matched`), so a crash between the two is repaired by the start-up rebuild.

use std::sync::RwLock;

use rayon::prelude::*;
use tokio::sync::OwnedMutexGuard;

use super::engine::{Prepared, RecordId};
use super::index::{IndexedRecord, MatchIndex, Subject};
use super::problem::ApiError;
use super::state::{blocking, AppState, MatchSettings};
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
    /// Hub-layer encoding, prepared for matching and indexing ([`super::engine::prepare`]).
    pub record: Prepared,
}

/// Removes `removed`, then indexes `records`; returns the index size.
pub fn insert_all(
    index: &RwLock<MatchIndex>,
    records: Vec<Pending>,
    removed: &[RecordId],
) -> usize {
    let mut index = index.write().unwrap_or_else(|e| e.into_inner());
    for id in removed {
        index.remove(*id);
    }
    let batch = records
        .into_iter()
        .map(|r| {
            let meta = index.meta(&r.authority, r.role);
            (
                (r.agreement_id, r.epoch),
                IndexedRecord {
                    id: r.id,
                    meta,
                    record: r.record,
                },
            )
        })
        .collect();
    index.insert_many(batch);
    index.len()
}

/// The candidates of `records` under the continuous-matching rules, whether or not they are
/// indexed yet (see [`MatchIndex::matches_of`]).
pub fn match_all(
    index: &RwLock<MatchIndex>,
    records: &[Pending],
    settings: &MatchSettings,
) -> Vec<NewCandidate> {
    let index = index.read().unwrap_or_else(|e| e.into_inner());
    let per_record = |r: &Pending| -> Vec<NewCandidate> {
        let subject = Subject {
            id: r.id,
            agreement_id: &r.agreement_id,
            epoch: r.epoch,
            authority: &r.authority,
            role: r.role,
        };
        index
            .matches_of(
                &subject,
                &r.record,
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

/// The turn to match against the index and then change it. Whoever matches records and
/// indexes them holds it from the first comparison until they are indexed, so that of any
/// two batches the later one sees the earlier. Never awaited while holding the store's
/// writer lock.
pub struct MatchTurn {
    _held: OwnedMutexGuard<()>,
}

impl MatchTurn {
    /// Waits for the turn.
    pub async fn take(state: &AppState) -> MatchTurn {
        MatchTurn {
            _held: state.match_turn.clone().lock_owned().await,
        }
    }
}

/// Matches freshly committed records, indexes them (and drops withdrawn ones) and stores the candidates. `submission`
/// names the batch when `records` are all of one submission (it is then marked matched, one
/// row); `answer` is then stored as its answer in the same transaction, with `n_candidates`
/// filled in. Returns how many candidates were new.
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
    let turn = MatchTurn::take(state).await;
    let (candidates, n_indexed, matched, match_time) = blocking(move || {
        // Matching first lets the records move into the index, uncopied: they are not
        // compared with their own authority's records, so indexing them first changes nothing.
        let candidates = match_all(&index, &records, &settings);
        let match_time = started.elapsed();
        let matched = match submission {
            Some(id) => MatchedRecords::Submission { id, answer },
            None => MatchedRecords::Ids(records.iter().map(|r| r.id).collect()),
        };
        let n_indexed = insert_all(&index, records, &removed);
        (candidates, n_indexed, matched, match_time)
    })
    .await?;
    // Storing the candidates takes the writer lock, which is never awaited holding the turn.
    drop(turn);
    let compute_time = started.elapsed();
    state.update_index_gauge(n_indexed);
    if matches!(matched, MatchedRecords::Submission { .. }) {
        crate::fault::reach(crate::fault::CrashPoint::Stored);
    }
    let n_new = match state.store.record_matches(&candidates, &matched).await {
        Ok(n_new) => n_new,
        Err(e) => {
            // The records are committed and indexed; only their candidates are not stored.
            // They are stored in the background as soon as the database takes them (until
            // then a retry of the batch is told to wait, not that it found nothing), or at
            // the next start, which finishes every unfinished batch.
            record_later(state.clone(), candidates, matched);
            return Err(e.into());
        }
    };
    tracing::debug!(
        match_ms = match_time.as_millis() as u64,
        index_ms = (compute_time - match_time).as_millis() as u64,
        store_ms = (started.elapsed() - compute_time).as_millis() as u64,
        "indexed and matched"
    );
    state
        .metrics
        .candidates_proposed
        .fetch_add(n_new, std::sync::atomic::Ordering::Relaxed);
    Ok(n_new)
}

/// Attempts to store candidates whose first storing failed: every few seconds at first, then
/// every minute, for about an hour; after that the next start stores them.
fn record_later(state: AppState, candidates: Vec<NewCandidate>, matched: MatchedRecords) {
    tokio::spawn(async move {
        let mut wait = std::time::Duration::from_secs(super::problem::DATABASE_RETRY_AFTER_SECS);
        for _ in 0..70 {
            tokio::time::sleep(wait).await;
            match state.store.record_matches(&candidates, &matched).await {
                Ok(n_new) => {
                    state
                        .metrics
                        .candidates_proposed
                        .fetch_add(n_new, std::sync::atomic::Ordering::Relaxed);
                    tracing::info!(n_new, "candidates stored after an earlier failure");
                    return;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "candidates still not stored; retrying");
                    wait = (wait * 2).min(std::time::Duration::from_secs(60));
                }
            }
        }
        tracing::error!("candidates not stored; the next start matches these records again");
    });
}

/// Drops records from the index (withdrawn, or cases closed).
pub async fn unindex(state: &AppState, removed: Vec<RecordId>) -> Result<(), ApiError> {
    let index = state.index.clone();
    let n = blocking(move || insert_all(&index, Vec::new(), &removed)).await?;
    state.update_index_gauge(n);
    Ok(())
}
