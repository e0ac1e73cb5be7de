//! The search page's markup: the form (every field labelled, its problems beside it and
//! linked from a summary at the top), and the results with their evidence in words and as a
//! chart.

use chrono::NaiveDate;
use maud::{html, Markup};

use super::{FormField, Problems, SearchForm, ID_SCHEMES};
use crate::client::{AuthorityNames, SearchHit, SearchResponse};
use crate::console::auth::Session;
use crate::console::chart::waterfall_svg_with_id;
use crate::console::evidence::waterfall;
use crate::console::html::{code_words, csrf_field, percent};
use crate::console::server::Console;
use crate::console::vocab::{reason_words, source_words};
use crate::matcher::explain_words::ConfidenceBand;
use crate::matcher::model::Explanation;
use crate::matcher::resolve::Standing;
use crate::store::{ReferralReason, ReferralSource};

/// What a submitted search came to.
pub enum Outcome {
    /// The hub answered.
    Answered {
        /// Its answer, strongest evidence first.
        response: SearchResponse,
        /// Authority names.
        names: AuthorityNames,
        /// Whether a case was asked for.
        asked_for_case: bool,
        /// Our record id for the case.
        record_id: String,
        /// Whether the workspace's pupil files hold a record with that id.
        in_our_files: bool,
    },
    /// The search could not be made (no secret, the hub refused or was unreachable).
    Failed(String),
}

/// The whole page body.
pub fn render(
    console: &Console,
    session: &Session,
    typed: &SearchForm,
    problems: &Problems,
    outcome: Option<&Outcome>,
    today: NaiveDate,
) -> Markup {
    html! {
        h1 { "National search" }
        p class="lead" {
            "Look for one child across every authority you share an agreement with. "
            "The details are checked and encoded on this computer; only the encoding goes to the hub."
        }
        @if problems.stopped() { (summary(problems)) }
        @match outcome {
            Some(Outcome::Failed(message)) => div class="error" role="alert" {
                h2 { "The search could not be made" }
                p { (message) }
            },
            Some(Outcome::Answered { response, names, asked_for_case, record_id, in_our_files }) =>
                (results(response, names, *asked_for_case, record_id, *in_our_files)),
            None => {},
        }
        div class="columns" {
            section class="panel" aria-labelledby="h-child" {
                h2 id="h-child" { "The child" }
                (search_form(console, session, typed, problems, today))
            }
            aside class="panel" aria-labelledby="h-before" {
                h2 id="h-before" { "Before you search" }
                ul class="guidance" {
                    li { strong { "Safety first. " } "If you are worried about the child's safety, contact the police and children's social care now: this search is not the safeguarding route." }
                    li { "Type the child's details as your referral gives them. A date of birth may be written "
                        span class="nowrap" { "2015-01-09" } " or " span class="nowrap" { "09/01/2015" } "." }
                    li { "The hub never sees the name or date of birth, and nothing typed here is kept, by this console or your browser." }
                    li { "A match tells you which authority holds the child. Its record is released only after both of you confirm." }
                }
            }
        }
    }
}

/// The problems that stopped the search, each linking to its field.
fn summary(problems: &Problems) -> Markup {
    html! {
        div class="error-summary" role="alert" aria-labelledby="h-problems" {
            h2 id="h-problems" { "The child cannot be searched for yet" }
            ul {
                @for m in problems.stopping() {
                    li { a href=(format!("#{}", m.field.id())) { (m.text) } }
                }
            }
        }
    }
}

