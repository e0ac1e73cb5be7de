//! How one audit event is linked to the chain (protocol.md §14.6).
//!
//! Two schemes exist. [`LinkScheme::Keyed`] (every event written since links were keyed) is
//! `HMAC-SHA256(K_audit, …)` under a [`ChainKey`] derived from the hub key, over the previous
//! link, every field of the event and its parties; without the hub key nobody can compute it,
//! so rewriting the chain after an edit needs the key, not only the database.
//! [`LinkScheme::Legacy`] is the unkeyed SHA-256 of the events written before: it is still
//! verified, but only as a prefix of the chain, before its first keyed link.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The link before the first event: 64 zeros.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The domain label that opens every keyed link's MAC input.
pub const LINK_LABEL: &str = "pupilmatch/v1/audit-link";

/// How an event's link was computed (the `scheme` column of `audit_events`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkScheme {
    /// 1: `SHA-256(prev ‖ 0x1F ‖ at ‖ 0x1F ‖ actor ‖ 0x1F ‖ action ‖ 0x1F ‖ subject ‖ 0x1F ‖
    /// detail)`, unkeyed, parties not covered. Read, never written.
    Legacy,
    /// 2: `HMAC-SHA256(K_audit, …)` over the previous link, the event and its parties.
    Keyed,
}

impl LinkScheme {
    /// The stored number.
    pub fn code(self) -> i64 {
        match self {
            LinkScheme::Legacy => 1,
            LinkScheme::Keyed => 2,
        }
    }

    /// The scheme of a stored number.
    pub fn from_code(code: i64) -> Option<Self> {
        match code {
            1 => Some(LinkScheme::Legacy),
            2 => Some(LinkScheme::Keyed),
            _ => None,
        }
    }
}

/// The key of keyed links, `K_audit` (derived from the hub key; never in the database).
#[derive(Clone)]
pub struct ChainKey(Hmac<Sha256>);

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChainKey([redacted])")
    }
}

impl ChainKey {
    /// The key of these 32 bytes.
    pub fn from_bytes(key: &[u8; 32]) -> Self {
        ChainKey(Hmac::new_from_slice(key).expect("HMAC takes a key of any length"))
    }
}

/// The fields of one event that its link covers.
#[derive(Debug, Clone, Copy)]
pub struct LinkInput<'a> {
    /// When (RFC 3339 UTC, as stored).
    pub at: &'a str,
    /// Who acted.
    pub actor: &'a str,
    /// What happened.
    pub action: &'a str,
    /// To what.
    pub subject: &'a str,
    /// The detail JSON, exactly as stored.
    pub detail: &'a str,
    /// The parties, sorted by their UTF-8 bytes, each once.
    pub parties: &'a [String],
}

impl<'a> LinkInput<'a> {
    /// `prev` and the event's fields, in the order both schemes take them.
    fn after(&self, prev: &'a str) -> [&'a str; 6] {
        [
            prev,
            self.at,
            self.actor,
            self.action,
            self.subject,
            self.detail,
        ]
    }
}

