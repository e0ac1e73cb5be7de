//! Name equivalence tables, bundled at compile time: for forenames (protocol.md §3.5)
//! nicknames and diminutives, Gaelic/Welsh cognates and transliteration variants; for surnames
//! (§3.6) the Irish and Scottish Gaelic forms of anglicised surnames (`Ó Braonáin` ↔ Brennan).
//!
//! A name may belong to several groups ("alex" is in both alexander and alexandra; "jean" in
//! john and jane). Groups are exactly the rows — rows with the same canonical are merged, but
//! membership is never chained transitively, so unrelated names never meet through a shared
//! diminutive. Sources and licences: `data/SOURCES.md`.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;
use sha2::{Digest, Sha256};

const NICKNAMES: &str = include_str!("data/nicknames.csv");
const COGNATES: &str = include_str!("data/cognates.csv");
const TRANSLITERATIONS: &str = include_str!("data/transliterations.csv");
const SURNAMES: &str = include_str!("data/surnames.csv");

/// Which table makes two names equivalent, for explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EquivalenceKind {
    /// A diminutive or familiar form (William ↔ Bill).
    Nickname,
    /// A Gaelic, Welsh or other-language cognate (William ↔ Liam).
    Cognate,
    /// A transliteration spelling variant (Muhammad ↔ Mohammed).
    Transliteration,
}

struct Tables {
    /// name → sorted canonicals of its groups.
    groups: HashMap<&'static str, Vec<&'static str>>,
    /// (canonical, kind) → members, for explanations.
    members: Vec<(EquivalenceKind, &'static str, Vec<&'static str>)>,
    /// surname → canonicals of the surname groups listing it, itself excluded.
    surnames: HashMap<&'static str, Vec<&'static str>>,
    digest: String,
}

fn rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            line.split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .collect()
        })
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut groups: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
        let mut members = Vec::new();
        for (kind, text) in [
            (EquivalenceKind::Nickname, NICKNAMES),
            (EquivalenceKind::Cognate, COGNATES),
            (EquivalenceKind::Transliteration, TRANSLITERATIONS),
        ] {
            for row in rows(text) {
                let canonical = row[0];
                for name in &row {
                    groups.entry(name).or_default().push(canonical);
                }
                members.push((kind, canonical, row));
            }
        }
        for canonicals in groups.values_mut() {
            canonicals.sort_unstable();
            canonicals.dedup();
        }
        let mut surnames: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
        for row in rows(SURNAMES) {
            let canonical = row[0];
            for name in row.iter().filter(|n| **n != canonical) {
                surnames.entry(name).or_default().push(canonical);
            }
        }
        for canonicals in surnames.values_mut() {
            canonicals.sort_unstable();
            canonicals.dedup();
        }
        let mut hasher = Sha256::new();
        hasher.update(NICKNAMES.as_bytes());
        hasher.update([0]);
        hasher.update(COGNATES.as_bytes());
        hasher.update([0]);
        hasher.update(TRANSLITERATIONS.as_bytes());
        hasher.update([0]);
        hasher.update(SURNAMES.as_bytes());
        let digest = hex::encode(hasher.finalize());
        Tables {
            groups,
            members,
            surnames,
            digest,
        }
    })
}

