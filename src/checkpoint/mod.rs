//! Signed checkpoints of the hub's audit chain (protocol.md §14.6): the chain's length and
//! last link, signed with an Ed25519 key derived from the hub key (never in the database).
//!
//! Authorities fetch them (`GET /v1/audit/checkpoint`), check the signature against the hub
//! key they pinned at first use and keep the latest ([`CheckpointBook`]); the operator holds
//! the hub's database to them (`pupilmatch audit verify --checkpoint FILE`), which catches what
//! the database alone cannot show: events removed from its end, or a chain rewritten whole.

mod book;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};
use serde::{Deserialize, Serialize};

pub use book::{CheckpointBook, Kept};

use crate::store::{Anchor, ChainHead};

/// The `format` of a checkpoint.
pub const FORMAT: &str = "pupilmatch-audit-checkpoint/1";
/// The label that opens the signed bytes.
pub const SIGNED_LABEL: &str = "pupilmatch/v1/audit-checkpoint";
/// The label of the signing key's fingerprint.
pub const FINGERPRINT_LABEL: &[u8] = b"pupilmatch/v1/audit-signing-key";

/// Why a checkpoint is refused.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// A field does not parse.
    #[error("malformed audit checkpoint: {0}")]
    Malformed(String),
    /// The signature does not verify under the checkpoint's key.
    #[error("the audit checkpoint's signature does not verify: it was not signed by the hub key it names")]
    BadSignature,
    /// The checkpoint was signed by another key than the one expected.
    #[error(
        "the audit checkpoint was signed by hub key {offered}, not by {expected}: it comes from \
         another hub, or the hub's key was replaced"
    )]
    OtherKey {
        /// The fingerprint expected.
        expected: String,
        /// The fingerprint of the checkpoint's key.
        offered: String,
    },
    /// The hub's signing key is not the one pinned at first use.
    #[error(
        "REFUSED: the hub's audit signing key changed. Pinned at first use: {pinned}; offered \
         now: {offered}. Either the hub key was replaced (ask the operator, out of band, and \
         only then remove {pin_file} to pin the new key) or this is not the hub you used"
    )]
    KeyChanged {
        /// The pinned fingerprint.
        pinned: String,
        /// The offered one.
        offered: String,
        /// The pin file.
        pin_file: String,
    },
    /// The hub's chain is shorter than a checkpoint kept before.
    #[error(
        "ALERT: the hub's audit chain now holds {offered} events, fewer than the {kept} of the \
         checkpoint kept on {kept_at}: events were removed from the hub's audit log. Keep \
         {kept_file} and tell the hub's operator and your data-protection officer"
    )]
    Regressed {
        /// The kept checkpoint's length.
        kept: u64,
        /// When it was made.
        kept_at: String,
        /// The offered length.
        offered: u64,
        /// The kept checkpoint's file.
        kept_file: String,
    },
    /// The hub signed two different chains of the same length.
    #[error(
        "ALERT: the hub signed two different audit chains of {n_events} events (head {kept} \
         kept, {offered} now): the hub's audit log was rewritten. Keep {kept_file} and tell the \
         hub's operator and your data-protection officer"
    )]
    Forked {
        /// The length.
        n_events: u64,
        /// The kept head.
        kept: String,
        /// The offered head.
        offered: String,
        /// The kept checkpoint's file.
        kept_file: String,
    },
    /// Reading or writing a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// A signed checkpoint, as `GET /v1/audit/checkpoint` answers and authorities keep it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// [`FORMAT`].
    pub format: String,
    /// Events in the chain.
    pub n_events: u64,
    /// The link of the last one (64 hex digits; 64 zeros for an empty chain).
    pub head: String,
    /// When the hub signed it (RFC 3339 UTC).
    pub at: String,
    /// The hub's Ed25519 public key (base64url, 32 bytes).
    pub public_key: String,
    /// Its fingerprint (eight groups of four hex digits).
    pub key_fingerprint: String,
    /// The Ed25519 signature of [`signed_bytes`] (base64url, 64 bytes).
    pub signature: String,
}

