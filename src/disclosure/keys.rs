//! Disclosure keys (protocol.md §12.1): each authority holds an X25519 key pair; the hub
//! publishes the public half with a fingerprint that the two authorities compare out of band
//! (by phone, or in the signed data-sharing agreement), so a hub that swapped keys is caught.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hpke::{Deserializable, Kem as _, Serializable};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::keyfile::{random_secret, read_key_file, write_new_secret_file, KeyError};

pub(crate) type Kem = hpke::kem::X25519HkdfSha256;
type HpkePrivateKey = <Kem as hpke::Kem>::PrivateKey;
type HpkePublicKey = <Kem as hpke::Kem>::PublicKey;

/// The domain-separation label of fingerprints.
const FINGERPRINT_LABEL: &[u8] = b"pupilmatch/v1/disclosure-key";

/// A fingerprint as a person wrote it down that is not 32 hexadecimal digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a fingerprint is 32 hexadecimal digits (0-9, a-f) in groups of four, e.g. \
     f0ff-ed5c-3663-…; spaces, dashes and capitals are allowed, but `{0}` has {1} digit(s)"
)]
pub struct FingerprintError(String, usize);

impl FingerprintError {
    /// How many hexadecimal digits the text held (a fingerprint has 32).
    pub fn digits(&self) -> usize {
        self.1
    }
}

/// A fingerprint as read over the phone or copied from an email, in [`fingerprint`]'s form:
/// any case, with or without spaces or dashes between the digits (`F0FF ED5C 3663 …`).
///
/// ```
/// let fp = pupilmatch::disclosure::fingerprint(&[9; 32]);
/// let spoken = fp.to_uppercase().replace('-', " ");
/// assert_eq!(pupilmatch::disclosure::parse_fingerprint(&spoken), Ok(fp));
/// assert!(pupilmatch::disclosure::parse_fingerprint("f0ff-ed5c").is_err());
/// ```
pub fn parse_fingerprint(text: &str) -> Result<String, FingerprintError> {
    let digits: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    if digits.len() != 32 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        let n = digits.chars().filter(char::is_ascii_hexdigit).count();
        return Err(FingerprintError(text.trim().to_string(), n));
    }
    Ok(digits
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("-"))
}

/// The fingerprint of a public key: the first 16 bytes of
/// `SHA-256("pupilmatch/v1/disclosure-key" ‖ 0x00 ‖ public key)` as lower-case hex in eight
/// dash-separated groups of four, easy to read aloud.
///
/// ```
/// let fp = pupilmatch::disclosure::fingerprint(&[9; 32]);
/// assert_eq!(fp.len(), 39);
/// assert_eq!(fp.matches('-').count(), 7);
/// ```
pub fn fingerprint(public_key: &[u8; 32]) -> String {
    labelled_fingerprint(FINGERPRINT_LABEL, public_key)
}

/// `SHA-256(label ‖ 0x00 ‖ public key)[..16]` as lower-case hex in eight dash-separated groups
/// of four: the fingerprint of a public key of the kind `label` names.
pub(crate) fn labelled_fingerprint(label: &[u8], public_key: &[u8; 32]) -> String {
    let digest = Sha256::new()
        .chain_update(label)
        .chain_update([0u8])
        .chain_update(public_key)
        .finalize();
    let hex = hex::encode(&digest[..16]);
    hex.as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("-")
}

/// A recipient's X25519 public key.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    bytes: [u8; 32],
    key: HpkePublicKey,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.fingerprint())
    }
}

impl PublicKey {
    /// Parses a base64url (no padding) 32-byte X25519 public key.
    pub fn parse(text: &str) -> Result<PublicKey, String> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text.trim())
            .map_err(|e| format!("public key is not base64url: {e}"))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| format!("public key must be 32 bytes, found {}", b.len()))?;
        Self::from_bytes(bytes)
    }

    /// A public key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Result<PublicKey, String> {
        if bytes == [0; 32] {
            return Err("the all-zero public key is not usable".into());
        }
        let key = HpkePublicKey::from_bytes(&bytes)
            .map_err(|e| format!("not an X25519 public key: {e}"))?;
        Ok(PublicKey { bytes, key })
    }

    /// The key's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// The key as base64url without padding (its wire form).
    pub fn to_base64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.bytes)
    }

    /// Its fingerprint ([`fingerprint`]).
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.bytes)
    }

    pub(crate) fn hpke(&self) -> &HpkePublicKey {
        &self.key
    }
}

/// An authority's disclosure key pair. The private half never leaves the authority.
pub struct DisclosureKeyPair {
    private: HpkePrivateKey,
    public: PublicKey,
}

impl fmt::Debug for DisclosureKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "DisclosureKeyPair({}, [private key redacted])",
            self.public.fingerprint()
        )
    }
}

/// The private key file (`pupilmatch-disclosure-key/1`).
#[derive(Serialize, Deserialize)]
struct PrivateKeyFile {
    format: String,
    created: String,
    secret: String,
    public_key: String,
    fingerprint: String,
}

/// The public key file (`pupilmatch-disclosure-public-key/1`), safe to send to anyone.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PublicKeyFile {
    /// Always [`DisclosureKeyPair::PUBLIC_FORMAT`].
    pub format: String,
    /// The public key, base64url.
    pub public_key: String,
    /// Its fingerprint.
    pub fingerprint: String,
}

