//! The state every handler shares.

use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use std::collections::HashMap;

use super::audit_queue::AuditQueue;
use super::index::MatchIndex;
use super::metrics::Metrics;
use super::problem::ApiError;
use super::rate_limit::SearchLimiter;
use crate::hub::layer::HubLayer;
use crate::store::{DailyLimit, DailyLimits, Jurisdiction, Store};

/// Matching thresholds.
#[derive(Debug, Clone, Copy)]
pub struct MatchSettings {
    /// Continuous matching proposes a candidate at or above this probability.
    pub candidate_probability: f64,
    /// At most this many candidates per new record.
    pub candidates_per_record: usize,
    /// Searches return results at or above this probability by default.
    pub search_probability: f64,
    /// Searches return at most this many results (callers may ask for fewer).
    pub search_limit: usize,
}

impl Default for MatchSettings {
    fn default() -> Self {
        MatchSettings {
            candidate_probability: 0.5,
            candidates_per_record: 20,
            search_probability: 0.05,
            search_limit: 20,
        }
    }
}

/// Limits on what one request may carry beyond the body-size limit.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    /// Records in one submission (streamed batches have no body-size limit).
    pub max_batch_records: usize,
}

impl Default for UploadLimits {
    fn default() -> Self {
        UploadLimits {
            max_batch_records: 10_000_000,
        }
    }
}

/// Disclosure, audit and retention policy (protocol.md §11, §14).
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// National searches per authority per minute (0: unlimited).
    pub searches_per_minute: u32,
    /// Open cases each member may submit per agreement and UTC day, where the operator set
    /// no limit for the agreement (a CME service opens tens of cases a week: README).
    pub cases_per_day: DailyLimit,
    /// National searches each member may run per agreement and UTC day, where the operator
    /// set no limit for the agreement.
    pub searches_per_day: DailyLimit,
    /// Candidates not confirmed by both sides within this many days expire.
    pub confirm_within_days: i64,
    /// Days a closed case's or withdrawn record's encoding is kept before it is purged.
    pub purge_after_days: i64,
    /// Days a released sealed record is kept after its first download.
    pub sealed_ttl_days: i64,
    /// How often the background purge runs (`None`: only on `admin purge`).
    pub purge_interval: Option<Duration>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            searches_per_minute: 30,
            cases_per_day: DailyLimit::PerDay(50),
            searches_per_day: DailyLimit::PerDay(200),
            confirm_within_days: 28,
            purge_after_days: 30,
            sealed_ttl_days: 14,
            purge_interval: Some(Duration::from_secs(3600)),
        }
    }
}

impl Policy {
    /// The default daily limits, for agreements the operator set none for.
    pub fn daily_limits(&self) -> DailyLimits {
        DailyLimits {
            cases_per_day: self.cases_per_day,
            searches_per_day: self.searches_per_day,
        }
    }
}

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The hub key layer applied to every encoding on ingest.
    pub layer: Arc<HubLayer>,
    /// The in-memory matching index.
    pub index: Arc<RwLock<MatchIndex>>,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Thresholds.
    pub settings: MatchSettings,
    /// Upload limits.
    pub limits: UploadLimits,
    /// Group-committed audit events (searches).
    pub audit: AuditQueue,
    /// Each authority's jurisdiction (authorities never change nation), filled on demand.
    pub jurisdictions: Arc<RwLock<HashMap<String, Jurisdiction>>>,
    /// Disclosure, audit and retention policy.
    pub policy: Policy,
    /// Per-authority search rate limits.
    pub search_limiter: Arc<SearchLimiter>,
    /// The turn to match and index (`hub::matching::MatchTurn`).
    pub match_turn: Arc<tokio::sync::Mutex<()>>,
}

impl AppState {
    /// Fails with 503 until the index has been rebuilt.
    pub fn ensure_ready(&self) -> Result<(), ApiError> {
        if self.metrics.ready.load(Ordering::Acquire) {
            Ok(())
        } else {
            Err(ApiError::NotReady)
        }
    }

    /// The jurisdiction of `authority`, from the cache or (once) the database.
    pub async fn jurisdiction_of(&self, authority: &str) -> Result<Option<Jurisdiction>, ApiError> {
        let cached = self
            .jurisdictions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(authority)
            .copied();
        if cached.is_some() {
            return Ok(cached);
        }
        let all = self.store.authorities().await?;
        let mut cache = self
            .jurisdictions
            .write()
            .unwrap_or_else(|e| e.into_inner());
        for a in all {
            cache.insert(a.code, a.jurisdiction);
        }
        Ok(cache.get(authority).copied())
    }

    /// Publishes the index size to the metrics.
    pub fn update_index_gauge(&self, n: usize) {
        self.metrics
            .index_records
            .store(n as u64, Ordering::Relaxed);
    }
}

/// Runs CPU-bound work (the hub layer, the matcher) on the blocking pool, never on a tokio
/// worker, carrying the request's tracing span into the closure.
pub async fn blocking<T, F>(work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(work))
        .await
        .map_err(|e| ApiError::Internal(format!("blocking task failed: {e}")))
}