/// The legacy link: SHA-256 of the fields joined by 0x1F, in hex.
pub fn legacy_link(prev: &str, event: &LinkInput<'_>) -> String {
    let mut hasher = Sha256::new();
    for (i, part) in event.after(prev).iter().enumerate() {
        if i > 0 {
            hasher.update([0x1F]);
        }
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// The keyed link's MAC input: each string as `u32_be(byte length) ‖ bytes`, in the order
/// `LINK_LABEL, prev, at, actor, action, subject, detail`, then `u32_be(number of parties)`
/// and each party as a string.
pub fn keyed_input(prev: &str, event: &LinkInput<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(128 + event.detail.len());
    let mut field = |s: &str| {
        out.extend_from_slice(&(s.len() as u32).to_be_bytes());
        out.extend_from_slice(s.as_bytes());
    };
    field(LINK_LABEL);
    for part in event.after(prev) {
        field(part);
    }
    out.extend_from_slice(&(event.parties.len() as u32).to_be_bytes());
    for party in event.parties {
        out.extend_from_slice(&(party.len() as u32).to_be_bytes());
        out.extend_from_slice(party.as_bytes());
    }
    out
}

/// The keyed link: `HMAC-SHA256(K_audit, keyed_input(prev, event))` in hex.
pub fn keyed_link(key: &ChainKey, prev: &str, event: &LinkInput<'_>) -> String {
    let mut mac = key.0.clone();
    mac.update(&keyed_input(prev, event));
    hex::encode(mac.finalize().into_bytes())
}

/// The link of `event` after `prev` under `scheme` (a keyed link needs the key).
pub fn link(
    scheme: LinkScheme,
    key: Option<&ChainKey>,
    prev: &str,
    event: &LinkInput<'_>,
) -> Option<String> {
    match scheme {
        LinkScheme::Legacy => Some(legacy_link(prev, event)),
        LinkScheme::Keyed => key.map(|key| keyed_link(key, prev, event)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parties() -> Vec<String> {
        vec!["383".to_string(), "S12000049".to_string()]
    }

    fn event(parties: &[String]) -> LinkInput<'_> {
        LinkInput {
            at: "2026-12-07T21:00:00Z",
            actor: "authority:383",
            action: "candidate.confirm",
            subject: "17",
            detail: r#"{"n":1}"#,
            parties,
        }
    }

    /// protocol.md §14.6's vector: K_audit = 32 bytes of 0x42, the first event of a chain.
    #[test]
    fn the_keyed_link_matches_the_protocol_vector() {
        let parties = parties();
        let input = keyed_input(GENESIS, &event(&parties));
        // Seven strings (label, prev, at, actor, action, subject, detail), the party count, two parties.
        let strings = 24 + 64 + 20 + 13 + 17 + 2 + 7;
        assert_eq!(input.len(), 7 * 4 + strings + 4 + (4 + 3) + (4 + 9));
        assert_eq!(input.len(), 199);
        assert_eq!(&input[..4], &[0, 0, 0, 24]);
        let key = ChainKey::from_bytes(&[0x42; 32]);
        assert_eq!(
            keyed_link(&key, GENESIS, &event(&parties)),
            "838fe55a8edc9e3a07702d9d8d35021b1994b6a5ed894db17c393bf0abbd9d90"
        );
    }

    #[test]
    fn the_legacy_link_is_the_unkeyed_hash_of_the_fields() {
        let parties = parties();
        let mut hasher = Sha256::new();
        hasher.update(format!(
            "{GENESIS}\x1f2026-12-07T21:00:00Z\x1fauthority:383\x1fcandidate.confirm\x1f17\x1f{{\"n\":1}}"
        ));
        assert_eq!(
            legacy_link(GENESIS, &event(&parties)),
            hex::encode(hasher.finalize())
        );
    }

    #[test]
    fn a_keyed_link_changes_with_the_key_the_parties_and_every_field() {
        let parties = parties();
        let key = ChainKey::from_bytes(&[0x42; 32]);
        let base = keyed_link(&key, GENESIS, &event(&parties));
        let other_key = ChainKey::from_bytes(&[0x43; 32]);
        assert_ne!(keyed_link(&other_key, GENESIS, &event(&parties)), base);
        let fewer = vec!["383".to_string()];
        assert_ne!(keyed_link(&key, GENESIS, &event(&fewer)), base);
        let mut edited = event(&parties);
        edited.detail = r#"{"n":2}"#;
        assert_ne!(keyed_link(&key, GENESIS, &edited), base);
        // Moving a byte between two fields changes the input: lengths delimit the fields.
        let mut shifted = event(&parties);
        shifted.action = "candidate.confirm1";
        shifted.subject = "7";
        assert_ne!(keyed_link(&key, GENESIS, &shifted), base);
    }
}
