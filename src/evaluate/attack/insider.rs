//! Attacks by insiders on a stolen hub database (protocol.md §9, "Insiders"): people who hold
//! an agreement secret — every member authority of an agreement does — and a copy of what the
//! hub stores.
//!
//! The stolen database is built exactly as the hub writes it: each child of a synthetic
//! population encoded by its authority, the hub layer applied, then stored either in protocol
//! v3's form (the packed hub-layer encoding, rows in upload order) or in v4's (the same,
//! sealed under the hub's at-rest key and bound to its row, rows shuffled). The attacks read
//! nothing but those stored texts and what their attacker holds:
//!
//! - [`Attacker::Member`]: a member authority with the database, the agreement secret and its
//!   own submitted records (found in the database by their references, which it computes).
//!   From its own records it learns, bit by bit, how the hub layer moved the names filter's
//!   bits, then decodes every other child's names against the public name tables.
//! - [`Attacker::Thief`]: the database and a leaked agreement secret, no record of its own.
//!   It aligns the largest groups of identical stored names filters with the commonest
//!   (forename, surname, year) filters it computes from the secret (popcount must agree: a
//!   permutation keeps it), recovers the permutation from those anchors by vote, and decodes.
//! - [`Attacker::ThiefWhoKnowsChildren`]: the database and a leaked agreement secret, no record
//!   of its own, but the details of 49 children it knows from elsewhere (the news, a school's
//!   website). It encodes them with the secret and finds their rows by what the hub layer
//!   leaves unchanged — the filters' popcounts, the families and flags of the keys, the
//!   identifier schemes — then proceeds as the member does.
//! - [`Attacker::DatabaseAlone`]: no key at all; frequency alignment of the most exposed
//!   stored column.
//! - [`Attacker::HubKeyAndSecret`]: the hub key *and* an agreement secret — the row the threat
//!   model declares out of scope: with the hub key it opens (v4) and re-keys any record it
//!   makes up, so it has all the known plaintext it wants.
//!
//! A child counts as re-identified when the attacker names both its forename and surname.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::frequency_alignment;
use super::population::{Population, PopulationConfig};
use super::report::MAX_REIDENTIFICATION;
use crate::encode::bloom::{bigrams, BloomField, NAMES_FILTER_BITS};
use crate::encode::keys::{DerivedKey, KeyPurpose, KeySchedule, LocalKey};
use crate::encode::{AgreementSecret, EncodedRecord, Encoder, PupilRecord};
use crate::hub::layer::HubLayer;
use crate::input::RawRecord;
use crate::store::{pack, unpack, Role, RowIdentity};

/// Records the member authority submitted itself (the audit found 49 enough on v3).
pub const MEMBER_OWN_RECORDS: usize = 49;
/// Stored filters the thief takes as anchors.
const ANCHORS: usize = 400;
/// Forenames and surnames of the commonest pairs the thief computes filters for.
const ANCHOR_NAMES: usize = 60;

const NAMES_WORDS: usize = NAMES_FILTER_BITS / 64;
/// Known bits a feature needs before its presence counts (of its 8).
const MIN_KNOWN_BITS: u32 = 6;
/// More features present than this and the filter is noise to the attacker.
const MAX_PRESENT_FEATURES: usize = 120;
const AGREEMENT: &str = "insider-harness";
/// The agreement secret every member holds (and a thief has leaked).
const SECRET: [u8; 32] = [0x3C; 32];
const MEMBER: &str = "member";
const OTHER: &str = "other";

/// How the hub stores an encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredForm {
    /// Protocol v3: the packed hub-layer encoding, rows in upload order.
    V3,
    /// Protocol v4: the same, sealed under the hub key, bound to its row, rows shuffled.
    V4,
}

/// Who attacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attacker {
    /// The database and a leaked agreement secret; no hub key, no records of its own.
    Thief,
    /// The same, plus the details of a few children it knows from elsewhere.
    ThiefWhoKnowsChildren,
    /// A member authority: the database, the agreement secret and its own submitted records.
    Member,
    /// The database and nothing else.
    DatabaseAlone,
    /// The hub key and an agreement secret together (declared out of scope).
    HubKeyAndSecret,
}

impl Attacker {
    /// Every attacker, in the order of the report.
    pub const ALL: [Attacker; 5] = [
        Attacker::Thief,
        Attacker::ThiefWhoKnowsChildren,
        Attacker::Member,
        Attacker::DatabaseAlone,
        Attacker::HubKeyAndSecret,
    ];

