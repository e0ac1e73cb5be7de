//! `GET /v1/candidates`: the candidates the caller is party to, best first, with the matcher's
//! evidence (every listing is audited). Each shows the caller's own record reference and only
//! the other party's authority, jurisdiction and role, and where it stands among the live
//! candidates of the caller's record (`best`, `ambiguous`, `runner_up`). The answer also says how many pass the
//! filters (`total`) and, when more follow, the `after` that lists the next page
//! (`next_after`).

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::AuthorityCaller;
use super::problem::{in_range, ApiError, AppJson, AppQuery};
use super::state::AppState;
use crate::store::{AuditEvent, CandidateFilter, CandidateState, Jurisdiction};

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/v1/candidates", get(list))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    state: Option<String>,
    min_probability: Option<f64>,
    counterpart_jurisdiction: Option<Jurisdiction>,
    /// Only candidates proposed at or after this RFC 3339 time.
    since: Option<String>,
    /// Only candidates proposed at least this many days ago (waiting for review).
    min_age_days: Option<u32>,
    /// Only candidates proposed at most this many days ago.
    max_age_days: Option<u32>,
    limit: Option<i64>,
    /// Only candidates listed after this one (its id, from `next_after`).
    after: Option<i64>,
}

async fn list(
    State(state): State<AppState>,
    AuthorityCaller(me): AuthorityCaller,
    AppQuery(query): AppQuery<ListQuery>,
) -> Result<AppJson<Value>, ApiError> {
    if let Some(s) = &query.state {
        s.parse::<CandidateState>()
            .map_err(|e| ApiError::InvalidRequest(format!("state: {e}")))?;
    }
    let since = query
        .since
        .as_deref()
        .map(|since| {
            chrono::DateTime::parse_from_rfc3339(since)
                .map(|t| t.with_timezone(&chrono::Utc))
                .map_err(|_| ApiError::InvalidRequest("since must be an RFC 3339 time".into()))
        })
        .transpose()?;
    let now = chrono::Utc::now();
    let days_ago = |days: u32| now - chrono::Duration::days(i64::from(days));
    if let (Some(min), Some(max)) = (query.min_age_days, query.max_age_days) {
        if min > max {
            return Err(ApiError::InvalidRequest(
                "min_age_days must not exceed max_age_days".into(),
            ));
        }
    }
    let limit = in_range("limit", query.limit.unwrap_or(100), 1..=1000)?;
    // The later of `since` and the age bound.
    let created_since = match (since, query.max_age_days.map(days_ago)) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let stamp =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let after = match query.after {
        Some(id) => Some(
            state
                .store
                .candidate_cursor(&me.code, id)
                .await?
                .ok_or_else(|| {
                    ApiError::InvalidRequest(format!("after: you are party to no candidate {id}"))
                })?,
        ),
        None => None,
    };
    let filter = CandidateFilter {
        state: query.state,
        min_probability: query.min_probability,
        counterpart_jurisdiction: query.counterpart_jurisdiction,
        created_since: created_since.map(stamp),
        created_before: query.min_age_days.map(days_ago).map(stamp),
        // One more than asked for says whether another page follows.
        limit: limit + 1,
        after,
    };
    let mut candidates = state.store.candidates_for(&me.code, &filter).await?;
    let total = state.store.count_candidates_for(&me.code, &filter).await?;
    let more = candidates.len() as i64 > limit;
    candidates.truncate(limit as usize);
    let next_after = candidates.last().filter(|_| more).map(|c| c.id);
    // Listing shows evidence about other authorities' records: a candidate view, audited.
    let ids: Vec<i64> = candidates.iter().map(|c| c.id).collect();
    let event = AuditEvent::new(
        &format!("authority:{}", me.code),
        "candidates.list",
        &me.code,
    )
    .with_detail(json!({"n_candidates": ids.len(), "ids": ids}));
    state.store.audit(event).await?;
    let items: Vec<Value> = candidates
        .into_iter()
        .map(|c| {
            json!({
                "id": c.id,
                "state": c.state,
                "probability": c.probability,
                "match_weight": c.match_weight,
                "evidence": c.evidence,
                "expires_at": c.state.parse().ok().and_then(|s| expires_at(s, &c.created_at, state.policy.confirm_within_days)),
                "created_at": c.created_at,
                "standing": c.standing,
                "record": {"ref": c.own_ref, "role": c.own_role},
                "counterpart": {
                    "authority": c.counterpart_authority,
                    "jurisdiction": c.counterpart_jurisdiction,
                    "role": c.counterpart_role,
                },
            })
        })
        .collect();
    Ok(AppJson(json!({
        "candidates": items,
        "total": total,
        "next_after": next_after,
    })))
}

/// When an undecided candidate (`proposed` or `confirmed_one`) expires unless both sides
/// confirm: `confirm_within_days` after it was proposed (protocol.md §14.1), in RFC 3339 UTC.
/// `None` for any other state, which does not expire.
pub(crate) fn expires_at(
    state: CandidateState,
    created_at: &str,
    confirm_within_days: i64,
) -> Option<String> {
    if !state.awaits_decision() {
        return None;
    }
    let created = chrono::DateTime::parse_from_rfc3339(created_at).ok()?;
    let expires = created.with_timezone(&chrono::Utc) + chrono::Duration::days(confirm_within_days);
    Some(expires.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

#[cfg(test)]
mod tests {
    use super::expires_at;
    use crate::store::CandidateState;

    #[test]
    fn an_undecided_candidate_expires_its_window_after_it_was_proposed_and_no_other_does() {
        let at = "2026-12-07T10:15:00Z";
        let expiry = |state, days| expires_at(state, at, days);
        assert_eq!(
            expiry(CandidateState::Proposed, 28).as_deref(),
            Some("2027-01-04T10:15:00.000Z")
        );
        assert_eq!(
            expiry(CandidateState::ConfirmedOne, 1).as_deref(),
            Some("2026-12-08T10:15:00.000Z")
        );
        for settled in CandidateState::ALL.iter().filter(|s| !s.awaits_decision()) {
            assert_eq!(expiry(*settled, 28), None, "{settled:?}");
        }
    }
}
