//! A seeded generator of five-nation pupil populations with ground truth, for benchmarks,
//! training the default model and tests.
//!
//! Households (siblings, twins, double-barrelled surnames, sex-dependent surname forms) live in
//! England, Wales, Scotland, Northern Ireland and Ireland in proportion to their pupil numbers
//! (domain notes §8), with names drawn from the communities that live there ([`names`]). Each
//! child is on a school roll with the identifier of its jurisdiction (valid check characters).
//! Some households **move** — within a nation, across the UK, or between the UK and Ireland —
//! and their children then appear on the origin authority's missing list *and*, re-keyed by a
//! different clerk with the errors of [`ErrorKind`], on a roll at the destination. Some missing
//! children left for elsewhere and are on no roll (they must stay unmatched).
//!
//! Everything is a pure function of [`SynthConfig`]: the same seed gives the same population.

pub mod errors;
pub mod frequencies;
pub mod names;

use chrono::{Datelike, NaiveDate};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::encode::identifiers::{ppsn_check_letter, scn_check_digit, upn_check_letter};
use crate::input::RawRecord;
pub use errors::ErrorKind;
use frequencies::Kind;
use names::Pool;

/// The five jurisdictions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Nation {
    /// England.
    England,
    /// Wales.
    Wales,
    /// Scotland.
    Scotland,
    /// Northern Ireland.
    NorthernIreland,
    /// Ireland.
    Ireland,
}

impl Nation {
    const ALL: [Nation; 5] = [
        Nation::England,
        Nation::Wales,
        Nation::Scotland,
        Nation::NorthernIreland,
        Nation::Ireland,
    ];

    /// Share of the ~11.5 M pupils (domain notes §8), in per mille.
    fn weight(self) -> u32 {
        match self {
            Nation::England => 790,
            Nation::Wales => 40,
            Nation::Scotland => 61,
            Nation::NorthernIreland => 28,
            Nation::Ireland => 81,
        }
    }

    fn in_uk(self) -> bool {
        self != Nation::Ireland
    }

    /// Authority codes: English LA numbers, Welsh LA numbers, Scottish council codes, the NI
    /// Education Authority, Tusla Education Support Service regions.
    fn authorities(self) -> &'static [&'static str] {
        match self {
            Nation::England => &[
                "202", "204", "209", "211", "213", "306", "308", "315", "330", "331", "336", "341",
                "343", "352", "353", "373", "380", "383", "384", "390", "801", "810", "821", "850",
                "855", "856", "873", "886", "892", "926",
            ],
            Nation::Wales => &["660", "661", "662", "663", "669", "672", "676", "681"],
            Nation::Scotland => &[
                "S12000033",
                "S12000036",
                "S12000042",
                "S12000045",
                "S12000047",
                "S12000049",
                "S12000050",
            ],
            Nation::NorthernIreland => &["EA"],
            Nation::Ireland => &["TESS-DUB", "TESS-CORK", "TESS-GAL", "TESS-LIM", "TESS-DON"],
        }
    }

    /// Communities (name pools) and their shares, in per mille.
    fn pools(self) -> &'static [(Pool, u32)] {
        use names::*;
        match self {
            Nation::England => &[
                (ENGLISH, 700),
                (PAKISTANI, 55),
                (BANGLADESHI, 25),
                (ARABIC, 30),
                (POLISH, 35),
                (ROMANIAN, 35),
                (LITHUANIAN, 10),
                (SOMALI, 15),
                (IRISH, 30),
                (SCOTTISH, 20),
                (WELSH, 10),
                (TRAVELLER, 20),
                (IRISH_LANGUAGE, 15),
            ],
            Nation::Wales => &[
                (WELSH, 480),
                (ENGLISH, 420),
                (POLISH, 30),
                (PAKISTANI, 20),
                (ARABIC, 20),
                (TRAVELLER, 15),
                (IRISH, 15),
            ],
            Nation::Scotland => &[
                (SCOTTISH, 680),
                (ENGLISH, 150),
                (POLISH, 60),
                (PAKISTANI, 40),
                (IRISH, 30),
                (ROMANIAN, 20),
                (TRAVELLER, 20),
            ],
            Nation::NorthernIreland => &[
                (IRISH, 550),
                (SCOTTISH, 200),
                (ENGLISH, 120),
                (IRISH_LANGUAGE, 60),
                (POLISH, 40),
                (LITHUANIAN, 20),
                (TRAVELLER, 10),
            ],
            Nation::Ireland => &[
                (IRISH, 560),
                (IRISH_LANGUAGE, 200),
                (POLISH, 60),
                (ROMANIAN, 30),
                (LITHUANIAN, 30),
                (ENGLISH, 40),
                (ARABIC, 20),
                (TRAVELLER, 40),
                (PAKISTANI, 20),
            ],
        }
    }
}

