//! The CSV reader: a UTF-8 file with a header row, one pupil per row.
//!
//! Headers are mapped to [`Column`]s by [`Column::from_header`]; unknown headers are ignored
//! (and listed by [`CsvRecords::header_report`]). A missing required column or two headers for
//! the same column is an error before any record is read. Rows are streamed one at a time:
//!
//! * every cell is trimmed, and an empty cell becomes `None`;
//! * a row whose cells are all blank (`,,,,` as spreadsheets leave behind) is skipped;
//! * a row with a different number of cells from the header is an error naming its line, and
//!   reading carries on with the next row;
//! * line numbers are those of the first line of each row, so a quoted cell spanning several
//!   lines does not shift the numbers of the rows after it, and blank lines are counted;
//! * `\n` and `\r\n` line endings are both accepted;
//! * a cell that is not valid UTF-8 is an error naming the line and column, and reading carries on.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashMap;
use std::io::{self, BufRead, Read};

use ::csv::{ByteRecord, ErrorKind, Reader, ReaderBuilder, Terminator};

use super::{io_error, Column, HeaderReport, InputError, RawRecord, SourcePosition};

/// An `io::Read` adapter that remembers how many bytes it has passed on, the last of them and
/// whether the source is exhausted, so that the line of a record can be worked out exactly.
struct EndTracker<R> {
    inner: R,
    total: u64,
    last: Option<u8>,
    eof: bool,
}

impl<R: Read> Read for EndTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 {
            if !buf.is_empty() {
                self.eof = true;
            }
        } else {
            self.total += n as u64;
            self.last = Some(buf[n - 1]);
        }
        Ok(n)
    }
}

/// A streaming iterator over the records of a CSV file.
pub struct CsvRecords<R> {
    reader: Reader<EndTracker<R>>,
    file: String,
    /// The column of each header cell, or `None` for an ignored header.
    columns: Vec<Option<Column>>,
    /// The header cells, trimmed, for error messages.
    headers: Vec<String>,
    row: ByteRecord,
    /// Records read so far, including ones that failed.
    index: u64,
    done: bool,
    /// Whether a cell has already been read as Windows-1252 (warned about once per file).
    read_as_windows_1252: Cell<bool>,
}

impl<R: BufRead> CsvRecords<R> {
    /// Reads and checks the header row. `file` names the input in positions and errors; the
    /// reader must already have had any BOM removed.
    pub fn new(reader: R, file: &str) -> Result<Self, InputError> {
        // Records end at `\n` only: a `\r` before it stays in the last cell and is trimmed away.
        // This keeps csv's line count in step with the record just read (see `start_line`).
        let reader = ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .terminator(Terminator::Any(b'\n'))
            .from_reader(EndTracker {
                inner: reader,
                total: 0,
                last: None,
                eof: false,
            });
        let mut records = CsvRecords {
            reader,
            file: file.to_owned(),
            columns: Vec::new(),
            headers: Vec::new(),
            row: ByteRecord::new(),
            index: 0,
            done: false,
            read_as_windows_1252: Cell::new(false),
        };
        let header_row = match records.reader.byte_headers() {
            Ok(row) => row.clone(),
            Err(error) => return Err(convert_error(error, file)),
        };
        let line = records.start_line(&header_row);
        let mut headers = Vec::with_capacity(header_row.len());
        for (i, cell) in header_row.iter().enumerate() {
            let header = std::str::from_utf8(cell).map_err(|_| InputError::InvalidUtf8 {
                file: file.to_owned(),
                line,
                column: format!("#{}", i + 1),
            })?;
            headers.push(header.trim().to_owned());
        }
        if headers.iter().all(String::is_empty) {
            return Err(InputError::Empty {
                file: file.to_owned(),
            });
        }

        let mut seen: HashMap<Column, &str> = HashMap::new();
        let mut columns = Vec::with_capacity(headers.len());
        for header in &headers {
            let column = Column::from_header(header);
            if let Some(column) = column {
                if let Some(first) = seen.insert(column, header) {
                    return Err(InputError::DuplicateColumn {
                        file: file.to_owned(),
                        column: column.name(),
                        first: first.to_owned(),
                        second: header.clone(),
                    });
                }
            }
            columns.push(column);
        }
        let missing: Vec<&'static str> = Column::ALL
            .into_iter()
            .filter(|c| c.required() && !seen.contains_key(c))
            .map(Column::name)
            .collect();
        if !missing.is_empty() {
            return Err(InputError::MissingColumns {
                file: file.to_owned(),
                columns: missing,
            });
        }

        records.columns = columns;
        records.headers = headers;
        Ok(records)
    }