/// The bytes a checkpoint's signature covers: `u32_be(len) ‖ bytes` of [`SIGNED_LABEL`], then
/// `u64_be(n_events)`, then `u32_be(len) ‖ bytes` of `head` (ASCII hex) and of `at`.
pub fn signed_bytes(n_events: u64, head: &str, at: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    let field = |out: &mut Vec<u8>, s: &str| {
        out.extend_from_slice(&(s.len() as u32).to_be_bytes());
        out.extend_from_slice(s.as_bytes());
    };
    field(&mut out, SIGNED_LABEL);
    out.extend_from_slice(&n_events.to_be_bytes());
    field(&mut out, head);
    field(&mut out, at);
    out
}

/// The fingerprint of a hub's checkpoint signing key:
/// `SHA-256("pupilmatch/v1/audit-signing-key" ‖ 0x00 ‖ key)[..16]`, grouped as disclosure keys'.
pub fn key_fingerprint(public_key: &[u8; 32]) -> String {
    crate::disclosure::labelled_fingerprint(FINGERPRINT_LABEL, public_key)
}

/// The hub's checkpoint signing key (derived from the hub key; `HubLayer::checkpoint_signer`).
pub struct CheckpointSigner(Ed25519KeyPair);

impl std::fmt::Debug for CheckpointSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CheckpointSigner({})", self.fingerprint())
    }
}

impl CheckpointSigner {
    /// The Ed25519 key pair of this 32-byte seed (RFC 8032 private key).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        CheckpointSigner(
            Ed25519KeyPair::from_seed_unchecked(seed).expect("any 32 bytes are an Ed25519 seed"),
        )
    }

    /// The public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.0
            .public_key()
            .as_ref()
            .try_into()
            .expect("an Ed25519 public key is 32 bytes")
    }

    /// The public key's fingerprint.
    pub fn fingerprint(&self) -> String {
        key_fingerprint(&self.public_key())
    }

    /// A checkpoint of `head`, signed now.
    pub fn sign(&self, head: &ChainHead) -> Checkpoint {
        let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        self.sign_at(head, &at)
    }

    /// A checkpoint of `head` made at `at`.
    pub fn sign_at(&self, head: &ChainHead, at: &str) -> Checkpoint {
        let signature = self.0.sign(&signed_bytes(head.n_events, &head.head, at));
        Checkpoint {
            format: FORMAT.to_string(),
            n_events: head.n_events,
            head: head.head.clone(),
            at: at.to_string(),
            public_key: URL_SAFE_NO_PAD.encode(self.public_key()),
            key_fingerprint: self.fingerprint(),
            signature: URL_SAFE_NO_PAD.encode(signature.as_ref()),
        }
    }
}

impl Checkpoint {
    /// Reads a checkpoint file (JSON, as the API answers it).
    pub fn load(path: &std::path::Path) -> Result<Self, CheckpointError> {
        let text = std::fs::read_to_string(path).map_err(|source| CheckpointError::Io {
            path: path.display().to_string(),
            source,
        })?;
        serde_json::from_str(&text)
            .map_err(|e| CheckpointError::Malformed(format!("{}: {e}", path.display())))
    }

    /// The public key it names.
    pub fn public_key_bytes(&self) -> Result<[u8; 32], CheckpointError> {
        URL_SAFE_NO_PAD
            .decode(&self.public_key)
            .ok()
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or_else(|| {
                CheckpointError::Malformed("public_key is not 32 bytes of base64url".into())
            })
    }

