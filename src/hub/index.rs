//! The in-memory matching index: one [`MatchEngine`] per agreement and key epoch, plus what
//! the hub needs to apply its rules to each indexed record (owner and role).
//!
//! Rules (issue 4): a roll record is compared with open cases (`missing`) of *other*
//! authorities; a missing record with rolls and open cases of other authorities; a national
//! search with every record of other authorities. Only active rolls and open cases are
//! indexed. The index lives behind `Arc<RwLock<_>>` in the hub state and is rebuilt from the
//! database at start.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use super::engine::{new_engine, Entry, MatchEngine, RecordId, Scope, Scored, Tag};
use crate::encode::EncodedRecord;
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
    /// The hub-layer encoding.
    pub encoding: EncodedRecord,
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

/// Row ids are sequential: hashed with splitmix, not SipHash.
type IdMap<V> = HashMap<RecordId, V, BuildHasherDefault<crate::matcher::index::IdentityHasher>>;

#[derive(Default)]
struct Shard {
    engine: Option<Box<dyn MatchEngine>>,
    meta: IdMap<RecordMeta>,
}

/// Every indexed record, partitioned by agreement and epoch.
#[derive(Default)]
pub struct MatchIndex {
    shards: HashMap<Partition, Shard>,
    location: IdMap<Partition>,
    /// Interned authority codes and their numbers.
    authorities: HashMap<String, (Arc<str>, u32)>,
}

