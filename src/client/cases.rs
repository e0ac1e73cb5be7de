//! Listing open CME cases (`GET /v1/cases`), closing them (`POST /v1/cases/{ref}/close`), their follow-ups (`GET /v1/follow-ups`,
//! `POST /v1/follow-ups/{id}/done`) and withdrawing records (`POST /v1/records/withdraw`).

use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use super::{ClientError, HubClient};
use crate::store::{CaseOutcome, ReferralReason, ReferralSource};

/// One of the caller's open CME cases.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OpenCase {
    /// The case's reference.
    #[serde(rename = "ref")]
    pub record_ref: String,
    /// The agreement it was submitted under.
    pub agreement_id: String,
    /// Why the case was opened.
    pub referral_reason: ReferralReason,
    /// Who referred the child.
    pub referral_source: ReferralSource,
    /// When the child was referred (`YYYY-MM-DD`).
    pub referred_on: String,
    /// When the hub stored the case (RFC 3339).
    pub opened_at: String,
}

#[derive(Deserialize)]
struct OpenCaseList {
    cases: Vec<OpenCase>,
}

/// The answer to closing a case.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ClosedCase {
    /// The case's reference.
    #[serde(rename = "ref")]
    pub record_ref: String,
    /// `closed`.
    pub status: String,
    /// The outcome code recorded.
    pub outcome: String,
}

/// A check due on a case closed as found (protocol.md §14): is the child still in education?
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FollowUp {
    /// Its id, to mark it done.
    pub id: i64,
    /// The case's reference.
    #[serde(rename = "ref")]
    pub record_ref: String,
    /// `6_weeks` or `18_weeks`.
    pub kind: String,
    /// When it is due (`YYYY-MM-DD`).
    pub due_on: String,
}

#[derive(Deserialize)]
struct FollowUpList {
    follow_ups: Vec<FollowUp>,
}

/// The answer to a withdrawal.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Withdrawal {
    /// References sent.
    pub n_requested: u64,
    /// Records withdrawn (unknown or already withdrawn references are ignored).
    pub n_withdrawn: u64,
}

impl HubClient {
    /// The caller's open cases, oldest first.
    pub async fn open_cases(&self) -> Result<Vec<OpenCase>, ClientError> {
        let path = "/v1/cases";
        let request = self.request(Method::GET, path);
        let (_, list): (_, OpenCaseList) = self.send(path, request).await?;
        Ok(list.cases)
    }

    /// Closes the caller's open case `record_ref` with an outcome code.
    pub async fn close_case(
        &self,
        record_ref: &str,
        outcome: CaseOutcome,
    ) -> Result<ClosedCase, ClientError> {
        if record_ref.is_empty()
            || !record_ref
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(ClientError::Config(format!(
                "`{record_ref}` is not a record reference (22 base64url characters)"
            )));
        }
        let path = format!("/v1/cases/{record_ref}/close");
        let request = self
            .request(Method::POST, &path)
            .json(&json!({ "outcome": outcome }));
        Ok(self.send(&path, request).await?.1)
    }

    /// The caller's open follow-ups due on or before `due_by` (the hub's today by default),
    /// earliest first.
    pub async fn follow_ups(
        &self,
        due_by: Option<chrono::NaiveDate>,
    ) -> Result<Vec<FollowUp>, ClientError> {
        let path = "/v1/follow-ups";
        let mut request = self.request(Method::GET, path);
        if let Some(due_by) = due_by {
            request = request.query(&[("due_by", due_by.format("%Y-%m-%d").to_string())]);
        }
        let (_, list): (_, FollowUpList) = self.send(path, request).await?;
        Ok(list.follow_ups)
    }

    /// Marks the caller's follow-up `id` done.
    pub async fn follow_up_done(&self, id: i64) -> Result<(), ClientError> {
        let path = format!("/v1/follow-ups/{id}/done");
        let request = self.request(Method::POST, &path).json(&json!({}));
        let _: (_, serde_json::Value) = self.send(&path, request).await?;
        Ok(())
    }

    /// Takes the caller's records out of matching, under one agreement or all of them.
    pub async fn withdraw(
        &self,
        refs: &[String],
        agreement_id: Option<&str>,
    ) -> Result<Withdrawal, ClientError> {
        let path = "/v1/records/withdraw";
        let mut body = json!({ "refs": refs });
        if let Some(agreement_id) = agreement_id {
            body["agreement_id"] = json!(agreement_id);
        }
        let request = self.request(Method::POST, path).json(&body);
        Ok(self.send(path, request).await?.1)
    }
}
