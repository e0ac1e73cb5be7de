//! A seeded population of synthetic pupils for the hub benchmark: names drawn from the
//! matcher's community name pools by their frequency laws (`synth::frequencies`, so two
//! pupils share a name about as often as in life), dates of birth over the school-age range,
//! sex, and a valid UPN for most pupils. Same seed, same pupils. No real person is represented.

use chrono::{Duration, NaiveDate};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::client::SubmittedRecord;
use crate::encode::{Encoder, PupilRecord};
use crate::input::RawRecord;
use crate::synth::frequencies::Kind;
use crate::synth::names::{self, Pool};
use crate::synth::{draw_name, surname_form};

/// The communities the bench's pupils come from (the matcher's synthetic name pools), with
/// their shares in per cent (roughly the five nations' mix).
const POOLS: &[(Pool, u32)] = &[
    (names::ENGLISH, 55),
    (names::WELSH, 8),
    (names::SCOTTISH, 10),
    (names::IRISH, 10),
    (names::IRISH_LANGUAGE, 2),
    (names::POLISH, 4),
    (names::ROMANIAN, 3),
    (names::PAKISTANI, 5),
    (names::ARABIC, 3),
];

/// The UPN check letters (protocol.md §1.3).
const UPN_LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

/// `n` pupils with record ids `<prefix>-<i>`, from `seed`.
pub fn pupils(seed: u64, n: usize, prefix: &str) -> Vec<RawRecord> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let earliest = NaiveDate::from_ymd_opt(2008, 9, 1).expect("date");
    (0..n)
        .map(|i| {
            let dob = earliest + Duration::days(rng.gen_range(0..13 * 365));
            let pool = &POOLS
                .choose_weighted(&mut rng, |(_, share)| *share)
                .expect("pools")
                .0;
            let female = rng.gen_bool(0.5);
            let forename = draw_name(
                &mut rng,
                pool,
                if female { Kind::Girls } else { Kind::Boys },
            );
            let surname = surname_form(&draw_name(&mut rng, pool, Kind::Surnames), female);
            let upn = rng.gen_bool(0.6).then(|| upn(&mut rng));
            RawRecord {
                record_id: Some(format!("{prefix}-{i}")),
                forename: Some(forename),
                surname: Some(surname),
                dob: Some(dob.format("%Y-%m-%d").to_string()),
                sex: Some(if female { "F" } else { "M" }.into()),
                upn,
                ..RawRecord::default()
            }
        })
        .collect()
}

/// A valid permanent UPN: check letter, an LA code and 9 digits.
fn upn(rng: &mut ChaCha8Rng) -> String {
    let la = ["383", "380", "201", "660", "815"]
        .choose(rng)
        .expect("codes");
    let digits: String = (0..9)
        .map(|_| char::from(b'0' + rng.gen_range(0..10)))
        .collect();
    let body = format!("{la}{digits}");
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(i, b)| (i as u32 + 2) * u32::from(b - b'0'))
        .sum();
    let check = UPN_LETTERS[(sum % 23) as usize] as char;
    format!("{check}{body}")
}

/// The same child as another authority would hold it: another record id, no UPN, and (when
/// `typo`) two adjacent letters of the surname exchanged.
pub fn elsewhere(pupil: &RawRecord, record_id: String, typo: bool) -> RawRecord {
    let mut surname = pupil.surname.clone().unwrap_or_default();
    if typo && surname.len() > 4 && surname.is_ascii() {
        let mut bytes = surname.into_bytes();
        bytes.swap(2, 3);
        surname = String::from_utf8(bytes).expect("ascii");
    }
    RawRecord {
        record_id: Some(record_id),
        surname: Some(surname),
        upn: None,
        ..pupil.clone()
    }
}

/// Encodes pupils in parallel, as the authority would before uploading.
pub fn encode(encoder: &Encoder, pupils: &[RawRecord], today: NaiveDate) -> Vec<SubmittedRecord> {
    pupils
        .par_iter()
        .map(|raw| {
            let validated = PupilRecord::from_raw(raw, today).expect("synthetic pupils are valid");
            SubmittedRecord {
                encoding: encoder.encode(&validated.record),
                case: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_valid_pupils() {
        let a = pupils(7, 50, "x");
        assert_eq!(a, pupils(7, 50, "x"));
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        for raw in &a {
            let validated = PupilRecord::from_raw(raw, today).unwrap();
            assert!(
                validated.warnings.is_empty(),
                "{raw:?}: {:?}",
                validated.warnings
            );
        }
    }
}