/// How a child moved between the missing list and the roll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MoveType {
    /// Within one nation (a different authority).
    WithinNation,
    /// Between two UK nations.
    CrossUk,
    /// Between the UK and Ireland.
    UkIreland,
}

impl MoveType {
    /// A stable label.
    pub fn label(self) -> &'static str {
        match self {
            MoveType::WithinNation => "within_nation",
            MoveType::CrossUk => "cross_uk",
            MoveType::UkIreland => "uk_ireland",
        }
    }
}

/// Generator settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynthConfig {
    /// The seed.
    pub seed: u64,
    /// Children on rolls (including movers at their destination), approximately.
    pub pupils: usize,
    /// Children who moved (on a missing list and a roll), approximately.
    pub movers: usize,
    /// Missing children who are on no roll.
    pub unmatched_missing: usize,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            seed: 1,
            pupils: 20_000,
            movers: 1_000,
            unmatched_missing: 250,
        }
    }
}

/// One true (missing, roll) pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TruthPair {
    /// The missing record's id.
    pub missing_id: String,
    /// The roll record's id.
    pub roll_id: String,
    /// How the child moved.
    pub move_type: MoveType,
    /// The clerk errors in the roll record.
    pub errors: Vec<ErrorKind>,
    /// Whether both records carry the same identifier.
    pub shared_identifier: bool,
    /// Whether the child is a twin.
    pub twin: bool,
}

impl TruthPair {
    /// Labels for breakdowns: each error kind, the move type, and summary labels.
    pub fn labels(&self) -> Vec<String> {
        let mut labels: Vec<String> = self
            .errors
            .iter()
            .map(|e| format!("error:{}", e.label()))
            .collect();
        labels.push(format!("move:{}", self.move_type.label()));
        labels.push(match self.errors.len() {
            0 => "errors:0".into(),
            1 => "errors:1".into(),
            _ => "errors:2+".into(),
        });
        if self.move_type != MoveType::WithinNation && !self.shared_identifier {
            labels.push("cross_border_no_shared_identifier".into());
        }
        if self.twin {
            labels.push("twin".into());
        }
        labels
    }
}

/// A generated population.
#[derive(Debug, Clone)]
pub struct Population {
    /// Missing lists of all authorities (origin records of movers, and children on no roll).
    pub missing: Vec<RawRecord>,
    /// Rolls of all authorities.
    pub roll: Vec<RawRecord>,
    /// The true pairs.
    pub truth: Vec<TruthPair>,
}

/// A child as its origin school recorded it.
#[derive(Debug, Clone)]
pub(crate) struct Child {
    pub forename: String,
    pub middle: Option<String>,
    pub preferred: Option<String>,
    pub surname: String,
    pub dob: NaiveDate,
    pub female: bool,
    pub nation: Nation,
    pub authority: &'static str,
    pub identifier: String,
    pub twin: bool,
    pub pool: Pool,
}

/// A `kind` name of the community `pool`, drawn by its frequency law.
pub(crate) fn draw_name(rng: &mut ChaCha8Rng, pool: &Pool, kind: Kind) -> String {
    frequencies::law(pool, kind).draw(rng).to_string()
}

