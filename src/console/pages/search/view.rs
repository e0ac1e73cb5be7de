//! The search page's markup: the form (every field labelled, its problems beside it and
//! linked from a summary at the top), and the results with their evidence in words and as a
//! chart.

use chrono::NaiveDate;
use maud::{html, Markup};

use super::{id_schemes, FormField, Problems, SearchForm};
use crate::client::{AuthorityNames, SearchHit, SearchResponse};
use crate::console::auth::Session;
use crate::console::chart::waterfall_svg_with_id;
use crate::console::evidence::waterfall;
use crate::console::html::{csrf_field, percent};
use crate::console::i18n::{t, tr};
use crate::console::server::Console;
use crate::console::vocab::{code_words, reason_words, source_words};
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
        h1 { (t("nav-search")) }
        p class="lead" { (t("search-lead")) }
        @if problems.stopped() { (summary(problems)) }
        @match outcome {
            Some(Outcome::Failed(message)) => div class="error" role="alert" {
                h2 { (t("search-failed")) }
                p { (message) }
            },
            Some(Outcome::Answered { response, names, asked_for_case, record_id, in_our_files }) =>
                (results(response, names, *asked_for_case, record_id, *in_our_files)),
            None => {},
        }
        div class="columns" {
            section class="panel" aria-labelledby="h-child" {
                h2 id="h-child" { (t("search-child")) }
                (search_form(console, session, typed, problems, today))
            }
            aside class="panel" aria-labelledby="h-before" {
                h2 id="h-before" { (t("search-before")) }
                ul class="guidance" {
                    li { strong { (t("search-safety-first")) } " " (t("search-safety")) }
                    li { (t("search-guidance-dob")) " "
                        span class="nowrap" { "2015-01-09" } " " (t("or")) " " span class="nowrap" { "09/01/2015" } "." }
                    li { (t("search-guidance-private")) }
                    li { (t("search-guidance-release")) }
                }
            }
        }
    }
}

