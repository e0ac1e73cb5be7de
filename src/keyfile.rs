//! Secret files and keyed primitives shared by the authority's keys and the hub's key: the
//! JSON key files (owner-only, never overwritten), 32-byte secrets from the operating system,
//! and [`DerivedKey`], a key that cannot be printed.
//!
//! Both sides use this module; neither side's secrets are defined here (the agreement secret and
//! local key are in `encode::keys`, the hub key in `hub::layer`).

use std::fmt;
use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use secrecy::SecretBox;
use serde::Deserialize;
use sha2::Sha256;

/// Why a key file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The file could not be read or written.
    #[error("key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not the expected JSON document.
    #[error("key file {path}: not a valid {expected} file: {reason}")]
    Format {
        /// The file.
        path: String,
        /// The expected `format` value.
        expected: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// An agreement id that does not follow protocol.md §2.1.
    #[error("agreement id `{0}` must be 1–64 characters of a–z, 0–9 and '-'")]
    BadAgreementId(String),
    /// Refused to overwrite an existing key file.
    #[error("key file {0} already exists; refusing to overwrite a secret")]
    Exists(String),
}

/// 32 random bytes from the operating system's CSPRNG.
pub fn random_secret() -> [u8; 32] {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 32];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .expect("the operating system's random number generator failed");
    bytes
}

/// A secret written as base64url of 32 bytes, as every key file holds it.
pub fn decode_secret(text: &str) -> Result<SecretBox<[u8; 32]>, String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(text.trim())
        .map_err(|e| format!("secret is not base64url: {e}"))?;
    let array: [u8; 32] = bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("secret must be 32 bytes, found {}", b.len()))?;
    Ok(SecretBox::new(Box::new(array)))
}

/// Reads a key file's JSON document and checks that its `format` (read by `format_of`) is
/// `expected`: every key file names its format, so a file of the wrong kind given in the wrong
/// place is refused with both names.
pub fn read_key_file<T: for<'de> Deserialize<'de>>(
    path: &Path,
    expected: &'static str,
    format_of: impl FnOnce(&T) -> &str,
) -> Result<T, KeyError> {
    let text = std::fs::read_to_string(path).map_err(|source| KeyError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let document: T = serde_json::from_str(&text)
        .map_err(|e| KeyError::invalid(path, expected, e.to_string()))?;
    let format = format_of(&document);
    if format != expected {
        return Err(KeyError::invalid(
            path,
            expected,
            format!("format is `{format}`"),
        ));
    }
    Ok(document)
}

/// Reads the 32-byte secret of a key file of the common shape `{format, created, secret}` (the
/// hub key, a local key).
pub fn read_secret_file(
    path: &Path,
    expected: &'static str,
) -> Result<SecretBox<[u8; 32]>, KeyError> {
    #[derive(Deserialize)]
    struct SecretFile {
        format: String,
        secret: String,
    }
    let file: SecretFile = read_key_file(path, expected, |f: &SecretFile| &f.format)?;
    decode_secret(&file.secret).map_err(|reason| KeyError::invalid(path, expected, reason))
}

impl KeyError {
    /// A key file of the expected kind whose content is wrong.
    pub fn invalid(path: &Path, expected: &'static str, reason: impl Into<String>) -> Self {
        KeyError::Format {
            path: path.display().to_string(),
            expected,
            reason: reason.into(),
        }
    }
}

/// Writes a secret file that must not already exist, readable by its owner only.
pub fn write_new_secret_file(path: &Path, json: &str) -> Result<(), KeyError> {
    use std::io::Write;
    let display = path.display().to_string();
    let mut file = private_file_options()
        .create_new(true)
        .open(path)
        .map_err(|source| {
            if source.kind() == std::io::ErrorKind::AlreadyExists {
                KeyError::Exists(display.clone())
            } else {
                KeyError::Io {
                    path: display.clone(),
                    source,
                }
            }
        })?;
    file.write_all(json.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|source| KeyError::Io {
            path: display,
            source,
        })
}

/// A 32-byte derived key. Not printable.
#[derive(Clone)]
pub struct DerivedKey(pub(crate) [u8; 32]);

impl fmt::Debug for DerivedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DerivedKey([redacted])")
    }
}

impl Drop for DerivedKey {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl DerivedKey {
    /// HMAC-SHA256 under this key of the concatenation of `parts`.
    pub fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        hmac_sha256(&self.0, parts)
    }

    /// The raw key bytes, for printing protocol.md's test vectors only (derived from a public
    /// test secret). Production code never needs this.
    #[doc(hidden)]
    pub fn expose_for_test_vectors(&self) -> &[u8; 32] {
        &self.0
    }

    /// A prepared HMAC state under this key, to clone for many messages.
    pub fn hmac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC accepts any key length")
    }
}

/// HMAC-SHA256 of the concatenation of `parts`.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Options that open a file for writing readable and writable by its owner only (`0600` on
/// Unix), for files that hold secrets or raw pupil data; the caller adds `create_new`,
/// `create`/`truncate` or `append`.
pub fn private_file_options() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Replaces the file at `path` with `bytes` all at once (a temporary file beside it, renamed
/// over it), readable and writable by its owner only: a reader sees the old file or the new
/// one, never half of either.
pub fn replace_private_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn written(json: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.json");
        write_new_secret_file(&path, json).unwrap();
        (dir, path)
    }

    #[test]
    fn a_secret_file_of_the_expected_format_gives_its_32_bytes() {
        let secret = URL_SAFE_NO_PAD.encode([7u8; 32]);
        let (_dir, path) = written(&format!(
            r#"{{"format":"pupilmatch-hub-key","created":"2026-12-08","secret":"{secret}"}}"#
        ));
        let read = read_secret_file(&path, "pupilmatch-hub-key").unwrap();
        assert_eq!(read.expose_secret(), &[7u8; 32]);
    }

    #[test]
    fn a_key_file_of_another_kind_is_refused_naming_both_formats() {
        let secret = URL_SAFE_NO_PAD.encode([7u8; 32]);
        let (_dir, path) = written(&format!(
            r#"{{"format":"pupilmatch-local-key","created":"2026-12-08","secret":"{secret}"}}"#
        ));
        let error = read_secret_file(&path, "pupilmatch-hub-key")
            .unwrap_err()
            .to_string();
        assert!(error.contains("pupilmatch-hub-key"), "{error}");
        assert!(error.contains("`pupilmatch-local-key`"), "{error}");
    }

    #[test]
    fn a_short_secret_is_refused_with_its_length() {
        let (_dir, path) = written(&format!(
            r#"{{"format":"f","created":"x","secret":"{}"}}"#,
            URL_SAFE_NO_PAD.encode([1u8; 16])
        ));
        let error = read_secret_file(&path, "f").unwrap_err().to_string();
        assert!(error.contains("32 bytes, found 16"), "{error}");
    }

    #[test]
    fn a_replaced_private_file_holds_the_new_bytes_for_its_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sessions.json");
        replace_private_file(&path, b"old").unwrap();
        replace_private_file(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

    #[test]
    fn a_secret_file_is_never_overwritten_and_is_readable_by_its_owner_only() {
        let (_dir, path) = written("{}");
        assert!(matches!(
            write_new_secret_file(&path, "{}"),
            Err(KeyError::Exists(_))
        ));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
