//! The uploads page in the browser: Glasgow chooses a file of new pupils with a bad line, reads
//! the encode report (the bad line named by line, record and field) while nothing has reached
//! the hub, sends it with a progress bar, and the new pupil's match with a Leeds case appears
//! on its dashboard beside our record, read from the uploaded file. A file with nothing usable
//! cannot be sent.

use std::path::Path;

use fantoccini::Locator;

use crate::browser::Browser;
use crate::world::World;
use crate::{candidate_on_dashboard, signed_in, Side};

/// New pupils on Glasgow's roll: GLA-0101 is Leeds's missing William Murphy (LDS-CME-0005);
/// line 3 has an impossible date of birth; line 4 an SCN that fails its check; `house` is not
/// a column pupilmatch reads.
const NEW_PUPILS: &str = "record_id,forename,surname,dob,sex,scn,house\n\
    GLA-0101,William,Murphy,2012-10-02,M,,Red\n\
    GLA-0102,Rhona,Drummond,2014-13-40,F,,Blue\n\
    GLA-0103,Kirsty,Drummond,2013-01-05,F,12345678,Blue\n";

const SUBMISSIONS: &[u8] = b"/v1/submissions";

fn sent_a_submission(world: &World) -> bool {
    let sent = world.proxy.sent();
    sent.windows(SUBMISSIONS.len()).any(|w| w == SUBMISSIONS)
}

/// Chooses `file` in the upload form and presses "Read the file".
async fn read_file(browser: &Browser, file: &Path) {
    let input = browser
        .client
        .find(Locator::Id("file"))
        .await
        .expect("file input");
    input
        .send_keys(file.to_str().expect("a UTF-8 path"))
        .await
        .expect("file chosen");
    browser.press("Read the file").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uploaded_roll_is_previewed_with_its_bad_line_before_anything_is_sent_then_sent_and_matched(
) {
    let (world, _driver, glasgow) = signed_in(Side::Glasgow).await;
    glasgow.follow("Uploads").await;
    assert_eq!(glasgow.path().await, "/uploads");
    glasgow.record("uploads-form").await;

    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("new_pupils.csv");
    std::fs::write(&file, NEW_PUPILS).expect("file written");
    read_file(&glasgow, &file).await;
    assert!(glasgow.path().await.starts_with("/uploads/"));
    let page = glasgow.text().await;
    assert!(page.contains("Nothing has been sent yet"), "{page}");
    assert!(
        page.contains("3\nrecords read") || page.contains("3 records read"),
        "{page}"
    );
    let bad_line = glasgow.text_of("table.problems tbody tr:first-child").await;
    for expected in [
        "3",
        "GLA-0102",
        "Date of birth",
        "`2014-13-40` is not a possible date of birth",
    ] {
        assert!(bad_line.contains(expected), "{expected} in {bad_line}");
    }
    let warning = glasgow
        .text_of("table.problems tbody tr:nth-child(2)")
        .await;
    assert!(
        warning.contains("GLA-0103") && warning.contains("SCN") && warning.contains("left out"),
        "{warning}"
    );
    assert!(page.contains("house: not recognised, ignored"), "{page}");
    glasgow.record("uploads-preview").await;
    glasgow.scroll_to("send-form").await;
    glasgow.screenshot("uploads-preview-send").await;
    // The progress bar as the page's script shows it while records leave, halfway through
    // (the real upload of two records is over before a screenshot could catch it).
    glasgow
        .client
        .execute(
            "document.getElementById('sending').hidden = false;
             document.getElementById('send-progress').value = 1;
             document.getElementById('send-status').textContent = '1 of 2 records sent';",
            Vec::new(),
        )
        .await
        .expect("progress shown");
    glasgow.scroll_to("send-form").await;
    glasgow.record("uploads-progress").await;
    assert!(
        !sent_a_submission(&world),
        "nothing reaches the hub before Send is pressed"
    );

    glasgow.press("Send 2 records to the hub").await;
    let page = glasgow.text().await;
    assert!(
        page.contains("The hub stored 2 records from new_pupils.csv"),
        "{page}"
    );
    assert!(
        page.contains("See the new candidates on your dashboard"),
        "{page}"
    );
    let new_candidates = glasgow.text_of("a.card[href='/']").await;
    assert!(
        new_candidates.contains('1') && new_candidates.contains("new candidates"),
        "{new_candidates}"
    );
    glasgow.record("uploads-sent").await;
    let upload = glasgow.path().await;
    assert!(sent_a_submission(&world));
    glasgow
        .goto(&world.glasgow.at(&format!("{upload}/progress")))
        .await;
    let progress = glasgow.text_of("body").await;
    assert!(
        progress.contains(r#""sent":2"#) && progress.contains(r#""state":"sent""#),
        "{progress}"
    );
    world.assert_never_at_the_hub(&[
        "William",
        "Murphy",
        "Kirsty",
        "Drummond",
        "2012-10-02",
        "GLA-0101",
    ]);

    // The new pupil's candidate shows our record, read from the file just uploaded.
    glasgow.goto(&world.glasgow.url).await;
    let id = candidate_on_dashboard(&glasgow, "GLA-0101").await;
    glasgow
        .goto(&world.glasgow.at(&format!("/candidates/{id}")))
        .await;
    let ours = glasgow.text_of("section[aria-labelledby='h-ours']").await;
    assert!(
        ours.contains("William") && ours.contains("2012-10-02"),
        "{ours}"
    );
    glasgow.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_with_nothing_usable_cannot_be_sent_and_says_why() {
    let (world, _driver, glasgow) = signed_in(Side::Glasgow).await;
    glasgow.goto(&world.glasgow.at("/uploads")).await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("empty_roll.csv");
    std::fs::write(&file, "record_id,forename,surname,dob\n").expect("file written");
    read_file(&glasgow, &file).await;
    let page = glasgow.text().await;
    assert!(page.contains("This file cannot be sent"), "{page}");
    assert!(page.contains("no records, only a header row"), "{page}");
    assert!(
        glasgow.client.find(Locator::Id("send-form")).await.is_err(),
        "no send button"
    );
    glasgow.record("uploads-refused").await;
    assert!(!sent_a_submission(&world));
    glasgow.close().await;
}
