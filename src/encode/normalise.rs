//! Name normalisation (protocol.md §3): the exact folding every implementation must apply
//! before anything is hashed.
//!
//! Folding turns a name as typed by a school clerk into lower-case ASCII words:
//! `Seán Ó Briain` → `sean`, `obriain` (core `briain`); `Łucja Nowak-Wójcik` → `lucja`,
//! `nowakwojcik` (parts `nowak`, `wojcik`). The raw value is kept by the caller for display and
//! audit; only the folded forms are encoded. See domain notes §7 for why each rule exists.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Letters that Unicode NFKD does not decompose, mapped explicitly (protocol.md §3.1 step 4).
/// See: domain notes §7 ("ł/Ł does not decompose under Unicode NFD, and neither do ø, đ, æ or ß").
const EXPLICIT_FOLDS: &[(char, &str)] = &[
    ('ł', "l"),
    ('ø', "o"),
    ('æ', "ae"),
    ('œ', "oe"),
    ('ß', "ss"),
    ('đ', "d"),
    ('ð', "d"),
    ('þ', "th"),
    ('ħ', "h"),
    ('ı', "i"),
    ('ĸ', "k"),
    ('ŋ', "n"),
    ('ſ', "s"),
    ('ə', "e"),
    ('ŧ', "t"),
];

/// Characters that separate words (protocol.md §3.1 step 5). Apostrophes separate words too, so
/// that `O'Brien` is seen as the prefix `o` and the word `brien`; the joined form is the same as
/// for `OBrien`.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '\u{2010}'
                ..='\u{2015}' | '\u{2212}' | '.' | ',' | '/' | '_' | '(' | ')' | '&' | '+'
        )
        || is_apostrophe(c)
}

/// The apostrophe variants clerks and keyboards produce.
fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`' | '\u{00B4}' | '\u{2032}' | '\u{02B9}'
    )
}

/// The result of folding one name value into words.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FoldedWords {
    /// Lower-case ASCII words, in order, each non-empty.
    pub words: Vec<String>,
    /// True when letters outside the Latin script were present and had to be dropped.
    pub dropped_non_latin: bool,
}

/// Folds a name into lower-case ASCII words (protocol.md §3.1).
///
/// # Examples
/// ```
/// use pupilmatch::encode::normalise::fold_words;
/// assert_eq!(fold_words("Ó Briain").words, ["o", "briain"]);
/// assert_eq!(fold_words("Gwenllïan").words, ["gwenllian"]);
/// assert_eq!(fold_words("Łukasz Żółć").words, ["lukasz", "zolc"]);
/// ```
pub fn fold_words(raw: &str) -> FoldedWords {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut dropped_non_latin = false;
    for c in raw.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        if is_separator(c) {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        for lower in c.to_lowercase() {
            if lower.is_ascii_lowercase() {
                current.push(lower);
            } else if let Some((_, folded)) = EXPLICIT_FOLDS.iter().find(|(from, _)| *from == lower)
            {
                current.push_str(folded);
            } else if lower.is_alphabetic() {
                dropped_non_latin = true;
            }
            // Digits, symbols and other punctuation are dropped silently.
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    FoldedWords {
        words,
        dropped_non_latin,
    }
}

/// Titles removed from the start of a forename (protocol.md §3.2).
const TITLES: &[&str] = &["mr", "mrs", "miss", "ms", "mx", "master", "dr"];

/// Placeholder values that mean "no name is known": a record with one of these as its legal
/// forename or surname is rejected (protocol.md §3.4). Compared after folding and joining words.
const PLACEHOLDERS: &[&str] = &[
    "unknown",
    "notknown",
    "unk",
    "nk",
    "na",
    "none",
    "null",
    "nil",
    "baby",
    "babyboy",
    "babygirl",
    "babyof",
    "infant",
    "newborn",
    "boy",
    "girl",
    "male",
    "female",
    "child",
    "test",
    "testing",
    "sample",
    "dummy",
    "patient",
    "pupil",
    "student",
    "anonymous",
    "anon",
    "missing",
    "tbc",
    "tba",
    "tbd",
    "x",
    "xx",
    "xxx",
    "zz",
    "zzz",
    "noname",
    "notstated",
    "notgiven",
    "refused",
    "withheld",
];

/// True when a folded, joined name is a placeholder rather than a real name.
pub fn is_placeholder(joined: &str) -> bool {
    PLACEHOLDERS.contains(&joined)
        || joined.starts_with("babyof")
        || (joined.starts_with("twin") && joined.len() <= 5)
}

/// Why a name value cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameProblem {
    /// Nothing left after folding (empty, digits only, or only non-Latin letters).
    #[error("no Latin letters left after normalisation")]
    Empty,
    /// A placeholder such as "Unknown" or "Baby".
    #[error("is a placeholder, not a name")]
    Placeholder,
}

/// A forename after folding (protocol.md §3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forename {
    /// All words joined: `Mary-Anne` → `maryanne`.
    pub full: String,
    /// The words, titles removed: `["mary", "anne"]`.
    pub words: Vec<String>,
    /// Letters outside the Latin script were dropped.
    pub dropped_non_latin: bool,
}

