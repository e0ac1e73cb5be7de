//! `pupilmatch case close` (record a CME case's outcome; it stops matching) and
//! `pupilmatch withdraw` (take records out of matching). A record is named by its reference
//! or by your own record id, from which the reference is computed with your local key.

use std::collections::HashMap;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::authority_args::{known_refs, shown_record, LocalKeyArgs};
use super::hub_args::{runtime, HubArgs};
use crate::client::{FollowUp, HubClient};
use crate::local::RefEntry;
use crate::store::CaseOutcome;

/// A record named by reference or by record id (with the local key).
#[derive(Debug, Clone, Args)]
pub struct RecordName {
    /// The record's reference as the hub shows it.
    #[arg(long = "ref", conflicts_with = "record_id")]
    pub record_ref: Option<String>,
    /// Your own record id; its reference is computed with your local key.
    #[arg(long)]
    pub record_id: Option<String>,
    /// This authority's local key (with --record-id).
    #[command(flatten)]
    pub local: LocalKeyArgs,
}

impl RecordName {
    fn record_ref(
        &self,
        runtime: &tokio::runtime::Runtime,
        client: &HubClient,
    ) -> anyhow::Result<String> {
        match (&self.record_ref, &self.record_id) {
            (Some(r), _) => Ok(r.clone()),
            (None, Some(id)) => Ok(self
                .local
                .open(runtime, client, false)?
                .key
                .record_ref(id.trim())),
            (None, None) => anyhow::bail!("give --ref or --record-id"),
        }
    }
}

/// Arguments of `pupilmatch case`.
#[derive(Debug, Args)]
pub struct CaseArgs {
    /// What to do with a case.
    #[command(subcommand)]
    pub command: CaseCommand,
}

/// The case subcommands.
#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Close an open CME case with an outcome code.
    Close {
        /// The case.
        #[command(flatten)]
        case: RecordName,
        /// DEC deceased, EHE elective home education, EMI emigrated, IND independent school,
        /// NCA not compulsory school age, OLA other LA, WLA within own LA, S2S uploaded to S2S
        /// (in capitals or not).
        #[arg(long, value_parser = parse_outcome)]
        outcome: CaseOutcome,
        /// The hub.
        #[command(flatten)]
        hub: HubArgs,
    },
    /// List the follow-ups due on cases closed as found (is the child still in education 6
    /// and 18 weeks on?), or mark one done.
    FollowUps {
        /// Also list follow-ups due in the next this many days (default: due today or before).
        #[arg(long, default_value_t = 0)]
        due_within_days: u32,
        /// Mark this follow-up done (its id, from the list) instead of listing.
        #[arg(long)]
        done: Option<i64>,
        /// The hub.
        #[command(flatten)]
        hub: HubArgs,
    },
}

/// How far ahead a closed case's follow-ups are looked for (the last is due at 18 weeks).
const FOLLOW_UP_HORIZON_DAYS: i64 = 200;

/// `6_weeks` as a person says it.
fn follow_up_name(kind: &str) -> String {
    kind.replace('_', " ")
}

fn print_follow_ups(follow_ups: &[FollowUp], refs: &HashMap<String, RefEntry>) {
    println!("{:>6}  {:<10} {:<10} case", "id", "follow-up", "due on");
    for f in follow_ups {
        println!(
            "{:>6}  {:<10} {:<10} {}",
            f.id,
            follow_up_name(&f.kind),
            f.due_on,
            shown_record(refs, &f.record_ref)
        );
    }
}

/// An outcome code in any case (`ola` is `OLA`).
fn parse_outcome(text: &str) -> Result<CaseOutcome, String> {
    text.trim().to_ascii_uppercase().parse()
}

/// Runs `case`.
pub fn run(args: CaseArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        CaseCommand::Close { case, outcome, hub } => {
            let client = hub.client()?;
            let runtime = runtime()?;
            let record_ref = case.record_ref(&runtime, &client)?;
            let closed = runtime.block_on(client.close_case(&record_ref, outcome))?;
            let refs = known_refs(&runtime, &client);
            println!(
                "case {} {} with outcome {}",
                shown_record(&refs, &closed.record_ref),
                closed.status,
                closed.outcome
            );
            let horizon =
                chrono::Utc::now().date_naive() + chrono::Duration::days(FOLLOW_UP_HORIZON_DAYS);
            let scheduled: Vec<FollowUp> = runtime
                .block_on(client.follow_ups(Some(horizon)))?
                .into_iter()
                .filter(|f| f.record_ref == closed.record_ref)
                .collect();
            if scheduled.is_empty() {
                println!("no follow-up scheduled");
            }
            for f in &scheduled {
                println!(
                    "follow-up scheduled: {} check due on {} (id {}); see `pupilmatch case follow-ups`",
                    follow_up_name(&f.kind),
                    f.due_on,
                    f.id
                );
            }
        }
        CaseCommand::FollowUps {
            due_within_days,
            done,
            hub,
        } => {
            let client = hub.client()?;
            let runtime = runtime()?;
            if let Some(id) = done {
                runtime.block_on(client.follow_up_done(id))?;
                println!("follow-up {id} marked done");
                return Ok(ExitCode::SUCCESS);
            }
            let due_by = chrono::Utc::now().date_naive()
                + chrono::Duration::days(i64::from(due_within_days));
            let follow_ups = runtime.block_on(client.follow_ups(Some(due_by)))?;
            if follow_ups.is_empty() {
                println!("no follow-up due by {due_by}");
            } else {
                print_follow_ups(&follow_ups, &known_refs(&runtime, &client));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `pupilmatch withdraw`.
#[derive(Debug, Args)]
pub struct WithdrawArgs {
    /// References to withdraw (repeat, or list after one flag).
    #[arg(long = "ref", num_args = 1..)]
    pub refs: Vec<String>,
    /// Record ids to withdraw (references computed with --local-key).
    #[arg(long = "record-id", num_args = 1..)]
    pub record_ids: Vec<String>,
    /// This authority's local key (with --record-id).
    #[command(flatten)]
    pub local: LocalKeyArgs,
    /// Only under this agreement (default: every agreement).
    #[arg(long)]
    pub agreement: Option<String>,
    /// The hub.
    #[command(flatten)]
    pub hub: HubArgs,
}

/// Runs `withdraw`.
pub fn run_withdraw(args: WithdrawArgs) -> anyhow::Result<ExitCode> {
    let mut refs = args.refs.clone();
    let client = args.hub.client()?;
    let runtime = runtime()?;
    if !args.record_ids.is_empty() {
        let key = args.local.open(&runtime, &client, false)?.key;
        refs.extend(args.record_ids.iter().map(|id| key.record_ref(id.trim())));
    }
    anyhow::ensure!(!refs.is_empty(), "give --ref or --record-id");
    let done = runtime.block_on(client.withdraw(&refs, args.agreement.as_deref()))?;
    println!(
        "{} of {} record(s) withdrawn",
        done.n_withdrawn, done.n_requested
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_codes_are_read_in_any_case() {
        for text in ["OLA", "ola", " Ola "] {
            assert_eq!(parse_outcome(text), Ok(CaseOutcome::Ola), "{text}");
        }
        assert!(parse_outcome("other la").is_err());
    }
}
