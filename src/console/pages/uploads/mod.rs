//! The uploads page: a coordinator chooses a pupil file (CSV or CTF) and what it holds; the
//! console reads and encodes it here, at the authority, and shows the encode report — records,
//! identifiers valid and invalid per scheme, every problem with its line, record and field,
//! columns it does not read — before anything is sent. "Send" then streams the batch already
//! encoded (kept in memory under an id bound to the session, [`crate::console::uploads`]) with
//! a progress bar, and the hub's answer: stored, withdrawn, new candidates.

mod view;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use chrono::NaiveDate;

use crate::client::CaseFields;
use crate::console::forms::{SignedInForm, SignedInUpload};
use crate::console::i18n::{self, t};
use crate::console::server::{Console, Shared};
use crate::console::uploads::preview::{encode_upload, BatchKind};
use crate::console::uploads::{self, SendState, Upload};
use crate::console::ConsoleError;
use crate::store::{ReferralReason, ReferralSource, Role, SubmitMode};

use super::field;

/// The largest file the page accepts (a whole authority's roll as CSV is a few megabytes).
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// `GET /uploads`: the form.
pub async fn form(State(console): State<Shared>, headers: HeaderMap) -> Response {
    let (session, _) = match console.signed_in(&headers) {
        Ok(signed_in) => signed_in,
        Err(redirect) => return redirect,
    };
    let today = chrono::Local::now().date_naive();
    let body = view::form_page(&console, &session, None, today);
    console.page(&t("upload-title"), Some(&session), body)
}

/// `POST /uploads`: reads and encodes the chosen file here and shows its report; nothing is
/// sent.
pub async fn preview(State(console): State<Shared>, upload: SignedInUpload) -> Response {
    let SignedInUpload {
        session,
        form,
        file,
        ..
    } = upload;
    let today = chrono::Local::now().date_naive();
    let refused = |message: &str| {
        let body = view::form_page(&console, &session, Some(message), today);
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            console.page(&t("upload-title"), Some(&session), body),
        )
            .into_response()
    };
    let Some(file) = file else {
        return refused(&t("upload-choose-file"));
    };
    let kind = match batch_kind(&form, today) {
        Ok(kind) => kind,
        Err(message) => return refused(&message),
    };
    let encoders = console.workspace.encoders();
    let Some(encoder) = encoders.get(field(&form, "agreement").parse().unwrap_or(0)) else {
        return refused(&t("upload-no-secret"));
    };
    let encoder = std::sync::Arc::clone(encoder);
    let context = i18n::context();
    let encoded = tokio::task::spawn_blocking(move || {
        let (preview, batch) =
            i18n::within_sync(context, || encode_upload(&encoder, &file, kind, today));
        (file, preview, batch)
    })
    .await;
    let Ok((file, preview, batch)) = encoded else {
        return refused(&t("upload-encode-failed"));
    };
    let upload = console.uploads.add(&session.token, file, preview, batch);
    Redirect::to(&format!("/uploads/{}", upload.id)).into_response()
}

/// What the form says the batch is.
fn batch_kind(
    form: &std::collections::HashMap<String, String>,
    today: NaiveDate,
) -> Result<BatchKind, String> {
    let role: Role = field(form, "role")
        .parse()
        .map_err(|_| t("upload-choose-role"))?;
    let whole_roll = field(form, "whole_roll") == "yes";
    match role {
        Role::Roll => Ok(BatchKind {
            role,
            mode: if whole_roll {
                SubmitMode::Snapshot
            } else {
                SubmitMode::Incremental
            },
            case: None,
        }),
        Role::Missing => {
            let reason: ReferralReason = field(form, "referral_reason")
                .parse()
                .map_err(|_| t("upload-choose-reason"))?;
            let source: ReferralSource = field(form, "referral_source")
                .parse()
                .map_err(|_| t("upload-choose-source"))?;
            let referred_on = match field(form, "referred_on") {
                "" => today,
                text => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .map_err(|_| t("upload-referred-on-unreadable"))?,
            };
            Ok(BatchKind {
                role,
                mode: SubmitMode::Incremental,
                case: Some(CaseFields {
                    referral_reason: reason,
                    referral_source: source,
                    referred_on,
                }),
            })
        }
    }
}

/// The session's upload `id`.
fn find(console: &Console, id: &str, session_token: &str) -> Option<std::sync::Arc<Upload>> {
    console.uploads.get(id, session_token)
}

fn not_found(console: &Console, session: &crate::console::auth::Session) -> Response {
    let error = ConsoleError::BadInput(t("upload-gone"));
    console.error_page(StatusCode::NOT_FOUND, Some(session), &error)
}

/// `GET /uploads/{id}`: the report (with the send button), the progress, or the answer.
pub async fn show(
    State(console): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (session, _) = match console.signed_in(&headers) {
        Ok(signed_in) => signed_in,
        Err(redirect) => return redirect,
    };
    let Some(upload) = find(&console, &id, &session.token) else {
        return not_found(&console, &session);
    };
    let title = match upload.state() {
        SendState::Sent { .. } => t("upload-sent"),
        _ => t("upload-check"),
    };
    let body = view::upload_page(&session, &upload);
    console.page(&title, Some(&session), body)
}

/// `POST /uploads/{id}/send`: sends the encoded batch and waits for the hub's answer, then
/// shows it (post/redirect/get).
pub async fn send(
    State(console): State<Shared>,
    Path(id): Path<String>,
    SignedInForm { session, .. }: SignedInForm,
) -> Response {
    let Some(upload) = find(&console, &id, &session.token) else {
        return not_found(&console, &session);
    };
    uploads::send(console.clone(), upload).await;
    Redirect::to(&format!("/uploads/{id}")).into_response()
}

/// `GET /uploads/{id}/progress`: `{sent, total, state}` for the progress bar.
pub async fn progress(
    State(console): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(session) = console.sessions.from_headers(&headers) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(upload) = find(&console, &id, &session.token) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let state = match upload.state() {
        SendState::Ready => "ready",
        SendState::Sending => "sending",
        SendState::Sent { .. } => "sent",
        SendState::Failed(_) => "failed",
    };
    Json(serde_json::json!({
        "sent": upload.n_sent(),
        "total": upload.n_records(),
        "state": state,
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> std::collections::HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_roll_is_incremental_unless_it_is_the_whole_roll_and_open_cases_need_their_referral() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let roll = batch_kind(&form(&[("role", "roll")]), today).unwrap();
        assert_eq!((roll.mode, roll.case), (SubmitMode::Incremental, None));
        let whole = batch_kind(&form(&[("role", "roll"), ("whole_roll", "yes")]), today).unwrap();
        assert_eq!(whole.mode, SubmitMode::Snapshot);

        let refused = batch_kind(&form(&[("role", "missing")]), today).unwrap_err();
        assert_eq!(refused, "Choose why the cases were opened.");
        let cases = batch_kind(
            &form(&[
                ("role", "missing"),
                ("referral_reason", "FTT"),
                ("referral_source", "OLA"),
                ("whole_roll", "yes"),
            ]),
            today,
        )
        .unwrap();
        assert_eq!(
            cases.mode,
            SubmitMode::Incremental,
            "cases are never a snapshot"
        );
        assert_eq!(cases.case.unwrap().referred_on, today);
        assert!(batch_kind(&form(&[]), today).is_err());
    }
}
