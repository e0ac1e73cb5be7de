//! `scripts/demo.sh`, README's main-job command, in the mode it takes in a terminal (issue #21's
//! "done when"): after the main job it leaves the hub and a console for each authority running,
//! prints their addresses and sign-in details, and a newcomer who signs in with them sees the
//! candidates, ready to confirm; Ctrl-C stops all three. A test has no terminal, so
//! `PUPILMATCH_DEMO_STAY=1` asks for that mode and `PUPILMATCH_DEMO_STAY_SECONDS` bounds it.

use std::net::TcpListener;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::StatusCode;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// What the demo prints for one console.
#[derive(Debug)]
struct Printed {
    url: String,
    staff: String,
    password: String,
}

/// The console the demo printed under `heading`: its address, then `sign in as:` and
/// `password:` on the next lines.
fn printed(lines: &[String], heading: &str) -> Printed {
    let at = lines
        .iter()
        .position(|l| l.contains(heading))
        .unwrap_or_else(|| panic!("no `{heading}` line in:\n{}", lines.join("\n")));
    let after = |label: &str, line: &String| {
        line.split_once(label)
            .unwrap_or_else(|| panic!("`{line}` has no `{label}`"))
            .1
            .trim()
            .to_string()
    };
    Printed {
        url: lines[at]
            .split_whitespace()
            .last()
            .expect("an address")
            .trim_end_matches('/')
            .to_string(),
        staff: after("sign in as:", &lines[at + 1]),
        password: after("password:", &lines[at + 2]),
    }
}

/// The `name=value` of a response's session cookie.
fn cookie(response: &reqwest::Response) -> String {
    let set = response
        .headers()
        .get(SET_COOKIE)
        .expect("a session cookie")
        .to_str()
        .unwrap();
    set.split(';').next().unwrap().to_string()
}

