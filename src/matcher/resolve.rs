//! Resolution: from scored pairs to decisions. A pair at or above the *suggest* threshold is
//! proposed to both authorities; between the *review floor* and that threshold it goes to a
//! review band a coordinator looks at; below the floor it is dropped. Optionally each record
//! takes part in at most one suggested link per pair of datasets (greedy 1-to-1 by
//! probability, deterministic on ties).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

/// Decision thresholds on the match probability.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// At or above: suggested as a match.
    pub suggest: f64,
    /// At or above (and below `suggest`): shown for review.
    pub review_floor: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            suggest: 0.9,
            review_floor: 0.5,
        }
    }
}

/// What happens to a scored pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Proposed to both authorities.
    Suggest,
    /// Shown to a coordinator for review.
    Review,
    /// Dropped.
    Reject,
}

impl Thresholds {
    /// The decision for a probability.
    pub fn decide(&self, probability: f64) -> Decision {
        if probability >= self.suggest {
            Decision::Suggest
        } else if probability >= self.review_floor {
            Decision::Review
        } else {
            Decision::Reject
        }
    }
}

/// Something with two sides, a group for each side and a probability: what 1-to-1 needs.
pub trait Pairing {
    /// The left record (index into the left input).
    fn left(&self) -> usize;
    /// The right record.
    fn right(&self) -> usize;
    /// The probability.
    fn probability(&self) -> f64;
}

/// Greedy 1-to-1 assignment: best pairs first (ties by left, then right), each left and each
/// right record used at most once within its pair of datasets (`group` names the datasets of
/// a pair, e.g. the two authorities). Returns the kept pairs in the same order as given.
pub fn one_to_one<P: Pairing, G: Eq + std::hash::Hash + Clone>(
    pairs: Vec<P>,
    group: impl Fn(&P) -> G,
) -> Vec<P> {
    let mut order: Vec<usize> = (0..pairs.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&pairs[a], &pairs[b]);
        y.probability()
            .total_cmp(&x.probability())
            .then(x.left().cmp(&y.left()))
            .then(x.right().cmp(&y.right()))
    });
    let mut used_left: HashSet<(G, usize)> = HashSet::new();
    let mut used_right: HashSet<(G, usize)> = HashSet::new();
    let mut keep = vec![false; pairs.len()];
    for i in order {
        let p = &pairs[i];
        let g = group(p);
        if used_left.contains(&(g.clone(), p.left()))
            || used_right.contains(&(g.clone(), p.right()))
        {
            continue;
        }
        used_left.insert((g.clone(), p.left()));
        used_right.insert((g, p.right()));
        keep[i] = true;
    }
    pairs
        .into_iter()
        .zip(keep)
        .filter_map(|(p, k)| k.then_some(p))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    struct P(usize, usize, f64);
    impl Pairing for P {
        fn left(&self) -> usize {
            self.0
        }
        fn right(&self) -> usize {
            self.1
        }
        fn probability(&self) -> f64 {
            self.2
        }
    }

    #[test]
    fn thresholds_split_suggest_review_and_reject() {
        let t = Thresholds::default();
        assert_eq!(t.decide(0.95), Decision::Suggest);
        assert_eq!(t.decide(0.7), Decision::Review);
        assert_eq!(t.decide(0.1), Decision::Reject);
    }

    #[test]
    fn one_to_one_keeps_the_best_pair_for_each_record() {
        let pairs = vec![P(0, 0, 0.9), P(0, 1, 0.99), P(1, 1, 0.95), P(1, 0, 0.8)];
        let kept = one_to_one(pairs, |_| ());
        assert_eq!(kept, vec![P(0, 1, 0.99), P(1, 0, 0.8)]);
    }

    #[test]
    fn one_to_one_is_per_pair_of_datasets() {
        let pairs = vec![P(0, 0, 0.9), P(0, 1, 0.99)];
        let kept = one_to_one(pairs, |p| p.1);
        assert_eq!(kept.len(), 2);
    }
}
