//! HPKE sealing of a disclosure (protocol.md §12.2): RFC 9180 base mode with
//! DHKEM(X25519, HKDF-SHA256) (KEM 0x0020), HKDF-SHA256 (KDF 0x0001) and ChaCha20-Poly1305
//! (AEAD 0x0003), single shot.
//!
//! `info` binds the key schedule to the agreement and the candidate; the associated data also
//! names both authorities, so a ciphertext moved to another candidate, agreement or direction
//! fails to open.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::rand_core::{CryptoRng, RngCore};
use hpke::{Deserializable, OpModeR, OpModeS, Serializable};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::keys::{DisclosureKeyPair, Kem, PublicKey};
use super::record::{DisclosurePayload, PAYLOAD_FORMAT};

/// The suite name carried on the wire.
pub const SUITE: &str = "x25519-hkdf-sha256-chacha20poly1305";

/// The largest sealed record accepted (ciphertext bytes).
pub const MAX_CIPHERTEXT: usize = 64 * 1024;

/// Why a record could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// HPKE refused (a bad key, or a ciphertext that does not authenticate).
    #[error("the sealed record does not open with this key for this candidate (wrong key, wrong candidate or a tampered ciphertext)")]
    Open,
    /// HPKE could not seal (an unusable recipient key).
    #[error("sealing failed: {0}")]
    Seal(String),
    /// The sealed record is not well formed.
    #[error("malformed sealed record: {0}")]
    Malformed(String),
    /// The opened payload is not what it should be.
    #[error("the opened payload is invalid: {0}")]
    Payload(String),
}

/// What a sealed record is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealContext {
    /// The agreement.
    pub agreement_id: String,
    /// The hub's candidate id.
    pub candidate_id: i64,
    /// The sending authority.
    pub sender: String,
    /// The receiving authority.
    pub recipient: String,
}

impl SealContext {
    /// `"pupilmatch/v1/disclosure" ‖ 0x00 ‖ agreement_id ‖ 0x00 ‖ decimal(candidate_id)`.
    pub fn info(&self) -> Vec<u8> {
        let mut info = b"pupilmatch/v1/disclosure".to_vec();
        for part in [self.agreement_id.as_str(), &self.candidate_id.to_string()] {
            info.push(0);
            info.extend_from_slice(part.as_bytes());
        }
        info
    }

    /// `info ‖ 0x00 ‖ sender ‖ 0x00 ‖ recipient`.
    pub fn aad(&self) -> Vec<u8> {
        let mut aad = self.info();
        for part in [&self.sender, &self.recipient] {
            aad.push(0);
            aad.extend_from_slice(part.as_bytes());
        }
        aad
    }
}

/// A sealed record on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedRecord {
    /// Always [`SUITE`].
    pub suite: String,
    /// The fingerprint of the recipient key it was sealed to.
    pub recipient_key: String,
    /// The encapsulated key (32 bytes), base64url.
    pub enc: String,
    /// The ciphertext with its 16-byte tag, base64url.
    pub ct: String,
}

impl SealedRecord {
    /// Checks the shape (suite, lengths) without opening it; the hub runs this on upload.
    pub fn check(&self) -> Result<(), SealError> {
        if self.suite != SUITE {
            return Err(SealError::Malformed(format!("suite must be `{SUITE}`")));
        }
        let enc = decode(&self.enc, "enc")?;
        if enc.len() != 32 {
            return Err(SealError::Malformed(format!(
                "enc must be 32 bytes, found {}",
                enc.len()
            )));
        }
        let ct = decode(&self.ct, "ct")?;
        if ct.len() < 16 || ct.len() > MAX_CIPHERTEXT {
            return Err(SealError::Malformed(format!(
                "ct must be 16 to {MAX_CIPHERTEXT} bytes, found {}",
                ct.len()
            )));
        }
        Ok(())
    }
}

fn decode(text: &str, field: &str) -> Result<Vec<u8>, SealError> {
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|e| SealError::Malformed(format!("{field} is not base64url: {e}")))
}

/// The operating system's CSPRNG (ring) as the RNG HPKE draws its ephemeral key from.
struct SystemRng(ring::rand::SystemRandom);

impl RngCore for SystemRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        ring::rand::SecureRandom::fill(&self.0, dst)
            .expect("the operating system's random number generator failed");
    }
}

impl CryptoRng for SystemRng {}

/// Seals `payload` to `recipient` with a fresh ephemeral key.
pub fn seal(
    recipient: &PublicKey,
    context: &SealContext,
    payload: &DisclosurePayload,
) -> Result<SealedRecord, SealError> {
    seal_with_rng(
        recipient,
        context,
        payload,
        &mut SystemRng(ring::rand::SystemRandom::new()),
    )
}

/// [`seal`] drawing the ephemeral key's input keying material from `rng`: with an RNG that
/// returns fixed bytes this is RFC 9180's deterministic `ikmE` set-up (test vectors only).
pub fn seal_with_rng<R: CryptoRng + RngCore>(
    recipient: &PublicKey,
    context: &SealContext,
    payload: &DisclosurePayload,
    rng: &mut R,
) -> Result<SealedRecord, SealError> {
    check_payload(payload, context)?;
    let plaintext =
        Zeroizing::new(serde_json::to_vec(payload).map_err(|e| SealError::Seal(e.to_string()))?);
    let (enc, ct) = hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, Kem, _>(
        &OpModeS::Base,
        recipient.hpke(),
        &context.info(),
        &plaintext,
        &context.aad(),
        rng,
    )
    .map_err(|e| SealError::Seal(e.to_string()))?;
    Ok(SealedRecord {
        suite: SUITE.into(),
        recipient_key: recipient.fingerprint(),
        enc: URL_SAFE_NO_PAD.encode(enc.to_bytes()),
        ct: URL_SAFE_NO_PAD.encode(ct),
    })
}

