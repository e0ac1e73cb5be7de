//! The compact form in which the hub stores a hub-layer encoding (`records.encoding`), so that
//! writing a million records and reading them back at start costs bytes copied, not JSON
//! parsed. It is internal to the hub's database, never on the wire: `p1:` followed by the
//! base64url (no padding) of
//!
//! ```text
//! u8 presence (1 fbf, 2 sbf, 4 nbf, 8 dc, 16 sc, 32 uid.nbf, 64 uid.dc) ‖ u8 len ‖ ref ‖
//! u16_le n_keys ‖ n_keys × (u8 family code ‖ u8 flags ‖ 16-byte token) ‖
//! u8 n_ids ‖ n_ids × (u8 scheme index ‖ 16-byte token) ‖
//! [32-byte fbf] ‖ [32-byte sbf] ‖ [64-byte nbf] ‖ [u8 dc] ‖ [u8 sc] ‖
//! [u8 index in ids of uid.id] ‖ [32-byte uid.nbf] ‖ [u32_le uid.dc]
//! ```
//!
//! with filters in their wire byte order (protocol.md §5.5). Since protocol 4 the hub stores
//! these bytes only sealed ([`super::sealed`]); the `p1:` text and the wire JSON (protocol.md
//! §6.2) of rows written by older hubs are read by [`unpack`] so that they can be sealed.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::wire::Bloom;
use crate::wire::Scheme;
use crate::wire::UnderId;
use crate::wire::{EncodedRecord, IdToken};
use crate::wire::{KeyFamily, MatchKey, TOKEN_BYTES};

const PREFIX: &str = "p1:";

const FBF: u8 = 1;
const SBF: u8 = 2;
const NBF: u8 = 4;
const DC: u8 = 8;
const SC: u8 = 16;
const UID_NBF: u8 = 32;
const UID_DC: u8 = 64;

/// The stored text of an encoding in the unsealed packed form (rows written before encodings
/// were sealed, and the tests that read them).
pub fn pack(record: &EncodedRecord) -> String {
    let bytes = pack_bytes(record);
    let mut text = String::with_capacity(PREFIX.len() + bytes.len() * 4 / 3 + 4);
    text.push_str(PREFIX);
    URL_SAFE_NO_PAD.encode_string(&bytes, &mut text);
    text
}

/// The packed bytes of an encoding (what [`super::sealed`] encrypts).
pub fn pack_bytes(record: &EncodedRecord) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(
        4 + record.record_ref.len() + record.keys.len() * 18 + record.ids.len() * 17 + 130,
    );
    let presence = [
        (record.forename_bf.is_some(), FBF),
        (record.surname_bf.is_some(), SBF),
        (record.names_bf.is_some(), NBF),
        (record.dob_check.is_some(), DC),
        (record.sex_check.is_some(), SC),
        (
            under_id_at(record).is_some() && has_uid(record, |u| u.names.is_some()),
            UID_NBF,
        ),
        (
            under_id_at(record).is_some() && has_uid(record, |u| u.dob_check.is_some()),
            UID_DC,
        ),
    ]
    .iter()
    .filter(|(present, _)| *present)
    .fold(0u8, |bits, (_, bit)| bits | bit);
    bytes.push(presence);
    let record_ref = record.record_ref.as_bytes();
    bytes.push(record_ref.len().min(255) as u8);
    bytes.extend_from_slice(&record_ref[..record_ref.len().min(255)]);
    let n_keys = record.keys.len().min(usize::from(u16::MAX));
    bytes.extend_from_slice(&(n_keys as u16).to_le_bytes());
    for key in &record.keys[..n_keys] {
        bytes.push(key.family.code());
        bytes.push(key.flags);
        bytes.extend_from_slice(&key.token);
    }
    let n_ids = record.ids.len().min(255);
    bytes.push(n_ids as u8);
    for id in &record.ids[..n_ids] {
        let scheme = Scheme::ALL
            .iter()
            .position(|s| *s == id.scheme)
            .unwrap_or(0);
        bytes.push(scheme as u8);
        bytes.extend_from_slice(&id.token);
    }
    for words in [
        record.forename_bf.map(|b| b.0.to_vec()),
        record.surname_bf.map(|b| b.0.to_vec()),
        record.names_bf.map(|b| b.0.to_vec()),
    ]
    .into_iter()
    .flatten()
    {
        for word in words {
            bytes.extend_from_slice(&word.to_le_bytes());
        }
    }
    bytes.extend(record.dob_check);
    bytes.extend(record.sex_check);
    if let (Some(at), Some(under)) = (under_id_at(record), record.under_id) {
        bytes.push(at as u8);
        for word in under.names.map(|b| b.0).into_iter().flatten() {
            bytes.extend_from_slice(&word.to_le_bytes());
        }
        if let Some(check) = under.dob_check {
            bytes.extend_from_slice(&check.to_le_bytes());
        }
    }
    bytes
}

