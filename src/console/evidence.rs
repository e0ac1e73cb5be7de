//! The matcher's evidence as the candidate page shows it: each level in the CLI's plain words
//! ([`describe_level`]) and the steps of the waterfall chart.

use crate::console::i18n::{t, t_code, tr};
use crate::matcher::compare::Field;
use crate::matcher::model::Explanation;

/// What a field's comparison level means, in words a coordinator uses (in English the wording
/// the CLI uses too, `matcher::explain_words::describe_level`: the test below holds them
/// together). `None` is a field one side does not hold.
pub fn describe_level(field: Field, level: Option<&str>) -> String {
    let meaning = match level {
        None => t("level-not-compared"),
        Some(level) if field.levels().iter().any(|(known, _)| *known == level) => {
            t_code("level", &level_code(field, level))
        }
        Some(_) => t("level-unknown"),
    };
    tr!(
        "field-meaning",
        field = field_label(field),
        meaning = meaning
    )
}

/// The code of a field's level in the `level` family of messages (`dob-one-off`).
pub fn level_code(field: Field, level: &str) -> String {
    format!("{}-{level}", field.name())
}

/// Every level of every field, as codes of the `level` family of messages.
pub fn level_codes() -> Vec<String> {
    Field::ALL
        .iter()
        .flat_map(|&field| {
            field
                .levels()
                .iter()
                .map(move |(level, _)| level_code(field, level))
        })
        .collect()
}

/// A field's name for people.
pub fn field_label(field: Field) -> String {
    match field {
        Field::Identifier => t("field-label-identifier"),
        Field::Dob => t("date-of-birth"),
        Field::Forename => t("forename"),
        Field::Surname => t("surname"),
        Field::Sex => t("sex"),
    }
}

/// An adjustment's meaning: the catalogue's words for the ones this console knows (the
/// sibling pattern), else the hub's own words.
fn adjustment_words(name: &str, meaning: &str) -> String {
    match name {
        "sibling_pattern" => t("adjustment-sibling-pattern"),
        _ => meaning.to_string(),
    }
}

/// One bar of the waterfall.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Short label (left of the bar).
    pub label: String,
    /// What it means.
    pub meaning: String,
    /// Where the bar starts (log2 odds).
    pub from: f64,
    /// Where it ends.
    pub to: f64,
    /// Whether this is the prior or the total (drawn from zero, neutral colour).
    pub is_total: bool,
}

/// The waterfall of an explanation: the prior, each field's contribution, each adjustment,
/// and the final match weight.
pub fn waterfall(explanation: &Explanation) -> Vec<Step> {
    let mut steps = vec![Step {
        label: t("step-starting-point"),
        meaning: t("step-starting-point-meaning"),
        from: 0.0,
        to: explanation.prior_weight,
        is_total: true,
    }];
    let mut at = explanation.prior_weight;
    for f in &explanation.fields {
        steps.push(Step {
            label: field_label(f.field),
            meaning: describe_level(f.field, f.level.as_deref()),
            from: at,
            to: at + f.weight,
            is_total: false,
        });
        at += f.weight;
    }
    for a in &explanation.adjustments {
        steps.push(Step {
            label: t("step-adjustment"),
            meaning: adjustment_words(&a.name, &a.meaning),
            from: at,
            to: at + a.weight,
            is_total: false,
        });
        at += a.weight;
    }
    steps.push(Step {
        label: t("step-match-weight"),
        meaning: tr!(
            "step-match-weight-meaning",
            probability = super::html::percent(explanation.probability)
        ),
        from: 0.0,
        to: explanation.match_weight,
        is_total: true,
    });
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::model::FieldEvidence;

    fn explanation() -> Explanation {
        let field = |field, level: &str, weight| FieldEvidence {
            field,
            level: Some(level.into()),
            meaning: String::new(),
            weight,
            dice: None,
            scheme: None,
        };
        Explanation {
            probability: 0.99,
            match_weight: 7.0,
            prior_weight: -20.0,
            fields: vec![
                field(Field::Dob, "transposed", 9.0),
                field(Field::Forename, "exact", 8.0),
                field(Field::Surname, "disagree", -2.0),
                field(Field::Sex, "agree", 1.0),
                FieldEvidence {
                    level: None,
                    ..field(Field::Identifier, "", 0.0)
                },
            ],
            adjustments: Vec::new(),
            summary: String::new(),
        }
    }

    #[test]
    fn a_transposed_date_of_birth_is_described_as_day_and_month_swapped() {
        assert_eq!(
            describe_level(Field::Dob, Some("transposed")),
            "Date of birth: same date of birth but day and month swapped"
        );
    }

    #[test]
    fn every_level_reads_in_english_as_the_command_line_words_it() {
        for field in Field::ALL {
            for (level, _) in field.levels() {
                let words = crate::matcher::explain_words::describe_level(field, level);
                assert_eq!(
                    describe_level(field, Some(level)),
                    format!("{}: {words}", field_label(field)),
                    "{field:?} {level}"
                );
            }
        }
    }

    #[test]
    fn a_missing_field_and_an_unlisted_level_still_get_a_meaning() {
        assert!(describe_level(Field::Identifier, None).contains("missing on one side"));
        assert!(describe_level(Field::Forename, Some("close")).contains("almost the same"));
    }

    #[test]
    fn the_waterfall_runs_from_the_prior_through_each_field_to_the_match_weight() {
        let steps = waterfall(&explanation());
        assert_eq!(steps.len(), 7);
        assert_eq!((steps[0].from, steps[0].to), (0.0, -20.0));
        assert_eq!((steps[1].from, steps[1].to), (-20.0, -11.0));
        assert_eq!((steps[3].from, steps[3].to), (-3.0, -5.0));
        assert_eq!((steps[6].from, steps[6].to), (0.0, 7.0));
        // Each field bar starts where the previous ended.
        for pair in steps[1..6].windows(2) {
            assert_eq!(pair[0].to, pair[1].from);
        }
    }
}
