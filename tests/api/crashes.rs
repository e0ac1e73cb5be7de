//! `kill -9` at each stage of ingest and matching (issue #20, "done when"), on both backends,
//! driving the real `pupilmatch serve` binary: `PUPILMATCH_FAULT=<point>` makes it kill itself
//! with SIGKILL at that point (`pupilmatch::fault`), so each crash lands exactly where the test
//! means it to. After each crash the hub is started again on the same database and hub key,
//! and what it holds is compared with an uninterrupted run (same data, same hub key, a
//! database of its own):
//!
//! - nothing acknowledged is lost: every candidate and search answer of the batches answered
//!   before the crash is as it was;
//! - nothing unacknowledged is visible: a batch killed before its commit point left no row,
//!   is not searchable and is no candidate;
//! - a batch killed after its commit point is stored and matched, its candidates and their
//!   probabilities those of the uninterrupted run;
//! - a retry of the interrupted batch reports what the batch produced (200 with the stored
//!   answer once committed, 201 otherwise), the uninterrupted run's counts.

use base64::Engine;
use pupilmatch::fault::{CrashPoint, VARIABLE};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{
    spawn_hub, spawn_hub_with, status_and_json, Actor, Backend, Pupil, ServedBinary, TestHub,
    AGREEMENT,
};
use crate::streaming::slow_upload;

/// Leeds's open cases, acknowledged before the crash: pupils 0 to 7.
const CASES: std::ops::Range<usize> = 0..8;
/// Glasgow's roll batch acknowledged before the crash: four of the cases and 20 others.
const FIRST_ROLL: [std::ops::Range<usize>; 2] = [0..4, 100..120];
/// The batch the crash interrupts: the other four cases and 40 others.
const INTERRUPTED: [std::ops::Range<usize>; 2] = [4..8, 200..240];
/// Copies of one more pupil streamed ahead of [`INTERRUPTED`]: more lines than the hub checks
/// and stages at once (8,192) and than it moves into `records` at once (2,048), so a crash
/// while staging comes before the batch's last lines are read, and one while moving comes
/// with part of its rows moved.
const FILLER: usize = 8_200;

/// How the interrupted batch is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Upload {
    /// One JSON document.
    Json,
    /// NDJSON, [`FILLER`] lines first.
    Streamed,
}

/// A request body and its media type.
struct Batch {
    content_type: &'static str,
    body: String,
}

fn pupils(ranges: &[std::ops::Range<usize>]) -> Vec<Pupil> {
    ranges
        .iter()
        .cloned()
        .flatten()
        .map(Pupil::numbered)
        .collect()
}

/// Glasgow's interrupted batch `gla-roll-2`.
fn interrupted_batch(glasgow: &Actor, upload: Upload) -> Batch {
    let records: Vec<Value> = pupils(&INTERRUPTED)
        .iter()
        .map(|p| glasgow.encode(p))
        .collect();
    match upload {
        Upload::Json => Batch {
            content_type: "application/json",
            body: glasgow
                .submission("gla-roll-2", "roll", records)
                .to_string(),
        },
        Upload::Streamed => {
            let header = json!({"batch_id": "gla-roll-2", "agreement_id": AGREEMENT, "epoch": 1,
                "protocol": pupilmatch::encode::encoded::PROTOCOL_VERSION, "role": "roll"});
            let filler = glasgow.encode(&Pupil::numbered(300));
            let mut body = format!("{header}\n");
            for i in 0..FILLER as u128 {
                let mut line = filler.clone();
                line["ref"] =
                    json!(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(i.to_be_bytes()));
                body.push_str(&format!("{line}\n"));
            }
            for record in records {
                body.push_str(&format!("{record}\n"));
            }
            Batch {
                content_type: "application/x-ndjson",
                body,
            }
        }
    }
}

/// Sends `batch` as `actor` to the hub at `base`; an error when the connection ends unanswered.
async fn send(actor: &Actor, base: &str, batch: &Batch) -> reqwest::Result<reqwest::Response> {
    reqwest::Client::new()
        .post(format!("{base}/v1/submissions"))
        .bearer_auth(&actor.key)
        .header("content-type", batch.content_type)
        .body(batch.body.clone())
        .send()
        .await
}

