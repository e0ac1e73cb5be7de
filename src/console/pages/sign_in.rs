//! Sign-in and sign-out. A visitor first gets an anonymous session (so the sign-in form has a
//! CSRF token); signing in replaces it with a new session (a fresh token, against fixation).

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use crate::console::auth::{expired_cookie, Session};
use crate::console::forms::CheckedForm;
use crate::console::html::csrf_field;
use crate::console::i18n::t;
use crate::console::server::Shared;

use super::field;

/// `GET /sign-in`.
pub async fn form(State(console): State<Shared>, headers: HeaderMap) -> Response {
    if console.users().is_empty() {
        return Redirect::to("/setup").into_response();
    }
    let (session, cookie) = console.session_or_new(&headers);
    if session.user.is_some() {
        return Redirect::to("/").into_response();
    }
    let page = render(&console, &session, None, StatusCode::OK);
    match cookie {
        Some(cookie) => ([(header::SET_COOKIE, cookie)], page).into_response(),
        None => page,
    }
}

fn render(
    console: &Shared,
    session: &Session,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let body = html! {
        h1 { (t("sign-in")) }
        @if let Some(error) = error {
            div class="error" role="alert" { p { (error) } }
        }
        div class="panel" {
            form class="stacked" method="post" action="/sign-in" {
                (csrf_field(session))
                label for="name" { (t("your-name")) }
                input id="name" name="name" type="text" autocomplete="username" required;
                label for="password" { (t("password")) }
                input id="password" name="password" type="password"
                    autocomplete="current-password" required;
                button class="primary" type="submit" { (t("sign-in")) }
            }
        }
    };
    (status, console.page(&t("sign-in"), None, body)).into_response()
}

/// `POST /sign-in`.
pub async fn submit(
    State(console): State<Shared>,
    CheckedForm { session, form }: CheckedForm,
) -> Response {
    let user = console
        .users()
        .verify(field(&form, "name"), form.get("password").map_or("", |p| p));
    match user {
        Some(user) => console.sign_in_as(&session, user),
        None => render(
            &console,
            &session,
            Some(&t("sign-in-refused")),
            StatusCode::UNAUTHORIZED,
        ),
    }
}

/// `POST /sign-out`.
pub async fn sign_out(
    State(console): State<Shared>,
    CheckedForm { session, .. }: CheckedForm,
) -> Response {
    console.sessions.remove(&session.token);
    let cookie = expired_cookie(console.secure_cookies());
    ([(header::SET_COOKIE, cookie)], Redirect::to("/sign-in")).into_response()
}
