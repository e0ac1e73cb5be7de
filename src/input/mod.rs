//! The input layer: reads an authority's pupil file into [`RawRecord`]s.
//!
//! Two formats are supported:
//!
//! * **CSV** ([`csv`]): UTF-8 with a header row. Header names are matched
//!   case-insensitively, ignoring `_`, `-` and spaces, against the canonical column names
//!   ([`Column::name`]) and a set of aliases, including the CTF element names ([`Column::from_header`]).
//! * **CTF XML** ([`ctf`]): a DfE Common Transfer File (`CTfile/CTFpupilData/Pupil`),
//!   read with a streaming parser.
//!
//! Both readers stream: a multi-gigabyte file is never held in memory. Values are trimmed and
//! empty values become `None`, but nothing is validated or normalised here: that is the job of
//! [`crate::encode::record`]. Every record carries a [`SourcePosition`] so that later errors can
//! point at the file and line it came from.

pub mod csv;
pub mod ctf;

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Chain, Cursor, Read};
use std::path::Path;

/// The UTF-8 byte-order mark, stripped from the start of every input.
const UTF8_BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// Buffer size for reading files.
const BUFFER_SIZE: usize = 64 * 1024;

/// A streaming iterator of records, as returned by [`read_records`].
pub type Records = Box<dyn Iterator<Item = Result<RawRecord, InputError>> + Send>;

/// Where a record came from, for error messages: "pupils.csv line 14" / "ctf.xml pupil #3 (line 120)".
///
/// `line` is the 1-based line on which the record starts (for CTF, the line of the `<Pupil>` tag);
/// `index` is the 1-based record number within the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcePosition {
    /// The file name as the user gave it.
    pub file: String,
    /// The 1-based line on which the record starts.
    pub line: u64,
    /// The 1-based record number.
    pub index: u64,
}

impl fmt::Display for SourcePosition {
    /// CSV records (and anything not named `*.xml`) display as `file line N`; CTF records, whose
    /// pupil number is more useful than their line, as `file pupil #N (line L)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if is_xml_name(&self.file) {
            write!(
                f,
                "{} pupil #{} (line {})",
                self.file, self.index, self.line
            )
        } else {
            write!(f, "{} line {}", self.file, self.line)
        }
    }
}

fn is_xml_name(name: &str) -> bool {
    Path::new(name)
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("xml"))
}

/// One pupil as the authority's file gave it: trimmed strings, no validation beyond reading.
/// Empty cells/elements become None.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawRecord {
    /// Where the record came from.
    pub position: Option<SourcePosition>,
    /// The authority's local identifier for the record (for CTF, see [`ctf`]).
    pub record_id: Option<String>,
    /// Legal forename.
    pub forename: Option<String>,
    /// Middle names, space-separated as given.
    pub middle_names: Option<String>,
    /// Legal surname.
    pub surname: Option<String>,
    /// Former surname.
    pub former_surname: Option<String>,
    /// Preferred (known-as) forename.
    pub preferred_forename: Option<String>,
    /// Preferred (known-as) surname.
    pub preferred_surname: Option<String>,
    /// Date of birth, as written in the file.
    pub dob: Option<String>,
    /// Sex or gender, as written in the file.
    pub sex: Option<String>,
    /// England/Wales Unique Pupil Number.
    pub upn: Option<String>,
    /// Former UPN.
    pub former_upn: Option<String>,
    /// Scottish Candidate Number.
    pub scn: Option<String>,
    /// Irish Personal Public Service Number.
    pub ppsn: Option<String>,
    /// Northern Ireland pupil identifier.
    pub ni_pupil_id: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// The authority (LA code) that holds the record.
    pub authority: Option<String>,
}

impl RawRecord {
    /// The value of one column, if present.
    pub fn get(&self, column: Column) -> Option<&str> {
        self.slot(column).as_deref()
    }

    /// Sets one column from a raw cell: the value is trimmed and an empty value becomes `None`.
    pub fn set(&mut self, column: Column, value: &str) {
        *self.slot_mut(column) = clean(value);
    }

