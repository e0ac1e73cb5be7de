//! The in-memory matching index: one [`MatchEngine`] per agreement and key epoch, plus what
//! the hub needs to apply its rules to each indexed record (owner and role).
//!
//! Rules (issue 4): a roll record is compared with open cases (`missing`) of *other*
//! authorities; a missing record with rolls and open cases of other authorities; a national
//! search with every record of other authorities. Only active rolls and open cases are
//! indexed. The index lives behind `Arc<RwLock<_>>` in the hub state and is rebuilt from the
//! database at start.

use std::collections::HashMap;
use std::sync::Arc;

use super::engine::{
    new_engine, Entry, MatchEngine, Prepared, RecordId, RowMap, Scope, Scored, Tag,
};
use crate::matcher::Model;
use crate::store::Role;

/// Who owns an indexed record and what it stands for.
#[derive(Debug, Clone)]
pub struct RecordMeta {
    /// The owning authority.
    pub authority: Arc<str>,
    /// The owning authority's number in this index (see [`MatchIndex::meta`]): given in the
    /// order authorities are first indexed, so it lives as long as the process, never stored.
    owner: u32,
    /// Missing or roll.
    pub role: Role,
}

impl RecordMeta {
    /// The engine's tag: the owner's number and a bit for `missing`, so that the rules
    /// can be applied to a candidate without looking it up.
    fn tag(&self) -> Tag {
        self.owner << 1 | Tag::from(self.role == Role::Missing)
    }
}

fn tag_owner(tag: Tag) -> u32 {
    tag >> 1
}

fn tag_is_missing(tag: Tag) -> bool {
    tag & 1 == 1
}

/// A record to index.
#[derive(Debug, Clone)]
pub struct IndexedRecord {
    /// The store's row id.
    pub id: RecordId,
    /// Owner and role.
    pub meta: RecordMeta,
    /// The hub-layer encoding, prepared ([`super::engine::prepare`]).
    pub record: Prepared,
}

/// A record to be matched under the continuous-matching rules (see [`MatchIndex::matches_of`]).
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The store's row id.
    pub id: RecordId,
    /// The agreement it was encoded under.
    pub agreement_id: &'a str,
    /// The key epoch.
    pub epoch: u32,
    /// The owning authority.
    pub authority: &'a str,
    /// Missing or roll.
    pub role: Role,
}

/// A scored match with the matched record's owner and role.
#[derive(Debug, Clone)]
pub struct IndexMatch {
    /// The score.
    pub scored: Scored,
    /// The matched record's owner and role.
    pub meta: RecordMeta,
}

/// An agreement and a key epoch.
pub type Partition = (String, u32);

/// Every indexed record, partitioned by agreement and epoch.
///
/// Each record costs one entry of `location`: its partition's number and its tag, from
/// which its owner and role are read back (`MatchIndex::meta_of`), so a batch of a million
/// records is indexed without a million strings or maps of metadata.
pub struct MatchIndex {
    /// The model every partition's engine scores with.
    model: Arc<Model>,
    /// One engine per partition, by partition number.
    engines: Vec<Option<Box<dyn MatchEngine>>>,
    partitions: HashMap<Partition, u32>,
    location: RowMap<(u32, Tag)>,
    /// Interned authority codes by owner number, and the numbers by code.
    owners: Vec<Arc<str>>,
    authorities: HashMap<String, u32>,
}

impl Default for MatchIndex {
    /// An empty index scoring with the shipped model.
    fn default() -> Self {
        MatchIndex::new(Arc::new(Model::default_model().clone()))
    }
}

impl MatchIndex {
    /// An empty index whose engines score with `model`.
    pub fn new(model: Arc<Model>) -> Self {
        MatchIndex {
            model,
            engines: Vec::new(),
            partitions: HashMap::new(),
            location: RowMap::default(),
            owners: Vec::new(),
            authorities: HashMap::new(),
        }
    }

    /// The model the index scores with.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Records indexed.
    pub fn len(&self) -> usize {
        self.location.len()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.location.is_empty()
    }

