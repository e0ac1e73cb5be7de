//! Headless Chromium through chromedriver (started on a free port, killed at the end), driven
//! with fantoccini; every page can be screenshotted and checked with axe-core.

use std::path::PathBuf;
use std::process::Stdio;

use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use tokio::process::{Child, Command};

/// A chromedriver process.
pub struct Driver {
    url: String,
    process: Child,
}

impl Driver {
    /// Starts chromedriver on a free port and waits until it answers.
    pub async fn start() -> Driver {
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            probe.local_addr().expect("address").port()
        };
        let process = Command::new(chromedriver())
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts (run scripts/ensure-chromium.sh)");
        let url = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        for _ in 0..500 {
            let status = client.get(format!("{url}/status")).send().await;
            if let Ok(response) = status {
                let body: Value = response.json().await.unwrap_or_default();
                if body["value"]["ready"] == true {
                    return Driver { url, process };
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("chromedriver did not become ready");
    }

    /// A new browser session (its own profile, so its own cookies).
    pub async fn browser(&self) -> Browser {
        let mut capabilities = serde_json::Map::new();
        let mut options = json!({"args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--window-size=1280,1100", "--lang=en-GB",
        ]});
        if let Some(binary) = chromium() {
            options["binary"] = json!(binary);
        }
        capabilities.insert("goog:chromeOptions".into(), options);
        // chromedriver speaks plain HTTP on loopback: no TLS stack needed.
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("a browser session");
        Browser { client }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.start_kill();
    }
}

fn chromedriver() -> String {
    std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into())
}

fn chromium() -> Option<String> {
    std::env::var("CHROMIUM").ok().or_else(|| {
        Some("/usr/bin/chromium".to_string()).filter(|p| std::path::Path::new(p).exists())
    })
}

/// One browser session.
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
}

/// Where screenshots go: `target/console-screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("console-screenshots")
}

impl Browser {
    /// Opens `url`.
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigation");
    }

    /// The path of the current URL (with its query).
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current URL");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// The visible text of the page.
    pub async fn text(&self) -> String {
        // After a form's POST and redirect the next document may still be loading.
        self.client
            .wait()
            .for_element(Locator::Css("main"))
            .await
            .expect("a page with a main landmark")
            .text()
            .await
            .expect("text")
    }

    /// The visible text of the element `css` (a dashboard group, say).
    pub async fn text_of(&self, css: &str) -> String {
        let element = self.client.find(Locator::Css(css)).await;
        let Ok(element) = element else {
            panic!("no {css} on the page: {}", self.text().await);
        };
        element.text().await.expect("text")
    }

    /// Types `value` into the field with id `id` (replacing what is there).
    pub async fn fill(&self, id: &str, value: &str) {
        let field = self.client.find(Locator::Id(id)).await.expect(id);
        field.clear().await.expect("cleared");
        field.send_keys(value).await.expect("typed");
    }

    /// Chooses the option with value `value` in the select with id `id`.
    pub async fn choose(&self, id: &str, value: &str) {
        self.client
            .find(Locator::Css(&format!("#{id} option[value='{value}']")))
            .await
            .expect(id)
            .click()
            .await
            .expect("chosen");
    }

    /// Clicks the button whose text is `label`.
    pub async fn press(&self, label: &str) {
        let button = self
            .client
            .find(Locator::XPath(&format!(
                "//button[normalize-space()='{label}']"
            )))
            .await
            .unwrap_or_else(|_| panic!("a button {label}"));
        self.click_and_leave(button).await;
    }

    /// Clicks `element` and waits until the browser has left the current document (a form's
    /// POST and redirect, or a link), so that what is read next is the new page, not the old.
    async fn click_and_leave(&self, element: fantoccini::elements::Element) {
        let old = self
            .client
            .find(Locator::Css("html"))
            .await
            .expect("a page");
        element.click().await.expect("clicked");
        Self::wait_to_leave(old).await;
    }

    /// Presses Enter in the field with id `id`, submitting its form with its first button as
    /// a keyboard user does, and waits for the next page.
    pub async fn enter_in(&self, id: &str) {
        let field = self.client.find(Locator::Id(id)).await.expect(id);
        let old = self
            .client
            .find(Locator::Css("html"))
            .await
            .expect("a page");
        field.send_keys(&Key::Enter).await.expect("typed");
        Self::wait_to_leave(old).await;
    }

    /// Waits until `old` (the previous page's root) is gone.
    async fn wait_to_leave(old: fantoccini::elements::Element) {
        for _ in 0..1000 {
            if old.tag_name().await.is_err() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("the browser did not leave the page");
    }

    /// Follows the link whose text is `label`.
    pub async fn follow(&self, label: &str) {
        let link = self
            .client
            .find(Locator::LinkText(label))
            .await
            .unwrap_or_else(|_| panic!("a link {label}"));
        self.click_and_leave(link).await;
    }

    /// Signs in as `name`.
    pub async fn sign_in(&self, console: &str, name: &str, password: &str) {
        self.goto(console).await;
        assert_eq!(self.path().await, "/sign-in");
        self.fill("name", name).await;
        self.fill("password", password).await;
        self.press("Sign in").await;
        assert_eq!(self.path().await, "/", "{}", self.text().await);
    }

    /// Scrolls the element with id `id` to the top of the window (for a screenshot of the
    /// lower part of a long page).
    pub async fn scroll_to(&self, id: &str) {
        self.client
            .execute(
                "document.getElementById(arguments[0]).scrollIntoView()",
                vec![json!(id)],
            )
            .await
            .expect("scrolled");
    }

    /// Writes a screenshot of the window to `target/console-screenshots/NAME.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("screenshot written");
    }

    /// Runs axe-core (from tests/console/node_modules) on the page and asserts it finds no
    /// violation.
    pub async fn assert_accessible(&self, page: &str) {
        let axe = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/console/node_modules/axe-core/axe.min.js");
        let source = std::fs::read_to_string(&axe)
            .expect("axe-core installed (run scripts/ensure-chromium.sh)");
        self.client
            .execute(&source, Vec::new())
            .await
            .expect("axe-core injected");
        let violations = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {resultTypes: ['violations']})
                    .then(r => done(r.violations.map(v => ({id: v.id, help: v.help,
                        nodes: v.nodes.map(n => n.target.join(' '))}))))
                    .catch(e => done([{id: 'axe-error', help: String(e), nodes: []}]));",
                Vec::new(),
            )
            .await
            .expect("axe-core ran");
        assert_eq!(violations, json!([]), "accessibility violations on {page}");
    }

    /// Screenshot and accessibility check of the current page.
    pub async fn record(&self, name: &str) {
        self.screenshot(name).await;
        self.assert_accessible(name).await;
    }

    /// Ends the session.
    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}
