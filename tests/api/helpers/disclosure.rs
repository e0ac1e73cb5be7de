//! Actor helpers for the confirmation workflow: register a disclosure key, confirm with a
//! sealed record (sealed locally, exactly as the client does), reject, download and open.

use pupilmatch::disclosure::{
    open, seal, Coordinator, DisclosedRecord, DisclosurePayload, PublicKey, SealContext,
    SealedRecord,
};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use super::{status_and_json, Actor, Pupil};

impl Actor {
    /// Registers this authority's disclosure public key.
    pub async fn register_disclosure_key(&self) -> Value {
        let body = json!({"public_key": self.disclosure_key.public().to_base64()});
        let response = self
            .client
            .put(format!("{}/v1/disclosure-key", self.base))
            .bearer_auth(&self.key)
            .json(&body)
            .send()
            .await
            .expect("request sent");
        let (status, body) = status_and_json(response).await;
        assert!(status.is_success(), "registering a disclosure key: {body}");
        body
    }

    /// The candidate in detail (status and body).
    pub async fn candidate(&self, id: i64) -> (StatusCode, Value) {
        status_and_json(self.get(&format!("/v1/candidates/{id}")).await).await
    }

    /// The id of this authority's only candidate.
    pub async fn only_candidate(&self) -> i64 {
        let candidates = self.candidates("").await;
        assert_eq!(candidates.len(), 1, "{candidates:?}");
        candidates[0]["id"].as_i64().expect("an id")
    }

    /// The payload this authority seals for `pupil` on candidate `id` to `recipient`.
    pub fn payload(&self, id: i64, recipient: &str, pupil: &Pupil) -> DisclosurePayload {
        DisclosurePayload {
            format: "pupilmatch-disclosure/1".into(),
            agreement_id: self.agreement.clone(),
            candidate_id: id,
            sender: self.code.clone(),
            recipient: recipient.into(),
            record: DisclosedRecord::from_raw(
                &pupil.raw(),
                Some("Test School".into()),
                None,
                false,
            ),
            coordinator: Coordinator {
                name: format!("CME coordinator {}", self.code),
                email: format!("cme@{}.example", self.code.to_lowercase()),
                phone: None,
            },
            sealed_at: "2026-12-01T19:00:00Z".into(),
        }
    }

    /// Seals `pupil` to the other side's key as published on the candidate.
    pub async fn seal_for(&self, id: i64, pupil: &Pupil) -> SealedRecord {
        let (status, candidate) = self.candidate(id).await;
        assert_eq!(status, StatusCode::OK, "{candidate}");
        let counterpart = candidate["counterpart"]["authority"]
            .as_str()
            .expect("counterpart");
        let key = candidate["counterpart"]["disclosure_key"]["public_key"]
            .as_str()
            .expect("the counterpart has a disclosure key");
        let key = PublicKey::parse(key).expect("a valid key");
        assert_eq!(
            candidate["counterpart"]["disclosure_key"]["fingerprint"],
            key.fingerprint(),
            "the published fingerprint is the key's"
        );
        let context = SealContext {
            agreement_id: self.agreement.clone(),
            candidate_id: id,
            sender: self.code.clone(),
            recipient: counterpart.into(),
        };
        seal(&key, &context, &self.payload(id, counterpart, pupil)).expect("sealed")
    }

    /// Confirms candidate `id`, uploading `pupil` sealed to the other side.
    pub async fn confirm(&self, id: i64, pupil: &Pupil) -> Response {
        let sealed = self.seal_for(id, pupil).await;
        self.confirm_with(id, &sealed).await
    }

    /// Confirms with an already sealed record.
    pub async fn confirm_with(&self, id: i64, sealed: &SealedRecord) -> Response {
        let body = json!({"reason": "names_and_dob_agree", "note": "checked against the roll",
            "decided_by": format!("coordinator@{}", self.code), "sealed": sealed});
        self.post(&format!("/v1/candidates/{id}/confirm"), &body)
            .await
    }

    /// Rejects candidate `id`.
    pub async fn reject(&self, id: i64) -> Response {
        let body = json!({"reason": "different_child", "note": "different school history",
            "decided_by": format!("coordinator@{}", self.code)});
        self.post(&format!("/v1/candidates/{id}/reject"), &body)
            .await
    }

    /// Records a verdict.
    pub async fn verify(&self, id: i64, outcome: &str) -> Response {
        let body = json!({"outcome": outcome, "decided_by": format!("coordinator@{}", self.code)});
        self.post(&format!("/v1/candidates/{id}/verify"), &body)
            .await
    }

    /// Downloads the other side's sealed record (the raw response).
    pub async fn download(&self, id: i64) -> Response {
        self.get(&format!("/v1/candidates/{id}/disclosure")).await
    }

    /// Downloads and opens the other side's sealed record with this authority's key.
    pub async fn open_disclosure(&self, id: i64) -> DisclosurePayload {
        let (status, body) = status_and_json(self.download(id).await).await;
        assert_eq!(status, StatusCode::OK, "downloading: {body}");
        let sealed: SealedRecord =
            serde_json::from_value(body["sealed"].clone()).expect("a sealed record");
        let context = SealContext {
            agreement_id: body["agreement_id"].as_str().expect("agreement").into(),
            candidate_id: id,
            sender: body["sender"].as_str().expect("sender").into(),
            recipient: self.code.clone(),
        };
        open(&self.disclosure_key, &context, &sealed).expect("the sealed record opens")
    }
}
