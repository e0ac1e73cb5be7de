//! The CTF reader: pupils from a DfE Common Transfer File (see `domain.md` §5).
//!
//! The file is streamed with quick-xml; only these exact paths are read, so that, for example, a
//! contact's `Surname` never overwrites the pupil's:
//!
//! | Path (from `CTfile`) | Field |
//! |---|---|
//! | `Header/SourceSchool/LEA` | `authority` (of every pupil) |
//! | `CTFpupilData/Pupil/UPN` | `upn` |
//! | `CTFpupilData/Pupil/Surname`, `Forename`, `DOB` | `surname`, `forename`, `dob` |
//! | `CTFpupilData/Pupil/Gender` or `Sex` | `sex` |
//! | `CTFpupilData/Pupil/SCN` | `scn` |
//! | `CTFpupilData/Pupil/FormerUPN` or `Pupil/BasicDetails/FormerUPN` | `former_upn` |
//! | `CTFpupilData/Pupil/BasicDetails/PreferredSurname`, `PreferredForename`, `MiddleNames`, `FormerSurname` | the same-named fields |
//! | `PostCode` or `Postcode` at any depth inside `CTFpupilData/Pupil/Address` | `postcode` |
//!
//! CTF has no local pupil id, so `record_id` is the `UPN` if present, else the pupil's
//! `ApplicationReference` or `PupilNo` child, else `"<file stem>#<n>"` with `n` the 1-based pupil
//! number. Text is entity-decoded and trimmed, and an empty element is `None`. Where an element
//! is repeated the first non-empty value wins. Everything else (`SchoolHistory`, `Contacts`,
//! `Attendance`, ...) is skipped.
//!
//! Line numbers come from counting the newlines the parser has consumed; a pupil's line is that
//! of its `<Pupil>` tag, and an error's line is where the parser stopped.

use std::io::{self, BufRead, Read};
use std::path::Path;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::{clean, Column, InputError, RawRecord, SourcePosition};

/// The columns a CTF record can fill.
pub const COLUMNS: [Column; 14] = [
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
    Column::Postcode,
    Column::Authority,
];

/// A `BufRead` adapter that counts the newlines consumed through it.
struct LineCounter<R> {
    inner: R,
    newlines: u64,
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

impl<R: BufRead> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.newlines += count_newlines(&buf[..n]);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        // The bytes being consumed are already buffered, so this does no I/O.
        if let Ok(buf) = self.inner.fill_buf() {
            self.newlines += count_newlines(&buf[..amt.min(buf.len())]);
        }
        self.inner.consume(amt);
    }
}

/// What a value read from the file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Column(Column),
    /// `ApplicationReference`/`PupilNo`: the record id when there is no UPN.
    Reference,
    /// `Header/SourceSchool/LEA`.
    Authority,
}

/// Where the parser is, by the path of open elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    CtFile,
    Header,
    SourceSchool,
    PupilData,
    Pupil,
    BasicDetails,
    /// `Pupil/Address` or any element inside it.
    Address,
    /// An element whose text is wanted.
    Field(Target),
    /// Anything else, including everything below it.
    Other,
}

/// The context of an element `name` opened inside `parent`; `None` at the root.
fn child(parent: Option<Ctx>, name: &[u8]) -> Option<Ctx> {
    use Column as C;
    let field = |column| Ctx::Field(Target::Column(column));
    Some(match (parent?, name) {
        (Ctx::CtFile, b"Header") => Ctx::Header,
        (Ctx::CtFile, b"CTFpupilData") => Ctx::PupilData,
        (Ctx::Header, b"SourceSchool") => Ctx::SourceSchool,
        (Ctx::SourceSchool, b"LEA") => Ctx::Field(Target::Authority),
        (Ctx::PupilData, b"Pupil") => Ctx::Pupil,
        (Ctx::Pupil, b"BasicDetails") => Ctx::BasicDetails,
        (Ctx::Pupil, b"Address") => Ctx::Address,
        (Ctx::Pupil, b"UPN") => field(C::Upn),
        (Ctx::Pupil, b"Surname") => field(C::Surname),
        (Ctx::Pupil, b"Forename") => field(C::Forename),
        (Ctx::Pupil, b"DOB") => field(C::Dob),
        (Ctx::Pupil, b"Gender" | b"Sex") => field(C::Sex),
        (Ctx::Pupil, b"SCN") => field(C::Scn),
        (Ctx::Pupil | Ctx::BasicDetails, b"FormerUPN") => field(C::FormerUpn),
        (Ctx::Pupil, b"ApplicationReference" | b"PupilNo") => Ctx::Field(Target::Reference),
        (Ctx::BasicDetails, b"PreferredSurname") => field(C::PreferredSurname),
        (Ctx::BasicDetails, b"PreferredForename") => field(C::PreferredForename),
        (Ctx::BasicDetails, b"MiddleNames") => field(C::MiddleNames),
        (Ctx::BasicDetails, b"FormerSurname") => field(C::FormerSurname),
        (Ctx::Address, b"PostCode" | b"Postcode") => field(C::Postcode),
        (Ctx::Address, _) => Ctx::Address,
        _ => Ctx::Other,
    })
}

