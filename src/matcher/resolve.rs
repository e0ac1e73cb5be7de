//! Resolution: from scored pairs to decisions. A pair at or above the *suggest* threshold is
//! proposed to both authorities; between the *review floor* and that threshold it goes to a
//! review band a coordinator looks at; below the floor it is dropped.
//!
//! A missing child is one child: [`best_links`] keeps each record's best link over every
//! authority at once (greedy 1-to-1 by match weight, which does not saturate as the
//! probability does), flags a link whose runner-up comes within [`AMBIGUITY_MARGIN`] and hands
//! the runner-up back for review. [`one_to_one`] is the same assignment within groups (e.g.
//! per pair of authorities).

use std::collections::{HashMap, HashSet};

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

/// Something with two sides and a match weight: what 1-to-1 needs.
pub trait Pairing {
    /// The left record (index into the left input).
    fn left(&self) -> usize;
    /// The right record.
    fn right(&self) -> usize;
    /// The match weight (log2 odds); orders pairs where probabilities saturate at 1.
    fn weight(&self) -> f64;
}

/// The indices of `pairs`, best weight first, ties by left then right record (deterministic).
fn best_first<P: Pairing>(pairs: &[P]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..pairs.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&pairs[a], &pairs[b]);
        y.weight()
            .total_cmp(&x.weight())
            .then(x.left().cmp(&y.left()))
            .then(x.right().cmp(&y.right()))
    });
    order
}

/// A kept link is *ambiguous* when a competing pair (sharing its left or its right record)
/// comes within this many bits of match weight: odds of less than 4 to 1 between the two.
pub const AMBIGUITY_MARGIN: f64 = 2.0;

/// Where a pair stands among the pairs that compete for one of its records (the same missing
/// child proposed with several roll records, in any authority): the words `link` writes in its
/// `status` column and the hub gives each candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Ahead of every competitor by at least [`AMBIGUITY_MARGIN`], or without one.
    Best,
    /// Ahead, or level, but by less than [`AMBIGUITY_MARGIN`]: rule the others out first.
    Ambiguous,
    /// Behind a competitor.
    RunnerUp,
}

impl Standing {
    /// The standing of a pair of match weight `weight` whose best competitor has
    /// `best_competitor` (`None`: it has none).
    ///
    /// ```
    /// use pupilmatch::matcher::resolve::Standing;
    /// assert_eq!(Standing::of(30.0, None), Standing::Best);
    /// assert_eq!(Standing::of(30.0, Some(20.0)), Standing::Best);
    /// assert_eq!(Standing::of(30.0, Some(29.0)), Standing::Ambiguous);
    /// assert_eq!(Standing::of(30.0, Some(30.0)), Standing::Ambiguous);
    /// assert_eq!(Standing::of(29.0, Some(30.0)), Standing::RunnerUp);
    /// ```
    pub fn of(weight: f64, best_competitor: Option<f64>) -> Standing {
        match best_competitor {
            None => Standing::Best,
            Some(other) if weight < other => Standing::RunnerUp,
            Some(other) if weight - other < AMBIGUITY_MARGIN => Standing::Ambiguous,
            Some(_) => Standing::Best,
        }
    }

    /// The standing's wire name: `best`, `ambiguous` or `runner_up`.
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Best => "best",
            Standing::Ambiguous => "ambiguous",
            Standing::RunnerUp => "runner_up",
        }
    }
}

/// A link kept by [`best_links`].
#[derive(Debug, Clone, PartialEq)]
pub struct BestLink<P> {
    /// The pair.
    pub pair: P,
    /// Whether a competing pair came within [`AMBIGUITY_MARGIN`] of its weight.
    pub ambiguous: bool,
}

/// What [`best_links`] made of the scored pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolution<P> {
    /// Each record in at most one link, best weight first.
    pub links: Vec<BestLink<P>>,
    /// The best competitor of each ambiguous link (a pair losing only by less than the margin),
    /// best weight first: what a coordinator must rule out before acting on that link.
    pub runners_up: Vec<P>,
}

