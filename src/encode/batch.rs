//! Encoding many records at once: validation, parallel encoding in order, and the counts the
//! `encode` summary prints. No file IO here; the CLI streams records in and lines out.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;

use crate::encode::encoded::{EncodedRecord, Encoder};
use crate::encode::record::{Policy, PupilRecord, RecordLabel, RecordWarning, WarningKind};
use crate::input::{Column, InputError, RawRecord, SourcePosition};

/// What happened to one input record.
// Nearly every outcome is `Encoded`: boxing it would cost an allocation per record for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Outcome {
    /// Encoded, possibly with warnings.
    Encoded {
        /// The authority's own record id.
        record_id: String,
        /// The encoding.
        encoded: EncodedRecord,
        /// What was dropped or may be wrong.
        warnings: Vec<RecordWarning>,
        /// Where it came from.
        position: Option<SourcePosition>,
    },
    /// Skipped: the problem, already naming the record and field.
    Skipped(Problem),
}

/// One line of the machine-readable problem report (protocol.md §6.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// `error` (record skipped) or `warning` (record encoded without the field).
    pub severity: &'static str,
    /// File and line, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    /// The authority's record id, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
    /// The canonical field name, when the problem is about one field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
    /// A stable code: `missing`, `impossible_date`, `unusable_name`, `invalid_identifier`, …
    pub code: &'static str,
    /// A sentence for a person.
    pub message: String,
    /// The typed problem of a skipped record, for words in another language (not in the
    /// report).
    #[serde(skip)]
    pub problem: Option<crate::encode::record::RecordProblem>,
    /// The typed warning of an encoded record, likewise.
    #[serde(skip)]
    pub warning: Option<crate::encode::record::WarningKind>,
}

/// Counts for the end-of-run summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Records read from the input.
    pub read: u64,
    /// Records encoded.
    pub encoded: u64,
    /// Records skipped.
    pub skipped: u64,
    /// Per identifier field (`upn`, `former_upn`, `scn`, `ppsn`, `ni_pupil_id`): valid, invalid,
    /// absent.
    pub identifiers: BTreeMap<&'static str, IdentifierCounts>,
    /// Warnings by code.
    pub warnings: BTreeMap<&'static str, u64>,
    /// Errors (skipped records) by code.
    pub errors: BTreeMap<&'static str, u64>,
}

/// Valid / invalid / absent counts for one identifier field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct IdentifierCounts {
    /// Present and passed its check.
    pub valid: u64,
    /// Present and failed its check.
    pub invalid: u64,
    /// Not given.
    pub absent: u64,
}

const IDENTIFIER_FIELDS: [Column; 5] = [
    Column::Upn,
    Column::FormerUpn,
    Column::Scn,
    Column::Ppsn,
    Column::NiPupilId,
];

