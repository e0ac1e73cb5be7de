//! `pupilmatch submit`: upload a batch to the hub, as open CME cases (`--role missing`) or the
//! authority's roll (`--role roll`, incremental or a whole `--snapshot`).
//!
//! The records come either from a pupil file encoded here and now under the agreement secret
//! (`--input` with `--secret`), or from a file `pupilmatch encode` already wrote (`--encoded`).
//! Either way only encodings leave the machine, streamed as NDJSON with a progress bar, so the
//! size of the batch does not matter. The batch id defaults to a digest of what is sent, so
//! running the same command again is a harmless retry.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::Args;
use indicatif::ProgressBar;
use sha2::{Digest, Sha256};

use super::authority_args::{CaseArgs, LocalKeyArgs, LocalSide};
use super::hub_args::{runtime, HubArgs};
use super::input_report::{progress_style, warn_about_columns, ProblemConsole};
use crate::client::{CaseFields, SubmissionHeader, SubmittedRecord, UploadOptions};
use crate::encode::batch::{encode_chunk, problems, Outcome, RecordIds};
use crate::encode::record::Policy;
use crate::encode::{AgreementSecret, EncodedHeader, EncodedRecord, Encoder};
use crate::input::{read_records, InputError, RawRecord, Records};
use crate::local::refs::RefAppender;
use crate::local::RefEntry;
use crate::store::{Role, SubmitMode};

/// Records encoded per parallel chunk.
const CHUNK: usize = 8192;

/// Arguments of `pupilmatch submit`.
#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// What the records are: `missing` (open CME cases) or `roll` (pupils on roll).
    #[arg(long)]
    pub role: Role,
    /// For a roll: the file is the whole roll; records not in it are withdrawn.
    #[arg(long)]
    pub snapshot: bool,
    /// A pupil file (CSV or CTF XML) to encode locally before upload (needs --secret).
    #[arg(long, conflicts_with = "encoded", required_unless_present = "encoded")]
    pub input: Option<PathBuf>,
    /// A file already written by `pupilmatch encode`.
    #[arg(long)]
    pub encoded: Option<PathBuf>,
    /// The agreement secret (with --input).
    #[arg(long, env = "PUPILMATCH_SECRET")]
    pub secret: Option<PathBuf>,
    /// This authority's local key for opaque references (with --input).
    #[command(flatten)]
    pub local: LocalKeyArgs,
    /// With --input: also write `record_id,ref` pairs, to map candidates back (keep it local).
    #[arg(long)]
    pub map: Option<PathBuf>,
    /// With --input: refuse to upload anything if any record has a problem.
    #[arg(long)]
    pub strict: bool,
    /// The batch id (default: a digest of the role, mode, case fields and file content, so a
    /// repeated command is a retry the hub answers with its first answer).
    #[arg(long)]
    pub batch_id: Option<String>,
    /// Compress the upload with gzip (slow links).
    #[arg(long)]
    pub gzip: bool,
    /// Case metadata for every record of a `missing` batch.
    #[command(flatten)]
    pub case: CaseArgs,
    /// The hub.
    #[command(flatten)]
    pub hub: HubArgs,
}

/// Runs `submit`.
pub fn run(args: SubmitArgs) -> anyhow::Result<ExitCode> {
    let mode = if args.snapshot {
        anyhow::ensure!(
            args.role == Role::Roll,
            "--snapshot applies only to --role roll"
        );
        SubmitMode::Snapshot
    } else {
        SubmitMode::Incremental
    };
    let case = match args.role {
        Role::Missing => Some(args.case.fields()?),
        Role::Roll if args.case.any() => bail!("referral flags apply only to --role missing"),
        Role::Roll => None,
    };
    let client = args.hub.client()?;
    let runtime = runtime()?;
    let source = match (&args.input, &args.encoded) {
        (Some(input), None) => {
            let secret = args
                .secret
                .clone()
                .context("--input needs --secret (the agreement secret file)")?;
            let secret = AgreementSecret::load(&secret)
                .with_context(|| format!("reading {}", secret.display()))?;
            // Before the hub is asked whose key to use: a file with nothing to send is
            // refused here, without contacting it.
            check_something_to_send(input, &secret)?;
            let local = args.local.open(&runtime, &client, true)?;
            Source::encode(input, secret, local, args.map.as_deref(), args.strict)?
        }
        (None, Some(encoded)) => Source::encoded(encoded)?,
        _ => bail!("give exactly one of --input and --encoded"),
    };
    let batch_id = match &args.batch_id {
        Some(id) => id.clone(),
        None => default_batch_id(args.role, mode, case.as_ref(), &source),
    };
    let header = SubmissionHeader::new(
        batch_id,
        source.agreement_id.clone(),
        source.epoch,
        args.role,
        mode,
    );
    let bar = progress_bar(source.n_records);
    let progress_bar = bar.clone();
    let options = UploadOptions {
        gzip: args.gzip,
        progress: Some(Arc::new(move |n| progress_bar.set_position(n))),
    };
    let records = source.records.map(move |r| {
        r.map(|encoding| SubmittedRecord {
            encoding,
            case: case.clone(),
        })
    });
    eprintln!(
        "submitting batch {} ({} {}) to {}",
        header.batch_id,
        header.role,
        header.mode,
        client.base_url()
    );
    let result = runtime.block_on(client.submit_stream(&header, records, options));
    bar.finish_and_clear();
    let result = result?;
    if result.replayed {
        eprintln!("the hub had already received this batch; its first answer:");
    }
    println!(
        "batch {}: {} record(s) stored, {} withdrawn, {} new candidate(s)",
        result.batch_id, result.n_records, result.n_withdrawn, result.n_candidates
    );
    Ok(ExitCode::SUCCESS)
}

