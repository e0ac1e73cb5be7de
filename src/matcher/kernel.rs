//! The similarity kernel: Dice coefficients of fixed-size bit arrays with hardware popcount, the
//! popcount length filter, a rayon-parallel batch scan, and a naive oracle for tests.
//!
//! The binary is built for the baseline x86-64 CPU so that it runs on any authority's PC; the
//! loops here (and [`crate::matcher::compare`], which inlines [`dice`]) are compiled again for
//! CPUs with POPCNT and AVX2 and the best version is chosen at run time (`multiversion`).

use multiversion::multiversion;
use rayon::prelude::*;

/// Dice coefficient of two equal-length bit arrays; 0 when both are empty.
#[inline]
pub fn dice<const W: usize>(a: &[u64; W], b: &[u64; W]) -> f64 {
    let (mut common, mut total) = (0u32, 0u32);
    for i in 0..W {
        common += (a[i] & b[i]).count_ones();
        total += a[i].count_ones() + b[i].count_ones();
    }
    if total == 0 {
        0.0
    } else {
        2.0 * f64::from(common) / f64::from(total)
    }
}

/// Whether two filters with these popcounts can possibly reach Dice ≥ `threshold`:
/// Dice ≤ 2·min/(pa+pb), so a pair is feasible only if 2·min(pa,pb) ≥ t·(pa+pb).
#[inline]
pub fn length_feasible(pa: u32, pb: u32, threshold: f64) -> bool {
    2.0 * f64::from(pa.min(pb)) >= threshold * f64::from(pa + pb)
}

/// Every index `i` with `dice(query, filters[i]) ≥ threshold`, with its Dice, in index order.
/// `popcounts[i]` must be the popcount of `filters[i]`.
#[multiversion(targets = "simd")]
pub fn scan<const W: usize>(
    query: &[u64; W],
    filters: &[[u64; W]],
    popcounts: &[u32],
    threshold: f64,
) -> Vec<(usize, f64)> {
    let pq: u32 = query.iter().map(|w| w.count_ones()).sum();
    filters
        .iter()
        .zip(popcounts)
        .enumerate()
        .filter(|(_, (_, &pb))| length_feasible(pq, pb, threshold))
        .filter_map(|(i, (f, _))| {
            let d = dice(query, f);
            (d >= threshold).then_some((i, d))
        })
        .collect()
}

/// [`scan`] split across the current rayon pool; the result is identical to the sequential one.
pub fn scan_parallel<const W: usize>(
    query: &[u64; W],
    filters: &[[u64; W]],
    popcounts: &[u32],
    threshold: f64,
) -> Vec<(usize, f64)> {
    const CHUNK: usize = 16 * 1024;
    filters
        .par_chunks(CHUNK)
        .zip(popcounts.par_chunks(CHUNK))
        .enumerate()
        .flat_map_iter(|(c, (f, p))| {
            scan(query, f, p, threshold)
                .into_iter()
                .map(move |(i, d)| (c * CHUNK + i, d))
        })
        .collect()
}

/// How many of `filters` reach Dice ≥ `threshold` with `query`, anonlink-style: popcounts are
/// precomputed, so each pair costs one AND-popcount pass and an integer comparison
/// (`2·common·D ≥ N·(pq + pf)` with `threshold = N/D` in thousandths).
#[multiversion(targets = "simd")]
pub fn count_at_least<const W: usize>(
    query: &[u64; W],
    filters: &[[u64; W]],
    popcounts: &[u32],
    threshold: f64,
) -> usize {
    let pq: u32 = query.iter().map(|w| w.count_ones()).sum();
    let t = (threshold * 1000.0).round() as u32;
    filters
        .iter()
        .zip(popcounts)
        .filter(|(f, &pf)| {
            let mut common = 0u32;
            for i in 0..W {
                common += (query[i] & f[i]).count_ones();
            }
            2 * common * 1000 >= t * (pq + pf)
        })
        .count()
}

