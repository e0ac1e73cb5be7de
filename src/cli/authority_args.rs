//! Flags of the commands that encode at the authority before talking to the hub: the
//! agreement secret and the local key (both read locally, never sent), and a CME case's
//! referral metadata.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::client::CaseFields;
use crate::encode::{AgreementSecret, Encoder, LocalKey};
use crate::store::{ReferralReason, ReferralSource};

/// `--secret` and `--local-key`.
#[derive(Debug, Clone, Args)]
pub struct KeyArgs {
    /// The agreement secret file (from `pupilmatch keygen --agreement`). Read locally; the
    /// hub never receives it.
    #[arg(long, env = "PUPILMATCH_SECRET")]
    pub secret: PathBuf,
    /// This authority's local key for opaque record references (created on first use).
    #[arg(
        long,
        env = "PUPILMATCH_LOCAL_KEY",
        default_value = "authority-local.key"
    )]
    pub local_key: PathBuf,
}

impl KeyArgs {
    /// The secret and an encoder under it with this authority's local key.
    pub fn encoder(&self) -> anyhow::Result<(AgreementSecret, Encoder)> {
        let secret = AgreementSecret::load(&self.secret)
            .with_context(|| format!("reading {}", self.secret.display()))?;
        let (local, created) = LocalKey::load_or_create(&self.local_key)?;
        if created {
            eprintln!(
                "created local key {} for record references; keep it: it is how you map references back",
                self.local_key.display()
            );
        }
        let encoder = Encoder::new(&secret, local);
        Ok((secret, encoder))
    }

    /// This authority's local key (to compute a record's reference from its id).
    pub fn local_key(&self) -> anyhow::Result<LocalKey> {
        LocalKey::load(&self.local_key)
            .with_context(|| format!("reading the local key {}", self.local_key.display()))
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
