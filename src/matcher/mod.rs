//! Matching on encodings: the comparison of two encoded records, the Fellegi–Sunter model
//! that scores it, the in-memory index that finds candidates, and bulk linkage.
//!
//! Pure library code: no IO, no tokio. Everything here works on [`EncodedRecord`]s (or their
//! [`Prepared`] in-memory form) and never on names. The flow is
//! [`index`] (candidates) → [`compare`] (comparison vector, using the popcount [`kernel`]) →
//! [`model`] (match weight, probability, explanation) → [`resolve`] (thresholds, 1-to-1) —
//! driven by [`link`]; [`train`] estimates a model from data.
//!
//! [`EncodedRecord`]: crate::wire::EncodedRecord

pub mod chunked;
pub mod compact;
pub mod compare;
pub mod explain_words;
pub mod index;
pub mod kernel;
pub mod link;
pub mod model;
pub mod resolve;
pub mod train;

pub use compact::Prepared;
pub use compare::{compare, ComparisonVector, Field};
pub use index::{Index, IndexConfig};
pub use link::{link, link_naive, search, Link, LinkConfig};
pub use model::{Explanation, FieldEvidence, Model, Score, ScoreContext};
pub use resolve::{Decision, Thresholds};
