//! Validation of a raw record into a [`PupilRecord`] (protocol.md §1): required fields, dates,
//! names and identifiers, with every problem naming the record and the field.
//!
//! Under the [`Policy::Pupil`] policy (every pupil file), a record missing a required field,
//! with an impossible date of birth, or whose legal forename or surname is a placeholder is
//! *skipped* ([`RecordError`]); an invalid identifier or an unusable optional name is *dropped
//! from the record* and reported ([`RecordWarning`]), so the child can still be found by name
//! and date of birth. [`Policy::Lenient`] (benchmarks such as FEBRL4, partial search queries)
//! turns unusable names and dates into warnings too and keeps whatever remains.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::encode::identifiers::{corrections, Identifier, Scheme};
use crate::encode::normalise::{Forename, NameProblem, Surname};
use crate::input::{Column, RawRecord, SourcePosition};

/// A child's sex as recorded by the school (CTF `Gender`/`Sex`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// F.
    Female,
    /// M.
    Male,
}

impl Sex {
    /// The one-letter code hashed into the sex check (protocol.md §4.4).
    pub fn code(self) -> &'static str {
        match self {
            Sex::Female => "F",
            Sex::Male => "M",
        }
    }
}

/// A validated pupil record, ready to encode. Holds raw personal data: it never leaves the
/// authority.
#[derive(Debug, Clone)]
pub struct PupilRecord {
    /// The authority's own id for the record (never sent; see `LocalKey::record_ref`).
    pub record_id: String,
    /// The authority code from the input, if it had one.
    pub authority: Option<String>,
    /// Legal forename (always present under [`Policy::Pupil`]).
    pub forename: Option<Forename>,
    /// Middle names, all words.
    pub middle_names: Option<Forename>,
    /// Legal surname (always present under [`Policy::Pupil`]).
    pub surname: Option<Surname>,
    /// A previous surname.
    pub former_surname: Option<Surname>,
    /// The forename the child is known by.
    pub preferred_forename: Option<Forename>,
    /// The surname the child is known by.
    pub preferred_surname: Option<Surname>,
    /// Date of birth (always present under [`Policy::Pupil`]).
    pub dob: Option<NaiveDate>,
    /// What is usable of a date of birth that could not be one (only under [`Policy::Lenient`],
    /// only without `dob`): matched on its partial-date keys and year (protocol.md §1.2).
    pub dob_parts: Option<DateParts>,
    /// Sex, when known.
    pub sex: Option<Sex>,
    /// Valid identifiers: current and former UPN (both scheme `upn`), SCN, PPSN, NI pupil id.
    pub identifiers: Vec<Identifier>,
    /// Identifiers that failed their check character but are one keying error from valid ones.
    pub mistyped_identifiers: Vec<MistypedIdentifier>,
}

/// An identifier of a scheme with a check character that failed validation, kept only as the
/// valid identifiers one keying error from it (protocol.md §4.3): they can make identifiers
/// *near*, never *agree*.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MistypedIdentifier {
    /// The scheme it was given as.
    pub scheme: Scheme,
    /// The valid identifiers one substitution or adjacent exchange away (never empty).
    pub corrections: Vec<Identifier>,
}

/// Where a record came from and which record it is, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordLabel {
    /// File and line, when read from a file.
    pub position: Option<SourcePosition>,
    /// The record id, when present.
    pub record_id: Option<String>,
}

impl fmt::Display for RecordLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.position, &self.record_id) {
            (Some(p), Some(id)) => write!(f, "{p} (record `{id}`)"),
            (Some(p), None) => write!(f, "{p}"),
            (None, Some(id)) => write!(f, "record `{id}`"),
            (None, None) => f.write_str("record"),
        }
    }
}

/// Why a record cannot be encoded at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{record}: field `{field}`: {problem}", field = field.name())]
pub struct RecordError {
    /// Which record.
    pub record: RecordLabel,
    /// Which field.
    pub field: Column,
    /// What is wrong.
    pub problem: RecordProblem,
}

