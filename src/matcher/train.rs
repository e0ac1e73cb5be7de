//! Estimating a model from data, as Splink does: `u` from random pairs (almost all of which
//! are non-matches), then `m` and the match share λ by expectation–maximisation over the
//! candidate pairs with `u` held fixed. Deterministic: pairs are sampled from a seeded
//! ChaCha stream and EM runs over the distinct comparison patterns in a fixed order.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::matcher::compact::Prepared;
use crate::matcher::compare::{compare, level, ComparisonVector, Field};
use crate::matcher::index::{Index, Slot};
use crate::matcher::model::{FieldModel, LevelModel, Model, ModelError, TrainingInfo};
use crate::matcher::resolve::Thresholds;

/// Training settings.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingConfig {
    /// Seed of the random pair sample.
    pub seed: u64,
    /// Random pairs for `u`.
    pub random_pairs: usize,
    /// EM iteration cap.
    pub max_iterations: u32,
    /// EM stops when no parameter moves by more than this.
    pub tolerance: f64,
    /// Describes the training data, for the model file.
    pub source: String,
    /// Smallest population probabilities are calibrated for.
    pub min_population: f64,
    /// Decision thresholds stored in the model.
    pub thresholds: Thresholds,
}

impl Default for TrainingConfig {
    fn default() -> Self {
        TrainingConfig {
            seed: 20_261_201,
            random_pairs: 1_000_000,
            max_iterations: 100,
            tolerance: 1e-6,
            source: "unspecified".into(),
            min_population: 100_000.0,
            thresholds: Thresholds::default(),
        }
    }
}

type Pattern = [Option<u8>; 5];

fn counts_per_level(patterns: &BTreeMap<Pattern, f64>) -> [Vec<f64>; 5] {
    let mut counts: [Vec<f64>; 5] = Field::ALL.map(|f| vec![0.0; f.levels().len()]);
    for (pattern, n) in patterns {
        for (i, level) in pattern.iter().enumerate() {
            if let Some(l) = level {
                counts[i][usize::from(*l)] += n;
            }
        }
    }
    counts
}

/// Normalises counts with a small pseudo-count so no level has probability 0.
fn smoothed(counts: &[f64], pseudo: f64) -> Vec<f64> {
    let total: f64 = counts.iter().sum::<f64>() + pseudo * counts.len() as f64;
    counts.iter().map(|c| (c + pseudo) / total).collect()
}

/// `u` per field and level from `pairs` random (left, right) pairs.
pub fn estimate_u(left: &[Prepared], right: &[Prepared], pairs: usize, seed: u64) -> [Vec<f64>; 5] {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let pairs = (0..pairs).map(|_| {
        let a = &left[rng.gen_range(0..left.len())];
        let b = &right[rng.gen_range(0..right.len())];
        compare(&a.view(), &b.view())
    });
    u_of_vectors(pairs)
}

/// Smoothed level frequencies of (non-matching) comparison vectors.
pub fn u_of_vectors(vectors: impl Iterator<Item = ComparisonVector>) -> [Vec<f64>; 5] {
    let mut patterns: BTreeMap<Pattern, f64> = BTreeMap::new();
    for v in vectors {
        let mut levels = v.levels;
        for field in [Field::Forename, Field::Surname] {
            if v.ambiguous & 1 << field as u8 != 0 {
                levels[field as usize] = Some(field.levels().len() as u8 - 1);
            }
        }
        *patterns.entry(levels).or_default() += 1.0;
    }
    let mut u = counts_per_level(&patterns).map(|c| smoothed(&c, 0.5));
    factor_check_byte(&mut u[Field::Dob as usize]);
    u
}

