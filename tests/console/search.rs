//! The national search page in the browser: Leeds types a child Glasgow holds, reads the
//! match and its evidence, opens it as a case; an impossible date of birth is shown beside its
//! field; a child nobody holds gets the "no match found" state. Nothing typed reaches the hub.

use fantoccini::Locator;

use crate::browser::Browser;
use crate::{signed_in, Side};

/// A middle name typed only into the search form: in no pupil file, so finding it anywhere at
/// the hub would mean the typed child leaked.
const TYPED_ONLY: &str = "Seonaid";

/// Types Glasgow's pupil GLA-0007 (Eilidh MacLeod, born 4 September 2013) as a referral
/// would give her, with a middle name of our own.
async fn type_eilidh(leeds: &Browser) {
    leeds.fill("forename", "Eilidh").await;
    leeds.fill("middle-names", TYPED_ONLY).await;
    leeds.fill("surname", "MacLeod").await;
    leeds.fill("dob", "04/09/2013").await;
    leeds.choose("sex", "F").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_finds_a_child_another_authority_holds_opens_it_as_a_case_and_nothing_typed_reaches_the_hub(
) {
    let (world, _driver, leeds) = signed_in(Side::Leeds).await;

    // The dashboard links to the search page.
    leeds.follow("National search").await;
    assert_eq!(leeds.path().await, "/search");
    leeds.record("search-form").await;

    type_eilidh(&leeds).await;
    leeds.press("Search").await;
    assert_eq!(leeds.path().await, "/search", "the child is never in a URL");
    let results = leeds.text_of("section.results").await;
    let page = leeds.text().await;
    assert!(page.contains("Glasgow City Council"), "{page}");
    assert!(page.contains("very strong"), "{page}");
    assert!(page.contains("same date of birth"), "{page}");
    assert!(page.contains("same forename"), "{page}");
    assert!(results.contains("possible match"), "{results}");
    assert!(leeds
        .client
        .find(Locator::Css("ol.results li.result details svg.waterfall"))
        .await
        .is_ok());
    leeds.record("search-results").await;
    leeds
        .client
        .find(Locator::Css("ol.results summary"))
        .await
        .expect("the chart's summary")
        .click()
        .await
        .expect("opened");
    leeds.scroll_to("result-1").await;
    leeds.record("search-evidence-chart").await;

    // The form still holds the child, so opening the case takes the referral only.
    leeds.fill("record-id", "LDS-SEARCH-0001").await;
    leeds.choose("referral-reason", "RTL").await;
    leeds.choose("referral-source", "LOS").await;
    leeds.scroll_to("case").await;
    leeds.screenshot("search-case-form").await;
    leeds.press("Search and open as a case").await;
    assert_eq!(leeds.path().await, "/search");
    let page = leeds.text().await;
    assert!(page.contains("Opened as a CME case"), "{page}");
    assert!(page.contains("LDS-SEARCH-0001"), "{page}");
    assert!(
        page.contains("Your pupil files hold no record with this id yet"),
        "{page}"
    );
    leeds.record("search-case-opened").await;

    // Only encodings travelled and only encodings are kept.
    let sent = world.proxy.sent();
    let search_path = b"/v1/searches";
    assert!(
        sent.windows(search_path.len()).any(|w| w == search_path),
        "the recording holds the searches"
    );
    world.assert_never_at_the_hub(&[
        TYPED_ONLY,
        "Eilidh",
        "MacLeod",
        "EILIDH",
        "MACLEOD",
        "04/09/2013",
        "2013-09-04",
        "LDS-SEARCH-0001",
    ]);
    leeds.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_impossible_date_of_birth_is_shown_beside_its_field_and_a_child_nobody_holds_is_not_found(
) {
    let (world, _driver, leeds) = signed_in(Side::Leeds).await;
    leeds.goto(&world.leeds.at("/search")).await;

    leeds.fill("forename", "Lily").await;
    leeds.fill("surname", "Jones").await;
    leeds.fill("dob", "2015-02-30").await;
    leeds.press("Search").await;
    let beside = leeds.text_of("#dob-messages").await;
    assert!(
        beside.contains("`2015-02-30` is not a possible date of birth: no such calendar date"),
        "{beside}"
    );
    let summary = leeds.text_of(".error-summary").await;
    assert!(
        summary.contains("not a possible date of birth"),
        "{summary}"
    );
    let dob = leeds.client.find(Locator::Id("dob")).await.expect("dob");
    assert_eq!(
        dob.attr("aria-describedby").await.expect("attribute"),
        Some("dob-hint dob-messages".into())
    );
    assert_eq!(
        dob.prop("value").await.expect("value"),
        Some("2015-02-30".into()),
        "what was typed is kept in the form to correct"
    );
    leeds.record("search-problem").await;
    let searches = b"/v1/searches";
    let sent = world.proxy.sent();
    assert!(
        !sent.windows(searches.len()).any(|w| w == searches),
        "nothing was searched"
    );

    leeds.fill("forename", "Zebedee").await;
    leeds.fill("surname", "Quigley").await;
    leeds.fill("dob", "2012-06-15").await;
    // From the keyboard: Enter in a field submits the search.
    leeds.enter_in("dob").await;
    assert_eq!(leeds.path().await, "/search");
    let page = leeds.text().await;
    assert!(page.contains("No match found"), "{page}");
    assert!(page.contains("Next step"), "{page}");
    assert!(
        leeds
            .client
            .find(Locator::Css("#dob-messages"))
            .await
            .is_err(),
        "the corrected date has no message"
    );
    leeds.record("search-no-match").await;
    leeds.close().await;
}
