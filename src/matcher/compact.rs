//! The compact in-memory form of an encoded record: filters as fixed arrays with their
//! popcounts, check bytes, and keys packed into `u64`s for fast intersection.

use crate::encode::tokens::{KeyFamily, MatchKey};
use crate::encode::EncodedRecord;

/// A match key packed for the index: family code in the top byte, the first 7 token bytes
/// below (56 bits: collisions among a national population's keys are negligible).
#[inline]
pub fn pack_key(key: &MatchKey) -> u64 {
    let mut bytes = [0u8; 8];
    bytes[0] = key.family.code();
    bytes[1..].copy_from_slice(&key.token[..7]);
    u64::from_be_bytes(bytes)
}

/// The family of a packed key.
#[inline]
pub fn packed_family(packed: u64) -> Option<KeyFamily> {
    KeyFamily::from_code((packed >> 56) as u8)
}

/// An identifier token packed like a key, with a scheme tag in the top byte (0xF0 + scheme).
#[inline]
pub fn pack_id(id: &crate::encode::IdToken) -> u64 {
    let mut bytes = [0u8; 8];
    bytes[0] = 0xF0 + id.scheme as u8;
    bytes[1..].copy_from_slice(&id.token[..7]);
    u64::from_be_bytes(bytes)
}

/// The fields of a record the comparison needs, in fixed-size arrays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompactRecord {
    /// Forename filter (all zero when absent).
    pub forename: [u64; 4],
    /// Surname filter.
    pub surname: [u64; 4],
    /// Names filter.
    pub names: [u64; 8],
    /// Popcount of the names filter (for the length filter).
    pub names_popcount: u32,
    /// Presence bits: see the `HAS_*` constants.
    pub present: u8,
    /// DOB check byte.
    pub dob_check: u8,
    /// Sex check byte.
    pub sex_check: u8,
}

/// The forename filter is present.
pub const HAS_FORENAME: u8 = 1;
/// The surname filter is present.
pub const HAS_SURNAME: u8 = 2;
/// The names filter is present.
pub const HAS_NAMES: u8 = 4;
/// The DOB check is present.
pub const HAS_DOB: u8 = 8;
/// The sex check is present.
pub const HAS_SEX: u8 = 16;

impl CompactRecord {
    /// Packs an encoded record.
    pub fn from_encoded(record: &EncodedRecord) -> Self {
        let mut present = 0;
        let mut flag = |cond: bool, bit: u8| {
            if cond {
                present |= bit;
            }
        };
        flag(record.forename_bf.is_some(), HAS_FORENAME);
        flag(record.surname_bf.is_some(), HAS_SURNAME);
        flag(record.names_bf.is_some(), HAS_NAMES);
        flag(record.dob_check.is_some(), HAS_DOB);
        flag(record.sex_check.is_some(), HAS_SEX);
        let names = record.names_bf.map(|b| b.0).unwrap_or_default();
        CompactRecord {
            forename: record.forename_bf.map(|b| b.0).unwrap_or_default(),
            surname: record.surname_bf.map(|b| b.0).unwrap_or_default(),
            names,
            names_popcount: names.iter().map(|w| w.count_ones()).sum(),
            present,
            dob_check: record.dob_check.unwrap_or(0),
            sex_check: record.sex_check.unwrap_or(0),
        }
    }

    /// Whether a presence bit is set.
    #[inline]
    pub fn has(&self, bit: u8) -> bool {
        self.present & bit != 0
    }
}

/// A record's keys and identifiers, packed and sorted, with each key's flags.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PackedKeys {
    /// Packed match keys, sorted, each with its flags.
    pub keys: Vec<(u64, u8)>,
    /// Packed identifier tokens, sorted.
    pub ids: Vec<u64>,
}

impl PackedKeys {
    /// Packs an encoded record's keys and identifiers.
    pub fn from_encoded(record: &EncodedRecord) -> Self {
        let mut keys: Vec<(u64, u8)> = record.keys.iter().map(|k| (pack_key(k), k.flags)).collect();
        keys.sort_unstable();
        keys.dedup_by_key(|k| k.0);
        let mut ids: Vec<u64> = record.ids.iter().map(pack_id).collect();
        ids.sort_unstable();
        ids.dedup();
        PackedKeys { keys, ids }
    }
}
