//! National searches.

use std::sync::Arc;

use pupilmatch::client::SearchResponse;
use pupilmatch::encode::encoded::PROTOCOL_VERSION;
use pupilmatch::matcher::resolve::Standing;
use pupilmatch::matcher::Model;
use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{spawn_hub, spawn_hub_with, status_and_json, Pupil};

both_backends! {
    /// A coordinator's search finds the child on another nation's roll, ranked first, with a
    /// probability and an explanation, and never returns the searcher's own records.
    async fn a_national_search_ranks_the_child_first_with_an_explanation(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        let roll = [&Pupil::KACPER, &Pupil::EILIDH_IN_GLASGOW, &Pupil::AOIFE, &Pupil::TOMASZ, &Pupil::OISIN];
        glasgow.submit_roll("gla-roll-1", &roll).await;
        leeds.submit_roll("leeds-roll-1", &[&Pupil::EILIDH.with_id("LDS-9")]).await;

        let (status, body) = status_and_json(leeds.search(&Pupil::EILIDH).await).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let results = body["results"].as_array().unwrap();
        assert!(!results.is_empty(), "{body}");
        assert_eq!(results[0]["rank"], 1);
        assert_eq!(results[0]["authority"], "S12000049");
        assert_eq!(results[0]["jurisdiction"], "scotland");
        assert_eq!(results[0]["role"], "roll");
        assert!(results[0]["probability"].as_f64().unwrap() > 0.9, "{body}");
        assert!(results[0]["explanation"].is_object());
        // Eilidh is far ahead of anyone else on the roll.
        assert_eq!(results[0]["standing"], "best", "{body}");
        assert!(results[1..].iter().all(|r| r["standing"] == "runner_up"), "{body}");
        assert!(results.iter().all(|r| r["authority"] != "383"), "own records are excluded: {body}");
        assert!(body.get("case").is_none());
        assert_eq!(hub.count("records").await, 6, "a plain search stores nothing");
    }

    /// A search can open a case, which then matches a registration that arrives later.
    async fn a_search_can_open_a_case_that_later_registrations_match(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        let child = Pupil::DAFYDD.with_id("LDS-0415");
        let body = json!({"agreement_id": "eng-scot-cme", "epoch": 1, "protocol": PROTOCOL_VERSION,
            "record": leeds.encode(&child),
            "open_case": {"referral_reason": "FTT", "referral_source": "OLA", "referred_on": "2026-10-01"}});
        let (status, body) = status_and_json(leeds.post("/v1/searches", &body).await).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["results"], json!([]));
        assert_eq!(body["case"], json!({"ref": leeds.record_ref(&child), "n_candidates": 0}));
        assert_eq!(hub.count("records").await, 1);

        let (_, body) = status_and_json(glasgow.submit_roll("gla-roll-1", &[&Pupil::DAFYDD]).await).await;
        assert_eq!(body["n_candidates"], 1);
        let candidates = leeds.candidates("?state=proposed").await;
        assert_eq!(candidates.len(), 1);
        assert_eq!(candidates[0]["record"]["ref"], leeds.record_ref(&child));
    }

    /// Two records on the roll as good as each other for the child sought: neither is the
    /// best, and the coordinator is told to rule one out.
    async fn a_search_matching_two_records_equally_calls_both_ambiguous(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        let twice = [&Pupil::EILIDH_IN_GLASGOW, &Pupil::EILIDH_IN_GLASGOW.with_id("GLA-7732")];
        glasgow.submit_roll("gla-roll-1", &twice).await;
        let (status, body) = status_and_json(leeds.search(&Pupil::EILIDH).await).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // As the typed client reads it.
        let hits = serde_json::from_value::<SearchResponse>(body).unwrap().results;
        assert_eq!(hits.len(), 2, "{hits:?}");
        assert!(hits.iter().all(|h| h.standing == Some(Standing::Ambiguous)), "{hits:?}");
    }
}

both_backends! {
    /// A model from `pupilmatch train` reaches the hub (`serve --model`): the hub scores with
    /// it, not with the shipped one, and says at `/readyz` which model it scores with.
    async fn the_hub_scores_with_the_model_it_is_given_and_says_which(backend: Backend) {
        let shipped = Model::default_model();
        // Calibrated for a population 2^20 times as large: every weight falls by 20 bits.
        let mut json: serde_json::Value = serde_json::from_str(&shipped.to_json()).unwrap();
        json["min_population"] = json!(shipped.min_population * 2f64.powi(20));
        let trained = Model::from_json(&json.to_string(), "trained.json").unwrap();
        assert_ne!(trained.fingerprint(), shipped.fingerprint());

        let mut weights = Vec::new();
        for model in [shipped.clone(), trained.clone()] {
            let hub = spawn_hub_with(backend, |config| config.model = Arc::new(model.clone())).await;
            let ready: serde_json::Value =
                reqwest::get(hub.url("/readyz")).await.unwrap().json().await.unwrap();
            assert_eq!(ready["model"]["fingerprint"], model.fingerprint(), "{ready}");

            let (leeds, glasgow) = hub.leeds_and_glasgow().await;
            glasgow.submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW]).await;
            let (status, body) = status_and_json(leeds.search(&Pupil::EILIDH).await).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            weights.push(body["results"][0]["match_weight"].as_f64().unwrap());
        }
        assert!((weights[0] - weights[1] - 20.0).abs() < 0.01, "{weights:?}");
    }
}
