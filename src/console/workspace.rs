//! The console's workspace: one folder at the authority holding `console.json` (who we are,
//! where the hub is, where the keys and pupil files are, who the other side should contact),
//! the key files themselves and the staff accounts (`users.json`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};

use super::ConsoleError;
use crate::disclosure::{Coordinator, DisclosureKeyPair};
use crate::encode::{AgreementSecret, Encoder, LocalKey};
use crate::input::RawRecord;

/// The name of the configuration file inside a workspace.
pub const CONFIG_FILE: &str = "console.json";

/// `console.json`: paths are relative to the workspace folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceConfig {
    /// This authority's code (e.g. `383`, `S12000049`).
    pub authority_code: String,
    /// This authority's name, shown in the header.
    pub authority_name: String,
    /// The hub's base URL (overridden by `--hub`).
    #[serde(default)]
    pub hub: Option<String>,
    /// The API key (overridden by `PUPILMATCH_API_KEY`; prefer the environment).
    #[serde(default)]
    pub api_key: Option<String>,
    /// The agreement secret files this authority holds.
    #[serde(default)]
    pub agreement_secrets: Vec<PathBuf>,
    /// This authority's local key (opaque references).
    pub local_key: PathBuf,
    /// This authority's private disclosure key.
    pub disclosure_key: PathBuf,
    /// The pupil files (CSV or CTF XML) whose records may appear in candidates.
    #[serde(default)]
    pub pupil_files: Vec<PathBuf>,
    /// Who the other side should contact (defaults of the confirm form).
    pub coordinator: Coordinator,
    /// Disclosure-key fingerprints other authorities read out by phone, as earlier consoles
    /// kept them: moved to the workspace's `fingerprints.csv` when the workspace is loaded
    /// ([`super::fingerprints::move_from_config`]).
    #[serde(default, skip_serializing_if = "HashMap::is_empty")]
    pub fingerprints: HashMap<String, String>,
    /// Mark cookies `Secure` (set when the console is served over https).
    #[serde(default)]
    pub secure_cookies: bool,
    /// Minutes a signed-in session may go unused before it ends (default
    /// [`super::auth::DEFAULT_IDLE_MINUTES`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_idle_minutes: Option<u32>,
    /// The header a reverse proxy in front of the console names the signed-in member of staff
    /// in (e.g. `X-Remote-User`; overridden by `--proxy-identity-header`). Only behind a proxy
    /// that removes this header from every client's request: anyone who can send it to the
    /// console directly can sign in as anyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_identity_header: Option<String>,
}

/// A loaded workspace: its configuration, its keys and an index of its own records.
#[derive(Debug)]
pub struct Workspace {
    /// The folder.
    pub dir: PathBuf,
    /// The configuration.
    pub config: WorkspaceConfig,
    /// The local key.
    pub local_key: LocalKey,
    /// The disclosure key pair.
    pub disclosure_key: DisclosureKeyPair,
    /// Our own records by their reference under the local key (grows when a file uploaded
    /// through the console is kept, [`Workspace::keep_uploaded_file`]).
    records: RwLock<HashMap<String, RawRecord>>,
    /// One encoder per agreement secret (with our local key), for national searches.
    encoders: Vec<Arc<Encoder>>,
}

