//! A hub on a fresh SQLite database and two consoles (Leeds, England; Glasgow, Scotland) set
//! up exactly as a coordinator would with the real binary: keys from `keygen`, a staff account
//! from `console user add`, the disclosure key registered, the example files submitted. The
//! consoles talk to the hub through a recording proxy, so tests can read what they sent.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;

use pupilmatch::client::{HubClient, HubClientConfig};
use pupilmatch::disclosure::DisclosureKeyPair;
use pupilmatch::hub::{Hub, HubConfig, Policy};
use pupilmatch::store::{Authority, Jurisdiction, NewAgreement, Store};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::oneshot;

/// The hub's confirmation window in these tests, in days (the default is 28).
pub const CONFIRM_WITHIN_DAYS: i64 = 5;

use crate::proxy::RecordingProxy;

/// The agreement both consoles are party to.
pub const AGREEMENT: &str = "eng-scot-cme";
/// Every staff account's password in these tests.
pub const PASSWORD: &str = "a long test password";

const BIN: &str = env!("CARGO_BIN_EXE_pupilmatch");

/// One authority's console.
pub struct Site {
    /// Authority code.
    pub code: String,
    /// The staff member who signs in.
    pub staff: &'static str,
    /// The console's base URL (no trailing slash).
    pub url: String,
    /// The fingerprint of this authority's disclosure key (read out to the other side).
    pub fingerprint: String,
    /// A hub client with this authority's key, for checking what the hub recorded.
    pub hub: HubClient,
    console: Child,
    /// The workspace folder.
    dir: std::path::PathBuf,
    /// The hub's URL as the console is given it (the recording proxy).
    proxy_url: String,
    api_key: String,
}

/// The hub and two consoles.
pub struct World {
    /// Leeds City Council (England): the missing children.
    pub leeds: Site,
    /// Glasgow City Council (Scotland): the roll.
    pub glasgow: Site,
    /// Everything the consoles sent to the hub.
    pub proxy: RecordingProxy,
    stop: Option<oneshot::Sender<()>>,
    dir: tempfile::TempDir,
}

async fn run(mut command: Command, stdin: Option<&str>) -> String {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("the binary starts");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input
            .write_all(text.as_bytes())
            .await
            .expect("stdin written");
    }
    drop(input);
    let output = child.wait_with_output().await.expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(output.status.success(), "{command:?} failed: {stderr}");
    stderr
}

