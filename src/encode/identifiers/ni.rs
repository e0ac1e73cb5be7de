//! Northern Ireland pupil identifier (domain notes §3). No public format or check algorithm is
//! known, so it is opaque: canonicalised, limited to 1–20 characters of `[A-Z0-9]`, and matched
//! only exactly and only against other NI pupil identifiers.

use super::{canonicalise, identifier_traits};

/// A syntactically acceptable NI pupil identifier, canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NiPupilId(String);
identifier_traits!(NiPupilId);

/// Why an NI pupil identifier is unacceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an NI pupil identifier is 1–20 letters and digits; found `{0}`")]
pub struct NiPupilIdError(pub String);

impl NiPupilId {
    /// Parses an NI pupil identifier.
    pub fn parse(raw: &str) -> Result<NiPupilId, NiPupilIdError> {
        let value = canonicalise(raw);
        let ok = (1..=20).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if ok {
            Ok(NiPupilId(value))
        } else {
            Err(NiPupilIdError(value))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opaque_identifiers_are_canonicalised_and_bounded() {
        assert_eq!(NiPupilId::parse(" ab 123 ").unwrap().canonical(), "AB123");
        assert!(NiPupilId::parse("").is_err());
        assert!(NiPupilId::parse("12-34").is_err());
        assert!(NiPupilId::parse(&"1".repeat(21)).is_err());
    }
}
