//! The national identifier schemes, a closed vocabulary the hub sees beside each identifier
//! token (protocol.md §3).

use std::fmt;

/// Which national scheme an identifier belongs to. Identifiers only ever match within one scheme.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// England/Wales Unique Pupil Number (current, former and temporary).
    Upn,
    /// Scottish Candidate Number.
    Scn,
    /// Ireland Personal Public Service Number.
    Ppsn,
    /// Northern Ireland pupil identifier (opaque).
    NiPupilId,
}

impl Scheme {
    /// Every scheme.
    pub const ALL: [Scheme; 4] = [Scheme::Upn, Scheme::Scn, Scheme::Ppsn, Scheme::NiPupilId];

    /// The wire name: `upn`, `scn`, `ppsn`, `ni_pupil_id`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Upn => "upn",
            Scheme::Scn => "scn",
            Scheme::Ppsn => "ppsn",
            Scheme::NiPupilId => "ni_pupil_id",
        }
    }

    /// Whether the scheme's identifiers carry a check character, so that a single keying
    /// error is caught at validation (UPN, SCN, PPSN) rather than passing unnoticed (the NI
    /// pupil identifier, whose format is not published).
    pub fn has_check_character(self) -> bool {
        !matches!(self, Scheme::NiPupilId)
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