    /// What the attacker holds, in words.
    pub fn holds(self) -> &'static str {
        match self {
            Attacker::Thief => "database + a leaked agreement secret (no hub key, no records)",
            Attacker::ThiefWhoKnowsChildren => {
                "database + a leaked secret + 49 children's details known from elsewhere"
            }
            Attacker::Member => "database + agreement secret + its own 49 submitted records",
            Attacker::DatabaseAlone => "database alone (the most exposed stored column)",
            Attacker::HubKeyAndSecret => "database + hub key + agreement secret (out of scope)",
        }
    }

    /// Whether the threat model requires this attacker to stay at or below
    /// [`MAX_REIDENTIFICATION`] on v4.
    pub fn in_scope(self) -> bool {
        self != Attacker::HubKeyAndSecret
    }
}

/// One row of the stolen `records` table.
#[derive(Debug, Clone)]
pub struct StolenRow {
    /// The submitting authority.
    pub authority: &'static str,
    /// The opaque reference.
    pub record_ref: String,
    /// The stored encoding text.
    pub encoding: String,
}

/// The attacked world: the population, the keys, and the database the hub wrote.
pub struct InsiderWorld {
    population: Population,
    secret: AgreementSecret,
    member_key: [u8; 32],
    hub_key: [u8; 32],
    /// The children the member authority submitted (indices into the population).
    member_children: Vec<usize>,
    /// The stolen database as protocol v3 stored it.
    rows_v3: Vec<StolenRow>,
    /// The stolen database as protocol v4 stores it.
    rows_v4: Vec<StolenRow>,
    /// Child index of each reference (the scorer's ground truth, never the attacker's).
    truth: HashMap<String, usize>,
}

/// One attacker's figures on both forms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InsiderRow {
    /// Who attacked.
    pub attacker: Attacker,
    /// Share of the other authorities' children re-identified (both names) on v3.
    pub v3: f64,
    /// The same on v4.
    pub v4: f64,
}

/// Every insider attack on both forms.
#[derive(Debug, Clone)]
pub struct InsiderReport {
    /// Children in the stolen database.
    pub records: usize,
    /// One row per attacker.
    pub rows: Vec<InsiderRow>,
}

impl InsiderReport {
    /// Builds the world for `config` and runs every attacker on both forms.
    pub fn run(config: PopulationConfig) -> InsiderReport {
        let world = InsiderWorld::build(config);
        let rows = Attacker::ALL
            .iter()
            .map(|&attacker| InsiderRow {
                attacker,
                v3: world.attack(attacker, StoredForm::V3),
                v4: world.attack(attacker, StoredForm::V4),
            })
            .collect();
        InsiderReport {
            records: world.population.children.len(),
            rows,
        }
    }

    /// The in-scope rows whose v4 figure exceeds the requirement.
    pub fn failures(&self) -> Vec<&InsiderRow> {
        self.rows
            .iter()
            .filter(|r| r.attacker.in_scope() && r.v4 > MAX_REIDENTIFICATION)
            .collect()
    }

    /// The row of one attacker.
    pub fn row(&self, attacker: Attacker) -> &InsiderRow {
        self.rows
            .iter()
            .find(|r| r.attacker == attacker)
            .expect("every attacker has a row")
    }
}

impl std::fmt::Display for InsiderReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "Insiders on a stolen hub database ({} children at this density; re-identified = \
             both names of another authority's child)",
            self.records
        )?;
        writeln!(f, "{:<72} {:>9} {:>9}", "attacker", "v3", "v4")?;
        for row in &self.rows {
            writeln!(
                f,
                "{:<72} {:>8.3}% {:>8.3}%",
                row.attacker.holds(),
                row.v3 * 100.0,
                row.v4 * 100.0
            )?;
        }
        Ok(())
    }
}

