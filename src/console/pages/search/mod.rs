//! The national search page: a coordinator types one child (a child reported this morning),
//! the console checks it with the command line's rules ([`crate::local::check_child`]),
//! encodes it under one of the workspace's agreement secrets and sends only the encoding
//! (`POST /v1/searches`), optionally opening it as a CME case. What was typed travels in the
//! POST body only: it is re-shown in the answer so it can be corrected, and never stored,
//! logged or put in a URL.

mod view;

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;

use crate::client::{AuthorityNames, CaseFields, SearchQuery, SearchResponse};
use crate::console::forms::SignedInForm;
use crate::console::i18n::t;
use crate::console::server::{Console, Shared};
use crate::console::ConsoleError;
use crate::input::{Column, RawRecord};
use crate::local::check_child;
use crate::store::{ReferralReason, ReferralSource};

use super::field;
use view::{render, Outcome};

/// The pupil identifier schemes the form offers: (form value, label).
pub fn id_schemes() -> [(&'static str, String); 4] {
    [
        ("upn", t("scheme-upn")),
        ("scn", t("scheme-scn")),
        ("ppsn", t("scheme-ppsn")),
        ("ni_pupil_id", t("scheme-ni-pupil-id")),
    ]
}

/// The record id of a plain search (as `pupilmatch search` without `--record-id`): its
/// reference is sent but never kept.
const PLAIN_SEARCH_ID: &str = "search";

/// What the coordinator typed, as typed. Deliberately not `Debug`: it holds a child's details,
/// which must never reach a log.
#[derive(Default)]
pub struct SearchForm {
    forename: String,
    middle_names: String,
    surname: String,
    dob: String,
    sex: String,
    id_scheme: String,
    pupil_id: String,
    record_id: String,
    referral_reason: String,
    referral_source: String,
    referred_on: String,
    agreement: usize,
    open_case: bool,
}

impl SearchForm {
    fn parse(form: &HashMap<String, String>) -> SearchForm {
        let text = |name: &str| field(form, name).to_string();
        SearchForm {
            forename: text("forename"),
            middle_names: text("middle_names"),
            surname: text("surname"),
            dob: text("dob"),
            sex: text("sex"),
            id_scheme: text("id_scheme"),
            pupil_id: text("pupil_id"),
            record_id: text("record_id"),
            referral_reason: text("referral_reason"),
            referral_source: text("referral_source"),
            referred_on: text("referred_on"),
            agreement: field(form, "agreement").parse().unwrap_or(0),
            open_case: field(form, "action") == "open_case",
        }
    }

    /// The child as a raw record, the shape a pupil file's row takes.
    fn child(&self) -> RawRecord {
        let value = |v: &str| Some(v.to_string()).filter(|v| !v.is_empty());
        let id = |scheme: &str| value(&self.pupil_id).filter(|_| self.id_scheme == scheme);
        RawRecord {
            record_id: Some(
                value(&self.record_id)
                    .filter(|_| self.open_case)
                    .unwrap_or_else(|| PLAIN_SEARCH_ID.into()),
            ),
            forename: value(&self.forename),
            middle_names: value(&self.middle_names),
            surname: value(&self.surname),
            dob: value(&self.dob),
            sex: value(&self.sex),
            upn: id("upn"),
            scn: id("scn"),
            ppsn: id("ppsn"),
            ni_pupil_id: id("ni_pupil_id"),
            ..RawRecord::default()
        }
    }

    /// The case to open, when the coordinator pressed "Search and open as a case".
    fn case(&self, today: NaiveDate, problems: &mut Problems) -> Option<CaseFields> {
        if !self.open_case {
            return None;
        }
        if self.record_id.is_empty() {
            problems.stop(FormField::RecordId, t("search-record-id-missing"));
        }
        let reason = self.referral_reason.parse::<ReferralReason>();
        if reason.is_err() {
            problems.stop(FormField::ReferralReason, t("search-reason-missing"));
        }
        let source = self.referral_source.parse::<ReferralSource>();
        if source.is_err() {
            problems.stop(FormField::ReferralSource, t("search-source-missing"));
        }
        let referred_on = if self.referred_on.is_empty() {
            Some(today)
        } else {
            NaiveDate::parse_from_str(&self.referred_on, "%Y-%m-%d").ok()
        };
        if referred_on.is_none() {
            problems.stop(FormField::ReferredOn, t("search-referred-on-unreadable"));
        }
        Some(CaseFields {
            referral_reason: reason.ok()?,
            referral_source: source.ok()?,
            referred_on: referred_on?,
        })
    }
}

/// A field of the form, where a problem is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormField {
    /// Forename.
    Forename,
    /// Middle names.
    MiddleNames,
    /// Surname.
    Surname,
    /// Date of birth.
    Dob,
    /// Sex.
    Sex,
    /// The pupil identifier.
    PupilId,
    /// Our record id (for a case).
    RecordId,
    /// Referral reason.
    ReferralReason,
    /// Referral source.
    ReferralSource,
    /// Referral date.
    ReferredOn,
}