/// What is wrong with a required field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordProblem {
    /// The field is empty or absent.
    #[error("is required but missing")]
    Missing,
    /// The date cannot be a pupil's date of birth.
    #[error("`{value}` is not a possible date of birth: {reason}")]
    ImpossibleDate {
        /// The value as given.
        value: String,
        /// Why.
        reason: DateProblem,
    },
    /// The name cannot be used.
    #[error("`{value}` {problem}")]
    UnusableName {
        /// The value as given.
        value: String,
        /// Why.
        problem: NameProblem,
    },
}

/// Why a date of birth as written cannot be read as one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateProblem {
    /// Not in one of the forms read.
    #[error("expected {DATE_FORMS}")]
    Unreadable,
    /// A two-digit year, which could be either century.
    #[error(
        "the two-digit year `{year}` is ambiguous (19{year} or 20{year}?); write the year in \
         full: {DATE_FORMS}"
    )]
    AmbiguousYear {
        /// The year as written.
        year: String,
    },
    /// A day the calendar does not have (30 February).
    #[error("no such calendar date")]
    NoSuchDate,
    /// Before 1900.
    #[error("before 1900")]
    Before1900,
    /// After today.
    #[error("in the future")]
    InFuture,
}

/// Something in a record that was dropped or may be wrong; the record is still encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordWarning {
    /// Which field.
    pub field: Column,
    /// What happened.
    pub kind: WarningKind,
}

/// The kinds of warning, counted in the encode summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WarningKind {
    /// An identifier failed its check and was left out of the encoding.
    InvalidIdentifier {
        /// The value as given.
        value: String,
        /// The check that failed.
        reason: crate::encode::identifiers::IdentifierError,
    },
    /// A UPN whose LA code is in no list we know; still encoded.
    UnknownLaCode {
        /// The LA code (characters 2–4).
        code: u16,
    },
    /// An optional name field was unusable and was left out.
    UnusableName {
        /// The value as given.
        value: String,
        /// Why.
        problem: NameProblem,
    },
    /// Letters outside the Latin script were dropped from a name.
    NonLatinLettersDropped,
    /// A sex value we do not recognise; treated as unknown.
    UnrecognisedSex {
        /// The value as given.
        value: String,
    },
    /// A date of birth that makes the child far from school age ([`LIKELY_AGES`]); still
    /// encoded.
    UnlikelyAge {
        /// The child's age in whole years on the day of encoding.
        age: u32,
    },
    /// Lenient policy only: a required field was missing or unusable and was left out.
    LeftOut {
        /// What was wrong.
        problem: RecordProblem,
    },
}

impl WarningKind {
    /// A short stable name for counting and reports.
    pub fn code(&self) -> &'static str {
        match self {
            WarningKind::InvalidIdentifier { .. } => "invalid_identifier",
            WarningKind::UnknownLaCode { .. } => "unknown_la_code",
            WarningKind::UnusableName { .. } => "unusable_name",
            WarningKind::NonLatinLettersDropped => "non_latin_letters_dropped",
            WarningKind::UnrecognisedSex { .. } => "unrecognised_sex",
            WarningKind::UnlikelyAge { .. } => "unlikely_age",
            WarningKind::LeftOut { .. } => "left_out",
        }
    }
}

