//! The encoded record, the [`Encoder`] that produces it, and its wire form (protocol.md §6).
//!
//! An [`EncodedRecord`] is all the hub ever receives about a child: an opaque reference, match
//! keys, identifier tokens, salted name filters and two one-byte checks.

use std::fmt;
use std::str::FromStr;

use chrono::Datelike;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::encode::bloom::{
    encode_id_names, encode_name, encode_names, id_names_salt, Bloom, BloomField, NameBloom,
    NamesBloom,
};
use crate::encode::identifiers::{Identifier, Scheme};
use crate::encode::keys::{AgreementSecret, DerivedKey, KeyPurpose, KeySchedule, LocalKey};
use crate::encode::record::{dob_salt, PupilRecord};
use crate::encode::tokens::{flags, KeyFamily, MatchKey, TokenKeys, TOKEN_BYTES};

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

    /// The header for files encoded under `secret` with this build's tables.
    pub fn new(secret: &AgreementSecret, authority: Option<String>) -> Self {
        EncodedHeader {
            format: Self::FORMAT.to_string(),
            protocol: PROTOCOL_VERSION,
            agreement_id: secret.agreement_id().to_string(),
            epoch: secret.epoch(),
            names_tables: crate::encode::names::tables_digest().to_string(),
            authority,
        }
    }
}

/// Turns validated records into encodings under one agreement's keys and one authority's
/// local key. Cheap to share across threads.
pub struct Encoder {
    agreement_id: String,
    epoch: u32,
    tokens: TokenKeys,
    ids: Vec<(Scheme, DerivedKey)>,
    forename_bloom: DerivedKey,
    surname_bloom: DerivedKey,
    names_bloom: DerivedKey,
    id_names_bloom: DerivedKey,
    id_dob_check: DerivedKey,
    dob_check: DerivedKey,
    sex_check: DerivedKey,
    local: LocalKey,
}

impl fmt::Debug for Encoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Encoder")
            .field("agreement_id", &self.agreement_id)
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}

impl Encoder {
    /// Derives every key once.
    pub fn new(secret: &AgreementSecret, local: LocalKey) -> Self {
        let schedule = KeySchedule::new(secret);
        Encoder {
            agreement_id: secret.agreement_id().to_string(),
            epoch: secret.epoch(),
            tokens: TokenKeys::derive(&schedule),
            ids: Scheme::ALL
                .into_iter()
                .map(|s| (s, schedule.key(KeyPurpose::Identifier(s))))
                .collect(),
            forename_bloom: schedule.key(KeyPurpose::Bloom(BloomField::Forename)),
            surname_bloom: schedule.key(KeyPurpose::Bloom(BloomField::Surname)),
            names_bloom: schedule.key(KeyPurpose::Bloom(BloomField::Names)),
            id_names_bloom: schedule.key(KeyPurpose::Bloom(BloomField::IdNames)),
            id_dob_check: schedule.key(KeyPurpose::IdDobCheck),
            dob_check: schedule.key(KeyPurpose::DobCheck),
            sex_check: schedule.key(KeyPurpose::SexCheck),
            local,
        }
    }

    /// The agreement of the keys.
    pub fn agreement_id(&self) -> &str {
        &self.agreement_id
    }

    /// The key epoch.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The opaque reference for a local record id.
    pub fn record_ref(&self, record_id: &str) -> String {
        self.local.record_ref(record_id)
    }

