//! The hub's engine: [`crate::matcher`]'s index, comparison and trained Fellegi–Sunter model
//! behind [`MatchEngine`]. Explanations are the model's [`Explanation`] as JSON.
//!
//! [`Explanation`]: crate::matcher::model::Explanation

use std::collections::HashMap;

use super::{rank, MatchEngine, RecordId, Scored};
use crate::encode::EncodedRecord;
use crate::matcher::compact::Prepared;
use crate::matcher::index::{Index, Slot};
use crate::matcher::link::search;
use crate::matcher::model::{Model, ScoreContext};

/// An index of one agreement's records, scored by a model.
pub struct FellegiSunterEngine {
    model: &'static Model,
    index: Index,
    slots: HashMap<RecordId, Slot>,
    ids: Vec<RecordId>,
}

impl FellegiSunterEngine {
    /// An empty engine scoring with `model`.
    pub fn new(model: &'static Model) -> Self {
        FellegiSunterEngine {
            model,
            index: Index::default(),
            slots: HashMap::new(),
            ids: Vec::new(),
        }
    }
}

impl MatchEngine for FellegiSunterEngine {
    fn insert(&mut self, id: RecordId, record: EncodedRecord) {
        self.remove(id);
        let slot = self.index.insert(&Prepared::from_encoded(&record));
        let i = slot as usize;
        if self.ids.len() <= i {
            self.ids.resize(i + 1, 0);
        }
        self.ids[i] = id;
        self.slots.insert(id, slot);
    }

    fn remove(&mut self, id: RecordId) {
        if let Some(slot) = self.slots.remove(&id) {
            self.index.remove(slot);
        }
    }

    fn len(&self) -> usize {
        self.index.len()
    }

    fn search(
        &self,
        query: &EncodedRecord,
        admit: &dyn Fn(RecordId) -> bool,
        min_probability: f64,
        limit: usize,
    ) -> Vec<Scored> {
        let query = Prepared::from_encoded(query);
        let context = ScoreContext::for_population(self.model, self.index.len());
        let found = search(
            &self.index,
            &query,
            self.model,
            &|slot| admit(self.ids[slot as usize]),
            min_probability,
            usize::MAX,
        );
        let mut scored: Vec<Scored> = found
            .into_iter()
            .map(|(slot, score, vector)| Scored {
                id: self.ids[slot as usize],
                probability: score.probability,
                match_weight: score.match_weight,
                explanation: serde_json::to_value(self.model.explain(&vector, &context))
                    .expect("an explanation serialises"),
            })
            .collect();
        rank(&mut scored, limit);
        scored
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::tokens::{KeyFamily, MatchKey};

    fn record(token: u8) -> EncodedRecord {
        EncodedRecord {
            record_ref: format!("r{token}"),
            keys: vec![
                MatchKey {
                    family: KeyFamily::NameDob,
                    flags: 0,
                    token: [token; 16],
                },
                MatchKey {
                    family: KeyFamily::GroupDob,
                    flags: 0,
                    token: [token + 1; 16],
                },
                MatchKey {
                    family: KeyFamily::PhoneticDob,
                    flags: 0,
                    token: [token + 2; 16],
                },
            ],
            ids: vec![],
            forename_bf: None,
            surname_bf: None,
            names_bf: None,
            dob_check: Some(token),
            sex_check: None,
        }
    }

    #[test]
    fn inserted_records_are_found_replaced_and_removed() {
        let mut engine = FellegiSunterEngine::new(Model::default_model());
        engine.insert(1, record(10));
        engine.insert(2, record(50));
        let found = engine.search(&record(10), &|_| true, 0.5, 10);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, 1);
        assert!(found[0].explanation["summary"]
            .as_str()
            .unwrap()
            .contains("dob exact"));
        assert!(engine
            .search(&record(10), &|id| id != 1, 0.5, 10)
            .is_empty());
        engine.insert(1, record(90));
        assert_eq!(engine.len(), 2);
        assert!(engine.search(&record(10), &|_| true, 0.5, 10).is_empty());
        engine.remove(2);
        assert!(engine.search(&record(50), &|_| true, 0.5, 10).is_empty());
        assert_eq!(engine.len(), 1);
    }
}
