//! The console's routes, its state and what every response carries: a strict
//! Content-Security-Policy, `X-Frame-Options: DENY`, `nosniff`, no referrer, no caching.
//! Pages need a signed-in session (otherwise a redirect to sign-in); every POST needs the
//! session's CSRF token (otherwise 403).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::Request;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};

use super::auth::{csrf_matches, session_cookie, Session, Sessions, SESSION_COOKIE};
use super::html::{page, STYLESHEET};
use super::i18n::{self, t, tr};
use super::uploads::Uploads;
use super::users::{StaffName, Users};
use super::workspace::Workspace;
use super::{pages, ConsoleError};
use crate::checkpoint::CheckpointBook;
use crate::client::HubClient;

/// The Content-Security-Policy of every response: nothing but this origin; the only script is
/// the console's own file (the upload progress bar), never an inline one.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Everything the console's handlers share.
pub struct Console {
    /// The workspace (keys, configuration, our own records).
    pub workspace: Workspace,
    /// The hub, as this authority.
    pub hub: HubClient,
    /// Live sessions.
    pub sessions: Sessions,
    /// Staff accounts (written back to the workspace when one is added).
    pub users: Mutex<Users>,
    /// Uploaded files waiting to be sent, and their answers.
    pub uploads: Uploads,
    /// The header a reverse proxy names the signed-in member of staff in, when configured
    /// ([`proxy_identity`]).
    pub proxy_identity_header: Option<HeaderName>,
    /// The hub's pinned audit key and the latest audit checkpoint, kept in the workspace;
    /// the lock keeps two dashboard loads from keeping their checkpoints out of order.
    pub audit_book: tokio::sync::Mutex<CheckpointBook>,
}

/// Shared state of the handlers.
pub type Shared = Arc<Console>;

