//! The dashboard: this authority's candidates in the groups a coordinator works through, with
//! counts, paged, and the follow-ups due.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use futures_util::future::join_all;
use maud::{html, Markup};
use serde::Deserialize;

use crate::client::{Candidate, CandidateQuery, FollowUp};
use crate::console::html::{column_heads, percent};
use crate::console::i18n::{date, date_text, t, tr};
use crate::console::server::{Console, Shared};
use crate::console::vocab::code_words;
use crate::console::ConsoleError;
use crate::matcher::resolve::Standing;
use crate::store::CandidateState;

/// Rows per group and page.
pub const PAGE_SIZE: usize = 25;

/// Candidates expiring within this many days are listed as about to expire.
pub const EXPIRY_WARNING_DAYS: i64 = 7;

/// A roll last sent more than this many days ago is called stale on the dashboard.
pub const STALE_ROLL_DAYS: i64 = 30;

/// The dashboard's groups, in the order a coordinator works through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Proposed: neither side has decided.
    New,
    /// The other side confirmed; we have not decided.
    AwaitingMe,
    /// We confirmed; the other side has not decided.
    AwaitingThem,
    /// Both confirmed: the other side's record can be opened here.
    Released,
    /// Verified as the same child: the case can be closed.
    ToClose,
}

impl Group {
    /// Every group, in display order.
    pub const ALL: [Group; 5] = [
        Group::New,
        Group::AwaitingMe,
        Group::AwaitingThem,
        Group::Released,
        Group::ToClose,
    ];

    /// Its name in URLs and element ids.
    pub fn slug(self) -> &'static str {
        match self {
            Group::New => "new",
            Group::AwaitingMe => "awaiting-me",
            Group::AwaitingThem => "awaiting-them",
            Group::Released => "released",
            Group::ToClose => "to-close",
        }
    }

    /// Its heading.
    pub fn title(self) -> String {
        match self {
            Group::New => t("group-new"),
            Group::AwaitingMe => t("group-awaiting-me"),
            Group::AwaitingThem => t("group-awaiting-them"),
            Group::Released => t("group-released"),
            Group::ToClose => t("group-to-close"),
        }
    }

    /// The group of a candidate in `state`; `we_confirmed` tells the two halves of
    /// `confirmed_one` apart. Final and verified-different candidates are in no group.
    pub fn of(state: CandidateState, we_confirmed: bool) -> Option<Group> {
        match state {
            CandidateState::Proposed => Some(Group::New),
            CandidateState::ConfirmedOne if we_confirmed => Some(Group::AwaitingThem),
            CandidateState::ConfirmedOne => Some(Group::AwaitingMe),
            CandidateState::ConfirmedBoth | CandidateState::Disclosed => Some(Group::Released),
            CandidateState::VerifiedSame => Some(Group::ToClose),
            _ => None,
        }
    }
}

/// `?group=…&page=…`: one group, paged (the first page of every group without it).
#[derive(Debug, Default, Deserialize)]
pub struct DashboardQuery {
    group: Option<String>,
    page: Option<usize>,
}

/// The candidates sorted into groups.
async fn grouped(console: &Console) -> Result<Vec<(Group, Vec<Candidate>)>, ConsoleError> {
    let query = CandidateQuery {
        limit: Some(1000),
        ..CandidateQuery::default()
    };
    let candidates = console.hub.candidates(&query).await?;
    // Only `confirmed_one` needs the detail: which side confirmed.
    let half_confirmed: Vec<_> = candidates
        .iter()
        .filter(|c| c.state == CandidateState::ConfirmedOne.as_str())
        .map(|c| console.hub.candidate(c.id))
        .collect();
    let mut ours_confirmed = std::collections::HashSet::new();
    for detail in join_all(half_confirmed).await {
        let detail = detail?;
        if detail.sealed.own {
            ours_confirmed.insert(detail.id);
        }
    }
    let mut groups: Vec<(Group, Vec<Candidate>)> =
        Group::ALL.iter().map(|&g| (g, Vec::new())).collect();
    for candidate in candidates {
        let Ok(state) = candidate.state.parse::<CandidateState>() else {
            continue;
        };
        if let Some(group) = Group::of(state, ours_confirmed.contains(&candidate.id)) {
            let slot = Group::ALL.iter().position(|&g| g == group).expect("listed");
            groups[slot].1.push(candidate);
        }
    }
    Ok(groups)
}

