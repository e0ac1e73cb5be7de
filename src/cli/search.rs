//! `pupilmatch search`: a national search for one child. The child is given as one row of a
//! pupil file (`--from-file`, `--from-stdin`), typed at prompts when standard input is a
//! terminal, or as typed flags (`--forename … --surname … --dob …`, which land in shell history
//! and the process list); validated and encoded here under the agreement secret, and only the
//! encoding is sent. Prints the ranked
//! candidates with their probability and the matcher's explanation; `--open-case` also opens
//! the query as a CME case that later registrations anywhere are matched against.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;

use super::authority_args::{CaseArgs, KeyArgs};
use super::evidence::{confidence, in_words, AuthorityNames};
use super::hub_args::{runtime, HubArgs};
use crate::client::{SearchQuery, SearchResponse};
use crate::encode::{Encoder, LocalKey};
use crate::input::{read_records, InputFormat, RawRecord};
use crate::local::check_child;
use crate::local::{RefEntry, Workspace};

/// What `search --help` says about where a child's details end up.
const AFTER_HELP: &str = "\
The child's details: a name or date of birth typed as a flag (--forename, --surname, --dob, …)
lands in your shell history and in the list of running processes, where other users of the
machine can read it. These forms put nothing of the child on the command line:
  --from-file child.csv        a CSV with the usual header row and the child's row
  --from-stdin                 the same CSV on standard input (paste it, end with Ctrl-D)
  (no child flags)             in a terminal, you are asked for each field in turn";

/// Arguments of `pupilmatch search`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct SearchArgs {
    /// Legal forename. Typed here it lands in shell history and the process list: prefer
    /// --from-file, --from-stdin or the prompts (see below).
    #[arg(long)]
    pub forename: Option<String>,
    /// Legal surname.
    #[arg(long)]
    pub surname: Option<String>,
    /// Date of birth (YYYY-MM-DD, DD/MM/YYYY or YYYYMMDD).
    #[arg(long)]
    pub dob: Option<String>,
    /// Middle names.
    #[arg(long)]
    pub middle_names: Option<String>,
    /// Preferred forename.
    #[arg(long)]
    pub preferred_forename: Option<String>,
    /// Preferred surname.
    #[arg(long)]
    pub preferred_surname: Option<String>,
    /// Former surname.
    #[arg(long)]
    pub former_surname: Option<String>,
    /// Sex (F, M, or unknown).
    #[arg(long)]
    pub sex: Option<String>,
    /// England/Wales Unique Pupil Number.
    #[arg(long)]
    pub upn: Option<String>,
    /// Former UPN.
    #[arg(long)]
    pub former_upn: Option<String>,
    /// Scottish Candidate Number.
    #[arg(long)]
    pub scn: Option<String>,
    /// Ireland PPSN.
    #[arg(long)]
    pub ppsn: Option<String>,
    /// Northern Ireland pupil identifier.
    #[arg(long)]
    pub ni_pupil_id: Option<String>,
    /// Take the child from this pupil file instead (CSV with a header row, or CTF XML; `-`:
    /// standard input): its only record, or the one --row or --record-id selects …
    #[arg(
        long,
        visible_alias = "from-file",
        conflicts_with_all = ["forename", "surname", "dob"]
    )]
    pub input: Option<PathBuf>,
    /// Read the child as a CSV (header row and the child's row) from standard input.
    #[arg(long, conflicts_with_all = ["input", "forename", "surname", "dob"])]
    pub from_stdin: bool,
    /// … at this data row (1 = the first record) …
    #[arg(long, conflicts_with = "record_id")]
    pub row: Option<usize>,
    /// The child's record id in your own system: selects the row of --input, and becomes the
    /// (opaque) reference of a case opened with --open-case.
    #[arg(long)]
    pub record_id: Option<String>,
    /// At most this many results (1 to the hub's maximum, 20 by default).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Only results at or above this probability (0 to 1).
    #[arg(long)]
    pub min_probability: Option<f64>,
    /// Also open the child as a CME case (needs --record-id and the referral flags).
    #[arg(long)]
    pub open_case: bool,
    /// Referral metadata for --open-case.
    #[command(flatten)]
    pub case: CaseArgs,
    /// Print the hub's answer as JSON.
    #[arg(long)]
    pub json: bool,
    /// Keys.
    #[command(flatten)]
    pub keys: KeyArgs,
    /// The hub.
    #[command(flatten)]
    pub hub: HubArgs,
}

impl SearchArgs {
    /// Where the child's row is read from: a file, standard input, or neither.
    fn source(&self) -> Option<&Path> {
        match (&self.input, self.from_stdin) {
            (Some(path), _) => Some(path),
            (None, true) => Some(Path::new("-")),
            (None, false) => None,
        }
    }