fn weighted<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.gen_range(0..total);
    for (item, w) in items {
        if x < *w {
            return *item;
        }
        x -= w;
    }
    items[items.len() - 1].0
}

/// The sex-appropriate form of a `male|female` surname.
pub(crate) fn surname_form(surname: &str, female: bool) -> String {
    match surname.split_once('|') {
        Some((m, f)) => if female { f } else { m }.to_string(),
        None => surname.to_string(),
    }
}

fn identifier(rng: &mut ChaCha8Rng, nation: Nation, authority: &str, dob: NaiveDate) -> String {
    match nation {
        Nation::England | Nation::Wales => loop {
            let body = format!(
                "{authority}{:04}{:02}{:03}",
                rng.gen_range(1000..8000),
                (dob.year() + 5) % 100,
                rng.gen_range(0..1000)
            );
            if let Some(check) = upn_check_letter(&body) {
                return format!("{check}{body}");
            }
        },
        Nation::Scotland => loop {
            let body = format!("{:08}", rng.gen_range(0..100_000_000u32));
            if let Some(check) = scn_check_digit(&body) {
                return format!("{body}{check}");
            }
        },
        Nation::NorthernIreland => format!("{:09}", rng.gen_range(100_000_000..1_000_000_000u32)),
        Nation::Ireland => {
            let digits = format!("{:07}", rng.gen_range(0..10_000_000u32));
            let suffix = rng.gen_bool(0.5).then_some('A');
            let check = ppsn_check_letter(&digits, suffix).expect("7 digits");
            format!(
                "{digits}{check}{}",
                suffix.map(String::from).unwrap_or_default()
            )
        }
    }
}

fn birth_window() -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(2008, 9, 1).expect("date"),
        NaiveDate::from_ymd_opt(2021, 8, 31).expect("date"),
    )
}

/// One household's children.
fn household(rng: &mut ChaCha8Rng) -> Vec<Child> {
    let nation = weighted(rng, &Nation::ALL.map(|n| (n, n.weight())));
    let pool = weighted(rng, nation.pools());
    let authorities = nation.authorities();
    let authority = authorities[rng.gen_range(0..authorities.len())];
    let family = draw_name(rng, &pool, Kind::Surnames);
    // About 8% of children have a double-barrelled surname (parents' surnames joined).
    let family = if rng.gen_bool(0.08) && !family.contains('|') {
        let other = draw_name(rng, &pool, Kind::Surnames);
        if other.contains('|') || other == family {
            family
        } else {
            format!("{family}-{other}")
        }
    } else {
        family
    };
    let children = weighted(rng, &[(1usize, 40), (2, 35), (3, 17), (4, 8)]);
    let (start, end) = birth_window();
    let span = (end - start).num_days();
    let mut dob = start + chrono::Duration::days(rng.gen_range(0..=span));
    let mut out: Vec<Child> = Vec::new();
    while out.len() < children && dob <= end {
        // About 1.5% of maternities are twins, so ~3% of children are a twin.
        let twins = rng.gen_bool(0.015);
        for _ in 0..if twins { 2 } else { 1 } {
            let female = rng.gen_bool(0.49);
            let kind = if female { Kind::Girls } else { Kind::Boys };
            let forename = loop {
                let f = draw_name(rng, &pool, kind);
                if !out.iter().any(|c| c.forename == f) {
                    break f;
                }
                if out.len() >= frequencies::law(&pool, kind).len() {
                    break f;
                }
            };
            let middle = rng
                .gen_bool(0.35)
                .then(|| draw_name(rng, &pool, kind))
                .filter(|m| *m != forename);
            out.push(Child {
                preferred: None,
                forename,
                middle,
                surname: surname_form(&family, female),
                dob,
                female,
                nation,
                authority,
                identifier: String::new(),
                twin: twins,
                pool,
            });
        }
        dob += chrono::Duration::days(rng.gen_range(330..1900));
    }
    for child in &mut out {
        child.identifier = identifier(rng, nation, authority, child.dob);
        // A few children are known by a shorter form at school.
        if rng.gen_bool(0.03) {
            child.preferred = errors::variant_of(rng, &child.forename);
        }
    }
    out
}

