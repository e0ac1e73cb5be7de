//! `pupilmatch bench <what>`: measurements that print figures, one file per subject
//! (`hub.rs`: the HTTP service end to end; `encode.rs`: authority-side encoding;
//! `attack.rs`: the privacy attack harness; `matcher.rs`: quality and speed of matching;
//! `console.rs`: the coordinator's console's render time with many candidates).
//! Run them on a release build
//! (`cargo run --release -- bench …`); debug builds are an order of magnitude slower.
//! Every loop is bounded and every server is on loopback.

use std::process::ExitCode;

use clap::{Args, Subcommand};

pub mod attack;
pub mod console;
pub mod encode;
pub mod hub;
pub mod matcher;
pub mod oracle;
mod population;

/// Arguments of `pupilmatch bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// What to measure.
    #[command(subcommand)]
    pub what: BenchCommand,
}

/// The benchmarks.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// The hub over HTTP: ingest rate, national-search latency under load, restart time.
    Hub(hub::HubBenchArgs),
    /// The matcher: quality (five-nation synthetic, FEBRL4), kernel, index, query, bulk.
    Matcher(matcher::MatcherBenchArgs),
    /// Authority-side encoding throughput on one core and on all cores.
    Encode(encode::EncodeBenchArgs),
    /// The privacy attack harness against what the hub stores, with positive controls.
    Attack(attack::AttackBenchArgs),
    /// The coordinator's console: dashboard and candidate-list render time with many candidates.
    Console(console::ConsoleBenchArgs),
}

/// Runs `bench`.
pub fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build; figures are not representative (use --release)");
    }
    match args.what {
        BenchCommand::Hub(args) => hub::run(args),
        BenchCommand::Matcher(args) => matcher::run(args),
        BenchCommand::Encode(args) => encode::run(args),
        BenchCommand::Attack(args) => attack::run(args),
        BenchCommand::Console(args) => console::run(args),
    }
}
