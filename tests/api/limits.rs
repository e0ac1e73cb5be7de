//! Daily limits per member authority and agreement: the hub is not an oracle (issue #18).

use std::collections::HashSet;

use pupilmatch::client::SearchQuery;
use pupilmatch::input::RawRecord;
use pupilmatch::store::{AgreementLimits, DailyLimit, DailyLimits, Metered};
use pupilmatch::synth::{generate, SynthConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{
    as_case, assert_problem, captured_logs, spawn_hub, spawn_hub_with, status_and_json, Actor,
    Pupil, TestHub, AGREEMENT,
};

/// Children on the target's roll in the attack.
const ROLL_SIZE: usize = 5_000;

/// The default open cases per member and UTC day.
const CASES_PER_DAY: u64 = 50;

/// A roll of `n` synthetic children with realistic names (the synthetic population of
/// `bench matcher`), each as the target authority's file holds it.
fn roll_of(n: usize) -> Vec<RawRecord> {
    let population = generate(&SynthConfig {
        seed: 18,
        pupils: n + n / 5,
        movers: 0,
        unmatched_missing: 0,
    });
    let roll: Vec<RawRecord> = population.roll.into_iter().take(n).collect();
    assert_eq!(roll.len(), n, "the synthetic population is large enough");
    roll
}

/// The attacker's guesses: alternately a real child of `roll` (name, date of birth and sex,
/// as if read off a class list; no identifier) and a fabricated one (a real forename with
/// another child's surname and date of birth).
fn guesses(roll: &[RawRecord], n: usize) -> Vec<RawRecord> {
    (0..n)
        .map(|i| {
            let child = &roll[i * 7 % roll.len()];
            let other = &roll[(i * 7 + roll.len() / 2) % roll.len()];
            let (surname, dob) = if i % 2 == 0 {
                (&child.surname, &child.dob)
            } else {
                (&other.surname, &other.dob)
            };
            RawRecord {
                record_id: Some(format!("GUESS-{i}")),
                forename: child.forename.clone(),
                surname: surname.clone(),
                dob: dob.clone(),
                sex: child.sex.clone(),
                ..RawRecord::default()
            }
        })
        .collect()
}

/// Submits `records` (already encoded) as open cases.
async fn report(actor: &Actor, batch_id: &str, records: &[Value]) -> reqwest::Response {
    let body = actor.submission(batch_id, "missing", records.to_vec());
    actor.post("/v1/submissions", &body).await
}

/// The distinct roll records of `holder` that some candidate proposes.
async fn located(holder: &Actor) -> usize {
    let candidates = holder.candidates("?limit=1000").await;
    let refs: HashSet<&str> = candidates
        .iter()
        .filter(|c| c["record"]["role"] == "roll")
        .filter_map(|c| c["record"]["ref"].as_str())
        .collect();
    refs.len()
}

/// The activity report `actor` reads, and its row for `authority` today under [`AGREEMENT`].
async fn activity_row(actor: &Actor, authority: &str) -> (Value, Value) {
    let (status, report) = status_and_json(actor.get("/v1/agreements/activity").await).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let agreement = report["agreements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["agreement_id"] == AGREEMENT)
        .cloned()
        .unwrap_or_else(|| panic!("{AGREEMENT} in {report}"));
    let row = agreement["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["authority"] == authority && d["day"] == report["to"])
        .cloned()
        .unwrap_or(Value::Null);
    (agreement, row)
}

/// The actions of the events in `actor`'s audit export.
async fn audited(actor: &Actor) -> Vec<Value> {
    let (_, body) = status_and_json(actor.get("/v1/audit/events?limit=10000").await).await;
    body["events"].as_array().unwrap().clone()
}

/// Sets the agreement's limits, as `pupilmatch admin agreement limits` does.
async fn set_limits(hub: &TestHub, cases: Option<u32>, searches: Option<u32>) {
    let limits = AgreementLimits {
        cases_per_day: cases,
        searches_per_day: searches,
    };
    hub.store
        .set_agreement_limits(AGREEMENT, limits)
        .await
        .expect("limits set");
}

/// `n` distinct open cases of `actor` (the same child under `n` local record ids).
fn cases(actor: &Actor, prefix: &'static str, n: usize) -> Vec<Value> {
    let ids: Vec<&'static str> = (0..n)
        .map(|i| &*Box::leak(format!("{prefix}-{i}").into_boxed_str()))
        .collect();
    ids.iter()
        .map(|id| actor.encode_case(&Pupil::DAFYDD.with_id(id)))
        .collect()
}

both_backends! {
    /// The fabricated-cases attack of issue #18, measured. Glasgow holds a roll of 5,000
    /// children: a small authority's roll (Glasgow's real one is about 70,000; an English
    /// authority averages about 55,000: 8.5 million state-funded pupils over 153 authorities,
    /// domain notes §8). Leeds, a
    /// member holding the agreement secret and an API key, guesses 300 children by name, date
    /// of birth and sex (every other guess a real child of Glasgow's roll, the rest
    /// fabricated) and submits them as open cases: first all at once, then 25 at a time.
    ///
    /// With the default limit of 50 open cases per member and UTC day the hub accepts at most
    /// 50 cases a day, each proposing candidates for at most the children it names, so Leeds
    /// locates at most 50 of Glasgow's children a day: 50 / 5,000 = 1.0% of this small roll
    /// (0.07% of Glasgow's real roll, 0.09% of an average English authority's), against 91.2%
    /// in one 5.7 s submission without limits. Both refusals are audited (in every member's
    /// export), logged as warnings and counted on the activity route every member reads; the
    /// roll of 5,000, itself a submission, is not limited. When the operator lifts the limit,
    /// the next request is accepted and the same guesses locate every real child guessed: the
    /// limit, not the guesses, is what bounded the attack.
    async fn fabricated_cases_locate_at_most_one_percent_of_another_roll_per_day(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        let roll = roll_of(ROLL_SIZE);
        let encoded: Vec<Value> = roll.iter().filter_map(|r| glasgow.encode_raw(r)).collect();
        assert!(encoded.len() >= ROLL_SIZE * 99 / 100, "{} of {ROLL_SIZE} encode", encoded.len());
        let n_roll = encoded.len();
        let body = glasgow.submission("gla-roll", "roll", encoded);
        let (status, body) = status_and_json(glasgow.post("/v1/submissions", &body).await).await;
        assert_eq!(status, StatusCode::CREATED, "a roll is not limited by the case limit: {body}");
        assert_eq!(body["n_records"], n_roll);

        let guessed = guesses(&roll, 300);
        let fabricated: Vec<Value> = guessed.iter().map(|g| as_case(leeds.encode_raw(g).expect("a valid guess"))).collect();
        let before = hub.written_rows().await;
        let refused = report(&leeds, "guess-all", &fabricated).await;
        let retry_after: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=86_400).contains(&retry_after), "until the next UTC day: {retry_after}");
        let problem = assert_problem(refused, StatusCode::TOO_MANY_REQUESTS, "daily-limit-reached").await;
        assert_eq!(problem["limit"]["agreement_id"], AGREEMENT, "{problem}");
        assert_eq!((&problem["limit"]["metered"], &problem["limit"]["per_day"]), (&json!("cases"), &json!(CASES_PER_DAY)));
        assert_eq!((&problem["limit"]["used"], &problem["limit"]["requested"]), (&json!(0), &json!(300)));
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains("50 cases") && detail.contains(AGREEMENT) && detail.contains("300 more refused"), "{detail}");
        let [submissions, records, candidates, _] = hub.written_rows().await;
        assert_eq!([submissions, records, candidates], before[..3], "a refused submission stores nothing");

        let mut accepted = 0;
        let mut refusal = None;
        for (i, batch) in fabricated.chunks(25).enumerate() {
            let response = report(&leeds, &format!("guess-{i}"), batch).await;
            if response.status() == StatusCode::CREATED {
                accepted += batch.len() as u64;
            } else {
                refusal = Some(assert_problem(response, StatusCode::TOO_MANY_REQUESTS, "daily-limit-reached").await);
                break;
            }
        }
        assert_eq!(accepted, CASES_PER_DAY, "at most the limit is accepted in a day");
        let refusal = refusal.expect("the batch past the limit is refused");
        assert_eq!((&refusal["limit"]["used"], &refusal["limit"]["requested"]), (&json!(50), &json!(25)));

        let n_located = located(&glasgow).await;
        let share = n_located as f64 / n_roll as f64;
        eprintln!(
            "fabricated-cases attack ({backend:?}): 300 guesses, {accepted} accepted today, \
             {n_located} of {n_roll} children located ({:.2}% per day)",
            100.0 * share
        );
        assert!(n_located as u64 <= accepted && share <= 0.01, "{n_located} located");
        assert!(n_located >= 20, "the real children among the accepted guesses are found: {n_located}");

        let (agreement, row) = activity_row(&glasgow, "383").await;
        assert_eq!(agreement["limits"], json!({"cases_per_day": 50, "searches_per_day": 200}));
        assert_eq!(agreement["members"], json!(["383", "S12000049"]));
        assert_eq!((&row["cases_submitted"], &row["limit_hits"]), (&json!(50), &json!(2)), "{row}");
        assert_eq!(row["candidates_proposed"].as_u64().unwrap(), candidates_of(&hub).await, "{row}");
        let (_, glasgow_row) = activity_row(&glasgow, "S12000049").await;
        assert_eq!((&glasgow_row["cases_submitted"], &glasgow_row["roll_records_submitted"]), (&json!(0), &json!(n_roll)), "{glasgow_row}");

        for export in [audited(&leeds).await, audited(&glasgow).await] {
            let hits: Vec<&Value> = export.iter().filter(|e| e["action"] == "limit.reached").collect();
            assert_eq!(hits.len(), 2, "every member's DPO sees each refusal");
            assert_eq!((&hits[0]["actor"], &hits[0]["subject"]), (&json!("authority:383"), &json!(AGREEMENT)));
        }
        let accepts: Vec<Value> = audited(&leeds).await.into_iter()
            .filter(|e| e["action"] == "submission.accept" && e["detail"]["role"] == "missing").collect();
        assert_eq!(accepts.len(), 2);
        assert!(accepts.iter().all(|e| e["detail"]["n_cases"] == 25 && e["detail"]["submission_id"].is_i64()), "{accepts:?}");
        assert_eq!(accepts[1]["detail"]["cases_today"], 50);
        let logs = captured_logs();
        assert!(logs.contains("daily limit reached") && logs.contains("authority=383"), "a warning for the operator");
        let metrics = reqwest::get(hub.url("/metrics")).await.unwrap().text().await.unwrap();
        assert!(metrics.contains("pupilmatch_daily_limit_refusals_total 2"), "{metrics}");

        set_limits(&hub, Some(1_000), None).await;
        let (status, body) = status_and_json(report(&leeds, "guess-rest", &fabricated[50..]).await).await;
        assert_eq!(status, StatusCode::CREATED, "the operator's limit applies from the next request: {body}");
        let unlimited = located(&glasgow).await;
        eprintln!("with the limit lifted: {unlimited} of {n_roll} located from 300 guesses, 150 of them real");
        assert!(unlimited >= 120, "{unlimited}");
    }

    /// A limit the operator sets applies from the next request, on open cases and on
    /// searches alike, and the default comes back when it is cleared; a roll is never
    /// counted against the case limit, even at 0.
    async fn limits_set_by_the_operator_apply_from_the_next_request(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        set_limits(&hub, Some(2), Some(2)).await;
        let (status, _) = status_and_json(report(&leeds, "lds-1", &cases(&leeds, "A", 3)).await).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        let (status, body) = status_and_json(report(&leeds, "lds-2", &cases(&leeds, "A", 2)).await).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        for _ in 0..2 {
            let (status, body) = status_and_json(leeds.search(&Pupil::KACPER).await).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let problem = assert_problem(leeds.search(&Pupil::KACPER).await, StatusCode::TOO_MANY_REQUESTS, "daily-limit-reached").await;
        assert_eq!(problem["limit"]["metered"], "searches", "{problem}");
        assert!(problem.get("results").is_none(), "a refused search answers nothing");

        set_limits(&hub, Some(0), None).await;
        let (status, body) = status_and_json(glasgow.submit_roll("gla-roll", &[&Pupil::EILIDH_IN_GLASGOW]).await).await;
        assert_eq!(status, StatusCode::CREATED, "rolls are not counted: {body}");
        let (status, _) = status_and_json(report(&glasgow, "gla-1", &cases(&glasgow, "G", 1)).await).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "0 allows no case");
        let (status, body) = status_and_json(leeds.search(&Pupil::KACPER).await).await;
        assert_eq!(status, StatusCode::OK, "searches are back at the default of 200: {body}");

        let (agreement, row) = activity_row(&glasgow, "383").await;
        assert_eq!(agreement["limits"], json!({"cases_per_day": 0, "searches_per_day": 200}));
        assert_eq!(row, json!({"day": row["day"], "authority": "383", "cases_submitted": 2, "roll_records_submitted": 0, "searches_run": 3,
            "searches_with_results": 0, "candidates_proposed": 0, "limit_hits": 2}));
    }

    /// The counts are kept in the database: a restarted hub refuses what the day's earlier
    /// submissions leave no room for, whether uploaded as JSON or streamed.
    async fn daily_counts_survive_a_restart(backend: Backend) {
        let mut hub = spawn_hub_with(backend, |c| c.policy.cases_per_day = DailyLimit::PerDay(3)).await;
        let (leeds, _glasgow) = hub.leeds_and_glasgow().await;
        let (status, body) = status_and_json(report(&leeds, "lds-1", &cases(&leeds, "A", 2)).await).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        hub.restart().await;
        let leeds = leeds.at(&hub.url(""));

        let streamed = |batch: &str, records: Vec<Value>| {
            let header = json!({"batch_id": batch, "agreement_id": AGREEMENT, "epoch": 1, "protocol": pupilmatch::encode::encoded::PROTOCOL_VERSION, "role": "missing"});
            std::iter::once(header).chain(records).map(|v| v.to_string() + "\n").collect::<String>()
        };
        let before = hub.written_rows().await;
        let refused = leeds.post_ndjson("/v1/submissions", streamed("lds-2", cases(&leeds, "B", 2))).await;
        let problem = assert_problem(refused, StatusCode::TOO_MANY_REQUESTS, "daily-limit-reached").await;
        assert_eq!((&problem["limit"]["used"], &problem["limit"]["requested"]), (&json!(2), &json!(2)), "{problem}");
        assert_eq!(hub.written_rows().await[..3], before[..3], "a refused stream stores nothing");
        let accepted = leeds.post_ndjson("/v1/submissions", streamed("lds-3", cases(&leeds, "B", 1))).await;
        assert_eq!(accepted.status(), StatusCode::CREATED);
        let refused = leeds.post_ndjson("/v1/submissions", streamed("lds-4", cases(&leeds, "C", 1))).await;
        let problem = assert_problem(refused, StatusCode::TOO_MANY_REQUESTS, "daily-limit-reached").await;
        assert_eq!((&problem["limit"]["used"], &problem["limit"]["requested"]), (&json!(3), &json!(1)), "refused before the upload is read");
    }

    /// A search that opens a case counts as a search and as a case; at the case limit it is
    /// refused before it runs.
    async fn a_search_opening_a_case_counts_as_both(backend: Backend) {
        let hub = spawn_hub_with(backend, |c| c.policy.cases_per_day = DailyLimit::PerDay(1)).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        let search = |id: &'static str| json!({"agreement_id": AGREEMENT, "epoch": 1, "protocol": pupilmatch::encode::encoded::PROTOCOL_VERSION,
            "record": leeds.encode(&Pupil::DAFYDD.with_id(id)),
            "open_case": {"referral_reason": "FTT", "referral_source": "OLA", "referred_on": "2026-10-01"}});
        let (status, body) = status_and_json(leeds.post("/v1/searches", &search("LDS-1")).await).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let refused = leeds.post("/v1/searches", &search("LDS-2")).await;
        assert_problem(refused, StatusCode::TOO_MANY_REQUESTS, "daily-limit-reached").await;
        assert_eq!(hub.count("records").await, 1);
        let (_, row) = activity_row(&glasgow, "383").await;
        assert_eq!((&row["cases_submitted"], &row["searches_run"], &row["limit_hits"]), (&json!(1), &json!(1), &json!(1)), "{row}");
    }

    /// The crate's typed client reads the activity report (the hub's own types), and the
    /// limit, count and agreement of a refusal.
    async fn the_typed_client_reads_activity_and_refusals(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, _glasgow) = hub.leeds_and_glasgow().await;
        set_limits(&hub, None, Some(1)).await;
        let client = leeds.hub_client();
        let query = SearchQuery::new(AGREEMENT, 1, leeds.encoded(&Pupil::KACPER));
        client.search(&query).await.expect("the first search");
        let error = client.search(&query).await.unwrap_err();
        let limit = error.problem().and_then(|p| p.limit.clone()).expect("the refusal's limit");
        assert_eq!((limit.metered, limit.per_day, limit.used, limit.requested), (Metered::Searches, 1, 1, 1));
        assert_eq!((limit.agreement_id.as_str(), limit.authority.as_str()), (AGREEMENT, "383"));

        let report = client.activity(Some(1)).await.expect("the report");
        assert_eq!(report.from, report.to);
        let agreement = &report.agreements[0];
        let expected = DailyLimits { cases_per_day: DailyLimit::PerDay(50), searches_per_day: DailyLimit::PerDay(1) };
        assert_eq!(agreement.limits, expected);
        let day = &agreement.days[0];
        assert_eq!((day.authority.as_str(), day.searches_run, day.limit_hits), ("383", 1, 1));
        let error = client.activity(Some(93)).await.unwrap_err();
        assert_eq!(error.problem().and_then(|p| p.slug()), Some("invalid-request"));
    }
}

/// Candidates in the hub's database.
async fn candidates_of(hub: &TestHub) -> u64 {
    hub.count("candidates").await as u64
}