/// The pupil being read.
struct Pupil {
    record: RawRecord,
    reference: Option<String>,
    /// The first text that could not be decoded; the pupil is then reported as an error.
    error: Option<InputError>,
}

/// The outcome of one parser event.
enum Step {
    Continue,
    EnteredPupilData,
    /// A finished pupil or an error (boxed: this enum is returned for every parser event).
    Record(Box<Result<RawRecord, InputError>>),
    End,
}

impl Step {
    fn fail(error: InputError) -> Step {
        Step::Record(Box::new(Err(error)))
    }
}

/// Everything but the parser: what has been read so far.
struct State {
    file: String,
    stem: String,
    stack: Vec<Ctx>,
    seen_root: bool,
    seen_pupil_data: bool,
    authority: Option<String>,
    pupil: Option<Pupil>,
    pupils: u64,
    /// Text of the open field element and any decoding error.
    text: String,
    text_error: Option<String>,
}

impl State {
    fn handle(&mut self, event: Event<'_>, line: u64) -> Step {
        match event {
            Event::Start(start) => {
                let ctx = match self.enter(start.local_name().as_ref()) {
                    Ok(ctx) => ctx,
                    Err(error) => return Step::fail(error),
                };
                self.stack.push(ctx);
                self.open(ctx, line)
            }
            Event::Empty(start) => {
                let ctx = match self.enter(start.local_name().as_ref()) {
                    Ok(ctx) => ctx,
                    Err(error) => return Step::fail(error),
                };
                match self.open(ctx, line) {
                    Step::Continue => self.close(ctx, line),
                    step => step,
                }
            }
            Event::End(_) => match self.stack.pop() {
                Some(ctx) => self.close(ctx, line),
                None => Step::Continue,
            },
            Event::Text(text) if self.in_field() => {
                match text.unescape() {
                    Ok(value) => self.text.push_str(&value),
                    Err(error) => self.text_failed(error.to_string()),
                }
                Step::Continue
            }
            Event::CData(data) if self.in_field() => {
                match data.decode() {
                    Ok(value) => self.text.push_str(&value),
                    Err(error) => self.text_failed(error.to_string()),
                }
                Step::Continue
            }
            Event::Eof => self.eof(line),
            _ => Step::Continue,
        }
    }

    fn in_field(&self) -> bool {
        matches!(self.stack.last(), Some(Ctx::Field(_)))
    }

    fn text_failed(&mut self, message: String) {
        self.text_error.get_or_insert(message);
    }

    /// The context of a newly opened element, checking the root.
    fn enter(&mut self, name: &[u8]) -> Result<Ctx, InputError> {
        if let Some(ctx) = child(self.stack.last().copied(), name) {
            return Ok(ctx);
        }
        if name == b"CTfile" && !self.seen_root {
            self.seen_root = true;
            return Ok(Ctx::CtFile);
        }
        Err(InputError::NotCtf {
            file: self.file.clone(),
            root: String::from_utf8_lossy(name).into_owned(),
        })
    }

    fn open(&mut self, ctx: Ctx, line: u64) -> Step {
        match ctx {
            Ctx::PupilData => {
                self.seen_pupil_data = true;
                return Step::EnteredPupilData;
            }
            Ctx::Pupil => {
                self.pupils += 1;
                self.pupil = Some(Pupil {
                    record: RawRecord {
                        position: Some(SourcePosition {
                            file: self.file.clone(),
                            line,
                            index: self.pupils,
                        }),
                        ..RawRecord::default()
                    },
                    reference: None,
                    error: None,
                });
            }
            Ctx::Field(_) => {
                self.text.clear();
                self.text_error = None;
            }
            _ => {}
        }
        Step::Continue
    }

