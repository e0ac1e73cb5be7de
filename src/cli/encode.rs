//! `pupilmatch encode`: read a pupil file, encode every record locally, write encoded JSONL,
//! a problem report and a summary. Output is all-or-nothing: it appears only when the run ends
//! successfully (and, with `--strict`, only when there was no problem at all).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::Args;
use indicatif::ProgressBar;

use crate::cli::authority_args::{KnownAuthority, LocalKeyArgs};
use crate::cli::encoded_file::AtomicJsonl;
use crate::cli::hub_args::{runtime, HubArgs};
use crate::cli::input_report::{progress_style, warn_about_columns, ProblemConsole};
use crate::encode::batch::{encode_chunk, problems, Outcome, RecordIds, Summary};
use crate::encode::record::Policy;
use crate::encode::{AgreementSecret, EncodedHeader, Encoder};
use crate::input::{read_records, InputError, RawRecord};

/// Records encoded per parallel chunk.
const CHUNK: usize = 8192;

/// Arguments of `pupilmatch encode`.
#[derive(Debug, Args)]
pub struct EncodeArgs {
    /// The agreement secret file (from `pupilmatch keygen --agreement`).
    #[arg(long, env = "PUPILMATCH_SECRET")]
    pub secret: PathBuf,
    /// The pupil file: CSV with a header row, or DfE Common Transfer File XML.
    #[arg(long)]
    pub input: PathBuf,
    /// Where to write the encoded records (JSONL).
    #[arg(long)]
    pub output: PathBuf,
    /// This authority's local key: by default in its one fixed place (its workspace), never
    /// the current folder, so the same children encoded from any folder get the same
    /// references.
    #[command(flatten)]
    pub local: LocalKeyArgs,
    /// This authority's code (e.g. 383), naming its workspace
    /// ($XDG_CONFIG_HOME/pupilmatch/<code>/, or $PUPILMATCH_WORKSPACE). With an API key set,
    /// the hub says it instead, and whether it already holds your records.
    #[arg(long, env = "PUPILMATCH_AUTHORITY")]
    pub authority: Option<String>,
    /// The hub, asked only when an API key is set.
    #[arg(long, env = "PUPILMATCH_HUB", default_value = "http://127.0.0.1:8080")]
    pub hub: String,
    /// This authority's API key: when set, the hub is asked which authority this is and
    /// whether it holds its records (a new local key is then refused unless --new-local-key).
    #[arg(long, env = "PUPILMATCH_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// Where to write the problem report (JSONL); default: OUTPUT with `.problems.jsonl`.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Also write `record_id,ref` pairs so references can be mapped back (keep it local).
    #[arg(long)]
    pub map: Option<PathBuf>,
    /// Treat any problem as fatal: exit non-zero and write no encoded output.
    #[arg(long)]
    pub strict: bool,
    /// Keep records with missing or unusable names or dates (benchmarks, partial queries).
    #[arg(long, conflicts_with = "strict")]
    pub lenient: bool,
}

fn default_report(output: &Path) -> PathBuf {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "encoded".into());
    let stem = name.strip_suffix(".jsonl").unwrap_or(&name);
    output.with_file_name(format!("{stem}.problems.jsonl"))
}

fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(progress_style(
        "{spinner} {elapsed_precise} {human_pos} records ({rate})",
    ));
    bar
}

/// Who this authority is: the hub's answer when an API key is set, else `--authority`.
fn known_authority(args: &EncodeArgs) -> anyhow::Result<Option<KnownAuthority>> {
    if let Some(api_key) = &args.api_key {
        let hub = HubArgs {
            hub: args.hub.clone(),
            api_key: api_key.clone(),
        };
        let me = runtime()?.block_on(hub.client()?.me()).with_context(|| {
            format!(
                "asking the hub at {} which authority this API key belongs to (unset \
                 PUPILMATCH_API_KEY to encode offline with --authority CODE)",
                args.hub
            )
        })?;
        return Ok(Some(KnownAuthority::from(&me)));
    }
    let named = args.authority.as_ref().filter(|code| !code.is_empty());
    Ok(named.map(|code| KnownAuthority {
        code: code.clone(),
        shown: code.clone(),
        hub_holds_records: None,
    }))
}

