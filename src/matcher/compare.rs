//! The comparison vector: for one pair of encoded records, the level at which each field
//! agrees, derived only from what the encodings reveal.
//!
//! There is no date of birth, name or sex on the wire, so each field's level is inferred:
//! - **shared match keys** say exactly which name forms and which date variant agree (a shared
//!   `name-dob` key with `DOB_SWAPPED` on one side is a transposed date; a shared `name-ym` key
//!   without any exact-date key is a date one component off, scored once as a DOB level and
//!   not again as name agreement; `FORENAME_ALT` / `SURNAME_ALT`
//!   flags are agreement through a middle, preferred, former or part name; a `group-dob` key
//!   is a nickname, cognate or transliteration; `NAMES_SWAPPED` is forename and surname
//!   exchanged);
//! - the **field filters** are salted by the DOB salt and the other name's Soundex code, so
//!   their Dice is meaningful only when the DOB salts agree (an exact or transposed date, or
//!   equal DOB check bytes, a 1-in-256 hint) and the other name sounds alike; bit-identical
//!   filters count as the same name, a low Dice counts as a different name only when the other
//!   name's code is known to agree, and a Dice in the weak band or above *verifies* the date
//!   when only the check byte agreed;
//! - the **names filter** is salted by year of birth only: when no name key is shared, a high
//!   Dice says "same year, similar names" (with or without the DOB check byte agreeing), one
//!   joint DOB level, the name fields then not scored again;
//! - the **sex check** is salted by the DOB salt, so it is comparable when the salts agree.

use multiversion::multiversion;
use serde::{Deserialize, Serialize};

use crate::matcher::compact::{
    RecordView, Token, HAS_DOB, HAS_FORENAME, HAS_NAMES, HAS_SEX, HAS_SURNAME, HAS_UNDER_ID_DOB,
    HAS_UNDER_ID_NAMES, ID_TAG_BASE,
};
use crate::matcher::kernel::dice;
use crate::wire::Scheme;
use crate::wire::{flags, KeyFamily};

/// The compared fields, in model order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// A national identifier (UPN, SCN, PPSN, NI pupil id), within its own scheme.
    Identifier,
    /// Date of birth.
    Dob,
    /// Forename.
    Forename,
    /// Surname.
    Surname,
    /// Sex.
    Sex,
}

impl Field {
    /// Every field, in model order.
    pub const ALL: [Field; 5] = [
        Field::Identifier,
        Field::Dob,
        Field::Forename,
        Field::Surname,
        Field::Sex,
    ];

    /// The field's name in model files and explanations.
    pub fn name(self) -> &'static str {
        match self {
            Field::Identifier => "identifier",
            Field::Dob => "dob",
            Field::Forename => "forename",
            Field::Surname => "surname",
            Field::Sex => "sex",
        }
    }

    /// The comparison levels of the field, best agreement first: (label, meaning).
    pub fn levels(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Field::Identifier => &[
                ("agree", "the same national identifier"),
                (
                    "agree_names_close",
                    "the same identifier, and its names filter says near-identical names (the date of birth differs or is missing)",
                ),
                (
                    "agree_names_similar",
                    "the same identifier, and its names filter says similar names (the date of birth differs or is missing)",
                ),
                (
                    "agree_names_differ",
                    "the same identifier, but its names filter says different names (the date of birth differs or is missing)",
                ),
                (
                    "near",
                    "identifiers one keying error apart, in a scheme without a check character (NI pupil id)",
                ),
                ("disagree", "different identifiers in the same scheme"),
            ],
            Field::Dob => &[
                ("exact", "the same date of birth"),
                ("transposed", "day and month transposed"),
                (
                    "one_off",
                    "one of day, month or year differs (names identical)",
                ),
                (
                    "salt_verified",
                    "no shared name key; the date (exact, or day and month transposed) is confirmed by a name's filter or under the shared identifier",
                ),
                (
                    "check_names_close",
                    "no shared name key; the date-of-birth check byte agrees and the names are near-identical (same year)",
                ),
                (
                    "year_names_close",
                    "different day/month, same year of birth and near-identical names",
                ),
                (
                    "check_names_similar",
                    "no shared name key; the date-of-birth check byte agrees and the names are similar (same year)",
                ),
                (
                    "year_names_similar",
                    "different day/month, same year of birth and similar names",
                ),
                (
                    "check_agrees",
                    "no shared name key, but the date-of-birth check byte agrees",
                ),
                ("disagree", "different dates of birth"),
            ],
            Field::Forename => &[
                ("exact", "the same forename"),
                (
                    "alternative",
                    "agrees through a middle, preferred or part forename",
                ),
                (
                    "equivalent",
                    "an equivalent forename (nickname, cognate or transliteration)",
                ),
                ("swapped", "forename and surname exchanged"),
                ("close", "a near-identical spelling (filter Dice ≥ 0.85)"),
                ("similar", "a similar spelling (filter Dice ≥ 0.65)"),
                ("weak", "a weakly similar spelling (filter Dice ≥ 0.45)"),
                ("disagree", "different forenames"),
            ],
            Field::Surname => &[
                ("exact", "the same surname"),
                (
                    "alternative",
                    "agrees through a former, preferred or part surname (hyphenated, prefix), or a Gaelic form and its anglicised one",
                ),
                ("swapped", "forename and surname exchanged"),
                ("close", "a near-identical spelling (filter Dice ≥ 0.85)"),
                ("similar", "a similar spelling (filter Dice ≥ 0.65)"),
                ("weak", "a weakly similar spelling (filter Dice ≥ 0.45)"),
                ("disagree", "different surnames"),
            ],
            Field::Sex => &[("agree", "the same sex"), ("disagree", "different sex")],
        }
    }

    /// The index of a level label.
    pub fn level_index(self, label: &str) -> Option<u8> {
        self.levels()
            .iter()
            .position(|(l, _)| *l == label)
            .map(|i| i as u8)
    }
}

