//! Salted field-level Bloom filters of names (protocol.md §5): the fuzzy encoding.
//!
//! Each name field (forename, surname) becomes a 256-bit filter: every bigram of the padded
//! name sets [`BITS_PER_BIGRAM`] bits chosen by HMAC-SHA256 under a per-field key ("random
//! hashing", not double hashing). The HMAC input is prefixed with the record's *DOB salt*
//! (year and the unordered day/month pair), so two records' filters are comparable only when
//! their dates of birth agree up to a day/month transposition. That salt is what defeats the
//! frequency and pattern-mining attacks on field-level filters: an attacker sees at most a few
//! thousand filters per salt nationally, far below the ~100k those attacks need
//! (pprl notes §1.3, §2.2); see protocol.md §9 for the trade-off.
//!
//! Because a DOB error makes the field filters incomparable, each record also carries one
//! 512-bit *record-level* filter of both names (a CLK), salted only by the year of birth, which
//! the matcher uses as a fallback when the DOB salts differ and for LSH blocking.
//!
//! A record with a national identifier also carries a 256-bit filter of both names salted by
//! that identifier (protocol.md §5.4). It is comparable only between records holding the same
//! identifier, so it says whether the names agree when a DOB error (or a missing DOB) leaves
//! every DOB-salted encoding incomparable. An identifier salt is almost unique per child: the
//! "salt-ALL" hardening under which graph-matching attacks fall below 0.5% (pprl notes §2).

use crate::encode::keys::DerivedKey;

pub use crate::wire::filters::{Bloom, NameBloom, NamesBloom, FILTER_BITS, NAMES_FILTER_BITS};

/// Bits set per distinct bigram.
pub const BITS_PER_BIGRAM: usize = 8;
/// The padding character added at both ends of a name before taking bigrams.
pub const PAD: u8 = b'_';

/// Which name field a filter encodes; each has its own key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BloomField {
    /// The legal forename, all words joined.
    Forename,
    /// The legal surname, canonical full form.
    Surname,
    /// Both names in one record-level filter, salted by year of birth.
    Names,
    /// Both names in one filter salted by a national identifier.
    IdNames,
}

impl BloomField {
    /// The label used in key derivation and on the wire.
    pub fn label(self) -> &'static str {
        match self {
            BloomField::Forename => "forename",
            BloomField::Surname => "surname",
            BloomField::Names => "names",
            BloomField::IdNames => "id-names",
        }
    }
}

/// The distinct bigrams of `_name_`, in first-occurrence order.
///
/// ```
/// use pupilmatch::encode::bloom::bigrams;
/// assert_eq!(bigrams("anna"), ["_a", "an", "nn", "na", "a_"]);
/// ```
pub fn bigrams(name: &str) -> Vec<String> {
    let mut padded = Vec::with_capacity(name.len() + 2);
    padded.push(PAD);
    padded.extend_from_slice(name.as_bytes());
    padded.push(PAD);
    let mut out: Vec<String> = Vec::with_capacity(padded.len());
    for pair in padded.windows(2) {
        let gram = String::from_utf8_lossy(pair).into_owned();
        if !out.contains(&gram) {
            out.push(gram);
        }
    }
    out
}

/// The distinct bigrams of `_name_` as byte pairs, in first-occurrence order (the
/// allocation-free form of [`bigrams`] that the encoders use).
fn bigram_pairs(name: &str) -> Vec<[u8; 2]> {
    let bytes = name.as_bytes();
    let mut out: Vec<[u8; 2]> = Vec::with_capacity(bytes.len() + 1);
    let padded = std::iter::once(PAD)
        .chain(bytes.iter().copied())
        .chain(std::iter::once(PAD));
    let mut previous = None;
    for b in padded {
        if let Some(a) = previous {
            if !out.contains(&[a, b]) {
                out.push([a, b]);
            }
        }
        previous = Some(b);
    }
    out
}

/// Encodes a folded name under a field key and a DOB salt (protocol.md §5.2): for each distinct
/// bigram `g`, `h = HMAC-SHA256(K_field, salt ‖ 0x1F ‖ g)` and bits `h[0], …, h[7]` are set.
pub fn encode_name(key: &DerivedKey, salt: &str, name: &str) -> NameBloom {
    let mut filter = NameBloom::default();
    set_features(
        &mut filter,
        key,
        salt,
        bigram_pairs(name).iter().map(|g| (None, g)),
        |b| usize::from(b[0]),
    );
    filter
}

/// Encodes both names into the record-level filter (protocol.md §5.3): features are `f` +
/// each forename bigram and `s` + each surname bigram; for each, `h = HMAC-SHA256(K_names,
/// year ‖ 0x1F ‖ feature)` and bits `u16_be(h[2i..2i+2]) mod 512` for `i` in `0..8` are set.
pub fn encode_names(key: &DerivedKey, year: &str, forename: &str, surname: &str) -> NamesBloom {
    let (forename, surname) = (bigram_pairs(forename), bigram_pairs(surname));
    let features = forename
        .iter()
        .map(|g| (Some(b'f'), g))
        .chain(surname.iter().map(|g| (Some(b's'), g)));
    let mut filter = NamesBloom::default();
    set_features(&mut filter, key, year, features, |b| {
        usize::from(u16::from_be_bytes([b[0], b[1]])) % NAMES_FILTER_BITS
    });
    filter
}

/// The salt of an identifier-salted names filter: the scheme's wire name, 0x1F, and the
/// identifier's canonical form.
///
/// ```
/// use pupilmatch::encode::bloom::id_names_salt;
/// assert_eq!(id_names_salt("scn", "123456789"), "scn\u{1f}123456789");
/// ```
pub fn id_names_salt(scheme: &str, canonical: &str) -> String {
    format!("{scheme}\u{1f}{canonical}")
}