fn search_form(
    console: &Console,
    session: &Session,
    typed: &SearchForm,
    problems: &Problems,
    today: NaiveDate,
) -> Markup {
    let encoders = console.workspace.encoders();
    let referred_on = if typed.referred_on.is_empty() {
        today.format("%Y-%m-%d").to_string()
    } else {
        typed.referred_on.clone()
    };
    html! {
        form class="stacked search" method="post" action="/search" autocomplete="off" {
            (csrf_field(session))
            (text(problems, FormField::Forename, "forename", "Forename", None, &typed.forename, true))
            (text(problems, FormField::MiddleNames, "middle_names", "Middle names (optional)", None, &typed.middle_names, false))
            (text(problems, FormField::Surname, "surname", "Surname", None, &typed.surname, true))
            (text(problems, FormField::Dob, "dob", "Date of birth",
                Some("For example 2015-01-09 or 09/01/2015"), &typed.dob, true))
            (field(problems, FormField::Sex, "Sex", None, html! {
                (select(FormField::Sex, "sex", &typed.sex, [("", "Not known"), ("F", "Female"), ("M", "Male")], problems))
            }))
            fieldset {
                legend { "Pupil identifier (optional)" }
                label for="id-scheme" { "Kind of identifier" }
                (select_plain("id-scheme", "id_scheme", &typed.id_scheme, ID_SCHEMES))
                (text(problems, FormField::PupilId, "pupil_id", "Identifier", None, &typed.pupil_id, false))
            }
            @if encoders.len() > 1 {
                label for="agreement" { "Agreement" }
                select id="agreement" name="agreement" {
                    @for (i, e) in encoders.iter().enumerate() {
                        option value=(i) selected[i == typed.agreement] {
                            (e.agreement_id()) " (key epoch " (e.epoch()) ")"
                        }
                    }
                }
            }
            button class="primary" type="submit" name="action" value="search" { "Search" }
            fieldset id="case" class="case" {
                legend { "Open as a CME case (optional)" }
                p class="hint" {
                    "The hub keeps the child's encoding and matches every later registration against it; matches appear on your dashboard."
                }
                (text(problems, FormField::RecordId, "record_id", "Your record id for this child",
                    Some("The case's reference is made from it, so you can close the case later."), &typed.record_id, false))
                (field(problems, FormField::ReferralReason, "Referral reason", None, html! {
                    (select(FormField::ReferralReason, "referral_reason", &typed.referral_reason,
                        ReferralReason::ALL.iter().map(|r| (r.as_str(), reason_words(*r))), problems))
                }))
                (field(problems, FormField::ReferralSource, "Referral source", None, html! {
                    (select(FormField::ReferralSource, "referral_source", &typed.referral_source,
                        ReferralSource::ALL.iter().map(|s| (s.as_str(), source_words(*s))), problems))
                }))
                (field(problems, FormField::ReferredOn, "Referred on", None, html! {
                    input id="referred-on" name="referred_on" type="date" value=(referred_on)
                        aria-describedby=[described_by(problems, FormField::ReferredOn, false)];
                }))
                button class="secondary" type="submit" name="action" value="open_case" {
                    "Search and open as a case"
                }
            }
        }
    }
}

/// The ids describing a field: its hint, then its messages.
fn described_by(problems: &Problems, field: FormField, hint: bool) -> Option<String> {
    let mut ids = Vec::new();
    if hint {
        ids.push(format!("{}-hint", field.id()));
    }
    if problems.of(field).next().is_some() {
        ids.push(format!("{}-messages", field.id()));
    }
    (!ids.is_empty()).then(|| ids.join(" "))
}

/// A labelled control with its hint and its messages.
fn field(
    problems: &Problems,
    field: FormField,
    label: &str,
    hint: Option<&str>,
    control: Markup,
) -> Markup {
    let stops = problems.of(field).any(|m| m.stops);
    html! {
        div class=(if stops { "field has-error" } else { "field" }) {
            label for=(field.id()) { (label) }
            @if let Some(hint) = hint { p class="hint" id=(format!("{}-hint", field.id())) { (hint) } }
            @if problems.of(field).next().is_some() {
                div id=(format!("{}-messages", field.id())) {
                    @for m in problems.of(field) {
                        @if m.stops {
                            p class="field-error" { span class="tag" { "Problem" } " " (m.text) }
                        } @else {
                            p class="field-warning" { span class="tag" { "Left out" } " " (m.text) }
                        }
                    }
                }
            }
            (control)
        }
    }
}

fn text(
    problems: &Problems,
    which: FormField,
    name: &str,
    label: &str,
    hint: Option<&str>,
    value: &str,
    required: bool,
) -> Markup {
    let input = html! {
        input id=(which.id()) name=(name) type="text" value=(value) required[required]
            spellcheck="false" autocomplete="off"
            aria-invalid=[problems.of(which).any(|m| m.stops).then_some("true")]
            aria-describedby=[described_by(problems, which, hint.is_some())];
    };
    field(problems, which, label, hint, input)
}

fn select<'a>(
    which: FormField,
    name: &str,
    chosen: &str,
    options: impl IntoIterator<Item = (&'a str, &'a str)>,
    problems: &Problems,
) -> Markup {
    html! {
        select id=(which.id()) name=(name)
            aria-describedby=[described_by(problems, which, false)] {
            @for (value, words) in options {
                option value=(value) selected[value == chosen] { (words) }
            }
        }
    }
}

fn select_plain<'a>(
    id: &str,
    name: &str,
    chosen: &str,
    options: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Markup {
    html! {
        select id=(id) name=(name) {
            @for (value, words) in options {
                option value=(value) selected[value == chosen] { (words) }
            }
        }
    }
}