/// Level indices, named for readability in code (they index [`Field::levels`]).
pub mod level {
    /// Identifier agrees (names compared elsewhere, or not at all).
    pub const ID_AGREE: u8 = 0;
    /// Identifier agrees; the names under it are near-identical.
    pub const ID_AGREE_NAMES_CLOSE: u8 = 1;
    /// Identifier agrees; the names under it are similar.
    pub const ID_AGREE_NAMES_SIMILAR: u8 = 2;
    /// Identifier agrees; the names under it differ.
    pub const ID_AGREE_NAMES_DIFFER: u8 = 3;
    /// Identifiers one keying error apart.
    pub const ID_NEAR: u8 = 4;
    /// Identifier disagrees.
    pub const ID_DISAGREE: u8 = 5;
    /// DOB exact.
    pub const DOB_EXACT: u8 = 0;
    /// DOB day and month transposed.
    pub const DOB_TRANSPOSED: u8 = 1;
    /// DOB one component off.
    pub const DOB_ONE_OFF: u8 = 2;
    /// The DOB salt is confirmed: by the check byte and a field filter, or by the check
    /// under a shared identifier.
    pub const DOB_SALT_VERIFIED: u8 = 3;
    /// Check byte agrees, names near-identical (same year).
    pub const DOB_CHECK_CLOSE: u8 = 4;
    /// Same year, names near-identical.
    pub const DOB_YEAR_CLOSE: u8 = 5;
    /// Check byte agrees, names similar (same year).
    pub const DOB_CHECK_SIMILAR: u8 = 6;
    /// Same year, names similar.
    pub const DOB_YEAR_SIMILAR: u8 = 7;
    /// Only the check byte agrees.
    pub const DOB_CHECK: u8 = 8;
    /// DOB disagrees.
    pub const DOB_DISAGREE: u8 = 9;
    /// Name exact (both name fields).
    pub const NAME_EXACT: u8 = 0;
    /// Name agrees through an alternative form.
    pub const NAME_ALT: u8 = 1;
    /// Forename equivalent through the tables.
    pub const FORENAME_EQUIVALENT: u8 = 2;
    /// Forename swapped with the surname.
    pub const FORENAME_SWAPPED: u8 = 3;
    /// First Dice band of the forename.
    pub const FORENAME_CLOSE: u8 = 4;
    /// Forename disagrees.
    pub const FORENAME_DISAGREE: u8 = 7;
    /// Surname swapped with the forename.
    pub const SURNAME_SWAPPED: u8 = 2;
    /// First Dice band of the surname.
    pub const SURNAME_CLOSE: u8 = 3;
    /// Surname disagrees.
    pub const SURNAME_DISAGREE: u8 = 6;
    /// Sex agrees.
    pub const SEX_AGREE: u8 = 0;
    /// Sex disagrees.
    pub const SEX_DISAGREE: u8 = 1;
}