impl InsiderWorld {
    /// Draws the population and writes the database the hub would hold, in both forms.
    pub fn build(config: PopulationConfig) -> InsiderWorld {
        let population = Population::generate(config);
        let secret = AgreementSecret::from_bytes(AGREEMENT, 1, SECRET).expect("valid id");
        let (member_key, other_key, hub_key) = ([0x21; 32], [0x42; 32], [0x77; 32]);
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed ^ 0x1D5);
        let mut order: Vec<usize> = (0..population.children.len()).collect();
        order.shuffle(&mut rng);
        let member_children: Vec<usize> = order[..MEMBER_OWN_RECORDS.min(order.len())].to_vec();
        let is_member: std::collections::HashSet<usize> = member_children.iter().copied().collect();
        let hub = HubLayer::from_bytes(&hub_key);
        let member = Encoder::new(&secret, LocalKey::from_bytes(member_key));
        let other = Encoder::new(&secret, LocalKey::from_bytes(other_key));
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("valid date");
        // Upload order: each authority's roll as its file lists it (here, by surname).
        let mut upload: Vec<usize> = (0..population.children.len()).collect();
        upload.sort_by_key(|&i| population.surname(&population.children[i]).to_string());
        let stored: Vec<(&'static str, EncodedRecord, usize)> = upload
            .par_iter()
            .map(|&i| {
                let (authority, encoder) = if is_member.contains(&i) {
                    (MEMBER, &member)
                } else {
                    (OTHER, &other)
                };
                let record = PupilRecord::from_raw(&population.raw_record(i), today)
                    .expect("synthetic children are valid pupils")
                    .record;
                (authority, hub.apply(&encoder.encode(&record)), i)
            })
            .collect();
        let truth = stored
            .iter()
            .map(|(_, e, i)| (e.record_ref.clone(), *i))
            .collect();
        let v3: Vec<StolenRow> = stored
            .iter()
            .map(|(authority, encoding, _)| StolenRow {
                authority,
                record_ref: encoding.record_ref.clone(),
                encoding: pack(encoding),
            })
            .collect();
        let mut v4: Vec<StolenRow> = stored
            .par_iter()
            .map(|(authority, encoding, _)| StolenRow {
                authority,
                record_ref: encoding.record_ref.clone(),
                encoding: hub
                    .at_rest()
                    .seal(&row_identity(authority, &encoding.record_ref), encoding),
            })
            .collect();
        v4.shuffle(&mut rng);
        InsiderWorld {
            population,
            secret,
            member_key,
            hub_key,
            member_children,
            rows_v3: v3,
            rows_v4: v4,
            truth,
        }
    }

    /// The stolen rows of one form.
    pub fn stolen(&self, form: StoredForm) -> &[StolenRow] {
        match form {
            StoredForm::V3 => &self.rows_v3,
            StoredForm::V4 => &self.rows_v4,
        }
    }

    /// Runs one attacker on one form: the share of the other authority's children whose
    /// forename and surname it names correctly.
    pub fn attack(&self, attacker: Attacker, form: StoredForm) -> f64 {
        let rows = self.stolen(form);
        let guesses: Vec<(usize, Guess)> = match attacker {
            Attacker::Member => self.member(rows),
            Attacker::Thief => self.thief(rows),
            Attacker::ThiefWhoKnowsChildren => self.thief_who_knows_children(rows),
            Attacker::HubKeyAndSecret => self.with_hub_key(rows),
            Attacker::DatabaseAlone => return self.database_alone(rows),
        };
        self.score(rows, &guesses)
    }

    fn score(&self, rows: &[StolenRow], guesses: &[(usize, Guess)]) -> f64 {
        let targets = rows.iter().filter(|r| r.authority == OTHER).count();
        let correct = guesses
            .iter()
            .filter(|(at, guess)| {
                let row = &rows[*at];
                let child = &self.population.children[self.truth[&row.record_ref]];
                row.authority == OTHER
                    && guess.forename == self.population.forename(child)
                    && guess.surname == self.population.surname(child)
            })
            .count();
        correct as f64 / targets.max(1) as f64
    }

    /// The member: its own records' encodings, computed with the secret, against their
    /// stored forms (found by reference) give the names filter's permutation.
    fn member(&self, rows: &[StolenRow]) -> Vec<(usize, Guess)> {
        let readable = read_all(rows, &[&self.secret_as_hub_key(), &self.member_key]);
        let encoder = Encoder::new(&self.secret, LocalKey::from_bytes(self.member_key));
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("valid date");
        let by_ref: HashMap<&str, &EncodedRecord> = readable
            .iter()
            .map(|(_, e)| (e.record_ref.as_str(), e))
            .collect();
        let pairs: Vec<(Names, Names)> = self
            .member_children
            .iter()
            .filter_map(|&i| {
                let record = PupilRecord::from_raw(&self.population.raw_record(i), today)
                    .ok()?
                    .record;
                let before = encoder.encode(&record);
                let after = by_ref.get(before.record_ref.as_str())?;
                Some((before.names_bf?.0, after.names_bf?.0))
            })
            .collect();
        let permutation = Permutation::from_known_pairs(&pairs);
        self.decode_all(rows, &readable, &permutation)
    }

