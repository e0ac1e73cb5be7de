//! The coordinators' commands, run as the real binary against a real hub: what a person at the
//! console types and reads.

use std::process::Output;

use crate::both_backends;
use crate::helpers::*;

/// Runs `pupilmatch ARGS` as `actor` against `hub` in `dir`, off the hub's runtime, with its
/// configuration (the authority's workspace) under `dir/config`.
async fn cli(hub: &TestHub, actor: &Actor, dir: &std::path::Path, args: &[&str]) -> Output {
    cli_configured(hub, actor, dir, &dir.join("config"), args).await
}

/// As [`cli`], with the configuration directory `config` (another folder on the same
/// machine shares it; another machine does not).
async fn cli_configured(
    hub: &TestHub,
    actor: &Actor,
    dir: &std::path::Path,
    config: &std::path::Path,
    args: &[&str],
) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_pupilmatch"));
    command
        .args(args)
        .current_dir(dir)
        .env("PUPILMATCH_LOG", "warn")
        .env("XDG_CONFIG_HOME", config)
        .env_remove("PUPILMATCH_LOCAL_KEY")
        .env("PUPILMATCH_HUB", hub.url(""))
        .env("PUPILMATCH_API_KEY", &actor.key);
    tokio::task::spawn_blocking(move || command.output().expect("pupilmatch runs"))
        .await
        .expect("the command finishes")
}

/// As [`cli`], at a terminal (a pseudo-terminal from util-linux `script`) at which `typed` is
/// typed; what the command writes to it, echo included, comes back as standard output.
async fn cli_at_terminal(
    hub: &TestHub,
    actor: &Actor,
    dir: &std::path::Path,
    args: &[&str],
    typed: &str,
) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let command_line = std::iter::once(env!("CARGO_BIN_EXE_pupilmatch"))
        .chain(args.iter().copied())
        .map(|word| format!("'{}'", word.replace('\'', r"'\''")))
        .collect::<Vec<_>>()
        .join(" ");
    let mut command = std::process::Command::new("script");
    command
        .args(["-qec", &command_line, "/dev/null"])
        .current_dir(dir)
        .env("PUPILMATCH_LOG", "warn")
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env_remove("PUPILMATCH_LOCAL_KEY")
        .env("PUPILMATCH_HUB", hub.url(""))
        .env("PUPILMATCH_API_KEY", &actor.key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let typed = typed.to_string();
    tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().expect("script (util-linux) runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(typed.as_bytes())
            .unwrap();
        child.wait_with_output().expect("the command finishes")
    })
    .await
    .expect("the command finishes")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Writes the agreement secret every test member holds to `dir/agreement.key`.
