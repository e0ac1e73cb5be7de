//! The Fellegi–Sunter model: per field and comparison level, the probability `m` of the level
//! among true matches and `u` among non-matches; a level contributes `log2(m/u)` to the match
//! weight, and the weight plus the prior gives a probability.
//!
//! Two departures from textbook independence, both documented in explanations:
//! - **the prior** is `1 / N` for a query compared with `N` records (a missing child is at most
//!   one of them), with `N` at least `min_population` so that a small pilot index or file does
//!   not inflate probabilities;
//! - **siblings**: same surname, same or near date of birth, different forename is far more
//!   common among *different* children (twins, siblings) than the product of the three `u`
//!   says. The pattern's non-match probability is taken as at least `sibling_rate / N`, where
//!   `sibling_rate` (estimated at training time from pairs within one roll) is how many other
//!   children in a roll look like this per child.
//!
//! A model file is JSON (`pupilmatch-model`, version 1); a default trained on the synthetic
//! five-nation population ships in the crate (`default_model.json`, made by `pupilmatch train`).

use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::matcher::compare::{ComparisonVector, Field};
use crate::matcher::resolve::Thresholds;

/// The `format` of a model file.
pub const MODEL_FORMAT: &str = "pupilmatch-model";
/// The model file version this build reads.
pub const MODEL_VERSION: u32 = 1;

const DEFAULT_MODEL: &str = include_str!("default_model.json");

/// Why a model file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Reading or writing the file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Not a model file.
    #[error("{path}: not a pupilmatch model file: {source}")]
    Syntax {
        /// The file.
        path: String,
        /// The cause.
        source: serde_json::Error,
    },
    /// A model file that does not fit this build's comparison.
    #[error("model: {0}")]
    Invalid(String),
}

/// One level's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelModel {
    /// The level label (see [`Field::levels`]).
    pub level: String,
    /// P(level | match).
    pub m: f64,
    /// P(level | non-match).
    pub u: f64,
}

/// One field's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldModel {
    /// The field.
    pub field: Field,
    /// Its levels in [`Field::levels`] order.
    pub levels: Vec<LevelModel>,
}

/// The term-frequency adjustment (protocol.md §8, "Common names"): a pair agreeing on both
/// full names through `name-ym`, `name-yd` or `name-md` keys weighs less the more *other*
/// records searched hold those keys, as Splink's term-frequency adjustment weighs a common
/// value's agreement less. With `T` such other holders summed over the shared keys, the
/// adjustment is `−log2(1 + T / prior_count)`: the ratio of the names' estimated frequency,
/// `(T + prior_count)`, to the frequency the level's `u` assumes, `prior_count` (a Gamma prior
/// of that many pseudo-records, under which an average pair expects far fewer than one other
/// holder). It is never positive: a name no other record holds is not rewarded beyond its
/// level's weight.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TermFrequency {
    /// The pseudo-count `a` of the prior (> 0): one other holder costs `log2(1 + 1/a)` bits.
    pub prior_count: f64,
}

impl TermFrequency {
    /// The adjustment for `others` other holders of the shared full-names keys.
    pub fn weight(&self, others: u32) -> f64 {
        -(1.0 + f64::from(others) / self.prior_count).log2()
    }
}

/// How a model was trained, kept in the file for audit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingInfo {
    /// What it was trained on.
    pub source: String,
    /// The random seed (pair sampling; synthetic data).
    pub seed: u64,
    /// Random pairs used to estimate `u`.
    pub random_pairs: u64,
    /// Candidate pairs used by EM to estimate `m`.
    pub candidate_pairs: u64,
    /// EM iterations run.
    pub em_iterations: u32,
    /// Whether EM converged within its tolerance.
    pub converged: bool,
    /// The estimated share of matches among candidate pairs.
    pub lambda: f64,
}

