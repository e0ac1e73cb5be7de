//! `pupilmatch bench matcher`: the matcher's figures — linkage quality on the synthetic
//! five-nation benchmark (overall, by error type and move type, blocking recall against
//! exhaustive comparison) and on FEBRL4; the similarity kernel's comparisons per second per
//! core; index build, query latency and memory at national sizes; and a bulk linkage
//! including encoding. Each figure is checked before it is timed.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::encode::record::Policy;
use crate::evaluate::pipeline::{
    encode_records, synthetic_encoder, synthetic_today, FebrlRun, SyntheticReport, SyntheticRun,
};
use crate::matcher::compact::{splitmix, Prepared, Token};
use crate::matcher::index::Index;
use crate::matcher::kernel::{count_at_least, count_at_least_batch, dice_naive};
use crate::matcher::link::{build_index, link_with_index, search, Link, LinkConfig};
use crate::matcher::resolve::one_to_one;
use crate::matcher::train::{train_on_encodings, TrainingConfig};
use crate::matcher::Model;
use crate::synth::{generate, SynthConfig};

/// Arguments of `pupilmatch bench matcher`.
#[derive(Debug, Args)]
pub struct MatcherBenchArgs {
    /// Pupils in the synthetic quality benchmark.
    #[arg(long, default_value_t = 100_000)]
    pub pupils: usize,
    /// Seed of the synthetic quality benchmark (the shipped model was trained on seed 20261201).
    #[arg(long, default_value_t = 2)]
    pub seed: u64,
    /// Missing records compared exhaustively to measure the blocking's recall (2,000 give
    /// ~1,450 true pairs at 60,000 pupils: fine enough to tell 0.5% from 1%).
    #[arg(long, default_value_t = 2000)]
    pub exhaustive_sample: usize,
    /// The FEBRL4 directory (a.csv, b.csv, truth.csv).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/febrl4"))]
    pub febrl: PathBuf,
    /// Index sizes for the build, memory and query figures.
    #[arg(long, value_delimiter = ',', default_value = "1000000,10000000")]
    pub sizes: Vec<usize>,
    /// Bulk linkage: missing records (approximately) and roll records.
    #[arg(long, default_value_t = 50_000)]
    pub bulk_left: usize,
    /// Bulk linkage roll size.
    #[arg(long, default_value_t = 1_000_000)]
    pub bulk_right: usize,
    /// Skip the quality figures.
    #[arg(long)]
    pub skip_quality: bool,
    /// Skip the speed figures.
    #[arg(long)]
    pub skip_speed: bool,
    /// Also print the commonest comparison patterns of false positives and of missed true
    /// pairs (with their clerk errors): where the matcher loses.
    #[arg(long)]
    pub patterns: bool,
}