/// The equivalence-group canonicals a folded forename belongs to, sorted and deduplicated;
/// empty if the name is in no table.
///
/// ```
/// use pupilmatch::encode::names::forename_groups;
/// assert_eq!(forename_groups("liam"), ["william"]);
/// assert!(forename_groups("zzyzx").is_empty());
/// ```
pub fn forename_groups(folded: &str) -> &'static [&'static str] {
    tables()
        .groups
        .get(folded)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// True when two folded forenames share at least one equivalence group.
pub fn forenames_equivalent(a: &str, b: &str) -> bool {
    let (ga, gb) = (forename_groups(a), forename_groups(b));
    ga.iter().any(|g| gb.contains(g))
}

/// Which table makes two names equivalent (the first that does, in the order nickname,
/// cognate, transliteration).
pub fn equivalence_kind(a: &str, b: &str) -> Option<EquivalenceKind> {
    tables()
        .members
        .iter()
        .find(|(_, _, row)| row.contains(&a) && row.contains(&b))
        .map(|(kind, _, _)| *kind)
}

/// The anglicised forms a folded surname form is a Gaelic spelling of (protocol.md §3.6): the
/// canonicals of every `surnames.csv` group that lists it, itself excluded, sorted by bytes;
/// empty for a name in no group (every anglicised form is its group's canonical).
///
/// ```
/// use pupilmatch::encode::names::surname_equivalents;
/// assert_eq!(surname_equivalents("obraonain"), ["brennan"]);
/// assert_eq!(surname_equivalents("obriain"), ["brien", "obrien"]);
/// assert!(surname_equivalents("brennan").is_empty());
/// ```
pub fn surname_equivalents(folded: &str) -> &'static [&'static str] {
    tables()
        .surnames
        .get(folded)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// SHA-256 (hex) of the four tables, separated by 0x00, in the order nicknames, cognates,
/// transliterations, surnames: identifies the table version in encoded files.
pub fn tables_digest() -> &'static str {
    &tables().digest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_folded_lower_case_ascii() {
        for text in [NICKNAMES, COGNATES, TRANSLITERATIONS, SURNAMES] {
            for row in rows(text) {
                assert!(row.len() >= 2, "{row:?} has no variant");
                for name in row {
                    assert!(
                        !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase()),
                        "`{name}` is not folded"
                    );
                }
            }
        }
    }

    #[test]
    fn gaelic_and_welsh_cognates_are_equivalent() {
        for (a, b) in [
            ("william", "liam"),
            ("john", "sean"),
            ("john", "eoin"),
            ("john", "iain"),
            ("sean", "iain"),
            ("james", "seamus"),
            ("james", "hamish"),
            ("mary", "maire"),
            ("mary", "mhairi"),
            ("david", "dafydd"),
        ] {
            assert!(forenames_equivalent(a, b), "{a} ~ {b}");
        }
        assert_eq!(
            equivalence_kind("william", "liam"),
            Some(EquivalenceKind::Nickname)
        );
        assert_eq!(
            equivalence_kind("mary", "maire"),
            Some(EquivalenceKind::Cognate)
        );
    }

    #[test]
    fn nicknames_and_transliterations_are_equivalent() {
        for (a, b) in [
            ("bob", "robert"),
            ("peggy", "margaret"),
            ("muhammad", "mohammed"),
            ("mohamed", "muhammad"),
        ] {
            assert!(forenames_equivalent(a, b), "{a} ~ {b}");
        }
        assert_eq!(
            equivalence_kind("mohammed", "mohamed"),
            Some(EquivalenceKind::Transliteration)
        );
    }

    #[test]
    fn a_name_can_belong_to_several_groups_without_chaining_them() {
        assert!(forename_groups("alex").contains(&"alexander"));
        assert!(forename_groups("alex").contains(&"alexandra"));
        assert!(!forenames_equivalent("oliver", "olivia"));
        // "ted" is in the edward and theodore rows; "theo" only in theodore's.
        assert!(forenames_equivalent("ted", "theo"));
        assert!(!forenames_equivalent("ned", "theo"));
    }

    #[test]
    fn gaelic_surnames_lead_to_their_anglicised_forms_and_never_the_other_way() {
        use crate::encode::normalise::Surname;
        // Every spelling of the daughter's and the son's form folds to one full form, which
        // the table knows.
        for raw in ["Ní Bhraonáin", "Ó Braonáin", "O'Braonain", "Uí Bhraonáin"] {
            let full = Surname::parse(raw).unwrap().full;
            assert_eq!(surname_equivalents(&full), ["brennan"], "{raw}");
        }
        let full = |raw: &str| Surname::parse(raw).unwrap().full;
        assert_eq!(
            surname_equivalents(&full("Ní Shúilleabháin")),
            ["osullivan", "sullivan"]
        );
        assert_eq!(surname_equivalents(&full("Nic Cárthaigh")), ["maccarthy"]);
        assert_eq!(surname_equivalents(&full("Mac Cárthaigh")), ["maccarthy"]);
        assert_eq!(surname_equivalents(&full("NicLeòid")), ["macleod"]);
        // An anglicised form adds nothing: it is already what the Gaelic forms lead to.
        for english in ["brennan", "murphy", "smith", "obrien", "macdonald"] {
            assert!(surname_equivalents(english).is_empty(), "{english}");
        }
    }

    #[test]
    fn every_surname_row_has_a_gaelic_form_that_folds_to_itself() {
        use crate::encode::normalise::Surname;
        for row in rows(SURNAMES) {
            for name in &row[1..] {
                // A listed form is what some spelling folds to, so the encoder can meet it.
                assert_eq!(&Surname::parse(name).unwrap().full, name);
                assert!(!surname_equivalents(name).is_empty(), "{name}");
            }
        }
    }

    #[test]
    fn the_digest_identifies_the_tables() {
        assert_eq!(tables_digest().len(), 64);
        assert!(tables_digest().bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
