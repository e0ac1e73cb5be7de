//! `pupilmatch disclosure …`: the coordinator's side of two-sided confirmation (protocol.md
//! §11–§12). Records are read from this authority's own pupil file, sealed here to the other
//! side's key and opened here with this authority's key; the hub only ever relays ciphertext.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::authority_args::{known_refs, shown_record, LocalKeyArgs};
use super::disclosure_trust::{run_trust, Trust};
use super::evidence::{confidence, in_words, AuthorityNames};
use super::hub_args::{runtime, HubArgs};
use crate::client::{CandidateDetail, DecisionNote, HubClient};
use crate::disclosure::record::PAYLOAD_FORMAT;
use crate::disclosure::{
    compare, open, parse_fingerprint, seal, Coordinator, DisclosedRecord, DisclosureKeyPair,
    DisclosurePayload, PublicKey,
};
use crate::encode::LocalKey;
use crate::input::RawRecord;
use crate::local::RefEntry;
use crate::matcher::explain_words::evidence_in_words;
use crate::matcher::Explanation;
use crate::store::{ConfirmReason, RejectReason, VerifiedOutcome};

/// Arguments of `pupilmatch disclosure`.
#[derive(Debug, Args)]
pub struct DisclosureArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: DisclosureCommand,
}

/// Who decides and why, for every decision.
#[derive(Debug, Clone, Args)]
pub struct DecisionArgs {
    /// Who decides (a staff identifier such as an email address), recorded with the decision.
    #[arg(long, env = "PUPILMATCH_DECIDED_BY")]
    pub decided_by: String,
    /// Your reasons in a few words. Never put personal data here: the hub stores it in clear.
    #[arg(long, default_value = "")]
    pub note: String,
}

impl DecisionArgs {
    fn note(&self) -> DecisionNote {
        DecisionNote {
            note: self.note.clone(),
            decided_by: self.decided_by.clone(),
        }
    }
}

/// Where this authority's own record comes from.
#[derive(Debug, Clone, Args)]
pub struct OwnRecordArgs {
    /// This authority's pupil file (CSV or CTF XML) holding the candidate's record (default:
    /// the file it was submitted from, as the workspace's reference store recorded it); the
    /// record is found by its reference, computed with the local key.
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// This authority's local key.
    #[command(flatten)]
    pub local: LocalKeyArgs,
}

/// The disclosure subcommands.
#[derive(Debug, Subcommand)]
pub enum DisclosureCommand {
    /// Register this authority's disclosure public key with the hub.
    Register {
        /// The private key file from `pupilmatch keygen --disclosure`.
        #[arg(
            long,
            env = "PUPILMATCH_DISCLOSURE_KEY",
            default_value = "disclosure.key"
        )]
        key: PathBuf,
        /// The hub.
        #[command(flatten)]
        hub: HubArgs,
    },
    /// List an agreement's members' disclosure keys: your own fingerprint (to read out) and,
    /// for each other member, whether the fingerprint its coordinator read out matches.
    Keys {
        /// The agreement.
        #[arg(long)]
        agreement: String,
        /// The hub.
        #[command(flatten)]
        hub: HubArgs,
    },
    /// Record another member's disclosure-key fingerprint as its coordinator read it out to
    /// you by phone; `show`, `keys` and `confirm` then check the key the hub publishes
    /// against it.
    Trust {
        /// The other authority's code (as `disclosure keys` lists it).
        #[arg(long)]
        authority: String,
        /// Its fingerprint as read out (any case; spaces or dashes between the digits).
        #[arg(long, value_parser = parse_fingerprint)]
        fingerprint: String,
        /// The hub.
        #[command(flatten)]
        hub: HubArgs,
    },
    /// Show one candidate: evidence in words, decisions, whether the other side's key matches
    /// the fingerprint read out by phone.
    Show {
        /// The candidate id.
        #[arg(long)]
        candidate: i64,
        /// Print the hub's answer as JSON (the matcher's full evidence) instead.
        #[arg(long)]
        json: bool,
        /// The hub.
        #[command(flatten)]
        hub: HubArgs,
    },
    /// Confirm a candidate: seal your record to the other side and upload it.
    Confirm {
        /// The candidate id.
        #[arg(long)]
        candidate: i64,
        /// identifier_agrees, names_and_dob_agree, local_enquiries or other.
        #[arg(long)]
        reason: ConfirmReason,
        /// The other side's key fingerprint as its coordinator read it to you (any case;
        /// spaces or dashes between the digits are fine); default: the one recorded with
        /// `disclosure trust`. Sealing is refused if the hub publishes a different key.
        #[arg(long, value_parser = parse_fingerprint)]
        fingerprint: Option<String>,
        /// Your record.
        #[command(flatten)]
        record: OwnRecordArgs,
        /// The coordinator the other side should contact.
        #[arg(long)]
        coordinator_name: String,
        /// Their email address.
        #[arg(long)]
        coordinator_email: String,
        /// Their telephone number.
        #[arg(long)]
        coordinator_phone: Option<String>,
        /// The child's current or last school.
        #[arg(long)]
        school: Option<String>,
        /// The last known address; sent only with --include-address.
        #[arg(long)]
        address: Option<String>,
        /// Include the address and postcode in the sealed record.
        #[arg(long)]
        include_address: bool,
        /// Who decides and why.
        #[command(flatten)]
        decision: DecisionArgs,
        /// Do not ask before sealing (the record is still shown).
        #[arg(long)]
        yes: bool,
        /// The hub.
        #[command(flatten)]
        hub: HubArgs,
    },
    /// Reject a candidate: nothing is released to either side.
    Reject {
        /// The candidate id.
        #[arg(long)]
        candidate: i64,
        /// different_child, dob_differs, names_differ, already_resolved, safeguarding_hold or
        /// other.
        #[arg(long)]
        reason: RejectReason,
        /// Who decides and why.
        #[command(flatten)]
        decision: DecisionArgs,
        /// The hub.
        #[command(flatten)]
        hub: HubArgs,
    },
    /// Download the other side's sealed record, open it here and compare it with yours.
    Open {
        /// The candidate id.
        #[arg(long)]
        candidate: i64,
        /// This authority's private disclosure key.
        #[arg(
            long,
            env = "PUPILMATCH_DISCLOSURE_KEY",
            default_value = "disclosure.key"
        )]
        key: PathBuf,
        /// Your record, to compare side by side.
        #[command(flatten)]
        record: OwnRecordArgs,
        /// Print the opened payload and the comparison as JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// The hub.
        #[command(flatten)]
        hub: HubArgs,
    },
    /// Record your verdict after opening: same_child or different_child.
    Verify {
        /// The candidate id.
        #[arg(long)]
        candidate: i64,
        /// same_child or different_child.
        #[arg(long)]
        outcome: VerifiedOutcome,
        /// Who decides and why.
        #[command(flatten)]
        decision: DecisionArgs,
        /// The hub.
        #[command(flatten)]
        hub: HubArgs,
    },
}