    /// The meta of a record of `authority` (interned, so each indexed record holds a pointer
    /// and a number, not a string).
    pub fn meta(&mut self, authority: &str, role: Role) -> RecordMeta {
        let owner = match self.authorities.get(authority) {
            Some(&owner) => owner,
            None => {
                let owner = self.owners.len() as u32;
                self.owners.push(Arc::from(authority));
                self.authorities.insert(authority.to_string(), owner);
                owner
            }
        };
        RecordMeta {
            authority: self.owners[owner as usize].clone(),
            owner,
            role,
        }
    }

    /// The meta behind an indexed record's tag.
    fn meta_of(&self, tag: Tag) -> RecordMeta {
        let owner = tag_owner(tag);
        RecordMeta {
            authority: self.owners[owner as usize].clone(),
            owner,
            role: if tag_is_missing(tag) {
                Role::Missing
            } else {
                Role::Roll
            },
        }
    }

    /// The number of a partition, given on first use.
    fn partition_number(&mut self, partition: &Partition) -> u32 {
        if let Some(number) = self.partition_of(&partition.0, partition.1) {
            return number;
        }
        let number = self.engines.len() as u32;
        self.engines.push(None);
        self.partitions.insert(partition.clone(), number);
        number
    }

    /// The number of a partition in use (agreements and epochs are few: a scan, no key to
    /// build).
    fn partition_of(&self, agreement_id: &str, epoch: u32) -> Option<u32> {
        self.partitions
            .iter()
            .find(|((a, e), _)| a == agreement_id && *e == epoch)
            .map(|(_, &number)| number)
    }

    fn engine_mut(&mut self, number: u32) -> &mut Box<dyn MatchEngine> {
        let model = &self.model;
        self.engines[number as usize].get_or_insert_with(|| new_engine(model.clone()))
    }

    /// Indexes (or re-indexes) a record under an agreement and epoch.
    pub fn insert(&mut self, agreement_id: &str, epoch: u32, record: IndexedRecord) {
        self.remove(record.id);
        let number = self.partition_number(&(agreement_id.to_string(), epoch));
        let tag = record.meta.tag();
        self.engine_mut(number).insert(Entry {
            id: record.id,
            tag,
            record: record.record,
            sought: record.meta.role == Role::Missing,
        });
        self.location.insert(record.id, (number, tag));
    }

    /// Indexes (or re-indexes) many records, as [`MatchIndex::insert`] on each in order but
    /// in bulk per partition.
    pub fn insert_many(&mut self, records: Vec<(Partition, IndexedRecord)>) {
        let mut numbers: Vec<u32> = Vec::with_capacity(records.len());
        let mut last: Option<(&Partition, u32)> = None;
        for (partition, _) in &records {
            // A batch is almost always of one partition: look it up once.
            let number = match last {
                Some((p, number)) if p == partition => number,
                _ => self.partition_number(partition),
            };
            last = Some((partition, number));
            numbers.push(number);
        }
        // Each partition's entries are gathered in a vector of their exact size: growing one
        // of a quarter of a million entries by doubling had the kernel zero fresh pages for
        // every copy (about 6% of the hub's CPU time during a bulk ingest).
        let mut sizes: Vec<(u32, usize)> = Vec::new();
        for &number in &numbers {
            match sizes.iter_mut().find(|(n, _)| *n == number) {
                Some((_, size)) => *size += 1,
                None => sizes.push((number, 1)),
            }
        }
        let mut groups: Vec<(u32, Vec<Entry>)> = sizes
            .into_iter()
            .map(|(number, size)| (number, Vec::with_capacity(size)))
            .collect();
        let mut moved: Vec<(u32, RecordId)> = Vec::new();
        for ((_, record), number) in records.into_iter().zip(numbers) {
            let tag = record.meta.tag();
            if let Some((old, _)) = self.location.insert(record.id, (number, tag)) {
                // A record moving partitions leaves its old one first, as `insert` does.
                if old != number {
                    moved.push((old, record.id));
                }
            }
            let entry = Entry {
                id: record.id,
                tag,
                record: record.record,
                sought: record.meta.role == Role::Missing,
            };
            if let Some((_, entries)) = groups.iter_mut().find(|(n, _)| *n == number) {
                entries.push(entry);
            }
        }
        for (old, id) in moved {
            if let Some(engine) = self.engines[old as usize].as_mut() {
                engine.remove(id);
            }
        }
        groups.sort_by_key(|(number, _)| *number);
        for (number, entries) in groups {
            self.engine_mut(number).insert_many(entries);
        }
    }

