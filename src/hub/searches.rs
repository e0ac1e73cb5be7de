//! `POST /v1/searches`: a synchronous national search for one child across the other member
//! authorities of an agreement, optionally opening the query as a CME case (which then takes
//! part in continuous matching like any submitted case). Each search counts against the
//! member's searches per day, and a case it opens against its cases per day
//! (`hub::limits`); a search over either limit is refused and its results are not answered.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::TryLockError;
use std::time::Instant;

use axum::extract::State;
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::AuthorityCaller;
use super::engine::{prepare, Prepared};
use super::index::{IndexMatch, MatchIndex};
use super::limits::{ensure_room, refused, settle};
use super::matching::{index_and_match, Pending};
use super::problem::{in_range, ApiError, AppJson};
use super::state::{blocking, AppState};
use super::submissions::check_agreement;
use super::validate::check_record;
use crate::matcher::resolve::Standing;
use crate::store::{
    AuditEvent, Jurisdiction, Metered, NewRecord, NewSubmission, Role, RowIdentity, SearchCharge,
    SubmitMode,
};

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/v1/searches", post(search))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchRequest {
    agreement_id: String,
    epoch: u32,
    protocol: u32,
    record: Value,
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    min_probability: Option<f64>,
    /// Case metadata (`referral_reason`, `referral_source`, `referred_on`) to open the query
    /// as a case.
    #[serde(default)]
    open_case: Option<serde_json::Map<String, Value>>,
}

