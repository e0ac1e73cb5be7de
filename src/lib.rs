//! pupilmatch: privacy-preserving pupil matching for children missing from education.
//!
//! Authorities in England, Wales, Scotland, Northern Ireland and Ireland encode their pupil
//! records locally ([`encode`]) into keyed tokens and salted Bloom filters; a hub stores only
//! those encodings and proposes probable matches, which both authorities must confirm before
//! anything identifying is released. `protocol.md` is the byte-level contract for the encodings;
//! `ARCHITECTURE.md` is the map of this crate.

pub mod checkpoint;
pub mod cli;
pub mod client;
pub mod console;
pub mod disclosure;
pub mod encode;
pub mod evaluate;
pub mod fault;
pub mod hub;
pub mod input;
pub mod keyfile;
pub mod local;
pub mod matcher;
pub mod store;
pub mod synth;
pub mod wire;
