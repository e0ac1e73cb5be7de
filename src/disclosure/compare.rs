//! The field-by-field comparison a coordinator reads after opening a disclosure: the two
//! records side by side, each field with a verdict. Names are compared after folding
//! (protocol.md §3.1) with Jaro–Winkler and Damerau–Levenshtein (strsim); dates of birth
//! recognise a day/month transposition; identifiers compare in canonical form.

use chrono::NaiveDate;
use serde::Serialize;

use super::record::DisclosedRecord;
use crate::encode::normalise::fold_words;

/// Jaro–Winkler similarity at or above which two different names count as similar.
pub const SIMILAR_NAME: f64 = 0.88;

/// How one field of the two records compares.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum Verdict {
    /// Equal (after folding or canonicalisation).
    Same,
    /// Names that differ but are close.
    Similar {
        /// Jaro–Winkler similarity of the folded names.
        jaro_winkler: f64,
        /// Damerau–Levenshtein edit distance of the folded names.
        edits: usize,
    },
    /// Dates with day and month exchanged.
    DayMonthSwapped,
    /// Different.
    Different {
        /// Jaro–Winkler similarity, for names.
        #[serde(skip_serializing_if = "Option::is_none")]
        jaro_winkler: Option<f64>,
    },
    /// Only this side holds the field.
    OnlyOurs,
    /// Only the other side holds the field.
    OnlyTheirs,
}

/// One row of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldComparison {
    /// The canonical field name (protocol.md §1.1).
    pub field: &'static str,
    /// This authority's value.
    pub ours: Option<String>,
    /// The other authority's value.
    pub theirs: Option<String>,
    /// How they compare.
    pub verdict: Verdict,
}

#[derive(Clone, Copy)]
enum Kind {
    Name,
    Date,
    Identifier,
    Sex,
    Text,
}

fn folded(name: &str) -> String {
    fold_words(name).words.concat()
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    let today = chrono::Utc::now().date_naive();
    crate::encode::record::parse_dob(text, today).ok()
}

fn sex(text: &str) -> String {
    match text.trim().to_ascii_lowercase().as_str() {
        "f" | "female" | "girl" => "F".into(),
        "m" | "male" | "boy" => "M".into(),
        _ => "U".into(),
    }
}

fn canonical(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase()
}

fn verdict(kind: Kind, ours: &str, theirs: &str) -> Verdict {
    match kind {
        Kind::Name => {
            let (a, b) = (folded(ours), folded(theirs));
            if a == b {
                return Verdict::Same;
            }
            let jaro_winkler = strsim::jaro_winkler(&a, &b);
            if jaro_winkler >= SIMILAR_NAME {
                Verdict::Similar {
                    jaro_winkler,
                    edits: strsim::damerau_levenshtein(&a, &b),
                }
            } else {
                Verdict::Different {
                    jaro_winkler: Some(jaro_winkler),
                }
            }
        }
        Kind::Date => match (parse_date(ours), parse_date(theirs)) {
            (Some(a), Some(b)) if a == b => Verdict::Same,
            (Some(a), Some(b)) if a.with_day(1) == b.with_day(1) => {
                Verdict::Different { jaro_winkler: None }
            }
            (Some(a), Some(b)) if swapped(a) == Some(b) => Verdict::DayMonthSwapped,
            _ if canonical(ours) == canonical(theirs) => Verdict::Same,
            _ => Verdict::Different { jaro_winkler: None },
        },
        Kind::Identifier if canonical(ours) == canonical(theirs) => Verdict::Same,
        Kind::Sex if sex(ours) == sex(theirs) => Verdict::Same,
        Kind::Text if ours.trim().eq_ignore_ascii_case(theirs.trim()) => Verdict::Same,
        _ => Verdict::Different { jaro_winkler: None },
    }
}

use chrono::Datelike;

fn swapped(date: NaiveDate) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(date.year(), date.day(), date.month())
}