/// Where the identifier of `under_id` sits in the stored `ids` (validation has made sure it
/// is one of them).
fn under_id_at(record: &EncodedRecord) -> Option<usize> {
    let under = record.under_id?;
    record.ids[..record.ids.len().min(255)]
        .iter()
        .position(|id| *id == under.id)
}

fn has_uid(record: &EncodedRecord, part: impl Fn(&UnderId) -> bool) -> bool {
    record.under_id.as_ref().is_some_and(part)
}

/// Reads a stored encoding: the packed form, or the wire JSON of older rows.
pub fn unpack(text: &str) -> Result<EncodedRecord, String> {
    let Some(packed) = text.strip_prefix(PREFIX) else {
        return serde_json::from_str(text).map_err(|e| format!("stored JSON encoding: {e}"));
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(packed)
        .map_err(|e| format!("packed encoding: {e}"))?;
    unpack_bytes(&bytes)
}

/// Reads packed bytes ([`pack_bytes`]).
pub fn unpack_bytes(bytes: &[u8]) -> Result<EncodedRecord, String> {
    let mut r = Reader { bytes, at: 0 };
    let presence = r.u8()?;
    let ref_len = usize::from(r.u8()?);
    let record_ref = String::from_utf8(r.take(ref_len)?.to_vec())
        .map_err(|_| "packed encoding: reference is not UTF-8".to_string())?;
    let n_keys = u16::from_le_bytes([r.u8()?, r.u8()?]);
    let mut keys = Vec::with_capacity(usize::from(n_keys));
    for _ in 0..n_keys {
        let family = KeyFamily::from_code(r.u8()?)
            .ok_or_else(|| "packed encoding: unknown key family".to_string())?;
        let flags = r.u8()?;
        keys.push(MatchKey {
            family,
            flags,
            token: r.token()?,
        });
    }
    let n_ids = r.u8()?;
    let mut ids = Vec::with_capacity(usize::from(n_ids));
    for _ in 0..n_ids {
        let scheme = *Scheme::ALL
            .get(usize::from(r.u8()?))
            .ok_or_else(|| "packed encoding: unknown identifier scheme".to_string())?;
        ids.push(IdToken {
            scheme,
            token: r.token()?,
        });
    }
    let forename_bf = (presence & FBF != 0).then(|| r.bloom::<4>()).transpose()?;
    let surname_bf = (presence & SBF != 0).then(|| r.bloom::<4>()).transpose()?;
    let names_bf = (presence & NBF != 0).then(|| r.bloom::<8>()).transpose()?;
    let dob_check = (presence & DC != 0).then(|| r.u8()).transpose()?;
    let sex_check = (presence & SC != 0).then(|| r.u8()).transpose()?;
    let under_id = if presence & (UID_NBF | UID_DC) != 0 {
        let id = *ids
            .get(usize::from(r.u8()?))
            .ok_or_else(|| "packed encoding: `uid` of no identifier".to_string())?;
        let names = (presence & UID_NBF != 0)
            .then(|| r.bloom::<4>())
            .transpose()?;
        let dob_check = (presence & UID_DC != 0)
            .then(|| Ok::<_, String>(u32::from_le_bytes(r.take(4)?.try_into().expect("4 bytes"))))
            .transpose()?;
        Some(UnderId {
            id,
            names,
            dob_check,
        })
    } else {
        None
    };
    if r.at != bytes.len() {
        return Err("packed encoding: trailing bytes".into());
    }
    Ok(EncodedRecord {
        record_ref,
        keys,
        ids,
        forename_bf,
        surname_bf,
        names_bf,
        under_id,
        dob_check,
        sex_check,
    })
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let slice = self
            .bytes
            .get(self.at..self.at + n)
            .ok_or_else(|| "packed encoding: truncated".to_string())?;
        self.at += n;
        Ok(slice)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn token(&mut self) -> Result<[u8; TOKEN_BYTES], String> {
        let mut token = [0u8; TOKEN_BYTES];
        token.copy_from_slice(self.take(TOKEN_BYTES)?);
        Ok(token)
    }

    fn bloom<const W: usize>(&mut self) -> Result<Bloom<W>, String> {
        let mut words = [0u64; W];
        for word in &mut words {
            let mut le = [0u8; 8];
            le.copy_from_slice(self.take(8)?);
            *word = u64::from_le_bytes(le);
        }
        Ok(Bloom(words))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::{AgreementSecret, Encoder, LocalKey, PupilRecord};
    use crate::input::RawRecord;

    fn encoded(upn: Option<&str>, sex: Option<&str>) -> EncodedRecord {
        let encoder = Encoder::new(
            &AgreementSecret::from_bytes("packed-test", 1, [3; 32]).unwrap(),
            LocalKey::from_bytes([4; 32]),
        );
        let raw = RawRecord {
            record_id: Some("R-1".into()),
            forename: Some("Aoife Máire".into()),
            surname: Some("Ní Bhraonáin".into()),
            dob: Some("2012-11-30".into()),
            sex: sex.map(Into::into),
            upn: upn.map(Into::into),
            ..RawRecord::default()
        };
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        encoder.encode(&PupilRecord::from_raw(&raw, today).unwrap().record)
    }

    #[test]
    fn packed_encodings_round_trip_and_are_smaller_than_json() {
        let with_uid = encoded(Some("H801200001001"), Some("F"));
        assert!(with_uid
            .under_id
            .is_some_and(|u| u.names.is_some() && u.dob_check.is_some()));
        let mut names_only = with_uid.clone();
        names_only.under_id = names_only.under_id.map(|u| UnderId {
            dob_check: None,
            ..u
        });
        assert_eq!(unpack(&pack(&names_only)).unwrap(), names_only);
        for record in [
            encoded(Some("H801200001001"), Some("F")),
            encoded(None, None),
        ] {
            let packed = pack(&record);
            assert!(packed.starts_with("p1:"));
            assert_eq!(unpack(&packed).unwrap(), record);
            let json = serde_json::to_string(&record).unwrap();
            assert!(
                packed.len() < json.len(),
                "{} < {}",
                packed.len(),
                json.len()
            );
        }
    }

    #[test]
    fn rows_holding_wire_json_still_read() {
        let record = encoded(None, Some("F"));
        let json = serde_json::to_string(&record).unwrap();
        assert_eq!(unpack(&json).unwrap(), record);
    }

    #[test]
    fn damaged_packed_text_is_an_error_not_a_panic() {
        let packed = pack(&encoded(None, Some("M")));
        assert!(unpack(&packed[..packed.len() - 3]).is_err());
        assert!(unpack("p1:!!").is_err());
        let mut extra = packed.clone();
        extra.push_str("AA");
        assert!(unpack(&extra).is_err());
    }
}
