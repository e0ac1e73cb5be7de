//! Where an authority keeps what it learnt of the hub's audit chain: the hub's signing key,
//! pinned at first use (`hub-audit-key.json`), and the latest checkpoint it accepted
//! (`audit-checkpoint.json`), both in its workspace folder (the CLI's or the console's).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{key_fingerprint, Checkpoint, CheckpointError};

/// The pin file's name.
pub const PIN_FILE: &str = "hub-audit-key.json";
/// The latest checkpoint's file name.
pub const LATEST_FILE: &str = "audit-checkpoint.json";

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Pin {
    format: String,
    public_key: String,
    key_fingerprint: String,
    pinned_at: String,
}

const PIN_FORMAT: &str = "pupilmatch-hub-audit-key/1";

/// What keeping a checkpoint did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kept {
    /// The first checkpoint seen: the hub's key is pinned now.
    FirstUse,
    /// The chain grew (or stayed the same length with the same head) since the last one kept.
    Advanced {
        /// The length of the checkpoint kept before.
        from: u64,
    },
}

/// One authority's pinned hub key and latest checkpoint.
#[derive(Debug, Clone)]
pub struct CheckpointBook {
    dir: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CheckpointError + '_ {
    move |source| CheckpointError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Writes `text` to `path` through a temporary file and a rename, so a reader never sees half.
fn write_atomically(path: &Path, text: &str) -> Result<(), CheckpointError> {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

impl CheckpointBook {
    /// The book in `dir` (created when the first checkpoint is kept).
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        CheckpointBook { dir: dir.into() }
    }

    /// The pin file.
    pub fn pin_path(&self) -> PathBuf {
        self.dir.join(PIN_FILE)
    }

    /// The latest checkpoint's file.
    pub fn latest_path(&self) -> PathBuf {
        self.dir.join(LATEST_FILE)
    }

    /// The fingerprint of the pinned hub key, if one is pinned.
    pub fn pinned(&self) -> Result<Option<String>, CheckpointError> {
        Ok(self.read_pin()?.map(|pin| pin.key_fingerprint))
    }

    fn read_pin(&self) -> Result<Option<Pin>, CheckpointError> {
        let path = self.pin_path();
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| CheckpointError::Malformed(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(&path)(e)),
        }
    }

    /// The latest checkpoint kept, if any.
    pub fn latest(&self) -> Result<Option<Checkpoint>, CheckpointError> {
        let path = self.latest_path();
        if !path.exists() {
            return Ok(None);
        }
        Checkpoint::load(&path).map(Some)
    }