fn identifier_value(raw: &RawRecord, field: Column) -> Option<&str> {
    let value = match field {
        Column::Upn => &raw.upn,
        Column::FormerUpn => &raw.former_upn,
        Column::Scn => &raw.scn,
        Column::Ppsn => &raw.ppsn,
        Column::NiPupilId => &raw.ni_pupil_id,
        _ => return None,
    };
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl Summary {
    /// Adds one outcome (with the raw record it came from, for identifier counts).
    pub fn add(&mut self, raw: Option<&RawRecord>, outcome: &Outcome) {
        self.read += 1;
        match outcome {
            Outcome::Encoded { warnings, .. } => {
                self.encoded += 1;
                for warning in warnings {
                    *self.warnings.entry(warning.kind.code()).or_default() += 1;
                }
                if let Some(raw) = raw {
                    for field in IDENTIFIER_FIELDS {
                        let counts = self.identifiers.entry(field.name()).or_default();
                        if identifier_value(raw, field).is_none() {
                            counts.absent += 1;
                        } else if warnings.iter().any(|w| {
                            w.field == field
                                && matches!(w.kind, WarningKind::InvalidIdentifier { .. })
                        }) {
                            counts.invalid += 1;
                        } else {
                            counts.valid += 1;
                        }
                    }
                }
            }
            Outcome::Skipped(problem) => {
                self.skipped += 1;
                *self.errors.entry(problem.code).or_default() += 1;
            }
        }
    }

    /// Whether any record was skipped or warned about.
    pub fn has_problems(&self) -> bool {
        self.skipped > 0 || !self.warnings.is_empty()
    }
}

/// The problems of one outcome, for the report.
pub fn problems(outcome: &Outcome) -> Vec<Problem> {
    match outcome {
        Outcome::Skipped(problem) => vec![problem.clone()],
        Outcome::Encoded {
            record_id,
            warnings,
            position,
            ..
        } => {
            let label = RecordLabel {
                position: position.clone(),
                record_id: Some(record_id.clone()),
            };
            warnings
                .iter()
                .map(|w| Problem {
                    severity: "warning",
                    position: position.as_ref().map(ToString::to_string),
                    record_id: Some(record_id.clone()),
                    field: Some(w.field.name()),
                    code: w.kind.code(),
                    message: format!("{label}: {w}"),
                    problem: None,
                    warning: Some(w.kind.clone()),
                })
                .collect()
        }
    }
}

/// The problem code of a record skipped because a cell is not UTF-8 — in practice always a file
/// Excel saved as "CSV (Comma delimited)", in Windows-1252.
pub const NOT_UTF8: &str = "not_utf8";

/// Remembers every record id seen in a file, to catch one used twice: the hub would refuse the
/// batch, and a map from references back to records would be ambiguous.
#[derive(Debug, Default)]
pub struct RecordIds {
    first_seen: HashMap<String, Option<SourcePosition>>,
}

impl RecordIds {
    /// Notes the record id of an encoded outcome; a [`Problem`] (an error) if an earlier record
    /// had the same id: "pupils.csv lines 2 and 3: record id `T1` used twice".
    pub fn check(&mut self, outcome: &Outcome) -> Option<Problem> {
        let Outcome::Encoded {
            record_id,
            position,
            ..
        } = outcome
        else {
            return None;
        };
        let Some(first) = self.first_seen.get(record_id) else {
            self.first_seen.insert(record_id.clone(), position.clone());
            return None;
        };
        let where_ = match (first, position) {
            (Some(a), Some(b)) if a.file == b.file => {
                format!("{} lines {} and {}", a.file, a.line, b.line)
            }
            (Some(a), Some(b)) => format!("{a} and {b}"),
            _ => "two records".to_string(),
        };
        Some(Problem {
            severity: "error",
            position: position.as_ref().map(ToString::to_string),
            record_id: Some(record_id.clone()),
            field: Some(Column::RecordId.name()),
            code: "duplicate_record_id",
            message: format!("{where_}: record id `{record_id}` used twice"),
            problem: None,
            warning: None,
        })
    }
}

fn problem_code(problem: &crate::encode::record::RecordProblem) -> &'static str {
    use crate::encode::record::RecordProblem;
    match problem {
        RecordProblem::Missing => "missing",
        RecordProblem::ImpossibleDate { .. } => "impossible_date",
        RecordProblem::UnusableName { .. } => "unusable_name",
    }
}

/// Validates and encodes one read result.
pub fn encode_one(
    encoder: &Encoder,
    read: &Result<RawRecord, InputError>,
    today: NaiveDate,
    policy: Policy,
) -> Outcome {
    let raw = match read {
        Ok(raw) => raw,
        Err(error) => {
            return Outcome::Skipped(Problem {
                severity: "error",
                position: None,
                record_id: None,
                field: None,
                code: match error {
                    InputError::InvalidUtf8 { .. } => NOT_UTF8,
                    _ => "unreadable",
                },
                message: error.to_string(),
                problem: None,
                warning: None,
            })
        }
    };
    match PupilRecord::from_raw_with(raw, today, policy) {
        Ok(validated) => Outcome::Encoded {
            encoded: encoder.encode(&validated.record),
            record_id: validated.record.record_id,
            warnings: validated.warnings,
            position: raw.position.clone(),
        },
        Err(error) => Outcome::Skipped(Problem {
            severity: "error",
            position: error.record.position.as_ref().map(ToString::to_string),
            record_id: error.record.record_id.clone(),
            field: Some(error.field.name()),
            code: problem_code(&error.problem),
            message: error.to_string(),
            problem: Some(error.problem.clone()),
            warning: None,
        }),
    }
}

