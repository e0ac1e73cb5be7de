//! Where the hub key lives (protocol.md §7.3). The database holds only sealed encodings, so
//! whoever holds the database *and* the hub key holds what the hub layer protects: the two
//! must never travel together. The hub therefore refuses a hub key in the directory of its
//! SQLite database (a copy of the hub's working directory would carry both), refuses a key
//! file that other users can read, and, unless told otherwise, keeps the key in its own
//! configuration directory.

use std::path::{Path, PathBuf};

/// Why the hub refuses to use a hub key file where it is.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CustodyError {
    /// The key file sits in the same directory as the SQLite database.
    #[error(
        "hub key {key} is in the same directory as the database {database}: a copy of that \
         directory would carry both the sealed records and the key that opens them. Keep the \
         key elsewhere (by default $XDG_CONFIG_HOME/pupilmatch/hub.key, or \
         ~/.config/pupilmatch/hub.key; in production a secrets mount or KMS) and pass \
         --hub-key (PUPILMATCH_HUB_KEY)"
    )]
    BesideDatabase {
        /// The key file.
        key: String,
        /// The database file.
        database: String,
    },
    /// The key file can be read by users other than its owner.
    #[error("hub key {0} can be read by other users; run `chmod 600 {0}`")]
    ReadableByOthers(String),
    /// No directory to keep the key in could be found.
    #[error(
        "no configuration directory for the hub key (neither XDG_CONFIG_HOME nor HOME is set); \
         pass --hub-key (PUPILMATCH_HUB_KEY)"
    )]
    NoConfigDirectory,
}

/// The default hub key file: `$XDG_CONFIG_HOME/pupilmatch/hub.key`, else
/// `$HOME/.config/pupilmatch/hub.key`.
pub fn default_hub_key_path() -> Result<PathBuf, CustodyError> {
    let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let config = non_empty("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| non_empty("HOME").map(|home| PathBuf::from(home).join(".config")))
        .ok_or(CustodyError::NoConfigDirectory)?;
    Ok(config.join("pupilmatch").join("hub.key"))
}

/// The file of an SQLite database URL (`sqlite://path?…`, `sqlite:path`), or `None` for
/// another backend or an in-memory database.
pub fn sqlite_file(database_url: &str) -> Option<PathBuf> {
    let rest = database_url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| PathBuf::from(path))
}

/// The directory a path names its file in, made absolute against the working directory
/// (the file itself need not exist yet).
fn directory_of(path: &Path) -> PathBuf {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::canonicalize(&parent).unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|cwd| cwd.join(&parent))
            .unwrap_or(parent)
    })
}

/// Checks that the hub key at `key` may be used with the database at `database_url`.
pub fn check_custody(key: &Path, database_url: &str) -> Result<(), CustodyError> {
    if let Some(database) = sqlite_file(database_url) {
        if directory_of(key) == directory_of(&database) {
            return Err(CustodyError::BesideDatabase {
                key: key.display().to_string(),
                database: database.display().to_string(),
            });
        }
    }
    #[cfg(unix)]
    if let Ok(metadata) = std::fs::metadata(key) {
        use std::os::unix::fs::PermissionsExt;
        if metadata.permissions().mode() & 0o077 != 0 {
            return Err(CustodyError::ReadableByOthers(key.display().to_string()));
        }
    }
    Ok(())
}

/// Creates the directory a new hub key will be written in, readable by its owner only.
pub fn prepare_directory(key: &Path) -> std::io::Result<()> {
    let Some(parent) = key.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(());
    };
    if parent.exists() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(parent)
}

/// Where the hub records, beside its key and so outside the database, how many unkeyed
/// (legacy) audit links its chain held when the hub first ran with keyed links: a thief who can
/// write to the database but not to this directory cannot pass a re-hashed chain off as
/// legacy links (protocol.md §14.6).
pub fn legacy_links_record(key: &Path) -> PathBuf {
    key.with_extension("audit-legacy")
}

/// The number of legacy audit links recorded beside `key`, if recorded.
pub fn recorded_legacy_links(key: &Path) -> std::io::Result<Option<u64>> {
    let path = legacy_links_record(key);
    match std::fs::read_to_string(&path) {
        Ok(text) => text.trim().parse().map(Some).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{} does not hold a count: {e}", path.display()),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The recorded number of legacy audit links; on the first start with keyed links, records
/// `found` (owner-only) and returns it. Links are never written unkeyed again, so the count
/// recorded then is the most a true chain can hold.
pub fn pin_legacy_links(key: &Path, found: u64) -> std::io::Result<u64> {
    if let Some(recorded) = recorded_legacy_links(key)? {
        return Ok(recorded);
    }
    let mut file = crate::keyfile::private_file_options()
        .create_new(true)
        .open(legacy_links_record(key))?;
    std::io::Write::write_all(&mut file, format!("{found}\n").as_bytes())?;
    file.sync_all()?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_file("sqlite://hub.db?mode=rwc"),
            Some(PathBuf::from("hub.db"))
        );
        assert_eq!(
            sqlite_file("sqlite:///var/lib/pm/hub.db"),
            Some(PathBuf::from("/var/lib/pm/hub.db"))
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://localhost/test"), None);
    }

    #[test]
    fn a_hub_key_beside_the_sqlite_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("hub.db").display());
        let beside = dir.path().join("hub.key");
        assert!(matches!(
            check_custody(&beside, &url),
            Err(CustodyError::BesideDatabase { .. })
        ));
        let apart = dir.path().join("keys").join("hub.key");
        assert_eq!(check_custody(&apart, &url), Ok(()));
        assert_eq!(check_custody(&beside, "postgres://localhost/test"), Ok(()));
    }

    #[test]
    fn relative_paths_in_the_working_directory_count_as_beside() {
        assert!(matches!(
            check_custody(Path::new("hub.key"), "sqlite://pupilmatch.db?mode=rwc"),
            Err(CustodyError::BesideDatabase { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_hub_key_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("hub.key");
        std::fs::write(&key, "{}").unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(
            check_custody(&key, "postgres://localhost/test"),
            Err(CustodyError::ReadableByOthers(key.display().to_string()))
        );
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(check_custody(&key, "postgres://localhost/test"), Ok(()));
    }

    #[test]
    fn a_new_key_directory_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("a").join("b").join("hub.key");
        prepare_directory(&key).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(key.parent().unwrap())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    }

    #[test]
    fn the_legacy_link_count_is_recorded_once_beside_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("hub.key");
        assert_eq!(recorded_legacy_links(&key).unwrap(), None);
        assert_eq!(pin_legacy_links(&key, 12).unwrap(), 12);
        assert_eq!(
            pin_legacy_links(&key, 40).unwrap(),
            12,
            "the first count stands"
        );
        assert_eq!(recorded_legacy_links(&key).unwrap(), Some(12));
        assert_eq!(
            legacy_links_record(&key),
            dir.path().join("hub.audit-legacy")
        );
    }
}