impl FormField {
    /// The input's element id.
    pub fn id(self) -> &'static str {
        match self {
            FormField::Forename => "forename",
            FormField::MiddleNames => "middle-names",
            FormField::Surname => "surname",
            FormField::Dob => "dob",
            FormField::Sex => "sex",
            FormField::PupilId => "pupil-id",
            FormField::RecordId => "record-id",
            FormField::ReferralReason => "referral-reason",
            FormField::ReferralSource => "referral-source",
            FormField::ReferredOn => "referred-on",
        }
    }

    /// Where a record column typed on this form is shown.
    fn of(column: Column) -> FormField {
        match column {
            Column::Forename | Column::PreferredForename => FormField::Forename,
            Column::MiddleNames => FormField::MiddleNames,
            Column::Dob => FormField::Dob,
            Column::Sex => FormField::Sex,
            Column::Upn | Column::FormerUpn | Column::Scn | Column::Ppsn | Column::NiPupilId => {
                FormField::PupilId
            }
            Column::RecordId => FormField::RecordId,
            _ => FormField::Surname,
        }
    }
}

/// One message beside a field: a problem that stopped the search, or a warning about
/// something left out of it (in the command line's wording).
pub struct FieldMessage {
    /// The field.
    pub field: FormField,
    /// The message.
    pub text: String,
    /// Whether it stopped the search.
    pub stops: bool,
}

/// The messages of one submission.
#[derive(Default)]
pub struct Problems(Vec<FieldMessage>);

impl Problems {
    fn stop(&mut self, field: FormField, text: impl Into<String>) {
        self.0.push(FieldMessage {
            field,
            text: text.into(),
            stops: true,
        });
    }

    fn warn(&mut self, field: FormField, text: impl Into<String>) {
        self.0.push(FieldMessage {
            field,
            text: text.into(),
            stops: false,
        });
    }

    /// Whether any message stopped the search.
    pub fn stopped(&self) -> bool {
        self.0.iter().any(|m| m.stops)
    }

    /// The messages of `field`.
    pub fn of(&self, field: FormField) -> impl Iterator<Item = &FieldMessage> {
        self.0.iter().filter(move |m| m.field == field)
    }

    /// The messages that stopped the search.
    pub fn stopping(&self) -> impl Iterator<Item = &FieldMessage> {
        self.0.iter().filter(|m| m.stops)
    }
}

/// `GET /search`: the empty form.
pub async fn form(State(console): State<Shared>, headers: HeaderMap) -> Response {
    let (session, _) = match console.signed_in(&headers) {
        Ok(signed_in) => signed_in,
        Err(redirect) => return redirect,
    };
    let today = chrono::Local::now().date_naive();
    let body = render(
        &console,
        &session,
        &SearchForm::default(),
        &Problems::default(),
        None,
        today,
    );
    console.page(&t("nav-search"), Some(&session), body)
}

/// `POST /search`: checks, encodes and searches, then shows the results beside the form.
pub async fn submit(
    State(console): State<Shared>,
    SignedInForm { session, form, .. }: SignedInForm,
) -> Response {
    let typed = SearchForm::parse(&form);
    drop(form);
    let today = chrono::Local::now().date_naive();
    let (problems, outcome) = search(&console, &typed, today).await;
    let status = match &outcome {
        _ if problems.stopped() => StatusCode::UNPROCESSABLE_ENTITY,
        Some(Outcome::Failed(_)) => StatusCode::BAD_GATEWAY,
        _ => StatusCode::OK,
    };
    let body = render(
        &console,
        &session,
        &typed,
        &problems,
        outcome.as_ref(),
        today,
    );
    (status, console.page(&t("nav-search"), Some(&session), body)).into_response()
}

