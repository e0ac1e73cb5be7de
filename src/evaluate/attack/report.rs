//! Every attack against every column the hub stores, and the positive controls, as one report
//! (`pupilmatch bench attack` prints it; `tests/attacks.rs` asserts on it).
//!
//! The attacker holds the hub's view — the current protocol's encodings after the hub key
//! layer, exactly as stored — and the exact public name tables the population was drawn from,
//! but no key. The single-name encodings protocol v1 had (and v2 retired) are attacked too, so
//! the report shows what the change bought.
//! Each column is attacked for the value it encodes: a forename filter for the forename, a
//! name+date key for the name pair, and so on; learning the name behind an encoding counts as
//! re-identifying it even when the date stays unknown.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use chrono::{Datelike, NaiveDate};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::bit_pattern::{self, BitPatternResult, Dictionary};
use super::population::{Child, Population, PopulationConfig};
use super::{frequency_alignment, AttackResult};
use crate::encode::bloom::{bigrams, encode_name, BloomField, FILTER_BITS, NAMES_FILTER_BITS};
use crate::encode::keys::{KeyPurpose, KeySchedule, LocalKey};
use crate::encode::phonetic::soundex;
use crate::encode::record::dob_salt;
use crate::encode::tokens::{KeyFamily, TokenKeys};
use crate::encode::{AgreementSecret, EncodedRecord, Encoder, PupilRecord};
use crate::hub::layer::HubLayer;

/// The protocol requirement: at most this share of records re-identified by any attack.
pub const MAX_REIDENTIFICATION: f64 = 0.001;

/// Dictionary size for harness B and the pair tables (the head is what attacks exploit).
const DICTIONARY: usize = 1_000;
/// Names of each kind combined into the attacker's table of name pairs.
const PAIR_HEAD: usize = 400;

/// What kind of column was attacked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A naive encoding that must be broken (proves the harness works).
    PositiveControl,
    /// What the current protocol (v2) stores: each must stay at or below
    /// [`MAX_REIDENTIFICATION`].
    Protocol,
    /// A protocol v1 encoding retired in v2 because it failed the requirement, rebuilt by the
    /// harness for comparison.
    RetiredV1,
}

/// Which harness ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Harness {
    /// Frequency / rank alignment of identical encodings.
    Frequency,
    /// Bit-position pattern attack on filters.
    BitPattern,
}

/// One attacked column.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Control or protocol.
    pub target: Target,
    /// The column, e.g. `forename-dob key`.
    pub column: String,
    /// What the attacker tries to learn.
    pub value: &'static str,
    /// The harness.
    pub harness: Harness,
    /// Share of records whose value was recovered.
    pub reidentified: f64,
    /// What the same attack recovers from a column that carries no information (every
    /// encoding distinct): guessing from the public table alone.
    pub chance: f64,
    /// Of the ten most frequent values, the share recovered (precision of the groups
    /// assigned to them for harness A, values mostly decoded for harness B).
    pub top10: f64,
    /// Distinct encodings in the column.
    pub distinct: usize,
}

impl Row {
    /// Records re-identified beyond what guessing from the public table achieves.
    pub fn above_chance(&self) -> f64 {
        (self.reidentified - self.chance).max(0.0)
    }
}

/// The whole report for one population.
#[derive(Debug, Clone)]
pub struct AttackReport {
    /// The population attacked.
    pub config: PopulationConfig,
    /// Every attacked column.
    pub rows: Vec<Row>,
}

impl AttackReport {
    /// The protocol column with the highest re-identification above chance.
    pub fn worst(&self) -> Option<&Row> {
        self.rows
            .iter()
            .filter(|r| r.target == Target::Protocol)
            .max_by(|a, b| a.above_chance().total_cmp(&b.above_chance()))
    }