    fn close(&mut self, ctx: Ctx, line: u64) -> Step {
        match ctx {
            Ctx::Field(target) => self.close_field(target, line),
            Ctx::Pupil => match self.pupil.take() {
                Some(pupil) => Step::Record(Box::new(self.finish(pupil))),
                None => Step::Continue,
            },
            _ => Step::Continue,
        }
    }

    fn close_field(&mut self, target: Target, line: u64) -> Step {
        let value = clean(&self.text);
        self.text.clear();
        if let Some(message) = self.text_error.take() {
            let error = InputError::XmlText {
                file: self.file.clone(),
                line,
                element: target_name(target).to_owned(),
                message,
            };
            return match &mut self.pupil {
                Some(pupil) => {
                    pupil.error.get_or_insert(error);
                    Step::Continue
                }
                None => Step::fail(error),
            };
        }
        let Some(value) = value else {
            return Step::Continue;
        };
        match (target, &mut self.pupil) {
            (Target::Authority, _) => {
                self.authority.get_or_insert(value);
            }
            (Target::Reference, Some(pupil)) => {
                pupil.reference.get_or_insert(value);
            }
            (Target::Column(column), Some(pupil)) if pupil.record.get(column).is_none() => {
                pupil.record.set(column, &value);
            }
            _ => {}
        }
        Step::Continue
    }

    fn finish(&self, pupil: Pupil) -> Result<RawRecord, InputError> {
        if let Some(error) = pupil.error {
            return Err(error);
        }
        let mut record = pupil.record;
        let index = record.position.as_ref().map_or(self.pupils, |p| p.index);
        record.record_id = record
            .upn
            .clone()
            .or(pupil.reference)
            .or_else(|| Some(format!("{}#{index}", self.stem)));
        record.authority = self.authority.clone();
        Ok(record)
    }

    fn eof(&mut self, line: u64) -> Step {
        if !self.stack.is_empty() {
            return Step::fail(InputError::XmlSyntax {
                file: self.file.clone(),
                line,
                message: format!(
                    "unexpected end of file: {} element(s) not closed",
                    self.stack.len()
                ),
            });
        }
        if !self.seen_root {
            return Step::fail(InputError::Empty {
                file: self.file.clone(),
            });
        }
        if !self.seen_pupil_data {
            return Step::fail(InputError::MissingPupilData {
                file: self.file.clone(),
            });
        }
        Step::End
    }
}

/// The element name of a target, for error messages.
fn target_name(target: Target) -> &'static str {
    match target {
        Target::Authority => "LEA",
        Target::Reference => "ApplicationReference",
        Target::Column(column) => match column {
            Column::Upn => "UPN",
            Column::Surname => "Surname",
            Column::Forename => "Forename",
            Column::Dob => "DOB",
            Column::Sex => "Gender",
            Column::Scn => "SCN",
            Column::FormerUpn => "FormerUPN",
            Column::PreferredSurname => "PreferredSurname",
            Column::PreferredForename => "PreferredForename",
            Column::MiddleNames => "MiddleNames",
            Column::FormerSurname => "FormerSurname",
            Column::Postcode => "PostCode",
            other => other.name(),
        },
    }
}

/// A streaming iterator over the pupils of a CTF.
pub struct CtfRecords<R> {
    reader: Reader<LineCounter<R>>,
    buf: Vec<u8>,
    state: State,
    /// A record produced while the constructor read up to `CTFpupilData` (never in practice).
    pending: Option<Result<RawRecord, InputError>>,
    done: bool,
}

impl<R: BufRead> CtfRecords<R> {
    /// Reads up to the start of `CTFpupilData`, checking the root element and taking the
    /// authority from the header. `file` names the input in positions and errors.
    pub fn new(reader: R, file: &str) -> Result<Self, InputError> {
        let reader = Reader::from_reader(LineCounter {
            inner: reader,
            newlines: 0,
        });
        let stem = Path::new(file)
            .file_stem()
            .map_or_else(|| file.to_owned(), |s| s.to_string_lossy().into_owned());
        let mut records = CtfRecords {
            reader,
            buf: Vec::new(),
            state: State {
                file: file.to_owned(),
                stem,
                stack: Vec::new(),
                seen_root: false,
                seen_pupil_data: false,
                authority: None,
                pupil: None,
                pupils: 0,
                text: String::new(),
                text_error: None,
            },
            pending: None,
            done: false,
        };
        loop {
            match records.step() {
                Step::Continue => {}
                Step::EnteredPupilData => return Ok(records),
                Step::Record(record) => match *record {
                    Err(error) => return Err(error),
                    Ok(record) => {
                        records.pending = Some(Ok(record));
                        return Ok(records);
                    }
                },
                Step::End => return Ok(records),
            }
        }
    }

