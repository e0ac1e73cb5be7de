//! Match keys on the wire (protocol.md §4): a family, variant flags and a keyed token. How a
//! token is computed from a record is the authority's business (`encode::tokens`).

use serde::{Deserialize, Serialize};

/// Token length in bytes (a truncated HMAC-SHA256).
pub const TOKEN_BYTES: usize = 16;

/// A family of composite match keys; each has its own derived key. Codes 3, 4 and 5 were the
/// single-name families of protocol v1 (`surname-dob`, `forename-dob`, `initials-dob`), retired
/// in v2 and never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyFamily {
    /// Forename form + surname form + DOB (exact or day/month swapped), and the names swapped.
    NameDob = 1,
    /// Nickname/cognate group of a forename form + surname form + DOB.
    GroupDob = 2,
    /// Soundex of forename and surname core + DOB.
    PhoneticDob = 6,
    /// Full names + year and month of birth: survives an error in the day.
    NameYearMonth = 7,
    /// Full names + year and day of birth: survives an error in the month.
    NameYearDay = 8,
    /// Full names + day and month of birth: survives an error in the year.
    NameMonthDay = 9,
    /// An identifier of a scheme without a check character, whole or with one character
    /// deleted: identifiers one keying error apart share a token.
    IdNear = 10,
}

impl KeyFamily {
    /// Every family, in code order.
    pub const ALL: [KeyFamily; 7] = [
        KeyFamily::NameDob,
        KeyFamily::GroupDob,
        KeyFamily::PhoneticDob,
        KeyFamily::NameYearMonth,
        KeyFamily::NameYearDay,
        KeyFamily::NameMonthDay,
        KeyFamily::IdNear,
    ];

    /// The one-byte wire code.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The family for a wire code.
    pub fn from_code(code: u8) -> Option<KeyFamily> {
        KeyFamily::ALL.into_iter().find(|f| f.code() == code)
    }

    /// The label in key derivation, e.g. `name-dob`.
    pub fn label(self) -> &'static str {
        match self {
            KeyFamily::NameDob => "name-dob",
            KeyFamily::GroupDob => "group-dob",
            KeyFamily::PhoneticDob => "phonetic-dob",
            KeyFamily::NameYearMonth => "name-ym",
            KeyFamily::NameYearDay => "name-yd",
            KeyFamily::NameMonthDay => "name-md",
            KeyFamily::IdNear => "id-near",
        }
    }
}

/// Flags telling which variant of the record produced a token (protocol.md §4.2). They travel in
/// clear beside the token so the matcher can tell *how* two records agree.
pub mod flags {
    /// The date of birth with day and month swapped.
    pub const DOB_SWAPPED: u8 = 1;
    /// A forename form other than the legal forename in full (a part, preferred or middle name).
    pub const FORENAME_ALT: u8 = 2;
    /// A surname form other than the legal surname in full (core, part, former or preferred).
    pub const SURNAME_ALT: u8 = 4;
    /// Forename and surname exchanged.
    pub const NAMES_SWAPPED: u8 = 8;
    /// Every defined flag.
    pub const ALL: u8 = DOB_SWAPPED | FORENAME_ALT | SURNAME_ALT | NAMES_SWAPPED;
}

/// One match key: family, variant flags and token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MatchKey {
    /// The family.
    pub family: KeyFamily,
    /// Variant flags (see [`flags`]).
    pub flags: u8,
    /// The token.
    pub token: [u8; TOKEN_BYTES],
}
