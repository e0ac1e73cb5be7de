//! The audit log: every security-relevant event is chained with links keyed by the hub key; a
//! tampered log fails verification (through the API and `pupilmatch audit verify` against the
//! database), also when the thief re-hashes the chain, re-files events under other parties or
//! removes its newest events (caught against a signed checkpoint an authority kept); each
//! authority's events export for its data-protection officer; searches are rate-limited and
//! audited.

use std::path::{Path, PathBuf};

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::{Connection, Executor};

use crate::both_backends;
use crate::helpers::{
    assert_problem, spawn_hub, spawn_hub_with, status_and_json, Actor, Backend, Pupil, TestHub,
};
use pupilmatch::store::audit::link::{legacy_link, LinkInput, GENESIS};
use pupilmatch::store::AuditEvent;

async fn verify(hub: &TestHub, operator_key: &str) -> Value {
    let response = reqwest::Client::new()
        .get(hub.url("/v1/audit/verify"))
        .bearer_auth(operator_key)
        .send()
        .await
        .unwrap();
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Alters stored audit events as an intruder with write access to the database would, going
/// around the append-only triggers.
async fn tamper(hub: &TestHub, backend: Backend, sql: &str) {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&hub.config.database_url)
        .await
        .unwrap();
    let bypass = match backend {
        Backend::Sqlite => {
            "drop trigger if exists audit_events_no_update; drop trigger if exists audit_events_no_delete;"
        }
        Backend::Postgres => "alter table audit_events disable trigger audit_events_no_update;",
    };
    conn.execute(bypass).await.unwrap();
    conn.execute(sql).await.unwrap();
    conn.close().await.unwrap();
}

type StoredRow = (i64, String, String, String, String, String);

