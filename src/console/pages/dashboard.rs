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

/// The most candidates the hub lists in one answer.
const HUB_LIMIT: usize = 1000;

/// One group as the dashboard shows it: how many candidates are in it, and those of the page
/// shown.
#[derive(Debug)]
struct Listed {
    group: Group,
    total: usize,
    rows: Vec<Candidate>,
}

/// One slice of the candidates in `state`, best first: `take` of them after the first `skip`,
/// and how many are in that state in all. The hub lists at most [`HUB_LIMIT`] at a time, so a
/// slice beyond its first answer is walked to with `after`. `min_age_days` keeps only those
/// proposed at least that many days ago.
async fn slice(
    console: &Console,
    state: CandidateState,
    min_age_days: Option<u32>,
    skip: usize,
    take: usize,
) -> Result<(usize, Vec<Candidate>), ConsoleError> {
    let mut query = CandidateQuery {
        state: Some(state.as_str().to_string()),
        min_age_days,
        ..CandidateQuery::default()
    };
    let (mut skip, mut rows) = (skip, Vec::new());
    loop {
        let wanted = (skip + take - rows.len()).clamp(1, HUB_LIMIT);
        query.limit = Some(wanted as u32);
        let page = console.hub.candidate_page(&query).await?;
        let n = page.candidates.len();
        let total = page.total.map_or(n, |t| t as usize);
        let skipped = skip.min(n);
        skip -= skipped;
        let room = take - rows.len();
        rows.extend(page.candidates.into_iter().skip(skipped).take(room));
        match page.next_after {
            Some(after) if rows.len() < take => query.after = Some(after),
            _ => return Ok((total, rows)),
        }
    }
}

/// The dashboard's groups: each group's count from the hub, and the rows of `page` of group
/// `only` (page 1 of the others). New candidates can number in the tens of thousands, so
/// only the page shown is fetched; the later states are fetched whole (up to the hub's
/// [`HUB_LIMIT`] each), because half-confirmed candidates are split by who confirmed, which
/// only each one's detail says.
async fn grouped(
    console: &Console,
    only: Option<Group>,
    page: usize,
) -> Result<(Vec<Listed>, Vec<Candidate>), ConsoleError> {
    let page_of = |group| if only == Some(group) { page } else { 1 };
    let skip = (page_of(Group::New) - 1) * PAGE_SIZE;
    let all = |state| slice(console, state, None, 0, HUB_LIMIT);
    let (new, half, both, disclosed, verified) = tokio::try_join!(
        slice(console, CandidateState::Proposed, None, skip, PAGE_SIZE),
        all(CandidateState::ConfirmedOne),
        all(CandidateState::ConfirmedBoth),
        all(CandidateState::Disclosed),
        all(CandidateState::VerifiedSame),
    )?;
    let details = join_all(half.1.iter().map(|c| console.hub.candidate(c.id))).await;
    let mut ours_confirmed = std::collections::HashSet::new();
    for detail in details {
        let detail = detail?;
        if detail.sealed.own {
            ours_confirmed.insert(detail.id);
        }
    }
    let (awaiting_them, awaiting_me): (Vec<_>, Vec<_>) = half
        .1
        .iter()
        .cloned()
        .partition(|c| ours_confirmed.contains(&c.id));
    let mut released = both.1;
    released.extend(disclosed.1);
    released.sort_by(|a, b| {
        b.match_weight
            .total_cmp(&a.match_weight)
            .then(a.id.cmp(&b.id))
    });
    let whole = |group, total, list: Vec<Candidate>| {
        let start = (page_of(group) - 1) * PAGE_SIZE;
        let rows = list.into_iter().skip(start).take(PAGE_SIZE).collect();
        Listed { group, total, rows }
    };
    let groups = vec![
        Listed {
            group: Group::New,
            total: new.0,
            rows: new.1,
        },
        whole(Group::AwaitingMe, awaiting_me.len(), awaiting_me),
        whole(Group::AwaitingThem, awaiting_them.len(), awaiting_them),
        whole(Group::Released, both.0 + disclosed.0, released),
        whole(Group::ToClose, verified.0, verified.1),
    ];
    Ok((groups, half.1))
}

