//! The matcher's evidence in a coordinator's words: what each field's comparison level means
//! ("same date of birth but day and month swapped"), and a confidence band from the match
//! weight that, unlike the probability, does not saturate at 1.0000.
//!
//! The hub never sees names, so a level is described as what the encodings show ("forenames are
//! known equivalents (e.g. a nickname)"), never as the names themselves. Used by the command
//! line and meant for any other console that shows candidates (a small public API:
//! [`describe_level`], [`ConfidenceBand`], [`evidence_in_words`]).

use std::fmt;

use crate::matcher::compare::Field;
use crate::matcher::model::Explanation;

/// How strongly a candidate's evidence says "the same child", banded by match weight (log2
/// posterior odds, prior included), so that 1 000:1 and 1 000 000:1 read differently even
/// though both print as probability 1.0000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConfidenceBand {
    /// Weight below 0: more likely two different children.
    Weak,
    /// Weight 0 to 10: at least even odds, up to about 1 000:1; check before confirming.
    Possible,
    /// Weight 10 to 20: odds about 1 000:1 to 1 000 000:1.
    Strong,
    /// Weight 20 or more: odds above about 1 000 000:1.
    VeryStrong,
}

impl ConfidenceBand {
    /// The lowest weight of [`ConfidenceBand::VeryStrong`].
    pub const VERY_STRONG_FROM: f64 = 20.0;
    /// The lowest weight of [`ConfidenceBand::Strong`].
    pub const STRONG_FROM: f64 = 10.0;
    /// The lowest weight of [`ConfidenceBand::Possible`] (probability 0.5).
    pub const POSSIBLE_FROM: f64 = 0.0;

    /// The band of a match weight.
    pub fn from_weight(match_weight: f64) -> ConfidenceBand {
        if match_weight >= Self::VERY_STRONG_FROM {
            ConfidenceBand::VeryStrong
        } else if match_weight >= Self::STRONG_FROM {
            ConfidenceBand::Strong
        } else if match_weight >= Self::POSSIBLE_FROM {
            ConfidenceBand::Possible
        } else {
            ConfidenceBand::Weak
        }
    }

    /// The band in words: `very strong`, `strong`, `possible` or `weak`.
    pub fn label(self) -> &'static str {
        match self {
            ConfidenceBand::VeryStrong => "very strong",
            ConfidenceBand::Strong => "strong",
            ConfidenceBand::Possible => "possible",
            ConfidenceBand::Weak => "weak",
        }
    }

    /// The band with its weight, e.g. `very strong (weight 31.2)`.
    pub fn with_weight(match_weight: f64) -> String {
        format!(
            "{} (weight {match_weight:.1})",
            ConfidenceBand::from_weight(match_weight)
        )
    }
}

