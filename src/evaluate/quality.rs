//! Pairwise precision, recall and F1 of a set of predicted links against ground truth, with
//! recall broken down by any labels attached to the true pairs (error types, move types).

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use serde::Serialize;

/// Pairwise quality figures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quality {
    /// Predicted links that are true.
    pub true_positives: usize,
    /// Predicted links that are not true.
    pub false_positives: usize,
    /// True pairs not predicted.
    pub false_negatives: usize,
}

impl Quality {
    /// Compares predicted pairs with true pairs (both as (left id, right id)).
    pub fn measure<'a>(
        predicted: impl IntoIterator<Item = (&'a str, &'a str)>,
        truth: &HashSet<(&'a str, &'a str)>,
    ) -> Quality {
        let predicted: HashSet<(&str, &str)> = predicted.into_iter().collect();
        let true_positives = predicted.iter().filter(|p| truth.contains(*p)).count();
        Quality {
            true_positives,
            false_positives: predicted.len() - true_positives,
            false_negatives: truth.len() - true_positives,
        }
    }

    /// TP / (TP + FP); 1 when nothing was predicted.
    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    /// TP / (TP + FN); 1 when there was nothing to find.
    pub fn recall(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }

    /// The harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(numerator: usize, denominator: usize) -> f64 {
    if denominator == 0 {
        1.0
    } else {
        numerator as f64 / denominator as f64
    }
}

impl fmt::Display for Quality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "precision {:.4}  recall {:.4}  F1 {:.4}  (TP {}, FP {}, FN {})",
            self.precision(),
            self.recall(),
            self.f1(),
            self.true_positives,
            self.false_positives,
            self.false_negatives
        )
    }
}

/// Recall per label: for each label, how many of the true pairs carrying it were found.
pub fn recall_by_label<'a>(
    found: &HashSet<(&'a str, &'a str)>,
    labelled_truth: impl IntoIterator<Item = ((&'a str, &'a str), Vec<String>)>,
) -> BTreeMap<String, (usize, usize)> {
    let mut out: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (pair, labels) in labelled_truth {
        let hit = found.contains(&pair);
        for label in labels {
            let entry = out.entry(label).or_default();
            entry.1 += 1;
            if hit {
                entry.0 += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_recall_and_f1_follow_their_definitions() {
        let truth: HashSet<(&str, &str)> = [("a1", "b1"), ("a2", "b2"), ("a3", "b3")].into();
        let q = Quality::measure([("a1", "b1"), ("a2", "b2"), ("a2", "b9")], &truth);
        assert_eq!(
            (q.true_positives, q.false_positives, q.false_negatives),
            (2, 1, 1)
        );
        assert!((q.precision() - 2.0 / 3.0).abs() < 1e-12);
        assert!((q.recall() - 2.0 / 3.0).abs() < 1e-12);
        assert!((q.f1() - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn recall_is_broken_down_by_label() {
        let found: HashSet<(&str, &str)> = [("a1", "b1")].into();
        let by = recall_by_label(
            &found,
            [
                (("a1", "b1"), vec!["typo".to_string()]),
                (("a2", "b2"), vec!["typo".to_string(), "dob".to_string()]),
            ],
        );
        assert_eq!(by["typo"], (1, 2));
        assert_eq!(by["dob"], (0, 1));
    }
}