/// Splits the joint "names close / similar (same year)" DOB probabilities by the check byte's
/// overall agreement rate instead of counting each combination directly.
///
/// For non-matches the check byte is independent of the names, and "check agrees *and* names
/// close" is so rare among random pairs (~1 in 10⁸) that a direct count is nearly always zero
/// and the level's `u` would be set by the pseudo-count, understating the evidence of a
/// misspelling that changes a Soundex code by several bits.
fn factor_check_byte(dob: &mut [f64]) {
    // Observed rates of the check byte agreeing (the pseudo-counts of the two rare joint levels
    // are negligible beside the plain "check agrees" level).
    let snapshot = dob.to_vec();
    let n = |l: u8| snapshot[usize::from(l)];
    let with_check = n(level::DOB_CHECK_CLOSE) + n(level::DOB_CHECK_SIMILAR) + n(level::DOB_CHECK);
    let without_check =
        n(level::DOB_YEAR_CLOSE) + n(level::DOB_YEAR_SIMILAR) + n(level::DOB_DISAGREE);
    let total = with_check + without_check;
    if total == 0.0 {
        return;
    }
    let p_check = with_check / total;
    for (check, year) in [
        (level::DOB_CHECK_CLOSE, level::DOB_YEAR_CLOSE),
        (level::DOB_CHECK_SIMILAR, level::DOB_YEAR_SIMILAR),
    ] {
        let both = n(check) + n(year);
        dob[usize::from(check)] = both * p_check;
        dob[usize::from(year)] = both * (1.0 - p_check);
    }
}

/// The DOB levels that see the names with a partly agreeing date: too rare among random pairs
/// to count, so [`train`] takes their `u` from its `salted_u` (factored estimates, see
/// `evaluate::pipeline::joint_dob_u`, or a previous model's).
pub const JOINT_DOB_LEVELS: [u8; 5] = [
    level::DOB_ONE_OFF,
    level::DOB_CHECK_CLOSE,
    level::DOB_YEAR_CLOSE,
    level::DOB_CHECK_SIMILAR,
    level::DOB_YEAR_SIMILAR,
];

/// Puts `given`'s [`JOINT_DOB_LEVELS`] into `dob`, split by the check byte's rate, keeping the
/// levels a probability distribution (the difference goes to `disagree`).
fn replace_joint_dob_levels(dob: &mut [f64], given: &[f64]) {
    if given.len() != dob.len() {
        return;
    }
    for l in JOINT_DOB_LEVELS {
        dob[usize::from(l)] = given[usize::from(l)];
    }
    factor_check_byte(dob);
    let others: f64 = dob
        .iter()
        .enumerate()
        .filter(|(l, _)| *l != usize::from(level::DOB_DISAGREE))
        .map(|(_, p)| p)
        .sum();
    dob[usize::from(level::DOB_DISAGREE)] = 1.0 - others;
}

/// Puts the identifier's agreement levels on a conditional footing: plain `agree` keeps the
/// whole probability of the identifier agreeing, and each `agree_names_*` level becomes that
/// probability times the level's share among the `agree_names_*` levels in `shares`.
///
/// The `agree_names_*` levels occur only when no date-of-birth encoding let the names be
/// compared, which the DOB level already scores; counted jointly they would charge that
/// rarity twice. As conditional levels they score only what the identifier-salted filter
/// adds: how alike the names are, given that the identifier agrees. For `u` the shares come
/// from different children given the same identifier (`evaluate::pipeline::reidentified_u`)
/// or a previous model, since random pairs almost never share one; for `m`, from the
/// estimate itself.
pub fn condition_identifier_agreement(probabilities: &mut [f64], shares: &[f64]) {
    let (agree, differ) = (
        usize::from(level::ID_AGREE),
        usize::from(level::ID_AGREE_NAMES_DIFFER),
    );
    if probabilities.len() != shares.len() || probabilities.len() <= differ {
        return;
    }
    let total: f64 = probabilities[agree..=differ].iter().sum();
    let share_total: f64 = shares[agree + 1..=differ].iter().sum();
    if share_total <= 0.0 {
        return;
    }
    probabilities[agree] = total;
    for l in agree + 1..=differ {
        probabilities[l] = total * shares[l] / share_total;
    }
}

