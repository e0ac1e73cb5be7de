//! The coordinators' commands, run as the real binary against a real hub: what a person at the
//! console types and reads.

use std::process::Output;

use crate::both_backends;
use crate::helpers::*;

/// Runs `pupilmatch ARGS` as `actor` against `hub` in `dir`, off the hub's runtime.
async fn cli(hub: &TestHub, actor: &Actor, dir: &std::path::Path, args: &[&str]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_pupilmatch"));
    command
        .args(args)
        .current_dir(dir)
        .env("PUPILMATCH_LOG", "warn")
        .env("PUPILMATCH_HUB", hub.url(""))
        .env("PUPILMATCH_API_KEY", &actor.key);
    tokio::task::spawn_blocking(move || command.output().expect("pupilmatch runs"))
        .await
        .expect("the command finishes")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `disclosure confirm` for candidate `id` with `fingerprint`, without a local key or pupil
/// file: it gets as far as the fingerprint check and, if that passes, stops at the local key.
fn confirm_args(id: &str, fingerprint: &str) -> Vec<String> {
    [
        "disclosure",
        "confirm",
        "--candidate",
        id,
        "--reason",
        "names_and_dob_agree",
        "--fingerprint",
        fingerprint,
        "--input",
        "pupils.csv",
        "--coordinator-name",
        "A Coordinator",
        "--coordinator-email",
        "cme@leeds.example",
        "--decided-by",
        "cme@leeds.example",
    ]
    .map(String::from)
    .to_vec()
}

both_backends! {
    /// A fingerprint read over the phone in capitals and groups of four is the same fingerprint;
    /// a wrong one is refused without printing the hub's, which would invite copying it.
    async fn a_fingerprint_read_over_the_phone_is_accepted_and_a_wrong_one_is_not_echoed(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        glasgow.register_disclosure_key().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        glasgow.submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW]).await;
        let id = leeds.only_candidate().await.to_string();
        let theirs = glasgow.disclosure_key.public().fingerprint();
        let dir = tempfile::tempdir().unwrap();

        let spoken = theirs.to_uppercase().replace('-', " ");
        let args = confirm_args(&id, &spoken);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = cli(&hub, &leeds, dir.path(), &args).await;
        let message = stderr(&output);
        assert!(!message.contains("fingerprint"), "{message}");
        assert!(message.contains("local key"), "it went on to the record: {message}");

        let last = theirs.chars().last().unwrap();
        let wrong = format!("{}{}", &theirs[..theirs.len() - 1], if last == '0' { '1' } else { '0' });
        let args = confirm_args(&id, &wrong);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = cli(&hub, &leeds, dir.path(), &args).await;
        let message = stderr(&output);
        assert!(!output.status.success());
        assert!(message.contains("do not confirm"), "{message}");
        assert!(!message.contains(&theirs), "the hub's fingerprint was shown: {message}");
        assert!(!message.contains(&theirs.replace('-', "")), "{message}");

        // The other side confirms; the decision history says so once, not `confirm confirm`.
        leeds.register_disclosure_key().await;
        let id_number: i64 = id.parse().unwrap();
        let response = glasgow.confirm(id_number, &Pupil::EILIDH_IN_GLASGOW).await;
        assert!(response.status().is_success(), "{:?}", response.text().await);
        let shown = cli(&hub, &leeds, dir.path(), &["disclosure", "show", "--candidate", &id]).await;
        let out = String::from_utf8_lossy(&shown.stdout).into_owned();
        assert!(shown.status.success(), "{}", stderr(&shown));
        assert!(out.contains("S12000049 confirm (names_and_dob_agree)"), "{out}");
        assert!(!out.contains("confirm confirm"), "{out}");
        let keys = cli(&hub, &leeds, dir.path(), &["disclosure", "keys", "--agreement", AGREEMENT]).await;
        let out = String::from_utf8_lossy(&keys.stdout).into_owned();
        assert!(out.lines().next().is_some_and(|h| h.starts_with("authority") && h.contains("fingerprint")), "{out}");
        assert!(out.contains(&theirs), "{out}");

        let args = confirm_args(&id, "f0ff ed5c");
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = cli(&hub, &leeds, dir.path(), &args).await;
        let message = stderr(&output);
        assert!(!output.status.success());
        assert!(message.contains("32 hexadecimal digits"), "{message}");
    }
}