fn write_agreement_secret(dir: &std::path::Path) {
    pupilmatch::encode::AgreementSecret::from_bytes(AGREEMENT, 1, SECRET)
        .expect("valid agreement")
        .save_new(&dir.join("agreement.key"))
        .expect("secret written");
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
        // Neither `show` nor `keys` shows their fingerprint, only whether the one read out by
        // phone was recorded and matches; our own is shown, labelled as ours, to read out.
        assert!(!out.contains(&theirs), "their fingerprint shown: {out}");
        assert!(out.contains("their key      not yet checked: ask their coordinator to read theirs out, then run `pupilmatch disclosure trust --authority S12000049 --fingerprint …`"), "{out}");
        let keys = cli(&hub, &leeds, dir.path(), &["disclosure", "keys", "--agreement", AGREEMENT]).await;
        let out = String::from_utf8_lossy(&keys.stdout).into_owned();
        assert!(out.lines().next().is_some_and(|h| h.starts_with("authority") && h.contains("registered") && h.contains("fingerprint")), "a header row: {out}");
        assert!(!out.contains(&theirs), "their fingerprint shown: {out}");
        let ours = leeds.disclosure_key.public().fingerprint();
        assert!(out.contains(&format!("yours, {ours} (read it out")), "{out}");
        assert!(out.contains("S12000049") && out.contains("not yet checked"), "{out}");

        let trusted = cli(&hub, &leeds, dir.path(), &["disclosure", "trust", "--authority", "S12000049", "--fingerprint", &spoken]).await;
        assert!(trusted.status.success(), "{}", stderr(&trusted));
        let today = chrono::Local::now().date_naive();
        assert!(stdout(&trusted).contains(&format!("their key: checked by phone on {today}: matches")), "{}", stdout(&trusted));
        for args in [&["disclosure", "keys", "--agreement", AGREEMENT][..], &["disclosure", "show", "--candidate", &id]] {
            let out = stdout(&cli(&hub, &leeds, dir.path(), args).await);
            assert!(out.contains(&format!("checked by phone on {today}: matches")), "{out}");
            assert!(!out.contains(&theirs), "their fingerprint shown: {out}");
        }
        // `confirm` checks against the recorded fingerprint when none is given.
        let mut args = confirm_args(&id, "");
        let at = args.iter().position(|a| a == "--fingerprint").unwrap();
        args.drain(at..at + 2);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = cli(&hub, &leeds, dir.path(), &args).await;
        assert!(stderr(&output).contains("local key"), "it went on to the record: {}", stderr(&output));
        // A recorded fingerprint that differs is reported as such, still without the hub's.
        cli(&hub, &leeds, dir.path(), &["disclosure", "trust", "--authority", "S12000049", "--fingerprint", &wrong]).await;
        let out = stdout(&cli(&hub, &leeds, dir.path(), &["disclosure", "show", "--candidate", &id]).await);
        assert!(out.contains("DOES NOT MATCH") && !out.contains(&theirs), "{out}");

        let args = confirm_args(&id, "f0ff ed5c");
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = cli(&hub, &leeds, dir.path(), &args).await;
        let message = stderr(&output);
        assert!(!output.status.success());
        assert!(message.contains("32 hexadecimal digits"), "{message}");
    }
}

