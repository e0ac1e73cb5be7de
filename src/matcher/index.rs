//! The in-memory index: compact records in slots, postings from token fingerprints to slots
//! for candidate generation, and MinHash LSH bands on the names filter, and on each field
//! filter keyed with the DOB check byte, for pairs that share no key (several errors at once).
//!
//! Candidate generation is linear in the data: a query looks up each of its ~20 tokens and
//! each LSH band, and only records sharing one of them are compared. Every token is posted:
//! since protocol v2 has no single-name key, a `group-dob` key (a nickname) or an
//! alternative-form `name-dob` key (a former or part surname) may be the only one a true pair
//! shares. LSH bands whose posting list grows beyond
//! `max_lsh_posting` (very common name shapes) are skipped at query time, as P-Sig does.
//!
//! Postings are a sorted base array (with a directory over the top bits of the keys, which
//! are uniform hashes, so a lookup searches one small bucket) plus a hash-map delta for recent
//! inserts, or merged straight into the base for a bulk insert; removals mark
//! the slot dead and are purged when the delta is merged (geometric, so insert is amortised
//! O(log n)). Slots are reused only after their postings are purged, so a posting never
//! points at the wrong record.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::matcher::chunked::ChunkedVec;
use crate::matcher::compact::{
    splitmix, CompactRecord, Prepared, RecordView, Token, HAS_DOB, HAS_FORENAME, HAS_NAMES,
    HAS_SURNAME,
};

/// A record's position in the index.
pub type Slot = u32;

/// Candidate-generation settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexConfig {
    /// LSH bands on the names filter (0 disables LSH).
    pub lsh_bands: usize,
    /// MinHash values per band.
    pub lsh_rows: usize,
    /// LSH bands on each field filter, keyed with the DOB check byte (0 disables them).
    pub field_lsh_bands: usize,
    /// MinHash values per field-filter band.
    pub field_lsh_rows: usize,
    /// LSH bands with more postings than this are not used for candidates.
    pub max_lsh_posting: usize,
    /// Seed of the MinHash functions (fixed: the hub and tests must agree).
    pub lsh_seed: u64,
}

impl Default for IndexConfig {
    fn default() -> Self {
        IndexConfig {
            lsh_bands: 6,
            lsh_rows: 4,
            field_lsh_bands: 3,
            field_lsh_rows: 3,
            max_lsh_posting: 4096,
            lsh_seed: 0x5eed_0f1a_5b00,
        }
    }
}