/// Global greedy 1-to-1 assignment by match weight: best pairs first, each left and each right
/// record in at most one link, whatever authority holds it (a missing child is one child).
/// A displaced pair within [`AMBIGUITY_MARGIN`] of the link that displaced it makes that link
/// ambiguous and becomes its runner-up.
pub fn best_links<P: Pairing>(pairs: Vec<P>) -> Resolution<P> {
    let order = best_first(&pairs);
    // For each record side, the position in `links` of the link that holds it.
    let mut left_link: HashMap<usize, usize> = HashMap::new();
    let mut right_link: HashMap<usize, usize> = HashMap::new();
    let mut kept: Vec<(usize, f64)> = Vec::new();
    let mut runner_up: Vec<Option<usize>> = Vec::new();
    for i in order {
        let p = &pairs[i];
        let holders = [left_link.get(&p.left()), right_link.get(&p.right())];
        if holders.iter().all(Option::is_none) {
            left_link.insert(p.left(), kept.len());
            right_link.insert(p.right(), kept.len());
            kept.push((i, p.weight()));
            runner_up.push(None);
            continue;
        }
        for &k in holders.into_iter().flatten() {
            if runner_up[k].is_none() && kept[k].1 - p.weight() < AMBIGUITY_MARGIN {
                runner_up[k] = Some(i);
            }
        }
    }
    let mut slots: Vec<Option<P>> = pairs.into_iter().map(Some).collect();
    let mut runners_up = Vec::new();
    let mut links = Vec::with_capacity(kept.len());
    for (&(i, _), second) in kept.iter().zip(&runner_up) {
        let pair = slots[i].take().expect("a pair is kept once");
        links.push(BestLink {
            pair,
            ambiguous: second.is_some(),
        });
    }
    let mut seconds: Vec<usize> = runner_up.into_iter().flatten().collect();
    seconds.sort_unstable();
    seconds.dedup();
    let mut seconds: Vec<P> = seconds
        .into_iter()
        .filter_map(|i| slots[i].take())
        .collect();
    seconds.sort_by(|x, y| y.weight().total_cmp(&x.weight()));
    runners_up.append(&mut seconds);
    Resolution { links, runners_up }
}

/// Greedy 1-to-1 assignment: best pairs first (by weight, ties by left, then right), each left
/// and each right record used at most once within its group (`group` names the datasets of a
/// pair, e.g. the two authorities). Returns the kept pairs in the same order as given.
pub fn one_to_one<P: Pairing, G: Eq + std::hash::Hash + Clone>(
    pairs: Vec<P>,
    group: impl Fn(&P) -> G,
) -> Vec<P> {
    let order = best_first(&pairs);
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
        fn weight(&self) -> f64 {
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
    fn best_links_keep_one_link_per_record_across_every_authority() {
        // Missing child 0 looks like roll records 0 (another authority) and 1; 1 is far better.
        let pairs = vec![P(0, 0, 20.0), P(0, 1, 30.0), P(1, 0, 25.0)];
        let resolution = best_links(pairs);
        let kept: Vec<_> = resolution.links.iter().map(|l| l.pair.clone()).collect();
        assert_eq!(kept, vec![P(0, 1, 30.0), P(1, 0, 25.0)]);
        assert!(resolution.links.iter().all(|l| !l.ambiguous));
        assert!(resolution.runners_up.is_empty());
    }

    #[test]
    fn a_near_tie_is_flagged_ambiguous_and_its_runner_up_kept_for_review() {
        // Two namesakes: the second is only 1 bit behind.
        let pairs = vec![P(0, 0, 21.0), P(0, 1, 22.0), P(1, 2, 15.0)];
        let resolution = best_links(pairs);
        assert_eq!(
            resolution.links,
            vec![
                BestLink {
                    pair: P(0, 1, 22.0),
                    ambiguous: true
                },
                BestLink {
                    pair: P(1, 2, 15.0),
                    ambiguous: false
                },
            ]
        );
        assert_eq!(resolution.runners_up, vec![P(0, 0, 21.0)]);
    }

    #[test]
    fn a_competitor_beyond_the_margin_leaves_the_link_unambiguous() {
        let pairs = vec![P(0, 0, 22.0 - AMBIGUITY_MARGIN), P(0, 1, 22.0)];
        let resolution = best_links(pairs);
        assert!(!resolution.links[0].ambiguous);
        assert!(resolution.runners_up.is_empty());
    }

    #[test]
    fn weight_orders_pairs_whose_probabilities_both_round_to_one() {
        let pairs = vec![P(0, 0, 40.0), P(0, 1, 55.0)];
        let kept = one_to_one(pairs, |_| ());
        assert_eq!(kept, vec![P(0, 1, 55.0)]);
    }

    #[test]
    fn one_to_one_is_per_pair_of_datasets() {
        let pairs = vec![P(0, 0, 0.9), P(0, 1, 0.99)];
        let kept = one_to_one(pairs, |p| p.1);
        assert_eq!(kept.len(), 2);
    }
}
