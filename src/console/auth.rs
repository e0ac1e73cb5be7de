//! Sessions, sign-in state and CSRF tokens. The cookie carries only a random token,
//! `HttpOnly; SameSite=Strict` (+ `Secure`). Every session, signed in or not, has its own CSRF
//! token, which every form carries and every POST must return.
//!
//! Signed-in sessions are kept in the workspace's `sessions.json` (0600), so a restart of the
//! console signs nobody out: each by the SHA-256 of its token (never the token itself), with
//! its CSRF token, who signed in and when it was last used. A session unused for longer than
//! the idle limit is gone (the next request is sent to sign in); signing out deletes it.
//! Anonymous sessions (the sign-in form's) live in memory only.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use axum::http::{header, HeaderMap};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::users::StaffName;
use super::ConsoleError;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "pupilmatch_console";

/// The sessions file inside a workspace.
pub const SESSIONS_FILE: &str = "sessions.json";

/// How long a session may go unused before it ends, unless the workspace says otherwise.
pub const DEFAULT_IDLE_MINUTES: u32 = 30;

/// How stale a kept session's last use may be on disk before a request writes it again (so
/// that not every page load rewrites the file).
const TOUCH_EVERY_SECONDS: i64 = 60;

/// A random token, hex.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The SHA-256 of a session token, hex: what the sessions file keeps.
fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Seconds since the Unix epoch, now.
fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// One browser's session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The session token (the cookie's value).
    pub token: String,
    /// The CSRF token every form of this session carries.
    pub csrf: String,
    /// Who signed in, if anyone.
    pub user: Option<StaffName>,
}

/// A session as kept: by its token's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Kept {
    /// The CSRF token.
    csrf: String,
    /// Who signed in, if anyone (only signed-in sessions are written to the file).
    user: Option<StaffName>,
    /// When it was last used (seconds since the Unix epoch).
    last_used: i64,
    /// When its last use was last written to the file.
    #[serde(skip)]
    written: i64,
}

/// The sessions file: kept sessions by the SHA-256 of their token.
#[derive(Debug, Default, Serialize, Deserialize)]
struct SessionsFile {
    sessions: HashMap<String, Kept>,
}

/// The live sessions.
#[derive(Debug)]
pub struct Sessions {
    /// The sessions file (`None`: memory only).
    path: Option<PathBuf>,
    /// How long a session may go unused, in seconds.
    idle_seconds: i64,
    by_hash: Mutex<HashMap<String, Kept>>,
}

impl Default for Sessions {
    /// Sessions in memory only, with the default idle limit.
    fn default() -> Sessions {
        Sessions {
            path: None,
            idle_seconds: i64::from(DEFAULT_IDLE_MINUTES) * 60,
            by_hash: Mutex::default(),
        }
    }
}