impl fmt::Display for ConfidenceBand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What a field's comparison level means, in a coordinator's words. `level` is the label the
/// matcher writes (`Field::levels`); an unknown label (a newer hub) gets a generic phrase
/// rather than an error.
pub fn describe_level(field: Field, level: &str) -> &'static str {
    match (field, level) {
        (Field::Identifier, "agree") => "the same pupil number",
        (Field::Identifier, "agree_names_close") => {
            "the same pupil number and near-identical names (date of birth differs or is missing)"
        }
        (Field::Identifier, "agree_names_similar") => {
            "the same pupil number and similar names (date of birth differs or is missing)"
        }
        (Field::Identifier, "agree_names_differ") => {
            "the same pupil number but different names (date of birth differs or is missing)"
        }
        (Field::Identifier, "near") => "pupil numbers one keying error apart",
        (Field::Identifier, "disagree") => "different pupil numbers",
        (Field::Dob, "exact") => "same date of birth",
        (Field::Dob, "transposed") => "same date of birth but day and month swapped",
        (Field::Dob, "one_off") => "date of birth differs in one of day, month or year",
        (Field::Dob, "salt_verified") => {
            "date of birth confirmed the same (or with day and month swapped)"
        }
        (Field::Dob, "check_names_close") => {
            "date of birth probably the same (same year) and near-identical names"
        }
        (Field::Dob, "year_names_close") => {
            "born the same year (another day or month) with near-identical names"
        }
        (Field::Dob, "check_names_similar") => {
            "date of birth probably the same (same year) and similar names"
        }
        (Field::Dob, "year_names_similar") => {
            "born the same year (another day or month) with similar names"
        }
        (Field::Dob, "check_agrees") => "date of birth possibly the same (a partial check agrees)",
        (Field::Dob, "disagree") => "different dates of birth",
        (Field::Forename, "exact") => "same forename",
        (Field::Forename, "alternative") => "forename matches a middle, preferred or part forename",
        (Field::Forename, "equivalent") => {
            "forenames are known equivalents (e.g. a nickname, like Liam for William)"
        }
        (Field::Forename, "swapped") | (Field::Surname, "swapped") => {
            "forename and surname swapped"
        }
        (Field::Forename, "close") => "forenames spelt almost the same",
        (Field::Forename, "similar") => "forenames spelt similarly",
        (Field::Forename, "weak") => "forenames spelt a little alike",
        (Field::Forename, "disagree") => "different forenames",
        (Field::Surname, "exact") => "same surname",
        (Field::Surname, "alternative") => {
            "surname matches a former, preferred or part surname, or its Gaelic or anglicised form"
        }
        (Field::Surname, "close") => "surnames spelt almost the same",
        (Field::Surname, "similar") => "surnames spelt similarly",
        (Field::Surname, "weak") => "surnames spelt a little alike",
        (Field::Surname, "disagree") => "different surnames",
        (Field::Sex, "agree") => "same sex",
        (Field::Sex, "disagree") => "different sex",
        _ => "compared at a level this version does not know",
    }
}

/// What a field not compared (absent on one side) means.
pub fn describe_not_compared(field: Field) -> &'static str {
    match field {
        Field::Identifier => "no pupil number on both sides",
        Field::Dob => "dates of birth not compared",
        Field::Forename => "forenames not compared",
        Field::Surname => "surnames not compared",
        Field::Sex => "sex not recorded on both sides",
    }
}

/// One piece of evidence in words, with its contribution to the match weight.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceWords {
    /// The field (`None` for a correction such as the sibling pattern).
    pub field: Option<Field>,
    /// The evidence in words.
    pub words: &'static str,
    /// Its contribution to the match weight (log2; negative counts against).
    pub weight: f64,
}

/// The evidence of an explanation in words, the strongest support first and what counts
/// against last. Fields that were not compared are left out (they add nothing).
pub fn evidence_in_words(explanation: &Explanation) -> Vec<EvidenceWords> {
    let mut words: Vec<EvidenceWords> = explanation
        .fields
        .iter()
        .filter_map(|f| {
            Some(EvidenceWords {
                field: Some(f.field),
                words: describe_level(f.field, f.level.as_deref()?),
                weight: f.weight,
            })
        })
        .collect();
    for a in &explanation.adjustments {
        words.push(EvidenceWords {
            field: None,
            words: match a.name.as_str() {
                "sibling_pattern" => "looks like a twin or sibling (same surname and date of birth, another forename)",
                "common_names" => "common name and date of birth (other records share them)",
                _ => "a correction this version does not know",
            },
            weight: a.weight,
        });
    }
    words.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    words
}

/// The evidence on one line: `same date of birth; same surname; …; against: different sex`.
pub fn evidence_line(explanation: &Explanation) -> String {
    let words = evidence_in_words(explanation);
    let (support, against): (Vec<_>, Vec<_>) = words.iter().partition(|w| w.weight >= 0.0);
    let mut line = support
        .iter()
        .map(|w| w.words)
        .collect::<Vec<_>>()
        .join("; ");
    if !against.is_empty() {
        if !line.is_empty() {
            line.push_str("; ");
        }
        line.push_str("against: ");
        line.push_str(
            &against
                .iter()
                .map(|w| w.words)
                .collect::<Vec<_>>()
                .join("; "),
        );
    }
    line
}