/// Runs `bench matcher`.
pub fn run(args: MatcherBenchArgs) -> anyhow::Result<ExitCode> {
    let model = Model::default_model();
    if !args.skip_quality {
        synthetic_quality(&args, model);
        febrl(&args, model)?;
    }
    if !args.skip_speed {
        kernel();
        for &n in &args.sizes {
            index_and_query(n, model);
        }
        bulk(&args, model);
    }
    Ok(ExitCode::SUCCESS)
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

fn synthetic_quality(args: &MatcherBenchArgs, model: &Model) {
    println!(
        "== five-nation synthetic benchmark (seed {}, {} pupils)",
        args.seed, args.pupils
    );
    let config = SynthConfig {
        seed: args.seed,
        pupils: args.pupils,
        movers: args.pupils / 20,
        unmatched_missing: args.pupils / 80,
    };
    let run = SyntheticRun::new(&config);
    println!(
        "{} missing, {} roll records, {} true pairs",
        run.left.len(),
        run.right.len(),
        run.truth.len()
    );
    let index = build_index(&run.right, Default::default());
    let threshold = model.thresholds.suggest;
    let link_config = LinkConfig {
        floor: model.thresholds.review_floor,
        ..LinkConfig::default()
    };
    let (links, report) = run.evaluate(&index, model, &link_config, threshold);
    println!("-- at the default threshold {threshold}:");
    print!("{}", report.table());
    if args.patterns {
        let truth: std::collections::HashSet<(String, String)> = run
            .truth
            .iter()
            .map(|t| (t.missing_id.clone(), t.roll_id.clone()))
            .collect();
        let mut patterns: std::collections::BTreeMap<String, usize> = Default::default();
        for l in &links {
            if !truth.contains(&(
                run.missing.ids[l.left].clone(),
                run.roll.ids[l.right].clone(),
            )) {
                *patterns
                    .entry(format!("{:?}", l.vector.levels))
                    .or_default() += 1;
            }
        }
        let mut patterns: Vec<_> = patterns.into_iter().collect();
        patterns.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        println!(
            "-- false-positive comparison patterns [identifier, dob, forename, surname, sex]:"
        );
        for (p, n) in patterns.iter().take(15) {
            println!("{n:>6}  {p}");
        }
        let found: std::collections::HashSet<(usize, usize)> =
            links.iter().map(|l| (l.left, l.right)).collect();
        let (left_of, right_of) = (run.missing.positions(), run.roll.positions());
        let mut missed: std::collections::BTreeMap<String, usize> = Default::default();
        for t in &run.truth {
            let (Some(&l), Some(&r)) = (
                left_of.get(t.missing_id.as_str()),
                right_of.get(t.roll_id.as_str()),
            ) else {
                continue;
            };
            if !found.contains(&(l, r)) {
                let v = crate::matcher::compare::compare(&run.left[l].view(), &run.right[r].view());
                let kinds: Vec<&str> = t.errors.iter().map(|e| e.label()).collect();
                *missed
                    .entry(format!("{:?} {}", v.levels, kinds.join("+")))
                    .or_default() += 1;
            }
        }
        let mut missed: Vec<_> = missed.into_iter().collect();
        missed.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        println!("-- missed true pairs: comparison pattern and clerk errors:");
        for (p, n) in missed.iter().take(25) {
            println!("{n:>6}  {p}");
        }
    }
    let kept = one_to_one(links, |l: &Link| {
        (
            run.missing.authorities[l.left].clone(),
            run.roll.authorities[l.right].clone(),
        )
    });
    println!(
        "-- with --one-to-one: {}",
        SyntheticReport::measure(&run.ids(&kept), &run.truth).overall
    );
    let (all, _) = link_with_index(&run.left, &index, model, &link_config, &|_| {});
    let review: Vec<Link> = all
        .into_iter()
        .filter(|l| l.score.probability < threshold)
        .collect();
    let review_true = SyntheticReport::measure(&run.ids(&review), &run.truth)
        .overall
        .true_positives;
    println!(
        "-- review band [{}, {threshold}): {} pairs, {} of them true",
        model.thresholds.review_floor,
        review.len(),
        review_true
    );

    // Blocking recall: the same left records, exhaustive against blocked.
    let sample = &run.left[..args.exhaustive_sample.min(run.left.len())];
    let floor = LinkConfig {
        floor: threshold,
        ..LinkConfig::default()
    };
    let t = Instant::now();
    let (exhaustive, stats) = link_with_index(
        sample,
        &index,
        model,
        &LinkConfig {
            exhaustive: true,
            ..floor
        },
        &|_| {},
    );
    let exhaustive_secs = secs(t);
    let (blocked, _) = link_with_index(sample, &index, model, &floor, &|_| {});
    let truth: std::collections::HashSet<(String, String)> = run
        .truth
        .iter()
        .map(|t| (t.missing_id.clone(), t.roll_id.clone()))
        .collect();
    let pairs = |links: &[Link]| -> std::collections::HashSet<(usize, usize)> {
        links.iter().map(|l| (l.left, l.right)).collect()
    };
    let (e, b) = (pairs(&exhaustive), pairs(&blocked));
    let true_e: Vec<&(usize, usize)> = e
        .iter()
        .filter(|(l, r)| truth.contains(&(run.missing.ids[*l].clone(), run.roll.ids[*r].clone())))
        .collect();
    let lost = true_e.iter().filter(|p| !b.contains(p)).count();
    println!(
        "-- blocking: of {} true pairs the exhaustive run finds for {} missing records ({} comparisons, {:.1}s), blocking loses {} ({:.2}%); all links lost: {} of {}",
        true_e.len(),
        sample.len(),
        stats.comparisons,
        exhaustive_secs,
        lost,
        100.0 * lost as f64 / true_e.len().max(1) as f64,
        e.difference(&b).count(),
        e.len()
    );
}

fn febrl(args: &MatcherBenchArgs, model: &Model) -> anyhow::Result<()> {
    println!("== FEBRL4 (given_name, surname, date_of_birth, soc_sec_id)");
    let a_path = args.febrl.join("a.csv");
    if !a_path.exists() {
        println!("skipped: {} not found", a_path.display());
        return Ok(());
    }
    let run = FebrlRun::new(&args.febrl)?;
    let report = run.quality(model);
    println!(
        "at the default threshold {}: {report}",
        model.thresholds.suggest
    );
    let (threshold, best) = run.best_f1(model);
    println!(
        "best F1 over thresholds (t = {threshold:.4}): {best}  (reference best F1: anonlink/clkhash 0.9976, plaintext Splink 0.9973)"
    );
    let t = Instant::now();
    let (threshold, best) = run.best_f1_exhaustive(model);
    println!(
        "best F1 over thresholds, all 25M pairs compared as anonlink does (t = {threshold:.4}, {:.0}s): {best}",
        secs(t)
    );
    if args.patterns {
        febrl_patterns(&run, model);
    }
    // What an operator gets by retraining on their own data (`pupilmatch train --left
    // --right`), as Splink's reference figure is trained on FEBRL4 itself: EM, no labels.
    let t = Instant::now();
    let config = TrainingConfig {
        source: "FEBRL4 a.csv × b.csv, encoded".into(),
        min_population: run.right.len() as f64,
        ..TrainingConfig::default()
    };
    let trained = train_on_encodings(&run.left, &run.right, &config)?;
    println!(
        "-- model EM-trained on FEBRL4's own encodings (no labels, {} iterations, {:.0}s):",
        trained.training.em_iterations,
        secs(t)
    );
    println!(
        "at the default threshold {}: {}",
        trained.thresholds.suggest,
        run.quality(&trained)
    );
    let (threshold, best) = run.best_f1(&trained);
    println!("best F1 over thresholds (t = {threshold:.4}): {best}");
    Ok(())
}

/// Where FEBRL4's true pairs go: not a candidate at all, or scored below the threshold (with
/// the comparison pattern and weight), and the false positives' patterns.
fn febrl_patterns(run: &FebrlRun, model: &Model) {
    let threshold = model.thresholds.suggest;
    let all = run.links(model, 0.0);
    let scored: std::collections::HashMap<(usize, usize), &Link> =
        all.iter().map(|l| ((l.left, l.right), l)).collect();
    let (left_of, right_of) = (run.a.positions(), run.b.positions());
    let mut missed: std::collections::BTreeMap<String, (usize, f64)> = Default::default();
    let (mut not_encoded, mut not_candidate, mut below) = (0, 0, 0);
    for (x, y) in &run.truth {
        let (Some(&l), Some(&r)) = (left_of.get(x.as_str()), right_of.get(y.as_str())) else {
            not_encoded += 1;
            continue;
        };
        let v = crate::matcher::compare::compare(&run.left[l].view(), &run.right[r].view());
        let (label, weight) = match scored.get(&(l, r)) {
            Some(link) if link.score.probability >= threshold => continue,
            Some(link) => {
                below += 1;
                ("below", link.score.match_weight)
            }
            None => {
                not_candidate += 1;
                ("not kept", f64::NAN)
            }
        };
        let entry = missed
            .entry(format!("{label} {:?}", v.levels))
            .or_insert((0, 0.0));
        entry.0 += 1;
        entry.1 += weight;
    }
    println!(
        "-- FEBRL4 missed true pairs: {not_encoded} not encoded, {not_candidate} not kept (no candidate, or lost one-to-one), {below} below {threshold}"
    );
    let mut missed: Vec<_> = missed.into_iter().collect();
    missed.sort_by_key(|(_, (n, _))| std::cmp::Reverse(*n));
    for (p, (n, w)) in missed.iter().take(25) {
        println!("{n:>6}  {p}  mean weight {:.1}", w / *n as f64);
    }
    let mut fp: std::collections::BTreeMap<String, usize> = Default::default();
    for l in all.iter().filter(|l| l.score.probability >= threshold) {
        if !run.is_true(l) {
            *fp.entry(format!("{:?}", l.vector.levels)).or_default() += 1;
        }
    }
    println!("-- FEBRL4 false positives by pattern:");
    for (p, n) in fp.iter().take(10) {
        println!("{n:>6}  {p}");
    }
}

fn kernel() {
    println!("== similarity kernel (1024-bit filters, popcount, one core)");
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let filters: Vec<[u64; 16]> = (0..100_000)
        .map(|_| std::array::from_fn(|_| rng.gen::<u64>() & rng.gen::<u64>() & rng.gen::<u64>()))
        .collect();
    let popcounts: Vec<u32> = filters
        .iter()
        .map(|f| f.iter().map(|w| w.count_ones()).sum())
        .collect();
    let queries = &filters[..500];
    // Prove the answer first: the kernel agrees with the bit-by-bit oracle.
    let expected = filters[..2_000]
        .iter()
        .filter(|f| dice_naive(&queries[0], f) >= 0.3)
        .count();
    assert_eq!(
        count_at_least(&queries[0], &filters[..2_000], &popcounts[..2_000], 0.3),
        expected
    );
    let t = Instant::now();
    let mut hits = 0;
    for q in queries {
        hits += count_at_least(q, &filters, &popcounts, 0.7);
    }
    let seconds = secs(t);
    let comparisons = (queries.len() * filters.len()) as f64;
    println!(
        "one query at a time: {:.0} M comparisons/s/core ({} comparisons in {:.2}s, {} at Dice ≥ 0.7); baseline anonlink C++ 75–90 M/s here: ×{:.1}",
        comparisons / seconds / 1e6,
        comparisons,
        seconds,
        hits,
        comparisons / seconds / 82.5e6
    );
    let t = Instant::now();
    let batch_hits: usize = count_at_least_batch(queries, &filters, &popcounts, 0.7)
        .into_iter()
        .sum();
    let seconds = secs(t);
    assert_eq!(
        batch_hits, hits,
        "the tiled kernel counts what the plain one counts"
    );
    println!(
        "tiled batch of {} queries: {:.0} M comparisons/s/core ({:.2}s); ×{:.1} the anonlink baseline",
        queries.len(),
        comparisons / seconds / 1e6,
        seconds,
        comparisons / seconds / 82.5e6
    );
}

/// A distinct copy of a record: new token fingerprints, filter bits rotated within each word
/// and words rotated, so Dice within a copy is kept and copies look unrelated to each other.
fn variant(record: &Prepared, k: u64) -> Prepared {
    if k == 0 {
        return record.clone();
    }
    let mask = (splitmix(k) >> 32) as u32;
    let mut tokens: Vec<Token> = record
        .tokens
        .iter()
        .map(|t| Token {
            fingerprint: t.fingerprint ^ mask,
            check: t.check ^ mask as u16,
            tag: t.tag,
        })
        .collect();
    tokens.sort_unstable();
    let bits = (k % 63 + 1) as u32;
    let mut compact = record.compact;
    let rot = |words: &mut [u64]| {
        let w = words.len();
        let shift = (k / 63) as usize % w;
        words.rotate_left(shift);
        for x in words.iter_mut() {
            *x = x.rotate_left(bits);
        }
    };
    rot(&mut compact.forename);
    rot(&mut compact.surname);
    rot(&mut compact.names);
    compact.dob_check = compact.dob_check.wrapping_add(k as u8);
    Prepared::new(compact, tokens)
}

fn index_and_query(n: usize, model: &Model) {
    println!("== index of {n} records");
    let run = SyntheticRun::new(&SynthConfig {
        seed: 3,
        pupils: 200_000.min(n),
        movers: 5_000.min(n / 20),
        unmatched_missing: 0,
    });
    let base = &run.right;
    let t = Instant::now();
    let mut index = Index::default();
    for i in 0..n {
        index.insert(&variant(&base[i % base.len()], (i / base.len()) as u64));
    }
    index.compact();
    let build = secs(t);
    println!(
        "build {:.1}s ({:.0} records/s, one core); {:.0} bytes per indexed record",
        build,
        n as f64 / build,
        index.heap_bytes() as f64 / index.len() as f64
    );
    let queries: Vec<&Prepared> = run.left.iter().take(1_000).collect();
    let mut times = Vec::with_capacity(queries.len());
    let mut found = 0;
    for q in &queries {
        let t = Instant::now();
        let r = search(
            &index,
            q,
            model,
            &|_| true,
            model.thresholds.review_floor,
            10,
        );
        times.push(t.elapsed().as_secs_f64() * 1e3);
        found += usize::from(!r.is_empty());
    }
    times.sort_by(f64::total_cmp);
    let p = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    println!(
        "query: p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms over {} queries ({} with a candidate ≥ review floor)",
        p(0.5),
        p(0.9),
        p(0.99),
        times.len(),
        found
    );
    // What a query's time is spent on: the distinct candidates compared and scored.
    let mut slots = Vec::new();
    let mut compared: Vec<usize> = queries
        .iter()
        .map(|q| {
            index.candidates(q, &mut slots);
            slots.len()
        })
        .collect();
    compared.sort_unstable();
    let c = |q: f64| compared[((compared.len() - 1) as f64 * q) as usize];
    println!(
        "candidates compared per query: p50 {}, p90 {}, p99 {}, mean {:.0}",
        c(0.5),
        c(0.9),
        c(0.99),
        compared.iter().sum::<usize>() as f64 / compared.len() as f64
    );
}

fn bulk(args: &MatcherBenchArgs, model: &Model) {
    println!(
        "== bulk linkage: ~{} missing × {} roll, including encoding",
        args.bulk_left, args.bulk_right
    );
    let t = Instant::now();
    let population = generate(&SynthConfig {
        seed: 4,
        pupils: args.bulk_right,
        movers: args.bulk_left * 4 / 5,
        unmatched_missing: args.bulk_left / 5,
    });
    println!("(synthetic generation {:.1}s, not counted)", secs(t));
    let t = Instant::now();
    let encoder = synthetic_encoder();
    let missing = encode_records(
        &population.missing,
        &encoder,
        synthetic_today(),
        Policy::Pupil,
    );
    let roll = encode_records(&population.roll, &encoder, synthetic_today(), Policy::Pupil);
    let encoded = secs(t);
    let (left, right) = (missing.prepare(), roll.prepare());
    let index = build_index(&right, Default::default());
    let indexed = secs(t);
    let config = LinkConfig {
        floor: model.thresholds.suggest,
        ..LinkConfig::default()
    };
    let (links, stats) = link_with_index(&left, &index, model, &config, &|_| {});
    let total = secs(t);
    println!(
        "{} × {}: encode {:.1}s, index {:.1}s, link {:.1}s ({} comparisons), total {:.1}s; {} links",
        left.len(),
        right.len(),
        encoded,
        indexed - encoded,
        total - indexed,
        stats.comparisons,
        total,
        links.len()
    );
}
