//! The hub-side second key layer (protocol.md §7): a keyed transformation the hub applies to
//! every encoding on ingest, with a secret only the hub holds.
//!
//! Tokens are re-keyed with HMAC and filter bits moved by a secret permutation (which keeps
//! Dice exactly, so matching is unaffected). Someone who steals the hub database *and* holds an
//! agreement secret still cannot run a dictionary attack on what is stored without the hub key;
//! see the threat model in protocol.md §9. The hub key lives outside the database.

use std::fmt;
use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::checkpoint::CheckpointSigner;
use crate::keyfile::{
    random_secret, read_secret_file, write_new_secret_file, DerivedKey, KeyError,
};
use crate::store::sealed::AtRestKey;
use crate::store::ChainKey;
use crate::wire::filters::{Bloom, FILTER_BITS, NAMES_FILTER_BITS};
use crate::wire::record::{EncodedRecord, IdToken, UnderId};
use crate::wire::tokens::{MatchKey, TOKEN_BYTES};

#[derive(Serialize, Deserialize)]
struct HubKeyFile {
    format: String,
    created: String,
    secret: String,
}

/// The hub's own secret and the transformations derived from it.
pub struct HubLayer {
    // Prepared HMAC states (the key's inner and outer pads already hashed): each re-keyed
    // token then costs two SHA-256 compressions instead of four.
    token_key: Hmac<Sha256>,
    id_key: Hmac<Sha256>,
    id_dob_key: Hmac<Sha256>,
    forename_perm: Vec<u8>,
    surname_perm: Vec<u8>,
    names_perm: Vec<u16>,
    id_names_perm: Vec<u8>,
    dob_check_perm: Vec<u8>,
    sex_check_perm: Vec<u8>,
    at_rest: AtRestKey,
    audit_chain: ChainKey,
    checkpoint_signer: CheckpointSigner,
}

impl fmt::Debug for HubLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HubLayer([redacted])")
    }
}

/// `0..n` sorted by `(HMAC-SHA256(K, i as u16 BE)[..8] as u64 BE, i)`: a keyed permutation.
fn keyed_permutation(key: &DerivedKey, n: usize) -> Vec<u16> {
    let mut order: Vec<(u64, u16)> = (0..n as u16)
        .map(|i| {
            let digest = key.mac(&[&i.to_be_bytes()]);
            (
                u64::from_be_bytes(digest[..8].try_into().expect("8 bytes")),
                i,
            )
        })
        .collect();
    order.sort_unstable();
    let mut perm = vec![0u16; n];
    // Position i moves to the rank of i in the sorted order.
    for (rank, (_, i)) in order.into_iter().enumerate() {
        perm[usize::from(i)] = rank as u16;
    }
    perm
}

/// A keyed permutation of at most 256 positions, as bytes.
fn keyed_byte_permutation(key: &DerivedKey, n: usize) -> Vec<u8> {
    keyed_permutation(key, n)
        .into_iter()
        .map(|p| u8::try_from(p).expect("n <= 256"))
        .collect()
}

impl HubLayer {
    /// The `format` value of a hub key file.
    pub const FORMAT: &'static str = "pupilmatch-hub-key/1";

    /// Derives the layer from the hub secret: `PRK = HKDF-Extract("pupilmatch/v1/hub", secret)`,
    /// one key per label `hub/token`, `hub/id`, `hub/id-dob`, `hub/perm/forename`, `hub/perm/surname`,
    /// `hub/perm/names`, `hub/perm/id-names`, `hub/perm/dob-check`, `hub/perm/sex-check`,
    /// `hub/at-rest`, `hub/audit-chain` (the audit links' HMAC key) and `hub/audit-signing`
    /// (the Ed25519 seed of audit checkpoints).
    pub fn from_bytes(secret: &[u8; 32]) -> Self {
        let hk = Hkdf::<Sha256>::new(Some(b"pupilmatch/v1/hub"), secret);
        let key = |label: &str| {
            let mut okm = [0u8; 32];
            hk.expand(format!("pupilmatch/v1/{label}").as_bytes(), &mut okm)
                .expect("32 bytes is a valid HKDF-SHA256 output length");
            DerivedKey(okm)
        };
        HubLayer {
            token_key: key("hub/token").hmac(),
            id_key: key("hub/id").hmac(),
            id_dob_key: key("hub/id-dob").hmac(),
            forename_perm: keyed_byte_permutation(&key("hub/perm/forename"), FILTER_BITS),
            surname_perm: keyed_byte_permutation(&key("hub/perm/surname"), FILTER_BITS),
            names_perm: keyed_permutation(&key("hub/perm/names"), NAMES_FILTER_BITS),
            id_names_perm: keyed_byte_permutation(&key("hub/perm/id-names"), FILTER_BITS),
            dob_check_perm: keyed_byte_permutation(&key("hub/perm/dob-check"), 256),
            sex_check_perm: keyed_byte_permutation(&key("hub/perm/sex-check"), 256),
            at_rest: AtRestKey::from_bytes(&key("hub/at-rest").0),
            audit_chain: ChainKey::from_bytes(&key("hub/audit-chain").0),
            checkpoint_signer: CheckpointSigner::from_seed(&key("hub/audit-signing").0),
        }
    }

