//! The errors a second clerk makes when re-keying a child who arrives at a new school.
//!
//! Rates. Each destination record gets 0, 1, 2 or 3 errors with probabilities 0.50, 0.32,
//! 0.13, 0.05 (so about 18% of true pairs have two or more). That is deliberately harsher than
//! routine administrative data: in ALSPAC 18% of surnames and 12% of forenames disagreed
//! within-person between two collection points (domain notes §7), and a CME move is exactly
//! such a second collection, often by a school that never saw the previous record. Kinds are
//! drawn by weight among those that apply to the child (a transposed date needs a day ≤ 12,
//! a dropped hyphen part needs a hyphenated surname, …): typos are the most common; nickname
//! and cognate forms, dropped fadas and apostrophes, and recorded-or-not surname changes come
//! next; swapped names and default 1 January dates (age-assessed children) are rare. An NI
//! pupil identifier, which has no check character, is sometimes mistyped (one digit wrong or
//! two exchanged); the other schemes' check characters would reject such an error at entry,
//! which is what `identifier_missing` stands for.

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use super::{draw_name, surname_form, Child, Kind};

use crate::input::RawRecord;

/// One kind of clerk error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// A typing error in the forename (substitution, deletion, insertion, transposition).
    ForenameTypo,
    /// A typing error in the surname.
    SurnameTypo,
    /// A nickname, cognate or transliteration of the forename (Liam for William).
    ForenameVariant,
    /// Accents, fadas or apostrophes lost (Seán Ó Briain → Sean O Briain).
    AccentsDropped,
    /// One part of a hyphenated surname only.
    HyphenPartOnly,
    /// A new surname, recorded as the former surname.
    SurnameChangedRecorded,
    /// A new surname, the old one not recorded.
    SurnameChangedUnrecorded,
    /// Forename and surname exchanged.
    NamesSwapped,
    /// Day and month exchanged.
    DobTransposed,
    /// One of day, month or year wrong.
    DobComponentWrong,
    /// The date replaced by 1 January of the year (an estimated date).
    DobDefaulted,
    /// Sex not recorded.
    SexMissing,
    /// Sex recorded wrongly.
    SexWrong,
    /// The identifier that should have followed the child was not recorded.
    IdentifierMissing,
    /// The middle name recorded as the forename.
    MiddleNameAsForename,
    /// A new identifier issued although the old one should have followed the child (a
    /// temporary UPN, a duplicate issue).
    IdentifierReissued,
    /// An NI pupil identifier keyed with one digit wrong or two adjacent digits exchanged.
    IdentifierMistyped,
}

impl ErrorKind {
    /// A stable label.
    pub fn label(self) -> &'static str {
        match self {
            ErrorKind::ForenameTypo => "forename_typo",
            ErrorKind::SurnameTypo => "surname_typo",
            ErrorKind::ForenameVariant => "forename_variant",
            ErrorKind::AccentsDropped => "accents_dropped",
            ErrorKind::HyphenPartOnly => "hyphen_part_only",
            ErrorKind::SurnameChangedRecorded => "surname_changed_recorded",
            ErrorKind::SurnameChangedUnrecorded => "surname_changed_unrecorded",
            ErrorKind::NamesSwapped => "names_swapped",
            ErrorKind::DobTransposed => "dob_transposed",
            ErrorKind::DobComponentWrong => "dob_component_wrong",
            ErrorKind::DobDefaulted => "dob_defaulted",
            ErrorKind::SexMissing => "sex_missing",
            ErrorKind::SexWrong => "sex_wrong",
            ErrorKind::IdentifierMissing => "identifier_missing",
            ErrorKind::MiddleNameAsForename => "middle_name_as_forename",
            ErrorKind::IdentifierReissued => "identifier_reissued",
            ErrorKind::IdentifierMistyped => "identifier_mistyped",
        }
    }

    /// Relative frequency among applicable errors.
    fn weight(self) -> u32 {
        match self {
            ErrorKind::ForenameTypo => 14,
            ErrorKind::SurnameTypo => 14,
            ErrorKind::ForenameVariant => 10,
            ErrorKind::AccentsDropped => 8,
            ErrorKind::HyphenPartOnly => 6,
            ErrorKind::SurnameChangedRecorded => 4,
            ErrorKind::SurnameChangedUnrecorded => 2,
            ErrorKind::NamesSwapped => 2,
            ErrorKind::DobTransposed => 7,
            ErrorKind::DobComponentWrong => 8,
            ErrorKind::DobDefaulted => 1,
            ErrorKind::SexMissing => 5,
            ErrorKind::SexWrong => 1,
            ErrorKind::IdentifierMissing => 8,
            ErrorKind::MiddleNameAsForename => 3,
            ErrorKind::IdentifierReissued => 2,
            ErrorKind::IdentifierMistyped => 4,
        }
    }

    const ALL: [ErrorKind; 17] = [
        ErrorKind::IdentifierReissued,
        ErrorKind::ForenameTypo,
        ErrorKind::SurnameTypo,
        ErrorKind::ForenameVariant,
        ErrorKind::AccentsDropped,
        ErrorKind::HyphenPartOnly,
        ErrorKind::SurnameChangedRecorded,
        ErrorKind::SurnameChangedUnrecorded,
        ErrorKind::NamesSwapped,
        ErrorKind::DobTransposed,
        ErrorKind::DobComponentWrong,
        ErrorKind::DobDefaulted,
        ErrorKind::SexMissing,
        ErrorKind::SexWrong,
        ErrorKind::IdentifierMissing,
        ErrorKind::MiddleNameAsForename,
        ErrorKind::IdentifierMistyped,
    ];
}

