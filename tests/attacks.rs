//! The hub's frequency attack (rank alignment, pprl notes §2.3 harness A) against what the hub
//! stores, with positive controls: the attack must *work* on naive encodings (so the harness is
//! shown to be able to succeed) and *fail* on protocol v1's encodings.

use chrono::{Days, NaiveDate};
use pupilmatch::encode::bloom::{encode_name, BloomField, NameBloom};
use pupilmatch::encode::keys::{KeyPurpose, KeySchedule};
use pupilmatch::encode::tokens::{KeyFamily, TokenKeys};
use pupilmatch::encode::{AgreementSecret, Encoder, LocalKey, PupilRecord};
use pupilmatch::evaluate::attack::{rank_alignment, zipf_forenames};
use pupilmatch::input::RawRecord;
use rand::{Rng, SeedableRng};

const N: usize = 40_000;

struct Child {
    forename: &'static str,
    dob: NaiveDate,
}

fn population() -> (Vec<Child>, Vec<&'static str>) {
    let names = zipf_forenames();
    let total: f64 = names.iter().map(|(_, w)| w).sum();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let start = NaiveDate::from_ymd_opt(2009, 9, 1).unwrap();
    let children = (0..N)
        .map(|_| {
            let mut pick = rng.gen::<f64>() * total;
            let mut forename = names[0].0;
            for (name, weight) in &names {
                pick -= weight;
                if pick <= 0.0 {
                    forename = name;
                    break;
                }
            }
            Child {
                forename,
                dob: start + Days::new(rng.gen_range(0..365 * 14)),
            }
        })
        .collect();
    (children, names.iter().map(|(n, _)| *n).collect())
}

fn secret() -> AgreementSecret {
    AgreementSecret::from_bytes("attack-test", 1, [11; 32]).unwrap()
}

#[test]
fn an_unsalted_forename_filter_is_reidentified_by_frequency_alone() {
    let (children, ranking) = population();
    let key = KeySchedule::new(&secret()).key(KeyPurpose::Bloom(BloomField::Forename));
    let column: Vec<(NameBloom, &str)> = children
        .iter()
        .map(|c| (encode_name(&key, "", c.forename), c.forename))
        .collect();
    let result = rank_alignment(&column, &ranking, 10);
    eprintln!("unsalted forename filter: {result:?}");
    assert!(
        result.top_value_precision >= 0.8,
        "positive control failed: {result:?}"
    );
}

#[test]
fn a_forename_only_token_column_is_reidentified_by_frequency_alone() {
    let (children, ranking) = population();
    let keys = TokenKeys::derive(&KeySchedule::new(&secret()));
    let column: Vec<([u8; 16], &str)> = children
        .iter()
        .map(|c| {
            (
                keys.token(KeyFamily::ForenameDob, &[c.forename]),
                c.forename,
            )
        })
        .collect();
    let result = rank_alignment(&column, &ranking, 10);
    eprintln!("forename-only token: {result:?}");
    assert!(result.top_value_precision >= 0.8, "{result:?}");
}

#[test]
fn protocol_v1_encodings_resist_the_frequency_attack() {
    let (children, ranking) = population();
    let encoder = Encoder::new(&secret(), LocalKey::from_bytes([1; 32]));
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let mut filters = Vec::with_capacity(N);
    let mut forename_dob_tokens = Vec::with_capacity(N);
    for (i, child) in children.iter().enumerate() {
        let raw = RawRecord {
            record_id: Some(i.to_string()),
            forename: Some(child.forename.to_string()),
            surname: Some("Smith".into()),
            dob: Some(child.dob.to_string()),
            ..RawRecord::default()
        };
        let record = PupilRecord::from_raw(&raw, today).unwrap().record;
        let encoded = encoder.encode(&record);
        filters.push((encoded.forename_bf.unwrap(), child.forename));
        let token = encoded
            .keys
            .iter()
            .find(|k| k.family == KeyFamily::ForenameDob && k.flags == 0)
            .unwrap()
            .token;
        forename_dob_tokens.push((token, child.forename));
    }
    for (what, result) in [
        (
            "DOB-salted forename filter",
            rank_alignment(&filters, &ranking, 10),
        ),
        (
            "forename+DOB token",
            rank_alignment(&forename_dob_tokens, &ranking, 10),
        ),
    ] {
        eprintln!("{what}: {result:?}");
        assert!(
            result.record_reidentification < 0.01 && result.top_value_precision <= 0.3,
            "{what}: {result:?}"
        );
    }
}