    /// Reads a hub key file.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let secret = read_secret_file(path, Self::FORMAT)?;
        Ok(Self::from_bytes(secret.expose_secret()))
    }

    /// Loads the hub key at `path`, creating it if absent. Returns the layer and whether the
    /// file was created.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool), KeyError> {
        if path.exists() {
            return Ok((Self::load(path)?, false));
        }
        let secret = random_secret();
        let file = HubKeyFile {
            format: Self::FORMAT.to_string(),
            created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            secret: URL_SAFE_NO_PAD.encode(secret),
        };
        let json = serde_json::to_string_pretty(&file).expect("serialising a key file") + "\n";
        write_new_secret_file(path, &json)?;
        Ok((Self::from_bytes(&secret), true))
    }

    /// The key that seals stored encodings (protocol.md §7.2).
    pub fn at_rest(&self) -> &AtRestKey {
        &self.at_rest
    }

    /// The key of the audit chain's links (protocol.md §14.6).
    pub fn audit_chain_key(&self) -> ChainKey {
        self.audit_chain.clone()
    }

    /// The key that signs audit checkpoints (protocol.md §14.6).
    pub fn checkpoint_signer(&self) -> &CheckpointSigner {
        &self.checkpoint_signer
    }

    /// `u32_be(HMAC(K_hub_id_dob, u32_be(check))[0..4])`: equal checks stay equal.
    fn rekey_check(&self, check: u32) -> u32 {
        let mut mac = self.id_dob_key.clone();
        mac.update(&check.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        u32::from_be_bytes(digest[..4].try_into().expect("4 of 32 bytes"))
    }

    fn rekey(
        &self,
        key: &Hmac<Sha256>,
        tag: &[u8],
        token: &[u8; TOKEN_BYTES],
    ) -> [u8; TOKEN_BYTES] {
        let mut mac = key.clone();
        mac.update(tag);
        mac.update(&[0x1F]);
        mac.update(token);
        mac.finalize().into_bytes()[..TOKEN_BYTES]
            .try_into()
            .expect("16 of 32 bytes")
    }

    fn permute<const W: usize, P: Copy + Into<usize>>(perm: &[P], filter: &Bloom<W>) -> Bloom<W> {
        let mut out = Bloom::<W>::default();
        // Only the set bits move: walk them word by word.
        for (w, &word) in filter.0.iter().enumerate() {
            let mut rest = word;
            while rest != 0 {
                let i = w * 64 + rest.trailing_zeros() as usize;
                rest &= rest - 1;
                out.set(perm[i].into());
            }
        }
        out
    }

    /// The stored form of a submitted record (protocol.md §7):
    /// match key token → `HMAC(K_hub_token, family_code ‖ 0x1F ‖ token)[..16]`,
    /// identifier token → `HMAC(K_hub_id, scheme ‖ 0x1F ‖ token)[..16]`,
    /// filters and check bytes → their keyed permutations. Flags and the reference are kept.
    pub fn apply(&self, record: &EncodedRecord) -> EncodedRecord {
        let mut keys: Vec<MatchKey> = record
            .keys
            .iter()
            .map(|k| MatchKey {
                family: k.family,
                flags: k.flags,
                token: self.rekey(&self.token_key, &[k.family.code()], &k.token),
            })
            .collect();
        keys.sort_by_key(|k| (k.family, k.token));
        let rekey_id = |id: &IdToken| IdToken {
            scheme: id.scheme,
            token: self.rekey(&self.id_key, id.scheme.as_str().as_bytes(), &id.token),
        };
        let mut ids: Vec<IdToken> = record.ids.iter().map(rekey_id).collect();
        ids.sort();
        EncodedRecord {
            record_ref: record.record_ref.clone(),
            keys,
            ids,
            forename_bf: record
                .forename_bf
                .map(|f| Self::permute(&self.forename_perm, &f)),
            surname_bf: record
                .surname_bf
                .map(|f| Self::permute(&self.surname_perm, &f)),
            names_bf: record.names_bf.map(|f| Self::permute(&self.names_perm, &f)),
            under_id: record.under_id.map(|u| UnderId {
                id: rekey_id(&u.id),
                names: u.names.map(|f| Self::permute(&self.id_names_perm, &f)),
                dob_check: u.dob_check.map(|c| self.rekey_check(c)),
            }),
            dob_check: record
                .dob_check
                .map(|c| self.dob_check_perm[usize::from(c)]),
            sex_check: record
                .sex_check
                .map(|c| self.sex_check_perm[usize::from(c)]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::bloom::{encode_name, BloomField};
    use crate::encode::keys::{AgreementSecret, KeyPurpose, KeySchedule};

    #[test]
    fn permutations_are_bijections() {
        let layer = HubLayer::from_bytes(&[1; 32]);
        for perm in [&layer.forename_perm, &layer.dob_check_perm] {
            let mut seen = perm.clone();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), perm.len());
        }
    }

    #[test]
    fn the_layer_preserves_dice_exactly() {
        let schedule = KeySchedule::new(&AgreementSecret::from_bytes("t", 1, [2; 32]).unwrap());
        let key = schedule.key(KeyPurpose::Bloom(BloomField::Surname));
        let a = encode_name(&key, "2014-03-07", "kowalska");
        let b = encode_name(&key, "2014-03-07", "kowalski");
        let layer = HubLayer::from_bytes(&[4; 32]);
        let (pa, pb) = (
            HubLayer::permute(&layer.surname_perm, &a),
            HubLayer::permute(&layer.surname_perm, &b),
        );
        assert_eq!(pa.dice(&pb), a.dice(&b));
        assert_ne!(pa, a);
    }

    #[test]
    fn different_hub_keys_give_unrelated_stored_tokens() {
        let token = [7u8; TOKEN_BYTES];
        let one = HubLayer::from_bytes(&[1; 32]);
        let two = HubLayer::from_bytes(&[2; 32]);
        assert_ne!(
            one.rekey(&one.token_key, &[1], &token),
            two.rekey(&two.token_key, &[1], &token)
        );
    }
}