/// The events as stored, oldest first: (id, at, actor, action, subject, detail).
async fn stored_events(hub: &TestHub) -> Vec<StoredRow> {
    let pool = sqlx::AnyPool::connect(&hub.config.database_url)
        .await
        .unwrap();
    let rows = sqlx::query_as(
        "select id, at, actor, action, subject, detail from audit_events order by id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows
}

/// Recomputes every link from the first event on with the published unkeyed SHA-256 formula
/// (all a thief without the hub key can compute), after `edit` changed the rows, and writes
/// them back with `scheme` (2 keeps the keyed label, 1 passes them off as legacy links).
async fn rehash_without_the_key(
    hub: &TestHub,
    backend: Backend,
    scheme: i64,
    edit: impl Fn(&mut StoredRow),
) {
    let mut prev = GENESIS.to_string();
    let mut sql = String::new();
    for mut row in stored_events(hub).await {
        edit(&mut row);
        let (id, at, actor, action, subject, detail) = row;
        let input = LinkInput {
            at: &at,
            actor: &actor,
            action: &action,
            subject: &subject,
            detail: &detail,
            parties: &[],
        };
        let hash = legacy_link(&prev, &input);
        sql.push_str(&format!(
            "update audit_events set detail = '{detail}', prev_hash = '{prev}', hash = '{hash}', scheme = {scheme} where id = {id};"
        ));
        prev = hash;
    }
    tamper(hub, backend, &sql).await;
}

/// Whatever a command printed, both streams.
fn printed(output: std::process::Output) -> (Option<i32>, String) {
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    (output.status.code(), text)
}

/// `pupilmatch audit verify` against the hub's database, with its hub key and `checkpoints`.
fn cli_verify_with(hub: &TestHub, checkpoints: &[&Path]) -> (Option<i32>, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_pupilmatch"));
    command.args(["audit", "verify", "--database", &hub.config.database_url]);
    command.arg("--hub-key").arg(&hub.config.hub_key);
    for checkpoint in checkpoints {
        command.arg("--checkpoint").arg(checkpoint);
    }
    printed(
        command
            .env_remove("PUPILMATCH_LOG")
            .output()
            .expect("pupilmatch runs"),
    )
}

fn cli_verify(hub: &TestHub) -> (Option<i32>, String) {
    cli_verify_with(hub, &[])
}

/// `pupilmatch audit checkpoint` as `authority`, keeping what it learns in `dir` (run off the
/// test's runtime, which serves the hub meanwhile).
async fn cli_checkpoint(hub: &TestHub, authority: &Actor, dir: &Path) -> (Option<i32>, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_pupilmatch"));
    command
        .args(["audit", "checkpoint", "--hub", &hub.url("")])
        .arg("--keep-in")
        .arg(dir)
        .env("PUPILMATCH_API_KEY", &authority.key)
        .env_remove("PUPILMATCH_LOG");
    let output = tokio::task::spawn_blocking(move || command.output().expect("pupilmatch runs"))
        .await
        .unwrap();
    printed(output)
}

/// The hub's signed checkpoint as `authority` fetches it, written to `dir/name`.
async fn save_checkpoint(authority: &Actor, dir: &Path, name: &str) -> (PathBuf, Value) {
    let (status, checkpoint) = status_and_json(authority.get("/v1/audit/checkpoint").await).await;
    assert_eq!(status, StatusCode::OK, "{checkpoint}");
    let path = dir.join(name);
    std::fs::write(&path, checkpoint.to_string()).unwrap();
    (path, checkpoint)
}

/// Appends `n` ordinary events through the hub's own (keyed) store.
async fn append_events(hub: &TestHub, n: usize) {
    let events = (0..n)
        .map(|i| AuditEvent::new("authority:383", "candidates.list", &format!("page-{i}")))
        .collect();
    hub.store.audit_all(events).await.unwrap();
}

both_backends! {
    /// Editing one event's detail breaks the chain from that event on; the API and the
    /// operator's command both say where.
    async fn a_tampered_audit_log_fails_verification(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let operator = hub.store.issue_key(None, "ops").await.unwrap();
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        glasgow.submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW]).await;
        leeds.candidates("").await;
        let before = verify(&hub, &operator).await;
        assert_eq!(before["intact"], true, "{before}");
        assert!(before["n_events"].as_u64().unwrap() >= 8, "{before}");
        let (code, out) = cli_verify(&hub);
        assert_eq!(code, Some(0), "{out}");
        assert!(out.contains("intact"), "{out}");

        let (target,): (i64,) = sqlx::query_as("select id from audit_events where action = 'submission.accept' order by id limit 1")
            .fetch_one(&sqlx::AnyPool::connect(&hub.config.database_url).await.unwrap()).await.unwrap();
        tamper(&hub, backend, &format!("update audit_events set detail = '{{\"n_records\":0}}' where id = {target}")).await;
        let after = verify(&hub, &operator).await;
        assert_eq!(after["intact"], false, "{after}");
        assert_eq!(after["first_broken"], target);
        let (code, out) = cli_verify(&hub);
        assert_eq!(code, Some(3), "{out}");
        assert!(out.contains(&format!("BROKEN at event {target}")), "{out}");
    }

    /// Removing an event (even the last one's predecessor) is detected too.
    async fn a_deleted_audit_event_fails_verification(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let operator = hub.store.issue_key(None, "ops").await.unwrap();
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        glasgow.submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW]).await;
        let sql = match backend {
            Backend::Sqlite => "delete from audit_parties where event_id = 3; delete from audit_events where id = 3",
            Backend::Postgres => "alter table audit_events disable trigger all; delete from audit_parties where event_id = 3; delete from audit_events where id = 3",
        };
        tamper(&hub, backend, sql).await;
        let after = verify(&hub, &operator).await;
        assert_eq!(after["intact"], false, "{after}");
        assert_eq!(after["first_broken"], 4);
    }

    /// An authority's export holds its own submissions, views and decisions, and the
    /// candidate events it is party to, never another authority's own business.
    async fn each_authority_exports_the_events_that_concern_it(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        leeds.register_disclosure_key().await;
        glasgow.register_disclosure_key().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        glasgow.submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW]).await;
        let id = leeds.only_candidate().await;
        let (status, _) = status_and_json(leeds.confirm(id, &Pupil::EILIDH).await).await;
        assert_eq!(status, StatusCode::OK);

        let actions = |body: &Value| -> Vec<String> {
            body["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_string()).collect()
        };
        let (status, leeds_events) = status_and_json(leeds.get("/v1/audit/events").await).await;
        assert_eq!(status, StatusCode::OK, "{leeds_events}");
        let leeds_actions = actions(&leeds_events);
        for action in ["disclosure_key.register", "submission.accept", "candidates.list", "candidate.view", "candidate.confirm"] {
            assert!(leeds_actions.iter().any(|a| a == action), "{action} in {leeds_actions:?}");
        }
        let (_, glasgow_events) = status_and_json(glasgow.get("/v1/audit/events").await).await;
        let glasgow_actions = actions(&glasgow_events);
        assert!(glasgow_actions.iter().any(|a| a == "candidate.confirm"), "Glasgow is party to Leeds's confirmation");
        let leeds_batches: Vec<&Value> = glasgow_events["events"].as_array().unwrap().iter()
            .filter(|e| e["action"] == "submission.accept" && e["subject"] == "leeds-cme-1").collect();
        assert!(leeds_batches.is_empty(), "Leeds's own submission is not Glasgow's business");
        for event in leeds_events["events"].as_array().unwrap() {
            assert_eq!(event["hash"].as_str().unwrap().len(), 64);
        }

        // Operators export any authority's events; authorities cannot use that route.
        let operator = hub.store.issue_key(None, "dpo-desk").await.unwrap();
        let as_operator = leeds.with_key(&operator);
        let (status, body) = status_and_json(as_operator.get("/v1/audit/authorities/383/events").await).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(actions(&body).iter().any(|a| a == "audit.export"), "exports are audited");
        assert_problem(glasgow.get("/v1/audit/authorities/383/events").await, StatusCode::FORBIDDEN, "forbidden").await;
    }

    /// Searches arriving together are audited in one group commit: every one is in the
    /// chain, the chain verifies, and each authority's export holds its own searches only.
    async fn concurrent_searches_are_each_audited_in_an_intact_chain(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let operator = hub.store.issue_key(None, "ops").await.unwrap();
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        let searches = (0..24).map(|i| {
            let (actor, pupil) = if i % 3 == 0 { (&glasgow, &Pupil::EILIDH) } else { (&leeds, &Pupil::KACPER) };
            async move { status_and_json(actor.search(pupil).await).await.0 }
        });
        let statuses = futures_util::future::join_all(searches).await;
        assert!(statuses.iter().all(|s| *s == StatusCode::OK), "{statuses:?}");

        let report = verify(&hub, &operator).await;
        assert_eq!(report["intact"], true, "{report}");
        let searches_of = |body: &Value| body["events"].as_array().unwrap().iter().filter(|e| e["action"] == "search.perform").count();
        let (_, leeds_events) = status_and_json(leeds.get("/v1/audit/events").await).await;
        let (_, glasgow_events) = status_and_json(glasgow.get("/v1/audit/events").await).await;
        assert_eq!((searches_of(&leeds_events), searches_of(&glasgow_events)), (16, 8));
    }

    /// Searches beyond an authority's rate limit are refused with Retry-After, and both the
    /// searches and the refusal are audited.
    async fn searches_are_rate_limited_per_authority_and_audited(backend: Backend) {
        let hub = spawn_hub_with(backend, |c| c.policy.searches_per_minute = 3).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        for _ in 0..3 {
            let (status, body) = status_and_json(leeds.search(&Pupil::KACPER).await).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let refused = leeds.search(&Pupil::KACPER).await;
        let retry_after: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=20).contains(&retry_after), "{retry_after}");
        assert_problem(refused, StatusCode::TOO_MANY_REQUESTS, "rate-limited").await;
        let (status, _) = status_and_json(glasgow.search(&Pupil::EILIDH).await).await;
        assert_eq!(status, StatusCode::OK, "limits are per authority");

        let (_, body) = status_and_json(leeds.get("/v1/audit/events").await).await;
        let count = |action: &str| body["events"].as_array().unwrap().iter().filter(|e| e["action"] == action).count();
        assert_eq!((count("search.perform"), count("search.rate_limited")), (3, 1));
    }

    /// A thief with write access who removes the newest 100 events leaves a chain that holds
    /// link by link; a checkpoint an authority kept before shows it, both to the operator's
    /// `audit verify --checkpoint` and to the authority at its next checkpoint.
    async fn truncating_the_last_100_events_is_caught_against_a_checkpoint(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, _glasgow) = hub.leeds_and_glasgow().await;
        append_events(&hub, 120).await;
        let kept = tempfile::tempdir().unwrap();
        let (code, out) = cli_checkpoint(&hub, &leeds, kept.path()).await;
        assert_eq!(code, Some(0), "{out}");
        assert!(out.contains("pinned"), "{out}");
        let checkpoint = kept.path().join("audit-checkpoint.json");
        let (code, out) = cli_verify_with(&hub, &[&checkpoint]);
        assert_eq!(code, Some(0), "{out}");
        assert!(out.contains("agrees with 1 signed checkpoint"), "{out}");

        let (n,): (i64,) = sqlx::query_as("select count(*) from audit_events")
            .fetch_one(&sqlx::AnyPool::connect(&hub.config.database_url).await.unwrap()).await.unwrap();
        let (last,): (i64,) = sqlx::query_as("select max(id) from audit_events")
            .fetch_one(&sqlx::AnyPool::connect(&hub.config.database_url).await.unwrap()).await.unwrap();
        let cut = last - 100;
        tamper(&hub, backend, &format!(
            "delete from audit_parties where event_id > {cut}; delete from audit_events where id > {cut}"
        )).await;
        let (code, out) = cli_verify(&hub);
        assert_eq!(code, Some(0), "the database alone cannot show a cut at its end: {out}");
        let (code, out) = cli_verify_with(&hub, &[&checkpoint]);
        assert_eq!(code, Some(3), "{out}");
        assert!(out.contains(&format!("holds {} events, fewer than the {n}", n - 100)), "{out}");
        // Leeds's next checkpoint raises the alarm at Leeds too, and the one kept is not replaced.
        let (code, out) = cli_checkpoint(&hub, &leeds, kept.path()).await;
        assert_eq!(code, Some(3), "{out}");
        assert!(out.contains("ALERT") && out.contains("events were removed"), "{out}");
        let still: Value = serde_json::from_str(&std::fs::read_to_string(&checkpoint).unwrap()).unwrap();
        assert_eq!(still["n_events"], n);
    }

    /// Re-hashing the whole chain after an edit, with SHA-256 and no key, breaks the first
    /// keyed link; passing the re-hashed links off as legacy ones is caught against a
    /// checkpoint.
    async fn rehashing_the_whole_chain_after_an_edit_is_caught(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let operator = hub.store.issue_key(None, "ops").await.unwrap();
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        glasgow.submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW]).await;
        let kept = tempfile::tempdir().unwrap();
        let (checkpoint, _) = save_checkpoint(&leeds, kept.path(), "checkpoint.json").await;
        let first = stored_events(&hub).await[0].0;
        let edit = |row: &mut StoredRow| {
            if row.3 == "submission.accept" {
                row.5 = r#"{"n_records":0}"#.to_string();
            }
        };

        rehash_without_the_key(&hub, backend, 2, edit).await;
        let report = verify(&hub, &operator).await;
        assert_eq!(report["intact"], false, "{report}");
        assert_eq!(report["first_broken"], first, "{report}");
        let (code, out) = cli_verify(&hub);
        assert_eq!(code, Some(3), "{out}");
        assert!(out.contains(&format!("BROKEN at event {first}")), "{out}");

        rehash_without_the_key(&hub, backend, 1, edit).await;
        let (code, out) = cli_verify_with(&hub, &[&checkpoint]);
        assert_eq!(code, Some(3), "{out}");
        assert!(out.contains("DISAGREES with a checkpoint") && out.contains("rewritten"), "{out}");
        // Without any checkpoint too: the hub recorded beside its key, outside the database,
        // that its chain opened with no legacy link.
        let report = verify(&hub, &operator).await;
        assert_eq!(report["intact"], false, "{report}");
        assert_eq!(report["first_broken"], first, "{report}");
        assert!(report["why"].as_str().unwrap().contains("passed off as legacy"), "{report}");
        let (code, out) = cli_verify(&hub);
        assert_eq!(code, Some(3), "{out}");
        assert!(out.contains("beyond the 0 recorded beside the hub key"), "{out}");
    }

    /// Filing an event under another authority, or taking one out of an authority's export,
    /// breaks that event's link.
    async fn changing_audit_parties_is_caught(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let operator = hub.store.issue_key(None, "ops").await.unwrap();
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        glasgow.submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW]).await;
        let pool = sqlx::AnyPool::connect(&hub.config.database_url).await.unwrap();
        let (leeds_batch,): (i64,) = sqlx::query_as("select id from audit_events where action = 'submission.accept' and subject = 'leeds-cme-1'")
            .fetch_one(&pool).await.unwrap();
        let (glasgow_batch,): (i64,) = sqlx::query_as("select id from audit_events where action = 'submission.accept' and subject = 'gla-roll-1'")
            .fetch_one(&pool).await.unwrap();
        pool.close().await;

        tamper(&hub, backend, &format!(
            "insert into audit_parties (event_id, authority_code) values ({leeds_batch}, 'S12000049')"
        )).await;
        let report = verify(&hub, &operator).await;
        assert_eq!((report["intact"].clone(), report["first_broken"].clone()), (Value::Bool(false), Value::from(leeds_batch)), "{report}");
        tamper(&hub, backend, &format!(
            "delete from audit_parties where event_id = {leeds_batch} and authority_code = 'S12000049'; \
             delete from audit_parties where event_id = {glasgow_batch}"
        )).await;
        let report = verify(&hub, &operator).await;
        assert_eq!(report["first_broken"], glasgow_batch, "{report}");
        let (code, out) = cli_verify(&hub);
        assert_eq!(code, Some(3), "{out}");
        assert!(out.contains(&format!("BROKEN at event {glasgow_batch}")), "{out}");
    }

    /// A checkpoint whose fields were changed after signing, or one signed by another hub's
    /// key, is refused by the operator's verify and by an authority that pinned this hub.
    async fn a_checkpoint_with_a_bad_signature_or_from_another_hub_key_is_refused(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, _glasgow) = hub.leeds_and_glasgow().await;
        let other_hub = spawn_hub(backend).await;
        let (other_leeds, _) = other_hub.leeds_and_glasgow().await;
        let dir = tempfile::tempdir().unwrap();
        let (path, mut checkpoint) = save_checkpoint(&leeds, dir.path(), "good.json").await;
        assert_eq!(checkpoint["format"], "pupilmatch-audit-checkpoint/1");
        assert_eq!(checkpoint["head"].as_str().unwrap().len(), 64);
        let (code, out) = cli_verify_with(&hub, &[&path]);
        assert_eq!(code, Some(0), "{out}");

        checkpoint["n_events"] = Value::from(checkpoint["n_events"].as_u64().unwrap() + 1);
        let forged = dir.path().join("forged.json");
        std::fs::write(&forged, checkpoint.to_string()).unwrap();
        let (code, out) = cli_verify_with(&hub, &[&forged]);
        assert_ne!(code, Some(0), "{out}");
        assert!(out.contains("signature does not verify"), "{out}");

        let (foreign, _) = save_checkpoint(&other_leeds, dir.path(), "foreign.json").await;
        let (code, out) = cli_verify_with(&hub, &[&foreign]);
        assert_ne!(code, Some(0), "{out}");
        assert!(out.contains("not by"), "{out}");

        let kept = dir.path().join("leeds");
        let (code, out) = cli_checkpoint(&hub, &leeds, &kept).await;
        assert_eq!(code, Some(0), "{out}");
        let (code, out) = cli_checkpoint(&other_hub, &other_leeds, &kept).await;
        assert_eq!(code, Some(3), "{out}");
        assert!(out.contains("REFUSED: the hub's audit signing key changed"), "{out}");
    }

    /// A database written before links were keyed still verifies: its unkeyed links open the
    /// chain, every later event is keyed, and the output says so. An unkeyed link after a keyed
    /// one is refused.
    async fn a_legacy_unkeyed_prefix_still_verifies(backend: Backend) {
        let mut hub = spawn_hub(backend).await;
        let operator = hub.store.issue_key(None, "ops").await.unwrap();
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        // What migration 0008 (SQLite) / 0010 (PostgreSQL) leaves of a chain written before: scheme 1, SHA-256 links.
        rehash_without_the_key(&hub, backend, 1, |_| {}).await;
        let n_legacy = stored_events(&hub).await.len() as u64;
        // The first start of this version on that database records its legacy links.
        let record = pupilmatch::hub::key_custody::legacy_links_record(&hub.config.hub_key);
        std::fs::remove_file(&record).unwrap();
        hub.restart().await;
        assert_eq!(std::fs::read_to_string(&record).unwrap(), format!("{n_legacy}\n"));
        let (leeds, glasgow) = (leeds.at(&hub.url("")), glasgow.at(&hub.url("")));
        let (status, body) = status_and_json(leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (status, body) = status_and_json(glasgow.submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW]).await).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let report = verify(&hub, &operator).await;
        assert_eq!(report["intact"], true, "{report}");
        assert_eq!(report["n_legacy"], n_legacy, "{report}");
        assert!(report["n_events"].as_u64().unwrap() > n_legacy, "{report}");
        let (code, out) = cli_verify(&hub);
        assert_eq!(code, Some(0), "{out}");
        assert!(out.contains(&format!("the first {n_legacy} events carry legacy unkeyed links")), "{out}");

        // The newest (keyed) event passed off as a legacy one, with a correct legacy link.
        let events = stored_events(&hub).await;
        let (id, at, actor, action, subject, detail) = events.last().unwrap().clone();
        let pool = sqlx::AnyPool::connect(&hub.config.database_url).await.unwrap();
        let (prev,): (String,) = sqlx::query_as(&format!("select prev_hash from audit_events where id = {id}"))
            .fetch_one(&pool).await.unwrap();
        pool.close().await;
        let input = LinkInput { at: &at, actor: &actor, action: &action, subject: &subject, detail: &detail, parties: &[] };
        let hash = legacy_link(&prev, &input);
        tamper(&hub, backend, &format!("update audit_events set hash = '{hash}', scheme = 1 where id = {id}")).await;
        let report = verify(&hub, &operator).await;
        assert_eq!(report["first_broken"], id, "{report}");
        assert!(report["why"].as_str().unwrap().contains("legacy link after keyed"), "{report}");
    }
}
