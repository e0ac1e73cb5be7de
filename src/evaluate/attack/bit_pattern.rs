//! Harness B: the bit-position frequency attack on Bloom filters (Christen, Schnell, Vatsalan
//! and Ranbaduge, PAKDD 2017; pprl notes §2.3), needing no key and no encoding parameters.
//!
//! 1. Group identical filters, rank them by size and align the `n` largest with the `n` most
//!    frequent public values.
//! 2. For each bit position `p`, the candidate features are those of aligned values whose
//!    filter has `p` set and of no aligned value whose filter has `p` clear. For each feature
//!    seen in at least [`MIN_SUPPORT`] aligned values, its positions are the intersection of
//!    the set bits of their filters.
//! 3. Decode every filter against the dictionary: a value is rejected when a set bit has
//!    candidate features none of which the value has, or when the value has a feature whose
//!    known positions the filter does not all have.
//! 4. A filter with exactly one surviving value is an *exact* re-identification.
//!
//! The attacker tries several `n` and, generously, is credited with the best.

use std::collections::HashMap;
use std::hash::Hash;

/// A feature must be seen in this many aligned values before its positions are trusted.
pub const MIN_SUPPORT: usize = 3;

/// The alignment sizes the attacker tries.
pub const ALIGNMENTS: [usize; 4] = [10, 25, 50, 100];

/// The outcome of the attack (for the best alignment size).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BitPatternResult {
    /// Aligned pairs used.
    pub aligned: usize,
    /// Records whose filter decoded to exactly their true value.
    pub exact_correct: usize,
    /// Records whose filter decoded to exactly one wrong value.
    pub exact_wrong: usize,
    /// Records with several candidates including the true value.
    pub potential: usize,
    /// Records considered.
    pub records: usize,
    /// Of the ten most frequent values, the share exactly re-identified for most of their
    /// records.
    pub top10_values: f64,
}

impl BitPatternResult {
    /// Exact correct re-identifications as a share of all records.
    pub fn exact_rate(&self) -> f64 {
        self.exact_correct as f64 / self.records.max(1) as f64
    }

    /// Exact correct / all exact decodings.
    pub fn exact_precision(&self) -> f64 {
        self.exact_correct as f64 / (self.exact_correct + self.exact_wrong).max(1) as f64
    }
}

/// A fixed-size bitset of `len` bits.
#[derive(Clone)]
struct Bits(Vec<u64>);

impl Bits {
    fn zeros(len: usize) -> Self {
        Bits(vec![0; len.div_ceil(64)])
    }
    fn ones(len: usize) -> Self {
        let mut bits = Bits(vec![u64::MAX; len.div_ceil(64)]);
        if len % 64 != 0 {
            *bits.0.last_mut().expect("non-empty") = (1u64 << (len % 64)) - 1;
        }
        bits
    }
    fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    fn get(&self, i: usize) -> bool {
        self.0[i / 64] >> (i % 64) & 1 == 1
    }
    fn or(&mut self, other: &Bits) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a |= b);
    }
    fn and(&mut self, other: &Bits) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a &= b);
    }
    fn and_not(&mut self, other: &Bits) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a &= !b);
    }
    fn intersects(&self, other: &Bits) -> bool {
        self.0.iter().zip(&other.0).any(|(a, b)| a & b != 0)
    }
    fn count(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }
    fn first(&self) -> Option<usize> {
        self.0
            .iter()
            .enumerate()
            .find(|(_, w)| **w != 0)
            .map(|(i, w)| i * 64 + w.trailing_zeros() as usize)
    }
    fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }
}

/// The attacker's dictionary: values in public frequency order with their features (e.g. the
/// padded bigrams of a name).
pub struct Dictionary<V> {
    values: Vec<V>,
    /// Per value, its features as a bitset over all features.
    features: Vec<Bits>,
    n_features: usize,
}