    fn slot(&self, column: Column) -> &Option<String> {
        match column {
            Column::RecordId => &self.record_id,
            Column::Forename => &self.forename,
            Column::MiddleNames => &self.middle_names,
            Column::Surname => &self.surname,
            Column::FormerSurname => &self.former_surname,
            Column::PreferredForename => &self.preferred_forename,
            Column::PreferredSurname => &self.preferred_surname,
            Column::Dob => &self.dob,
            Column::Sex => &self.sex,
            Column::Upn => &self.upn,
            Column::FormerUpn => &self.former_upn,
            Column::Scn => &self.scn,
            Column::Ppsn => &self.ppsn,
            Column::NiPupilId => &self.ni_pupil_id,
            Column::Postcode => &self.postcode,
            Column::Authority => &self.authority,
        }
    }

    fn slot_mut(&mut self, column: Column) -> &mut Option<String> {
        match column {
            Column::RecordId => &mut self.record_id,
            Column::Forename => &mut self.forename,
            Column::MiddleNames => &mut self.middle_names,
            Column::Surname => &mut self.surname,
            Column::FormerSurname => &mut self.former_surname,
            Column::PreferredForename => &mut self.preferred_forename,
            Column::PreferredSurname => &mut self.preferred_surname,
            Column::Dob => &mut self.dob,
            Column::Sex => &mut self.sex,
            Column::Upn => &mut self.upn,
            Column::FormerUpn => &mut self.former_upn,
            Column::Scn => &mut self.scn,
            Column::Ppsn => &mut self.ppsn,
            Column::NiPupilId => &mut self.ni_pupil_id,
            Column::Postcode => &mut self.postcode,
            Column::Authority => &mut self.authority,
        }
    }
}

/// Trims a raw value; an empty (or all-whitespace) value becomes `None`.
pub(crate) fn clean(value: &str) -> Option<String> {
    let trimmed = value.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// A canonical input column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// The authority's local record identifier (required).
    RecordId,
    /// Legal forename (required).
    Forename,
    /// Middle names.
    MiddleNames,
    /// Legal surname (required).
    Surname,
    /// Former surname.
    FormerSurname,
    /// Preferred forename.
    PreferredForename,
    /// Preferred surname.
    PreferredSurname,
    /// Date of birth (required).
    Dob,
    /// Sex or gender.
    Sex,
    /// England/Wales UPN.
    Upn,
    /// Former UPN.
    FormerUpn,
    /// Scottish Candidate Number.
    Scn,
    /// Irish PPSN.
    Ppsn,
    /// Northern Ireland pupil identifier.
    NiPupilId,
    /// Postcode.
    Postcode,
    /// Authority (LA) code.
    Authority,
}

impl Column {
    /// Every column, in canonical order.
    pub const ALL: [Column; 16] = [
        Column::RecordId,
        Column::Forename,
        Column::MiddleNames,
        Column::Surname,
        Column::FormerSurname,
        Column::PreferredForename,
        Column::PreferredSurname,
        Column::Dob,
        Column::Sex,
        Column::Upn,
        Column::FormerUpn,
        Column::Scn,
        Column::Ppsn,
        Column::NiPupilId,
        Column::Postcode,
        Column::Authority,
    ];

