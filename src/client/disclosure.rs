//! The confirmation workflow and sealed disclosure (protocol.md §11–§12): registering this
//! authority's disclosure key, reading a candidate in detail, confirming with a sealed record,
//! rejecting, downloading the other side's sealed record and recording a verdict. Sealing and
//! opening happen in `crate::disclosure`, on this machine; the hub only relays ciphertext.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{ClientError, HubClient};
use crate::disclosure::{PublicKey, SealContext, SealedRecord};
use crate::store::{CandidateState, ConfirmReason, RejectReason, Role, VerifiedOutcome};

/// A registered disclosure key as the hub publishes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PublishedKey {
    /// The owning authority.
    pub authority: String,
    /// The X25519 public key, base64url.
    pub public_key: String,
    /// Its fingerprint, to compare out of band.
    pub fingerprint: String,
    /// When it was registered.
    pub registered_at: String,
}

/// The key as the candidate shows the other side's.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct CounterpartKey {
    /// The X25519 public key, base64url.
    pub public_key: String,
    /// Its fingerprint.
    pub fingerprint: String,
}

/// The other side of a candidate.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct CounterpartDetail {
    /// Its authority code.
    pub authority: String,
    /// Its record's role.
    pub role: Role,
    /// Its current disclosure key, if registered.
    pub disclosure_key: Option<CounterpartKey>,
}

/// The caller's own side.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct OwnSide {
    /// The caller's authority code.
    pub authority: String,
    /// The caller's record reference.
    #[serde(rename = "ref")]
    pub record_ref: String,
    /// Its role.
    pub role: Role,
}

/// One recorded decision.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct DecisionView {
    /// The deciding authority.
    pub authority: String,
    /// `confirm`, `reject` or `outcome`.
    pub kind: String,
    /// The value.
    pub decision: String,
    /// Reason code.
    pub reason: String,
    /// Free text.
    pub note: String,
    /// Who decided.
    pub decided_by: String,
    /// When.
    pub at: String,
}

/// Where the sealed records are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub struct SealedFlags {
    /// The caller's own sealed record is at the hub.
    pub own: bool,
    /// The other side's sealed record is at the hub.
    pub counterpart: bool,
}

/// `GET /v1/candidates/{id}`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct CandidateDetail {
    /// Id.
    pub id: i64,
    /// Agreement.
    pub agreement_id: String,
    /// Key epoch.
    pub epoch: u32,
    /// State.
    pub state: CandidateState,
    /// Match probability.
    pub probability: f64,
    /// Match weight.
    pub match_weight: f64,
    /// The matcher's evidence.
    pub evidence: serde_json::Value,
    /// The caller's record.
    pub record: OwnSide,
    /// The other side.
    pub counterpart: CounterpartDetail,
    /// Every decision.
    pub decisions: Vec<DecisionView>,
    /// Where the sealed records are.
    pub sealed: SealedFlags,
    /// Whether downloads are possible.
    pub released: bool,
}

/// The answer to a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct TransitionView {
    /// The candidate.
    pub id: i64,
    /// The new state.
    pub state: CandidateState,
    /// The state before.
    pub previous_state: CandidateState,
}

/// `GET /v1/candidates/{id}/disclosure`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DownloadedDisclosure {
    /// The candidate.
    pub candidate_id: i64,
    /// The agreement.
    pub agreement_id: String,
    /// Who sealed it.
    pub sender: String,
    /// Who it is for (the caller).
    pub recipient: String,
    /// The candidate's state after the download.
    pub state: CandidateState,
    /// The sealed record.
    pub sealed: SealedRecord,
}

impl CandidateDetail {
    /// What our record is sealed to when we confirm: this agreement and candidate, from us to
    /// the other side.
    pub fn seal_context(&self) -> SealContext {
        SealContext {
            agreement_id: self.agreement_id.clone(),
            candidate_id: self.id,
            sender: self.record.authority.clone(),
            recipient: self.counterpart.authority.clone(),
        }
    }
}

