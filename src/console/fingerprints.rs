//! The other authorities' disclosure-key fingerprints, as their coordinators read them out by
//! phone, kept in the workspace's `fingerprints.csv` through the same
//! [`FingerprintBook`](crate::local::FingerprintBook) `pupilmatch disclosure trust` writes
//! (0600, with the day each was read out). The console says only whether the key the hub
//! publishes matches what was recorded, never the hub's fingerprint of another authority's
//! key: shown, it would invite copying it instead of checking it by phone (issue #22 item 11).
//! Every confirmation is checked against the recorded fingerprint
//! ([`crate::console::pages::candidate`]).

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::i18n::{date, tr};
use super::workspace::WorkspaceConfig;
use super::ConsoleError;
use crate::disclosure::{parse_fingerprint, FingerprintError, PublicKey};
use crate::local::{FingerprintBook, FingerprintCheck};

/// The fingerprints file inside a workspace.
pub const FINGERPRINTS_FILE: &str = "fingerprints.csv";

/// The fingerprint book of the workspace in `dir`.
pub fn book(dir: &Path) -> FingerprintBook {
    FingerprintBook::new(dir.join(FINGERPRINTS_FILE))
}

/// A fingerprint as it is read aloud: capitals in spaced groups of four (`F0FF ED5C 3663 …`).
pub fn grouped_for_reading(fingerprint: &str) -> String {
    fingerprint.to_uppercase().replace('-', " ")
}

/// Why a fingerprint read out by phone was not recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FingerprintRefusal {
    /// No authority was chosen.
    #[error("name the authority whose fingerprint this is")]
    NoAuthority,
    /// The authority chosen is this one.
    #[error(
        "{0} is this authority: record the fingerprints the other authorities' coordinators \
         read out to you"
    )]
    OwnAuthority(String),
    /// The fingerprint is not 32 hexadecimal digits.
    #[error("the fingerprint of {authority}: {source}")]
    Malformed {
        /// The authority it was read out for.
        authority: String,
        /// What is wrong with it.
        source: FingerprintError,
    },
}

impl FingerprintRefusal {
    /// The refusal in the request's language, shown beside the field.
    pub fn words(&self) -> String {
        match self {
            FingerprintRefusal::NoAuthority => tr!("fingerprint-no-authority"),
            FingerprintRefusal::OwnAuthority(code) => {
                tr!("fingerprint-own-authority", authority = code.as_str())
            }
            FingerprintRefusal::Malformed { source, .. } => {
                tr!("fingerprint-malformed", digits = source.digits())
            }
        }
    }
}

/// Records `authority`'s fingerprint as its coordinator read it out on `on` (any case, spaces
/// or dashes between the digits), normalised, in the book of the workspace in `dir` whose own
/// authority is `own`; it replaces any earlier one. Returns the normalised fingerprint.
pub fn record(
    dir: &Path,
    own: &str,
    authority: &str,
    read_out: &str,
    on: NaiveDate,
) -> Result<String, ConsoleError> {
    let authority = authority.trim();
    if authority.is_empty() {
        return Err(FingerprintRefusal::NoAuthority.into());
    }
    if authority == own {
        return Err(FingerprintRefusal::OwnAuthority(authority.to_string()).into());
    }
    let fingerprint =
        parse_fingerprint(read_out).map_err(|source| FingerprintRefusal::Malformed {
            authority: authority.to_string(),
            source,
        })?;
    book(dir)
        .record(authority, &fingerprint, on)
        .map_err(|e| unreadable(dir, e))?;
    Ok(fingerprint)
}

/// How the key the hub publishes for `authority` (`public_key`, base64url) stands against the
/// fingerprint recorded for it in the workspace in `dir`.
pub fn check(
    dir: &Path,
    authority: &str,
    public_key: &PublicKey,
) -> Result<FingerprintCheck, ConsoleError> {
    book(dir)
        .check(authority, &public_key.fingerprint())
        .map_err(|e| unreadable(dir, e))
}

/// How the key the hub publishes for `authority` (named `shown`) stands, in words for a
/// page: whether it is registered, and whether the fingerprint read out by phone matches it.
/// `warn` is true when a confirmation would be refused.
pub fn status_words(
    dir: &Path,
    authority: &str,
    shown: &str,
    published: Option<&str>,
) -> (bool, String) {
    let Some(published) = published else {
        return (true, tr!("error-no-counterpart-key", authority = shown));
    };
    let key = match PublicKey::parse(published) {
        Ok(key) => key,
        Err(e) => return (true, tr!("counterpart-key-unusable", cause = e.to_string())),
    };
    match check(dir, authority, &key) {
        Ok(FingerprintCheck::Matches(on)) => (
            false,
            tr!("fingerprint-matches", authority = shown, date = date(on)),
        ),
        Ok(FingerprintCheck::Differs(on)) => (
            true,
            tr!("fingerprint-differs", authority = shown, date = date(on)),
        ),
        Ok(FingerprintCheck::NotChecked) => {
            (true, tr!("fingerprint-not-checked", authority = shown))
        }
        Err(e) => (true, e.words()),
    }
}

