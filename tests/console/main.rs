//! The coordinator's console, end to end in a real browser: one hub, two consoles (Leeds in
//! England, Glasgow in Scotland) started from the real binary, driven in headless Chromium.
//! Every page visited is screenshotted to `target/console-screenshots/` and checked with
//! axe-core.

mod browser;
mod cases;
mod data_protection;
mod identity;
mod proxy;
mod reflow;
mod search;
mod uploads;
mod welsh;
mod world;

use fantoccini::Locator;
use pupilmatch::store::CandidateState;
use reqwest::redirect::Policy;
use reqwest::StatusCode;

use browser::{Browser, Driver};
use world::{World, PASSWORD};

/// Leeds's missing child whose Glasgow record has the day and month of birth swapped.
const LEEDS_RECORD: &str = "LDS-CME-0004";
/// Glasgow's record of the same child.
const GLASGOW_RECORD: &str = "GLA-0004";
/// Leeds's missing child the tests reject.
const REJECTED_RECORD: &str = "LDS-CME-0003";

/// Which console a test signs in to.
#[derive(Debug, Clone, Copy)]
enum Side {
    /// Leeds: the missing children.
    Leeds,
    /// Glasgow: the roll.
    Glasgow,
}

/// A fresh world, its browser driver and the coordinator of `side` signed in (the driver
/// must outlive the browser).
async fn signed_in(side: Side) -> (World, Driver, Browser) {
    let world = World::start().await;
    let driver = Driver::start().await;
    let browser = driver.browser().await;
    let site = match side {
        Side::Leeds => &world.leeds,
        Side::Glasgow => &world.glasgow,
    };
    browser.sign_in(&site.url, site.staff, PASSWORD).await;
    (world, driver, browser)
}