/// Dice bands of the name filters: close, similar, weak.
pub const NAME_DICE_BANDS: [f64; 3] = [0.85, 0.65, 0.45];
/// A field-filter Dice at which the two names are taken to be the same: bit-identical filters
/// under the same salt. Since protocol v2 has no single-name key, this is how "surname exact,
/// forename misspelt" is seen.
pub const IDENTICAL_FILTERS: f64 = 1.0;
/// Names-filter Dice for "same year, near-identical names" and "similar names".
pub const YEAR_NAMES_BANDS: [f64; 2] = [0.8, 0.6];
/// Identifier-salted names filter Dice for "names close" and "names similar".
pub const ID_NAMES_BANDS: [f64; 2] = [0.8, 0.6];

/// The comparison of one pair: a level (or `None`: not comparable) per field, and the raw
/// evidence behind it for explanations.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ComparisonVector {
    /// Level per field in [`Field::ALL`] order; `None` when the field cannot be compared.
    pub levels: [Option<u8>; 5],
    /// The identifier scheme that agreed or disagreed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheme: Option<Scheme>,
    /// Forename filter Dice, when comparable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forename_dice: Option<f32>,
    /// Surname filter Dice, when comparable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub surname_dice: Option<f32>,
    /// Names filter Dice, when used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub names_dice: Option<f32>,
    /// Identifier-salted names filter Dice, when used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_names_dice: Option<f32>,
    /// Number of match keys the records share.
    pub shared_keys: u16,
    /// The full-names keys with two date parts (`name-ym`, `name-yd`, `name-md`) the records
    /// share: the keys whose frequency in the records searched says how common these names
    /// are (see [`ComparisonVector::names_shared_by`]).
    #[serde(skip)]
    pub name_keys: NameKeys,
    /// How many *other* records of those searched hold one of [`Self::name_keys`], summed
    /// over the keys: `Σ (holders − 1)`. Filled in by whoever holds the records searched
    /// (`link::compare_slots`, the naive oracle) when the model adjusts for common names;
    /// `None` when no such key is shared, or not counted. The model's term-frequency adjustment reads it; never serialised (the
    /// explanation carries its weight).
    #[serde(skip)]
    pub names_shared_by: Option<u32>,
    /// Fields left uncomparable only because a low filter Dice could be the other name's
    /// Soundex code differing (bit `1 << field`). Scoring ignores them; estimating `u` counts
    /// them as disagreements, which for non-matching pairs they almost always are.
    #[serde(skip)]
    pub ambiguous: u8,
}

/// The `name-ym`, `name-yd` and `name-md` keys two records share (at most one of each).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NameKeys {
    keys: [Token; 3],
    len: u8,
}

impl NameKeys {
    /// The shared keys.
    pub fn as_slice(&self) -> &[Token] {
        &self.keys[..usize::from(self.len)]
    }

    fn push(&mut self, token: Token) {
        if let Some(free) = self.keys.get_mut(usize::from(self.len)) {
            *free = token;
            self.len += 1;
        }
    }

    /// Fills in [`ComparisonVector::names_shared_by`] from `holders`, the number of records
    /// searched holding a token (the candidate among them).
    pub fn count_others(&self, holders: impl Fn(Token) -> usize) -> Option<u32> {
        (self.len > 0).then(|| {
            self.as_slice()
                .iter()
                .map(|&t| holders(t).saturating_sub(1) as u32)
                .sum()
        })
    }
}

impl ComparisonVector {
    /// The level of one field.
    pub fn level(&self, field: Field) -> Option<u8> {
        self.levels[field as usize]
    }

    /// The twin/sibling pattern: same surname, same or near date of birth, a different
    /// forename. Non-matching pairs like this are mostly siblings, far more common than the
    /// independence of fields assumes (see `model`).
    pub fn sibling_pattern(&self) -> bool {
        let surname = matches!(self.level(Field::Surname), Some(l) if l <= level::NAME_ALT || l == level::SURNAME_CLOSE);
        let dob = matches!(self.level(Field::Dob), Some(l) if l <= level::DOB_SALT_VERIFIED);
        // A similar spelling (a typo) is not a different forename: only weak or no similarity.
        let forename =
            matches!(self.level(Field::Forename), Some(l) if l > level::FORENAME_CLOSE + 1);
        surname && dob && forename
    }
}

