//! Matching on encodings: the comparison of two encoded records, the Fellegi–Sunter model
//! that scores it, the in-memory index that finds candidates, and bulk linkage.
//!
//! Pure library code: no IO, no tokio. Everything here works on [`EncodedRecord`]s (or their
//! compact in-memory form) and never on names. The flow is
//! [`index`] (candidates) → [`compare`] (comparison vector) → [`model`] (match weight,
//! probability, explanation) → [`resolve`] (thresholds, 1-to-1) — driven by [`link`].
//!
//! [`EncodedRecord`]: crate::encode::EncodedRecord

pub mod compact;
pub mod compare;
pub mod index;
pub mod kernel;
pub mod link;
pub mod model;
pub mod resolve;
pub mod train;

pub use compare::{compare, ComparisonVector, Field};
pub use index::Index;
pub use link::{link, search, Link, LinkConfig};
pub use model::{FieldEvidence, Model, Scored};
pub use resolve::{Decision, Thresholds};
