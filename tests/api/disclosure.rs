//! Two-sided confirmation and sealed disclosure (protocol.md §11–§12): nothing is released
//! before both confirm, a rejection by either side stops release, only the two parties ever
//! see a candidate, and concurrent decisions stay consistent.

use reqwest::StatusCode;
use serde_json::Value;

use crate::both_backends;
use crate::helpers::{
    assert_problem, spawn_hub, status_and_json, Actor, Pupil, TestHub, AGREEMENT,
};

/// Leeds reports Eilidh missing, Glasgow has her on its roll, both register disclosure keys:
/// one candidate between them.
async fn one_candidate(hub: &TestHub) -> (Actor, Actor, i64) {
    let (leeds, glasgow) = hub.leeds_and_glasgow().await;
    leeds.register_disclosure_key().await;
    glasgow.register_disclosure_key().await;
    leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
    glasgow
        .submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW])
        .await;
    let id = leeds.only_candidate().await;
    (leeds, glasgow, id)
}

async fn state_of(actor: &Actor, id: i64) -> String {
    let (status, body) = actor.candidate(id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["state"].as_str().expect("a state").to_string()
}

async fn ok(response: reqwest::Response) -> Value {
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

both_backends! {
    /// Nothing is released until both sides confirm; then each side opens the other's record
    /// locally and records a verdict.
    async fn nothing_is_released_before_both_authorities_confirm(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow, id) = one_candidate(&hub).await;
        assert_eq!(state_of(&leeds, id).await, "proposed");
        assert_problem(leeds.download(id).await, StatusCode::CONFLICT, "not-released").await;

        let body = ok(leeds.confirm(id, &Pupil::EILIDH).await).await;
        assert_eq!((body["previous_state"].as_str(), body["state"].as_str()), (Some("proposed"), Some("confirmed_one")));
        // Leeds's sealed record is at the hub, but neither side can have anything yet.
        assert_problem(glasgow.download(id).await, StatusCode::CONFLICT, "not-released").await;
        assert_problem(leeds.download(id).await, StatusCode::CONFLICT, "not-released").await;
        let (_, detail) = glasgow.candidate(id).await;
        assert_eq!(detail["sealed"], serde_json::json!({"own": false, "counterpart": true}));
        assert_eq!(detail["released"], false);
        assert_problem(leeds.confirm(id, &Pupil::EILIDH).await, StatusCode::CONFLICT, "already-decided").await;

        let body = ok(glasgow.confirm(id, &Pupil::EILIDH_IN_GLASGOW).await).await;
        assert_eq!(body["state"], "confirmed_both");
        assert_problem(glasgow.verify(id, "same_child").await, StatusCode::CONFLICT, "invalid-transition").await;

        let from_leeds = glasgow.open_disclosure(id).await;
        assert_eq!(from_leeds.record.forename.as_deref(), Some("Eilidh"));
        assert_eq!(from_leeds.record.surname.as_deref(), Some("MacLeod"));
        assert_eq!(from_leeds.sender, leeds.code);
        assert_eq!(state_of(&leeds, id).await, "disclosed");
        let from_glasgow = leeds.open_disclosure(id).await;
        assert_eq!(from_glasgow.record.surname.as_deref(), Some("Macleod"));

        // A verdict needs the record opened first; Leeds has opened it.
        let body = ok(leeds.verify(id, "same_child").await).await;
        assert_eq!(body["state"], "verified_same");
        assert_problem(leeds.verify(id, "same_child").await, StatusCode::CONFLICT, "already-decided").await;
        let body = ok(glasgow.verify(id, "same_child").await).await;
        assert_eq!(body["state"], "verified_same");

        let (_, detail) = leeds.candidate(id).await;
        let kinds: Vec<&str> = detail["decisions"].as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["confirm", "confirm", "outcome", "outcome"]);
        assert_eq!(detail["decisions"][0]["reason"], "names_and_dob_agree");
        assert_eq!(detail["decisions"][0]["decided_by"], "coordinator@383");
        assert_eq!(hub.count("disclosures").await, 2);

        // The verdicts are training labels for the match model.
        let (layer, _) = pupilmatch::hub::layer::HubLayer::load_or_create(&hub.config.hub_key).unwrap();
        let labels = hub.store.labelled_pairs(layer.at_rest()).await.unwrap();
        assert_eq!(labels.len(), 1);
        assert_eq!((labels[0]["label"].as_str(), labels[0]["candidate_id"].as_i64()), (Some("match"), Some(id)));
        assert_eq!(labels[0]["outcomes"].as_array().unwrap().len(), 2);
        assert!(labels[0]["left"]["keys"].is_array(), "hub-layer encodings while kept: {}", labels[0]);
    }

    /// A rejection by either side closes the candidate for both: no release, and the sealed
    /// record already uploaded is purged.
    async fn a_rejection_by_either_side_stops_release(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow, id) = one_candidate(&hub).await;
        ok(leeds.confirm(id, &Pupil::EILIDH).await).await;
        let body = ok(glasgow.reject(id).await).await;
        assert_eq!((body["previous_state"].as_str(), body["state"].as_str()), (Some("confirmed_one"), Some("rejected")));

        for actor in [&leeds, &glasgow] {
            assert_problem(actor.download(id).await, StatusCode::CONFLICT, "not-released").await;
        }
        assert_problem(glasgow.confirm_with(id, &leeds.seal_for(id, &Pupil::EILIDH).await).await,
            StatusCode::CONFLICT, "already-decided").await;
        assert_problem(leeds.reject(id).await, StatusCode::CONFLICT, "invalid-transition").await;
        let (_, detail) = leeds.candidate(id).await;
        assert_eq!(detail["sealed"], serde_json::json!({"own": false, "counterpart": false}), "the upload was purged");

        // The first side can reject too, before anyone confirmed.
        glasgow.submit_roll("gla-roll-2", &[&Pupil::EILIDH_IN_GLASGOW.with_id("GLA-9")]).await;
        let open: Vec<i64> = leeds.candidates("?state=proposed").await.iter().map(|c| c["id"].as_i64().unwrap()).collect();
        assert_eq!(open.len(), 1);
        ok(leeds.reject(open[0]).await).await;
        assert_problem(glasgow.confirm(open[0], &Pupil::EILIDH_IN_GLASGOW).await, StatusCode::CONFLICT, "invalid-transition").await;
    }

    /// A third authority, even one under the same agreement, cannot see, decide on or fetch
    /// anything of a candidate it is not party to.
    async fn another_authority_cannot_fetch_a_disclosure(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow, cardiff) = hub.leeds_glasgow_and_cardiff().await;
        for actor in [&leeds, &glasgow, &cardiff] {
            actor.register_disclosure_key().await;
        }
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        glasgow.submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW]).await;
        let id = leeds.only_candidate().await;
        ok(leeds.confirm(id, &Pupil::EILIDH).await).await;
        ok(glasgow.confirm(id, &Pupil::EILIDH_IN_GLASGOW).await).await;

        assert_problem(cardiff.download(id).await, StatusCode::NOT_FOUND, "not-found").await;
        assert_problem(cardiff.get(&format!("/v1/candidates/{id}")).await, StatusCode::NOT_FOUND, "not-found").await;
        assert_problem(cardiff.reject(id).await, StatusCode::NOT_FOUND, "not-found").await;
        assert!(cardiff.candidates("").await.is_empty());
        // A record sealed by Cardiff to Glasgow's key would not open as Leeds's anyway, and
        // Cardiff cannot upload one: the candidate does not exist for it.
        let sealed = leeds.seal_for(id, &Pupil::EILIDH).await;
        assert_problem(cardiff.confirm_with(id, &sealed).await, StatusCode::NOT_FOUND, "not-found").await;
        assert_problem(cardiff.get(&format!("/v1/candidates/{}/disclosure", id + 1)).await, StatusCode::NOT_FOUND, "not-found").await;

        // Both parties still can, and the disclosure keys are published to the members.
        let opened = glasgow.open_disclosure(id).await;
        assert_eq!(opened.recipient, glasgow.code);
        let (_, keys) = status_and_json(cardiff.get(&format!("/v1/agreements/{AGREEMENT}/disclosure-keys")).await).await;
        assert_eq!(keys["keys"].as_array().unwrap().len(), 3);

        // Every refused probe is audited, so an operator sees them: what was attempted, on
        // which id (one that does not exist looks the same to Cardiff and to the log).
        let operator = hub.store.issue_key(None, "dpo-desk").await.unwrap();
        let (_, events) = status_and_json(cardiff.with_key(&operator).get("/v1/audit/authorities/W06000015/events").await).await;
        let refused: Vec<(String, i64)> = events["events"].as_array().unwrap().iter()
            .filter(|e| e["action"] == "candidate.refused")
            .map(|e| (e["detail"]["attempted"].as_str().unwrap().to_string(), e["detail"]["candidate_id"].as_i64().unwrap()))
            .collect();
        let expected: Vec<(String, i64)> = [("download", id), ("view", id), ("reject", id), ("confirm", id), ("download", id + 1)]
            .into_iter().map(|(a, i)| (a.to_string(), i)).collect();
        assert_eq!(refused, expected, "{events}");
    }

    /// Both sides confirming at the same moment end confirmed by both with one decision each;
    /// one side confirming twice at once gets exactly one confirmation stored.
    async fn a_candidate_confirmed_twice_concurrently_stays_consistent(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow, id) = one_candidate(&hub).await;
        let (a, b) = (leeds.seal_for(id, &Pupil::EILIDH).await, leeds.seal_for(id, &Pupil::EILIDH).await);
        let (first, second) = tokio::join!(leeds.confirm_with(id, &a), leeds.confirm_with(id, &b));
        let mut statuses = [first.status(), second.status()];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
        assert_eq!(hub.count("candidate_decisions").await, 1);
        assert_eq!(hub.count("disclosures").await, 1);

        // A second candidate: both sides at once.
        glasgow.submit_roll("gla-roll-2", &[&Pupil::EILIDH_IN_GLASGOW.with_id("GLA-9")]).await;
        let other: Vec<i64> = leeds.candidates("?state=proposed").await.iter().map(|c| c["id"].as_i64().unwrap()).collect();
        let other = other[0];
        let (l, g) = (leeds.seal_for(other, &Pupil::EILIDH).await, glasgow.seal_for(other, &Pupil::EILIDH_IN_GLASGOW).await);
        let (first, second) = tokio::join!(leeds.confirm_with(other, &l), glasgow.confirm_with(other, &g));
        assert_eq!((first.status(), second.status()), (StatusCode::OK, StatusCode::OK));
        assert_eq!(state_of(&leeds, other).await, "confirmed_both");
        assert_eq!(hub.count("candidate_decisions").await, 3);

        // A confirmation racing a rejection: exactly one wins, and the state says which.
        glasgow.submit_roll("gla-roll-3", &[&Pupil::EILIDH_IN_GLASGOW.with_id("GLA-10")]).await;
        let third: Vec<i64> = leeds.candidates("?state=proposed").await.iter().map(|c| c["id"].as_i64().unwrap()).collect();
        let third = third[0];
        ok(leeds.confirm(third, &Pupil::EILIDH).await).await;
        let sealed = glasgow.seal_for(third, &Pupil::EILIDH_IN_GLASGOW).await;
        let (confirmed, rejected) = tokio::join!(glasgow.confirm_with(third, &sealed), leeds.reject(third));
        let state = state_of(&leeds, third).await;
        match (confirmed.status(), rejected.status()) {
            (StatusCode::OK, StatusCode::OK) => assert_eq!(state, "rejected", "a rejection after both confirmed still stops release"),
            (StatusCode::CONFLICT, StatusCode::OK) => assert_eq!(state, "rejected"),
            other => panic!("unexpected outcome {other:?}"),
        }
        assert_problem(glasgow.download(third).await, StatusCode::CONFLICT, "not-released").await;
    }

    /// Sealing needs the other side's current key: none registered, or a key since replaced,
    /// is refused with a problem naming it.
    async fn confirming_needs_the_other_sides_current_disclosure_key(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        leeds.register_disclosure_key().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        glasgow.submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW]).await;
        let id = leeds.only_candidate().await;
        let (_, detail) = leeds.candidate(id).await;
        assert_eq!(detail["counterpart"]["disclosure_key"], Value::Null);
        let stale = glasgow.seal_for(id, &Pupil::EILIDH_IN_GLASGOW).await;
        let mut bogus = stale.clone();
        bogus.recipient_key = "0000-0000-0000-0000-0000-0000-0000-0000".into();
        assert_problem(leeds.confirm_with(id, &bogus).await, StatusCode::CONFLICT, "no-disclosure-key").await;

        glasgow.register_disclosure_key().await;
        assert_problem(leeds.confirm_with(id, &bogus).await, StatusCode::CONFLICT, "stale-disclosure-key").await;
        let body = assert_problem(leeds.post(&format!("/v1/candidates/{id}/confirm"),
            &serde_json::json!({"reason": "names_and_dob_agree", "decided_by": "x", "sealed": {"suite": "x25519-hkdf-sha256-chacha20poly1305", "recipient_key": "", "enc": "AAAA", "ct": "AAAA"}})).await,
            StatusCode::UNPROCESSABLE_ENTITY, "invalid-request").await;
        assert!(body["detail"].as_str().unwrap().contains("enc must be 32 bytes"), "{body}");
        assert_eq!(hub.count("candidate_decisions").await, 0, "nothing was written");
        ok(leeds.confirm(id, &Pupil::EILIDH).await).await;
    }
}