/// Evidence collected from the shared tokens of a pair.
#[derive(Default)]
struct Shared {
    keys: u16,
    dob_exact: bool,
    dob_transposed: bool,
    dob_one_off: bool,
    forename_exact: bool,
    forename_alt: bool,
    forename_group: bool,
    surname_exact: bool,
    surname_alt: bool,
    swapped: bool,
    phonetic: bool,
    id_agree: Option<Scheme>,
    /// Fingerprints of the identifier tokens the records share (rarely more than one).
    shared_ids: [u32; 2],
    /// An `id-near` key is shared: identifiers one keying error apart (or equal).
    id_near: bool,
    /// The shared full-names keys with two date parts.
    name_keys: NameKeys,
}

impl Shared {
    fn id(&mut self, token: Token) {
        self.id_agree = self.id_agree.or(token.scheme());
        if let Some(free) = self.shared_ids.iter_mut().find(|f| **f == 0) {
            *free = token.fingerprint;
        }
    }

    /// Whether the identifier whose fingerprint salts an id-names filter is one they share.
    fn id_salt_shared(&self, fingerprint: u32) -> bool {
        fingerprint != 0 && self.shared_ids.contains(&fingerprint)
    }

    fn dob(&mut self, x: u8) {
        if x & flags::DOB_SWAPPED != 0 {
            self.dob_transposed = true;
        } else {
            self.dob_exact = true;
        }
    }

    fn forename(&mut self, any: u8) {
        if any & flags::FORENAME_ALT != 0 {
            self.forename_alt = true;
        } else {
            self.forename_exact = true;
        }
    }

    fn surname(&mut self, any: u8) {
        if any & flags::SURNAME_ALT != 0 {
            self.surname_alt = true;
        } else {
            self.surname_exact = true;
        }
    }

    fn key(&mut self, family: KeyFamily, token: Token, fb: u8) {
        let fa = token.flags();
        if family == KeyFamily::IdNear {
            self.id_near = true;
            return;
        }
        self.keys += 1;
        let (x, any) = (fa ^ fb, fa | fb);
        match family {
            KeyFamily::NameDob if x & flags::NAMES_SWAPPED != 0 => {
                self.swapped = true;
                self.dob(x);
            }
            KeyFamily::NameDob => {
                self.forename(any);
                self.surname(any);
                self.dob(x);
            }
            KeyFamily::GroupDob => {
                self.forename_group = true;
                self.surname(any);
                self.dob(x);
            }
            KeyFamily::PhoneticDob => {
                self.phonetic = true;
                self.dob(x);
            }
            // Identical names with one date component off: one joint observation, scored
            // once as the DOB level `one_off` (whose u already includes the names agreeing),
            // never again as forename and surname agreement.
            KeyFamily::NameYearMonth | KeyFamily::NameYearDay | KeyFamily::NameMonthDay => {
                self.dob_one_off = true;
                self.name_keys.push(token);
            }
            KeyFamily::IdNear => unreachable!("handled above"),
        }
    }
}

fn collect_shared(a: &RecordView<'_>, b: &RecordView<'_>) -> (Shared, bool) {
    let mut shared = Shared::default();
    let (mut i, mut j) = (0, 0);
    while i < a.tokens.len() && j < b.tokens.len() {
        let (x, y) = (a.tokens[i], b.tokens[j]);
        // Tokens are sorted by fingerprint, then check: equal fingerprints with different
        // checks are a collision, not a shared token.
        match (x.fingerprint, x.check).cmp(&(y.fingerprint, y.check)) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                if x.identity() == y.identity() {
                    match x.family() {
                        Some(family) => shared.key(family, x, y.flags()),
                        None => shared.id(x),
                    }
                }
                // Equal fingerprints of different kinds: advance the smaller tag.
                if x.tag <= y.tag {
                    i += 1;
                } else {
                    j += 1;
                }
            }
        }
    }
    // Identifier disagreement: both hold a token of some scheme and share none of it.
    let schemes = |v: &RecordView<'_>| {
        v.tokens
            .iter()
            .filter(|t| t.is_identifier())
            .fold(0u8, |acc, t| acc | 1 << (t.tag - ID_TAG_BASE))
    };
    let common_schemes = schemes(a) & schemes(b);
    (shared, common_schemes != 0)
}

