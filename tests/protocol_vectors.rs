//! protocol.md §10 is the contract: the vectors printed there must be exactly what this crate
//! computes. Run with `UPDATE_PROTOCOL_VECTORS=1` to rewrite the block after a deliberate,
//! versioned protocol change (never to make a failing test pass).

use chrono::NaiveDate;
use hex::encode as hex;
use pupilmatch::encode::batch::{encode_one, problems, Outcome};
use pupilmatch::encode::encoded::filter_salt;
use pupilmatch::encode::keys::{KeyPurpose, KeySchedule};
use pupilmatch::encode::record::Policy;
use pupilmatch::encode::record::{dob_salt, PupilRecord};
use pupilmatch::encode::tokens::{forename_forms, surname_forms, KeyFamily};
use pupilmatch::encode::{AgreementSecret, Encoder, LocalKey};
use pupilmatch::hub::layer::HubLayer;
use pupilmatch::input::RawRecord;
use serde_json::{json, Value};

const BEGIN: &str = "<!-- vectors:begin -->";
const END: &str = "<!-- vectors:end -->";

fn secret_bytes() -> [u8; 32] {
    std::array::from_fn(|i| i as u8)
}

fn local_bytes() -> [u8; 32] {
    std::array::from_fn(|i| 0xA0 ^ i as u8)
}

fn hub_bytes() -> [u8; 32] {
    std::array::from_fn(|i| 0x5A ^ (3 * i) as u8)
}

fn inputs() -> Vec<RawRecord> {
    let record = |id: &str, f: &str, m: Option<&str>, s: &str, dob: &str, sex: &str| RawRecord {
        record_id: Some(id.into()),
        forename: Some(f.into()),
        middle_names: m.map(Into::into),
        surname: Some(s.into()),
        dob: Some(dob.into()),
        sex: Some(sex.into()),
        ..RawRecord::default()
    };
    let mut sean = record("GLA-0001", "Seán", None, "Ó Briain", "2014-03-07", "M");
    sean.scn = Some("123456785".into());
    let mut aoife = record(
        "380-17",
        "Aoife Máire",
        Some("Gráinne"),
        "Ní Bhraonáin",
        "2012-11-30",
        "F",
    );
    aoife.upn = Some("H801200001001".into());
    aoife.former_surname = Some("Smith-Jones".into());
    let mut lukasz = record("IE-77", "Łukasz", None, "Wójcik", "15/06/2013", "M");
    lukasz.ppsn = Some("1234567FA".into());
    lukasz.preferred_forename = Some("Luke".into());
    let mut niamh = record("EA-5", "Niamh", None, "McAllister", "2015-01-09", "F");
    niamh.ni_pupil_id = Some("A1234567".into());
    // A title, a record id with white space round it, unknown sex, and a temporary UPN kept
    // as the former UPN; the surname spelt `Mc`, with a core.
    let mut james = record(
        " ENG-0042 ",
        "Mr. James",
        None,
        "McDonald",
        "2016-04-02",
        "U",
    );
    james.upn = Some("B801200005001".into());
    james.former_upn = Some("J80120000700A".into());
    // The same child's name as one word `MacDonald` (no core) in another date shape, with
    // several identifiers: the forename filter and the `phonetic-dob` keys equal James's.
    let mut jamie = record("SCO-0042", "James", None, "MacDonald", "02/04/2016", "M");
    jamie.scn = Some("201604028".into());
    jamie.ppsn = Some("7654321G".into());
    jamie.ni_pupil_id = Some("EA20160402".into());
    // A preferred surname, the YYYYMMDD shape, and an identifier that fails validation
    // (reported as a warning; only its corrections are encoded, as `id-near` keys).
    let mut zofia = record("CDF-9", "Zofia", None, "Nowak", "20150918", "female");
    zofia.preferred_surname = Some("Bennett".into());
    zofia.ppsn = Some("1234567XX".into());
    // A placeholder forename: skipped, and reported as an error.
    let baby = record("ENG-0043", "Baby", None, "Smith", "2026-11-01", "F");
    // Seán's SCN with its last two digits exchanged: it fails its check digit, and one of its
    // corrections is Seán's SCN, so the two share an `id-near` key (protocol 5).
    let mut sean_typo = record("GLA-0002", "Sean", None, "O'Brien", "2014-03-07", "M");
    sean_typo.scn = Some("123456758".into());
    vec![
        sean, aoife, lukasz, niamh, james, jamie, zofia, baby, sean_typo,
    ]
}

/// Records with impossible dates, for the lenient policy: one digit typed wrong in the year
/// (the future) and in the month (13).
fn lenient_inputs() -> Vec<RawRecord> {
    let record = |id: &str, dob: &str| RawRecord {
        record_id: Some(id.into()),
        forename: Some("Hayley".into()),
        surname: Some("Dunstone".into()),
        dob: Some(dob.into()),
        sex: Some("F".into()),
        ..RawRecord::default()
    };
    vec![record("LNT-1", "2078-05-13"), record("LNT-2", "2014-13-05")]
}

