//! The command-line interface: argument parsing and one file per subcommand.
//!
//! This is the binary's edge: errors become `anyhow` here and are printed once by [`main`].

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod admin;
mod admin_retention;
pub mod agreement;
pub mod audit;
pub mod audit_checkpoint;
mod authority_args;
pub mod bench;
pub mod candidates;
pub mod case;
pub mod console;
pub mod disclosure;
pub mod disclosure_trust;
pub mod encode;
pub mod encoded_file;
mod error_report;
mod evidence;
mod hub_args;
mod input_report;
pub mod keygen;
pub mod link;
pub mod search;
pub mod serve;
pub mod submit;
pub mod synth;
pub mod train;

/// Privacy-preserving pupil matching for children missing from education.
#[derive(Debug, Parser)]
#[command(name = "pupilmatch", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an agreement secret, an authority's local key or a hub key.
    Keygen(keygen::KeygenArgs),
    /// Encode a pupil file (CSV or CTF XML) into what the hub may see.
    Encode(encode::EncodeArgs),
    /// Link two pupil files (or encoded files) and write the probable matches.
    Link(link::LinkArgs),
    /// Write a synthetic five-nation pupil population with ground truth.
    Synth(synth::SynthArgs),
    /// Train a matching model (u from random pairs, m by EM) and write a model file.
    Train(train::TrainArgs),
    /// Run the hub (HTTP API, continuous matching, national searches).
    Serve(serve::ServeArgs),
    /// Administer the hub: authorities, agreements, API keys.
    Admin(admin::AdminArgs),
    /// Upload open CME cases or a roll to the hub (encoded locally first).
    Submit(submit::SubmitArgs),
    /// Search nationally for one child (encoded locally first). Names typed on the command
    /// line stay in your shell history: prefer --input FILE --row N (or --record-id), or
    /// --input - to read one row from standard input.
    Search(Box<search::SearchArgs>),
    /// List the candidates this authority is party to.
    Candidates(candidates::CandidatesArgs),
    /// Close a CME case with an outcome.
    Case(case::CaseArgs),
    /// Take records out of matching.
    Withdraw(case::WithdrawArgs),
    /// What every member of this authority's agreements ran per day, and the daily limits.
    Agreement(agreement::AgreementArgs),
    /// Verify the audit log's hash chain, or export an authority's events (operators, DPOs).
    Audit(audit::AuditArgs),
    /// Confirm, reject, open and verify candidates (sealed disclosure between authorities).
    Disclosure(disclosure::DisclosureArgs),
    /// Run the coordinator's web console at this authority (or manage its staff accounts).
    Console(console::ConsoleArgs),
    /// Measure performance and print figures (release builds).
    Bench(bench::BenchArgs),
}

/// Parses arguments, runs the subcommand and turns errors into an exit code.
pub fn main() -> ExitCode {
    init_tracing();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Keygen(args) => keygen::run(args),
        Command::Encode(args) => encode::run(args),
        Command::Link(args) => link::run(args),
        Command::Synth(args) => synth::run(args),
        Command::Train(args) => train::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Admin(args) => admin::run(args),
        Command::Submit(args) => submit::run(args),
        Command::Search(args) => search::run(*args),
        Command::Candidates(args) => candidates::run(args),
        Command::Case(args) => case::run(args),
        Command::Withdraw(args) => case::run_withdraw(args),
        Command::Disclosure(args) => disclosure::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Agreement(args) => agreement::run(args),
        Command::Console(args) => console::run(args),
        Command::Bench(args) => bench::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", error_report::describe(&error));
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    // sqlx logs every migration and PostgreSQL notice at INFO: noise for the person at the
    // console (PUPILMATCH_LOG=sqlx=info brings it back).
    let filter = EnvFilter::try_from_env("PUPILMATCH_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Colours only on a terminal: escape codes in a log file or a pipe are noise.
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
}
