//! `pupilmatch admin purge`, `admin agreement rotate` and `admin labels`: retention, key
//! rotation and training labels, directly against the hub's database (protocol.md §14–§15).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::hub::layer::HubLayer;
use crate::hub::Policy;
use crate::store::retention::PurgePolicy;
use crate::store::Store;

/// `admin purge`.
#[derive(Debug, Clone, Args)]
pub struct PurgeArgs {
    /// Candidates not confirmed by both sides within this many days expire.
    #[arg(long, default_value_t = Policy::default().confirm_within_days)]
    pub confirm_within_days: i64,
    /// Days a closed case's or withdrawn record's encoding is kept.
    #[arg(long, default_value_t = Policy::default().purge_after_days)]
    pub purge_after_days: i64,
    /// Days a released sealed record is kept after its first download.
    #[arg(long, default_value_t = Policy::default().sealed_ttl_days)]
    pub sealed_ttl_days: i64,
}

/// `admin agreement rotate`.
#[derive(Debug, Clone, Args)]
pub struct RotateArgs {
    /// The agreement.
    #[arg(long)]
    pub id: String,
    /// The new epoch (greater than every epoch it has).
    #[arg(long)]
    pub epoch: u32,
    /// Days the older epochs stay accepted while authorities re-encode and resubmit.
    #[arg(long, default_value_t = 30)]
    pub window_days: i64,
}

/// `admin labels`.
#[derive(Debug, Clone, Args)]
pub struct LabelsArgs {
    /// Where to write the JSON lines (default: standard output).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// Runs the purge now and prints the counts.
pub async fn purge(store: &Store, args: &PurgeArgs) -> anyhow::Result<()> {
    let policy = PurgePolicy {
        confirm_within_days: args.confirm_within_days,
        purge_after_days: args.purge_after_days,
        sealed_ttl_days: args.sealed_ttl_days,
    };
    let report = store.purge(policy, chrono::Utc::now(), "admin").await?;
    println!("{}", serde_json::to_string(&report)?);
    eprintln!(
        "purged; a running hub drops purged records from its index at its next purge or restart"
    );
    Ok(())
}

/// Starts a new key epoch.
pub async fn rotate(store: &Store, args: &RotateArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.window_days >= 0, "--window-days must not be negative");
    let retiring = store
        .rotate_epoch(&args.id, args.epoch, args.window_days)
        .await?;
    eprintln!(
        "agreement {}: epoch {} accepted now; epochs {retiring:?} accepted for {} more days, \
         then refused and purged. Authorities: re-encode with the new secret and resubmit.",
        args.id, args.epoch, args.window_days
    );
    Ok(())
}

/// Writes the training labels.
pub async fn labels(store: &Store, layer: &HubLayer, args: &LabelsArgs) -> anyhow::Result<()> {
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    let labels = store.labelled_pairs(layer.at_rest()).await?;
    for label in &labels {
        serde_json::to_writer(&mut out, label)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    eprintln!("wrote {} labelled pairs", labels.len());
    Ok(())
}
