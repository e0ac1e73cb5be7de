//! Criterion benchmarks of the matcher: the popcount kernel against the bit-by-bit oracle,
//! and a small synthetic linkage sequential against parallel. Each asserts its answer before
//! timing. Larger, national-scale figures: `pupilmatch bench matcher` (release build).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use pupilmatch::evaluate::pipeline::SyntheticRun;
use pupilmatch::matcher::kernel::{count_at_least, count_at_least_batch, dice_naive};
use pupilmatch::matcher::link::{build_index, link_with_index, LinkConfig};
use pupilmatch::matcher::Model;
use pupilmatch::synth::SynthConfig;

fn kernel(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let filters: Vec<[u64; 16]> = (0..10_000)
        .map(|_| std::array::from_fn(|_| rng.gen::<u64>() & rng.gen::<u64>() & rng.gen::<u64>()))
        .collect();
    let popcounts: Vec<u32> = filters
        .iter()
        .map(|f| f.iter().map(|w| w.count_ones()).sum())
        .collect();
    let query = filters[3];
    let expected = filters
        .iter()
        .filter(|f| dice_naive(&query, f) >= 0.3)
        .count();
    assert_eq!(count_at_least(&query, &filters, &popcounts, 0.3), expected);
    let mut group = c.benchmark_group("kernel_1024_bit");
    group.throughput(Throughput::Elements(filters.len() as u64));
    group.bench_function("popcount", |b| {
        b.iter(|| count_at_least(&query, &filters, &popcounts, 0.3))
    });
    group.finish();
    let queries = &filters[..64];
    let mut group = c.benchmark_group("kernel_1024_bit_tiled_64_queries");
    group.throughput(Throughput::Elements((queries.len() * filters.len()) as u64));
    group.bench_function("popcount", |b| {
        b.iter(|| count_at_least_batch(queries, &filters, &popcounts, 0.3))
    });
    group.finish();
    let mut group = c.benchmark_group("kernel_1024_bit_oracle");
    group.throughput(Throughput::Elements(filters.len() as u64));
    group.bench_function("naive_oracle", |b| {
        b.iter(|| {
            filters
                .iter()
                .filter(|f| dice_naive(&query, f) >= 0.3)
                .count()
        })
    });
    group.finish();
}

fn linkage(c: &mut Criterion) {
    let run = SyntheticRun::new(&SynthConfig {
        seed: 5,
        pupils: 3_000,
        movers: 200,
        unmatched_missing: 20,
    });
    let model = Model::default_model();
    let index = build_index(&run.right, Default::default());
    let sequential = LinkConfig {
        threads: 1,
        floor: model.thresholds.suggest,
        ..LinkConfig::default()
    };
    let parallel = LinkConfig {
        threads: 0,
        ..sequential
    };
    let (expected, stats) = link_with_index(&run.left, &index, model, &sequential, &|_| {});
    assert!(!expected.is_empty());
    assert_eq!(
        link_with_index(&run.left, &index, model, &parallel, &|_| {}).0,
        expected
    );
    let mut group = c.benchmark_group("link_synthetic");
    group.throughput(Throughput::Elements(stats.comparisons));
    for (name, config) in [("threads_1", sequential), ("threads_all", parallel)] {
        group.bench_with_input(BenchmarkId::from_parameter(name), &config, |b, config| {
            b.iter(|| {
                link_with_index(&run.left, &index, model, config, &|_| {})
                    .0
                    .len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, kernel, linkage);
criterion_main!(benches);
