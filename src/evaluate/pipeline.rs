//! The end-to-end pipeline of benchmarks and training, without files: validate and encode raw
//! records as an authority would, prepare them for the matcher, link, and measure against
//! ground truth (overall and by label: error type, move type, hardest pairs).

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::encode::batch::{encode_one, Outcome};
use crate::encode::record::{Policy, WarningKind};
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
    /// Per field, how many records were encoded without it (missing or unusable, left out
    /// under [`Policy::Lenient`]).
    pub left_out: BTreeMap<&'static str, usize>,
}

impl EncodedSet {
    /// Each record id's position.
    pub fn positions(&self) -> std::collections::HashMap<&str, usize> {
        self.ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect()
    }

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
                record_id,
                encoded,
                warnings,
                ..
            } => {
                for w in &warnings {
                    if matches!(w.kind, WarningKind::LeftOut { .. }) {
                        *set.left_out.entry(w.field.name()).or_default() += 1;
                    }
                }
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
        let (left, right) = (self.missing.positions(), self.roll.positions());
        self.truth
            .iter()
            .filter_map(|t| {
                Some((
                    *left.get(t.missing_id.as_str())?,
                    *right.get(t.roll_id.as_str())?,
                ))
            })
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
    let mut salted_u = redated_u(&run, training.random_pairs.min(400_000), training.seed);
    salted_u[crate::matcher::Field::Identifier as usize] =
        reidentified_u(&run, training.random_pairs.min(400_000), training.seed)
            [crate::matcher::Field::Identifier as usize]
            .clone();
    salted_u[crate::matcher::Field::Dob as usize] =
        joint_dob_u(&run, training.random_pairs.max(1_000_000), training.seed);
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

/// `u` of the joint DOB levels, where the names are seen with a date that only partly agrees
/// (`one_off`, `check/year_names_close/similar`). Among random pairs these are so rare that a
/// direct count is nearly always zero and the pseudo-count would set `u`, capping the evidence
/// of "same full name, one date component wrong" near 17 bits whatever the names. Each is
/// factored instead into the chance that the date part agrees and the chance that the names
/// agree given it:
/// - `one_off`: P(two random children share their full name) × P(their dates agree in exactly
///   two of year, month and day), both counted exactly on the raw records;
/// - the names-filter levels: P(same birth year) × their frequency among random pairs born in
///   the same year (`pairs` sampled, true pairs excluded), split by the check byte's rate.
///
/// Only those levels of the returned DOB vector are meaningful (see [`train`]).
pub fn joint_dob_u(run: &SyntheticRun, pairs: usize, seed: u64) -> Vec<f64> {
    use crate::matcher::compare::level;
    use rand::{Rng, SeedableRng};
    use std::collections::HashMap;
    let dob_of = |set: &EncodedSet, raw: &[RawRecord]| -> Vec<Option<NaiveDate>> {
        let by_id: HashMap<&str, &RawRecord> = raw
            .iter()
            .filter_map(|r| Some((r.record_id.as_deref()?, r)))
            .collect();
        set.ids
            .iter()
            .map(|id| {
                let dob = by_id.get(id.as_str())?.dob.as_deref()?;
                NaiveDate::parse_from_str(dob.trim(), "%Y-%m-%d").ok()
            })
            .collect()
    };
    let left_dob = dob_of(&run.missing, &run.raw.missing);
    let right_dob = dob_of(&run.roll, &run.raw.roll);
    let (n_left, n_right) = (left_dob.len() as f64, right_dob.len() as f64);

    // Date parts: P(same year) and P(exactly two components agree), exactly.
    fn histogram<K: std::hash::Hash + Eq>(
        dates: &[Option<NaiveDate>],
        key: impl Fn(&NaiveDate) -> K,
    ) -> HashMap<K, f64> {
        let mut h = HashMap::new();
        for d in dates.iter().flatten() {
            *h.entry(key(d)).or_insert(0.0) += 1.0;
        }
        h
    }
    use chrono::Datelike;
    let agree = |key: &dyn Fn(&NaiveDate) -> (i32, u32, u32)| -> f64 {
        let (l, r) = (histogram(&left_dob, key), histogram(&right_dob, key));
        l.iter()
            .map(|(k, a)| a * r.get(k).copied().unwrap_or(0.0))
            .sum::<f64>()
            / (n_left * n_right)
    };
    let p_year = agree(&|d| (d.year(), 0, 0));
    let p_exact = agree(&|d| (d.year(), d.month(), d.day()));
    let p_two = agree(&|d| (d.year(), d.month(), 0))
        + agree(&|d| (d.year(), 0, d.day()))
        + agree(&|d| (0, d.month(), d.day()))
        - 3.0 * p_exact;

    // Full names among the roll's different children.
    let mut names: HashMap<(String, String), f64> = HashMap::new();
    for r in &run.raw.roll {
        if let (Some(f), Some(s)) = (&r.forename, &r.surname) {
            *names
                .entry((f.trim().to_lowercase(), s.trim().to_lowercase()))
                .or_insert(0.0) += 1.0;
        }
    }
    let n: f64 = names.values().sum();
    let p_names = names.values().map(|c| c * (c - 1.0)).sum::<f64>() / (n * (n - 1.0)).max(1.0);

    // The names-filter levels among random pairs born in the same year.
    let mut by_year: HashMap<i32, (Vec<usize>, Vec<usize>)> = HashMap::new();
    for (i, d) in left_dob.iter().enumerate() {
        if let Some(d) = d {
            by_year.entry(d.year()).or_default().0.push(i);
        }
    }
    for (j, d) in right_dob.iter().enumerate() {
        if let Some(d) = d {
            by_year.entry(d.year()).or_default().1.push(j);
        }
    }
    let mut years: Vec<(i32, f64)> = by_year
        .iter()
        .map(|(y, (l, r))| (*y, l.len() as f64 * r.len() as f64))
        .filter(|(_, w)| *w > 0.0)
        .collect();
    years.sort_by_key(|(y, _)| *y);
    let total: f64 = years.iter().map(|(_, w)| w).sum();
    let truth: HashSet<(&str, &str)> = run
        .truth
        .iter()
        .map(|t| (t.missing_id.as_str(), t.roll_id.as_str()))
        .collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x5A4E);
    let mut counts = [0.0_f64; 10];
    let mut sampled = 0.0;
    while sampled < pairs as f64 && total > 0.0 {
        let mut x = rng.gen::<f64>() * total;
        let year = years
            .iter()
            .find(|(_, w)| {
                x -= w;
                x <= 0.0
            })
            .map_or(years[years.len() - 1].0, |(y, _)| *y);
        let (l, r) = &by_year[&year];
        let (i, j) = (l[rng.gen_range(0..l.len())], r[rng.gen_range(0..r.len())]);
        if truth.contains(&(run.missing.ids[i].as_str(), run.roll.ids[j].as_str())) {
            continue;
        }
        sampled += 1.0;
        let v = crate::matcher::compare(&run.left[i].view(), &run.right[j].view());
        if let Some(l) = v.levels[crate::matcher::Field::Dob as usize] {
            counts[usize::from(l)] += 1.0;
        }
    }
    let rate = |l: u8| (counts[usize::from(l)] + 0.5) / sampled.max(1.0);
    let mut u = vec![0.0; crate::matcher::Field::Dob.levels().len()];
    u[usize::from(level::DOB_ONE_OFF)] = (p_names * p_two).max(f64::MIN_POSITIVE);
    // The names-filter levels' check-byte split is redone by `train` (`factor_check_byte`).
    u[usize::from(level::DOB_CHECK_CLOSE)] =
        p_year * (rate(level::DOB_CHECK_CLOSE) + rate(level::DOB_YEAR_CLOSE)) / 2.0;
    u[usize::from(level::DOB_YEAR_CLOSE)] = u[usize::from(level::DOB_CHECK_CLOSE)];
    u[usize::from(level::DOB_CHECK_SIMILAR)] =
        p_year * (rate(level::DOB_CHECK_SIMILAR) + rate(level::DOB_YEAR_SIMILAR)) / 2.0;
    u[usize::from(level::DOB_YEAR_SIMILAR)] = u[usize::from(level::DOB_CHECK_SIMILAR)];
    u
}