fn progress_bar(total: Option<u64>) -> ProgressBar {
    match total {
        Some(n) => {
            let bar = ProgressBar::new(n);
            bar.set_style(progress_style(
                "{bar:40} {human_pos}/{human_len} records sent ({rate}, {eta} left)",
            ));
            bar
        }
        None => {
            let bar = ProgressBar::new_spinner();
            bar.set_style(progress_style(
                "{spinner} {human_pos} records encoded and sent ({rate})",
            ));
            bar
        }
    }
}

fn default_batch_id(
    role: Role,
    mode: SubmitMode,
    case: Option<&CaseFields>,
    source: &Source,
) -> String {
    crate::client::default_batch_id(
        &source.agreement_id,
        source.epoch,
        role,
        mode,
        case,
        &source.digest,
    )
}

type RecordIter = Box<dyn Iterator<Item = Result<EncodedRecord, String>> + Send>;

/// Where the records come from, with what the header needs.
struct Source {
    agreement_id: String,
    epoch: u32,
    digest: String,
    n_records: Option<u64>,
    records: RecordIter,
}

impl Source {
    /// An encoded JSONL file: read once to check the header, count and digest it, then
    /// streamed again line by line during the upload.
    fn encoded(path: &Path) -> anyhow::Result<Source> {
        let open = || -> anyhow::Result<std::io::Lines<BufReader<File>>> {
            let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
            Ok(BufReader::new(file).lines())
        };
        let mut lines = open()?;
        let header_line = lines
            .next()
            .transpose()?
            .with_context(|| format!("{} is empty", path.display()))?;
        let header: EncodedHeader = serde_json::from_str(&header_line)
            .with_context(|| format!("{} line 1: not an encoded-file header", path.display()))?;
        if header.format != EncodedHeader::FORMAT {
            bail!("{} line 1: format is `{}`", path.display(), header.format);
        }
        let mut hasher = Sha256::new();
        let mut n_records = 0u64;
        for line in lines {
            let line = line.with_context(|| format!("reading {}", path.display()))?;
            if !line.trim().is_empty() {
                hasher.update(line.as_bytes());
                hasher.update(b"\n");
                n_records += 1;
            }
        }
        let display = path.display().to_string();
        let records = open()?
            .enumerate()
            .skip(1)
            .filter(|(_, line)| line.as_ref().map_or(true, |l| !l.trim().is_empty()))
            .map(move |(i, line)| {
                let line = line.map_err(|e| format!("reading {display}: {e}"))?;
                serde_json::from_str::<EncodedRecord>(&line)
                    .map_err(|e| format!("{display} line {}: not an encoded record: {e}", i + 1))
            });
        Ok(Source {
            agreement_id: header.agreement_id,
            epoch: header.epoch,
            digest: hex::encode(hasher.finalize()),
            n_records: Some(n_records),
            records: Box::new(records),
        })
    }

    /// A pupil file encoded on the fly, chunk by chunk, as the upload proceeds.
    fn encode(
        input: &Path,
        secret: AgreementSecret,
        local: LocalSide,
        map: Option<&Path>,
        strict: bool,
    ) -> anyhow::Result<Source> {
        let encoder = Encoder::new(&secret, local.key);
        // Every reference sent is remembered locally, so later commands show the record id.
        let refs = local
            .workspace
            .as_ref()
            .map(|w| w.refs().appender())
            .transpose()?;
        let source_name = std::fs::canonicalize(input)
            .unwrap_or_else(|_| input.to_path_buf())
            .display()
            .to_string();
        let digest = {
            let mut hasher = Sha256::new();
            let mut file =
                File::open(input).with_context(|| format!("opening {}", input.display()))?;
            std::io::copy(&mut file, &mut hasher)?;
            hex::encode(hasher.finalize())
        };
        let records = read_records(input)?;
        warn_about_columns(input);
        let map = match map {
            Some(path) => {
                let file = super::encoded_file::create_private_file(path)
                    .with_context(|| format!("creating {}", path.display()))?;
                let mut writer = csv::Writer::from_writer(file);
                writer.write_record(["record_id", "ref"])?;
                Some(writer)
            }
            None => None,
        };
        let mut encoding = EncodingIter {
            records,
            encoder,
            today: chrono::Local::now().date_naive(),
            ready: VecDeque::new(),
            map,
            refs,
            source_name,
            strict,
            console: ProblemConsole::default(),
            ids: RecordIds::default(),
            n_read: 0,
            n_skipped: 0,
        };
        // Encode up to the first usable record before the hub is contacted, so that a file
        // with nothing to send is refused here rather than uploaded as an empty batch.
        while encoding.ready.is_empty() {
            if !encoding.refill().map_err(anyhow::Error::msg)? {
                match encoding.n_read {
                    0 => bail!(
                        "{}: no records (only a header row); nothing was sent",
                        input.display()
                    ),
                    n => bail!("none of the {n} record(s) could be encoded; nothing was sent"),
                }
            }
        }
        Ok(Source {
            agreement_id: secret.agreement_id().to_string(),
            epoch: secret.epoch(),
            digest,
            n_records: None,
            records: Box::new(encoding),
        })
    }
}

