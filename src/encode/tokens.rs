//! Composite match keys (protocol.md §4): keyed HMAC tokens over combinations of name forms and
//! date of birth, used by the hub to generate candidates and as evidence of which fields agree.
//!
//! **Every token mixes both names (or their Soundex codes) with a date of birth** (or two of
//! its three components). There is deliberately no token of a forename, surname, date of birth
//! or sex alone, because frequency analysis of such a column re-identifies common values at
//! national scale without any key (pprl notes §2.1), and since protocol v2 no token of *one*
//! name with a date either: ~2,250 children share a date of birth nationally, so a
//! forename-and-date token of a common forename is shared by ~20 children and frequency
//! alignment recovers it (protocol.md §9). Identifier tokens are the exception: UPN, SCN, PPSN
//! and NI pupil ids are near-unique, so a token of one alone leaks nothing by frequency.

use chrono::{Datelike, NaiveDate};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::encode::keys::{KeyPurpose, KeySchedule};
use crate::encode::names::{forename_groups, surname_equivalents};
use crate::encode::normalise::dedup_keep_order;
use crate::encode::record::{DateParts, PupilRecord};

pub use crate::wire::tokens::{flags, KeyFamily, MatchKey, TOKEN_BYTES};

/// Identifiers shorter than this get no `id-near` keys: deleting a character of a very short
/// identifier leaves a string many others share.
pub const NEAR_IDENTIFIER_MIN_LEN: usize = 5;

/// The separator between fields inside a token's HMAC input.
pub const FIELD_SEPARATOR: u8 = 0x1F;

/// The date strings a record's exact-DOB tokens are computed over (protocol.md §4.1): the date
/// itself, then, when the day could be a month and differs from it, the date with day and
/// month swapped.
pub fn dob_variants(dob: NaiveDate) -> Vec<(String, u8)> {
    let mut out = vec![(dob.format("%Y-%m-%d").to_string(), 0)];
    if dob.day() <= 12 && dob.day() != dob.month() {
        out.push((
            format!("{:04}-{:02}-{:02}", dob.year(), dob.day(), dob.month()),
            flags::DOB_SWAPPED,
        ));
    }
    out
}

/// A record's forename forms with their flags (protocol.md §4.2), primary first, deduplicated.
pub fn forename_forms(record: &PupilRecord) -> Vec<(String, u8)> {
    let mut out = Vec::new();
    let alt = flags::FORENAME_ALT;
    if let Some(forename) = &record.forename {
        out.push((forename.full.clone(), 0));
        if forename.words.len() > 1 {
            out.extend(
                forename
                    .words
                    .iter()
                    .filter(|w| w.len() >= 2)
                    .map(|w| (w.clone(), alt)),
            );
        }
    }
    if let Some(preferred) = &record.preferred_forename {
        out.push((preferred.full.clone(), alt));
        out.push((preferred.first().to_string(), alt));
    }
    if let Some(middle) = &record.middle_names {
        out.extend(
            middle
                .words
                .iter()
                .filter(|w| w.len() >= 2)
                .map(|w| (w.clone(), alt)),
        );
    }
    dedup_forms(out)
}

/// A record's surname forms with their flags (protocol.md §4.2), primary first, deduplicated.
pub fn surname_forms(record: &PupilRecord) -> Vec<(String, u8)> {
    let mut out: Vec<(String, u8)> = record
        .surname
        .iter()
        .flat_map(|s| s.variants())
        .enumerate()
        .map(|(i, v)| (v.to_string(), if i == 0 { 0 } else { flags::SURNAME_ALT }))
        .collect();
    for other in [&record.former_surname, &record.preferred_surname]
        .into_iter()
        .flatten()
    {
        out.extend(
            other
                .variants()
                .into_iter()
                .map(|v| (v.to_string(), flags::SURNAME_ALT)),
        );
    }
    // The anglicised forms of a Gaelic spelling (§3.6): `Ní Bhraonáin` also meets `Brennan`.
    let equivalents: Vec<(String, u8)> = out
        .iter()
        .flat_map(|(form, _)| surname_equivalents(form))
        .map(|e| (e.to_string(), flags::SURNAME_ALT))
        .collect();
    out.extend(equivalents);
    dedup_forms(out)
}

