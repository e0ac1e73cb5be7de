//! The hub's engine: [`crate::matcher`]'s index, comparison and trained Fellegi–Sunter model
//! behind [`MatchEngine`]. Explanations are the model's [`Explanation`] as JSON.
//!
//! [`Explanation`]: crate::matcher::model::Explanation

use std::sync::Arc;

use super::{rank, Entry, MatchEngine, RecordId, RowMap, Scope, Scored, Tag};
use crate::matcher::compact::{Prepared, Token};
use crate::matcher::compare::ComparisonVector;
use crate::matcher::index::{Index, Slot};
use crate::matcher::link::{compare_slots, counted_in, search};
use crate::matcher::model::{Model, Score, ScoreContext};

/// One matcher index with the record id and the hub's tag of each slot.
#[derive(Default)]
struct Slots {
    index: Index,
    slots: RowMap<Slot>,
    /// Per slot, the record id and tag: side by side, one cache line for `admit` to read.
    held: Vec<(RecordId, Tag)>,
}

impl Slots {
    fn insert(&mut self, id: RecordId, tag: Tag, record: &Prepared) {
        let slot = self.index.insert(record);
        self.place(slot, id, tag);
    }

    fn insert_many(&mut self, records: &[(RecordId, Tag, &Prepared)]) {
        let slots = self.index.insert_many(records.iter().map(|(_, _, r)| *r));
        for ((id, tag, _), slot) in records.iter().zip(slots) {
            self.place(slot, *id, *tag);
        }
    }

    fn place(&mut self, slot: Slot, id: RecordId, tag: Tag) {
        let i = slot as usize;
        if self.held.len() <= i {
            self.held.resize(i + 1, (0, 0));
        }
        self.held[i] = (id, tag);
        self.slots.insert(id, slot);
    }

    /// Whether `admit` accepts the record in `slot`.
    fn admits(&self, slot: Slot, admit: &dyn Fn(RecordId, Tag) -> bool) -> bool {
        let (id, tag) = self.held[slot as usize];
        admit(id, tag)
    }

    fn held(&self, slot: Slot) -> (RecordId, Tag) {
        self.held[slot as usize]
    }

    fn remove(&mut self, id: RecordId) {
        if let Some(slot) = self.slots.remove(id) {
            self.index.remove(slot);
        }
    }
}

/// An index of one agreement's records, scored by a model. Sought records are held twice:
/// in the index of every record and in a small index of their own, so that a search of the
/// sought records alone (a roll record against the open cases) costs what the cases cost.
pub struct FellegiSunterEngine {
    model: Arc<Model>,
    all: Slots,
    sought: Slots,
}

impl FellegiSunterEngine {
    /// An empty engine scoring with `model`.
    pub fn new(model: Arc<Model>) -> Self {
        FellegiSunterEngine {
            model,
            all: Slots::default(),
            sought: Slots::default(),
        }
    }

    /// The sought records matching `query`, exactly as [`search`] over the whole index would
    /// find them (the LSH bands skipped are those too common in the whole index, and the
    /// population of the score is the whole index).
    fn search_sought(
        &self,
        query: &Prepared,
        admit: &dyn Fn(RecordId, Tag) -> bool,
        min_probability: f64,
    ) -> Vec<((RecordId, Tag), Score, ComparisonVector)> {
        let context = ScoreContext::for_population(&self.model, self.all.index.len());
        let mut slots = Vec::new();
        self.sought
            .index
            .candidates_within(query, &self.all.index, &mut slots);
        slots.retain(|&slot| self.sought.admits(slot, admit));
        let mut tokens: Vec<Token> = Vec::new();
        let mut found = Vec::new();
        compare_slots(
            &self.sought.index,
            counted_in(&self.model, &self.all.index),
            &query.view(),
            &slots,
            &mut tokens,
            |slot, vector| {
                let score = self.model.score(&vector, &context);
                if score.probability >= min_probability {
                    found.push((self.sought.held(slot), score, vector));
                }
            },
        );
        found
    }
}

impl MatchEngine for FellegiSunterEngine {
    fn insert(&mut self, entry: Entry) {
        self.remove(entry.id);
        self.all.insert(entry.id, entry.tag, &entry.record);
        if entry.sought {
            self.sought.insert(entry.id, entry.tag, &entry.record);
        }
    }

    fn insert_many(&mut self, entries: Vec<Entry>) {
        // A record twice in the batch: the last one wins, as with `insert` in order.
        let mut last: RowMap<usize> = RowMap::default();
        for (i, entry) in entries.iter().enumerate() {
            last.insert(entry.id, i);
        }
        for entry in &entries {
            self.remove(entry.id);
        }
        let kept: Vec<&Entry> = entries
            .iter()
            .enumerate()
            .filter(|(i, entry)| last.get(entry.id) == Some(*i))
            .map(|(_, entry)| entry)
            .collect();
        let all: Vec<(RecordId, Tag, &Prepared)> = kept
            .iter()
            .map(|entry| (entry.id, entry.tag, &entry.record))
            .collect();
        self.all.insert_many(&all);
        let sought: Vec<(RecordId, Tag, &Prepared)> = kept
            .iter()
            .filter(|entry| entry.sought)
            .map(|entry| (entry.id, entry.tag, &entry.record))
            .collect();
        self.sought.insert_many(&sought);
    }

