//! Faults under a running hub (issue #20 item 2): a write past the process's file-size limit
//! and a database another connection holds write-locked fail the request that meets them, with
//! a problem, and leave the hub serving; `/readyz` says not ready while writes cannot be taken.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sqlx::{Executor, Row};

use crate::helpers::{
    assert_database_unavailable, spawn_hub, status_and_json, Actor, Backend, Pupil, TestHub,
};

/// Records per submitted batch.
const BATCH: usize = 40;

/// The `i`th of many distinct made-up pupils, each with a surname of its own.
fn pupil(i: usize) -> Pupil {
    let letters: String = [i / 676, i / 26 % 26, i % 26]
        .iter()
        .map(|&n| char::from(b'a' + n as u8))
        .collect();
    Pupil {
        id: Box::leak(format!("F{i:05}").into_boxed_str()),
        forename: ["Ava", "Noah", "Isla", "Leo"][i % 4],
        surname: Box::leak(format!("Faultsurname{letters}").into_boxed_str()),
        dob: Box::leak(format!("2014-{:02}-{:02}", 1 + i % 12, 1 + i % 28).into_boxed_str()),
        sex: if i % 2 == 0 { "F" } else { "M" },
    }
}

/// The pupils of batch `n`.
fn batch(n: usize) -> Vec<Pupil> {
    (n * BATCH..(n + 1) * BATCH).map(pupil).collect()
}

/// `pupilmatch serve` run as its own process by `bash -c "LIMITS; exec pupilmatch serve …"`
/// on the database and hub key of a stopped [`TestHub`]; killed when dropped.
struct ServedBinary {
    child: Child,
    base: String,
    log: Arc<Mutex<String>>,
}