fn pupilmatch(args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command.args(args).kill_on_drop(true);
    command
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

impl World {
    /// Starts the hub, registers both authorities and the agreement, sets up both workspaces,
    /// submits the example files and starts both consoles.
    pub async fn start() -> World {
        let dir = tempfile::tempdir().expect("temporary directory");
        let config = HubConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: format!("sqlite://{}?mode=rwc", dir.path().join("hub.db").display()),
            hub_key: dir.path().join("keys").join("hub.key"),
            // A short confirmation window, so every new candidate is about to expire.
            policy: Policy {
                confirm_within_days: CONFIRM_WITHIN_DAYS,
                ..Policy::default()
            },
            ..HubConfig::default()
        };
        let hub = Hub::build(config).await.expect("the hub starts");
        let hub_url = format!("http://{}", hub.local_addr());
        let store = hub.state().store.clone();
        let hub_addr = hub.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            hub.run_until(async {
                let _ = stopped.await;
            })
            .await
            .expect("the hub serves");
        });
        wait_until_ready(&format!("{hub_url}/readyz")).await;
        let proxy = RecordingProxy::start(hub_addr).await;

        let secret = dir.path().join("agreement.key");
        run(
            pupilmatch(&[
                "keygen",
                "--agreement",
                AGREEMENT,
                "--output",
                path(&secret),
            ]),
            None,
        )
        .await;
        let leeds_key = register(&store, "383", "Leeds City Council", Jurisdiction::England).await;
        let glasgow_key = register(
            &store,
            "S12000049",
            "Glasgow City Council",
            Jurisdiction::Scotland,
        )
        .await;
        store
            .add_agreement(&NewAgreement {
                id: AGREEMENT.into(),
                name: "England-Scotland CME".into(),
                purpose: "Finding children missing from education".into(),
                lawful_basis: "public task".into(),
                retention_days: 365,
                epochs: vec![1],
                members: vec!["383".into(), "S12000049".into()],
            })
            .await
            .expect("agreement added");

        let setup = |code: &'static str,
                     name: &'static str,
                     staff: &'static str,
                     key: String,
                     file: &'static str| {
            let dir = dir.path().join(code);
            let secret = secret.clone();
            let hub_url = hub_url.clone();
            let proxy_url = proxy.url();
            async move {
                Site::set_up(
                    &dir, code, name, staff, &key, file, &secret, &hub_url, &proxy_url,
                )
                .await
            }
        };
        let leeds = setup(
            "383",
            "Leeds City Council",
            "Ann Clark",
            leeds_key,
            "leeds_missing.csv",
        )
        .await;
        let glasgow = setup(
            "S12000049",
            "Glasgow City Council",
            "Morag Reid",
            glasgow_key,
            "glasgow_roll.csv",
        )
        .await;
        World {
            leeds,
            glasgow,
            proxy,
            stop: Some(stop),
            dir,
        }
    }

    /// Asserts that none of `raw` is in what the consoles sent to the hub or in what the hub
    /// stores.
    pub fn assert_never_at_the_hub(&self, raw: &[&str]) {
        let sent = self.proxy.sent();
        let stored = self.database_bytes();
        assert!(!stored.is_empty());
        for value in raw {
            let needle = value.as_bytes();
            assert!(
                !sent.windows(needle.len()).any(|w| w == needle),
                "a console sent {value} to the hub"
            );
            assert!(
                !stored.windows(needle.len()).any(|w| w == needle),
                "the hub stores {value}"
            );
        }
    }

    /// The workspace folder of `site`'s console.
    pub fn workspace(&self, site: &Site) -> std::path::PathBuf {
        self.dir.path().join(&site.code)
    }

    /// Everything the hub's SQLite database holds on disk (main file and write-ahead log).
    pub fn database_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        for name in ["hub.db", "hub.db-wal"] {
            if let Ok(mut b) = std::fs::read(self.dir.path().join(name)) {
                bytes.append(&mut b);
            }
        }
        bytes
    }
}