    /// The canonical snake_case name, e.g. `"former_upn"`.
    pub fn name(self) -> &'static str {
        match self {
            Column::RecordId => "record_id",
            Column::Forename => "forename",
            Column::MiddleNames => "middle_names",
            Column::Surname => "surname",
            Column::FormerSurname => "former_surname",
            Column::PreferredForename => "preferred_forename",
            Column::PreferredSurname => "preferred_surname",
            Column::Dob => "dob",
            Column::Sex => "sex",
            Column::Upn => "upn",
            Column::FormerUpn => "former_upn",
            Column::Scn => "scn",
            Column::Ppsn => "ppsn",
            Column::NiPupilId => "ni_pupil_id",
            Column::Postcode => "postcode",
            Column::Authority => "authority",
        }
    }

    /// The column a CSV header names, if any.
    ///
    /// The header is trimmed and compared case-insensitively, ignoring `_`, `-` and spaces, so
    /// `record_id`, `RecordID` and `Record Id` are the same. Besides the canonical names this
    /// accepts the CTF element names (`DOB`, `Gender`, `FormerUPN`, `MiddleNames`, ...) and the
    /// common aliases `date_of_birth`, `given_name`, `first_name`, `last_name`, `family_name`,
    /// `scottish_candidate_number`, `pps_number`, `ni_upn`, `LA`, `LEA` and `authority_code`.
    pub fn from_header(h: &str) -> Option<Column> {
        let key = header_key(h);
        HEADER_NAMES
            .iter()
            .find(|(name, _)| *name == key)
            .map(|&(_, column)| column)
    }

    /// The column a header that names none was probably meant to be: the one with a name or
    /// alias within one edit (two for names of six letters or more) of it, as
    /// [`Column::from_header`] compares them. `upm` gives [`Column::Upn`], `postcod`
    /// [`Column::Postcode`]; `School` gives nothing.
    ///
    /// ```
    /// use pupilmatch::input::Column;
    /// assert_eq!(Column::nearest("upm"), Some(Column::Upn));
    /// assert_eq!(Column::nearest("Post cod"), Some(Column::Postcode));
    /// assert_eq!(Column::nearest("Year Group"), None);
    /// ```
    pub fn nearest(h: &str) -> Option<Column> {
        let key = header_key(h);
        if key.is_empty() {
            return None;
        }
        HEADER_NAMES
            .iter()
            .map(|&(name, column)| (strsim::damerau_levenshtein(&key, name), name, column))
            .filter(|&(distance, name, _)| {
                let allowed = if name.len().min(key.len()) >= 6 { 2 } else { 1 };
                distance <= allowed && distance < name.len()
            })
            .min_by_key(|&(distance, _, _)| distance)
            .map(|(_, _, column)| column)
    }

    /// Whether a CSV file must have this column: `record_id`, `forename`, `surname` and `dob`.
    pub fn required(self) -> bool {
        matches!(
            self,
            Column::RecordId | Column::Forename | Column::Surname | Column::Dob
        )
    }
}