fn record(id: String, child: &Child) -> RawRecord {
    let mut r = RawRecord {
        record_id: Some(id),
        forename: Some(child.forename.clone()),
        middle_names: child.middle.clone(),
        surname: Some(child.surname.clone()),
        preferred_forename: child.preferred.clone(),
        dob: Some(child.dob.format("%Y-%m-%d").to_string()),
        sex: Some(if child.female { "F" } else { "M" }.to_string()),
        authority: Some(child.authority.to_string()),
        ..RawRecord::default()
    };
    set_identifier(&mut r, child.nation, Some(child.identifier.clone()));
    r
}

pub(crate) fn set_identifier(r: &mut RawRecord, nation: Nation, value: Option<String>) {
    match nation {
        Nation::England | Nation::Wales => r.upn = value,
        Nation::Scotland => r.scn = value,
        Nation::NorthernIreland => r.ni_pupil_id = value,
        Nation::Ireland => r.ppsn = value,
    }
}

fn destination(rng: &mut ChaCha8Rng, origin: Nation) -> (MoveType, Nation) {
    let kind = weighted(
        rng,
        &[
            (MoveType::WithinNation, 45),
            (MoveType::CrossUk, 35),
            (MoveType::UkIreland, 20),
        ],
    );
    let uk = [
        Nation::England,
        Nation::Wales,
        Nation::Scotland,
        Nation::NorthernIreland,
    ];
    let nation = match kind {
        MoveType::WithinNation => origin,
        MoveType::CrossUk if origin.in_uk() => {
            let others: Vec<Nation> = uk.iter().copied().filter(|n| *n != origin).collect();
            *others.choose(rng).expect("three other UK nations")
        }
        MoveType::CrossUk => return (MoveType::UkIreland, *uk.choose(rng).expect("uk")),
        MoveType::UkIreland if origin.in_uk() => Nation::Ireland,
        MoveType::UkIreland => *uk.choose(rng).expect("uk"),
    };
    // Northern Ireland has one authority: a move "within" it is a move to another school.
    (kind, nation)
}

/// Whether a move keeps the identifier: UPNs follow a child within England and Wales, SCNs
/// within Scotland, PPSNs within Ireland, NI ids within NI; any other move issues a new one.
fn keeps_identifier(from: Nation, to: Nation) -> bool {
    let ew = |n: Nation| matches!(n, Nation::England | Nation::Wales);
    from == to || (ew(from) && ew(to))
}

