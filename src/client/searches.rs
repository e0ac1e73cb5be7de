//! `POST /v1/searches`: a synchronous national search for one child, encoded locally.

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::submissions::CaseFields;
use super::{ClientError, HubClient};
use crate::matcher::resolve::Standing;
use crate::wire::EncodedRecord;
use crate::wire::PROTOCOL_VERSION;

/// A national search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchQuery {
    /// The agreement the query was encoded under.
    pub agreement_id: String,
    /// The key epoch.
    pub epoch: u32,
    /// The protocol version of the encoding.
    pub protocol: u32,
    /// The child, encoded locally.
    pub record: EncodedRecord,
    /// At most this many results (the hub caps it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    /// Only results at or above this probability.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_probability: Option<f64>,
    /// Also open the query as a CME case with this metadata, so later registrations anywhere
    /// are matched against it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_case: Option<CaseFields>,
}

impl SearchQuery {
    /// A plain search (no case opened) with the hub's default limit and threshold.
    pub fn new(agreement_id: impl Into<String>, epoch: u32, record: EncodedRecord) -> Self {
        SearchQuery {
            agreement_id: agreement_id.into(),
            epoch,
            protocol: PROTOCOL_VERSION,
            record,
            limit: None,
            min_probability: None,
            open_case: None,
        }
    }
}

/// One ranked result.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SearchHit {
    /// 1 for the best.
    pub rank: u32,
    /// The authority holding the matched record.
    pub authority: String,
    /// Its jurisdiction.
    pub jurisdiction: Option<String>,
    /// What the matched record stands for (`roll` or `missing`).
    pub role: String,
    /// Match probability.
    pub probability: f64,
    /// Match weight (log2 likelihood ratio).
    pub match_weight: f64,
    /// The matcher's explanation, field by field.
    pub explanation: serde_json::Value,
    /// Where it stands against the other results (`None` from a hub too old to say).
    #[serde(default)]
    pub standing: Option<Standing>,
}

/// The case a search opened.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OpenedCase {
    /// The case's reference (the query's).
    #[serde(rename = "ref")]
    pub record_ref: String,
    /// Candidates continuous matching proposed for it.
    pub n_candidates: u64,
}

/// The answer to a search.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SearchResponse {
    /// Results, best first.
    pub results: Vec<SearchHit>,
    /// The case opened, when asked.
    #[serde(default)]
    pub case: Option<OpenedCase>,
}

impl HubClient {
    /// Runs a national search.
    pub async fn search(&self, query: &SearchQuery) -> Result<SearchResponse, ClientError> {
        let path = "/v1/searches";
        let request = self.request(Method::POST, path).json(query);
        Ok(self.send(path, request).await?.1)
    }
}