impl fmt::Display for RecordWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = self.field.name();
        match &self.kind {
            WarningKind::InvalidIdentifier { value, reason } => {
                write!(
                    f,
                    "field `{field}`: `{value}` is not valid ({reason}); left out"
                )
            }
            WarningKind::UnknownLaCode { code } => {
                write!(
                    f,
                    "field `{field}`: LA code {code:03} is not in the known list"
                )
            }
            WarningKind::UnusableName { value, problem } => {
                write!(f, "field `{field}`: `{value}` {problem}; left out")
            }
            WarningKind::NonLatinLettersDropped => {
                write!(
                    f,
                    "field `{field}`: letters outside the Latin script were dropped"
                )
            }
            WarningKind::UnrecognisedSex { value } => {
                write!(
                    f,
                    "field `{field}`: `{value}` is not a recognised sex; treated as unknown"
                )
            }
            WarningKind::UnlikelyAge { age } => write!(
                f,
                "field `{field}`: the child would be {age} today, more than \
                 {AGE_MARGIN_YEARS} years outside school age ({} to {}); check the date",
                SCHOOL_AGES.start(),
                SCHOOL_AGES.end()
            ),
            WarningKind::LeftOut { problem } => write!(f, "field `{field}`: {problem}; left out"),
        }
    }
}

/// A validated record and what was dropped from it.
#[derive(Debug, Clone)]
pub struct Validated {
    /// The record.
    pub record: PupilRecord,
    /// Warnings, in field order.
    pub warnings: Vec<RecordWarning>,
}

/// The earliest date of birth accepted.
pub const EARLIEST_DOB: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => panic!("valid constant date"),
};

/// The forms of date of birth accepted, for messages.
const DATE_FORMS: &str = "YYYY-MM-DD, DD/MM/YYYY (or D/M/YYYY) or YYYYMMDD";

/// True when `value` has exactly `shape`, in which `9` stands for one ASCII digit and any
/// other character for itself: nothing else (a space, a sign) can slip into a part.
fn fits_shape(value: &str, shape: &str) -> bool {
    value.len() == shape.len()
        && value.bytes().zip(shape.bytes()).all(|(v, s)| match s {
            b'9' => v.is_ascii_digit(),
            _ => v == s,
        })
}

/// Parses a date of birth in `YYYY-MM-DD`, `DD/MM/YYYY` (day and month of one or two digits,
/// as Excel writes them) or `YYYYMMDD` (protocol.md §1.2), rejecting dates before 1900 or after
/// `today`. A two-digit year is refused: `07/03/14` could be 1914 or 2014.
///
/// ```
/// use chrono::NaiveDate;
/// use pupilmatch::encode::record::parse_dob;
/// let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
/// let d = NaiveDate::from_ymd_opt(2014, 3, 7).unwrap();
/// assert_eq!(parse_dob("2014-03-07", today), Ok(d));
/// assert_eq!(parse_dob("07/03/2014", today), Ok(d));
/// assert_eq!(parse_dob("7/3/2014", today), Ok(d));
/// assert_eq!(parse_dob("20140307", today), Ok(d));
/// assert!(parse_dob("2014-02-30", today).is_err());
/// assert!(parse_dob("07/03/14", today).unwrap_err().to_string().contains("two-digit year"));
/// ```
pub fn parse_dob(raw: &str, today: NaiveDate) -> Result<NaiveDate, DateProblem> {
    let value = raw.trim();
    let expected = || DateProblem::Unreadable;
    let date = if fits_shape(value, "9999-99-99") {
        NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()
    } else if value.contains('/') {
        let parts: Vec<&str> = value.split('/').collect();
        let numeric = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        let [day, month, year] = parts[..] else {
            return Err(expected());
        };
        if ![day, month, year].into_iter().all(numeric) || day.len() > 2 || month.len() > 2 {
            return Err(expected());
        }
        match year.len() {
            4 => {}
            2 => {
                return Err(DateProblem::AmbiguousYear {
                    year: year.to_string(),
                })
            }
            _ => return Err(expected()),
        }
        let number = |p: &str| p.parse::<u32>().ok();
        match (number(day), number(month), year.parse::<i32>().ok()) {
            (Some(d), Some(m), Some(y)) => NaiveDate::from_ymd_opt(y, m, d),
            _ => None,
        }
    } else if fits_shape(value, "99999999") {
        NaiveDate::parse_from_str(value, "%Y%m%d").ok()
    } else {
        return Err(expected());
    };
    let date = date.ok_or(DateProblem::NoSuchDate)?;
    if date < EARLIEST_DOB {
        return Err(DateProblem::Before1900);
    }
    if date > today {
        return Err(DateProblem::InFuture);
    }
    Ok(date)
}

