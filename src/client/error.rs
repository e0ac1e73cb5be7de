//! What can go wrong talking to a hub: a problem response (RFC 9457) the hub chose to send, or
//! a failure to reach it or to read what it said.

use std::fmt;

use serde::Deserialize;

/// One problem with one field of one submitted record, as the hub lists it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FieldProblem {
    /// Index of the record in the submission (0-based, in upload order).
    pub record: usize,
    /// The field (`ref`, `keys[3]`, `referral_reason`, …).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// An RFC 9457 problem answered by the hub.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Problem {
    /// The HTTP status.
    pub status: u16,
    /// The problem type URI (`urn:pupilmatch:problem:<slug>`, or `about:blank`).
    #[serde(rename = "type", default)]
    pub kind: String,
    /// A short summary (`Invalid records`).
    #[serde(default)]
    pub title: String,
    /// What happened in this case.
    #[serde(default)]
    pub detail: String,
    /// Per-record field errors of a refused submission.
    #[serde(default)]
    pub errors: Vec<FieldProblem>,
    /// The limit, the count and the agreement of a `daily-limit-reached` refusal.
    #[serde(default)]
    pub limit: Option<crate::store::DailyLimitHit>,
}

impl Problem {
    /// The slug of a pupilmatch problem type (`invalid-records`), if it is one.
    pub fn slug(&self) -> Option<&str> {
        self.kind.strip_prefix("urn:pupilmatch:problem:")
    }
}

/// Field errors listed in an error message before "and N more".
const SHOWN_FIELD_ERRORS: usize = 10;

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status, self.title, self.detail)?;
        for e in self.errors.iter().take(SHOWN_FIELD_ERRORS) {
            write!(
                f,
                "\n  record {} field `{}`: {}",
                e.record, e.field, e.message
            )?;
        }
        if self.errors.len() > SHOWN_FIELD_ERRORS {
            write!(
                f,
                "\n  … and {} more",
                self.errors.len() - SHOWN_FIELD_ERRORS
            )?;
        }
        Ok(())
    }
}

/// Why a request to the hub failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The hub answered with a problem.
    #[error("the hub refused the request: {0}")]
    Problem(Box<Problem>),
    /// The hub could not be reached, or the connection broke.
    #[error("could not talk to the hub at {url}: {source}")]
    Transport {
        /// The URL requested.
        url: String,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The hub answered something that is not what the API promises.
    #[error("unexpected answer from the hub ({status}) to {url}: {message}")]
    UnexpectedResponse {
        /// The URL requested.
        url: String,
        /// The HTTP status.
        status: u16,
        /// What was wrong with it.
        message: String,
    },
    /// The base URL or a header value is unusable.
    #[error("{0}")]
    Config(String),
    /// Producing the request body failed (for example reading the file being uploaded).
    #[error("preparing the upload: {0}")]
    Body(String),
}

impl ClientError {
    /// A failure to reach `url`. The URL is said once, here: reqwest's own message would
    /// repeat it (with the query string) right after.
    pub fn transport(url: &str, source: reqwest::Error) -> ClientError {
        ClientError::Transport {
            url: url.to_string(),
            source: source.without_url(),
        }
    }

    /// The problem the hub answered, if that is what this error is.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            ClientError::Problem(p) => Some(p),
            _ => None,
        }
    }
}
