//! Retention, erasure, follow-ups and key rotation (protocol.md §14–§15): the purge removes
//! what it must and nothing else, an authority erases a record at once, found cases get their
//! follow-ups, and key epochs roll over without ever being compared with each other.

use chrono::{Duration, Utc};
use pupilmatch::store::retention::PurgePolicy;
use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{assert_problem, spawn_hub, status_and_json, Pupil, TestHub, AGREEMENT};

const POLICY: PurgePolicy = PurgePolicy {
    confirm_within_days: 28,
    purge_after_days: 30,
    sealed_ttl_days: 14,
};

/// `(ref, encoding emptied, purged_at set, status)` of every record, by reference.
async fn records(hub: &TestHub) -> std::collections::BTreeMap<String, (bool, bool, String)> {
    let pool = sqlx::AnyPool::connect(&hub.config.database_url)
        .await
        .unwrap();
    let rows: Vec<(String, String, Option<String>, String)> =
        sqlx::query_as("select ref, encoding, purged_at, status from records")
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    rows.into_iter()
        .map(|(r, e, p, s)| (r, (e.is_empty(), p.is_some(), s)))
        .collect()
}

async fn sealed(hub: &TestHub) -> Vec<(String, bool)> {
    let pool = sqlx::AnyPool::connect(&hub.config.database_url)
        .await
        .unwrap();
    let rows: Vec<(String, String)> =
        sqlx::query_as("select sender, ct from disclosures order by sender")
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    rows.into_iter().map(|(s, ct)| (s, ct.is_empty())).collect()
}