const NICKNAMES: &str = include_str!("../encode/names/data/nicknames.csv");
const COGNATES: &str = include_str!("../encode/names/data/cognates.csv");
const TRANSLITERATIONS: &str = include_str!("../encode/names/data/transliterations.csv");

fn ascii_fold(name: &str) -> String {
    name.nfkd()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn capitalise(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Another member of one of the forename's equivalence groups, if it has any.
pub(crate) fn variant_of(rng: &mut ChaCha8Rng, forename: &str) -> Option<String> {
    let folded = ascii_fold(forename);
    let mut options: Vec<&str> = Vec::new();
    for table in [NICKNAMES, COGNATES, TRANSLITERATIONS] {
        for line in table.lines() {
            let members: Vec<&str> = line
                .split(',')
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .collect();
            if members.contains(&folded.as_str()) {
                options.extend(members.iter().filter(|m| **m != folded));
            }
        }
    }
    if options.is_empty() {
        return None;
    }
    Some(capitalise(options[rng.gen_range(0..options.len())]))
}

fn typo(rng: &mut ChaCha8Rng, name: &str) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    if chars.len() < 3 {
        chars.push('e');
        return chars.into_iter().collect();
    }
    // First letters are rarely wrong: keep the first one.
    let i = rng.gen_range(1..chars.len());
    let letter = (b'a' + rng.gen_range(0..26u8)) as char;
    match rng.gen_range(0..4) {
        0 => chars[i] = letter,
        1 => {
            chars.remove(i);
        }
        2 => chars.insert(i, letter),
        _ if i + 1 < chars.len() => chars.swap(i, i + 1),
        _ => chars.swap(i - 1, i),
    }
    chars.into_iter().collect()
}

fn drop_accents(name: &str) -> String {
    name.replace('ł', "l")
        .replace('Ł', "L")
        .nfkd()
        .filter(|c| c.is_ascii() && *c != '\'')
        .collect()
}

fn has_accents(name: &str) -> bool {
    !name.is_ascii() || name.contains('\'')
}

fn valid(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn applicable(kind: ErrorKind, r: &RawRecord, child: &Child, keeps_identifier: bool) -> bool {
    let surname = r.surname.as_deref().unwrap_or("");
    let forename = r.forename.as_deref().unwrap_or("");
    match kind {
        ErrorKind::AccentsDropped => has_accents(forename) || has_accents(surname),
        ErrorKind::HyphenPartOnly => surname.contains('-'),
        ErrorKind::ForenameVariant => child.preferred.is_none(),
        ErrorKind::DobTransposed => child.dob.day() <= 12 && child.dob.day() != child.dob.month(),
        ErrorKind::DobDefaulted => !(child.dob.day() == 1 && child.dob.month() == 1),
        ErrorKind::IdentifierMissing | ErrorKind::IdentifierReissued => keeps_identifier,
        ErrorKind::IdentifierMistyped => keeps_identifier && r.ni_pupil_id.is_some(),
        ErrorKind::MiddleNameAsForename => child.middle.is_some(),
        _ => true,
    }
}

/// Applies 0–3 errors to a destination record; returns the kinds applied, sorted.
pub(crate) fn apply(
    rng: &mut ChaCha8Rng,
    r: &mut RawRecord,
    child: &Child,
    keeps_identifier: bool,
) -> Vec<ErrorKind> {
    let count = super::weighted(rng, &[(0usize, 50), (1, 32), (2, 13), (3, 5)]);
    let mut applied: Vec<ErrorKind> = Vec::new();
    let mut attempts = 0;
    while applied.len() < count && attempts < 50 {
        attempts += 1;
        let options: Vec<(ErrorKind, u32)> = ErrorKind::ALL
            .iter()
            .filter(|k| !applied.contains(k) && applicable(**k, r, child, keeps_identifier))
            .map(|k| (*k, k.weight()))
            .collect();
        if options.is_empty() {
            break;
        }
        let kind = super::weighted(rng, &options);
        if apply_one(rng, kind, r, child) {
            applied.push(kind);
        }
    }
    applied.sort();
    applied
}

fn apply_one(rng: &mut ChaCha8Rng, kind: ErrorKind, r: &mut RawRecord, child: &Child) -> bool {
    let dob =
        NaiveDate::parse_from_str(r.dob.as_deref().unwrap_or(""), "%Y-%m-%d").unwrap_or(child.dob);
    match kind {
        ErrorKind::ForenameTypo => r.forename = r.forename.as_deref().map(|f| typo(rng, f)),
        ErrorKind::SurnameTypo => r.surname = r.surname.as_deref().map(|s| typo(rng, s)),
        ErrorKind::ForenameVariant => {
            match r.forename.as_deref().and_then(|f| variant_of(rng, f)) {
                Some(v) => r.forename = Some(v),
                None => return false,
            }
        }
        ErrorKind::AccentsDropped => {
            r.forename = r.forename.as_deref().map(drop_accents);
            r.surname = r.surname.as_deref().map(drop_accents);
        }
        ErrorKind::HyphenPartOnly => {
            let s = r.surname.clone().unwrap_or_default();
            let parts: Vec<&str> = s.split('-').collect();
            r.surname = Some(parts[rng.gen_range(0..parts.len())].to_string());
        }
        ErrorKind::SurnameChangedRecorded | ErrorKind::SurnameChangedUnrecorded => {
            let new = surname_form(&draw_name(rng, &child.pool, Kind::Surnames), child.female);
            if Some(&new) == r.surname.as_ref() {
                return false;
            }
            if kind == ErrorKind::SurnameChangedRecorded {
                r.former_surname = r.surname.take();
            }
            r.surname = Some(new);
        }
        ErrorKind::NamesSwapped => std::mem::swap(&mut r.forename, &mut r.surname),
        ErrorKind::DobTransposed => {
            let Some(d) = valid(dob.year(), dob.day(), dob.month()) else {
                return false;
            };
            r.dob = Some(d.format("%Y-%m-%d").to_string());
        }
        ErrorKind::DobComponentWrong => {
            let d = match rng.gen_range(0..3) {
                0 => valid(
                    dob.year(),
                    dob.month(),
                    if dob.day() > 1 { dob.day() - 1 } else { 2 },
                ),
                1 => valid(
                    dob.year(),
                    if dob.month() < 12 {
                        dob.month() + 1
                    } else {
                        11
                    },
                    dob.day(),
                ),
                _ => valid(dob.year() + 1, dob.month(), dob.day()),
            };
            match d {
                Some(d) if d != dob => r.dob = Some(d.format("%Y-%m-%d").to_string()),
                _ => return false,
            }
        }
        ErrorKind::DobDefaulted => r.dob = Some(format!("{}-01-01", dob.year())),
        ErrorKind::SexMissing => r.sex = None,
        ErrorKind::SexWrong => r.sex = Some(if child.female { "M" } else { "F" }.into()),
        ErrorKind::IdentifierMissing => super::set_identifier(r, child.nation, None),
        ErrorKind::MiddleNameAsForename => std::mem::swap(&mut r.forename, &mut r.middle_names),
        // The new identifier is issued by the generator, which knows the scheme's format.
        ErrorKind::IdentifierReissued => {}
        ErrorKind::IdentifierMistyped => {
            let Some(id) = r.ni_pupil_id.as_deref() else {
                return false;
            };
            let mistyped = mistype(rng, id);
            if mistyped == id {
                return false;
            }
            r.ni_pupil_id = Some(mistyped);
        }
    }
    true
}

/// One digit replaced by another, or two adjacent characters exchanged.
fn mistype(rng: &mut ChaCha8Rng, id: &str) -> String {
    let mut chars: Vec<char> = id.chars().collect();
    if chars.len() < 2 {
        return id.to_string();
    }
    let i = rng.gen_range(0..chars.len() - 1);
    if rng.gen_bool(0.7) {
        let digit = char::from_digit(rng.gen_range(0..10), 10).expect("a digit");
        chars[i] = digit;
    } else {
        chars.swap(i, i + 1);
    }
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn variants_come_from_the_bundled_tables() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let v = variant_of(&mut rng, "Muhammad").unwrap();
        assert_ne!(v, "Muhammad");
        assert!(variant_of(&mut rng, "Zzyzx").is_none());
    }

    #[test]
    fn dropping_accents_folds_fadas_and_apostrophes() {
        assert_eq!(drop_accents("Ó Briain"), "O Briain");
        assert_eq!(drop_accents("O'Brien"), "OBrien");
        assert_eq!(drop_accents("Seán"), "Sean");
    }
}
