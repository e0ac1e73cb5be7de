//! Reading and encoding a pupil file uploaded through the browser, entirely at the authority:
//! the encode report a coordinator reads before anything is sent (the command line's counts
//! and problems, [`crate::encode::batch`]) and the encoded batch that is sent if they agree.

use std::io::Cursor;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::client::{default_batch_id, CaseFields, SubmissionHeader, SubmittedRecord};
use crate::console::i18n::{t, tr};
use crate::encode::batch::{encode_chunk, IdentifierCounts, Outcome, RecordIds, Summary};
use crate::encode::record::Policy;
use crate::encode::Encoder;
use crate::input::{
    inspect_header_from, read_records_from, Column, InputError, InputFormat, RawRecord,
};
use crate::store::{Role, SubmitMode};

/// Records encoded per parallel chunk.
const CHUNK: usize = 8192;

/// A file as the browser sent it.
pub struct UploadedFile {
    /// Its name on the coordinator's computer (only the last path component is kept).
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// What the batch is: its role, mode and (for open cases) the referral every record carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchKind {
    /// Roll or missing.
    pub role: Role,
    /// Incremental, or (for a roll) the whole roll.
    pub mode: SubmitMode,
    /// The referral of every record of a `missing` batch.
    pub case: Option<CaseFields>,
}

/// Whether a problem skipped its record or only left something out of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The record is not sent.
    Error,
    /// The record is sent without the field.
    Warning,
}

/// One problem of the file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    /// Error or warning.
    pub severity: Severity,
    /// The line of the file, when known.
    pub line: Option<u64>,
    /// The authority's record id, when known.
    pub record_id: Option<String>,
    /// The field, when the problem is about one.
    pub field: Option<Column>,
    /// What is wrong, for a person.
    pub message: String,
}

/// A header the console does not read, and the column it was probably meant to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredColumn {
    /// The header as written.
    pub header: String,
    /// The column a misspelt header was probably meant to be.
    pub did_you_mean: Option<&'static str>,
}

/// The encode report of one uploaded file: nothing in it has been sent.
#[derive(Debug, Clone)]
pub struct Preview {
    /// The file's name.
    pub file_name: String,
    /// What the batch is.
    pub kind: BatchKind,
    /// The agreement it was encoded under, and its key epoch.
    pub agreement_id: String,
    /// The key epoch.
    pub epoch: u32,
    /// Records read, encoded and skipped; identifiers valid and invalid per scheme.
    pub summary: Summary,
    /// Every problem, in file order.
    pub problems: Vec<FileProblem>,
    /// Headers that are not read.
    pub ignored_columns: Vec<IgnoredColumn>,
    /// Why the batch cannot be sent, when it cannot.
    pub refusal: Option<String>,
}

