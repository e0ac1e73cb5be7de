//! The first-run page: while the workspace has no staff account, create the first one and
//! show this authority's disclosure-key fingerprint to read out to the other authorities.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use crate::console::auth::Session;
use crate::console::fingerprints::grouped_for_reading;
use crate::console::forms::CheckedForm;
use crate::console::html::csrf_field;
use crate::console::i18n::{t, tr};
use crate::console::server::Shared;
use crate::console::users::StaffName;
use crate::console::ConsoleError;

use super::field;

/// `GET /setup`.
pub async fn form(State(console): State<Shared>, headers: HeaderMap) -> Response {
    if !console.users().is_empty() {
        return Redirect::to("/sign-in").into_response();
    }
    let (session, cookie) = console.session_or_new(&headers);
    let page = render(&console, &session, None);
    match cookie {
        Some(cookie) => ([(header::SET_COOKIE, cookie)], page).into_response(),
        None => page,
    }
}

fn render(console: &Shared, session: &Session, error: Option<&str>) -> Response {
    let fingerprint = grouped_for_reading(&console.workspace.disclosure_key.public().fingerprint());
    let body = html! {
        h1 { (t("setup-heading")) }
        @if let Some(error) = error {
            div class="error" role="alert" { p { (error) } }
        }
        div class="panel" {
            h2 { (t("setup-key-heading")) }
            p { (t("setup-key-read-out")) }
            p class="fingerprint" { code { (fingerprint) } }
            p { (t("setup-theirs")) " " a href="/fingerprints" { (t("nav-fingerprints")) } }
        }
        div class="panel" {
            h2 { (t("setup-account-heading")) }
            form class="stacked" method="post" action="/setup" {
                (csrf_field(session))
                label for="name" { (t("your-name")) }
                input id="name" name="name" type="text" autocomplete="username" required;
                label for="password" { (tr!("password-with-minimum", n = crate::console::users::MIN_PASSWORD_CHARS)) }
                input id="password" name="password" type="password"
                    autocomplete="new-password" required minlength="10";
                button class="primary" type="submit" { (t("setup-create")) }
            }
        }
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (status, console.page(&t("setup-title"), None, body)).into_response()
}

/// `POST /setup`.
pub async fn submit(
    State(console): State<Shared>,
    CheckedForm { session, form }: CheckedForm,
) -> Response {
    let created = (|| -> Result<StaffName, ConsoleError> {
        let mut users = console.users();
        if !users.is_empty() {
            return Err(ConsoleError::BadInput(t("setup-closed")));
        }
        let name = StaffName::parse(field(&form, "name"))?;
        users.add(name.clone(), form.get("password").map_or("", |p| p))?;
        users.save(&console.workspace.users_path())?;
        Ok(name)
    })();
    match created {
        Ok(name) => console.sign_in_as(&session, name),
        Err(error) => render(&console, &session, Some(&error.words())),
    }
}
