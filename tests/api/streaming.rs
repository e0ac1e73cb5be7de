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
    /// other one indexed.
    async fn a_case_reported_during_a_streamed_roll_is_matched_with_it_once(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        let header = json!({"batch_id": "gla-roll-slow", "agreement_id": AGREEMENT, "epoch": 1, "protocol": PROTOCOL_VERSION, "role": "roll"});
        let (lines, roll) = slow_upload(&hub, &glasgow);
        lines.send(Ok(format!("{header}\n"))).await.unwrap();
        lines.send(Ok(format!("{}\n", glasgow.encode(&Pupil::KACPER)))).await.unwrap();
        lines.send(Ok(format!("{}\n", glasgow.encode(&Pupil::EILIDH_IN_GLASGOW)))).await.unwrap();
        // The roll is being received; the case is stored and matched beside it.
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

    /// A streamed upload that is slow to arrive holds up nobody: while a roll is still being
    /// received, another authority searches, lists its candidates, sends a batch of cases and
    /// lists its open cases; none of the roll is visible until its last line is in, and then
    /// it is matched with the case sent meanwhile (issue #20 item 1: before staging, every one
    /// of these waited for the roll's transaction).
    async fn a_slow_upload_does_not_hold_up_searches_or_other_batches(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        let header = json!({"batch_id": "gla-roll-slow", "agreement_id": AGREEMENT, "epoch": 1, "protocol": PROTOCOL_VERSION, "role": "roll"});
        let (lines, roll) = slow_upload(&hub, &glasgow);
        lines.send(Ok(format!("{header}\n"))).await.unwrap();
        lines.send(Ok(format!("{}\n", glasgow.encode(&Pupil::KACPER)))).await.unwrap();
        lines.send(Ok(format!("{}\n", glasgow.encode(&Pupil::EILIDH_IN_GLASGOW)))).await.unwrap();
        // The first lines are staged once the hub has them: a submission in `staging`.
        let staging = || async {
            let (n,): (i64,) = sqlx::query_as("select count(*) from submissions where state = 'staging'")
                .fetch_one(&mut hub.raw_connection().await).await.unwrap();
            n
        };
        for _ in 0..200 {
            if staging().await == 1 { break; }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(staging().await, 1, "the roll is being received");

        // Bounded only so that a regression fails instead of hanging: the roll never ends
        // until the line below drops its sender.
        let meanwhile = async {
            let (status, found) = status_and_json(leeds.search(&Pupil::KACPER).await).await;
            assert_eq!(status, StatusCode::OK, "{found}");
            assert_eq!(found["results"].as_array().unwrap().len(), 0, "none of the roll is visible: {found}");
            assert_eq!(leeds.candidates("").await.len(), 0);
            let (status, case) = status_and_json(leeds.report_missing("leeds-cme-meanwhile", &[&Pupil::EILIDH]).await).await;
            assert_eq!(status, StatusCode::CREATED, "{case}");
            assert_eq!(case["n_candidates"], 0, "the roll is not stored yet: {case}");
            let (status, cases) = status_and_json(leeds.get("/v1/cases").await).await;
            assert_eq!(status, StatusCode::OK, "{cases}");
        };
        tokio::time::timeout(std::time::Duration::from_secs(30), meanwhile).await
            .expect("searches, candidate lists and other batches are answered while a roll is still arriving");
        assert_eq!(hub.count("records").await, 1, "only the case is a record; the roll is still staged");
        let gla = json!({"batch_id": "gla-roll-slow", "agreement_id": AGREEMENT, "epoch": 1, "protocol": PROTOCOL_VERSION, "role": "roll"});
        let again = glasgow.post_ndjson("/v1/submissions", format!("{gla}\n{}\n", glasgow.encode(&Pupil::KACPER))).await;
        assert_problem(again, StatusCode::CONFLICT, "batch-in-progress").await;

        drop(lines);
        let (status, roll) = status_and_json(roll.await.unwrap().unwrap()).await;
        assert_eq!(status, StatusCode::CREATED, "{roll}");
        assert_eq!((roll["n_records"].as_u64(), roll["n_candidates"].as_u64()), (Some(2), Some(1)), "{roll}");
        assert_eq!(hub.count("records").await, 3);
        assert_eq!(leeds.candidates("").await.len(), 1);
        let (n_staged,): (i64,) = sqlx::query_as("select count(*) from staged_records")
            .fetch_one(&mut hub.raw_connection().await).await.unwrap();
        assert_eq!(n_staged, 0, "every staged row moved into records");
    }

    /// An upload whose client goes away half way leaves nothing behind, and its batch id can
    /// be sent again at once; one still being received when the hub stops is discarded at
    /// start.
    async fn an_abandoned_upload_leaves_nothing_behind(backend: Backend) {
        let mut hub = spawn_hub(backend).await;
        let (_, glasgow) = hub.leeds_and_glasgow().await;
        let rows = hub.written_rows().await;
        let header = json!({"batch_id": "gla-roll-1", "agreement_id": AGREEMENT, "epoch": 1, "protocol": PROTOCOL_VERSION, "role": "roll"});
        let (lines, roll) = slow_upload(&hub, &glasgow);
        // More lines than the hub checks at once, so that a chunk is staged before the end.
        use base64::Engine;
        let record = glasgow.encode(&Pupil::KACPER);
        lines.send(Ok(format!("{header}\n"))).await.unwrap();
        for i in 0..8200u32 {
            let mut line = record.clone();
            let reference = u128::from(i).to_be_bytes();
            line["ref"] = json!(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(reference));
            lines.send(Ok(format!("{line}\n"))).await.unwrap();
        }
        for _ in 0..500 {
            if staged_rows(&hub).await > 0 { break; }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(staged_rows(&hub).await, 8192, "one chunk is staged");
        // The client fails mid-body: the hub reads an error and gives the upload up.
        lines.send(Err(std::io::Error::other("the coordinator's laptop went to sleep"))).await.unwrap();
        let _ = roll.await.unwrap();
        for _ in 0..200 {
            if staged_rows(&hub).await == 0 && hub.written_rows().await == rows { break; }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!((staged_rows(&hub).await, hub.written_rows().await), (0, rows), "nothing is left of it");
        let (status, body) = status_and_json(glasgow.post_ndjson("/v1/submissions", format!("{header}\n{}\n", glasgow.encode(&Pupil::KACPER))).await).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");

        // A hub that stopped while receiving: the staging submission and rows are still there.
        let mut conn = hub.raw_connection().await;
        sqlx::query("insert into submissions (authority_code, batch_id, agreement_id, epoch, role, mode, n_records, request_hash, result, created_at, state) \
            values ('S12000049', 'gla-roll-2', $1, 1, 'roll', 'incremental', 0, '', '{}', '2026-12-08T00:00:00.000Z', 'staging')")
            .bind(AGREEMENT).execute(&mut conn).await.unwrap();
        sqlx::query("insert into staged_records (submission_id, ref, encoding) select id, 'r', 'e' from submissions where batch_id = 'gla-roll-2'")
            .execute(&mut conn).await.unwrap();
        drop(conn);
        hub.restart().await;
        assert_eq!(staged_rows(&hub).await, 0, "discarded at start");
        let (n,): (i64,) = sqlx::query_as("select count(*) from submissions where batch_id = 'gla-roll-2'")
            .fetch_one(&mut hub.raw_connection().await).await.unwrap();
        assert_eq!(n, 0);
    }

    /// A batch accepted (its commit point passed) but whose staged rows were not all moved
    /// into `records` when the hub stopped is stored at start and matched as an uninterrupted
    /// run would have matched it; a retry meanwhile is told to wait, then gets the answer.
    async fn a_batch_accepted_before_a_stop_is_stored_and_matched_at_start(backend: Backend) {
        let mut hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        let header = json!({"batch_id": "gla-roll-1", "agreement_id": AGREEMENT, "epoch": 1, "protocol": PROTOCOL_VERSION, "role": "roll"});
        let body = format!("{header}\n{}\n{}\n", glasgow.encode(&Pupil::KACPER), glasgow.encode(&Pupil::EILIDH_IN_GLASGOW));
        let (status, first) = status_and_json(glasgow.post_ndjson("/v1/submissions", body.clone()).await).await;
        assert_eq!(status, StatusCode::CREATED, "{first}");
        let candidate = leeds.candidates("").await;
        assert_eq!(candidate.len(), 1);

        // Put the database back where a stop right after the commit point leaves it: the
        // rows staged, not in `records`, the batch accepted and not matched.
        let mut conn = hub.raw_connection().await;
        sqlx::query("insert into staged_records (submission_id, ref, encoding) select submission_id, ref, encoding from records where role = 'roll' order by id")
            .execute(&mut conn).await.unwrap();
        sqlx::query("delete from candidates").execute(&mut conn).await.unwrap();
        sqlx::query("delete from records where role = 'roll'").execute(&mut conn).await.unwrap();
        sqlx::query("update submissions set state = 'accepted', matched = 0 where batch_id = 'gla-roll-1'")
            .execute(&mut conn).await.unwrap();
        drop(conn);
        let response = glasgow.post_ndjson("/v1/submissions", body.clone()).await;
        let p = assert_problem(response, StatusCode::CONFLICT, "batch-in-progress").await;
        assert!(p["detail"].as_str().unwrap().contains("retry"), "{p}");

        hub.restart().await;
        let (leeds, glasgow) = (leeds.at(&hub.url("")), glasgow.at(&hub.url("")));
        assert_eq!(hub.count("records").await, 3);
        let after = leeds.candidates("").await;
        assert_eq!(after.len(), 1);
        assert_eq!(after[0]["probability"], candidate[0]["probability"]);
        assert_eq!(after[0]["match_weight"], candidate[0]["match_weight"]);
        let (status, replayed) = status_and_json(glasgow.post_ndjson("/v1/submissions", body).await).await;
        assert_eq!(status, StatusCode::OK, "{replayed}");
        assert_eq!(replayed["n_candidates"], 1, "the retry is told what the batch produced: {replayed}");
    }
}

/// Rows in the staging table of streamed uploads.
async fn staged_rows(hub: &crate::helpers::TestHub) -> i64 {
    let (n,): (i64,) = sqlx::query_as("select count(*) from staged_records")
        .fetch_one(&mut hub.raw_connection().await)
        .await
        .unwrap();
    n
}

/// A streamed upload by `actor` whose body is sent a line at a time through the returned
/// sender, as slowly as the test likes; the request ends when the sender is dropped.
pub(crate) fn slow_upload(
    hub: &crate::helpers::TestHub,
    actor: &crate::helpers::Actor,
) -> (
    tokio::sync::mpsc::Sender<Result<String, std::io::Error>>,
    tokio::task::JoinHandle<reqwest::Result<reqwest::Response>>,
) {
    let (lines, receiver) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(4);
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|line| (line, receiver))
    });
    let upload = reqwest::Client::new()
        .post(hub.url("/v1/submissions"))
        .bearer_auth(&actor.key)
        .header("content-type", "application/x-ndjson")
        .body(reqwest::Body::wrap_stream(stream))
        .send();
    (lines, tokio::spawn(upload))
}
