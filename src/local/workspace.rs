//! Where an authority's local files live, and when a local key may be created.

use std::path::{Path, PathBuf};

use crate::encode::keys::KeyError;
use crate::encode::LocalKey;

/// Why the local workspace or key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    /// Neither `XDG_CONFIG_HOME` nor `HOME` is set.
    #[error(
        "no configuration directory for this authority's local key (neither XDG_CONFIG_HOME \
         nor HOME is set); pass --local-key FILE"
    )]
    NoConfigDirectory,
    /// An authority code that cannot name a directory.
    #[error("authority code {0:?} cannot name a directory")]
    BadAuthorityCode(String),
    /// Creating or reading a file or directory.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Reading the reference store.
    #[error("{path} line {line}: {reason}")]
    RefStore {
        /// The store.
        path: String,
        /// The line.
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// The key file itself.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// No key, and none may be created here.
    #[error(
        "no local key at {path}: record references are computed with it. If you submitted from \
         another folder or machine, copy that key (earlier versions made authority-local.key \
         in the folder you ran from) to {path}, or pass --local-key FILE"
    )]
    NoKey {
        /// Where it was looked for.
        path: String,
    },
    /// No key, and the hub already holds this authority's records: a new key would give the
    /// same children new references.
    #[error(
        "the hub already holds records from {authority}, but there is no local key at {path}: \
         a new key would give the same children new references, so they would become duplicate \
         cases. Copy the local key you submitted with (earlier versions made authority-local.key \
         in the folder you ran from) to {path}, or pass --local-key FILE; only if that key is lost, \
         run again with --new-local-key"
    )]
    HubHoldsRecords {
        /// The authority.
        authority: String,
        /// Where the key was looked for.
        path: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WorkspaceError + '_ {
    move |source| WorkspaceError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// When a missing local key may be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewKeyPolicy {
    /// Never: the command only reads references (candidates, case, disclosure).
    Never,
    /// Only if the hub holds none of this authority's records, or when explicitly asked
    /// (`--new-local-key`).
    UnlessHubHoldsRecords {
        /// The authority, for the message.
        authority: String,
        /// What the hub said (`GET /v1/me`).
        hub_holds_records: bool,
        /// `--new-local-key` was given.
        forced: bool,
    },
}

/// Whether a key was read or made now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOrigin {
    /// Read from its file.
    Loaded,
    /// Created now (tell the user where, and to back it up).
    Created,
}

/// One authority's local directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    dir: PathBuf,
}

/// The local key file earlier versions of `encode` made in the current folder.
pub const LEGACY_LOCAL_KEY: &str = "authority-local.key";

/// The local key file a command is to use, and a notice when it is not in its fixed place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChosenKey {
    /// The file.
    pub path: PathBuf,
    /// Set when the key is the current folder's `authority-local.key`: a one-line notice
    /// saying how to move it to the workspace.
    pub notice: Option<String>,
}

impl Workspace {
    /// The workspace of `authority`: the directory `PUPILMATCH_WORKSPACE` names if set, else
    /// `$XDG_CONFIG_HOME/pupilmatch/<authority>/`, else `$HOME/.config/pupilmatch/<authority>/`.
    pub fn for_authority(authority: &str) -> Result<Workspace, WorkspaceError> {
        let valid = !authority.is_empty()
            && authority
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(WorkspaceError::BadAuthorityCode(authority.to_string()));
        }
        let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        if let Some(dir) = non_empty("PUPILMATCH_WORKSPACE") {
            return Ok(Workspace::at(dir));
        }
        let config = non_empty("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| non_empty("HOME").map(|home| PathBuf::from(home).join(".config")))
            .ok_or(WorkspaceError::NoConfigDirectory)?;
        Ok(Workspace::at(config.join("pupilmatch").join(authority)))
    }

