//! The cases page: our open CME cases (our record id, found locally, beside the hub's opaque
//! reference; the referral in words; when it was opened and how many days ago), each closed
//! with an outcome code chosen in words; and the 6- and 18-week follow-ups of cases closed as
//! found, each marked done when the check is made.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use maud::{html, Markup};
use serde::Deserialize;

use crate::client::{FollowUp, OpenCase};
use crate::console::auth::Session;
use crate::console::forms::SignedInForm;
use crate::console::html::{column_heads, csrf_field};
use crate::console::i18n::{date_text, t, tr};
use crate::console::server::{Console, Shared};
use crate::console::vocab::{follow_up_words, outcome_words, reason_words, source_words};
use crate::console::ConsoleError;
use crate::store::CaseOutcome;

use super::dashboard::our_record_id;
use super::{field, parse_code};

/// Follow-ups due within this many days are listed (the 18-week one of a case closed today
/// is due in 126).
const FOLLOW_UPS_AHEAD_DAYS: i64 = 190;

/// What the last action did, shown once after the redirect.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    /// The reference of the case just closed.
    closed: Option<String>,
    /// Its outcome.
    outcome: Option<String>,
    /// The follow-up just marked done.
    follow_up: Option<i64>,
}

/// `GET /cases`.
pub async fn show(
    State(console): State<Shared>,
    Query(done): Query<Done>,
    headers: HeaderMap,
) -> Response {
    let (session, _) = match console.signed_in(&headers) {
        Ok(signed_in) => signed_in,
        Err(redirect) => return redirect,
    };
    let today = chrono::Local::now().date_naive();
    let cases = console.hub.open_cases().await;
    let due_by = today + chrono::Duration::days(FOLLOW_UPS_AHEAD_DAYS);
    let follow_ups = console.hub.follow_ups(Some(due_by)).await;
    let (cases, follow_ups) = match (cases, follow_ups) {
        (Ok(cases), Ok(follow_ups)) => (cases, follow_ups),
        (Err(e), _) | (_, Err(e)) => {
            return console.error_page(StatusCode::BAD_GATEWAY, Some(&session), &e.into())
        }
    };
    let body = render(&console, &session, &cases, &follow_ups, &done, today);
    console.page(&t("nav-cases"), Some(&session), body)
}

/// `POST /cases/close`: closes one of our cases with the chosen outcome.
pub async fn close(
    State(console): State<Shared>,
    SignedInForm { session, form, .. }: SignedInForm,
) -> Response {
    match close_case(&console, &form).await {
        Ok((reference, outcome)) => {
            Redirect::to(&format!("/cases?closed={reference}&outcome={outcome}")).into_response()
        }
        Err(error) => console.error_page(status_of(&error), Some(&session), &error),
    }
}

async fn close_case(
    console: &Console,
    form: &HashMap<String, String>,
) -> Result<(String, CaseOutcome), ConsoleError> {
    let outcome: CaseOutcome = parse_code(form, "outcome", &t("refuse-outcome"))?;
    let reference = field(form, "ref");
    console.hub.close_case(reference, outcome).await?;
    Ok((reference.to_string(), outcome))
}

/// `POST /cases/follow-ups/{id}/done`.
pub async fn follow_up_done(
    State(console): State<Shared>,
    Path(id): Path<i64>,
    SignedInForm { session, .. }: SignedInForm,
) -> Response {
    match console.hub.follow_up_done(id).await {
        Ok(()) => Redirect::to(&format!("/cases?follow_up={id}")).into_response(),
        Err(error) => {
            let error = ConsoleError::from(error);
            console.error_page(status_of(&error), Some(&session), &error)
        }
    }
}

fn status_of(error: &ConsoleError) -> StatusCode {
    match error {
        ConsoleError::BadInput(_) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::BAD_GATEWAY,
    }
}

/// A case's age: whole days from its referral (or, when the hub stored it earlier than the
/// referral date says, from then) to `today`.
fn age_in_days(case: &OpenCase, today: NaiveDate) -> i64 {
    let opened = chrono::DateTime::parse_from_rfc3339(&case.opened_at)
        .map(|t| t.date_naive())
        .ok();
    let referred = NaiveDate::parse_from_str(&case.referred_on, "%Y-%m-%d").ok();
    let start = match (referred, opened) {
        (Some(r), Some(o)) => r.min(o),
        (Some(d), None) | (None, Some(d)) => d,
        (None, None) => today,
    };
    (today - start).num_days().max(0)
}