    fn remove(&mut self, id: RecordId) {
        self.all.remove(id);
        self.sought.remove(id);
    }

    fn len(&self) -> usize {
        self.all.index.len()
    }

    fn search(
        &self,
        query: &Prepared,
        scope: Scope,
        admit: &dyn Fn(RecordId, Tag) -> bool,
        min_probability: f64,
        limit: usize,
    ) -> Vec<Scored> {
        let context = ScoreContext::for_population(&self.model, self.all.index.len());
        let found: Vec<((RecordId, Tag), Score, ComparisonVector)> = match scope {
            Scope::All => search(
                &self.all.index,
                query,
                &self.model,
                &|slot| self.all.admits(slot, admit),
                min_probability,
                usize::MAX,
            )
            .into_iter()
            .map(|(slot, score, vector)| (self.all.held(slot), score, vector))
            .collect(),
            Scope::Sought => self.search_sought(query, admit, min_probability),
        };
        // Ranked (as `rank` does) before the explanations are built, for the kept ones only.
        let mut found = found;
        found.sort_by(|a, b| {
            b.1.match_weight
                .total_cmp(&a.1.match_weight)
                .then(a.0 .0.cmp(&b.0 .0))
        });
        found.truncate(limit);
        let mut scored: Vec<Scored> = found
            .into_iter()
            .map(|((id, tag), score, vector)| Scored {
                id,
                tag,
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
pub(crate) mod tests {
    use super::*;
    use crate::encode::tokens::{KeyFamily, MatchKey};
    use crate::encode::EncodedRecord;

    /// An entry whose tag is its id + 1000, so that tests can tell what `admit` is given.
    pub(super) fn entry(id: RecordId, encoding: EncodedRecord, sought: bool) -> Entry {
        Entry {
            id,
            tag: id as Tag + 1000,
            record: Prepared::from_encoded(&encoding),
            sought,
        }
    }

    /// [`record`], prepared.
    pub(crate) fn prepared(token: u8) -> Prepared {
        Prepared::from_encoded(&record(token))
    }

    /// A record sharing its three match keys (and date check) with every `record(token)` of
    /// the same token: a certain match.
    pub(crate) fn record(token: u8) -> EncodedRecord {
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
            under_id: None,
            dob_check: Some(token),
            sex_check: None,
        }
    }

    #[test]
    fn inserted_records_are_found_replaced_and_removed() {
        let mut engine = FellegiSunterEngine::new(Arc::new(Model::default_model().clone()));
        engine.insert(entry(1, record(10), false));
        engine.insert(entry(2, record(50), true));
        let found = engine.search(&prepared(10), Scope::All, &|_, _| true, 0.5, 10);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, 1);
        assert!(found[0].explanation["summary"]
            .as_str()
            .unwrap()
            .contains("dob exact"));
        assert!(engine
            .search(&prepared(10), Scope::All, &|id, _| id != 1, 0.5, 10)
            .is_empty());
        engine.insert(entry(1, record(90), false));
        assert_eq!(engine.len(), 2);
        assert!(engine
            .search(&prepared(10), Scope::All, &|_, _| true, 0.5, 10)
            .is_empty());
        engine.remove(2);
        assert!(engine
            .search(&prepared(50), Scope::All, &|_, _| true, 0.5, 10)
            .is_empty());
        assert_eq!(engine.len(), 1);
    }

    #[test]
    fn admit_is_given_each_records_own_tag_in_both_scopes() {
        let mut engine = FellegiSunterEngine::new(Arc::new(Model::default_model().clone()));
        engine.insert(entry(1, record(10), true));
        engine.insert_many(vec![
            entry(2, record(10), false),
            entry(3, record(10), true),
        ]);
        let seen = std::sync::Mutex::new(Vec::new());
        let admit = |id: RecordId, tag: Tag| {
            seen.lock().unwrap().push((id, tag));
            id != 3
        };
        let all: Vec<RecordId> = engine
            .search(&prepared(10), Scope::All, &admit, 0.5, 10)
            .iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(all, vec![1, 2]);
        let sought: Vec<RecordId> = engine
            .search(&prepared(10), Scope::Sought, &admit, 0.5, 10)
            .iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(sought, vec![1]);
        let mut seen = seen.into_inner().unwrap();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen, vec![(1, 1001), (2, 1002), (3, 1003)]);
        // A replaced record carries its new tag.
        engine.insert(Entry {
            tag: 7,
            ..entry(2, record(10), false)
        });
        let tags: Vec<Tag> = engine
            .search(&prepared(10), Scope::All, &|_, tag| tag == 7, 0.5, 10)
            .iter()
            .map(|s| s.id as Tag)
            .collect();
        assert_eq!(tags, vec![2]);
    }
}

#[cfg(test)]
mod sought_tests {
    use super::tests::entry;
    use super::*;
    use crate::encode::{AgreementSecret, EncodedRecord, Encoder, LocalKey, PupilRecord};
    use crate::input::RawRecord;

