//! The compact in-memory form of an encoded record: filters as fixed arrays with their
//! popcounts, the check bytes, and every token (match keys and identifiers) reduced to a
//! 32-bit fingerprint, 16 more check bits and a one-byte tag saying which family or scheme
//! and flags it has.
//!
//! The index looks records up by fingerprint, so every 32-bit collision in the population
//! becomes a candidate pair: at a 1M roll and 50k queries, with ~20 tokens each, several
//! hundred. Two tokens are only the same token when the 16 check bits agree too (48 bits in
//! all: about one false agreement in 3·10⁵ such runs); the check costs no memory in a
//! [`Token`] (it fills padding) and two bytes per token in the index.

use std::borrow::Cow;
use std::sync::OnceLock;

use crate::matcher::index::IndexConfig;
use crate::wire::Scheme;
use crate::wire::{EncodedRecord, IdToken};
use crate::wire::{KeyFamily, MatchKey, TOKEN_BYTES};

/// Tag values at or above this are identifier schemes (`ID_TAG_BASE + scheme index`).
pub const ID_TAG_BASE: u8 = 0xF0;

/// One token of a record, reduced: a fingerprint plus what kind of token it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Token {
    /// 32 bits of the token mixed with its family (or scheme).
    pub fingerprint: u32,
    /// 16 further bits of the same mix: tokens with equal fingerprints but different checks
    /// are different tokens (a fingerprint collision).
    pub check: u16,
    /// For match keys, `family code << 4 | flags`; for identifiers, `ID_TAG_BASE + scheme`.
    pub tag: u8,
}

impl Token {
    /// The token of a match key.
    pub fn of_key(key: &MatchKey) -> Token {
        let (fingerprint, check) = fingerprint_and_check(key.family.code(), &key.token);
        Token {
            fingerprint,
            check,
            tag: key.family.code() << 4 | (key.flags & 0x0F),
        }
    }

    /// The token of an identifier.
    pub fn of_id(id: &IdToken) -> Token {
        let scheme = scheme_index(id.scheme);
        let (fingerprint, check) = fingerprint_and_check(ID_TAG_BASE + scheme, &id.token);
        Token {
            fingerprint,
            check,
            tag: ID_TAG_BASE + scheme,
        }
    }

    /// The match-key family, or `None` for an identifier.
    #[inline]
    pub fn family(self) -> Option<KeyFamily> {
        if self.is_identifier() {
            None
        } else {
            KeyFamily::from_code(self.tag >> 4)
        }
    }

    /// The variant flags of a match key (0 for identifiers).
    #[inline]
    pub fn flags(self) -> u8 {
        if self.is_identifier() {
            0
        } else {
            self.tag & 0x0F
        }
    }

    /// Whether this is an identifier token.
    #[inline]
    pub fn is_identifier(self) -> bool {
        self.tag >= ID_TAG_BASE
    }

    /// The identifier scheme, for identifier tokens.
    pub fn scheme(self) -> Option<Scheme> {
        self.is_identifier()
            .then(|| {
                Scheme::ALL
                    .get(usize::from(self.tag - ID_TAG_BASE))
                    .copied()
            })
            .flatten()
    }

    /// What two tokens must share to be the same token: fingerprint and family or scheme.
    #[inline]
    pub fn identity(self) -> (u32, u16, u8) {
        if self.is_identifier() {
            (self.fingerprint, self.check, self.tag)
        } else {
            (self.fingerprint, self.check, self.tag >> 4)
        }
    }
}

fn scheme_index(scheme: Scheme) -> u8 {
    Scheme::ALL
        .iter()
        .position(|s| *s == scheme)
        .expect("every scheme is in Scheme::ALL") as u8
}

