//! Encodings sealed at rest (protocol.md §7.2): what the `records.encoding` column holds.
//!
//! Every stored encoding is the packed hub-layer form ([`super::packed`]) encrypted with
//! AES-256-GCM under a key derived from the hub key, with a fresh random nonce, and bound to
//! its row (authority, agreement, epoch, role, reference) as associated data. The text is
//!
//! ```text
//! "s1:" ‖ base64url(nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes))
//! ```
//!
//! So a copy of the database holds no value that is comparable across records: two records
//! with the same names, date of birth or filter bits have unrelated stored texts, and neither
//! an agreement secret nor an authority's own submitted records help decode them. Moving a
//! sealed text to another row fails authentication. Only the hub, holding the hub key, opens
//! them (into memory, at start and on ingest).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};

use super::model::Role;
use super::packed::{pack_bytes, unpack, unpack_bytes};
use crate::wire::EncodedRecord;

/// The prefix of a sealed encoding.
pub const SEALED_PREFIX: &str = "s1:";

/// The domain-separation label that starts every row binding.
const BINDING_LABEL: &[u8] = b"pupilmatch/v4/record";

/// The row a sealed encoding belongs to; its fields are the associated data of the seal.
#[derive(Debug, Clone, Copy)]
pub struct RowIdentity<'a> {
    /// The submitting authority's code.
    pub authority: &'a str,
    /// The agreement the record was encoded under.
    pub agreement: &'a str,
    /// The key epoch.
    pub epoch: u32,
    /// Missing or roll.
    pub role: Role,
    /// The record's opaque reference.
    pub record_ref: &'a str,
}

impl RowIdentity<'_> {
    /// `"pupilmatch/v4/record" ‖ 0x00 ‖ authority ‖ 0x1F ‖ agreement ‖ 0x1F ‖ u32_be(epoch) ‖
    /// 0x1F ‖ role ‖ 0x1F ‖ ref`.
    fn associated_data(&self) -> Vec<u8> {
        let mut aad = Vec::with_capacity(
            BINDING_LABEL.len() + self.authority.len() + self.agreement.len() + 40,
        );
        aad.extend_from_slice(BINDING_LABEL);
        aad.push(0x00);
        for (i, part) in [
            self.authority.as_bytes(),
            self.agreement.as_bytes(),
            &self.epoch.to_be_bytes(),
            self.role.as_str().as_bytes(),
            self.record_ref.as_bytes(),
        ]
        .into_iter()
        .enumerate()
        {
            if i > 0 {
                aad.push(0x1F);
            }
            aad.extend_from_slice(part);
        }
        aad
    }
}

/// Why a stored encoding could not be opened.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    /// The text is in a form written before encodings were sealed (packed or wire JSON); the
    /// hub re-seals such rows at start ([`open_or_legacy`]).
    #[error("the stored encoding is not sealed")]
    NotSealed,
    /// The text is not valid base64url or is too short to hold a nonce and a tag.
    #[error("the sealed encoding is malformed: {0}")]
    Malformed(String),
    /// Authentication failed: another hub key, another row's text, or a changed byte.
    #[error("the sealed encoding does not open with this hub key for this row")]
    Unauthentic,
    /// It opened, but what it holds is not a packed encoding.
    #[error("the sealed encoding holds no valid packed encoding: {0}")]
    Damaged(String),
}

/// The hub's at-rest key (derived from the hub key as `H(hub/at-rest)`, protocol.md §7).
pub struct AtRestKey(LessSafeKey);

impl std::fmt::Debug for AtRestKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AtRestKey([redacted])")
    }
}

impl AtRestKey {
    /// The AES-256-GCM key of these 32 bytes.
    pub fn from_bytes(key: &[u8; 32]) -> Self {
        let unbound = UnboundKey::new(&AES_256_GCM, key).expect("32 bytes is an AES-256 key");
        AtRestKey(LessSafeKey::new(unbound))
    }

    /// The stored text of `record` in `row`, under a fresh random nonce.
    pub fn seal(&self, row: &RowIdentity<'_>, record: &EncodedRecord) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        // Random 96-bit nonces: a national hub stores some 10^7 records per key, far below
        // the 2^32 seals per key at which a repeated nonce becomes a concern.
        rand::thread_rng().fill_bytes(&mut nonce);
        let mut bytes = pack_bytes(record);
        bytes.reserve(NONCE_LEN + AES_256_GCM.tag_len());
        self.0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(row.associated_data()),
                &mut bytes,
            )
            .expect("a packed encoding is far below AES-GCM's message limit");
        let mut sealed = Vec::with_capacity(NONCE_LEN + bytes.len());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&bytes);
        let mut text = String::with_capacity(SEALED_PREFIX.len() + sealed.len() * 4 / 3 + 4);
        text.push_str(SEALED_PREFIX);
        URL_SAFE_NO_PAD.encode_string(&sealed, &mut text);
        text
    }

    /// Opens the stored text of `row`.
    pub fn open(&self, row: &RowIdentity<'_>, text: &str) -> Result<EncodedRecord, SealError> {
        let body = text
            .strip_prefix(SEALED_PREFIX)
            .ok_or(SealError::NotSealed)?;
        let mut bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|e| SealError::Malformed(e.to_string()))?;
        if bytes.len() < NONCE_LEN + AES_256_GCM.tag_len() {
            return Err(SealError::Malformed(format!("{} bytes", bytes.len())));
        }
        let mut ciphertext = bytes.split_off(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(&bytes)
            .map_err(|_| SealError::Malformed("nonce".into()))?;
        let plain = self
            .0
            .open_in_place(nonce, Aad::from(row.associated_data()), &mut ciphertext)
            .map_err(|_| SealError::Unauthentic)?;
        unpack_bytes(plain).map_err(SealError::Damaged)
    }
}