impl DownloadedDisclosure {
    /// What the downloaded record must have been sealed to, for opening it: bound to the
    /// candidate `requested` (not the one the hub names), so a record of another candidate
    /// does not open.
    pub fn seal_context(&self, requested: i64) -> SealContext {
        SealContext {
            agreement_id: self.agreement_id.clone(),
            candidate_id: requested,
            sender: self.sender.clone(),
            recipient: self.recipient.clone(),
        }
    }
}

/// Why and by whom, for a decision.
#[derive(Debug, Clone)]
pub struct DecisionNote {
    /// Free text (never personal data).
    pub note: String,
    /// Who decided (a staff identifier).
    pub decided_by: String,
}

impl HubClient {
    /// Registers this authority's disclosure public key (retiring its previous one).
    pub async fn register_disclosure_key(
        &self,
        key: &PublicKey,
    ) -> Result<PublishedKey, ClientError> {
        let path = "/v1/disclosure-key";
        let request = self
            .request(Method::PUT, path)
            .json(&json!({"public_key": key.to_base64()}));
        Ok(self.send(path, request).await?.1)
    }

    /// The current disclosure keys of an agreement's members.
    pub async fn disclosure_keys(
        &self,
        agreement_id: &str,
    ) -> Result<Vec<PublishedKey>, ClientError> {
        #[derive(Deserialize)]
        struct Keys {
            keys: Vec<PublishedKey>,
        }
        let path = format!("/v1/agreements/{agreement_id}/disclosure-keys");
        let request = self.request(Method::GET, &path);
        Ok(self.send::<Keys>(&path, request).await?.1.keys)
    }

    /// One candidate in detail.
    pub async fn candidate(&self, id: i64) -> Result<CandidateDetail, ClientError> {
        let path = format!("/v1/candidates/{id}");
        let request = self.request(Method::GET, &path);
        Ok(self.send(&path, request).await?.1)
    }

    /// Confirms candidate `id`, uploading this authority's record sealed to the other side.
    pub async fn confirm(
        &self,
        id: i64,
        reason: ConfirmReason,
        note: &DecisionNote,
        sealed: &SealedRecord,
    ) -> Result<TransitionView, ClientError> {
        let path = format!("/v1/candidates/{id}/confirm");
        let body = json!({"reason": reason, "note": note.note, "decided_by": note.decided_by,
            "sealed": sealed});
        let request = self.request(Method::POST, &path).json(&body);
        Ok(self.send(&path, request).await?.1)
    }

    /// Rejects candidate `id`.
    pub async fn reject(
        &self,
        id: i64,
        reason: RejectReason,
        note: &DecisionNote,
    ) -> Result<TransitionView, ClientError> {
        let path = format!("/v1/candidates/{id}/reject");
        let body = json!({"reason": reason, "note": note.note, "decided_by": note.decided_by});
        let request = self.request(Method::POST, &path).json(&body);
        Ok(self.send(&path, request).await?.1)
    }

    /// Downloads the other side's sealed record of candidate `id` (both must have confirmed).
    pub async fn download_disclosure(&self, id: i64) -> Result<DownloadedDisclosure, ClientError> {
        let path = format!("/v1/candidates/{id}/disclosure");
        let request = self.request(Method::GET, &path);
        Ok(self.send(&path, request).await?.1)
    }

    /// Records this authority's verdict on candidate `id`.
    pub async fn verify(
        &self,
        id: i64,
        outcome: VerifiedOutcome,
        note: &DecisionNote,
    ) -> Result<TransitionView, ClientError> {
        let path = format!("/v1/candidates/{id}/verify");
        let body = json!({"outcome": outcome, "note": note.note, "decided_by": note.decided_by});
        let request = self.request(Method::POST, &path).json(&body);
        Ok(self.send(&path, request).await?.1)
    }
}