impl Console {
    /// A console over `workspace`, talking to `hub`.
    pub fn new(workspace: Workspace, hub: HubClient) -> Result<Console, ConsoleError> {
        let users = Users::load(&workspace.users_path())?;
        let idle_minutes = workspace
            .config
            .session_idle_minutes
            .unwrap_or(super::auth::DEFAULT_IDLE_MINUTES);
        let sessions = Sessions::load(&workspace.sessions_path(), idle_minutes)?;
        let proxy_identity_header = match &workspace.config.proxy_identity_header {
            Some(name) => Some(HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
                ConsoleError::Config {
                    path: workspace.dir.join(super::workspace::CONFIG_FILE),
                    message: format!("proxy_identity_header: {name:?} is not a header name"),
                }
            })?),
            None => None,
        };
        let audit_book = tokio::sync::Mutex::new(CheckpointBook::at(&workspace.dir));
        Ok(Console {
            workspace,
            hub,
            sessions,
            proxy_identity_header,
            users: Mutex::new(users),
            uploads: Uploads::default(),
            audit_book,
        })
    }

    /// The staff accounts.
    pub fn users(&self) -> std::sync::MutexGuard<'_, Users> {
        self.users.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The authority's name for headers and titles.
    pub fn authority_name(&self) -> &str {
        &self.workspace.config.authority_name
    }

    /// Whether cookies are marked `Secure`.
    pub fn secure_cookies(&self) -> bool {
        self.workspace.config.secure_cookies
    }

    /// A page of this console.
    pub fn page(&self, title: &str, session: Option<&Session>, body: Markup) -> Response {
        axum::response::Html(page(title, self.authority_name(), session, body).into_string())
            .into_response()
    }

    /// An error page with `status`.
    pub fn error_page(
        &self,
        status: StatusCode,
        session: Option<&Session>,
        error: &ConsoleError,
    ) -> Response {
        let body = html! {
            h1 { (t("error-heading")) }
            div class="error" role="alert" { p { (error.words()) } }
            p { a href="/" { (t("back-to-dashboard")) } }
        };
        (status, self.page(&t("error-title"), session, body)).into_response()
    }

    /// The request's session, or a new anonymous one and the `Set-Cookie` value starting it
    /// (so that even the sign-in form carries a CSRF token).
    pub fn session_or_new(&self, headers: &HeaderMap) -> (Session, Option<String>) {
        match self.sessions.from_headers(headers) {
            Some(session) => (session, None),
            None => {
                let session = self.sessions.create(None);
                let cookie = session_cookie(&session.token, self.secure_cookies());
                (session, Some(cookie))
            }
        }
    }

    /// Ends `old` and starts a new session signed in as `user` (a fresh token, against
    /// session fixation), then sends the browser to the dashboard.
    pub fn sign_in_as(&self, old: &Session, user: StaffName) -> Response {
        self.sessions.remove(&old.token);
        let signed_in = self.sessions.create(Some(user));
        let cookie = session_cookie(&signed_in.token, self.secure_cookies());
        ([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response()
    }

    /// The signed-in session of a page request, or a redirect to sign-in (or to the first-run
    /// page when no staff account exists yet).
    #[allow(clippy::result_large_err)]
    pub fn signed_in(&self, headers: &HeaderMap) -> Result<(Session, StaffName), Response> {
        let session = self.sessions.from_headers(headers);
        if let Some(user) = session.as_ref().and_then(|s| s.user.clone()) {
            return Ok((session.expect("a session with a user"), user));
        }
        if self.users().is_empty() {
            Err(Redirect::to("/setup").into_response())
        } else {
            Err(Redirect::to("/sign-in").into_response())
        }
    }

    /// The session of a POST whose form carries its CSRF token; 403 otherwise.
    #[allow(clippy::result_large_err)]
    pub fn checked_post(
        &self,
        headers: &HeaderMap,
        form: &HashMap<String, String>,
    ) -> Result<Session, Response> {
        let refused = || (StatusCode::FORBIDDEN, t("form-refused")).into_response();
        let session = self.sessions.from_headers(headers).ok_or_else(refused)?;
        let token = form.get("csrf").ok_or_else(refused)?;
        if !csrf_matches(&session, token) {
            return Err(refused());
        }
        Ok(session)
    }
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// The upload page's script: sends the batch in the background and fills its progress bar.
const UPLOAD_SCRIPT: &str = include_str!("assets/uploads.js");

async fn upload_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        UPLOAD_SCRIPT,
    )
        .into_response()
}

/// When a reverse-proxy identity header is configured, a request carrying it is signed in as
/// the staff account it names: a session of that account is started (or kept) and the request
/// answered in it, so every decision is recorded under that name. A header naming no account
/// is refused with a 403 page, never answered as anyone else. Without the configuration the
/// header means nothing. It must only be configured behind a proxy that removes the header
/// from every client's request.
async fn proxy_identity(
    State(console): State<Shared>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(name) = &console.proxy_identity_header else {
        return next.run(request).await;
    };
    let Some(value) = request.headers().get(name) else {
        return next.run(request).await;
    };
    let named = String::from_utf8_lossy(value.as_bytes()).trim().to_string();
    let Some(user) = console.users().named(&named) else {
        tracing::warn!(header = %name, "a reverse-proxy identity names no staff account");
        let body = html! {
            h1 { (t("error-heading")) }
            div class="error" role="alert" { p { (tr!("proxy-identity-unknown", name = named.as_str())) } }
        };
        return (
            StatusCode::FORBIDDEN,
            console.page(&t("error-title"), None, body),
        )
            .into_response();
    };
    let current = console.sessions.from_headers(request.headers());
    if current.as_ref().and_then(|s| s.user.as_ref()) == Some(&user) {
        return next.run(request).await;
    }
    if let Some(other) = current {
        console.sessions.remove(&other.token);
    }
    let session = console.sessions.create(Some(user));
    replace_session_cookie(request.headers_mut(), &session.token);
    let mut response = next.run(request).await;
    if let Ok(cookie) =
        HeaderValue::from_str(&session_cookie(&session.token, console.secure_cookies()))
    {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// Makes the request's cookies carry session `token` in place of any other session's.
fn replace_session_cookie(headers: &mut HeaderMap, token: &str) {
    let mut pairs: Vec<String> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some(SESSION_COOKIE))
        .map(str::to_string)
        .collect();
    pairs.push(format!("{SESSION_COOKIE}={token}"));
    headers.remove(header::COOKIE);
    if let Ok(value) = HeaderValue::from_str(&pairs.join("; ")) {
        headers.insert(header::COOKIE, value);
    }
}

async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        CONTENT_SECURITY_POLICY,
    );
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    if !headers.contains_key(header::CACHE_CONTROL) {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    response
}