    fn child(&self) -> anyhow::Result<RawRecord> {
        let Some(input) = self.source() else {
            anyhow::ensure!(
                self.row.is_none(),
                "--row selects a row of --from-file or --from-stdin"
            );
            let mut child = RawRecord {
                record_id: Some(self.record_id.clone().unwrap_or_else(|| "search".into())),
                forename: self.forename.clone(),
                middle_names: self.middle_names.clone(),
                surname: self.surname.clone(),
                former_surname: self.former_surname.clone(),
                preferred_forename: self.preferred_forename.clone(),
                preferred_surname: self.preferred_surname.clone(),
                dob: self.dob.clone(),
                sex: self.sex.clone(),
                upn: self.upn.clone(),
                former_upn: self.former_upn.clone(),
                scn: self.scn.clone(),
                ppsn: self.ppsn.clone(),
                ni_pupil_id: self.ni_pupil_id.clone(),
                ..RawRecord::default()
            };
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                prompt_for_child(&mut child, &mut stdin.lock(), &mut std::io::stderr())?;
            } else {
                refuse_missing(&child)?;
            }
            return Ok(child);
        };
        let from_stdin = input.as_os_str() == "-";
        let mut records = if from_stdin {
            let stdin = std::io::BufReader::new(std::io::stdin());
            crate::input::read_records_from(stdin, "standard input", InputFormat::Csv)?
        } else {
            read_records(input)?
        };
        let shown = if from_stdin {
            "standard input".to_string()
        } else {
            input.display().to_string()
        };
        let found = match (self.row, &self.record_id) {
            (Some(0), _) => bail!("--row counts from 1"),
            (Some(row), _) => records.nth(row - 1),
            (None, Some(id)) => records.find(|r| {
                r.as_ref()
                    .map_or(true, |r| r.record_id.as_deref() == Some(id))
            }),
            (None, None) => {
                let first = records.next();
                if first.as_ref().is_some_and(Result::is_ok) && records.next().is_some() {
                    bail!("{shown} holds more than one record: give --row N or --record-id ID");
                }
                first
            }
        };
        Ok(found.with_context(|| format!("no such record in {shown}"))??)
    }
}

/// The child's fields, asked for in turn (on `prompt`, read from `answers`): those not given
/// as flags, so nothing of the child is on the command line. The required ones are asked
/// again until answered; an optional one is left out by an empty answer.
fn prompt_for_child(
    child: &mut RawRecord,
    answers: &mut impl BufRead,
    prompt: &mut impl Write,
) -> anyhow::Result<()> {
    writeln!(
        prompt,
        "The child to search for (leave an optional field empty to skip it):"
    )?;
    let fields: [(&str, &mut Option<String>, bool); 6] = [
        ("forename", &mut child.forename, true),
        ("surname", &mut child.surname, true),
        (
            "date of birth (YYYY-MM-DD or DD/MM/YYYY)",
            &mut child.dob,
            true,
        ),
        ("sex (F, M; optional)", &mut child.sex, false),
        ("UPN (optional)", &mut child.upn, false),
        ("SCN (optional)", &mut child.scn, false),
    ];
    for (label, value, required) in fields {
        while value.is_none() {
            write!(prompt, "  {label}: ")?;
            prompt.flush()?;
            let mut line = String::new();
            if answers.read_line(&mut line)? == 0 {
                bail!("no answer for the {label}: nothing was searched");
            }
            let answer = line.trim();
            if !answer.is_empty() {
                *value = Some(answer.to_string());
            } else if !required {
                break;
            }
        }
    }
    Ok(())
}

/// Without a terminal to ask at, a child missing a required field is refused, naming the
/// flags and the forms that keep the child off the command line.
fn refuse_missing(child: &RawRecord) -> anyhow::Result<()> {
    let missing: Vec<&str> = [
        ("--forename", &child.forename),
        ("--surname", &child.surname),
        ("--dob", &child.dob),
    ]
    .into_iter()
    .filter(|(_, value)| value.is_none())
    .map(|(flag, _)| flag)
    .collect();
    anyhow::ensure!(
        missing.is_empty(),
        "no child to search for: give --from-file FILE or --from-stdin (a CSV with a header row \
         and the child's row), or run in a terminal to be asked for each field (missing: {})",
        missing.join(", ")
    );
    Ok(())
}