    /// The thief who knows some children: their encodings, computed with the secret, are
    /// found in the database by what the hub layer keeps, then used as the member's are.
    fn thief_who_knows_children(&self, rows: &[StolenRow]) -> Vec<(usize, Guess)> {
        let readable = read_all(rows, &[&self.secret_as_hub_key()]);
        let mut by_shape: HashMap<Shape, Vec<usize>> = HashMap::new();
        for (k, (_, e)) in readable.iter().enumerate() {
            by_shape.entry(Shape::of(e)).or_default().push(k);
        }
        let encoder = Encoder::new(&self.secret, LocalKey::from_bytes([0x0D; 32]));
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("valid date");
        let mut rng = ChaCha8Rng::seed_from_u64(0x7E);
        let known = rand::seq::index::sample(
            &mut rng,
            self.population.children.len(),
            MEMBER_OWN_RECORDS.min(self.population.children.len()),
        );
        let pairs: Vec<(Names, Names)> = known
            .iter()
            .filter_map(|i| {
                let record = PupilRecord::from_raw(&self.population.raw_record(i), today)
                    .ok()?
                    .record;
                let before = encoder.encode(&record);
                match by_shape.get(&Shape::of(&before))?.as_slice() {
                    [only] => Some((before.names_bf?.0, readable[*only].1.names_bf?.0)),
                    _ => None,
                }
            })
            .collect();
        let permutation = Permutation::from_known_pairs(&pairs);
        self.decode_all(rows, &readable, &permutation)
    }

    /// The thief: anchors from the largest groups of identical stored names filters.
    fn thief(&self, rows: &[StolenRow]) -> Vec<(usize, Guess)> {
        let readable = read_all(rows, &[&self.secret_as_hub_key()]);
        let mut groups: HashMap<Names, usize> = HashMap::new();
        for (_, e) in &readable {
            if let Some(f) = e.names_bf {
                *groups.entry(f.0).or_default() += 1;
            }
        }
        let mut largest: Vec<(Names, usize)> = groups.into_iter().filter(|(_, n)| *n > 1).collect();
        largest.sort_by_key(|(f, n)| (std::cmp::Reverse(*n), *f));
        largest.truncate(ANCHORS);
        // The commonest (forename, surname, year) filters, by expected count.
        let dictionary = self.dictionary();
        let mut expected: Vec<(f64, Names)> = Vec::new();
        for (year, share) in self.year_shares() {
            for f in self.population.forenames.iter().take(ANCHOR_NAMES) {
                for s in self.population.surnames.iter().take(ANCHOR_NAMES) {
                    let filter = dictionary.names_filter(year, &f.value, &s.value);
                    expected.push((f.probability * s.probability * share, filter));
                }
            }
        }
        expected.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut used = vec![false; expected.len()];
        let mut anchors: Vec<(Names, Names)> = Vec::new();
        for (stored, _) in &largest {
            let popcount = ones(stored);
            if let Some(k) =
                (0..expected.len()).find(|&k| !used[k] && ones(&expected[k].1) == popcount)
            {
                used[k] = true;
                anchors.push((expected[k].1, *stored));
            }
        }
        let permutation = Permutation::by_vote(&anchors);
        self.decode_all(rows, &readable, &permutation)
    }

    /// Out of scope: with the hub key the attacker opens every row and re-keys records it
    /// makes up, which gives it the permutation outright.
    fn with_hub_key(&self, rows: &[StolenRow]) -> Vec<(usize, Guess)> {
        let hub = HubLayer::from_bytes(&self.hub_key);
        let readable = read_all(rows, &[&self.hub_key]);
        let encoder = Encoder::new(&self.secret, LocalKey::from_bytes([0x99; 32]));
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("valid date");
        let mut rng = ChaCha8Rng::seed_from_u64(0x4B);
        let mut made_up = |len: usize| -> String {
            (0..len)
                .map(|_| char::from(b'a' + rand::Rng::gen_range(&mut rng, 0..26u8)))
                .collect()
        };
        let pairs: Vec<(Names, Names)> = (0..64)
            .filter_map(|i| {
                let raw = RawRecord {
                    record_id: Some(format!("made-up-{i}")),
                    forename: Some(made_up(7)),
                    surname: Some(made_up(9)),
                    dob: Some("2015-06-01".into()),
                    ..RawRecord::default()
                };
                let record = PupilRecord::from_raw(&raw, today).ok()?.record;
                let before = encoder.encode(&record);
                Some((before.names_bf?.0, hub.apply(&before).names_bf?.0))
            })
            .collect();
        let permutation = Permutation::from_known_pairs(&pairs);
        self.decode_all(rows, &readable, &permutation)
    }

