//! Secrets and key derivation (protocol.md §2).
//!
//! Three secrets exist, each in its own file format and held by a different party:
//! - the [`AgreementSecret`], shared by the authorities party to one data-sharing agreement and
//!   never by the hub; every encoding key is derived from it with HKDF-SHA256 ([`KeySchedule`]);
//! - the [`LocalKey`], held by one authority alone, which turns its internal record ids into
//!   opaque references that only it can map back;
//! - the hub key (`hub::layer`), held by the hub alone, which re-keys what it stores.
//!
//! Secret bytes live in [`secrecy::SecretBox`], so `Debug` and logs can never print them.

use std::fmt;
use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hkdf::Hkdf;
use secrecy::{ExposeSecret, SecretBox};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The protocol label every derivation starts from.
pub const PROTOCOL_LABEL: &str = "pupilmatch/v1";

pub(crate) use crate::keyfile::{
    decode_secret, random_secret, read_key_file, read_secret_file, write_new_secret_file,
};
pub use crate::keyfile::{hmac_sha256, DerivedKey, KeyError};

/// The agreement secret file (protocol.md §2.1).
#[derive(Serialize, Deserialize)]
struct AgreementSecretFile {
    format: String,
    agreement_id: String,
    epoch: u32,
    created: String,
    secret: String,
}

/// The secret shared by the authorities of one data-sharing agreement, for one key epoch.
pub struct AgreementSecret {
    agreement_id: String,
    epoch: u32,
    secret: SecretBox<[u8; 32]>,
}

impl fmt::Debug for AgreementSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgreementSecret")
            .field("agreement_id", &self.agreement_id)
            .field("epoch", &self.epoch)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// Checks an agreement id against protocol.md §2.1.
pub fn validate_agreement_id(id: &str) -> Result<(), KeyError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(KeyError::BadAgreementId(id.to_string()))
    }
}

impl AgreementSecret {
    /// The `format` value of an agreement secret file.
    pub const FORMAT: &'static str = "pupilmatch-agreement-secret/1";

    /// Creates a fresh random secret.
    pub fn generate(agreement_id: &str, epoch: u32) -> Result<Self, KeyError> {
        Self::from_bytes(agreement_id, epoch, random_secret())
    }

    /// Builds a secret from known bytes (test vectors, key ceremonies).
    pub fn from_bytes(agreement_id: &str, epoch: u32, secret: [u8; 32]) -> Result<Self, KeyError> {
        validate_agreement_id(agreement_id)?;
        Ok(AgreementSecret {
            agreement_id: agreement_id.to_string(),
            epoch,
            secret: SecretBox::new(Box::new(secret)),
        })
    }

    /// The agreement this secret belongs to.
    pub fn agreement_id(&self) -> &str {
        &self.agreement_id
    }

    /// The key epoch; a rotation creates a new epoch.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// Reads a secret file.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let file: AgreementSecretFile =
            read_key_file(path, Self::FORMAT, |f: &AgreementSecretFile| &f.format)?;
        let secret = decode_secret(&file.secret)
            .map_err(|reason| KeyError::invalid(path, Self::FORMAT, reason))?;
        validate_agreement_id(&file.agreement_id)?;
        Ok(AgreementSecret {
            agreement_id: file.agreement_id,
            epoch: file.epoch,
            secret,
        })
    }

    /// Writes the secret to a new file (never overwrites), readable by the owner only.
    pub fn save_new(&self, path: &Path) -> Result<(), KeyError> {
        let file = AgreementSecretFile {
            format: Self::FORMAT.to_string(),
            agreement_id: self.agreement_id.clone(),
            epoch: self.epoch,
            created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            secret: URL_SAFE_NO_PAD.encode(self.secret.expose_secret()),
        };
        let json = serde_json::to_string_pretty(&file).expect("serialising a key file") + "\n";
        write_new_secret_file(path, &json)
    }

    /// A short public fingerprint of the secret that authorities can compare by phone when they
    /// exchange it: the first 8 bytes of HMAC-SHA256(secret, "pupilmatch/v1/fingerprint"), hex.
    pub fn fingerprint(&self) -> String {
        hex::encode(&hmac_sha256(self.secret.expose_secret(), &[b"pupilmatch/v1/fingerprint"])[..8])
    }
}

