//! Bad input is answered with the right problem and writes nothing.

use pupilmatch::encode::encoded::PROTOCOL_VERSION;
use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{assert_problem, spawn_hub, spawn_hub_with, Pupil};

both_backends! {
    /// Malformed JSON, wrong shapes, wrong protocol or epoch and bad records are each refused
    /// with their own problem, and nothing is written.
    async fn bad_submissions_get_the_right_problem_and_write_nothing(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, _) = hub.leeds_and_glasgow().await;
        let rows = hub.written_rows().await;
        let good = leeds.encode(&Pupil::EILIDH);

        let malformed = leeds.post_raw("/v1/submissions", b"{\"batch_id\": \"x\", ".to_vec(), None).await;
        assert_problem(malformed, StatusCode::BAD_REQUEST, "malformed-json").await;

        let mut missing_role = leeds.submission("b1", "roll", vec![good.clone()]);
        missing_role.as_object_mut().unwrap().remove("role");
        let p = assert_problem(leeds.post("/v1/submissions", &missing_role).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid-request").await;
        assert!(p["detail"].as_str().unwrap().contains("missing field `role`"), "{p}");

        let mut protocol = leeds.submission("b2", "roll", vec![good.clone()]);
        protocol["protocol"] = json!(1);
        let p = assert_problem(leeds.post("/v1/submissions", &protocol).await, StatusCode::UNPROCESSABLE_ENTITY, "unsupported-protocol").await;
        assert_eq!(p["detail"], format!("protocol version 1 is not supported; this hub speaks version {PROTOCOL_VERSION}"));

        let mut epoch = leeds.submission("b3", "roll", vec![good.clone()]);
        epoch["epoch"] = json!(2);
        let p = assert_problem(leeds.post("/v1/submissions", &epoch).await, StatusCode::UNPROCESSABLE_ENTITY, "epoch-not-accepted").await;
        assert_eq!(p["detail"], "agreement eng-scot-cme does not accept key epoch 2 (accepted: 1)");

        let mut bad_key = good.clone();
        bad_key["keys"][0] = json!("zz00");
        let mut bad_check = leeds.encode(&Pupil::SIOBHAN);
        bad_check["dc"] = json!(999);
        let records = vec![good.clone(), bad_key, json!({"keys": []}), bad_check, good.clone()];
        let response = leeds.post("/v1/submissions", &leeds.submission("b4", "roll", records)).await;
        let p = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid-records").await;
        assert_eq!(p["detail"], "4 of 5 records are invalid; nothing was stored");
        let fields: Vec<(u64, String)> = p["errors"].as_array().unwrap().iter()
            .map(|e| (e["record"].as_u64().unwrap(), e["field"].as_str().unwrap().to_string()))
            .collect();
        let expected: Vec<(u64, String)> = [(1, "keys[0]"), (2, "ref"), (3, "dc"), (4, "ref")]
            .iter().map(|(i, f)| (*i, f.to_string())).collect();
        assert_eq!(fields, expected, "{p}");
        assert_eq!(p["errors"][3]["message"], "duplicate of record 0 in this batch");

        let mut case_without_metadata = leeds.submission("b5", "missing", vec![good.clone()]);
        case_without_metadata["records"][0]["referral_reason"] = json!("LOST");
        let p = assert_problem(leeds.post("/v1/submissions", &case_without_metadata).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid-records").await;
        let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["referral_reason", "referral_source", "referred_on"]);

        assert_eq!(hub.written_rows().await, rows, "nothing was written");
    }

    /// A body over the limit, plain or gzip-compressed, is refused with 413 and writes nothing.
    async fn an_oversized_body_is_refused_with_413(backend: Backend) {
        use std::io::Write;
        let hub = spawn_hub_with(backend, |c| c.max_body_bytes = 16 * 1024).await;
        let (leeds, _) = hub.leeds_and_glasgow().await;
        let rows = hub.written_rows().await;
        let records = (0..40).map(|_| leeds.encode(&Pupil::EILIDH)).collect();
        let body = leeds.submission("big", "roll", records).to_string().into_bytes();
        assert!(body.len() > 16 * 1024);

        let plain = leeds.post_raw("/v1/submissions", body.clone(), None).await;
        assert_problem(plain, StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large").await;

        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&body).unwrap();
        let compressed = gz.finish().unwrap();
        assert!(compressed.len() < 16 * 1024, "compressed to {}", compressed.len());
        let zipped = leeds.post_raw("/v1/submissions", compressed, Some("gzip")).await;
        assert_problem(zipped, StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large").await;
        assert_eq!(hub.written_rows().await, rows);
    }

    /// Unknown routes and wrong content types are problems too.
    async fn unknown_routes_and_media_types_are_problems(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, _) = hub.leeds_and_glasgow().await;
        let response = leeds.get("/v1/nothing-here").await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        let text = reqwest::Client::new()
            .post(hub.url("/v1/submissions"))
            .bearer_auth(&leeds.key)
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_problem(text, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type").await;

        // A path id that is not a number names itself.
        let p = assert_problem(leeds.get("/v1/candidates/abc").await, StatusCode::UNPROCESSABLE_ENTITY, "invalid-request").await;
        assert!(p["detail"].as_str().unwrap().contains("abc"), "{p}");
        // An encoding the hub does not read says what it does read.
        let brotli = leeds.post_raw("/v1/submissions", b"{}".to_vec(), Some("br")).await;
        assert_eq!(brotli.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let body: serde_json::Value = brotli.json().await.unwrap();
        assert!(body["detail"].as_str().unwrap().contains("gzip"), "{body}");
    }

    /// Query bounds outside their range are refused with a problem that names them, not
    /// quietly clamped; and the Bearer scheme is read whatever its case.
    async fn out_of_range_limits_are_refused_and_the_bearer_scheme_is_case_insensitive(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, _) = hub.leeds_and_glasgow().await;
        let search = |extra: serde_json::Value| {
            let mut body = json!({"agreement_id": "eng-scot-cme", "epoch": 1, "protocol": PROTOCOL_VERSION,
                "record": leeds.encode(&Pupil::EILIDH)});
            body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            body
        };
        for (extra, named) in [
            (json!({"limit": 0}), "limit"),
            (json!({"limit": 100_000}), "limit"),
            (json!({"min_probability": 1.5}), "min_probability"),
            (json!({"min_probability": -0.1}), "min_probability"),
        ] {
            let p = assert_problem(leeds.post("/v1/searches", &search(extra.clone())).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid-request").await;
            assert!(p["detail"].as_str().unwrap().contains(named), "{extra}: {p}");
        }
        let (status, _) = crate::helpers::status_and_json(leeds.post("/v1/searches", &search(json!({"limit": 5, "min_probability": 0.9}))).await).await;
        assert_eq!(status, StatusCode::OK);
        for query in ["?limit=0", "?limit=1001"] {
            assert_problem(leeds.get(&format!("/v1/candidates{query}")).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid-request").await;
        }
        let lower = reqwest::Client::new().get(hub.url("/v1/candidates"))
            .header("authorization", format!("bearer {}", leeds.key)).send().await.unwrap();
        assert_eq!(lower.status(), StatusCode::OK, "a lower-case scheme is the same scheme");
    }
}
