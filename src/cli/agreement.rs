//! `pupilmatch agreement activity`: for a member's data-protection officer, what every member
//! of the authority's agreements ran per day (open cases, roll records, searches, candidates,
//! refusals at a daily limit), as a table or JSON lines.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::hub_args::{runtime, HubArgs};
use crate::client::{ActivityReport, AgreementActivity, MemberDay};
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
    } else {
        print!("{}", table(&report));
    }
    Ok(ExitCode::SUCCESS)
}

/// The report as a readable table per agreement.
fn table(report: &ActivityReport) -> String {
    let mut out = format!(
        "activity from {} to {} (UTC days)\n",
        report.from, report.to
    );
    if report.agreements.is_empty() {
        out.push_str("this authority is a member of no agreement\n");
    }
    for agreement in &report.agreements {
        out.push_str(&agreement_table(agreement));
    }
    out
}

fn limit_text(limit: DailyLimit) -> String {
    match limit {
        DailyLimit::Unlimited => "no limit".into(),
        DailyLimit::PerDay(n) => format!("{n} a day"),
    }
}

fn agreement_table(agreement: &AgreementActivity) -> String {
    let mut out = format!(
        "\nagreement {} ({} members; per member: cases {}, searches {})\n",
        agreement.agreement_id,
        agreement.members.len(),
        limit_text(agreement.limits.cases_per_day),
        limit_text(agreement.limits.searches_per_day),
    );
    if agreement.days.is_empty() {
        out.push_str("  no activity\n");
        return out;
    }
    out.push_str(&format!(
        "  {:<10}  {:<12} {:>6} {:>12} {:>9} {:>13} {:>11} {:>11}\n",
        "day",
        "authority",
        "cases",
        "roll records",
        "searches",
        "with results",
        "candidates",
        "limit hits"
    ));
    for day in &agreement.days {
        out.push_str(&day_row(day));
    }
    out
}

fn day_row(day: &MemberDay) -> String {
    let flag = if day.limit_hits > 0 {
        "  << refused at a limit"
    } else {
        ""
    };
    format!(
        "  {:<10}  {:<12} {:>6} {:>12} {:>9} {:>13} {:>11} {:>11}{flag}\n",
        day.day.to_string(),
        day.authority,
        day.cases_submitted,
        day.roll_records_submitted,
        day.searches_run,
        day.searches_with_results,
        day.candidates_proposed,
        day.limit_hits,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::DailyLimits;

    #[test]
    fn the_table_shows_each_member_s_day_and_flags_refusals() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let report = ActivityReport {
            from: day,
            to: day,
            agreements: vec![AgreementActivity {
                agreement_id: "eng-scot-cme".into(),
                limits: DailyLimits {
                    cases_per_day: DailyLimit::PerDay(50),
                    searches_per_day: DailyLimit::Unlimited,
                },
                members: vec!["383".into(), "S12000049".into()],
                days: vec![MemberDay {
                    day,
                    authority: "383".into(),
                    cases_submitted: 50,
                    roll_records_submitted: 0,
                    searches_run: 3,
                    searches_with_results: 1,
                    candidates_proposed: 25,
                    limit_hits: 2,
                }],
            }],
        };
        let expected = "activity from 2026-12-07 to 2026-12-07 (UTC days)\n\
            \n\
            agreement eng-scot-cme (2 members; per member: cases 50 a day, searches no limit)\n\
            \x20 day         authority     cases roll records  searches  with results  candidates  limit hits\n\
            \x20 2026-12-07  383              50            0         3             1          25           2  << refused at a limit\n";
        assert_eq!(table(&report), expected);
    }
}
