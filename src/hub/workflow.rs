//! The two-sided confirmation workflow (protocol.md §11–§12), one candidate at a time:
//!
//! - `GET /v1/candidates/{id}`: the candidate in detail, with every decision and the other
//!   side's disclosure key and fingerprint (audited as a view);
//! - `POST /v1/candidates/{id}/confirm`: confirm, uploading the caller's record sealed to the
//!   other side's key;
//! - `POST /v1/candidates/{id}/reject`: reject; nothing is released, uploads are purged;
//! - `GET /v1/candidates/{id}/disclosure`: the other side's sealed record, only once both
//!   sides have confirmed (audited as a release);
//! - `POST /v1/candidates/{id}/verify`: the coordinator's verdict after opening it.
//!
//! Only the two parties see a candidate; to anyone else it does not exist (404).

use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::AuthorityCaller;
use super::problem::{ApiError, AppJson, AppPath};
use super::state::AppState;
use crate::disclosure::SealedRecord;
use crate::store::workflow::{Decision, NewSealed, Transition, WorkflowError};
use crate::store::{AuditEvent, ConfirmReason, RejectReason, VerifiedOutcome};

/// Longest free-text note accepted.
pub const MAX_NOTE: usize = 1000;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/candidates/{id}", get(detail))
        .route("/v1/candidates/{id}/confirm", post(confirm))
        .route("/v1/candidates/{id}/reject", post(reject))
        .route("/v1/candidates/{id}/disclosure", get(disclosure))
        .route("/v1/candidates/{id}/verify", post(verify))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfirmRequest {
    reason: ConfirmReason,
    #[serde(default)]
    note: String,
    decided_by: String,
    sealed: SealedRecord,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RejectRequest {
    reason: RejectReason,
    #[serde(default)]
    note: String,
    decided_by: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyRequest {
    outcome: VerifiedOutcome,
    #[serde(default)]
    note: String,
    decided_by: String,
}

fn decision(reason: &str, note: String, decided_by: String) -> Result<Decision, ApiError> {
    let decided_by = decided_by.trim().to_string();
    if decided_by.is_empty() || decided_by.chars().count() > 120 {
        return Err(ApiError::InvalidRequest(
            "decided_by must name who decided (1 to 120 characters)".into(),
        ));
    }
    if note.chars().count() > MAX_NOTE {
        return Err(ApiError::InvalidRequest(format!(
            "note must be at most {MAX_NOTE} characters"
        )));
    }
    Ok(Decision {
        reason: reason.to_string(),
        note,
        decided_by,
    })
}

/// What a workflow request answers when it fails. A candidate the caller is party to no such
/// one of is answered as if it did not exist, and the refusal is audited (action
/// `candidate.refused`, with the id and what was attempted): an operator sees an authority
/// probing other tenants' candidate ids, which the caller itself cannot tell from a typo.
async fn refused(state: &AppState, me: &str, attempted: &str, error: WorkflowError) -> ApiError {
    if let WorkflowError::NotFound(id) = error {
        let event = AuditEvent::new(&format!("authority:{me}"), "candidate.refused", me)
            .with_detail(json!({"candidate_id": id, "attempted": attempted}));
        if let Err(e) = state.store.audit(event).await {
            return e.into();
        }
    }
    error.into()
}

fn transition_body(t: Transition) -> AppJson<Value> {
    AppJson(json!({"id": t.id, "state": t.to, "previous_state": t.from}))
}

async fn detail(
    State(state): State<AppState>,
    AuthorityCaller(me): AuthorityCaller,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Value>, ApiError> {
    let d = match state.store.candidate_detail(id, &me.code).await {
        Ok(d) => d,
        Err(e) => return Err(refused(&state, &me.code, "view", e).await),
    };
    let c = &d.candidate;
    let (own, other) = c.sides(&me.code).expect("a party");
    let decisions: Vec<Value> = d
        .decisions
        .iter()
        .map(|x| {
            json!({"authority": x.authority, "kind": x.kind, "decision": x.decision,
                "reason": x.reason, "note": x.note, "decided_by": x.decided_by, "at": x.at})
        })
        .collect();
    Ok(AppJson(json!({
        "id": c.id,
        "agreement_id": c.agreement_id,
        "epoch": c.epoch,
        "state": c.state,
        "probability": c.probability,
        "match_weight": c.match_weight,
        "evidence": c.evidence,
        "expires_at": super::candidates::expires_at(c.state, &c.created_at, state.policy.confirm_within_days),
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "record": {"authority": own.authority, "ref": own.record_ref, "role": own.role},
        "counterpart": {
            "authority": other.authority,
            "role": other.role,
            "disclosure_key": d.counterpart_key.as_ref().map(|(key, fingerprint)|
                json!({"public_key": key, "fingerprint": fingerprint})),
        },
        "decisions": decisions,
        "sealed": {"own": d.own_sealed, "counterpart": d.counterpart_sealed},
        "released": c.state.is_released(),
    })))
}

async fn confirm(
    State(state): State<AppState>,
    AuthorityCaller(me): AuthorityCaller,
    AppPath(id): AppPath<i64>,
    AppJson(request): AppJson<ConfirmRequest>,
) -> Result<AppJson<Value>, ApiError> {
    let decision = decision(request.reason.as_str(), request.note, request.decided_by)?;
    request
        .sealed
        .check()
        .map_err(|e| ApiError::InvalidRequest(format!("sealed: {e}")))?;
    let sealed = NewSealed {
        recipient_key: request.sealed.recipient_key,
        enc: request.sealed.enc,
        ct: request.sealed.ct,
    };
    let transition = match state
        .store
        .confirm_candidate(id, &me.code, &decision, &sealed)
        .await
    {
        Ok(t) => t,
        Err(e) => return Err(refused(&state, &me.code, "confirm", e).await),
    };
    tracing::info!(candidate = id, state = %transition.to, "candidate confirmed");
    Ok(transition_body(transition))
}

async fn reject(
    State(state): State<AppState>,
    AuthorityCaller(me): AuthorityCaller,
    AppPath(id): AppPath<i64>,
    AppJson(request): AppJson<RejectRequest>,
) -> Result<AppJson<Value>, ApiError> {
    let decision = decision(request.reason.as_str(), request.note, request.decided_by)?;
    let transition = match state.store.reject_candidate(id, &me.code, &decision).await {
        Ok(t) => t,
        Err(e) => return Err(refused(&state, &me.code, "reject", e).await),
    };
    tracing::info!(candidate = id, "candidate rejected");
    Ok(transition_body(transition))
}

async fn verify(
    State(state): State<AppState>,
    AuthorityCaller(me): AuthorityCaller,
    AppPath(id): AppPath<i64>,
    AppJson(request): AppJson<VerifyRequest>,
) -> Result<AppJson<Value>, ApiError> {
    let decision = decision(request.outcome.as_str(), request.note, request.decided_by)?;
    let transition = match state
        .store
        .verify_candidate(id, &me.code, request.outcome, &decision)
        .await
    {
        Ok(t) => t,
        Err(e) => return Err(refused(&state, &me.code, "verify", e).await),
    };
    tracing::info!(candidate = id, state = %transition.to, "candidate verified");
    Ok(transition_body(transition))
}

async fn disclosure(
    State(state): State<AppState>,
    AuthorityCaller(me): AuthorityCaller,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Value>, ApiError> {
    let released = match state.store.release_disclosure(id, &me.code).await {
        Ok(r) => r,
        Err(e) => return Err(refused(&state, &me.code, "download", e).await),
    };
    tracing::info!(candidate = id, "sealed record released");
    Ok(AppJson(json!({
        "candidate_id": id,
        "agreement_id": released.agreement_id,
        "sender": released.sender,
        "recipient": released.recipient,
        "state": released.transition.to,
        "sealed": SealedRecord {
            suite: crate::disclosure::seal::SUITE.into(),
            recipient_key: released.recipient_key,
            enc: released.enc,
            ct: released.ct,
        },
    })))
}
