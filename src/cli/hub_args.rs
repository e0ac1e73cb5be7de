//! The flags every client command shares: where the hub is and which API key to use.

use clap::Args;

use crate::client::{HubClient, HubClientConfig};

/// `--hub` and `--api-key`, also read from `PUPILMATCH_HUB` and `PUPILMATCH_API_KEY`.
#[derive(Debug, Clone, Args)]
pub struct HubArgs {
    /// The hub's base URL (https://… in production; TLS ends at the reverse proxy).
    #[arg(long, env = "PUPILMATCH_HUB", default_value = "http://127.0.0.1:8080")]
    pub hub: String,
    /// This authority's API key (from `pupilmatch admin key issue`). Prefer the environment
    /// variable: command lines are visible to other users of the machine.
    #[arg(long, env = "PUPILMATCH_API_KEY", hide_env_values = true)]
    pub api_key: String,
}

impl HubArgs {
    /// A client for this hub and key.
    pub fn client(&self) -> anyhow::Result<HubClient> {
        Ok(HubClient::new(HubClientConfig::new(
            self.hub.clone(),
            self.api_key.clone(),
        ))?)
    }
}

/// A small multi-threaded runtime for one client command.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context;
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")
}