/// The input fields a vector shows (every field the vectors use).
fn input_json(raw: &RawRecord) -> Value {
    json!({
        "record_id": raw.record_id, "forename": raw.forename,
        "middle_names": raw.middle_names, "surname": raw.surname,
        "former_surname": raw.former_surname,
        "preferred_forename": raw.preferred_forename,
        "preferred_surname": raw.preferred_surname, "dob": raw.dob,
        "sex": raw.sex, "upn": raw.upn, "former_upn": raw.former_upn, "scn": raw.scn,
        "ppsn": raw.ppsn, "ni_pupil_id": raw.ni_pupil_id,
    })
}

/// The problem report lines of one outcome (protocol.md §6.3), without the free-text
/// `message` and the file `position`, which are not part of the contract's bytes.
fn report_json(outcome: &Outcome) -> Value {
    problems(outcome)
        .iter()
        .map(|p| json!({"severity": p.severity, "record_id": p.record_id, "field": p.field, "code": p.code}))
        .collect()
}

fn compute() -> Value {
    let secret = AgreementSecret::from_bytes("example-agreement", 1, secret_bytes()).unwrap();
    let schedule = KeySchedule::new(&secret);
    let encoder = Encoder::new(&secret, LocalKey::from_bytes(local_bytes()));
    let hub = HubLayer::from_bytes(&hub_bytes());
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let mut derived = serde_json::Map::new();
    for family in KeyFamily::ALL {
        let purpose = KeyPurpose::Token(family);
        derived.insert(
            purpose.label(),
            json!(hex(schedule.key(purpose).expose_for_test_vectors())),
        );
    }
    for purpose in [
        KeyPurpose::Bloom(pupilmatch::encode::bloom::BloomField::Forename),
        KeyPurpose::Identifier(pupilmatch::encode::identifiers::Scheme::Scn),
        KeyPurpose::DobCheck,
        KeyPurpose::Bloom(pupilmatch::encode::bloom::BloomField::IdNames),
        KeyPurpose::IdDobCheck,
    ] {
        derived.insert(
            purpose.label(),
            json!(hex(schedule.key(purpose).expose_for_test_vectors())),
        );
    }
    let records: Vec<Value> = inputs()
        .iter()
        .map(|raw| {
            let outcome = encode_one(&encoder, &Ok(raw.clone()), today, Policy::Pupil);
            let Outcome::Encoded { encoded, .. } = &outcome else {
                return json!({
                    "input": input_json(raw),
                    "skipped": true,
                    "report": report_json(&outcome),
                });
            };
            let record = PupilRecord::from_raw(raw, today).unwrap().record;
            json!({
                "input": input_json(raw),
                "report": report_json(&outcome),
                "dob_salt": dob_salt(record.dob.unwrap()),
                "forename_filter_salt": filter_salt(
                    &dob_salt(record.dob.unwrap()),
                    &record.surname.as_ref().unwrap().soundex(),
                ),
                "surname_filter_salt": filter_salt(
                    &dob_salt(record.dob.unwrap()),
                    &record.forename.as_ref().unwrap().soundex(),
                ),
                "under_id_salt": record.identifiers.first().map(|id| {
                    pupilmatch::encode::bloom::id_names_salt(id.scheme().as_str(), id.canonical())
                }),
                "forename_forms": forename_forms(&record),
                "surname_forms": surname_forms(&record),
                "encoded": encoded,
                "stored_by_hub": hub.apply(encoded),
            })
        })
        .collect();
    // Impossible dates under the lenient policy keep their usable parts (§1.2, protocol 6).
    let lenient_records: Vec<Value> = lenient_inputs()
        .iter()
        .map(|raw| {
            let outcome = encode_one(&encoder, &Ok(raw.clone()), today, Policy::Lenient);
            let Outcome::Encoded { encoded, .. } = &outcome else {
                panic!("a lenient vector is encoded");
            };
            json!({
                "input": input_json(raw),
                "report": report_json(&outcome),
                "encoded": encoded,
                "stored_by_hub": hub.apply(encoded),
            })
        })
        .collect();
    json!({
        "protocol": pupilmatch::encode::encoded::PROTOCOL_VERSION,
        "agreement_id": "example-agreement",
        "epoch": 1,
        "agreement_secret_hex": hex(secret_bytes()),
        "local_key_hex": hex(local_bytes()),
        "hub_key_hex": hex(hub_bytes()),
        "encoded_on": "2026-11-22",
        "names_tables_digest": pupilmatch::encode::names::tables_digest(),
        "derived_keys_hex": derived,
        "records": records,
        "lenient_records": lenient_records,
    })
}

fn render(value: &Value) -> String {
    format!(
        "{BEGIN}\n```json\n{}\n```\n{END}",
        serde_json::to_string_pretty(value).unwrap()
    )
}