    /// Removes a record (withdrawn, or a case closed); unknown ids are ignored.
    pub fn remove(&mut self, id: RecordId) {
        let Some((number, _)) = self.location.remove(id) else {
            return;
        };
        if let Some(engine) = self.engines[number as usize].as_mut() {
            engine.remove(id);
        }
    }

    /// The matches of a record under the continuous-matching rules, whether or not it is
    /// indexed yet: a record is never matched with its own authority's records, so a batch
    /// (always of one authority) finds the same matches before it is indexed as after.
    pub fn matches_of(
        &self,
        subject: &Subject<'_>,
        query: &Prepared,
        min_probability: f64,
        limit: usize,
    ) -> Vec<IndexMatch> {
        let Some(number) = self.partition_of(subject.agreement_id, subject.epoch) else {
            return Vec::new();
        };
        let id = subject.id;
        // An authority not yet indexed has no number, and no indexed record is its own.
        let own_owner = self.authorities.get(subject.authority).copied();
        let own_missing = subject.role == Role::Missing;
        let admit = |other: RecordId, tag: Tag| {
            other != id && Some(tag_owner(tag)) != own_owner && (own_missing || tag_is_missing(tag))
        };
        // A roll record can only match open cases: search those alone.
        let scope = if own_missing {
            Scope::All
        } else {
            Scope::Sought
        };
        self.run(number, query, scope, &admit, min_probability, limit)
    }

    /// A national search: `query` against every record of authorities other than `caller`
    /// under the agreement and epoch.
    pub fn search(
        &self,
        agreement_id: &str,
        epoch: u32,
        caller: &str,
        query: &Prepared,
        min_probability: f64,
        limit: usize,
    ) -> Vec<IndexMatch> {
        let Some(number) = self.partition_of(agreement_id, epoch) else {
            return Vec::new();
        };
        let caller = self.authorities.get(caller).copied();
        let admit = |_: RecordId, tag: Tag| Some(tag_owner(tag)) != caller;
        self.run(number, query, Scope::All, &admit, min_probability, limit)
    }