/// The outcome of EM.
#[derive(Debug, Clone, PartialEq)]
pub struct EmResult {
    /// `m` per field and level.
    pub m: [Vec<f64>; 5],
    /// Share of matches among the pairs.
    pub lambda: f64,
    /// Iterations run.
    pub iterations: u32,
    /// Whether the tolerance was reached.
    pub converged: bool,
}

/// Whether a vector says anything beyond its date level: a pair found only through the names
/// filter with different dates has no comparable name or sex field, and EM cannot tell such
/// pairs apart (they would form a "same surname, same year" class of their own).
fn informative(v: &ComparisonVector) -> bool {
    matches!(v.levels[0], Some(l) if l < crate::matcher::compare::level::ID_DISAGREE)
        || v.levels[2..].iter().any(Option::is_some)
}

/// `m` by EM over the informative candidate comparison vectors, with `u` and the prior share of matches
/// `lambda` fixed (each left record has at most one match, so λ is at most left records /
/// candidates; letting EM move it lets a "same name, same year" class swallow the matches),
/// starting from
/// `initial` (EM finds the optimum nearest its start, so start from a sensible model: a
/// start with uniform `m` can converge on "same name" instead of "same child").
pub fn estimate_m(
    vectors: &[ComparisonVector],
    u: &[Vec<f64>; 5],
    initial: &[Vec<f64>; 5],
    lambda: f64,
    max_iterations: u32,
    tolerance: f64,
) -> EmResult {
    let mut patterns: BTreeMap<Pattern, f64> = BTreeMap::new();
    for v in vectors.iter().filter(|v| informative(v)) {
        *patterns.entry(v.levels).or_default() += 1.0;
    }
    let total: f64 = patterns.values().sum();
    let mut m: [Vec<f64>; 5] = initial.clone();
    let mut iterations = 0;
    let mut converged = false;
    let mut estimated_lambda = lambda;
    while iterations < max_iterations {
        iterations += 1;
        let mut expected: BTreeMap<Pattern, f64> = BTreeMap::new();
        let mut matches = 0.0;
        for (pattern, n) in &patterns {
            let (mut pm, mut pu) = (lambda, 1.0 - lambda);
            for (i, level) in pattern.iter().enumerate() {
                // Candidates share a date-bearing key by construction, so the date is not
                // evidence within them (Splink leaves blocking fields out of the E-step);
                // its m is still estimated from the posteriors in the M-step.
                if i == Field::Dob as usize {
                    continue;
                }
                if let Some(l) = level {
                    pm *= m[i][usize::from(*l)];
                    pu *= u[i][usize::from(*l)];
                }
            }
            let p = pm / (pm + pu);
            matches += p * n;
            expected.insert(*pattern, p * n);
        }
        let new_m = counts_per_level(&expected).map(|c| smoothed(&c, 1e-3));
        let moved = m
            .iter()
            .zip(&new_m)
            .flat_map(|(a, b)| a.iter().zip(b).map(|(x, y)| (x - y).abs()))
            .fold(0.0, f64::max);
        m = new_m;
        estimated_lambda = matches / total.max(1.0);
        if moved < tolerance {
            converged = true;
            break;
        }
    }
    EmResult {
        m,
        lambda: estimated_lambda,
        iterations,
        converged,
    }
}

/// How many other records of one dataset show the sibling pattern, per record: pairs within
/// a (deduplicated) roll are all different children.
pub fn sibling_rate(records: &[Prepared], index: &Index) -> f64 {
    let mut slots = Vec::new();
    let mut tokens = Vec::new();
    let mut count = 0usize;
    for (i, r) in records.iter().enumerate() {
        index.candidates(r, &mut slots);
        for &s in &slots {
            if s as usize != i
                && compare(&r.view(), &index.view(s as Slot, &mut tokens)).sibling_pattern()
            {
                count += 1;
            }
        }
    }
    count as f64 / records.len().max(1) as f64
}

/// The fields whose comparison needs the DOB salts to agree (the field filters and the sex
/// check are salted by it): random pairs almost never share a salt, so their `u` cannot be
/// estimated from random pairs of encodings. It comes from `salted_u` instead.
pub const SALTED_FIELDS: [Field; 3] = [Field::Forename, Field::Surname, Field::Sex];