async fn search(
    State(state): State<AppState>,
    AuthorityCaller(me): AuthorityCaller,
    AppJson(request): AppJson<SearchRequest>,
) -> Result<AppJson<Value>, ApiError> {
    state.ensure_ready()?;
    if let Err(wait) = state.search_limiter.check(&me.code) {
        let event = AuditEvent::new(
            &format!("authority:{}", me.code),
            "search.rate_limited",
            &request.agreement_id,
        )
        .with_detail(json!({"per_minute": state.search_limiter.per_minute()}));
        state.store.audit(event).await?;
        return Err(ApiError::RateLimited {
            per_minute: state.search_limiter.per_minute(),
            retry_after_secs: wait.as_secs().max(1),
        });
    }
    let agreement = check_agreement(
        &state,
        &me.code,
        request.protocol,
        &request.agreement_id,
        request.epoch,
    )
    .await?;
    let daily = state.daily_limits(&agreement);
    let max = state.settings.search_limit;
    let limit = in_range("limit", request.limit.unwrap_or(max), 1..=max)?;
    let min_probability = in_range(
        "min_probability",
        request
            .min_probability
            .unwrap_or(state.settings.search_probability),
        0.0..=1.0,
    )?;
    // A case's metadata is checked with the record, as one record of role `missing`.
    let mut record = request.record;
    let role = match (&request.open_case, record.as_object_mut()) {
        (Some(case), Some(object)) => {
            object.extend(case.clone());
            Role::Missing
        }
        _ => Role::Roll,
    };
    let today = chrono::Utc::now().date_naive();
    let valid = check_record(0, &record, role, today).map_err(|errors| {
        let n_invalid = 1;
        ApiError::InvalidRecords {
            errors,
            n_invalid,
            n_records: 1,
        }
    })?;
    if valid.case.is_some() {
        let (agreement, metered) = (&request.agreement_id, Metered::Cases);
        ensure_room(&state, agreement, &me.code, metered, daily.cases_per_day, 1).await?;
    }
    let started = Instant::now();
    let encoding = state.layer.apply(&valid.encoding);
    let prepared = prepare(&encoding);
    let query = SearchArgs {
        agreement_id: request.agreement_id.clone(),
        epoch: request.epoch,
        caller: me.code.clone(),
        min_probability,
        limit,
    };
    // A search takes well under a millisecond of CPU at a million records, less than the
    // hand-off to the blocking pool costs in thread wake-ups, so it runs on the request's own
    // worker. While a batch is being indexed (the write lock is held for seconds) it waits on
    // the blocking pool instead, never stalling the worker.
    let inline = match state.index.try_read() {
        Ok(index) => Some(query.run(&index, &prepared)),
        Err(TryLockError::Poisoned(index)) => Some(query.run(&index.into_inner(), &prepared)),
        Err(TryLockError::WouldBlock) => None,
    };
    let (prepared, matches) = match inline {
        Some(matches) => (prepared, matches),
        None => {
            let index = state.index.clone();
            blocking(move || {
                let matches =
                    query.run(&index.read().unwrap_or_else(|e| e.into_inner()), &prepared);
                (prepared, matches)
            })
            .await?
        }
    };
    let mut jurisdictions: HashMap<&str, Option<Jurisdiction>> = HashMap::new();
    for m in &matches {
        if !jurisdictions.contains_key(&*m.meta.authority) {
            let j = state.jurisdiction_of(&m.meta.authority).await?;
            jurisdictions.insert(&m.meta.authority, j);
        }
    }
    // Every result competes for the one child sought: each stands against the best of the others.
    let weights: Vec<f64> = matches.iter().map(|m| m.scored.match_weight).collect();
    let best_other = |i: usize| {
        weights
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != i)
            .map(|(_, &w)| w)
            .reduce(f64::max)
    };
    let results: Vec<Value> = matches
        .iter()
        .enumerate()
        .map(|(i, m)| {
            json!({
                "rank": i + 1,
                "standing": Standing::of(m.scored.match_weight, best_other(i)),
                "authority": &*m.meta.authority,
                "jurisdiction": jurisdictions.get(&*m.meta.authority).copied().flatten(),
                "role": m.meta.role,
                "probability": m.scored.probability,
                "match_weight": m.scored.match_weight,
                "explanation": m.scored.explanation,
            })
        })
        .collect();
    state.metrics.searches.fetch_add(1, Ordering::Relaxed);
    state
        .metrics
        .search_micros
        .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
    // Counted (or refused at the daily limit) and audited before anything is answered.
    let event = AuditEvent::new(
        &format!("authority:{}", me.code),
        "search.perform",
        &request.agreement_id,
    )
    .with_detail(json!({"epoch": request.epoch, "n_results": results.len(),
        "opens_case": valid.case.is_some()}));
    let charge = SearchCharge {
        agreement_id: request.agreement_id.clone(),
        authority: me.code.clone(),
        with_results: !results.is_empty(),
        limit: daily.searches_per_day,
    };
    state
        .audit
        .record_search(event, charge)
        .await?
        .map_err(|hit| refused(&state, hit))?;
    let mut response = json!({ "results": results });
    if let Some(case) = valid.case {
        let record_ref = encoding.record_ref.clone();
        let submission = NewSubmission {
            authority: me.code.clone(),
            batch_id: format!("search:{}", uuid::Uuid::new_v4()),
            agreement_id: request.agreement_id.clone(),
            epoch: request.epoch,
            role: Role::Missing,
            mode: SubmitMode::Incremental,
            request_hash: String::new(),
            cases_per_day: daily.cases_per_day,
        };
        let identity = RowIdentity {
            authority: &me.code,
            agreement: &request.agreement_id,
            epoch: request.epoch,
            role: Role::Missing,
            record_ref: &record_ref,
        };
        let row = NewRecord {
            record_ref: record_ref.clone(),
            encoding: state.layer.at_rest().seal(&identity, &encoding),
            case: Some(case),
        };
        let result = json!({"n_records": 1, "opened_by": "search"});
        let outcome = settle(
            &state,
            state.store.ingest(&submission, &[row], &result).await,
        )
        .await?;
        let pending: Vec<Pending> = outcome
            .records
            .iter()
            .map(|(id, _)| Pending {
                id: *id,
                agreement_id: request.agreement_id.clone(),
                epoch: request.epoch,
                authority: me.code.clone(),
                role: Role::Missing,
                record: prepared.clone(),
            })
            .collect();
        let n_candidates = index_and_match(
            &state,
            pending,
            Vec::new(),
            Some(outcome.submission_id),
            None,
        )
        .await?;
        response["case"] = json!({"ref": record_ref, "n_candidates": n_candidates});
    }
    Ok(AppJson(response))
}

/// A national search's parameters, apart from the query record.
struct SearchArgs {
    agreement_id: String,
    epoch: u32,
    caller: String,
    min_probability: f64,
    limit: usize,
}

impl SearchArgs {
    fn run(&self, index: &MatchIndex, query: &Prepared) -> Vec<IndexMatch> {
        index.search(
            &self.agreement_id,
            self.epoch,
            &self.caller,
            query,
            self.min_probability,
            self.limit,
        )
    }
}