    /// Encodes one validated record (protocol.md §4–§6).
    pub fn encode(&self, record: &PupilRecord) -> EncodedRecord {
        let id_token = |id: &Identifier| {
            let key = &self
                .ids
                .iter()
                .find(|(s, _)| *s == id.scheme())
                .expect("every scheme has a key")
                .1;
            IdToken {
                scheme: id.scheme(),
                token: key.mac(&[id.canonical().as_bytes()])[..TOKEN_BYTES]
                    .try_into()
                    .expect("16 of 32 bytes"),
            }
        };
        let mut ids: Vec<IdToken> = record.identifiers.iter().map(id_token).collect();
        ids.sort();
        ids.dedup();
        let salt = record.dob.map(dob_salt);
        // The names filter needs only the year: an impossible date's usable year will do (§5.3).
        let year = record
            .dob
            .map(|d| d.year())
            .or_else(|| record.dob_parts.and_then(|p| p.year))
            .map(|y| format!("{y:04}"));
        let forename = record.forename.as_ref().map(|f| f.full.as_str());
        let surname = record.surname.as_ref().map(|s| s.full.as_str());
        // Each field filter is salted by the DOB salt *and the other name's Soundex code*
        // (protocol.md §5.2): a filter of one name under the DOB salt alone is shared by every
        // child with that name born on those dates, ~36 children for the commonest forename
        // nationally, and frequency alignment recovers the name.
        let forename_soundex = record.forename.as_ref().map(|f| f.soundex());
        let surname_soundex = record.surname.as_ref().map(|s| s.soundex());
        let field_bf = |key: &DerivedKey, name: Option<&str>, other: Option<&String>| {
            Some(encode_name(
                key,
                &filter_salt(salt.as_deref()?, other?),
                name?,
            ))
        };
        EncodedRecord {
            record_ref: self.local.record_ref(&record.record_id),
            keys: self.tokens.match_keys(record),
            ids,
            forename_bf: field_bf(&self.forename_bloom, forename, surname_soundex.as_ref()),
            surname_bf: field_bf(&self.surname_bloom, surname, forename_soundex.as_ref()),
            names_bf: match (&year, forename, surname) {
                (Some(_), None, None) | (None, _, _) => None,
                (Some(year), f, s) => Some(encode_names(
                    &self.names_bloom,
                    year,
                    f.unwrap_or(""),
                    s.unwrap_or(""),
                )),
            },
            under_id: record.identifiers.first().and_then(|id| {
                let id_salt = id_names_salt(id.scheme().as_str(), id.canonical());
                let names = match (forename, surname) {
                    (None, None) => None,
                    (f, s) => Some(encode_id_names(
                        &self.id_names_bloom,
                        &id_salt,
                        f.unwrap_or(""),
                        s.unwrap_or(""),
                    )),
                };
                let dob_check = salt.as_ref().map(|dob| {
                    let mac = self
                        .id_dob_check
                        .mac(&[id_salt.as_bytes(), &[0x1F], dob.as_bytes()]);
                    u32::from_be_bytes(mac[..4].try_into().expect("4 of 32 bytes"))
                });
                (names.is_some() || dob_check.is_some()).then(|| UnderId {
                    id: id_token(id),
                    names,
                    dob_check,
                })
            }),
            dob_check: salt
                .as_ref()
                .map(|s| self.dob_check.mac(&[s.as_bytes()])[0]),
            sex_check: match (record.sex, &salt) {
                (Some(sex), Some(salt)) => Some(
                    self.sex_check
                        .mac(&[sex.code().as_bytes(), &[0x1F], salt.as_bytes()])[0],
                ),
                _ => None,
            },
        }
    }
}

/// The salt of a field filter (protocol.md §5.2): the DOB salt, 0x1F, and the Soundex code of
/// the *other* name (the surname's for the forename filter, the forename's for the surname
/// filter).
///
/// ```
/// use pupilmatch::encode::encoded::filter_salt;
/// assert_eq!(filter_salt("2014-03-07", "B650"), "2014-03-07\u{1f}B650");
/// ```
pub fn filter_salt(dob_salt: &str, other_name_soundex: &str) -> String {
    format!("{dob_salt}\u{1f}{other_name_soundex}")
}

// ---- Wire forms (protocol.md §6.2) ----

/// Why a wire value could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// A match key string is malformed.
    #[error("match key `{0}`: expected FFGG followed by 22 base64url characters (FF family, GG flags, in hex)")]
    MatchKey(String),
    /// An identifier token string is malformed.
    #[error("identifier token `{0}`: expected <scheme>:<22 base64url characters>")]
    IdToken(String),
    /// A filter is malformed.
    #[error("Bloom filter: expected base64url of {0} bytes")]
    Bloom(usize),
}

fn decode_token(text: &str) -> Option<[u8; TOKEN_BYTES]> {
    if text.len() != 22 {
        return None;
    }
    URL_SAFE_NO_PAD.decode(text).ok()?.try_into().ok()
}

