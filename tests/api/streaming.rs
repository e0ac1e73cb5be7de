//! Streamed (NDJSON) submissions: any size, all or nothing, idempotent, through the crate's
//! own client as well as raw HTTP.

use pupilmatch::client::{CaseFields, SubmissionHeader, SubmittedRecord, UploadOptions};
use pupilmatch::encode::encoded::PROTOCOL_VERSION;
use pupilmatch::store::{ReferralReason, ReferralSource, Role, SubmitMode};
use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{assert_problem, spawn_hub, status_and_json, Pupil, AGREEMENT};

both_backends! {
    /// A gzip-compressed NDJSON roll streamed by the client is stored and matched, and a retry
    /// with the same batch id gets the first answer back.
    async fn a_streamed_roll_is_stored_and_matched_and_a_retry_is_replayed(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        let case = CaseFields {
            referral_reason: ReferralReason::Ftt,
            referral_source: ReferralSource::Ola,
            referred_on: chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        };
        let cases = vec![SubmittedRecord { encoding: leeds.encoded(&Pupil::EILIDH), case: Some(case) }];
        let header = SubmissionHeader::new("leeds-cme-1", AGREEMENT, 1, Role::Missing, SubmitMode::Incremental);
        let result = leeds.hub_client().submit_stream(&header, cases.into_iter().map(Ok), UploadOptions::default()).await.unwrap();
        assert_eq!((result.n_records, result.n_candidates, result.replayed), (1, 0, false));

        let roll: Vec<SubmittedRecord> = [Pupil::KACPER, Pupil::EILIDH_IN_GLASGOW, Pupil::AOIFE, Pupil::TOMASZ]
            .iter()
            .map(|p| SubmittedRecord { encoding: glasgow.encoded(p), case: None })
            .collect();
        let header = SubmissionHeader::new("gla-roll-1", AGREEMENT, 1, Role::Roll, SubmitMode::Snapshot);
        let options = UploadOptions { gzip: true, ..UploadOptions::default() };
        let client = glasgow.hub_client();
        let first = client.submit_stream(&header, roll.clone().into_iter().map(Ok), options.clone()).await.unwrap();
        assert_eq!((first.n_records, first.n_candidates, first.mode.as_str()), (4, 1, "snapshot"));
        let again = client.submit_stream(&header, roll.into_iter().map(Ok), options).await.unwrap();
        assert!(again.replayed);
        assert_eq!(again.n_candidates, first.n_candidates);
        assert_eq!(hub.count("records").await, 5);
        assert_eq!(leeds.candidates("").await.len(), 1);
    }

    /// One bad line anywhere in a stream refuses the whole batch, naming each bad record and
    /// field, and nothing is written.
    async fn a_streamed_batch_with_bad_lines_names_them_and_stores_nothing(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (_, glasgow) = hub.leeds_and_glasgow().await;
        let rows = hub.written_rows().await;
        let header = json!({"batch_id": "gla-bad", "agreement_id": AGREEMENT, "epoch": 1, "protocol": PROTOCOL_VERSION, "role": "roll"});
        let good = glasgow.encode(&Pupil::KACPER);
        let mut bad_check = glasgow.encode(&Pupil::AOIFE);
        bad_check["dc"] = json!(256);
        let body = format!("{header}\n{good}\n\n{{not json\n{bad_check}\n{good}\n");
        let response = glasgow.post_ndjson("/v1/submissions", body).await;
        let p = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid-records").await;
        assert_eq!(p["detail"], "3 of 4 records are invalid; nothing was stored");
        let fields: Vec<(u64, &str)> = p["errors"].as_array().unwrap().iter()
            .map(|e| (e["record"].as_u64().unwrap(), e["field"].as_str().unwrap()))
            .collect();
        assert_eq!(fields, [(1, ""), (2, "dc"), (3, "ref")], "{p}");
        assert_eq!(p["errors"][2]["message"], "duplicate of record 0 in this batch");
        assert_eq!(hub.written_rows().await, rows, "nothing was written");

        let response = glasgow.post_ndjson("/v1/submissions", String::new()).await;
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid-request").await;
        let with_records = json!({"batch_id": "x", "agreement_id": AGREEMENT, "epoch": 1, "protocol": PROTOCOL_VERSION, "role": "roll", "records": []});
        let response = glasgow.post_ndjson("/v1/submissions", format!("{with_records}\n")).await;
        let p = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid-request").await;
        assert!(p["detail"].as_str().unwrap().contains("lines after the header"), "{p}");
        let (status, _) = status_and_json(glasgow.post_ndjson("/v1/submissions", format!("{header}\n{good}")).await).await;
        assert_eq!(status, StatusCode::CREATED, "a last line without a newline counts");
    }

    /// A case reported while another authority's roll is still streaming in, for the same
    /// child, becomes exactly one candidate: whichever batch is matched second sees the
    /// other one indexed, although the roll is matched chunk by chunk before it commits.
    async fn a_case_reported_during_a_streamed_roll_is_matched_with_it_once(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        let (lines, receiver) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(4);
        let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|line| (line, receiver))
        });
        let header = json!({"batch_id": "gla-roll-slow", "agreement_id": AGREEMENT, "epoch": 1, "protocol": PROTOCOL_VERSION, "role": "roll"});
        let roll = reqwest::Client::new()
            .post(hub.url("/v1/submissions"))
            .bearer_auth(&glasgow.key)
            .header("content-type", "application/x-ndjson")
            .body(reqwest::Body::wrap_stream(stream))
            .send();
        let roll = tokio::spawn(roll);
        lines.send(Ok(format!("{header}\n"))).await.unwrap();
        lines.send(Ok(format!("{}\n", glasgow.encode(&Pupil::KACPER)))).await.unwrap();
        lines.send(Ok(format!("{}\n", glasgow.encode(&Pupil::EILIDH_IN_GLASGOW)))).await.unwrap();
        // The roll's transaction is open; the case waits for it, then is matched.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let case = tokio::spawn(async move {
            let response = leeds.report_missing("leeds-cme-during", &[&Pupil::EILIDH]).await;
            (status_and_json(response).await, leeds)
        });
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        drop(lines);
        let (status, roll) = status_and_json(roll.await.unwrap().unwrap()).await;
        assert_eq!(status, StatusCode::CREATED, "{roll}");
        let ((status, case), leeds) = case.await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{case}");
        assert_eq!(roll["n_records"], 2);
        let found = roll["n_candidates"].as_u64().unwrap() + case["n_candidates"].as_u64().unwrap();
        assert_eq!(found, 1, "roll {roll}, case {case}");
        assert_eq!(leeds.candidates("").await.len(), 1);
        assert_eq!(glasgow.candidates("").await.len(), 1);
    }

    /// A streamed roll of several chunks is stored whole and matched whole: each chunk is
    /// matched while the next is stored, and a match in a later chunk is found like one in
    /// the first.
    async fn a_roll_streamed_in_several_chunks_is_stored_and_matched_whole(backend: Backend) {
        use base64::Engine;
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        let response = leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH, &Pupil::AOIFE]).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        // 20,000 copies of one child under their own references: more than two chunks of
        // lines; Eilidh in the second chunk, and Aoife, whom Leeds also reported, last.
        let kacper = glasgow.encoded(&Pupil::KACPER);
        let mut roll: Vec<SubmittedRecord> = (0..20_000u128)
            .map(|i| {
                let mut encoding = kacper.clone();
                encoding.record_ref = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(i.to_be_bytes());
                SubmittedRecord { encoding, case: None }
            })
            .collect();
        roll.insert(12_000, SubmittedRecord { encoding: glasgow.encoded(&Pupil::EILIDH_IN_GLASGOW), case: None });
        roll.push(SubmittedRecord { encoding: glasgow.encoded(&Pupil::AOIFE), case: None });
        let header = SubmissionHeader::new("gla-roll-big", AGREEMENT, 1, Role::Roll, SubmitMode::Incremental);
        let result = glasgow.hub_client().submit_stream(&header, roll.into_iter().map(Ok), UploadOptions::default()).await.unwrap();
        assert_eq!((result.n_records, result.n_candidates), (20_002, 2));
        assert_eq!(hub.count("records").await, 20_004);
        assert_eq!(glasgow.candidates("").await.len(), 2);
    }

    /// A streamed incremental roll whose first chunk is all new and whose later chunks bring
    /// stored records again: every record is stored once, the stored ones in their own rows.
    async fn a_streamed_roll_that_brings_stored_records_in_a_later_chunk_updates_them(backend: Backend) {
        use base64::Engine;
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        let response = leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let kacper = glasgow.encoded(&Pupil::KACPER);
        let copy = |i: u128| {
            let mut encoding = kacper.clone();
            encoding.record_ref = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(i.to_be_bytes());
            SubmittedRecord { encoding, case: None }
        };
        let stream = |batch: &str, roll: Vec<SubmittedRecord>| {
            let header = SubmissionHeader::new(batch, AGREEMENT, 1, Role::Roll, SubmitMode::Incremental);
            let client = glasgow.hub_client();
            async move { client.submit_stream(&header, roll.into_iter().map(Ok), UploadOptions::default()).await.unwrap() }
        };
        let first = stream("gla-roll-1", (0..5_000).map(copy).collect()).await;
        assert_eq!(first.n_records, 5_000);
        let stored_rows = "select count(*), max(id) from records where authority_code = 'S12000049'";
        let (n_before, last_before): (i64, i64) =
            sqlx::query_as(stored_rows).fetch_one(&mut hub.raw_connection().await).await.unwrap();
        assert_eq!(n_before, 5_000);

        // 10,000 new copies first (more than one chunk), then the 5,000 stored ones and Eilidh.
        let mut roll: Vec<SubmittedRecord> = (5_000..15_000).chain(0..5_000).map(copy).collect();
        roll.push(SubmittedRecord { encoding: glasgow.encoded(&Pupil::EILIDH_IN_GLASGOW), case: None });
        let second = stream("gla-roll-2", roll).await;
        assert_eq!((second.n_records, second.n_candidates), (15_001, 1));
        assert_eq!(hub.count("records").await, 1 + 15_001);
        let (kept,): (i64,) = sqlx::query_as(
            "select count(*) from records where authority_code = 'S12000049' and id <= $1",
        )
        .bind(last_before)
        .fetch_one(&mut hub.raw_connection().await).await.unwrap();
        assert_eq!(kept, 5_000, "the stored records keep their rows");
        assert_eq!(glasgow.candidates("").await.len(), 1);
    }

    /// A batch of no records is refused, as JSON or streamed (a header and then a megabyte of
    /// nothing but newlines too), and a roll snapshot of nothing withdraws nothing.
    async fn a_batch_of_no_records_is_refused_and_withdraws_nothing(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (_, glasgow) = hub.leeds_and_glasgow().await;
        glasgow.submit_roll("gla-roll-1", &[&Pupil::KACPER, &Pupil::EILIDH_IN_GLASGOW]).await;
        let rows = hub.written_rows().await;

        let mut snapshot = glasgow.submission("gla-roll-2", "roll", vec![]);
        snapshot["mode"] = json!("snapshot");
        let p = assert_problem(glasgow.post("/v1/submissions", &snapshot).await,
            StatusCode::UNPROCESSABLE_ENTITY, "invalid-request").await;
        assert!(p["detail"].as_str().unwrap().starts_with("the batch holds no records"), "{p}");

        let header = json!({"batch_id": "gla-roll-3", "agreement_id": AGREEMENT, "epoch": 1,
            "protocol": PROTOCOL_VERSION, "role": "roll", "mode": "snapshot"});
        let response = glasgow.post_ndjson("/v1/submissions", format!("{header}\n\n\n")).await;
        let p = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid-request").await;
        assert!(p["detail"].as_str().unwrap().starts_with("the batch holds no records"), "{p}");

        let newlines = "\n".repeat(1 << 20);
        let response = glasgow.post_ndjson("/v1/submissions", format!("{header}\n{newlines}")).await;
        let p = assert_problem(response, StatusCode::BAD_REQUEST, "unreadable-body").await;
        assert!(p["detail"].as_str().unwrap().contains("blank lines"), "{p}");

        assert_eq!(hub.written_rows().await, rows, "nothing was written");
        assert_eq!(glasgow.candidates("").await.len(), 0);
        let (status, body) = status_and_json(glasgow.submit_roll("gla-roll-1", &[&Pupil::KACPER, &Pupil::EILIDH_IN_GLASGOW]).await).await;
        assert_eq!(status, StatusCode::OK, "the roll is still there, replayed: {body}");
    }
}
