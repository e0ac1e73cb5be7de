//! `pupilmatch admin`: create authorities and agreements and issue API keys, directly against
//! the hub's database (run it where the hub runs).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::store::{Authority, Jurisdiction, NewAgreement, Store};

/// Arguments of `pupilmatch admin`.
#[derive(Debug, Args)]
pub struct AdminArgs {
    /// The hub's database (as for `serve`).
    #[arg(
        long,
        env = "PUPILMATCH_DATABASE",
        default_value = "sqlite://pupilmatch.db?mode=rwc",
        global = true
    )]
    pub database: String,
    /// The hub key file, as for `serve` (created, mode 0600, if absent; default
    /// `$XDG_CONFIG_HOME/pupilmatch/hub.key`): admin actions are audited, and the audit chain's
    /// links are keyed with it.
    #[arg(long, env = "PUPILMATCH_HUB_KEY", global = true)]
    pub hub_key: Option<PathBuf>,
    /// What to administer.
    #[command(subcommand)]
    pub command: AdminCommand,
}

/// The administration subcommands.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Authorities.
    #[command(subcommand)]
    Authority(AuthorityCommand),
    /// Data-sharing agreements.
    #[command(subcommand)]
    Agreement(AgreementCommand),
    /// API keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Run the retention purge now (protocol.md §14.1).
    Purge(super::admin_retention::PurgeArgs),
    /// Write the verified candidates as training labels (JSON lines, protocol.md §14.4).
    Labels(super::admin_retention::LabelsArgs),
}

/// `admin authority …`.
#[derive(Debug, Subcommand)]
pub enum AuthorityCommand {
    /// Register an authority.
    Add {
        /// Short code, e.g. an LA code (`380`) or `S12000049`.
        #[arg(long)]
        code: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// england, wales, scotland, northern_ireland or ireland.
        #[arg(long)]
        jurisdiction: String,
    },
}

/// `admin agreement …`.
#[derive(Debug, Subcommand)]
pub enum AgreementCommand {
    /// Start a new key epoch; older epochs stay accepted for a rollover window.
    Rotate(super::admin_retention::RotateArgs),
    /// Show or set an agreement's daily limits per member (open cases, national searches);
    /// the hub applies them from the next request.
    Limits(LimitsArgs),
    /// Register a data-sharing agreement and its members.
    Add {
        /// Agreement id, as in the agreement secret file.
        #[arg(long)]
        id: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// The purpose of processing.
        #[arg(long)]
        purpose: String,
        /// The lawful basis of processing.
        #[arg(long)]
        lawful_basis: String,
        /// How long records are kept, in days.
        #[arg(long)]
        retention_days: i64,
        /// Key epochs accepted (repeat for several).
        #[arg(long = "epoch", required = true)]
        epochs: Vec<u32>,
        /// Member authority codes (repeat, or list after one flag).
        #[arg(long = "member", required = true, num_args = 1..)]
        members: Vec<String>,
    },
}

/// `admin agreement limits`: without a limit flag, prints the limits set.
#[derive(Debug, Args)]
pub struct LimitsArgs {
    /// The agreement.
    #[arg(long)]
    pub id: String,
    /// Open CME cases each member may submit per UTC day: a number, or `default` for the
    /// hub's (`serve --cases-per-day`).
    #[arg(long)]
    pub cases_per_day: Option<LimitSetting>,
    /// National searches each member may run per UTC day: a number, or `default` for the
    /// hub's (`serve --searches-per-day`).
    #[arg(long)]
    pub searches_per_day: Option<LimitSetting>,
}

/// A limit as `admin agreement limits` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitSetting {
    /// The hub's default.
    Default,
    /// At most this many per UTC day (0 allows none).
    PerDay(u32),
}

impl std::str::FromStr for LimitSetting {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "default" => Ok(LimitSetting::Default),
            n => n
                .parse()
                .map(LimitSetting::PerDay)
                .map_err(|_| format!("`{n}` is neither a number per day nor `default`")),
        }
    }
}

impl LimitSetting {
    fn stored(self) -> Option<u32> {
        match self {
            LimitSetting::Default => None,
            LimitSetting::PerDay(n) => Some(n),
        }
    }
}

/// Shows, or changes and then shows, an agreement's limits.
async fn limits(store: &Store, args: &LimitsArgs) -> anyhow::Result<()> {
    let mut set = store
        .agreement_limits(&args.id)
        .await?
        .with_context(|| format!("agreement {} not found", args.id))?;
    if args.cases_per_day.is_some() || args.searches_per_day.is_some() {
        if let Some(cases) = args.cases_per_day {
            set.cases_per_day = cases.stored();
        }
        if let Some(searches) = args.searches_per_day {
            set.searches_per_day = searches.stored();
        }
        store.set_agreement_limits(&args.id, set).await?;
        eprintln!("set the daily limits of agreement {}", args.id);
    }
    let show = |n: Option<u32>| n.map_or_else(|| "hub default".to_string(), |n| n.to_string());
    println!("agreement\tcases_per_day\tsearches_per_day");
    println!(
        "{}\t{}\t{}",
        args.id,
        show(set.cases_per_day),
        show(set.searches_per_day)
    );
    Ok(())
}