/// A header as [`Column::from_header`] compares it: trimmed, lower case, without `_`, `-` or
/// spaces.
fn header_key(h: &str) -> String {
    h.trim()
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Every header [`Column::from_header`] accepts, as [`header_key`] writes it.
const HEADER_NAMES: [(&str, Column); 29] = [
    ("recordid", Column::RecordId),
    ("forename", Column::Forename),
    ("givenname", Column::Forename),
    ("firstname", Column::Forename),
    ("middlenames", Column::MiddleNames),
    ("middlename", Column::MiddleNames),
    ("surname", Column::Surname),
    ("lastname", Column::Surname),
    ("familyname", Column::Surname),
    ("formersurname", Column::FormerSurname),
    ("preferredforename", Column::PreferredForename),
    ("preferredsurname", Column::PreferredSurname),
    ("dob", Column::Dob),
    ("dateofbirth", Column::Dob),
    ("sex", Column::Sex),
    ("gender", Column::Sex),
    ("upn", Column::Upn),
    ("formerupn", Column::FormerUpn),
    ("scn", Column::Scn),
    ("scottishcandidatenumber", Column::Scn),
    ("ppsn", Column::Ppsn),
    ("ppsnumber", Column::Ppsn),
    ("nipupilid", Column::NiPupilId),
    ("niupn", Column::NiPupilId),
    ("postcode", Column::Postcode),
    ("authority", Column::Authority),
    ("authoritycode", Column::Authority),
    ("la", Column::Authority),
    ("lea", Column::Authority),
];

/// An error reading an input file. Every message names the file, and the line and field where
/// there is one.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be opened or read.
    #[error("cannot read {file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The file has no content (no header row, no root element).
    #[error("{file} is empty")]
    Empty {
        /// The file.
        file: String,
    },
    /// The file is neither CSV nor CTF XML.
    #[error("{file}: unknown file format: {reason}")]
    UnknownFormat {
        /// The file.
        file: String,
        /// Why the file was not recognised, with a hint.
        reason: String,
    },
    /// The CSV reader could not parse a record.
    #[error("{file} line {line}: CSV syntax error: {message}")]
    CsvSyntax {
        /// The file.
        file: String,
        /// The 1-based line.
        line: u64,
        /// The parser's message.
        message: String,
    },
    /// A CSV field is not valid UTF-8.
    #[error(
        "{file} line {line}: column '{column}' is not valid UTF-8 \
         (save the file as \"CSV UTF-8\")"
    )]
    InvalidUtf8 {
        /// The file.
        file: String,
        /// The 1-based line.
        line: u64,
        /// The header of the offending column (or its 1-based number).
        column: String,
    },
    /// The CSV header lacks one or more required columns.
    #[error("{file}: missing required column(s): {}", .columns.join(", "))]
    MissingColumns {
        /// The file.
        file: String,
        /// The canonical names of the missing columns.
        columns: Vec<&'static str>,
    },
    /// Two CSV headers name the same column.
    #[error("{file}: columns '{first}' and '{second}' both give {column}")]
    DuplicateColumn {
        /// The file.
        file: String,
        /// The canonical name of the column.
        column: &'static str,
        /// The first header naming it.
        first: String,
        /// The second header naming it.
        second: String,
    },
    /// A CSV row has a different number of fields from the header.
    #[error("{file} line {line}: row has {found} field(s) but the header has {expected}")]
    RaggedRow {
        /// The file.
        file: String,
        /// The 1-based line on which the row starts.
        line: u64,
        /// The number of header fields.
        expected: usize,
        /// The number of fields in the row.
        found: usize,
    },
    /// The XML is not well formed.
    #[error("{file} line {line}: XML syntax error: {message}")]
    XmlSyntax {
        /// The file.
        file: String,
        /// The 1-based line where the parser stopped.
        line: u64,
        /// The parser's message.
        message: String,
    },
    /// The text of an XML element could not be decoded (bad entity or encoding).
    #[error("{file} line {line}: cannot decode <{element}>: {message}")]
    XmlText {
        /// The file.
        file: String,
        /// The 1-based line.
        line: u64,
        /// The element whose text failed.
        element: String,
        /// The decoder's message.
        message: String,
    },
    /// The XML root element is not `CTfile`.
    #[error("{file}: not a Common Transfer File: root element is <{root}>, expected <CTfile>")]
    NotCtf {
        /// The file.
        file: String,
        /// The root element found.
        root: String,
    },
    /// The CTF has no `CTFpupilData` element.
    #[error("{file}: Common Transfer File has no <CTFpupilData>")]
    MissingPupilData {
        /// The file.
        file: String,
    },
}

impl InputError {
    /// The 1-based line the error is on, when it is about one line.
    pub fn line(&self) -> Option<u64> {
        match self {
            InputError::CsvSyntax { line, .. }
            | InputError::InvalidUtf8 { line, .. }
            | InputError::RaggedRow { line, .. }
            | InputError::XmlSyntax { line, .. }
            | InputError::XmlText { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// Whether reading stops at this error, so the rest of the file is lost — as opposed to an
    /// error confined to one record (a ragged row, a cell that is not UTF-8, an undecodable
    /// XML element), after which reading carries on.
    pub fn is_fatal(&self) -> bool {
        !matches!(
            self,
            InputError::RaggedRow { .. }
                | InputError::InvalidUtf8 { .. }
                | InputError::XmlText { .. }
        )
    }
}

/// The kind of file, chosen by extension (`.csv`, `.xml`) or by sniffing the first non-blank
/// byte (`<` = XML).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// A DfE Common Transfer File.
    CtfXml,
}

/// What a file's header offers: the recognised columns (in file order) and the ignored headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderReport {
    /// Columns the file provides, in file order.
    pub known: Vec<Column>,
    /// Headers that name no column and are ignored, trimmed, in file order.
    pub unknown: Vec<String>,
}

/// Opens a file and returns a streaming iterator of records.
///
/// The format is chosen by [`InputFormat`]'s rules. Header problems (missing or duplicate CSV
/// columns, a non-CTF root, a CTF without `CTFpupilData`) are returned here; problems with single
/// records (ragged rows, bad text) are yielded by the iterator, which carries on after them. An
/// XML syntax error or I/O error ends the iteration.
pub fn read_records(path: &Path) -> Result<Records, InputError> {
    let (reader, name, format) = open(path)?;
    read_records_from(reader, &name, format)
}

/// Reads records from an open reader; `name` is used in positions and error messages (and its
/// stem in CTF fallback record ids). A UTF-8 BOM is stripped.
pub fn read_records_from<R: BufRead + Send + 'static>(
    reader: R,
    name: &str,
    format: InputFormat,
) -> Result<Records, InputError> {
    let reader = strip_bom(reader).map_err(|source| io_error(name, source))?;
    Ok(match format {
        InputFormat::Csv => Box::new(csv::CsvRecords::new(reader, name)?),
        InputFormat::CtfXml => Box::new(ctf::CtfRecords::new(reader, name)?),
    })
}