/// A Fellegi–Sunter model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Always [`MODEL_FORMAT`].
    pub format: String,
    /// Always [`MODEL_VERSION`].
    pub version: u32,
    /// Provenance.
    pub training: TrainingInfo,
    /// Per-field parameters, in [`Field::ALL`] order.
    pub fields: Vec<FieldModel>,
    /// Other children per child in a roll showing the sibling pattern.
    pub sibling_rate: f64,
    /// The smallest population a probability is calibrated for.
    pub min_population: f64,
    /// Default decision thresholds.
    pub thresholds: Thresholds,
    /// The term-frequency adjustment; absent (off) unless the model file sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term_frequency: Option<TermFrequency>,
    #[serde(skip)]
    weights: Weights,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Weights {
    /// log2(m/u) per field and level.
    weight: [Vec<f64>; 5],
    /// log2(u) per field and level.
    log_u: [Vec<f64>; 5],
}

/// The prior a comparison is scored under.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScoreContext {
    /// The number of records the query is compared with (at least `min_population`).
    pub population: f64,
    /// log2 prior odds that a given pair is a match: `-log2(population)`.
    pub prior_weight: f64,
}

impl ScoreContext {
    /// The context for a query compared with `n` records.
    pub fn for_population(model: &Model, n: usize) -> Self {
        let population = (n as f64).max(model.min_population).max(2.0);
        ScoreContext {
            population,
            prior_weight: -population.log2(),
        }
    }
}

/// A pair's score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Score {
    /// log2 posterior odds.
    pub match_weight: f64,
    /// Posterior probability of a match.
    pub probability: f64,
}

/// What one field contributed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldEvidence {
    /// The field.
    pub field: Field,
    /// The level, or `None` when the field could not be compared.
    pub level: Option<String>,
    /// What the level means, for a person.
    pub meaning: String,
    /// Its contribution to the match weight (log2).
    pub weight: f64,
    /// The filter Dice behind a similarity level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dice: Option<f64>,
    /// The identifier scheme compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
}

/// A correction applied on top of the field weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adjustment {
    /// A stable name (`sibling_pattern`).
    pub name: String,
    /// What it means.
    pub meaning: String,
    /// Its contribution (log2).
    pub weight: f64,
}

/// The explanation of one score, serialisable for the hub and readable by a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// The posterior probability.
    pub probability: f64,
    /// The match weight (log2 posterior odds).
    pub match_weight: f64,
    /// The prior weight, `-log2(population)`.
    pub prior_weight: f64,
    /// Field by field.
    pub fields: Vec<FieldEvidence>,
    /// Corrections.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjustments: Vec<Adjustment>,
    /// One line for a person.
    pub summary: String,
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

