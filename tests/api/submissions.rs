//! Submissions and continuous matching.

use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{assert_problem, spawn_hub, status_and_json, Pupil, AGREEMENT};

both_backends! {
    /// A child reported missing in Leeds who appears on a Glasgow roll becomes one candidate,
    /// visible to both authorities.
    async fn a_new_registration_in_scotland_is_matched_against_an_open_english_case(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;

        let (status, body) = status_and_json(leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["n_records"], 1);
        assert_eq!(body["n_candidates"], 0);

        let roll = [&Pupil::KACPER, &Pupil::EILIDH_IN_GLASGOW, &Pupil::AOIFE];
        let (status, body) = status_and_json(glasgow.submit_roll("gla-roll-1", &roll).await).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["n_records"], 3);
        assert_eq!(body["n_candidates"], 1);

        let for_leeds = leeds.candidates("").await;
        assert_eq!(for_leeds.len(), 1);
        let candidate = &for_leeds[0];
        assert_eq!(candidate["state"], "proposed");
        assert!(candidate["probability"].as_f64().unwrap() > 0.9, "{candidate}");
        assert_eq!(candidate["record"], json!({"ref": leeds.record_ref(&Pupil::EILIDH), "role": "missing"}));
        assert_eq!(candidate["counterpart"], json!({"authority": "S12000049", "jurisdiction": "scotland", "role": "roll"}));
        assert!(candidate["evidence"].is_object());

        let for_glasgow = glasgow.candidates("").await;
        assert_eq!(for_glasgow.len(), 1);
        assert_eq!(for_glasgow[0]["id"], candidate["id"]);
        assert_eq!(for_glasgow[0]["record"]["ref"], glasgow.record_ref(&Pupil::EILIDH_IN_GLASGOW));
        assert_eq!(for_glasgow[0]["counterpart"]["jurisdiction"], "england");
    }

    /// Retrying a batch gets the first answer; reusing its id for other content is refused;
    /// resubmitting the same records never duplicates a candidate.
    async fn resubmitting_a_batch_returns_the_first_answer_and_never_duplicates_candidates(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        let first = status_and_json(glasgow.submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW]).await).await;
        assert_eq!(first.0, StatusCode::CREATED);

        let again = status_and_json(glasgow.submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW]).await).await;
        assert_eq!(again, (StatusCode::OK, first.1.clone()));

        let rows_before = hub.written_rows().await;
        let other = glasgow.submit_roll("gla-roll-1", &[&Pupil::KACPER]).await;
        let problem = assert_problem(other, StatusCode::CONFLICT, "batch-conflict").await;
        assert_eq!(problem["detail"], "batch gla-roll-1 was already received with different content");
        assert_eq!(hub.written_rows().await, rows_before);

        let (status, body) = status_and_json(glasgow.submit_roll("gla-roll-2", &[&Pupil::EILIDH_IN_GLASGOW]).await).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(body["n_candidates"], 0);
        assert_eq!(hub.count("candidates").await, 1);
        assert_eq!(hub.count("records").await, 2);
    }

    /// An incremental roll that brings stored records again alongside new ones keeps each
    /// stored record's row (so its candidates stay its own) and adds the new ones.
    async fn an_incremental_roll_updates_stored_records_in_place_and_adds_new_ones(backend: Backend) {
        use sqlx::Row;
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        let first = glasgow.submit_roll("gla-roll-1", &[&Pupil::KACPER, &Pupil::EILIDH_IN_GLASGOW]).await;
        assert_eq!(first.status(), StatusCode::CREATED);
        let row_ids = |hub_conn: sqlx::AnyConnection| async move {
            let mut conn = hub_conn;
            sqlx::query("select id, ref from records where authority_code = 'S12000049' order by id")
                .fetch_all(&mut conn).await.unwrap()
                .into_iter()
                .map(|row| (row.get::<i64, _>(0), row.get::<String, _>(1)))
                .collect::<Vec<_>>()
        };
        let before = row_ids(hub.raw_connection().await).await;
        assert_eq!(before.len(), 2);

        let roll = [&Pupil::AOIFE, &Pupil::EILIDH_IN_GLASGOW, &Pupil::TOMASZ, &Pupil::KACPER];
        let (status, body) = status_and_json(glasgow.submit_roll("gla-roll-2", &roll).await).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["n_records"], 4);
        assert_eq!(body["n_candidates"], 0, "Eilidh's candidate exists already: {body}");

        let after = row_ids(hub.raw_connection().await).await;
        assert_eq!(after.len(), 4);
        assert_eq!(&after[..2], &before[..], "stored records keep their rows");
        assert_eq!(hub.count("candidates").await, 1);
        assert_eq!(leeds.candidates("").await.len(), 1);
    }

    /// A roll sent as a snapshot replaces the authority's previous roll.
    async fn a_snapshot_roll_withdraws_the_records_it_no_longer_contains(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        glasgow.submit_roll("gla-roll-1", &[&Pupil::KACPER, &Pupil::EILIDH_IN_GLASGOW]).await;

        let mut snapshot = glasgow.submission("gla-roll-2", "roll", vec![glasgow.encode(&Pupil::KACPER)]);
        snapshot["mode"] = json!("snapshot");
        let (status, body) = status_and_json(glasgow.post("/v1/submissions", &snapshot).await).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["n_withdrawn"], 1);

        // Eilidh is no longer on Glasgow's roll, so her case finds nothing there.
        let (_, body) = status_and_json(leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await).await;
        assert_eq!(body["n_candidates"], 0);
    }

    /// Gzip-compressed bodies are accepted.
    async fn a_gzip_compressed_submission_is_accepted(backend: Backend) {
        use std::io::Write;
        let hub = spawn_hub(backend).await;
        let (_, glasgow) = hub.leeds_and_glasgow().await;
        let body = glasgow.submission("gla-roll-gz", "roll", vec![glasgow.encode(&Pupil::AOIFE)]);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(body.to_string().as_bytes()).unwrap();
        let response = glasgow.post_raw("/v1/submissions", gz.finish().unwrap(), Some("gzip")).await;
        let (status, body) = status_and_json(response).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(hub.count("records").await, 1);
    }

    /// The database itself refuses a record whose authority, agreement or submission does not
    /// exist, and the deletion of an authority or agreement that records refer to.
    async fn the_database_refuses_records_without_their_parents(backend: Backend) {
        use sqlx::Executor;
        let hub = spawn_hub(backend).await;
        let (_, glasgow) = hub.leeds_and_glasgow().await;
        let response = glasgow.submit_roll("gla-roll-1", &[&Pupil::KACPER]).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let mut conn = hub.raw_connection().await;
        let (submission,): (i64,) = sqlx::query_as("select max(id) from submissions")
            .fetch_one(&mut conn).await.unwrap();
        let insert = |authority: &str, agreement: &str, submission: i64| format!(
            "insert into records (authority_code, agreement_id, epoch, ref, role, status, encoding, \
             submission_id, created_at, updated_at) values ('{authority}', '{agreement}', 1, \
             'raw-{authority}-{agreement}-{submission}', 'roll', 'active', 'x', {submission}, 't', 't')");
        for (authority, agreement, submission) in [
            ("E99999999", AGREEMENT, submission),
            ("S12000049", "no-such-agreement", submission),
            ("S12000049", AGREEMENT, submission + 1000),
        ] {
            let refused = conn.execute(insert(authority, agreement, submission).as_str()).await;
            let message = refused.expect_err("stored without its parents").to_string();
            assert!(message.contains("FOREIGN KEY") || message.contains("does not exist"), "{message}");
        }
        conn.execute(insert("S12000049", AGREEMENT, submission).as_str()).await
            .expect("a record with its parents is stored");
        for delete in [
            "delete from authorities where code = 'S12000049'",
            "delete from agreements where id = 'eng-scot-cme'",
        ] {
            let message = conn.execute(delete).await.expect_err(delete).to_string();
            assert!(message.contains("FOREIGN KEY") || message.contains("never deleted"), "{message}");
        }
        assert_eq!(hub.count("authorities").await, 2);
    }
}
