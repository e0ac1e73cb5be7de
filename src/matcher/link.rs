//! Bulk linkage of two sets of encoded records and one search against an index.
//!
//! One entry point, [`link`], chooses between the sequential and the parallel run from
//! [`LinkConfig::threads`]; both produce the same links in the same order (sorted by
//! probability, then left, then right), and [`link_naive`] is the obviously-correct oracle:
//! every pair, no index, no threads.

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::matcher::compact::{Prepared, RecordView, Token};
use crate::matcher::compare::{compare, ComparisonVector};
use crate::matcher::index::{Index, IndexConfig, Slot};
use crate::matcher::model::{Model, Score, ScoreContext};
use crate::matcher::resolve::Pairing;

/// How to run a linkage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkConfig {
    /// Worker threads: 1 runs sequentially on the caller's thread; 0 uses every core.
    pub threads: usize,
    /// Compare every pair instead of generating candidates (small inputs; blocking recall).
    pub exhaustive: bool,
    /// Pairs below this probability are not kept.
    pub floor: f64,
    /// Candidate generation.
    pub index: IndexConfig,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            threads: 0,
            exhaustive: false,
            floor: 0.5,
            index: IndexConfig::default(),
        }
    }
}

/// One scored pair.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Link {
    /// Index into the left input.
    pub left: usize,
    /// Index into the right input.
    pub right: usize,
    /// The score.
    pub score: Score,
    /// The comparison behind it.
    pub vector: ComparisonVector,
}

impl Pairing for Link {
    fn left(&self) -> usize {
        self.left
    }
    fn right(&self) -> usize {
        self.right
    }
    fn weight(&self) -> f64 {
        self.score.match_weight
    }
}

/// Counters of a linkage run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Left records.
    pub left: usize,
    /// Right records.
    pub right: usize,
    /// Pairs compared.
    pub comparisons: u64,
}

/// Sorts links best first, deterministically.
pub fn sort_links(links: &mut [Link]) {
    links.sort_by(|a, b| {
        b.score
            .probability
            .total_cmp(&a.score.probability)
            .then(b.score.match_weight.total_cmp(&a.score.match_weight))
            .then(a.left.cmp(&b.left))
            .then(a.right.cmp(&b.right))
    });
}

/// Builds an index over records; slot `i` holds record `i`.
pub fn build_index(records: &[Prepared], config: IndexConfig) -> Index {
    let mut index = Index::new(config);
    for r in records {
        index.insert(r);
    }
    index.compact();
    index
}

/// Links every left record against `right`, keeping pairs at or above `config.floor`.
/// `progress` is called with the number of left records just finished.
pub fn link(
    left: &[Prepared],
    right: &[Prepared],
    model: &Model,
    config: &LinkConfig,
    progress: &(dyn Fn(usize) + Sync),
) -> (Vec<Link>, LinkStats) {
    let index = build_index(right, config.index);
    link_with_index(left, &index, model, config, progress)
}

/// [`link`] against an index already built over the right records (slot = right index).
pub fn link_with_index(
    left: &[Prepared],
    index: &Index,
    model: &Model,
    config: &LinkConfig,
    progress: &(dyn Fn(usize) + Sync),
) -> (Vec<Link>, LinkStats) {
    let context = ScoreContext::for_population(model, index.len());
    let comparisons = AtomicUsize::new(0);
    let one = |(i, query): (usize, &Prepared), scratch: &mut Scratch| {
        let found = match_one(i, query, index, model, &context, config, scratch);
        comparisons.fetch_add(scratch.compared, Ordering::Relaxed);
        found
    };
    const CHUNK: usize = 256;
    let run_chunk = |c: usize, chunk: &[Prepared]| {
        let mut scratch = Scratch::default();
        let found: Vec<Link> = chunk
            .iter()
            .enumerate()
            .flat_map(|(j, q)| one((c * CHUNK + j, q), &mut scratch))
            .collect();
        progress(chunk.len());
        found
    };
    let per_chunk: Vec<Vec<Link>> = if config.threads == 1 {
        left.chunks(CHUNK)
            .enumerate()
            .map(|(c, chunk)| run_chunk(c, chunk))
            .collect()
    } else {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(config.threads)
            .build()
            .expect("a thread pool");
        pool.install(|| {
            left.par_chunks(CHUNK)
                .enumerate()
                .map(|(c, chunk)| run_chunk(c, chunk))
                .collect()
        })
    };
    let mut links: Vec<Link> = per_chunk.into_iter().flatten().collect();
    sort_links(&mut links);
    let stats = LinkStats {
        left: left.len(),
        right: index.len(),
        comparisons: comparisons.load(Ordering::Relaxed) as u64,
    };
    (links, stats)
}

/// Reusable buffers of one worker.
#[derive(Default)]
pub struct Scratch {
    slots: Vec<Slot>,
    tokens: Vec<Token>,
    /// Pairs compared by the last call.
    pub compared: usize,
}