/// `GET /`.
pub async fn show(
    State(console): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<DashboardQuery>,
) -> Response {
    let (session, _) = match console.signed_in(&headers) {
        Ok(signed_in) => signed_in,
        Err(redirect) => return redirect,
    };
    let groups = match grouped(&console).await {
        Ok(groups) => groups,
        Err(e) => return console.error_page(StatusCode::BAD_GATEWAY, Some(&session), &e),
    };
    let today = chrono::Utc::now().date_naive();
    let follow_ups = match console.hub.follow_ups(Some(today)).await {
        Ok(f) => f,
        Err(e) => return console.error_page(StatusCode::BAD_GATEWAY, Some(&session), &e.into()),
    };
    let only = query
        .group
        .as_deref()
        .and_then(|slug| Group::ALL.into_iter().find(|g| g.slug() == slug));
    let page = query.page.unwrap_or(1).max(1);
    let now = chrono::Utc::now();
    let expiring = about_to_expire(&groups, now);
    let stale = match console.hub.me().await {
        Ok(me) => stale_roll_days(me.last_roll_at.as_deref(), now),
        Err(_) => None,
    };
    let body = html! {
        h1 { (t("dashboard-title")) }
        @if let Some(days) = stale {
            div class="panel expiring" role="alert" {
                p { strong { (tr!("roll-stale", days = days)) }
                    " " (t("roll-stale-why")) " "
                    a href="/uploads" { (t("roll-stale-upload")) } "." }
            }
        }
        nav class="cards" aria-label=(t("dashboard-groups")) {
            @for (group, list) in &groups {
                a class="card" href=(format!("/?group={}", group.slug())) {
                    span class="count" { (list.len()) }
                    (group.title())
                }
            }
            a class="card" href="#follow-ups" {
                span class="count" { (follow_ups.len()) }
                (t("card-follow-ups-due"))
            }
            a class="card" href="#expiring" {
                span class="count" { (expiring.len()) }
                (t("card-about-to-expire"))
            }
        }
        (expiring_section(&console, &expiring, now))
        @for (group, list) in &groups {
            @if only.is_none() || only == Some(*group) {
                (group_section(&console, *group, list, if only.is_some() { page } else { 1 }))
            }
        }
        (follow_up_section(&console, &follow_ups))
        (audit_checkpoint(&console).await)
    };
    console.page(&t("dashboard-title"), Some(&session), body)
}

fn group_section(console: &Console, group: Group, list: &[Candidate], page: usize) -> Markup {
    let start = (page - 1) * PAGE_SIZE;
    let rows: Vec<&Candidate> = list.iter().skip(start).take(PAGE_SIZE).collect();
    let pages = list.len().div_ceil(PAGE_SIZE).max(1);
    html! {
        section aria-labelledby=(format!("h-{}", group.slug())) id=(group.slug()) {
            h2 id=(format!("h-{}", group.slug())) { (group.title()) " (" (list.len()) ")" }
            @if rows.is_empty() {
                p class="empty" { (t("none")) }
            } @else {
                table {
                    (column_heads(&[t("col-candidate"), t("col-our-record"), t("col-other-authority"), t("col-probability"), t("col-proposed")]))
                    tbody {
                        @for c in rows {
                            tr {
                                td { a href=(format!("/candidates/{}", c.id)) { (tr!("candidate-n", id = c.id)) } }
                                td { (our_record_id(console, &c.record.record_ref)) }
                                td { (c.counterpart.authority) " (" (code_words(&c.counterpart.jurisdiction)) ")" }
                                td {
                                    (percent(c.probability))
                                    @match c.standing {
                                        Some(Standing::Ambiguous) => { span class="standing" { (t("standing-ambiguous")) } }
                                        Some(Standing::RunnerUp) => { span class="standing runner-up" { (t("standing-runner-up")) } }
                                        _ => {}
                                    }
                                }
                                td { (date_text(&c.created_at)) }
                            }
                        }
                    }
                }
                @if pages > 1 {
                    p class="pager" {
                        (tr!("page-of", page = page, pages = pages)) " "
                        @if page > 1 {
                            a href=(format!("/?group={}&page={}", group.slug(), page - 1)) { (t("page-previous")) } " "
                        }
                        @if page < pages {
                            a href=(format!("/?group={}&page={}", group.slug(), page + 1)) { (t("page-next")) }
                        }
                    }
                }
            }
        }
    }
}

/// How many days ago the roll was last sent, when that is more than [`STALE_ROLL_DAYS`]
/// (`None` when it is fresh, or was never sent: an authority may hold only open cases).
fn stale_roll_days(last_roll_at: Option<&str>, now: chrono::DateTime<chrono::Utc>) -> Option<i64> {
    let sent = chrono::DateTime::parse_from_rfc3339(last_roll_at?).ok()?;
    let days = (now - sent.with_timezone(&chrono::Utc)).num_days();
    (days > STALE_ROLL_DAYS).then_some(days)
}