impl Drop for World {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn register(store: &Store, code: &str, name: &str, jurisdiction: Jurisdiction) -> String {
    store
        .add_authority(&Authority {
            code: code.into(),
            name: name.into(),
            jurisdiction,
        })
        .await
        .expect("authority added");
    store.issue_key(Some(code), code).await.expect("key issued")
}

async fn wait_until_ready(url: &str) {
    let client = reqwest::Client::new();
    for _ in 0..500 {
        if client
            .get(url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("{url} did not become ready");
}

impl Site {
    #[allow(clippy::too_many_arguments)]
    async fn set_up(
        dir: &Path,
        code: &str,
        name: &str,
        staff: &'static str,
        api_key: &str,
        file: &str,
        secret: &Path,
        hub_url: &str,
        proxy_url: &str,
    ) -> Site {
        std::fs::create_dir_all(dir).expect("workspace folder");
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        std::fs::copy(examples.join(file), dir.join(file)).expect("pupil file copied");
        std::fs::copy(secret, dir.join("agreement.key")).expect("secret copied");
        let local = dir.join("local.key");
        let disclosure = dir.join("disclosure.key");
        run(
            pupilmatch(&["keygen", "--local", "--output", path(&local)]),
            None,
        )
        .await;
        run(
            pupilmatch(&["keygen", "--disclosure", "--output", path(&disclosure)]),
            None,
        )
        .await;
        let config = serde_json::json!({
            "authority_code": code,
            "authority_name": name,
            "agreement_secrets": ["agreement.key"],
            "local_key": "local.key",
            "disclosure_key": "disclosure.key",
            "pupil_files": [file],
            "coordinator": {"name": staff, "email": format!("cme@{}.example", code.to_lowercase()), "phone": "0113 000 0000"},
        });
        std::fs::write(dir.join("console.json"), config.to_string()).expect("config written");
        add_staff_account(dir, staff).await;
        let with_key = |mut command: Command| {
            command
                .env("PUPILMATCH_API_KEY", api_key)
                .env("PUPILMATCH_HUB", hub_url);
            command
        };
        run(
            with_key(pupilmatch(&[
                "disclosure",
                "register",
                "--key",
                path(&disclosure),
            ])),
            None,
        )
        .await;
        let input = dir.join(file);
        let mut submit = vec![
            "submit",
            "--input",
            path(&input),
            "--secret",
            path(secret),
            "--local-key",
            path(&local),
        ];
        if file.contains("missing") {
            submit.extend([
                "--role",
                "missing",
                "--referral-reason",
                "RTL",
                "--referral-source",
                "SCH",
                "--referred-on",
                "2026-09-14",
            ]);
        } else {
            submit.extend(["--role", "roll", "--snapshot"]);
        }
        run(with_key(pupilmatch(&submit)), None).await;

        let (console, url) = start_console(dir, proxy_url, api_key, &[]).await;
        let fingerprint = DisclosureKeyPair::load(&disclosure)
            .expect("disclosure key")
            .public()
            .fingerprint();
        Site {
            code: code.into(),
            staff,
            url,
            fingerprint,
            hub: HubClient::new(HubClientConfig::new(hub_url, api_key)).expect("client"),
            console,
            dir: dir.to_path_buf(),
            proxy_url: proxy_url.into(),
            api_key: api_key.into(),
        }
    }

    /// A file in this console's workspace.
    pub fn workspace_file(&self, name: &str) -> std::path::PathBuf {
        self.dir.join(name)
    }

    /// Stops this console and starts it again over the same workspace with `extra` arguments
    /// (it listens on a new port: `url` changes).
    pub async fn restart(&mut self, extra: &[&str]) {
        let _ = self.console.start_kill();
        let _ = self.console.wait().await;
        let (console, url) = start_console(&self.dir, &self.proxy_url, &self.api_key, extra).await;
        self.console = console;
        self.url = url;
    }

    /// Adds staff account `name` (with [`PASSWORD`]) to the workspace, as
    /// `pupilmatch console user add` does; a running console sees it after a restart.
    pub async fn add_staff(&self, name: &str) {
        add_staff_account(&self.dir, name).await;
    }

    /// The URL of `path` on this console.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }
}

/// Adds staff account `name` (with [`PASSWORD`]) to the workspace in `dir` with the binary.
async fn add_staff_account(dir: &Path, name: &str) {
    run(
        pupilmatch(&[
            "console",
            "user",
            "add",
            "--workspace",
            path(dir),
            "--name",
            name,
        ]),
        Some(&format!("{PASSWORD}\n")),
    )
    .await;
}

/// Starts `pupilmatch console` over the workspace in `dir` with `extra` arguments, and
/// returns it and the address it printed.
async fn start_console(
    dir: &Path,
    proxy_url: &str,
    api_key: &str,
    extra: &[&str],
) -> (Child, String) {
    let mut args = vec![
        "console",
        "--workspace",
        path(dir),
        "--hub",
        proxy_url,
        "--listen",
        "127.0.0.1:0",
    ];
    args.extend_from_slice(extra);
    let mut console = pupilmatch(&args);
    console
        .env("PUPILMATCH_API_KEY", api_key)
        .env_remove("PUPILMATCH_HUB")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut console = console.spawn().expect("the console starts");
    let stdout = console.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .await
        .expect("the console prints its address");
    let url = line
        .trim()
        .rsplit(' ')
        .next()
        .expect("an address")
        .trim_end_matches('/')
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    (console, url)
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = self.console.start_kill();
    }
}
