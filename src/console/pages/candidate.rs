//! The candidate page: the other authority, the probability, the evidence as a waterfall with
//! the meaning of each level, our own record (found locally by its reference), and the
//! confirm and reject forms — the same calls `pupilmatch disclosure confirm/reject` make.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;

use crate::client::{CandidateDetail, CandidateQuery, DecisionNote};
use crate::console::auth::Session;
use crate::console::chart::waterfall_svg;
use crate::console::evidence::waterfall;
use crate::console::fingerprints;
use crate::console::forms::SignedInForm;
use crate::console::html::{code_select, column_heads, csrf_field, percent};
use crate::console::i18n::{t, tr};
use crate::console::server::{Console, Shared};
use crate::console::users::StaffName;
use crate::console::vocab::code_words;
use crate::console::ConsoleError;
use crate::disclosure::record::PAYLOAD_FORMAT;
use crate::disclosure::{seal, Coordinator, DisclosedRecord, DisclosurePayload, PublicKey};
use crate::input::RawRecord;
use crate::local::FingerprintCheck;
use crate::matcher::model::Explanation;
use crate::store::{CandidateState, ConfirmReason, RejectReason};

use super::{field, optional, parse_code};

/// What the last action did, shown once after the redirect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Done {
    /// We confirmed.
    Confirmed,
    /// We rejected.
    Rejected,
    /// We recorded a verdict.
    Verified,
}

impl Done {
    fn message(self) -> String {
        match self {
            Done::Confirmed => t("done-confirmed"),
            Done::Rejected => t("done-rejected"),
            Done::Verified => t("done-verified"),
        }
    }
}

/// `?done=…`.
#[derive(Debug, Default, Deserialize)]
pub struct CandidatePageQuery {
    done: Option<Done>,
}

/// The other authority's jurisdiction, which only the listing carries.
async fn jurisdiction(console: &Console, id: i64) -> Option<String> {
    let query = CandidateQuery {
        limit: Some(1000),
        ..CandidateQuery::default()
    };
    let list = console.hub.candidates(&query).await.ok()?;
    list.into_iter()
        .find(|c| c.id == id)
        .map(|c| c.counterpart.jurisdiction)
}

/// Whether this authority has already made its confirm-or-reject decision.
pub fn we_decided(detail: &CandidateDetail) -> bool {
    detail.decisions.iter().any(|d| {
        d.authority == detail.record.authority && (d.kind == "confirm" || d.kind == "reject")
    })
}

/// `GET /candidates/{id}`.
pub async fn show(
    State(console): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(query): Query<CandidatePageQuery>,
) -> Response {
    let (session, _) = match console.signed_in(&headers) {
        Ok(signed_in) => signed_in,
        Err(redirect) => return redirect,
    };
    let detail = match console.hub.candidate(id).await {
        Ok(detail) => detail,
        Err(e) => return console.error_page(StatusCode::BAD_GATEWAY, Some(&session), &e.into()),
    };
    let jurisdiction = jurisdiction(&console, id).await;
    let body = render(&console, &session, &detail, jurisdiction, query.done, None);
    console.page(&tr!("candidate-n", id = id), Some(&session), body)
}

fn render(
    console: &Console,
    session: &Session,
    detail: &CandidateDetail,
    jurisdiction: Option<String>,
    done: Option<Done>,
    error: Option<&ConsoleError>,
) -> Markup {
    let own = console.workspace.own_record(&detail.record.record_ref);
    let explanation: Option<Explanation> = serde_json::from_value(detail.evidence.clone()).ok();
    let open = matches!(
        detail.state,
        CandidateState::Proposed | CandidateState::ConfirmedOne
    ) && !we_decided(detail);
    html! {
        h1 { (tr!("candidate-n", id = detail.id)) }
        @if let Some(done) = done {
            div class="notice" role="status" { p { (done.message()) } }
        }
        @if let Some(error) = error {
            div class="error" role="alert" { p { (error.words()) } }
        }
        div class="panel" {
            dl class="facts" {
                dt { (t("col-other-authority")) }
                dd { (detail.counterpart.authority)
                    @if let Some(j) = &jurisdiction { " (" (code_words(j)) ")" } }
                dt { (t("col-probability")) }
                dd { (percent(detail.probability))
                    " " (tr!("match-weight-parenthesised", weight = format!("{:.1}", detail.match_weight))) }
                dt { (t("state")) }
                dd { (code_words(detail.state.as_str())) }
                dt { (t("agreement")) }
                dd { (detail.agreement_id) ", " (tr!("key-epoch", epoch = detail.epoch)) }
            }
            @if detail.released {
                p { a href=(format!("/candidates/{}/disclosure", detail.id)) {
                    (t("open-their-record")) } }
            }
        }
        div class="columns" {
            section class="panel" aria-labelledby="h-evidence" {
                h2 id="h-evidence" { (t("why-proposed")) }
                @match &explanation {
                    Some(explanation) => {
                        @let steps = waterfall(explanation);
                        (waterfall_svg(&steps, &t("chart-title")))
                        ul class="meanings" {
                            @for step in &steps[1..steps.len() - 1] { li { (step.meaning) } }
                        }
                    }
                    None => p { (t("evidence-uncharted")) }
                }
            }
            section class="panel" aria-labelledby="h-ours" {
                h2 id="h-ours" { (t("col-our-record")) }
                @match &own {
                    Some(record) => (own_record_facts(record)),
                    None => p class="error" { (t("own-record-missing")) },
                }
            }
        }
        @if open {
            div class="columns" {
                (confirm_form(console, session, detail))
                (reject_form(session, detail))
            }
        }
        (decisions(detail))
    }
}