/// A hasher for keys that are already uniformly random (fingerprints).
#[derive(Default, Clone, Copy)]
pub struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u32(&mut self, i: u32) {
        self.0 = splitmix(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = splitmix(i);
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<IdentityHasher>>;

/// MinHash LSH over the set bits of the names filter.
#[derive(Debug, Clone)]
struct Lsh {
    bands: usize,
    rows: usize,
    field_bands: usize,
    field_rows: usize,
    /// One random value per (bit, hash function), bit-major: the values of all functions for
    /// one bit are contiguous, so a filter's MinHash is one pass over its set bits taking
    /// element-wise minima (which vectorises) instead of a gather per function.
    names_table: Vec<u32>,
    /// The same for the field filters' functions (256 bits).
    field_table: Vec<u32>,
}

impl Lsh {
    fn new(config: &IndexConfig) -> Lsh {
        let mut state = config.lsh_seed;
        let names_functions = config.lsh_bands * config.lsh_rows;
        let field_functions = config.field_lsh_bands * config.field_lsh_rows;
        // Function-major generation order (function f's 512 values, then f + 1's), kept
        // from the original layout so band keys do not change.
        let mut names_table = vec![0u32; 512 * names_functions];
        let mut field_table = vec![0u32; 256 * field_functions];
        for f in 0..names_functions + field_functions {
            for bit in 0..512 {
                state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let value = (splitmix(state) >> 32) as u32;
                if f < names_functions {
                    names_table[bit * names_functions + f] = value;
                } else if bit < 256 {
                    field_table[bit * field_functions + f - names_functions] = value;
                }
            }
        }
        Lsh {
            bands: config.lsh_bands,
            rows: config.lsh_rows,
            field_bands: config.field_lsh_bands,
            field_rows: config.field_lsh_rows,
            names_table,
            field_table,
        }
    }

    /// Bytes the tables take.
    fn table_bytes(&self) -> usize {
        (self.names_table.len() + self.field_table.len()) * 4
    }

    /// The band keys of a record: MinHash bands of the names filter, and of each field filter
    /// keyed with the DOB check byte. The field bands find a pair whose names differ too much
    /// for the names filter's bands but whose date and one name's filter still agree (the
    /// `salt_verified` pairs of `compare`); the check byte keeps unrelated filters of other
    /// dates, whose MinHash values collide often in 256 bits, out of each other's postings.
    fn band_keys(&self, record: &CompactRecord, out: &mut Vec<u32>) {
        let most = (self.bands * self.rows).max(self.field_bands * self.field_rows);
        let (mut stack, mut heap) = ([0u32; 64], Vec::new());
        let mins: &mut [u32] = if most <= stack.len() {
            &mut stack
        } else {
            heap.resize(most, 0);
            &mut heap
        };
        if record.has(HAS_NAMES) && self.bands > 0 {
            let functions = self.bands * self.rows;
            let mins = &mut mins[..functions];
            min_hashes(&self.names_table, &record.names, mins);
            for (band, rows) in mins.chunks(self.rows).enumerate() {
                out.push(band_key(0xB5AD_4ECE_DA1C_E2A9u64 ^ band as u64, rows));
            }
        }
        if !record.has(HAS_DOB) || self.field_bands == 0 {
            return;
        }
        let functions = self.field_bands * self.field_rows;
        for (field, filter, has) in [
            (1u64, &record.forename, HAS_FORENAME),
            (2, &record.surname, HAS_SURNAME),
        ] {
            if !record.has(has) {
                continue;
            }
            let mins = &mut mins[..functions];
            min_hashes(&self.field_table, filter, mins);
            for (band, rows) in mins.chunks(self.field_rows).enumerate() {
                let seed = 0x6A09_E667_F3BC_C908u64
                    ^ field << 8
                    ^ band as u64
                    ^ u64::from(record.dob_check) << 16;
                out.push(band_key(seed, rows));
            }
        }
    }
}

/// Asks the CPU to start loading the cache lines of the first `bytes` bytes of `value` (a
/// hint: it never faults and changes nothing). Candidates are scattered over an index of
/// hundreds of megabytes, so a comparison loop that waits for each record in turn is bound by
/// memory latency.
#[inline(always)]
#[allow(unsafe_code)]
fn prefetch<T>(value: &T, bytes: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let start = (value as *const T).cast::<i8>();
        let size = bytes.min(std::mem::size_of::<T>());
        let mut offset = 0;
        while offset < size {
            // SAFETY: SSE is part of x86_64, and a prefetch reads nothing into the program:
            // it cannot fault, even for an address it is not allowed to read (these are all
            // inside `value` anyway).
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(offset)) };
            offset += 64;
        }
        // SAFETY: as above; the last byte's line, when `value` straddles one more line.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(size.saturating_sub(1))) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (value, bytes);
}

/// Each function's minimum over the filter's set bits (`table` bit-major with `mins.len()`
/// functions per bit); 0 for an empty filter.
fn min_hashes<const W: usize>(table: &[u32], filter: &[u64; W], mins: &mut [u32]) {
    let functions = mins.len();
    mins.fill(u32::MAX);
    let mut any = false;
    for (w, word) in filter.iter().enumerate() {
        let mut x = *word;
        while x != 0 {
            let bit = w * 64 + x.trailing_zeros() as usize;
            x &= x - 1;
            any = true;
            let values = &table[bit * functions..(bit + 1) * functions];
            for (m, v) in mins.iter_mut().zip(values) {
                *m = (*m).min(*v);
            }
        }
    }
    if !any {
        mins.fill(0);
    }
}

/// A band's key from its rows' minima.
fn band_key(seed: u64, rows: &[u32]) -> u32 {
    let mut h = seed;
    for &min in rows {
        h = splitmix(h ^ u64::from(min));
    }
    (h >> 32) as u32
}

/// The positions of a filter's set bits, written to `out`; returns how many.
#[cfg(test)]
fn set_bits<const W: usize>(filter: &[u64; W], out: &mut [u16; 512]) -> usize {
    let mut n = 0;
    for (w, word) in filter.iter().enumerate() {
        let mut x = *word;
        while x != 0 {
            out[n] = (w * 64 + x.trailing_zeros() as usize) as u16;
            n += 1;
            x &= x - 1;
        }
    }
    n
}

/// One band key: the minimum of each function over the set bits, mixed into `seed` (the
/// plain function-major form, an oracle for [`Lsh::band_keys`]).
#[cfg(test)]
fn min_hash_band(seed: u64, functions: &[[u32; 512]], bits: &[u16]) -> u32 {
    let mut h = seed;
    for table in functions {
        let min = bits
            .iter()
            .map(|&b| table[usize::from(b)])
            .min()
            .unwrap_or(0);
        h = splitmix(h ^ u64::from(min));
    }
    (h >> 32) as u32
}