/// The candidates still awaiting a decision that expire within [`EXPIRY_WARNING_DAYS`],
/// soonest first, each with its expiry.
fn about_to_expire(
    groups: &[(Group, Vec<Candidate>)],
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<(&Candidate, chrono::DateTime<chrono::Utc>)> {
    let horizon = now + chrono::Duration::days(EXPIRY_WARNING_DAYS);
    let mut expiring: Vec<_> = groups
        .iter()
        .flat_map(|(_, list)| list)
        .filter_map(|c| {
            let at = chrono::DateTime::parse_from_rfc3339(c.expires_at.as_deref()?).ok()?;
            let at = at.with_timezone(&chrono::Utc);
            (at <= horizon).then_some((c, at))
        })
        .collect();
    expiring.sort_by_key(|(c, at)| (*at, c.id));
    expiring
}

fn expiring_section(
    console: &Console,
    expiring: &[(&Candidate, chrono::DateTime<chrono::Utc>)],
    now: chrono::DateTime<chrono::Utc>,
) -> Markup {
    html! {
        @if !expiring.is_empty() {
            section class="panel expiring" aria-labelledby="h-expiring" id="expiring" {
                h2 id="h-expiring" { (t("card-about-to-expire")) " (" (expiring.len()) ")" }
                p { (t("expiring-why")) }
                table {
                    (column_heads(&[t("col-candidate"), t("col-our-record"), t("col-expires")]))
                    tbody {
                        @for (c, at) in expiring {
                            @let days = ((*at - now).num_seconds() + 86_399) / 86_400;
                            tr {
                                td { a href=(format!("/candidates/{}", c.id)) { (tr!("candidate-n", id = c.id)) } }
                                td { (our_record_id(console, &c.record.record_ref)) }
                                td { (date(at.date_naive())) " "
                                    strong { (tr!("expires-in", days = days.max(1))) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn follow_up_section(console: &Console, follow_ups: &[FollowUp]) -> Markup {
    html! {
        section aria-labelledby="h-follow-ups" id="follow-ups" {
            h2 id="h-follow-ups" { (t("card-follow-ups-due")) " (" (follow_ups.len()) ")" }
            @if follow_ups.is_empty() {
                p class="empty" { (t("none-due")) }
            } @else {
                table {
                    (column_heads(&[t("col-our-record"), t("col-check"), t("col-due")]))
                    tbody {
                        @for f in follow_ups {
                            tr {
                                td { (our_record_id(console, &f.record_ref)) }
                                td { (tr!("follow-up-after-closing", weeks = f.kind.split('_').next().unwrap_or(&f.kind))) }
                                td { (date_text(&f.due_on)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Fetches the hub's signed audit checkpoint and keeps it in the workspace (the hub key pinned
/// at first use); one line saying so, or an alert when the hub's key changed or its audit log
/// shrank or forked since the checkpoint kept before.
async fn audit_checkpoint(console: &Console) -> Markup {
    let book = console.audit_book.lock().await;
    let kept = match console.hub.audit_checkpoint().await {
        Ok(checkpoint) => book.keep(&checkpoint).map(|_| checkpoint),
        Err(e) => {
            return html! { p class="audit-checkpoint" { (tr!("audit-checkpoint-unavailable", cause = e.to_string())) } }
        }
    };
    match kept {
        Ok(checkpoint) => html! {
            p class="audit-checkpoint" {
                (tr!("audit-checkpoint-kept", n = checkpoint.n_events)) " "
                code { (checkpoint.key_fingerprint) } ")."
            }
        },
        Err(e) => html! { p class="error audit-checkpoint" role="alert" { (e.to_string()) } },
    }
}

/// Our record id for a reference (found locally), or a note that it is not in our files.
pub fn our_record_id(console: &Console, record_ref: &str) -> String {
    console
        .workspace
        .own_record(record_ref)
        .and_then(|r| r.record_id.clone())
        .unwrap_or_else(|| t("not-in-our-files"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_roll_sent_over_thirty_days_ago_is_stale_and_no_roll_is_not() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-07T12:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(
            stale_roll_days(Some("2026-11-01T09:00:00.000Z"), now),
            Some(36)
        );
        assert_eq!(stale_roll_days(Some("2026-11-07T12:00:00.000Z"), now), None);
        assert_eq!(stale_roll_days(None, now), None);
    }

    #[test]
    fn half_confirmed_candidates_wait_on_whoever_has_not_confirmed() {
        let state = CandidateState::ConfirmedOne;
        assert_eq!(Group::of(state, true), Some(Group::AwaitingThem));
        assert_eq!(Group::of(state, false), Some(Group::AwaitingMe));
    }

    #[test]
    fn released_and_verified_candidates_have_their_own_groups_and_final_ones_none() {
        assert_eq!(Group::of(CandidateState::Proposed, false), Some(Group::New));
        assert_eq!(
            Group::of(CandidateState::Disclosed, true),
            Some(Group::Released)
        );
        assert_eq!(
            Group::of(CandidateState::VerifiedSame, true),
            Some(Group::ToClose)
        );
        assert_eq!(Group::of(CandidateState::Rejected, true), None);
        assert_eq!(Group::of(CandidateState::VerifiedDifferent, true), None);
    }
}