impl Forename {
    /// Folds a forename; rejects empty and placeholder values.
    ///
    /// ```
    /// use pupilmatch::encode::normalise::Forename;
    /// let f = Forename::parse("Mary-Anne").unwrap();
    /// assert_eq!(f.full, "maryanne");
    /// assert_eq!(f.words, ["mary", "anne"]);
    /// assert!(Forename::parse("Baby").is_err());
    /// ```
    pub fn parse(raw: &str) -> Result<Forename, NameProblem> {
        let folded = fold_words(raw);
        let mut words = folded.words;
        while words.len() > 1 && TITLES.contains(&words[0].as_str()) {
            words.remove(0);
        }
        let full: String = words.concat();
        if full.is_empty() {
            return Err(NameProblem::Empty);
        }
        if is_placeholder(&full) {
            return Err(NameProblem::Placeholder);
        }
        Ok(Forename {
            full,
            words,
            dropped_non_latin: folded.dropped_non_latin,
        })
    }

    /// The first word, the name a child is usually called by.
    pub fn first(&self) -> &str {
        &self.words[0]
    }

    /// The Soundex code of [`Forename::first`] (protocol.md §4.3): the `phonetic-dob` key's
    /// forename field and the surname filter's cross salt.
    pub fn soundex(&self) -> String {
        crate::encode::phonetic::soundex(self.first())
    }
}

/// Surname particles never used on their own as a surname variant (protocol.md §3.3).
const PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "da", "di", "du", "del", "della", "la", "le", "al", "el",
    "bin", "bint", "ibn", "ap", "ab", "ben", "st", "ter", "ten", "dos", "das",
];

/// A surname after folding and Gaelic/Scots prefix handling (protocol.md §3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Surname {
    /// The canonical whole surname: prefixes folded to `mac`/`o`, words joined.
    pub full: String,
    /// The surname without its Mac/Ó prefix, when it had one: `obriain` → `briain`.
    pub core: Option<String>,
    /// The words of a double-barrelled or multi-word surname (after prefix merging), when there
    /// is more than one: `Smith-Jones` → `["smith", "jones"]`.
    pub parts: Vec<String>,
    /// Letters outside the Latin script were dropped.
    pub dropped_non_latin: bool,
}

/// Lenited consonants: `Ní Bhraonáin` is the daughter's form of `Ó Braonáin`.
fn delenite(word: &str) -> String {
    let bytes = word.as_bytes();
    if bytes.len() > 2 && bytes[1] == b'h' && b"bcdfgmpst".contains(&bytes[0]) {
        let mut out = String::with_capacity(word.len() - 1);
        out.push(bytes[0] as char);
        out.push_str(&word[2..]);
        out
    } else {
        word.to_string()
    }
}

impl Surname {
    /// Folds a surname, merging prefixes into the following word.
    ///
    /// Prefix rules, applied left to right over the words:
    /// - `mc`, `mac`, `m` followed by a word → `mac` + word (`Mc Donald`, `M'Donald` → `macdonald`);
    ///   a single word starting `mc` becomes `mac…` (`McDonald` → `macdonald`);
    /// - `o`, `ua` followed by a word → `o` + word (`O'Brien`, `Ó Briain`);
    /// - `ni`, `ui`, `bean ui` followed by a word → `o` + the word de-lenited
    ///   (`Ní Bhraonáin` → `obraonain`, the same as `Ó Braonáin`);
    /// - `nic`, `mhic`, `bean mhic` followed by a word → `mac` + the word de-lenited.
    ///
    /// ```
    /// use pupilmatch::encode::normalise::Surname;
    /// let s = Surname::parse("Ní Bhraonáin").unwrap();
    /// assert_eq!(s.full, "obraonain");
    /// assert_eq!(s.core.as_deref(), Some("braonain"));
    /// assert_eq!(Surname::parse("McDonald").unwrap().full, "macdonald");
    /// assert_eq!(Surname::parse("Smith-Jones").unwrap().parts, ["smith", "jones"]);
    /// ```
    pub fn parse(raw: &str) -> Result<Surname, NameProblem> {
        let folded = fold_words(raw);
        let mut words: Vec<String> = Vec::with_capacity(folded.words.len());
        let mut core = None;
        let mut i = 0;
        let input = &folded.words;
        while i < input.len() {
            let w = input[i].as_str();
            let next = input.get(i + 1).map(String::as_str);
            // "bean uí X" / "bean mhic X": drop "bean" and let the next rule fire.
            if w == "bean" && matches!(next, Some("ui" | "mhic")) && i + 2 < input.len() {
                i += 1;
                continue;
            }
            let merged = match (w, next) {
                ("mc" | "mac" | "m", Some(n)) => Some(("mac", n.to_string())),
                ("o" | "ua", Some(n)) => Some(("o", n.to_string())),
                ("ni" | "ui", Some(n)) => Some(("o", delenite(n))),
                ("nic" | "mhic", Some(n)) => Some(("mac", delenite(n))),
                _ => None,
            };
            if let Some((prefix, rest)) = merged {
                if core.is_none() {
                    core = Some(rest.clone());
                }
                words.push(format!("{prefix}{rest}"));
                i += 2;
                continue;
            }
            if let Some(rest) = w.strip_prefix("mc").filter(|r| !r.is_empty()) {
                if core.is_none() {
                    core = Some(rest.to_string());
                }
                words.push(format!("mac{rest}"));
            } else {
                words.push(w.to_string());
            }
            i += 1;
        }
        let full: String = words.concat();
        if full.is_empty() {
            return Err(NameProblem::Empty);
        }
        if is_placeholder(&full) {
            return Err(NameProblem::Placeholder);
        }
        let parts = if words.len() > 1 { words } else { Vec::new() };
        Ok(Surname {
            full,
            core,
            parts,
            dropped_non_latin: folded.dropped_non_latin,
        })
    }