fn own_record_facts(record: &RawRecord) -> Markup {
    let rows = [
        (t("record-id"), &record.record_id),
        (t("forename"), &record.forename),
        (t("middle-names"), &record.middle_names),
        (t("surname"), &record.surname),
        (t("former-surname"), &record.former_surname),
        (t("date-of-birth"), &record.dob),
        (t("sex"), &record.sex),
    ];
    html! {
        dl class="facts" {
            @for (label, value) in rows {
                @if let Some(value) = value {
                    @if !value.trim().is_empty() { dt { (label) } dd { (value) } }
                }
            }
        }
    }
}

fn confirm_form(console: &Console, session: &Session, detail: &CandidateDetail) -> Markup {
    let config = &console.workspace.config;
    let authority = &detail.counterpart.authority;
    let published = detail.counterpart.disclosure_key.as_ref();
    let (warn, key_words) = fingerprints::status_words(
        &console.workspace.dir,
        authority,
        authority,
        published.map(|k| k.public_key.as_str()),
    );
    html! {
        section class="panel" aria-labelledby="h-confirm" {
            h2 id="h-confirm" { (t("confirm")) }
            p class="hint" { (t("confirm-hint")) }
            form class="stacked" method="post" action=(format!("/candidates/{}/confirm", detail.id)) {
                (csrf_field(session))
                label for="confirm-reason" { (t("reason")) }
                (code_select("confirm-reason", "reason", ConfirmReason::ALL.iter().map(|r| r.as_str())))
                p id="their-key" class=(if warn { "field-error" } else { "hint" }) {
                    (key_words) " "
                    @if warn { a href="/fingerprints" { (t("nav-fingerprints")) } }
                }
                label for="coordinator-name" { (t("contact-name")) }
                input id="coordinator-name" name="coordinator_name" type="text" required
                    value=(config.coordinator.name);
                label for="coordinator-email" { (t("contact-email")) }
                input id="coordinator-email" name="coordinator_email" type="email" required
                    value=(config.coordinator.email);
                label for="coordinator-phone" { (t("contact-phone")) }
                input id="coordinator-phone" name="coordinator_phone" type="tel"
                    value=(config.coordinator.phone.as_deref().unwrap_or(""));
                label for="school" { (t("school-optional")) }
                input id="school" name="school" type="text";
                label for="confirm-note" { (t("note-stored-in-clear")) }
                input id="confirm-note" name="note" type="text";
                button class="primary" type="submit" { (t("confirm-and-send")) }
            }
        }
    }
}

fn reject_form(session: &Session, detail: &CandidateDetail) -> Markup {
    html! {
        section class="panel" aria-labelledby="h-reject" {
            h2 id="h-reject" { (t("reject")) }
            p class="hint" { (t("reject-hint")) }
            form class="stacked" method="post" action=(format!("/candidates/{}/reject", detail.id)) {
                (csrf_field(session))
                label for="reject-reason" { (t("reason")) }
                (code_select("reject-reason", "reason", RejectReason::ALL.iter().map(|r| r.as_str())))
                label for="reject-note" { (t("note-no-personal-data")) }
                input id="reject-note" name="note" type="text";
                button class="warning" type="submit" { (t("reject")) }
            }
        }
    }
}

