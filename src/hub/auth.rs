//! Authentication: `Authorization: Bearer <api key>` → the [`Principal`] the key stands for.
//!
//! Handlers take [`AuthorityCaller`] (authorities only) or [`OperatorCaller`]; both reject a
//! missing or unknown key with 401 before the handler runs.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::problem::ApiError;
use super::state::AppState;
use crate::store::{Authority, Principal};

/// The authority a request acts as.
#[derive(Debug, Clone)]
pub struct AuthorityCaller(pub Authority);

/// A hub operator.
#[derive(Debug, Clone)]
pub struct OperatorCaller(pub String);

async fn principal(parts: &Parts, state: &AppState) -> Result<Principal, ApiError> {
    let key = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or(ApiError::Unauthenticated)?;
    state
        .store
        .authenticate(key)
        .await?
        .ok_or(ApiError::Unauthenticated)
}

impl FromRequestParts<AppState> for AuthorityCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match principal(parts, state).await? {
            Principal::Authority(authority) => {
                tracing::Span::current().record("caller", authority.code.as_str());
                Ok(AuthorityCaller(authority))
            }
            Principal::Operator { .. } => Err(ApiError::Forbidden(
                "operator keys cannot act as an authority",
            )),
        }
    }
}

impl FromRequestParts<AppState> for OperatorCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match principal(parts, state).await? {
            Principal::Operator { label } => Ok(OperatorCaller(label)),
            Principal::Authority(_) => Err(ApiError::Forbidden("this route is for hub operators")),
        }
    }
}
