//! The hub's database and logs never contain a name.

use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::{captured_logs, spawn_hub, status_and_json, Pupil, SYNTHETIC_NAMES};

both_backends! {
    /// After submissions, matches, searches, a closed case and a full sealed disclosure, neither the whole database nor
    /// the captured logs contain any of the synthetic names, in any case or folding.
    async fn the_database_and_the_logs_never_contain_a_name(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH, &Pupil::SIOBHAN]).await;
        let roll = [&Pupil::EILIDH_IN_GLASGOW, &Pupil::KACPER, &Pupil::AOIFE, &Pupil::TOMASZ, &Pupil::OISIN, &Pupil::DAFYDD];
        let (status, _) = status_and_json(glasgow.submit_roll("gla-roll-1", &roll).await).await;
        assert_eq!(status, StatusCode::CREATED);
        leeds.search(&Pupil::KACPER.with_id("LDS-77")).await;
        assert_eq!(hub.count("candidates").await, 1);
        // The whole disclosure flow: keys, both confirmations with sealed records, downloads.
        leeds.register_disclosure_key().await;
        glasgow.register_disclosure_key().await;
        let id = leeds.only_candidate().await;
        status_and_json(leeds.confirm(id, &Pupil::EILIDH).await).await;
        status_and_json(glasgow.confirm(id, &Pupil::EILIDH_IN_GLASGOW).await).await;
        assert_eq!(glasgow.open_disclosure(id).await.record.forename.as_deref(), Some("Eilidh"));
        assert_eq!(leeds.open_disclosure(id).await.record.surname.as_deref(), Some("Macleod"));
        status_and_json(leeds.verify(id, "same_child").await).await;
        assert_eq!(hub.count("disclosures").await, 2);

        let database = hub.database_contents().await.to_lowercase();
        assert!(database.len() > 1000, "the dump holds the data");
        let logs = captured_logs().to_lowercase();
        assert!(logs.contains("submission stored"), "the logs were captured");
        for name in SYNTHETIC_NAMES {
            let name = name.to_lowercase();
            assert!(!database.contains(&name), "{name} found in the database");
            assert!(!logs.contains(&name), "{name} found in the logs");
        }
        for date in ["2013-09-04", "04/09/2013"] {
            assert!(!database.contains(date), "a date of birth found in the database");
        }
    }
}
