//! What the encoder and the hub refuse, in the request's language: each message is keyed by
//! its typed error (a [`RecordProblem`], a [`DateProblem`], a [`WarningKind`]) or by the hub's
//! problem type (`urn:pupilmatch:problem:<slug>`), never by parsing English. The command
//! line keeps the types' `Display` words; these are the console's.

use crate::client::{ClientError, Problem};
use crate::encode::identifiers::{IdentifierError, PpsnError, ScnError, UpnError};
use crate::encode::normalise::NameProblem;
use crate::encode::record::{DateProblem, RecordProblem, WarningKind, SCHOOL_AGES};

use super::i18n::{t, t_code, tr};

/// Why a date of birth could not be read.
pub fn date_problem(problem: &DateProblem) -> String {
    match problem {
        DateProblem::Unreadable => t("date-unreadable"),
        DateProblem::AmbiguousYear { year } => tr!("date-ambiguous-year", year = year.as_str()),
        DateProblem::NoSuchDate => t("date-no-such-date"),
        DateProblem::Before1900 => t("date-before-1900"),
        DateProblem::InFuture => t("date-in-future"),
    }
}

/// Why a name cannot be used.
pub fn name_problem(problem: &NameProblem) -> String {
    match problem {
        NameProblem::Empty => t("name-empty"),
        NameProblem::Placeholder => t("name-placeholder"),
    }
}

/// What is wrong with a required field.
pub fn record_problem(problem: &RecordProblem) -> String {
    match problem {
        RecordProblem::Missing => t("problem-missing"),
        RecordProblem::ImpossibleDate { value, reason } => tr!(
            "problem-impossible-date",
            value = value.as_str(),
            reason = date_problem(reason)
        ),
        RecordProblem::UnusableName { value, problem } => tr!(
            "problem-unusable-name",
            value = value.as_str(),
            problem = name_problem(problem)
        ),
    }
}

/// Why an identifier fails its scheme's check.
pub fn identifier_problem(error: &IdentifierError) -> String {
    let char_of = |c: &char| c.to_string();
    match error {
        IdentifierError::Upn(UpnError::Length(n)) => tr!("upn-length", n = *n),
        IdentifierError::Upn(UpnError::BadCharacter {
            position, found, ..
        }) => {
            let found = char_of(found);
            match *position {
                1 => tr!("upn-bad-check-letter", position = 1, found = found),
                13 => tr!("upn-bad-last", position = 13, found = found),
                position => tr!("upn-bad-digit", position = position, found = found),
            }
        }
        IdentifierError::Upn(UpnError::CheckLetter { expected, found }) => tr!(
            "upn-check-letter",
            found = char_of(found),
            expected = char_of(expected)
        ),
        IdentifierError::Scn(ScnError::Format(value)) => {
            tr!("scn-format", value = value.as_str())
        }
        IdentifierError::Scn(ScnError::NeverIssued) => t("scn-never-issued"),
        IdentifierError::Scn(ScnError::CheckDigit { expected, found }) => tr!(
            "scn-check-digit",
            found = char_of(found),
            expected = char_of(expected)
        ),
        IdentifierError::Ppsn(PpsnError::Format(value)) => {
            tr!("ppsn-format", value = value.as_str())
        }
        IdentifierError::Ppsn(PpsnError::CheckLetter { expected, found }) => tr!(
            "ppsn-check-letter",
            found = char_of(found),
            expected = char_of(expected)
        ),
        IdentifierError::NiPupilId(error) => tr!("ni-pupil-id-format", value = error.0.as_str()),
    }
}

/// What was left out of, or may be wrong in, a record that is still encoded.
pub fn warning(kind: &WarningKind) -> String {
    match kind {
        WarningKind::InvalidIdentifier { value, reason } => tr!(
            "warning-invalid-identifier",
            value = value.as_str(),
            reason = identifier_problem(reason)
        ),
        WarningKind::UnknownLaCode { code } => {
            tr!("warning-unknown-la-code", code = format!("{code:03}"))
        }
        WarningKind::UnusableName { value, problem } => tr!(
            "warning-unusable-name",
            value = value.as_str(),
            problem = name_problem(problem)
        ),
        WarningKind::NonLatinLettersDropped => t("warning-non-latin-dropped"),
        WarningKind::UnrecognisedSex { value } => {
            tr!("warning-unrecognised-sex", value = value.as_str())
        }
        WarningKind::UnlikelyAge { age } => tr!(
            "warning-unlikely-age",
            age = *age,
            from = *SCHOOL_AGES.start(),
            to = *SCHOOL_AGES.end()
        ),
        WarningKind::LeftOut { problem } => {
            tr!("warning-left-out", problem = record_problem(problem))
        }
    }
}