impl Model {
    /// The model shipped in the crate, trained on the synthetic five-nation population.
    pub fn default_model() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| {
            Model::from_json(DEFAULT_MODEL, "default_model.json")
                .expect("the shipped model is valid")
        })
    }

    /// Builds a model from parameters (checking them).
    pub fn new(
        training: TrainingInfo,
        fields: Vec<FieldModel>,
        sibling_rate: f64,
        min_population: f64,
        thresholds: Thresholds,
    ) -> Result<Model, ModelError> {
        let mut model = Model {
            format: MODEL_FORMAT.to_string(),
            version: MODEL_VERSION,
            training,
            fields,
            sibling_rate,
            min_population,
            thresholds,
            term_frequency: None,
            weights: Weights::default(),
        };
        model.prepare()?;
        Ok(model)
    }

    /// Parses a model from JSON text.
    pub fn from_json(text: &str, path: &str) -> Result<Model, ModelError> {
        let mut model: Model = serde_json::from_str(text).map_err(|source| ModelError::Syntax {
            path: path.to_string(),
            source,
        })?;
        model.prepare()?;
        Ok(model)
    }

    /// Reads a model file.
    pub fn load(path: &Path) -> Result<Model, ModelError> {
        let display = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ModelError::Io {
            path: display.clone(),
            source,
        })?;
        Model::from_json(&text, &display)
    }

    /// A short name for exactly these parameters: the first 16 hex digits of the SHA-256 of
    /// [`Model::to_json`]. The hub reports it (`/readyz`) so an operator can tell which model
    /// scored a candidate.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(self.to_json().as_bytes());
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The model as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a model serialises") + "\n"
    }

    /// Writes the model file.
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        std::fs::write(path, self.to_json()).map_err(|source| ModelError::Io {
            path: path.display().to_string(),
            source,
        })
    }

    fn prepare(&mut self) -> Result<(), ModelError> {
        let invalid = |m: String| Err(ModelError::Invalid(m));
        if self.format != MODEL_FORMAT {
            return invalid(format!("format is `{}`", self.format));
        }
        if self.version != MODEL_VERSION {
            return invalid(format!(
                "version {} (this build reads {MODEL_VERSION})",
                self.version
            ));
        }
        if self.fields.len() != Field::ALL.len() {
            return invalid(format!(
                "{} fields, expected {}",
                self.fields.len(),
                Field::ALL.len()
            ));
        }
        let mut weights = Weights::default();
        for (i, (fm, field)) in self.fields.iter().zip(Field::ALL).enumerate() {
            if fm.field != field {
                return invalid(format!("field {i} is {:?}, expected {:?}", fm.field, field));
            }
            let labels: Vec<&str> = field.levels().iter().map(|(l, _)| *l).collect();
            let found: Vec<&str> = fm.levels.iter().map(|l| l.level.as_str()).collect();
            if labels != found {
                return invalid(format!(
                    "{} levels are {found:?}, expected {labels:?}",
                    field.name()
                ));
            }
            for l in &fm.levels {
                let ok = |p: f64| p > 0.0 && p <= 1.0 && p.is_finite();
                if !ok(l.m) || !ok(l.u) {
                    return invalid(format!(
                        "{} level {}: m and u must be in (0, 1]",
                        field.name(),
                        l.level
                    ));
                }
            }
            weights.weight[i] = fm.levels.iter().map(|l| (l.m / l.u).log2()).collect();
            weights.log_u[i] = fm.levels.iter().map(|l| l.u.log2()).collect();
        }
        if !(self.sibling_rate >= 0.0 && self.min_population >= 1.0) {
            return invalid("sibling_rate must be ≥ 0 and min_population ≥ 1".into());
        }
        if let Some(tf) = self.term_frequency {
            if !(tf.prior_count > 0.0 && tf.prior_count.is_finite()) {
                return invalid("term_frequency.prior_count must be > 0".into());
            }
        }
        self.weights = weights;
        Ok(())
    }

    /// The weight of one field at one level.
    #[inline]
    pub fn level_weight(&self, field: Field, level: u8) -> f64 {
        self.weights.weight[field as usize][usize::from(level)]
    }

    /// The sibling correction for a vector (0 unless it shows the pattern).
    fn sibling_adjustment(&self, v: &ComparisonVector, context: &ScoreContext) -> f64 {
        if !v.sibling_pattern() || self.sibling_rate == 0.0 {
            return 0.0;
        }
        let log_u_independent: f64 = [Field::Dob, Field::Forename, Field::Surname]
            .iter()
            .filter_map(|f| {
                v.level(*f)
                    .map(|l| self.weights.log_u[*f as usize][usize::from(l)])
            })
            .sum();
        let log_u_family = (self.sibling_rate / context.population).log2();
        (log_u_independent - log_u_family).min(0.0)
    }

    /// The term-frequency correction for a vector (0 when the model has none, or the pair
    /// shares no full-names key, or no other record searched holds one).
    fn frequency_adjustment(&self, v: &ComparisonVector) -> f64 {
        match (self.term_frequency, v.names_shared_by) {
            (Some(tf), Some(others)) => tf.weight(others),
            _ => 0.0,
        }
    }

    /// Scores a comparison vector.
    #[inline]
    pub fn score(&self, v: &ComparisonVector, context: &ScoreContext) -> Score {
        let mut w = context.prior_weight;
        for (i, level) in v.levels.iter().enumerate() {
            if let Some(l) = level {
                w += self.weights.weight[i][usize::from(*l)];
            }
        }
        w += self.sibling_adjustment(v, context);
        w += self.frequency_adjustment(v);
        Score {
            match_weight: w,
            probability: probability(w),
        }
    }

    /// Scores and explains a comparison vector.
    pub fn explain(&self, v: &ComparisonVector, context: &ScoreContext) -> Explanation {
        let score = self.score(v, context);
        let fields: Vec<FieldEvidence> = Field::ALL
            .iter()
            .map(|&field| {
                let level = v.level(field);
                let dice = match field {
                    Field::Forename => v.forename_dice,
                    Field::Surname => v.surname_dice,
                    Field::Dob => v.names_dice,
                    Field::Identifier => v.id_names_dice,
                    _ => None,
                }
                .map(|d| round3(f64::from(d)));
                let (label, meaning) = match level {
                    Some(l) => {
                        let (label, meaning) = field.levels()[usize::from(l)];
                        (Some(label.to_string()), meaning.to_string())
                    }
                    None => (None, "not comparable (absent on one side)".to_string()),
                };
                FieldEvidence {
                    field,
                    level: label,
                    meaning,
                    weight: round3(level.map_or(0.0, |l| self.level_weight(field, l))),
                    dice,
                    scheme: (field == Field::Identifier)
                        .then(|| v.scheme.map(|s| s.as_str().to_string()))
                        .flatten(),
                }
            })
            .collect();
        let sibling = self.sibling_adjustment(v, context);
        let mut adjustments = Vec::new();
        if sibling < 0.0 {
            adjustments.push(Adjustment {
                name: "sibling_pattern".into(),
                meaning: "same surname and date of birth but a different forename: often a twin or sibling"
                    .into(),
                weight: round3(sibling),
            });
        }
        let frequency = self.frequency_adjustment(v);
        if frequency < 0.0 {
            adjustments.push(Adjustment {
                name: "common_names".into(),
                meaning: "other records searched share these names and a close date of birth: common names are weaker evidence"
                    .into(),
                weight: round3(frequency),
            });
        }
        let mut parts: Vec<String> = fields
            .iter()
            .filter_map(|f| {
                let level = f.level.as_ref()?;
                Some(format!("{} {} {:+.1}", f.field.name(), level, f.weight))
            })
            .collect();
        for a in &adjustments {
            parts.push(format!("{} {:+.1}", a.name, a.weight));
        }
        parts.push(format!("prior {:+.1}", context.prior_weight));
        Explanation {
            probability: (score.probability * 1e6).round() / 1e6,
            match_weight: round3(score.match_weight),
            prior_weight: round3(context.prior_weight),
            fields,
            adjustments,
            summary: parts.join("; "),
        }
    }
}

/// The probability for a log2 posterior odds.
#[inline]
pub fn probability(match_weight: f64) -> f64 {
    1.0 / (1.0 + (-match_weight).exp2())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_model_loads_and_rewards_agreement_over_disagreement() {
        let model = Model::default_model();
        for field in Field::ALL {
            let levels = field.levels();
            let best = model.level_weight(field, 0);
            let worst = model.level_weight(field, levels.len() as u8 - 1);
            assert!(best > 0.0, "{field:?} best level weight {best}");
            assert!(worst < 0.0, "{field:?} worst level weight {worst}");
        }
    }

    #[test]
    fn a_model_round_trips_through_json() {
        let model = Model::default_model();
        let again = Model::from_json(&model.to_json(), "test").unwrap();
        assert_eq!(&again, model);
    }

    #[test]
    fn a_model_with_wrong_levels_is_refused() {
        let mut value: serde_json::Value = serde_json::from_str(DEFAULT_MODEL).unwrap();
        value["fields"][1]["levels"][0]["level"] = "same".into();
        let error = Model::from_json(&value.to_string(), "bad.json").unwrap_err();
        assert!(error.to_string().contains("dob levels"), "{error}");
    }
}
