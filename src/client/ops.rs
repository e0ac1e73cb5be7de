//! Operational routes: readiness and the OpenAPI document.

use reqwest::Method;
use serde::Deserialize;

use super::{ClientError, HubClient};

/// The hub's readiness.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Readiness {
    /// `ready`.
    pub status: String,
    /// Records in the matching index.
    pub index_records: u64,
}

impl HubClient {
    /// `GET /readyz`: succeeds once the hub has rebuilt its index and reaches its database.
    pub async fn ready(&self) -> Result<Readiness, ClientError> {
        let request = self.request(Method::GET, "/readyz");
        Ok(self.send("/readyz", request).await?.1)
    }

    /// `GET /v1/openapi.json`.
    pub async fn openapi(&self) -> Result<serde_json::Value, ClientError> {
        let path = "/v1/openapi.json";
        let request = self.request(Method::GET, path);
        Ok(self.send(path, request).await?.1)
    }
}