/// Opens a sealed text, or reads one written before sealing existed. The flag says whether
/// the row still has to be sealed.
pub fn open_or_legacy(
    key: &AtRestKey,
    row: &RowIdentity<'_>,
    text: &str,
) -> Result<(EncodedRecord, bool), SealError> {
    match key.open(row, text) {
        Ok(record) => Ok((record, false)),
        Err(SealError::NotSealed) => unpack(text)
            .map(|record| (record, true))
            .map_err(SealError::Damaged),
        Err(e) => Err(e),
    }
}

/// Whether a stored text is sealed.
pub fn is_sealed(text: &str) -> bool {
    text.starts_with(SEALED_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::bloom::Bloom;

    fn record(r: &str) -> EncodedRecord {
        let mut names = Bloom::<8>::default();
        for bit in [3, 77, 400] {
            names.set(bit);
        }
        EncodedRecord {
            record_ref: r.into(),
            keys: Vec::new(),
            ids: Vec::new(),
            forename_bf: None,
            surname_bf: None,
            names_bf: Some(names),
            under_id: None,
            dob_check: Some(17),
            sex_check: Some(201),
        }
    }

    fn row(r: &str) -> RowIdentity<'_> {
        RowIdentity {
            authority: "383",
            agreement: "eng-scot-cme",
            epoch: 1,
            role: Role::Roll,
            record_ref: r,
        }
    }

    #[test]
    fn a_sealed_encoding_opens_to_what_was_sealed() {
        let key = AtRestKey::from_bytes(&[9; 32]);
        let sealed = key.seal(&row("a"), &record("a"));
        assert!(is_sealed(&sealed));
        assert_eq!(key.open(&row("a"), &sealed).unwrap(), record("a"));
    }

    #[test]
    fn equal_encodings_are_stored_as_unrelated_texts() {
        let key = AtRestKey::from_bytes(&[9; 32]);
        let one = key.seal(&row("a"), &record("a"));
        let two = key.seal(&row("a"), &record("a"));
        assert_ne!(one, two);
        let common_prefix = one
            .bytes()
            .zip(two.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        assert_eq!(
            common_prefix,
            SEALED_PREFIX.len(),
            "only the prefix is shared"
        );
    }

    #[test]
    fn a_sealed_text_moved_to_another_row_does_not_open() {
        let key = AtRestKey::from_bytes(&[9; 32]);
        let sealed = key.seal(&row("a"), &record("a"));
        assert_eq!(key.open(&row("b"), &sealed), Err(SealError::Unauthentic));
        let other_epoch = RowIdentity {
            epoch: 2,
            ..row("a")
        };
        assert_eq!(key.open(&other_epoch, &sealed), Err(SealError::Unauthentic));
        let other_role = RowIdentity {
            role: Role::Missing,
            ..row("a")
        };
        assert_eq!(key.open(&other_role, &sealed), Err(SealError::Unauthentic));
    }

    #[test]
    fn another_hub_key_or_a_changed_byte_does_not_open() {
        let key = AtRestKey::from_bytes(&[9; 32]);
        let sealed = key.seal(&row("a"), &record("a"));
        assert_eq!(
            AtRestKey::from_bytes(&[8; 32]).open(&row("a"), &sealed),
            Err(SealError::Unauthentic)
        );
        let mut bytes = URL_SAFE_NO_PAD
            .decode(sealed.strip_prefix(SEALED_PREFIX).unwrap())
            .unwrap();
        bytes[20] ^= 1;
        let changed = format!("{SEALED_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
        assert_eq!(key.open(&row("a"), &changed), Err(SealError::Unauthentic));
        assert!(matches!(
            key.open(&row("a"), "s1:AAAA"),
            Err(SealError::Malformed(_))
        ));
    }

    #[test]
    fn rows_written_before_sealing_are_read_and_flagged_for_sealing() {
        let key = AtRestKey::from_bytes(&[9; 32]);
        let legacy = super::super::packed::pack(&record("a"));
        assert_eq!(key.open(&row("a"), &legacy), Err(SealError::NotSealed));
        assert_eq!(
            open_or_legacy(&key, &row("a"), &legacy).unwrap(),
            (record("a"), true)
        );
        let sealed = key.seal(&row("a"), &record("a"));
        assert_eq!(
            open_or_legacy(&key, &row("a"), &sealed).unwrap(),
            (record("a"), false)
        );
    }
}
