//! The seam between the hub and a matcher: the [`MatchEngine`] trait.
//!
//! The hub keeps one engine per agreement and key epoch (records under different keys can never
//! match) and decides *which* indexed records a query may be compared with (tenancy and role
//! rules, see `hub::index`); the engine decides how they compare:
//! [`fellegi_sunter::FellegiSunterEngine`] is `crate::matcher` behind the trait. Engines are
//! pure and synchronous: the hub calls them on blocking threads.

pub mod fellegi_sunter;
mod row_map;

pub use row_map::RowMap;

use std::sync::Arc;

pub use crate::matcher::compact::Prepared;
use crate::matcher::Model;
use crate::wire::EncodedRecord;

/// An indexed record id (the store's row id).
pub type RecordId = i64;

/// A small number the hub attaches to each record (its owner and role, see `hub::index`). The
/// engine keeps it beside the record and hands it to `admit`, so that deciding whether a
/// candidate may be compared reads an array instead of looking the record up in a map.
pub type Tag = u32;

/// One record to index.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The store's row id.
    pub id: RecordId,
    /// The hub's tag, given back to `admit`.
    pub tag: Tag,
    /// The hub-layer encoding, prepared for the matcher ([`prepare`]).
    pub record: Prepared,
    /// Also reachable by [`Scope::Sought`].
    pub sought: bool,
}

/// One scored comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// The indexed record.
    pub id: RecordId,
    /// The hub's tag of the indexed record, as inserted.
    pub tag: Tag,
    /// Match probability in `[0, 1]`.
    pub probability: f64,
    /// Match weight (log2 likelihood ratio).
    pub match_weight: f64,
    /// Why, field by field, as JSON.
    pub explanation: serde_json::Value,
}

/// Which indexed records a search looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every record.
    All,
    /// Only the records inserted as `sought` (the hub's open cases). The result is exactly
    /// the sought records [`Scope::All`] would return, at a cost that depends on how many
    /// records are sought, not on how many are indexed.
    Sought,
}

/// An in-memory index of encoded records that can score a query against them.
pub trait MatchEngine: Send + Sync {
    /// Adds (or replaces) a record; `sought` records are also reachable by [`Scope::Sought`].
    fn insert(&mut self, entry: Entry);
    /// Adds (or replaces) many records: the same as [`MatchEngine::insert`] on each in
    /// order, faster for a large batch.
    fn insert_many(&mut self, entries: Vec<Entry>) {
        for entry in entries {
            self.insert(entry);
        }
    }
    /// Removes a record; unknown ids are ignored.
    fn remove(&mut self, id: RecordId);
    /// Records held.
    fn len(&self) -> usize;
    /// Whether the index is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Scores `query` against the indexed records that share blocking evidence with it and
    /// that `admit` accepts (given each record's id and tag); returns those with at least
    /// `min_probability`, best first, at most `limit`.
    fn search(
        &self,
        query: &Prepared,
        scope: Scope,
        admit: &dyn Fn(RecordId, Tag) -> bool,
        min_probability: f64,
        limit: usize,
    ) -> Vec<Scored>;
}

/// A hub-layer encoding in the form the engine indexes and queries. The hub prepares each
/// record once, where it arrives (for a streamed batch, on the blocking pool while the batch
/// is being stored), and uses the result both to match the record and to index it.
pub fn prepare(encoding: &EncodedRecord) -> Prepared {
    Prepared::from_encoded(encoding)
}

/// A new, empty engine of the kind the hub uses, scoring with `model`.
pub fn new_engine(model: Arc<Model>) -> Box<dyn MatchEngine> {
    Box::new(fellegi_sunter::FellegiSunterEngine::new(model))
}

/// Sorts best first with a deterministic tie-break on the record id.
pub(crate) fn rank(scored: &mut Vec<Scored>, limit: usize) {
    scored.sort_by(|a, b| {
        b.match_weight
            .total_cmp(&a.match_weight)
            .then(a.id.cmp(&b.id))
    });
    scored.truncate(limit);
}
