//! `pupilmatch audit verify` (recompute the hash chain of the audit log, directly against the
//! hub's database, and prove it unbroken) and `pupilmatch audit export` (every event concerning
//! one authority, as JSON lines, for its data-protection officer).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::store::Store;

/// Arguments of `pupilmatch audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The hub's database (as for `serve`).
    #[arg(
        long,
        env = "PUPILMATCH_DATABASE",
        default_value = "sqlite://pupilmatch.db?mode=rwc",
        global = true
    )]
    pub database: String,
    /// What to do.
    #[command(subcommand)]
    pub command: AuditCommand,
}

/// The audit subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain; exit 0 if unbroken, 3 naming the first broken event if not.
    Verify,
    /// Export the events concerning one authority as JSON lines (with their chain hashes).
    Export {
        /// The authority code.
        #[arg(long)]
        authority: String,
        /// Where to write (default: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

/// Runs `audit`.
pub fn run(args: AuditArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let store = Store::connect(&args.database)
            .await
            .with_context(|| format!("opening {}", args.database))?;
        let code = match args.command {
            AuditCommand::Verify => {
                let report = store.verify_audit_chain().await?;
                match report.first_broken {
                    None => {
                        println!("audit chain intact: {} events", report.n_events);
                        ExitCode::SUCCESS
                    }
                    Some(id) => {
                        println!(
                            "audit chain BROKEN at event {id} ({} events): the log was altered",
                            report.n_events
                        );
                        ExitCode::from(3)
                    }
                }
            }
            AuditCommand::Export { authority, output } => {
                let mut out: Box<dyn Write> = match &output {
                    Some(path) => Box::new(std::io::BufWriter::new(
                        std::fs::File::create(path)
                            .with_context(|| format!("creating {}", path.display()))?,
                    )),
                    None => Box::new(std::io::stdout().lock()),
                };
                let (mut after, mut n) = (0, 0);
                loop {
                    let page = store.audit_events_for(&authority, after, 1000).await?;
                    let Some(last) = page.last() else { break };
                    after = last.id;
                    for event in &page {
                        serde_json::to_writer(&mut out, event)?;
                        out.write_all(b"\n")?;
                        n += 1;
                    }
                }
                out.flush()?;
                eprintln!("exported {n} events concerning {authority}");
                ExitCode::SUCCESS
            }
        };
        store.close().await;
        Ok(code)
    })
}