/// Keeps the first (lowest-flag) occurrence of each form.
fn dedup_forms(forms: Vec<(String, u8)>) -> Vec<(String, u8)> {
    let mut seen: Vec<String> = Vec::with_capacity(forms.len());
    forms
        .into_iter()
        .filter(|(form, _)| {
            if seen.contains(form) {
                false
            } else {
                seen.push(form.clone());
                true
            }
        })
        .collect()
}

/// Derived keys for every token family, each also as a prepared HMAC state (the inner and
/// outer pads already hashed), so a token costs two SHA-256 compressions instead of four.
pub struct TokenKeys {
    /// Indexed by wire code (codes without a family hold `None`).
    prepared: Vec<Option<Hmac<Sha256>>>,
}

impl TokenKeys {
    /// Derives the key of every family.
    pub fn derive(schedule: &KeySchedule) -> Self {
        TokenKeys {
            prepared: (0..=KeyFamily::ALL.iter().map(|f| f.code()).max().unwrap_or(0))
                .map(|code| {
                    KeyFamily::from_code(code).map(|f| schedule.key(KeyPurpose::Token(f)).hmac())
                })
                .collect(),
        }
    }

    /// One token: `HMAC-SHA256(K_family, f1 ‖ 0x1F ‖ f2 ‖ … )[..16]`.
    pub fn token(&self, family: KeyFamily, fields: &[&str]) -> [u8; TOKEN_BYTES] {
        let mut mac = self.prepared[usize::from(family.code())]
            .clone()
            .expect("every family has a key");
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                mac.update(&[FIELD_SEPARATOR]);
            }
            mac.update(field.as_bytes());
        }
        mac.finalize().into_bytes()[..TOKEN_BYTES]
            .try_into()
            .expect("16 of 32 bytes")
    }

    /// Every match key of a record (protocol.md §4.3), sorted by family then token, each token
    /// once with the lowest flags that produced it.
    pub fn match_keys(&self, record: &PupilRecord) -> Vec<MatchKey> {
        let mut keys = self.near_identifier_keys(record);
        // Every name family includes the date of birth, or what is usable of an impossible one:
        // a record with neither can be found only by identifier.
        if let Some(date) = record.dob {
            self.name_keys(record, date, &mut keys);
        } else if let Some(parts) = &record.dob_parts {
            self.partial_date_keys(record, parts, &mut keys);
        }
        // Lowest flags first, so deduplication keeps the most direct variant of each token.
        keys.sort_by_key(|k| (k.family, k.token, k.flags));
        keys.dedup_by_key(|k| (k.family, k.token));
        keys
    }

    /// `id-near` keys (protocol.md §4.3), with `v` in the token:
    /// - each identifier of a scheme without a check character (a keying error there goes
    ///   undetected) of at least [`NEAR_IDENTIFIER_MIN_LEN`] characters: the canonical form and
    ///   each form with one character deleted, so that two identifiers one substitution,
    ///   adjacent transposition, insertion or deletion apart share one of them;
    /// - each valid identifier of a scheme with a check character: its canonical form;
    /// - each identifier that failed its check character: the canonical form of every valid
    ///   identifier one keying error from it, so it shares a key with the identifier it was
    ///   meant to be.
    fn near_identifier_keys(&self, record: &PupilRecord) -> Vec<MatchKey> {
        let mut keys = Vec::new();
        let mut push = |scheme: &str, v: &str| {
            keys.push(MatchKey {
                family: KeyFamily::IdNear,
                flags: 0,
                token: self.token(KeyFamily::IdNear, &[scheme, v]),
            })
        };
        for id in &record.identifiers {
            let (scheme, canonical) = (id.scheme().as_str(), id.canonical());
            if id.scheme().has_check_character() {
                push(scheme, canonical);
                continue;
            }
            if canonical.len() < NEAR_IDENTIFIER_MIN_LEN {
                continue;
            }
            push(scheme, canonical);
            for i in 0..canonical.len() {
                let mut v = canonical.to_string();
                v.remove(i);
                push(scheme, &v);
            }
        }
        for mistyped in &record.mistyped_identifiers {
            for id in &mistyped.corrections {
                push(mistyped.scheme.as_str(), id.canonical());
            }
        }
        keys
    }

    /// The name-and-date families of §4.3, appended to `keys`.
    fn name_keys(&self, record: &PupilRecord, date: chrono::NaiveDate, keys: &mut Vec<MatchKey>) {
        let forenames = forename_forms(record);
        let surnames = surname_forms(record);
        let dobs = dob_variants(date);
        let mut push = |family: KeyFamily, flags: u8, fields: &[&str]| {
            keys.push(MatchKey {
                family,
                flags,
                token: self.token(family, fields),
            });
        };

        let mut groups: Vec<(&str, u8)> = forenames
            .iter()
            .flat_map(|(name, flag)| forename_groups(name).iter().map(move |g| (*g, *flag)))
            .collect();
        groups.sort_by_key(|(_, flag)| *flag);
        dedup_by_name(&mut groups);

        for (dob, dob_flag) in &dobs {
            for (forename, f_flag) in &forenames {
                for (surname, s_flag) in &surnames {
                    push(
                        KeyFamily::NameDob,
                        dob_flag | f_flag | s_flag,
                        &[forename, surname, dob],
                    );
                }
            }
            for (group, f_flag) in &groups {
                for (surname, s_flag) in &surnames {
                    push(
                        KeyFamily::GroupDob,
                        dob_flag | f_flag | s_flag,
                        &[group, surname, dob],
                    );
                }
            }
            let (Some(forename), Some(surname)) = (&record.forename, &record.surname) else {
                continue;
            };
            push(
                KeyFamily::NameDob,
                dob_flag | flags::NAMES_SWAPPED,
                &[&surname.full, &forename.full, dob],
            );
            let (forename_code, surname_code) = (forename.soundex(), surname.soundex());
            push(
                KeyFamily::PhoneticDob,
                *dob_flag,
                &[&forename_code, &surname_code, dob],
            );
        }

        let parts = DateParts {
            year: Some(date.year()),
            month: Some(date.month()),
            day: Some(date.day()),
        };
        self.partial_date_keys(record, &parts, keys);
    }

    /// The partial-date families of §4.3 (`name-ym`, `name-yd`, `name-md`) for the parts of a
    /// date that are known: all three for a date of birth, those its usable parts allow for an
    /// impossible one (§1.2). Both legal names are needed.
    fn partial_date_keys(&self, record: &PupilRecord, parts: &DateParts, keys: &mut Vec<MatchKey>) {
        let (Some(forename), Some(surname)) = (&record.forename, &record.surname) else {
            return;
        };
        let partials = [
            (
                KeyFamily::NameYearMonth,
                parts
                    .year
                    .zip(parts.month)
                    .map(|(y, m)| format!("{y:04}-{m:02}-**")),
            ),
            (
                KeyFamily::NameYearDay,
                parts
                    .year
                    .zip(parts.day)
                    .map(|(y, d)| format!("{y:04}-**-{d:02}")),
            ),
            (
                KeyFamily::NameMonthDay,
                parts
                    .month_day()
                    .map(|(m, d)| format!("****-{m:02}-{d:02}")),
            ),
        ];
        for (family, partial) in partials {
            if let Some(partial) = partial {
                keys.push(MatchKey {
                    family,
                    flags: 0,
                    token: self.token(family, &[&forename.full, &surname.full, &partial]),
                });
            }
        }
    }
}