impl ServedBinary {
    async fn start(hub: &TestHub, limits: &str) -> ServedBinary {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new("bash")
            .arg("-c")
            .arg(format!("{limits}; exec \"$@\""))
            .arg("bash")
            .arg(env!("CARGO_BIN_EXE_pupilmatch"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--database", &hub.config.database_url])
            .arg("--hub-key")
            .arg(&hub.config.hub_key)
            .env("PUPILMATCH_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            // A pipe, not a file: a log file would meet the file-size limit too.
            .stderr(Stdio::piped())
            .spawn()
            .expect("pupilmatch serve starts");
        let log = Arc::new(Mutex::new(String::new()));
        let (mut stderr, kept) = (child.stderr.take().unwrap(), log.clone());
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n @ 1..) = stderr.read(&mut chunk) {
                kept.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&chunk[..n]));
            }
        });
        let mut served = ServedBinary {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        for _ in 0..600 {
            served.assert_running();
            let ready = reqwest::get(served.url("/readyz")).await;
            if ready.is_ok_and(|r| r.status() == StatusCode::OK) {
                return served;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the hub did not become ready: {}", served.log());
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    fn assert_running(&mut self) {
        let exited = self.child.try_wait().expect("the hub's status");
        assert!(
            exited.is_none(),
            "the hub ended ({exited:?}): {}",
            self.log()
        );
    }
}

impl Drop for ServedBinary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `(submissions, records)` rows the database holds for `authority`.
async fn stored(hub: &TestHub, authority: &str) -> (i64, i64) {
    let mut conn = hub.raw_connection().await;
    let mut counts = [0i64; 2];
    for (count, table) in counts.iter_mut().zip(["submissions", "records"]) {
        let sql = format!("select count(*) from {table} where authority_code = $1");
        *count = sqlx::query(&sql)
            .bind(authority)
            .fetch_one(&mut conn)
            .await
            .unwrap()
            .get::<i64, _>(0);
    }
    (counts[0], counts[1])
}

/// The probability of the best result of `searcher`'s national search for `pupil` (0 with none),
/// and the answer.
async fn best_probability(searcher: &Actor, pupil: &Pupil) -> (f64, serde_json::Value) {
    let (status, body) = status_and_json(searcher.search(pupil).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (
        body["results"][0]["probability"].as_f64().unwrap_or(0.0),
        body,
    )
}

/// Run under `ulimit -f`, the hub used to be killed by SIGXFSZ the moment SQLite's log reached
/// the limit, dropping the connection of the request that wrote. Now that request is answered
/// 503 `database-unavailable`, nothing of its batch is stored, the hub goes on
/// serving reads, the refused batch's records are not searchable, and once the limit is lifted
/// (no restart) the same batch is accepted.
#[tokio::test]
async fn a_write_past_the_file_size_limit_fails_the_request_not_the_hub() {
    let mut hub = spawn_hub(Backend::Sqlite).await;
    let (leeds, glasgow) = hub.leeds_and_glasgow().await;
    hub.stop().await;
    // 1 MiB per file past what SQLite's write-ahead log holds now (every commit appends to
    // it, and it is not checkpointed below 16 MiB): a few batches reach it.
    let database = hub.config.database_url.trim_start_matches("sqlite://");
    let database = database.split('?').next().unwrap();
    let wal_kib = std::fs::metadata(format!("{database}-wal")).map_or(0, |m| m.len() / 1024);
    let mut served = ServedBinary::start(&hub, &format!("ulimit -S -f {}", wal_kib + 1024)).await;
    let (leeds, glasgow) = (leeds.at(&served.base), glasgow.at(&served.base));

    let mut accepted = 0;
    let failed = loop {
        assert!(accepted < 100, "no write met the limit");
        let pupils = batch(accepted);
        let pupils: Vec<&Pupil> = pupils.iter().collect();
        let response = glasgow
            .submit_roll(&format!("gla-roll-{accepted}"), &pupils)
            .await;
        if response.status() != StatusCode::CREATED {
            break response;
        }
        accepted += 1;
    };
    assert_database_unavailable(failed).await;
    assert!(accepted > 0, "the first batch already met the limit");
    served.assert_running();
    // The signal is logged by a task of the hub's, read from its pipe by a thread of ours.
    let mut told = false;
    for _ in 0..100 {
        told = served.log().contains("file-size limit");
        if told {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(told, "the operator is told: {}", served.log());
    let health = reqwest::get(served.url("/healthz")).await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let (status, me) = status_and_json(glasgow.get("/v1/me").await).await;
    assert_eq!(status, StatusCode::OK, "a read is still served: {me}");
    assert_eq!(
        stored(&hub, &glasgow.code).await,
        (accepted as i64, (accepted * BATCH) as i64),
        "the refused batch left nothing in the database"
    );

    // The operator lifts the limit: the hub serves writes again without a restart.
    let lifted = Command::new("prlimit")
        .args(["--pid", &served.child.id().to_string(), "--fsize=unlimited"])
        .status()
        .expect("prlimit runs");
    assert!(lifted.success());
    let (best, body) = best_probability(&leeds, &batch(0)[0]).await;
    assert!(best > 0.9, "a stored pupil is found: {body}");
    // The refused batch never entered the index: its first pupil is not found itself, only
    // (this test's pupils being near namesakes) a stored one with a near-identical surname.
    let (_, body) = best_probability(&leeds, &batch(accepted)[0]).await;
    let exact_surname = body["results"].as_array().unwrap().iter().any(|r| {
        r["explanation"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["field"] == "surname" && f["level"] == "exact")
    });
    assert!(!exact_surname, "a refused pupil is not searchable: {body}");
    let pupils = batch(accepted);
    let pupils: Vec<&Pupil> = pupils.iter().collect();
    let (status, body) = status_and_json(
        glasgow
            .submit_roll(&format!("gla-roll-{accepted}"), &pupils)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "the retried batch: {body}");
    served.assert_running();
}

/// While another connection (a backup, an operator's `sqlite3` shell) holds SQLite's write
/// lock, the database answers reads but takes no write: `/readyz` says not ready at once, a
/// submission and a search (which is audited) are each answered 503 after the busy timeout,
/// reads that write nothing are served, and once the lock is let go the hub is ready and the
/// same requests succeed, without a restart.
#[tokio::test]
async fn while_another_connection_holds_the_write_lock_writes_get_503_and_reads_are_served() {
    let hub = spawn_hub(Backend::Sqlite).await;
    let (leeds, glasgow) = hub.leeds_and_glasgow().await;
    let (status, body) = status_and_json(
        glasgow
            .submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let mut holder = hub.raw_connection().await;
    holder.execute("begin immediate").await.unwrap();
    let asked = Instant::now();
    let ready = reqwest::get(hub.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "the probe waited {:?}",
        asked.elapsed()
    );
    let (status, me) = status_and_json(leeds.get("/v1/me").await).await;
    assert_eq!(status, StatusCode::OK, "a read is served: {me}");
    let (submitted, searched) = tokio::join!(
        glasgow.submit_roll("gla-roll-2", &[&Pupil::SIOBHAN]),
        leeds.search(&Pupil::EILIDH),
    );
    assert_database_unavailable(submitted).await;
    assert_database_unavailable(searched).await;
    let health = reqwest::get(hub.url("/healthz")).await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);

    holder.execute("rollback").await.unwrap();
    let ready = reqwest::get(hub.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let (status, body) =
        status_and_json(glasgow.submit_roll("gla-roll-2", &[&Pupil::SIOBHAN]).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (best, body) = best_probability(&leeds, &Pupil::EILIDH).await;
    assert!(best > 0.9, "{body}");
}
