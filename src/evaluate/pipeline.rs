//! The end-to-end pipeline of benchmarks and training, without files: validate and encode raw
//! records as an authority would, prepare them for the matcher, link, and measure against
//! ground truth (overall and by label: error type, move type, hardest pairs).

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::encode::batch::{encode_one, Outcome};
use crate::encode::record::Policy;
use crate::encode::{AgreementSecret, EncodedRecord, Encoder, LocalKey};
use crate::evaluate::febrl::{read_febrl, read_truth, FebrlError};
use crate::evaluate::quality::{recall_by_label, Quality};
use crate::input::RawRecord;
use crate::matcher::compact::Prepared;
use crate::matcher::index::Index;
use crate::matcher::link::{build_index, link_with_index, Link, LinkConfig};
use crate::matcher::model::{Model, ModelError};
use crate::matcher::resolve::one_to_one;
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

/// FEBRL4's pairwise quality at the model's default threshold, one-to-one (FEBRL4 pairs every
/// `a` record with exactly one `b` record), encoded under the lenient policy with
/// `soc_sec_id` as an opaque identifier (see [`crate::evaluate::febrl`]).
pub fn febrl_quality(dir: &std::path::Path, model: &Model) -> Result<Quality, FebrlError> {
    let secret =
        AgreementSecret::from_bytes("febrl4", 1, [0x4F; 32]).expect("a valid agreement id");
    let encoder = Encoder::new(&secret, LocalKey::from_bytes([1; 32]));
    let today = synthetic_today();
    let a = encode_records(
        &read_febrl(&dir.join("a.csv"))?,
        &encoder,
        today,
        Policy::Lenient,
    );
    let b = encode_records(
        &read_febrl(&dir.join("b.csv"))?,
        &encoder,
        today,
        Policy::Lenient,
    );
    let truth_pairs = read_truth(&dir.join("truth.csv"))?;
    let (ap, bp) = (a.prepare(), b.prepare());
    let config = LinkConfig {
        floor: model.thresholds.suggest,
        ..LinkConfig::default()
    };
    let (links, _) = crate::matcher::link(&ap, &bp, model, &config, &|_| {});
    let links = one_to_one(links, |_| ());
    let truth: HashSet<(&str, &str)> = truth_pairs
        .iter()
        .map(|(x, y)| (x.as_str(), y.as_str()))
        .collect();
    Ok(Quality::measure(
        links
            .iter()
            .map(|l| (a.ids[l.left].as_str(), b.ids[l.right].as_str())),
        &truth,
    ))
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
    fn parallel_equals_sequential_equals_exhaustive_equals_the_naive_oracle() {
        let run = SyntheticRun::new(&SynthConfig {
            seed: 21,
            pupils: 1_500,
            movers: 150,
            unmatched_missing: 20,
        });
        let model = Model::default_model();
        let floor = 0.01;
        let oracle = crate::matcher::link_naive(&run.left, &run.right, model, floor);
        let sequential = LinkConfig {
            threads: 1,
            floor,
            ..LinkConfig::default()
        };
        let index = build_index(&run.right, IndexConfig::default());
        let exhaustive = LinkConfig {
            exhaustive: true,
            ..sequential
        };
        let (all_pairs, _) = link_with_index(&run.left, &index, model, &exhaustive, &|_| {});
        assert_eq!(all_pairs, oracle, "exhaustive index run = oracle");
        let (blocked, _) = link_with_index(&run.left, &index, model, &sequential, &|_| {});
        let parallel = LinkConfig {
            threads: 2,
            ..sequential
        };
        let (blocked_parallel, _) = link_with_index(&run.left, &index, model, &parallel, &|_| {});
        assert_eq!(blocked, blocked_parallel, "parallel = sequential");
        // Blocking only drops pairs: every blocked link is the oracle's link, scored alike.
        let by_pair: std::collections::HashMap<(usize, usize), &Link> =
            oracle.iter().map(|l| ((l.left, l.right), l)).collect();
        for l in &blocked {
            assert_eq!(by_pair.get(&(l.left, l.right)), Some(&l), "{l:?}");
        }
        // An index built incrementally with removals gives the same links as a fresh one.
        let mut churned = crate::matcher::Index::default();
        for r in &run.right {
            churned.insert(r);
        }
        for slot in 0..100 {
            churned.remove(slot);
        }
        for r in &run.right[..100] {
            churned.insert(r);
        }
        churned.compact();
        let (churned_links, _) = link_with_index(&run.left, &churned, model, &sequential, &|_| {});
        assert_eq!(churned_links.len(), blocked.len());
    }

    #[test]
    fn training_is_reproducible_from_its_seed() {
        let (a, b) = (small(5), small(5));
        assert_eq!(a.to_json(), b.to_json());
        assert_ne!(a.to_json(), small(6).to_json());
    }
}
