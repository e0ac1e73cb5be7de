//! `pupilmatch bench attack`: the privacy attack harness (pprl notes §2.3) against the
//! protocol's stored columns and against the naive encodings of the positive controls, then
//! the insiders (a member authority, a thief with a leaked agreement secret) against a stolen
//! hub database in protocol v3's form (positive control) and v4's.

use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, ValueEnum};

use super::oracle;
use crate::evaluate::attack::insider::InsiderReport;
use crate::evaluate::attack::population::PopulationConfig;
use crate::evaluate::attack::report::{AttackReport, MAX_REIDENTIFICATION};

/// Children on the roll the oracle attack probes (a small authority's: the share located is
/// then the largest).
const ORACLE_ROLL: usize = 5_000;
/// Guessed open cases the oracle attacker submits in its day: half of them real, enough to
/// name every child of the roll.
const ORACLE_GUESSES: usize = 10_000;

/// How densely the synthetic children share dates of birth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Density {
    /// Spread over 14 school years (a sample far sparser than the nation).
    Sparse,
    /// The nation's ~2,250 births a day: what the hub really holds.
    National,
    /// Both, one after the other.
    Both,
}

/// Arguments of `bench attack`.
#[derive(Debug, Args)]
pub struct AttackBenchArgs {
    /// Synthetic children the attacker sees encoded.
    #[arg(long, default_value_t = 100_000)]
    pub records: usize,
    /// Date-of-birth density of the population.
    #[arg(long, value_enum, default_value_t = Density::Both)]
    pub density: Density,
    /// Population seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Runs the attacks and prints one table per population.
pub fn run(args: AttackBenchArgs) -> anyhow::Result<ExitCode> {
    let configs = match args.density {
        Density::Sparse => vec![PopulationConfig::sparse(args.records, args.seed)],
        Density::National => vec![PopulationConfig::national_density(args.records, args.seed)],
        Density::Both => vec![
            PopulationConfig::sparse(args.records, args.seed),
            PopulationConfig::national_density(args.records, args.seed),
        ],
    };
    for config in configs {
        let started = Instant::now();
        let report = AttackReport::run(config);
        println!("{report}");
        let failures = report.failures();
        if failures.is_empty() {
            println!(
                "every protocol v3 column stays within {:.1}% above chance",
                100.0 * MAX_REIDENTIFICATION
            );
        } else {
            let names: Vec<&str> = failures.iter().map(|r| r.column.as_str()).collect();
            println!(
                "protocol v3 columns above {:.1}%: {}",
                100.0 * MAX_REIDENTIFICATION,
                names.join(", ")
            );
        }
        println!("({:.1} s)\n", started.elapsed().as_secs_f64());
    }
    let started = Instant::now();
    let insiders = InsiderReport::run(PopulationConfig::national_density(args.records, args.seed));
    println!("{insiders}");
    let failures = insiders.failures();
    if failures.is_empty() {
        println!(
            "every in-scope attacker stays within {:.1}% on protocol v4",
            100.0 * MAX_REIDENTIFICATION
        );
    } else {
        for row in failures {
            println!(
                "above {:.1}% on protocol v4: {}",
                100.0 * MAX_REIDENTIFICATION,
                row.attacker.holds()
            );
        }
    }
    println!("({:.1} s)\n", started.elapsed().as_secs_f64());

    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let oracle = runtime.block_on(oracle::measure(ORACLE_ROLL, ORACLE_GUESSES, args.seed))?;
    println!(
        "The hub as an oracle: a member authority with its API key and the agreement secret, no \
         database, submits {ORACLE_GUESSES} guessed children (half real) as open cases, {} a \
         submission, for one day, against another member's roll of {ORACLE_ROLL}",
        oracle::PER_SUBMISSION
    );
    println!("{:<72} {:>9} {:>9}", "", "v3", "v4");
    println!(
        "{:<72} {:>8.3}% {:>8.3}%",
        "children located per day (no daily limits / the default limits)",
        100.0 * oracle.unlimited.share(),
        100.0 * oracle.limited.share()
    );
    println!(
        "{:<72} {:>9} {:>9}",
        "guessed cases accepted", oracle.unlimited.accepted, oracle.limited.accepted
    );
    println!(
        "oracle within 1% per day with the default limits: {}",
        if oracle.limited.share() <= 0.01 {
            "yes"
        } else {
            "NO"
        }
    );
    println!("({:.1} s)", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}
