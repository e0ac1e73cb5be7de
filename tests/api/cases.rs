//! Closing cases.

use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{assert_problem, spawn_hub, status_and_json, Pupil, SECRET};

both_backends! {
    /// Closing a case records the outcome, retires its candidates and stops it matching.
    async fn closing_a_case_records_the_outcome_and_stops_matching(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        glasgow.submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW]).await;
        let case_ref = leeds.record_ref(&Pupil::EILIDH);

        let close = |outcome: &str| json!({"outcome": outcome});
        let path = format!("/v1/cases/{case_ref}/close");
        // Glasgow cannot close Leeds's case: to Glasgow it does not exist, and the probe is
        // audited under Glasgow's name.
        assert_problem(glasgow.post(&path, &close("OLA")).await, StatusCode::NOT_FOUND, "not-found").await;
        let (_, events) = status_and_json(glasgow.get("/v1/audit/events").await).await;
        let probe = events["events"].as_array().unwrap().iter().find(|e| e["action"] == "case.refused").cloned();
        assert_eq!(probe.map(|e| e["detail"].clone()), Some(json!({"ref": case_ref, "attempted": "close"})), "{events}");

        let (status, body) = status_and_json(leeds.post(&path, &close("OLA")).await).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body, json!({"ref": case_ref, "status": "closed", "outcome": "OLA"}));

        let candidates = leeds.candidates("").await;
        assert_eq!(candidates[0]["state"], "case_closed");
        assert!(leeds.candidates("?state=proposed").await.is_empty());

        assert_problem(leeds.post(&path, &close("OLA")).await, StatusCode::CONFLICT, "case-closed").await;
        let bad = assert_problem(leeds.post(&path, &close("XYZ")).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid-request").await;
        assert!(bad["detail"].as_str().unwrap().contains("DEC, EHE"), "{bad}");

        // The same child registering elsewhere in Glasgow no longer matches the closed case.
        let (_, body) = status_and_json(glasgow.submit_roll("gla-roll-2", &[&Pupil::EILIDH_IN_GLASGOW.with_id("GLA-9")]).await).await;
        assert_eq!(body["n_candidates"], 0);
    }

    /// Withdrawn records leave matching; unknown references are ignored.
    async fn withdrawn_records_are_no_longer_matched(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        glasgow.submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW, &Pupil::KACPER]).await;
        let refs = json!({"refs": [glasgow.record_ref(&Pupil::EILIDH_IN_GLASGOW), "AAAAAAAAAAAAAAAAAAAAAA"]});
        let (status, body) = status_and_json(glasgow.post("/v1/records/withdraw", &refs).await).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body, json!({"n_requested": 2, "n_withdrawn": 1}));

        let (_, body) = status_and_json(leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await).await;
        assert_eq!(body["n_candidates"], 0);
    }

    /// A withdrawal reaches the caller's record with that reference in every agreement (or
    /// in the one named), and never another authority's.
    async fn a_withdrawal_reaches_the_reference_in_each_agreement_of_the_caller_only(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        hub.agreement("second-cme", &[&leeds, &glasgow]).await;
        let glasgow_second = glasgow.at_epoch(1, SECRET).with_agreement("second-cme");
        glasgow.submit_roll("gla-roll-1", &[&Pupil::KACPER]).await;
        glasgow_second.submit_roll("gla-roll-2", &[&Pupil::KACPER]).await;
        let kacper = glasgow.record_ref(&Pupil::KACPER);
        let withdraw = |response: reqwest::Response| async move {
            let (status, body) = status_and_json(response).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body["n_withdrawn"].clone()
        };

        assert_eq!(withdraw(leeds.post("/v1/records/withdraw", &json!({"refs": [kacper]})).await).await, 0);
        let in_second = json!({"refs": [kacper], "agreement_id": "second-cme"});
        assert_eq!(withdraw(glasgow.post("/v1/records/withdraw", &in_second).await).await, 1);
        assert_eq!(withdraw(glasgow.post("/v1/records/withdraw", &json!({"refs": [kacper]})).await).await, 1);
        assert_eq!(withdraw(glasgow.post("/v1/records/withdraw", &json!({"refs": [kacper]})).await).await, 0);
    }
}