/// The `m` and `u` of a model, per field and level.
pub fn parameters(model: &Model) -> ([Vec<f64>; 5], [Vec<f64>; 5]) {
    let get = |f: fn(&crate::matcher::model::LevelModel) -> f64| {
        Field::ALL.map(|field| model.fields[field as usize].levels.iter().map(f).collect())
    };
    (get(|l| l.m), get(|l| l.u))
}

/// Where `m` comes from.
#[derive(Debug, Clone, Copy)]
pub enum MSource<'a> {
    /// The comparison vectors of known true pairs (labelled synthetic data): `m` is their
    /// level frequencies.
    Labelled(&'a [ComparisonVector]),
    /// EM over the candidate vectors starting from a model's `m`.
    Em(&'a Model),
}

/// `m` as the smoothed level frequencies of true pairs.
pub fn m_of_true_pairs(vectors: &[ComparisonVector]) -> [Vec<f64>; 5] {
    let mut patterns: BTreeMap<Pattern, f64> = BTreeMap::new();
    for v in vectors {
        *patterns.entry(v.levels).or_default() += 1.0;
    }
    counts_per_level(&patterns).map(|c| smoothed(&c, 0.5))
}

/// Trains a model: `u` from random left × right pairs (for [`SALTED_FIELDS`] and the
/// [`JOINT_DOB_LEVELS`], from `salted_u`: pairs put on the same date of birth, factored
/// estimates, or a previous model), `m` from `m_source`, the sibling rate within `right`
/// (indexed in `right_index`, slot = position).
#[allow(clippy::too_many_arguments)]
pub fn train(
    left: &[Prepared],
    right: &[Prepared],
    right_index: &Index,
    candidates: &[ComparisonVector],
    salted_u: &[Vec<f64>; 5],
    m_source: MSource<'_>,
    config: &TrainingConfig,
) -> Result<Model, ModelError> {
    if left.is_empty() || right.is_empty() {
        return Err(ModelError::Invalid(
            "training needs records on both sides".into(),
        ));
    }
    let mut u = estimate_u(left, right, config.random_pairs, config.seed);
    for field in SALTED_FIELDS {
        u[field as usize] = salted_u[field as usize].clone();
    }
    replace_joint_dob_levels(&mut u[Field::Dob as usize], &salted_u[Field::Dob as usize]);
    let id = Field::Identifier as usize;
    condition_identifier_agreement(&mut u[id], &salted_u[id]);
    let em = match m_source {
        MSource::Labelled(true_pairs) => EmResult {
            m: m_of_true_pairs(true_pairs),
            lambda: true_pairs.len() as f64 / candidates.len().max(1) as f64,
            iterations: 0,
            converged: true,
        },
        MSource::Em(start) => {
            let (initial, _) = parameters(start);
            let used = candidates.iter().filter(|v| informative(v)).count();
            let lambda = (left.len().min(right.len()) as f64 / used.max(1) as f64).min(0.5);
            estimate_m(
                candidates,
                &u,
                &initial,
                lambda,
                config.max_iterations,
                config.tolerance,
            )
        }
    };
    let mut em = em;
    let m_shares = em.m[id].clone();
    condition_identifier_agreement(&mut em.m[id], &m_shares);
    let fields = Field::ALL
        .iter()
        .enumerate()
        .map(|(i, &field)| FieldModel {
            field,
            levels: field
                .levels()
                .iter()
                .enumerate()
                .map(|(l, (label, _))| LevelModel {
                    level: label.to_string(),
                    m: round_sig(em.m[i][l]),
                    u: round_sig(u[i][l]),
                })
                .collect(),
        })
        .collect();
    let training = TrainingInfo {
        source: config.source.clone(),
        seed: config.seed,
        random_pairs: config.random_pairs as u64,
        candidate_pairs: candidates.len() as u64,
        em_iterations: em.iterations,
        converged: em.converged,
        lambda: round_sig(em.lambda),
    };
    let rate = round_sig(sibling_rate(right, right_index).max(1e-3));
    Model::new(
        training,
        fields,
        rate,
        config.min_population,
        config.thresholds,
    )
}

/// Trains a model on an operator's own encoded records, without labels: the candidate pairs
/// the shipped model's blocking finds, `u` from random pairs (the DOB-salted fields keep the
/// shipped model's `u`, which encodings cannot show), `m` by EM starting from the shipped model.
/// `pupilmatch train --left --right` runs this; so does the FEBRL4 figure of `bench matcher`.
pub fn train_on_encodings(
    left: &[Prepared],
    right: &[Prepared],
    config: &TrainingConfig,
) -> Result<Model, ModelError> {
    use crate::matcher::link::{build_index, link_with_index, LinkConfig};
    let shipped = Model::default_model();
    let index = build_index(right, Default::default());
    let link_config = LinkConfig {
        floor: 0.0,
        ..LinkConfig::default()
    };
    let (candidates, _) = link_with_index(left, &index, shipped, &link_config, &|_| {});
    let vectors: Vec<ComparisonVector> = candidates.iter().map(|c| c.vector).collect();
    let (_, shipped_u) = parameters(shipped);
    train(
        left,
        right,
        &index,
        &vectors,
        &shipped_u,
        MSource::Em(shipped),
        config,
    )
}

/// Six significant digits: model files stay readable and diff well.
fn round_sig(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let digits = 6 - x.abs().log10().ceil() as i32;
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifier_agreement_levels_become_shares_of_the_whole_agreement() {
        let mut u = vec![0.004, 0.003, 0.002, 0.001, 0.99];
        condition_identifier_agreement(&mut u, &[0.5, 0.1, 0.1, 0.3, 123.0]);
        let expected = [0.01, 0.002, 0.002, 0.006, 0.99];
        for (got, want) in u.iter().zip(expected) {
            assert!((got - want).abs() < 1e-12, "{u:?}");
        }
    }

    #[test]
    fn joint_dob_levels_are_taken_from_the_given_estimates_and_the_rest_still_sums_to_one() {
        let n = Field::Dob.levels().len();
        // Counted: the joint levels at the pseudo-count, the check byte agreeing 1 in 256.
        let mut dob = vec![1e-7; n];
        dob[usize::from(level::DOB_EXACT)] = 1e-4;
        dob[usize::from(level::DOB_CHECK)] = 1.0 / 256.0;
        dob[usize::from(level::DOB_DISAGREE)] = 1.0 - 1.0 / 256.0 - 1e-4 - 1e-7 * (n - 3) as f64;
        let mut given = vec![0.5; n];
        given[usize::from(level::DOB_ONE_OFF)] = 3e-11;
        for (check, year) in [
            (level::DOB_CHECK_CLOSE, level::DOB_YEAR_CLOSE),
            (level::DOB_CHECK_SIMILAR, level::DOB_YEAR_SIMILAR),
        ] {
            given[usize::from(check)] = 2e-9;
            given[usize::from(year)] = 2e-9;
        }
        replace_joint_dob_levels(&mut dob, &given);
        assert_eq!(dob[usize::from(level::DOB_ONE_OFF)], 3e-11);
        // 4e-9 in all for "names close", split by the check byte's rate.
        let check = dob[usize::from(level::DOB_CHECK_CLOSE)];
        let year = dob[usize::from(level::DOB_YEAR_CLOSE)];
        assert!((check + year - 4e-9).abs() < 1e-15, "{check} + {year}");
        assert!(
            (check / (check + year) - 1.0 / 256.0).abs() < 1e-3,
            "{check}"
        );
        assert_eq!(
            dob[usize::from(level::DOB_EXACT)],
            1e-4,
            "other levels untouched"
        );
        assert!((dob.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn significant_digits_are_kept() {
        assert_eq!(round_sig(0.000_123_456_789), 0.000_123_457);
        assert_eq!(round_sig(12.345_678_9), 12.345_7);
    }
}