fn render(
    console: &Console,
    session: &Session,
    cases: &[OpenCase],
    follow_ups: &[FollowUp],
    done: &Done,
    today: NaiveDate,
) -> Markup {
    let due_now = follow_ups
        .iter()
        .filter(|f| f.due_on.as_str() <= today.format("%Y-%m-%d").to_string().as_str())
        .count();
    html! {
        h1 { (t("nav-cases")) }
        (notice(console, done))
        div class="cards" {
            a class="card" href="#h-open" { span class="count" { (cases.len()) } (tr!("card-open-cases", n = cases.len())) }
            a class="card" href="#h-follow-ups" { span class="count" { (follow_ups.len()) } (tr!("card-follow-ups", n = follow_ups.len(), due = due_now)) }
        }
        section aria-labelledby="h-open" {
            h2 id="h-open" { (t("open-cases")) " (" (cases.len()) ")" }
            @if cases.is_empty() {
                p class="empty" { (t("no-open-case")) }
            } @else {
                p class="hint" { (t("open-cases-hint")) }
                table {
                    (column_heads(&[t("col-our-record"), t("col-referral"), t("col-opened"), t("col-age"), t("col-close-with-outcome")]))
                    tbody {
                        @for (i, case) in cases.iter().enumerate() {
                            @let ours = our_record_id(console, &case.record_ref);
                            tr {
                                td { strong { (ours) } br; span class="hint" { (t("reference")) " " code { (case.record_ref) } } }
                                td { (reason_words(case.referral_reason)) br;
                                    span class="hint" { (source_words(case.referral_source)) "; " (tr!("referred-on", date = date_text(&case.referred_on))) } }
                                td class="nowrap" { (date_text(&case.opened_at)) }
                                td class="nowrap" { (days(age_in_days(case, today))) br; span class="hint" { (t("since-referral")) } }
                                td {
                                    form class="inline" method="post" action="/cases/close" {
                                        (csrf_field(session))
                                        input type="hidden" name="ref" value=(case.record_ref);
                                        label class="visually-hidden" for=(format!("outcome-{i}")) { (tr!("outcome-for", record = ours.as_str())) }
                                        select id=(format!("outcome-{i}")) name="outcome" required {
                                            option value="" { (t("choose-outcome")) }
                                            @for o in CaseOutcome::ALL { option value=(o.as_str()) { (outcome_words(*o)) } }
                                        }
                                        button class="secondary" type="submit" { (t("close-case")) span class="visually-hidden" { " " (ours) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="h-follow-ups" {
            h2 id="h-follow-ups" { (t("follow-ups")) }
            @if follow_ups.is_empty() {
                p class="empty" { (t("no-follow-up")) }
            } @else {
                p class="hint" { (t("follow-ups-hint")) }
                table {
                    (column_heads(&[t("col-our-record"), t("col-check"), t("col-due"), t("col-done")]))
                    tbody {
                        @for f in follow_ups {
                            @let ours = our_record_id(console, &f.record_ref);
                            @let due = NaiveDate::parse_from_str(&f.due_on, "%Y-%m-%d").ok();
                            tr {
                                td { (ours) }
                                td { (follow_up_words(&f.kind)) }
                                td class="nowrap" { (date_text(&f.due_on))
                                    @if let Some(due) = due {
                                        br;
                                        @if due <= today { strong { (t("due-now")) } }
                                        @else { span class="hint" { (tr!("in-days", days = days((due - today).num_days()))) } }
                                    } }
                                td {
                                    form class="inline" method="post" action=(format!("/cases/follow-ups/{}/done", f.id)) {
                                        (csrf_field(session))
                                        button class="secondary" type="submit" { (t("mark-done"))
                                            span class="visually-hidden" { ": " (tr!("check-for", check = follow_up_words(&f.kind), record = ours.as_str())) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn days(n: i64) -> String {
    tr!("days", n = n)
}

fn notice(console: &Console, done: &Done) -> Markup {
    let outcome = done
        .outcome
        .as_deref()
        .and_then(|o| o.parse::<CaseOutcome>().ok());
    html! {
        @if let (Some(reference), Some(outcome)) = (&done.closed, outcome) {
            div class="notice" role="status" {
                p { (t("case")) " " strong { (our_record_id(console, reference)) } " " (tr!("case-closed", outcome = outcome_words(outcome)))
                    @if outcome.is_found() { " " (t("case-closed-follow-ups")) } }
            }
        }
        @if done.follow_up.is_some() {
            div class="notice" role="status" { p { (t("follow-up-done")) } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(referred_on: &str, opened_at: &str) -> OpenCase {
        OpenCase {
            record_ref: "AAAAAAAAAAAAAAAAAAAAAA".into(),
            agreement_id: "eng-scot-cme".into(),
            referral_reason: crate::store::ReferralReason::Rtl,
            referral_source: crate::store::ReferralSource::Sch,
            referred_on: referred_on.into(),
            opened_at: opened_at.into(),
        }
    }

    #[test]
    fn a_case_s_age_is_whole_days_since_its_referral() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let referred_before = case("2026-11-30", "2026-12-07T08:00:00.000Z");
        assert_eq!(age_in_days(&referred_before, today), 7);
        let stored_before = case("2026-12-05", "2026-12-01T23:59:00Z");
        assert_eq!(age_in_days(&stored_before, today), 6);
        assert_eq!(age_in_days(&case("unreadable", "not a time"), today), 0);
        assert_eq!(days(1), "1 day");
        assert_eq!(days(12), "12 days");
    }
}