both_backends! {
    /// `candidates` says how many it shows of how many ("1 of 3"), and pages through them with
    /// --page, --after (the id it names) or --all.
    async fn candidates_say_how_many_of_how_many_are_shown_and_page_through_them(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        glasgow
            .submit_roll("gla-roll-1", &[
                &Pupil::EILIDH_IN_GLASGOW,
                &Pupil::EILIDH_IN_GLASGOW.with_id("GLA-7732"),
                &Pupil::EILIDH_IN_GLASGOW.with_id("GLA-7733"),
            ])
            .await;
        let ids: Vec<String> = leeds.candidates("").await.iter().map(|c| c["id"].to_string()).collect();
        assert_eq!(ids.len(), 3);
        let dir = tempfile::tempdir().unwrap();
        let rows = |o: &Output| stdout(o).lines().skip(1).map(String::from).collect::<Vec<_>>();
        let run = |args: &'static [&'static str]| cli(&hub, &leeds, dir.path(), args);

        let first = run(&["candidates", "--limit", "1"]).await;
        assert!(first.status.success(), "{}", stderr(&first));
        let next = format!("--page 2 or --after {} shows the next 1, --all shows every one", ids[0]);
        assert!(stderr(&first).contains(&format!("1 of 3 candidates shown; {next}")), "{}", stderr(&first));
        let after = cli(&hub, &leeds, dir.path(), &["candidates", "--limit", "1", "--after", &ids[0]]).await;
        assert!(
            stderr(&after).contains(&format!("1 candidate(s) shown after candidate {} (3 in all); --after {} shows the next 1", ids[0], ids[1])),
            "{}",
            stderr(&after)
        );
        let third = run(&["candidates", "--limit", "1", "--page", "3"]).await;
        assert!(stderr(&third).contains("candidates 3 to 3 of 3 shown, the last of them"), "{}", stderr(&third));
        let (a, b, c) = (rows(&first), rows(&after), rows(&third));
        assert_eq!((a.len(), b.len(), c.len()), (1, 1, 1));
        assert!(a[0].trim_start().starts_with(&ids[0]) && b[0].trim_start().starts_with(&ids[1]) && c[0].trim_start().starts_with(&ids[2]));

        let all = run(&["candidates", "--all"]).await;
        assert!(stderr(&all).contains("all 3 candidate(s) shown"), "{}", stderr(&all));
        // Three roll records as good as each other for one child: each is marked, and the
        // coordinator told what that means.
        assert!(rows(&all).iter().all(|r| r.contains("ambiguous")), "{}", stdout(&all));
        assert!(stderr(&all).contains("rule it out before you confirm either"), "{}", stderr(&all));
        assert_eq!(rows(&all).len(), 3);
        let beyond = run(&["candidates", "--page", "11"]).await;
        assert!(beyond.status.success(), "{}", stderr(&beyond));
        assert!(stderr(&beyond).contains("no candidates on page 11: there are 3"), "{}", stderr(&beyond));
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

both_backends! {
    /// `search`, `candidates` and `disclosure show` give the evidence in words, a confidence
    /// band from the match weight instead of a probability stuck at 1.0000, the other
    /// authority by name under headings that do not repeat, and `search` says what to do next.
    async fn evidence_reads_in_words_with_a_confidence_band_and_the_other_authority_by_name(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        glasgow.submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW]).await;
        let dir = tempfile::tempdir().unwrap();
        write_agreement_secret(dir.path());

        let search = cli(&hub, &leeds, dir.path(), &[
            "search", "--secret", "agreement.key", "--forename", "Eilidh", "--surname", "MacLeod",
            "--dob", "2013-09-04", "--sex", "F",
        ]).await;
        let out = stdout(&search);
        assert!(search.status.success(), "{}", stderr(&search));
        assert!(out.contains("Glasgow City Council (S12000049)"), "{out}");
        assert!(out.contains("same date of birth"), "{out}");
        assert!(out.contains("same forename"), "{out}");
        assert!(out.contains("very strong (") || out.contains("strong ("), "{out}");
        assert!(!out.contains("1.0000") && !out.contains("prior"), "{out}");
        assert!(stderr(&search).contains("--open-case"), "a next step: {}", stderr(&search));

        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        let listed = cli(&hub, &leeds, dir.path(), &["candidates"]).await;
        let out = stdout(&listed);
        assert!(listed.status.success(), "{}", stderr(&listed));
        let header = out.lines().next().unwrap();
        let headings: Vec<&str> = header.split("  ").map(str::trim).filter(|h| !h.is_empty()).collect();
        let mut distinct = headings.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), headings.len(), "a heading repeats: {header}");
        assert!(header.contains("confidence") && !header.contains("probability"), "{header}");
        assert!(out.contains("Glasgow City Council (S12000049)"), "{out}");
        assert!(out.contains("same date of birth") && out.contains("same forename"), "{out}");

        let id = leeds.only_candidate().await.to_string();
        let shown = cli(&hub, &leeds, dir.path(), &["disclosure", "show", "--candidate", &id]).await;
        let out = stdout(&shown);
        assert!(shown.status.success(), "{}", stderr(&shown));
        assert!(out.contains("other side     Glasgow City Council (S12000049)"), "{out}");
        assert!(out.contains("same date of birth"), "{out}");
        assert!(!out.contains('{'), "no raw JSON: {out}");
        let json = cli(&hub, &leeds, dir.path(), &["disclosure", "show", "--candidate", &id, "--json"]).await;
        let parsed: serde_json::Value = serde_json::from_slice(&json.stdout).expect("--json is JSON");
        assert_eq!(parsed["evidence"]["fields"][1]["level"], "exact");
    }
}