/// The problem types the hub's API documents (its OpenAPI `Problem.type` enum), as slugs.
pub fn hub_problem_slugs() -> Vec<String> {
    let openapi: serde_json::Value = serde_json::from_str(crate::hub::OPENAPI).unwrap_or_default();
    openapi["components"]["schemas"]["Problem"]["properties"]["type"]["enum"]
        .as_array()
        .map(|types| {
            types
                .iter()
                .filter_map(|v| v.as_str())
                .filter_map(|t| t.strip_prefix("urn:pupilmatch:problem:"))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// A problem the hub answered: what its type means, then the hub's own account of this case
/// (in the hub's words, which are English).
fn hub_problem(problem: &Problem) -> String {
    let known = problem
        .slug()
        .filter(|slug| hub_problem_slugs().iter().any(|s| s == slug));
    let what = match known {
        Some(slug) => t_code("hub-problem", slug),
        None => tr!("hub-problem-unknown", status = problem.status),
    };
    if problem.detail.is_empty() {
        return what;
    }
    tr!(
        "error-hub-problem",
        what = what,
        detail = problem.detail.as_str()
    )
}

/// Why a request to the hub failed.
pub fn hub_error(error: &ClientError) -> String {
    match error {
        ClientError::Problem(problem) => hub_problem(problem),
        ClientError::Transport { url, .. } => tr!("error-hub-unreachable", url = url.as_str()),
        other => tr!("error-hub", cause = other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::i18n::{within_sync, Lang, PageContext};

    fn with_lang<R>(lang: Lang, f: impl FnOnce() -> R) -> R {
        let context = PageContext {
            lang,
            path: "/".into(),
        };
        within_sync(context, f)
    }

    #[test]
    fn every_problem_type_the_api_documents_is_known() {
        let slugs = hub_problem_slugs();
        assert!(slugs.len() > 20, "{slugs:?}");
        assert!(slugs.iter().any(|s| s == "daily-limit-reached"));
    }

    #[test]
    fn a_date_problem_reads_in_welsh_on_a_welsh_page_and_as_the_command_line_says_in_english() {
        let problem = RecordProblem::ImpossibleDate {
            value: "2015-02-30".into(),
            reason: DateProblem::NoSuchDate,
        };
        let english = with_lang(Lang::En, || record_problem(&problem));
        assert_eq!(english, problem.to_string());
        let welsh = with_lang(Lang::Cy, || record_problem(&problem));
        assert!(welsh.contains("2015-02-30"), "{welsh}");
        assert_ne!(welsh, english);
    }

    #[test]
    fn every_identifier_check_reads_in_english_as_the_command_line_says_it_and_in_welsh_otherwise()
    {
        use crate::encode::identifiers::{Identifier, Scheme};
        let mut refusals: Vec<IdentifierError> = [
            (Scheme::Upn, "A12345678901"),
            (Scheme::Upn, "112345678901A"),
            (Scheme::Upn, "A1234X678901A"),
            (Scheme::Upn, "A12345678901I"),
            (Scheme::Scn, "12345678"),
            (Scheme::Ppsn, "123"),
            (Scheme::NiPupilId, "!"),
        ]
        .into_iter()
        .map(|(scheme, value)| Identifier::parse(scheme, value).unwrap_err())
        .collect();
        refusals.extend([
            IdentifierError::Upn(UpnError::CheckLetter {
                expected: 'B',
                found: 'A',
            }),
            IdentifierError::Scn(ScnError::NeverIssued),
            IdentifierError::Scn(ScnError::CheckDigit {
                expected: '3',
                found: '1',
            }),
            IdentifierError::Ppsn(PpsnError::CheckLetter {
                expected: 'T',
                found: 'A',
            }),
        ]);
        for error in refusals {
            let english = with_lang(Lang::En, || identifier_problem(&error));
            assert_eq!(english, error.to_string());
            let welsh = with_lang(Lang::Cy, || identifier_problem(&error));
            assert_ne!(welsh, english);
        }
    }

    #[test]
    fn a_hub_problem_is_said_by_its_type_with_the_hub_s_own_detail() {
        let problem = Problem {
            status: 429,
            kind: "urn:pupilmatch:problem:daily-limit-reached".into(),
            title: "Daily limit reached".into(),
            detail: "500 searches today".into(),
            errors: vec![],
            limit: None,
        };
        let error = ClientError::Problem(Box::new(problem));
        let welsh = with_lang(Lang::Cy, || hub_error(&error));
        assert!(welsh.contains("500 searches today"), "{welsh}");
        let english = with_lang(Lang::En, || hub_error(&error));
        assert_ne!(welsh, english);
    }
}
