//! What a new user sees when something around the hub is wrong: the real binary, each cause
//! printed once, and a hint saying what to do.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

fn pupilmatch(dir: &tempfile::TempDir, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pupilmatch"))
        .args(args)
        .current_dir(dir.path())
        .env("PUPILMATCH_LOG", "warn")
        .env_remove("PUPILMATCH_HUB")
        .env_remove("PUPILMATCH_API_KEY")
        .envs(env.iter().copied())
        .output()
        .expect("run pupilmatch")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A hub run by the real binary in a temporary directory, stopped when dropped.
struct RunningHub {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    url: String,
    /// `127.0.0.1:PORT`.
    listen: String,
}

impl RunningHub {
    /// Starts `pupilmatch serve` on a free port with `database` and waits until it listens.
    fn start(dir: &tempfile::TempDir, database: &str) -> RunningHub {
        Self::start_logging(dir, database, "warn").0
    }

    /// As [`RunningHub::start`], logging at `level`; also returns what it wrote to stderr
    /// (a pipe) up to the line saying where it listens.
    fn start_logging(
        dir: &tempfile::TempDir,
        database: &str,
        level: &str,
    ) -> (RunningHub, Vec<String>) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pupilmatch"))
            .args(["serve", "--listen", "127.0.0.1:0", "--database", database])
            .current_dir(dir.path())
            .env("PUPILMATCH_LOG", level)
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the hub");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let mut log = Vec::new();
        let url = loop {
            let line = lines
                .next()
                .expect("the hub says where it listens")
                .expect("stderr");
            if let Some(url) = line.strip_prefix("pupilmatch hub listening on ") {
                break url.to_string();
            }
            log.push(line);
        };
        let listen = url.trim_start_matches("http://").to_string();
        (RunningHub { child, url, listen }, log)
    }
}

impl Drop for RunningHub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_refused_connection_is_reported_once_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let output = pupilmatch(
        &dir,
        &[
            "candidates",
            "--hub",
            "http://127.0.0.1:9",
            "--api-key",
            "k",
        ],
        &[],
    );
    let message = stderr(&output);
    assert!(!output.status.success());
    assert_eq!(
        message.matches("error sending request").count(),
        1,
        "{message}"
    );
    assert_eq!(
        message.matches("Connection refused").count(),
        1,
        "{message}"
    );
    assert_eq!(
        message.matches("http://127.0.0.1:9/").count(),
        1,
        "the address is said once: {message}"
    );
    assert!(
        message.contains("hint: nothing answered at that address"),
        "{message}"
    );
}

#[test]
fn a_hub_url_without_http_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let output = pupilmatch(
        &dir,
        &["candidates", "--hub", "127.0.0.1:9", "--api-key", "k"],
        &[],
    );
    let message = stderr(&output);
    assert!(!output.status.success());
    assert!(
        message.contains(
            "hub URL `127.0.0.1:9` must start with https:// (or http:// on a trusted network)"
        ),
        "{message}"
    );
    assert!(!message.contains("relative URL"), "{message}");
}

#[test]
fn a_new_sqlite_hub_starts_without_mode_rwc_and_its_database_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let hub = RunningHub::start(&dir, "sqlite://fresh.db");
    assert!(hub.url.starts_with("http://127.0.0.1:"));
    let path: PathBuf = dir.path().join("fresh.db");
    assert!(path.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "fresh.db is {mode:o}");
    }
}

#[test]
fn a_bad_api_key_says_which_setting_to_check() {
    let dir = tempfile::tempdir().unwrap();
    let hub = RunningHub::start(&dir, "sqlite://hub.db?mode=rwc");
    let output = pupilmatch(
        &dir,
        &["candidates", "--hub", &hub.url],
        &[("PUPILMATCH_API_KEY", "not-a-key")],
    );
    let message = stderr(&output);
    assert!(!output.status.success());
    assert!(message.contains("401"), "{message}");
    assert!(
        message.contains("hint: check PUPILMATCH_API_KEY"),
        "{message}"
    );
}