#[test]
fn protocol_md_test_vectors_match_the_implementation() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/protocol.md");
    let text = std::fs::read_to_string(path).unwrap();
    let start = text
        .find(BEGIN)
        .expect("protocol.md has a vectors:begin marker");
    let end = text
        .find(END)
        .expect("protocol.md has a vectors:end marker")
        + END.len();
    let computed = compute();
    if std::env::var_os("UPDATE_PROTOCOL_VECTORS").is_some() {
        let updated = format!("{}{}{}", &text[..start], render(&computed), &text[end..]);
        std::fs::write(path, updated).unwrap();
        return;
    }
    let block = &text[start..end];
    let json_start = block.find("```json").expect("a json block") + "```json".len();
    let json_end = block.rfind("```").expect("end of the json block");
    let documented: Value = serde_json::from_str(&block[json_start..json_end])
        .expect("the protocol.md vectors are valid JSON");
    assert_eq!(
        documented, computed,
        "protocol.md §10 disagrees with the implementation"
    );
}

/// The bundled name tables (protocol.md §3.5, §3.6, Appendix A): the file, and its line count.
const TABLES: [(&str, usize); 4] = [
    ("nicknames.csv", 96),
    ("cognates.csv", 53),
    ("transliterations.csv", 56),
    ("surnames.csv", 100),
];

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(Sha256::digest(bytes))
}

#[test]
fn protocol_md_publishes_the_name_tables_byte_for_byte_with_their_digests() {
    let root = env!("CARGO_MANIFEST_DIR");
    let text = std::fs::read_to_string(format!("{root}/protocol.md")).unwrap();
    let mut combined = Vec::new();
    for (i, (name, lines)) in TABLES.into_iter().enumerate() {
        let file = std::fs::read(format!("{root}/src/encode/names/data/{name}")).unwrap();
        // §3.5's table: name, line count and SHA-256 of the shipped file.
        let row = format!("| `{name}` | {lines} | `{}` |", sha256_hex(&file));
        assert!(
            text.contains(&row),
            "protocol.md §3.5/§3.6 lacks the row {row}"
        );
        // Appendix A: the file's content verbatim.
        let begin = format!("<!-- table:{name}:begin -->\n```text\n");
        let end = format!("```\n<!-- table:{name}:end -->");
        let start = text.find(&begin).expect("an Appendix A block") + begin.len();
        let stop = start + text[start..].find(&end).expect("the block's end marker");
        assert!(
            &text.as_bytes()[start..stop] == file.as_slice(),
            "Appendix A's {name} differs from the shipped file"
        );
        assert_eq!(
            file.iter().filter(|&&b| b == b'\n').count(),
            lines,
            "{name}"
        );
        if i > 0 {
            combined.push(0);
        }
        combined.extend_from_slice(&file);
    }
    let digest = sha256_hex(&combined);
    assert_eq!(digest, pupilmatch::encode::names::tables_digest());
    assert!(
        text.contains(&format!("one 0x00 byte:\n`{digest}`")),
        "protocol.md §3.5 states another combined digest than {digest}"
    );
}

#[test]
fn protocol_md_states_the_version_this_build_speaks_wherever_it_names_one() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/protocol.md")).unwrap();
    let v = pupilmatch::encode::encoded::PROTOCOL_VERSION;
    for stated in [
        format!("# pupilmatch protocol, version {v}\n"),
        format!("\"protocol\":{v},"),
        format!("`protocol` ({v})"),
        format!("protocol ({v}), record"),
        format!("`protocol` is not the hub's version ({v}, `PROTOCOL_VERSION`)"),
    ] {
        assert!(
            text.contains(&stated),
            "protocol.md does not say `{stated}`"
        );
    }
}

/// protocol.md §14.6 prints the audit vectors an independent implementation must reproduce:
/// every value printed there is what this crate computes.
#[test]
fn protocol_md_audit_vectors_match_the_implementation() {
    use base64::Engine;
    use pupilmatch::checkpoint::CheckpointSigner;
    use pupilmatch::store::audit::link::{keyed_input, keyed_link, LinkInput, GENESIS};
    use pupilmatch::store::{ChainHead, ChainKey};

    let protocol = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/protocol.md"))
        .unwrap()
        .replace('\n', " ");
    let section = &protocol[protocol.find("### 14.6").expect("§14.6")..];
    let parties = ["383".to_string(), "S12000049".to_string()];
    let event = LinkInput {
        at: "2026-12-07T21:00:00Z",
        actor: "authority:383",
        action: "candidate.confirm",
        subject: "17",
        detail: r#"{"n":1}"#,
        parties: &parties,
    };
    let hub = HubLayer::from_bytes(&[0x11; 32]);
    let signer = CheckpointSigner::from_seed(&[7; 32]);
    let checkpoint = signer.sign_at(
        &ChainHead {
            n_events: 120,
            head: "ab".repeat(32),
        },
        "2026-12-07T21:00:00Z",
    );
    let printed = [
        format!(
            "the MAC input is {} bytes",
            keyed_input(GENESIS, &event).len()
        ),
        keyed_link(&ChainKey::from_bytes(&[0x42; 32]), GENESIS, &event),
        keyed_link(&hub.audit_chain_key(), GENESIS, &event),
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(hub.checkpoint_signer().public_key()),
        checkpoint.public_key,
        checkpoint.key_fingerprint,
        checkpoint.signature,
    ];
    for value in printed {
        assert!(
            section.contains(&value),
            "protocol.md §14.6 does not print {value}"
        );
    }
}
