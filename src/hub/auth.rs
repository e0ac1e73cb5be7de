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

/// The token of an `Authorization` value in the Bearer scheme, whose name is
/// case-insensitive (RFC 9110 §11.1): `Bearer k`, `bearer k` and `BEARER k` alike.
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim_start().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

async fn principal(parts: &Parts, state: &AppState) -> Result<Principal, ApiError> {
    let key = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token)
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

#[cfg(test)]
mod tests {
    use super::bearer_token;

    #[test]
    fn the_bearer_scheme_is_matched_whatever_its_case() {
        for value in ["Bearer k1", "bearer k1", "BEARER  k1 ", " Bearer k1"] {
            assert_eq!(bearer_token(value), Some("k1"), "{value}");
        }
        assert_eq!(bearer_token("Basic k1"), None);
        assert_eq!(bearer_token("Bearerk1"), None);
    }
}