/// Encodes both names into a 256-bit filter salted by an identifier (protocol.md §5.4): for
/// each bigram `g` of the forename and of the surname (no field prefix, so names entered the
/// wrong way round give the same filter), `h = HMAC-SHA256(K_id_names, salt ‖ 0x1F ‖ g)` and
/// bits `h[0], …, h[7]` are set.
pub fn encode_id_names(key: &DerivedKey, salt: &str, forename: &str, surname: &str) -> NameBloom {
    let (forename, surname) = (bigram_pairs(forename), bigram_pairs(surname));
    let features = forename.iter().chain(&surname).map(|g| (None, g));
    let mut filter = NameBloom::default();
    set_features(&mut filter, key, salt, features, |b| usize::from(b[0]));
    filter
}

/// Sets [`BITS_PER_BIGRAM`] bits per feature (an optional one-byte prefix and a bigram), each
/// position read from the feature's HMAC by `position` over successive chunks of the digest.
fn set_features<'a, const W: usize>(
    filter: &mut Bloom<W>,
    key: &DerivedKey,
    salt: &str,
    features: impl Iterator<Item = (Option<u8>, &'a [u8; 2])>,
    position: impl Fn(&[u8]) -> usize,
) {
    let chunk = if W * 64 > 256 { 2 } else { 1 };
    let mut prefixed = key.hmac();
    hmac::Mac::update(&mut prefixed, salt.as_bytes());
    hmac::Mac::update(&mut prefixed, &[0x1F]);
    for (prefix, gram) in features {
        let mut mac = prefixed.clone();
        if let Some(prefix) = prefix {
            hmac::Mac::update(&mut mac, &[prefix]);
        }
        hmac::Mac::update(&mut mac, gram);
        let digest = hmac::Mac::finalize(mac).into_bytes();
        for bytes in digest.chunks(chunk).take(BITS_PER_BIGRAM) {
            filter.set(position(bytes));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_encoders_bigram_pairs_are_the_protocols_bigrams() {
        for name in ["anna", "o'brien", "mac neil", "x", "", "ap dafydd-jones"] {
            let pairs: Vec<String> = bigram_pairs(name)
                .iter()
                .map(|p| String::from_utf8(p.to_vec()).unwrap())
                .collect();
            assert_eq!(pairs, bigrams(name), "{name}");
        }
    }

    use super::*;
    use crate::encode::keys::{AgreementSecret, KeyPurpose, KeySchedule};

    fn key(field: BloomField) -> DerivedKey {
        let secret = AgreementSecret::from_bytes("test", 1, [9; 32]).unwrap();
        KeySchedule::new(&secret).key(KeyPurpose::Bloom(field))
    }

    #[test]
    fn a_typo_keeps_a_high_dice_and_a_different_name_does_not() {
        let k = key(BloomField::Surname);
        let salt = "2014-03-07";
        let a = encode_name(&k, salt, "robinson");
        let typo = encode_name(&k, salt, "robinsen");
        let other = encode_name(&k, salt, "kowalski");
        assert!(a.dice(&typo) > 0.7, "{}", a.dice(&typo));
        assert!(a.dice(&other) < 0.3, "{}", a.dice(&other));
        assert_eq!(a.dice(&a), 1.0);
    }

    #[test]
    fn the_same_name_under_another_dob_salt_is_unrelated() {
        let k = key(BloomField::Forename);
        let a = encode_name(&k, "2014-03-07", "oliver");
        let b = encode_name(&k, "2014-03-08", "oliver");
        assert!(a.dice(&b) < 0.4, "{}", a.dice(&b));
    }

    #[test]
    fn fields_use_independent_keys() {
        let a = encode_name(&key(BloomField::Forename), "2014-03-07", "morgan");
        let b = encode_name(&key(BloomField::Surname), "2014-03-07", "morgan");
        assert!(a.dice(&b) < 0.4);
    }

    #[test]
    fn the_names_filter_survives_a_dob_error_but_not_a_year_change() {
        let k = key(BloomField::Names);
        let a = encode_names(&k, "2014", "oliver", "kowalski");
        let typo = encode_names(&k, "2014", "olivier", "kowalsky");
        let other_year = encode_names(&k, "2015", "oliver", "kowalski");
        assert!(a.dice(&typo) > 0.6, "{}", a.dice(&typo));
        assert!(a.dice(&other_year) < 0.4, "{}", a.dice(&other_year));
    }

    #[test]
    fn the_id_names_filter_compares_names_only_under_the_same_identifier() {
        let k = key(BloomField::IdNames);
        let salt = id_names_salt("upn", "A123456789012");
        let a = encode_id_names(&k, &salt, "sean", "obrien");
        let typo = encode_id_names(&k, &salt, "sean", "obrian");
        let sibling = encode_id_names(&k, &salt, "aoife", "obrien");
        let other_id =
            encode_id_names(&k, &id_names_salt("upn", "B123456789012"), "sean", "obrien");
        let swapped = encode_id_names(&k, &salt, "obrien", "sean");
        assert_eq!(a, swapped, "the filter does not care which name is which");
        assert!(a.dice(&typo) > 0.8, "{}", a.dice(&typo));
        assert!(a.dice(&sibling) < 0.75, "{}", a.dice(&sibling));
        assert!(a.dice(&other_id) < 0.5, "{}", a.dice(&other_id));
    }

    #[test]
    fn wire_bytes_round_trip() {
        let a = encode_name(&key(BloomField::Forename), "2014-03-07", "siobhan");
        assert_eq!(NameBloom::from_bytes(&a.to_bytes()), Some(a));
        assert_eq!(NameBloom::from_bytes(&[0; 31]), None);
    }
}