/// The console's routes over `console`.
pub fn router(console: Shared) -> Router {
    Router::new()
        .route("/", get(pages::dashboard::show))
        .route("/assets/console.css", get(stylesheet))
        .route("/assets/uploads.js", get(upload_script))
        .route(
            "/sign-in",
            get(pages::sign_in::form).post(pages::sign_in::submit),
        )
        .route("/sign-out", post(pages::sign_in::sign_out))
        .route("/language", get(i18n::switch))
        .route("/setup", get(pages::setup::form).post(pages::setup::submit))
        .route(
            "/search",
            get(pages::search::form).post(pages::search::submit),
        )
        .route(
            "/uploads",
            get(pages::uploads::form)
                .post(pages::uploads::preview)
                .layer(axum::extract::DefaultBodyLimit::max(
                    pages::uploads::MAX_FILE_BYTES,
                )),
        )
        .route("/uploads/{id}", get(pages::uploads::show))
        .route("/uploads/{id}/send", post(pages::uploads::send))
        .route("/uploads/{id}/progress", get(pages::uploads::progress))
        .route("/cases", get(pages::cases::show))
        .route(
            "/fingerprints",
            get(pages::fingerprints::show).post(pages::fingerprints::record),
        )
        .route("/data-protection", get(pages::data_protection::show))
        .route(
            "/data-protection/audit.csv",
            get(pages::data_protection::audit_csv),
        )
        .route(
            "/data-protection/audit.jsonl",
            get(pages::data_protection::audit_jsonl),
        )
        .route("/cases/close", post(pages::cases::close))
        .route(
            "/cases/follow-ups/{id}/done",
            post(pages::cases::follow_up_done),
        )
        .route("/candidates/{id}", get(pages::candidate::show))
        .route("/candidates/{id}/confirm", post(pages::candidate::confirm))
        .route("/candidates/{id}/reject", post(pages::candidate::reject))
        .route("/candidates/{id}/disclosure", get(pages::disclosure::show))
        .route("/candidates/{id}/verify", post(pages::disclosure::verify))
        .layer(middleware::from_fn_with_state(
            console.clone(),
            proxy_identity,
        ))
        .layer(middleware::from_fn(i18n::middleware))
        .layer(middleware::from_fn(security_headers))
        .with_state(console)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::HubClientConfig;
    use crate::console::workspace::test_support::write_workspace;
    use crate::console::WorkspaceConfig;
    use axum::body::Body;
    use tower::ServiceExt;

    /// A console over a fresh workspace whose hub is never reached by these tests.
    fn console(dir: &std::path::Path) -> Shared {
        write_workspace(dir);
        let workspace = Workspace::load(dir).unwrap();
        let hub = HubClient::new(HubClientConfig::new("http://127.0.0.1:9", "unused")).unwrap();
        Arc::new(Console::new(workspace, hub).unwrap())
    }

    async fn send(console: &Shared, request: axum::http::Request<Body>) -> Response {
        router(console.clone()).oneshot(request).await.unwrap()
    }

    fn get(path: &str, cookie: Option<&str>) -> axum::http::Request<Body> {
        let mut request = axum::http::Request::get(path);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.body(Body::empty()).unwrap()
    }

    fn post(path: &str, cookie: &str, form: &str) -> axum::http::Request<Body> {
        axum::http::Request::post(path)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form.to_string()))
            .unwrap()
    }

    async fn body(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    /// The CSRF token of the first form in `html`.
    fn csrf_in(html: &str) -> &str {
        let rest = html.split(r#"name="csrf" value=""#).nth(1).unwrap();
        rest.split('"').next().unwrap()
    }

    fn cookie_of(response: &Response) -> String {
        let value = response.headers()[header::SET_COOKIE].to_str().unwrap();
        value.split(';').next().unwrap().to_string()
    }

    /// A console with one staff account, Ann, and the cookie of her signed-in session.
    async fn signed_in_console(dir: &std::path::Path) -> (Shared, String) {
        let console = console(dir);
        console
            .users()
            .add(StaffName::parse("Ann").unwrap(), "long enough secret")
            .unwrap();
        let response = send(&console, get("/sign-in", None)).await;
        let cookie = cookie_of(&response);
        let csrf = csrf_in(&body(response).await).to_string();
        let form = format!("name=Ann&password=long+enough+secret&csrf={csrf}");
        let signed_in = send(&console, post("/sign-in", &cookie, &form)).await;
        let cookie = cookie_of(&signed_in);
        (console, cookie)
    }

    #[tokio::test]
    async fn with_no_staff_account_the_console_opens_on_the_first_run_page_which_creates_one() {
        let dir = tempfile::tempdir().unwrap();
        let console = console(dir.path());
        let response = send(&console, get("/", None)).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[header::LOCATION], "/setup");

        let response = send(&console, get("/setup", None)).await;
        assert_eq!(response.status(), StatusCode::OK);
        let cookie = cookie_of(&response);
        let html = body(response).await;
        let fingerprint = console.workspace.disclosure_key.public().fingerprint();
        assert!(
            html.contains(&fingerprint.to_uppercase().replace('-', " ")),
            "shows the fingerprint to read out, grouped as it is read: {html}"
        );
        assert!(html.contains(r#"href="/fingerprints""#), "{html}");
        let csrf = csrf_in(&html);

        let refused = send(
            &console,
            post("/setup", &cookie, "name=Ann&password=long+enough+secret"),
        )
        .await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        assert!(console.users().is_empty());

        let form = format!("name=Ann+Clark&password=long+enough+secret&csrf={csrf}");
        let created = send(&console, post("/setup", &cookie, &form)).await;
        assert_eq!(created.status(), StatusCode::SEE_OTHER);
        assert_eq!(created.headers()[header::LOCATION], "/");
        assert_ne!(cookie_of(&created), cookie, "a new session on sign-in");
        let saved = Users::load(&console.workspace.users_path()).unwrap();
        assert!(saved.verify("Ann Clark", "long enough secret").is_some());

        // Once an account exists the first-run page is closed.
        let again = send(&console, get("/setup", None)).await;
        assert_eq!(again.headers()[header::LOCATION], "/sign-in");
    }

    #[tokio::test]
    async fn every_response_carries_the_strict_security_headers() {
        let dir = tempfile::tempdir().unwrap();
        let console = console(dir.path());
        for path in ["/setup", "/assets/console.css", "/"] {
            let response = send(&console, get(path, None)).await;
            let headers = response.headers();
            assert_eq!(
                headers[header::CONTENT_SECURITY_POLICY],
                CONTENT_SECURITY_POLICY,
                "{path}"
            );
            assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY", "{path}");
            assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        }
        assert!(CONTENT_SECURITY_POLICY.starts_with("default-src 'self'"));
        assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self';"));
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-inline"));
    }

    #[tokio::test]
    async fn a_search_needs_its_csrf_token_and_a_bad_date_stops_it_before_the_hub() {
        let dir = tempfile::tempdir().unwrap();
        let (console, cookie) = signed_in_console(dir.path()).await;
        let page = body(send(&console, get("/search", Some(&cookie))).await).await;
        assert!(page.contains(r#"action="/search""#), "{page}");
        let csrf = csrf_in(&page).to_string();

        let child = "forename=Lily&surname=Jones&dob=2015-02-30";
        let refused = send(&console, post("/search", &cookie, child)).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        // The hub of this console is unreachable: a 422 shows nothing was sent.
        let form = format!("{child}&csrf={csrf}&action=search");
        let response = send(&console, post("/search", &cookie, &form)).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = body(response).await;
        assert!(
            page.contains("`2015-02-30` is not a possible date of birth"),
            "{page}"
        );
        assert!(page.contains(r#"aria-invalid="true""#), "{page}");
    }

    #[tokio::test]
    async fn an_upload_needs_its_csrf_token_and_is_read_only_for_a_signed_in_session() {
        let dir = tempfile::tempdir().unwrap();
        let (console, cookie) = signed_in_console(dir.path()).await;
        let page = body(send(&console, get("/uploads", Some(&cookie))).await).await;
        assert!(page.contains(r#"enctype="multipart/form-data""#), "{page}");
        let csrf = csrf_in(&page).to_string();

        let multipart = |csrf: Option<&str>| {
            let mut body = String::new();
            let mut part = |head: &str, value: &str| {
                body.push_str(&format!(
                    "--XyZ\r\nContent-Disposition: form-data; {head}\r\n\r\n{value}\r\n"
                ));
            };
            if let Some(csrf) = csrf {
                part(r#"name="csrf""#, csrf);
            }
            part(r#"name="role""#, "roll");
            part(
                r#"name="file"; filename="roll.csv""#,
                "record_id,forename,surname,dob\nG-1,Amy,Ross,2014-01-01",
            );
            body.push_str("--XyZ--\r\n");
            axum::http::Request::post("/uploads")
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, "multipart/form-data; boundary=XyZ")
                .body(Body::from(body))
                .unwrap()
        };
        let refused = send(&console, multipart(None)).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        let read = send(&console, multipart(Some(&csrf))).await;
        assert_eq!(read.status(), StatusCode::SEE_OTHER);
        let location = read.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .to_string();
        assert!(location.starts_with("/uploads/"), "{location}");
        let page = body(send(&console, get(&location, Some(&cookie))).await).await;
        assert!(page.contains("Nothing has been sent yet"), "{page}");
        assert!(page.contains("Send 1 record to the hub"), "{page}");
        // Another browser (no session) is sent to sign in; the upload is not shown to it.
        let other = send(&console, get(&location, None)).await;
        assert_eq!(other.headers()[header::LOCATION], "/sign-in");
    }

    #[tokio::test]
    async fn the_language_follows_accept_language_then_the_switch_which_keeps_the_page() {
        let dir = tempfile::tempdir().unwrap();
        let (console, cookie) = signed_in_console(dir.path()).await;
        let welsh_browser = |path: &str, cookies: &str| {
            axum::http::Request::get(path)
                .header(header::COOKIE, cookies)
                .header(header::ACCEPT_LANGUAGE, "cy-GB,cy;q=0.9,en;q=0.5")
                .body(Body::empty())
                .unwrap()
        };
        let page = body(send(&console, welsh_browser("/search", &cookie)).await).await;
        assert!(page.contains(r#"<html lang="cy">"#), "{page}");
        assert!(page.contains("<h1>Chwiliad cenedlaethol</h1>"), "{page}");

        let switched = send(&console, get("/language?to=en&back=/search", None)).await;
        assert_eq!(switched.status(), StatusCode::SEE_OTHER);
        assert_eq!(switched.headers()[header::LOCATION], "/search");
        let lang_cookie = cookie_of(&switched);
        assert_eq!(lang_cookie, "pupilmatch_lang=en");
        let both = format!("{cookie}; {lang_cookie}");
        let page = body(send(&console, welsh_browser("/search", &both)).await).await;
        assert!(
            page.contains(r#"<html lang="en">"#),
            "the cookie wins: {page}"
        );
        assert!(page.contains("<h1>National search</h1>"), "{page}");

        // In Welsh the forms still carry their CSRF token and are still checked.
        let welsh = format!("{cookie}; pupilmatch_lang=cy");
        let page = body(send(&console, get("/search", Some(&welsh))).await).await;
        let csrf = csrf_in(&page).to_string();
        let refused = send(&console, post("/search", &welsh, "forename=Lily")).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        assert!(body(refused).await.starts_with("gwrthodwyd"));
        let form = format!("forename=Lily&surname=Jones&dob=2015-02-30&csrf={csrf}&action=search");
        let answered = send(&console, post("/search", &welsh, &form)).await;
        assert_eq!(answered.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = body(answered).await;
        assert!(page.contains("Ni ellir chwilio am y plentyn eto"), "{page}");
    }

    /// The console over the workspace already in `dir`, as it starts again after a restart.
    fn reopen(dir: &std::path::Path) -> Shared {
        let workspace = Workspace::load(dir).unwrap();
        let hub = HubClient::new(HubClientConfig::new("http://127.0.0.1:9", "unused")).unwrap();
        Arc::new(Console::new(workspace, hub).unwrap())
    }

    /// Moves every kept session's last use `minutes` into the past, as if that long had gone.
    fn age_sessions(dir: &std::path::Path, minutes: i64) {
        let path = dir.join(super::super::auth::SESSIONS_FILE);
        let mut file: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for session in file["sessions"].as_object_mut().unwrap().values_mut() {
            let last_used = session["last_used"].as_i64().unwrap();
            session["last_used"] = (last_used - minutes * 60).into();
        }
        std::fs::write(&path, file.to_string()).unwrap();
    }

    #[tokio::test]
    async fn a_restart_signs_nobody_out_but_an_idle_session_is_sent_to_sign_in_and_sign_out_ends_it(
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (console, cookie) = signed_in_console(dir.path()).await;
        console
            .users()
            .save(&console.workspace.users_path())
            .unwrap();
        drop(console);

        let restarted = reopen(dir.path());
        let page = send(&restarted, get("/search", Some(&cookie))).await;
        assert_eq!(page.status(), StatusCode::OK, "still signed in");
        assert!(body(page).await.contains("<strong>Ann</strong>"));

        // 29 minutes idle is within the default 30; 31 more is not.
        drop(restarted);
        age_sessions(dir.path(), 29);
        let page = send(&reopen(dir.path()), get("/search", Some(&cookie))).await;
        assert_eq!(page.status(), StatusCode::OK);
        age_sessions(dir.path(), 31);
        let restarted = reopen(dir.path());
        let expired = send(&restarted, get("/search", Some(&cookie))).await;
        assert_eq!(expired.status(), StatusCode::SEE_OTHER);
        assert_eq!(expired.headers()[header::LOCATION], "/sign-in");

        // Signed in again and signed out: gone for good, after a restart too.
        drop(restarted);
        let restarted = reopen(dir.path());
        let response = send(&restarted, get("/sign-in", None)).await;
        let anonymous = cookie_of(&response);
        let csrf = csrf_in(&body(response).await).to_string();
        let form = format!("name=Ann&password=long+enough+secret&csrf={csrf}");
        let signed_in = send(&restarted, post("/sign-in", &anonymous, &form)).await;
        let cookie = cookie_of(&signed_in);
        let page = body(send(&restarted, get("/search", Some(&cookie))).await).await;
        let csrf = csrf_in(&page).to_string();
        let out = send(
            &restarted,
            post("/sign-out", &cookie, &format!("csrf={csrf}")),
        )
        .await;
        assert_eq!(out.headers()[header::LOCATION], "/sign-in");
        let after = send(&reopen(dir.path()), get("/search", Some(&cookie))).await;
        assert_eq!(after.headers()[header::LOCATION], "/sign-in");
    }

    /// A console whose workspace names `X-Remote-User` as the reverse proxy's identity header,
    /// with staff accounts Ann and Bob.
    fn console_behind_a_proxy(dir: &std::path::Path) -> Shared {
        write_workspace(dir);
        let mut config = WorkspaceConfig::load(dir).unwrap();
        config.proxy_identity_header = Some("X-Remote-User".into());
        config.save(dir).unwrap();
        let console = reopen(dir);
        for name in ["Ann", "Bob"] {
            console
                .users()
                .add(StaffName::parse(name).unwrap(), "long enough secret")
                .unwrap();
        }
        console
    }

    fn as_named(path: &str, name: &str, cookie: Option<&str>) -> axum::http::Request<Body> {
        let mut request = axum::http::Request::get(path).header("X-Remote-User", name);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.body(Body::empty()).unwrap()
    }

    #[tokio::test]
    async fn behind_a_proxy_the_identity_header_signs_in_the_account_it_names_and_no_other() {
        let dir = tempfile::tempdir().unwrap();
        let console = console_behind_a_proxy(dir.path());

        let page = send(&console, as_named("/search", "Bob", None)).await;
        assert_eq!(page.status(), StatusCode::OK);
        let bobs = cookie_of(&page);
        let html = body(page).await;
        assert!(html.contains("<strong>Bob</strong>"), "{html}");
        // The session started for Bob is kept while the proxy keeps naming him, and his
        // forms are his: a search posted with its token is answered, not refused.
        let again = send(&console, as_named("/search", "Bob", Some(&bobs))).await;
        assert!(again.headers().get(header::SET_COOKIE).is_none());
        let csrf = csrf_in(&html).to_string();
        let form = format!("forename=Lily&surname=Jones&dob=2015-02-30&csrf={csrf}&action=search");
        let mut posted = post("/search", &bobs, &form);
        posted
            .headers_mut()
            .insert("X-Remote-User", HeaderValue::from_static("Bob"));
        let answered = send(&console, posted).await;
        assert_eq!(answered.status(), StatusCode::UNPROCESSABLE_ENTITY);

        // The header wins over a session of someone else.
        let switched = send(&console, as_named("/search", "Ann", Some(&bobs))).await;
        assert_ne!(cookie_of(&switched), bobs);
        assert!(body(switched).await.contains("<strong>Ann</strong>"));

        // A name with no account is refused, and signs in nobody.
        let refused = send(&console, as_named("/search", "Mallory", Some(&bobs))).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        assert!(refused.headers().get(header::SET_COOKIE).is_none());
        let html = body(refused).await;
        assert!(html.contains("“Mallory”, is not a staff account"), "{html}");
        assert!(!html.contains("<strong>Bob</strong>"), "{html}");
    }

    #[tokio::test]
    async fn without_the_configuration_the_identity_header_signs_nobody_in() {
        let dir = tempfile::tempdir().unwrap();
        let console = console(dir.path());
        console
            .users()
            .add(StaffName::parse("Ann").unwrap(), "long enough secret")
            .unwrap();
        let response = send(&console, as_named("/search", "Ann", None)).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[header::LOCATION], "/sign-in");
    }

    #[tokio::test]
    async fn a_wrong_password_does_not_sign_in() {
        let dir = tempfile::tempdir().unwrap();
        let console = console(dir.path());
        {
            let mut users = console.users();
            users
                .add(StaffName::parse("Ann").unwrap(), "long enough secret")
                .unwrap();
        }
        let response = send(&console, get("/sign-in", None)).await;
        let cookie = cookie_of(&response);
        let html = body(response).await;
        let csrf = csrf_in(&html);
        let form = format!("name=Ann&password=wrong+password&csrf={csrf}");
        let response = send(&console, post("/sign-in", &cookie, &form)).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let still_out = send(&console, get("/", Some(&cookie))).await;
        assert_eq!(still_out.headers()[header::LOCATION], "/sign-in");
    }
}