    /// The Soundex code of [`Surname::full`] (protocol.md §3.3, §4.3): the `phonetic-dob` key's
    /// surname field and the forename filter's cross salt.
    ///
    /// Never of the core: whether a surname has one depends on how its prefix was written
    /// (`McDonald` has the core `donald`, the one word `MacDonald` none, since nothing tells it
    /// apart from `Mace` or `Machin`), and every spelling that normalises to one `full` must get
    /// one code, or the commonest spelling pairs get incomparable filters.
    ///
    /// ```
    /// use pupilmatch::encode::normalise::Surname;
    /// let code = |raw: &str| Surname::parse(raw).unwrap().soundex();
    /// assert_eq!(code("McDonald"), "M235");
    /// assert_eq!(code("MacDonald"), "M235");
    /// ```
    pub fn soundex(&self) -> String {
        crate::encode::phonetic::soundex(&self.full)
    }

    /// Every form under which this surname may appear elsewhere: the whole, the core without
    /// its prefix, and each part of a double-barrelled name that could stand alone.
    /// The first element is always [`Surname::full`].
    pub fn variants(&self) -> Vec<&str> {
        let mut out: Vec<&str> = vec![&self.full];
        if let Some(core) = &self.core {
            if core.len() >= 2 {
                out.push(core);
            }
        }
        for part in &self.parts {
            if part.len() >= 3 && !PARTICLES.contains(&part.as_str()) {
                out.push(part);
            }
        }
        dedup_keep_order(&mut out);
        out
    }
}