    fn step(&mut self) -> Step {
        if self.done {
            return Step::End;
        }
        self.buf.clear();
        let event = self.reader.read_event_into(&mut self.buf);
        let line = self.reader.get_ref().newlines + 1;
        let step = match event {
            Ok(event) => self.state.handle(event, line),
            Err(error) => {
                self.done = true;
                return Step::fail(InputError::XmlSyntax {
                    file: self.state.file.clone(),
                    line,
                    message: error.to_string(),
                });
            }
        };
        match step {
            Step::End => self.done = true,
            // Errors other than in a pupil's text are about the document's structure.
            Step::Record(ref record) if matches!(**record, Err(ref error) if !matches!(error, InputError::XmlText { .. })) =>
            {
                self.done = true;
            }
            _ => {}
        }
        step
    }
}

impl<R: BufRead> Iterator for CtfRecords<R> {
    type Item = Result<RawRecord, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(record) = self.pending.take() {
            return Some(record);
        }
        loop {
            match self.step() {
                Step::Continue | Step::EnteredPupilData => {}
                Step::Record(record) => return Some(*record),
                Step::End => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{read_records_from, InputFormat};

    fn read(xml: &str) -> Result<Vec<Result<RawRecord, InputError>>, InputError> {
        Ok(read_records_from(
            std::io::Cursor::new(xml.as_bytes().to_vec()),
            "cme.xml",
            InputFormat::CtfXml,
        )?
        .collect())
    }

    fn ok(xml: &str) -> Vec<RawRecord> {
        read(xml)
            .expect("document accepted")
            .into_iter()
            .collect::<Result<_, _>>()
            .expect("all pupils read")
    }

    fn wrap(pupils: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CTfile>\n<Header><SourceSchool>\
             <LEA>681</LEA></SourceSchool></Header>\n<CTFpupilData>\n{pupils}\n\
             </CTFpupilData>\n</CTfile>\n"
        )
    }

    fn position(file: &str, line: u64, index: u64) -> Option<SourcePosition> {
        Some(SourcePosition {
            file: file.into(),
            line,
            index,
        })
    }

    #[test]
    fn a_ctf_18_style_file_parses_into_exactly_the_right_records() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/input/ctf_two_pupils.xml");
        let name = path.display().to_string();
        let records: Vec<RawRecord> = crate::input::read_records(&path)
            .expect("open")
            .collect::<Result<_, _>>()
            .expect("read");
        assert_eq!(
            records,
            [
                RawRecord {
                    position: position(&name, 25, 1),
                    record_id: Some("A681201300012".into()),
                    forename: Some("Gwenllïan".into()),
                    middle_names: Some("Siân Ŵyn".into()),
                    surname: Some("ap Dafydd".into()),
                    former_surname: None,
                    preferred_forename: Some("Gwen".into()),
                    preferred_surname: Some("Dafydd".into()),
                    dob: Some("2013-04-09".into()),
                    sex: Some("F".into()),
                    upn: Some("A681201300012".into()),
                    former_upn: Some("A68120130001X".into()),
                    scn: None,
                    ppsn: None,
                    ni_pupil_id: None,
                    postcode: Some("SY23 1AA".into()),
                    authority: Some("681".into()),
                },
                RawRecord {
                    position: position(&name, 84, 2),
                    record_id: Some("ctf_two_pupils#2".into()),
                    forename: Some("Seán".into()),
                    middle_names: Some("Pádraig Ó".into()),
                    surname: Some("Ó Súilleabháin".into()),
                    former_surname: Some("O'Brien".into()),
                    preferred_forename: None,
                    preferred_surname: None,
                    dob: Some("2012-11-30".into()),
                    sex: Some("M".into()),
                    upn: None,
                    former_upn: Some("T681201200099".into()),
                    scn: Some("123456789".into()),
                    ppsn: None,
                    ni_pupil_id: None,
                    postcode: Some("CF10 1AA".into()),
                    authority: Some("681".into()),
                },
            ]
        );
        assert_eq!(
            records[1].position.as_ref().map(ToString::to_string),
            Some(format!("{name} pupil #2 (line 84)"))
        );
    }