/// The undecided candidates that may expire within [`EXPIRY_WARNING_DAYS`]: the half-confirmed
/// ones (`half`, all of them at hand), and the new ones proposed at least the confirmation
/// window less that many days ago (the window read off a listed candidate, `expires_at` less
/// `created_at`), asked of the hub, since only a page of the new ones is at hand.
async fn undecided(
    console: &Console,
    groups: &[Listed],
    half: Vec<Candidate>,
) -> Result<Vec<Candidate>, ConsoleError> {
    let mut undecided = half;
    let window = groups
        .iter()
        .flat_map(|l| &l.rows)
        .chain(&undecided)
        .find_map(|c| {
            let created = chrono::DateTime::parse_from_rfc3339(&c.created_at).ok()?;
            let expires = chrono::DateTime::parse_from_rfc3339(c.expires_at.as_deref()?).ok()?;
            Some((expires - created).num_days())
        });
    if let Some(window) = window {
        let min_age = u32::try_from(window - EXPIRY_WARNING_DAYS).unwrap_or(0);
        let (_, old) = slice(
            console,
            CandidateState::Proposed,
            Some(min_age),
            0,
            HUB_LIMIT,
        )
        .await?;
        undecided.extend(old);
    }
    Ok(undecided)
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
    let only = query
        .group
        .as_deref()
        .and_then(|slug| Group::ALL.into_iter().find(|g| g.slug() == slug));
    let page = query.page.unwrap_or(1).max(1);
    let listed = async {
        let (groups, half) = grouped(&console, only, page).await?;
        let undecided = undecided(&console, &groups, half).await?;
        Ok::<_, ConsoleError>((groups, undecided))
    };
    let today = chrono::Utc::now().date_naive();
    let (listed, follow_ups, me) = tokio::join!(
        listed,
        console.hub.follow_ups(Some(today)),
        console.hub.me()
    );
    let (groups, undecided) = match listed {
        Ok(listed) => listed,
        Err(e) => return console.error_page(StatusCode::BAD_GATEWAY, Some(&session), &e),
    };
    let follow_ups = match follow_ups {
        Ok(f) => f,
        Err(e) => return console.error_page(StatusCode::BAD_GATEWAY, Some(&session), &e.into()),
    };
    let now = chrono::Utc::now();
    let expiring = about_to_expire(&undecided, now);
    let stale = match me {
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
            @for listed in &groups {
                a class="card" href=(format!("/?group={}", listed.group.slug())) {
                    span class="count" { (listed.total) }
                    (listed.group.title())
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
        @for listed in &groups {
            @if only.is_none() || only == Some(listed.group) {
                (group_section(&console, listed, if only.is_some() { page } else { 1 }))
            }
        }
        (follow_up_section(&console, &follow_ups))
        (audit_checkpoint(&console).await)
    };
    console.page(&t("dashboard-title"), Some(&session), body)
}

/// One group's section: `listed.rows` are already those of `page`.
fn group_section(console: &Console, listed: &Listed, page: usize) -> Markup {
    let (group, rows) = (listed.group, &listed.rows);
    let pages = listed.total.div_ceil(PAGE_SIZE).max(1);
    html! {
        section aria-labelledby=(format!("h-{}", group.slug())) id=(group.slug()) {
            h2 id=(format!("h-{}", group.slug())) { (group.title()) " (" (listed.total) ")" }
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
    undecided: &[Candidate],
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<(&Candidate, chrono::DateTime<chrono::Utc>)> {
    let horizon = now + chrono::Duration::days(EXPIRY_WARNING_DAYS);
    let mut expiring: Vec<_> = undecided
        .iter()
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
