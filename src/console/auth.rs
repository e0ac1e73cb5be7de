//! Sessions, sign-in state and CSRF tokens. Sessions live in memory (a restart signs everyone
//! out); the cookie carries only a random token, `HttpOnly; SameSite=Strict` (+ `Secure`).
//! Every session, signed in or not, has its own CSRF token, which every form carries and every
//! POST must return.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::{header, HeaderMap};
use rand::RngCore;

use super::users::StaffName;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "pupilmatch_console";

/// A random token, hex.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
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

/// The live sessions.
#[derive(Debug, Default)]
pub struct Sessions {
    by_token: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.by_token.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The session whose token the request's cookie carries.
    pub fn from_headers(&self, headers: &HeaderMap) -> Option<Session> {
        let token = cookie_value(headers, SESSION_COOKIE)?;
        self.lock().get(&token).cloned()
    }

    /// A new session, signed in as `user` or anonymous.
    pub fn create(&self, user: Option<StaffName>) -> Session {
        let session = Session {
            token: random_token(),
            csrf: random_token(),
            user,
        };
        self.lock().insert(session.token.clone(), session.clone());
        session
    }

    /// Ends a session.
    pub fn remove(&self, token: &str) {
        self.lock().remove(token);
    }
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