impl Sessions {
    /// The sessions kept in `path` (none yet is none), ending after `idle_minutes` unused;
    /// those already idle too long are dropped.
    pub fn load(path: &Path, idle_minutes: u32) -> Result<Sessions, ConsoleError> {
        let file: SessionsFile = match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| ConsoleError::Config {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => SessionsFile::default(),
            Err(source) => {
                return Err(ConsoleError::Io {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        let sessions = Sessions {
            path: Some(path.to_path_buf()),
            idle_seconds: i64::from(idle_minutes) * 60,
            by_hash: Mutex::new(file.sessions),
        };
        {
            let mut kept = sessions.lock();
            let at = now();
            kept.retain(|_, k| at - k.last_used <= sessions.idle_seconds);
            for k in kept.values_mut() {
                k.written = k.last_used;
            }
        }
        Ok(sessions)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Kept>> {
        self.by_hash.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The session whose token the request's cookie carries, unless it has been idle too
    /// long (then it is ended).
    pub fn from_headers(&self, headers: &HeaderMap) -> Option<Session> {
        let token = cookie_value(headers, SESSION_COOKIE)?;
        self.find(&token, now())
    }

    /// The session with `token` at time `at`, its last use moved to `at`.
    fn find(&self, token: &str, at: i64) -> Option<Session> {
        let hash = token_hash(token);
        let mut kept = self.lock();
        let session = kept.get_mut(&hash)?;
        if at - session.last_used > self.idle_seconds {
            let signed_in = session.user.is_some();
            kept.remove(&hash);
            if signed_in {
                self.write(&kept);
            }
            return None;
        }
        session.last_used = at;
        let found = Session {
            token: token.to_string(),
            csrf: session.csrf.clone(),
            user: session.user.clone(),
        };
        if session.user.is_some() && at - session.written >= TOUCH_EVERY_SECONDS {
            session.written = at;
            self.write(&kept);
        }
        Some(found)
    }

    /// A new session, signed in as `user` or anonymous.
    pub fn create(&self, user: Option<StaffName>) -> Session {
        let session = Session {
            token: random_token(),
            csrf: random_token(),
            user,
        };
        let at = now();
        let mut kept = self.lock();
        // Sessions nobody came back to are dropped here, so memory does not grow with them.
        let before = kept.values().filter(|k| k.user.is_some()).count();
        kept.retain(|_, k| at - k.last_used <= self.idle_seconds);
        let dropped_signed_in = kept.values().filter(|k| k.user.is_some()).count() < before;
        kept.insert(
            token_hash(&session.token),
            Kept {
                csrf: session.csrf.clone(),
                user: session.user.clone(),
                last_used: at,
                written: at,
            },
        );
        if session.user.is_some() || dropped_signed_in {
            self.write(&kept);
        }
        session
    }

    /// Ends a session.
    pub fn remove(&self, token: &str) {
        let mut kept = self.lock();
        if let Some(ended) = kept.remove(&token_hash(token)) {
            if ended.user.is_some() {
                self.write(&kept);
            }
        }
    }

    /// Writes the signed-in sessions to the file, replacing it whole (0600). A failure is
    /// logged: the sessions stay good in memory, only a restart would lose them.
    fn write(&self, kept: &HashMap<String, Kept>) {
        let Some(path) = &self.path else {
            return;
        };
        let file = SessionsFile {
            sessions: kept
                .iter()
                .filter(|(_, k)| k.user.is_some())
                .map(|(hash, k)| (hash.clone(), k.clone()))
                .collect(),
        };
        if let Err(e) = write_private_json(path, &file) {
            tracing::warn!(path = %path.display(), error = %e, "could not keep the console's sessions");
        }
    }
}

/// Writes `value` as JSON to `path` through a temporary file renamed over it, readable by
/// its owner only.
fn write_private_json(path: &Path, value: &impl Serialize) -> std::io::Result<()> {
    crate::keyfile::replace_private_file(path, &serde_json::to_vec(value)?)
}

/// Whether `submitted` is the session's CSRF token (compared in constant time).
pub fn csrf_matches(session: &Session, submitted: &str) -> bool {
    let (expected, given) = (session.csrf.as_bytes(), submitted.as_bytes());
    expected.len() == given.len()
        && expected
            .iter()
            .zip(given)
            .fold(0u8, |differ, (a, b)| differ | (a ^ b))
            == 0
}

/// The value of cookie `name` in the request.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The `Set-Cookie` value carrying `token`.
pub fn session_cookie(token: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that deletes the session cookie.
pub fn expired_cookie(secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn a_session_is_found_by_the_token_in_its_cookie_and_gone_after_removal() {
        let sessions = Sessions::default();
        let session = sessions.create(Some(StaffName::parse("Ann").unwrap()));
        let mut headers = HeaderMap::new();
        let cookie = format!("other=1; {SESSION_COOKIE}={}", session.token);
        headers.insert(header::COOKIE, HeaderValue::from_str(&cookie).unwrap());
        assert_eq!(sessions.from_headers(&headers), Some(session.clone()));
        sessions.remove(&session.token);
        assert_eq!(sessions.from_headers(&headers), None);
    }

    #[test]
    fn a_signed_in_session_survives_a_restart_and_the_file_keeps_only_its_token_hash() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SESSIONS_FILE);
        let sessions = Sessions::load(&path, 30).unwrap();
        let ann = sessions.create(Some(StaffName::parse("Ann").unwrap()));
        let visitor = sessions.create(None);

        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(&ann.token), "never the token itself: {text}");
        assert!(text.contains(&token_hash(&ann.token)), "{text}");
        assert!(text.contains(&ann.csrf), "{text}");
        assert!(
            !text.contains(&token_hash(&visitor.token)),
            "anonymous ones stay in memory"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "only its owner reads the sessions");
        }

        let restarted = Sessions::load(&path, 30).unwrap();
        assert_eq!(restarted.find(&ann.token, now()), Some(ann.clone()));
        assert_eq!(restarted.find(&visitor.token, now()), None);
        restarted.remove(&ann.token);
        let again = Sessions::load(&path, 30).unwrap();
        assert_eq!(
            again.find(&ann.token, now()),
            None,
            "signing out deletes it"
        );
    }

    #[test]
    fn a_session_idle_longer_than_the_limit_is_ended_and_one_in_use_is_kept_alive() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SESSIONS_FILE);
        let sessions = Sessions::load(&path, 30).unwrap();
        let ann = sessions.create(Some(StaffName::parse("Ann").unwrap()));
        let start = now();
        // Used every 20 minutes for an hour: still signed in.
        for minutes in [20, 40, 60] {
            assert!(sessions.find(&ann.token, start + minutes * 60).is_some());
        }
        // Then left for 31 minutes: gone, from memory and from the file.
        assert_eq!(sessions.find(&ann.token, start + 91 * 60), None);
        assert_eq!(sessions.find(&ann.token, start + 92 * 60), None);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(&token_hash(&ann.token)), "{text}");
    }

    #[test]
    fn sessions_nobody_came_back_to_are_dropped_when_another_starts() {
        let sessions = Sessions::default();
        let visitor = sessions.create(None);
        sessions
            .lock()
            .get_mut(&token_hash(&visitor.token))
            .unwrap()
            .last_used -= i64::from(DEFAULT_IDLE_MINUTES) * 60 + 1;
        let _next = sessions.create(None);
        assert_eq!(sessions.lock().len(), 1, "only the new one is held");
    }

    #[test]
    fn each_session_has_its_own_csrf_token_and_only_it_matches() {
        let sessions = Sessions::default();
        let a = sessions.create(None);
        let b = sessions.create(None);
        assert_ne!(a.csrf, b.csrf);
        assert!(csrf_matches(&a, &a.csrf));
        assert!(!csrf_matches(&a, &b.csrf));
        assert!(!csrf_matches(&a, ""));
    }

    #[test]
    fn the_cookie_is_http_only_strict_and_secure_when_configured() {
        assert_eq!(
            session_cookie("t", false),
            format!("{SESSION_COOKIE}=t; Path=/; HttpOnly; SameSite=Strict")
        );
        assert!(session_cookie("t", true).ends_with("; Secure"));
    }
}
