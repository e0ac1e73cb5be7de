//! The console in Welsh in the browser: a coordinator switches to Cymraeg on the dashboard,
//! reads Welsh headings and navigation, moves to other pages and stays in Welsh (the choice is
//! remembered in a cookie), axe-core finds no violation in Welsh, and switches back to English
//! on the page they are on. The navigation marks the page shown with `aria-current="page"`.
//! At 1280×720 nothing is wider than the window.

use fantoccini::Locator;

use crate::browser::Browser;
use crate::{candidate_on_dashboard, signed_in, Side, LEEDS_RECORD};

/// The `lang` of the page's `<html>`.
async fn page_lang(browser: &Browser) -> String {
    let html = browser
        .client
        .find(Locator::Css("html"))
        .await
        .expect("html");
    html.attr("lang").await.expect("lang").unwrap_or_default()
}

/// Asserts that the one navigation link marked as the current page is `label`, to `href`.
async fn assert_current(browser: &Browser, href: &str, label: &str) {
    let current = browser
        .client
        .find_all(Locator::Css("nav[aria-label] a[aria-current='page']"))
        .await
        .expect("links");
    assert_eq!(
        current.len(),
        1,
        "one current link on {}",
        browser.path().await
    );
    let link = &current[0];
    assert_eq!(link.attr("href").await.unwrap().as_deref(), Some(href));
    assert_eq!(link.text().await.unwrap(), label);
}