both_backends! {
    /// `candidates` says when there are more than it shows and pages through them.
    async fn candidates_say_when_more_exist_and_page_through_them(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        glasgow
            .submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW, &Pupil::EILIDH_IN_GLASGOW.with_id("GLA-7732")])
            .await;
        assert_eq!(leeds.candidates("").await.len(), 2);
        let dir = tempfile::tempdir().unwrap();

        let first = cli(&hub, &leeds, dir.path(), &["candidates", "--limit", "1"]).await;
        assert!(first.status.success(), "{}", stderr(&first));
        assert!(
            stderr(&first).contains("candidates 1 to 1 shown; there are more: --page 2 shows the next 1"),
            "{}",
            stderr(&first)
        );
        let second = cli(&hub, &leeds, dir.path(), &["candidates", "--limit", "1", "--page", "2"]).await;
        assert!(second.status.success(), "{}", stderr(&second));
        assert!(stderr(&second).contains("candidates 2 to 2 shown, the last of them"), "{}", stderr(&second));
        let rows = |o: &Output| String::from_utf8_lossy(&o.stdout).lines().skip(1).map(String::from).collect::<Vec<_>>();
        let (a, b) = (rows(&first), rows(&second));
        assert_eq!((a.len(), b.len()), (1, 1));
        assert_ne!(a[0], b[0], "page 2 is another candidate");
        let all = cli(&hub, &leeds, dir.path(), &["candidates"]).await;
        assert!(stderr(&all).contains("all 2 candidate(s) shown"), "{}", stderr(&all));
        let beyond = cli(&hub, &leeds, dir.path(), &["candidates", "--page", "11"]).await;
        assert!(!beyond.status.success());
        assert!(stderr(&beyond).contains("lists only the best 1000"), "{}", stderr(&beyond));
    }

    /// Closing a case as found says which follow-ups were scheduled; `case follow-ups` lists
    /// them and marks one done. Outcome codes are read in any case.
    async fn closing_a_case_says_what_was_scheduled_and_follow_ups_are_listed_and_marked_done(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, _glasgow) = hub.leeds_and_glasgow().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        let eilidh = leeds.record_ref(&Pupil::EILIDH);
        let dir = tempfile::tempdir().unwrap();
        let day = |d: i64| (chrono::Utc::now() + chrono::Duration::days(d)).format("%Y-%m-%d").to_string();

        let closed = cli(&hub, &leeds, dir.path(), &["case", "close", "--ref", &eilidh, "--outcome", "ola"]).await;
        let out = String::from_utf8_lossy(&closed.stdout).into_owned();
        assert!(closed.status.success(), "{}", stderr(&closed));
        assert!(out.contains("with outcome OLA"), "{out}");
        assert!(out.contains(&format!("follow-up scheduled: 6 weeks check due on {}", day(42))), "{out}");
        assert!(out.contains(&format!("follow-up scheduled: 18 weeks check due on {}", day(126))), "{out}");

        let none = cli(&hub, &leeds, dir.path(), &["case", "follow-ups"]).await;
        assert!(String::from_utf8_lossy(&none.stdout).contains("no follow-up due by"), "{}", stderr(&none));
        let listed = cli(&hub, &leeds, dir.path(), &["case", "follow-ups", "--due-within-days", "200"]).await;
        let out = String::from_utf8_lossy(&listed.stdout).into_owned();
        let rows: Vec<&str> = out.lines().skip(1).collect();
        assert_eq!(rows.len(), 2, "{out}");
        assert!(rows[0].contains("6 weeks") && rows[0].contains(&eilidh), "{out}");
        let id = rows[0].split_whitespace().next().unwrap();
        let done = cli(&hub, &leeds, dir.path(), &["case", "follow-ups", "--done", id]).await;
        assert!(done.status.success(), "{}", stderr(&done));
        assert!(String::from_utf8_lossy(&done.stdout).contains(&format!("follow-up {id} marked done")));
        let left = cli(&hub, &leeds, dir.path(), &["case", "follow-ups", "--due-within-days", "200"]).await;
        assert_eq!(String::from_utf8_lossy(&left.stdout).lines().skip(1).count(), 1);
    }
}