/// Compares every field either record holds, in protocol order.
pub fn compare(ours: &DisclosedRecord, theirs: &DisclosedRecord) -> Vec<FieldComparison> {
    let fields: [(&'static str, Kind, &Option<String>, &Option<String>); 16] = [
        ("forename", Kind::Name, &ours.forename, &theirs.forename),
        (
            "middle_names",
            Kind::Name,
            &ours.middle_names,
            &theirs.middle_names,
        ),
        ("surname", Kind::Name, &ours.surname, &theirs.surname),
        (
            "former_surname",
            Kind::Name,
            &ours.former_surname,
            &theirs.former_surname,
        ),
        (
            "preferred_forename",
            Kind::Name,
            &ours.preferred_forename,
            &theirs.preferred_forename,
        ),
        (
            "preferred_surname",
            Kind::Name,
            &ours.preferred_surname,
            &theirs.preferred_surname,
        ),
        ("dob", Kind::Date, &ours.dob, &theirs.dob),
        ("sex", Kind::Sex, &ours.sex, &theirs.sex),
        ("upn", Kind::Identifier, &ours.upn, &theirs.upn),
        (
            "former_upn",
            Kind::Identifier,
            &ours.former_upn,
            &theirs.former_upn,
        ),
        ("scn", Kind::Identifier, &ours.scn, &theirs.scn),
        ("ppsn", Kind::Identifier, &ours.ppsn, &theirs.ppsn),
        (
            "ni_pupil_id",
            Kind::Identifier,
            &ours.ni_pupil_id,
            &theirs.ni_pupil_id,
        ),
        ("school", Kind::Text, &ours.school, &theirs.school),
        ("address", Kind::Text, &ours.address, &theirs.address),
        (
            "postcode",
            Kind::Identifier,
            &ours.postcode,
            &theirs.postcode,
        ),
    ];
    fields
        .into_iter()
        .filter_map(|(field, kind, a, b)| {
            let verdict = match (a, b) {
                (Some(a), Some(b)) => verdict(kind, a, b),
                (Some(_), None) => Verdict::OnlyOurs,
                (None, Some(_)) => Verdict::OnlyTheirs,
                (None, None) => return None,
            };
            Some(FieldComparison {
                field,
                ours: a.clone(),
                theirs: b.clone(),
                verdict,
            })
        })
        .collect()
}

impl Verdict {
    /// A short label for the side-by-side table.
    pub fn label(&self) -> String {
        match self {
            Verdict::Same => "same".into(),
            Verdict::Similar {
                jaro_winkler,
                edits,
            } => format!("similar (Jaro–Winkler {jaro_winkler:.2}, {edits} edits)"),
            Verdict::DayMonthSwapped => "day and month swapped".into(),
            Verdict::Different {
                jaro_winkler: Some(jw),
            } => format!("DIFFERENT (Jaro–Winkler {jw:.2})"),
            Verdict::Different { jaro_winkler: None } => "DIFFERENT".into(),
            Verdict::OnlyOurs => "only ours".into(),
            Verdict::OnlyTheirs => "only theirs".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(forename: &str, surname: &str, dob: &str) -> DisclosedRecord {
        DisclosedRecord {
            forename: Some(forename.into()),
            surname: Some(surname.into()),
            dob: Some(dob.into()),
            ..DisclosedRecord::default()
        }
    }

    fn verdict_of<'a>(rows: &'a [FieldComparison], field: &str) -> &'a Verdict {
        &rows.iter().find(|r| r.field == field).unwrap().verdict
    }

    #[test]
    fn names_fold_before_comparing_and_typos_are_similar() {
        let rows = compare(
            &record("Seán", "Ó Briain", "2014-03-07"),
            &record("SEAN", "O'Brian", "07/03/2014"),
        );
        assert_eq!(verdict_of(&rows, "forename"), &Verdict::Same);
        assert!(matches!(
            verdict_of(&rows, "surname"),
            Verdict::Similar { edits: 1, .. }
        ));
        assert_eq!(verdict_of(&rows, "dob"), &Verdict::Same);
    }

    #[test]
    fn swapped_dates_and_one_sided_fields_are_flagged() {
        let mut theirs = record("Eilidh", "Macleod", "2013-04-09");
        theirs.scn = Some("123456785".into());
        let rows = compare(&record("Eilidh", "MacLeod", "2013-09-04"), &theirs);
        assert_eq!(verdict_of(&rows, "dob"), &Verdict::DayMonthSwapped);
        assert_eq!(verdict_of(&rows, "scn"), &Verdict::OnlyTheirs);
        assert!(rows.iter().all(|r| r.field != "upn"));
    }

    #[test]
    fn different_names_say_so() {
        let rows = compare(
            &record("Oisin", "Kelly", "2014-01-01"),
            &record("Dafydd", "Jones", "2014-01-02"),
        );
        assert!(matches!(
            verdict_of(&rows, "forename"),
            Verdict::Different { .. }
        ));
        assert!(matches!(
            verdict_of(&rows, "dob"),
            Verdict::Different { .. }
        ));
    }
}
