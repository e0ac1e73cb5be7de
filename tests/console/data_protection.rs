//! The data-protection page in the browser: Leeds's DPO reads the terms of its agreement with
//! every member by name, and downloads Leeds's audit events as CSV and JSON lines — the same
//! events the hub exports to Leeds, the download itself audited.

use pupilmatch::console::auth::SESSION_COOKIE;
use reqwest::StatusCode;

use crate::{signed_in, Side};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dpo_reads_the_agreements_terms_and_downloads_the_audit_log_as_csv_and_json_lines() {
    let (world, _driver, leeds) = signed_in(Side::Leeds).await;
    leeds.follow("Data protection").await;
    assert_eq!(leeds.path().await, "/data-protection");
    let agreements = leeds
        .text_of("section[aria-labelledby='h-agreements']")
        .await;
    for expected in [
        "eng-scot-cme",
        "Purpose",
        "Lawful basis",
        "Retention",
        "Key epochs accepted",
        "Leeds City Council (383) — us",
        "Glasgow City Council (S12000049)",
    ] {
        assert!(agreements.contains(expected), "{expected} in {agreements}");
    }
    leeds.record("data-protection").await;

    let cookie = leeds
        .client
        .get_named_cookie(SESSION_COOKIE)
        .await
        .expect("the session cookie");
    let download = |path: &'static str| {
        reqwest::Client::new()
            .get(world.leeds.at(path))
            .header("cookie", format!("{SESSION_COOKIE}={}", cookie.value()))
            .send()
    };
    let jsonl = download("/data-protection/audit.jsonl")
        .await
        .expect("answer");
    assert_eq!(jsonl.status(), StatusCode::OK);
    assert!(jsonl.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"audit-383-"));
    let lines: Vec<serde_json::Value> = jsonl
        .text()
        .await
        .expect("body")
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    let direct = world.leeds.hub.own_audit_events().await.expect("events");
    // The export above is audited, so the hub now holds one more event than it sent.
    assert_eq!(lines[..], direct[..lines.len()]);
    assert_eq!(direct.len(), lines.len() + 1);
    assert_eq!(direct.last().unwrap()["action"], "audit.export");
    assert!(
        lines.iter().all(|e| e["hash"].is_string()),
        "chain hashes kept"
    );

    let csv = download("/data-protection/audit.csv")
        .await
        .expect("answer");
    assert_eq!(csv.status(), StatusCode::OK);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.expect("body");
    let mut rows = csv.lines();
    assert_eq!(rows.next(), Some("id,at,actor,action,subject,detail"));
    assert!(
        rows.count() > lines.len(),
        "one row per event, the JSON export's audit too"
    );

    let signed_out = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(world.leeds.at("/data-protection/audit.csv"))
        .send()
        .await
        .expect("answer");
    assert_eq!(
        signed_out.status(),
        StatusCode::SEE_OTHER,
        "no session, no export"
    );
}