    /// Checks the format, the head's shape, that the fingerprint is the key's, and the
    /// signature under the key the checkpoint names; returns that key. Whether the key is the
    /// hub's is for the caller to decide (a pinned key, or the operator's own hub key).
    pub fn verify(&self) -> Result<[u8; 32], CheckpointError> {
        if self.format != FORMAT {
            return Err(CheckpointError::Malformed(format!(
                "format is `{}`",
                self.format
            )));
        }
        let hex_head = self.head.len() == 64
            && self
                .head
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !hex_head {
            return Err(CheckpointError::Malformed(
                "head is not 64 lower-case hex digits".into(),
            ));
        }
        let key = self.public_key_bytes()?;
        if key_fingerprint(&key) != self.key_fingerprint {
            return Err(CheckpointError::Malformed(
                "key_fingerprint is not the fingerprint of public_key".into(),
            ));
        }
        let signature = URL_SAFE_NO_PAD
            .decode(&self.signature)
            .map_err(|_| CheckpointError::BadSignature)?;
        UnparsedPublicKey::new(&ED25519, key)
            .verify(
                &signed_bytes(self.n_events, &self.head, &self.at),
                &signature,
            )
            .map_err(|_| CheckpointError::BadSignature)?;
        Ok(key)
    }

    /// [`Checkpoint::verify`], and that it was signed by `expected`.
    pub fn verify_by(&self, expected: &[u8; 32]) -> Result<(), CheckpointError> {
        let key = self.verify()?;
        if &key != expected {
            return Err(CheckpointError::OtherKey {
                expected: key_fingerprint(expected),
                offered: key_fingerprint(&key),
            });
        }
        Ok(())
    }

    /// The point of the chain it vouches for.
    pub fn anchor(&self) -> Anchor {
        Anchor {
            n_events: self.n_events,
            head: self.head.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(n_events: u64) -> ChainHead {
        ChainHead {
            n_events,
            head: "ab".repeat(32),
        }
    }

    /// protocol.md §14.6's vector: seed 32 bytes of 0x07, 120 events, head `ab…ab`.
    #[test]
    fn a_checkpoint_matches_the_protocol_vector() {
        let signer = CheckpointSigner::from_seed(&[7; 32]);
        let checkpoint = signer.sign_at(&head(120), "2026-12-07T21:00:00Z");
        let bytes = signed_bytes(120, &"ab".repeat(32), "2026-12-07T21:00:00Z");
        assert_eq!(bytes.len(), 4 + 30 + 8 + 4 + 64 + 4 + 20);
        assert_eq!(&bytes[34..42], &120u64.to_be_bytes());
        assert_eq!(
            checkpoint.public_key,
            "6kpsY-KcUgq-9VB7Ey7F-ZVHdq6-vnuSQh7qaRRG0iw"
        );
        assert_eq!(
            checkpoint.key_fingerprint,
            "666f-08be-3b0d-84de-fb01-3dee-7ab1-15fc"
        );
        assert_eq!(
            checkpoint.signature,
            "LBSc4TocuU58-OIugzyTWGXftXlhf8W794PULTiwg3rSMh_deIV5euCNI6AWSu-uZa5X96iSLEzSPZtvs92IDg"
        );
        assert_eq!(checkpoint.verify().unwrap(), signer.public_key());
    }

    #[test]
    fn a_checkpoint_with_a_changed_field_or_signature_is_refused() {
        let signer = CheckpointSigner::from_seed(&[7; 32]);
        let good = signer.sign(&head(120));
        let mut longer = good.clone();
        longer.n_events = 121;
        assert!(matches!(
            longer.verify(),
            Err(CheckpointError::BadSignature)
        ));
        let mut forged = good.clone();
        forged.signature = URL_SAFE_NO_PAD.encode([0u8; 64]);
        assert!(matches!(
            forged.verify(),
            Err(CheckpointError::BadSignature)
        ));
        let mut relabelled = good.clone();
        relabelled.key_fingerprint = CheckpointSigner::from_seed(&[8; 32]).fingerprint();
        assert!(matches!(
            relabelled.verify(),
            Err(CheckpointError::Malformed(_))
        ));
    }

    #[test]
    fn a_checkpoint_from_another_hub_key_is_refused() {
        let ours = CheckpointSigner::from_seed(&[7; 32]);
        let theirs = CheckpointSigner::from_seed(&[8; 32]);
        let checkpoint = theirs.sign(&head(5));
        assert!(checkpoint.verify().is_ok(), "well-formed in itself");
        assert!(matches!(
            checkpoint.verify_by(&ours.public_key()),
            Err(CheckpointError::OtherKey { .. })
        ));
    }
}