    /// Frequency alignment of the most exposed column that can be read: the names filter on
    /// v3 (grouped by value, aligned with the public pair table), the sealed text on v4.
    fn database_alone(&self, rows: &[StolenRow]) -> f64 {
        let readable = read_all(rows, &[]);
        let truth = |row: &StolenRow| {
            let child = &self.population.children[self.truth[&row.record_ref]];
            format!(
                "{}|{}",
                self.population.forename(child),
                self.population.surname(child)
            )
        };
        let column: Vec<(Vec<u8>, String)> = if readable.is_empty() {
            rows.iter()
                .map(|r| (r.encoding.as_bytes().to_vec(), truth(r)))
                .collect()
        } else {
            readable
                .iter()
                .filter_map(|(at, e)| {
                    let bytes = e.names_bf?.to_bytes();
                    Some((bytes, truth(&rows[*at])))
                })
                .collect()
        };
        let mut public: Vec<(String, f64)> = Vec::new();
        for f in self.population.forenames.iter().take(400) {
            for s in self.population.surnames.iter().take(400) {
                public.push((
                    format!("{}|{}", f.value, s.value),
                    f.probability * s.probability,
                ));
            }
        }
        public.sort_by(|a, b| b.1.total_cmp(&a.1));
        let years = self.year_shares().len() as u64;
        frequency_alignment(&column, &public, years, 10).record_reidentification
    }

    /// A guess at a key the hub might have derived from the agreement secret: the attacker
    /// tries every key it holds.
    fn secret_as_hub_key(&self) -> [u8; 32] {
        SECRET
    }

    /// Years of birth in the population and the share of children born in each.
    fn year_shares(&self) -> Vec<(i32, f64)> {
        let first = self.population.first_dob;
        let days = self.population.dob_days;
        let mut counts: HashMap<i32, u64> = HashMap::new();
        for d in 0..days {
            *counts
                .entry((first + chrono::Days::new(d)).year())
                .or_default() += 1;
        }
        let mut shares: Vec<(i32, f64)> = counts
            .into_iter()
            .map(|(y, n)| (y, n as f64 / days as f64))
            .collect();
        shares.sort_by_key(|(y, _)| *y);
        shares
    }

    fn dictionary(&self) -> Dictionary {
        let key = KeySchedule::new(&self.secret).key(KeyPurpose::Bloom(BloomField::Names));
        Dictionary::new(key, &self.population, &self.year_shares())
    }

    /// Decodes the names filter of every readable row of the other authority.
    fn decode_all(
        &self,
        rows: &[StolenRow],
        readable: &[(usize, EncodedRecord)],
        permutation: &Permutation,
    ) -> Vec<(usize, Guess)> {
        if readable.is_empty() {
            return Vec::new();
        }
        let dictionary = self.dictionary();
        readable
            .par_iter()
            .filter(|(at, _)| rows[*at].authority == OTHER)
            .filter_map(|(at, e)| {
                let stored = e.names_bf?.0;
                let (filter, known) = permutation.undo(&stored);
                dictionary.decode(&filter, &known).map(|g| (*at, g))
            })
            .collect()
    }
}

fn row_identity<'a>(authority: &'a str, record_ref: &'a str) -> RowIdentity<'a> {
    RowIdentity {
        authority,
        agreement: AGREEMENT,
        epoch: 1,
        role: Role::Roll,
        record_ref,
    }
}

/// Every row the attacker can read: the unsealed forms as they are, sealed ones only if one
/// of the keys it holds opens them (as a hub key would).
fn read_all(rows: &[StolenRow], keys: &[&[u8; 32]]) -> Vec<(usize, EncodedRecord)> {
    let openers: Vec<HubLayer> = keys.iter().map(|k| HubLayer::from_bytes(k)).collect();
    rows.par_iter()
        .enumerate()
        .filter_map(|(at, row)| {
            if let Ok(e) = unpack(&row.encoding) {
                return Some((at, e));
            }
            let identity = row_identity(row.authority, &row.record_ref);
            openers
                .iter()
                .find_map(|k| k.at_rest().open(&identity, &row.encoding).ok())
                .map(|e| (at, e))
        })
        .collect()
}

