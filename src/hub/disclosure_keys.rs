//! Disclosure keys (protocol.md §12.1): `PUT /v1/disclosure-key` registers the caller's X25519
//! public key; `GET /v1/agreements/{id}/disclosure-keys` lists the current keys of the
//! agreement's members with the fingerprints to compare out of band.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::AuthorityCaller;
use super::problem::{ApiError, AppJson, AppPath};
use super::state::AppState;
use crate::disclosure::PublicKey;
use crate::store::StoreError;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/disclosure-key", put(register))
        .route("/v1/agreements/{id}/disclosure-keys", get(list))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterRequest {
    public_key: String,
}

async fn register(
    State(state): State<AppState>,
    AuthorityCaller(me): AuthorityCaller,
    AppJson(request): AppJson<RegisterRequest>,
) -> Result<(StatusCode, AppJson<Value>), ApiError> {
    let key = PublicKey::parse(&request.public_key)
        .map_err(|e| ApiError::InvalidRequest(format!("public_key: {e}")))?;
    let (info, created) = match state
        .store
        .register_disclosure_key(&me.code, &key.to_base64(), &key.fingerprint())
        .await
    {
        Ok(registered) => registered,
        Err(StoreError::Conflict(_)) => {
            return Err(ApiError::InvalidRequest(
                "public_key is already registered by another authority".into(),
            ))
        }
        Err(e) => return Err(e.into()),
    };
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        AppJson(
            json!({"authority": info.authority, "public_key": info.public_key,
            "fingerprint": info.fingerprint, "registered_at": info.registered_at}),
        ),
    ))
}

async fn list(
    State(state): State<AppState>,
    AuthorityCaller(me): AuthorityCaller,
    AppPath(agreement_id): AppPath<String>,
) -> Result<AppJson<Value>, ApiError> {
    let keys = state
        .store
        .agreement_disclosure_keys(&agreement_id, &me.code)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("agreement {agreement_id}")))?;
    let keys: Vec<Value> = keys
        .into_iter()
        .map(|k| {
            json!({"authority": k.authority, "public_key": k.public_key,
                "fingerprint": k.fingerprint, "registered_at": k.registered_at})
        })
        .collect();
    Ok(AppJson(json!({"agreement_id": agreement_id, "keys": keys})))
}