/// 48 bits of a token mixed with a domain byte (so tokens of different families never share
/// a fingerprint merely because their HMAC outputs begin alike): the 32-bit fingerprint the
/// index posts, and the 16-bit check that tells a collision from the same token.
#[inline]
pub fn fingerprint_and_check(domain: u8, token: &[u8; TOKEN_BYTES]) -> (u32, u16) {
    let low = u64::from_le_bytes(token[..8].try_into().expect("8 bytes"));
    let mixed = splitmix(low ^ u64::from(domain).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    ((mixed >> 32) as u32, (mixed >> 16) as u16)
}

/// The SplitMix64 finaliser: a cheap, well-mixing 64-bit permutation.
#[inline]
pub fn splitmix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The fixed-size fields of a record the comparison needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompactRecord {
    /// Forename filter (all zero when absent).
    pub forename: [u64; 4],
    /// Surname filter.
    pub surname: [u64; 4],
    /// Names filter.
    pub names: [u64; 8],
    /// Names filter under the record's first identifier.
    pub under_id_names: [u64; 4],
    /// Fingerprint of that identifier's token (see [`Token::of_id`]).
    pub under_id_salt: u32,
    /// Date-of-birth check under that identifier.
    pub under_id_dob: u32,
    /// Popcount of the forename filter.
    pub forename_popcount: u16,
    /// Popcount of the surname filter.
    pub surname_popcount: u16,
    /// Popcount of the names filter (for the length filter).
    pub names_popcount: u16,
    /// Popcount of the names filter under the identifier.
    pub under_id_names_popcount: u16,
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
/// The names filter under the identifier is present.
pub const HAS_UNDER_ID_NAMES: u8 = 32;
/// The date-of-birth check under the identifier is present.
pub const HAS_UNDER_ID_DOB: u8 = 64;

fn popcount<const W: usize>(words: &[u64; W]) -> u16 {
    words.iter().map(|w| w.count_ones() as u16).sum()
}

impl CompactRecord {
    /// Packs an encoded record's filters and checks.
    pub fn from_encoded(record: &EncodedRecord) -> Self {
        let mut present = 0;
        for (cond, bit) in [
            (record.forename_bf.is_some(), HAS_FORENAME),
            (record.surname_bf.is_some(), HAS_SURNAME),
            (record.names_bf.is_some(), HAS_NAMES),
            (record.dob_check.is_some(), HAS_DOB),
            (record.sex_check.is_some(), HAS_SEX),
            (
                record.under_id.is_some_and(|u| u.names.is_some()),
                HAS_UNDER_ID_NAMES,
            ),
            (
                record.under_id.is_some_and(|u| u.dob_check.is_some()),
                HAS_UNDER_ID_DOB,
            ),
        ] {
            if cond {
                present |= bit;
            }
        }
        let forename = record.forename_bf.map(|b| b.0).unwrap_or_default();
        let surname = record.surname_bf.map(|b| b.0).unwrap_or_default();
        let names = record.names_bf.map(|b| b.0).unwrap_or_default();
        let under_id_names = record
            .under_id
            .and_then(|u| u.names)
            .map(|b| b.0)
            .unwrap_or_default();
        CompactRecord {
            forename,
            surname,
            names,
            under_id_names,
            under_id_salt: record
                .under_id
                .map_or(0, |u| Token::of_id(&u.id).fingerprint),
            under_id_dob: record.under_id.and_then(|u| u.dob_check).unwrap_or(0),
            forename_popcount: popcount(&forename),
            surname_popcount: popcount(&surname),
            names_popcount: popcount(&names),
            under_id_names_popcount: popcount(&under_id_names),
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

/// A record's tokens (match keys and identifiers), sorted by fingerprint.
pub fn tokens_of(record: &EncodedRecord) -> Vec<Token> {
    let mut tokens: Vec<Token> = record
        .keys
        .iter()
        .map(Token::of_key)
        .chain(record.ids.iter().map(Token::of_id))
        .collect();
    tokens.sort_unstable();
    // Keys are unique per (family, token) on the wire; keep the lowest flags if not.
    tokens.dedup_by_key(|t| t.identity());
    tokens
}

/// A record ready for the matcher: the fixed part and its tokens.
///
/// The first index that looks the record up or inserts it keeps the record's LSH band keys
/// here, so the hub, which matches each new record and then indexes it, computes them once.
/// `compact` and `tokens` must therefore not change once the record has met an index.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Filters and checks.
    pub compact: CompactRecord,
    /// Tokens, sorted by fingerprint.
    pub tokens: Vec<Token>,
    /// The band keys, with the configuration they were computed under.
    bands: OnceLock<(IndexConfig, Vec<u32>)>,
}

impl PartialEq for Prepared {
    fn eq(&self, other: &Self) -> bool {
        self.compact == other.compact && self.tokens == other.tokens
    }
}

impl Eq for Prepared {}

impl Prepared {
    /// A record of these parts.
    pub fn new(compact: CompactRecord, tokens: Vec<Token>) -> Self {
        Prepared {
            compact,
            tokens,
            bands: OnceLock::new(),
        }
    }

    /// Prepares an encoded record.
    pub fn from_encoded(record: &EncodedRecord) -> Self {
        Prepared::new(CompactRecord::from_encoded(record), tokens_of(record))
    }

    /// The band keys under `config`: those kept from the first index that asked, if it had the
    /// same configuration, else computed by `compute`.
    pub(crate) fn bands_under(
        &self,
        config: &IndexConfig,
        compute: impl Fn(&CompactRecord) -> Vec<u32>,
    ) -> Cow<'_, [u32]> {
        let (kept_under, bands) = self.bands.get_or_init(|| (*config, compute(&self.compact)));
        if kept_under == config {
            Cow::Borrowed(bands)
        } else {
            Cow::Owned(compute(&self.compact))
        }
    }

    /// A borrowed view.
    pub fn view(&self) -> RecordView<'_> {
        RecordView {
            compact: &self.compact,
            tokens: &self.tokens,
        }
    }
}

/// A borrowed record as the comparison sees it (from a [`Prepared`] or from the index).
#[derive(Debug, Clone, Copy)]
pub struct RecordView<'a> {
    /// Filters and checks.
    pub compact: &'a CompactRecord,
    /// Tokens, sorted by fingerprint.
    pub tokens: &'a [Token],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_ignores_flags_but_not_family() {
        let token = [7u8; TOKEN_BYTES];
        let a = Token::of_key(&MatchKey {
            family: KeyFamily::NameDob,
            flags: 1,
            token,
        });
        let b = Token::of_key(&MatchKey {
            family: KeyFamily::NameDob,
            flags: 0,
            token,
        });
        let c = Token::of_key(&MatchKey {
            family: KeyFamily::PhoneticDob,
            flags: 0,
            token,
        });
        assert_eq!(a.identity(), b.identity());
        assert_ne!(a.identity(), c.identity());
        assert_eq!(a.flags(), 1);
        assert_eq!(a.family(), Some(KeyFamily::NameDob));
    }

    #[test]
    fn identifier_tokens_carry_their_scheme() {
        let t = Token::of_id(&IdToken {
            scheme: Scheme::Scn,
            token: [1; TOKEN_BYTES],
        });
        assert!(t.is_identifier());
        assert_eq!(t.scheme(), Some(Scheme::Scn));
        assert_eq!(t.family(), None);
    }
}
