//! The daily limits at the hub's edge (the counting itself is in `store::limits`): the
//! limits in force for a request, a quick check before work a limit would refuse anyway, and
//! the handling of every refusal: counted, audited (with every member of the agreement as a
//! party) and logged as a warning for the operator, then answered as 429 `daily-limit-reached`.

use super::problem::ApiError;
use super::state::AppState;
use crate::store::{Agreement, DailyLimit, DailyLimitHit, DailyLimits, Metered, StoreError};

impl AppState {
    /// The limits in force for `agreement`: the operator's, else the hub's defaults.
    pub fn daily_limits(&self, agreement: &Agreement) -> DailyLimits {
        agreement.limits.resolve(self.policy.daily_limits())
    }
}

/// Refuses, before any work is done, a request for `requested` more of `metered` that
/// `limit` would refuse given what `authority` already used under `agreement_id` today.
pub(crate) async fn ensure_room(
    state: &AppState,
    agreement_id: &str,
    authority: &str,
    metered: Metered,
    limit: DailyLimit,
    requested: usize,
) -> Result<(), ApiError> {
    let DailyLimit::PerDay(per_day) = limit else {
        return Ok(());
    };
    let requested = u64::try_from(requested).unwrap_or(u64::MAX);
    let used = state
        .store
        .used_today(agreement_id, authority, metered)
        .await?;
    if limit.allows(used, requested) {
        return Ok(());
    }
    let hit = DailyLimitHit {
        agreement_id: agreement_id.to_string(),
        authority: authority.to_string(),
        metered,
        per_day,
        used,
        requested,
        day: crate::store::limits::utc_today(),
    };
    Err(refuse(state, hit).await)
}

/// Counts and audits a refusal (whose own transaction stored nothing) and answers it.
pub(crate) async fn refuse(state: &AppState, hit: DailyLimitHit) -> ApiError {
    if let Err(error) = state.store.record_limit_hit(&hit).await {
        return error.into();
    }
    refused(state, hit)
}

/// Logs a refusal already counted and audited, counts it in the metrics, and answers it.
pub(crate) fn refused(state: &AppState, hit: DailyLimitHit) -> ApiError {
    state
        .metrics
        .daily_limit_refusals
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    tracing::warn!(
        authority = %hit.authority,
        agreement_id = %hit.agreement_id,
        metered = %hit.metered,
        per_day = hit.per_day,
        used = hit.used,
        requested = hit.requested,
        "daily limit reached: request refused"
    );
    ApiError::DailyLimitReached(Box::new(hit))
}

/// A store result, with a refusal at a daily limit counted, audited and answered.
pub(crate) async fn settle<T>(
    state: &AppState,
    result: Result<T, StoreError>,
) -> Result<T, ApiError> {
    match result {
        Ok(value) => Ok(value),
        Err(StoreError::DailyLimit(hit)) => Err(refuse(state, *hit).await),
        Err(error) => Err(error.into()),
    }
}
