//! `pupilmatch console`: the coordinator's web application. It runs **at the authority**
//! (it holds the authority's keys and raw pupil files), listens on 127.0.0.1 by default and
//! talks to the hub only through [`crate::client::HubClient`]: the hub receives decisions,
//! opaque references and records sealed to the other side, never a name or a date of birth.
//!
//! Modules: [`workspace`] (configuration, keys, our own records), [`users`] (staff accounts),
//! [`auth`] (sessions and CSRF), [`evidence`] and [`chart`] (the waterfall), [`html`] (layout
//! and the embedded stylesheet), [`pages`] (one module per page) and [`server`] (routes and
//! security headers).

pub mod auth;
pub mod chart;
pub mod evidence;
pub mod fingerprints;
pub mod forms;
pub mod html;
pub mod i18n;
pub mod pages;
pub mod problems;
pub mod server;
pub mod uploads;
pub mod users;
pub mod vocab;
pub mod workspace;

use std::path::PathBuf;

pub use server::{router, Console};
pub use users::{StaffName, Users};
pub use workspace::{Workspace, WorkspaceConfig};

use i18n::tr;

impl ConsoleError {
    /// What went wrong, for the person using the console, in the request's language (the
    /// `Display` text is for logs and the command line).
    pub fn words(&self) -> String {
        match self {
            ConsoleError::BadInput(words) => words.clone(),
            ConsoleError::FingerprintMismatch { authority } => {
                tr!("error-fingerprint-mismatch", authority = authority.as_str())
            }
            ConsoleError::FingerprintNotRecorded { authority } => {
                tr!(
                    "error-fingerprint-not-recorded",
                    authority = authority.as_str()
                )
            }
            ConsoleError::Fingerprint(refusal) => refusal.words(),
            ConsoleError::NoCounterpartKey(authority) => {
                tr!("error-no-counterpart-key", authority = authority.as_str())
            }
            ConsoleError::OwnRecordMissing(reference) => {
                tr!("error-own-record-missing", reference = reference.as_str())
            }
            ConsoleError::Hub(e) => problems::hub_error(e),
            other => tr!("error-other", cause = other.to_string()),
        }
    }
}

/// What can go wrong in the console.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// A workspace file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A workspace file is not what the console expects.
    #[error("{path}: {message}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A key file is unusable.
    #[error(transparent)]
    Key(#[from] crate::encode::keys::KeyError),
    /// A pupil file is unusable.
    #[error("{path}: {message}")]
    Input {
        /// The file.
        path: PathBuf,
        /// What is wrong (with line, record and field).
        message: String,
    },
    /// Something a person typed is refused.
    #[error("{0}")]
    BadInput(String),
    /// The hub refused or could not be reached.
    #[error(transparent)]
    Hub(#[from] crate::client::ClientError),
    /// Sealing or opening a record failed.
    #[error(transparent)]
    Seal(#[from] crate::disclosure::SealError),
    /// The key the hub publishes for the other side is not the one whose fingerprint was
    /// recorded.
    #[error("the key the hub publishes for {authority} does not have the fingerprint you were given: do not confirm; ring their coordinator and read the fingerprint again, and report a real mismatch to the hub's operator")]
    FingerprintMismatch {
        /// The other authority.
        authority: String,
    },
    /// No fingerprint of the other side's key has been recorded yet.
    #[error("no fingerprint of {authority}'s disclosure key is recorded: ask their coordinator to read it out by phone and record it on the fingerprints page before you confirm")]
    FingerprintNotRecorded {
        /// The other authority.
        authority: String,
    },
    /// A fingerprint read out by phone is refused.
    #[error(transparent)]
    Fingerprint(#[from] fingerprints::FingerprintRefusal),
    /// The other side has no disclosure key yet.
    #[error("{0} has not registered a disclosure key yet; ask their coordinator to register one")]
    NoCounterpartKey(String),
    /// Our record of a candidate is not in the workspace's pupil files.
    #[error("our record of this candidate is not in the workspace's pupil files (reference {0})")]
    OwnRecordMissing(String),
}
