//! Ireland Personal Public Service Number (domain notes §4): 7 digits, a check letter and an
//! optional second letter; mod 23 with weights 8..2 and a ×9 term for a second letter A, B or H.

use super::{canonicalise, identifier_traits};

const TABLE: &[u8; 23] = b"WABCDEFGHIJKLMNOPQRSTUV";

/// A valid PPSN, canonical form (the optional second letter kept).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ppsn(String);
identifier_traits!(Ppsn);

/// Why a PPSN is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PpsnError {
    /// Not 7 digits + a letter A–W + an optional A, B, H, W, T or X.
    #[error(
        "a PPSN is 7 digits, a check letter A–W and optionally A, B, H, W, T or X; found `{0}`"
    )]
    Format(String),
    /// The check letter does not match.
    #[error("check letter is `{found}` but the number gives `{expected}`")]
    CheckLetter {
        /// The letter the algorithm gives.
        expected: char,
        /// The letter found.
        found: char,
    },
}

/// The check letter for 7 digits and an optional second letter.
///
/// ```
/// use pupilmatch::encode::identifiers::ppsn_check_letter;
/// assert_eq!(ppsn_check_letter("1234567", None), Some('T'));
/// assert_eq!(ppsn_check_letter("1234567", Some('A')), Some('F'));
/// ```
pub fn ppsn_check_letter(digits7: &str, suffix: Option<char>) -> Option<char> {
    let bytes = digits7.as_bytes();
    if bytes.len() != 7 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut sum: u32 = bytes
        .iter()
        .enumerate()
        .map(|(i, b)| (8 - i as u32) * u32::from(b - b'0'))
        .sum();
    if let Some(s @ ('A' | 'B' | 'H')) = suffix {
        sum += 9 * TABLE.iter().position(|&t| t == s as u8)? as u32;
    }
    Some(TABLE[(sum % 23) as usize] as char)
}

impl Ppsn {
    /// Parses and validates a PPSN.
    pub fn parse(raw: &str) -> Result<Ppsn, PpsnError> {
        let value = canonicalise(raw);
        let b = value.as_bytes();
        let shape_ok = (b.len() == 8 || b.len() == 9)
            && b[..7].iter().all(u8::is_ascii_digit)
            && (b'A'..=b'W').contains(&b[7])
            && (b.len() == 8 || b"ABHWTX".contains(&b[8]));
        if !shape_ok {
            return Err(PpsnError::Format(value));
        }
        let suffix = b.get(8).map(|&c| c as char);
        let expected = ppsn_check_letter(&value[..7], suffix).expect("validated digits");
        let found = b[7] as char;
        if expected != found {
            return Err(PpsnError::CheckLetter { expected, found });
        }
        Ok(Ppsn(value))
    }

    /// The optional second letter.
    pub fn suffix(&self) -> Option<char> {
        self.0.as_bytes().get(8).map(|&c| c as char)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_computed_vectors_validate() {
        for valid in [
            "1234567T",
            "1234567TW",
            "1234567FA",
            "1234567OB",
            "1234567WH",
            "6433435F",
            "6433435FW",
            "6433435OA",
            "6433435IH",
        ] {
            assert!(Ppsn::parse(valid).is_ok(), "{valid}");
        }
        assert_eq!(Ppsn::parse("1234567fa").unwrap().suffix(), Some('A'));
    }

    #[test]
    fn the_computed_invalid_vectors_are_rejected() {
        for invalid in ["6433435E", "6433435VH", "1234567TA"] {
            assert!(
                matches!(Ppsn::parse(invalid), Err(PpsnError::CheckLetter { .. })),
                "{invalid}"
            );
        }
    }

    #[test]
    fn wrong_shapes_are_rejected() {
        for invalid in ["123456T", "1234567Z", "1234567TQ", "ABCDEFGT"] {
            assert!(
                matches!(Ppsn::parse(invalid), Err(PpsnError::Format(_))),
                "{invalid}"
            );
        }
    }

    proptest! {
        #[test]
        fn generated_ppsns_round_trip_and_one_changed_digit_is_detected(
            digits in proptest::collection::vec(0u8..10, 7),
            suffix in proptest::option::of(prop_oneof![Just('A'), Just('B'), Just('H')]),
            position in 0usize..7,
            delta in 1u8..10,
        ) {
            let body: String = digits.iter().map(|d| (b'0' + d) as char).collect();
            let check = ppsn_check_letter(&body, suffix).unwrap();
            let tail: String = suffix.into_iter().collect();
            let valid = format!("{body}{check}{tail}");
            prop_assert!(Ppsn::parse(&valid).is_ok());
            let mut changed = digits.clone();
            changed[position] = (changed[position] + delta) % 10;
            let changed_body: String = changed.iter().map(|d| (b'0' + d) as char).collect();
            // Weights 2..8 are coprime with 23, so one changed digit always changes the letter.
            let tampered = format!("{changed_body}{check}{tail}");
            prop_assert!(Ppsn::parse(&tampered).is_err());
        }
    }
}