    /// The recognised columns (in file order) and the ignored, non-blank headers.
    pub fn header_report(&self) -> HeaderReport {
        let mut report = HeaderReport::default();
        for (column, header) in self.columns.iter().zip(&self.headers) {
            match column {
                Some(column) => report.known.push(*column),
                None if header.is_empty() => {}
                None => report.unknown.push(header.clone()),
            }
        }
        report
    }

    /// The line on which the record just read starts.
    ///
    /// csv's own record position is taken before it skips blank lines, so it can be early.
    /// Instead, count back from where the reader stopped: just past the record's terminating
    /// `\n` (or at the end of the input, if the file does not end with one), less the newlines
    /// inside quoted cells.
    fn start_line(&self, record: &ByteRecord) -> u64 {
        let end = self.reader.position();
        let source = self.reader.get_ref();
        let unterminated = source.eof && end.byte() == source.total && source.last != Some(b'\n');
        let last_line = if unterminated {
            end.line()
        } else {
            end.line().saturating_sub(1)
        };
        let inner: u64 = record
            .iter()
            .map(|cell| cell.iter().filter(|&&b| b == b'\n').count() as u64)
            .sum();
        last_line.saturating_sub(inner).max(1)
    }

    /// Decodes the row just read. A cell that is not UTF-8 is read as Windows-1252, the
    /// encoding Excel's plain "CSV" format writes on a UK PC (`Se\xE1n` is `Seán`); the first
    /// such cell of a file is logged as a warning naming the file and line.
    fn decode(&self, line: u64) -> Vec<Cow<'_, str>> {
        let mut first_windows_1252 = None;
        let cells = self
            .row
            .iter()
            .enumerate()
            .map(|(i, cell)| match std::str::from_utf8(cell) {
                Ok(text) => Cow::Borrowed(text),
                Err(_) => {
                    first_windows_1252.get_or_insert(i);
                    let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(cell);
                    Cow::Owned(text.into_owned())
                }
            })
            .collect();
        if let (Some(i), false) = (first_windows_1252, self.read_as_windows_1252.get()) {
            self.read_as_windows_1252.set(true);
            let column = self
                .headers
                .get(i)
                .filter(|h| !h.is_empty())
                .cloned()
                .unwrap_or_else(|| format!("#{}", i + 1));
            tracing::warn!(
                "{} line {line}: column '{column}' is not UTF-8; reading the file's non-UTF-8 \
                 cells as Windows-1252 (Excel's \"CSV\" format). Save as \"CSV UTF-8\" to be sure.",
                self.file
            );
        }
        cells
    }

    fn record(&self, cells: &[Cow<'_, str>], line: u64) -> RawRecord {
        let mut record = RawRecord {
            position: Some(SourcePosition {
                file: self.file.clone(),
                line,
                index: self.index,
            }),
            ..RawRecord::default()
        };
        for (column, cell) in self.columns.iter().zip(cells) {
            if let Some(column) = column {
                record.set(*column, cell);
            }
        }
        record
    }

    /// Reads the next non-blank row.
    fn next_row(&mut self) -> Option<Result<RawRecord, InputError>> {
        loop {
            match self.reader.read_byte_record(&mut self.row) {
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Ok(true) => {}
                Err(error) => {
                    self.done = true;
                    return Some(Err(convert_error(error, &self.file)));
                }
            }
            let blank = self
                .row
                .iter()
                .all(|cell| std::str::from_utf8(cell).is_ok_and(|c| c.trim().is_empty()));
            if blank {
                continue;
            }
            self.index += 1;
            let line = self.start_line(&self.row);
            let cells = self.decode(line);
            if cells.len() != self.columns.len() {
                return Some(Err(InputError::RaggedRow {
                    file: self.file.clone(),
                    line,
                    expected: self.columns.len(),
                    found: cells.len(),
                }));
            }
            return Some(Ok(self.record(&cells, line)));
        }
    }
}

