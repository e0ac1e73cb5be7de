//! Encoding throughput (issue 2's target: ≥ 50,000 records/s on this 2-core machine; clkhash
//! measures 4,000–7,000 here). `cargo bench --bench encode`; the same figures in a plain
//! report: `pupilmatch bench encode`.

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pupilmatch::cli::bench::encode::pupils;
use pupilmatch::encode::batch::{encode_chunk, encode_one, Outcome};
use pupilmatch::encode::record::Policy;
use pupilmatch::encode::{AgreementSecret, Encoder, LocalKey};

fn encoding(c: &mut Criterion) {
    let secret = AgreementSecret::from_bytes("bench-encode", 1, [3; 32]).expect("valid id");
    let encoder = Encoder::new(&secret, LocalKey::from_bytes([4; 32]));
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("valid date");
    let input = pupils(20_000, 1);
    // Prove the answer before timing it: every synthetic pupil encodes.
    let outcomes = encode_chunk(&encoder, &input, today, Policy::Pupil);
    assert!(outcomes
        .iter()
        .all(|o| matches!(o, Outcome::Encoded { .. })));

    let mut group = c.benchmark_group("encode");
    group.throughput(Throughput::Elements(1));
    group.bench_function("one record", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % input.len();
            encode_one(&encoder, &input[i], today, Policy::Pupil)
        })
    });
    group.throughput(Throughput::Elements(input.len() as u64));
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        group.bench_with_input(
            BenchmarkId::new("batch of 20k", format!("{threads} threads")),
            &threads,
            |b, _| b.iter(|| pool.install(|| encode_chunk(&encoder, &input, today, Policy::Pupil))),
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = encoding
}
criterion_main!(benches);