/// Postings: a sorted base plus a hash-map delta.
#[derive(Debug, Default, Clone)]
struct Postings {
    base: Vec<(u32, Slot)>,
    /// `dir[b]` is the first posting of the base whose key has top bits `b` (empty: none).
    dir: Vec<u32>,
    dir_shift: u32,
    delta: FastMap<u32, Vec<Slot>>,
    delta_len: usize,
}

impl Postings {
    fn add(&mut self, key: u32, slot: Slot) {
        self.delta.entry(key).or_default().push(slot);
        self.delta_len += 1;
    }

    /// The postings of `key` in the base: the directory narrows the binary search to one
    /// bucket of the top bits (keys are uniform hashes), so a lookup touches a few cache lines
    /// instead of ~log2(n) of them across the whole base.
    fn base_range(&self, key: u32) -> &[(u32, Slot)] {
        let (lo, hi) = if self.dir.is_empty() {
            (0, self.base.len())
        } else {
            let b = (key >> self.dir_shift) as usize;
            (self.dir[b] as usize, self.dir[b + 1] as usize)
        };
        let bucket = &self.base[lo..hi];
        let start = bucket.partition_point(|p| p.0 < key);
        let end = start + bucket[start..].partition_point(|p| p.0 == key);
        &bucket[start..end]
    }

    /// Rebuilds the directory after the base changed.
    fn index_base(&mut self) {
        let n = self.base.len();
        if n < 1 << 12 {
            self.dir = Vec::new();
            return;
        }
        use rayon::prelude::*;
        // About 8 postings per bucket, 2^8 to 2^22 buckets.
        let bits = (usize::BITS - (n / 8).leading_zeros()).clamp(8, 22);
        let shift = 32 - bits;
        self.dir_shift = shift;
        let buckets = 1usize << bits;
        let base = &self.base;
        let mut dir = vec![0u32; buckets + 1];
        // Each stretch of buckets finds its first posting by binary search, then walks.
        const STRETCH: usize = 1 << 14;
        dir[..buckets]
            .par_chunks_mut(STRETCH)
            .enumerate()
            .for_each(|(c, out)| {
                let first = c * STRETCH;
                let mut i = base.partition_point(|p| ((p.0 >> shift) as usize) < first);
                for (k, slot) in out.iter_mut().enumerate() {
                    let b = first + k;
                    while i < n && ((base[i].0 >> shift) as usize) < b {
                        i += 1;
                    }
                    *slot = i as u32;
                }
            });
        dir[buckets] = n as u32;
        self.dir = dir;
    }

    fn count(&self, key: u32) -> usize {
        self.base_range(key).len() + self.delta.get(&key).map_or(0, Vec::len)
    }

    fn for_each(&self, key: u32, mut f: impl FnMut(Slot)) {
        for p in self.base_range(key) {
            f(p.1);
        }
        if let Some(list) = self.delta.get(&key) {
            list.iter().copied().for_each(f);
        }
    }

    /// Folds the delta into the base and drops postings of dead slots.
    fn merge(&mut self, dead: &[bool]) {
        self.merge_with(dead, Vec::new());
    }

    /// [`Postings::merge`], with `added` postings folded in too.
    ///
    /// The key space is cut into pieces of about equal share of the base, merged on all
    /// cores into their own stretch of the output; the pieces are then closed up over the
    /// postings of dead slots they dropped. The result is the one sorted, live list a
    /// sequential merge gives.
    fn merge_with(&mut self, dead: &[bool], mut added: Vec<(u32, Slot)>) {
        use rayon::prelude::*;
        added.reserve(self.delta_len);
        for (key, slots) in self.delta.drain() {
            added.extend(slots.into_iter().map(|s| (key, s)));
        }
        self.delta_len = 0;
        self.delta.shrink_to_fit();
        added.par_sort_unstable();
        let old = std::mem::take(&mut self.base);
        let total = old.len() + added.len();
        let n_pieces = if total < 1 << 16 {
            1
        } else {
            rayon::current_num_threads() * 4
        };
        // Piece i covers keys in [bounds[i], bounds[i + 1]); cuts fall between keys, so each
        // key's postings stay in one piece.
        let mut bounds: Vec<(usize, usize)> = vec![(0, 0)];
        for i in 1..n_pieces {
            let probe = if old.is_empty() {
                added[i * added.len() / n_pieces].0
            } else {
                old[i * old.len() / n_pieces].0
            };
            let cut = (
                old.partition_point(|p| p.0 < probe),
                added.partition_point(|p| p.0 < probe),
            );
            if cut > *bounds.last().expect("starts with zero") {
                bounds.push(cut);
            }
        }
        bounds.push((old.len(), added.len()));
        let mut merged = vec![(0u32, 0 as Slot); total];
        let mut outputs: Vec<&mut [(u32, Slot)]> = Vec::with_capacity(bounds.len() - 1);
        let mut rest = merged.as_mut_slice();
        for pair in bounds.windows(2) {
            let len = (pair[1].0 - pair[0].0) + (pair[1].1 - pair[0].1);
            let (piece, tail) = rest.split_at_mut(len);
            outputs.push(piece);
            rest = tail;
        }
        let kept: Vec<usize> = outputs
            .into_par_iter()
            .zip(bounds.par_windows(2))
            .map(|(out, pair)| {
                merge_live(
                    &old[pair[0].0..pair[1].0],
                    &added[pair[0].1..pair[1].1],
                    dead,
                    out,
                )
            })
            .collect();
        drop(old);
        drop(added);
        let mut write = 0;
        let mut read = 0;
        for (pair, kept) in bounds.windows(2).zip(kept) {
            let len = (pair[1].0 - pair[0].0) + (pair[1].1 - pair[0].1);
            if read != write {
                merged.copy_within(read..read + kept, write);
            }
            write += kept;
            read += len;
        }
        merged.truncate(write);
        merged.shrink_to_fit();
        self.base = merged;
        self.index_base();
    }

