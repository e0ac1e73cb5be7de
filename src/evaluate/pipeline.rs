//! The end-to-end pipeline of benchmarks and training, without files: validate and encode raw
//! records as an authority would, prepare them for the matcher, link, and measure against
//! ground truth (overall and by label: error type, move type, hardest pairs).

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::encode::batch::{encode_one, Outcome};
use crate::encode::record::Policy;
use crate::encode::{AgreementSecret, EncodedRecord, Encoder, LocalKey};
use crate::evaluate::quality::{recall_by_label, Quality};
use crate::input::RawRecord;
use crate::matcher::compact::Prepared;
use crate::matcher::index::Index;
use crate::matcher::link::{build_index, link_with_index, Link, LinkConfig};
use crate::matcher::model::{Model, ModelError};
use crate::matcher::train::{train, MSource, TrainingConfig};
use crate::matcher::IndexConfig;
use crate::synth::{generate, SynthConfig, TruthPair};

/// Records encoded under one agreement, with the authority's own ids beside them.
#[derive(Debug, Clone, Default)]
pub struct EncodedSet {
    /// The authority's record ids (local: never sent).
    pub ids: Vec<String>,
    /// The authority column, when present.
    pub authorities: Vec<Option<String>>,
    /// The encodings.
    pub records: Vec<EncodedRecord>,
    /// Records that could not be encoded.
    pub skipped: usize,
}

impl EncodedSet {
    /// The matcher's form of every record (in parallel, in order).
    pub fn prepare(&self) -> Vec<Prepared> {
        self.records
            .par_iter()
            .map(Prepared::from_encoded)
            .collect()
    }
}

/// The fixed agreement secret of synthetic benchmarks and of the shipped model's training
/// (synthetic data only: never for real pupils).
pub fn synthetic_encoder() -> Encoder {
    let secret = AgreementSecret::from_bytes("synthetic-benchmark", 1, [0x5A; 32])
        .expect("a valid agreement id");
    Encoder::new(&secret, LocalKey::from_bytes([0xA5; 32]))
}

/// The reference date synthetic data is validated against.
pub fn synthetic_today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date")
}

/// Validates and encodes records in parallel, keeping order and skipping invalid ones.
pub fn encode_records(
    records: &[RawRecord],
    encoder: &Encoder,
    today: NaiveDate,
    policy: Policy,
) -> EncodedSet {
    let outcomes: Vec<Outcome> = records
        .par_iter()
        .map(|r| encode_one(encoder, &Ok(r.clone()), today, policy))
        .collect();
    let mut set = EncodedSet::default();
    for (raw, outcome) in records.iter().zip(outcomes) {
        match outcome {
            Outcome::Encoded {
                record_id, encoded, ..
            } => {
                set.ids.push(record_id);
                set.authorities.push(raw.authority.clone());
                set.records.push(encoded);
            }
            Outcome::Skipped(_) => set.skipped += 1,
        }
    }
    set
}

/// Quality of predicted (left id, right id) links against synthetic ground truth.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticReport {
    /// Pairwise precision, recall, F1.
    pub overall: Quality,
    /// (found, total) per label of [`TruthPair::labels`].
    pub by_label: BTreeMap<String, (usize, usize)>,
}

impl SyntheticReport {
    /// Measures predicted links.
    pub fn measure(predicted: &[(String, String)], truth: &[TruthPair]) -> SyntheticReport {
        let truth_set: HashSet<(&str, &str)> = truth
            .iter()
            .map(|t| (t.missing_id.as_str(), t.roll_id.as_str()))
            .collect();
        let overall = Quality::measure(
            predicted.iter().map(|(a, b)| (a.as_str(), b.as_str())),
            &truth_set,
        );
        let found: HashSet<(&str, &str)> = predicted
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let by_label = recall_by_label(
            &found,
            truth
                .iter()
                .map(|t| ((t.missing_id.as_str(), t.roll_id.as_str()), t.labels())),
        );
        SyntheticReport { overall, by_label }
    }

    /// Recall for one label.
    pub fn recall(&self, label: &str) -> Option<f64> {
        self.by_label
            .get(label)
            .map(|(found, total)| *found as f64 / (*total).max(1) as f64)
    }

    /// A table for people.
    pub fn table(&self) -> String {
        let mut out = format!("overall: {}\n", self.overall);
        out.push_str(&format!(
            "{:<40} {:>8} {:>8} {:>8}\n",
            "recall by", "found", "total", "recall"
        ));
        for (label, (found, total)) in &self.by_label {
            out.push_str(&format!(
                "{label:<40} {found:>8} {total:>8} {:>8.4}\n",
                *found as f64 / (*total).max(1) as f64
            ));
        }
        out
    }
}

/// A synthetic population encoded and prepared.
pub struct SyntheticRun {
    /// Missing records (left).
    pub missing: EncodedSet,
    /// Roll records (right).
    pub roll: EncodedSet,
    /// Ground truth.
    pub truth: Vec<TruthPair>,
    /// Prepared missing records.
    pub left: Vec<Prepared>,
    /// Prepared roll records.
    pub right: Vec<Prepared>,
    /// The raw population.
    pub raw: crate::synth::Population,
}

