//! Listing and filtering candidates.

use pupilmatch::client::CandidateQuery;
use pupilmatch::matcher::resolve::Standing;
use pupilmatch::store::Jurisdiction;
use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::{assert_problem, spawn_hub, spawn_hub_with, status_and_json, Pupil};

both_backends! {
    /// Candidates filter by state, probability, the other party's jurisdiction and age, and the
    /// typed client sees the same list as raw HTTP.
    async fn candidates_filter_by_state_score_jurisdiction_and_age(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow, cardiff) = hub.leeds_glasgow_and_cardiff().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH, &Pupil::DAFYDD.with_id("LDS-0415")]).await;
        glasgow.submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW]).await;
        cardiff.submit_roll("cdf-roll-1", &[&Pupil::DAFYDD]).await;

        assert_eq!(leeds.candidates("").await.len(), 2);
        let scottish = leeds.candidates("?counterpart_jurisdiction=scotland").await;
        assert_eq!(scottish.len(), 1);
        assert_eq!(scottish[0]["counterpart"]["authority"], "S12000049");
        assert_eq!(leeds.candidates("?counterpart_jurisdiction=wales").await[0]["counterpart"]["authority"], "W06000015");
        assert!(leeds.candidates("?counterpart_jurisdiction=ireland").await.is_empty());
        assert_eq!(leeds.candidates("?state=proposed&min_probability=0.5").await.len(), 2);
        assert!(leeds.candidates("?min_probability=1.01").await.is_empty());
        assert!(leeds.candidates("?state=confirmed_both").await.is_empty());
        assert_eq!(leeds.candidates("?max_age_days=1").await.len(), 2, "proposed today");
        assert!(leeds.candidates("?min_age_days=1").await.is_empty(), "none waiting a day yet");

        let p = assert_problem(leeds.get("/v1/candidates?min_age_days=5&max_age_days=2").await, StatusCode::UNPROCESSABLE_ENTITY, "invalid-request").await;
        assert_eq!(p["detail"], "min_age_days must not exceed max_age_days");
        assert_problem(leeds.get("/v1/candidates?state=lost").await, StatusCode::UNPROCESSABLE_ENTITY, "invalid-request").await;
        assert_problem(leeds.get("/v1/candidates?since=yesterday").await, StatusCode::UNPROCESSABLE_ENTITY, "invalid-request").await;

        let typed = leeds.hub_client().candidates(&CandidateQuery {
            counterpart_jurisdiction: Some(Jurisdiction::Wales),
            max_age_days: Some(7),
            ..CandidateQuery::default()
        }).await.unwrap();
        assert_eq!(typed.len(), 1);
        assert_eq!(typed[0].record.record_ref, leeds.record_ref(&Pupil::DAFYDD.with_id("LDS-0415")));
        assert_eq!((typed[0].counterpart.jurisdiction.as_str(), typed[0].record.role.as_str()), ("wales", "missing"));
    }

    /// A listing says how many candidates pass its filters and where the next page starts;
    /// `after` lists that page (the typed client reads both), and a candidate the caller is not
    /// party to is refused as a place to start.
    async fn candidates_are_counted_and_paged_after_the_last_one_shown(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        let cardiff = hub.authority("W06000015", "Cardiff Council", Jurisdiction::Wales).await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        glasgow.submit_roll("gla-roll-1", &[
            &Pupil::EILIDH_IN_GLASGOW,
            &Pupil::EILIDH_IN_GLASGOW.with_id("GLA-7732"),
            &Pupil::EILIDH_IN_GLASGOW.with_id("GLA-7733"),
        ]).await;
        let all: Vec<i64> = leeds.candidates("").await.iter().map(|c| c["id"].as_i64().unwrap()).collect();
        assert_eq!(all.len(), 3);
        // Three roll records as good as each other: none is the best.
        assert!(leeds.candidates("").await.iter().all(|c| c["standing"] == "ambiguous"));

        let (status, first) = status_and_json(leeds.get("/v1/candidates?limit=2").await).await;
        assert_eq!(status, StatusCode::OK, "{first}");
        assert_eq!((first["total"].as_u64(), first["next_after"].as_i64()), (Some(3), Some(all[1])), "{first}");
        let (_, last) = status_and_json(leeds.get(&format!("/v1/candidates?limit=2&after={}", all[1])).await).await;
        assert_eq!(last["candidates"].as_array().unwrap().len(), 1, "{last}");
        assert_eq!(last["candidates"][0]["id"].as_i64(), Some(all[2]));
        assert_eq!((last["total"].as_u64(), last["next_after"].is_null()), (Some(3), true), "{last}");
        let (_, filtered) = status_and_json(leeds.get("/v1/candidates?state=rejected").await).await;
        assert_eq!(filtered["total"].as_u64(), Some(0), "{filtered}");

        let page = leeds.hub_client().candidate_page(&CandidateQuery {
            limit: Some(1),
            after: Some(all[0]),
            ..CandidateQuery::default()
        }).await.unwrap();
        assert_eq!(page.candidates.iter().map(|c| c.id).collect::<Vec<_>>(), vec![all[1]]);
        assert_eq!((page.total, page.next_after), (Some(3), Some(all[1])));

        let p = assert_problem(cardiff.get(&format!("/v1/candidates?after={}", all[0])).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid-request").await;
        assert_eq!(p["detail"], format!("after: you are party to no candidate {}", all[0]));
    }

    /// A missing child proposed with roll records in two authorities is one child: each of the
    /// caller's candidates says where it stands among the live candidates of the caller's own
    /// record (the roll side sees only its record's), and a rejected one stops competing.
    async fn each_candidate_says_where_it_stands_among_those_of_the_same_child(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow, cardiff) = hub.leeds_glasgow_and_cardiff().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        glasgow.submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW]).await;
        // Day and month exchanged: the same names, a weaker date.
        let transposed = Pupil { id: "CDF-0004", dob: "2013-04-09", ..Pupil::EILIDH_IN_GLASGOW };
        cardiff.submit_roll("cdf-roll-1", &[&transposed]).await;

        let ours = leeds.candidates("").await;
        assert_eq!(ours.len(), 2, "{ours:?}");
        let weight = |c: &serde_json::Value| c["match_weight"].as_f64().unwrap();
        let (top, second) = (&ours[0], &ours[1]);
        assert_eq!(top["counterpart"]["authority"], "S12000049");
        let expected = if weight(top) - weight(second) >= 2.0 { "best" } else { "ambiguous" };
        assert_eq!(top["standing"], expected, "{ours:?}");
        assert_eq!(second["standing"], "runner_up", "{ours:?}");
        // Each roll record has one candidate: at its authority it stands alone.
        assert_eq!(glasgow.candidates("").await[0]["standing"], "best");
        assert_eq!(cardiff.candidates("").await[0]["standing"], "best");
        // The typed client reads it.
        let typed = leeds.hub_client().candidates(&CandidateQuery::default()).await.unwrap();
        assert_eq!(typed[1].standing, Some(Standing::RunnerUp));

        let second_id = second["id"].as_i64().unwrap();
        assert_eq!(leeds.reject(second_id).await.status(), StatusCode::OK);
        assert_eq!(leeds.candidates("?state=proposed").await[0]["standing"], "best");
    }

    /// An undecided candidate says when it expires: the hub's confirmation window after it
    /// was proposed; once rejected, it awaits no decision and says nothing.
    async fn an_undecided_candidate_says_when_it_expires(backend: Backend) {
        let hub = spawn_hub_with(backend, |config| config.policy.confirm_within_days = 10).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        glasgow.submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW]).await;
        let listed = leeds.candidates("").await;
        let at = |field: &str| chrono::DateTime::parse_from_rfc3339(listed[0][field].as_str().unwrap()).unwrap();
        assert_eq!(at("expires_at") - at("created_at"), chrono::Duration::days(10), "{listed:?}");
        let id = listed[0]["id"].as_i64().unwrap();
        let (_, detail) = status_and_json(glasgow.get(&format!("/v1/candidates/{id}")).await).await;
        assert_eq!(detail["expires_at"], listed[0]["expires_at"], "{detail}");

        let (status, _) = status_and_json(leeds.reject(id).await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(leeds.candidates("").await[0]["expires_at"], serde_json::Value::Null);
    }
}