/// Reports which columns a file provides and which of its headers are ignored, without reading
/// any records. For a CTF file (after checking its root and `CTFpupilData`) the known columns are
/// the fixed set the CTF reader fills, [`ctf::COLUMNS`].
pub fn inspect_header(path: &Path) -> Result<HeaderReport, InputError> {
    let (reader, name, format) = open(path)?;
    inspect_header_from(reader, &name, format)
}

/// [`inspect_header`] of an open reader; `name` is used in error messages.
pub fn inspect_header_from<R: BufRead>(
    reader: R,
    name: &str,
    format: InputFormat,
) -> Result<HeaderReport, InputError> {
    let reader = strip_bom(reader).map_err(|source| io_error(name, source))?;
    match format {
        InputFormat::Csv => Ok(csv::CsvRecords::new(reader, name)?.header_report()),
        InputFormat::CtfXml => {
            ctf::CtfRecords::new(reader, name)?;
            Ok(HeaderReport {
                known: ctf::COLUMNS.to_vec(),
                unknown: Vec::new(),
            })
        }
    }
}

fn io_error(file: &str, source: io::Error) -> InputError {
    InputError::Io {
        file: file.to_owned(),
        source,
    }
}

/// Opens a file and decides its format.
fn open(path: &Path) -> Result<(BufReader<File>, String, InputFormat), InputError> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|source| io_error(&name, source))?;
    let mut reader = BufReader::with_capacity(BUFFER_SIZE, file);
    let head = reader
        .fill_buf()
        .map_err(|source| io_error(&name, source))?;
    let format = InputFormat::of(&name, head)?;
    Ok((reader, name, format))
}

impl InputFormat {
    /// The format of the file `name` whose first bytes are `head`: by extension (`.csv`,
    /// `.xml`; a spreadsheet's is refused with what to do), otherwise by sniffing `head`.
    pub fn of(name: &str, head: &[u8]) -> Result<InputFormat, InputError> {
        let extension = Path::new(name)
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match extension.as_deref() {
            Some("csv") => Ok(InputFormat::Csv),
            Some("xml") => Ok(InputFormat::CtfXml),
            Some(ext @ ("xlsx" | "xls" | "xlsm" | "ods")) => Err(InputError::UnknownFormat {
                file: name.to_string(),
                reason: format!(".{ext} is a spreadsheet; export it as \"CSV UTF-8\""),
            }),
            _ => sniff(head).map_err(|reason| InputError::UnknownFormat {
                file: name.to_string(),
                reason,
            }),
        }
    }
}

/// Decides the format from the first bytes of a file of unknown extension.
fn sniff(head: &[u8]) -> Result<InputFormat, String> {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err("the file is a spreadsheet or archive; export it as \"CSV UTF-8\"".into());
    }
    if head.contains(&0) {
        return Err("the file is binary, not CSV or XML".into());
    }
    let head = head.strip_prefix(&UTF8_BOM).unwrap_or(head);
    match head.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'<') => Ok(InputFormat::CtfXml),
        Some(_) => Ok(InputFormat::Csv),
        None if head.is_empty() => Err("the file is empty".into()),
        None => Err("the start of the file is blank".into()),
    }
}

/// A reader with any leading UTF-8 BOM removed.
pub(crate) type Unbommed<R> = Chain<Cursor<Vec<u8>>, R>;