/// The parts of an impossible date of birth that could still belong to the child's real one
/// (protocol.md §1.2): a clerk's one wrong digit (`2078-05-13`, `2014-13-05`) spoils the date,
/// not every part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateParts {
    /// The year, when from 1900 to the year of the day of encoding.
    pub year: Option<i32>,
    /// The month, when 1 to 12.
    pub month: Option<u32>,
    /// The day, when 1 to 31.
    pub day: Option<u32>,
}

impl DateParts {
    /// The usable parts of `raw`, a value of one of the date shapes (§1.2) that is not a
    /// possible date of birth; `None` when it has no date shape or no part is usable.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use pupilmatch::encode::record::DateParts;
    /// let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    /// let parts = DateParts::of_unusable("2078-05-13", today).unwrap();
    /// assert_eq!((parts.year, parts.month, parts.day), (None, Some(5), Some(13)));
    /// let parts = DateParts::of_unusable("13/13/2014", today).unwrap();
    /// assert_eq!((parts.year, parts.month, parts.day), (Some(2014), None, Some(13)));
    /// assert_eq!(DateParts::of_unusable("2014-3-7", today), None);
    /// ```
    pub fn of_unusable(raw: &str, today: NaiveDate) -> Option<DateParts> {
        let (year, month, day) = date_numbers(raw.trim())?;
        let parts = DateParts {
            year: (EARLIEST_DOB.year()..=today.year())
                .contains(&year)
                .then_some(year),
            month: (1..=12).contains(&month).then_some(month),
            day: (1..=31).contains(&day).then_some(day),
        };
        (parts.year.is_some() || parts.month.is_some() || parts.day.is_some()).then_some(parts)
    }

    /// Month and day together, when that day exists in that month of a leap year.
    pub fn month_day(&self) -> Option<(u32, u32)> {
        let (month, day) = (self.month?, self.day?);
        NaiveDate::from_ymd_opt(2000, month, day).map(|_| (month, day))
    }
}

/// The year, month and day numbers of a value in one of the date shapes (protocol.md §1.2),
/// whether or not they make a date.
fn date_numbers(value: &str) -> Option<(i32, u32, u32)> {
    let number = |p: &str| p.parse::<u32>().ok();
    if fits_shape(value, "9999-99-99") {
        Some((
            value[..4].parse().ok()?,
            number(&value[5..7])?,
            number(&value[8..])?,
        ))
    } else if fits_shape(value, "99999999") {
        Some((
            value[..4].parse().ok()?,
            number(&value[4..6])?,
            number(&value[6..])?,
        ))
    } else {
        let parts: Vec<&str> = value.split('/').collect();
        let [day, month, year] = parts[..] else {
            return None;
        };
        let digits = |p: &str, most: usize| {
            (1..=most).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
        };
        if !(digits(day, 2) && digits(month, 2) && year.len() == 4 && digits(year, 4)) {
            return None;
        }
        Some((year.parse().ok()?, number(month)?, number(day)?))
    }
}

/// Compulsory school age across the five nations, in whole years: the youngest at which a
/// child starts (4, Northern Ireland) to the oldest at which one may leave (16).
pub const SCHOOL_AGES: std::ops::RangeInclusive<u32> = 4..=16;

/// How many years either side of [`SCHOOL_AGES`] a pupil's age may fall before its date of
/// birth is warned about: a nursery class or a pupil staying on to 18 is usual, a child of 1
/// or an adult of 19 on a CME roll is a typing error more often than not.
pub const AGE_MARGIN_YEARS: u32 = 2;