/// Removes later duplicates, keeping the first occurrence of each value.
pub(crate) fn dedup_keep_order<T: PartialEq + Clone>(items: &mut Vec<T>) {
    let mut seen: Vec<T> = Vec::with_capacity(items.len());
    items.retain(|item| {
        if seen.contains(item) {
            false
        } else {
            seen.push(item.clone());
            true
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full_surname(raw: &str) -> String {
        Surname::parse(raw).unwrap().full
    }

    #[test]
    fn letters_that_nfd_does_not_decompose_are_folded_explicitly() {
        assert_eq!(
            fold_words("Łucja Øster Ærø Straße Đorđe").words,
            ["lucja", "oster", "aero", "strasse", "dorde"]
        );
    }

    #[test]
    fn romanian_cedilla_and_comma_below_forms_fold_the_same() {
        // ş (U+015F, cedilla) and ș (U+0219, comma below); ţ (U+0163) and ț (U+021B).
        assert_eq!(
            fold_words("\u{15F}tefan \u{163}epe\u{219}").words,
            ["stefan", "tepes"]
        );
        assert_eq!(
            fold_words("\u{219}tefan \u{21B}epe\u{15F}").words,
            ["stefan", "tepes"]
        );
    }

    #[test]
    fn welsh_circumflex_and_diaeresis_fold() {
        assert_eq!(
            fold_words("Gwenllïan Siôn Dŵr").words,
            ["gwenllian", "sion", "dwr"]
        );
    }

    #[test]
    fn every_apostrophe_variant_folds_the_same() {
        for raw in [
            "O'Brien",
            "O\u{2019}Brien",
            "O\u{2018}Brien",
            "O\u{02BC}Brien",
            "O`Brien",
        ] {
            assert_eq!(full_surname(raw), "obrien", "{raw}");
        }
    }

    #[test]
    fn irish_o_prefix_variants_share_the_full_form() {
        for raw in ["O'Brien", "O Brien", "OBrien", "o'brien", "O' Brien"] {
            assert_eq!(full_surname(raw), "obrien", "{raw}");
        }
        assert_eq!(
            Surname::parse("Ó Briain").unwrap().core.as_deref(),
            Some("briain")
        );
    }

    #[test]
    fn mc_and_mac_fold_together() {
        for raw in [
            "McDonald",
            "Mc Donald",
            "MacDonald",
            "Macdonald",
            "M'Donald",
            "Mac Donald",
        ] {
            assert_eq!(full_surname(raw), "macdonald", "{raw}");
        }
    }

    #[test]
    fn feminine_and_married_gaelic_prefixes_fold_to_the_masculine_form() {
        assert_eq!(full_surname("Ní Dhónaill"), full_surname("Ó Dónaill"));
        assert_eq!(full_surname("Nic Lochlainn"), full_surname("Mac Lochlainn"));
        assert_eq!(full_surname("Bean Uí Bhriain"), full_surname("Ó Briain"));
        assert_eq!(full_surname("Mhic Dhonncha"), full_surname("Mac Donncha"));
    }

    #[test]
    fn every_spelling_of_one_full_surname_has_one_soundex_code() {
        // (spellings, full, code): protocol.md §3.3's table.
        let table: &[(&[&str], &str, &str)] = &[
            (
                &[
                    "McDonald",
                    "MacDonald",
                    "Mac Donald",
                    "M'Donald",
                    "MACDONALD",
                    "mc donald",
                ],
                "macdonald",
                "M235",
            ),
            (
                &["McKenzie", "MacKenzie", "Mackenzie", "Mc Kenzie"],
                "mackenzie",
                "M252",
            ),
            (
                &["O'Brien", "OBrien", "O Brien", "Ó Brien"],
                "obrien",
                "O165",
            ),
            (
                &["Ó Braonáin", "Ní Bhraonáin", "Uí Bhraonáin", "O'Braonain"],
                "obraonain",
                "O165",
            ),
            (
                &["Nic Lochlainn", "Mac Lochlainn", "McLochlainn"],
                "maclochlainn",
                "M242",
            ),
            // Names that merely start with "mac" are coded like any other.
            (&["Mace", "Mac E"], "mace", "M200"),
            (&["Machin"], "machin", "M250"),
            (&["Mack", "Mc K"], "mack", "M200"),
        ];
        for (spellings, full, code) in table {
            for raw in *spellings {
                let surname = Surname::parse(raw).unwrap();
                assert_eq!(surname.full, *full, "{raw}");
                assert_eq!(surname.soundex(), *code, "{raw}");
            }
        }
    }

    #[test]
    fn double_barrelled_surnames_yield_each_part_and_the_whole() {
        let s = Surname::parse("Smith-Jones").unwrap();
        assert_eq!(s.variants(), ["smithjones", "smith", "jones"]);
        let s = Surname::parse("Smith Jones").unwrap();
        assert_eq!(s.variants(), ["smithjones", "smith", "jones"]);
    }

    #[test]
    fn particles_are_not_surname_variants_on_their_own() {
        let s = Surname::parse("van der Berg").unwrap();
        assert_eq!(s.variants(), ["vanderberg", "berg"]);
        let s = Surname::parse("Al-Hassan").unwrap();
        assert_eq!(s.variants(), ["alhassan", "hassan"]);
    }

    #[test]
    fn placeholder_names_are_rejected() {
        for raw in [
            "Unknown",
            "BABY",
            "Test",
            "N/A",
            "Not Known",
            "Baby Boy",
            "xx",
            "Twin 1",
        ] {
            assert_eq!(Forename::parse(raw), Err(NameProblem::Placeholder), "{raw}");
        }
        assert_eq!(Surname::parse("Unknown"), Err(NameProblem::Placeholder));
    }

    #[test]
    fn names_with_no_latin_letters_are_empty() {
        assert_eq!(Forename::parse("محمد"), Err(NameProblem::Empty));
        assert_eq!(Forename::parse("123"), Err(NameProblem::Empty));
        assert!(Forename::parse("Ali محمد").unwrap().dropped_non_latin);
    }

    #[test]
    fn titles_are_removed_from_forenames() {
        assert_eq!(Forename::parse("Master Tom").unwrap().full, "tom");
        // A child really called "Miss" alone keeps it.
        assert_eq!(Forename::parse("Dr").unwrap().full, "dr");
    }

    #[test]
    fn multi_part_forenames_keep_their_words() {
        let f = Forename::parse("Mary Anne").unwrap();
        assert_eq!(f.full, "maryanne");
        assert_eq!(f.first(), "mary");
    }
}