/// Generates a population.
pub fn generate(config: &SynthConfig) -> Population {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut staying: Vec<Child> = Vec::new();
    let mut moving: Vec<Vec<Child>> = Vec::new();
    let mut moved = 0;
    let mover_share = config.movers as f64 / config.pupils.max(1) as f64;
    while staying.len() + moved < config.pupils {
        let h = household(&mut rng);
        if moved < config.movers && rng.gen_bool(mover_share.clamp(0.0, 1.0)) {
            moved += h.len();
            moving.push(h);
        } else {
            staying.extend(h);
        }
    }
    let mut missing = Vec::new();
    let mut roll: Vec<(RawRecord, Option<usize>)> = Vec::new();
    let mut truth = Vec::new();
    for child in &staying {
        roll.push((record(String::new(), child), None));
    }
    for h in &moving {
        let (move_type, to) = destination(&mut rng, h[0].nation);
        let authorities = to.authorities();
        let to_authority = loop {
            let a = authorities[rng.gen_range(0..authorities.len())];
            if a != h[0].authority || authorities.len() == 1 {
                break a;
            }
        };
        for child in h {
            let missing_id = format!("M{:07}", missing.len() + 1);
            missing.push(record(missing_id.clone(), child));
            let mut dest = child.clone();
            dest.nation = to;
            dest.authority = to_authority;
            let keeps = keeps_identifier(child.nation, to);
            if !keeps {
                dest.identifier = identifier(&mut rng, to, to_authority, child.dob);
            }
            let mut r = record(String::new(), &dest);
            let applied = errors::apply(&mut rng, &mut r, &dest, keeps);
            if applied.contains(&ErrorKind::IdentifierReissued) {
                let new = identifier(&mut rng, to, to_authority, child.dob);
                set_identifier(&mut r, to, Some(new));
            }
            let shared_identifier = keeps
                && !applied.contains(&ErrorKind::IdentifierMissing)
                && !applied.contains(&ErrorKind::IdentifierReissued)
                && !applied.contains(&ErrorKind::IdentifierMistyped);
            roll.push((r, Some(truth.len())));
            truth.push(TruthPair {
                missing_id,
                roll_id: String::new(),
                move_type,
                errors: applied,
                shared_identifier,
                twin: child.twin,
            });
        }
    }
    // Children who left the five nations: missing, on no roll.
    let mut unmatched = 0;
    while unmatched < config.unmatched_missing {
        for child in household(&mut rng) {
            if unmatched < config.unmatched_missing {
                missing.push(record(format!("M{:07}", missing.len() + 1), &child));
                unmatched += 1;
            }
        }
    }
    roll.shuffle(&mut rng);
    missing.shuffle(&mut rng);
    let mut roll_records = Vec::with_capacity(roll.len());
    for (i, (mut r, t)) in roll.into_iter().enumerate() {
        let id = format!("R{:08}", i + 1);
        if let Some(t) = t {
            truth[t].roll_id = id.clone();
        }
        r.record_id = Some(id);
        roll_records.push(r);
    }
    truth.sort_by(|a, b| a.missing_id.cmp(&b.missing_id));
    Population {
        missing,
        roll: roll_records,
        truth,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::record::PupilRecord;

    fn small() -> Population {
        generate(&SynthConfig {
            seed: 7,
            pupils: 3_000,
            movers: 300,
            unmatched_missing: 50,
        })
    }

    #[test]
    fn the_same_seed_gives_the_same_population() {
        let (a, b) = (small(), small());
        assert_eq!(a.roll, b.roll);
        assert_eq!(a.missing, b.missing);
        assert_eq!(a.truth, b.truth);
    }

    #[test]
    fn every_record_validates_and_every_truth_pair_points_at_real_records() {
        let p = small();
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        for r in p.roll.iter().chain(&p.missing) {
            PupilRecord::from_raw(r, today).unwrap_or_else(|e| panic!("{r:?}: {e:?}"));
        }
        let roll_ids: std::collections::HashSet<_> = p
            .roll
            .iter()
            .map(|r| r.record_id.clone().unwrap())
            .collect();
        for t in &p.truth {
            assert!(roll_ids.contains(&t.roll_id), "{t:?}");
        }
        assert!(p.missing.len() >= p.truth.len() + 50);
    }

    #[test]
    fn the_population_has_movers_of_every_kind_twins_and_errors() {
        let p = small();
        for kind in [
            MoveType::WithinNation,
            MoveType::CrossUk,
            MoveType::UkIreland,
        ] {
            assert!(p.truth.iter().any(|t| t.move_type == kind), "{kind:?}");
        }
        assert!(p.truth.iter().any(|t| t.errors.len() >= 2));
        assert!(p.truth.iter().any(|t| t.errors.is_empty()));
        let mut seen = std::collections::HashMap::new();
        let same_surname_and_dob = p
            .roll
            .iter()
            .filter(|r| {
                let n = seen.entry((r.surname.clone(), r.dob.clone())).or_insert(0);
                *n += 1;
                *n == 2
            })
            .count();
        assert!(
            same_surname_and_dob > 0,
            "twins share a surname and a date of birth"
        );
        assert!(p.truth.iter().any(|t| t.twin));
    }
}