/// [`evidence_line`] for evidence as the hub sends it (JSON); `None` when it is not an
/// explanation this version reads.
pub fn evidence_line_json(evidence: &serde_json::Value) -> Option<String> {
    let explanation: Explanation = serde_json::from_value(evidence.clone()).ok()?;
    Some(evidence_line(&explanation))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::model::{Adjustment, FieldEvidence};

    fn field(field: Field, level: &str, weight: f64) -> FieldEvidence {
        FieldEvidence {
            field,
            level: Some(level.into()),
            meaning: String::new(),
            weight,
            dice: None,
            scheme: None,
        }
    }

    fn explanation(fields: Vec<FieldEvidence>, adjustments: Vec<Adjustment>) -> Explanation {
        Explanation {
            probability: 1.0,
            match_weight: 30.0,
            prior_weight: -16.6,
            fields,
            adjustments,
            summary: String::new(),
        }
    }

    #[test]
    fn every_level_the_matcher_writes_has_its_own_words() {
        for f in Field::ALL {
            for (label, _) in f.levels() {
                let words = describe_level(f, label);
                assert_ne!(words, describe_level(f, "no such level"), "{f:?} {label}");
                assert!(!words.contains('_'), "{f:?} {label}: {words}");
            }
        }
    }

    #[test]
    fn a_transposed_date_and_a_nickname_read_as_a_coordinator_would_say_them() {
        assert_eq!(
            describe_level(Field::Dob, "transposed"),
            "same date of birth but day and month swapped"
        );
        assert!(describe_level(Field::Forename, "equivalent").contains("nickname"));
    }

    #[test]
    fn bands_follow_the_weight_and_do_not_saturate_where_the_probability_does() {
        // Both print as probability 1.0000; their bands differ.
        assert_eq!(
            ConfidenceBand::from_weight(31.2),
            ConfidenceBand::VeryStrong
        );
        assert_eq!(ConfidenceBand::from_weight(14.0), ConfidenceBand::Strong);
        assert_eq!(ConfidenceBand::from_weight(3.2), ConfidenceBand::Possible);
        assert_eq!(ConfidenceBand::from_weight(0.0), ConfidenceBand::Possible);
        assert_eq!(ConfidenceBand::from_weight(-0.1), ConfidenceBand::Weak);
        assert!(ConfidenceBand::VeryStrong > ConfidenceBand::Strong);
        assert_eq!(
            ConfidenceBand::with_weight(31.24),
            "very strong (weight 31.2)"
        );
    }

    #[test]
    fn evidence_is_listed_strongest_first_and_what_counts_against_last() {
        let e = explanation(
            vec![
                field(Field::Sex, "disagree", -4.0),
                field(Field::Forename, "equivalent", 11.8),
                field(Field::Dob, "transposed", 16.1),
            ],
            vec![],
        );
        assert_eq!(
            evidence_line(&e),
            "same date of birth but day and month swapped; forenames are known equivalents \
             (e.g. a nickname, like Liam for William); against: different sex"
        );
    }

    #[test]
    fn fields_not_compared_are_left_out_and_the_sibling_correction_is_named() {
        let mut absent = field(Field::Identifier, "agree", 0.0);
        absent.level = None;
        let e = explanation(
            vec![absent, field(Field::Surname, "exact", 8.0)],
            vec![Adjustment {
                name: "sibling_pattern".into(),
                meaning: String::new(),
                weight: -9.0,
            }],
        );
        let words = evidence_in_words(&e);
        assert_eq!(words.len(), 2);
        assert!(words[1].words.contains("twin or sibling"));
        assert!(words[1].field.is_none());
    }

    #[test]
    fn evidence_the_hub_sent_as_json_is_read_and_anything_else_is_not() {
        let e = explanation(vec![field(Field::Dob, "exact", 12.0)], vec![]);
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(evidence_line_json(&json).unwrap(), "same date of birth");
        assert!(evidence_line_json(&serde_json::json!({"summary": "x"})).is_none());
    }
}