#[test]
fn a_port_in_use_is_reported_once_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let hub = RunningHub::start(&dir, "sqlite://one.db?mode=rwc");
    let output = pupilmatch(
        &dir,
        &[
            "serve",
            "--listen",
            &hub.listen,
            "--database",
            "sqlite://two.db?mode=rwc",
        ],
        &[],
    );
    let message = stderr(&output);
    assert!(!output.status.success());
    let cause = std::io::Error::from(std::io::ErrorKind::AddrInUse).to_string();
    assert_eq!(message.matches("in use").count(), 1, "{cause}: {message}");
    assert!(message.contains("hint: another program"), "{message}");
}

#[test]
fn a_postgresql_database_that_does_not_exist_says_how_to_create_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = std::env::var("PUPILMATCH_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
    let (prefix, _) = server.rsplit_once('/').expect("a database URL");
    let name = format!("pupilmatch_absent_{}", uuid::Uuid::new_v4().simple());
    let output = pupilmatch(
        &dir,
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database",
            &format!("{prefix}/{name}"),
        ],
        &[],
    );
    let message = stderr(&output);
    assert!(!output.status.success());
    assert_eq!(message.matches("does not exist").count(), 1, "{message}");
    assert!(
        message.contains("hint: create the database first"),
        "{message}"
    );
    assert!(message.contains(&format!("createdb {name}")), "{message}");
}

#[test]
fn logs_written_to_a_pipe_have_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let (_hub, log) = RunningHub::start_logging(&dir, "sqlite://hub.db?mode=rwc", "info");
    assert!(
        log.iter()
            .any(|l| l.contains("INFO") && l.contains("hub listening")),
        "{log:?}"
    );
    assert!(log.iter().all(|l| !l.contains('\x1b')), "{log:?}");
}

#[tokio::test]
async fn admin_on_postgresql_prints_no_sqlx_notices() {
    use sqlx::{Connection, Executor};
    let server = std::env::var("PUPILMATCH_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
    let (prefix, _) = server.rsplit_once('/').expect("a database URL");
    let name = format!("pupilmatch_cli_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&server)
        .await
        .expect("PostgreSQL");
    admin
        .execute(format!("create database {name}").as_str())
        .await
        .unwrap();
    let database = format!("{prefix}/{name}");
    let dir = tempfile::tempdir().unwrap();
    // admin opens the hub key as serve does (its actions are audited under it): one made before.
    let hub_key = dir.path().join("keys").join("hub.key");
    pupilmatch::hub::key_custody::prepare_directory(&hub_key).unwrap();
    pupilmatch::hub::layer::HubLayer::load_or_create(&hub_key).unwrap();
    let mut outputs = Vec::new();
    // The second run finds the migrations table already there: PostgreSQL says so in a notice.
    for code in ["383", "384"] {
        let database = database.clone();
        let path = dir.path().to_path_buf();
        let code = code.to_string();
        outputs.push(
            tokio::task::spawn_blocking(move || {
                Command::new(env!("CARGO_BIN_EXE_pupilmatch"))
                    .args(["admin", "--database", &database, "authority", "add"])
                    .args([
                        "--code",
                        &code,
                        "--name",
                        "Leeds",
                        "--jurisdiction",
                        "england",
                    ])
                    .current_dir(&path)
                    .env("PUPILMATCH_HUB_KEY", path.join("keys").join("hub.key"))
                    .env_remove("PUPILMATCH_LOG")
                    .output()
                    .expect("run pupilmatch")
            })
            .await
            .unwrap(),
        );
    }
    admin
        .execute(format!("drop database {name} with (force)").as_str())
        .await
        .unwrap();
    for output in &outputs {
        assert!(output.status.success(), "{}", stderr(output));
        let message = stderr(output);
        assert!(
            !message.contains("sqlx") && !message.contains("INFO"),
            "{message}"
        );
        assert!(message.starts_with("added authority"), "{message}");
    }
}

#[test]
fn search_help_says_typed_names_stay_in_shell_history_and_offers_a_file_or_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let output = pupilmatch(&dir, &["search", "--help"], &[]);
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("shell history"), "{help}");
    assert!(help.contains("--from-file child.csv"), "{help}");
    assert!(help.contains("--from-stdin"), "{help}");
    assert!(help.contains("you are asked for each field"), "{help}");
}