impl Preview {
    /// The identifier schemes the file holds at least one value of, with their counts.
    pub fn identifiers(&self) -> impl Iterator<Item = (&'static str, IdentifierCounts)> + '_ {
        self.summary
            .identifiers
            .iter()
            .filter(|(_, c)| c.valid + c.invalid > 0)
            .map(|(name, c)| (*name, *c))
    }

    /// How many problems of `severity` there are.
    pub fn count(&self, severity: Severity) -> usize {
        self.problems
            .iter()
            .filter(|p| p.severity == severity)
            .count()
    }
}

/// The encoded batch, ready to send.
pub struct EncodedBatch {
    /// The submission's header.
    pub header: SubmissionHeader,
    /// Its records, in file order.
    pub records: Vec<SubmittedRecord>,
}

/// Reads and encodes `file` under `encoder` (with the workspace's local key), as `kind`.
/// Nothing leaves this function but the report and the encodings.
pub fn encode_upload(
    encoder: &Encoder,
    file: &UploadedFile,
    kind: BatchKind,
    today: NaiveDate,
) -> (Preview, EncodedBatch) {
    let mut preview = Preview {
        file_name: file.name.clone(),
        kind: kind.clone(),
        agreement_id: encoder.agreement_id().to_string(),
        epoch: encoder.epoch(),
        summary: Summary::default(),
        problems: Vec::new(),
        ignored_columns: Vec::new(),
        refusal: None,
    };
    let digest = hex::encode(Sha256::digest(&file.bytes));
    let batch_id = default_batch_id(
        encoder.agreement_id(),
        encoder.epoch(),
        kind.role,
        kind.mode,
        kind.case.as_ref(),
        &digest,
    );
    let header = SubmissionHeader::new(
        batch_id,
        encoder.agreement_id(),
        encoder.epoch(),
        kind.role,
        kind.mode,
    );
    let mut batch = EncodedBatch {
        header,
        records: Vec::new(),
    };
    if let Err(error) = read_and_encode(encoder, file, &kind, today, &mut preview, &mut batch) {
        preview.refusal = Some(tr!("upload-unreadable-file", cause = shorten(&error)));
        batch.records.clear();
        return (preview, batch);
    }
    preview.refusal = refusal(&preview, batch.records.len());
    if preview.refusal.is_some() {
        batch.records.clear();
    }
    (preview, batch)
}

fn read_and_encode(
    encoder: &Encoder,
    file: &UploadedFile,
    kind: &BatchKind,
    today: NaiveDate,
    preview: &mut Preview,
    batch: &mut EncodedBatch,
) -> Result<(), InputError> {
    let format = InputFormat::of(&file.name, &file.bytes)?;
    let header = inspect_header_from(Cursor::new(&file.bytes[..]), &file.name, format)?;
    preview.ignored_columns = header
        .unknown
        .iter()
        .map(|h| IgnoredColumn {
            header: h.clone(),
            did_you_mean: Column::nearest(h)
                .filter(|c| !header.known.contains(c))
                .map(Column::name),
        })
        .collect();
    let mut records = read_records_from(Cursor::new(file.bytes.clone()), &file.name, format)?;
    let mut ids = RecordIds::default();
    loop {
        let chunk: Vec<Result<RawRecord, InputError>> = records.by_ref().take(CHUNK).collect();
        if chunk.is_empty() {
            return Ok(());
        }
        for (read, outcome) in chunk
            .iter()
            .zip(encode_chunk(encoder, &chunk, today, Policy::Pupil))
        {
            preview.summary.add(read.as_ref().ok(), &outcome);
            let line = match read {
                Ok(raw) => raw.position.as_ref().map(|p| p.line),
                Err(error) => error.line(),
            };
            if let Some(duplicate) = ids.check(&outcome) {
                preview.problems.push(FileProblem {
                    severity: Severity::Error,
                    line,
                    record_id: duplicate.record_id,
                    field: Some(Column::RecordId),
                    message: duplicate.message,
                });
            }
            add_problems(&mut preview.problems, line, read, &outcome, &file.name);
            if let Outcome::Encoded { encoded, .. } = outcome {
                batch.records.push(SubmittedRecord {
                    encoding: encoded,
                    case: kind.case.clone(),
                });
            }
        }
        if chunk
            .last()
            .is_some_and(|r| r.as_ref().is_err_and(InputError::is_fatal))
        {
            // Reading stopped here: the rest of the file is lost, so nothing may be sent.
            preview.refusal = Some(t("upload-reading-stopped"));
            return Ok(());
        }
    }
}

/// The problems of one record, each with its line, record and field.
fn add_problems(
    problems: &mut Vec<FileProblem>,
    line: Option<u64>,
    read: &Result<RawRecord, InputError>,
    outcome: &Outcome,
    file_name: &str,
) {
    match (read, outcome) {
        (Err(error), _) => problems.push(FileProblem {
            severity: Severity::Error,
            line,
            record_id: None,
            field: None,
            message: strip_position(&error.to_string(), file_name, line),
        }),
        (Ok(_), Outcome::Skipped(problem)) => problems.push(FileProblem {
            severity: Severity::Error,
            line,
            record_id: problem.record_id.clone(),
            field: problem.field.and_then(Column::from_header),
            message: match &problem.problem {
                Some(typed) => crate::console::problems::record_problem(typed),
                None => after_field(&problem.message, problem.field),
            },
        }),
        (
            Ok(_),
            Outcome::Encoded {
                record_id,
                warnings,
                ..
            },
        ) => problems.extend(warnings.iter().map(|w| FileProblem {
            severity: Severity::Warning,
            line,
            record_id: Some(record_id.clone()),
            field: Some(w.field),
            message: crate::console::problems::warning(&w.kind),
        })),
    }
}

/// A message without the "… field `dob`: " that the table's columns already say.
fn after_field(message: &str, field: Option<&str>) -> String {
    let Some(field) = field else {
        return message.to_string();
    };
    let marker = format!("field `{field}`: ");
    match message.find(&marker) {
        Some(at) => message[at + marker.len()..].to_string(),
        None => message.to_string(),
    }
}

/// A message without the leading "file line N: " that the table's columns already say.
fn strip_position(message: &str, file_name: &str, line: Option<u64>) -> String {
    let prefix = match line {
        Some(line) => format!("{file_name} line {line}: "),
        None => format!("{file_name}: "),
    };
    message.strip_prefix(&prefix).unwrap_or(message).to_string()
}

/// A reading error without the file name the page already shows.
fn shorten(error: &InputError) -> String {
    let message = error.to_string();
    match message.split_once(": ") {
        Some((_, rest)) => rest.to_string(),
        None => message,
    }
}

/// Why a read file cannot be sent, if it cannot.
fn refusal(preview: &Preview, n_encoded: usize) -> Option<String> {
    if let Some(refusal) = &preview.refusal {
        return Some(refusal.clone());
    }
    if preview.summary.read == 0 {
        return Some(t("upload-no-records"));
    }
    if n_encoded == 0 {
        return Some(tr!("upload-none-encoded", n = preview.summary.read));
    }
    let duplicates = preview
        .problems
        .iter()
        .filter(|p| p.field == Some(Column::RecordId) && p.message.contains("used twice"))
        .count();
    if duplicates > 0 {
        return Some(tr!("upload-duplicate-ids", n = duplicates));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::keys::{AgreementSecret, LocalKey};

    fn encoder() -> Encoder {
        Encoder::new(
            &AgreementSecret::from_bytes("eng-scot-cme", 1, [1; 32]).unwrap(),
            LocalKey::from_bytes([2; 32]),
        )
    }

    fn roll() -> BatchKind {
        BatchKind {
            role: Role::Roll,
            mode: SubmitMode::Incremental,
            case: None,
        }
    }

    fn upload(name: &str, text: &str) -> UploadedFile {
        UploadedFile {
            name: name.into(),
            bytes: text.as_bytes().to_vec(),
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
    }

    #[test]
    fn a_bad_line_is_named_with_its_line_record_and_field_and_the_rest_is_encoded() {
        let file = upload(
            "roll.csv",
            "record_id,forename,surname,dob,scn,house\n\
             G-1,Amir,Hussain,2014-06-02,123456785,Red\n\
             G-2,Amy,Ross,2014-13-40,,Blue\n\
             G-3,Ben,Ross,2013-01-05,12345678,Blue\n",
        );
        let (preview, batch) = encode_upload(&encoder(), &file, roll(), today());
        assert_eq!(preview.refusal, None);
        assert_eq!(
            (
                preview.summary.read,
                preview.summary.encoded,
                preview.summary.skipped
            ),
            (3, 2, 1)
        );
        assert_eq!(batch.records.len(), 2);
        let error = &preview.problems[0];
        assert_eq!(error.severity, Severity::Error);
        assert_eq!(error.line, Some(3));
        assert_eq!(error.record_id.as_deref(), Some("G-2"));
        assert_eq!(error.field, Some(Column::Dob));
        assert!(
            error
                .message
                .starts_with("`2014-13-40` is not a possible date of birth"),
            "{}",
            error.message
        );
        let warning = &preview.problems[1];
        assert_eq!(
            (warning.severity, warning.line, warning.field),
            (Severity::Warning, Some(4), Some(Column::Scn))
        );
        let scn: Vec<_> = preview.identifiers().collect();
        assert_eq!(
            scn,
            vec![(
                "scn",
                IdentifierCounts {
                    valid: 1,
                    invalid: 1,
                    absent: 0
                }
            )]
        );
        assert_eq!(preview.ignored_columns[0].header, "house");
        assert!(batch.header.batch_id.starts_with("roll-"));
    }

    #[test]
    fn a_file_with_nothing_usable_cannot_be_sent_and_says_why() {
        let header_only = upload("roll.csv", "record_id,forename,surname,dob\n");
        let (preview, batch) = encode_upload(&encoder(), &header_only, roll(), today());
        assert!(preview.refusal.unwrap().contains("no records"));
        assert!(batch.records.is_empty());

        let all_bad = upload(
            "roll.csv",
            "record_id,forename,surname,dob\nG-1,Amy,Ross,\n",
        );
        let (preview, batch) = encode_upload(&encoder(), &all_bad, roll(), today());
        assert!(preview.refusal.unwrap().contains("None of the 1 record(s)"));
        assert!(batch.records.is_empty());

        let missing_column = upload("roll.csv", "record_id,forename,dob\nG-1,Amy,2014-01-01\n");
        let (preview, _) = encode_upload(&encoder(), &missing_column, roll(), today());
        let refusal = preview.refusal.unwrap();
        assert!(
            refusal.contains("missing required column(s): surname"),
            "{refusal}"
        );

        let spreadsheet = upload("roll.xlsx", "PK");
        let (preview, _) = encode_upload(&encoder(), &spreadsheet, roll(), today());
        assert!(preview.refusal.unwrap().contains("CSV UTF-8"));
    }

    #[test]
    fn a_record_id_used_twice_stops_the_batch() {
        let file = upload(
            "roll.csv",
            "record_id,forename,surname,dob\nG-1,Amy,Ross,2014-01-01\nG-1,Ben,Ross,2013-01-05\n",
        );
        let (preview, batch) = encode_upload(&encoder(), &file, roll(), today());
        assert!(preview.refusal.unwrap().contains("used twice"));
        assert!(batch.records.is_empty());
        assert!(preview.problems[0].message.contains("lines 2 and 3"));
    }

    #[test]
    fn every_record_of_an_open_case_batch_carries_the_referral() {
        let case = CaseFields {
            referral_reason: crate::store::ReferralReason::Rtl,
            referral_source: crate::store::ReferralSource::Sch,
            referred_on: today(),
        };
        let kind = BatchKind {
            role: Role::Missing,
            mode: SubmitMode::Incremental,
            case: Some(case.clone()),
        };
        let file = upload(
            "cases.csv",
            "record_id,forename,surname,dob\nL-1,Amy,Ross,2014-01-01\n",
        );
        let (_, batch) = encode_upload(&encoder(), &file, kind, today());
        assert_eq!(batch.records[0].case, Some(case));
        assert_eq!(batch.header.role, Role::Missing);
    }
}