/// Refuses a file with no record to send, or whose first usable chunk repeats a record id,
/// by encoding up to its first usable record under a throwaway local key (the references
/// are not kept; problems are reported by the real pass).
fn check_something_to_send(input: &Path, secret: &AgreementSecret) -> anyhow::Result<()> {
    let encoder = Encoder::new(secret, crate::encode::LocalKey::from_bytes([0; 32]));
    let today = chrono::Local::now().date_naive();
    let mut records = read_records(input)?;
    let mut ids = RecordIds::default();
    let mut n_read = 0u64;
    loop {
        let chunk: Vec<Result<RawRecord, InputError>> = records.by_ref().take(CHUNK).collect();
        if chunk.is_empty() {
            match n_read {
                0 => bail!(
                    "{}: no records (only a header row); nothing was sent",
                    input.display()
                ),
                n => bail!("none of the {n} record(s) could be encoded; nothing was sent"),
            }
        }
        n_read += chunk.len() as u64;
        let mut usable = false;
        for outcome in encode_chunk(&encoder, &chunk, today, Policy::Pupil) {
            if let Some(duplicate) = ids.check(&outcome) {
                bail!(
                    "{}; give every record its own id (nothing was stored)",
                    duplicate.message
                );
            }
            usable |= matches!(outcome, Outcome::Encoded { .. });
        }
        if usable {
            return Ok(());
        }
    }
}

/// Reads, validates and encodes records in parallel chunks, yielding the encodings in order.
/// Skipped records are reported on stderr; under `--strict` the first problem aborts.
struct EncodingIter {
    records: Records,
    encoder: Encoder,
    today: chrono::NaiveDate,
    ready: VecDeque<EncodedRecord>,
    map: Option<csv::Writer<File>>,
    refs: Option<RefAppender>,
    source_name: String,
    strict: bool,
    console: ProblemConsole,
    ids: RecordIds,
    n_read: u64,
    n_skipped: u64,
}

impl EncodingIter {
    fn refill(&mut self) -> Result<bool, String> {
        let chunk: Vec<Result<RawRecord, InputError>> = self.records.by_ref().take(CHUNK).collect();
        if chunk.is_empty() {
            return Ok(false);
        }
        self.n_read += chunk.len() as u64;
        for outcome in encode_chunk(&self.encoder, &chunk, self.today, Policy::Pupil) {
            if let Some(duplicate) = self.ids.check(&outcome) {
                return Err(format!(
                    "{}; give every record its own id (nothing was stored)",
                    duplicate.message
                ));
            }
            for problem in problems(&outcome) {
                if self.strict {
                    return Err(format!(
                        "--strict: {} (nothing was stored)",
                        problem.message
                    ));
                }
                self.console.show(&problem);
            }
            match outcome {
                Outcome::Encoded {
                    record_id,
                    encoded,
                    position,
                    ..
                } => {
                    if let Some(map) = &mut self.map {
                        map.write_record([record_id.as_str(), encoded.record_ref.as_str()])
                            .map_err(|e| format!("writing the map file: {e}"))?;
                    }
                    if let Some(refs) = &mut self.refs {
                        let entry = RefEntry {
                            record_id,
                            source: self.source_name.clone(),
                            line: position.map_or(0, |p| p.line),
                        };
                        refs.add(&encoded.record_ref, entry)
                            .map_err(|e| format!("writing the reference store: {e}"))?;
                    }
                    self.ready.push_back(encoded);
                }
                Outcome::Skipped(_) => self.n_skipped += 1,
            }
        }
        Ok(true)
    }
}

impl Iterator for EncodingIter {
    type Item = Result<EncodedRecord, String>;

    fn next(&mut self) -> Option<Self::Item> {
        while self.ready.is_empty() {
            match self.refill() {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => return Some(Err(e)),
            }
        }
        self.ready.pop_front().map(Ok)
    }
}

impl Drop for EncodingIter {
    fn drop(&mut self) {
        if let Some(map) = &mut self.map {
            let _ = map.flush();
        }
        if let Some(refs) = &mut self.refs {
            if let Err(e) = refs.flush() {
                eprintln!("warning: {e}");
            }
        }
        self.console.finish(None);
        if self.console.total() > 0 {
            eprintln!(
                "{} problem(s) in the input; {} record(s) skipped (not sent)",
                self.console.total(),
                self.n_skipped
            );
        }
    }
}