fn decisions(detail: &CandidateDetail) -> Markup {
    html! {
        section class="panel" aria-labelledby="h-decisions" {
            h2 id="h-decisions" { (t("decisions")) }
            @if detail.decisions.is_empty() {
                p class="empty" { (t("no-decision")) }
            } @else {
                table {
                    (column_heads(&[t("col-when"), t("col-authority"), t("col-decision"), t("reason"), t("col-by")]))
                    tbody {
                        @for d in &detail.decisions {
                            tr {
                                td { (d.at) } td { (d.authority) }
                                td { (code_words(&d.decision)) } td { (code_words(&d.reason)) }
                                td { (d.decided_by) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Seals our record to the other side and confirms, once the key the hub publishes for the
/// other side is checked against the fingerprint recorded for it (none recorded, or another,
/// refuses the confirmation before anything is sealed).
async fn confirm_candidate(
    console: &Console,
    user: &StaffName,
    id: i64,
    form: &HashMap<String, String>,
) -> Result<(), ConsoleError> {
    let reason: ConfirmReason = parse_code(form, "reason", &t("refuse-confirm-reason"))?;
    let detail = console.hub.candidate(id).await?;
    let key = detail
        .counterpart
        .disclosure_key
        .as_ref()
        .ok_or_else(|| ConsoleError::NoCounterpartKey(detail.counterpart.authority.clone()))?;
    let key = PublicKey::parse(&key.public_key).map_err(|e| {
        ConsoleError::BadInput(tr!("counterpart-key-unusable", cause = e.to_string()))
    })?;
    let authority = || detail.counterpart.authority.clone();
    match fingerprints::check(&console.workspace.dir, &detail.counterpart.authority, &key)? {
        FingerprintCheck::Matches(_) => {}
        FingerprintCheck::Differs(_) => {
            return Err(ConsoleError::FingerprintMismatch {
                authority: authority(),
            })
        }
        FingerprintCheck::NotChecked => {
            return Err(ConsoleError::FingerprintNotRecorded {
                authority: authority(),
            })
        }
    }
    let raw = console
        .workspace
        .own_record(&detail.record.record_ref)
        .ok_or_else(|| ConsoleError::OwnRecordMissing(detail.record.record_ref.clone()))?;
    let context = detail.seal_context();
    let coordinator = Coordinator {
        name: field(form, "coordinator_name").to_string(),
        email: field(form, "coordinator_email").to_string(),
        phone: optional(form, "coordinator_phone"),
    };
    if coordinator.name.is_empty() || coordinator.email.is_empty() {
        return Err(ConsoleError::BadInput(t("contact-required")));
    }
    let payload = DisclosurePayload {
        format: PAYLOAD_FORMAT.into(),
        agreement_id: context.agreement_id.clone(),
        candidate_id: id,
        sender: context.sender.clone(),
        recipient: context.recipient.clone(),
        record: DisclosedRecord::from_raw(&raw, optional(form, "school"), None, false),
        coordinator,
        sealed_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    let sealed = seal(&key, &context, &payload)?;
    console
        .hub
        .confirm(id, reason, &note(form, user), &sealed)
        .await?;
    Ok(())
}

/// The decision note: the form's note, decided by the signed-in staff member.
pub fn note(form: &HashMap<String, String>, user: &StaffName) -> DecisionNote {
    DecisionNote {
        note: field(form, "note").to_string(),
        decided_by: user.as_str().to_string(),
    }
}

/// Renders the candidate page again with `error` (status 422).
async fn refused(console: &Console, session: &Session, id: i64, error: ConsoleError) -> Response {
    match console.hub.candidate(id).await {
        Ok(detail) => {
            let jurisdiction = jurisdiction(console, id).await;
            let body = render(console, session, &detail, jurisdiction, None, Some(&error));
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                console.page(&tr!("candidate-n", id = id), Some(session), body),
            )
                .into_response()
        }
        Err(e) => console.error_page(StatusCode::BAD_GATEWAY, Some(session), &e.into()),
    }
}

/// `POST /candidates/{id}/confirm`.
pub async fn confirm(
    State(console): State<Shared>,
    Path(id): Path<i64>,
    SignedInForm {
        session,
        user,
        form,
    }: SignedInForm,
) -> Response {
    match confirm_candidate(&console, &user, id, &form).await {
        Ok(()) => Redirect::to(&format!("/candidates/{id}?done=confirmed")).into_response(),
        Err(error) => refused(&console, &session, id, error).await,
    }
}

/// `POST /candidates/{id}/reject`.
pub async fn reject(
    State(console): State<Shared>,
    Path(id): Path<i64>,
    SignedInForm {
        session,
        user,
        form,
    }: SignedInForm,
) -> Response {
    let result = async {
        let reason: RejectReason = parse_code(&form, "reason", &t("refuse-reject-reason"))?;
        console.hub.reject(id, reason, &note(&form, &user)).await?;
        Ok::<_, ConsoleError>(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("/candidates/{id}?done=rejected")).into_response(),
        Err(error) => refused(&console, &session, id, error).await,
    }
}
