//! The sealed payload (protocol.md §12.3): the fields a CME coordinator needs to verify a
//! match and contact the other side, exactly as the authority holds them (not folded).

use serde::{Deserialize, Serialize};

use crate::input::RawRecord;

/// The `format` value of a sealed payload.
pub const PAYLOAD_FORMAT: &str = "pupilmatch-disclosure/1";

/// One child's record as disclosed. Absent fields are left out of the JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosedRecord {
    /// Legal forename.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forename: Option<String>,
    /// Middle names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_names: Option<String>,
    /// Legal surname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    /// Former surname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub former_surname: Option<String>,
    /// Preferred forename.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_forename: Option<String>,
    /// Preferred surname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_surname: Option<String>,
    /// Date of birth as held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dob: Option<String>,
    /// Sex as held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<String>,
    /// England/Wales UPN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    /// Former UPN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub former_upn: Option<String>,
    /// Scottish Candidate Number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scn: Option<String>,
    /// Ireland PPSN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ppsn: Option<String>,
    /// Northern Ireland pupil identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ni_pupil_id: Option<String>,
    /// Current or last school (name or establishment code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school: Option<String>,
    /// Last known address, only when the coordinator chooses to include it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Postcode, only with the address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
}

/// Who to contact at the sending authority.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coordinator {
    /// The CME coordinator's name.
    pub name: String,
    /// Email address.
    pub email: String,
    /// Telephone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// The plaintext that is sealed: the record, the contact and the context it was sealed for
/// (repeated inside so an opened payload can be checked against where it came from).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosurePayload {
    /// Always [`PAYLOAD_FORMAT`].
    pub format: String,
    /// The agreement.
    pub agreement_id: String,
    /// The hub's candidate id.
    pub candidate_id: i64,
    /// The sending authority's code.
    pub sender: String,
    /// The receiving authority's code.
    pub recipient: String,
    /// The record.
    pub record: DisclosedRecord,
    /// Who to contact.
    pub coordinator: Coordinator,
    /// When it was sealed (RFC 3339 UTC).
    pub sealed_at: String,
}

fn present(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

impl DisclosedRecord {
    /// The disclosable fields of an input record; the address only when `with_address`, and
    /// then the postcode from the input.
    pub fn from_raw(
        raw: &RawRecord,
        school: Option<String>,
        address: Option<String>,
        with_address: bool,
    ) -> DisclosedRecord {
        DisclosedRecord {
            forename: present(&raw.forename),
            middle_names: present(&raw.middle_names),
            surname: present(&raw.surname),
            former_surname: present(&raw.former_surname),
            preferred_forename: present(&raw.preferred_forename),
            preferred_surname: present(&raw.preferred_surname),
            dob: present(&raw.dob),
            sex: present(&raw.sex),
            upn: present(&raw.upn),
            former_upn: present(&raw.former_upn),
            scn: present(&raw.scn),
            ppsn: present(&raw.ppsn),
            ni_pupil_id: present(&raw.ni_pupil_id),
            school: present(&school),
            address: if with_address {
                present(&address)
            } else {
                None
            },
            postcode: if with_address {
                present(&raw.postcode)
            } else {
                None
            },
        }
    }
}
