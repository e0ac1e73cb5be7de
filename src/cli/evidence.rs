//! How the coordinators' commands show a candidate's evidence and its other party: the
//! matcher's levels in words and a confidence band (`matcher::explain_words`), and authorities
//! by name where the hub gives them (`GET /v1/me`).

pub use crate::client::AuthorityNames;
use crate::matcher::explain_words::{evidence_line_json, ConfidenceBand};

/// The evidence on one line in words; the matcher's own summary (or the raw JSON) for
/// evidence this version cannot read.
pub fn in_words(evidence: &serde_json::Value) -> String {
    evidence_line_json(evidence).unwrap_or_else(|| {
        evidence
            .get("summary")
            .and_then(|s| s.as_str())
            .map_or_else(|| evidence.to_string(), str::to_string)
    })
}

/// `very strong (31.2)`: the band of a match weight, with the weight.
pub fn confidence(match_weight: f64) -> String {
    format!(
        "{} ({match_weight:.1})",
        ConfidenceBand::from_weight(match_weight)
    )
}