/// Ages (in whole years, on the day of encoding) outside which a pupil's date of birth is
/// probably wrong: [`SCHOOL_AGES`] give or take [`AGE_MARGIN_YEARS`] (2 to 18). Outside it the
/// record is still encoded, with a warning.
pub const LIKELY_AGES: std::ops::RangeInclusive<u32> =
    (*SCHOOL_AGES.start() - AGE_MARGIN_YEARS)..=(*SCHOOL_AGES.end() + AGE_MARGIN_YEARS);

/// A child's age in whole years on `today`.
fn age_on(dob: NaiveDate, today: NaiveDate) -> u32 {
    today.years_since(dob).unwrap_or(0)
}

/// Parses a sex value; `Ok(None)` for an explicit "unknown".
fn parse_sex(raw: &str) -> Result<Option<Sex>, ()> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "f" | "female" | "girl" => Ok(Some(Sex::Female)),
        "m" | "male" | "boy" => Ok(Some(Sex::Male)),
        "" | "u" | "x" | "9" | "0" | "unknown" | "not known" | "notknown" | "not stated" => {
            Ok(None)
        }
        _ => Err(()),
    }
}

/// How strictly required fields are enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Policy {
    /// `record_id`, `forename`, `surname` and `dob` are required and must be usable.
    #[default]
    Pupil,
    /// Only `record_id` is required; unusable names and dates become warnings.
    Lenient,
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl PupilRecord {
    /// Validates a raw record against protocol.md §1 under [`Policy::Pupil`], as of `today`.
    pub fn from_raw(raw: &RawRecord, today: NaiveDate) -> Result<Validated, RecordError> {
        Self::from_raw_with(raw, today, Policy::Pupil)
    }

    /// Validates a raw record under a policy, as of `today`.
    pub fn from_raw_with(
        raw: &RawRecord,
        today: NaiveDate,
        policy: Policy,
    ) -> Result<Validated, RecordError> {
        let label = RecordLabel {
            position: raw.position.clone(),
            record_id: non_empty(&raw.record_id).map(str::to_string),
        };
        let mut warnings = Vec::new();
        // A problem with a required field: an error under the pupil policy, a warning otherwise.
        let mut required_problem =
            |field: Column, problem: RecordProblem| -> Result<(), RecordError> {
                match policy {
                    Policy::Pupil => Err(RecordError {
                        record: label.clone(),
                        field,
                        problem,
                    }),
                    Policy::Lenient => {
                        warnings.push(RecordWarning {
                            field,
                            kind: WarningKind::LeftOut { problem },
                        });
                        Ok(())
                    }
                }
            };
        let record_id = non_empty(&raw.record_id)
            .map(str::to_string)
            .ok_or_else(|| RecordError {
                record: label.clone(),
                field: Column::RecordId,
                problem: RecordProblem::Missing,
            })?;

        let mut forename = None;
        match non_empty(&raw.forename) {
            None => required_problem(Column::Forename, RecordProblem::Missing)?,
            Some(value) => match Forename::parse(value) {
                Ok(name) => forename = Some(name),
                Err(problem) => required_problem(
                    Column::Forename,
                    RecordProblem::UnusableName {
                        value: value.to_string(),
                        problem,
                    },
                )?,
            },
        }
        let mut surname = None;
        match non_empty(&raw.surname) {
            None => required_problem(Column::Surname, RecordProblem::Missing)?,
            Some(value) => match Surname::parse(value) {
                Ok(name) => surname = Some(name),
                Err(problem) => required_problem(
                    Column::Surname,
                    RecordProblem::UnusableName {
                        value: value.to_string(),
                        problem,
                    },
                )?,
            },
        }
        let mut dob = None;
        let mut dob_parts = None;
        match non_empty(&raw.dob) {
            None => required_problem(Column::Dob, RecordProblem::Missing)?,
            Some(value) => match parse_dob(value, today) {
                Ok(date) => dob = Some(date),
                Err(reason) => {
                    required_problem(
                        Column::Dob,
                        RecordProblem::ImpossibleDate {
                            value: value.to_string(),
                            reason,
                        },
                    )?;
                    dob_parts = DateParts::of_unusable(value, today);
                }
            },
        }
        if let Some(date) = dob.filter(|_| policy == Policy::Pupil) {
            let age = age_on(date, today);
            if !LIKELY_AGES.contains(&age) {
                warnings.push(RecordWarning {
                    field: Column::Dob,
                    kind: WarningKind::UnlikelyAge { age },
                });
            }
        }
        if forename.as_ref().is_some_and(|f| f.dropped_non_latin) {
            warnings.push(RecordWarning {
                field: Column::Forename,
                kind: WarningKind::NonLatinLettersDropped,
            });
        }
        if surname.as_ref().is_some_and(|s| s.dropped_non_latin) {
            warnings.push(RecordWarning {
                field: Column::Surname,
                kind: WarningKind::NonLatinLettersDropped,
            });
        }

        let mut optional_forename = |field: Column, value: &Option<String>| {
            let raw = non_empty(value)?;
            match Forename::parse(raw) {
                Ok(name) => Some(name),
                Err(problem) => {
                    warnings.push(RecordWarning {
                        field,
                        kind: WarningKind::UnusableName {
                            value: raw.to_string(),
                            problem,
                        },
                    });
                    None
                }
            }
        };
        let middle_names = optional_forename(Column::MiddleNames, &raw.middle_names);
        let preferred_forename =
            optional_forename(Column::PreferredForename, &raw.preferred_forename);
        let mut optional_surname = |field: Column, value: &Option<String>| {
            let raw = non_empty(value)?;
            match Surname::parse(raw) {
                Ok(name) => Some(name),
                Err(problem) => {
                    warnings.push(RecordWarning {
                        field,
                        kind: WarningKind::UnusableName {
                            value: raw.to_string(),
                            problem,
                        },
                    });
                    None
                }
            }
        };
        let former_surname = optional_surname(Column::FormerSurname, &raw.former_surname);
        let preferred_surname = optional_surname(Column::PreferredSurname, &raw.preferred_surname);

        let sex = match non_empty(&raw.sex) {
            None => None,
            Some(value) => parse_sex(value).unwrap_or_else(|()| {
                warnings.push(RecordWarning {
                    field: Column::Sex,
                    kind: WarningKind::UnrecognisedSex {
                        value: value.to_string(),
                    },
                });
                None
            }),
        };

        let mut identifiers: Vec<Identifier> = Vec::new();
        let mut mistyped_identifiers: Vec<MistypedIdentifier> = Vec::new();
        for (field, scheme, value) in [
            (Column::Upn, Scheme::Upn, &raw.upn),
            (Column::FormerUpn, Scheme::Upn, &raw.former_upn),
            (Column::Scn, Scheme::Scn, &raw.scn),
            (Column::Ppsn, Scheme::Ppsn, &raw.ppsn),
            (Column::NiPupilId, Scheme::NiPupilId, &raw.ni_pupil_id),
        ] {
            let Some(value) = non_empty(value) else {
                continue;
            };
            match Identifier::parse(scheme, value) {
                Ok(id) => {
                    if let Identifier::Upn(upn) = &id {
                        if !upn.la_code_known() {
                            warnings.push(RecordWarning {
                                field,
                                kind: WarningKind::UnknownLaCode {
                                    code: upn.la_code(),
                                },
                            });
                        }
                    }
                    if !identifiers.contains(&id) {
                        identifiers.push(id);
                    }
                }
                Err(error) => {
                    let corrections = corrections(scheme, value);
                    if !corrections.is_empty() {
                        mistyped_identifiers.push(MistypedIdentifier {
                            scheme,
                            corrections,
                        });
                    }
                    warnings.push(RecordWarning {
                        field,
                        kind: WarningKind::InvalidIdentifier {
                            value: value.to_string(),
                            reason: error,
                        },
                    })
                }
            }
        }

        Ok(Validated {
            record: PupilRecord {
                record_id,
                authority: non_empty(&raw.authority).map(str::to_string),
                forename,
                middle_names,
                surname,
                former_surname,
                preferred_forename,
                preferred_surname,
                dob,
                dob_parts,
                sex,
                identifiers,
                mistyped_identifiers,
            },
            warnings,
        })
    }
}

