//! What a stolen database holds (protocol.md §7.2): encodings sealed under the hub key, bound
//! to their rows, in an order that is not the authority's; and what the hub does with rows an
//! older hub left unsealed or that a thief moved.

use pupilmatch::hub::layer::HubLayer;
use pupilmatch::store::{DailyLimit, NewRecord, NewSubmission, Role, RowIdentity, SubmitMode};
use reqwest::StatusCode;
use serde_json::json;
use sqlx::Row;

use crate::both_backends;
use crate::helpers::{spawn_hub, status_and_json, Actor, Pupil, TestHub, AGREEMENT};

/// `n` distinct made-up pupils, their record ids in ascending order.
fn pupils(n: usize) -> Vec<Pupil> {
    const FORENAMES: [&str; 8] = ["Ava", "Noah", "Isla", "Leo", "Mia", "Jack", "Ruby", "Finn"];
    (0..n)
        .map(|i| Pupil {
            id: Box::leak(format!("R{i:05}").into_boxed_str()),
            forename: FORENAMES[i % FORENAMES.len()],
            surname: Box::leak(
                format!("Testsurname{}", (b'a' + (i / 8 % 26) as u8) as char).into_boxed_str(),
            ),
            dob: Box::leak(format!("2014-{:02}-{:02}", 1 + i % 12, 1 + i % 28).into_boxed_str()),
            sex: if i % 2 == 0 { "F" } else { "M" },
        })
        .collect()
}

/// Every stored (ref, encoding) of `authority`, in row-id order.
async fn stored_rows(hub: &TestHub, authority: &str) -> Vec<(i64, String, String)> {
    let mut conn = hub.raw_connection().await;
    sqlx::query("select id, ref, encoding from records where authority_code = $1 order by id")
        .bind(authority)
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .map(|row| {
            (
                row.get::<i64, _>(0),
                row.get::<String, _>(1),
                row.get::<String, _>(2),
            )
        })
        .collect()
}

/// The position in the submitted file of each stored row, in row-id order.
fn stored_order(
    actor: &Actor,
    submitted: &[Pupil],
    stored: &[(i64, String, String)],
) -> Vec<usize> {
    let position: std::collections::HashMap<String, usize> = submitted
        .iter()
        .enumerate()
        .map(|(i, p)| (actor.record_ref(p), i))
        .collect();
    stored.iter().map(|(_, r, _)| position[r]).collect()
}

fn hub_layer(hub: &TestHub) -> HubLayer {
    HubLayer::load(&hub.config.hub_key).unwrap()
}

both_backends! {
    /// Every stored encoding is sealed: two submissions of the very same child (the same
    /// encoding twice, under two batch ids of two roles) are stored as unrelated texts, each
    /// opening only in its own row and only with the hub key.
    async fn every_stored_encoding_is_sealed_and_bound_to_its_row(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        let (status, _) = status_and_json(glasgow.submit_roll("gla-1", &[&Pupil::EILIDH_IN_GLASGOW, &Pupil::KACPER]).await).await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, _) = status_and_json(leeds.submit_roll("leeds-roll-1", &[&Pupil::EILIDH]).await).await;
        assert_eq!(status, StatusCode::CREATED);

        let leeds_rows = stored_rows(&hub, &leeds.code).await;
        assert_eq!(leeds_rows.len(), 2, "the case and the roll record");
        let (case, roll) = (&leeds_rows[0], &leeds_rows[1]);
        assert_eq!(case.1, roll.1, "the same reference in both roles");
        for (_, _, encoding) in leeds_rows.iter().chain(&stored_rows(&hub, &glasgow.code).await) {
            assert!(encoding.starts_with("s1:"), "sealed: {encoding}");
        }
        assert_ne!(case.2[3..13], roll.2[3..13], "unrelated texts for the same encoding");

        let layer = hub_layer(&hub);
        let row = |role| RowIdentity { authority: &leeds.code, agreement: AGREEMENT, epoch: 1, role, record_ref: &case.1 };
        let opened = layer.at_rest().open(&row(Role::Missing), &case.2).expect("opens in its own row");
        assert_eq!(opened, layer.apply(&leeds.encoded(&Pupil::EILIDH)), "the hub-layer form");
        assert!(layer.at_rest().open(&row(Role::Roll), &case.2).is_err(), "not in another row");
        let other_key = HubLayer::from_bytes(&[0x5A; 32]);
        assert!(other_key.at_rest().open(&row(Role::Missing), &case.2).is_err(), "not without the hub key");
    }

    /// Row ids follow insertion, so the hub writes each batch in random order: a roll sent in
    /// record-id (or surname) order is not stored in that order, whether sent as one JSON
    /// document or streamed as NDJSON.
    async fn rows_are_stored_in_an_order_unrelated_to_the_file(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        let roll = pupils(300);
        let refs: Vec<&Pupil> = roll.iter().collect();
        let (status, _) = status_and_json(glasgow.submit_roll("gla-1", &refs).await).await;
        assert_eq!(status, StatusCode::CREATED);
        let order = stored_order(&glasgow, &roll, &stored_rows(&hub, &glasgow.code).await);
        assert_eq!(order.len(), 300);
        let in_place = order.iter().enumerate().filter(|(i, p)| i == *p).count();
        assert!(in_place < 30, "{in_place} of 300 rows kept their place in the file");

        let mut body = json!({"batch_id": "leeds-roll-1", "agreement_id": AGREEMENT, "epoch": 1,
            "protocol": pupilmatch::encode::encoded::PROTOCOL_VERSION, "role": "roll"}).to_string();
        for pupil in &roll {
            body.push('\n');
            body.push_str(&leeds.encode(pupil).to_string());
        }
        let (status, _) = status_and_json(leeds.post_ndjson("/v1/submissions", body).await).await;
        assert_eq!(status, StatusCode::CREATED);
        let order = stored_order(&leeds, &roll, &stored_rows(&hub, &leeds.code).await);
        let in_place = order.iter().enumerate().filter(|(i, p)| i == *p).count();
        assert!(in_place < 30, "{in_place} of 300 streamed rows kept their place in the file");
    }

    /// A database written by a hub from before encodings were sealed still works: at start the
    /// hub seals every such row (active or not) and matches as before.
    async fn rows_an_older_hub_left_unsealed_are_sealed_at_start(backend: Backend) {
        let mut hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        let layer = hub_layer(&hub);
        let encoding = layer.apply(&glasgow.encoded(&Pupil::EILIDH_IN_GLASGOW));
        let submission = NewSubmission {
            authority: glasgow.code.clone(), batch_id: "gla-old".into(), agreement_id: AGREEMENT.into(),
            epoch: 1, role: Role::Roll, mode: SubmitMode::Incremental, request_hash: "h".into(),
            cases_per_day: DailyLimit::Unlimited,
        };
        let row = NewRecord { record_ref: encoding.record_ref.clone(), encoding: pupilmatch::store::pack(&encoding), case: None };
        hub.store.ingest(&submission, &[row], &json!({})).await.unwrap();
        assert!(stored_rows(&hub, &glasgow.code).await[0].2.starts_with("p1:"));

        hub.restart().await;
        let stored = stored_rows(&hub, &glasgow.code).await;
        assert!(stored[0].2.starts_with("s1:"), "sealed at start");
        let identity = RowIdentity { authority: &glasgow.code, agreement: AGREEMENT, epoch: 1, role: Role::Roll, record_ref: &stored[0].1 };
        assert_eq!(layer.at_rest().open(&identity, &stored[0].2).unwrap(), encoding);
        assert_eq!(hub.count("candidates").await, 1, "and matched");
    }
}