    #[test]
    fn entities_and_character_references_are_decoded() {
        let records = ok(&wrap(
            "<Pupil><Surname>O&apos;Brien</Surname><Forename>Se&#xE1;n &amp; Ow&#233;n</Forename>\
             <BasicDetails><FormerSurname>&lt;none&gt;</FormerSurname></BasicDetails></Pupil>",
        ));
        assert_eq!(records[0].surname.as_deref(), Some("O'Brien"));
        assert_eq!(records[0].forename.as_deref(), Some("Seán & Owén"));
        assert_eq!(records[0].former_surname.as_deref(), Some("<none>"));
    }

    #[test]
    fn welsh_and_irish_names_survive_untouched() {
        let records = ok(&wrap(
            "<Pupil><Surname> Llŵyd </Surname><Forename>Dafydd Ŵyn</Forename></Pupil>\
             <Pupil><Surname>Ní Bhriain</Surname><Forename>Aoibhín Éabha</Forename></Pupil>",
        ));
        assert_eq!(records[0].surname.as_deref(), Some("Llŵyd"));
        assert_eq!(records[0].forename.as_deref(), Some("Dafydd Ŵyn"));
        assert_eq!(records[1].surname.as_deref(), Some("Ní Bhriain"));
        assert_eq!(records[1].forename.as_deref(), Some("Aoibhín Éabha"));
    }

    #[test]
    fn cdata_text_is_read_and_comments_are_ignored() {
        let records = ok(&wrap(
            "<Pupil><Surname><![CDATA[Smith & Sons]]></Surname>\
             <Forename>Ja<!-- note -->ck</Forename></Pupil>",
        ));
        assert_eq!(records[0].surname.as_deref(), Some("Smith & Sons"));
        assert_eq!(records[0].forename.as_deref(), Some("Jack"));
    }

    #[test]
    fn malformed_xml_gives_an_error_with_a_line_number() {
        let xml = "<CTfile>\n<CTFpupilData>\n<Pupil>\n<Surname>Smith</Surnam>\n</Pupil>\n\
                   </CTFpupilData>\n</CTfile>\n";
        let results = read(xml).expect("structure accepted up to pupil data");
        assert_eq!(results.len(), 1);
        let err = results[0].as_ref().expect_err("syntax error");
        assert!(
            matches!(err, InputError::XmlSyntax { line: 4, .. }),
            "{err}"
        );
        assert!(
            err.to_string()
                .starts_with("cme.xml line 4: XML syntax error"),
            "{err}"
        );
    }

    #[test]
    fn a_truncated_file_reports_the_unexpected_end() {
        let xml = "<CTfile>\n<CTFpupilData>\n<Pupil>\n<Surname>Smith</Surname>\n";
        let results = read(xml).expect("structure accepted up to pupil data");
        let err = results
            .last()
            .and_then(|r| r.as_ref().err())
            .expect("truncation reported");
        assert!(
            matches!(err, InputError::XmlSyntax { line: 5, .. }),
            "{err}"
        );
    }

    #[test]
    fn a_syntax_error_in_the_header_is_returned_before_any_record() {
        let err = read("<CTfile>\n<Header>\n<LEA>681</Header>\n</CTfile>").expect_err("error");
        assert!(
            matches!(err, InputError::XmlSyntax { line: 3, .. }),
            "{err}"
        );
    }

    #[test]
    fn a_ctf_without_pupil_data_is_an_error() {
        let err = read("<CTfile><Header/></CTfile>").expect_err("rejected");
        assert_eq!(
            err.to_string(),
            "cme.xml: Common Transfer File has no <CTFpupilData>"
        );
    }

    #[test]
    fn an_xml_file_that_is_not_a_ctf_is_rejected_naming_its_root() {
        let err = read("<?xml version=\"1.0\"?><Pupils><Pupil/></Pupils>").expect_err("rejected");
        assert_eq!(
            err.to_string(),
            "cme.xml: not a Common Transfer File: root element is <Pupils>, expected <CTfile>"
        );
    }

    #[test]
    fn empty_pupil_data_yields_no_records() {
        assert!(ok("<CTfile><CTFpupilData/></CTfile>").is_empty());
        assert!(ok(&wrap("")).is_empty());
    }