/// Removes a leading UTF-8 BOM, however the reader splits its first bytes.
fn strip_bom<R: BufRead>(mut reader: R) -> io::Result<Unbommed<R>> {
    let mut prefix = Vec::with_capacity(UTF8_BOM.len());
    while prefix.len() < UTF8_BOM.len() {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            break;
        }
        let take = (UTF8_BOM.len() - prefix.len()).min(buf.len());
        prefix.extend_from_slice(&buf[..take]);
        reader.consume(take);
        if !UTF8_BOM.starts_with(&prefix) {
            break;
        }
    }
    if prefix == UTF8_BOM {
        prefix.clear();
    }
    Ok(Cursor::new(prefix).chain(reader))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/input")
            .join(name)
    }

    fn temp_file(name: &str, content: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(name);
        let mut file = File::create(&path).expect("create temp file");
        file.write_all(content).expect("write temp file");
        (dir, path)
    }

    #[test]
    fn every_canonical_name_maps_back_to_its_column() {
        for column in Column::ALL {
            assert_eq!(Column::from_header(column.name()), Some(column));
        }
    }

    #[test]
    fn headers_match_case_insensitively_ignoring_underscores_hyphens_and_spaces() {
        for header in [
            "record_id",
            "RecordID",
            "Record Id",
            " RECORD-ID ",
            "recordid",
        ] {
            assert_eq!(
                Column::from_header(header),
                Some(Column::RecordId),
                "{header}"
            );
        }
        assert_eq!(Column::from_header("Date of Birth"), Some(Column::Dob));
        assert_eq!(Column::from_header("FormerUPN"), Some(Column::FormerUpn));
        assert_eq!(
            Column::from_header("MiddleNames"),
            Some(Column::MiddleNames)
        );
    }

    #[test]
    fn ctf_element_names_and_common_aliases_are_accepted() {
        let cases = [
            ("Forename", Column::Forename),
            ("given_name", Column::Forename),
            ("First Name", Column::Forename),
            ("last_name", Column::Surname),
            ("Family-Name", Column::Surname),
            ("DOB", Column::Dob),
            ("Gender", Column::Sex),
            ("Sex", Column::Sex),
            ("UPN", Column::Upn),
            ("PreferredForename", Column::PreferredForename),
            ("PreferredSurname", Column::PreferredSurname),
            ("FormerSurname", Column::FormerSurname),
            ("SCN", Column::Scn),
            ("scottish_candidate_number", Column::Scn),
            ("PPSN", Column::Ppsn),
            ("pps_number", Column::Ppsn),
            ("ni_upn", Column::NiPupilId),
            ("PostCode", Column::Postcode),
            ("LA", Column::Authority),
            ("authority_code", Column::Authority),
        ];
        for (header, column) in cases {
            assert_eq!(Column::from_header(header), Some(column), "{header}");
        }
    }

    #[test]
    fn a_misspelt_header_names_the_column_it_is_nearest_to() {
        for (header, column) in [
            ("upm", Column::Upn),
            ("postcod", Column::Postcode),
            ("Date of Brith", Column::Dob),
            ("Surnme", Column::Surname),
            ("FormerUPNs", Column::FormerUpn),
        ] {
            assert_eq!(Column::nearest(header), Some(column), "{header}");
        }
        for header in ["School", "Year Group", "Class", "x", ""] {
            assert_eq!(Column::nearest(header), None, "{header}");
        }
    }

    #[test]
    fn unrelated_headers_name_no_column() {
        for header in ["", "school", "year_group", "ethnicity", "name"] {
            assert_eq!(Column::from_header(header), None, "{header}");
        }
    }

    #[test]
    fn only_record_id_forename_surname_and_dob_are_required() {
        let required: Vec<_> = Column::ALL.into_iter().filter(|c| c.required()).collect();
        assert_eq!(
            required,
            [
                Column::RecordId,
                Column::Forename,
                Column::Surname,
                Column::Dob
            ]
        );
    }

    #[test]
    fn setting_a_column_trims_and_turns_blank_into_none() {
        let mut record = RawRecord::default();
        record.set(Column::Surname, "  Jones ");
        record.set(Column::Forename, "   ");
        assert_eq!(record.get(Column::Surname), Some("Jones"));
        assert_eq!(record.surname.as_deref(), Some("Jones"));
        assert_eq!(record.get(Column::Forename), None);
    }

    #[test]
    fn positions_display_the_line_for_csv_and_the_pupil_number_for_ctf() {
        let csv = SourcePosition {
            file: "pupils.csv".into(),
            line: 14,
            index: 13,
        };
        assert_eq!(csv.to_string(), "pupils.csv line 14");
        let ctf = SourcePosition {
            file: "ctf.xml".into(),
            line: 120,
            index: 3,
        };
        assert_eq!(ctf.to_string(), "ctf.xml pupil #3 (line 120)");
    }

    #[test]
    fn a_utf8_bom_is_stripped_however_the_reader_splits_it() {
        let data: &[u8] = b"\xEF\xBB\xBFabc";
        let split = io::BufReader::with_capacity(1, data);
        let mut out = String::new();
        io::Read::read_to_string(&mut strip_bom(split).expect("strip"), &mut out).expect("read");
        assert_eq!(out, "abc");
        let mut out = String::new();
        io::Read::read_to_string(&mut strip_bom(&b"ab"[..]).expect("strip"), &mut out)
            .expect("read");
        assert_eq!(out, "ab");
    }

    #[test]
    fn the_format_is_chosen_by_extension_or_by_the_first_non_blank_byte() {
        let (_dir, xml) = temp_file(
            "export.dat",
            b"\xEF\xBB\xBF\n  <CTfile><CTFpupilData/></CTfile>",
        );
        assert_eq!(open(&xml).expect("open").2, InputFormat::CtfXml);
        let (_dir, csv) = temp_file("export.txt", b"record_id,forename,surname,dob\n");
        assert_eq!(open(&csv).expect("open").2, InputFormat::Csv);
        let (_dir, by_ext) = temp_file("EXPORT.CSV", b"<not xml");
        assert_eq!(open(&by_ext).expect("open").2, InputFormat::Csv);
    }

    #[test]
    fn a_spreadsheet_or_empty_file_of_unknown_extension_is_an_unknown_format() {
        let (_dir, xlsx) = temp_file("pupils.xlsx", b"PK\x03\x04rest");
        let err = read_records(&xlsx).err().expect("spreadsheet rejected");
        assert!(matches!(err, InputError::UnknownFormat { .. }), "{err}");
        assert!(err.to_string().contains("pupils.xlsx"), "{err}");
        let (_dir, zip) = temp_file("pupils", b"PK\x03\x04rest");
        assert!(matches!(
            read_records(&zip).err(),
            Some(InputError::UnknownFormat { .. })
        ));
        let (_dir, empty) = temp_file("pupils", b"");
        assert!(matches!(
            read_records(&empty).err(),
            Some(InputError::UnknownFormat { .. })
        ));
    }

    #[test]
    fn a_missing_file_gives_an_io_error_naming_the_path() {
        let err = read_records(Path::new("/nonexistent/pupils.csv"))
            .err()
            .expect("missing file");
        assert!(matches!(err, InputError::Io { .. }));
        assert!(err.to_string().contains("/nonexistent/pupils.csv"), "{err}");
    }

    #[test]
    fn read_records_streams_both_fixtures() {
        let csv: Vec<_> = read_records(&fixture("pupils_basic.csv"))
            .expect("open csv")
            .collect::<Result<_, _>>()
            .expect("read csv");
        assert_eq!(csv.len(), 4);
        let ctf: Vec<_> = read_records(&fixture("ctf_two_pupils.xml"))
            .expect("open ctf")
            .collect::<Result<_, _>>()
            .expect("read ctf");
        assert_eq!(ctf.len(), 2);
    }

    #[test]
    fn inspect_header_reports_known_and_unknown_columns() {
        let report = inspect_header(&fixture("pupils_basic.csv")).expect("inspect");
        assert_eq!(
            report.known,
            [
                Column::RecordId,
                Column::Forename,
                Column::MiddleNames,
                Column::Surname,
                Column::Dob,
                Column::Sex,
                Column::Upn,
                Column::Postcode,
                Column::Authority,
            ]
        );
        assert_eq!(report.unknown, ["Year Group"]);
        let ctf = inspect_header(&fixture("ctf_two_pupils.xml")).expect("inspect ctf");
        assert_eq!(ctf.known, ctf::COLUMNS);
        assert!(ctf.unknown.is_empty());
    }
}
