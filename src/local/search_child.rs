//! A child typed for a national search (`pupilmatch search`, the console's search page),
//! checked and encoded at the authority, so that only the encoding reaches the hub.
//!
//! [`check_child`] reports every unusable required field at once (forename, surname, date of
//! birth), so a person typing the child can correct them together; a child it accepts is
//! validated exactly as a pupil file's record is ([`Policy::Pupil`]), warnings included.

use std::fmt;

use chrono::NaiveDate;

use crate::client::SearchQuery;
use crate::encode::record::{Policy, RecordError, RecordProblem, Validated, WarningKind};
use crate::encode::{Encoder, PupilRecord};
use crate::input::{Column, RawRecord};

/// One field of a typed child that stops the search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildProblem {
    /// The field.
    pub field: Column,
    /// What is wrong with it.
    pub problem: RecordProblem,
}

impl fmt::Display for ChildProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "field `{}`: {}", self.field.name(), self.problem)
    }
}

/// Why a typed child cannot be searched for: every field that stops it, in field order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ChildRefused {
    /// The problems (never empty).
    pub problems: Vec<ChildProblem>,
}

impl fmt::Display for ChildRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the child cannot be searched for: ")?;
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl From<RecordError> for ChildRefused {
    fn from(error: RecordError) -> Self {
        ChildRefused {
            problems: vec![ChildProblem {
                field: error.field,
                problem: error.problem,
            }],
        }
    }
}

/// Checks a typed child as of `today`: every required field that is missing or unusable is
/// reported together; otherwise the child is validated as a pupil file's record would be.
pub fn check_child(raw: &RawRecord, today: NaiveDate) -> Result<Validated, ChildRefused> {
    // The lenient policy carries on past a bad field, so it finds them all.
    let lenient = PupilRecord::from_raw_with(raw, today, Policy::Lenient)?;
    let problems: Vec<ChildProblem> = lenient
        .warnings
        .into_iter()
        .filter_map(|w| match w.kind {
            WarningKind::LeftOut { problem } => Some(ChildProblem {
                field: w.field,
                problem,
            }),
            _ => None,
        })
        .collect();
    if !problems.is_empty() {
        return Err(ChildRefused { problems });
    }
    Ok(PupilRecord::from_raw_with(raw, today, Policy::Pupil)?)
}

impl SearchQuery {
    /// A plain search for a checked child, encoded here with `encoder` (the agreement's keys
    /// and this authority's local key).
    pub fn for_child(encoder: &Encoder, child: &PupilRecord) -> SearchQuery {
        SearchQuery::new(
            encoder.agreement_id(),
            encoder.epoch(),
            encoder.encode(child),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::{AgreementSecret, LocalKey};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
    }

    fn child(forename: &str, surname: &str, dob: &str) -> RawRecord {
        let field = |v: &str| Some(v.to_string()).filter(|v| !v.is_empty());
        RawRecord {
            record_id: Some("search".into()),
            forename: field(forename),
            surname: field(surname),
            dob: field(dob),
            ..RawRecord::default()
        }
    }

    #[test]
    fn every_unusable_required_field_is_reported_at_once_in_field_order() {
        let refused = check_child(&child("", "Jones", "2015-02-30"), today()).unwrap_err();
        let fields: Vec<Column> = refused.problems.iter().map(|p| p.field).collect();
        assert_eq!(fields, vec![Column::Forename, Column::Dob]);
        assert_eq!(
            refused.to_string(),
            "the child cannot be searched for: field `forename`: is required but missing; \
             field `dob`: `2015-02-30` is not a possible date of birth: no such calendar date"
        );
    }

    #[test]
    fn an_accepted_child_is_validated_as_a_pupil_file_record_with_its_warnings() {
        let mut raw = child("Lily", "Jones", "09/01/2015");
        raw.upn = Some("X000000000001".into());
        let validated = check_child(&raw, today()).unwrap();
        assert_eq!(
            validated.record.dob,
            NaiveDate::from_ymd_opt(2015, 1, 9),
            "DD/MM/YYYY is read as the CLI reads it"
        );
        assert!(validated.record.identifiers.is_empty());
        assert!(validated
            .warnings
            .iter()
            .any(|w| w.field == Column::Upn && w.kind.code() == "invalid_identifier"));
    }

    #[test]
    fn a_search_query_carries_the_encoders_agreement_and_epoch() {
        let secret = AgreementSecret::from_bytes("eng-scot-cme", 3, [7; 32]).unwrap();
        let encoder = Encoder::new(&secret, LocalKey::from_bytes([1; 32]));
        let validated = check_child(&child("Lily", "Jones", "2015-01-09"), today()).unwrap();
        let query = SearchQuery::for_child(&encoder, &validated.record);
        assert_eq!(
            (query.agreement_id.as_str(), query.epoch),
            ("eng-scot-cme", 3)
        );
        assert!(query.open_case.is_none());
    }
}
