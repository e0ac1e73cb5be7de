//! The audit log: every security-relevant event is chained; a tampered log fails verification
//! (through the API and `pupilmatch audit verify` against the database); each authority's
//! events export for its data-protection officer; searches are rate-limited and audited.

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::{Connection, Executor};

use crate::both_backends;
use crate::helpers::{
    assert_problem, spawn_hub, spawn_hub_with, status_and_json, Backend, Pupil, TestHub,
};

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

/// Alters stored audit events as an intruder with database access would, going around the
/// append-only triggers.
async fn tamper(hub: &TestHub, backend: Backend, sql: &str) {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&hub.config.database_url)
        .await
        .unwrap();
    let bypass = match backend {
        Backend::Sqlite => {
            "drop trigger audit_events_no_update; drop trigger audit_events_no_delete;"
        }
        Backend::Postgres => "alter table audit_events disable trigger audit_events_no_update;",
    };
    conn.execute(bypass).await.unwrap();
    conn.execute(sql).await.unwrap();
    conn.close().await.unwrap();
}

fn cli_verify(hub: &TestHub) -> (Option<i32>, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_pupilmatch"))
        .args(["audit", "verify", "--database", &hub.config.database_url])
        .output()
        .expect("pupilmatch runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
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
}
