//! Cross-tenant access: authorities see only their own records and the candidates they are
//! party to, and the answer to anything else is 404, so existence is not revealed.

use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{assert_problem, spawn_hub, status_and_json, Pupil};
use pupilmatch::store::Jurisdiction;

both_backends! {
    /// Belfast, outside the agreement, can neither submit to it nor see or touch its records.
    async fn an_authority_outside_an_agreement_sees_and_touches_nothing_of_it(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        let belfast = hub.authority("NI-EA", "Education Authority", Jurisdiction::NorthernIreland).await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        glasgow.submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW]).await;
        let rows = hub.written_rows().await;

        let problem = assert_problem(belfast.submit_roll("bel-1", &[&Pupil::EILIDH.with_id("B1")]).await, StatusCode::NOT_FOUND, "not-found").await;
        assert_eq!(problem["detail"], "agreement eng-scot-cme not found");
        assert_problem(belfast.search(&Pupil::EILIDH).await, StatusCode::NOT_FOUND, "not-found").await;
        assert!(belfast.candidates("").await.is_empty());

        let leeds_case = leeds.record_ref(&Pupil::EILIDH);
        let close = belfast.post(&format!("/v1/cases/{leeds_case}/close"), &json!({"outcome": "DEC"})).await;
        assert_problem(close, StatusCode::NOT_FOUND, "not-found").await;
        // Glasgow is in the agreement but the case is Leeds's: still 404.
        let close = glasgow.post(&format!("/v1/cases/{leeds_case}/close"), &json!({"outcome": "DEC"})).await;
        assert_problem(close, StatusCode::NOT_FOUND, "not-found").await;
        let (_, body) = status_and_json(belfast.post("/v1/records/withdraw", &json!({"refs": [leeds_case]})).await).await;
        assert_eq!(body["n_withdrawn"], 0);
        assert_eq!(leeds.candidates("?state=proposed").await.len(), 1, "Leeds's case is untouched");
        assert_eq!(hub.written_rows().await[..3], rows[..3]);
    }

    /// Requests without a valid key are refused; operator keys cannot act as authorities.
    async fn requests_need_a_valid_key_of_the_right_role(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, _) = hub.leeds_and_glasgow().await;
        let client = reqwest::Client::new();
        let anonymous = client.get(hub.url("/v1/candidates")).send().await.unwrap();
        assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
        assert_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthenticated").await;
        let leeds = leeds.with_key("pm_not-a-key");
        assert_problem(leeds.get("/v1/candidates").await, StatusCode::UNAUTHORIZED, "unauthenticated").await;

        let operator_key = hub.store.issue_key(None, "ops").await.unwrap();
        let operator = leeds.with_key(&operator_key);
        assert_problem(operator.get("/v1/candidates").await, StatusCode::FORBIDDEN, "forbidden").await;
        let (status, body) = status_and_json(operator.get("/v1/audit/verify").await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["intact"], true, "{body}");
    }

    /// A national search answers a member; an epoch the agreement does not accept is named;
    /// a revoked, operator or unknown key is refused as on any route.
    async fn a_national_search_checks_the_key_membership_and_epoch(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        glasgow.submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW]).await;
        let (status, body) = status_and_json(leeds.search(&Pupil::EILIDH).await).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["results"].as_array().unwrap().len(), 1, "{body}");

        let problem = assert_problem(leeds.at_epoch(2, [7; 32]).search(&Pupil::EILIDH).await, StatusCode::UNPROCESSABLE_ENTITY, "epoch-not-accepted").await;
        assert_eq!(problem["detail"], "agreement eng-scot-cme does not accept key epoch 2 (accepted: 1)");

        let keys = hub.store.list_keys().await.unwrap();
        let leeds_key = keys.iter().find(|k| k.authority.as_deref() == Some("383")).expect("Leeds's key");
        assert!(hub.store.revoke_key(leeds_key.id).await.unwrap());
        assert_problem(leeds.search(&Pupil::EILIDH).await, StatusCode::UNAUTHORIZED, "unauthenticated").await;
        let operator_key = hub.store.issue_key(None, "ops").await.unwrap();
        let operator = leeds.with_key(&operator_key);
        assert_problem(operator.search(&Pupil::EILIDH).await, StatusCode::FORBIDDEN, "forbidden").await;
        let unknown = operator.with_key("pm_not-a-key");
        assert_problem(unknown.search(&Pupil::EILIDH).await, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    }

    /// Records uploaded under another agreement are never compared, even with equal tokens.
    async fn matching_happens_only_within_a_shared_agreement(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, _) = hub.leeds_and_glasgow().await;
        let cardiff = hub.authority("W06000015", "Cardiff Council", Jurisdiction::Wales).await;
        hub.agreement("eng-wal-cme", &[&leeds, &cardiff]).await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::DAFYDD.with_id("LDS-7")]).await;

        // Cardiff's encoder holds the eng-scot-cme secret, so its tokens equal Leeds's; the hub
        // still keeps eng-wal-cme uploads apart.
        let cardiff = cardiff.with_agreement("eng-wal-cme");
        let (status, body) = status_and_json(cardiff.submit_roll("cdf-roll-1", &[&Pupil::DAFYDD]).await).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["n_candidates"], 0);
    }

    /// An operator revokes a key: the very next request with it is refused, the other
    /// authority's key still works, and the revocation is listed and audited.
    async fn a_revoked_key_is_refused_from_the_next_request(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        assert_eq!(status_and_json(leeds.get("/v1/candidates").await).await.0, StatusCode::OK);
        let keys = hub.store.list_keys().await.unwrap();
        let leeds_key = keys.iter().find(|k| k.authority.as_deref() == Some("383")).expect("Leeds's key");
        assert!(!leeds_key.revoked);

        assert!(hub.store.revoke_key(leeds_key.id).await.unwrap());
        assert_problem(leeds.get("/v1/candidates").await, StatusCode::UNAUTHORIZED, "unauthenticated").await;
        assert_eq!(status_and_json(glasgow.get("/v1/candidates").await).await.0, StatusCode::OK);
        assert!(!hub.store.revoke_key(leeds_key.id).await.unwrap(), "revoking twice reports it");
        assert!(hub.store.list_keys().await.unwrap().iter().any(|k| k.id == leeds_key.id && k.revoked));
        assert!(hub.store.revoke_key(9_999).await.is_err(), "an unknown key id is an error");

        let operator = leeds.with_key(&hub.store.issue_key(None, "ops").await.unwrap());
        let (_, body) = status_and_json(operator.get("/v1/audit/verify").await).await;
        assert_eq!(body["intact"], true, "{body}");
    }

    /// `GET /v1/me` names the caller and its partners, gives each of its agreements' terms
    /// (for its DPO), and says when it last sent a roll (never, for an authority that only
    /// reports missing children).
    async fn me_gives_the_callers_agreements_terms_and_when_it_last_sent_a_roll(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        glasgow.submit_roll("gla-roll-1", &[&Pupil::KACPER]).await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        let (status, me) = status_and_json(glasgow.get("/v1/me").await).await;
        assert_eq!(status, StatusCode::OK, "{me}");
        assert_eq!(me["authority"]["code"], "S12000049");
        assert_eq!(me["partners"][0]["code"], "383");
        let terms = &me["agreements"][0];
        assert_eq!(terms["id"], crate::helpers::AGREEMENT, "{me}");
        assert_eq!(terms["purpose"], "Finding children missing from education");
        assert_eq!(terms["lawful_basis"], "public task; Education Act 1996 s436A");
        assert_eq!(terms["retention_days"], 365);
        assert_eq!(terms["epochs"], json!([1]));
        assert_eq!(terms["members"], json!(["383", "S12000049"]));
        let sent = me["last_roll_at"].as_str().expect("a roll was sent");
        assert!(chrono::DateTime::parse_from_rfc3339(sent).is_ok(), "{sent}");
        let (_, me) = status_and_json(leeds.get("/v1/me").await).await;
        assert_eq!(me["last_roll_at"], serde_json::Value::Null, "Leeds sent no roll: {me}");
        assert_eq!(me["agreements"].as_array().unwrap().len(), 1, "{me}");
    }
}
