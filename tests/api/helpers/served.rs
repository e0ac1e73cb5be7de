//! `pupilmatch serve` run as a process of its own, for what only a real process shows: a
//! signal, a resource limit, `kill -9` (`faults.rs`, `crashes.rs`).

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use super::TestHub;

/// `pupilmatch serve` run by `bash -c "LIMITS; exec pupilmatch serve …"` with extra
/// environment variables, on the database and hub key of a stopped [`TestHub`]; killed when
/// dropped.
pub struct ServedBinary {
    child: Child,
    /// Its base URL.
    pub base: String,
    log: Arc<Mutex<String>>,
}

impl ServedBinary {
    /// Starts the binary and waits until `/readyz` answers 200.
    pub async fn start(hub: &TestHub, limits: &str, env: &[(&str, &str)]) -> ServedBinary {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new("bash")
            .arg("-c")
            .arg(format!("{limits}; exec \"$@\""))
            .arg("bash")
            .arg(env!("CARGO_BIN_EXE_pupilmatch"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--database", &hub.config.database_url])
            .arg("--hub-key")
            .arg(&hub.config.hub_key)
            .env("PUPILMATCH_LOG", "warn")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            // A pipe, not a file: a log file would meet the file-size limit too.
            .stderr(Stdio::piped())
            .spawn()
            .expect("pupilmatch serve starts");
        let log = Arc::new(Mutex::new(String::new()));
        let (mut stderr, kept) = (child.stderr.take().unwrap(), log.clone());
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n @ 1..) = stderr.read(&mut chunk) {
                kept.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&chunk[..n]));
            }
        });
        let mut served = ServedBinary {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        for _ in 0..600 {
            served.assert_running();
            let ready = reqwest::get(served.url("/readyz")).await;
            if ready.is_ok_and(|r| r.status() == StatusCode::OK) {
                return served;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the hub did not become ready: {}", served.log());
    }

    /// The URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What it has written to standard error so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Panics, with its log, if it has ended.
    pub fn assert_running(&mut self) {
        let exited = self.child.try_wait().expect("the hub's status");
        assert!(
            exited.is_none(),
            "the hub ended ({exited:?}): {}",
            self.log()
        );
    }

    /// Waits (up to 30 s) for it to end, and asserts it was killed by `SIGKILL`.
    pub async fn assert_killed(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let status: ExitStatus = loop {
            if let Some(status) = self.child.try_wait().expect("the hub's status") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "the hub is still running: {}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert_eq!(status.signal(), Some(9), "{status:?}: {}", self.log());
    }
}

impl Drop for ServedBinary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
