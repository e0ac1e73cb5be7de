//! `pupilmatch bench encode`: authority-side encoding throughput (validate, fold, every match
//! key, identifier token and salted filter) on one core and on all cores, against the
//! clkhash/anonlink figure measured on this kind of machine.

use std::process::ExitCode;
use std::time::Instant;

use chrono::NaiveDate;
use clap::Args;

use crate::encode::batch::{encode_chunk, Outcome};
use crate::encode::record::Policy;
use crate::encode::{AgreementSecret, EncodedRecord, Encoder, LocalKey};
use crate::evaluate::attack::population::{Population, PopulationConfig};
use crate::input::{InputError, RawRecord};

/// clkhash 0.18 (anonlink's encoder) on this 2-core machine, records per second (issue 2).
const CLKHASH_RECORDS_PER_SECOND: (f64, f64) = (4_000.0, 7_000.0);

/// Arguments of `bench encode`.
#[derive(Debug, Args)]
pub struct EncodeBenchArgs {
    /// Records to encode per run.
    #[arg(long, default_value_t = 200_000)]
    pub records: usize,
    /// Population seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Synthetic pupils as read from a file: names with a realistic frequency head and tail, a
/// date of birth, sex, and a valid UPN for three in five.
pub fn pupils(records: usize, seed: u64) -> Vec<Result<RawRecord, InputError>> {
    let population = Population::generate(PopulationConfig::sparse(records, seed));
    (0..records)
        .map(|i| {
            let mut raw = population.raw_record(i);
            if i % 5 < 3 {
                let body = format!("{:03}{:09}", 201 + i % 700, i);
                let check = crate::encode::identifiers::upn_check_letter(&body)
                    .expect("a 12-digit body has a check letter");
                raw.upn = Some(format!("{check}{body}"));
            }
            Ok(raw)
        })
        .collect()
}

/// Runs the benchmark and prints records per second.
pub fn run(args: EncodeBenchArgs) -> anyhow::Result<ExitCode> {
    let secret = AgreementSecret::from_bytes("bench-encode", 1, [3; 32])?;
    let encoder = Encoder::new(&secret, LocalKey::from_bytes([4; 32]));
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("valid date");
    let input = pupils(args.records, args.seed);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "encoding {} synthetic pupils (validate + every key, identifier token and filter)",
        args.records
    );
    let mut reference: Option<Vec<EncodedRecord>> = None;
    for threads in [1, cores] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?;
        let started = Instant::now();
        let outcomes = pool.install(|| encode_chunk(&encoder, &input, today, Policy::Pupil));
        let seconds = started.elapsed().as_secs_f64();
        let encoded = outcomes
            .iter()
            .filter(|o| matches!(o, Outcome::Encoded { .. }))
            .count();
        anyhow::ensure!(encoded == args.records, "only {encoded} records encoded");
        let rate = args.records as f64 / seconds;
        println!(
            "{threads} thread(s): {rate:>10.0} records/s ({:.1}–{:.1}× clkhash's {:.0}–{:.0})",
            rate / CLKHASH_RECORDS_PER_SECOND.1,
            rate / CLKHASH_RECORDS_PER_SECOND.0,
            CLKHASH_RECORDS_PER_SECOND.0,
            CLKHASH_RECORDS_PER_SECOND.1
        );
        // Parallel output must be the sequential output, byte for byte.
        let encodings: Vec<EncodedRecord> = outcomes
            .into_iter()
            .filter_map(|o| match o {
                Outcome::Encoded { encoded, .. } => Some(encoded),
                Outcome::Skipped(_) => None,
            })
            .collect();
        match &reference {
            None => reference = Some(encodings),
            Some(first) => anyhow::ensure!(
                *first == encodings,
                "parallel encoding differs from sequential encoding"
            ),
        }
    }
    println!("target: ≥ 50,000 records/s using both cores");
    Ok(ExitCode::SUCCESS)
}