/// Runs `encode`.
pub fn run(args: EncodeArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let secret = AgreementSecret::load(&args.secret)?;
    let authority = known_authority(&args)?;
    let local = args.local.open_for(authority.as_ref(), true)?.key;
    let encoder = Encoder::new(&secret, local);
    let policy = if args.lenient {
        Policy::Lenient
    } else {
        Policy::Pupil
    };
    let today = chrono::Local::now().date_naive();
    let mut records = read_records(&args.input)?;
    warn_about_columns(&args.input);

    let report_path = args
        .report
        .clone()
        .unwrap_or_else(|| default_report(&args.output));
    let mut output = AtomicJsonl::create(&args.output)?;
    let mut report = AtomicJsonl::create_private(&report_path)?;
    let mut map = match &args.map {
        Some(path) => {
            let mut map = AtomicJsonl::create_private(path)?;
            map.write_csv(&["record_id", "ref"])?;
            Some(map)
        }
        None => None,
    };

    let bar = progress_bar();
    let mut summary = Summary::default();
    let mut console = ProblemConsole::default();
    let mut ids = RecordIds::default();
    let mut duplicates = 0u64;
    let mut header_written = false;
    loop {
        let chunk: Vec<Result<RawRecord, InputError>> = records.by_ref().take(CHUNK).collect();
        if chunk.is_empty() {
            break;
        }
        // A file the reader cannot go on with is not half-encoded: stop, write nothing.
        if let Some(Err(fatal)) = chunk
            .iter()
            .find(|r| r.as_ref().is_err_and(InputError::is_fatal))
        {
            bail!("{fatal}; nothing was written");
        }
        if !header_written {
            let authority = chunk
                .iter()
                .find_map(|r| r.as_ref().ok().and_then(|r| r.authority.clone()));
            output.write(&EncodedHeader::new(&secret, authority))?;
            header_written = true;
        }
        let outcomes = encode_chunk(&encoder, &chunk, today, policy);
        for (read, outcome) in chunk.iter().zip(&outcomes) {
            summary.add(read.as_ref().ok(), outcome);
            for problem in problems(outcome).into_iter().chain(ids.check(outcome)) {
                if problem.code == "duplicate_record_id" {
                    duplicates += 1;
                }
                bar.suspend(|| console.show(&problem));
                report.write(&problem)?;
            }
            if let Outcome::Encoded {
                encoded, record_id, ..
            } = outcome
            {
                output.write(encoded)?;
                if let Some(map) = &mut map {
                    map.write_csv(&[record_id.as_str(), encoded.record_ref.as_str()])?;
                }
            }
        }
        bar.inc(chunk.len() as u64);
    }
    if !header_written {
        output.write(&EncodedHeader::new(&secret, None))?;
    }
    bar.finish_and_clear();

    print_summary(&summary, started.elapsed().as_secs_f64());
    console.finish(Some(&report_path));
    report.commit()?;
    if duplicates > 0 {
        eprintln!(
            "{duplicates} record id(s) used more than once: give every record its own id; \
             nothing written to {}",
            args.output.display()
        );
        return Ok(ExitCode::from(2));
    }
    if summary.encoded == 0 {
        if summary.read == 0 {
            eprintln!(
                "{}: no records (only a header row); nothing written to {}",
                args.input.display(),
                args.output.display()
            );
        } else {
            eprintln!(
                "none of the {} record(s) could be encoded; nothing written to {}",
                summary.read,
                args.output.display()
            );
        }
        return Ok(ExitCode::from(2));
    }
    if args.strict && summary.has_problems() {
        drop(output);
        eprintln!(
            "--strict: {} problem(s); nothing written to {}; see {}",
            summary.skipped + summary.warnings.values().sum::<u64>(),
            args.output.display(),
            report_path.display()
        );
        return Ok(ExitCode::from(2));
    }
    output.commit()?;
    if let Some(map) = map {
        map.commit()?;
    }
    eprintln!(
        "wrote {} encoded record(s) to {}; problems in {}",
        summary.encoded,
        args.output.display(),
        report_path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn print_summary(summary: &Summary, seconds: f64) {
    eprintln!(
        "records: {} read, {} encoded, {} skipped in {:.1}s ({:.0} records/s)",
        summary.read,
        summary.encoded,
        summary.skipped,
        seconds,
        summary.read as f64 / seconds.max(1e-9)
    );
    for (field, counts) in &summary.identifiers {
        eprintln!(
            "  {field:<12} valid {:>8}  invalid {:>8}  absent {:>8}",
            counts.valid, counts.invalid, counts.absent
        );
    }
    for (code, count) in &summary.errors {
        eprintln!("  skipped ({code}): {count}");
    }
    for (code, count) in &summary.warnings {
        eprintln!("  warning ({code}): {count}");
    }
}