/// Checks the typed child and, when nothing stops it, runs the search.
async fn search(
    console: &Console,
    typed: &SearchForm,
    today: NaiveDate,
) -> (Problems, Option<Outcome>) {
    let mut problems = Problems::default();
    let case = typed.case(today, &mut problems);
    let child = match check_child(&typed.child(), today) {
        Ok(validated) => Some(validated),
        Err(refused) => {
            for p in refused.problems {
                problems.stop(
                    FormField::of(p.field),
                    crate::console::problems::record_problem(&p.problem),
                );
            }
            None
        }
    };
    let (Some(child), false) = (child, problems.stopped()) else {
        return (problems, None);
    };
    for warning in &child.warnings {
        problems.warn(
            FormField::of(warning.field),
            crate::console::problems::warning(&warning.kind),
        );
    }
    let Some(encoder) = console.workspace.encoders().get(typed.agreement) else {
        return (problems, Some(Outcome::Failed(t("search-no-secret"))));
    };
    let mut query = SearchQuery::for_child(encoder, &child.record);
    let asked_for_case = case.is_some();
    query.open_case = case;
    let outcome = match console.hub.search(&query).await {
        Ok(mut response) => {
            sort_by_weight(&mut response);
            let workspace = &console.workspace;
            let reference = workspace.local_key.record_ref(&typed.record_id);
            Outcome::Answered {
                response,
                names: AuthorityNames::fetch(&console.hub).await,
                asked_for_case,
                record_id: typed.record_id.clone(),
                in_our_files: workspace.own_record(&reference).is_some(),
            }
        }
        Err(e) => Outcome::Failed(ConsoleError::from(e).words()),
    };
    (problems, Some(outcome))
}

/// Strongest evidence first, whatever order the hub answered in.
fn sort_by_weight(response: &mut SearchResponse) {
    response
        .results
        .sort_by(|a, b| b.match_weight.total_cmp(&a.match_weight));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> SearchForm {
        let map = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        SearchForm::parse(&map)
    }

    #[test]
    fn the_identifier_goes_to_the_chosen_scheme_and_a_plain_search_keeps_no_record_id() {
        let typed = form(&[
            ("forename", " Lily "),
            ("id_scheme", "scn"),
            ("pupil_id", "123456785"),
            ("record_id", "LDS-1"),
        ]);
        let child = typed.child();
        assert_eq!(child.forename.as_deref(), Some("Lily"));
        assert_eq!(child.scn.as_deref(), Some("123456785"));
        assert_eq!(child.upn, None);
        assert_eq!(child.record_id.as_deref(), Some(PLAIN_SEARCH_ID));
    }

    #[test]
    fn opening_a_case_needs_a_record_id_a_reason_and_a_source() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let mut problems = Problems::default();
        let typed = form(&[("action", "open_case")]);
        assert!(typed.case(today, &mut problems).is_none());
        let fields: Vec<FormField> = problems.stopping().map(|m| m.field).collect();
        assert_eq!(
            fields,
            vec![
                FormField::RecordId,
                FormField::ReferralReason,
                FormField::ReferralSource
            ]
        );

        let mut problems = Problems::default();
        let typed = form(&[
            ("action", "open_case"),
            ("record_id", "LDS-9"),
            ("referral_reason", "RTL"),
            ("referral_source", "SCH"),
        ]);
        let case = typed.case(today, &mut problems).expect("a case");
        assert!(!problems.stopped());
        assert_eq!(
            case.referred_on, today,
            "the referral date defaults to today"
        );
        assert_eq!(typed.child().record_id.as_deref(), Some("LDS-9"));
    }

    #[test]
    fn results_are_ordered_by_match_weight() {
        let hit = |rank, match_weight| crate::client::SearchHit {
            rank,
            authority: "S12000049".into(),
            jurisdiction: None,
            role: "roll".into(),
            probability: 0.9,
            match_weight,
            explanation: serde_json::Value::Null,
            standing: None,
        };
        let mut response = SearchResponse {
            results: vec![hit(1, 3.0), hit(2, 25.0), hit(3, 12.0)],
            case: None,
        };
        sort_by_weight(&mut response);
        let weights: Vec<f64> = response.results.iter().map(|r| r.match_weight).collect();
        assert_eq!(weights, vec![25.0, 12.0, 3.0]);
    }
}
