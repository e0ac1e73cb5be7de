//! England/Wales Unique Pupil Number (domain notes §1): `A` + 12 digits (permanent) or
//! `A` + 11 digits + letter (temporary); check letter over weights 2–13, mod 23.

use super::{canonicalise, identifier_traits};

/// The 23 letters UPNs use (no I, O, S); a letter's value is its index.
const LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

/// LA codes accepted without a warning (DfE census rule 1530 list, domain notes §1), plus
/// 942–943, inferred as Cumbria's 2023 successors (Cumberland; Westmorland and Furness).
const KNOWN_LA_RANGES: &[(u16, u16)] = &[
    (1, 5),
    (201, 213),
    (301, 320),
    (330, 336),
    (340, 344),
    (350, 359),
    (370, 373),
    (380, 384),
    (390, 394),
    (420, 420),
    (660, 681),
    (701, 708),
    (800, 803),
    (805, 808),
    (810, 813),
    (815, 816),
    (820, 823),
    (825, 826),
    (830, 831),
    (835, 841),
    (845, 846),
    (850, 852),
    (855, 857),
    (860, 861),
    (865, 896),
    (908, 909),
    (916, 916),
    (919, 919),
    (921, 921),
    (925, 926),
    (928, 929),
    (931, 931),
    (933, 933),
    (935, 938),
    (940, 943),
];

/// A valid UPN (or former/temporary UPN), canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Upn(String);
identifier_traits!(Upn);

/// Why a UPN is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpnError {
    /// Not 13 characters.
    #[error("a UPN has 13 characters, found {0}")]
    Length(usize),
    /// A character that cannot stand where it is (1-based position).
    #[error("character {position} (`{found}`) must be {expected}")]
    BadCharacter {
        /// 1-based position.
        position: usize,
        /// The character found.
        found: char,
        /// What belongs there.
        expected: &'static str,
    },
    /// The check letter does not match.
    #[error("check letter is `{found}` but the digits give `{expected}`")]
    CheckLetter {
        /// The letter the algorithm gives.
        expected: char,
        /// The letter found.
        found: char,
    },
}

fn letter_value(c: u8) -> Option<u32> {
    LETTERS.iter().position(|&l| l == c).map(|p| p as u32)
}

/// The check letter for the 12 characters after it (11 digits + a digit or letter), or `None`
/// if they are not of that form.
///
/// ```
/// use pupilmatch::encode::identifiers::upn_check_letter;
/// assert_eq!(upn_check_letter("801200005001"), Some('B'));
/// assert_eq!(upn_check_letter("00180001701A"), Some('X'));
/// ```
pub fn upn_check_letter(body: &str) -> Option<char> {
    let bytes = body.as_bytes();
    if bytes.len() != 12 {
        return None;
    }
    let mut sum = 0u32;
    for (i, &b) in bytes.iter().enumerate() {
        let value = if b.is_ascii_digit() {
            u32::from(b - b'0')
        } else if i == 11 {
            letter_value(b)?
        } else {
            return None;
        };
        sum += (i as u32 + 2) * value;
    }
    Some(LETTERS[(sum % 23) as usize] as char)
}