both_backends! {
    /// Every command names the child by the authority's own record id without `--map`:
    /// `submit` keeps the local key and the references it sent in the authority's workspace
    /// (not the current folder), so the same file from another folder is the same batch, and
    /// a machine without the key is refused a new one while the hub holds the records.
    /// `confirm` shows the record it is about to seal and will not send it unasked.
    async fn every_command_names_the_childs_own_record_id_from_one_local_key_per_authority(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        let dir = tempfile::tempdir().unwrap();
        write_agreement_secret(dir.path());
        std::fs::write(
            dir.path().join("leeds.csv"),
            "record_id,forename,surname,dob,sex\nLDS-0001,Eilidh,MacLeod,2013-09-04,F\n",
        )
        .unwrap();
        let submit = [
            "submit", "--role", "missing", "--input", "leeds.csv", "--secret", "agreement.key",
            "--referral-reason", "RTL", "--referral-source", "SCH", "--referred-on", "2026-09-14",
        ];
        let first = cli(&hub, &leeds, dir.path(), &submit).await;
        assert!(first.status.success(), "{}", stderr(&first));
        let workspace = dir.path().join("config/pupilmatch/383");
        assert!(workspace.join("local.key").is_file(), "{}", stderr(&first));
        assert!(workspace.join("refs.csv").is_file());
        assert!(!dir.path().join("authority-local.key").exists(), "no key in the current folder");

        // The same file from another folder of the same machine: the same key, the same batch.
        let elsewhere = tempfile::tempdir().unwrap();
        std::fs::copy(dir.path().join("leeds.csv"), elsewhere.path().join("leeds.csv")).unwrap();
        std::fs::copy(dir.path().join("agreement.key"), elsewhere.path().join("agreement.key")).unwrap();
        let again = cli_configured(&hub, &leeds, elsewhere.path(), &dir.path().join("config"), &submit).await;
        assert!(again.status.success(), "{}", stderr(&again));
        assert!(stderr(&again).contains("already received"), "a retry: {}", stderr(&again));
        // Another machine without the key: no silent new key while the hub holds the records.
        let other_machine = elsewhere.path().join("config");
        let refused = cli_configured(&hub, &leeds, elsewhere.path(), &other_machine, &submit).await;
        assert!(!refused.status.success());
        assert!(stderr(&refused).contains("already holds records from Leeds City Council (383)"), "{}", stderr(&refused));
        assert!(stderr(&refused).contains("--new-local-key"), "{}", stderr(&refused));
        assert!(!other_machine.join("pupilmatch/383/local.key").exists());

        glasgow.submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW]).await;
        let listed = cli(&hub, &leeds, dir.path(), &["candidates"]).await;
        assert!(listed.status.success(), "{}", stderr(&listed));
        assert!(stdout(&listed).contains("LDS-0001"), "{}", stdout(&listed));
        let id = leeds.only_candidate().await.to_string();
        let shown = cli(&hub, &leeds, dir.path(), &["disclosure", "show", "--candidate", &id]).await;
        assert!(stdout(&shown).contains("your record    LDS-0001 (ref "), "{}", stdout(&shown));

        glasgow.register_disclosure_key().await;
        let fingerprint = glasgow.disclosure_key.public().fingerprint();
        let mut confirm: Vec<String> = confirm_args(&id, &fingerprint);
        let at = confirm.iter().position(|a| a == "--input").unwrap();
        confirm.drain(at..at + 2); // the file is the one the reference store recorded
        let args: Vec<&str> = confirm.iter().map(String::as_str).collect();
        let unasked = cli(&hub, &leeds, dir.path(), &args).await;
        let message = stderr(&unasked);
        assert!(!unasked.status.success(), "{message}");
        assert!(message.contains("record LDS-0001 (") && message.contains("Eilidh MacLeod, born 2013-09-04"), "{message}");
        assert!(message.contains("--yes"), "{message}");
        assert_eq!(leeds.candidates("").await[0]["state"], "proposed", "nothing was sent");
        let mut args = args.clone();
        args.push("--yes");
        let confirmed = cli(&hub, &leeds, dir.path(), &args).await;
        assert!(confirmed.status.success(), "{}", stderr(&confirmed));
        let out = stdout(&confirmed);
        assert!(out.contains("your record LDS-0001 is sealed to Glasgow City Council (S12000049)"), "{out}");

        let closed = cli(&hub, &leeds, dir.path(), &["case", "close", "--record-id", "LDS-0001", "--outcome", "ola"]).await;
        assert!(closed.status.success(), "{}", stderr(&closed));
        assert!(stdout(&closed).contains("case LDS-0001 (ref "), "{}", stdout(&closed));
    }
}

