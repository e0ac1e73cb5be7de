//! Authority-side encoding: everything that turns a raw pupil record into what the hub may see.
//!
//! This module does no IO beyond reading key files and never touches tokio: it is a set of pure
//! functions over records, so every step can be tested against the vectors in `protocol.md`.
//! The order of work is [`record`] (validate) → [`normalise`] (fold names) → [`tokens`] and
//! [`bloom`] (keyed encodings, with keys from [`keys`]) → [`encoded`] (the wire form).

pub mod bloom;
pub mod encoded;
pub mod identifiers;
pub mod keys;
pub mod names;
pub mod normalise;
pub mod phonetic;
pub mod record;
pub mod tokens;

pub use encoded::{EncodedHeader, EncodedRecord, Encoder, IdToken};
pub use keys::{AgreementSecret, LocalKey};
pub use record::PupilRecord;
pub mod batch;