impl WorkspaceConfig {
    /// Reads `console.json` from `dir`.
    pub fn load(dir: &Path) -> Result<WorkspaceConfig, ConsoleError> {
        let path = dir.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| ConsoleError::Io {
            path: path.clone(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|e| ConsoleError::Config {
            path,
            message: e.to_string(),
        })
    }

    /// Writes `console.json` into `dir` through a temporary file renamed over it, so the
    /// console never reads half of it.
    pub fn save(&self, dir: &Path) -> Result<(), ConsoleError> {
        let path = dir.join(CONFIG_FILE);
        let text = serde_json::to_string_pretty(self).map_err(|e| ConsoleError::Config {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let temporary = path.with_extension("json.new");
        std::fs::write(&temporary, text).map_err(|source| ConsoleError::Io {
            path: temporary.clone(),
            source,
        })?;
        std::fs::rename(&temporary, &path).map_err(|source| ConsoleError::Io { path, source })
    }
}

impl Workspace {
    /// Loads the workspace in `dir`: configuration, keys, and the references of every record
    /// of its pupil files (computed here with the local key; nothing is sent anywhere).
    pub fn load(dir: &Path) -> Result<Workspace, ConsoleError> {
        Workspace::open(dir, WorkspaceConfig::load(dir)?)
    }

    /// Makes `dir` a new workspace with `config` (`pupilmatch console init`): the keys and
    /// pupil files it names are read first, so a mistyped path is refused before
    /// `console.json` is written; a folder that already has one is refused.
    pub fn create(dir: &Path, config: WorkspaceConfig) -> Result<Workspace, ConsoleError> {
        let path = dir.join(CONFIG_FILE);
        if path.exists() {
            return Err(ConsoleError::Config {
                path,
                message: "this folder is already a workspace; edit console.json instead".into(),
            });
        }
        let workspace = Workspace::open(dir, config)?;
        workspace.config.save(dir)?;
        Ok(workspace)
    }

    fn open(dir: &Path, mut config: WorkspaceConfig) -> Result<Workspace, ConsoleError> {
        super::fingerprints::move_from_config(dir, &mut config)?;
        let local_key = LocalKey::load(&dir.join(&config.local_key))?;
        let disclosure_key = DisclosureKeyPair::load(&dir.join(&config.disclosure_key))?;
        let mut records = HashMap::new();
        for file in &config.pupil_files {
            index_file(&local_key, &dir.join(file), &mut records)?;
        }
        let encoders = config
            .agreement_secrets
            .iter()
            .map(|file| {
                let secret = AgreementSecret::load(&dir.join(file))?;
                let local = LocalKey::load(&dir.join(&config.local_key))?;
                Ok(Arc::new(Encoder::new(&secret, local)))
            })
            .collect::<Result<Vec<_>, ConsoleError>>()?;
        Ok(Workspace {
            dir: dir.to_path_buf(),
            config,
            local_key,
            disclosure_key,
            records: RwLock::new(records),
            encoders,
        })
    }

    /// Our own record with reference `record_ref`, if it is in the workspace's pupil files.
    pub fn own_record(&self, record_ref: &str) -> Option<RawRecord> {
        self.records().get(record_ref).cloned()
    }

    /// How many of our records the workspace knows.
    pub fn n_records(&self) -> usize {
        self.records().len()
    }

    fn records(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, RawRecord>> {
        self.records.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps a pupil file uploaded through the console (already sent to the hub) as one of the
    /// workspace's pupil files: written to `uploads/NAME` (readable by its owner only), named
    /// in `console.json`'s `pupil_files` and indexed at once, so the candidate pages find our
    /// record and confirmations work without a restart. Returns the path written, relative to
    /// the workspace.
    pub fn keep_uploaded_file(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, ConsoleError> {
        let relative = Path::new(UPLOADS_DIR).join(name);
        let path = self.dir.join(&relative);
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| ConsoleError::Io { path, source }
        };
        std::fs::create_dir_all(self.dir.join(UPLOADS_DIR)).map_err(io(&path))?;
        write_private(&path, bytes).map_err(io(&path))?;
        let mut added = HashMap::new();
        index_file(&self.local_key, &path, &mut added)?;
        let mut config = WorkspaceConfig::load(&self.dir)?;
        if !config.pupil_files.contains(&relative) {
            config.pupil_files.push(relative.clone());
        }
        config.save(&self.dir)?;
        self.records
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .extend(added);
        Ok(relative)
    }

    /// The encoders of the agreements this workspace holds a secret of, in `console.json`'s
    /// order: a national search is encoded here, under one of them.
    pub fn encoders(&self) -> &[Arc<Encoder>] {
        &self.encoders
    }

    /// The staff accounts file.
    pub fn users_path(&self) -> PathBuf {
        super::users::users_path(&self.dir)
    }

    /// The signed-in sessions file.
    pub fn sessions_path(&self) -> PathBuf {
        self.dir.join(super::auth::SESSIONS_FILE)
    }
}

/// The folder inside a workspace that keeps the pupil files uploaded through the console.
pub const UPLOADS_DIR: &str = "uploads";

/// Adds every record of the pupil file `path` to `records`, by its reference under `local_key`.
fn index_file(
    local_key: &LocalKey,
    path: &Path,
    records: &mut HashMap<String, RawRecord>,
) -> Result<(), ConsoleError> {
    let input = |e: crate::input::InputError| ConsoleError::Input {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    for record in crate::input::read_records(path).map_err(input)? {
        let record = record.map_err(input)?;
        if let Some(id) = &record.record_id {
            records.insert(local_key.record_ref(id.trim()), record);
        }
    }
    Ok(())
}

/// Writes `bytes` to a new file at `path` that only its owner can read (on Unix).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    crate::keyfile::private_file_options()
        .create_new(true)
        .open(path)?
        .write_all(bytes)
}

/// A small workspace for unit tests (Leeds, one pupil, fresh keys).
#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// Writes console.json, the keys and a one-pupil file into `dir`.
    pub(crate) fn write_workspace(dir: &Path) {
        LocalKey::generate_file(&dir.join("local.key")).unwrap();
        AgreementSecret::generate("eng-scot-cme", 1)
            .unwrap()
            .save_new(&dir.join("agreement.key"))
            .unwrap();
        DisclosureKeyPair::generate()
            .save_new(&dir.join("disclosure.key"))
            .unwrap();
        std::fs::write(
            dir.join("pupils.csv"),
            "record_id,forename,surname,dob\nA-1,Lily,Jones,2015-09-01\n",
        )
        .unwrap();
        std::fs::write(
            dir.join(CONFIG_FILE),
            r#"{"authority_code":"383","authority_name":"Leeds City Council",
               "agreement_secrets":["agreement.key"],
               "local_key":"local.key","disclosure_key":"disclosure.key",
               "pupil_files":["pupils.csv"],
               "coordinator":{"name":"Ann Clark","email":"cme@leeds.example","phone":null}}"#,
        )
        .unwrap();
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::write_workspace;
    use super::*;

    #[test]
    fn a_workspace_finds_its_own_records_by_their_reference_under_the_local_key() {
        let dir = tempfile::tempdir().unwrap();
        write_workspace(dir.path());
        let workspace = Workspace::load(dir.path()).unwrap();
        let reference = workspace.local_key.record_ref("A-1");
        let record = workspace.own_record(&reference).expect("found");
        assert_eq!(record.forename.as_deref(), Some("Lily"));
        assert_eq!(workspace.n_records(), 1);
        assert_eq!(workspace.encoders()[0].agreement_id(), "eng-scot-cme");
        assert!(workspace.own_record("not-a-ref").is_none());
    }

    #[test]
    fn an_uploaded_file_kept_by_the_workspace_is_indexed_at_once_and_read_again_at_start() {
        let dir = tempfile::tempdir().unwrap();
        write_workspace(dir.path());
        let workspace = Workspace::load(dir.path()).unwrap();
        let file = b"record_id,forename,surname,dob\nB-7,Amir,Hussain,2014-06-02\n";
        let kept = workspace.keep_uploaded_file("roll-1.csv", file).unwrap();
        assert_eq!(kept, Path::new("uploads/roll-1.csv"));
        let reference = workspace.local_key.record_ref("B-7");
        assert_eq!(
            workspace
                .own_record(&reference)
                .unwrap()
                .forename
                .as_deref(),
            Some("Amir")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(&kept))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "only its owner reads a pupil file");
        }
        let again = Workspace::load(dir.path()).unwrap();
        assert_eq!(again.n_records(), 2);
        assert!(again.own_record(&reference).is_some());
    }

    #[test]
    fn a_new_workspace_is_written_only_when_its_keys_and_files_load_and_never_over_another() {
        let dir = tempfile::tempdir().unwrap();
        write_workspace(dir.path());
        let config = WorkspaceConfig::load(dir.path()).unwrap();
        std::fs::remove_file(dir.path().join(CONFIG_FILE)).unwrap();

        let mistyped = WorkspaceConfig {
            pupil_files: vec!["pupils.cvs".into()],
            ..config.clone()
        };
        let error = Workspace::create(dir.path(), mistyped)
            .unwrap_err()
            .to_string();
        assert!(error.contains("pupils.cvs"), "{error}");
        assert!(!dir.path().join(CONFIG_FILE).exists());

        let created = Workspace::create(dir.path(), config.clone()).unwrap();
        assert_eq!(created.n_records(), 1);
        assert_eq!(WorkspaceConfig::load(dir.path()).unwrap(), config);
        let error = Workspace::create(dir.path(), config)
            .unwrap_err()
            .to_string();
        assert!(error.contains("already a workspace"), "{error}");
    }

    #[test]
    fn a_config_with_an_unknown_field_is_refused_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        write_workspace(dir.path());
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            r#"{"authority_code":"383","colour":"blue"}"#,
        )
        .unwrap();
        let error = Workspace::load(dir.path()).unwrap_err().to_string();
        assert!(error.contains("console.json"), "{error}");
        assert!(error.contains("colour"), "{error}");
    }
}