both_backends! {
    /// A child's details need never be typed as flags, which land in shell history and the
    /// process list: `search --from-file` takes a one-record CSV, `--from-stdin` the same on
    /// standard input, and at a terminal with no child flags each field is asked for; the help
    /// says so. The typed flags still work.
    async fn a_search_takes_the_child_from_a_file_standard_input_or_prompts_never_the_command_line(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, glasgow) = hub.leeds_and_glasgow().await;
        glasgow.submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW]).await;
        let dir = tempfile::tempdir().unwrap();
        write_agreement_secret(dir.path());
        let found = |o: &Output| stdout(o).contains("Glasgow City Council (S12000049)");

        let help = cli(&hub, &leeds, dir.path(), &["search", "--help"]).await;
        let help = stdout(&help);
        assert!(help.contains("shell history") && help.contains("--from-file") && help.contains("--from-stdin"), "{help}");

        std::fs::write(dir.path().join("child.csv"), "record_id,forename,surname,dob,sex\nLDS-0001,Eilidh,MacLeod,2013-09-04,F\n").unwrap();
        let from_file = cli(&hub, &leeds, dir.path(), &["search", "--secret", "agreement.key", "--from-file", "child.csv"]).await;
        assert!(from_file.status.success() && found(&from_file), "{}{}", stdout(&from_file), stderr(&from_file));

        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_pupilmatch"));
        command
            .args(["search", "--secret", "agreement.key", "--from-stdin"])
            .current_dir(dir.path())
            .env("PUPILMATCH_LOG", "warn")
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env("PUPILMATCH_HUB", hub.url(""))
            .env("PUPILMATCH_API_KEY", &leeds.key)
            .stdin(std::fs::File::open(dir.path().join("child.csv")).unwrap());
        let from_stdin = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
        assert!(from_stdin.status.success() && found(&from_stdin), "{}{}", stdout(&from_stdin), stderr(&from_stdin));

        // At a terminal: asked for each field (an empty optional answer skips it).
        let prompted = cli_at_terminal(&hub, &leeds, dir.path(), &["search", "--secret", "agreement.key"], "Eilidh\nMacLeod\n04/09/2013\nF\n\n\n").await;
        let out = stdout(&prompted);
        assert!(prompted.status.success(), "{out}");
        assert!(out.contains("forename: ") && out.contains("date of birth (YYYY-MM-DD or DD/MM/YYYY): "), "{out}");
        assert!(found(&prompted), "{out}");

        // Without a terminal and without the child, it says which forms keep it off the command line.
        let refused = cli(&hub, &leeds, dir.path(), &["search", "--secret", "agreement.key", "--forename", "Eilidh"]).await;
        assert!(!refused.status.success());
        assert!(stderr(&refused).contains("--from-file FILE or --from-stdin") && stderr(&refused).contains("missing: --surname, --dob"), "{}", stderr(&refused));

        let typed = cli(&hub, &leeds, dir.path(), &[
            "search", "--secret", "agreement.key", "--forename", "Eilidh", "--surname", "MacLeod", "--dob", "2013-09-04",
        ]).await;
        assert!(typed.status.success() && found(&typed), "{}", stderr(&typed));
    }

    /// `encode` keeps its local key in the authority's workspace too, and, with an API key set,
    /// asks the hub first: while the hub holds the authority's records a new key is refused
    /// unless --new-local-key is given.
    async fn encode_refuses_a_new_local_key_while_the_hub_holds_the_authoritys_records(backend: Backend) {
        let hub = spawn_hub(backend).await;
        let (leeds, _glasgow) = hub.leeds_and_glasgow().await;
        leeds.report_missing("leeds-cme-1", &[&Pupil::EILIDH]).await;
        let dir = tempfile::tempdir().unwrap();
        write_agreement_secret(dir.path());
        std::fs::write(dir.path().join("leeds.csv"), "record_id,forename,surname,dob\nLDS-0001,Eilidh,MacLeod,2013-09-04\n").unwrap();
        let encode = ["encode", "--secret", "agreement.key", "--input", "leeds.csv", "--output", "out.jsonl"];

        let refused = cli(&hub, &leeds, dir.path(), &encode).await;
        assert!(!refused.status.success());
        assert!(stderr(&refused).contains("already holds records from Leeds City Council (383)"), "{}", stderr(&refused));
        assert!(stderr(&refused).contains("--new-local-key"), "{}", stderr(&refused));
        assert!(!dir.path().join("authority-local.key").exists(), "no key in the current folder");
        assert!(!dir.path().join("config/pupilmatch/383/local.key").exists());

        let forced = cli(&hub, &leeds, dir.path(), &[&encode[..], &["--new-local-key"]].concat()).await;
        assert!(forced.status.success(), "{}", stderr(&forced));
        assert!(dir.path().join("config/pupilmatch/383/local.key").is_file(), "{}", stderr(&forced));
    }
}