impl MatchIndex {
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
        let next = self.authorities.len() as u32;
        let (authority, owner) = self
            .authorities
            .entry(authority.to_string())
            .or_insert_with(|| (Arc::from(authority), next))
            .clone();
        RecordMeta {
            authority,
            owner,
            role,
        }
    }

    /// Indexes (or re-indexes) a record under an agreement and epoch.
    pub fn insert(&mut self, agreement_id: &str, epoch: u32, record: IndexedRecord) {
        self.remove(record.id);
        let partition = (agreement_id.to_string(), epoch);
        let shard = self.shards.entry(partition.clone()).or_default();
        shard.engine.get_or_insert_with(new_engine).insert(Entry {
            id: record.id,
            tag: record.meta.tag(),
            encoding: record.encoding,
            sought: record.meta.role == Role::Missing,
        });
        shard.meta.insert(record.id, record.meta);
        self.location.insert(record.id, partition);
    }

    /// Indexes (or re-indexes) many records, as [`MatchIndex::insert`] on each in order but
    /// in bulk per partition.
    pub fn insert_many(&mut self, records: Vec<(Partition, IndexedRecord)>) {
        let mut by_partition: HashMap<Partition, Vec<IndexedRecord>> = HashMap::new();
        for (partition, record) in records {
            // A record moving partitions leaves its old one first, as `insert` does.
            if self
                .location
                .get(&record.id)
                .is_some_and(|p| *p != partition)
            {
                self.remove(record.id);
            }
            self.location.insert(record.id, partition.clone());
            by_partition.entry(partition).or_default().push(record);
        }
        let mut partitions: Vec<_> = by_partition.into_iter().collect();
        partitions.sort_by(|a, b| a.0.cmp(&b.0));
        for (partition, records) in partitions {
            let shard = self.shards.entry(partition).or_default();
            let mut batch = Vec::with_capacity(records.len());
            for record in records {
                batch.push(Entry {
                    id: record.id,
                    tag: record.meta.tag(),
                    encoding: record.encoding,
                    sought: record.meta.role == Role::Missing,
                });
                shard.meta.insert(record.id, record.meta);
            }
            shard
                .engine
                .get_or_insert_with(new_engine)
                .insert_many(batch);
        }
    }

    /// Removes a record (withdrawn, or a case closed); unknown ids are ignored.
    pub fn remove(&mut self, id: RecordId) {
        let Some(partition) = self.location.remove(&id) else {
            return;
        };
        if let Some(shard) = self.shards.get_mut(&partition) {
            if let Some(engine) = shard.engine.as_mut() {
                engine.remove(id);
            }
            shard.meta.remove(&id);
        }
    }

    /// The matches of an indexed record under the continuous-matching rules.
    pub fn matches_of(
        &self,
        id: RecordId,
        query: &EncodedRecord,
        min_probability: f64,
        limit: usize,
    ) -> Vec<IndexMatch> {
        let Some(partition) = self.location.get(&id) else {
            return Vec::new();
        };
        let shard = &self.shards[partition];
        let Some(own) = shard.meta.get(&id) else {
            return Vec::new();
        };
        let admit = |other: RecordId, tag: Tag| {
            other != id
                && tag_owner(tag) != own.owner
                && (own.role == Role::Missing || tag_is_missing(tag))
        };
        // A roll record can only match open cases: search those alone.
        let scope = match own.role {
            Role::Roll => Scope::Sought,
            Role::Missing => Scope::All,
        };
        self.run(shard, query, scope, &admit, min_probability, limit)
    }

    /// A national search: `query` against every record of authorities other than `caller`
    /// under the agreement and epoch.
    pub fn search(
        &self,
        agreement_id: &str,
        epoch: u32,
        caller: &str,
        query: &EncodedRecord,
        min_probability: f64,
        limit: usize,
    ) -> Vec<IndexMatch> {
        let Some(shard) = self.shards.get(&(agreement_id.to_string(), epoch)) else {
            return Vec::new();
        };
        let caller = self.authorities.get(caller).map(|(_, owner)| *owner);
        let admit = |_: RecordId, tag: Tag| Some(tag_owner(tag)) != caller;
        self.run(shard, query, Scope::All, &admit, min_probability, limit)
    }

    fn run(
        &self,
        shard: &Shard,
        query: &EncodedRecord,
        scope: Scope,
        admit: &dyn Fn(RecordId, Tag) -> bool,
        min_probability: f64,
        limit: usize,
    ) -> Vec<IndexMatch> {
        let Some(engine) = shard.engine.as_ref() else {
            return Vec::new();
        };
        engine
            .search(query, scope, admit, min_probability, limit)
            .into_iter()
            .filter_map(|scored| {
                let meta = shard.meta.get(&scored.id)?.clone();
                Some(IndexMatch { scored, meta })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::engine::fellegi_sunter::tests::record;

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
                        encoding: record(10),
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
                encoding: record(10),
            },
        );
        index
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
            ids(&index.matches_of(1, &record(10), 0.5, 10)),
            vec![3, 4, 5]
        );
        assert_eq!(
            ids(&index.matches_of(3, &record(10), 0.5, 10)),
            vec![1, 2, 5]
        );
    }

    #[test]
    fn a_roll_record_matches_other_authorities_open_cases_only() {
        let index = index();
        assert_eq!(ids(&index.matches_of(2, &record(10), 0.5, 10)), vec![3]);
        assert_eq!(ids(&index.matches_of(5, &record(10), 0.5, 10)), vec![1, 3]);
        assert!(index.matches_of(6, &record(10), 0.5, 10).is_empty());
    }

    #[test]
    fn a_national_search_sees_every_other_member_authority_and_never_the_caller() {
        let index = index();
        let found = index.search("a1", 1, "383", &record(10), 0.5, 10);
        assert_eq!(ids(&found), vec![3, 4, 5]);
        assert!(found.iter().all(|m| &*m.meta.authority != "383"));
        // An authority with nothing indexed sees everything of the agreement.
        assert_eq!(
            ids(&index.search("a1", 1, "E10000002", &record(10), 0.5, 10)),
            vec![1, 2, 3, 4, 5]
        );
        assert!(index
            .search("a1", 2, "383", &record(10), 0.5, 10)
            .is_empty());
    }

    #[test]
    fn a_removed_record_is_no_longer_matched() {
        let mut index = index();
        index.remove(3);
        assert_eq!(ids(&index.matches_of(5, &record(10), 0.5, 10)), vec![1]);
        assert_eq!(index.len(), 5);
    }
}
