//! Scottish Candidate Number (domain notes §2): 9 digits, the last a mod-11 check digit over
//! weights 3 2 7 6 5 4 3 2. Kept as a string: leading zeros matter.

use super::{canonicalise, identifier_traits};

const WEIGHTS: [u32; 8] = [3, 2, 7, 6, 5, 4, 3, 2];

/// A valid SCN, canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Scn(String);
identifier_traits!(Scn);

/// Why an SCN is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScnError {
    /// Not 9 digits.
    #[error("an SCN is 9 digits, found `{0}`")]
    Format(String),
    /// The first 8 digits give remainder 1: no such number is ever issued.
    #[error("no SCN can start with these 8 digits (mod-11 remainder 1)")]
    NeverIssued,
    /// The check digit does not match.
    #[error("check digit is {found} but the digits give {expected}")]
    CheckDigit {
        /// The digit the algorithm gives.
        expected: char,
        /// The digit found.
        found: char,
    },
}

/// The check digit for the first 8 digits, or `None` if they are not 8 digits or no number
/// with them can exist.
///
/// ```
/// use pupilmatch::encode::identifiers::scn_check_digit;
/// assert_eq!(scn_check_digit("12345678"), Some('5'));
/// assert_eq!(scn_check_digit("23000000"), None);
/// ```
pub fn scn_check_digit(body8: &str) -> Option<char> {
    let bytes = body8.as_bytes();
    if bytes.len() != 8 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    match sum % 11 {
        0 => Some('0'),
        1 => None,
        r => char::from_digit(11 - r, 10),
    }
}

impl Scn {
    /// Parses and validates an SCN.
    pub fn parse(raw: &str) -> Result<Scn, ScnError> {
        let value = canonicalise(raw);
        if value.len() != 9 || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ScnError::Format(value));
        }
        let expected = scn_check_digit(&value[..8]).ok_or(ScnError::NeverIssued)?;
        let found = value.as_bytes()[8] as char;
        if expected != found {
            return Err(ScnError::CheckDigit { expected, found });
        }
        Ok(Scn(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_computed_vectors_validate() {
        for valid in ["051234561", "100000016", "123456785"] {
            assert!(Scn::parse(valid).is_ok(), "{valid}");
        }
        assert_eq!(Scn::parse("051234561").unwrap().canonical(), "051234561");
    }

    #[test]
    fn numbers_with_remainder_one_can_never_exist() {
        for d in 0..10 {
            assert_eq!(
                Scn::parse(&format!("23000000{d}")),
                Err(ScnError::NeverIssued)
            );
        }
    }

    #[test]
    fn a_wrong_check_digit_is_reported() {
        assert_eq!(
            Scn::parse("123456784"),
            Err(ScnError::CheckDigit {
                expected: '5',
                found: '4'
            })
        );
    }

    #[test]
    fn wrong_shapes_are_rejected() {
        assert!(matches!(Scn::parse("12345678"), Err(ScnError::Format(_))));
        assert!(matches!(Scn::parse("12345678X"), Err(ScnError::Format(_))));
    }

    proptest! {
        #[test]
        fn generated_scns_round_trip_and_one_changed_digit_is_detected(
            digits in proptest::collection::vec(0u8..10, 8),
            position in 0usize..8,
            delta in 1u8..10,
        ) {
            let body: String = digits.iter().map(|d| (b'0' + d) as char).collect();
            if let Some(check) = scn_check_digit(&body) {
                let valid = format!("{body}{check}");
                prop_assert!(Scn::parse(&valid).is_ok());
                let mut changed = digits.clone();
                changed[position] = (changed[position] + delta) % 10;
                let changed_body: String = changed.iter().map(|d| (b'0' + d) as char).collect();
                // Weights are coprime with 11, so one changed digit always changes the sum.
                let tampered = format!("{changed_body}{check}");
                prop_assert!(Scn::parse(&tampered).is_err());
            }
        }
    }
}