/// Runs `search`.
pub fn run(args: SearchArgs) -> anyhow::Result<ExitCode> {
    let raw = args.child()?;
    let open_case = if args.open_case {
        anyhow::ensure!(
            args.record_id.is_some(),
            "--open-case needs --record-id: the case's reference is derived from it, so you can close it later"
        );
        Some(args.case.fields()?)
    } else {
        anyhow::ensure!(
            !args.case.any(),
            "referral flags apply only with --open-case"
        );
        None
    };
    let secret = args.keys.secret()?;
    let client = args.hub.client()?;
    let runtime = runtime()?;
    // A case's reference is computed with this authority's local key (so it can be closed
    // later); a plain search's reference is never kept, so any key does.
    let (local_key, workspace) = if args.open_case {
        let local = args.keys.local.open(&runtime, &client, true)?;
        (local.key, local.workspace)
    } else {
        (LocalKey::from_bytes([0; 32]), None)
    };
    let encoder = Encoder::new(&secret, local_key);
    let validated = check_child(&raw, chrono::Local::now().date_naive())?;
    for warning in &validated.warnings {
        eprintln!("warning: {warning}");
    }
    let mut query = SearchQuery::for_child(&encoder, &validated.record);
    query.limit = args.limit;
    query.min_probability = args.min_probability;
    query.open_case = open_case;
    let response = runtime.block_on(client.search(&query))?;
    if let (Some(case), Some(workspace)) = (&response.case, &workspace) {
        remember_case(workspace, &case.record_ref, &raw, args.source())?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&to_json(&response))?);
    } else {
        let names = runtime.block_on(AuthorityNames::fetch(&client));
        print_results(&response, &names);
        print_next_step(&response, args.record_id.as_deref());
    }
    Ok(ExitCode::SUCCESS)
}

/// Adds an opened case's reference to the workspace's reference store, so later commands show
/// its record id.
fn remember_case(
    workspace: &Workspace,
    record_ref: &str,
    raw: &RawRecord,
    input: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let Some(record_id) = &raw.record_id else {
        return Ok(());
    };
    let mut refs = workspace.refs().appender()?;
    refs.add(
        record_ref,
        RefEntry {
            record_id: record_id.trim().to_string(),
            source: input.map_or_else(|| "search".to_string(), |p| p.display().to_string()),
            line: raw.position.as_ref().map_or(0, |p| p.line),
        },
    )?;
    refs.flush()?;
    Ok(())
}

fn to_json(response: &SearchResponse) -> serde_json::Value {
    serde_json::json!({
        "results": response.results.iter().map(|r| serde_json::json!({
            "rank": r.rank, "standing": r.standing, "authority": r.authority, "jurisdiction": r.jurisdiction,
            "role": r.role, "probability": r.probability, "match_weight": r.match_weight,
            "explanation": r.explanation,
        })).collect::<Vec<_>>(),
        "case": response.case.as_ref().map(|c| serde_json::json!({"ref": c.record_ref, "n_candidates": c.n_candidates})),
    })
}

fn print_results(response: &SearchResponse, names: &AuthorityNames) {
    if response.results.is_empty() {
        println!("no candidates at or above the threshold");
    } else {
        println!(
            "{:>4}  {:<20} {:<10} {:<36} {:<17} {:<12} evidence",
            "rank", "confidence", "standing", "held by", "nation", "held as"
        );
        for r in &response.results {
            println!(
                "{:>4}  {:<20} {:<10} {:<36} {:<17} {:<12} {}",
                r.rank,
                confidence(r.match_weight),
                r.standing.map_or("", |s| s.as_str()),
                names.show(&r.authority),
                r.jurisdiction.as_deref().unwrap_or("-"),
                r.role,
                in_words(&r.explanation)
            );
        }
    }
    if let Some(case) = &response.case {
        println!(
            "opened case {} ({} candidate(s) proposed; it stays open for continuous matching)",
            case.record_ref, case.n_candidates
        );
    }
}

/// What a coordinator can do next with a search's answer.
fn print_next_step(response: &SearchResponse, record_id: Option<&str>) {
    let hint = if response.case.is_some() {
        "next: `pupilmatch candidates` lists this case's candidates as they are proposed; \
         `pupilmatch disclosure show --candidate ID` shows one"
            .to_string()
    } else if response.results.is_empty() {
        format!(
            "next: open it as a case, so that a later registration anywhere is matched against it: \
             run the same search with --open-case --record-id {} --referral-reason … --referral-source …",
            record_id.unwrap_or("YOUR-RECORD-ID")
        )
    } else {
        format!(
            "next: open it as a case to contact the other authority through the hub (both sides \
             confirm before anything is released): run the same search with --open-case \
             --record-id {} --referral-reason … --referral-source …",
            record_id.unwrap_or("YOUR-RECORD-ID")
        )
    };
    eprintln!("{hint}");
}
