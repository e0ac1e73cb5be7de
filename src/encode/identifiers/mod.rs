//! National pupil identifiers as parsed types with their real check algorithms
//! (domain notes §1–4; protocol.md §1.3).
//!
//! Parsing canonicalises first — trims, removes internal spaces, upper-cases letters — and the
//! canonical form is what gets hashed, so `h801 2000 01001` and `H801200001001` are one UPN.
//! An identifier only ever matches within its own [`Scheme`].

mod ni;
mod ppsn;
mod scn;
mod upn;

pub use ni::{NiPupilId, NiPupilIdError};
pub use ppsn::{ppsn_check_letter, Ppsn, PpsnError};
pub use scn::{scn_check_digit, Scn, ScnError};
pub use upn::{upn_check_letter, Upn, UpnError};

pub use crate::wire::Scheme;

/// Any parsed identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identifier {
    /// A UPN.
    Upn(Upn),
    /// An SCN.
    Scn(Scn),
    /// A PPSN.
    Ppsn(Ppsn),
    /// An NI pupil identifier.
    NiPupilId(NiPupilId),
}

impl Identifier {
    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        match self {
            Identifier::Upn(_) => Scheme::Upn,
            Identifier::Scn(_) => Scheme::Scn,
            Identifier::Ppsn(_) => Scheme::Ppsn,
            Identifier::NiPupilId(_) => Scheme::NiPupilId,
        }
    }

    /// The canonical form, as hashed.
    pub fn canonical(&self) -> &str {
        match self {
            Identifier::Upn(x) => x.canonical(),
            Identifier::Scn(x) => x.canonical(),
            Identifier::Ppsn(x) => x.canonical(),
            Identifier::NiPupilId(x) => x.canonical(),
        }
    }

    /// Parses a raw value in the given scheme.
    pub fn parse(scheme: Scheme, raw: &str) -> Result<Identifier, IdentifierError> {
        Ok(match scheme {
            Scheme::Upn => Identifier::Upn(Upn::parse(raw)?),
            Scheme::Scn => Identifier::Scn(Scn::parse(raw)?),
            Scheme::Ppsn => Identifier::Ppsn(Ppsn::parse(raw)?),
            Scheme::NiPupilId => Identifier::NiPupilId(NiPupilId::parse(raw)?),
        })
    }
}

/// The characters a keying error can put into an identifier's canonical form.
const KEYABLE: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The valid identifiers of a scheme with a check character one keying error away from `raw`,
/// an identifier that fails validation (protocol.md §4.3): every one-character substitution
/// (by a digit or a letter) and every exchange of two adjacent characters of its canonical
/// form that validates, in ascending order of canonical form. Empty for a valid identifier and
/// for a scheme without a check character (whose keying errors go unnoticed and are matched by
/// deletion variants instead).
///
/// ```
/// use pupilmatch::encode::identifiers::{corrections, Scheme};
/// // 123456785 is a valid SCN; its fifth digit mistyped as 9:
/// let found = corrections(Scheme::Scn, "123496785");
/// assert!(found.iter().any(|id| id.canonical() == "123456785"));
/// assert!(found.len() < 12);
/// ```
pub fn corrections(scheme: Scheme, raw: &str) -> Vec<Identifier> {
    if !scheme.has_check_character() || Identifier::parse(scheme, raw).is_ok() {
        return Vec::new();
    }
    let canonical = canonicalise(raw);
    if !canonical.is_ascii() {
        return Vec::new();
    }
    let bytes = canonical.as_bytes();
    let mut candidates: Vec<Vec<u8>> = Vec::new();
    for i in 0..bytes.len() {
        for &c in KEYABLE.iter().filter(|&&c| c != bytes[i]) {
            let mut v = bytes.to_vec();
            v[i] = c;
            candidates.push(v);
        }
        if i + 1 < bytes.len() && bytes[i] != bytes[i + 1] {
            let mut v = bytes.to_vec();
            v.swap(i, i + 1);
            candidates.push(v);
        }
    }
    let mut valid: Vec<Identifier> = candidates
        .into_iter()
        .filter_map(|v| String::from_utf8(v).ok())
        .filter_map(|v| Identifier::parse(scheme, &v).ok())
        .collect();
    valid.sort_by(|a, b| a.canonical().cmp(b.canonical()));
    valid.dedup();
    valid
}

/// Why an identifier is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    /// An invalid UPN.
    #[error(transparent)]
    Upn(#[from] UpnError),
    /// An invalid SCN.
    #[error(transparent)]
    Scn(#[from] ScnError),
    /// An invalid PPSN.
    #[error(transparent)]
    Ppsn(#[from] PpsnError),
    /// An invalid NI pupil identifier.
    #[error(transparent)]
    NiPupilId(#[from] NiPupilIdError),
}

/// Trims, removes internal whitespace and upper-cases ASCII letters.
pub(crate) fn canonicalise(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

macro_rules! identifier_traits {
    ($ty:ty) => {
        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl $ty {
            /// The canonical form, as hashed.
            pub fn canonical(&self) -> &str {
                &self.0
            }
        }
    };
}
pub(crate) use identifier_traits;