fn band(dice: f64, bands: &[f64]) -> usize {
    bands.iter().position(|t| dice >= *t).unwrap_or(bands.len())
}

/// Compares two records.
///
/// Compiled for several CPU levels and chosen at run time (protocol-neutral: every version
/// gives the same vector), so a portable binary still uses hardware popcount where it exists.
#[multiversion(targets = "simd")]
pub fn compare<'a, 'b>(a: &RecordView<'a>, b: &RecordView<'b>) -> ComparisonVector {
    let (shared, common_scheme) = collect_shared(a, b);
    let (ca, cb) = (a.compact, b.compact);
    let both = |bit: u8| ca.has(bit) && cb.has(bit);

    let identifier = match shared.id_agree {
        Some(_) => Some(level::ID_AGREE),
        None if shared.id_near => Some(level::ID_NEAR),
        None if common_scheme => Some(level::ID_DISAGREE),
        None => None,
    };
    let scheme = shared.id_agree.or_else(|| {
        common_scheme.then(|| {
            a.tokens
                .iter()
                .filter_map(|t| t.scheme())
                .find(|s| b.tokens.iter().any(|t| t.scheme() == Some(*s)))
        })?
    });

    // What the records say under an identifier they share (protocol.md §5.4).
    let under_id = ca.under_id_salt == cb.under_id_salt && shared.id_salt_shared(ca.under_id_salt);
    let under_id_dob =
        (under_id && both(HAS_UNDER_ID_DOB)).then_some(ca.under_id_dob == cb.under_id_dob);
    // The one-byte check agrees for 1 in 256 different dates; the check under the identifier
    // settles it.
    let check_agrees = both(HAS_DOB) && ca.dob_check == cb.dob_check && under_id_dob != Some(false);
    let key_evidence = shared.dob_exact || shared.dob_transposed || shared.dob_one_off;
    let id_verified = !key_evidence && under_id_dob == Some(true);
    let salts_agree = shared.dob_exact || shared.dob_transposed || check_agrees || id_verified;
    // Field-filter Dice where the DOB salts may agree. A Dice far above that of unrelated
    // filters (≥ the weak band) proves that this filter's salt agreed: the DOB salt and the
    // other name's Soundex code. With only the check byte agreeing, that verifies the date.
    let field_dice =
        |has: u8, a: &[u64; 4], b: &[u64; 4]| (salts_agree && both(has)).then(|| dice(a, b));
    let fd = field_dice(HAS_FORENAME, &ca.forename, &cb.forename);
    let sd = field_dice(HAS_SURNAME, &ca.surname, &cb.surname);
    let weak = NAME_DICE_BANDS[NAME_DICE_BANDS.len() - 1];
    // Not when the sex checks disagree: opposite-sex twins with similar forenames (Oliver and
    // Olivia Smith) would otherwise "verify" their shared date through the forename filter.
    let sex_conflict = both(HAS_SEX) && ca.sex_check != cb.sex_check;
    let filter_verified = !key_evidence
        && check_agrees
        && !sex_conflict
        && [fd, sd].into_iter().flatten().any(|d| d >= weak);
    let verified = filter_verified || id_verified;

    // Without a shared name key, the year-salted names filter is the only evidence that
    // survives a misspelling which changes a Soundex code (and with it the other name's field
    // filter salt) or a wrong day or month. It is a joint observation of names and date, scored
    // once as a DOB level; the name fields are then not scored again.
    let mut names_dice = None;
    let names_band = if !key_evidence && !verified && both(HAS_NAMES) {
        let d = dice(&ca.names, &cb.names);
        names_dice = Some(d as f32);
        Some(band(d, &YEAR_NAMES_BANDS))
    } else {
        None
    };
    let joint = matches!(names_band, Some(b) if b < YEAR_NAMES_BANDS.len());
    let dob = if shared.dob_exact {
        Some(level::DOB_EXACT)
    } else if shared.dob_transposed {
        Some(level::DOB_TRANSPOSED)
    } else if shared.dob_one_off {
        Some(level::DOB_ONE_OFF)
    } else if verified {
        Some(level::DOB_SALT_VERIFIED)
    } else if let (true, Some(b)) = (joint, names_band) {
        Some(match (b, check_agrees) {
            (0, true) => level::DOB_CHECK_CLOSE,
            (0, false) => level::DOB_YEAR_CLOSE,
            (_, true) => level::DOB_CHECK_SIMILAR,
            (_, false) => level::DOB_YEAR_SIMILAR,
        })
    } else if check_agrees {
        Some(level::DOB_CHECK)
    } else if both(HAS_DOB) {
        Some(level::DOB_DISAGREE)
    } else {
        None
    };
    // A field filter is salted by the other name's Soundex code too (protocol.md §5.2): a low
    // Dice is "a different name" only when that code is known to agree (the other name is
    // identical, or a `phonetic-dob` key is shared); otherwise it may be a misspelling that
    // changed the other name's code, and the field is not comparable.
    let filters_usable = salts_agree && !joint && !shared.dob_one_off;
    let mut ambiguous = 0u8;
    let mut filter_level =
        |field: Field, d: f64, close: u8, other_code_agrees: bool| -> Option<u8> {
            if d >= IDENTICAL_FILTERS {
                Some(level::NAME_EXACT)
            } else if d >= weak || other_code_agrees {
                Some(close + band(d, &NAME_DICE_BANDS) as u8)
            } else {
                ambiguous |= 1 << field as u8;
                None
            }
        };
    let surname_identical = shared.surname_exact || sd.is_some_and(|d| d >= IDENTICAL_FILTERS);
    let forename_identical = shared.forename_exact || fd.is_some_and(|d| d >= IDENTICAL_FILTERS);

    let mut forename_dice = None;
    let forename = if shared.forename_exact {
        Some(level::NAME_EXACT)
    } else if shared.forename_alt {
        Some(level::NAME_ALT)
    } else if shared.forename_group {
        Some(level::FORENAME_EQUIVALENT)
    } else if shared.swapped {
        Some(level::FORENAME_SWAPPED)
    } else if let (true, Some(d)) = (filters_usable, fd) {
        forename_dice = Some(d as f32);
        filter_level(
            Field::Forename,
            d,
            level::FORENAME_CLOSE,
            surname_identical || shared.phonetic,
        )
    } else {
        None
    };

    let mut surname_dice = None;
    let surname = if shared.surname_exact {
        Some(level::NAME_EXACT)
    } else if shared.surname_alt {
        Some(level::NAME_ALT)
    } else if shared.swapped {
        Some(level::SURNAME_SWAPPED)
    } else if let (true, Some(d)) = (filters_usable, sd) {
        surname_dice = Some(d as f32);
        filter_level(
            Field::Surname,
            d,
            level::SURNAME_CLOSE,
            forename_identical || shared.phonetic,
        )
    } else {
        None
    };

    // With the identifier agreeing but no name compared under the date of birth (it differs,
    // or is missing), the filter salted by that identifier says whether the names agree. It is
    // one joint observation, scored as an identifier level, and only when no other level has
    // seen the names (a joint DOB level or `one_off` already has).
    let names_seen = forename.is_some()
        || surname.is_some()
        || joint
        || filter_verified
        || matches!(dob, Some(l) if l < level::DOB_SALT_VERIFIED);
    let mut id_names_dice = None;
    let identifier = match identifier {
        Some(level::ID_AGREE) if !names_seen && under_id && both(HAS_UNDER_ID_NAMES) => {
            let d = dice(&ca.under_id_names, &cb.under_id_names);
            id_names_dice = Some(d as f32);
            Some(level::ID_AGREE_NAMES_CLOSE + band(d, &ID_NAMES_BANDS) as u8)
        }
        other => other,
    };

    let sex = (salts_agree && both(HAS_SEX)).then_some({
        if ca.sex_check == cb.sex_check {
            level::SEX_AGREE
        } else {
            level::SEX_DISAGREE
        }
    });

    ComparisonVector {
        levels: [identifier, dob, forename, surname, sex],
        scheme,
        forename_dice,
        surname_dice,
        names_dice,
        id_names_dice,
        shared_keys: shared.keys,
        name_keys: shared.name_keys,
        names_shared_by: None,
        ambiguous,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::{AgreementSecret, Encoder, LocalKey, PupilRecord};
    use crate::input::RawRecord;
    use crate::matcher::compact::Prepared;

    fn prepared(forename: &str, surname: &str, dob: &str, upn: &str) -> Prepared {
        let encoder = Encoder::new(
            &AgreementSecret::from_bytes("compare-test", 1, [8; 32]).unwrap(),
            LocalKey::from_bytes([9; 32]),
        );
        let raw = RawRecord {
            record_id: Some("r".into()),
            forename: Some(forename.into()),
            surname: Some(surname.into()),
            dob: Some(dob.into()),
            upn: Some(upn.into()),
            ..RawRecord::default()
        };
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        Prepared::from_encoded(&encoder.encode(&PupilRecord::from_raw(&raw, today).unwrap().record))
    }

    const UPN: &str = "H801200001001";

    #[test]
    fn with_the_same_upn_and_an_unusable_date_the_names_are_compared_under_the_upn() {
        let a = prepared("Bronwen", "Pritchard", "2013-06-12", UPN);
        let typo = prepared("Bronwen", "Pritchart", "2011-06-12", UPN);
        let sibling = prepared("Dylan", "Pritchard", "2016-02-03", UPN);
        let v = compare(&a.view(), &typo.view());
        assert_eq!(
            v.level(Field::Identifier),
            Some(level::ID_AGREE_NAMES_CLOSE)
        );
        assert_eq!(
            (v.level(Field::Forename), v.level(Field::Surname)),
            (None, None)
        );
        assert!(v.id_names_dice.is_some_and(|d| d >= 0.8), "{v:?}");
        // A sibling given the child's UPN shares the surname: similar at most, never close.
        let v = compare(&a.view(), &sibling.view());
        assert_eq!(
            v.level(Field::Identifier),
            Some(level::ID_AGREE_NAMES_SIMILAR)
        );
        let stranger = prepared("Ffion", "Jones", "2016-02-03", UPN);
        let v = compare(&a.view(), &stranger.view());
        assert_eq!(
            v.level(Field::Identifier),
            Some(level::ID_AGREE_NAMES_DIFFER)
        );
    }

    #[test]
    fn the_date_check_under_the_upn_verifies_a_date_no_name_key_shows() {
        // Both names misspelt so that no name-and-date key is shared.
        let a = prepared("Katarzyna", "Wisniewska", "2012-01-30", UPN);
        let b = prepared("Catarzyna", "Visniewska", "2012-01-30", UPN);
        let v = compare(&a.view(), &b.view());
        assert_eq!(v.level(Field::Dob), Some(level::DOB_SALT_VERIFIED), "{v:?}");
    }

    #[test]
    fn an_unequal_date_check_under_the_upn_overrides_a_chance_agreement_of_the_check_byte() {
        let a = prepared("Bronwen", "Pritchard", "2013-06-12", UPN);
        let mut b = prepared("Bronwen", "Pritchart", "2011-06-12", UPN);
        // As if the one-byte checks of the two dates collided (1 in 256).
        b.compact.dob_check = a.compact.dob_check;
        let v = compare(&a.view(), &b.view());
        assert_eq!(v.level(Field::Dob), Some(level::DOB_DISAGREE), "{v:?}");
        // Without the check under the identifier the collision would read as agreement.
        b.compact.present &= !crate::matcher::compact::HAS_UNDER_ID_DOB;
        let v = compare(&a.view(), &b.view());
        assert_ne!(v.level(Field::Dob), Some(level::DOB_DISAGREE), "{v:?}");
    }

    #[test]
    fn every_level_has_a_label_and_a_meaning() {
        for field in Field::ALL {
            assert!(!field.levels().is_empty());
            for (i, (label, meaning)) in field.levels().iter().enumerate() {
                assert_eq!(field.level_index(label), Some(i as u8));
                assert!(!meaning.is_empty());
            }
        }
        assert_eq!(
            Field::Forename.levels()[level::FORENAME_DISAGREE as usize].0,
            "disagree"
        );
        assert_eq!(
            Field::Surname.levels()[level::SURNAME_DISAGREE as usize].0,
            "disagree"
        );
        assert_eq!(
            Field::Dob.levels()[level::DOB_DISAGREE as usize].0,
            "disagree"
        );
    }
}