/// Every purpose a key is derived for. The label is the HKDF `info` suffix (protocol.md §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyPurpose {
    /// Composite match-key tokens of one family.
    Token(crate::encode::tokens::KeyFamily),
    /// Identifier tokens of one scheme.
    Identifier(crate::encode::identifiers::Scheme),
    /// Bloom-filter hashing of one name field.
    Bloom(crate::encode::bloom::BloomField),
    /// The one-byte date-of-birth check.
    DobCheck,
    /// The one-byte sex check.
    SexCheck,
    /// The date-of-birth check under an identifier.
    IdDobCheck,
}

impl KeyPurpose {
    /// The HKDF info label, e.g. `token/name-dob`, `id/upn`, `bloom/forename`, `check/dob`.
    pub fn label(self) -> String {
        match self {
            KeyPurpose::Token(family) => format!("token/{}", family.label()),
            KeyPurpose::Identifier(scheme) => format!("id/{}", scheme.as_str()),
            KeyPurpose::Bloom(field) => format!("bloom/{}", field.label()),
            KeyPurpose::DobCheck => "check/dob".to_string(),
            KeyPurpose::SexCheck => "check/sex".to_string(),
            KeyPurpose::IdDobCheck => "check/id-dob".to_string(),
        }
    }
}

/// The HKDF salt of an agreement and epoch: `"pupilmatch/v1" 0x00 agreement_id 0x00 epoch(u32 BE)`.
fn agreement_salt(agreement_id: &str, epoch: u32) -> Vec<u8> {
    let mut salt = Vec::with_capacity(PROTOCOL_LABEL.len() + agreement_id.len() + 6);
    salt.extend_from_slice(PROTOCOL_LABEL.as_bytes());
    salt.push(0);
    salt.extend_from_slice(agreement_id.as_bytes());
    salt.push(0);
    salt.extend_from_slice(&epoch.to_be_bytes());
    salt
}

/// The derivation of every encoding key from an agreement secret (protocol.md §2.2):
/// `PRK = HKDF-Extract(salt, secret)`, `K = HKDF-Expand(PRK, "pupilmatch/v1/" + label, 32)`.
pub struct KeySchedule {
    agreement_id: String,
    epoch: u32,
    prk: Hkdf<Sha256>,
}

impl fmt::Debug for KeySchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeySchedule")
            .field("agreement_id", &self.agreement_id)
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}

impl KeySchedule {
    /// Runs HKDF-Extract over the agreement secret.
    pub fn new(secret: &AgreementSecret) -> Self {
        let salt = agreement_salt(&secret.agreement_id, secret.epoch);
        KeySchedule {
            agreement_id: secret.agreement_id.clone(),
            epoch: secret.epoch,
            prk: Hkdf::<Sha256>::new(Some(&salt), secret.secret.expose_secret()),
        }
    }

    /// Derives the key for one purpose.
    pub fn key(&self, purpose: KeyPurpose) -> DerivedKey {
        let info = format!("{PROTOCOL_LABEL}/{}", purpose.label());
        let mut okm = [0u8; 32];
        self.prk
            .expand(info.as_bytes(), &mut okm)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        DerivedKey(okm)
    }

    /// The agreement the keys belong to.
    pub fn agreement_id(&self) -> &str {
        &self.agreement_id
    }

    /// The key epoch.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }
}

/// The local key file (protocol.md §2.3).
#[derive(Serialize, Deserialize)]
struct LocalKeyFile {
    format: String,
    created: String,
    secret: String,
}

/// An authority's own secret for opaque record references. Never shared with anyone.
pub struct LocalKey {
    reference_key: DerivedKey,
}

impl fmt::Debug for LocalKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LocalKey([redacted])")
    }
}

impl LocalKey {
    /// The `format` value of a local key file.
    pub const FORMAT: &'static str = "pupilmatch-local-key/1";

    fn from_secret(secret: &[u8; 32]) -> Self {
        let hk = Hkdf::<Sha256>::new(Some(PROTOCOL_LABEL.as_bytes()), secret);
        let mut okm = [0u8; 32];
        hk.expand(format!("{PROTOCOL_LABEL}/record-ref").as_bytes(), &mut okm)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        LocalKey {
            reference_key: DerivedKey(okm),
        }
    }

    /// Builds a local key from known bytes (test vectors).
    pub fn from_bytes(secret: [u8; 32]) -> Self {
        Self::from_secret(&secret)
    }

