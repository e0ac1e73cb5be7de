//! The reference store: `ref,record_id,source,line` rows written when records are submitted,
//! so every later command can show the authority's own record id (and where it came from)
//! for a reference the hub shows, without the pupil file or a `--map`. Local only; 0600.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::WorkspaceError;

/// Where a reference came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefEntry {
    /// The authority's own record id.
    pub record_id: String,
    /// The file it was submitted from.
    pub source: String,
    /// Its line in that file (0 when unknown).
    pub line: u64,
}

/// The reference store of one workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefStore {
    path: PathBuf,
}

const HEADER: [&str; 4] = ["ref", "record_id", "source", "line"];

impl RefStore {
    /// The store in `path`.
    pub fn new(path: impl Into<PathBuf>) -> RefStore {
        RefStore { path: path.into() }
    }

    /// Its file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every reference known, the latest row winning; empty when there is no store yet.
    pub fn load(&self) -> Result<HashMap<String, RefEntry>, WorkspaceError> {
        let mut map = HashMap::new();
        if !self.path.exists() {
            return Ok(map);
        }
        let mut reader = csv::Reader::from_path(&self.path).map_err(|e| self.bad(1, e))?;
        for (i, row) in reader.records().enumerate() {
            let line = i as u64 + 2;
            let row = row.map_err(|e| self.bad(line, e))?;
            let (Some(r), Some(id)) = (row.get(0), row.get(1)) else {
                return Err(self.bad(line, "fewer than two columns"));
            };
            map.insert(
                r.to_string(),
                RefEntry {
                    record_id: id.to_string(),
                    source: row.get(2).unwrap_or_default().to_string(),
                    line: row.get(3).and_then(|l| l.parse().ok()).unwrap_or(0),
                },
            );
        }
        Ok(map)
    }

    /// Opens the store for appending rows (created 0600 with its header).
    pub fn appender(&self) -> Result<RefAppender, WorkspaceError> {
        let known = self.load()?;
        let new = !self.path.exists();
        let file = crate::keyfile::private_file_options()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|source| WorkspaceError::Io {
                path: self.path.display().to_string(),
                source,
            })?;
        let mut writer = csv::Writer::from_writer(file);
        if new {
            writer.write_record(HEADER).map_err(|e| self.bad(1, e))?;
        }
        Ok(RefAppender {
            store: self.clone(),
            writer,
            known,
        })
    }

    fn bad(&self, line: u64, reason: impl ToString) -> WorkspaceError {
        WorkspaceError::RefStore {
            path: self.path.display().to_string(),
            line,
            reason: reason.to_string(),
        }
    }
}

/// Appends references to a store, skipping those it already holds unchanged.
#[derive(Debug)]
pub struct RefAppender {
    store: RefStore,
    writer: csv::Writer<std::fs::File>,
    known: HashMap<String, RefEntry>,
}

impl RefAppender {
    /// Records that `record_ref` is `entry`.
    pub fn add(&mut self, record_ref: &str, entry: RefEntry) -> Result<(), WorkspaceError> {
        if self.known.get(record_ref) == Some(&entry) {
            return Ok(());
        }
        let line = entry.line.to_string();
        self.writer
            .write_record([record_ref, &entry.record_id, &entry.source, &line])
            .map_err(|e| self.store.bad(0, e))?;
        self.known.insert(record_ref.to_string(), entry);
        Ok(())
    }

    /// Writes what is buffered.
    pub fn flush(&mut self) -> Result<(), WorkspaceError> {
        self.writer.flush().map_err(|source| WorkspaceError::Io {
            path: self.store.path.display().to_string(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, line: u64) -> RefEntry {
        RefEntry {
            record_id: id.into(),
            source: "/data/leeds.csv".into(),
            line,
        }
    }

    #[test]
    fn references_written_at_submission_are_read_back_with_their_record_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let store = RefStore::new(dir.path().join("refs.csv"));
        assert!(store.load().unwrap().is_empty());
        let mut appender = store.appender().unwrap();
        appender.add("REF1", entry("LDS-0001", 2)).unwrap();
        appender.add("REF2", entry("LDS-0002", 3)).unwrap();
        appender.flush().unwrap();
        drop(appender);
        let mut again = store.appender().unwrap();
        again.add("REF1", entry("LDS-0001", 2)).unwrap();
        again.add("REF2", entry("LDS-0002", 7)).unwrap();
        again.flush().unwrap();
        let loaded = store.load().unwrap();
        assert_eq!(loaded["REF1"], entry("LDS-0001", 2));
        assert_eq!(loaded["REF2"], entry("LDS-0002", 7), "the latest row wins");
        let text = std::fs::read_to_string(store.path()).unwrap();
        assert_eq!(
            text.lines().count(),
            4,
            "an unchanged row is not written twice: {text}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