/// The DOB salt (protocol.md §4.1): `YYYY-aa-bb` with `aa ≤ bb` the day and month in either
/// order, so a day/month transposition keeps the same salt.
///
/// ```
/// use chrono::NaiveDate;
/// use pupilmatch::encode::record::dob_salt;
/// let d = NaiveDate::from_ymd_opt(2014, 3, 7).unwrap();
/// let swapped = NaiveDate::from_ymd_opt(2014, 7, 3).unwrap();
/// assert_eq!(dob_salt(d), "2014-03-07");
/// assert_eq!(dob_salt(swapped), "2014-03-07");
/// ```
pub fn dob_salt(dob: NaiveDate) -> String {
    let (a, b) = (dob.day().min(dob.month()), dob.day().max(dob.month()));
    format!("{:04}-{a:02}-{b:02}", dob.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn raw() -> RawRecord {
        RawRecord {
            record_id: Some("LEEDS-000123".into()),
            forename: Some("Seán".into()),
            surname: Some("Ó Briain".into()),
            dob: Some("2014-03-07".into()),
            ..RawRecord::default()
        }
    }

    #[test]
    fn a_minimal_record_validates() {
        let v = PupilRecord::from_raw(&raw(), today()).unwrap();
        assert_eq!(v.record.forename.unwrap().full, "sean");
        assert_eq!(v.record.surname.unwrap().full, "obriain");
        assert!(v.warnings.is_empty());
    }

    #[test]
    fn the_lenient_policy_keeps_a_record_without_a_usable_date() {
        let mut r = raw();
        r.dob = Some("19651301".into());
        r.forename = None;
        let v = PupilRecord::from_raw_with(&r, today(), Policy::Lenient).unwrap();
        assert_eq!(v.record.dob, None);
        assert_eq!(v.record.forename, None);
        assert_eq!(v.warnings.len(), 2);
        assert!(v.warnings.iter().all(|w| w.kind.code() == "left_out"));
    }

    #[test]
    fn a_missing_required_field_names_the_record_and_field() {
        let mut r = raw();
        r.dob = Some("  ".into());
        let err = PupilRecord::from_raw(&r, today()).unwrap_err();
        assert_eq!(err.field, Column::Dob);
        assert_eq!(err.problem, RecordProblem::Missing);
        assert_eq!(
            err.to_string(),
            "record `LEEDS-000123`: field `dob`: is required but missing"
        );
    }

    #[test]
    fn impossible_dates_are_errors() {
        for bad in [
            "2014-02-30",
            "1899-12-31",
            "2031-01-01",
            "07/03/14",
            "7/3/14",
            "7/13/2014",
            "007/3/2014",
            "7/3",
            "yesterday",
        ] {
            let mut r = raw();
            r.dob = Some(bad.into());
            let err = PupilRecord::from_raw(&r, today()).unwrap_err();
            assert!(
                matches!(err.problem, RecordProblem::ImpossibleDate { .. }),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn a_date_has_one_of_three_shapes_with_nothing_but_digits_in_its_parts() {
        let d = NaiveDate::from_ymd_opt(2014, 3, 7).unwrap();
        for good in [
            "2014-03-07",
            "07/03/2014",
            "7/3/2014",
            "20140307",
            " 2014-03-07 ",
        ] {
            assert_eq!(parse_dob(good, today()), Ok(d), "{good}");
        }
        for bad in [
            "2014-3-7",
            "2014-3-07",
            "07/03/14",
            "007/03/2014",
            " 7/3/2014x",
            "7/+3/2014",
            "2014- 3-07",
            "2014-03- 7",
            "+2014-03-07",
            "2014/03/07",
            "07-03-2014",
            "2014.03.07",
        ] {
            assert!(parse_dob(bad, today()).is_err(), "{bad}");
        }
    }

    #[test]
    fn record_ids_are_trimmed_before_anything_uses_them() {
        let mut r = raw();
        r.record_id = Some("  LEEDS-000123\t".into());
        let v = PupilRecord::from_raw(&r, today()).unwrap();
        assert_eq!(v.record.record_id, "LEEDS-000123");
    }

    #[test]
    fn single_digit_days_and_months_are_read_as_excel_writes_them() {
        for (value, (y, m, d)) in [
            ("7/3/2014", (2014, 3, 7)),
            ("07/3/2014", (2014, 3, 7)),
            ("7/03/2014", (2014, 3, 7)),
            ("31/12/2013", (2013, 12, 31)),
        ] {
            assert_eq!(
                parse_dob(value, today()),
                Ok(NaiveDate::from_ymd_opt(y, m, d).unwrap()),
                "{value}"
            );
        }
        let refused = parse_dob("07/03/14", today()).unwrap_err().to_string();
        assert!(
            refused.contains("two-digit year `14` is ambiguous"),
            "{refused}"
        );
        assert!(refused.contains("DD/MM/YYYY"), "{refused}");
    }

    #[test]
    fn a_date_far_from_school_age_is_encoded_with_a_warning() {
        for (dob, age) in [("1901-05-05", 125), ("2026-11-21", 0), ("2007-11-21", 19)] {
            let mut r = raw();
            r.dob = Some(dob.into());
            let v = PupilRecord::from_raw(&r, today()).unwrap();
            assert_eq!(
                v.warnings,
                [RecordWarning {
                    field: Column::Dob,
                    kind: WarningKind::UnlikelyAge { age }
                }],
                "{dob}"
            );
        }
        for dob in ["2024-11-22", "2008-11-23", "2014-03-07"] {
            let mut r = raw();
            r.dob = Some(dob.into());
            let v = PupilRecord::from_raw(&r, today()).unwrap();
            assert!(v.warnings.is_empty(), "{dob}: {:?}", v.warnings);
        }
        let mut r = raw();
        r.dob = Some("1901-05-05".into());
        let v = PupilRecord::from_raw_with(&r, today(), Policy::Lenient).unwrap();
        assert!(
            v.warnings.is_empty(),
            "benchmarks of adults are not warned about"
        );
    }

    #[test]
    fn a_placeholder_forename_skips_the_record() {
        let mut r = raw();
        r.forename = Some("Unknown".into());
        let err = PupilRecord::from_raw(&r, today()).unwrap_err();
        assert_eq!(err.field, Column::Forename);
    }

    #[test]
    fn an_invalid_identifier_is_dropped_with_a_warning() {
        let mut r = raw();
        r.upn = Some("A801200005001".into());
        r.scn = Some("123456785".into());
        let v = PupilRecord::from_raw(&r, today()).unwrap();
        assert_eq!(v.record.identifiers.len(), 1);
        assert_eq!(v.record.identifiers[0].scheme(), Scheme::Scn);
        assert_eq!(v.warnings.len(), 1);
        assert_eq!(v.warnings[0].field, Column::Upn);
        assert_eq!(v.warnings[0].kind.code(), "invalid_identifier");
    }

    #[test]
    fn sex_values_from_ctf_and_census_are_understood() {
        for (value, sex) in [
            ("M", Some(Sex::Male)),
            ("female", Some(Sex::Female)),
            ("U", None),
        ] {
            let mut r = raw();
            r.sex = Some(value.into());
            let v = PupilRecord::from_raw(&r, today()).unwrap();
            assert_eq!(v.record.sex, sex, "{value}");
            assert!(v.warnings.is_empty());
        }
        let mut r = raw();
        r.sex = Some("Q".into());
        let v = PupilRecord::from_raw(&r, today()).unwrap();
        assert_eq!(v.warnings[0].kind.code(), "unrecognised_sex");
    }
}