/// Asserts that the page is no wider than the window (nothing overflows sideways).
pub(crate) async fn assert_fits(browser: &Browser) {
    let widths = browser
        .client
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            Vec::new(),
        )
        .await
        .expect("widths");
    let (page, window) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
    assert!(
        page <= window,
        "{} is {page}px wide in a {window}px window",
        browser.path().await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_switches_to_welsh_stays_in_welsh_from_page_to_page_and_switches_back() {
    let (_world, _driver, leeds) = signed_in(Side::Leeds).await;
    leeds
        .client
        .set_window_size(1280, 720)
        .await
        .expect("a 1280×720 window");
    assert_eq!(page_lang(&leeds).await, "en");
    assert_current(&leeds, "/", "Dashboard").await;

    // The switch is a link in the header, in Welsh and marked as Welsh.
    let switch = leeds
        .client
        .find(Locator::LinkText("Cymraeg"))
        .await
        .expect("a link to Cymraeg");
    assert_eq!(switch.attr("lang").await.unwrap().as_deref(), Some("cy"));
    leeds.follow("Cymraeg").await;
    assert_eq!(leeds.path().await, "/");
    assert_eq!(page_lang(&leeds).await, "cy");
    assert_eq!(leeds.text_of("h1").await, "Dangosfwrdd");
    let nav = leeds.text_of("nav[aria-label='Prif ddewislen']").await;
    for link in [
        "Chwiliad cenedlaethol",
        "Uwchlwytho",
        "Achosion",
        "Olion bysedd",
        "Diogelu data",
    ] {
        assert!(nav.contains(link), "{link} in {nav}");
    }
    let dashboard = leeds.text().await;
    assert!(dashboard.contains("Ymgeiswyr newydd"), "{dashboard}");
    assert!(
        dashboard.contains("Gwiriadau dilynol sy'n ddyledus"),
        "{dashboard}"
    );
    assert_current(&leeds, "/", "Dangosfwrdd").await;
    assert_fits(&leeds).await;
    leeds.record("dashboard-cy").await;

    // Other pages: still Welsh, and the navigation marks each.
    for (link, path, heading, words, screenshot) in [
        (
            "Achosion",
            "/cases",
            "Achosion",
            "Achosion agored",
            "cases-cy",
        ),
        (
            "Chwiliad cenedlaethol",
            "/search",
            "Chwiliad cenedlaethol",
            "Cyn i chi chwilio",
            "search-cy",
        ),
        (
            "Uwchlwytho",
            "/uploads",
            "Uwchlwytho ffeil",
            "Beth sydd yn y ffeil?",
            "uploads-cy",
        ),
        (
            "Olion bysedd",
            "/fingerprints",
            "Olion bysedd",
            "Allweddi'r awdurdodau eraill",
            "fingerprints-cy",
        ),
        (
            "Diogelu data",
            "/data-protection",
            "Diogelu data",
            "Log archwilio",
            "data-protection-cy",
        ),
    ] {
        leeds.follow(link).await;
        assert_eq!(leeds.path().await, path);
        assert_eq!(page_lang(&leeds).await, "cy", "{path}");
        assert_eq!(leeds.text_of("h1").await, heading);
        let text = leeds.text().await;
        assert!(text.contains(words), "{words} in {text}");
        assert_current(&leeds, path, link).await;
        assert_fits(&leeds).await;
        leeds.record(screenshot).await;
    }

    // A candidate: the evidence in Welsh words, and every label of its chart inside the chart.
    leeds.follow("Dangosfwrdd").await;
    let id = candidate_on_dashboard(&leeds, LEEDS_RECORD).await;
    leeds.follow(&format!("Ymgeisydd {id}")).await;
    assert_eq!(page_lang(&leeds).await, "cy");
    let candidate = leeds.text().await;
    for words in ["Pam y cynigiodd y paru hwn", "Ein cofnod", "Dyddiad geni: "] {
        assert!(candidate.contains(words), "{words} in {candidate}");
    }
    let outside = leeds
        .client
        .execute(
            "const svg = document.querySelector('svg.waterfall');
             const width = svg.viewBox.baseVal.width;
             return Array.from(svg.querySelectorAll('text'))
                 .map(t => t.getBBox())
                 .filter(b => b.x < 0 || b.x + b.width > width).length;",
            Vec::new(),
        )
        .await
        .expect("the chart's labels measured");
    assert_eq!(outside, 0, "chart labels outside the chart");
    assert_fits(&leeds).await;
    leeds.record("candidate-cy").await;
    leeds.follow("Diogelu data").await;

    // Back to English, on the same page.
    leeds.follow("English").await;
    assert_eq!(leeds.path().await, "/data-protection");
    assert_eq!(page_lang(&leeds).await, "en");
    assert_eq!(leeds.text_of("h1").await, "Data protection");
    assert_current(&leeds, "/data-protection", "Data protection").await;
    leeds.follow("Cases").await;
    assert_eq!(page_lang(&leeds).await, "en", "English is remembered too");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_welsh_the_search_form_s_field_errors_the_encode_report_and_the_hub_s_refusals_are_welsh(
) {
    let (world, _driver, leeds) = signed_in(Side::Leeds).await;
    leeds
        .goto(&world.leeds.at("/language?to=cy&back=/search"))
        .await;
    assert_eq!(page_lang(&leeds).await, "cy");

    // The search form: an impossible date of birth, beside its field, in Welsh.
    leeds.fill("forename", "Lily").await;
    leeds.fill("surname", "Jones").await;
    leeds.fill("dob", "2015-02-30").await;
    leeds.press("Chwilio").await;
    let dob = leeds.text_of("#dob-messages").await;
    assert!(
        dob.contains(
            "nid yw `2015-02-30` yn ddyddiad geni posibl: nid oes dyddiad o'r fath yn y calendr"
        ),
        "{dob}"
    );
    leeds.record("search-problem-cy").await;

    // The encode report (a roll, the default): a bad line and a warning, in Welsh.
    leeds.goto(&world.leeds.at("/uploads")).await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("missing.csv");
    std::fs::write(
        &file,
        "record_id,forename,surname,dob,sex,scn\n\
         LDS-9001,Rhys,Evans,2014-13-40,M,\n\
         LDS-9002,Cerys,Evans,2014-03-07,Z,12345678\n",
    )
    .expect("file written");
    leeds
        .client
        .find(Locator::Id("file"))
        .await
        .expect("file input")
        .send_keys(file.to_str().expect("a UTF-8 path"))
        .await
        .expect("file chosen");
    leeds.press("Darllen y ffeil").await;
    let report = leeds.text_of("table.problems").await;
    for words in [
        "nid yw `2014-13-40` yn ddyddiad geni posibl",
        "nid yw `Z` yn rhyw cydnabyddedig",
        "nid yw `12345678` yn ddilys (mae SCN yn 9 digid, canfuwyd `12345678`)",
    ] {
        assert!(report.contains(words), "{words} in {report}");
    }
    assert!(
        !report.contains("is not a possible date of birth"),
        "{report}"
    );
    leeds.record("uploads-problems-cy").await;

    // A refusal of the hub, by its problem type, in Welsh.
    leeds.goto(&world.leeds.at("/candidates/999999")).await;
    let page = leeds.text().await;
    assert!(page.contains("nid oes gan yr hwb eitem o'r fath"), "{page}");
    leeds.record("hub-problem-cy").await;
}