fn unreadable(dir: &Path, e: crate::local::WorkspaceError) -> ConsoleError {
    ConsoleError::Config {
        path: dir.join(FINGERPRINTS_FILE),
        message: e.to_string(),
    }
}

/// Moves the fingerprints an earlier console kept in `console.json` into the book (dated the
/// day `console.json` was last written, the latest they can have been read out), keeping any
/// the book already holds, then writes `console.json` without them.
pub fn move_from_config(dir: &Path, config: &mut WorkspaceConfig) -> Result<(), ConsoleError> {
    if config.fingerprints.is_empty() {
        return Ok(());
    }
    let config_path: PathBuf = dir.join(super::workspace::CONFIG_FILE);
    let written: NaiveDate = std::fs::metadata(&config_path)
        .and_then(|m| m.modified())
        .map(|t| chrono::DateTime::<chrono::Local>::from(t).date_naive())
        .unwrap_or_else(|_| chrono::Local::now().date_naive());
    let book = book(dir);
    let held = book.load().map_err(|e| unreadable(dir, e))?;
    for (authority, fingerprint) in &config.fingerprints {
        if held.contains_key(authority) {
            continue;
        }
        let fingerprint =
            parse_fingerprint(fingerprint).map_err(|source| FingerprintRefusal::Malformed {
                authority: authority.clone(),
                source,
            })?;
        book.record(authority, &fingerprint, written)
            .map_err(|e| unreadable(dir, e))?;
    }
    config.fingerprints.clear();
    config.save(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::workspace::test_support::write_workspace;
    use crate::disclosure::DisclosureKeyPair;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 9, 14).unwrap()
    }

    #[test]
    fn a_fingerprint_is_read_aloud_in_capitals_grouped_by_four() {
        assert_eq!(
            grouped_for_reading("f0ff-ed5c-3663-0123-4567-89ab-cdef-0123"),
            "F0FF ED5C 3663 0123 4567 89AB CDEF 0123"
        );
    }

    #[test]
    fn a_fingerprint_read_out_in_any_case_with_spaces_or_dashes_is_recorded_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let pair = DisclosureKeyPair::generate();
        let theirs = pair.public();
        let read_out = grouped_for_reading(&theirs.fingerprint()).to_lowercase();
        assert_eq!(
            check(dir.path(), "S12000049", theirs).unwrap(),
            FingerprintCheck::NotChecked
        );
        let recorded = record(dir.path(), "383", "S12000049", &read_out, day()).unwrap();
        assert_eq!(recorded, theirs.fingerprint());
        assert_eq!(
            check(dir.path(), "S12000049", theirs).unwrap(),
            FingerprintCheck::Matches(day())
        );
        let other_pair = DisclosureKeyPair::generate();
        let swapped = other_pair.public();
        assert_eq!(
            check(dir.path(), "S12000049", swapped).unwrap(),
            FingerprintCheck::Differs(day())
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(FINGERPRINTS_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "only its owner reads the book");
        }
    }

    #[test]
    fn a_short_fingerprint_our_own_authority_or_none_is_refused_and_the_book_kept() {
        let dir = tempfile::tempdir().unwrap();
        let pair = DisclosureKeyPair::generate();
        let theirs = pair.public();
        record(dir.path(), "383", "S12000049", &theirs.fingerprint(), day()).unwrap();
        let refusal = |result: Result<String, ConsoleError>| match result {
            Err(ConsoleError::Fingerprint(refusal)) => refusal,
            other => panic!("not refused: {other:?}"),
        };
        let short = refusal(record(dir.path(), "383", "S12000049", "F0FF ED5C", day()));
        assert!(
            matches!(&short, FingerprintRefusal::Malformed { authority, .. } if authority == "S12000049"),
            "{short:?}"
        );
        assert!(short.words().contains("8"), "{}", short.words());
        assert_eq!(
            refusal(record(
                dir.path(),
                "383",
                "383",
                &theirs.fingerprint(),
                day()
            )),
            FingerprintRefusal::OwnAuthority("383".into())
        );
        assert_eq!(
            refusal(record(dir.path(), "383", " ", &theirs.fingerprint(), day())),
            FingerprintRefusal::NoAuthority
        );
        assert_eq!(
            check(dir.path(), "S12000049", theirs).unwrap(),
            FingerprintCheck::Matches(day()),
            "kept as it was"
        );
    }

    #[test]
    fn fingerprints_an_earlier_console_kept_in_its_config_move_to_the_book_once() {
        let dir = tempfile::tempdir().unwrap();
        write_workspace(dir.path());
        let pair = DisclosureKeyPair::generate();
        let theirs = pair.public();
        let mut config = WorkspaceConfig::load(dir.path()).unwrap();
        config.fingerprints.insert(
            "S12000049".into(),
            grouped_for_reading(&theirs.fingerprint()),
        );
        config.save(dir.path()).unwrap();

        let workspace = crate::console::Workspace::load(dir.path()).unwrap();
        assert!(workspace.config.fingerprints.is_empty());
        assert!(WorkspaceConfig::load(dir.path())
            .unwrap()
            .fingerprints
            .is_empty());
        assert!(matches!(
            check(dir.path(), "S12000049", theirs).unwrap(),
            FingerprintCheck::Matches(_)
        ));
    }
}