    fn run(
        &self,
        partition: u32,
        query: &Prepared,
        scope: Scope,
        admit: &dyn Fn(RecordId, Tag) -> bool,
        min_probability: f64,
        limit: usize,
    ) -> Vec<IndexMatch> {
        let Some(engine) = self.engines[partition as usize].as_ref() else {
            return Vec::new();
        };
        engine
            .search(query, scope, admit, min_probability, limit)
            .into_iter()
            .map(|scored| IndexMatch {
                meta: self.meta_of(scored.tag),
                scored,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::engine::fellegi_sunter::tests::prepared;

    /// Leeds (one case, one roll record), Glasgow (one case, one roll record) and Cardiff (one
    /// roll record), all the same child, under one agreement; and Belfast under another.
    fn index() -> MatchIndex {
        let mut index = MatchIndex::default();
        let partition = || ("a1".to_string(), 1);
        let records = [
            (1, "383", Role::Missing),
            (2, "383", Role::Roll),
            (3, "S12000049", Role::Missing),
            (4, "S12000049", Role::Roll),
            (5, "W06000015", Role::Roll),
        ];
        let batch = records
            .iter()
            .map(|&(id, authority, role)| {
                let meta = index.meta(authority, role);
                (
                    partition(),
                    IndexedRecord {
                        id,
                        meta,
                        record: prepared(10),
                    },
                )
            })
            .collect();
        index.insert_many(batch);
        let meta = index.meta("NI-EA", Role::Roll);
        index.insert(
            "a2",
            1,
            IndexedRecord {
                id: 6,
                meta,
                record: prepared(10),
            },
        );
        index
    }

    /// Record `id` of the fixture as a subject of continuous matching.
    fn subject(id: RecordId) -> Subject<'static> {
        let (agreement_id, authority, role) = match id {
            1 => ("a1", "383", Role::Missing),
            2 => ("a1", "383", Role::Roll),
            3 => ("a1", "S12000049", Role::Missing),
            4 => ("a1", "S12000049", Role::Roll),
            5 => ("a1", "W06000015", Role::Roll),
            _ => ("a2", "NI-EA", Role::Roll),
        };
        Subject {
            id,
            agreement_id,
            epoch: 1,
            authority,
            role,
        }
    }

    fn ids(matches: &[IndexMatch]) -> Vec<RecordId> {
        let mut ids: Vec<RecordId> = matches.iter().map(|m| m.scored.id).collect();
        ids.sort_unstable();
        ids
    }

    #[test]
    fn a_case_matches_other_authorities_rolls_and_cases_only_under_its_agreement() {
        let index = index();
        assert_eq!(
            ids(&index.matches_of(&subject(1), &prepared(10), 0.5, 10)),
            vec![3, 4, 5]
        );
        assert_eq!(
            ids(&index.matches_of(&subject(3), &prepared(10), 0.5, 10)),
            vec![1, 2, 5]
        );
    }

    #[test]
    fn a_roll_record_matches_other_authorities_open_cases_only() {
        let index = index();
        assert_eq!(
            ids(&index.matches_of(&subject(2), &prepared(10), 0.5, 10)),
            vec![3]
        );
        assert_eq!(
            ids(&index.matches_of(&subject(5), &prepared(10), 0.5, 10)),
            vec![1, 3]
        );
        assert!(index
            .matches_of(&subject(6), &prepared(10), 0.5, 10)
            .is_empty());
    }

    #[test]
    fn a_national_search_sees_every_other_member_authority_and_never_the_caller() {
        let index = index();
        let found = index.search("a1", 1, "383", &prepared(10), 0.5, 10);
        assert_eq!(ids(&found), vec![3, 4, 5]);
        assert!(found.iter().all(|m| &*m.meta.authority != "383"));
        // An authority with nothing indexed sees everything of the agreement.
        assert_eq!(
            ids(&index.search("a1", 1, "E10000002", &prepared(10), 0.5, 10)),
            vec![1, 2, 3, 4, 5]
        );
        assert!(index
            .search("a1", 2, "383", &prepared(10), 0.5, 10)
            .is_empty());
    }

    #[test]
    fn a_record_not_yet_indexed_is_matched_by_the_same_rules() {
        let mut index = index();
        let newcomer = |id, authority, role| Subject {
            id,
            agreement_id: "a1",
            epoch: 1,
            authority,
            role,
        };
        // A roll record of Leeds (383), and a case of an authority the index has never seen.
        let leeds_roll = newcomer(7, "383", Role::Roll);
        let first_case = newcomer(8, "E10000002", Role::Missing);
        assert_eq!(
            ids(&index.matches_of(&leeds_roll, &prepared(10), 0.5, 10)),
            vec![3]
        );
        assert_eq!(
            ids(&index.matches_of(&first_case, &prepared(10), 0.5, 10)),
            vec![1, 2, 3, 4, 5]
        );
        for (subject, meta) in [
            (leeds_roll, index.meta("383", Role::Roll)),
            (first_case, index.meta("E10000002", Role::Missing)),
        ] {
            let record = IndexedRecord {
                id: subject.id,
                meta,
                record: prepared(10),
            };
            index.insert("a1", 1, record);
        }
        assert_eq!(
            ids(&index.matches_of(&leeds_roll, &prepared(10), 0.5, 10)),
            vec![3, 8]
        );
        assert_eq!(
            ids(&index.matches_of(&first_case, &prepared(10), 0.5, 10)),
            vec![1, 2, 3, 4, 5, 7]
        );
    }

    #[test]
    fn a_removed_record_is_no_longer_matched() {
        let mut index = index();
        index.remove(3);
        assert_eq!(
            ids(&index.matches_of(&subject(5), &prepared(10), 0.5, 10)),
            vec![1]
        );
        assert_eq!(index.len(), 5);
    }
}