    fn bytes(&self) -> usize {
        self.base.capacity() * 8
            + self.dir.capacity() * 4
            + self.delta.capacity() * (4 + 24 + 1)
            + self.delta.values().map(|v| v.capacity() * 4).sum::<usize>()
    }
}

/// Merges two sorted posting lists into `out`, dropping postings of dead slots; returns how
/// many were written.
fn merge_live(
    old: &[(u32, Slot)],
    added: &[(u32, Slot)],
    dead: &[bool],
    out: &mut [(u32, Slot)],
) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < old.len() || j < added.len() {
        let take_old = j >= added.len() || (i < old.len() && old[i] <= added[j]);
        let p = if take_old {
            i += 1;
            old[i - 1]
        } else {
            j += 1;
            added[j - 1]
        };
        if !dead[p.1 as usize] {
            out[n] = p;
            n += 1;
        }
    }
    n
}

/// The in-memory index.
#[derive(Debug, Clone)]
pub struct Index {
    config: IndexConfig,
    lsh: Lsh,
    records: ChunkedVec<CompactRecord>,
    spans: Vec<(u32, u32)>,
    fingerprints: Vec<u32>,
    tags: Vec<u8>,
    checks: Vec<u16>,
    /// Slot is removed (its postings may not be purged yet).
    dead: Vec<bool>,
    /// Removed slots whose postings are still present.
    pending: Vec<Slot>,
    /// Slots free for reuse.
    free: Vec<Slot>,
    garbage_tokens: usize,
    postings: Postings,
    live: usize,
}

impl Default for Index {
    fn default() -> Self {
        Index::new(IndexConfig::default())
    }
}

/// Counters of one candidate lookup.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LookupStats {
    /// Postings visited.
    pub postings: usize,
    /// LSH bands skipped for being too common.
    pub skipped_bands: usize,
}

impl Index {
    /// An empty index.
    pub fn new(config: IndexConfig) -> Index {
        Index {
            lsh: Lsh::new(&config),
            config,
            records: ChunkedVec::new(),
            spans: Vec::new(),
            fingerprints: Vec::new(),
            tags: Vec::new(),
            checks: Vec::new(),
            dead: Vec::new(),
            pending: Vec::new(),
            free: Vec::new(),
            garbage_tokens: 0,
            postings: Postings::default(),
            live: 0,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &IndexConfig {
        &self.config
    }

    /// Records held.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Whether a slot holds a live record.
    pub fn is_live(&self, slot: Slot) -> bool {
        (slot as usize) < self.dead.len() && !self.dead[slot as usize]
    }

    /// Stores a record's compact form and tokens in a free (or new) slot and marks it live;
    /// the caller posts its tokens and bands.
    fn place(&mut self, record: &Prepared) -> Slot {
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.records.push(record.compact);
                self.spans.push((0, 0));
                self.dead.push(false);
                (self.records.len() - 1) as Slot
            }
        };
        let offset = self.fingerprints.len() as u32;
        self.fingerprints
            .extend(record.tokens.iter().map(|t| t.fingerprint));
        self.tags.extend(record.tokens.iter().map(|t| t.tag));
        self.checks.extend(record.tokens.iter().map(|t| t.check));
        self.records[slot as usize] = record.compact;
        self.spans[slot as usize] = (offset, record.tokens.len() as u32);
        self.dead[slot as usize] = false;
        self.live += 1;
        slot
    }

