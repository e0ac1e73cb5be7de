//! Measuring linkage quality: loaders for benchmark data with ground truth (FEBRL4, the
//! synthetic five-nation populations) and pairwise precision / recall / F1 with breakdowns.

pub mod attack;
pub mod febrl;
pub mod pipeline;
pub mod quality;
