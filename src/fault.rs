//! Crash points for the fault-injection tests (issue #20): with `PUPILMATCH_FAULT=<point>` in
//! its environment the hub kills itself with `SIGKILL` the first time it reaches that point, as
//! an operator's `kill -9` (or the kernel's OOM killer, or a power cut for what the database
//! had not yet been told to keep) would at that moment. `tests/api/crashes.rs` drives
//! `pupilmatch serve` with each point and checks what the restarted hub holds.
//!
//! Compiled in and inert unless the variable is set: [`reach`] reads the environment once and
//! is then a comparison. The hub refuses to start with a value that names no point (a typo
//! would otherwise let a test pass without a crash) and warns at start when one is set. Never
//! set it outside a test.

use std::sync::OnceLock;

/// The environment variable naming the crash point.
pub const VARIABLE: &str = "PUPILMATCH_FAULT";

/// Where the hub can be made to kill itself, in the order a batch meets them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashPoint {
    /// `staging`: a streamed batch has had a chunk of its rows staged (`store::Staging`);
    /// with more lines than one chunk (8,192), the rest of the body is still to be read.
    /// Nothing of it is accepted.
    Staging,
    /// `ingesting`: a JSON batch's records are written in its one transaction, which is not
    /// committed. Nothing of it is accepted.
    Ingesting,
    /// `accepted`: a streamed batch has passed its commit point; none of its staged rows has
    /// been moved into `records`.
    Accepted,
    /// `moving`: the first chunk (2,048 rows) of an accepted streamed batch has been moved into
    /// `records` in its own transaction; the batch is not yet `stored`.
    Moving,
    /// `stored`: a batch's records are committed and matched in memory, its candidates not yet
    /// stored nor the batch marked matched.
    Stored,
    /// `matched`: a batch's candidates are stored and it is marked matched; its request has
    /// not been answered.
    Matched,
}

impl CrashPoint {
    /// Every point, in the order a batch meets them.
    pub const ALL: [CrashPoint; 6] = [
        CrashPoint::Staging,
        CrashPoint::Ingesting,
        CrashPoint::Accepted,
        CrashPoint::Moving,
        CrashPoint::Stored,
        CrashPoint::Matched,
    ];

    /// The value of [`VARIABLE`] that names it.
    pub fn name(self) -> &'static str {
        match self {
            CrashPoint::Staging => "staging",
            CrashPoint::Ingesting => "ingesting",
            CrashPoint::Accepted => "accepted",
            CrashPoint::Moving => "moving",
            CrashPoint::Stored => "stored",
            CrashPoint::Matched => "matched",
        }
    }

    /// The point `name` names.
    pub fn parse(name: &str) -> Option<CrashPoint> {
        CrashPoint::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// The value of [`VARIABLE`] names no crash point.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("PUPILMATCH_FAULT={0:?} names no crash point (one of staging, ingesting, accepted, moving, stored, matched)")]
pub struct UnknownCrashPoint(pub String);

/// The crash point the environment arms, read once.
pub fn armed() -> Result<Option<CrashPoint>, UnknownCrashPoint> {
    static ARMED: OnceLock<Result<Option<CrashPoint>, UnknownCrashPoint>> = OnceLock::new();
    ARMED
        .get_or_init(|| match std::env::var(VARIABLE) {
            Ok(name) if !name.is_empty() => CrashPoint::parse(&name)
                .map(Some)
                .ok_or(UnknownCrashPoint(name)),
            _ => Ok(None),
        })
        .clone()
}

/// Kills the process with `SIGKILL` if `point` is the armed one; otherwise does nothing.
pub fn reach(point: CrashPoint) {
    if armed() != Ok(Some(point)) {
        return;
    }
    tracing::error!(
        point = point.name(),
        "{VARIABLE}: the hub kills itself here"
    );
    // `kill -9` from outside, as an operator would: no destructor, no flush, no rollback.
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &std::process::id().to_string()])
        .status();
    std::process::abort();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_point_is_named_by_the_value_that_arms_it() {
        for point in CrashPoint::ALL {
            assert_eq!(CrashPoint::parse(point.name()), Some(point));
        }
        assert_eq!(CrashPoint::parse("after-accept"), None);
        assert!(UnknownCrashPoint("x".into())
            .to_string()
            .contains("PUPILMATCH_FAULT=\"x\""));
    }
}
