//! The encoded record: all the hub ever receives about a child (protocol.md §6.2) — an opaque
//! reference, match keys, identifier tokens, salted name filters and two one-byte checks — and
//! the header line of an encoded file (§6.1).

use serde::{Deserialize, Serialize};

use crate::wire::filters::{NameBloom, NamesBloom};
use crate::wire::scheme::Scheme;
use crate::wire::tokens::{MatchKey, TOKEN_BYTES};

/// The protocol version this crate speaks.
pub const PROTOCOL_VERSION: u32 = 7;

/// An identifier token: `HMAC-SHA256(K_id_scheme, canonical)[..16]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdToken {
    /// The scheme; tokens of different schemes never match.
    pub scheme: Scheme,
    /// The token.
    pub token: [u8; TOKEN_BYTES],
}

/// What a record says *under one of its identifiers* (protocol.md §5.4): a filter of both
/// names and a date-of-birth check, each salted by that identifier, so that two records
/// compare them only when they hold it in common. They say whether the names and the date
/// agree when a DOB error, a missing DOB or a misspelling leaves the DOB-salted encodings
/// incomparable; a salt almost unique to each child gives frequency attacks nothing to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnderId {
    /// The identifier whose canonical form salts the rest (one of the record's `ids`).
    pub id: IdToken,
    /// Both names, salted by the identifier; absent without any name.
    #[serde(rename = "nbf", default, skip_serializing_if = "Option::is_none")]
    pub names: Option<NameBloom>,
    /// `u32_be(HMAC(K_id_dob_check, salt ‖ 0x1F ‖ dob_salt)[0..4])`; absent without a DOB.
    #[serde(rename = "dc", default, skip_serializing_if = "Option::is_none")]
    pub dob_check: Option<u32>,
}

/// Everything the hub receives about one pupil (protocol.md §6.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncodedRecord {
    /// Opaque reference, mapped back only by the submitting authority.
    #[serde(rename = "ref")]
    pub record_ref: String,
    /// Composite match keys, sorted by family then token.
    pub keys: Vec<MatchKey>,
    /// Identifier tokens, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<IdToken>,
    /// Forename filter salted by the DOB salt; absent without a forename or a DOB.
    #[serde(rename = "fbf", default, skip_serializing_if = "Option::is_none")]
    pub forename_bf: Option<NameBloom>,
    /// Surname filter salted by the DOB salt; absent without a surname or a DOB.
    #[serde(rename = "sbf", default, skip_serializing_if = "Option::is_none")]
    pub surname_bf: Option<NameBloom>,
    /// Record-level filter of both names salted by the year of birth; absent without a DOB or
    /// without any name.
    #[serde(rename = "nbf", default, skip_serializing_if = "Option::is_none")]
    pub names_bf: Option<NamesBloom>,
    /// Names and date of birth salted by the record's first identifier; absent without an
    /// identifier, or with neither a name nor a DOB.
    #[serde(rename = "uid", default, skip_serializing_if = "Option::is_none")]
    pub under_id: Option<UnderId>,
    /// `HMAC(K_dob_check, dob_salt)[0]`: equal for records whose DOB salts agree; absent
    /// without a DOB.
    #[serde(rename = "dc", default, skip_serializing_if = "Option::is_none")]
    pub dob_check: Option<u8>,
    /// `HMAC(K_sex_check, sex ‖ 0x1F ‖ dob_salt)[0]`, absent when sex is unknown.
    #[serde(rename = "sc", default, skip_serializing_if = "Option::is_none")]
    pub sex_check: Option<u8>,
}

/// The first line of an encoded JSONL file (protocol.md §6.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncodedHeader {
    /// Always `pupilmatch-encoded`.
    pub format: String,
    /// Protocol version.
    pub protocol: u32,
    /// The agreement the keys belong to.
    pub agreement_id: String,
    /// The key epoch.
    pub epoch: u32,
    /// Digest of the bundled name tables used for group keys.
    pub names_tables: String,
    /// The authority code, when the input named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
}

impl EncodedHeader {
    /// The `format` value.
    pub const FORMAT: &'static str = "pupilmatch-encoded";
}
