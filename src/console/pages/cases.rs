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
    console.page("Cases", Some(&session), body)
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
    let outcome: CaseOutcome = parse_code(
        form,
        "outcome",
        "choose the case's outcome before closing it; nothing was closed",
    )?;
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
        h1 { "Cases" }
        (notice(console, done))
        div class="cards" {
            a class="card" href="#h-open" { span class="count" { (cases.len()) } "open cases" }
            a class="card" href="#h-follow-ups" { span class="count" { (follow_ups.len()) } "follow-ups to make, " (due_now) " due now" }
        }
        section aria-labelledby="h-open" {
            h2 id="h-open" { "Open cases (" (cases.len()) ")" }
            @if cases.is_empty() {
                p class="empty" { "No open case. Cases are opened by uploading a file of children missing from education, or from a national search." }
            } @else {
                p class="hint" { "Oldest first. Close a case when the child is found or the enquiries end: it stops matching, and a child found in education gets follow-ups at 6 and 18 weeks." }
                table {
                    (column_heads(&["Our record", "Referral", "Opened", "Age", "Close with outcome"]))
                    tbody {
                        @for (i, case) in cases.iter().enumerate() {
                            @let ours = our_record_id(console, &case.record_ref);
                            tr {
                                td { strong { (ours) } br; span class="hint" { "Reference " code { (case.record_ref) } } }
                                td { (reason_words(case.referral_reason)) br;
                                    span class="hint" { (source_words(case.referral_source)) "; referred on " (case.referred_on) } }
                                td class="nowrap" { (case.opened_at.get(..10).unwrap_or(&case.opened_at)) }
                                td class="nowrap" { (days(age_in_days(case, today))) br; span class="hint" { "since referral" } }
                                td {
                                    form class="inline" method="post" action="/cases/close" {
                                        (csrf_field(session))
                                        input type="hidden" name="ref" value=(case.record_ref);
                                        label class="visually-hidden" for=(format!("outcome-{i}")) { "Outcome for " (ours) }
                                        select id=(format!("outcome-{i}")) name="outcome" required {
                                            option value="" { "Choose an outcome" }
                                            @for o in CaseOutcome::ALL { option value=(o.as_str()) { (outcome_words(*o)) } }
                                        }
                                        button class="secondary" type="submit" { "Close case" span class="visually-hidden" { " " (ours) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="h-follow-ups" {
            h2 id="h-follow-ups" { "Follow-ups" }
            @if follow_ups.is_empty() {
                p class="empty" { "No follow-up is waiting. A case closed as found in education (EHE, IND, OLA, WLA) is checked again at 6 and 18 weeks." }
            } @else {
                p class="hint" { "Is the child still in education? Mark each check done when you have made it." }
                table {
                    (column_heads(&["Our record", "Check", "Due", "Done?"]))
                    tbody {
                        @for f in follow_ups {
                            @let ours = our_record_id(console, &f.record_ref);
                            @let due = NaiveDate::parse_from_str(&f.due_on, "%Y-%m-%d").ok();
                            tr {
                                td { (ours) }
                                td { (follow_up_words(&f.kind)) }
                                td class="nowrap" { (f.due_on)
                                    @if let Some(due) = due {
                                        br;
                                        @if due <= today { strong { "due now" } }
                                        @else { span class="hint" { "in " (days((due - today).num_days())) } }
                                    } }
                                td {
                                    form class="inline" method="post" action=(format!("/cases/follow-ups/{}/done", f.id)) {
                                        (csrf_field(session))
                                        button class="secondary" type="submit" { "Mark done"
                                            span class="visually-hidden" { ": " (follow_up_words(&f.kind)) " for " (ours) } }
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
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
}

fn notice(console: &Console, done: &Done) -> Markup {
    let outcome = done
        .outcome
        .as_deref()
        .and_then(|o| o.parse::<CaseOutcome>().ok());
    html! {
        @if let (Some(reference), Some(outcome)) = (&done.closed, outcome) {
            div class="notice" role="status" {
                p { "Case " strong { (our_record_id(console, reference)) } " closed: " (outcome_words(outcome)) "."
                    @if outcome.is_found() { " Its follow-ups at 6 and 18 weeks are listed below." } }
            }
        }
        @if done.follow_up.is_some() {
            div class="notice" role="status" { p { "Follow-up marked done." } }
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