    /// Adds a record and returns its slot.
    pub fn insert(&mut self, record: &Prepared) -> Slot {
        let slot = self.place(record);
        for t in record.tokens.iter() {
            self.postings.add(t.fingerprint, slot);
        }
        for &key in self.bands_of(record).iter() {
            self.postings.add(key, slot);
        }
        self.maybe_merge();
        slot
    }

    /// A record's band keys under this index's configuration (kept in the record).
    fn bands_of<'a>(&self, record: &'a Prepared) -> Cow<'a, [u32]> {
        record.bands_under(&self.config, |compact| {
            let mut bands = Vec::with_capacity(self.config.lsh_bands + 6);
            self.lsh.band_keys(compact, &mut bands);
            bands
        })
    }

    /// Adds many records at once and returns their slots, in order: the same index as
    /// [`Index::insert`] one by one, but their postings are sorted and merged into the base in
    /// one pass instead of going through the hash-map delta (a bulk load or a large batch).
    pub fn insert_many<'a>(
        &mut self,
        records: impl IntoIterator<Item = &'a Prepared>,
    ) -> Vec<Slot> {
        let records: Vec<&Prepared> = records.into_iter().collect();
        // Band keys are pure functions of each record: compute them on all cores first.
        let band_keys = |record: &&'a Prepared| self.bands_of(record);
        let bands: Vec<Cow<'a, [u32]>> = if records.len() >= 1024 {
            use rayon::prelude::*;
            records.par_iter().map(band_keys).collect()
        } else {
            records.iter().map(band_keys).collect()
        };
        let n_added = records.iter().map(|r| r.tokens.len()).sum::<usize>()
            + bands.iter().map(|b| b.len()).sum::<usize>();
        let mut added: Vec<(u32, Slot)> = Vec::with_capacity(n_added);
        let mut slots = Vec::with_capacity(records.len());
        for (record, bands) in records.into_iter().zip(bands) {
            let slot = self.place(record);
            added.extend(record.tokens.iter().map(|t| (t.fingerprint, slot)));
            added.extend(bands.iter().map(|&key| (key, slot)));
            slots.push(slot);
        }
        if added.len() * 8 < self.postings.base.len() {
            // Small next to the base: the delta is cheaper than rewriting the base.
            for (key, slot) in added {
                self.postings.add(key, slot);
            }
            self.maybe_merge();
        } else {
            self.postings.merge_with(&self.dead, added);
            self.free.append(&mut self.pending);
            self.collect_garbage();
        }
        slots
    }

    /// Removes the record in a slot; unknown or dead slots are ignored.
    pub fn remove(&mut self, slot: Slot) {
        if !self.is_live(slot) {
            return;
        }
        self.dead[slot as usize] = true;
        self.live -= 1;
        self.garbage_tokens += self.spans[slot as usize].1 as usize;
        self.pending.push(slot);
        self.maybe_merge();
    }

    fn maybe_merge(&mut self) {
        let delta_big = self.postings.delta_len > (self.postings.base.len() / 4).max(65_536);
        let dead_many = self.pending.len() > (self.live / 8).max(4096);
        if delta_big || dead_many {
            self.compact();
        }
    }

    /// Merges pending postings, purges removed records and reclaims their slots.
    pub fn compact(&mut self) {
        self.postings.merge(&self.dead);
        self.free.append(&mut self.pending);
        self.collect_garbage();
    }

    /// Drops the tokens of removed records once they are half of what is held.
    fn collect_garbage(&mut self) {
        if self.garbage_tokens * 2 > self.fingerprints.len() {
            let mut fingerprints =
                Vec::with_capacity(self.fingerprints.len() - self.garbage_tokens);
            let mut tags = Vec::with_capacity(fingerprints.capacity());
            let mut checks = Vec::with_capacity(fingerprints.capacity());
            for (slot, span) in self.spans.iter_mut().enumerate() {
                let (offset, len) = *span;
                let range = offset as usize..(offset + len) as usize;
                let new_offset = fingerprints.len() as u32;
                if self.dead[slot] {
                    *span = (new_offset, 0);
                    continue;
                }
                fingerprints.extend_from_slice(&self.fingerprints[range.clone()]);
                tags.extend_from_slice(&self.tags[range.clone()]);
                checks.extend_from_slice(&self.checks[range]);
                *span = (new_offset, len);
            }
            self.fingerprints = fingerprints;
            self.tags = tags;
            self.checks = checks;
            self.garbage_tokens = 0;
        }
    }

    /// The record in a slot, with its tokens copied into `buffer`.
    pub fn view<'a>(&'a self, slot: Slot, buffer: &'a mut Vec<Token>) -> RecordView<'a> {
        let (offset, len) = self.spans[slot as usize];
        let range = offset as usize..(offset + len) as usize;
        buffer.clear();
        buffer.extend(
            self.fingerprints[range.clone()]
                .iter()
                .zip(&self.checks[range.clone()])
                .zip(&self.tags[range])
                .map(|((&fingerprint, &check), &tag)| Token {
                    fingerprint,
                    check,
                    tag,
                }),
        );
        RecordView {
            compact: &self.records[slot as usize],
            tokens: buffer,
        }
    }

    /// A hint that the record in `slot` will be compared soon: starts loading its compact
    /// record and its token span. Changes no result; see [`Index::prefetch_tokens`].
    #[inline]
    pub fn prefetch_record(&self, slot: Slot) {
        let i = slot as usize;
        if i < self.records.len() {
            prefetch(&self.records[i], std::mem::size_of::<CompactRecord>());
            prefetch(&self.spans[i], 8);
        }
    }

    /// A hint that the tokens of `slot` will be read soon. It reads the slot's span, so it
    /// pays off a few slots after [`Index::prefetch_record`] of the same slot.
    #[inline]
    pub fn prefetch_tokens(&self, slot: Slot) {
        let Some(&(offset, len)) = self.spans.get(slot as usize) else {
            return;
        };
        if len == 0 {
            return;
        }
        let (first, last) = (offset as usize, (offset + len - 1) as usize);
        if let (Some(start), Some(end)) =
            (self.fingerprints.get(first), self.fingerprints.get(last))
        {
            prefetch(start, 4);
            prefetch(end, 4);
        }
        if let Some(tag) = self.tags.get(first) {
            prefetch(tag, 1);
        }
    }

    /// How many live records hold `token` (the same token: fingerprint, check and family or
    /// scheme), counted through its postings. Exact whatever the index's history: postings of
    /// removed records not yet purged, and fingerprint collisions with other tokens or LSH
    /// bands, are not counted. A key's postings are few, so this costs a few lookups.
    pub fn holders(&self, token: Token) -> usize {
        let mut slots: Vec<Slot> = Vec::new();
        self.postings.for_each(token.fingerprint, |s| {
            if !self.dead[s as usize] && self.holds(s, token) {
                slots.push(s);
            }
        });
        // A record posts a fingerprint twice only when two of its tokens collide on it.
        slots.sort_unstable();
        slots.dedup();
        slots.len()
    }

    /// Whether the record in a live slot holds `token` (its tokens are sorted by fingerprint).
    fn holds(&self, slot: Slot, token: Token) -> bool {
        let (offset, len) = self.spans[slot as usize];
        let range = offset as usize..(offset + len) as usize;
        let fingerprints = &self.fingerprints[range.clone()];
        let start = fingerprints.partition_point(|&f| f < token.fingerprint);
        fingerprints[start..]
            .iter()
            .take_while(|&&f| f == token.fingerprint)
            .enumerate()
            .any(|(k, &fingerprint)| {
                let i = range.start + start + k;
                let held = Token {
                    fingerprint,
                    check: self.checks[i],
                    tag: self.tags[i],
                };
                held.identity() == token.identity()
            })
    }

    /// The candidate slots for a query, sorted and distinct, with lookup counters.
    pub fn candidates(&self, query: &Prepared, out: &mut Vec<Slot>) -> LookupStats {
        self.candidates_counting(query, self, out)
    }

    /// [`Index::candidates`] of a sub-index (a subset of the records of `counts`, in its own
    /// slots): the LSH bands skipped are those too common in `counts`, so the slots returned
    /// are exactly the subset's records among what `counts.candidates` would return.
    pub fn candidates_within(
        &self,
        query: &Prepared,
        counts: &Index,
        out: &mut Vec<Slot>,
    ) -> LookupStats {
        self.candidates_counting(query, counts, out)
    }

    fn candidates_counting(
        &self,
        query: &Prepared,
        counts: &Index,
        out: &mut Vec<Slot>,
    ) -> LookupStats {
        out.clear();
        let mut stats = LookupStats::default();
        for t in &query.tokens {
            self.postings.for_each(t.fingerprint, |s| out.push(s));
        }
        let sub_index = !std::ptr::eq(self, counts);
        for &key in self.bands_of(query).iter() {
            // A band this (small) sub-index does not hold adds nothing, whether or not it is
            // skipped: the count in the large index is not looked up.
            if sub_index && self.postings.count(key) == 0 {
                continue;
            }
            if counts.postings.count(key) > self.config.max_lsh_posting {
                stats.skipped_bands += 1;
                continue;
            }
            self.postings.for_each(key, |s| out.push(s));
        }
        stats.postings = out.len();
        out.sort_unstable();
        out.dedup();
        out.retain(|&s| !self.dead[s as usize]);
        stats
    }

    /// Every live slot (exhaustive mode).
    pub fn all_slots(&self) -> impl Iterator<Item = Slot> + '_ {
        (0..self.records.len() as Slot).filter(|&s| !self.dead[s as usize])
    }

    /// Approximate heap bytes held, for the memory figure.
    pub fn heap_bytes(&self) -> usize {
        self.records.capacity() * std::mem::size_of::<CompactRecord>()
            + self.spans.capacity() * 8
            + self.fingerprints.capacity() * 4
            + self.tags.capacity()
            + self.checks.capacity() * 2
            + self.dead.capacity()
            + (self.pending.capacity() + self.free.capacity()) * 4
            + self.postings.bytes()
            + self.lsh.table_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The band keys as first specified: for each band, each row's function-major table
    /// gathered over the set bits, minimised and mixed in.
    fn oracle_band_keys(config: &IndexConfig, record: &CompactRecord) -> Vec<u32> {
        let mut state = config.lsh_seed;
        let functions =
            config.lsh_bands * config.lsh_rows + config.field_lsh_bands * config.field_lsh_rows;
        let tables: Vec<[u32; 512]> = (0..functions)
            .map(|_| {
                std::array::from_fn(|_| {
                    state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                    (splitmix(state) >> 32) as u32
                })
            })
            .collect();
        let mut bits = [0u16; 512];
        let mut out = Vec::new();
        if record.has(HAS_NAMES) {
            let n = set_bits(&record.names, &mut bits);
            for band in 0..config.lsh_bands {
                let seed = 0xB5AD_4ECE_DA1C_E2A9u64 ^ band as u64;
                let rows = &tables[band * config.lsh_rows..(band + 1) * config.lsh_rows];
                out.push(min_hash_band(seed, rows, &bits[..n]));
            }
        }
        if record.has(HAS_DOB) {
            let first = config.lsh_bands * config.lsh_rows;
            for (field, filter, has) in [
                (1u64, &record.forename, HAS_FORENAME),
                (2, &record.surname, HAS_SURNAME),
            ] {
                if !record.has(has) {
                    continue;
                }
                let n = set_bits(filter, &mut bits);
                for band in 0..config.field_lsh_bands {
                    let seed = 0x6A09_E667_F3BC_C908u64
                        ^ field << 8
                        ^ band as u64
                        ^ u64::from(record.dob_check) << 16;
                    let at = first + band * config.field_lsh_rows;
                    let rows = &tables[at..at + config.field_lsh_rows];
                    out.push(min_hash_band(seed, rows, &bits[..n]));
                }
            }
        }
        out
    }

    fn filled<const W: usize>(seed: u64, density: u32) -> [u64; W] {
        std::array::from_fn(|i| {
            let mut x = splitmix(seed ^ i as u64);
            for _ in 1..density {
                x &= splitmix(x);
            }
            x
        })
    }

    /// A record of name filters and a DOB check byte, nothing else.
    fn filters_only(
        forename: [u64; 4],
        surname: [u64; 4],
        names: [u64; 8],
        present: u8,
        dob_check: u8,
    ) -> CompactRecord {
        CompactRecord {
            forename,
            surname,
            names,
            under_id_names: [0; 4],
            under_id_salt: 0,
            under_id_dob: 0,
            forename_popcount: 0,
            surname_popcount: 0,
            names_popcount: 0,
            under_id_names_popcount: 0,
            present,
            dob_check,
            sex_check: 0,
        }
    }

    #[test]
    fn bit_major_min_hashing_gives_the_oracle_band_keys() {
        let config = IndexConfig::default();
        let lsh = Lsh::new(&config);
        for seed in 0..200u64 {
            let surname = if seed % 7 == 0 {
                [0; 4]
            } else {
                filled(seed + 1000, 3)
            };
            let dob = if seed % 3 == 0 { 0 } else { HAS_DOB };
            let record = filters_only(
                filled(seed, 2),
                surname,
                filled(seed + 2000, 2),
                HAS_FORENAME | HAS_SURNAME | HAS_NAMES | dob,
                seed as u8,
            );
            let mut keys = Vec::new();
            lsh.band_keys(&record, &mut keys);
            assert_eq!(keys, oracle_band_keys(&config, &record), "record {seed}");
        }
    }

    #[test]
    fn band_keys_kept_in_a_record_serve_only_indexes_of_the_same_configuration() {
        let compact = filters_only(
            filled(1, 2),
            filled(2, 3),
            filled(3, 2),
            HAS_FORENAME | HAS_SURNAME | HAS_NAMES | HAS_DOB,
            9,
        );
        let fresh = || Prepared::new(compact, Vec::new());
        let ours = Index::default();
        let theirs = Index::new(IndexConfig {
            lsh_seed: 1,
            ..IndexConfig::default()
        });
        let record = fresh();
        // Asked by one index, then by one with other hash functions, then by the first again.
        let first = ours.bands_of(&record).into_owned();
        let other = theirs.bands_of(&record).into_owned();
        assert_eq!(first, ours.bands_of(&fresh()).into_owned());
        assert_eq!(other, theirs.bands_of(&fresh()).into_owned());
        assert_ne!(first, other);
        assert!(
            matches!(ours.bands_of(&record), Cow::Borrowed(_)),
            "kept, not recomputed"
        );
        let mut keys = Vec::new();
        ours.lsh.band_keys(&compact, &mut keys);
        assert_eq!(first, keys);
    }

    #[test]
    fn holders_counts_the_live_records_holding_the_token_and_nothing_that_collides_with_it() {
        let token = |fingerprint: u32, check: u16, tag: u8| Token {
            fingerprint,
            check,
            tag,
        };
        let key = token(77, 5, 0x70);
        let collision = token(77, 6, 0x70);
        let other_family = token(77, 5, 0x80);
        let record =
            |tokens: Vec<Token>| Prepared::new(filters_only([0; 4], [0; 4], [0; 8], 0, 0), tokens);
        let mut index = Index::default();
        let holding: Vec<Slot> = (0..3)
            .map(|i| index.insert(&record(vec![token(i, 0, 0x10), key])))
            .collect();
        index.insert(&record(vec![collision]));
        index.insert(&record(vec![other_family]));
        index.insert(&record(vec![token(78, 5, 0x70)]));
        assert_eq!(index.holders(key), 3);
        // Removed, its postings not yet purged: no longer counted.
        index.remove(holding[1]);
        assert_eq!(index.holders(key), 2);
        index.compact();
        assert_eq!(index.holders(key), 2);
        assert_eq!(index.holders(collision), 1);
        // Flags are not part of a key's identity.
        assert_eq!(index.holders(token(77, 5, 0x73)), 2);
    }

    /// The naive merge: everything sorted, dead slots dropped.
    fn oracle_merge(
        base: &[(u32, Slot)],
        added: &[(u32, Slot)],
        delta: &[(u32, Slot)],
        dead: &[bool],
    ) -> Vec<(u32, Slot)> {
        let mut all: Vec<(u32, Slot)> = base.iter().chain(added).chain(delta).copied().collect();
        all.retain(|p| !dead[p.1 as usize]);
        all.sort_unstable();
        all
    }

    #[test]
    fn the_parallel_merge_gives_the_sorted_live_postings() {
        // Large enough to be cut into pieces; few distinct keys in one case, so that a key's
        // postings straddle where a cut would fall without the key boundary rule.
        for (n_base, n_added, distinct_keys) in [
            (0, 100, 1000),
            (200_000, 50_000, 1 << 30),
            (150_000, 90_000, 7),
            (300, 0, 50),
        ] {
            let slots = 40_000u32;
            let dead: Vec<bool> = (0..slots)
                .map(|s| splitmix(u64::from(s)) % 5 == 0)
                .collect();
            let posting = |i: u64| {
                let x = splitmix(i);
                ((x >> 32) as u32 % distinct_keys, (x as u32) % slots)
            };
            let mut base: Vec<(u32, Slot)> = (0..n_base).map(posting).collect();
            base.sort_unstable();
            let added: Vec<(u32, Slot)> = (0..n_added).map(|i| posting(i + (1 << 40))).collect();
            let delta: Vec<(u32, Slot)> = (0..500).map(|i| posting(i + (1 << 50))).collect();
            let mut postings = Postings {
                base: base.clone(),
                ..Postings::default()
            };
            for &(key, slot) in &delta {
                postings.add(key, slot);
            }
            postings.merge_with(&dead, added.clone());
            let expected = oracle_merge(&base, &added, &delta, &dead);
            assert_eq!(
                postings.base, expected,
                "{n_base} + {n_added}, {distinct_keys} keys"
            );
            assert_eq!(postings.delta_len, 0);
            let key = expected.get(expected.len() / 2).map_or(0, |p| p.0);
            let from_range: Vec<(u32, Slot)> = postings.base_range(key).to_vec();
            let from_scan: Vec<(u32, Slot)> =
                expected.iter().filter(|p| p.0 == key).copied().collect();
            assert_eq!(from_range, from_scan);
        }
    }
}