/// This authority's record behind `record_ref`: read from `--input`, or from the file the
/// reference store says it was submitted from, and found there by its reference.
fn own_record(
    args: &OwnRecordArgs,
    record_ref: &str,
    runtime: &tokio::runtime::Runtime,
    client: &HubClient,
) -> anyhow::Result<(RawRecord, PathBuf)> {
    let key = args.local.open(runtime, client, false)?.key;
    let input = match &args.input {
        Some(input) => input.clone(),
        None => known_refs(runtime, client)
            .get(record_ref)
            .map(|e| PathBuf::from(&e.source))
            .filter(|p| p.is_file())
            .with_context(|| {
                format!(
                    "no file recorded for reference {record_ref} in this authority's \
                     workspace: pass --input FILE (your pupil file holding the record)"
                )
            })?,
    };
    Ok((find_record(&input, &key, record_ref)?, input))
}

/// Shows the record about to be sealed (locally only) and asks before sending, unless `yes`.
fn ask_before_sealing(
    raw: &RawRecord,
    input: &Path,
    candidate: i64,
    recipient: &str,
    yes: bool,
) -> anyhow::Result<()> {
    let name = [raw.forename.as_deref(), raw.surname.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    let position = raw
        .position
        .as_ref()
        .map_or_else(|| input.display().to_string(), |p| p.to_string());
    eprintln!(
        "candidate {candidate}: about to confirm and seal this record to {recipient}:\n  \
         record {} ({position}): {name}, born {}",
        raw.record_id.as_deref().unwrap_or("?").trim(),
        raw.dob.as_deref().unwrap_or("?").trim()
    );
    if yes {
        return Ok(());
    }
    use std::io::IsTerminal;
    anyhow::ensure!(
        std::io::stdin().is_terminal(),
        "not confirmed: standard input is not a terminal, so nobody could answer; check the \
         record above and run again with --yes"
    );
    eprint!("confirm and send it? [y/N] ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    anyhow::ensure!(
        matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES"),
        "not confirmed; nothing was sent"
    );
    Ok(())
}

fn find_record(input: &Path, key: &LocalKey, record_ref: &str) -> anyhow::Result<RawRecord> {
    let records = crate::input::read_records(input)
        .with_context(|| format!("reading {}", input.display()))?;
    for record in records {
        let record = record.with_context(|| format!("reading {}", input.display()))?;
        if let Some(id) = &record.record_id {
            if key.record_ref(id.trim()) == record_ref {
                return Ok(record);
            }
        }
    }
    anyhow::bail!(
        "no record in {} has reference {record_ref} under this local key",
        input.display()
    )
}

fn print_candidate(
    c: &CandidateDetail,
    names: &AuthorityNames,
    refs: &HashMap<String, RefEntry>,
    trust: &Trust,
) {
    println!(
        "candidate {} ({}, epoch {}): {}, confidence {}",
        c.id,
        c.agreement_id,
        c.epoch,
        c.state,
        confidence(c.match_weight)
    );
    println!(
        "  your record    {} (held as {})",
        shown_record(refs, &c.record.record_ref),
        c.record.role
    );
    println!(
        "  other side     {} (held as {})",
        names.show(&c.counterpart.authority),
        c.counterpart.role
    );
    let published = c.counterpart.disclosure_key.as_ref();
    println!(
        "  their key      {}",
        trust.words(
            &c.counterpart.authority,
            published.map(|k| k.public_key.as_str())
        )
    );
    println!(
        "  sealed         yours {}, theirs {}; released {}",
        if c.sealed.own {
            "uploaded"
        } else {
            "not uploaded"
        },
        if c.sealed.counterpart {
            "uploaded"
        } else {
            "not uploaded"
        },
        if c.released { "yes" } else { "no" }
    );
    for d in &c.decisions {
        // A confirmation's kind and decision are both `confirm`: say it once.
        let what = if d.kind == d.decision {
            d.decision.clone()
        } else {
            format!("{} {}", d.kind, d.decision)
        };
        println!(
            "  {}  {} {} ({}) by {}{}",
            d.at,
            d.authority,
            what,
            d.reason,
            d.decided_by,
            if d.note.is_empty() {
                String::new()
            } else {
                format!(": {}", d.note)
            }
        );
    }
    print_evidence(&c.evidence);
}

/// The evidence one field a line, strongest first, with each contribution to the weight.
fn print_evidence(evidence: &serde_json::Value) {
    match serde_json::from_value::<Explanation>(evidence.clone()) {
        Ok(explanation) => {
            println!("  evidence");
            for w in evidence_in_words(&explanation) {
                println!("    {:+6.1}  {}", w.weight, w.words);
            }
            println!(
                "    {:+6.1}  how rare one match is among the records compared (the prior)",
                explanation.prior_weight
            );
        }
        Err(_) => println!("  evidence       {}", in_words(evidence)),
    }
}

/// Runs `disclosure`.
pub fn run(args: DisclosureArgs) -> anyhow::Result<ExitCode> {
    let runtime = runtime()?;
    match args.command {
        DisclosureCommand::Register { key, hub } => {
            let pair = DisclosureKeyPair::load(&key)?;
            let published =
                runtime.block_on(hub.client()?.register_disclosure_key(pair.public()))?;
            println!(
                "registered disclosure key of {}: fingerprint {}",
                published.authority, published.fingerprint
            );
        }
        DisclosureCommand::Keys { agreement, hub } => {
            let client = hub.client()?;
            let keys = runtime.block_on(client.disclosure_keys(&agreement))?;
            let trust = Trust::fetch(&runtime, &client);
            if keys.is_empty() {
                println!("no member of {agreement} has registered a disclosure key yet");
            } else {
                println!("{:<12}  {:<25}  fingerprint", "authority", "registered");
            }
            for key in keys {
                println!(
                    "{:<12}  {:<25}  {}",
                    key.authority,
                    key.registered_at,
                    trust.words(&key.authority, Some(key.public_key.as_str()))
                );
            }
        }
        DisclosureCommand::Trust {
            authority,
            fingerprint,
            hub,
        } => run_trust(&runtime, &hub, &authority, &fingerprint)?,
        DisclosureCommand::Show {
            candidate,
            json,
            hub,
        } => {
            let client = hub.client()?;
            let detail = runtime.block_on(client.candidate(candidate))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&detail)?);
            } else {
                let names = runtime.block_on(AuthorityNames::fetch(&client));
                let refs = known_refs(&runtime, &client);
                let trust = Trust::fetch(&runtime, &client);
                print_candidate(&detail, &names, &refs, &trust);
            }
        }
        DisclosureCommand::Confirm {
            candidate,
            reason,
            fingerprint,
            record,
            coordinator_name,
            coordinator_email,
            coordinator_phone,
            school,
            address,
            include_address,
            decision,
            yes,
            hub,
        } => {
            let client = hub.client()?;
            let detail = runtime.block_on(client.candidate(candidate))?;
            let key = detail.counterpart.disclosure_key.as_ref().with_context(|| {
                format!(
                    "{} has not registered a disclosure key yet; ask them to run `pupilmatch disclosure register`",
                    detail.counterpart.authority
                )
            })?;
            let key = PublicKey::parse(&key.public_key)
                .map_err(|e| anyhow::anyhow!("the hub published an unusable key: {e}"))?;
            let counterpart = &detail.counterpart.authority;
            let fingerprint = match fingerprint {
                Some(fingerprint) => fingerprint,
                None => Trust::fetch(&runtime, &client)
                    .recorded(counterpart)?
                    .with_context(|| {
                        format!(
                            "no fingerprint recorded for {counterpart}: ask their coordinator \
                             to read theirs out by phone and run `pupilmatch disclosure trust \
                             --authority {counterpart} --fingerprint …`, or pass --fingerprint"
                        )
                    })?,
            };
            // On a mismatch the hub's fingerprint is not shown: it would invite copying it,
            // which defeats the check by phone.
            anyhow::ensure!(
                key.fingerprint() == fingerprint,
                "the key the hub publishes for {} does not have the fingerprint {fingerprint} \
                 you were given: do not confirm; ring their coordinator, read the fingerprint \
                 again from `pupilmatch disclosure keys` on their side, and report a real \
                 mismatch to the hub's operator",
                detail.counterpart.authority,
            );
            let (raw, input) = own_record(&record, &detail.record.record_ref, &runtime, &client)?;
            let names = runtime.block_on(AuthorityNames::fetch(&client));
            let recipient = names.show(&detail.counterpart.authority);
            ask_before_sealing(&raw, &input, candidate, &recipient, yes)?;
            let record_id = raw.record_id.clone().unwrap_or_default();
            let context = detail.seal_context();
            let payload = DisclosurePayload {
                format: PAYLOAD_FORMAT.into(),
                agreement_id: context.agreement_id.clone(),
                candidate_id: candidate,
                sender: context.sender.clone(),
                recipient: context.recipient.clone(),
                record: DisclosedRecord::from_raw(&raw, school, address, include_address),
                coordinator: Coordinator {
                    name: coordinator_name,
                    email: coordinator_email,
                    phone: coordinator_phone,
                },
                sealed_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            };
            let sealed = seal(&key, &context, &payload)?;
            let t =
                runtime.block_on(client.confirm(candidate, reason, &decision.note(), &sealed))?;
            println!(
                "candidate {candidate}: {} → {} (your record {} is sealed to {recipient}, key {})",
                t.previous_state,
                t.state,
                record_id.trim(),
                key.fingerprint()
            );
        }
        DisclosureCommand::Reject {
            candidate,
            reason,
            decision,
            hub,
        } => {
            let t = runtime.block_on(hub.client()?.reject(candidate, reason, &decision.note()))?;
            println!("candidate {candidate}: {} → {}", t.previous_state, t.state);
        }
        DisclosureCommand::Open {
            candidate,
            key,
            record,
            json,
            hub,
        } => {
            let pair = DisclosureKeyPair::load(&key)?;
            let client = hub.client()?;
            let detail = runtime.block_on(client.candidate(candidate))?;
            let theirs = open_downloaded(&runtime, &client, &pair, candidate)?;
            let (ours, _) = own_record(&record, &detail.record.record_ref, &runtime, &client)?;
            let ours = DisclosedRecord::from_raw(&ours, None, None, true);
            let rows = compare(&ours, &theirs.record);
            if json {
                println!(
                    "{}",
                    serde_json::json!({"payload": theirs, "comparison": rows})
                );
            } else {
                println!(
                    "candidate {candidate}: record of {} (contact {} <{}>{})",
                    theirs.sender,
                    theirs.coordinator.name,
                    theirs.coordinator.email,
                    theirs
                        .coordinator
                        .phone
                        .as_deref()
                        .map(|p| format!(", {p}"))
                        .unwrap_or_default()
                );
                println!("{:<20} {:<28} {:<28} comparison", "field", "ours", "theirs");
                for row in rows {
                    println!(
                        "{:<20} {:<28} {:<28} {}",
                        row.field,
                        row.ours.as_deref().unwrap_or("—"),
                        row.theirs.as_deref().unwrap_or("—"),
                        row.verdict.label()
                    );
                }
                println!(
                    "record your verdict with `pupilmatch disclosure verify --candidate {candidate} --outcome same_child|different_child`"
                );
            }
        }
        DisclosureCommand::Verify {
            candidate,
            outcome,
            decision,
            hub,
        } => {
            let t = runtime.block_on(hub.client()?.verify(candidate, outcome, &decision.note()))?;
            println!("candidate {candidate}: {} → {}", t.previous_state, t.state);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn open_downloaded(
    runtime: &tokio::runtime::Runtime,
    client: &HubClient,
    pair: &DisclosureKeyPair,
    candidate: i64,
) -> anyhow::Result<DisclosurePayload> {
    let downloaded = runtime.block_on(client.download_disclosure(candidate))?;
    Ok(open(
        pair,
        &downloaded.seal_context(candidate),
        &downloaded.sealed,
    )?)
}
