//! `pupilmatch agreement activity`: for a member's data-protection officer, what every member
//! of the authority's agreements ran per day (open cases, searches, candidates, refusals at a
//! daily limit), as a table or JSON lines.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::hub_args::{runtime, HubArgs};
use crate::client::{AgreementActivity, MemberDay};
use crate::store::DailyLimit;

/// Arguments of `pupilmatch agreement`.
#[derive(Debug, Args)]
pub struct AgreementArgs {
    /// What to show.
    #[command(subcommand)]
    pub command: AgreementCommand,
}

/// The `agreement` subcommands.
#[derive(Debug, Subcommand)]
pub enum AgreementCommand {
    /// Every member's daily volumes under this authority's agreements, and the limits.
    Activity(ActivityArgs),
}

/// Arguments of `pupilmatch agreement activity`.
#[derive(Debug, Args)]
pub struct ActivityArgs {
    /// UTC days to show, today included (at most 92).
    #[arg(long, default_value_t = 7)]
    pub days: u32,
    /// Print one JSON line per agreement instead of a table.
    #[arg(long)]
    pub json: bool,
    /// The hub.
    #[command(flatten)]
    pub hub: HubArgs,
}

/// Runs `agreement`.
pub fn run(args: AgreementArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        AgreementCommand::Activity(args) => activity(args),
    }
}

fn activity(args: ActivityArgs) -> anyhow::Result<ExitCode> {
    let client = args.hub.client()?;
    let report = runtime()?.block_on(client.activity(Some(args.days)))?;
    if args.json {
        for agreement in &report.agreements {
            println!("{}", serde_json::to_string(agreement)?);
        }
        return Ok(ExitCode::SUCCESS);
    }
    println!("activity from {} to {} (UTC days)", report.from, report.to);
    if report.agreements.is_empty() {
        println!("this authority is a member of no agreement");
    }
    for agreement in &report.agreements {
        print_agreement(agreement);
    }
    Ok(ExitCode::SUCCESS)
}

fn limit_text(limit: DailyLimit) -> String {
    match limit {
        DailyLimit::Unlimited => "no limit".into(),
        DailyLimit::PerDay(n) => format!("{n} a day"),
    }
}

fn print_agreement(agreement: &AgreementActivity) {
    println!();
    println!(
        "agreement {} ({} members; per member: cases {}, searches {})",
        agreement.agreement_id,
        agreement.members.len(),
        limit_text(agreement.limits.cases_per_day),
        limit_text(agreement.limits.searches_per_day),
    );
    if agreement.days.is_empty() {
        println!("  no activity");
        return;
    }
    println!(
        "  {:<10}  {:<12} {:>6} {:>9} {:>13} {:>11} {:>11}",
        "day", "authority", "cases", "searches", "with results", "candidates", "limit hits"
    );
    for day in &agreement.days {
        print_day(day);
    }
}

fn print_day(day: &MemberDay) {
    let flag = if day.limit_hits > 0 {
        "  << refused at a limit"
    } else {
        ""
    };
    println!(
        "  {:<10}  {:<12} {:>6} {:>9} {:>13} {:>11} {:>11}{flag}",
        day.day.to_string(),
        day.authority,
        day.cases_submitted,
        day.searches_run,
        day.searches_with_results,
        day.candidates_proposed,
        day.limit_hits,
    );
}