type Names = [u64; NAMES_WORDS];

/// What the hub layer of protocol v3 leaves unchanged in an encoding: the popcount of every
/// filter, the family and flags of every key, the identifier schemes, and which parts are
/// present. It is close to unique per record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Shape {
    popcounts: [Option<u32>; 4],
    keys: Vec<(u8, u8)>,
    schemes: Vec<&'static str>,
    checks: (bool, bool, bool),
}

impl Shape {
    fn of(e: &EncodedRecord) -> Shape {
        let mut keys: Vec<(u8, u8)> = e.keys.iter().map(|k| (k.family.code(), k.flags)).collect();
        keys.sort_unstable();
        let mut schemes: Vec<&'static str> = e.ids.iter().map(|i| i.scheme.as_str()).collect();
        schemes.sort_unstable();
        Shape {
            popcounts: [
                e.forename_bf.map(|f| f.count_ones()),
                e.surname_bf.map(|f| f.count_ones()),
                e.names_bf.map(|f| f.count_ones()),
                e.under_id.and_then(|u| u.names).map(|f| f.count_ones()),
            ],
            keys,
            schemes,
            checks: (
                e.dob_check.is_some(),
                e.sex_check.is_some(),
                e.under_id.is_some_and(|u| u.dob_check.is_some()),
            ),
        }
    }
}

fn ones(filter: &Names) -> u32 {
    filter.iter().map(|w| w.count_ones()).sum()
}

fn get(filter: &Names, bit: usize) -> bool {
    filter[bit / 64] >> (bit % 64) & 1 == 1
}

fn set(filter: &mut Names, bit: usize) {
    filter[bit / 64] |= 1 << (bit % 64);
}

/// What the attacker knows of the hub layer's names-filter permutation: stored bit → bit.
struct Permutation {
    to_original: Vec<Option<usize>>,
}

impl Permutation {
    /// From (original, stored) filters of the same records: a stored bit is the original bit
    /// set in exactly the same records.
    fn from_known_pairs(pairs: &[(Names, Names)]) -> Permutation {
        let signature = |pick: &dyn Fn(&(Names, Names)) -> &Names, bit: usize| -> Vec<bool> {
            pairs.iter().map(|p| get(pick(p), bit)).collect()
        };
        let mut originals: HashMap<Vec<bool>, Vec<usize>> = HashMap::new();
        for bit in 0..NAMES_FILTER_BITS {
            originals
                .entry(signature(&|p| &p.0, bit))
                .or_default()
                .push(bit);
        }
        let to_original = (0..NAMES_FILTER_BITS)
            .map(|bit| {
                let sig = signature(&|p| &p.1, bit);
                match originals.get(&sig) {
                    Some(bits) if bits.len() == 1 && sig.iter().any(|&b| b) => Some(bits[0]),
                    _ => None,
                }
            })
            .collect();
        Permutation { to_original }
    }

    /// From anchors that are mostly right: each stored bit goes to the original bit that
    /// agrees with it (set or unset) in the most anchors.
    fn by_vote(anchors: &[(Names, Names)]) -> Permutation {
        if anchors.is_empty() {
            return Permutation {
                to_original: vec![None; NAMES_FILTER_BITS],
            };
        }
        let to_original = (0..NAMES_FILTER_BITS)
            .into_par_iter()
            .map(|stored| {
                let set_in: Vec<bool> = anchors.iter().map(|(_, s)| get(s, stored)).collect();
                if !set_in.iter().any(|&b| b) {
                    return None;
                }
                (0..NAMES_FILTER_BITS).max_by_key(|&original| {
                    anchors
                        .iter()
                        .zip(&set_in)
                        .filter(|((o, _), &s)| get(o, original) == s)
                        .count()
                })
            })
            .collect();
        Permutation { to_original }
    }

    /// The original filter as far as known, and the mask of original bits known.
    fn undo(&self, stored: &Names) -> (Names, Names) {
        let (mut filter, mut known) = ([0u64; NAMES_WORDS], [0u64; NAMES_WORDS]);
        for (bit, original) in self.to_original.iter().enumerate() {
            if let Some(original) = *original {
                set(&mut known, original);
                if get(stored, bit) {
                    set(&mut filter, original);
                }
            }
        }
        (filter, known)
    }
}

/// A decoded child.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Guess {
    forename: String,
    surname: String,
}

