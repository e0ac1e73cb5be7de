//! `GET /v1/me`: who this authority is to the hub, whether the hub already holds records it
//! submitted, and the names of the authorities it shares an agreement with.

use std::collections::HashMap;

use reqwest::Method;
use serde::Deserialize;

use super::{ClientError, HubClient};
use crate::store::{AgreementTerms, Jurisdiction};

/// An authority as the hub names it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AuthorityName {
    /// Its code (an LA code such as `383`, a council code such as `S12000049`).
    pub code: String,
    /// Its name (`Leeds City Council`).
    pub name: String,
    /// Its nation.
    pub jurisdiction: Jurisdiction,
}

/// The calling authority as the hub knows it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Me {
    /// The caller.
    pub authority: AuthorityName,
    /// Whether the hub holds any record the caller submitted (so its local key is in use).
    pub holds_records: bool,
    /// The authorities the caller shares an agreement with.
    pub partners: Vec<AuthorityName>,
    /// The terms of each agreement the caller is a member of (absent from older hubs).
    #[serde(default)]
    pub agreements: Vec<AgreementTerms>,
    /// When the caller last submitted a roll batch (RFC 3339; `None` if never, or from an
    /// older hub).
    #[serde(default)]
    pub last_roll_at: Option<String>,
}

impl Me {
    /// `code → name` for the caller and its partners.
    pub fn names(&self) -> HashMap<String, String> {
        std::iter::once(&self.authority)
            .chain(&self.partners)
            .map(|a| (a.code.clone(), a.name.clone()))
            .collect()
    }
}

/// Authority names by code, as the hub gives them; codes are shown where it does not.
#[derive(Debug, Default, Clone)]
pub struct AuthorityNames(HashMap<String, String>);

impl From<&Me> for AuthorityNames {
    fn from(me: &Me) -> Self {
        AuthorityNames(me.names())
    }
}

impl AuthorityNames {
    /// Asks the hub; an older hub without `/v1/me` leaves every authority shown by code.
    pub async fn fetch(client: &HubClient) -> AuthorityNames {
        AuthorityNames(client.me().await.map(|me| me.names()).unwrap_or_default())
    }

    /// `Glasgow City Council (S12000049)`, or the code alone.
    pub fn show(&self, code: &str) -> String {
        match self.0.get(code) {
            Some(name) => format!("{name} ({code})"),
            None => code.to_string(),
        }
    }
}

impl HubClient {
    /// Who this authority is to the hub.
    pub async fn me(&self) -> Result<Me, ClientError> {
        let path = "/v1/me";
        let request = self.request(Method::GET, path);
        Ok(self.send(path, request).await?.1)
    }
}