impl Upn {
    /// Parses and validates a UPN.
    ///
    /// ```
    /// use pupilmatch::encode::identifiers::Upn;
    /// assert!(Upn::parse("h801 2000 01001").is_ok());
    /// assert!(Upn::parse("G801200001001").is_err());
    /// ```
    pub fn parse(raw: &str) -> Result<Upn, UpnError> {
        let value = canonicalise(raw);
        let chars: Vec<char> = value.chars().collect();
        if chars.len() != 13 {
            return Err(UpnError::Length(chars.len()));
        }
        let bad = |position: usize, expected: &'static str| UpnError::BadCharacter {
            position,
            found: chars[position - 1],
            expected,
        };
        let is_upn_letter = |c: char| c.is_ascii() && letter_value(c as u8).is_some();
        if !is_upn_letter(chars[0]) {
            return Err(bad(1, "a check letter (A–Z except I, O, S)"));
        }
        for (i, &c) in chars.iter().enumerate().take(12).skip(1) {
            if !c.is_ascii_digit() {
                return Err(bad(i + 1, "a digit"));
            }
        }
        if !(chars[12].is_ascii_digit() || is_upn_letter(chars[12])) {
            return Err(bad(13, "a digit, or a letter other than I, O, S"));
        }
        let expected = upn_check_letter(&value[1..]).expect("validated body");
        if expected != chars[0] {
            return Err(UpnError::CheckLetter {
                expected,
                found: chars[0],
            });
        }
        Ok(Upn(value))
    }

    /// Whether this is a temporary UPN (final character a letter).
    pub fn is_temporary(&self) -> bool {
        self.0.as_bytes()[12].is_ascii_alphabetic()
    }

    /// The LA code, characters 2–4.
    pub fn la_code(&self) -> u16 {
        self.0[1..4].parse().expect("validated digits")
    }

    /// Whether the LA code is in the known list (historic, Welsh and pseudo codes included).
    /// An unknown code is a warning, never an error: UPNs keep their issuing LA for life.
    pub fn la_code_known(&self) -> bool {
        let code = self.la_code();
        KNOWN_LA_RANGES
            .iter()
            .any(|&(lo, hi)| (lo..=hi).contains(&code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_published_test_vectors_validate() {
        for valid in [
            "B801200005001",
            "H801200001001",
            "P207000016049",
            "Y681234517001",
        ] {
            let upn = Upn::parse(valid).unwrap_or_else(|e| panic!("{valid}: {e}"));
            assert!(upn.la_code_known(), "{valid}");
            assert!(!upn.is_temporary());
        }
    }

    #[test]
    fn the_vendor_example_with_the_arithmetic_slip_is_rejected() {
        assert_eq!(
            Upn::parse("Q207000016049"),
            Err(UpnError::CheckLetter {
                expected: 'P',
                found: 'Q'
            })
        );
    }

    #[test]
    fn wrong_check_letters_are_rejected() {
        assert!(Upn::parse("A801200005001").is_err());
        assert!(Upn::parse("G801200001001").is_err());
    }

    #[test]
    fn temporary_upns_validate_with_their_final_letter() {
        for valid in ["X00180001701A", "M80120000500A"] {
            let upn = Upn::parse(valid).unwrap_or_else(|e| panic!("{valid}: {e}"));
            assert!(upn.is_temporary());
        }
    }

    #[test]
    fn i_o_and_s_are_never_valid_letters() {
        assert!(matches!(
            Upn::parse("O801200005001"),
            Err(UpnError::BadCharacter { position: 1, .. })
        ));
        assert!(matches!(
            Upn::parse("X00180001701S"),
            Err(UpnError::BadCharacter { position: 13, .. })
        ));
    }

    #[test]
    fn lower_case_and_spaced_input_is_canonicalised() {
        assert_eq!(
            Upn::parse(" h801 2000 01001 ").unwrap().canonical(),
            "H801200001001"
        );
    }

    #[test]
    fn an_unknown_la_code_parses_but_is_flagged() {
        let body = "999200001001";
        let upn = format!("{}{body}", upn_check_letter(body).unwrap());
        let parsed = Upn::parse(&upn).unwrap();
        assert_eq!(parsed.la_code(), 999);
        assert!(!parsed.la_code_known());
    }

    #[test]
    fn wrong_lengths_are_reported() {
        assert_eq!(Upn::parse("H80120000100"), Err(UpnError::Length(12)));
    }

    proptest! {
        #[test]
        fn generated_upns_round_trip_and_one_changed_digit_is_detected(
            digits in proptest::collection::vec(0u8..10, 12),
            position in 0usize..12,
            delta in 1u8..10,
        ) {
            let body: String = digits.iter().map(|d| (b'0' + d) as char).collect();
            let upn = format!("{}{body}", upn_check_letter(&body).unwrap());
            prop_assert!(Upn::parse(&upn).is_ok());
            let mut changed = digits.clone();
            changed[position] = (changed[position] + delta) % 10;
            let changed_body: String = changed.iter().map(|d| (b'0' + d) as char).collect();
            let tampered = format!("{}{changed_body}", &upn[..1]);
            prop_assert!(Upn::parse(&tampered).is_err());
        }
    }
}
