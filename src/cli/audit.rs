//! `pupilmatch audit verify` (recompute the audit chain's links directly against the hub's
//! database, with the hub key, and hold it to the checkpoints authorities kept),
//! `pupilmatch audit export` (every event concerning one authority, as JSON lines, for its
//! data-protection officer) and `pupilmatch audit checkpoint` (an authority fetches, checks and
//! keeps the hub's signed checkpoint; `audit_checkpoint.rs`).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::checkpoint::Checkpoint;
use crate::hub::key_custody::{
    check_custody, default_hub_key_path, legacy_links_record, recorded_legacy_links,
};
use crate::hub::layer::HubLayer;
use crate::store::{ChainReport, Store};

/// Arguments of `pupilmatch audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: AuditCommand,
}

/// `--database`, as for `serve`.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// The hub's database (as for `serve`).
    #[arg(
        long,
        env = "PUPILMATCH_DATABASE",
        default_value = "sqlite://pupilmatch.db?mode=rwc"
    )]
    pub database: String,
}

/// Arguments of `audit verify`.
#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// The hub's database.
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// The hub key file (as for `serve`; default `$XDG_CONFIG_HOME/pupilmatch/hub.key`): the
    /// links are keyed with a key derived from it.
    #[arg(long, env = "PUPILMATCH_HUB_KEY")]
    pub hub_key: Option<PathBuf>,
    /// A checkpoint an authority kept (`audit-checkpoint.json`, from `pupilmatch audit
    /// checkpoint` or its console); may be repeated. The chain must be at least as long and
    /// hold the same link at its length.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Vec<PathBuf>,
}

/// The audit subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the chain's links (with the hub key) and check it against checkpoints; exit 0
    /// if it holds, 3 naming the first broken event or the checkpoint it disagrees with.
    Verify(VerifyArgs),
    /// Export the events concerning one authority as JSON lines (with their chain hashes).
    Export {
        /// The hub's database.
        #[command(flatten)]
        db: DatabaseArgs,
        /// The authority code.
        #[arg(long)]
        authority: String,
        /// Where to write (default: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Authorities: fetch the hub's signed audit checkpoint, check it against the hub key
    /// pinned at first use, and keep it (exit 3 if the hub's key changed, its chain shrank or
    /// forked since the checkpoint kept before).
    Checkpoint(super::audit_checkpoint::CheckpointArgs),
}

/// Runs `audit`.
pub fn run(args: AuditArgs) -> anyhow::Result<ExitCode> {
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")
    };
    match args.command {
        AuditCommand::Verify(verify_args) => runtime()?.block_on(verify(&verify_args)),
        AuditCommand::Export {
            db,
            authority,
            output,
        } => runtime()?.block_on(export(&db.database, &authority, output.as_ref())),
        AuditCommand::Checkpoint(checkpoint) => super::audit_checkpoint::run(&checkpoint),
    }
}

async fn open(database: &str) -> anyhow::Result<Store> {
    Store::connect(database)
        .await
        .with_context(|| format!("opening {database}"))
}

/// `audit verify`: the store gets the chain key from the hub key; every checkpoint must be
/// signed by this hub's key before the chain is held to it.
async fn verify(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let hub_key = match &args.hub_key {
        Some(path) => path.clone(),
        None => default_hub_key_path()?,
    };
    check_custody(&hub_key, &args.db.database)?;
    let layer = HubLayer::load(&hub_key).with_context(|| {
        format!(
            "reading the hub key {} (audit links are keyed with it; pass --hub-key as for `serve`)",
            hub_key.display()
        )
    })?;
    let ours = layer.checkpoint_signer().public_key();
    let mut anchors = Vec::new();
    for path in &args.checkpoint {
        let checkpoint = Checkpoint::load(path)?;
        checkpoint
            .verify_by(&ours)
            .with_context(|| format!("refusing the checkpoint {}", path.display()))?;
        anchors.push(checkpoint.anchor());
    }
    let mut store = open(&args.db.database)
        .await?
        .with_audit_key(layer.audit_chain_key());
    let recorded = recorded_legacy_links(&hub_key)
        .with_context(|| format!("reading {}", legacy_links_record(&hub_key).display()))?;
    if let Some(limit) = recorded {
        store = store.with_legacy_limit(limit);
    }
    let report = store.verify_audit_chain_with(&anchors).await?;
    store.close().await;
    print_report(&report, args.checkpoint.len());
    if report.n_legacy > 0 && recorded.is_none() {
        println!(
            "warning: {} holds no count of the legacy links the chain had when it was first \
             keyed (the hub writes it at start), so a chain re-hashed and passed off as legacy \
             links is caught only against a checkpoint",
            legacy_links_record(&hub_key).display()
        );
    }
    Ok(if report.intact() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

fn print_report(report: &ChainReport, n_checkpoints: usize) {
    if let (Some(id), Some(why)) = (report.first_broken, &report.why) {
        println!(
            "audit chain BROKEN at event {id} ({} events): {why}: the log was altered",
            report.n_events
        );
    }
    for mismatch in &report.anchor_mismatches {
        println!("audit chain DISAGREES with a checkpoint: {mismatch}");
    }
    if report.intact() {
        println!(
            "audit chain intact: {} events, head {}",
            report.n_events, report.head
        );
        if n_checkpoints > 0 {
            println!("agrees with {n_checkpoints} signed checkpoint(s)");
        }
    }
    if report.n_legacy > 0 {
        println!(
            "note: the first {} events carry legacy unkeyed links (written before links were \
             keyed): they show clumsy edits, not a rewrite by someone with write access to the \
             database; every later event is keyed",
            report.n_legacy
        );
    }
}

async fn export(
    database: &str,
    authority: &str,
    output: Option<&PathBuf>,
) -> anyhow::Result<ExitCode> {
    let store = open(database).await?;
    let mut out: Box<dyn Write> = match output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    let (mut after, mut n) = (0, 0);
    loop {
        let page = store.audit_events_for(authority, after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for event in &page {
            serde_json::to_writer(&mut out, event)?;
            out.write_all(b"\n")?;
            n += 1;
        }
    }
    out.flush()?;
    store.close().await;
    eprintln!("exported {n} events concerning {authority}");
    Ok(ExitCode::SUCCESS)
}