fn results(
    response: &SearchResponse,
    names: &AuthorityNames,
    asked_for_case: bool,
    record_id: &str,
    in_our_files: bool,
) -> Markup {
    let n = response.results.len();
    html! {
        section class="results" aria-labelledby="h-results" {
            h2 id="h-results" { "Results" }
            @if let Some(case) = &response.case {
                div class="notice" role="status" {
                    p { strong { "Opened as a CME case" } " under your record id " strong { (record_id) } ". "
                        "The hub proposed " (case.n_candidates)
                        @if case.n_candidates == 1 { " candidate" } @else { " candidates" }
                        " for it, on your " a href="/" { "dashboard" } " under New candidates. "
                        "The case stays open: a later registration anywhere is matched against it." }
                    @if in_our_files {
                        p class="hint" { "Your pupil files hold a record with this id: the console shows it beside the case's candidates." }
                    } @else {
                        p class="hint" { "Your pupil files hold no record with this id yet. Add the child to your missing-children file under it (the console reads its files when it starts), so it can show our record beside the case's candidates and seal it when you confirm one." }
                    }
                }
            } @else if asked_for_case {
                div class="error" role="alert" {
                    p { "The hub answered the search but did not open a case: it may be older than this console. Submit the child with your missing-children file instead." }
                }
            }
            @if n == 0 {
                div class="panel no-match" role="status" {
                    h3 { "No match found" }
                    p { "No authority in your agreements holds a record close enough to this child." }
                    h3 { "Next step" }
                    @if response.case.is_some() {
                        p { "Carry on with your usual enquiries. If the child registers anywhere later, the match will appear on your dashboard." }
                    } @else {
                        p { "Open it as a case, so that a later registration anywhere is matched against it: fill in "
                            a href="#case" { "Open as a CME case" } " below and press Search and open as a case. "
                            "Carry on with your usual enquiries meanwhile." }
                    }
                }
            } @else {
                p role="status" { (n) @if n == 1 { " possible match" } @else { " possible matches" } ", strongest evidence first." }
                ol class="results" {
                    @for hit in &response.results { (result(hit, names)) }
                }
                @if response.case.is_none() {
                    div class="panel" {
                        h3 { "Next step" }
                        p { "To contact the authority that holds the child through the hub, "
                            a href="#case" { "open it as a case" }
                            ": the match becomes a candidate that both of you confirm before anything is released." }
                    }
                }
            }
        }
    }
}

fn band_class(band: ConfidenceBand) -> &'static str {
    match band {
        ConfidenceBand::VeryStrong => "band band-very-strong",
        ConfidenceBand::Strong => "band band-strong",
        ConfidenceBand::Possible => "band band-possible",
        ConfidenceBand::Weak => "band band-weak",
    }
}

fn role_words(role: &str) -> &str {
    match role {
        "roll" => "a pupil on their roll",
        "missing" => "a child missing from education (their open case)",
        other => other,
    }
}

/// What a result's standing means for the coordinator (one child, one link).
fn standing_words(standing: Standing) -> &'static str {
    match standing {
        Standing::Best => "the best: no other result comes close",
        Standing::Ambiguous => {
            "ambiguous: another result is nearly as strong; rule it out before acting on this one"
        }
        Standing::RunnerUp => "behind a stronger result",
    }
}

fn result(hit: &SearchHit, names: &AuthorityNames) -> Markup {
    let band = ConfidenceBand::from_weight(hit.match_weight);
    let explanation: Option<Explanation> = serde_json::from_value(hit.explanation.clone()).ok();
    let heading = format!("result-{}", hit.rank);
    html! {
        li class="result panel" {
            div class="result-head" {
                h3 id=(heading) { (names.show(&hit.authority)) }
                span class=(band_class(band)) { (code_words(band.label())) " match" }
            }
            dl class="facts" {
                dt { "Nation" }
                dd { (hit.jurisdiction.as_deref().map_or("not given".into(), code_words)) }
                dt { "They hold it as" }
                dd { (role_words(&hit.role)) }
                dt { "Confidence" }
                dd { (ConfidenceBand::with_weight(hit.match_weight)) ", probability " (percent(hit.probability)) }
                @if let Some(standing) = hit.standing {
                    dt { "Against the other results" }
                    dd { (standing_words(standing)) }
                }
            }
            @match &explanation {
                Some(explanation) => {
                    @let steps = waterfall(explanation);
                    h4 { "The evidence" }
                    ul class="evidence" {
                        @for step in &steps[1..steps.len() - 1] {
                            @let delta = step.to - step.from;
                            li {
                                @if delta > 0.0 { span class="for" { "For" } }
                                @else if delta < 0.0 { span class="against" { "Against" } }
                                @else { span class="neutral" { "Not used" } }
                                " " (step.meaning)
                            }
                        }
                    }
                    details {
                        summary { "Show the evidence as a chart" }
                        (waterfall_svg_with_id(&steps,
                            "How each field moved the evidence, from the starting point to the match weight",
                            &format!("chart-{}", hit.rank)))
                    }
                }
                None => p { "The hub's evidence is in a form this console cannot read." }
            }
        }
    }
}
