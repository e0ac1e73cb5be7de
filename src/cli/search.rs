//! `pupilmatch search`: a national search for one child. The child is given as typed fields
//! (`--forename … --surname … --dob …`) or as one row of a pupil file, validated and encoded
//! here under the agreement secret, and only the encoding is sent. Prints the ranked
//! candidates with their probability and the matcher's explanation; `--open-case` also opens
//! the query as a CME case that later registrations anywhere are matched against.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;

use super::authority_args::{CaseArgs, KeyArgs};
use super::evidence::{confidence, in_words, AuthorityNames};
use super::hub_args::{runtime, HubArgs};
use crate::client::{check_child, SearchQuery, SearchResponse};
use crate::encode::{Encoder, LocalKey};
use crate::input::{read_records, InputFormat, RawRecord};
use crate::local::{RefEntry, Workspace};

/// Arguments of `pupilmatch search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Legal forename. Details typed here stay in your shell history and show in the list of
    /// running processes: prefer --input FILE with --row N or --record-id, or --input - to
    /// paste a header row and the child's row on standard input.
    #[arg(long, required_unless_present = "input")]
    pub forename: Option<String>,
    /// Legal surname.
    #[arg(long, required_unless_present = "input")]
    pub surname: Option<String>,
    /// Date of birth (YYYY-MM-DD, DD/MM/YYYY or YYYYMMDD).
    #[arg(long, required_unless_present = "input")]
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
    /// Take the child from this pupil file instead (CSV or CTF XML; `-`: CSV with a header
    /// row on standard input) …
    #[arg(long, conflicts_with_all = ["forename", "surname", "dob"])]
    pub input: Option<PathBuf>,
    /// … at this data row (1 = the first record) …
    #[arg(long, requires = "input", conflicts_with = "record_id")]
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
    fn child(&self) -> anyhow::Result<RawRecord> {
        let Some(input) = &self.input else {
            return Ok(RawRecord {
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
            });
        };
        let mut records = if input.as_os_str() == "-" {
            let stdin = std::io::BufReader::new(std::io::stdin());
            crate::input::read_records_from(stdin, "standard input", InputFormat::Csv)?
        } else {
            read_records(input)?
        };
        let found = match (self.row, &self.record_id) {
            (Some(0), _) => bail!("--row counts from 1"),
            (Some(row), _) => records.nth(row - 1),
            (None, Some(id)) => records.find(|r| {
                r.as_ref()
                    .map_or(true, |r| r.record_id.as_deref() == Some(id))
            }),
            (None, None) if input.as_os_str() == "-" => records.next(),
            (None, None) => bail!("with --input, give --row or --record-id"),
        };
        Ok(found.with_context(|| format!("no such record in {}", input.display()))??)
    }
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
        remember_case(workspace, &case.record_ref, &raw, args.input.as_deref())?;
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