impl<R: BufRead> Iterator for CsvRecords<R> {
    type Item = Result<RawRecord, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        self.next_row()
    }
}

/// Converts a csv error. Reading byte records with flexible lengths, only I/O errors are
/// expected; anything else is reported as a syntax error at csv's position.
fn convert_error(error: ::csv::Error, file: &str) -> InputError {
    let line = error.position().map_or(0, |p| p.line());
    let message = error.to_string();
    match error.into_kind() {
        ErrorKind::Io(source) => io_error(file, source),
        _ => InputError::CsvSyntax {
            file: file.to_owned(),
            line,
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{read_records_from, InputFormat};

    fn read(data: &str) -> Result<Vec<Result<RawRecord, InputError>>, InputError> {
        read_bytes(data.as_bytes())
    }

    fn read_bytes(data: &[u8]) -> Result<Vec<Result<RawRecord, InputError>>, InputError> {
        Ok(read_records_from(
            std::io::Cursor::new(data.to_vec()),
            "pupils.csv",
            InputFormat::Csv,
        )?
        .collect())
    }

    fn ok(data: &str) -> Vec<RawRecord> {
        read(data)
            .expect("header accepted")
            .into_iter()
            .collect::<Result<_, _>>()
            .expect("all rows read")
    }

    fn line(record: &RawRecord) -> u64 {
        record.position.as_ref().map_or(0, |p| p.line)
    }

    #[test]
    fn header_aliases_and_case_insensitivity_map_to_the_canonical_fields() {
        let records = ok(
            "Record Id,GIVEN_NAME,family-name,Date of Birth,Gender,upn,FormerUPN,\
             MiddleNames,PreferredForename,PreferredSurname,FormerSurname,SCN,PPS Number,NI UPN,\
             Post Code,LA\n\
             r1,Amy,Smith,2014-01-02,F,A123,B456,Jane,Ames,Smyth,Brown,123,456,789,AB1 2CD,681\n",
        );
        assert_eq!(
            records[0],
            RawRecord {
                position: Some(SourcePosition {
                    file: "pupils.csv".into(),
                    line: 2,
                    index: 1
                }),
                record_id: Some("r1".into()),
                forename: Some("Amy".into()),
                middle_names: Some("Jane".into()),
                surname: Some("Smith".into()),
                former_surname: Some("Brown".into()),
                preferred_forename: Some("Ames".into()),
                preferred_surname: Some("Smyth".into()),
                dob: Some("2014-01-02".into()),
                sex: Some("F".into()),
                upn: Some("A123".into()),
                former_upn: Some("B456".into()),
                scn: Some("123".into()),
                ppsn: Some("456".into()),
                ni_pupil_id: Some("789".into()),
                postcode: Some("AB1 2CD".into()),
                authority: Some("681".into()),
            }
        );
    }

    #[test]
    fn a_utf8_bom_before_the_header_is_stripped() {
        let records =
            read_bytes(b"\xEF\xBB\xBFrecord_id,forename,surname,dob\nr1,A,B,2014-01-01\n")
                .expect("BOM header accepted");
        let record = records[0].as_ref().expect("row read");
        assert_eq!(record.record_id.as_deref(), Some("r1"));
    }

    #[test]
    fn a_quoted_field_with_comma_and_newline_keeps_the_line_numbers_of_later_records() {
        let records = ok("record_id,forename,surname,dob\n\
             r1,\"Mary, Ann\nRose\",Smith,2014-01-01\n\
             r2,Tom,\"Jones\r\n\r\n-Evans\",2013-05-06\n\
             r3,Sam,Lee,2012-07-08\n");
        assert_eq!(records[0].forename.as_deref(), Some("Mary, Ann\nRose"));
        assert_eq!(line(&records[0]), 2);
        assert_eq!(line(&records[1]), 4);
        assert_eq!(records[1].surname.as_deref(), Some("Jones\r\n\r\n-Evans"));
        assert_eq!(line(&records[2]), 7);
        assert_eq!(
            records[2].position.as_ref().map(ToString::to_string),
            Some("pupils.csv line 7".into())
        );
        assert_eq!(records[2].position.as_ref().map(|p| p.index), Some(3));
    }

    #[test]
    fn a_missing_required_column_error_names_it() {
        let err = read("record_id,forename,surname,date\nr1,A,B,2014-01-01\n")
            .expect_err("missing dob rejected");
        assert!(
            matches!(err, InputError::MissingColumns { ref columns, .. } if columns == &["dob"])
        );
        assert_eq!(
            err.to_string(),
            "pupils.csv: missing required column(s): dob"
        );
        let err = read("id,name\n").expect_err("rejected");
        assert_eq!(
            err.to_string(),
            "pupils.csv: missing required column(s): record_id, forename, surname, dob"
        );
    }

    #[test]
    fn two_headers_for_one_column_are_rejected_naming_both() {
        let err =
            read("record_id,forename,surname,dob,Gender,Sex\n").expect_err("duplicate rejected");
        assert_eq!(
            err.to_string(),
            "pupils.csv: columns 'Gender' and 'Sex' both give sex"
        );
    }

    #[test]
    fn a_ragged_row_error_names_the_file_and_line_and_reading_continues() {
        let results = read(
            "record_id,forename,surname,dob\n\
             r1,A,B,2014-01-01\n\
             r2,\"C\nD\",E\n\
             r3,F,G,2014-01-03,extra\n\
             r4,H,I,2014-01-04\n",
        )
        .expect("header accepted");
        assert_eq!(results.len(), 4);
        let err = results[1].as_ref().expect_err("short row rejected");
        assert_eq!(
            err.to_string(),
            "pupils.csv line 3: row has 3 field(s) but the header has 4"
        );
        let err = results[2].as_ref().expect_err("long row rejected");
        assert!(matches!(
            err,
            InputError::RaggedRow {
                line: 5,
                found: 5,
                ..
            }
        ));
        let last = results[3].as_ref().expect("next row read");
        assert_eq!(last.record_id.as_deref(), Some("r4"));
        assert_eq!(line(last), 6);
    }

    #[test]
    fn empty_cells_become_none_and_values_are_trimmed() {
        let records = ok("record_id,forename,middle_names,surname,dob,upn\n\
             r1 , Amy ,,  Smith\t,2014-01-02,   \n");
        let record = &records[0];
        assert_eq!(record.record_id.as_deref(), Some("r1"));
        assert_eq!(record.forename.as_deref(), Some("Amy"));
        assert_eq!(record.middle_names, None);
        assert_eq!(record.surname.as_deref(), Some("Smith"));
        assert_eq!(record.upn, None);
        assert_eq!(record.scn, None);
    }

    #[test]
    fn blank_rows_are_skipped_without_shifting_line_numbers() {
        let records = ok("record_id,forename,surname,dob\n\
             r1,A,B,2014-01-01\n\
             ,,,\n\
             \n\
             r2,C,D,2014-01-02\n");
        assert_eq!(records.len(), 2);
        assert_eq!(line(&records[1]), 5);
        assert_eq!(records[1].position.as_ref().map(|p| p.index), Some(2));
    }

    #[test]
    fn crlf_line_endings_keep_line_numbers_and_leave_no_carriage_returns() {
        let records = ok("record_id,forename,surname,dob\r\n\
             r1,A,\"B\r\nC\",2014-01-01\r\n\
             \r\n\
             r2,D,\"E\",2014-01-02\r\n\
             r3,F,G,2014-01-03\r\n");
        assert_eq!(records.len(), 3);
        assert_eq!(line(&records[0]), 2);
        assert_eq!(records[0].dob.as_deref(), Some("2014-01-01"));
        assert_eq!(records[0].surname.as_deref(), Some("B\r\nC"));
        assert_eq!(line(&records[1]), 5);
        assert_eq!(records[1].surname.as_deref(), Some("E"));
        assert_eq!(line(&records[2]), 6);
    }

    #[test]
    fn a_last_row_without_a_newline_after_blank_lines_has_the_right_line() {
        let records = ok(
            "\nrecord_id,forename,surname,dob\n\nr1,A,B,2014-01-01\n\n\nr2,\"C\nD\",E,2014-01-02",
        );
        assert_eq!(line(&records[0]), 4);
        assert_eq!(line(&records[1]), 7);
    }

    #[test]
    fn unknown_columns_are_ignored_and_reported() {
        let reader = CsvRecords::new(
            "School,record_id,forename,surname,dob,,Year Group\n".as_bytes(),
            "pupils.csv",
        )
        .expect("header accepted");
        let report = reader.header_report();
        assert_eq!(
            report.known,
            [
                Column::RecordId,
                Column::Forename,
                Column::Surname,
                Column::Dob
            ]
        );
        assert_eq!(report.unknown, ["School", "Year Group"]);
    }

    #[test]
    fn welsh_and_irish_names_survive_untouched() {
        let records = ok("record_id,forename,surname,dob\n\
             r1,Gwenllïan Ŵyn,Llŵyd,2014-01-01\n\
             r2,Seán,Ó Súilleabháin,2014-01-02\n");
        assert_eq!(records[0].forename.as_deref(), Some("Gwenllïan Ŵyn"));
        assert_eq!(records[0].surname.as_deref(), Some("Llŵyd"));
        assert_eq!(records[1].forename.as_deref(), Some("Seán"));
        assert_eq!(records[1].surname.as_deref(), Some("Ó Súilleabháin"));
    }

    #[test]
    fn a_file_saved_by_excel_in_windows_1252_is_read_with_its_accents() {
        // Excel's plain "CSV" on a UK PC: Seán with á as the single byte 0xE1, Zoë with 0xEB,
        // beside a row that is plain ASCII.
        let results = read_bytes(
            b"record_id,forename,surname,dob\nr1,Se\xE1n,Murphy,2014-01-01\nr2,Zo\xEB,D,2014-01-02\nr3,C,D,2014-01-03\n",
        )
        .expect("header accepted");
        let forenames: Vec<_> = results
            .iter()
            .map(|r| r.as_ref().expect("read").forename.clone().unwrap())
            .collect();
        assert_eq!(forenames, ["Seán", "Zoë", "C"]);
    }

    #[test]
    fn an_empty_file_is_an_error() {
        let err = read("").expect_err("empty rejected");
        assert_eq!(err.to_string(), "pupils.csv is empty");
    }

    #[test]
    fn the_basic_fixture_reads_into_the_expected_records() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/input/pupils_basic.csv");
        let name = path.display().to_string();
        let records: Vec<RawRecord> = crate::input::read_records(&path)
            .expect("open")
            .collect::<Result<_, _>>()
            .expect("read");
        let ids: Vec<_> = records.iter().map(|r| r.record_id.as_deref()).collect();
        assert_eq!(
            ids,
            [Some("L0001"), Some("L0002"), Some("L0003"), Some("L0004")]
        );
        assert_eq!(records[0].forename.as_deref(), Some("Amelia"));
        assert_eq!(records[0].middle_names.as_deref(), Some("Rose"));
        assert_eq!(records[1].surname.as_deref(), Some("O'Brien"));
        assert_eq!(records[1].forename.as_deref(), Some("Seán"));
        assert_eq!(records[2].forename.as_deref(), Some("Gwenllïan"));
        assert_eq!(records[2].middle_names.as_deref(), Some("Mari\nŴyn"));
        assert_eq!(records[2].upn, None);
        assert_eq!(records[3].surname.as_deref(), Some("Kowalska"));
        assert_eq!(records[3].sex, None);
        assert_eq!(
            records[3].position,
            Some(SourcePosition {
                file: name,
                line: 6,
                index: 4
            })
        );
        assert!(records
            .iter()
            .all(|r| r.authority.as_deref() == Some("681")));
    }
}
