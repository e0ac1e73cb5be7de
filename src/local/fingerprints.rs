//! The fingerprints of other authorities' disclosure keys, as their coordinators read them out
//! by phone: `authority,fingerprint,checked_on` rows (`pupilmatch disclosure trust` writes
//! them). Commands compare the key the hub publishes with the one recorded here and say only
//! whether it matches, never the hub's fingerprint, which would invite copying it instead of
//! checking it by phone (issue #22 item 11). Local only; 0600.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::WorkspaceError;

/// One authority's fingerprint, as read out, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedFingerprint {
    /// The fingerprint, normalised (`parse_fingerprint`).
    pub fingerprint: String,
    /// The day it was read out.
    pub checked_on: NaiveDate,
}

/// How the key the hub publishes for an authority stands against the recorded fingerprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FingerprintCheck {
    /// Nothing recorded for that authority yet.
    NotChecked,
    /// Recorded on that day, and the published key has it.
    Matches(NaiveDate),
    /// Recorded on that day, and the published key does not have it.
    Differs(NaiveDate),
}

/// The fingerprint book of one workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerprintBook {
    path: PathBuf,
}

const HEADER: [&str; 3] = ["authority", "fingerprint", "checked_on"];

impl FingerprintBook {
    /// The book in `path`.
    pub fn new(path: impl Into<PathBuf>) -> FingerprintBook {
        FingerprintBook { path: path.into() }
    }

    /// Its file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every authority's recorded fingerprint; empty when nothing was recorded yet.
    pub fn load(&self) -> Result<BTreeMap<String, CheckedFingerprint>, WorkspaceError> {
        let mut book = BTreeMap::new();
        if !self.path.exists() {
            return Ok(book);
        }
        let mut reader = csv::Reader::from_path(&self.path).map_err(|e| self.bad(1, e))?;
        for (i, row) in reader.records().enumerate() {
            let line = i as u64 + 2;
            let row = row.map_err(|e| self.bad(line, e))?;
            let (Some(authority), Some(fingerprint), Some(on)) =
                (row.get(0), row.get(1), row.get(2))
            else {
                return Err(self.bad(line, "fewer than three columns"));
            };
            let checked_on = on
                .parse()
                .map_err(|_| self.bad(line, format!("field checked_on: {on:?} is not a date")))?;
            book.insert(
                authority.to_string(),
                CheckedFingerprint {
                    fingerprint: fingerprint.to_string(),
                    checked_on,
                },
            );
        }
        Ok(book)
    }

    /// Records `authority`'s fingerprint (normalised) as read out on `on`, replacing any
    /// earlier one; the file is rewritten whole (0600 on Unix).
    pub fn record(
        &self,
        authority: &str,
        fingerprint: &str,
        on: NaiveDate,
    ) -> Result<(), WorkspaceError> {
        let mut book = self.load()?;
        book.insert(
            authority.to_string(),
            CheckedFingerprint {
                fingerprint: fingerprint.to_string(),
                checked_on: on,
            },
        );
        let io = |source| WorkspaceError::Io {
            path: self.path.display().to_string(),
            source,
        };
        let file = crate::keyfile::private_file_options()
            .create(true)
            .truncate(true)
            .open(&self.path)
            .map_err(io)?;
        let mut writer = csv::Writer::from_writer(file);
        let written = writer.write_record(HEADER).and_then(|()| {
            book.iter().try_for_each(|(authority, checked)| {
                writer.write_record([
                    authority.as_str(),
                    checked.fingerprint.as_str(),
                    &checked.checked_on.to_string(),
                ])
            })
        });
        written.map_err(|e| self.bad(0, e))?;
        writer.flush().map_err(io)
    }

    /// How `published` (the fingerprint of the key the hub publishes for `authority`) stands
    /// against what was recorded.
    pub fn check(
        &self,
        authority: &str,
        published: &str,
    ) -> Result<FingerprintCheck, WorkspaceError> {
        Ok(match self.load()?.get(authority) {
            None => FingerprintCheck::NotChecked,
            Some(c) if c.fingerprint == published => FingerprintCheck::Matches(c.checked_on),
            Some(c) => FingerprintCheck::Differs(c.checked_on),
        })
    }

    fn bad(&self, line: u64, reason: impl std::fmt::Display) -> WorkspaceError {
        WorkspaceError::RefStore {
            path: self.path.display().to_string(),
            line,
            reason: reason.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_fingerprint_is_checked_against_the_published_one() {
        let dir = tempfile::tempdir().unwrap();
        let book = FingerprintBook::new(dir.path().join("fingerprints.csv"));
        let ours = "0123-4567-89ab-cdef-0123-4567-89ab-cdef";
        let day = NaiveDate::from_ymd_opt(2026, 9, 14).unwrap();
        assert_eq!(
            book.check("S12000049", ours).unwrap(),
            FingerprintCheck::NotChecked
        );
        book.record("S12000049", ours, day).unwrap();
        assert_eq!(
            book.check("S12000049", ours).unwrap(),
            FingerprintCheck::Matches(day)
        );
        let other = ours.replace('0', "f");
        assert_eq!(
            book.check("S12000049", &other).unwrap(),
            FingerprintCheck::Differs(day)
        );
        assert_eq!(
            book.check("383", ours).unwrap(),
            FingerprintCheck::NotChecked
        );
    }
}