    /// Reads a local key file.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let secret = read_secret_file(path, Self::FORMAT)?;
        Ok(Self::from_secret(secret.expose_secret()))
    }

    /// Generates a new local key file at `path` (never overwrites) and returns the key.
    pub fn generate_file(path: &Path) -> Result<Self, KeyError> {
        let secret = random_secret();
        let file = LocalKeyFile {
            format: Self::FORMAT.to_string(),
            created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            secret: URL_SAFE_NO_PAD.encode(secret),
        };
        let json = serde_json::to_string_pretty(&file).expect("serialising a key file") + "\n";
        write_new_secret_file(path, &json)?;
        Ok(Self::from_secret(&secret))
    }

    /// Loads the key at `path`, creating it first if the file does not exist.
    /// Returns the key and whether it was created.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool), KeyError> {
        if path.exists() {
            Ok((Self::load(path)?, false))
        } else {
            Ok((Self::generate_file(path)?, true))
        }
    }

    /// The opaque reference the hub sees for a local record id:
    /// base64url(HMAC-SHA256(K_ref, record_id)[..16]) (protocol.md §2.3).
    ///
    /// ```
    /// use pupilmatch::encode::keys::LocalKey;
    /// let key = LocalKey::from_bytes([7; 32]);
    /// assert_eq!(key.record_ref("A-1").len(), 22);
    /// assert_eq!(key.record_ref("A-1"), key.record_ref("A-1"));
    /// assert_ne!(key.record_ref("A-1"), key.record_ref("A-2"));
    /// ```
    pub fn record_ref(&self, record_id: &str) -> String {
        URL_SAFE_NO_PAD.encode(&self.reference_key.mac(&[record_id.as_bytes()])[..16])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_never_appears_in_debug_output() {
        let secret = AgreementSecret::from_bytes("nw-scot-2026", 1, [0xAB; 32]).unwrap();
        let shown = format!("{secret:?}");
        assert!(shown.contains("redacted"));
        assert!(!shown.to_lowercase().contains("abab"));
        assert!(!shown.contains("171"));
    }

    #[test]
    fn agreement_ids_are_restricted_to_a_safe_alphabet() {
        assert!(validate_agreement_id("eng-scot-cme-2026").is_ok());
        assert!(validate_agreement_id("").is_err());
        assert!(validate_agreement_id("Has Spaces").is_err());
        assert!(validate_agreement_id(&"a".repeat(65)).is_err());
    }

    #[test]
    fn keys_differ_by_purpose_agreement_and_epoch() {
        use crate::encode::bloom::BloomField;
        let a1 = KeySchedule::new(&AgreementSecret::from_bytes("a", 1, [1; 32]).unwrap());
        let a2 = KeySchedule::new(&AgreementSecret::from_bytes("a", 2, [1; 32]).unwrap());
        let b1 = KeySchedule::new(&AgreementSecret::from_bytes("b", 1, [1; 32]).unwrap());
        let purpose = KeyPurpose::Bloom(BloomField::Forename);
        let k = |s: &KeySchedule, p| s.key(p).mac(&[b"x"]);
        assert_ne!(k(&a1, purpose), k(&a2, purpose));
        assert_ne!(k(&a1, purpose), k(&b1, purpose));
        assert_ne!(
            k(&a1, purpose),
            k(&a1, KeyPurpose::Bloom(BloomField::Surname))
        );
    }

    #[test]
    fn a_saved_secret_loads_back_identically_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agreement.key");
        let secret = AgreementSecret::generate("eng-scot", 3).unwrap();
        secret.save_new(&path).unwrap();
        let loaded = AgreementSecret::load(&path).unwrap();
        assert_eq!(loaded.agreement_id(), "eng-scot");
        assert_eq!(loaded.epoch(), 3);
        assert_eq!(loaded.fingerprint(), secret.fingerprint());
        assert!(matches!(secret.save_new(&path), Err(KeyError::Exists(_))));
    }

    #[test]
    fn a_corrupt_secret_file_is_rejected_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.key");
        std::fs::write(
            &path,
            r#"{"format":"pupilmatch-agreement-secret/1","agreement_id":"a","epoch":1,"created":"x","secret":"AAAA"}"#,
        )
        .unwrap();
        let err = AgreementSecret::load(&path).unwrap_err().to_string();
        assert!(err.contains("32 bytes"), "{err}");
    }

    #[test]
    fn local_keys_are_created_once_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("local.key");
        let (first, created) = LocalKey::load_or_create(&path).unwrap();
        assert!(created);
        let (second, created) = LocalKey::load_or_create(&path).unwrap();
        assert!(!created);
        assert_eq!(first.record_ref("123"), second.record_ref("123"));
    }
}