impl SyntheticRun {
    /// Generates, encodes and prepares a population.
    pub fn new(config: &SynthConfig) -> SyntheticRun {
        let population = generate(config);
        let encoder = synthetic_encoder();
        let today = synthetic_today();
        let missing = encode_records(&population.missing, &encoder, today, Policy::Pupil);
        let roll = encode_records(&population.roll, &encoder, today, Policy::Pupil);
        let (left, right) = (missing.prepare(), roll.prepare());
        SyntheticRun {
            missing,
            roll,
            truth: population.truth.clone(),
            left,
            right,
            raw: population,
        }
    }

    /// The comparison vectors of the true pairs (both records encoded).
    pub fn true_vectors(&self) -> Vec<crate::matcher::ComparisonVector> {
        let position = |ids: &[String]| -> std::collections::HashMap<String, usize> {
            ids.iter()
                .enumerate()
                .map(|(i, id)| (id.clone(), i))
                .collect()
        };
        let (left, right) = (position(&self.missing.ids), position(&self.roll.ids));
        self.truth
            .iter()
            .filter_map(|t| Some((*left.get(&t.missing_id)?, *right.get(&t.roll_id)?)))
            .map(|(i, j)| crate::matcher::compare(&self.left[i].view(), &self.right[j].view()))
            .collect()
    }

    /// The (missing id, roll id) of links.
    pub fn ids(&self, links: &[Link]) -> Vec<(String, String)> {
        links
            .iter()
            .map(|l| {
                (
                    self.missing.ids[l.left].clone(),
                    self.roll.ids[l.right].clone(),
                )
            })
            .collect()
    }

    /// Links with a model and measures the links at or above `threshold`.
    pub fn evaluate(
        &self,
        index: &Index,
        model: &Model,
        config: &LinkConfig,
        threshold: f64,
    ) -> (Vec<Link>, SyntheticReport) {
        let (links, _) = link_with_index(&self.left, index, model, config, &|_| {});
        let kept: Vec<Link> = links
            .into_iter()
            .filter(|l| l.score.probability >= threshold)
            .collect();
        let report = SyntheticReport::measure(&self.ids(&kept), &self.truth);
        (kept, report)
    }
}

/// Trains a model on a synthetic population: `u` from random pairs, `m` by EM on the
/// candidate pairs that blocking finds. Reproducible from the seeds.
pub fn train_on_synthetic(
    synth: &SynthConfig,
    training: &TrainingConfig,
) -> Result<Model, ModelError> {
    let run = SyntheticRun::new(synth);
    let index = build_index(&run.right, IndexConfig::default());
    // Every candidate pair is a training pair: keep them all (floor 0) with a neutral model.
    let config = LinkConfig {
        threads: 1,
        floor: 0.0,
        ..LinkConfig::default()
    };
    let (candidates, _) =
        link_with_index(&run.left, &index, Model::default_model(), &config, &|_| {});
    let vectors: Vec<_> = candidates.iter().map(|l| l.vector).collect();
    let salted_u = redated_u(&run, training.random_pairs.min(400_000), training.seed);
    // Synthetic data is labelled: m is measured on the true pairs (unsupervised EM is what
    // operators use on their own data, starting from this model).
    let true_vectors = run.true_vectors();
    let mut training = training.clone();
    if training.source == TrainingConfig::default().source {
        training.source = format!(
            "synthetic five-nation population (seed {}, {} pupils, {} movers)",
            synth.seed, synth.pupils, synth.movers
        );
    }
    train(
        &run.left,
        &run.right,
        &index,
        &vectors,
        &salted_u,
        MSource::Labelled(&true_vectors),
        &training,
    )
}

/// `u` of the DOB-salted fields from random (missing, roll) pairs of raw records with the roll
/// record moved to the missing record's date of birth: the textbook `u` ("how often do two
/// different children born on the same day have these names and sex?"), which encodings
/// cannot give because random pairs almost never share a DOB salt.
pub fn redated_u(run: &SyntheticRun, pairs: usize, seed: u64) -> [Vec<f64>; 5] {
    use rand::{Rng, SeedableRng};
    let population = &run.raw;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0xDA7E);
    let mut left = Vec::with_capacity(pairs);
    let mut right = Vec::with_capacity(pairs);
    for _ in 0..pairs {
        let a = population.missing[rng.gen_range(0..population.missing.len())].clone();
        let mut b = population.roll[rng.gen_range(0..population.roll.len())].clone();
        b.dob = a.dob.clone();
        left.push(a);
        right.push(b);
    }
    let encoder = synthetic_encoder();
    let (l, r) = (
        encode_records(&left, &encoder, synthetic_today(), Policy::Pupil),
        encode_records(&right, &encoder, synthetic_today(), Policy::Pupil),
    );
    // Both sides validate alike (same dates), so they stay aligned.
    let (lp, rp) = (l.prepare(), r.prepare());
    crate::matcher::train::u_of_vectors(
        lp.iter()
            .zip(&rp)
            .map(|(a, b)| crate::matcher::compare(&a.view(), &b.view())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(seed: u64) -> Model {
        let synth = SynthConfig {
            seed: 11,
            pupils: 3_000,
            movers: 300,
            unmatched_missing: 50,
        };
        let training = TrainingConfig {
            seed,
            random_pairs: 20_000,
            ..TrainingConfig::default()
        };
        train_on_synthetic(&synth, &training).unwrap()
    }

    #[test]
    fn training_is_reproducible_from_its_seed() {
        let (a, b) = (small(5), small(5));
        assert_eq!(a.to_json(), b.to_json());
        assert_ne!(a.to_json(), small(6).to_json());
    }
}
