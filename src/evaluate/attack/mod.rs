//! Attacks an honest-but-curious hub (or a thief of its database) could run on what it stores
//! (pprl notes §2.3), used to *show* that the protocol's encodings resist them while naive
//! encodings do not (the positive controls prove the harness can succeed).
//!
//! - [`rank_alignment`] and [`frequency_alignment`] (harness A): group identical encodings,
//!   rank the groups by size and assign them to the public frequency ranking of the values.
//! - [`bit_pattern`] (harness B, Christen et al. 2017): align the most frequent filters with the
//!   most frequent values, infer which bigrams can set each bit position, and decode every
//!   filter against a dictionary.
//! - [`population`]: the synthetic population and public tables the attacker holds.
//! - [`report`]: every attack against every stored column, for `pupilmatch bench attack` and
//!   the tests.

pub mod bit_pattern;
pub mod insider;
pub mod population;
pub mod report;

use std::collections::HashMap;
use std::hash::Hash;

/// The outcome of a rank-alignment attack.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AttackResult {
    /// Fraction of all records whose encoding was assigned its true value.
    pub record_reidentification: f64,
    /// Of the `top` largest groups, the fraction assigned their true value.
    pub top_value_precision: f64,
    /// Number of distinct encodings seen.
    pub distinct_encodings: usize,
}

/// Runs the rank-alignment attack on `column` (encoding, true value) with the attacker's public
/// ranking of values (most frequent first), scoring the `top` largest groups.
pub fn rank_alignment<E: Hash + Eq, V: Eq>(
    column: &[(E, V)],
    public_ranking: &[V],
    top: usize,
) -> AttackResult {
    let mut groups: HashMap<&E, Vec<&V>> = HashMap::new();
    for (encoding, value) in column {
        groups.entry(encoding).or_default().push(value);
    }
    let mut ranked: Vec<Vec<&V>> = groups.into_values().collect();
    // Largest first; ties broken by the group's first true value's rank would leak the truth,
    // so ties keep an arbitrary but deterministic order (by size only, stable).
    ranked.sort_by_key(|g| std::cmp::Reverse(g.len()));
    let distinct_encodings = ranked.len();
    let mut correct_records = 0usize;
    let mut correct_top = 0usize;
    for (i, (group, guess)) in ranked.iter().zip(public_ranking).enumerate() {
        let hits = group.iter().filter(|v| **v == guess).count();
        correct_records += hits;
        if i < top && hits * 2 > group.len() {
            correct_top += 1;
        }
    }
    AttackResult {
        record_reidentification: correct_records as f64 / column.len().max(1) as f64,
        top_value_precision: correct_top as f64 / top.min(distinct_encodings).max(1) as f64,
        distinct_encodings,
    }
}

/// Harness A against a column whose encodings are salted (by a date, a year…) so that one
/// value appears as up to `salts` distinct encodings: the attacker expects value `v` of public
/// probability `p` to form `salts · (1 − e^{−N·p/salts})` groups and assigns the largest groups
/// to the most frequent values in that proportion. `column` holds (encoding, true value);
/// `public` the public probabilities, most frequent first. The top-`top` precision is over the
/// groups assigned to the `top` most frequent values.
pub fn frequency_alignment<E: Hash + Eq, V: Eq + Hash>(
    column: &[(E, V)],
    public: &[(V, f64)],
    salts: u64,
    top: usize,
) -> AttackResult {
    let mut groups: HashMap<&E, (usize, Vec<&V>)> = HashMap::new();
    for (i, (encoding, value)) in column.iter().enumerate() {
        groups
            .entry(encoding)
            .or_insert_with(|| (i, Vec::new()))
            .1
            .push(value);
    }
    let distinct_encodings = groups.len();
    let mut ranked: Vec<(usize, Vec<&V>)> = groups.into_values().collect();
    // Largest first; equal sizes in order of first appearance (arbitrary, never the truth).
    ranked.sort_by_key(|(first, g)| (std::cmp::Reverse(g.len()), *first));
    let n = column.len() as f64;
    let salts = salts.max(1) as f64;
    let mut slots = public.iter().enumerate().flat_map(|(rank, (value, p))| {
        let expected = (salts * (1.0 - (-n * p / salts).exp())).round().max(1.0) as usize;
        std::iter::repeat_n((rank, value), expected)
    });
    let (mut correct_records, mut top_groups, mut top_correct) = (0usize, 0usize, 0usize);
    for (_, group) in &ranked {
        let Some((rank, guess)) = slots.next() else {
            break;
        };
        let hits = group.iter().filter(|v| **v == guess).count();
        correct_records += hits;
        if rank < top {
            top_groups += 1;
            top_correct += usize::from(hits * 2 > group.len());
        }
    }
    AttackResult {
        record_reidentification: correct_records as f64 / n.max(1.0),
        top_value_precision: top_correct as f64 / top_groups.max(1) as f64,
        distinct_encodings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deterministic_column_is_fully_reidentified_when_frequencies_are_distinct() {
        let column: Vec<(u8, &str)> = [(1, "amelia"); 5]
            .into_iter()
            .chain([(2, "olivia"); 3])
            .chain([(3, "isla"); 1])
            .collect();
        let result = rank_alignment(&column, &["amelia", "olivia", "isla"], 3);
        assert_eq!(result.record_reidentification, 1.0);
        assert_eq!(result.top_value_precision, 1.0);
    }

    #[test]
    fn salted_groups_of_a_frequent_value_are_all_assigned_to_it() {
        // "amelia" under 3 salts (groups of 6), "isla" under 3 salts (groups of 2).
        let column: Vec<((u8, u8), &str)> = (0..3u8)
            .flat_map(|salt| {
                std::iter::repeat_n(((salt, 0), "amelia"), 6)
                    .chain(std::iter::repeat_n(((salt, 1), "isla"), 2))
            })
            .collect();
        let public = [("amelia", 0.75), ("isla", 0.25)];
        let result = frequency_alignment(&column, &public, 3, 1);
        assert_eq!(result.record_reidentification, 1.0);
        assert_eq!(result.top_value_precision, 1.0);
        assert_eq!(result.distinct_encodings, 6);
    }

    #[test]
    fn unique_encodings_defeat_the_attack() {
        let column: Vec<(usize, &str)> = (0..100).map(|i| (i, "amelia")).collect();
        let result = rank_alignment(&column, &["amelia"], 10);
        assert!(result.record_reidentification <= 0.01);
    }
}