    /// Protocol columns re-identified above chance by more than [`MAX_REIDENTIFICATION`].
    pub fn failures(&self) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|r| r.target == Target::Protocol && r.above_chance() > MAX_REIDENTIFICATION)
            .collect()
    }

    /// The positive-control rows.
    pub fn controls(&self) -> impl Iterator<Item = &Row> {
        self.rows
            .iter()
            .filter(|r| r.target == Target::PositiveControl)
    }

    /// Runs every attack on a population drawn from `config`.
    pub fn run(config: PopulationConfig) -> AttackReport {
        let population = Population::generate(config);
        let world = World::new(&population);
        let mut rows = controls(&world);
        let stored = stored_view(&world);
        rows.extend(protocol(&world, &stored));
        rows.extend(retired_v1(&world));
        AttackReport { config, rows }
    }
}

impl fmt::Display for AttackReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} records, dates of birth over {} days ({:.0} children per day; the nation has ~2,250)",
            self.config.size,
            self.config.dob_days,
            self.config.size as f64 / self.config.dob_days as f64
        )?;
        writeln!(
            f,
            "{:<17} {:<34} {:<9} {:<7} {:>10} {:>8} {:>12} {:>7} {:>8}",
            "target",
            "column",
            "value",
            "harness",
            "re-ident.",
            "chance",
            "above chance",
            "top-10",
            "distinct"
        )?;
        for row in &self.rows {
            writeln!(
                f,
                "{:<17} {:<34} {:<9} {:<7} {:>9.3}% {:>7.3}% {:>11.3}% {:>6.0}% {:>8}",
                match row.target {
                    Target::PositiveControl => "positive control",
                    Target::Protocol => "protocol v3",
                    Target::RetiredV1 => "retired (v1)",
                },
                row.column,
                row.value,
                match row.harness {
                    Harness::Frequency => "A freq",
                    Harness::BitPattern => "B bits",
                },
                100.0 * row.reidentified,
                100.0 * row.chance,
                100.0 * row.above_chance(),
                100.0 * row.top10,
                row.distinct
            )?;
        }
        match self.worst() {
            Some(worst) => writeln!(
                f,
                "worst protocol v3 column: {} ({:.3}% of records above chance; requirement ≤ {:.1}%)",
                worst.column,
                100.0 * worst.above_chance(),
                100.0 * MAX_REIDENTIFICATION
            ),
            None => Ok(()),
        }
    }
}

/// The population with its plaintext views and public tables.
struct World<'a> {
    population: &'a Population,
    forenames: Vec<(String, f64)>,
    surnames: Vec<(String, f64)>,
}

impl<'a> World<'a> {
    fn new(population: &'a Population) -> Self {
        let table = |t: &[super::population::Frequency]| {
            t.iter()
                .map(|f| (f.value.clone(), f.probability))
                .collect::<Vec<_>>()
        };
        World {
            population,
            forenames: table(&population.forenames),
            surnames: table(&population.surnames),
        }
    }

    fn children(&self) -> &[Child] {
        &self.population.children
    }

    fn forename(&self, c: &Child) -> String {
        self.population.forename(c).to_string()
    }

    fn surname(&self, c: &Child) -> String {
        self.population.surname(c).to_string()
    }

    /// Distinct values of a date projection among the children (the salts an attacker faces).
    fn salts(&self, project: impl Fn(NaiveDate) -> String) -> u64 {
        self.children()
            .iter()
            .map(|c| project(c.dob))
            .collect::<BTreeSet<_>>()
            .len() as u64
    }
}

/// Public probabilities of a projection of one name table, most frequent first.
fn project_table(table: &[(String, f64)], project: impl Fn(&str) -> String) -> Vec<(String, f64)> {
    let mut sums: HashMap<String, f64> = HashMap::new();
    for (name, p) in table {
        *sums.entry(project(name)).or_default() += p;
    }
    sorted(sums.into_iter().collect())
}

