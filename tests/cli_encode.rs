//! `pupilmatch encode` as an authority's clerk meets it: the real binary on real files. Bad
//! input gets an error naming the file, line, record and field, and output is all-or-nothing.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

mod common;

use common::{stderr, Workspace};

impl Workspace {
    fn new() -> Workspace {
        Workspace::with_agreement("eng-scot-cme")
    }

    fn encode(&self, input: &str, extra: &[&str]) -> Output {
        let mut args = vec![
            "encode",
            "--secret",
            "agreement.key",
            "--input",
            input,
            "--output",
            "out.jsonl",
        ];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    fn problems(&self) -> Vec<Value> {
        read_jsonl(&self.path("out.problems.jsonl"))
    }
}

fn read_jsonl(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

const GOOD: &str = "record_id,forename,surname,dob,sex,upn\n\
    L1,Amelia,Smith,2014-03-02,F,H801200001001\n\
    L2,Seán,Ó Briain,12/05/2013,M,\n";

#[test]
fn a_good_file_is_encoded_with_a_header_a_reference_map_and_no_problems() {
    let ws = Workspace::new();
    ws.write("pupils.csv", GOOD.as_bytes());
    let output = ws.encode("pupils.csv", &["--map", "refs.csv"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let lines = read_jsonl(&ws.path("out.jsonl"));
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["format"], "pupilmatch-encoded");
    assert_eq!(lines[0]["agreement_id"], "eng-scot-cme");
    assert!(lines[1]["ids"][0].as_str().unwrap().starts_with("upn:"));
    assert!(ws.problems().is_empty());
    let map = std::fs::read_to_string(ws.path("refs.csv")).unwrap();
    let rows: Vec<&str> = map.lines().collect();
    assert_eq!(rows[0], "record_id,ref");
    assert_eq!(rows[1], format!("L1,{}", lines[1]["ref"].as_str().unwrap()));
    // The encoding never carries the authority's own id or any name.
    let encoded = std::fs::read_to_string(ws.path("out.jsonl")).unwrap();
    // (Short strings such as the id "L1" can occur inside base64 by chance: look for them
    // quoted.)
    for secret in ["\"L1\"", "Amelia", "amelia", "Smith", "smith", "2014-03-02"] {
        assert!(
            !encoded.contains(secret),
            "{secret} leaked into the encoding"
        );
    }
    assert!(stderr(&output).contains("records: 2 read, 2 encoded, 0 skipped"));
}

#[test]
fn a_missing_required_column_is_named_and_nothing_is_written() {
    let ws = Workspace::new();
    ws.write(
        "pupils.csv",
        b"record_id,forename,surname\nL1,Amelia,Smith\n",
    );
    let output = ws.encode("pupils.csv", &[]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("pupils.csv: missing required column(s): dob"),
        "{}",
        stderr(&output)
    );
    assert!(!ws.path("out.jsonl").exists());
}

#[test]
fn bad_records_are_reported_by_line_record_and_field_and_the_rest_encoded() {
    let ws = Workspace::new();
    ws.write(
        "pupils.csv",
        b"record_id,forename,surname,dob,upn\n\
          L1,Amelia,Smith,2014-02-30,\n\
          L2,Noah,Jones,2013-01-01,A801200001001\n\
          L3,,Evans,2013-01-01,\n\
          L4,Isla,Brown,2012-06-06,\n",
    );
    let output = ws.encode("pupils.csv", &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(read_jsonl(&ws.path("out.jsonl")).len(), 1 + 2);
    let problems = ws.problems();
    let find = |record: &str| {
        problems
            .iter()
            .find(|p| p["record_id"] == record)
            .unwrap_or_else(|| panic!("no problem for {record}: {problems:?}"))
    };
    let date = find("L1");
    assert_eq!(date["severity"], "error");
    assert_eq!(date["field"], "dob");
    assert_eq!(date["code"], "impossible_date");
    assert_eq!(date["position"], "pupils.csv line 2");
    let upn = find("L2");
    assert_eq!(upn["severity"], "warning");
    assert_eq!(upn["field"], "upn");
    assert_eq!(upn["code"], "invalid_identifier");
    let name = find("L3");
    assert_eq!(name["field"], "forename");
    assert_eq!(name["code"], "missing");
}

#[test]
fn strict_mode_turns_any_problem_into_exit_2_and_writes_no_encoding() {
    let ws = Workspace::new();
    ws.write(
        "pupils.csv",
        b"record_id,forename,surname,dob\nL1,Amelia,Smith,2014-02-30\nL2,Noah,Jones,2013-01-01\n",
    );
    let output = ws.encode("pupils.csv", &["--strict", "--map", "refs.csv"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(!ws.path("out.jsonl").exists());
    assert!(!ws.path("refs.csv").exists());
    assert_eq!(ws.problems().len(), 1, "the report says why");
}

#[test]
fn a_truncated_ctf_file_stops_naming_the_line_and_leaves_nothing_half_written() {
    let ws = Workspace::new();
    let ctf = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/input/ctf_two_pupils.xml"
    ))
    .unwrap();
    let cut = ctf.rfind("<Pupil>").expect("a second pupil") + 40;
    ws.write("school.xml", &ctf.as_bytes()[..cut]);
    let output = ws.encode("school.xml", &["--map", "refs.csv"]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("school.xml"), "{message}");
    assert!(message.contains("nothing was written"), "{message}");
    assert!(!ws.path("out.jsonl").exists());
    assert!(!ws.path("refs.csv").exists());
    assert!(!ws.path(".out.jsonl.partial").exists());
}

#[test]
fn an_empty_file_and_a_spreadsheet_are_refused_by_name() {
    let ws = Workspace::new();
    ws.write("empty.csv", b"");
    let output = ws.encode("empty.csv", &[]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("empty.csv is empty"),
        "{}",
        stderr(&output)
    );
    ws.write("roll.xlsx", b"PK\x03\x04\x14\x00\x06\x00");
    let output = ws.encode("roll.xlsx", &[]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("roll.xlsx"), "{}", stderr(&output));
    assert!(!ws.path("out.jsonl").exists());
}

#[test]
fn a_cell_that_is_not_utf8_is_read_as_windows_1252_with_a_warning_naming_line_and_column() {
    let ws = Workspace::new();
    ws.write(
        "pupils.csv",
        b"record_id,forename,surname,dob\nL1,Sin\xe9ad,Kelly,2014-03-02\nL2,Noah,Jones,2013-01-01\n",
    );
    let output = ws.encode("pupils.csv", &["--map", "refs.csv"]);
    let message = stderr(&output);
    assert!(output.status.success(), "{message}");
    assert_eq!(
        read_jsonl(&ws.path("out.jsonl")).len(),
        3,
        "header and both records"
    );
    assert!(ws.problems().is_empty());
    assert!(
        message.contains("pupils.csv line 2: column 'forename' is not UTF-8")
            && message.contains("Windows-1252"),
        "{message}"
    );
}

#[test]
fn encoding_is_byte_identical_across_runs_and_thread_counts() {
    let ws = Workspace::new();
    let mut csv = String::from("record_id,forename,middle_names,surname,former_surname,dob,sex\n");
    for i in 0..3_000 {
        csv.push_str(&format!(
            "R{i},Forename{},Mary,Surname{}-Jones,Mac Neil,2013-{:02}-{:02},{}\n",
            i % 97,
            i % 89,
            1 + i % 12,
            1 + i % 28,
            if i % 2 == 0 { "F" } else { "M" }
        ));
    }
    ws.write("pupils.csv", csv.as_bytes());
    let mut outputs = Vec::new();
    for threads in ["1", "2", "2"] {
        let output = ws.run_with_env(
            &[
                "encode",
                "--secret",
                "agreement.key",
                "--input",
                "pupils.csv",
                "--output",
                "out.jsonl",
            ],
            &[("RAYON_NUM_THREADS", threads)],
        );
        assert!(output.status.success(), "{}", stderr(&output));
        outputs.push(std::fs::read(ws.path("out.jsonl")).unwrap());
    }
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[1], outputs[2]);
}

#[test]
fn a_file_saved_by_excel_in_windows_1252_is_encoded_with_its_accents() {
    let ws = Workspace::new();
    // What Excel's "CSV (Comma delimited)" writes for Sinéad Ó Briain and Seán Kelly.
    let excel = b"record_id,forename,surname,dob\r\nT1,Sin\xe9ad,\xd3 Briain,2014-03-02\r\nT2,Se\xe1n,Kelly,2013-01-01\r\n";
    ws.write("pupils.csv", excel);
    let output = ws.encode("pupils.csv", &[]);
    let message = stderr(&output);
    assert!(output.status.success(), "{message}");
    assert!(message.contains("CSV UTF-8"), "{message}");
    let from_excel = std::fs::read_to_string(ws.path("out.jsonl")).unwrap();

    // The same names saved as UTF-8 encode to the same records.
    ws.write(
        "pupils.csv",
        "record_id,forename,surname,dob\nT1,Sinéad,Ó Briain,2014-03-02\nT2,Seán,Kelly,2013-01-01\n",
    );
    let output = ws.encode("pupils.csv", &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let from_utf8 = std::fs::read_to_string(ws.path("out.jsonl")).unwrap();
    assert_eq!(from_excel, from_utf8);
}

#[test]
fn a_header_only_file_reports_no_records_and_exits_non_zero() {
    let ws = Workspace::new();
    ws.write("pupils.csv", b"record_id,forename,surname,dob\n");
    let output = ws.encode("pupils.csv", &[]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("pupils.csv: no records (only a header row)"),
        "{}",
        stderr(&output)
    );
    assert!(!ws.path("out.jsonl").exists());
}

#[test]
fn a_misspelt_column_is_named_with_the_column_it_was_probably_meant_to_be() {
    let ws = Workspace::new();
    ws.write(
        "pupils.csv",
        b"record_id,forename,surname,dob,upm,postcod,Year Group\n\
          T1,Amelia,Smith,2014-03-02,H801200001001,LS1 1AA,4\n",
    );
    let output = ws.encode("pupils.csv", &[]);
    let message = stderr(&output);
    assert!(output.status.success(), "{message}");
    assert!(
        message.contains("column 'upm' is not recognised and is ignored; did you mean 'upn'?"),
        "{message}"
    );
    assert!(
        message.contains(
            "column 'postcod' is not recognised and is ignored; did you mean 'postcode'?"
        ),
        "{message}"
    );
    assert!(
        message.contains("not used for matching, ignored: Year Group"),
        "{message}"
    );
}

#[test]
fn the_first_problems_are_printed_on_the_console_with_line_record_and_field() {
    let ws = Workspace::new();
    ws.write(
        "pupils.csv",
        b"record_id,forename,surname,dob,upn\n\
          L1,Amelia,Smith,2014-02-30,\n\
          L2,Noah,Jones,2013-01-01,A801200001001\n",
    );
    let output = ws.encode("pupils.csv", &[]);
    let message = stderr(&output);
    assert!(output.status.success(), "{message}");
    assert!(
        message.contains("error: pupils.csv line 2 (record `L1`): field `dob`"),
        "{message}"
    );
    assert!(
        message.contains("warning: pupils.csv line 3 (record `L2`): field `upn`"),
        "{message}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(ws.path("out.problems.jsonl"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the report holds raw values");
    }
    let upn = ws
        .problems()
        .into_iter()
        .find(|p| p["record_id"] == "L2")
        .expect("a problem for L2");
    assert!(
        upn["message"]
            .as_str()
            .unwrap()
            .starts_with("pupils.csv line 3 (record `L2`)"),
        "{upn}"
    );
}

#[test]
fn a_record_id_used_twice_is_refused_naming_both_lines_and_nothing_is_written() {
    let ws = Workspace::new();
    ws.write(
        "pupils.csv",
        b"record_id,forename,surname,dob\n\
          T1,Amelia,Smith,2014-03-02\n\
          T1,Noah,Jones,2013-01-01\n",
    );
    let output = ws.encode("pupils.csv", &["--map", "refs.csv"]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(
        message.contains("pupils.csv lines 2 and 3: record id `T1` used twice"),
        "{message}"
    );
    assert!(!ws.path("out.jsonl").exists());
    assert!(!ws.path("refs.csv").exists());
    assert_eq!(ws.problems()[0]["code"], "duplicate_record_id");
}

#[test]
fn submit_refuses_a_file_with_nothing_to_send_before_contacting_the_hub() {
    let ws = Workspace::new();
    ws.write("pupils.csv", b"record_id,forename,surname,dob\n");
    ws.write(
        "twice.csv",
        b"record_id,forename,surname,dob\nT1,Amelia,Smith,2014-03-02\nT1,Noah,Jones,2013-01-01\n",
    );
    let submit = |input: &str| {
        ws.run_with_env(
            &[
                "submit",
                "--role",
                "roll",
                "--input",
                input,
                "--secret",
                "agreement.key",
                // Nothing listens here: the command must stop before it tries.
                "--hub",
                "http://127.0.0.1:9",
            ],
            &[("PUPILMATCH_API_KEY", "k")],
        )
    };
    let output = submit("pupils.csv");
    let message = stderr(&output);
    assert!(!output.status.success(), "{message}");
    assert!(
        message.contains("pupils.csv: no records (only a header row); nothing was sent"),
        "{message}"
    );
    let output = submit("twice.csv");
    let message = stderr(&output);
    assert!(!output.status.success(), "{message}");
    assert!(
        message.contains("twice.csv lines 2 and 3: record id `T1` used twice"),
        "{message}"
    );
}

#[test]
fn excel_dates_with_single_digit_days_are_read_two_digit_years_refused_and_unlikely_ages_warned() {
    let ws = Workspace::new();
    let yesterday = (chrono::Local::now().date_naive() - chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let csv = format!(
        "record_id,forename,surname,dob\n\
         D1,Amelia,Smith,7/3/2014\n\
         D2,Noah,Jones,07/03/14\n\
         D3,Isla,Brown,1901-05-05\n\
         D4,Oscar,Evans,{yesterday}\n"
    );
    ws.write("pupils.csv", csv.as_bytes());
    let output = ws.encode("pupils.csv", &[]);
    let message = stderr(&output);
    assert!(output.status.success(), "{message}");
    assert!(
        message.contains("records: 4 read, 3 encoded, 1 skipped"),
        "{message}"
    );
    assert!(
        message.contains("line 3 (record `D2`): field `dob`: `07/03/14` is not a possible date of birth: the two-digit year `14` is ambiguous"),
        "{message}"
    );
    assert!(
        message.contains("YYYY-MM-DD, DD/MM/YYYY (or D/M/YYYY) or YYYYMMDD"),
        "{message}"
    );
    assert!(
        message
            .contains("warning: pupils.csv line 4 (record `D3`): field `dob`: the child would be"),
        "{message}"
    );
    assert!(
        message.contains(
            "warning: pupils.csv line 5 (record `D4`): field `dob`: the child would be 0 today, \
             more than 2 years outside school age (4 to 16); check the date"
        ),
        "{message}"
    );
    assert!(
        !message.contains("record `D1`"),
        "7/3/2014 is read without a problem: {message}"
    );
}

/// The same children encoded from another folder get the same references: the local key lives
/// in the authority's one workspace, never the current folder (issue #22 item 2).
#[test]
fn the_same_children_encoded_from_another_folder_keep_their_references() {
    let ws = Workspace::new();
    ws.write("pupils.csv", GOOD.as_bytes());
    let first = ws.encode("pupils.csv", &["--map", "refs.csv"]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        !ws.path("authority-local.key").exists(),
        "no key in the current folder"
    );
    let key = ws.path("config/pupilmatch/383/local.key");
    assert!(key.is_file(), "{}", stderr(&first));
    assert!(
        stderr(&first).contains(&key.display().to_string()),
        "{}",
        stderr(&first)
    );

    let elsewhere = ws.path("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    for file in ["pupils.csv", "agreement.key"] {
        std::fs::copy(ws.path(file), elsewhere.join(file)).unwrap();
    }
    let args = [
        "encode",
        "--secret",
        "agreement.key",
        "--input",
        "pupils.csv",
        "--output",
        "out.jsonl",
        "--map",
        "refs.csv",
    ];
    let again = ws.run_in(&elsewhere, &args, &[]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(!elsewhere.join("authority-local.key").exists());
    assert_eq!(
        std::fs::read_to_string(ws.path("refs.csv")).unwrap(),
        std::fs::read_to_string(elsewhere.join("refs.csv")).unwrap(),
        "the same references from either folder"
    );

    // Without an authority (or the hub to say it) there is no fixed place: refused, not made here.
    let unnamed = ws.run_in(&elsewhere, &args, &[("PUPILMATCH_AUTHORITY", "")]);
    assert!(!unnamed.status.success());
    assert!(
        stderr(&unnamed).contains("--authority CODE"),
        "{}",
        stderr(&unnamed)
    );
}

/// A key an earlier version made in the current folder is still used when the workspace has
/// none, with a notice giving the command that moves it; once moved, the notice goes.
#[test]
fn an_earlier_key_in_the_current_folder_is_used_with_the_command_to_move_it() {
    let ws = Workspace::new();
    ws.write("pupils.csv", GOOD.as_bytes());
    let made = ws.encode(
        "pupils.csv",
        &["--local-key", "authority-local.key", "--map", "before.csv"],
    );
    assert!(made.status.success(), "{}", stderr(&made));
    assert!(ws.path("authority-local.key").is_file());

    let old = ws.encode("pupils.csv", &["--map", "old.csv"]);
    assert!(old.status.success(), "{}", stderr(&old));
    let message = stderr(&old);
    let notice = message
        .lines()
        .find(|l| l.starts_with("notice: using authority-local.key from the current folder"))
        .unwrap_or_else(|| panic!("no notice: {message}"));
    let fixed = ws.path("config/pupilmatch/383/local.key");
    let command = format!(
        "mkdir -p {} && mv authority-local.key {}",
        fixed.parent().unwrap().display(),
        fixed.display()
    );
    assert!(notice.ends_with(&command), "{notice}");
    assert!(!fixed.exists(), "the old key is used, no new one made");
    let read = |f: &str| std::fs::read_to_string(ws.path(f)).unwrap();
    assert_eq!(read("before.csv"), read("old.csv"));

    let moved = std::process::Command::new("sh")
        .args(["-c", &command])
        .current_dir(ws.dir.path())
        .status()
        .unwrap();
    assert!(moved.success());
    let after = ws.encode("pupils.csv", &["--map", "after.csv"]);
    assert!(after.status.success(), "{}", stderr(&after));
    assert!(!stderr(&after).contains("notice:"), "{}", stderr(&after));
    assert_eq!(read("before.csv"), read("after.csv"));
}