/// [`count_at_least`] for many queries at once, tiled for the cache: a tile of filters small
/// enough to stay in L2 is compared with every query before the next tile is read, so the
/// filters stream from memory once per batch instead of once per query (a 1024-bit filter is
/// 128 bytes: one query against a million filters alone reads 128 MB). Each count equals
/// [`count_at_least`] for that query.
#[multiversion(targets = "simd")]
pub fn count_at_least_batch<const W: usize>(
    queries: &[[u64; W]],
    filters: &[[u64; W]],
    popcounts: &[u32],
    threshold: f64,
) -> Vec<usize> {
    // 256 KiB of filters per tile whatever their width.
    let tile = (256 * 1024 / (W * 8)).max(1);
    let t = (threshold * 1000.0).round() as u32;
    let query_popcounts: Vec<u32> = queries
        .iter()
        .map(|q| q.iter().map(|w| w.count_ones()).sum())
        .collect();
    let mut counts = vec![0usize; queries.len()];
    // Four queries share each filter read from the tile (register blocking).
    const BLOCK: usize = 4;
    for (tile_filters, tile_popcounts) in filters.chunks(tile).zip(popcounts.chunks(tile)) {
        let mut q = 0;
        while q + BLOCK <= queries.len() {
            let block: [&[u64; W]; BLOCK] = std::array::from_fn(|j| &queries[q + j]);
            let pq: [u32; BLOCK] = std::array::from_fn(|j| query_popcounts[q + j]);
            let mut hits = [0usize; BLOCK];
            for (f, &pf) in tile_filters.iter().zip(tile_popcounts) {
                let mut common = [0u32; BLOCK];
                for i in 0..W {
                    for j in 0..BLOCK {
                        common[j] += (block[j][i] & f[i]).count_ones();
                    }
                }
                for j in 0..BLOCK {
                    hits[j] += usize::from(2 * common[j] * 1000 >= t * (pq[j] + pf));
                }
            }
            for j in 0..BLOCK {
                counts[q + j] += hits[j];
            }
            q += BLOCK;
        }
        for (query, (&pq, count)) in queries[q..]
            .iter()
            .zip(query_popcounts[q..].iter().zip(&mut counts[q..]))
        {
            *count += tile_filters
                .iter()
                .zip(tile_popcounts)
                .map(|(f, &pf)| {
                    let mut common = 0u32;
                    for i in 0..W {
                        common += (query[i] & f[i]).count_ones();
                    }
                    usize::from(2 * common * 1000 >= t * (pq + pf))
                })
                .sum::<usize>();
        }
    }
    counts
}

/// The obviously-correct oracle: bit by bit.
pub fn dice_naive<const W: usize>(a: &[u64; W], b: &[u64; W]) -> f64 {
    let (mut common, mut total) = (0u32, 0u32);
    for i in 0..W * 64 {
        let x = a[i / 64] >> (i % 64) & 1;
        let y = b[i / 64] >> (i % 64) & 1;
        common += (x & y) as u32;
        total += (x + y) as u32;
    }
    if total == 0 {
        0.0
    } else {
        2.0 * f64::from(common) / f64::from(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn filters(seed: u64, n: usize) -> Vec<[u64; 16]> {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        (0..n)
            .map(|_| std::array::from_fn(|_| rng.gen::<u64>() & rng.gen::<u64>()))
            .collect()
    }

    proptest! {
        #[test]
        fn the_kernel_agrees_with_the_naive_oracle(a in any::<[u64; 8]>(), b in any::<[u64; 8]>()) {
            prop_assert_eq!(dice(&a, &b), dice_naive(&a, &b));
        }

        #[test]
        fn the_length_filter_never_drops_a_qualifying_pair(a in any::<[u64; 4]>(), b in any::<[u64; 4]>(), t in 0.3f64..1.0) {
            let (pa, pb) = (a.iter().map(|w| w.count_ones()).sum(), b.iter().map(|w| w.count_ones()).sum());
            if dice(&a, &b) >= t {
                prop_assert!(length_feasible(pa, pb, t));
            }
        }
    }

    #[test]
    fn parallel_scan_equals_sequential_scan_equals_the_oracle() {
        let all = filters(1, 20_000);
        let popcounts: Vec<u32> = all
            .iter()
            .map(|f| f.iter().map(|w| w.count_ones()).sum())
            .collect();
        let query = all[17];
        let sequential = scan(&query, &all, &popcounts, 0.3);
        let parallel = scan_parallel(&query, &all, &popcounts, 0.3);
        assert_eq!(sequential, parallel);
        let oracle: Vec<(usize, f64)> = all
            .iter()
            .enumerate()
            .map(|(i, f)| (i, dice_naive(&query, f)))
            .filter(|(_, d)| *d >= 0.3)
            .collect();
        assert_eq!(sequential, oracle);
        assert!(sequential.iter().any(|(i, d)| *i == 17 && *d == 1.0));
        assert_eq!(count_at_least(&query, &all, &popcounts, 0.3), oracle.len());
        let queries = &all[..41];
        let batch = count_at_least_batch(queries, &all, &popcounts, 0.3);
        for (q, n) in queries.iter().zip(batch) {
            assert_eq!(n, count_at_least(q, &all, &popcounts, 0.3));
        }
    }
}
