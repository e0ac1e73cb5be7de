//! A deliberately small matcher behind [`MatchEngine`]: postings on match-key and identifier
//! tokens for blocking, then a fixed-weight Fellegi–Sunter-style score over the comparison
//! (best shared key family, shared identifier, filter Dice, check bytes). It stands in until
//! the trained model of `crate::matcher` is wired in; its weights are hand-set, not learned.

use std::collections::{HashMap, HashSet};

use serde_json::json;

use super::{rank, MatchEngine, RecordId, Scored};
use crate::encode::identifiers::Scheme;
use crate::encode::tokens::{flags, KeyFamily, TOKEN_BYTES};
use crate::encode::EncodedRecord;

/// Log2 prior odds that two records sharing a blocking key are the same child.
const PRIOR_WEIGHT: f64 = -12.0;

type Posting = (u8, [u8; TOKEN_BYTES]);

/// Postings on every token; records by id.
#[derive(Default)]
pub struct InterimEngine {
    records: HashMap<RecordId, EncodedRecord>,
    postings: HashMap<Posting, Vec<RecordId>>,
}

fn postings_of(record: &EncodedRecord) -> impl Iterator<Item = Posting> + '_ {
    // Identifier schemes live above the key family codes (1..=9) so the two never collide.
    let keys = record.keys.iter().map(|k| (k.family.code(), k.token));
    let ids = record.ids.iter().map(|id| {
        let scheme = Scheme::ALL
            .iter()
            .position(|s| *s == id.scheme)
            .unwrap_or(0);
        (100 + scheme as u8, id.token)
    });
    keys.chain(ids)
}

fn family_weight(family: KeyFamily, flag_bits: u8) -> f64 {
    let base: f64 = match family {
        KeyFamily::NameDob => 16.0,
        KeyFamily::GroupDob => 13.0,
        KeyFamily::NameYearMonth | KeyFamily::NameYearDay | KeyFamily::NameMonthDay => 11.0,
        KeyFamily::InitialsDob | KeyFamily::PhoneticDob => 9.0,
        KeyFamily::SurnameDob | KeyFamily::ForenameDob => 7.0,
    };
    // Agreement through an alternative form or a swapped date is weaker evidence.
    base - 2.0 * f64::from((flag_bits & flags::ALL).count_ones())
}

fn dice_weight(dice: f64) -> f64 {
    (dice - 0.6) * 10.0
}

/// The match weight of two records and its explanation.
fn compare(a: &EncodedRecord, b: &EncodedRecord) -> (f64, serde_json::Value) {
    let b_keys: HashMap<(u8, [u8; TOKEN_BYTES]), u8> = b
        .keys
        .iter()
        .map(|k| ((k.family.code(), k.token), k.flags))
        .collect();
    let best_key = a
        .keys
        .iter()
        .filter_map(|k| {
            let other_flags = b_keys.get(&(k.family.code(), k.token))?;
            Some((k.family, k.flags | other_flags))
        })
        .max_by(|x, y| family_weight(x.0, x.1).total_cmp(&family_weight(y.0, y.1)));
    let b_ids: HashSet<_> = b.ids.iter().collect();
    let shared_id = a
        .ids
        .iter()
        .find(|id| b_ids.contains(id))
        .map(|id| id.scheme);
    let conflicting_id = shared_id.is_none()
        && a.ids
            .iter()
            .any(|x| b.ids.iter().any(|y| y.scheme == x.scheme));
    let mut weight = PRIOR_WEIGHT;
    let mut explanation = serde_json::Map::new();
    if let Some((family, flag_bits)) = best_key {
        let w = family_weight(family, flag_bits);
        weight += w;
        explanation.insert(
            "key".into(),
            json!({"family": family.label(), "flags": flag_bits, "weight": w}),
        );
    }
    if let Some(scheme) = shared_id {
        weight += 14.0;
        explanation.insert(
            "identifier".into(),
            json!({"scheme": scheme.as_str(), "agrees": true, "weight": 14.0}),
        );
    } else if conflicting_id {
        weight -= 3.0;
        explanation.insert(
            "identifier".into(),
            json!({"agrees": false, "weight": -3.0}),
        );
    }
    for (name, x, y) in [
        ("forename", &a.forename_bf, &b.forename_bf),
        ("surname", &a.surname_bf, &b.surname_bf),
    ] {
        if let (Some(x), Some(y)) = (x, y) {
            let dice = x.dice(y);
            let w = dice_weight(dice);
            weight += w;
            explanation.insert(
                name.into(),
                json!({"dice": round(dice), "weight": round(w)}),
            );
        }
    }
    if best_key.is_none() {
        if let (Some(x), Some(y)) = (&a.names_bf, &b.names_bf) {
            let dice = x.dice(y);
            let w = dice_weight(dice);
            weight += w;
            explanation.insert(
                "names".into(),
                json!({"dice": round(dice), "weight": round(w)}),
            );
        }
    }
    for (name, x, y, agree, disagree) in [
        ("dob_check", a.dob_check, b.dob_check, 2.0, -4.0),
        ("sex_check", a.sex_check, b.sex_check, 1.0, -3.0),
    ] {
        if let (Some(x), Some(y)) = (x, y) {
            let w = if x == y { agree } else { disagree };
            weight += w;
            explanation.insert(name.into(), json!({"agrees": x == y, "weight": w}));
        }
    }
    explanation.insert("prior_weight".into(), json!(PRIOR_WEIGHT));
    explanation.insert("model".into(), json!("interim-fixed-weights"));
    (weight, serde_json::Value::Object(explanation))
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The probability for a log2 likelihood ratio.
pub fn probability(match_weight: f64) -> f64 {
    1.0 / (1.0 + (-match_weight).exp2())
}

impl MatchEngine for InterimEngine {
    fn insert(&mut self, id: RecordId, record: EncodedRecord) {
        self.remove(id);
        for posting in postings_of(&record) {
            self.postings.entry(posting).or_default().push(id);
        }
        self.records.insert(id, record);
    }

    fn remove(&mut self, id: RecordId) {
        let Some(record) = self.records.remove(&id) else {
            return;
        };
        for posting in postings_of(&record) {
            if let Some(ids) = self.postings.get_mut(&posting) {
                ids.retain(|x| *x != id);
                if ids.is_empty() {
                    self.postings.remove(&posting);
                }
            }
        }
    }

    fn len(&self) -> usize {
        self.records.len()
    }

    fn search(
        &self,
        query: &EncodedRecord,
        admit: &dyn Fn(RecordId) -> bool,
        min_probability: f64,
        limit: usize,
    ) -> Vec<Scored> {
        let mut seen = HashSet::new();
        let mut scored = Vec::new();
        for posting in postings_of(query) {
            for &id in self.postings.get(&posting).map_or(&[][..], Vec::as_slice) {
                if !seen.insert(id) || !admit(id) {
                    continue;
                }
                let (match_weight, explanation) = compare(query, &self.records[&id]);
                let probability = probability(match_weight);
                if probability >= min_probability {
                    scored.push(Scored {
                        id,
                        probability,
                        match_weight,
                        explanation,
                    });
                }
            }
        }
        rank(&mut scored, limit);
        scored
    }
}