    #[test]
    fn an_unknown_entity_fails_only_that_pupil() {
        let results = read(&wrap(
            "<Pupil><Surname>Sm&nbsp;ith</Surname></Pupil>\n<Pupil><Surname>Jones</Surname></Pupil>",
        ))
        .expect("document accepted");
        assert_eq!(results.len(), 2);
        let err = results[0].as_ref().expect_err("bad entity");
        assert!(
            err.to_string()
                .starts_with("cme.xml line 5: cannot decode <Surname>"),
            "{err}"
        );
        let next = results[1].as_ref().expect("next pupil read");
        assert_eq!(next.surname.as_deref(), Some("Jones"));
    }

    #[test]
    fn names_outside_the_exact_paths_are_ignored() {
        let records = ok(&wrap(
            "<Pupil>\
               <Contacts><Contact><Surname>Parent</Surname><Forename>Pat</Forename>\
                 <UPN>X</UPN><Address><PostCode>ZZ9 9ZZ</PostCode></Address></Contact></Contacts>\
               <SchoolHistory><School><Surname>Old</Surname><DOB>2000-01-01</DOB></School></SchoolHistory>\
               <Surname>Child</Surname><Forename>Kim</Forename>\
               <MiddleNames>NotHere</MiddleNames>\
               <Address><PostCode>AB1 2CD</PostCode></Address>\
             </Pupil>",
        ));
        let record = &records[0];
        assert_eq!(record.surname.as_deref(), Some("Child"));
        assert_eq!(record.forename.as_deref(), Some("Kim"));
        assert_eq!(record.upn, None);
        assert_eq!(record.dob, None);
        assert_eq!(record.middle_names, None);
        assert_eq!(record.postcode.as_deref(), Some("AB1 2CD"));
    }

    #[test]
    fn the_postcode_is_found_at_any_depth_inside_address() {
        let records = ok(&wrap(
            "<Pupil><Address><BS7666Address><PAON>1</PAON><Postcode> LL57 2DG </Postcode>\
             </BS7666Address></Address></Pupil>\
             <Pupil><Address><PostCode>CF10 1AA</PostCode></Address></Pupil>",
        ));
        assert_eq!(records[0].postcode.as_deref(), Some("LL57 2DG"));
        assert_eq!(records[1].postcode.as_deref(), Some("CF10 1AA"));
    }

    #[test]
    fn record_id_is_the_upn_else_the_application_reference_else_stem_and_pupil_number() {
        let records = ok(&wrap(
            "<Pupil><PupilNo>77</PupilNo><UPN>A123</UPN></Pupil>\
             <Pupil><UPN/><ApplicationReference>APP-9</ApplicationReference></Pupil>\
             <Pupil/>",
        ));
        let ids: Vec<_> = records.iter().map(|r| r.record_id.as_deref()).collect();
        assert_eq!(ids, [Some("A123"), Some("APP-9"), Some("cme#3")]);
        assert_eq!(records[1].upn, None);
        assert!(records
            .iter()
            .all(|r| r.authority.as_deref() == Some("681")));
    }

    #[test]
    fn sex_gender_and_former_upn_are_read_from_either_place() {
        let records = ok(&wrap(
            "<Pupil><Sex>F</Sex><FormerUPN>B1</FormerUPN></Pupil>\
             <Pupil><Gender>M</Gender><BasicDetails><FormerUPN>B2</FormerUPN></BasicDetails></Pupil>",
        ));
        assert_eq!(records[0].sex.as_deref(), Some("F"));
        assert_eq!(records[0].former_upn.as_deref(), Some("B1"));
        assert_eq!(records[1].sex.as_deref(), Some("M"));
        assert_eq!(records[1].former_upn.as_deref(), Some("B2"));
    }

    #[test]
    fn destination_lea_is_not_the_authority() {
        let records = ok("<CTfile><Header><DestSchool><LEA>XXX</LEA></DestSchool>\
             <SourceSchool><LEA>330</LEA></SourceSchool></Header>\
             <CTFpupilData><Pupil/></CTFpupilData></CTfile>");
        assert_eq!(records[0].authority.as_deref(), Some("330"));
    }

    #[test]
    fn line_numbers_follow_multi_line_text() {
        let records = ok(
            "<CTfile>\n<CTFpupilData>\n<Pupil><Surname>A\nB</Surname></Pupil>\n\
             \n<Pupil>\n</Pupil>\n</CTFpupilData>\n</CTfile>\n",
        );
        assert_eq!(records[0].position, position("cme.xml", 3, 1));
        assert_eq!(records[1].position, position("cme.xml", 6, 2));
    }
}
