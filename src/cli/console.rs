//! `pupilmatch console`: run the coordinator's web console over a workspace, or set one up
//! without a browser: `console init` (console.json), `console user add` (a staff account) and
//! `console fingerprint` (another authority's fingerprint, read out by phone).

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::hub_args::runtime;
use crate::client::{HubClient, HubClientConfig};
use crate::console::{router, Console, StaffName, Users, Workspace, WorkspaceConfig};
use crate::disclosure::Coordinator;

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
    /// Sign requests in as the staff account a reverse proxy names in this header (e.g.
    /// X-Remote-User; also `proxy_identity_header` in console.json). ONLY behind a proxy that
    /// removes this header from every client's request: anyone who can send it to the console
    /// directly signs in as whoever they name. A header naming no account is refused (403).
    #[arg(long, value_name = "HEADER")]
    pub proxy_identity_header: Option<String>,
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
    /// Make the --workspace folder a console workspace: write its console.json, once the keys
    /// and pupil files it names (relative to the folder) have been read. The hub is given
    /// when the console starts (--hub or PUPILMATCH_HUB).
    Init(InitArgs),
    /// Record the disclosure-key fingerprint another authority's coordinator read out to you
    /// by phone; every confirmation to that authority is checked against it.
    Fingerprint {
        /// The other authority's code.
        #[arg(long)]
        authority: String,
        /// Its fingerprint as read out (any case; spaces or dashes between the digits).
        #[arg(long)]
        fingerprint: String,
    },
}

/// Arguments of `pupilmatch console init` (file paths relative to the workspace folder).
#[derive(Debug, Args)]
pub struct InitArgs {
    /// This authority's code (e.g. 383, S12000049), as the hub knows it.
    #[arg(long)]
    pub authority_code: String,
    /// This authority's name, shown on every page.
    #[arg(long)]
    pub authority_name: String,
    /// An agreement secret file (`keygen --agreement`); repeat for each agreement.
    #[arg(long = "agreement-secret")]
    pub agreement_secrets: Vec<PathBuf>,
    /// This authority's local key (the one its records were submitted under).
    #[arg(long)]
    pub local_key: PathBuf,
    /// This authority's private disclosure key (`keygen --disclosure`).
    #[arg(long)]
    pub disclosure_key: PathBuf,
    /// A pupil file (CSV or CTF XML) whose records may appear in candidates; repeatable.
    #[arg(long = "pupil-file")]
    pub pupil_files: Vec<PathBuf>,
    /// Who the other side should contact: name.
    #[arg(long)]
    pub coordinator_name: String,
    /// Their email address.
    #[arg(long)]
    pub coordinator_email: String,
    /// Their telephone number.
    #[arg(long)]
    pub coordinator_phone: Option<String>,
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
        Some(ConsoleCommand::Init(init)) => {
            let config = WorkspaceConfig {
                authority_code: init.authority_code,
                authority_name: init.authority_name,
                hub: None,
                api_key: None,
                agreement_secrets: init.agreement_secrets,
                local_key: init.local_key,
                disclosure_key: init.disclosure_key,
                pupil_files: init.pupil_files,
                coordinator: Coordinator {
                    name: init.coordinator_name,
                    email: init.coordinator_email,
                    phone: init.coordinator_phone,
                },
                fingerprints: Default::default(),
                secure_cookies: false,
                session_idle_minutes: None,
                proxy_identity_header: None,
            };
            let workspace = Workspace::create(&dir, config)?;
            eprintln!(
                "workspace {} for {}: {} of our records in its pupil files; disclosure key fingerprint {}",
                dir.display(),
                workspace.config.authority_name,
                workspace.n_records(),
                workspace.disclosure_key.public().fingerprint()
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(ConsoleCommand::Fingerprint {
            authority,
            fingerprint,
        }) => {
            let config = WorkspaceConfig::load(&dir)?;
            let today = chrono::Local::now().date_naive();
            let recorded = crate::console::fingerprints::record(
                &dir,
                &config.authority_code,
                &authority,
                &fingerprint,
                today,
            )?;
            eprintln!(
                "recorded {recorded} as the fingerprint of {authority}'s disclosure key, read \
                 out on {today}"
            );
            Ok(ExitCode::SUCCESS)
        }
        None => serve(&dir, args.hub, args.listen, args.proxy_identity_header),
    }
}

fn serve(
    dir: &std::path::Path,
    hub: Option<String>,
    listen: SocketAddr,
    proxy_identity_header: Option<String>,
) -> anyhow::Result<ExitCode> {
    let mut workspace = Workspace::load(dir)?;
    if proxy_identity_header.is_some() {
        workspace.config.proxy_identity_header = proxy_identity_header;
    }
    if let Some(name) = &workspace.config.proxy_identity_header {
        tracing::warn!(header = %name, "signing in whoever the reverse proxy names in this header: the proxy must remove it from every client's request");
    }
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