/// The problems that stopped the search, each linking to its field.
fn summary(problems: &Problems) -> Markup {
    html! {
        div class="error-summary" role="alert" aria-labelledby="h-problems" {
            h2 id="h-problems" { (t("search-problems")) }
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
            (text(problems, FormField::Forename, "forename", &t("forename"), None, &typed.forename, true))
            (text(problems, FormField::MiddleNames, "middle_names", &t("middle-names-optional"), None, &typed.middle_names, false))
            (text(problems, FormField::Surname, "surname", &t("surname"), None, &typed.surname, true))
            (text(problems, FormField::Dob, "dob", &t("date-of-birth"),
                Some(&t("search-dob-hint")), &typed.dob, true))
            (field(problems, FormField::Sex, &t("sex"), None, html! {
                (select(FormField::Sex, "sex", &typed.sex, [("", t("sex-not-known")), ("F", t("sex-female")), ("M", t("sex-male"))], problems))
            }))
            fieldset {
                legend { (t("search-identifier-optional")) }
                label for="id-scheme" { (t("search-identifier-kind")) }
                (select_plain("id-scheme", "id_scheme", &typed.id_scheme, id_schemes()))
                (text(problems, FormField::PupilId, "pupil_id", &t("search-identifier"), None, &typed.pupil_id, false))
            }
            @if encoders.len() > 1 {
                label for="agreement" { (t("agreement")) }
                select id="agreement" name="agreement" {
                    @for (i, e) in encoders.iter().enumerate() {
                        option value=(i) selected[i == typed.agreement] {
                            (e.agreement_id()) " " (tr!("key-epoch-parenthesised", epoch = e.epoch()))
                        }
                    }
                }
            }
            button class="primary" type="submit" name="action" value="search" { (t("search")) }
            fieldset id="case" class="case" {
                legend { (t("search-open-case-optional")) }
                p class="hint" { (t("search-open-case-hint")) }
                (text(problems, FormField::RecordId, "record_id", &t("search-record-id"),
                    Some(&t("search-record-id-hint")), &typed.record_id, false))
                (field(problems, FormField::ReferralReason, &t("referral-reason"), None, html! {
                    (select(FormField::ReferralReason, "referral_reason", &typed.referral_reason,
                        ReferralReason::ALL.iter().map(|r| (r.as_str(), reason_words(*r))), problems))
                }))
                (field(problems, FormField::ReferralSource, &t("referral-source"), None, html! {
                    (select(FormField::ReferralSource, "referral_source", &typed.referral_source,
                        ReferralSource::ALL.iter().map(|s| (s.as_str(), source_words(*s))), problems))
                }))
                (field(problems, FormField::ReferredOn, &t("referred-on-label"), None, html! {
                    input id="referred-on" name="referred_on" type="date" value=(referred_on)
                        aria-describedby=[described_by(problems, FormField::ReferredOn, false)];
                }))
                button class="secondary" type="submit" name="action" value="open_case" {
                    (t("search-and-open-case"))
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
                            p class="field-error" { span class="tag" { (t("tag-problem")) } " " (m.text) }
                        } @else {
                            p class="field-warning" { span class="tag" { (t("tag-left-out")) } " " (m.text) }
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
    options: impl IntoIterator<Item = (&'a str, String)>,
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
    options: impl IntoIterator<Item = (&'a str, String)>,
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
            h2 id="h-results" { (t("results")) }
            @if let Some(case) = &response.case {
                div class="notice" role="status" {
                    p { strong { (t("case-opened")) } " " (t("case-opened-under")) " " strong { (record_id) } ". "
                        (tr!("case-opened-candidates", n = case.n_candidates))
                        " " a href="/" { (t("case-opened-dashboard")) } " " (t("case-opened-under-new")) " "
                        (t("case-opened-stays-open")) }
                    @if in_our_files {
                        p class="hint" { (t("case-in-our-files")) }
                    } @else {
                        p class="hint" { (t("case-not-in-our-files")) }
                    }
                }
            } @else if asked_for_case {
                div class="error" role="alert" {
                    p { (t("case-not-opened")) }
                }
            }
            @if n == 0 {
                div class="panel no-match" role="status" {
                    h3 { (t("no-match")) }
                    p { (t("no-match-why")) }
                    h3 { (t("next-step")) }
                    @if response.case.is_some() {
                        p { (t("no-match-case-open")) }
                    } @else {
                        p { (t("no-match-open-case")) " "
                            a href="#case" { (t("search-open-case")) } " " (t("no-match-open-case-below")) " "
                            (t("no-match-meanwhile")) }
                    }
                }
            } @else {
                p role="status" { (tr!("possible-matches", n = n)) }
                ol class="results" {
                    @for hit in &response.results { (result(hit, names)) }
                }
                @if response.case.is_none() {
                    div class="panel" {
                        h3 { (t("next-step")) }
                        p { (t("next-step-contact")) " "
                            a href="#case" { (t("next-step-open-case")) }
                            (t("next-step-then")) }
                    }
                }
            }
        }
    }
}

/// A confidence band as words ("Very strong match").
fn band_words(band: ConfidenceBand) -> String {
    match band {
        ConfidenceBand::VeryStrong => t("band-very-strong"),
        ConfidenceBand::Strong => t("band-strong"),
        ConfidenceBand::Possible => t("band-possible"),
        ConfidenceBand::Weak => t("band-weak"),
    }
}

/// A confidence band's name in a sentence ("very strong").
fn band_name(band: ConfidenceBand) -> String {
    match band {
        ConfidenceBand::VeryStrong => t("band-name-very-strong"),
        ConfidenceBand::Strong => t("band-name-strong"),
        ConfidenceBand::Possible => t("band-name-possible"),
        ConfidenceBand::Weak => t("band-name-weak"),
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

fn role_words(role: &str) -> String {
    match role {
        "roll" => t("held-as-roll"),
        "missing" => t("held-as-missing"),
        other => other.to_string(),
    }
}

/// What a result's standing means for the coordinator (one child, one link).
fn standing_words(standing: Standing) -> String {
    match standing {
        Standing::Best => t("result-standing-best"),
        Standing::Ambiguous => t("result-standing-ambiguous"),
        Standing::RunnerUp => t("result-standing-runner-up"),
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
                span class=(band_class(band)) { (band_words(band)) }
            }
            dl class="facts" {
                dt { (t("nation")) }
                dd { (hit.jurisdiction.as_deref().map_or_else(|| t("not-given"), code_words)) }
                dt { (t("held-as")) }
                dd { (role_words(&hit.role)) }
                dt { (t("confidence")) }
                dd { (tr!("confidence-with-weight", band = band_name(band), weight = format!("{:.1}", hit.match_weight), probability = percent(hit.probability))) }
                @if let Some(standing) = hit.standing {
                    dt { (t("against-other-results")) }
                    dd { (standing_words(standing)) }
                }
            }
            @match &explanation {
                Some(explanation) => {
                    @let steps = waterfall(explanation);
                    h4 { (t("the-evidence")) }
                    ul class="evidence" {
                        @for step in &steps[1..steps.len() - 1] {
                            @let delta = step.to - step.from;
                            li {
                                @if delta > 0.0 { span class="for" { (t("evidence-for")) } }
                                @else if delta < 0.0 { span class="against" { (t("evidence-against")) } }
                                @else { span class="neutral" { (t("evidence-not-used")) } }
                                " " (step.meaning)
                            }
                        }
                    }
                    details {
                        summary { (t("evidence-as-chart")) }
                        (waterfall_svg_with_id(&steps,
                            &t("chart-title"),
                            &format!("chart-{}", hit.rank)))
                    }
                }
                None => p { (t("evidence-unreadable")) }
            }
        }
    }
}
