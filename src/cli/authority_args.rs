//! Flags of the commands that encode at the authority before talking to the hub: the
//! agreement secret and the local key (both read locally, never sent), and a CME case's
//! referral metadata.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;

use crate::client::{CaseFields, HubClient, Me};
use crate::encode::{AgreementSecret, LocalKey};
use crate::local::workspace::open_local_key;
use crate::local::{KeyOrigin, NewKeyPolicy, RefEntry, Workspace};
use crate::store::{ReferralReason, ReferralSource};

/// `--secret` and the local key.
#[derive(Debug, Clone, Args)]
pub struct KeyArgs {
    /// The agreement secret file (from `pupilmatch keygen --agreement`). Read locally; the
    /// hub never receives it.
    #[arg(long, env = "PUPILMATCH_SECRET")]
    pub secret: PathBuf,
    /// This authority's local key.
    #[command(flatten)]
    pub local: LocalKeyArgs,
}

impl KeyArgs {
    /// The agreement secret.
    pub fn secret(&self) -> anyhow::Result<AgreementSecret> {
        AgreementSecret::load(&self.secret)
            .with_context(|| format!("reading {}", self.secret.display()))
    }
}

/// `--local-key` and `--new-local-key`: the key that turns record ids into the references the
/// hub sees, kept by default in this authority's workspace (`crate::local`).
#[derive(Debug, Clone, Args)]
pub struct LocalKeyArgs {
    /// This authority's local key for opaque record references (default: its workspace,
    /// $PUPILMATCH_WORKSPACE or $XDG_CONFIG_HOME/pupilmatch/<authority code>/local.key, made
    /// at the first submission).
    #[arg(long, env = "PUPILMATCH_LOCAL_KEY")]
    pub local_key: Option<PathBuf>,
    /// Make a new local key although the hub already holds this authority's records. Only if
    /// the old key is lost: the same children get new references (withdraw the old records).
    #[arg(long)]
    pub new_local_key: bool,
}

/// This authority's local key and workspace, as a command found them.
pub struct LocalSide {
    /// The key.
    pub key: LocalKey,
    /// The workspace (`None` when the hub could not say who this authority is).
    pub workspace: Option<Workspace>,
}

/// What a command knows of the authority it works for.
#[derive(Debug, Clone)]
pub struct KnownAuthority {
    /// Its code, naming its workspace.
    pub code: String,
    /// `Name (code)`, for messages.
    pub shown: String,
    /// Whether the hub holds records it submitted (`None`: the hub was not asked).
    pub hub_holds_records: Option<bool>,
}

impl From<&Me> for KnownAuthority {
    fn from(me: &Me) -> KnownAuthority {
        KnownAuthority {
            code: me.authority.code.clone(),
            shown: format!("{} ({})", me.authority.name, me.authority.code),
            hub_holds_records: Some(me.holds_records),
        }
    }
}

impl LocalKeyArgs {
    /// Finds this authority's workspace through the hub (`GET /v1/me`) and reads its local
    /// key; with `may_create`, makes the key when there is none and the hub holds none of this
    /// authority's records (or `--new-local-key` was given).
    pub fn open(
        &self,
        runtime: &tokio::runtime::Runtime,
        client: &HubClient,
        may_create: bool,
    ) -> anyhow::Result<LocalSide> {
        let authority = match (&self.local_key, runtime.block_on(client.me())) {
            (_, Ok(me)) => Some(KnownAuthority::from(&me)),
            (Some(_), Err(_)) => None,
            (None, Err(e)) => {
                return Err(anyhow::Error::new(e)
                    .context("asking the hub which authority this API key belongs to"))
            }
        };
        self.open_for(authority.as_ref(), may_create)
    }

