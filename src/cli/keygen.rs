//! `pupilmatch keygen`: create secrets (agreement secret, local key, hub key, disclosure key).
//! Every key file is written once, never overwritten, and readable by its owner only.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use crate::disclosure::DisclosureKeyPair;
use crate::encode::keys::{AgreementSecret, LocalKey};
use crate::hub::layer::HubLayer;

/// Arguments of `pupilmatch keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// The data-sharing agreement id (a–z, 0–9, '-'), for an agreement secret.
    #[arg(long, required_unless_present_any = ["local", "hub", "disclosure"])]
    pub agreement: Option<String>,
    /// The key epoch; start at 1 and increase on every rotation.
    #[arg(long, default_value_t = 1)]
    pub epoch: u32,
    /// Create an authority's local key (for opaque record references) instead.
    #[arg(long, conflicts_with_all = ["agreement", "hub", "disclosure"])]
    pub local: bool,
    /// Create the hub's own key (the second key layer) instead.
    #[arg(long, conflicts_with_all = ["agreement", "local", "disclosure"])]
    pub hub: bool,
    /// Create this authority's X25519 disclosure key pair instead (protocol.md §12.1): the
    /// private key goes to OUTPUT, the public key to OUTPUT.pub.
    #[arg(long, conflicts_with_all = ["agreement", "local", "hub"])]
    pub disclosure: bool,
    /// Where to write the key.
    #[arg(long, short)]
    pub output: PathBuf,
}

/// Runs `keygen`.
pub fn run(args: KeygenArgs) -> anyhow::Result<ExitCode> {
    if args.disclosure {
        let pair = DisclosureKeyPair::generate();
        pair.save_new(&args.output)?;
        eprintln!(
            "wrote disclosure key {} (keep it at your authority) and its public key {}",
            args.output.display(),
            DisclosureKeyPair::public_path(&args.output).display()
        );
        eprintln!(
            "fingerprint {}: register it with `pupilmatch disclosure register` and read it to \
             the other authorities of your agreements by phone",
            pair.public().fingerprint()
        );
    } else if args.local {
        LocalKey::generate_file(&args.output)?;
        eprintln!(
            "wrote local key {}: keep it at your authority; never share it",
            args.output.display()
        );
    } else if args.hub {
        let (_, created) = HubLayer::load_or_create(&args.output)?;
        anyhow::ensure!(
            created,
            "{} already exists; refusing to overwrite",
            args.output.display()
        );
        eprintln!(
            "wrote hub key {}: keep it outside the hub database (KMS/HSM in production)",
            args.output.display()
        );
    } else {
        let agreement = args.agreement.context("--agreement is required")?;
        let secret = AgreementSecret::generate(&agreement, args.epoch)?;
        secret.save_new(&args.output)?;
        eprintln!(
            "wrote agreement secret {} (agreement {agreement}, epoch {}), fingerprint {}",
            args.output.display(),
            args.epoch,
            secret.fingerprint()
        );
        eprintln!(
            "share it only with the authorities party to the agreement, over a secure channel, \
             and compare the fingerprint by phone; the hub must never hold it"
        );
    }
    Ok(ExitCode::SUCCESS)
}