impl<V: Eq + Hash + Clone> Dictionary<V> {
    /// Builds a dictionary from (value, features), most frequent first.
    pub fn new(entries: Vec<(V, Vec<Vec<u8>>)>) -> Self {
        let mut ids: HashMap<Vec<u8>, usize> = HashMap::new();
        let interned: Vec<(V, Vec<usize>)> = entries
            .into_iter()
            .map(|(value, features)| {
                let f = features
                    .into_iter()
                    .map(|g| {
                        let n = ids.len();
                        *ids.entry(g).or_insert(n)
                    })
                    .collect();
                (value, f)
            })
            .collect();
        let n_features = ids.len();
        let (values, features) = interned
            .into_iter()
            .map(|(v, f)| {
                let mut bits = Bits::zeros(n_features);
                f.into_iter().for_each(|i| bits.set(i));
                (v, bits)
            })
            .unzip();
        Dictionary {
            values,
            features,
            n_features,
        }
    }

    /// Values in the dictionary.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// Runs the attack on `column` (filter words of `bits` bits, true value), trying each of
/// [`ALIGNMENTS`], and returns the best result for the attacker.
pub fn attack<V: Eq + Hash + Clone>(
    column: &[(Vec<u64>, V)],
    bits: usize,
    dictionary: &Dictionary<V>,
) -> BitPatternResult {
    let mut groups: HashMap<&[u64], (usize, Vec<&V>)> = HashMap::new();
    for (i, (filter, value)) in column.iter().enumerate() {
        groups
            .entry(filter.as_slice())
            .or_insert_with(|| (i, Vec::new()))
            .1
            .push(value);
    }
    let mut ranked: Vec<(&[u64], usize, Vec<&V>)> = groups
        .into_iter()
        .map(|(filter, (first, values))| (filter, first, values))
        .collect();
    ranked.sort_by_key(|(_, first, values)| (std::cmp::Reverse(values.len()), *first));
    ALIGNMENTS
        .iter()
        .map(|&n| n.min(ranked.len()).min(dictionary.len()))
        .filter(|&n| n > 0)
        .map(|n| run(&ranked, column.len(), bits, dictionary, n))
        .max_by_key(|r| (r.exact_correct, std::cmp::Reverse(r.aligned)))
        .unwrap_or(BitPatternResult {
            aligned: 0,
            exact_correct: 0,
            exact_wrong: 0,
            potential: 0,
            records: column.len(),
            top10_values: 0.0,
        })
}

fn bit_of(filter: &[u64], p: usize) -> bool {
    filter[p / 64] >> (p % 64) & 1 == 1
}

fn run<V: Eq + Hash + Clone>(
    ranked: &[(&[u64], usize, Vec<&V>)],
    records: usize,
    bits: usize,
    dictionary: &Dictionary<V>,
    n: usize,
) -> BitPatternResult {
    let (m, nf) = (dictionary.len(), dictionary.n_features);
    // Step 2: candidate features per position, and trusted positions per feature.
    let mut positive = vec![Bits::zeros(nf); bits];
    let mut negative = vec![Bits::zeros(nf); bits];
    let mut positions: Vec<Option<Bits>> = vec![None; nf];
    let mut support = vec![0usize; nf];
    for (i, (filter, _, _)) in ranked.iter().take(n).enumerate() {
        let features = &dictionary.features[i];
        for p in 0..bits {
            if bit_of(filter, p) {
                positive[p].or(features);
            } else {
                negative[p].or(features);
            }
        }
        let mut set = Bits::zeros(bits);
        (0..bits)
            .filter(|&p| bit_of(filter, p))
            .for_each(|p| set.set(p));
        for g in (0..nf).filter(|&g| features.get(g)) {
            support[g] += 1;
            match &mut positions[g] {
                Some(known) => known.and(&set),
                slot => *slot = Some(set.clone()),
            }
        }
    }
    // Per position: the values compatible with a set bit, and the values that need the bit.
    let mut compatible: Vec<Option<Bits>> = vec![None; bits];
    let mut required = vec![Bits::zeros(m); bits];
    for p in 0..bits {
        let mut candidates = positive[p].clone();
        candidates.and_not(&negative[p]);
        if !candidates.is_empty() {
            let mut values = Bits::zeros(m);
            (0..m)
                .filter(|&v| dictionary.features[v].intersects(&candidates))
                .for_each(|v| values.set(v));
            compatible[p] = Some(values);
        }
    }
    for (g, known) in positions.iter().enumerate() {
        let Some(known) = known.as_ref().filter(|_| support[g] >= MIN_SUPPORT) else {
            continue;
        };
        for v in (0..m).filter(|&v| dictionary.features[v].get(g)) {
            (0..bits)
                .filter(|&p| known.get(p))
                .for_each(|p| required[p].set(v));
        }
    }
    // Steps 3 and 4: decode every distinct filter.
    let index: HashMap<&V, usize> = dictionary
        .values
        .iter()
        .enumerate()
        .map(|(i, v)| (v, i))
        .collect();
    let mut exact_by_value = vec![0usize; m.min(10)];
    let mut records_by_value = vec![0usize; m.min(10)];
    let (mut exact_correct, mut exact_wrong, mut potential) = (0, 0, 0);
    for (filter, _, truths) in ranked {
        let mut candidates = Bits::ones(m);
        for p in 0..bits {
            if bit_of(filter, p) {
                if let Some(values) = &compatible[p] {
                    candidates.and(values);
                }
            } else {
                candidates.and_not(&required[p]);
            }
        }
        let count = candidates.count();
        for truth in truths {
            let truth = index.get(truth).copied();
            if let Some(t) = truth.filter(|t| *t < 10) {
                records_by_value[t] += 1;
            }
            match (count, truth) {
                (1, Some(t)) if candidates.first() == Some(t) => {
                    exact_correct += 1;
                    if t < 10 {
                        exact_by_value[t] += 1;
                    }
                }
                (1, _) => exact_wrong += 1,
                (c, Some(t)) if c > 1 && candidates.get(t) => potential += 1,
                _ => {}
            }
        }
    }
    let top10 = exact_by_value
        .iter()
        .zip(&records_by_value)
        .filter(|(e, r)| **r > 0 && **e * 2 > **r)
        .count();
    BitPatternResult {
        aligned: n,
        exact_correct,
        exact_wrong,
        potential,
        records,
        top10_values: top10 as f64 / m.clamp(1, 10) as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features(name: &str) -> Vec<Vec<u8>> {
        crate::encode::bloom::bigrams(name)
            .into_iter()
            .map(String::into_bytes)
            .collect()
    }

    /// A toy unkeyed filter: each bigram sets bits chosen by a hash of the salt and bigram.
    fn toy_filter(name: &str, salt: u64) -> Vec<u64> {
        let mut words = vec![0u64; 4];
        for g in features(name) {
            let h = g.iter().fold(1469598103934665603u64 ^ salt, |h, b| {
                (h ^ u64::from(*b)).wrapping_mul(1099511628211)
            });
            for i in 0..3 {
                let p = ((h >> (i * 16)) % 256) as usize;
                words[p / 64] |= 1 << (p % 64);
            }
        }
        words
    }

    const NAMES: [&str; 14] = [
        "oliver", "olivia", "amelia", "george", "isla", "noah", "harry", "jack", "lily", "grace",
        "ava", "leo", "mia", "ivy",
    ];

    #[test]
    fn unsalted_filters_with_distinct_frequencies_are_decoded() {
        let column: Vec<(Vec<u64>, &str)> = NAMES
            .iter()
            .enumerate()
            .flat_map(|(rank, name)| std::iter::repeat_n((toy_filter(name, 0), *name), 40 - rank))
            .collect();
        let dictionary = Dictionary::new(NAMES.iter().map(|n| (*n, features(n))).collect());
        let result = attack(&column, 256, &dictionary);
        assert!(result.exact_rate() > 0.5, "{result:?}");
        assert!(result.exact_precision() > 0.9, "{result:?}");
    }

    #[test]
    fn filters_that_are_all_distinct_give_the_attack_nothing_to_align() {
        // Each record salted differently: no filter repeats, alignment is arbitrary.
        let column: Vec<(Vec<u64>, &str)> = (0..400u64)
            .map(|i| {
                let name = NAMES[i as usize % NAMES.len()];
                (
                    toy_filter(name, i.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
                    name,
                )
            })
            .collect();
        let dictionary = Dictionary::new(NAMES.iter().map(|n| (*n, features(n))).collect());
        let result = attack(&column, 256, &dictionary);
        assert!(result.exact_rate() < 0.05, "{result:?}");
    }
}
