//! The sealed-disclosure test vector of protocol.md §12.4: an independent implementation that
//! derives the recipient key from `ikm_r` and the ephemeral key from `ikm_e` (RFC 9180
//! `DeriveKeyPair`), and seals the payload under the given context, must produce exactly `enc`
//! and `ct`; the recipient must open them back to the payload.

use pupilmatch::disclosure::{
    fingerprint, open, seal_deterministic, DisclosureKeyPair, DisclosurePayload, SealContext,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Vector {
    ikm_r_hex: String,
    ikm_e_hex: String,
    public_key: String,
    fingerprint: String,
    context: Context,
    info_hex: String,
    aad_hex: String,
    plaintext: String,
    sealed: pupilmatch::disclosure::SealedRecord,
}

#[derive(Deserialize)]
struct Context {
    agreement_id: String,
    candidate_id: i64,
    sender: String,
    recipient: String,
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn vector() -> Vector {
    let protocol = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/protocol.md"))
        .expect("protocol.md");
    let start = protocol
        .find("<!-- disclosure-vector:begin -->")
        .expect("the vector block");
    let block = &protocol[start..];
    let json_start = block.find("```json").expect("a json fence") + "```json".len();
    let json_end = json_start + block[json_start..].find("```").expect("the closing fence");
    serde_json::from_str(&block[json_start..json_end]).expect("the vector parses")
}

#[test]
fn the_sealed_disclosure_vector_in_protocol_md_is_reproduced_and_opens() {
    let v = vector();
    let recipient = DisclosureKeyPair::derive(&unhex(&v.ikm_r_hex));
    assert_eq!(recipient.public().to_base64(), v.public_key);
    assert_eq!(fingerprint(recipient.public().as_bytes()), v.fingerprint);
    let context = SealContext {
        agreement_id: v.context.agreement_id,
        candidate_id: v.context.candidate_id,
        sender: v.context.sender,
        recipient: v.context.recipient,
    };
    assert_eq!(hex(&context.info()), v.info_hex);
    assert_eq!(hex(&context.aad()), v.aad_hex);
    let payload: DisclosurePayload = serde_json::from_str(&v.plaintext).expect("the payload");
    assert_eq!(
        serde_json::to_string(&payload).unwrap(),
        v.plaintext,
        "the plaintext is the payload's canonical serialisation"
    );
    let ikm_e: [u8; 32] = unhex(&v.ikm_e_hex).try_into().expect("32 bytes");
    let sealed = seal_deterministic(recipient.public(), &context, &payload, &ikm_e).unwrap();
    assert_eq!(
        sealed,
        v.sealed,
        "print: {}",
        serde_json::to_string(&sealed).unwrap()
    );
    assert_eq!(open(&recipient, &context, &v.sealed).unwrap(), payload);
}
