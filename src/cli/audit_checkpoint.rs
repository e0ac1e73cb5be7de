//! `pupilmatch audit checkpoint` (authority side): fetch the hub's signed audit checkpoint,
//! check its signature against the hub key pinned at first use, and keep it as the latest, in
//! the authority's workspace. A changed hub key, or a chain shorter than (or different at the
//! length of) the checkpoint kept before, is refused loudly with exit 3: the operator can then
//! be handed the kept file for `pupilmatch audit verify --checkpoint`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use super::hub_args::{runtime, HubArgs};
use crate::checkpoint::{CheckpointBook, CheckpointError, Kept};
use crate::local::Workspace;

/// Arguments of `audit checkpoint`.
#[derive(Debug, Clone, Args)]
pub struct CheckpointArgs {
    /// The hub and this authority's API key.
    #[command(flatten)]
    pub hub: HubArgs,
    /// The folder that keeps the pinned hub key and the latest checkpoint (default: this
    /// authority's workspace, $XDG_CONFIG_HOME/pupilmatch/<authority code>/).
    #[arg(long, value_name = "DIR")]
    pub keep_in: Option<PathBuf>,
}

/// Runs `audit checkpoint`.
pub fn run(args: &CheckpointArgs) -> anyhow::Result<ExitCode> {
    let runtime = runtime()?;
    let client = args.hub.client()?;
    let dir = match &args.keep_in {
        Some(dir) => dir.clone(),
        None => {
            let me = runtime
                .block_on(client.me())
                .context("asking the hub which authority this API key belongs to")?;
            Workspace::for_authority(&me.authority.code)?
                .dir()
                .to_path_buf()
        }
    };
    let checkpoint = runtime
        .block_on(client.audit_checkpoint())
        .context("fetching the hub's audit checkpoint")?;
    let book = CheckpointBook::at(&dir);
    match book.keep(&checkpoint) {
        Ok(kept) => {
            println!(
                "hub audit checkpoint: {} events, head {}, signed {} by hub key {}",
                checkpoint.n_events, checkpoint.head, checkpoint.at, checkpoint.key_fingerprint
            );
            match kept {
                Kept::FirstUse => println!(
                    "first checkpoint: hub key {} pinned in {} (check it with the operator, out \
                     of band)",
                    checkpoint.key_fingerprint,
                    book.pin_path().display()
                ),
                Kept::Advanced { from } => println!(
                    "matches the pinned hub key; the chain grew from {from} to {} events",
                    checkpoint.n_events
                ),
            }
            println!("kept in {}", book.latest_path().display());
            Ok(ExitCode::SUCCESS)
        }
        Err(
            e @ (CheckpointError::BadSignature
            | CheckpointError::OtherKey { .. }
            | CheckpointError::KeyChanged { .. }
            | CheckpointError::Regressed { .. }
            | CheckpointError::Forked { .. }),
        ) => {
            eprintln!("{e}");
            Ok(ExitCode::from(3))
        }
        Err(e) => Err(e.into()),
    }
}
