//! FEBRL4 (the standard public linkage benchmark, `shared/data/febrl4/`) as raw records.
//!
//! Only the fields the pupil use case has are used: `given_name` → forename, `surname`,
//! `date_of_birth` (YYYYMMDD) → dob, and `soc_sec_id` as an identifier. The social security id
//! has no check digit and belongs to no pupil scheme, so it is carried in the opaque identifier
//! scheme (`ni_pupil_id`): it then only ever matches itself, exactly as an NI pupil id would.
//! About a tenth of FEBRL4's records lack a name or have an impossible date, so they are
//! encoded under the lenient policy.

use std::path::Path;

use crate::input::RawRecord;

/// Why a FEBRL file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FebrlError {
    /// IO or CSV syntax.
    #[error("{path}: {source}")]
    Csv {
        /// The file.
        path: String,
        /// The cause.
        source: csv::Error,
    },
    /// A required column is missing.
    #[error("{path}: no `{column}` column")]
    MissingColumn {
        /// The file.
        path: String,
        /// The column.
        column: &'static str,
    },
}

/// Reads a FEBRL file (`rec_id,given_name,surname,…,date_of_birth,soc_sec_id`).
pub fn read_febrl(path: &Path) -> Result<Vec<RawRecord>, FebrlError> {
    let display = path.display().to_string();
    let csv_error = |source| FebrlError::Csv {
        path: display.clone(),
        source,
    };
    let mut reader = csv::Reader::from_path(path).map_err(csv_error)?;
    let headers = reader.headers().map_err(csv_error)?.clone();
    let column = |name: &'static str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or(FebrlError::MissingColumn {
                path: display.clone(),
                column: name,
            })
    };
    let (id, given, surname, dob, ssn) = (
        column("rec_id")?,
        column("given_name")?,
        column("surname")?,
        column("date_of_birth")?,
        column("soc_sec_id")?,
    );
    let mut out = Vec::new();
    for row in reader.records() {
        let row = row.map_err(csv_error)?;
        let field = |i: usize| {
            row.get(i)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        out.push(RawRecord {
            record_id: field(id),
            forename: field(given),
            surname: field(surname),
            dob: field(dob),
            ni_pupil_id: field(ssn),
            ..RawRecord::default()
        });
    }
    Ok(out)
}

/// Reads FEBRL's `truth.csv` (`a_rec_id,b_rec_id`).
pub fn read_truth(path: &Path) -> Result<Vec<(String, String)>, FebrlError> {
    let display = path.display().to_string();
    let csv_error = |source| FebrlError::Csv {
        path: display.clone(),
        source,
    };
    let mut reader = csv::Reader::from_path(path).map_err(csv_error)?;
    let mut out = Vec::new();
    for row in reader.records() {
        let row = row.map_err(csv_error)?;
        if let (Some(a), Some(b)) = (row.get(0), row.get(1)) {
            out.push((a.trim().to_string(), b.trim().to_string()));
        }
    }
    Ok(out)
}
