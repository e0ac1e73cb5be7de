//! Sealed disclosure: what an authority's client does once both sides of a candidate have
//! decided to share (protocol.md §12). Everything here runs at an authority, never at the hub,
//! except [`keys::fingerprint`] and [`keys::PublicKey::parse`], which the hub uses to publish
//! and check registered keys.
//!
//! - [`keys`]: the X25519 disclosure key pair, its file formats and its fingerprint;
//! - [`record`]: the fields a CME coordinator needs, as sealed (the plaintext payload);
//! - [`seal`]: HPKE (RFC 9180) base mode, DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 /
//!   ChaCha20-Poly1305, bound to the agreement, the candidate and both authorities;
//! - [`compare`]: the field-by-field comparison a coordinator reads before recording a verdict.
//!
//! This module does no network or database IO; key files are its only files.

pub mod compare;
pub mod keys;
pub mod record;
pub mod seal;

pub use compare::{compare, FieldComparison, Verdict};
pub(crate) use keys::labelled_fingerprint;
pub use keys::{fingerprint, parse_fingerprint, DisclosureKeyPair, FingerprintError, PublicKey};
pub use record::{Coordinator, DisclosedRecord, DisclosurePayload};
pub use seal::{
    open, seal, seal_deterministic, seal_with_rng, SealContext, SealError, SealedRecord,
};