    /// Few names and dates, so that LSH bands grow past `max_lsh_posting` and are skipped.
    fn population(n: usize) -> Vec<EncodedRecord> {
        let encoder = Encoder::new(
            &AgreementSecret::from_bytes("sought-test", 1, [5; 32]).unwrap(),
            LocalKey::from_bytes([6; 32]),
        );
        let forenames = ["Olivia", "Oliver", "Amelia", "Jack", "Aoife", "Oliwia"];
        let surnames = ["Smith", "Smyth", "Jones", "Murphy", "Nowak"];
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        (0..n)
            .map(|i| {
                let raw = RawRecord {
                    record_id: Some(format!("R-{i}")),
                    // Most share one name, whose bands are then too common to be used.
                    forename: Some(forenames[if i % 6 == 0 { i / 6 % 6 } else { 0 }].into()),
                    surname: Some(surnames[if i % 6 == 0 { i / 7 % 5 } else { 0 }].into()),
                    dob: Some(format!(
                        "2015-{:02}-{:02}",
                        1 + (i / 3) % 12,
                        1 + (i / 11) % 28
                    )),
                    sex: Some(if i % 2 == 0 { "F" } else { "M" }.into()),
                    ..RawRecord::default()
                };
                encoder.encode(&PupilRecord::from_raw(&raw, today).unwrap().record)
            })
            .collect()
    }

    #[test]
    fn a_sought_search_finds_exactly_the_sought_records_of_a_full_search() {
        assert_eq!(sought_equals_full(Model::default_model().clone()), 0);
    }

    #[test]
    fn a_sought_search_counts_common_names_in_the_whole_index_as_a_full_search_does() {
        let mut model = Model::default_model().clone();
        model.term_frequency = Some(crate::matcher::model::TermFrequency { prior_count: 1.0 });
        let adjusted = sought_equals_full(model);
        assert!(
            adjusted > 100,
            "the population must share names ({adjusted})"
        );
    }

    /// Checks that sought and full searches, of an engine built record by record and one
    /// built in bulk, give the same results; returns how many carried a `common_names`
    /// adjustment.
    fn sought_equals_full(model: Model) -> usize {
        let model = Arc::new(model);
        let records = population(6_000);
        let mut engine = FellegiSunterEngine::new(model.clone());
        let sought = |id: RecordId| id % 9 == 0;
        for (i, r) in records.iter().enumerate() {
            engine.insert(entry(i as RecordId, r.clone(), sought(i as RecordId)));
        }
        // Replacing and removing keep both indexes in step.
        for i in (0..600).step_by(5) {
            engine.insert(entry(
                i,
                records[(i as usize + 1) % records.len()].clone(),
                sought(i),
            ));
        }
        for i in (1..600).step_by(7) {
            engine.remove(i);
        }
        // Built in bulk (with a replacement inside the batch), the engine answers the same.
        let mut bulk = FellegiSunterEngine::new(model);
        let mut batch: Vec<Entry> = records
            .iter()
            .enumerate()
            .map(|(i, r)| entry(i as RecordId, r.clone(), sought(i as RecordId)))
            .collect();
        batch.push(entry(3, records[4].clone(), sought(3)));
        bulk.insert_many(batch);
        bulk.insert(entry(3, records[3].clone(), sought(3)));
        for i in (0..600).step_by(5) {
            bulk.insert(entry(
                i,
                records[(i as usize + 1) % records.len()].clone(),
                sought(i),
            ));
        }
        for i in (1..600).step_by(7) {
            bulk.remove(i);
        }
        let (mut skipped, mut found, mut adjusted) = (0, 0, 0);
        for encoded in records.iter().step_by(97) {
            let q = &Prepared::from_encoded(encoded);
            let full = engine.search(q, Scope::All, &|id, _| sought(id), 0.01, usize::MAX);
            let only = engine.search(q, Scope::Sought, &|_, _| true, 0.01, usize::MAX);
            assert_eq!(only, full);
            assert_eq!(
                bulk.search(q, Scope::All, &|_, _| true, 0.01, usize::MAX),
                engine.search(q, Scope::All, &|_, _| true, 0.01, usize::MAX)
            );
            assert_eq!(
                bulk.search(q, Scope::Sought, &|_, _| true, 0.01, usize::MAX),
                only
            );
            found += full.len();
            adjusted += full
                .iter()
                .filter(|s| {
                    s.explanation["summary"]
                        .as_str()
                        .unwrap()
                        .contains("common_names")
                })
                .count();
            let top = engine.search(q, Scope::Sought, &|id, _| id % 2 == 0, 0.3, 5);
            let full_top = engine.search(q, Scope::All, &|id, _| sought(id) && id % 2 == 0, 0.3, 5);
            assert_eq!(top, full_top);
            let mut slots = Vec::new();
            skipped += engine.all.index.candidates(q, &mut slots).skipped_bands;
        }
        assert!(
            skipped > 0,
            "the population must exercise skipped LSH bands"
        );
        assert!(
            found > 100,
            "the queries must find sought records ({found})"
        );
        adjusted
    }
}