    /// A workspace in a given directory (tests, or an operator's own layout).
    pub fn at(dir: impl Into<PathBuf>) -> Workspace {
        Workspace { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The local key's file: `local.key`.
    pub fn local_key_path(&self) -> PathBuf {
        self.dir.join("local.key")
    }

    /// The local key to use: the workspace's `local.key`, unless only the current folder holds
    /// an `authority-local.key` (where earlier versions made it), which is then used, with a
    /// notice giving the command that moves it to the workspace.
    pub fn chosen_key(&self) -> ChosenKey {
        let fixed = self.local_key_path();
        let legacy = PathBuf::from(LEGACY_LOCAL_KEY);
        if fixed.exists() || !legacy.is_file() {
            return ChosenKey {
                path: fixed,
                notice: None,
            };
        }
        let notice = format!(
            "notice: using {LEGACY_LOCAL_KEY} from the current folder, where earlier versions \
             kept it; move it to this authority's one fixed place, so that every folder uses \
             the same key: mkdir -p {} && mv {LEGACY_LOCAL_KEY} {}",
            shell_word(&self.dir),
            shell_word(&fixed)
        );
        ChosenKey {
            path: legacy,
            notice: Some(notice),
        }
    }

    /// The reference store: `refs.csv`.
    pub fn refs(&self) -> super::RefStore {
        super::RefStore::new(self.dir.join("refs.csv"))
    }

    /// The other authorities' fingerprints read out by phone: `fingerprints.csv`.
    pub fn fingerprints(&self) -> super::FingerprintBook {
        super::FingerprintBook::new(self.dir.join("fingerprints.csv"))
    }

    /// Creates the directory (0700 on Unix) if it does not exist.
    pub fn ensure_dir(&self) -> Result<(), WorkspaceError> {
        std::fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700))
                .map_err(io(&self.dir))?;
        }
        Ok(())
    }
}

/// `path` as one shell word: single-quoted unless it holds only safe characters.
fn shell_word(path: &Path) -> String {
    let text = path.display().to_string();
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-+:@".contains(c);
    if text.chars().all(safe) {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// Reads the local key at `path`, or creates it when `policy` allows.
pub fn open_local_key(
    path: &Path,
    policy: &NewKeyPolicy,
) -> Result<(LocalKey, KeyOrigin), WorkspaceError> {
    if path.exists() {
        return Ok((LocalKey::load(path)?, KeyOrigin::Loaded));
    }
    match policy {
        NewKeyPolicy::Never => Err(WorkspaceError::NoKey {
            path: path.display().to_string(),
        }),
        NewKeyPolicy::UnlessHubHoldsRecords {
            authority,
            hub_holds_records: true,
            forced: false,
        } => Err(WorkspaceError::HubHoldsRecords {
            authority: authority.clone(),
            path: path.display().to_string(),
        }),
        NewKeyPolicy::UnlessHubHoldsRecords { .. } => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            Ok((LocalKey::generate_file(path)?, KeyOrigin::Created))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow(hub_holds_records: bool, forced: bool) -> NewKeyPolicy {
        NewKeyPolicy::UnlessHubHoldsRecords {
            authority: "383".into(),
            hub_holds_records,
            forced,
        }
    }

    #[test]
    fn a_key_is_created_only_when_the_hub_holds_nothing_or_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("383").join("local.key");
        assert!(matches!(
            open_local_key(&path, &NewKeyPolicy::Never),
            Err(WorkspaceError::NoKey { .. })
        ));
        let refused = open_local_key(&path, &allow(true, false)).unwrap_err();
        assert!(refused.to_string().contains("--new-local-key"), "{refused}");
        assert!(!path.exists());
        let (created, origin) = open_local_key(&path, &allow(true, true)).unwrap();
        assert_eq!(origin, KeyOrigin::Created);
        let (loaded, origin) = open_local_key(&path, &NewKeyPolicy::Never).unwrap();
        assert_eq!(origin, KeyOrigin::Loaded);
        assert_eq!(created.record_ref("T1"), loaded.record_ref("T1"));
    }

    #[test]
    fn a_path_is_quoted_for_the_shell_only_when_it_needs_it() {
        assert_eq!(
            shell_word(Path::new("/home/a/.config/x")),
            "/home/a/.config/x"
        );
        assert_eq!(
            shell_word(Path::new("/home/a b/it's")),
            r"'/home/a b/it'\''s'"
        );
    }

    #[test]
    fn an_authority_code_names_one_directory_and_nothing_else() {
        assert!(Workspace::for_authority("../etc").is_err());
        assert!(Workspace::for_authority("").is_err());
        let w = Workspace::at("/x/pupilmatch/383");
        assert_eq!(
            w.local_key_path(),
            PathBuf::from("/x/pupilmatch/383/local.key")
        );
    }
}