impl fmt::Display for MatchKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02x}{:02x}{}",
            self.family.code(),
            self.flags,
            URL_SAFE_NO_PAD.encode(self.token)
        )
    }
}

impl FromStr for MatchKey {
    type Err = WireError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || WireError::MatchKey(s.chars().take(40).collect());
        if s.len() != 26 || !s.is_ascii() {
            return Err(err());
        }
        let family = u8::from_str_radix(&s[0..2], 16)
            .ok()
            .and_then(KeyFamily::from_code)
            .ok_or_else(err)?;
        let flag_bits = u8::from_str_radix(&s[2..4], 16).map_err(|_| err())?;
        if flag_bits & !flags::ALL != 0 {
            return Err(err());
        }
        let token = decode_token(&s[4..]).ok_or_else(err)?;
        Ok(MatchKey {
            family,
            flags: flag_bits,
            token,
        })
    }
}

impl fmt::Display for IdToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}",
            self.scheme.as_str(),
            URL_SAFE_NO_PAD.encode(self.token)
        )
    }
}

impl FromStr for IdToken {
    type Err = WireError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || WireError::IdToken(s.chars().take(40).collect());
        let (scheme, token) = s.split_once(':').ok_or_else(err)?;
        let scheme = Scheme::ALL
            .into_iter()
            .find(|x| x.as_str() == scheme)
            .ok_or_else(err)?;
        Ok(IdToken {
            scheme,
            token: decode_token(token).ok_or_else(err)?,
        })
    }
}

impl<const W: usize> fmt::Display for Bloom<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(self.to_bytes()))
    }
}

impl<const W: usize> FromStr for Bloom<W> {
    type Err = WireError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| WireError::Bloom(W * 8))?;
        Bloom::from_bytes(&bytes).ok_or(WireError::Bloom(W * 8))
    }
}