/// `admin key …`.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Issue an API key; it is printed once and stored only as a hash.
    Issue {
        /// The authority the key acts for.
        #[arg(long, required_unless_present = "operator")]
        authority: Option<String>,
        /// Issue an operator key (audit checks) instead, with this label.
        #[arg(long, conflicts_with = "authority")]
        operator: Option<String>,
    },
    /// List the API keys (ids, roles, authorities, labels, revoked or not; never the keys).
    List,
    /// Revoke an API key by id (from `key list`): the hub refuses it from the next request.
    Revoke {
        /// The key's id.
        #[arg(long)]
        id: i64,
    },
}

/// Runs `admin`.
pub fn run(args: AdminArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let hub_key = match &args.hub_key {
            Some(path) => path.clone(),
            None => crate::hub::key_custody::default_hub_key_path()?,
        };
        let layer = crate::hub::open_hub_key(&hub_key, &args.database)?;
        let store = Store::connect(&args.database)
            .await
            .with_context(|| format!("opening {}", args.database))?
            .with_audit_key(layer.audit_chain_key());
        match args.command {
            AdminCommand::Authority(AuthorityCommand::Add {
                code,
                name,
                jurisdiction,
            }) => {
                let jurisdiction: Jurisdiction = jurisdiction
                    .parse()
                    .map_err(|e: String| anyhow::anyhow!("--jurisdiction: {e}"))?;
                store
                    .add_authority(&Authority {
                        code: code.clone(),
                        name,
                        jurisdiction,
                    })
                    .await?;
                eprintln!("added authority {code} ({jurisdiction})");
            }
            AdminCommand::Agreement(AgreementCommand::Add {
                id,
                name,
                purpose,
                lawful_basis,
                retention_days,
                epochs,
                members,
            }) => {
                anyhow::ensure!(retention_days > 0, "--retention-days must be positive");
                crate::encode::keys::validate_agreement_id(&id)?;
                let n_members = members.len();
                store
                    .add_agreement(&NewAgreement {
                        id: id.clone(),
                        name,
                        purpose,
                        lawful_basis,
                        retention_days,
                        epochs,
                        members,
                    })
                    .await?;
                eprintln!("added agreement {id} with {n_members} members");
            }
            AdminCommand::Key(KeyCommand::Issue {
                authority,
                operator,
            }) => {
                let label = operator
                    .clone()
                    .unwrap_or_else(|| authority.clone().unwrap_or_default());
                let key = store.issue_key(authority.as_deref(), &label).await?;
                eprintln!("API key for {label} (shown once; store it securely):");
                println!("{key}");
            }
            AdminCommand::Key(KeyCommand::List) => {
                println!("id\trole\tauthority\tlabel\trevoked\tcreated_at");
                for key in store.list_keys().await? {
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}",
                        key.id,
                        key.role,
                        key.authority.as_deref().unwrap_or("-"),
                        key.label,
                        if key.revoked { "yes" } else { "no" },
                        key.created_at
                    );
                }
            }
            AdminCommand::Key(KeyCommand::Revoke { id }) => {
                if store.revoke_key(id).await? {
                    eprintln!("revoked API key {id}");
                } else {
                    eprintln!("API key {id} was already revoked");
                }
            }
            AdminCommand::Agreement(AgreementCommand::Rotate(rotate)) => {
                super::admin_retention::rotate(&store, &rotate).await?;
            }
            AdminCommand::Agreement(AgreementCommand::Limits(args)) => {
                limits(&store, &args).await?;
            }
            AdminCommand::Purge(purge) => super::admin_retention::purge(&store, &purge).await?,
            AdminCommand::Labels(labels) => {
                super::admin_retention::labels(&store, &layer, &labels).await?
            }
        }
        store.close().await;
        Ok(ExitCode::SUCCESS)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_setting_is_a_number_or_default() {
        assert_eq!("20".parse(), Ok(LimitSetting::PerDay(20)));
        assert_eq!("0".parse(), Ok(LimitSetting::PerDay(0)));
        assert_eq!("default".parse(), Ok(LimitSetting::Default));
        assert_eq!(
            "unlimited".parse::<LimitSetting>(),
            Err("`unlimited` is neither a number per day nor `default`".to_string())
        );
        assert_eq!(LimitSetting::Default.stored(), None);
    }
}