/// One public name table as names-filter features: each name's bigram features, and the
/// names indexed by their first and last bigram (every name has both, so a filter only
/// needs checking against the names whose two end features it holds).
struct NameTable {
    names: Vec<String>,
    bigrams: Vec<String>,
    features_of: Vec<Vec<u16>>,
    by_ends: HashMap<(u16, u16), Vec<u32>>,
}

impl NameTable {
    fn new(names: Vec<String>) -> NameTable {
        let mut ids: HashMap<String, u16> = HashMap::new();
        let mut bigrams_seen: Vec<String> = Vec::new();
        let mut by_ends: HashMap<(u16, u16), Vec<u32>> = HashMap::new();
        let features_of: Vec<Vec<u16>> = names
            .iter()
            .enumerate()
            .map(|(n, name)| {
                let features: Vec<u16> = bigrams(name)
                    .into_iter()
                    .map(|gram| {
                        *ids.entry(gram.clone()).or_insert_with(|| {
                            bigrams_seen.push(gram);
                            (bigrams_seen.len() - 1) as u16
                        })
                    })
                    .collect();
                let ends = (
                    features[0],
                    *features.last().expect("a padded name has bigrams"),
                );
                by_ends.entry(ends).or_default().push(n as u32);
                features
            })
            .collect();
        NameTable {
            names,
            bigrams: bigrams_seen,
            features_of,
            by_ends,
        }
    }

    /// The masks of every feature of this table in `year`.
    fn masks(&self, key: &DerivedKey, year: i32, prefix: u8) -> Vec<Names> {
        self.bigrams
            .iter()
            .map(|gram| feature_mask(key, year, prefix, gram.as_bytes()))
            .collect()
    }

    /// The name all of whose features `present` holds that sets the most known bits (the
    /// most frequent among equals), with that number of bits.
    fn best(&self, masks: &[Names], present: &[bool], known: &Names) -> Option<(usize, u32)> {
        let ends: Vec<u16> = (0..present.len() as u16)
            .filter(|&f| present[usize::from(f)])
            .collect();
        if ends.len() > MAX_PRESENT_FEATURES {
            // Not a names filter this attacker can read: random bits set half the features.
            return None;
        }
        let mut best: Option<(usize, u32)> = None;
        for &first in &ends {
            for &last in &ends {
                for &n in self.by_ends.get(&(first, last)).into_iter().flatten() {
                    let n = n as usize;
                    let features = &self.features_of[n];
                    if !features.iter().all(|&f| present[usize::from(f)]) {
                        continue;
                    }
                    let mut mask = [0u64; NAMES_WORDS];
                    for &f in features {
                        for (m, b) in mask.iter_mut().zip(masks[usize::from(f)].iter()) {
                            *m |= b;
                        }
                    }
                    let bits: u32 = mask
                        .iter()
                        .zip(known)
                        .map(|(m, k)| (m & k).count_ones())
                        .sum();
                    if best.is_none_or(|(b, bb)| bits > bb || (bits == bb && n < b)) {
                        best = Some((n, bits));
                    }
                }
            }
        }
        best
    }
}

/// The public name tables as names-filter features, per year of birth (protocol.md §5.3,
/// computed with the agreement secret).
struct Dictionary {
    key: DerivedKey,
    forenames: NameTable,
    surnames: NameTable,
    /// Per year: the masks of the forename and of the surname features.
    years: Vec<(i32, Vec<Names>, Vec<Names>)>,
}

impl Dictionary {
    fn new(key: DerivedKey, population: &Population, years: &[(i32, f64)]) -> Dictionary {
        let forenames = NameTable::new(
            population
                .forenames
                .iter()
                .map(|f| f.value.clone())
                .collect(),
        );
        let surnames = NameTable::new(
            population
                .surnames
                .iter()
                .map(|f| f.value.clone())
                .collect(),
        );
        let years = years
            .iter()
            .map(|&(year, _)| {
                (
                    year,
                    forenames.masks(&key, year, b'f'),
                    surnames.masks(&key, year, b's'),
                )
            })
            .collect();
        Dictionary {
            key,
            forenames,
            surnames,
            years,
        }
    }

    /// The names filter of a pair in a year.
    fn names_filter(&self, year: i32, forename: &str, surname: &str) -> Names {
        let mut filter = [0u64; NAMES_WORDS];
        for (prefix, name) in [(b'f', forename), (b's', surname)] {
            for gram in bigrams(name) {
                let bits = feature_mask(&self.key, year, prefix, gram.as_bytes());
                for (f, b) in filter.iter_mut().zip(bits.iter()) {
                    *f |= b;
                }
            }
        }
        filter
    }