/// The public table of pairs of two independent projected tables (the head of each).
fn pair_table(a: &[(String, f64)], b: &[(String, f64)]) -> Vec<(String, f64)> {
    let mut pairs: Vec<(String, f64)> = a
        .iter()
        .take(PAIR_HEAD)
        .flat_map(|(x, px)| {
            b.iter()
                .take(PAIR_HEAD)
                .map(move |(y, py)| (format!("{x}|{y}"), px * py))
        })
        .collect();
    pairs.sort_by(|x, y| y.1.total_cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
    pairs.truncate(50_000);
    pairs
}

fn sorted(mut table: Vec<(String, f64)>) -> Vec<(String, f64)> {
    table.sort_by(|x, y| y.1.total_cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
    table
}

fn features(name: &str, prefix: &str) -> Vec<Vec<u8>> {
    bigrams(name)
        .into_iter()
        .map(|g| [prefix.as_bytes(), g.as_bytes()].concat())
        .collect()
}

fn frequency_row<E: std::hash::Hash + Eq, V: std::hash::Hash + Eq>(
    target: Target,
    column: &str,
    value: &'static str,
    encoded: &[(E, V)],
    public: &[(V, f64)],
    salts: u64,
) -> Row {
    let AttackResult {
        record_reidentification,
        top_value_precision,
        distinct_encodings,
    } = frequency_alignment(encoded, public, salts, 10);
    let uninformative: Vec<(usize, &V)> = encoded
        .iter()
        .enumerate()
        .map(|(i, (_, v))| (i, v))
        .collect();
    let public_refs: Vec<(&V, f64)> = public.iter().map(|(v, p)| (v, *p)).collect();
    let chance = frequency_alignment(&uninformative, &public_refs, salts, 10);
    Row {
        target,
        column: column.to_string(),
        value,
        harness: Harness::Frequency,
        reidentified: record_reidentification,
        chance: chance.record_reidentification,
        top10: top_value_precision,
        distinct: distinct_encodings,
    }
}

/// A `name|code` value that the attacker is scored on by its name alone: recovering the name
/// is the breach, whatever the other name's code.
#[derive(Debug, Clone)]
struct NamePart(String);

impl NamePart {
    fn name(&self) -> &str {
        self.0
            .split_once('|')
            .map_or(self.0.as_str(), |(name, _)| name)
    }
}

impl PartialEq for NamePart {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}

impl Eq for NamePart {}

impl std::hash::Hash for NamePart {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name().hash(state);
    }
}

fn bit_pattern_row(
    target: Target,
    column: &str,
    value: &'static str,
    filters: &[(Vec<u64>, String)],
    bits: usize,
    dictionary: &Dictionary<String>,
) -> Row {
    let result: BitPatternResult = bit_pattern::attack(filters, bits, dictionary);
    let distinct = filters
        .iter()
        .map(|(f, _)| f.as_slice())
        .collect::<std::collections::HashSet<_>>()
        .len();
    Row {
        target,
        column: column.to_string(),
        value,
        harness: Harness::BitPattern,
        reidentified: result.exact_rate(),
        // A filter decodes to exactly one value only through its bit pattern.
        chance: 0.0,
        top10: result.top10_values,
        distinct,
    }
}

fn name_dictionary(table: &[(String, f64)], prefix: &str) -> Dictionary<String> {
    Dictionary::new(
        table
            .iter()
            .take(DICTIONARY)
            .map(|(name, _)| (name.clone(), features(name, prefix)))
            .collect(),
    )
}

/// The attacker's dictionary of the commonest (forename, surname) pairs, as filter features
/// with the given forename and surname prefixes.
fn pair_dictionary(pairs: &[(String, f64)], prefixes: (&str, &str)) -> Dictionary<String> {
    Dictionary::new(
        pairs
            .iter()
            .take(DICTIONARY)
            .map(|(pair, _)| {
                let (f, s) = pair.split_once('|').expect("pair");
                let mut all = features(f, prefixes.0);
                all.extend(features(s, prefixes.1));
                (pair.clone(), all)
            })
            .collect(),
    )
}

/// A keyed 64-bit hash for the naive encodings.
fn keyed_u64(key: &[u8], message: &[u8], which: u8) -> u64 {
    let digest = Sha256::new()
        .chain_update(key)
        .chain_update([which])
        .chain_update(message)
        .finalize();
    u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// The textbook unhardened field filter: 1,000 bits, 20 positions per bigram by double
/// hashing, no salt.
fn double_hashing_filter(name: &str) -> Vec<u64> {
    const BITS: u64 = 1_000;
    let mut words = vec![0u64; 16];
    for gram in bigrams(name) {
        let h1 = keyed_u64(b"control", gram.as_bytes(), 1);
        let h2 = keyed_u64(b"control", gram.as_bytes(), 2);
        for i in 0..20u64 {
            let p = (h1.wrapping_add(i.wrapping_mul(h2)) % BITS) as usize;
            words[p / 64] |= 1 << (p % 64);
        }
    }
    words
}

fn controls(world: &World) -> Vec<Row> {
    let keys = TokenKeys::derive(&KeySchedule::new(&attack_secret()));
    let forenames: Vec<(String, String)> = world
        .children()
        .iter()
        .map(|c| (world.forename(c), world.forename(c)))
        .collect();
    let token_column: Vec<([u8; 16], String)> = forenames
        .iter()
        .map(|(name, truth)| (keys.token(KeyFamily::NameDob, &[name]), truth.clone()))
        .collect();
    let surname_tokens: Vec<([u8; 16], String)> = world
        .children()
        .iter()
        .map(|c| {
            let s = world.surname(c);
            (keys.token(KeyFamily::PhoneticDob, &[&s]), s)
        })
        .collect();
    let filters: Vec<(Vec<u64>, String)> = forenames
        .par_iter()
        .map(|(name, truth)| (double_hashing_filter(name), truth.clone()))
        .collect();
    let control = Target::PositiveControl;
    vec![
        frequency_row(
            control,
            "per-field forename HMAC token",
            "forename",
            &token_column,
            &world.forenames,
            1,
        ),
        frequency_row(
            control,
            "per-field surname HMAC token",
            "surname",
            &surname_tokens,
            &world.surnames,
            1,
        ),
        frequency_row(
            control,
            "unsalted forename BF (k=20, 1000b)",
            "forename",
            &filters,
            &world.forenames,
            1,
        ),
        bit_pattern_row(
            control,
            "unsalted forename BF (k=20, 1000b)",
            "forename",
            &filters,
            1_000,
            &name_dictionary(&world.forenames, ""),
        ),
    ]
}

/// The agreement secret of the attacked population (the attacker never holds it).
fn attack_secret() -> AgreementSecret {
    AgreementSecret::from_bytes("attack-harness", 1, [0x5A; 32]).expect("valid agreement id")
}

/// Encodes every child and applies the hub layer: what the hub stores.
fn stored_view(world: &World) -> Vec<EncodedRecord> {
    let encoder = Encoder::new(&attack_secret(), LocalKey::from_bytes([0x11; 32]));
    let hub = HubLayer::from_bytes(&[0x77; 32]);
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("valid date");
    (0..world.children().len())
        .into_par_iter()
        .map(|i| {
            let raw = world.population.raw_record(i);
            let record = PupilRecord::from_raw(&raw, today)
                .expect("synthetic children are valid pupils")
                .record;
            hub.apply(&encoder.encode(&record))
        })
        .collect()
}

/// How a key family's value is projected from the names, and the date salts it spreads over.
struct FamilyView {
    family: KeyFamily,
    column: &'static str,
    value: &'static str,
    forename: fn(&str) -> String,
    surname: Option<fn(&str) -> String>,
    forename_only: bool,
    date: fn(NaiveDate) -> String,
}

fn identity(s: &str) -> String {
    s.to_string()
}
fn two_letters(s: &str) -> String {
    s.chars().take(2).collect()
}
fn soundex_of(s: &str) -> String {
    soundex(s)
}
fn full_date(d: NaiveDate) -> String {
    d.to_string()
}
fn year_month(d: NaiveDate) -> String {
    format!("{}-{:02}", d.year(), d.month())
}
fn year_day(d: NaiveDate) -> String {
    format!("{}-{:02}", d.year(), d.day())
}
fn month_day(d: NaiveDate) -> String {
    format!("{:02}-{:02}", d.month(), d.day())
}
fn year(d: NaiveDate) -> String {
    d.year().to_string()
}

const FAMILIES: [FamilyView; 6] = [
    FamilyView {
        family: KeyFamily::NameDob,
        column: "name-dob key",
        value: "names",
        forename: identity,
        surname: Some(identity),
        forename_only: false,
        date: full_date,
    },
    FamilyView {
        family: KeyFamily::GroupDob,
        column: "group-dob key",
        value: "names",
        forename: identity,
        surname: Some(identity),
        forename_only: false,
        date: full_date,
    },
    FamilyView {
        family: KeyFamily::PhoneticDob,
        column: "phonetic-dob key",
        value: "soundex",
        forename: soundex_of,
        surname: Some(soundex_of),
        forename_only: false,
        date: full_date,
    },
    FamilyView {
        family: KeyFamily::NameYearMonth,
        column: "name-ym key",
        value: "names",
        forename: identity,
        surname: Some(identity),
        forename_only: false,
        date: year_month,
    },
    FamilyView {
        family: KeyFamily::NameYearDay,
        column: "name-yd key",
        value: "names",
        forename: identity,
        surname: Some(identity),
        forename_only: false,
        date: year_day,
    },
    FamilyView {
        family: KeyFamily::NameMonthDay,
        column: "name-md key",
        value: "names",
        forename: identity,
        surname: Some(identity),
        forename_only: false,
        date: month_day,
    },
];

fn protocol(world: &World, stored: &[EncodedRecord]) -> Vec<Row> {
    let v1 = Target::Protocol;
    let children = world.children();
    let mut rows = Vec::new();
    for view in &FAMILIES {
        let truth = |c: &Child| -> String {
            let f = (view.forename)(&world.forename(c));
            match (view.surname, view.forename_only) {
                (Some(s), _) => format!("{f}|{}", s(&world.surname(c))),
                (None, true) => f,
                (None, false) => world.surname(c),
            }
        };
        let public = match (view.surname, view.forename_only) {
            (Some(s), _) => pair_table(
                &project_table(&world.forenames, view.forename),
                &project_table(&world.surnames, s),
            ),
            (None, true) => project_table(&world.forenames, view.forename),
            (None, false) => world.surnames.clone(),
        };
        // The key of the record's own legal names and true date (flags 0).
        let column: Vec<([u8; 16], String)> = stored
            .iter()
            .zip(children)
            .filter_map(|(record, child)| {
                let key = record
                    .keys
                    .iter()
                    .find(|k| k.family == view.family && k.flags == 0)?;
                Some((key.token, truth(child)))
            })
            .collect();
        rows.push(frequency_row(
            v1,
            view.column,
            view.value,
            &column,
            &public,
            world.salts(view.date),
        ));
    }
    let dob_salts = world.salts(dob_salt);
    let years = world.salts(year);
    // The check byte hides the date among ~20 others over the real 14-year span; a sample
    // compressed to the national density has too few dates for that row to mean anything.
    if world.population.dob_days >= 14 * 365 {
        let date_column: Vec<(u8, String)> = stored
            .iter()
            .zip(children)
            .filter_map(|(r, c)| Some((r.dob_check?, dob_salt(c.dob))))
            .collect();
        let date_public: Vec<(String, f64)> = {
            let mut counts: HashMap<String, f64> = HashMap::new();
            for c in children {
                *counts.entry(dob_salt(c.dob)).or_default() += 1.0 / children.len() as f64;
            }
            sorted(counts.into_iter().collect())
        };
        rows.push(frequency_row(
            v1,
            "DOB check byte",
            "dob",
            &date_column,
            &date_public,
            1,
        ));
    }
    // A field filter is salted by the DOB salt and the other name's Soundex code: the
    // attacker aligns (name, other name's code) pairs, whose public table is the product of
    // the name table and the projected other table, and scores a hit on the name alone.
    let forename_codes = project_table(&world.surnames, soundex_of);
    let surname_codes = project_table(&world.forenames, soundex_of);
    type FieldColumn<'t> = (
        &'t str,
        &'static str,
        Vec<(Vec<u64>, String)>,
        &'t [(String, f64)],
        Vec<(String, f64)>,
    );
    let fields: [FieldColumn; 2] = [
        (
            "forename filter (DOB+Soundex-salted)",
            "forename",
            stored
                .iter()
                .zip(children)
                .filter_map(|(r, c)| {
                    let code = soundex_of(&world.surname(c));
                    Some((
                        r.forename_bf?.0.to_vec(),
                        format!("{}|{code}", world.forename(c)),
                    ))
                })
                .collect(),
            &world.forenames,
            pair_table(&world.forenames, &forename_codes),
        ),
        (
            "surname filter (DOB+Soundex-salted)",
            "surname",
            stored
                .iter()
                .zip(children)
                .filter_map(|(r, c)| {
                    let code = soundex_of(&world.forename(c));
                    Some((
                        r.surname_bf?.0.to_vec(),
                        format!("{}|{code}", world.surname(c)),
                    ))
                })
                .collect(),
            &world.surnames,
            pair_table(&world.surnames, &surname_codes),
        ),
    ];
    for (column, value, filters, table, pairs) in &fields {
        let by_name: Vec<(&Vec<u64>, NamePart)> = filters
            .iter()
            .map(|(f, truth)| (f, NamePart(truth.clone())))
            .collect();
        let public: Vec<(NamePart, f64)> = pairs
            .iter()
            .map(|(pair, p)| (NamePart(pair.clone()), *p))
            .collect();
        rows.push(frequency_row(
            v1, column, value, &by_name, &public, dob_salts,
        ));
        let names_only: Vec<(Vec<u64>, String)> = filters
            .iter()
            .map(|(f, truth)| (f.clone(), NamePart(truth.clone()).name().to_string()))
            .collect();
        rows.push(bit_pattern_row(
            v1,
            column,
            value,
            &names_only,
            FILTER_BITS,
            &name_dictionary(table, ""),
        ));
    }
    let names: Vec<(Vec<u64>, String)> = stored
        .iter()
        .zip(children)
        .filter_map(|(r, c)| {
            Some((
                r.names_bf?.0.to_vec(),
                format!("{}|{}", world.forename(c), world.surname(c)),
            ))
        })
        .collect();
    let pairs = pair_table(&world.forenames, &world.surnames);
    let pair_dictionary = pair_dictionary(&pairs, ("f", "s"));
    let names_column = "names filter (year-salted)";
    rows.push(frequency_row(
        v1,
        names_column,
        "names",
        &names,
        &pairs,
        years,
    ));
    rows.push(bit_pattern_row(
        v1,
        names_column,
        "names",
        &names,
        NAMES_FILTER_BITS,
        &pair_dictionary,
    ));
    rows.extend(under_identifier(world, stored, &pairs));
    rows
}

/// The names filter and the DOB check under each child's identifier (protocol.md §5.4):
/// salted by a value almost unique to each child, so every salt group holds one encoding.
fn under_identifier(world: &World, stored: &[EncodedRecord], pairs: &[(String, f64)]) -> Vec<Row> {
    let v1 = Target::Protocol;
    let children = world.children();
    let salts = children.len() as u64;
    let names: Vec<(Vec<u64>, String)> = stored
        .iter()
        .zip(children)
        .filter_map(|(r, c)| {
            Some((
                r.under_id?.names?.0.to_vec(),
                format!("{}|{}", world.forename(c), world.surname(c)),
            ))
        })
        .collect();
    // The filter's features are the bigrams of both names, unprefixed.
    let dictionary = pair_dictionary(pairs, ("", ""));
    let column = "names filter (identifier-salted)";
    let dates: Vec<(u32, String)> = stored
        .iter()
        .zip(children)
        .filter_map(|(r, c)| Some((r.under_id?.dob_check?, dob_salt(c.dob))))
        .collect();
    let mut date_counts: HashMap<String, f64> = HashMap::new();
    for c in children {
        *date_counts.entry(dob_salt(c.dob)).or_default() += 1.0 / children.len() as f64;
    }
    vec![
        frequency_row(v1, column, "names", &names, pairs, salts),
        bit_pattern_row(v1, column, "names", &names, FILTER_BITS, &dictionary),
        frequency_row(
            v1,
            "DOB check (identifier-salted)",
            "dob",
            &dates,
            &sorted(date_counts.into_iter().collect()),
            salts,
        ),
    ]
}

/// The single-name encodings of protocol v1, rebuilt as v1 computed them (a keyed token of one
/// name and the date; field filters salted by the DOB salt alone), to show what retiring them
/// bought. The key is a stand-in: any keyed deterministic function gives the same groups.
fn retired_v1(world: &World) -> Vec<Row> {
    let schedule = KeySchedule::new(&attack_secret());
    let tokens = TokenKeys::derive(&schedule);
    let forename_key = schedule.key(KeyPurpose::Bloom(BloomField::Forename));
    let surname_key = schedule.key(KeyPurpose::Bloom(BloomField::Surname));
    let children = world.children();
    let retired = Target::RetiredV1;
    let two_names = |c: &Child| {
        format!(
            "{}|{}",
            two_letters(&world.forename(c)),
            two_letters(&world.surname(c))
        )
    };
    // A keyed token of (value, date of birth), as v1's single-name families were.
    let token_column = |value: &(dyn Fn(&Child) -> String + Sync)| -> Vec<([u8; 16], String)> {
        children
            .par_iter()
            .map(|c| {
                let (v, date) = (value(c), c.dob.to_string());
                (tokens.token(KeyFamily::NameDob, &[&v, &date]), v)
            })
            .collect()
    };
    // A field filter salted by the DOB salt alone, as v1's were.
    let filter_column = |key: &crate::encode::keys::DerivedKey,
                         name: &(dyn Fn(&Child) -> String + Sync)|
     -> Vec<(Vec<u64>, String)> {
        children
            .par_iter()
            .map(|c| {
                let name = name(c);
                let filter = encode_name(key, &dob_salt(c.dob), &name);
                (filter.0.to_vec(), name)
            })
            .collect()
    };
    let forename = |c: &Child| world.forename(c);
    let surname = |c: &Child| world.surname(c);
    let forename_key_column = token_column(&forename);
    let surname_key_column = token_column(&surname);
    let initials_column = token_column(&two_names);
    let forename_filters = filter_column(&forename_key, &forename);
    let surname_filters = filter_column(&surname_key, &surname);
    let dates = world.salts(full_date);
    let dob_salts = world.salts(dob_salt);
    let initials = pair_table(
        &project_table(&world.forenames, two_letters),
        &project_table(&world.surnames, two_letters),
    );
    vec![
        frequency_row(
            retired,
            "forename-dob key",
            "forename",
            &forename_key_column,
            &world.forenames,
            dates,
        ),
        frequency_row(
            retired,
            "surname-dob key",
            "surname",
            &surname_key_column,
            &world.surnames,
            dates,
        ),
        frequency_row(
            retired,
            "initials-dob key",
            "initials",
            &initials_column,
            &initials,
            dates,
        ),
        frequency_row(
            retired,
            "forename filter (DOB-salted)",
            "forename",
            &forename_filters,
            &world.forenames,
            dob_salts,
        ),
        frequency_row(
            retired,
            "surname filter (DOB-salted)",
            "surname",
            &surname_filters,
            &world.surnames,
            dob_salts,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unhardened_filter_sets_twenty_positions_per_bigram() {
        let filter = double_hashing_filter("ab");
        let set: u32 = filter.iter().map(|w| w.count_ones()).sum();
        // Three bigrams (_a, ab, b_) × 20 positions, minus collisions.
        assert!((50..=60).contains(&set), "{set}");
        assert!(filter[15] >> (1000 - 960) == 0, "no bit beyond 1000");
    }

    #[test]
    fn pair_tables_multiply_independent_marginals() {
        let a = vec![("x".to_string(), 0.6), ("y".to_string(), 0.4)];
        let b = vec![("p".to_string(), 0.5), ("q".to_string(), 0.5)];
        let pairs = pair_table(&a, &b);
        assert_eq!(pairs[0], ("x|p".to_string(), 0.3));
        assert_eq!(pairs.len(), 4);
    }
}