fn match_one(
    i: usize,
    query: &Prepared,
    index: &Index,
    model: &Model,
    context: &ScoreContext,
    config: &LinkConfig,
    scratch: &mut Scratch,
) -> Vec<Link> {
    let mut slots = std::mem::take(&mut scratch.slots);
    if config.exhaustive {
        slots.clear();
        slots.extend(index.all_slots());
    } else {
        index.candidates(query, &mut slots);
    }
    scratch.compared = slots.len();
    let q = query.view();
    let mut out = Vec::new();
    compare_slots(
        index,
        counted_in(model, index),
        &q,
        &slots,
        &mut scratch.tokens,
        |slot, vector| {
            let score = model.score(&vector, context);
            if score.probability >= config.floor {
                out.push(Link {
                    left: i,
                    right: slot as usize,
                    score,
                    vector,
                });
            }
        },
    );
    scratch.slots = slots;
    out
}

/// How many candidates ahead [`compare_slots`] starts loading tokens (records: twice as far).
const PREFETCH_AHEAD: usize = 8;

/// Compares `query` with the record in each of `slots`, in order, and hands each comparison
/// to `visit`. Candidates are scattered over the index, so the loop asks for the records a
/// few slots ahead to be loaded while it compares this one (the same comparisons as a plain
/// loop, with the memory latency overlapped).
///
/// `frequencies` is the index of every record searched (`index` itself, or the whole index of
/// which `index` holds a subset), given when the model adjusts for common names (see
/// [`counted_in`]): a comparison sharing full-names keys then gets
/// [`ComparisonVector::names_shared_by`] from their holders there.
pub fn compare_slots(
    index: &Index,
    frequencies: Option<&Index>,
    query: &RecordView<'_>,
    slots: &[Slot],
    tokens: &mut Vec<Token>,
    mut visit: impl FnMut(Slot, ComparisonVector),
) {
    for &slot in slots.iter().take(2 * PREFETCH_AHEAD) {
        index.prefetch_record(slot);
    }
    for (k, &slot) in slots.iter().enumerate() {
        if let Some(&ahead) = slots.get(k + 2 * PREFETCH_AHEAD) {
            index.prefetch_record(ahead);
        }
        if let Some(&ahead) = slots.get(k + PREFETCH_AHEAD) {
            index.prefetch_tokens(ahead);
        }
        let mut vector = compare(query, &index.view(slot, tokens));
        if let Some(frequencies) = frequencies {
            vector.names_shared_by = vector.name_keys.count_others(|t| frequencies.holders(t));
        }
        visit(slot, vector);
    }
}

/// The index whose key counts `model` scores with: `index` when the model has the
/// term-frequency adjustment, else none (nothing is counted).
pub fn counted_in<'a>(model: &Model, index: &'a Index) -> Option<&'a Index> {
    model.term_frequency.is_some().then_some(index)
}

/// The oracle: every pair compared, sequentially, without an index.
pub fn link_naive(left: &[Prepared], right: &[Prepared], model: &Model, floor: f64) -> Vec<Link> {
    let context = ScoreContext::for_population(model, right.len());
    let holders = |token: Token| {
        right
            .iter()
            .filter(|r| r.tokens.iter().any(|t| t.identity() == token.identity()))
            .count()
    };
    let mut links = Vec::new();
    for (i, a) in left.iter().enumerate() {
        for (j, b) in right.iter().enumerate() {
            let mut vector = compare(&a.view(), &b.view());
            if model.term_frequency.is_some() {
                vector.names_shared_by = vector.name_keys.count_others(holders);
            }
            let score = model.score(&vector, &context);
            if score.probability >= floor {
                links.push(Link {
                    left: i,
                    right: j,
                    score,
                    vector,
                });
            }
        }
    }
    sort_links(&mut links);
    links
}

/// One search: the live records of `index` that `admit` accepts, scored against `query`,
/// at least `min_probability`, best first, at most `limit`.
pub fn search(
    index: &Index,
    query: &Prepared,
    model: &Model,
    admit: &dyn Fn(Slot) -> bool,
    min_probability: f64,
    limit: usize,
) -> Vec<(Slot, Score, ComparisonVector)> {
    let context = ScoreContext::for_population(model, index.len());
    let mut slots = Vec::new();
    index.candidates(query, &mut slots);
    // Admitted first, in a loop of its own: its scattered reads then overlap each other.
    slots.retain(|s| admit(*s));
    let mut tokens = Vec::new();
    let mut found: Vec<(Slot, Score, ComparisonVector)> = Vec::new();
    compare_slots(
        index,
        counted_in(model, index),
        &query.view(),
        &slots,
        &mut tokens,
        |slot, vector| {
            let score = model.score(&vector, &context);
            if score.probability >= min_probability {
                found.push((slot, score, vector));
            }
        },
    );
    found.sort_by(|a, b| {
        b.1.match_weight
            .total_cmp(&a.1.match_weight)
            .then(a.0.cmp(&b.0))
    });
    found.truncate(limit);
    found
}
