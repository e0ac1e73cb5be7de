//! `pupilmatch serve`: run the hub. Every setting is a flag or a `PUPILMATCH_*` environment
//! variable; TLS is expected from a reverse proxy in front of the hub (README).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use crate::hub::key_custody::{default_hub_key_path, sqlite_file};
use crate::hub::{Hub, HubConfig, MatchSettings, Policy, UploadLimits};
use crate::matcher::Model;
use crate::store::DailyLimit;

/// Arguments of `pupilmatch serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "PUPILMATCH_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Database: an SQLite file (`sqlite://pupilmatch.db?mode=rwc`) or PostgreSQL
    /// (`postgres://user@host/db`).
    #[arg(
        long,
        env = "PUPILMATCH_DATABASE",
        default_value = "sqlite://pupilmatch.db?mode=rwc"
    )]
    pub database: String,
    /// The hub key file, created (mode 0600) if absent. Default:
    /// `$XDG_CONFIG_HOME/pupilmatch/hub.key` (or `~/.config/pupilmatch/hub.key`). Never in the
    /// directory of the SQLite database: the hub refuses that, since a copy of the directory
    /// would carry both.
    #[arg(long, env = "PUPILMATCH_HUB_KEY")]
    pub hub_key: Option<PathBuf>,
    /// Largest request body accepted, in MiB, after gzip decompression.
    #[arg(long, env = "PUPILMATCH_MAX_BODY_MIB", default_value_t = 256)]
    pub max_body_mib: usize,
    /// Most records in one submission (streamed NDJSON uploads have no body-size limit).
    #[arg(
        long,
        env = "PUPILMATCH_MAX_BATCH_RECORDS",
        default_value_t = 10_000_000
    )]
    pub max_batch_records: usize,
    /// Longest a request may take, in seconds (uploads included).
    #[arg(long, env = "PUPILMATCH_REQUEST_TIMEOUT_SECS", default_value_t = 120)]
    pub request_timeout_secs: u64,
    /// Continuous matching proposes a candidate at or above this probability.
    #[arg(long, env = "PUPILMATCH_CANDIDATE_PROBABILITY", default_value_t = 0.5)]
    pub candidate_probability: f64,
    /// A model file from `pupilmatch train` to score candidates and searches with (default:
    /// the model shipped in the binary). The hub reports its fingerprint at `/readyz`.
    #[arg(long, env = "PUPILMATCH_MODEL", value_name = "MODEL.json")]
    pub model: Option<PathBuf>,
    /// Worker threads of the async runtime (default: one per core).
    #[arg(long, env = "PUPILMATCH_WORKERS")]
    pub workers: Option<usize>,
    /// National searches each authority may run per minute (0: unlimited).
    #[arg(long, env = "PUPILMATCH_SEARCHES_PER_MINUTE", default_value_t = 30)]
    pub searches_per_minute: u32,
    /// Open CME cases each member may submit per agreement and UTC day, unless the operator
    /// set a limit for the agreement (`admin agreement limits`); a number or `unlimited`.
    #[arg(long, env = "PUPILMATCH_CASES_PER_DAY", default_value = "50")]
    pub cases_per_day: DailyLimit,
    /// National searches each member may run per agreement and UTC day, unless the operator
    /// set a limit for the agreement; a number or `unlimited`.
    #[arg(long, env = "PUPILMATCH_SEARCHES_PER_DAY", default_value = "200")]
    pub searches_per_day: DailyLimit,
    /// Candidates not confirmed by both sides within this many days expire.
    #[arg(long, env = "PUPILMATCH_CONFIRM_WITHIN_DAYS", default_value_t = 28)]
    pub confirm_within_days: i64,
    /// Days a closed case's or withdrawn record's encoding is kept before it is purged.
    #[arg(long, env = "PUPILMATCH_PURGE_AFTER_DAYS", default_value_t = 30)]
    pub purge_after_days: i64,
    /// Days a released sealed record is kept after its first download.
    #[arg(long, env = "PUPILMATCH_SEALED_TTL_DAYS", default_value_t = 14)]
    pub sealed_ttl_days: i64,
    /// Minutes between background purges (0: purge only with `pupilmatch admin purge`).
    #[arg(long, env = "PUPILMATCH_PURGE_INTERVAL_MINUTES", default_value_t = 60)]
    pub purge_interval_minutes: u64,
}

impl ServeArgs {
    /// The hub configuration these arguments describe.
    pub fn config(&self) -> anyhow::Result<HubConfig> {
        let hub_key = match &self.hub_key {
            Some(path) => path.clone(),
            None => default_hub_key_path()?,
        };
        let model = match &self.model {
            Some(path) => Arc::new(Model::load(path)?),
            None => Arc::new(Model::default_model().clone()),
        };
        Ok(HubConfig {
            listen: self.listen,
            database_url: self.database.clone(),
            hub_key,
            max_body_bytes: self.max_body_mib.saturating_mul(1024 * 1024),
            limits: UploadLimits {
                max_batch_records: self.max_batch_records,
            },
            request_timeout: Duration::from_secs(self.request_timeout_secs),
            matching: MatchSettings {
                candidate_probability: self.candidate_probability,
                ..MatchSettings::default()
            },
            model,
            policy: Policy {
                searches_per_minute: self.searches_per_minute,
                cases_per_day: self.cases_per_day,
                searches_per_day: self.searches_per_day,
                confirm_within_days: self.confirm_within_days,
                purge_after_days: self.purge_after_days,
                sealed_ttl_days: self.sealed_ttl_days,
                purge_interval: (self.purge_interval_minutes > 0)
                    .then(|| Duration::from_secs(self.purge_interval_minutes * 60)),
            },
        })
    }
}

/// Creates the SQLite file of `url`, readable by its owner only, if it does not exist yet: the
/// database holds every authority's encodings and must not be world-readable, and a URL without
/// `?mode=rwc` should still start a fresh hub, as other tools do.
fn create_sqlite_file(url: &str) -> anyhow::Result<()> {
    let Some(path) = sqlite_file(url) else {
        return Ok(());
    };
    match crate::keyfile::private_file_options()
        .create_new(true)
        .open(&path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e).with_context(|| format!("creating the database file {}", path.display())),
    }
}

/// Runs `serve` on a new multi-threaded tokio runtime until ctrl-c or SIGTERM.
pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        (0.0..=1.0).contains(&args.candidate_probability),
        "--candidate-probability must be between 0 and 1"
    );
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(workers) = args.workers {
        runtime.worker_threads(workers.max(1));
    }
    create_sqlite_file(&args.database)?;
    let runtime = runtime
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let config = args.config()?;
    eprintln!("hub key: {}", config.hub_key.display());
    runtime.block_on(async {
        let hub = Hub::build(config)
            .await
            .with_context(|| format!("starting the hub on {}", args.listen))?;
        eprintln!("pupilmatch hub listening on http://{}", hub.local_addr());
        hub.run_until_stopped().await?;
        Ok(ExitCode::SUCCESS)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_of_an_sqlite_url_is_found_with_or_without_options() {
        for (url, path) in [
            ("sqlite://fresh.db", Some("fresh.db")),
            ("sqlite://hub.db?mode=rwc", Some("hub.db")),
            (
                "sqlite:///var/lib/pupilmatch/hub.db",
                Some("/var/lib/pupilmatch/hub.db"),
            ),
            ("sqlite:hub.db", Some("hub.db")),
            ("sqlite::memory:", None),
            ("postgres://postgres@localhost/hub", None),
        ] {
            assert_eq!(sqlite_file(url), path.map(PathBuf::from), "{url}");
        }
    }
}