/// Submits the batches answered before the crash: Leeds's cases, Glasgow's first roll.
async fn acknowledged(leeds: &Actor, glasgow: &Actor) {
    let cases = pupils(&[CASES]);
    let cases: Vec<&Pupil> = cases.iter().collect();
    let (status, body) = status_and_json(leeds.report_missing("leeds-cme-1", &cases).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let roll = pupils(&FIRST_ROLL);
    let roll: Vec<&Pupil> = roll.iter().collect();
    let (status, body) = status_and_json(glasgow.submit_roll("gla-roll-1", &roll).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["n_candidates"], 4, "{body}");
}

/// One candidate as two hubs can compare it: its records' `(authority, ref)`, in order, then
/// its probability, match weight and state.
type Pair = ((String, String), (String, String), f64, f64, String);

/// Every candidate the hub holds, sorted.
async fn candidate_pairs(hub: &TestHub) -> Vec<Pair> {
    type Row = (String, String, String, String, f64, f64, String);
    let rows: Vec<Row> = sqlx::query_as(
        "select a.authority_code, a.ref, b.authority_code, b.ref, c.probability, \
         c.match_weight, c.state from candidates c \
         join records a on a.id = c.record_lo join records b on b.id = c.record_hi",
    )
    .fetch_all(&mut hub.raw_connection().await)
    .await
    .unwrap();
    let mut pairs: Vec<Pair> = rows
        .into_iter()
        .map(|(a_code, a_ref, b_code, b_ref, p, w, state)| {
            let (a, b) = ((a_code, a_ref), (b_code, b_ref));
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            (lo, hi, p, w, state)
        })
        .collect();
    pairs.sort_by(|x, y| (&x.0, &x.1).cmp(&(&y.0, &y.1)));
    pairs
}

/// What `searcher`'s national searches for the interrupted batch's pupils answer: each
/// result's probability and match weight.
async fn search_answers(searcher: &Actor) -> Vec<Vec<(f64, f64)>> {
    let mut answers = Vec::new();
    for pupil in [Pupil::numbered(5), Pupil::numbered(200), Pupil::numbered(1)] {
        let (status, body) = status_and_json(searcher.search(&pupil).await).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let results = body["results"].as_array().unwrap();
        answers.push(
            results
                .iter()
                .map(|r| {
                    let p = r["probability"].as_f64().unwrap();
                    (p, r["match_weight"].as_f64().unwrap_or(p))
                })
                .collect(),
        );
    }
    answers
}

/// `(submission rows, record rows, staged rows)` of batch `batch_id`.
async fn rows_of(hub: &TestHub, batch_id: &str) -> (i64, i64, i64) {
    let mut conn = hub.raw_connection().await;
    let mut counts = [0i64; 3];
    let queries = [
        "select count(*) from submissions where batch_id = $1",
        "select count(*) from records r join submissions s on s.id = r.submission_id \
         where s.batch_id = $1",
        "select count(*) from staged_records r join submissions s on s.id = r.submission_id \
         where s.batch_id = $1",
    ];
    for (count, sql) in counts.iter_mut().zip(queries) {
        *count = sqlx::query_scalar::<_, i64>(sql)
            .bind(batch_id)
            .fetch_one(&mut conn)
            .await
            .unwrap();
    }
    (counts[0], counts[1], counts[2])
}

/// The uninterrupted run: what a hub holds and answers with the same data and hub key.
struct Uninterrupted {
    /// Candidates before the interrupted batch.
    pairs_before: Vec<Pair>,
    /// Search answers before it.
    searches_before: Vec<Vec<(f64, f64)>>,
    /// Candidates after it.
    pairs_after: Vec<Pair>,
    /// Search answers after it.
    searches_after: Vec<Vec<(f64, f64)>>,
    /// Its answer.
    answer: Value,
}

impl Uninterrupted {
    /// Runs it on a database of its own with a copy of `hub`'s key.
    async fn run(backend: Backend, hub: &TestHub, upload: Upload) -> Uninterrupted {
        let keys = tempfile::tempdir().unwrap();
        let mut folder = std::fs::DirBuilder::new();
        std::os::unix::fs::DirBuilderExt::mode(&mut folder, 0o700);
        folder.create(keys.path().join("keys")).unwrap();
        let key = keys.path().join("keys").join("hub.key");
        std::fs::copy(&hub.config.hub_key, &key).unwrap();
        let twin = spawn_hub_with(backend, |config| config.hub_key = key).await;
        let (leeds, glasgow) = twin.leeds_and_glasgow().await;
        acknowledged(&leeds, &glasgow).await;
        let pairs_before = candidate_pairs(&twin).await;
        let searches_before = search_answers(&leeds).await;
        let batch = interrupted_batch(&glasgow, upload);
        let (status, answer) =
            status_and_json(send(&glasgow, &twin.url(""), &batch).await.unwrap()).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        assert_eq!(answer["n_candidates"], 4, "{answer}");
        Uninterrupted {
            pairs_before,
            searches_before,
            pairs_after: candidate_pairs(&twin).await,
            searches_after: search_answers(&leeds).await,
            answer,
        }
    }
}

/// The counts of an answer to a batch.
fn counts(answer: &Value) -> [&Value; 3] {
    [
        &answer["n_records"],
        &answer["n_withdrawn"],
        &answer["n_candidates"],
    ]
}

/// Acknowledges two batches, kills the binary at `point` during a third sent as `upload`,
/// starts the hub again and checks what it holds and answers against an uninterrupted run.
async fn killed_at(backend: Backend, point: CrashPoint, upload: Upload) {
    let mut hub = spawn_hub(backend).await;
    let (leeds, glasgow) = hub.leeds_and_glasgow().await;
    acknowledged(&leeds, &glasgow).await;
    let uninterrupted = Uninterrupted::run(backend, &hub, upload).await;
    assert_eq!(candidate_pairs(&hub).await, uninterrupted.pairs_before);
    let batch = interrupted_batch(&glasgow, upload);
    hub.stop().await;

    let mut served = ServedBinary::start(&hub, "true", &[(VARIABLE, point.name())]).await;
    let sent = send(&glasgow, &served.base, &batch).await;
    served.assert_killed().await;
    if let Ok(response) = sent {
        panic!("the killed hub answered {}", response.status());
    }
    drop(served);

    hub.restart().await;
    let (leeds, glasgow) = (leeds.at(&hub.url("")), glasgow.at(&hub.url("")));
    let committed = !matches!(point, CrashPoint::Staging | CrashPoint::Ingesting);
    let n_records = match upload {
        Upload::Json => 44,
        Upload::Streamed => FILLER as i64 + 44,
    };
    assert_eq!(
        rows_of(&hub, "leeds-cme-1").await,
        (1, 8, 0),
        "acknowledged cases kept"
    );
    assert_eq!(
        rows_of(&hub, "gla-roll-1").await,
        (1, 24, 0),
        "acknowledged roll kept"
    );
    if committed {
        assert_eq!(
            rows_of(&hub, "gla-roll-2").await,
            (1, n_records, 0),
            "stored at start"
        );
        assert_eq!(
            candidate_pairs(&hub).await,
            uninterrupted.pairs_after,
            "matched as without the crash"
        );
        assert_eq!(search_answers(&leeds).await, uninterrupted.searches_after);
    } else {
        assert_eq!(
            rows_of(&hub, "gla-roll-2").await,
            (0, 0, 0),
            "nothing of it is left"
        );
        assert_eq!(
            candidate_pairs(&hub).await,
            uninterrupted.pairs_before,
            "no candidate of the unacknowledged batch"
        );
        assert_eq!(
            search_answers(&leeds).await,
            uninterrupted.searches_before,
            "the unacknowledged batch is not searchable"
        );
    }

    let (status, answer) =
        status_and_json(send(&glasgow, &hub.url(""), &batch).await.unwrap()).await;
    let expected = if committed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    assert_eq!(status, expected, "the retry: {answer}");
    assert_eq!(
        counts(&answer),
        counts(&uninterrupted.answer),
        "the retry reports what the batch produced: {answer}"
    );
    assert_eq!(candidate_pairs(&hub).await, uninterrupted.pairs_after);
    assert_eq!(search_answers(&leeds).await, uninterrupted.searches_after);
    assert_eq!(rows_of(&hub, "gla-roll-2").await, (1, n_records, 0));
}

both_backends! {
    /// Killed mid-stream, a chunk of the batch staged and its last lines not yet read.
    async fn killed_while_a_streamed_batch_is_staging(backend: Backend) {
        killed_at(backend, CrashPoint::Staging, Upload::Streamed).await;
    }

    /// Killed right after the streamed batch's commit point, none of its rows moved.
    async fn killed_after_a_streamed_batch_is_accepted(backend: Backend) {
        killed_at(backend, CrashPoint::Accepted, Upload::Streamed).await;
    }

    /// Killed with part of the accepted batch's rows moved into `records`.
    async fn killed_while_an_accepted_batch_is_moved_into_records(backend: Backend) {
        killed_at(backend, CrashPoint::Moving, Upload::Streamed).await;
    }

    /// Killed after the streamed batch is stored, before its candidates are.
    async fn killed_after_a_streamed_batch_is_stored_before_it_is_matched(backend: Backend) {
        killed_at(backend, CrashPoint::Stored, Upload::Streamed).await;
    }

    /// Killed after the streamed batch is matched, before it is answered.
    async fn killed_after_a_streamed_batch_is_matched_before_it_is_answered(backend: Backend) {
        killed_at(backend, CrashPoint::Matched, Upload::Streamed).await;
    }

    /// Killed during a JSON submission, its records written in its uncommitted transaction.
    async fn killed_during_a_json_submission(backend: Backend) {
        killed_at(backend, CrashPoint::Ingesting, Upload::Json).await;
    }

    /// Killed after a JSON submission committed, before its candidates are stored.
    async fn killed_after_a_json_batch_is_stored_before_it_is_matched(backend: Backend) {
        killed_at(backend, CrashPoint::Stored, Upload::Json).await;
    }

    /// Unfinished batches are matched at start in the order they were accepted, which an
    /// uninterrupted hub matched them in, not in the order of their ids: a streamed roll
    /// whose upload began first (the older id) but was accepted after a case Leeds reported
    /// meanwhile. Rolled back to "both committed, neither matched" (what a crash after both
    /// commits leaves), the restarted hub must propose the same candidates and tell each
    /// batch's retry the same counts. Matched in id order it would not: the case would be
    /// matched against the 25 copies of its pupil on the roll, at most 20 of them.
    async fn unfinished_batches_are_matched_at_start_in_the_order_they_were_accepted(backend: Backend) {
        let mut hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        let header = json!({"batch_id": "gla-roll-slow", "agreement_id": AGREEMENT, "epoch": 1,
            "protocol": pupilmatch::encode::encoded::PROTOCOL_VERSION, "role": "roll"});
        let (lines, roll) = slow_upload(&hub, &glasgow);
        lines.send(Ok(format!("{header}\n"))).await.unwrap();
        let copy = glasgow.encode(&Pupil::EILIDH_IN_GLASGOW);
        let mut roll_body = format!("{header}\n");
        for i in 0..25u128 {
            let mut line = copy.clone();
            line["ref"] = json!(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(i.to_be_bytes()));
            lines.send(Ok(format!("{line}\n"))).await.unwrap();
            roll_body.push_str(&format!("{line}\n"));
        }
        // The roll's submission row is written once its first record line is read.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while rows_of(&hub, "gla-roll-slow").await.0 == 0 {
            assert!(std::time::Instant::now() < deadline, "the upload never began staging");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let (status, case) = status_and_json(leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await).await;
        assert_eq!((status, &case["n_candidates"]), (StatusCode::CREATED, &json!(0)), "{case}");
        drop(lines);
        let (status, roll) = status_and_json(roll.await.unwrap().unwrap()).await;
        assert_eq!((status, &roll["n_candidates"]), (StatusCode::CREATED, &json!(25)), "{roll}");
        let by_id: Vec<String> = sqlx::query_scalar("select batch_id from submissions order by id")
            .fetch_all(&mut hub.raw_connection().await).await.unwrap();
        assert_eq!(by_id, ["gla-roll-slow", "leeds-cme-1"], "the roll has the older id");
        let uninterrupted = candidate_pairs(&hub).await;
        assert_eq!(uninterrupted.len(), 25);

        let mut conn = hub.raw_connection().await;
        sqlx::query("delete from candidates").execute(&mut conn).await.unwrap();
        sqlx::query("update submissions set matched = 0").execute(&mut conn).await.unwrap();
        drop(conn);
        hub.restart().await;
        let (leeds, glasgow) = (leeds.at(&hub.url("")), glasgow.at(&hub.url("")));
        assert_eq!(candidate_pairs(&hub).await, uninterrupted, "matched as without the crash");
        let (status, again) = status_and_json(leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(again["n_candidates"], 0, "{again}");
        let (status, again) = status_and_json(glasgow.post_ndjson("/v1/submissions", roll_body).await).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(again["n_candidates"], 25, "{again}");
    }
}
