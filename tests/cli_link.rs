//! `pupilmatch link` as a coordinator uses it: the real binary on two pupil files. A missing
//! child is one child: it gets its best link over every authority, a near-tie is flagged with
//! its runner-up kept for review, and a record missing a field is still matched on the rest.

use std::process::Output;

mod common;

use common::{stderr, Workspace};

/// One line of the links or review file.
#[derive(Debug)]
struct Row {
    left: String,
    right: String,
    status: String,
}

impl Workspace {
    fn new() -> Workspace {
        Workspace::with_agreement("cme-five-nations")
    }

    /// Links missing.csv with roll.csv, writing links.csv and review.csv.
    fn link(&self, extra: &[&str]) -> Output {
        let mut args = vec![
            "link",
            "--secret",
            "agreement.key",
            "--left",
            "missing.csv",
            "--right",
            "roll.csv",
            "--output",
            "links.csv",
            "--review",
            "review.csv",
        ];
        args.extend_from_slice(extra);
        let output = self.run(&args);
        assert!(output.status.success(), "{}", stderr(&output));
        output
    }

    fn rows(&self, name: &str) -> Vec<Row> {
        let mut reader = csv::Reader::from_path(self.path(name)).expect("a CSV file");
        let headers = reader.headers().expect("a header").clone();
        let column = |name: &str| headers.iter().position(|h| h == name).expect(name);
        let (l, r, s) = (
            column("left_record_id"),
            column("right_record_id"),
            column("status"),
        );
        reader
            .records()
            .map(|row| {
                let row = row.expect("a row");
                Row {
                    left: row[l].to_string(),
                    right: row[r].to_string(),
                    status: row[s].to_string(),
                }
            })
            .collect()
    }
}

const HEADER: &str = "record_id,forename,surname,dob,sex,upn,scn,authority\n";

#[test]
fn a_missing_child_gets_one_link_its_best_over_every_authority() {
    let ws = Workspace::new();
    ws.write(
        "missing.csv",
        format!("{HEADER}M1,Amelia,Smith,2014-03-02,F,H801200001001,,383\n"),
    );
    // The same child in Leeds (same UPN) and a namesake born the same day in Glasgow.
    ws.write(
        "roll.csv",
        format!(
            "{HEADER}R-LDS,Amelia,Smith,2014-03-02,F,H801200001001,,383\n\
             R-GLA,Amelia,Smith,2014-03-02,F,,,S12000049\n"
        ),
    );
    ws.link(&[]);
    let links = ws.rows("links.csv");
    assert_eq!(links.len(), 1, "{links:?}");
    assert_eq!(
        (links[0].left.as_str(), links[0].right.as_str()),
        ("M1", "R-LDS")
    );

    // Every pair, as before, on request.
    ws.link(&["--all-links"]);
    assert_eq!(ws.rows("links.csv").len(), 2);
}

#[test]
fn a_near_tie_is_marked_ambiguous_and_its_runner_up_is_in_the_review_file() {
    let ws = Workspace::new();
    ws.write(
        "missing.csv",
        format!("{HEADER}M1,Olivia,Brown,2015-01-09,F,,,383\n"),
    );
    ws.write(
        "roll.csv",
        format!(
            "{HEADER}R-LDS,Olivia,Brown,2015-01-09,F,,,383\n\
             R-GLA,Olivia,Brown,2015-01-09,F,,,S12000049\n"
        ),
    );
    let output = ws.link(&[]);
    let links = ws.rows("links.csv");
    assert_eq!(links.len(), 1, "{links:?}");
    assert_eq!(links[0].status, "ambiguous");
    let review = ws.rows("review.csv");
    let runner_up: Vec<&Row> = review.iter().filter(|r| r.status == "runner_up").collect();
    assert_eq!(runner_up.len(), 1, "{review:?}");
    assert_eq!(runner_up[0].left, "M1");
    assert_ne!(runner_up[0].right, links[0].right);
    assert!(
        stderr(&output).contains("1 ambiguous"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_record_without_a_date_of_birth_is_matched_on_its_identifier_and_names() {
    let ws = Workspace::new();
    ws.write(
        "missing.csv",
        format!("{HEADER}M1,Noah,Patel,,M,,123456785,S12000049\n"),
    );
    ws.write(
        "roll.csv",
        format!("{HEADER}R1,Noah,Patel,2013-06-21,M,,123456785,S12000049\n"),
    );
    let output = ws.link(&[]);
    let links = ws.rows("links.csv");
    assert_eq!(links.len(), 1, "{links:?}: {}", stderr(&output));
    assert!(
        stderr(&output).contains("1 without dob"),
        "the summary says what was missing: {}",
        stderr(&output)
    );

    // --strict skips the record, as before.
    let output = ws.link(&["--strict"]);
    assert!(ws.rows("links.csv").is_empty());
    assert!(stderr(&output).contains("1 skipped"), "{}", stderr(&output));
}