impl DisclosureKeyPair {
    /// The `format` value of a private key file.
    pub const FORMAT: &'static str = "pupilmatch-disclosure-key/1";
    /// The `format` value of a public key file.
    pub const PUBLIC_FORMAT: &'static str = "pupilmatch-disclosure-public-key/1";

    /// RFC 9180 `DeriveKeyPair(ikm)` (test vectors and deterministic set-ups).
    pub fn derive(ikm: &[u8]) -> DisclosureKeyPair {
        let (private, public) = Kem::derive_keypair(ikm);
        Self::from_parts(private, public)
    }

    /// A new key pair from the operating system's CSPRNG.
    pub fn generate() -> DisclosureKeyPair {
        let ikm = Zeroizing::new(random_secret());
        Self::derive(ikm.as_ref())
    }

    fn from_parts(private: HpkePrivateKey, public: HpkePublicKey) -> DisclosureKeyPair {
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&public.to_bytes());
        DisclosureKeyPair {
            private,
            public: PublicKey { bytes, key: public },
        }
    }

    /// The public half.
    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    pub(crate) fn private(&self) -> &HpkePrivateKey {
        &self.private
    }

    /// Where the public key file of the private key file `path` goes: `path` + `.pub`.
    pub fn public_path(path: &Path) -> PathBuf {
        let mut name = path.as_os_str().to_owned();
        name.push(".pub");
        PathBuf::from(name)
    }

    /// Writes the private key to `path` (mode 0600, never overwriting) and the public key to
    /// [`Self::public_path`].
    pub fn save_new(&self, path: &Path) -> Result<(), KeyError> {
        let secret = Zeroizing::new(URL_SAFE_NO_PAD.encode(self.private.to_bytes()));
        let file = PrivateKeyFile {
            format: Self::FORMAT.into(),
            created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            secret: secret.to_string(),
            public_key: self.public.to_base64(),
            fingerprint: self.public.fingerprint(),
        };
        let json = Zeroizing::new(
            serde_json::to_string_pretty(&file).expect("serialising a key file") + "\n",
        );
        write_new_secret_file(path, &json)?;
        let public = PublicKeyFile {
            format: Self::PUBLIC_FORMAT.into(),
            public_key: self.public.to_base64(),
            fingerprint: self.public.fingerprint(),
        };
        let public_path = Self::public_path(path);
        let json = serde_json::to_string_pretty(&public).expect("serialising a key file") + "\n";
        std::fs::write(&public_path, json).map_err(|source| KeyError::Io {
            path: public_path.display().to_string(),
            source,
        })
    }

    /// Reads a private key file, checking that its public key matches its secret.
    pub fn load(path: &Path) -> Result<DisclosureKeyPair, KeyError> {
        let file: PrivateKeyFile =
            read_key_file(path, Self::FORMAT, |f: &PrivateKeyFile| &f.format)?;
        let secret = Zeroizing::new(file.secret);
        let format_error = |reason: String| KeyError::invalid(path, Self::FORMAT, reason);
        let bytes = Zeroizing::new(
            URL_SAFE_NO_PAD
                .decode(secret.trim())
                .map_err(|e| format_error(format!("secret is not base64url: {e}")))?,
        );
        let private = HpkePrivateKey::from_bytes(&bytes)
            .map_err(|e| format_error(format!("secret is not an X25519 private key: {e}")))?;
        let public = Kem::sk_to_pk(&private);
        let pair = Self::from_parts(private, public);
        if pair.public.to_base64() != file.public_key.trim() {
            return Err(format_error(
                "public_key does not belong to the secret".into(),
            ));
        }
        Ok(pair)
    }
}

/// Reads a public key file (or a private key file's public half is not accepted: use
/// [`DisclosureKeyPair::load`]).
pub fn load_public(path: &Path) -> Result<PublicKey, KeyError> {
    let expected = DisclosureKeyPair::PUBLIC_FORMAT;
    let file: PublicKeyFile = read_key_file(path, expected, |f: &PublicKeyFile| &f.format)?;
    PublicKey::parse(&file.public_key).map_err(|reason| KeyError::invalid(path, expected, reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_round_trip_and_are_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("glasgow.key");
        let pair = DisclosureKeyPair::generate();
        pair.save_new(&path).unwrap();
        let loaded = DisclosureKeyPair::load(&path).unwrap();
        assert_eq!(loaded.public(), pair.public());
        let public = load_public(&DisclosureKeyPair::public_path(&path)).unwrap();
        assert_eq!(&public, pair.public());
        assert!(matches!(
            DisclosureKeyPair::generate().save_new(&path),
            Err(KeyError::Exists(_))
        ));
        assert!(!format!("{loaded:?}").contains(&URL_SAFE_NO_PAD.encode(loaded.private.to_bytes())));
    }

    #[test]
    fn public_keys_are_validated() {
        assert!(PublicKey::parse("not base64!").is_err());
        assert!(PublicKey::parse(&URL_SAFE_NO_PAD.encode([1u8; 31])).is_err());
        assert!(PublicKey::parse(&URL_SAFE_NO_PAD.encode([0u8; 32])).is_err());
        let pair = DisclosureKeyPair::derive(&[3; 32]);
        assert_eq!(
            PublicKey::parse(&pair.public().to_base64()).unwrap(),
            *pair.public()
        );
    }

    #[test]
    fn fingerprints_differ_between_keys() {
        let a = DisclosureKeyPair::derive(&[1; 32]);
        let b = DisclosureKeyPair::derive(&[2; 32]);
        assert_ne!(a.public().fingerprint(), b.public().fingerprint());
    }
}