/// Encodes a chunk of read results in parallel, keeping input order.
pub fn encode_chunk(
    encoder: &Encoder,
    chunk: &[Result<RawRecord, InputError>],
    today: NaiveDate,
    policy: Policy,
) -> Vec<Outcome> {
    chunk
        .par_iter()
        .map(|read| encode_one(encoder, read, today, policy))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::keys::{AgreementSecret, LocalKey};

    fn encoder() -> Encoder {
        Encoder::new(
            &AgreementSecret::from_bytes("t", 1, [1; 32]).unwrap(),
            LocalKey::from_bytes([2; 32]),
        )
    }

    fn raw(id: &str, upn: Option<&str>) -> RawRecord {
        RawRecord {
            record_id: Some(id.into()),
            forename: Some("Ava".into()),
            surname: Some("Patel".into()),
            dob: Some("2015-04-01".into()),
            upn: upn.map(Into::into),
            ..RawRecord::default()
        }
    }

    #[test]
    fn the_summary_counts_identifiers_warnings_and_skips() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let mut missing_dob = raw("3", None);
        missing_dob.dob = None;
        let reads = vec![
            Ok(raw("1", Some("H801200001001"))),
            Ok(raw("2", Some("G801200001001"))),
            Ok(missing_dob),
        ];
        let outcomes = encode_chunk(&encoder(), &reads, today, Policy::Pupil);
        let mut summary = Summary::default();
        for (read, outcome) in reads.iter().zip(&outcomes) {
            summary.add(read.as_ref().ok(), outcome);
        }
        assert_eq!((summary.read, summary.encoded, summary.skipped), (3, 2, 1));
        assert_eq!(
            summary.identifiers["upn"],
            IdentifierCounts {
                valid: 1,
                invalid: 1,
                absent: 0
            }
        );
        assert_eq!(summary.warnings["invalid_identifier"], 1);
        assert_eq!(summary.errors["missing"], 1);
        let report = problems(&outcomes[2]);
        assert_eq!(report[0].field, Some("dob"));
        assert_eq!(report[0].record_id.as_deref(), Some("3"));
    }

    #[test]
    fn a_warning_names_the_line_and_record_it_is_about() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let mut record = raw("T7", Some("A801200001001"));
        record.position = Some(SourcePosition {
            file: "pupils.csv".into(),
            line: 8,
            index: 7,
        });
        let outcome = encode_one(&encoder(), &Ok(record), today, Policy::Pupil);
        let report = problems(&outcome);
        assert_eq!(report.len(), 1);
        assert!(
            report[0]
                .message
                .starts_with("pupils.csv line 8 (record `T7`): field `upn`: `A801200001001`"),
            "{}",
            report[0].message
        );
    }

    #[test]
    fn a_record_id_used_twice_is_named_with_both_lines() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let at = |id: &str, line: u64| {
            let mut record = raw(id, None);
            record.position = Some(SourcePosition {
                file: "pupils.csv".into(),
                line,
                index: line - 1,
            });
            Ok(record)
        };
        let reads = vec![at("T1", 2), at("T2", 3), at("T1", 4)];
        let mut ids = RecordIds::default();
        let found: Vec<Problem> = encode_chunk(&encoder(), &reads, today, Policy::Pupil)
            .iter()
            .filter_map(|outcome| ids.check(outcome))
            .collect();
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "pupils.csv lines 2 and 4: record id `T1` used twice"
        );
        assert_eq!(found[0].code, "duplicate_record_id");
        assert_eq!(found[0].severity, "error");
    }

    #[test]
    fn parallel_encoding_keeps_input_order() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let reads: Vec<_> = (0..200).map(|i| Ok(raw(&i.to_string(), None))).collect();
        let outcomes = encode_chunk(&encoder(), &reads, today, Policy::Pupil);
        for (i, outcome) in outcomes.iter().enumerate() {
            match outcome {
                Outcome::Encoded { record_id, .. } => assert_eq!(record_id, &i.to_string()),
                Outcome::Skipped(p) => panic!("{p:?}"),
            }
        }
    }
}