/// Signs in on the console at `site` as a newcomer would, through the sign-in form; the signed-in
/// session's cookie.
async fn sign_in(client: &reqwest::Client, site: &Printed) -> String {
    let form = client
        .get(format!("{}/sign-in", site.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        form.status(),
        StatusCode::OK,
        "{}: the sign-in page",
        site.url
    );
    let anonymous = cookie(&form);
    let page = form.text().await.unwrap();
    let csrf = page
        .split_once(r#"name="csrf" value=""#)
        .and_then(|(_, rest)| rest.split_once('"'))
        .expect("the sign-in form carries a CSRF token")
        .0
        .to_string();
    let signed_in = client
        .post(format!("{}/sign-in", site.url))
        .header(COOKIE, anonymous)
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", site.staff.as_str()),
            ("password", site.password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        signed_in.status(),
        StatusCode::SEE_OTHER,
        "{}: signing in as {} with the printed password",
        site.url,
        site.staff
    );
    assert_eq!(signed_in.headers()[LOCATION], "/");
    cookie(&signed_in)
}

/// The page at `path` of the console at `site`, signed in with `session`.
async fn page(client: &reqwest::Client, site: &Printed, session: &str, path: &str) -> String {
    let response = client
        .get(format!("{}{path}", site.url))
        .header(COOKIE, session)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{}{path}", site.url);
    response.text().await.unwrap()
}

/// The first candidate linked from a dashboard, e.g. `/candidates/3`.
fn first_candidate(dashboard: &str) -> String {
    let (_, rest) = dashboard
        .split_once(r#"href="/candidates/"#)
        .unwrap_or_else(|| panic!("no candidate on the dashboard:\n{dashboard}"));
    let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
    format!("/candidates/{id}")
}

/// The fingerprint `keygen --disclosure` printed in a demo folder.
fn fingerprint(folder: &Path) -> String {
    let printed = std::fs::read_to_string(folder.join("keygen.txt")).unwrap();
    let (_, rest) = printed.split_once("fingerprint ").expect("a fingerprint");
    rest.split(|c: char| !(c.is_ascii_hexdigit() || c == '-'))
        .next()
        .unwrap()
        .to_string()
}

fn port(url: &str) -> u16 {
    url.rsplit(':').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_demo_leaves_a_hub_and_two_consoles_running_with_their_candidates_until_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo-output");
    let mut demo = Command::new("bash");
    demo.arg(Path::new(ROOT).join("scripts/demo.sh"))
        .env("PUPILMATCH_BIN", env!("CARGO_BIN_EXE_pupilmatch"))
        .env("PUPILMATCH_DEMO_OUTPUT", &out)
        .env("PUPILMATCH_DEMO_STAY", "1")
        .env("PUPILMATCH_DEMO_STAY_SECONDS", "120")
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env_remove("PUPILMATCH_API_KEY")
        .env_remove("PUPILMATCH_DATABASE")
        .env_remove("PUPILMATCH_HUB")
        .env_remove("PUPILMATCH_HUB_KEY")
        // Its own process group, as a terminal's foreground job is: Ctrl-C signals the group.
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut demo = demo.spawn().expect("bash runs the demo");
    let group = demo.id().expect("a process id").to_string();
    let mut stdout = BufReader::new(demo.stdout.take().unwrap()).lines();
    let mut lines = Vec::new();
    let running = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(line) = stdout.next_line().await.unwrap() {
            lines.push(line);
            if lines.iter().filter(|l| l.contains("password:")).count() == 2 {
                return true;
            }
        }
        false
    })
    .await;
    if running != Ok(true) {
        let output = demo.wait_with_output().await.unwrap();
        panic!(
            "the demo did not print both consoles:\n{}\n{}",
            lines.join("\n"),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let hub = lines
        .iter()
        .rev()
        .find_map(|l| l.trim().strip_prefix("hub "))
        .expect("the hub's address")
        .trim()
        .to_string();
    let leeds = printed(&lines, "Leeds City Council (England) console");
    let glasgow = printed(&lines, "Glasgow City Council (Scotland) console");
    assert_eq!(leeds.staff, "Ann Clark");
    assert_eq!(glasgow.staff, "Morag Reid");
    assert_ne!(
        leeds.password, glasgow.password,
        "each account its own password"
    );

    let client = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    for (site, own_ids, other, other_folder) in [
        (&leeds, "LDS-CME-", "S12000049", out.join("glasgow")),
        (&glasgow, "GLA-", "383", out.join("leeds")),
    ] {
        let session = sign_in(&client, site).await;
        let dashboard = page(&client, site, &session, "/").await;
        assert!(
            dashboard.contains(own_ids),
            "{}: the dashboard shows our own record ids:\n{dashboard}",
            site.url
        );
        // The other side's fingerprint, as read out by phone, was recorded: the confirm form
        // says the key the hub publishes matches it, and never shows the fingerprint itself.
        let candidate = page(&client, site, &session, &first_candidate(&dashboard)).await;
        assert!(candidate.contains(other), "{candidate}");
        let read_out = fingerprint(&other_folder);
        assert!(
            candidate.contains("matches the key the hub publishes")
                && !candidate.contains(&read_out),
            "{}: the confirm form says {other}'s recorded fingerprint matches:\n{candidate}",
            site.url
        );
    }

    // Ctrl-C: SIGINT to the demo's process group, as a terminal sends it.
    let interrupted = std::process::Command::new("kill")
        .args(["-s", "INT", "--", &format!("-{group}")])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let stopped = tokio::time::timeout(Duration::from_secs(20), demo.wait()).await;
    assert!(stopped.is_ok(), "the demo did not stop on Ctrl-C");
    let left = std::process::Command::new("kill")
        .args(["-0", "--", &format!("-{group}")])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(
        !left.success(),
        "a process the demo started is still running"
    );
    for url in [&hub, &leeds.url, &glasgow.url] {
        assert!(
            TcpListener::bind(("127.0.0.1", port(url))).is_ok(),
            "{url} still listens after Ctrl-C"
        );
    }
}