    /// Checks `checkpoint` (its signature, the pinned key, and that the chain did not shrink or
    /// fork since the latest kept) and keeps it as the latest. The first checkpoint pins the
    /// hub's key; a checkpoint under another key is refused and nothing is written.
    pub fn keep(&self, checkpoint: &Checkpoint) -> Result<Kept, CheckpointError> {
        let key = checkpoint.verify()?;
        let fingerprint = key_fingerprint(&key);
        let pin = self.read_pin()?;
        if let Some(pin) = &pin {
            if pin.key_fingerprint != fingerprint || pin.public_key != checkpoint.public_key {
                return Err(CheckpointError::KeyChanged {
                    pinned: pin.key_fingerprint.clone(),
                    offered: fingerprint,
                    pin_file: self.pin_path().display().to_string(),
                });
            }
        }
        let latest = match pin {
            Some(_) => self.latest()?,
            None => None,
        };
        let kept_file = || self.latest_path().display().to_string();
        if let Some(latest) = &latest {
            if checkpoint.n_events < latest.n_events {
                return Err(CheckpointError::Regressed {
                    kept: latest.n_events,
                    kept_at: latest.at.clone(),
                    offered: checkpoint.n_events,
                    kept_file: kept_file(),
                });
            }
            if checkpoint.n_events == latest.n_events && checkpoint.head != latest.head {
                return Err(CheckpointError::Forked {
                    n_events: latest.n_events,
                    kept: latest.head.clone(),
                    offered: checkpoint.head.clone(),
                    kept_file: kept_file(),
                });
            }
        }
        std::fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        if self.read_pin()?.is_none() {
            let pin = Pin {
                format: PIN_FORMAT.to_string(),
                public_key: checkpoint.public_key.clone(),
                key_fingerprint: fingerprint,
                pinned_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            };
            let text = serde_json::to_string_pretty(&pin).expect("a pin serialises") + "\n";
            write_atomically(&self.pin_path(), &text)?;
        }
        let text =
            serde_json::to_string_pretty(checkpoint).expect("a checkpoint serialises") + "\n";
        write_atomically(&self.latest_path(), &text)?;
        Ok(match latest {
            None => Kept::FirstUse,
            Some(latest) => Kept::Advanced {
                from: latest.n_events,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::CheckpointSigner;
    use crate::store::ChainHead;

    fn head(n_events: u64, byte: &str) -> ChainHead {
        ChainHead {
            n_events,
            head: byte.repeat(32),
        }
    }

    #[test]
    fn the_first_checkpoint_pins_the_hub_key_and_later_ones_advance() {
        let dir = tempfile::tempdir().unwrap();
        let book = CheckpointBook::at(dir.path());
        let hub = CheckpointSigner::from_seed(&[7; 32]);
        assert_eq!(
            book.keep(&hub.sign(&head(10, "aa"))).unwrap(),
            Kept::FirstUse
        );
        assert_eq!(book.pinned().unwrap(), Some(hub.fingerprint()));
        assert_eq!(
            book.keep(&hub.sign(&head(12, "bb"))).unwrap(),
            Kept::Advanced { from: 10 }
        );
        assert_eq!(book.latest().unwrap().unwrap().n_events, 12);
    }

    #[test]
    fn a_checkpoint_from_another_hub_key_is_refused_loudly_and_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let book = CheckpointBook::at(dir.path());
        book.keep(&CheckpointSigner::from_seed(&[7; 32]).sign(&head(10, "aa")))
            .unwrap();
        let other = CheckpointSigner::from_seed(&[8; 32]).sign(&head(20, "cc"));
        let refused = book.keep(&other).unwrap_err();
        assert!(matches!(refused, CheckpointError::KeyChanged { .. }));
        assert!(refused.to_string().starts_with("REFUSED"), "{refused}");
        assert_eq!(book.latest().unwrap().unwrap().n_events, 10);
    }

    #[test]
    fn a_checkpoint_with_a_bad_signature_is_refused_before_anything_is_pinned() {
        let dir = tempfile::tempdir().unwrap();
        let book = CheckpointBook::at(dir.path());
        let mut forged = CheckpointSigner::from_seed(&[7; 32]).sign(&head(10, "aa"));
        forged.n_events = 9;
        assert!(matches!(
            book.keep(&forged),
            Err(CheckpointError::BadSignature)
        ));
        assert_eq!(book.pinned().unwrap(), None);
    }

    #[test]
    fn a_shorter_or_forked_chain_than_the_one_kept_raises_the_alarm() {
        let dir = tempfile::tempdir().unwrap();
        let book = CheckpointBook::at(dir.path());
        let hub = CheckpointSigner::from_seed(&[7; 32]);
        book.keep(&hub.sign(&head(100, "aa"))).unwrap();
        assert!(matches!(
            book.keep(&hub.sign(&head(90, "bb"))),
            Err(CheckpointError::Regressed {
                kept: 100,
                offered: 90,
                ..
            })
        ));
        assert!(matches!(
            book.keep(&hub.sign(&head(100, "cc"))),
            Err(CheckpointError::Forked { n_events: 100, .. })
        ));
        assert_eq!(book.latest().unwrap().unwrap().head, "aa".repeat(32));
    }
}