fn dedup_by_name(groups: &mut Vec<(&str, u8)>) {
    let mut names: Vec<&str> = groups.iter().map(|(n, _)| *n).collect();
    dedup_keep_order(&mut names);
    let mut kept = Vec::with_capacity(names.len());
    for name in names {
        if let Some(entry) = groups.iter().find(|(n, _)| *n == name) {
            kept.push(*entry);
        }
    }
    *groups = kept;
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_prepared_family_state_gives_the_plain_hmac_of_that_familys_key() {
        let secret =
            crate::encode::AgreementSecret::from_bytes("vector-agreement", 1, [7; 32]).unwrap();
        let schedule = KeySchedule::new(&secret);
        let keys = TokenKeys::derive(&schedule);
        for family in KeyFamily::ALL {
            let plain = schedule.key(KeyPurpose::Token(family)).mac(&[
                b"amelia",
                &[FIELD_SEPARATOR],
                b"2014-03-02",
            ]);
            assert_eq!(
                keys.token(family, &["amelia", "2014-03-02"]),
                plain[..TOKEN_BYTES]
            );
        }
    }

    use super::*;
    use crate::encode::keys::AgreementSecret;
    use crate::encode::record::{DateParts, PupilRecord};
    use crate::input::RawRecord;

    fn record(forename: &str, surname: &str, dob: &str) -> PupilRecord {
        let raw = RawRecord {
            record_id: Some("1".into()),
            forename: Some(forename.into()),
            surname: Some(surname.into()),
            dob: Some(dob.into()),
            ..RawRecord::default()
        };
        PupilRecord::from_raw(&raw, NaiveDate::from_ymd_opt(2026, 11, 22).unwrap())
            .unwrap()
            .record
    }

    fn with_ids(ni: Option<&str>, upn: Option<&str>) -> PupilRecord {
        let raw = RawRecord {
            record_id: Some("1".into()),
            forename: Some("Ciara".into()),
            surname: Some("Quinn".into()),
            dob: Some("2014-05-06".into()),
            ni_pupil_id: ni.map(Into::into),
            upn: upn.map(Into::into),
            ..RawRecord::default()
        };
        PupilRecord::from_raw(&raw, NaiveDate::from_ymd_opt(2026, 11, 22).unwrap())
            .unwrap()
            .record
    }

    fn near_keys(record: &PupilRecord) -> Vec<[u8; TOKEN_BYTES]> {
        keys()
            .match_keys(record)
            .into_iter()
            .filter(|k| k.family == KeyFamily::IdNear)
            .map(|k| k.token)
            .collect()
    }

    #[test]
    fn ni_pupil_ids_one_keying_error_apart_share_a_near_key() {
        let original = near_keys(&with_ids(Some("123456789"), None));
        // The whole id and each of its 9 deletions.
        assert_eq!(original.len(), 10);
        for (typo, what) in [
            ("123456780", "a digit wrong"),
            ("123465789", "two digits exchanged"),
            ("12345678", "a digit dropped"),
            ("1234567890", "a digit added"),
        ] {
            let other = near_keys(&with_ids(Some(typo), None));
            assert!(original.iter().any(|t| other.contains(t)), "{what}");
        }
        let unrelated = near_keys(&with_ids(Some("987654321"), None));
        assert!(!original.iter().any(|t| unrelated.contains(t)));
    }

    #[test]
    fn a_valid_identifier_with_a_check_character_has_one_near_key_its_own() {
        assert_eq!(near_keys(&with_ids(None, Some("H801200001001"))).len(), 1);
        // A short NI pupil id has none.
        assert!(near_keys(&with_ids(Some("1234"), None)).is_empty());
    }

    #[test]
    fn a_upn_failing_its_check_letter_shares_a_near_key_with_the_upn_it_was_meant_to_be() {
        let meant = near_keys(&with_ids(None, Some("H801200001001")));
        // One digit mistyped, two adjacent digits exchanged.
        for typo in ["H801200001051", "H801200010001"] {
            let record = with_ids(None, Some(typo));
            assert!(
                record.identifiers.is_empty(),
                "{typo} fails its check letter"
            );
            let keys = near_keys(&record);
            assert!(
                keys.iter().any(|k| meant.contains(k)),
                "{typo} shares no near key"
            );
            assert!(keys.len() <= 40, "{typo}: {} corrections", keys.len());
        }
        let unrelated = near_keys(&with_ids(None, Some("A123456789012")));
        assert!(!unrelated.iter().any(|k| meant.contains(k)));
    }

    #[test]
    fn an_impossible_date_keeps_the_partial_keys_of_its_usable_parts() {
        let k = keys();
        let family_keys = |r: &PupilRecord, family: KeyFamily| -> Vec<[u8; TOKEN_BYTES]> {
            let keys = k.match_keys(r);
            keys.iter()
                .filter(|m| m.family == family)
                .map(|m| m.token)
                .collect()
        };
        let parts = |year, month, day| Some(DateParts { year, month, day });
        let real = record("Hayley", "Dunstone", "2018-05-13");
        let mut typed = real.clone();
        typed.dob = None;
        // `2078-05-13`: the year is in the future, the month and day are usable.
        typed.dob_parts = parts(None, Some(5), Some(13));
        let keys = k.match_keys(&typed);
        assert!(keys.iter().all(|m| m.family == KeyFamily::NameMonthDay));
        assert_eq!(
            family_keys(&typed, KeyFamily::NameMonthDay),
            family_keys(&real, KeyFamily::NameMonthDay)
        );
        // `2018-15-13`: year and day.
        typed.dob_parts = parts(Some(2018), None, Some(13));
        let keys = k.match_keys(&typed);
        assert!(keys.iter().all(|m| m.family == KeyFamily::NameYearDay));
        assert_eq!(
            family_keys(&typed, KeyFamily::NameYearDay),
            family_keys(&real, KeyFamily::NameYearDay)
        );
        // 31 April exists in no year: no month-and-day key.
        typed.dob_parts = parts(None, Some(4), Some(31));
        assert!(k.match_keys(&typed).is_empty());
    }

    fn keys() -> TokenKeys {
        TokenKeys::derive(&KeySchedule::new(
            &AgreementSecret::from_bytes("test", 1, [3; 32]).unwrap(),
        ))
    }

    fn shared(a: &PupilRecord, b: &PupilRecord) -> Vec<(KeyFamily, u8, u8)> {
        let k = keys();
        let (ka, kb) = (k.match_keys(a), k.match_keys(b));
        let mut out = Vec::new();
        for x in &ka {
            for y in &kb {
                if x.family == y.family && x.token == y.token {
                    out.push((x.family, x.flags, y.flags));
                }
            }
        }
        out
    }

    fn agree_on(a: &PupilRecord, b: &PupilRecord, family: KeyFamily) -> bool {
        shared(a, b).iter().any(|(f, _, _)| *f == family)
    }

    #[test]
    fn the_same_child_agrees_on_the_exact_name_and_dob_key() {
        let a = record("Seán", "Ó Briain", "2014-03-07");
        let b = record("Sean", "O Briain", "2014-03-07");
        assert!(shared(&a, &b).contains(&(KeyFamily::NameDob, 0, 0)));
    }

    #[test]
    fn a_transposed_dob_agrees_through_the_swapped_variant() {
        let a = record("Amy", "Jones", "2014-03-07");
        let b = record("Amy", "Jones", "2014-07-03");
        let s = shared(&a, &b);
        assert!(
            s.contains(&(KeyFamily::NameDob, 0, flags::DOB_SWAPPED)),
            "{s:?}"
        );
    }

    #[test]
    fn swapped_forename_and_surname_agree_through_the_swap_variant() {
        let a = record("Khan", "Ayesha", "2013-05-20");
        let b = record("Ayesha", "Khan", "2013-05-20");
        let s = shared(&a, &b);
        assert!(
            s.iter()
                .any(|(f, x, y)| *f == KeyFamily::NameDob && (x | y) & flags::NAMES_SWAPPED != 0),
            "{s:?}"
        );
    }

    #[test]
    fn a_cognate_forename_agrees_on_the_group_key() {
        let a = record("William", "Murphy", "2012-11-30");
        let b = record("Liam", "Murphy", "2012-11-30");
        assert!(agree_on(&a, &b, KeyFamily::GroupDob));
        assert!(!agree_on(&a, &b, KeyFamily::NameDob));
    }

    #[test]
    fn one_wrong_date_component_keeps_a_partial_date_key() {
        let a = record("Amy", "Jones", "2014-03-07");
        assert!(agree_on(
            &a,
            &record("Amy", "Jones", "2014-03-17"),
            KeyFamily::NameYearMonth
        ));
        assert!(agree_on(
            &a,
            &record("Amy", "Jones", "2014-08-07"),
            KeyFamily::NameYearDay
        ));
        assert!(agree_on(
            &a,
            &record("Amy", "Jones", "2015-03-07"),
            KeyFamily::NameMonthDay
        ));
    }

    #[test]
    fn a_hyphenated_surname_meets_its_parts() {
        let a = record("Lily", "Smith-Jones", "2015-01-09");
        let b = record("Lily", "Jones", "2015-01-09");
        let s = shared(&a, &b);
        assert!(
            s.contains(&(KeyFamily::NameDob, flags::SURNAME_ALT, 0)),
            "{s:?}"
        );
    }

    #[test]
    fn a_gaelic_surname_meets_its_anglicised_form() {
        // Whatever the agreement secret: a key, not a filter Dice (issue #22 item 8).
        let irish = record("Aoife", "Ní Bhraonáin", "2012-11-30");
        let english = record("Aoife", "Brennan", "2012-11-30");
        assert!(shared(&irish, &english).contains(&(KeyFamily::NameDob, flags::SURNAME_ALT, 0)));
        assert!(surname_forms(&irish).contains(&("brennan".into(), flags::SURNAME_ALT)));
        // The anglicised record gains nothing; a different surname meets nothing.
        assert_eq!(surname_forms(&english), [(String::from("brennan"), 0)]);
        assert_eq!(shared(&irish, &record("Aoife", "Murphy", "2012-11-30")), []);
    }

    #[test]
    fn respellings_meet_on_the_phonetic_key() {
        let a = record("Rhys", "Smyth", "2011-06-02");
        let b = record("Reece", "Smith", "2011-06-02");
        assert!(agree_on(&a, &b, KeyFamily::PhoneticDob));
    }

    #[test]
    fn twins_with_different_forenames_share_no_key() {
        let twin_a = record("Jack", "Wilson", "2014-03-07");
        let twin_b = record("Oscar", "Wilson", "2014-03-07");
        assert_eq!(shared(&twin_a, &twin_b), []);
    }

    #[test]
    fn no_key_encodes_one_name_with_a_date() {
        // Protocol v2 (protocol.md §9): records sharing only a forename, or only a surname,
        // and the date share no token.
        let a = record("Oliver", "Smith", "2014-03-07");
        assert_eq!(shared(&a, &record("Oliver", "Kowalski", "2014-03-07")), []);
        assert_eq!(shared(&a, &record("Amira", "Smith", "2014-03-07")), []);
        assert!(KeyFamily::ALL
            .iter()
            .all(|f| ![3, 4, 5].contains(&f.code())));
        assert_eq!(KeyFamily::from_code(4), None);
    }

    #[test]
    fn a_record_yields_no_duplicate_tokens_and_a_stable_order() {
        let a = record("Mary Anne", "Smith-Jones", "2014-03-07");
        let k = keys().match_keys(&a);
        let mut sorted = k.clone();
        sorted.sort_by_key(|x| (x.family, x.token));
        assert_eq!(k, sorted);
        let mut tokens: Vec<_> = k.iter().map(|x| (x.family, x.token)).collect();
        tokens.dedup();
        assert_eq!(tokens.len(), k.len());
    }
}
