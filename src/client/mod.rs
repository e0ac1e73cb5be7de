//! A typed async client of the hub's HTTP API (v1), used by the coordinators' commands
//! (`pupilmatch submit`, `search`, `candidates`, `case`, `agreement activity`, `audit checkpoint`)
//! and by the benchmarks.
//!
//! The client only ever sends what an authority may send: encodings made locally under the
//! agreement secret, opaque references and case metadata. It never reads a raw pupil file
//! itself; callers encode first (`crate::encode`). One file per API area, each adding methods
//! to [`HubClient`]; every error the hub answers becomes [`ClientError::Problem`] carrying the
//! RFC 9457 status, title, detail and per-record field errors.

mod activity;
mod audit;
mod candidates;
mod cases;
mod disclosure;
mod error;
mod me;
mod ops;
mod searches;
mod submissions;

use std::time::Duration;

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;

pub use crate::store::{ActivityReport, AgreementActivity, DailyLimitHit, MemberDay};
pub use candidates::{Candidate, CandidatePage, CandidateQuery, Counterpart, OwnRecord};
pub use cases::{ClosedCase, FollowUp, OpenCase, Withdrawal};
pub use disclosure::{
    CandidateDetail, CounterpartDetail, CounterpartKey, DecisionNote, DecisionView,
    DownloadedDisclosure, OwnSide, PublishedKey, SealedFlags, TransitionView,
};
pub use error::{ClientError, FieldProblem, Problem};
pub use me::{AuthorityName, AuthorityNames, Me};
pub use ops::Readiness;
pub use searches::{OpenedCase, SearchHit, SearchQuery, SearchResponse};
pub use submissions::{
    default_batch_id, CaseFields, SubmissionHeader, SubmissionResult, SubmittedRecord,
    UploadOptions,
};

/// The media type of problem responses.
const PROBLEM_JSON: &str = "application/problem+json";

/// How to reach a hub.
#[derive(Debug, Clone)]
pub struct HubClientConfig {
    /// The hub's base URL, e.g. `https://hub.example.org` (no trailing `/v1`).
    pub base_url: String,
    /// The API key issued by `pupilmatch admin key issue`.
    pub api_key: String,
    /// Longest a short request (search, listing) may take.
    pub timeout: Duration,
}

impl HubClientConfig {
    /// A configuration with the default timeout.
    pub fn new(base_url: impl Into<String>, api_key: impl Into<String>) -> Self {
        HubClientConfig {
            base_url: base_url.into(),
            api_key: api_key.into(),
            timeout: Duration::from_secs(60),
        }
    }
}

/// A connection to one hub as one authority (or operator); cheap to clone.
#[derive(Debug, Clone)]
pub struct HubClient {
    http: reqwest::Client,
    base: String,
    api_key: String,
    timeout: Duration,
}

impl HubClient {
    /// A client for `config`. Fails only on an unusable URL or TLS setup.
    pub fn new(config: HubClientConfig) -> Result<Self, ClientError> {
        let base = config.base_url.trim_end_matches('/').to_string();
        let no_scheme = || {
            ClientError::Config(format!(
                "hub URL `{base}` must start with https:// (or http:// on a trusted network), \
                 e.g. https://{base}"
            ))
        };
        if !base.contains("://") {
            return Err(no_scheme());
        }
        let parsed = reqwest::Url::parse(&base)
            .map_err(|e| ClientError::Config(format!("hub URL `{base}`: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(no_scheme());
        }
        if config.api_key.trim().is_empty() {
            return Err(ClientError::Config("the API key is empty".into()));
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("pupilmatch/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .pool_max_idle_per_host(64)
            .build()
            .map_err(|e| ClientError::Config(format!("HTTP client: {e}")))?;
        Ok(HubClient {
            http,
            base,
            api_key: config.api_key.trim().to_string(),
            timeout: config.timeout,
        })
    }

    /// The hub's base URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request to `path` with the API key and the short-request timeout.
    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(&self.api_key)
            .timeout(self.timeout)
    }

    /// Sends `request` and decodes a successful JSON answer; a problem becomes
    /// [`ClientError::Problem`].
    async fn send<T: DeserializeOwned>(
        &self,
        path: &str,
        request: RequestBuilder,
    ) -> Result<(StatusCode, T), ClientError> {
        let url = self.url(path);
        let response = request
            .send()
            .await
            .map_err(|source| ClientError::transport(&url, source))?;
        decode(url, response).await
    }
}

/// Turns a response into its JSON body, or into the problem it carries.
async fn decode<T: DeserializeOwned>(
    url: String,
    response: Response,
) -> Result<(StatusCode, T), ClientError> {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON));
    let bytes = response
        .bytes()
        .await
        .map_err(|source| ClientError::transport(&url, source))?;
    if status.is_success() {
        return serde_json::from_slice(&bytes)
            .map(|body| (status, body))
            .map_err(|e| ClientError::UnexpectedResponse {
                url,
                status: status.as_u16(),
                message: format!("the body is not what the API documents: {e}"),
            });
    }
    if is_problem {
        if let Ok(problem) = serde_json::from_slice::<Problem>(&bytes) {
            return Err(ClientError::Problem(Box::new(problem)));
        }
    }
    // A proxy in front of the hub, or a hub of another kind, answered.
    let text = String::from_utf8_lossy(&bytes);
    Err(ClientError::UnexpectedResponse {
        url,
        status: status.as_u16(),
        message: text.chars().take(200).collect(),
    })
}