/// The id of the candidate whose row on the dashboard shows our record `record_id`.
async fn candidate_on_dashboard(browser: &Browser, record_id: &str) -> i64 {
    let found = browser
        .client
        .find(Locator::XPath(&format!(
            "//tr[td[normalize-space()='{record_id}']]//a"
        )))
        .await;
    let Ok(link) = found else {
        panic!("{record_id} on the dashboard: {}", browser.text().await);
    };
    let href = link.attr("href").await.expect("href").expect("a link");
    href.trim_start_matches("/candidates/")
        .parse()
        .expect("a candidate id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_authorities_confirm_open_and_verify_a_match_in_the_browser_and_no_raw_data_reaches_the_hub(
) {
    let world = World::start().await;
    let driver = Driver::start().await;
    let leeds = driver.browser().await;
    let glasgow = driver.browser().await;

    // Sign in; the candidate appears on both dashboards, as new.
    leeds.goto(&world.leeds.url).await;
    leeds.record("sign-in").await;
    leeds
        .sign_in(&world.leeds.url, world.leeds.staff, PASSWORD)
        .await;
    leeds.record("dashboard-leeds").await;
    let id = candidate_on_dashboard(&leeds, LEEDS_RECORD).await;
    // Each dashboard load keeps the hub's signed audit checkpoint in the workspace, the hub's
    // signing key pinned at the first.
    let dashboard = leeds.text().await;
    assert!(dashboard.contains("signed checkpoint kept"), "{dashboard}");
    // Undecided, it expires at the end of the hub's window: listed as about to expire.
    let expiring = leeds.text_of("#expiring").await;
    assert!(expiring.contains(LEEDS_RECORD), "{expiring}");
    assert!(
        expiring.contains(&format!("(in {} days)", world::CONFIRM_WITHIN_DAYS)),
        "{expiring}"
    );
    let workspace = world.workspace(&world.leeds);
    assert!(workspace.join("hub-audit-key.json").exists());
    let kept: pupilmatch::checkpoint::Checkpoint = serde_json::from_str(
        &std::fs::read_to_string(workspace.join("audit-checkpoint.json")).unwrap(),
    )
    .unwrap();
    assert!(kept.n_events > 0 && kept.verify().is_ok(), "{kept:?}");
    glasgow
        .sign_in(&world.glasgow.url, world.glasgow.staff, PASSWORD)
        .await;
    glasgow.record("dashboard-glasgow").await;
    assert_eq!(candidate_on_dashboard(&glasgow, GLASGOW_RECORD).await, id);

    // The fingerprint exchange: each coordinator reads out the fingerprint their fingerprints
    // page shows, grouped as it is read, and the other records it as heard (in lower case,
    // or with dashes), once.
    leeds.goto(&world.leeds.at("/fingerprints")).await;
    let ours = leeds.text_of("p.fingerprint").await;
    assert_eq!(
        ours,
        world.leeds.fingerprint.to_uppercase().replace('-', " ")
    );
    let theirs = leeds.text_of("table").await;
    assert!(theirs.contains("not checked yet"), "{theirs}");
    leeds.record("fingerprints").await;
    record_fingerprint(
        &leeds,
        &world.leeds,
        "S12000049",
        &world.glasgow.fingerprint.to_lowercase().replace('-', " "),
    )
    .await;
    let page = leeds.text().await;
    assert!(page.contains("matches the key the hub publishes"), "{page}");
    assert!(
        !page.contains(&world.glasgow.fingerprint.to_uppercase().replace('-', " ")),
        "never the hub's fingerprint of the other side's key: {page}"
    );
    leeds.record("fingerprints-recorded").await;
    // At 200% zoom a 1280-pixel screen is 640 CSS pixels wide: the page still fits.
    leeds
        .client
        .set_window_size(640, 720)
        .await
        .expect("a narrow window");
    welsh::assert_fits(&leeds).await;
    leeds.screenshot("fingerprints-zoom-200").await;
    leeds
        .client
        .set_window_size(1280, 1100)
        .await
        .expect("the window back");
    record_fingerprint(&glasgow, &world.glasgow, "383", &world.leeds.fingerprint).await;
    assert!(glasgow
        .text()
        .await
        .contains("matches the key the hub publishes"));

    // Leeds reads the evidence beside its own record and confirms.
    leeds
        .goto(&world.leeds.at(&format!("/candidates/{id}")))
        .await;
    leeds.record("candidate").await;
    let page = leeds.text().await;
    assert!(page.contains("Scotland"), "{page}");
    assert!(page.contains("day and month swapped"), "{page}");
    assert!(
        page.contains("Smith-Jones") && page.contains("2015-01-09"),
        "{page}"
    );
    assert!(leeds
        .client
        .find(Locator::Css("svg.waterfall rect"))
        .await
        .is_ok());
    leeds.choose("confirm-reason", "names_and_dob_agree").await;
    let key = leeds.text_of("#their-key").await;
    assert!(key.contains("matches the key the hub publishes"), "{key}");
    leeds.press("Confirm and send our record sealed").await;
    let page = leeds.text().await;
    assert!(page.contains("You confirmed this candidate"), "{page}");
    leeds.record("candidate-confirmed").await;

    // Glasgow sees it awaiting its decision, and confirms too.
    glasgow.goto(&world.glasgow.url).await;
    let awaiting = glasgow.text_of("#awaiting-me").await;
    assert!(awaiting.contains(GLASGOW_RECORD), "{awaiting}");
    glasgow
        .goto(&world.glasgow.at(&format!("/candidates/{id}")))
        .await;
    glasgow.press("Confirm and send our record sealed").await;
    assert!(glasgow
        .text()
        .await
        .contains("You confirmed this candidate"));

    // Both open the other side's record here, compare it with theirs and verify.
    for (browser, site, name, theirs) in [
        (&leeds, &world.leeds, "disclosure-leeds", "2015-09-01"),
        (&glasgow, &world.glasgow, "disclosure-glasgow", "2015-01-09"),
    ] {
        browser.goto(&site.at(&format!("/candidates/{id}"))).await;
        browser.follow("Open the other authority's record").await;
        let page = browser.text().await;
        assert!(page.contains(theirs), "{page}");
        assert!(page.contains("day and month swapped"), "{page}");
        browser.record(name).await;
        browser.choose("outcome", "same_child").await;
        browser.press("Record verdict").await;
        assert!(browser.text().await.contains("Your verdict is recorded"));
    }
    leeds.goto(&world.leeds.url).await;
    let to_close = leeds.text_of("#to-close").await;
    assert!(to_close.contains(LEEDS_RECORD), "{to_close}");
    leeds.record("dashboard-verified").await;

    // The hub recorded each decision under the staff member who made it.
    let detail = world.leeds.hub.candidate(id).await.expect("candidate");
    assert_eq!(detail.state, CandidateState::VerifiedSame);
    let deciders: Vec<(&str, &str, &str)> = detail
        .decisions
        .iter()
        .map(|d| (d.authority.as_str(), d.kind.as_str(), d.decided_by.as_str()))
        .collect();
    assert!(
        deciders.contains(&("383", "confirm", "Ann Clark")),
        "{deciders:?}"
    );
    assert!(
        deciders.contains(&("S12000049", "confirm", "Morag Reid")),
        "{deciders:?}"
    );

    // Nothing the consoles sent, and nothing the hub stores, holds a raw name or date of birth.
    let sent = world.proxy.sent();
    assert!(
        sent.windows(b"/confirm".len()).any(|w| w == b"/confirm"),
        "the recording holds the confirmations"
    );
    world.assert_never_at_the_hub(&[
        "Smith-Jones",
        "2015-01-09",
        "2015-09-01",
        "Brennan",
        "Bhraon",
        "Mohammed",
        "Muhammad",
        "Kowalska",
        "MacLeod",
        "2013-05-20",
        "2014-03-07",
    ]);
    leeds.close().await;
    glasgow.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_candidate_releases_nothing_and_a_wrong_fingerprint_is_refused() {
    let world = World::start().await;
    let driver = Driver::start().await;
    let leeds = driver.browser().await;
    let glasgow = driver.browser().await;
    leeds
        .sign_in(&world.leeds.url, world.leeds.staff, PASSWORD)
        .await;
    glasgow
        .sign_in(&world.glasgow.url, world.glasgow.staff, PASSWORD)
        .await;
    let id = candidate_on_dashboard(&leeds, REJECTED_RECORD).await;

    // With no fingerprint recorded, Glasgow's confirmation is refused.
    glasgow
        .goto(&world.glasgow.at(&format!("/candidates/{id}")))
        .await;
    glasgow.press("Confirm and send our record sealed").await;
    let page = glasgow.text().await;
    assert!(
        page.contains("no fingerprint of 383's disclosure key is recorded"),
        "{page}"
    );

    // A malformed fingerprint is refused beside its field, and nothing is recorded.
    glasgow.goto(&world.glasgow.at("/fingerprints")).await;
    glasgow.fill("fingerprint", "0123 4567 89AB").await;
    glasgow.press("Record fingerprint").await;
    let refusal = glasgow.text_of("#fingerprint-error").await;
    assert!(refusal.contains("this has 12"), "{refusal}");
    let field = glasgow
        .client
        .find(Locator::Id("fingerprint"))
        .await
        .expect("the field");
    assert_eq!(
        field.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    assert_eq!(
        field.prop("value").await.unwrap().as_deref(),
        Some("0123 4567 89AB")
    );
    glasgow.record("fingerprints-malformed").await;

    // Glasgow records a wrong fingerprint (its own): the page says it does not match, and the
    // confirmation is refused; nothing is sealed or sent.
    record_fingerprint(&glasgow, &world.glasgow, "383", &world.glasgow.fingerprint).await;
    let page = glasgow.text().await;
    assert!(
        page.contains("does NOT match the key the hub publishes"),
        "{page}"
    );
    glasgow
        .goto(&world.glasgow.at(&format!("/candidates/{id}")))
        .await;
    glasgow.press("Confirm and send our record sealed").await;
    let page = glasgow.text().await;
    assert!(page.contains("does not have the fingerprint"), "{page}");
    glasgow.record("candidate-wrong-fingerprint").await;
    let detail = world.glasgow.hub.candidate(id).await.expect("candidate");
    assert_eq!(detail.state, CandidateState::Proposed);

    // Glasgow records the right one and confirms; Leeds rejects: nothing is released.
    record_fingerprint(&glasgow, &world.glasgow, "383", &world.leeds.fingerprint).await;
    glasgow
        .goto(&world.glasgow.at(&format!("/candidates/{id}")))
        .await;
    glasgow.press("Confirm and send our record sealed").await;
    assert!(glasgow
        .text()
        .await
        .contains("You confirmed this candidate"));
    leeds
        .goto(&world.leeds.at(&format!("/candidates/{id}")))
        .await;
    leeds.choose("reject-reason", "different_child").await;
    leeds.fill("reject-note", "different school history").await;
    leeds.press("Reject").await;
    let page = leeds.text().await;
    assert!(page.contains("You rejected this candidate"), "{page}");
    assert!(
        !page.contains("Open the other authority's record"),
        "{page}"
    );
    leeds.record("candidate-rejected").await;

    for site in [&world.leeds, &world.glasgow] {
        let detail = site.hub.candidate(id).await.expect("candidate");
        assert_eq!(detail.state, CandidateState::Rejected);
        assert!(!detail.released);
        assert!(
            site.hub.download_disclosure(id).await.is_err(),
            "{} could download a record of a rejected candidate",
            site.code
        );
    }
    let detail = world.leeds.hub.candidate(id).await.expect("candidate");
    assert!(detail
        .decisions
        .iter()
        .any(|d| d.kind == "reject" && d.decided_by == "Ann Clark"));
    leeds.close().await;
    glasgow.close().await;
}

/// Records on `site`'s fingerprints page the fingerprint `authority`'s coordinator read out.
async fn record_fingerprint(
    browser: &Browser,
    site: &world::Site,
    authority: &str,
    read_out: &str,
) {
    browser.goto(&site.at("/fingerprints")).await;
    browser.choose("authority", authority).await;
    browser.fill("fingerprint", read_out).await;
    browser.press("Record fingerprint").await;
}

/// The id of the candidate holding our record `record_id`, as the hub lists it to `site`.
async fn candidate_on_hub(site: &world::Site, record_id: &str) -> i64 {
    let reference = pupilmatch::encode::LocalKey::load(&site.workspace_file("local.key"))
        .expect("local key")
        .record_ref(record_id);
    let query = pupilmatch::client::CandidateQuery {
        limit: Some(1000),
        ..Default::default()
    };
    let candidates = site.hub.candidates(&query).await.expect("candidates");
    candidates
        .iter()
        .find(|c| c.record.record_ref == reference)
        .unwrap_or_else(|| panic!("no candidate for {record_id}"))
        .id
}

/// The CSRF token of the first form in `html`.
fn csrf_in(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a CSRF token in a form")
        .to_string()
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_session_pages_redirect_to_sign_in_and_posts_without_the_csrf_token_are_refused()
{
    let world = World::start().await;
    let http = no_redirects();
    for path in ["/", "/candidates/1", "/candidates/1/disclosure"] {
        let response = http.get(world.leeds.at(path)).send().await.expect("answer");
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(response.headers()["location"], "/sign-in", "{path}");
    }

    // A real session (signed in through the form) but a POST without its token: 403.
    let sign_in = http
        .get(world.leeds.at("/sign-in"))
        .send()
        .await
        .expect("answer");
    let headers = sign_in.headers().clone();
    assert_eq!(
        headers["content-security-policy"],
        pupilmatch::console::server::CONTENT_SECURITY_POLICY
    );
    assert_eq!(headers["x-frame-options"], "DENY");
    let cookie = headers["set-cookie"].to_str().expect("cookie").to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let cookie = cookie.split(';').next().expect("name=value").to_string();
    let html = sign_in.text().await.expect("page");
    let csrf = csrf_in(&html);
    let post = |path: &str, form: Vec<(&'static str, String)>| {
        http.post(world.leeds.at(path))
            .header("cookie", &cookie)
            .form(&form)
            .send()
    };
    let without = post(
        "/sign-in",
        vec![("name", "Ann Clark".into()), ("password", PASSWORD.into())],
    )
    .await
    .expect("answer");
    assert_eq!(without.status(), StatusCode::FORBIDDEN);
    let signed_in = post(
        "/sign-in",
        vec![
            ("name", "Ann Clark".into()),
            ("password", PASSWORD.into()),
            ("csrf", csrf.clone()),
        ],
    )
    .await
    .expect("answer");
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("name=value")
        .to_string();
    let dashboard = http
        .get(world.leeds.at("/"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("answer");
    assert_eq!(dashboard.status(), StatusCode::OK);
    let html = dashboard.text().await.expect("page");
    let csrf = csrf_in(&html);
    for form in [
        vec![("reason", "different_child".to_string())],
        vec![
            ("reason", "different_child".to_string()),
            ("csrf", "forged".to_string()),
        ],
    ] {
        let response = http
            .post(world.leeds.at("/candidates/1/reject"))
            .header("cookie", &cookie)
            .form(&form)
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{form:?}");
    }
    let detail = world.leeds.hub.candidate(1).await.expect("candidate 1");
    assert_eq!(
        detail.state,
        CandidateState::Proposed,
        "nothing was decided"
    );
    // The session's own token is accepted (the sign-out form).
    let out = http
        .post(world.leeds.at("/sign-out"))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf)])
        .send()
        .await
        .expect("answer");
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
}