    /// The most specific forename and surname whose every feature the filter holds (as far
    /// as its bits are known), in the year where they explain the most bits.
    fn decode(&self, filter: &Names, known: &Names) -> Option<Guess> {
        // A feature is present when enough of its bits are known and all of those are set.
        let present = |masks: &[Names]| -> Vec<bool> {
            masks
                .iter()
                .map(|mask| {
                    let known_bits: u32 = mask
                        .iter()
                        .zip(known)
                        .map(|(m, k)| (m & k).count_ones())
                        .sum();
                    known_bits >= MIN_KNOWN_BITS
                        && mask
                            .iter()
                            .zip(filter)
                            .zip(known)
                            .all(|((m, f), k)| m & k & !f == 0)
                })
                .collect()
        };
        self.years
            .iter()
            .filter_map(|(_, forename_masks, surname_masks)| {
                let (f, fb) =
                    self.forenames
                        .best(forename_masks, &present(forename_masks), known)?;
                let (s, sb) = self
                    .surnames
                    .best(surname_masks, &present(surname_masks), known)?;
                Some((fb + sb, f, s))
            })
            .max_by_key(|&(bits, _, _)| bits)
            .filter(|&(bits, _, _)| bits >= 24)
            .map(|(_, f, s)| Guess {
                forename: self.forenames.names[f].clone(),
                surname: self.surnames.names[s].clone(),
            })
    }
}

/// The bits one names-filter feature sets (protocol.md §5.3).
fn feature_mask(key: &DerivedKey, year: i32, prefix: u8, gram: &[u8]) -> Names {
    let year = format!("{year:04}");
    let digest = key.mac(&[year.as_bytes(), &[0x1F], &[prefix], gram]);
    let mut mask = [0u64; NAMES_WORDS];
    for pair in digest.chunks(2).take(8) {
        set(
            &mut mask,
            usize::from(u16::from_be_bytes([pair[0], pair[1]])) % NAMES_FILTER_BITS,
        );
    }
    mask
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::bloom::encode_names;

    #[test]
    fn the_harness_computes_names_filters_as_the_encoder_does() {
        let key = KeySchedule::new(&AgreementSecret::from_bytes("t", 1, [1; 32]).unwrap())
            .key(KeyPurpose::Bloom(BloomField::Names));
        let population = Population::generate(PopulationConfig::national_density(100, 1));
        let dictionary = Dictionary::new(key.clone(), &population, &[(2014, 1.0)]);
        assert_eq!(
            dictionary.names_filter(2014, "amelia", "kowalska"),
            encode_names(&key, "2014", "amelia", "kowalska").0
        );
    }

    #[test]
    fn known_pairs_recover_a_permutation_exactly() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut perm: Vec<usize> = (0..NAMES_FILTER_BITS).collect();
        perm.shuffle(&mut rng);
        let pairs: Vec<(Names, Names)> = (0..MEMBER_OWN_RECORDS)
            .map(|_| {
                let mut original = [0u64; NAMES_WORDS];
                for _ in 0..80 {
                    set(
                        &mut original,
                        rand::Rng::gen_range(&mut rng, 0..NAMES_FILTER_BITS),
                    );
                }
                let mut stored = [0u64; NAMES_WORDS];
                for (bit, &moved) in perm.iter().enumerate() {
                    if get(&original, bit) {
                        set(&mut stored, moved);
                    }
                }
                (original, stored)
            })
            .collect();
        let recovered = Permutation::from_known_pairs(&pairs);
        let right = (0..NAMES_FILTER_BITS)
            .filter(|&bit| recovered.to_original[perm[bit]] == Some(bit))
            .count();
        assert!(right >= NAMES_FILTER_BITS - 5, "{right} bits recovered");
    }

    #[test]
    fn sealed_rows_give_no_attacker_anything_to_read() {
        let world = InsiderWorld::build(PopulationConfig::national_density(300, 2));
        assert!(read_all(world.stolen(StoredForm::V4), &[&SECRET, &world.member_key]).is_empty());
        assert_eq!(read_all(world.stolen(StoredForm::V3), &[]).len(), 300);
        assert_eq!(
            read_all(world.stolen(StoredForm::V4), &[&world.hub_key]).len(),
            300
        );
    }
}