    /// Reads the local key of `authority` (from its workspace unless `--local-key` names one);
    /// with `may_create`, makes it when there is none and the hub holds none of the
    /// authority's records, or was not asked, or `--new-local-key` was given.
    pub fn open_for(
        &self,
        authority: Option<&KnownAuthority>,
        may_create: bool,
    ) -> anyhow::Result<LocalSide> {
        let workspace = authority
            .map(|a| Workspace::for_authority(&a.code))
            .transpose()?;
        let path = match (&self.local_key, &workspace) {
            (Some(path), _) => path.clone(),
            (None, Some(w)) => {
                let chosen = w.chosen_key();
                if let Some(notice) = &chosen.notice {
                    eprintln!("{notice}");
                }
                chosen.path
            }
            (None, None) => bail!(
                "which authority's local key? name your authority (--authority CODE, or \
                 PUPILMATCH_API_KEY so the hub can say), or pass --local-key FILE"
            ),
        };
        let policy = match (authority, may_create) {
            (_, false) => NewKeyPolicy::Never,
            (Some(a), true) => NewKeyPolicy::UnlessHubHoldsRecords {
                authority: a.shown.clone(),
                hub_holds_records: a.hub_holds_records.unwrap_or(false),
                forced: self.new_local_key,
            },
            (None, true) => NewKeyPolicy::UnlessHubHoldsRecords {
                authority: String::new(),
                hub_holds_records: false,
                forced: true,
            },
        };
        if let (Some(w), None, true) = (&workspace, &self.local_key, may_create) {
            w.ensure_dir()?;
        }
        let (key, origin) = open_local_key(&path, &policy)?;
        if origin == KeyOrigin::Created {
            eprintln!(
                "created this authority's local key {} for record references; back it up: \
                 every later command needs it to recognise your records",
                path.display()
            );
            if authority.is_some_and(|a| a.hub_holds_records.is_none()) {
                eprintln!(
                    "the hub was not asked whether it already holds your records (set \
                     PUPILMATCH_API_KEY and it is): if you submitted before from another \
                     machine, use that key instead (--local-key FILE)"
                );
            }
        }
        if let Some(w) = &workspace {
            w.ensure_dir()?;
        }
        Ok(LocalSide { key, workspace })
    }
}

/// The references this authority's workspace knows (`ref → record id, file, line`); empty
/// when the hub cannot say who this authority is or nothing was submitted from here.
pub fn known_refs(
    runtime: &tokio::runtime::Runtime,
    client: &HubClient,
) -> HashMap<String, RefEntry> {
    let Ok(me) = runtime.block_on(client.me()) else {
        return HashMap::new();
    };
    let Ok(workspace) = Workspace::for_authority(&me.authority.code) else {
        return HashMap::new();
    };
    match workspace.refs().load() {
        Ok(refs) => refs,
        Err(e) => {
            eprintln!("warning: {e}");
            HashMap::new()
        }
    }
}

/// `LDS-0001 (ref MJINOz…)` for a reference the workspace knows, else the reference.
pub fn shown_record(refs: &HashMap<String, RefEntry>, record_ref: &str) -> String {
    match refs.get(record_ref) {
        Some(e) => format!("{} (ref {record_ref})", e.record_id),
        None => record_ref.to_string(),
    }
}

/// The referral metadata of a CME case (domain notes §10).
#[derive(Debug, Clone, Args)]
pub struct CaseArgs {
    /// Why the case was opened: FTT failure to transfer, FSE failure to start education, FTR
    /// failure to register, INF information only, RTL reported to have left.
    #[arg(long)]
    pub referral_reason: Option<ReferralReason>,
    /// Who referred it: ACA, FRS, EHE, IND, LOS (lost pupils, S2S), OLA, SCH, SOC, WLA, YOS, HEA.
    #[arg(long)]
    pub referral_source: Option<ReferralSource>,
    /// The referral date, YYYY-MM-DD (default: today).
    #[arg(long)]
    pub referred_on: Option<chrono::NaiveDate>,
}

impl CaseArgs {
    /// The case fields; `--referral-reason` and `--referral-source` are required.
    pub fn fields(&self) -> anyhow::Result<CaseFields> {
        let (Some(referral_reason), Some(referral_source)) =
            (self.referral_reason, self.referral_source)
        else {
            anyhow::bail!(
                "a CME case needs --referral-reason (FTT, FSE, FTR, INF, RTL) and --referral-source (ACA, FRS, EHE, IND, LOS, OLA, SCH, SOC, WLA, YOS, HEA)"
            );
        };
        Ok(CaseFields {
            referral_reason,
            referral_source,
            referred_on: self
                .referred_on
                .unwrap_or_else(|| chrono::Local::now().date_naive()),
        })
    }

    /// Whether any case flag was given.
    pub fn any(&self) -> bool {
        self.referral_reason.is_some()
            || self.referral_source.is_some()
            || self.referred_on.is_some()
    }
}
