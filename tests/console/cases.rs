//! The cases page in the browser: Leeds reads its open cases with their referral in words and
//! their age, closes one as found in another LA, sees its 6- and 18-week follow-ups and marks
//! the first one done.

use fantoccini::Locator;

use crate::{signed_in, Side};

/// The Leeds case the test closes (Jack Wilson).
const CLOSED: &str = "LDS-CME-0006";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_closes_a_case_with_an_outcome_and_marks_its_first_follow_up_done() {
    let (world, _driver, leeds) = signed_in(Side::Leeds).await;
    leeds.follow("Cases").await;
    assert_eq!(leeds.path().await, "/cases");
    let open = leeds
        .text_of("section[aria-labelledby='h-open'] table")
        .await;
    assert!(open.contains(CLOSED), "{open}");
    assert!(open.contains("RTL: reported to have left"), "{open}");
    assert!(
        open.contains("SCH: maintained school; referred on 2026-09-14"),
        "{open}"
    );
    let age = (chrono::Local::now().date_naive()
        - chrono::NaiveDate::from_ymd_opt(2026, 9, 14).expect("a date"))
    .num_days();
    assert!(
        open.contains(&format!("{age} days")),
        "{age} days in {open}"
    );
    leeds.record("cases-open").await;

    let select = leeds
        .client
        .find(Locator::XPath(&format!(
            "//tr[td/strong[normalize-space()='{CLOSED}']]//select"
        )))
        .await
        .expect("the case's outcome select");
    let id = select.attr("id").await.expect("id").expect("an id");
    // Closing without choosing an outcome closes nothing: the browser asks for one first.
    leeds
        .client
        .find(Locator::XPath(&format!(
            "//button[normalize-space()='Close case {CLOSED}']"
        )))
        .await
        .expect("the case's close button")
        .click()
        .await
        .expect("clicked");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(leeds.path().await, "/cases");
    assert_eq!(
        world
            .leeds
            .hub
            .open_cases()
            .await
            .expect("open cases")
            .len(),
        6
    );
    leeds.choose(&id, "OLA").await;
    leeds.press(&format!("Close case {CLOSED}")).await;
    assert!(leeds.path().await.starts_with("/cases?closed="));
    let page = leeds.text().await;
    assert!(
        page.contains(&format!("Case {CLOSED} closed: OLA: found in another LA.")),
        "{page}"
    );
    let open = leeds.text_of("section[aria-labelledby='h-open']").await;
    assert!(
        !open.contains(CLOSED),
        "a closed case leaves the list: {open}"
    );
    let follow_ups = leeds
        .text_of("section[aria-labelledby='h-follow-ups']")
        .await;
    assert!(
        follow_ups.contains("6-week check") && follow_ups.contains("18-week check"),
        "{follow_ups}"
    );
    assert!(follow_ups.contains(CLOSED), "{follow_ups}");
    leeds.record("cases-closed").await;
    leeds.scroll_to("h-follow-ups").await;
    leeds.screenshot("cases-follow-ups").await;

    leeds
        .press(&format!("Mark done: 6-week check for {CLOSED}"))
        .await;
    let page = leeds.text().await;
    assert!(page.contains("Follow-up marked done."), "{page}");
    let follow_ups = leeds
        .text_of("section[aria-labelledby='h-follow-ups']")
        .await;
    assert!(!follow_ups.contains("6-week check"), "{follow_ups}");
    assert!(follow_ups.contains("18-week check"), "{follow_ups}");
    leeds.record("cases-follow-up-done").await;
    leeds.scroll_to("h-follow-ups").await;
    leeds.screenshot("cases-follow-up-done-list").await;

    // The hub holds the same: one follow-up left, the 18-week one.
    let far = chrono::Local::now().date_naive() + chrono::Duration::days(200);
    let left = world
        .leeds
        .hub
        .follow_ups(Some(far))
        .await
        .expect("follow-ups");
    let kinds: Vec<&str> = left.iter().map(|f| f.kind.as_str()).collect();
    assert_eq!(kinds, vec!["18_weeks"]);
    leeds.close().await;
}