/// Opens a sealed record with the recipient's key pair and checks that the payload was sealed
/// for `context`.
pub fn open(
    key: &DisclosureKeyPair,
    context: &SealContext,
    sealed: &SealedRecord,
) -> Result<DisclosurePayload, SealError> {
    sealed.check()?;
    let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&decode(&sealed.enc, "enc")?)
        .map_err(|e| SealError::Malformed(format!("enc: {e}")))?;
    let ct = decode(&sealed.ct, "ct")?;
    let plaintext = Zeroizing::new(
        hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, Kem>(
            &OpModeR::Base,
            key.private(),
            &enc,
            &context.info(),
            &ct,
            &context.aad(),
        )
        .map_err(|_| SealError::Open)?,
    );
    let payload: DisclosurePayload =
        serde_json::from_slice(&plaintext).map_err(|e| SealError::Payload(e.to_string()))?;
    check_payload(&payload, context)?;
    Ok(payload)
}

fn check_payload(payload: &DisclosurePayload, context: &SealContext) -> Result<(), SealError> {
    if payload.format != PAYLOAD_FORMAT {
        return Err(SealError::Payload(format!(
            "format must be `{PAYLOAD_FORMAT}`"
        )));
    }
    let inside = SealContext {
        agreement_id: payload.agreement_id.clone(),
        candidate_id: payload.candidate_id,
        sender: payload.sender.clone(),
        recipient: payload.recipient.clone(),
    };
    if &inside != context {
        return Err(SealError::Payload(format!(
            "sealed for candidate {} from {} to {} under {}, not this one",
            inside.candidate_id, inside.sender, inside.recipient, inside.agreement_id
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disclosure::record::{Coordinator, DisclosedRecord};

    fn context() -> SealContext {
        SealContext {
            agreement_id: "eng-scot-cme".into(),
            candidate_id: 42,
            sender: "383".into(),
            recipient: "S12000049".into(),
        }
    }

    fn payload(context: &SealContext) -> DisclosurePayload {
        DisclosurePayload {
            format: PAYLOAD_FORMAT.into(),
            agreement_id: context.agreement_id.clone(),
            candidate_id: context.candidate_id,
            sender: context.sender.clone(),
            recipient: context.recipient.clone(),
            record: DisclosedRecord {
                forename: Some("Eilidh".into()),
                surname: Some("MacLeod".into()),
                dob: Some("2013-09-04".into()),
                ..DisclosedRecord::default()
            },
            coordinator: Coordinator {
                name: "A. Coordinator".into(),
                email: "cme@leeds.example".into(),
                phone: None,
            },
            sealed_at: "2026-12-01T19:00:00Z".into(),
        }
    }

    #[test]
    fn a_sealed_record_opens_only_for_its_recipient_and_context() {
        let glasgow = DisclosureKeyPair::derive(&[5; 32]);
        let context = context();
        let sealed = seal(glasgow.public(), &context, &payload(&context)).unwrap();
        assert_eq!(
            open(&glasgow, &context, &sealed).unwrap(),
            payload(&context)
        );

        let other = DisclosureKeyPair::derive(&[6; 32]);
        assert!(matches!(
            open(&other, &context, &sealed),
            Err(SealError::Open)
        ));
        for moved in [
            SealContext {
                candidate_id: 43,
                ..context.clone()
            },
            SealContext {
                agreement_id: "other".into(),
                ..context.clone()
            },
            SealContext {
                sender: "S12000049".into(),
                recipient: "383".into(),
                ..context.clone()
            },
        ] {
            assert!(
                matches!(open(&glasgow, &moved, &sealed), Err(SealError::Open)),
                "{moved:?}"
            );
        }
        let mut tampered = sealed.clone();
        let mut ct = URL_SAFE_NO_PAD.decode(&tampered.ct).unwrap();
        ct[0] ^= 1;
        tampered.ct = URL_SAFE_NO_PAD.encode(ct);
        assert!(matches!(
            open(&glasgow, &context, &tampered),
            Err(SealError::Open)
        ));
    }

    #[test]
    fn a_payload_for_another_context_is_refused_before_sealing() {
        let glasgow = DisclosureKeyPair::derive(&[5; 32]);
        let context = context();
        let mut wrong = payload(&context);
        wrong.candidate_id = 7;
        assert!(matches!(
            seal(glasgow.public(), &context, &wrong),
            Err(SealError::Payload(_))
        ));
    }

    #[test]
    fn malformed_sealed_records_are_named() {
        let bad = SealedRecord {
            suite: SUITE.into(),
            recipient_key: String::new(),
            enc: URL_SAFE_NO_PAD.encode([1u8; 31]),
            ct: URL_SAFE_NO_PAD.encode([1u8; 40]),
        };
        let err = bad.check().unwrap_err().to_string();
        assert!(err.contains("enc must be 32 bytes"), "{err}");
    }
}
