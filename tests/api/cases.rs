//! Listing and closing cases.

use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{assert_problem, spawn_hub, status_and_json, Pupil, AGREEMENT, SECRET};

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

    /// An authority lists its own open cases with their referral, and a closed case leaves the list.
    async fn an_authority_lists_only_its_own_open_cases_and_a_closed_one_leaves_the_list(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH, &Pupil::KACPER]).await;
        glasgow.submit_roll("gla-roll-1", &[&Pupil::DAFYDD]).await;
        let refs = |body: &serde_json::Value| -> Vec<String> {
            body["cases"].as_array().unwrap().iter().map(|c| c["ref"].as_str().unwrap().to_string()).collect()
        };

        let (status, body) = status_and_json(leeds.get("/v1/cases").await).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let mut listed = refs(&body);
        listed.sort();
        let mut expected = vec![leeds.record_ref(&Pupil::EILIDH), leeds.record_ref(&Pupil::KACPER)];
        expected.sort();
        assert_eq!(listed, expected);
        let case = &body["cases"][0];
        assert_eq!(case["agreement_id"], AGREEMENT);
        assert!(case["referral_reason"].is_string() && case["referral_source"].is_string(), "{body}");
        assert!(case["referred_on"].as_str().unwrap().len() == 10, "{body}");
        assert!(case["opened_at"].as_str().unwrap().contains('T'), "{body}");

        let (_, body) = status_and_json(glasgow.get("/v1/cases").await).await;
        assert!(refs(&body).is_empty(), "a roll is not a case, and Leeds's cases are not Glasgow's: {body}");

        let eilidh = leeds.record_ref(&Pupil::EILIDH);
        let (status, _) = status_and_json(leeds.post(&format!("/v1/cases/{eilidh}/close"), &json!({"outcome": "EMI"})).await).await;
        assert_eq!(status, StatusCode::OK);
        let (_, body) = status_and_json(leeds.get("/v1/cases").await).await;
        assert_eq!(refs(&body), vec![leeds.record_ref(&Pupil::KACPER)]);
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