/// `u` of the DOB-salted fields from random (missing, roll) pairs of raw records with the roll
/// record moved to the missing record's date of birth: the textbook `u` ("how often do two
/// different children born on the same day have these names and sex?"), which encodings
/// cannot give because random pairs almost never share a DOB salt.
pub fn redated_u(run: &SyntheticRun, pairs: usize, seed: u64) -> [Vec<f64>; 5] {
    counterfactual_u(run, pairs, seed ^ 0xDA7E, |a, b| RawRecord {
        dob: a.dob.clone(),
        ..b
    })
}

/// Level frequencies of random (missing, roll) pairs of raw records with the roll record
/// given the missing record's identifiers (its own date of birth kept): how often two
/// *different* children holding the same identifier — a clerk typing a sibling's UPN, say —
/// have names that look alike under it. Only the identifier field is meaningful.
pub fn reidentified_u(run: &SyntheticRun, pairs: usize, seed: u64) -> [Vec<f64>; 5] {
    counterfactual_u(run, pairs, seed ^ 0x1D, |a, b| RawRecord {
        upn: a.upn.clone(),
        former_upn: a.former_upn.clone(),
        scn: a.scn.clone(),
        ppsn: a.ppsn.clone(),
        ni_pupil_id: a.ni_pupil_id.clone(),
        ..b
    })
}