macro_rules! serde_via_string {
    ($ty:ty) => {
        impl Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
serde_via_string!(MatchKey);
serde_via_string!(IdToken);
impl<const W: usize> Serialize for Bloom<W> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
impl<'de, const W: usize> Deserialize<'de> for Bloom<W> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::RawRecord;
    use chrono::NaiveDate;

    fn encoder() -> Encoder {
        Encoder::new(
            &AgreementSecret::from_bytes("test", 1, [5; 32]).unwrap(),
            LocalKey::from_bytes([6; 32]),
        )
    }

    fn record() -> PupilRecord {
        let raw = RawRecord {
            record_id: Some("GLA-77".into()),
            forename: Some("Eilidh".into()),
            surname: Some("MacLeod".into()),
            dob: Some("2013-09-04".into()),
            sex: Some("F".into()),
            scn: Some("123456785".into()),
            ..RawRecord::default()
        };
        PupilRecord::from_raw(&raw, NaiveDate::from_ymd_opt(2026, 11, 22).unwrap())
            .unwrap()
            .record
    }

    fn with_names(forename: &str, surname: &str) -> PupilRecord {
        let raw = RawRecord {
            record_id: Some("x".into()),
            forename: Some(forename.into()),
            surname: Some(surname.into()),
            dob: Some("2013-09-04".into()),
            ..RawRecord::default()
        };
        PupilRecord::from_raw(&raw, NaiveDate::from_ymd_opt(2026, 11, 22).unwrap())
            .unwrap()
            .record
    }

    #[test]
    fn a_key_of_a_retired_v1_family_is_refused_on_the_wire() {
        let token = "AAAAAAAAAAAAAAAAAAAAAA";
        assert!(format!("0100{token}").parse::<MatchKey>().is_ok());
        for retired in ["03", "04", "05"] {
            assert!(
                matches!(
                    format!("{retired}00{token}").parse::<MatchKey>(),
                    Err(WireError::MatchKey(_))
                ),
                "family {retired}"
            );
        }
    }

    #[test]
    fn a_field_filter_is_salted_by_the_other_names_soundex_code() {
        let e = encoder();
        let oliver_smith = e.encode(&with_names("Oliver", "Smith"));
        // Smyth sounds like Smith (S530): the forename filters are identical.
        let oliver_smyth = e.encode(&with_names("Oliver", "Smyth"));
        assert_eq!(oliver_smith.forename_bf, oliver_smyth.forename_bf);
        // Kowalski does not: the same forename and date give an unrelated filter, so no
        // column groups every Oliver born on a date.
        let oliver_kowalski = e.encode(&with_names("Oliver", "Kowalski"));
        let dice = oliver_smith
            .forename_bf
            .unwrap()
            .dice(&oliver_kowalski.forename_bf.unwrap());
        assert!(dice < 0.5, "{dice}");
        // A misspelt forename that keeps the surname's code stays comparable.
        let olivr_smith = e.encode(&with_names("Olivr", "Smith"));
        let typo = oliver_smith
            .forename_bf
            .unwrap()
            .dice(&olivr_smith.forename_bf.unwrap());
        assert!(typo > 0.7, "{typo}");
    }

    #[test]
    fn spellings_of_one_surname_give_identical_soundex_derived_encodings() {
        // v3 took Soundex of the prefix's core when the prefix was written apart or as `Mc`
        // (D543 for McDonald) but of the whole name otherwise (M235 for MacDonald), so the
        // commonest spelling pair of a Scottish surname had incomparable forename filters and
        // no shared `phonetic-dob` key.
        let e = encoder();
        let phonetic = |r: &EncodedRecord| -> Vec<MatchKey> {
            r.keys
                .iter()
                .filter(|k| k.family == KeyFamily::PhoneticDob)
                .copied()
                .collect()
        };
        for spellings in [
            ["McDonald", "MacDonald", "Mac Donald", "M'Donald"],
            ["McKenzie", "Mackenzie", "Mc Kenzie", "MACKENZIE"],
            ["O'Brien", "OBrien", "O Brien", "Ó Brien"],
        ] {
            let first = e.encode(&with_names("Ava", spellings[0]));
            for other in &spellings[1..] {
                let encoded = e.encode(&with_names("Ava", other));
                assert_eq!(encoded.forename_bf, first.forename_bf, "{other}");
                assert_eq!(phonetic(&encoded), phonetic(&first), "{other}");
            }
        }
    }

    #[test]
    fn an_encoded_record_round_trips_through_json() {
        let encoded = encoder().encode(&record());
        let json = serde_json::to_string(&encoded).unwrap();
        let back: EncodedRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back, encoded);
    }

    #[test]
    fn the_wire_form_contains_no_name_date_or_identifier() {
        let json = serde_json::to_string(&encoder().encode(&record())).unwrap();
        for plain in [
            "eilidh",
            "Eilidh",
            "macleod",
            "MacLeod",
            "2013",
            "123456785",
            "GLA-77",
        ] {
            assert!(!json.contains(plain), "{plain} leaked into {json}");
        }
    }

    #[test]
    fn malformed_wire_values_are_rejected_with_a_reason() {
        assert!("zz00AAAAAAAAAAAAAAAAAAAAAA".parse::<MatchKey>().is_err());
        assert!("0180AAAAAAAAAAAAAAAAAAAAAA".parse::<MatchKey>().is_err());
        assert!("0100AAAAAAAAAAAAAAAAAAAAAA".parse::<MatchKey>().is_ok());
        assert!("upn:AAAA".parse::<IdToken>().is_err());
        assert!("passport:AAAAAAAAAAAAAAAAAAAAAA"
            .parse::<IdToken>()
            .is_err());
    }

    #[test]
    fn what_is_under_the_first_identifier_names_that_identifier() {
        let encoded = encoder().encode(&record());
        let under = encoded
            .under_id
            .expect("a record with an SCN, names and a DOB");
        assert_eq!(under.id, encoded.ids[0]);
        assert_eq!(under.id.scheme, Scheme::Scn);
        assert!(under.names.is_some() && under.dob_check.is_some());
        // Without any identifier there is nothing to salt it with.
        assert_eq!(
            encoder().encode(&with_names("Eilidh", "MacLeod")).under_id,
            None
        );
    }

    #[test]
    fn encoding_is_deterministic() {
        assert_eq!(encoder().encode(&record()), encoder().encode(&record()));
    }
}
