//! `pupilmatch console`: run the coordinator's web console over a workspace, or manage its
//! staff accounts (`pupilmatch console user add`).

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::hub_args::runtime;
use crate::client::{HubClient, HubClientConfig};
use crate::console::{router, Console, StaffName, Users, Workspace};

/// Arguments of `pupilmatch console`.
#[derive(Debug, Args)]
pub struct ConsoleArgs {
    /// The workspace folder (holding console.json, the keys and the pupil files).
    #[arg(long, global = true)]
    pub workspace: Option<PathBuf>,
    /// The hub's base URL (default: `hub` in console.json).
    #[arg(long, env = "PUPILMATCH_HUB")]
    pub hub: Option<String>,
    /// Where to listen. Keep it on loopback: the console holds the authority's secrets.
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub listen: SocketAddr,
    /// Manage staff accounts instead of serving.
    #[command(subcommand)]
    pub command: Option<ConsoleCommand>,
}

/// The console's subcommands.
#[derive(Debug, Subcommand)]
pub enum ConsoleCommand {
    /// Staff accounts.
    User {
        /// What to do.
        #[command(subcommand)]
        command: UserCommand,
    },
}

/// Staff account commands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a staff account; the password is read from standard input (one line).
    Add {
        /// The staff member's name, as they sign in and as their decisions are recorded.
        #[arg(long)]
        name: String,
    },
}

/// Runs `console`.
pub fn run(args: ConsoleArgs) -> anyhow::Result<ExitCode> {
    let dir = args
        .workspace
        .clone()
        .context("--workspace DIR is required (the folder holding console.json)")?;
    match args.command {
        Some(ConsoleCommand::User {
            command: UserCommand::Add { name },
        }) => {
            let path = crate::console::users::users_path(&dir);
            let mut users = Users::load(&path)?;
            let mut password = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut password)
                .context("reading the password from standard input")?;
            let name = StaffName::parse(&name)?;
            users.add(name.clone(), password.trim_end_matches(['\r', '\n']))?;
            users.save(&path)?;
            eprintln!("added staff account {}", name.as_str());
            Ok(ExitCode::SUCCESS)
        }
        None => serve(&dir, args.hub, args.listen),
    }
}

fn serve(
    dir: &std::path::Path,
    hub: Option<String>,
    listen: SocketAddr,
) -> anyhow::Result<ExitCode> {
    let workspace = Workspace::load(dir)?;
    let hub = hub
        .or_else(|| workspace.config.hub.clone())
        .context("give --hub URL (or `hub` in console.json)")?;
    let api_key = std::env::var("PUPILMATCH_API_KEY")
        .ok()
        .or_else(|| workspace.config.api_key.clone())
        .context("set PUPILMATCH_API_KEY (or `api_key` in console.json)")?;
    let client = HubClient::new(HubClientConfig::new(hub, api_key))?;
    if !listen.ip().is_loopback() {
        tracing::warn!(%listen, "the console is listening beyond this machine: put it behind TLS and set secure_cookies");
    }
    let console = Arc::new(Console::new(workspace, client)?);
    runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("listening on {listen}"))?;
        let addr = listener.local_addr()?;
        println!(
            "pupilmatch console for {} at http://{addr}/",
            console.authority_name()
        );
        std::io::stdout().flush()?;
        axum::serve(listener, router(console))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("serving the console")
    })?;
    Ok(ExitCode::SUCCESS)
}