/// Smoothed level frequencies of `pairs` random (missing, roll) pairs of raw records, the roll
/// record of each altered by `alter(missing, roll)` before both are encoded.
fn counterfactual_u(
    run: &SyntheticRun,
    pairs: usize,
    seed: u64,
    alter: impl Fn(&RawRecord, RawRecord) -> RawRecord,
) -> [Vec<f64>; 5] {
    use rand::{Rng, SeedableRng};
    let population = &run.raw;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut left = Vec::with_capacity(pairs);
    let mut right = Vec::with_capacity(pairs);
    for pair in 0..pairs {
        let a = RawRecord {
            record_id: Some(pair.to_string()),
            ..population.missing[rng.gen_range(0..population.missing.len())].clone()
        };
        let b = population.roll[rng.gen_range(0..population.roll.len())].clone();
        let b = RawRecord {
            record_id: a.record_id.clone(),
            ..alter(&a, b)
        };
        left.push(a);
        right.push(b);
    }
    let encoder = synthetic_encoder();
    let (l, r) = (
        encode_records(&left, &encoder, synthetic_today(), Policy::Pupil),
        encode_records(&right, &encoder, synthetic_today(), Policy::Pupil),
    );
    // A record that fails validation drops out of its side only: pair them up again by id.
    let right_of = r.positions();
    let (lp, rp) = (l.prepare(), r.prepare());
    crate::matcher::train::u_of_vectors(l.ids.iter().enumerate().filter_map(|(i, id)| {
        let j = *right_of.get(id.as_str())?;
        Some(crate::matcher::compare(&lp[i].view(), &rp[j].view()))
    }))
}

/// FEBRL4 encoded as two authorities would encode it: under the lenient policy, with
/// `soc_sec_id` as an opaque identifier (see [`crate::evaluate::febrl`]).
pub struct FebrlRun {
    /// `a.csv`, encoded.
    pub a: EncodedSet,
    /// `b.csv`, encoded.
    pub b: EncodedSet,
    /// `a` prepared for the matcher.
    pub left: Vec<Prepared>,
    /// `b` prepared for the matcher.
    pub right: Vec<Prepared>,
    /// The true pairs, by record id.
    pub truth: HashSet<(String, String)>,
}

impl FebrlRun {
    /// Reads and encodes `a.csv`, `b.csv` and `truth.csv` from `dir`.
    pub fn new(dir: &std::path::Path) -> Result<Self, FebrlError> {
        let secret =
            AgreementSecret::from_bytes("febrl4", 1, [0x4F; 32]).expect("a valid agreement id");
        let encoder = Encoder::new(&secret, LocalKey::from_bytes([1; 32]));
        let today = synthetic_today();
        let encode = |name: &str| -> Result<EncodedSet, FebrlError> {
            Ok(encode_records(
                &read_febrl(&dir.join(name))?,
                &encoder,
                today,
                Policy::Lenient,
            ))
        };
        let (a, b) = (encode("a.csv")?, encode("b.csv")?);
        let truth = read_truth(&dir.join("truth.csv"))?.into_iter().collect();
        let (left, right) = (a.prepare(), b.prepare());
        Ok(FebrlRun {
            a,
            b,
            left,
            right,
            truth,
        })
    }

    /// Every candidate pair scoring at least `floor`, one-to-one (FEBRL4 pairs every `a`
    /// record with exactly one `b` record).
    pub fn links(&self, model: &Model, floor: f64) -> Vec<Link> {
        self.links_of(model, floor, false)
    }

