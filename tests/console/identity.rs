//! Who is signed in, against the real binary and hub: a session survives a restart of the
//! console, and a reverse proxy's identity header, when configured, signs in the staff
//! account it names (and the hub records that account's decisions), refuses a name with no
//! account, and means nothing when not configured.

use reqwest::StatusCode;

use crate::world::{Site, World, PASSWORD};
use crate::{candidate_on_hub, csrf_in, no_redirects, REJECTED_RECORD};

/// Signs in `name` through the sign-in form; returns the session cookie (`name=value`).
async fn sign_in(http: &reqwest::Client, site: &Site, name: &str) -> String {
    let form = http.get(site.at("/sign-in")).send().await.expect("answer");
    let cookie = session_cookie(&form).expect("an anonymous session");
    let csrf = csrf_in(&form.text().await.expect("page"));
    let signed_in = http
        .post(site.at("/sign-in"))
        .header("cookie", &cookie)
        .form(&[("name", name), ("password", PASSWORD), ("csrf", &csrf)])
        .send()
        .await
        .expect("answer");
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    session_cookie(&signed_in).expect("a signed-in session")
}

/// The session cookie a response sets, as `name=value`.
fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("pupilmatch_console="))
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_of_the_console_signs_nobody_out() {
    let mut world = World::start().await;
    let http = no_redirects();
    let cookie = sign_in(&http, &world.leeds, "Ann Clark").await;
    world.leeds.restart(&[]).await;
    let page = http
        .get(world.leeds.at("/search"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("answer");
    assert_eq!(page.status(), StatusCode::OK, "still signed in");
    let text = page.text().await.expect("page");
    assert!(text.contains("<strong>Ann Clark</strong>"), "{text}");
    let kept = std::fs::read_to_string(world.workspace(&world.leeds).join("sessions.json"))
        .expect("the sessions file");
    let token = cookie.split_once('=').expect("name=value").1;
    assert!(!kept.contains(token), "only a hash of the token: {kept}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_proxy_the_identity_header_signs_in_its_account_whose_decisions_the_hub_records() {
    let mut world = World::start().await;
    let http = no_redirects();
    world.leeds.add_staff("Bob Hughes").await;
    world
        .leeds
        .restart(&["--proxy-identity-header", "X-Remote-User"])
        .await;
    let id = candidate_on_hub(&world.leeds, REJECTED_RECORD).await;

    // Named by the proxy, Bob is signed in without a password, and his rejection is his.
    let page = http
        .get(world.leeds.at(&format!("/candidates/{id}")))
        .header("x-remote-user", "Bob Hughes")
        .send()
        .await
        .expect("answer");
    assert_eq!(page.status(), StatusCode::OK);
    let cookie = session_cookie(&page).expect("a session for Bob");
    let html = page.text().await.expect("page");
    assert!(html.contains("<strong>Bob Hughes</strong>"), "{html}");
    let rejected = http
        .post(world.leeds.at(&format!("/candidates/{id}/reject")))
        .header("x-remote-user", "Bob Hughes")
        .header("cookie", &cookie)
        .form(&[
            ("reason", "different_child"),
            ("note", ""),
            ("csrf", &csrf_in(&html)),
        ])
        .send()
        .await
        .expect("answer");
    assert_eq!(rejected.status(), StatusCode::SEE_OTHER);
    let detail = world.leeds.hub.candidate(id).await.expect("candidate");
    assert!(
        detail
            .decisions
            .iter()
            .any(|d| d.kind == "reject" && d.decided_by == "Bob Hughes"),
        "{:?}",
        detail.decisions
    );

    // A name with no account is refused with a page saying so, even beside Bob's session.
    let refused = http
        .get(world.leeds.at("/"))
        .header("x-remote-user", "Mallory")
        .header("cookie", &cookie)
        .send()
        .await
        .expect("answer");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(session_cookie(&refused).is_none());
    let text = refused.text().await.expect("page");
    assert!(
        text.contains("is not a staff account of this console"),
        "{text}"
    );
    assert!(!text.contains("Bob Hughes</strong>"), "{text}");

    // Not configured, the header signs nobody in.
    world.leeds.restart(&[]).await;
    let ignored = http
        .get(world.leeds.at("/"))
        .header("x-remote-user", "Bob Hughes")
        .send()
        .await
        .expect("answer");
    assert_eq!(ignored.status(), StatusCode::SEE_OTHER);
    assert_eq!(ignored.headers()["location"], "/sign-in");
}
