//! `GET /v1/candidates`: the candidates the caller is party to, with filters.

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::{ClientError, HubClient};
use crate::matcher::resolve::Standing;
use crate::store::Jurisdiction;

/// Filters for listing candidates; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CandidateQuery {
    /// Only candidates in this state (protocol.md §11.1: `proposed`, `confirmed_one`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Only candidates at or above this probability.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_probability: Option<f64>,
    /// Only candidates whose other party is in this jurisdiction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counterpart_jurisdiction: Option<Jurisdiction>,
    /// Only candidates proposed at least this many days ago (waiting for review).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_age_days: Option<u32>,
    /// Only candidates proposed at most this many days ago.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_age_days: Option<u32>,
    /// Only candidates proposed at or after this RFC 3339 time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// At most this many (the hub caps it at 1000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Only candidates listed after this one (a page's [`CandidatePage::next_after`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<i64>,
}

/// The caller's own record in a candidate.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OwnRecord {
    /// Its opaque reference (map it back with the `--map` file of `encode`).
    #[serde(rename = "ref")]
    pub record_ref: String,
    /// `missing` or `roll`.
    pub role: String,
}

/// The other party of a candidate: never its reference.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Counterpart {
    /// Its authority code.
    pub authority: String,
    /// Its jurisdiction.
    pub jurisdiction: String,
    /// Its record's role.
    pub role: String,
}

/// A probable match the caller is party to.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Candidate {
    /// Candidate id.
    pub id: i64,
    /// Workflow state.
    pub state: String,
    /// Match probability.
    pub probability: f64,
    /// Match weight (log2 likelihood ratio).
    pub match_weight: f64,
    /// The matcher's evidence, field by field.
    pub evidence: serde_json::Value,
    /// When it was proposed (RFC 3339).
    pub created_at: String,
    /// When it expires unless both sides confirm (RFC 3339; `None` once no decision is awaited,
    /// or from a hub too old to say).
    #[serde(default)]
    pub expires_at: Option<String>,
    /// The caller's record.
    pub record: OwnRecord,
    /// The other party.
    pub counterpart: Counterpart,
    /// Where it stands among the live candidates of the caller's record (`None` from a hub too
    /// old to say).
    #[serde(default)]
    pub standing: Option<Standing>,
}

/// One page of the caller's candidates, best first.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CandidatePage {
    /// The candidates on this page.
    pub candidates: Vec<Candidate>,
    /// How many candidates pass the query's filters in all (`None` from a hub too old to say).
    #[serde(default)]
    pub total: Option<u64>,
    /// When more follow: the [`CandidateQuery::after`] that lists them.
    #[serde(default)]
    pub next_after: Option<i64>,
}

impl HubClient {
    /// Lists the caller's candidates, best first.
    pub async fn candidates(&self, query: &CandidateQuery) -> Result<Vec<Candidate>, ClientError> {
        Ok(self.candidate_page(query).await?.candidates)
    }

    /// Lists one page of the caller's candidates, best first, with how many there are.
    pub async fn candidate_page(
        &self,
        query: &CandidateQuery,
    ) -> Result<CandidatePage, ClientError> {
        let path = "/v1/candidates";
        let request = self.request(Method::GET, path).query(query);
        let (_, page): (_, CandidatePage) = self.send(path, request).await?;
        Ok(page)
    }
}
