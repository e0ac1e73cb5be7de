//! What the hub may see: the encoded record and its parts, with their text and byte forms
//! (protocol.md §6).
//!
//! This module is the privacy boundary written as code. The hub, its store and the matcher are
//! built from these types alone; raw records, their validation, the keys that turn them into
//! encodings and the authority's own files live in [`crate::encode`], [`crate::input`] and
//! [`crate::local`], which no hub-side module may name (`tests/boundary.rs`). Nothing here
//! computes an encoding: it only holds, prints and parses one.

pub mod filters;
pub mod record;
pub mod scheme;
mod text;
pub mod tokens;

pub use filters::{Bloom, NameBloom, NamesBloom, FILTER_BITS, NAMES_FILTER_BITS};
pub use record::{EncodedHeader, EncodedRecord, IdToken, UnderId, PROTOCOL_VERSION};
pub use scheme::Scheme;
pub use text::WireError;
pub use tokens::{flags, KeyFamily, MatchKey, TOKEN_BYTES};