    /// As [`FebrlRun::links`], with every pair a candidate when `exhaustive` (as anonlink,
    /// whose reference figure compares all 25 million pairs).
    fn links_of(&self, model: &Model, floor: f64, exhaustive: bool) -> Vec<Link> {
        let config = LinkConfig {
            floor,
            exhaustive,
            ..LinkConfig::default()
        };
        let (links, _) = crate::matcher::link(&self.left, &self.right, model, &config, &|_| {});
        one_to_one(links, |_| ())
    }

    /// Whether a link is one of the true pairs.
    pub fn is_true(&self, link: &Link) -> bool {
        self.truth.contains(&(
            self.a.ids[link.left].clone(),
            self.b.ids[link.right].clone(),
        ))
    }

    /// Pairwise quality of the one-to-one links at the model's default threshold.
    pub fn quality(&self, model: &Model) -> Quality {
        let links = self.links(model, model.thresholds.suggest);
        let truth: HashSet<(&str, &str)> = self
            .truth
            .iter()
            .map(|(x, y)| (x.as_str(), y.as_str()))
            .collect();
        Quality::measure(
            links
                .iter()
                .map(|l| (self.a.ids[l.left].as_str(), self.b.ids[l.right].as_str())),
            &truth,
        )
    }
}

impl FebrlRun {
    /// The best F1 over thresholds and the threshold reaching it, as the published reference
    /// figures are reported (greedy one-to-one on descending probability, so thresholding
    /// after the assignment is the same as before it).
    pub fn best_f1(&self, model: &Model) -> (f64, Quality) {
        self.best_f1_of(model, false)
    }

    /// [`FebrlRun::best_f1`] over all pairs instead of the candidates blocking finds: what
    /// is left to lose is then only what the encodings cannot tell apart.
    pub fn best_f1_exhaustive(&self, model: &Model) -> (f64, Quality) {
        self.best_f1_of(model, true)
    }

    fn best_f1_of(&self, model: &Model, exhaustive: bool) -> (f64, Quality) {
        let mut links = self.links_of(model, 0.0, exhaustive);
        links.sort_by(|x, y| y.score.probability.total_cmp(&x.score.probability));
        let total = self.truth.len();
        let mut best = (
            1.0,
            Quality {
                true_positives: 0,
                false_positives: 0,
                false_negatives: total,
            },
        );
        let (mut tp, mut fp) = (0, 0);
        for (i, link) in links.iter().enumerate() {
            if self.is_true(link) {
                tp += 1;
            } else {
                fp += 1;
            }
            // Only a threshold between two distinct probabilities separates links.
            let next = links.get(i + 1).map(|l| l.score.probability);
            if next == Some(link.score.probability) {
                continue;
            }
            let quality = Quality {
                true_positives: tp,
                false_positives: fp,
                false_negatives: total - tp,
            };
            if quality.f1() > best.1.f1() {
                best = (link.score.probability, quality);
            }
        }
        best
    }
}

/// FEBRL4's pairwise quality at the model's default threshold (see [`FebrlRun`]).
pub fn febrl_quality(dir: &std::path::Path, model: &Model) -> Result<Quality, FebrlError> {
    Ok(FebrlRun::new(dir)?.quality(model))
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

#[cfg(test)]
mod joint_dob_tests {
    use super::*;
    use crate::matcher::compare::level;

    #[test]
    fn joint_dob_levels_are_factored_below_what_counting_random_pairs_could_show() {
        let run = SyntheticRun::new(&SynthConfig {
            seed: 31,
            pupils: 4_000,
            movers: 300,
            unmatched_missing: 30,
        });
        let pairs = 50_000;
        let u = joint_dob_u(&run, pairs, 7);
        let one_off = u[usize::from(level::DOB_ONE_OFF)];
        // A count of `pairs` random pairs cannot go below its pseudo-count of half a pair.
        let floor = 0.5 / pairs as f64;
        assert!(
            one_off > 0.0 && one_off < floor / 10.0,
            "one_off u {one_off}"
        );
        // Names close in the same year is rarer than the same year, and rarer than merely
        // similar names.
        let close = u[usize::from(level::DOB_CHECK_CLOSE)];
        let similar = u[usize::from(level::DOB_CHECK_SIMILAR)];
        assert!(close > 0.0 && close < 1.0 / 13.0, "close {close}");
        assert!(close <= similar, "close {close}, similar {similar}");
        assert_eq!(u, joint_dob_u(&run, pairs, 7), "reproducible from its seed");
    }
}