both_backends! {
    /// A month on, the purge empties the closed case's and the withdrawn record's encodings and
    /// the sealed record released two weeks ago, and keeps everything else; a year on, records
    /// past the agreement's retention go too. Nothing is deleted and the counts are audited.
    async fn purge_removes_what_it_must_and_nothing_else(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        leeds.register_disclosure_key().await;
        glasgow.register_disclosure_key().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH, &Pupil::SIOBHAN]).await;
        glasgow.submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW, &Pupil::KACPER, &Pupil::AOIFE]).await;
        let id = leeds.only_candidate().await;
        status_and_json(leeds.confirm(id, &Pupil::EILIDH).await).await;
        status_and_json(glasgow.confirm(id, &Pupil::EILIDH_IN_GLASGOW).await).await;
        glasgow.open_disclosure(id).await;
        let siobhan = leeds.record_ref(&Pupil::SIOBHAN);
        status_and_json(leeds.post(&format!("/v1/cases/{siobhan}/close"), &json!({"outcome": "OLA"})).await).await;
        let aoife = glasgow.record_ref(&Pupil::AOIFE);
        status_and_json(glasgow.post("/v1/records/withdraw", &json!({"refs": [aoife]})).await).await;
        let rows_before = hub.written_rows().await;

        // Nothing is due yet.
        let report = hub.store.purge(POLICY, Utc::now(), "test").await.unwrap();
        assert_eq!((report.n_closed_purged, report.n_sealed_purged, report.n_retention_purged), (0, 0, 0));

        let report = hub.store.purge(POLICY, Utc::now() + Duration::days(31), "test").await.unwrap();
        assert_eq!(report.n_closed_purged, 2, "{report:?}");
        assert_eq!(report.n_sealed_purged, 1, "only the released record: {report:?}");
        assert_eq!(report.n_retention_purged, 0);
        assert_eq!(report.n_candidates_expired, 0, "a candidate both confirmed does not expire");
        let after = records(&hub).await;
        for purged in [&siobhan, &aoife] {
            assert_eq!((after[purged].0, after[purged].1), (true, true), "{purged} purged");
        }
        for kept in [leeds.record_ref(&Pupil::EILIDH), glasgow.record_ref(&Pupil::EILIDH_IN_GLASGOW), glasgow.record_ref(&Pupil::KACPER)] {
            assert_eq!(after[&kept], (false, false, "active".to_string()), "{kept} kept");
        }
        // Glasgow downloaded Leeds's record (purged after 14 days); Leeds never downloaded
        // Glasgow's, which stays until then.
        assert_eq!(sealed(&hub).await, [("383".to_string(), true), ("S12000049".to_string(), false)]);
        assert_problem(glasgow.download(id).await, StatusCode::GONE, "purged").await;

        let report = hub.store.purge(POLICY, Utc::now() + Duration::days(400), "test").await.unwrap();
        assert_eq!(report.n_retention_purged, 3, "past the agreement's 365 days: {report:?}");
        assert!(records(&hub).await.values().all(|(empty, purged, _)| *empty && *purged));
        assert_eq!(hub.written_rows().await[..3], rows_before[..3], "rows are emptied, never deleted");

        let report = hub.store.verify_audit_chain().await.unwrap();
        assert_eq!(report.first_broken, None);
        let contents = hub.database_contents().await;
        assert!(contents.contains("retention.purge") && contents.contains("n_closed_purged"));
    }

    /// Undecided candidates expire after the confirmation window, and their sealed uploads go.
    async fn undecided_candidates_expire(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        leeds.register_disclosure_key().await;
        glasgow.register_disclosure_key().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        glasgow.submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW]).await;
        let id = leeds.only_candidate().await;
        status_and_json(leeds.confirm(id, &Pupil::EILIDH).await).await;
        let report = hub.store.purge(POLICY, Utc::now() + Duration::days(29), "test").await.unwrap();
        assert_eq!((report.n_candidates_expired, report.n_sealed_purged), (1, 1));
        let (_, detail) = glasgow.candidate(id).await;
        assert_eq!(detail["state"], "expired");
        assert_problem(glasgow.confirm(id, &Pupil::EILIDH_IN_GLASGOW).await, StatusCode::CONFLICT, "invalid-transition").await;
    }

    /// An authority erases a record at once: its encoding is gone, its candidates withdrawn,
    /// and searches no longer find it.
    async fn an_authority_erases_a_record_at_once(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        glasgow.submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW, &Pupil::KACPER]).await;
        let id = leeds.only_candidate().await;
        let eilidh = glasgow.record_ref(&Pupil::EILIDH_IN_GLASGOW);
        let (status, body) = status_and_json(glasgow.post("/v1/records/erase", &json!({"refs": [eilidh, "AAAAAAAAAAAAAAAAAAAAAA"]})).await).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body, json!({"n_requested": 2, "n_erased": 1}));
        assert_eq!(records(&hub).await[&eilidh], (true, true, "withdrawn".to_string()));
        let (_, detail) = leeds.candidate(id).await;
        assert_eq!(detail["state"], "withdrawn");
        let (_, found) = status_and_json(leeds.search(&Pupil::EILIDH.with_id("LDS-X")).await).await;
        assert_eq!(found["results"].as_array().unwrap().len(), 0, "{found}");
        let (_, found) = status_and_json(leeds.search(&Pupil::KACPER.with_id("LDS-Y")).await).await;
        assert_eq!(found["results"].as_array().unwrap().len(), 1, "other records stay: {found}");
    }

    /// A case closed as found gets follow-ups at 6 and 18 weeks; one closed because the child
    /// reached school-leaving age gets none.
    async fn found_cases_get_six_and_eighteen_week_follow_ups(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, _glasgow) = hub.leeds_and_glasgow().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH, &Pupil::SIOBHAN]).await;
        let (eilidh, siobhan) = (leeds.record_ref(&Pupil::EILIDH), leeds.record_ref(&Pupil::SIOBHAN));
        status_and_json(leeds.post(&format!("/v1/cases/{eilidh}/close"), &json!({"outcome": "OLA"})).await).await;
        status_and_json(leeds.post(&format!("/v1/cases/{siobhan}/close"), &json!({"outcome": "NCA"})).await).await;
        let day = |d: i64| (Utc::now() + Duration::days(d)).format("%Y-%m-%d").to_string();
        let (_, none) = status_and_json(leeds.get("/v1/follow-ups").await).await;
        assert_eq!(none["follow_ups"], json!([]));
        let (_, due) = status_and_json(leeds.get(&format!("/v1/follow-ups?due_by={}", day(200))).await).await;
        let due = due["follow_ups"].as_array().unwrap().clone();
        assert_eq!(due.len(), 2, "{due:?}");
        assert_eq!((due[0]["ref"].as_str(), due[0]["kind"].as_str(), due[0]["due_on"].as_str()), (Some(eilidh.as_str()), Some("6_weeks"), Some(day(42).as_str())));
        assert_eq!((due[1]["kind"].as_str(), due[1]["due_on"].as_str()), (Some("18_weeks"), Some(day(126).as_str())));
        let first = due[0]["id"].as_i64().unwrap();
        let (status, _) = status_and_json(leeds.post(&format!("/v1/follow-ups/{first}/done"), &json!({})).await).await;
        assert_eq!(status, StatusCode::OK);
        assert_problem(leeds.post(&format!("/v1/follow-ups/{first}/done"), &json!({})).await, StatusCode::NOT_FOUND, "not-found").await;
        let (_, left) = status_and_json(leeds.get(&format!("/v1/follow-ups?due_by={}", day(200))).await).await;
        assert_eq!(left["follow_ups"].as_array().unwrap().len(), 1);
    }

    /// After a rotation both epochs are accepted during the window and never compared with
    /// each other; at the end of the window the old epoch is refused and its records purged.
    async fn key_rotation_accepts_both_epochs_in_the_window_and_never_mixes_them(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        assert_eq!(hub.store.rotate_epoch(AGREEMENT, 2, 30).await.unwrap(), [1]);
        let (leeds2, glasgow2) = (leeds.at_epoch(2, [9; 32]), glasgow.at_epoch(2, [9; 32]));

        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        let (status, body) = status_and_json(glasgow2.submit_roll("gla-roll-e2", &[&Pupil::EILIDH_IN_GLASGOW]).await).await;
        assert_eq!(status, StatusCode::CREATED, "epoch 2 is accepted: {body}");
        assert_eq!(body["n_candidates"], 0, "an epoch-1 case is never compared with an epoch-2 roll");
        let (status, body) = status_and_json(glasgow.submit_roll("gla-roll-e1", &[&Pupil::EILIDH_IN_GLASGOW]).await).await;
        assert_eq!((status, body["n_candidates"].as_u64()), (StatusCode::CREATED, Some(1)), "epoch 1 still works in the window");
        // Leeds re-encodes its case under epoch 2 and resubmits: it meets the epoch-2 roll.
        let (_, body) = status_and_json(leeds2.report_missing("leeds-cme-e2", &[&Pupil::EILIDH]).await).await;
        assert_eq!(body["n_candidates"], 1, "{body}");

        // Closing the window at once: epochs 1 and 2 retire, epoch 3 is the only one accepted.
        assert_eq!(hub.store.rotate_epoch(AGREEMENT, 3, 0).await.unwrap(), [1, 2]);
        let refused = assert_problem(glasgow.submit_roll("gla-roll-late", &[&Pupil::KACPER]).await,
            StatusCode::UNPROCESSABLE_ENTITY, "epoch-not-accepted").await;
        assert!(refused["detail"].as_str().unwrap().contains("accepted: 3"), "{refused}");
        let report = hub.store.purge(POLICY, Utc::now() + Duration::seconds(1), "test").await.unwrap();
        assert_eq!(report.n_epoch_purged, 4, "{report:?}");
        assert!(hub.store.rotate_epoch(AGREEMENT, 3, 10).await.is_err(), "an epoch cannot start twice");
    }
}
