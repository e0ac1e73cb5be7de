//! `pupilmatch candidates`: the probable matches this authority is party to, filtered by
//! state, score, age and the other party's jurisdiction. With `--map` (written by `encode` or
//! `submit --map`) each reference is shown as the authority's own record id.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use super::hub_args::{runtime, HubArgs};
use super::search::explain;
use crate::client::{Candidate, CandidateQuery};
use crate::store::Jurisdiction;

/// Arguments of `pupilmatch candidates`.
#[derive(Debug, Args)]
pub struct CandidatesArgs {
    /// Only this state: proposed, confirmed_one, confirmed_both, disclosed, verified_same,
    /// verified_different, rejected, expired, withdrawn or case_closed (protocol.md §11.1).
    #[arg(long)]
    pub state: Option<String>,
    /// Only at or above this probability.
    #[arg(long)]
    pub min_probability: Option<f64>,
    /// Only when the other authority is in this jurisdiction (england, wales, scotland,
    /// northern_ireland, ireland).
    #[arg(long)]
    pub jurisdiction: Option<Jurisdiction>,
    /// Only candidates proposed at least this many days ago (waiting for review).
    #[arg(long)]
    pub min_age_days: Option<u32>,
    /// Only candidates proposed at most this many days ago.
    #[arg(long)]
    pub max_age_days: Option<u32>,
    /// At most this many.
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
    /// A `record_id,ref` file to show your own record ids.
    #[arg(long)]
    pub map: Option<PathBuf>,
    /// Print JSON lines instead of a table.
    #[arg(long)]
    pub json: bool,
    /// The hub.
    #[command(flatten)]
    pub hub: HubArgs,
}

/// Runs `candidates`.
pub fn run(args: CandidatesArgs) -> anyhow::Result<ExitCode> {
    let names = match &args.map {
        Some(path) => read_map(path)?,
        None => HashMap::new(),
    };
    let query = CandidateQuery {
        state: args.state.clone(),
        min_probability: args.min_probability,
        counterpart_jurisdiction: args.jurisdiction,
        min_age_days: args.min_age_days,
        max_age_days: args.max_age_days,
        limit: Some(args.limit),
        ..CandidateQuery::default()
    };
    let client = args.hub.client()?;
    let candidates = runtime()?.block_on(client.candidates(&query))?;
    if args.json {
        for c in &candidates {
            println!("{}", serde_json::to_string(&as_json(c, &names))?);
        }
    } else {
        print_table(&candidates, &names);
    }
    Ok(ExitCode::SUCCESS)
}

/// `ref → record_id` from a map file.
pub fn read_map(path: &std::path::Path) -> anyhow::Result<HashMap<String, String>> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("opening {}", path.display()))?;
    let mut map = HashMap::new();
    for row in reader.records() {
        let row = row.with_context(|| format!("reading {}", path.display()))?;
        if let (Some(id), Some(r)) = (row.get(0), row.get(1)) {
            map.insert(r.to_string(), id.to_string());
        }
    }
    Ok(map)
}

fn as_json(c: &Candidate, names: &HashMap<String, String>) -> serde_json::Value {
    serde_json::json!({
        "id": c.id, "state": c.state, "probability": c.probability,
        "match_weight": c.match_weight, "created_at": c.created_at,
        "record": {"ref": c.record.record_ref, "record_id": names.get(&c.record.record_ref), "role": c.record.role},
        "counterpart": {"authority": c.counterpart.authority, "jurisdiction": c.counterpart.jurisdiction, "role": c.counterpart.role},
        "evidence": c.evidence,
    })
}

fn print_table(candidates: &[Candidate], names: &HashMap<String, String>) {
    if candidates.is_empty() {
        println!("no candidates");
        return;
    }
    println!(
        "{:>6}  {:<11} {:>11}  {:<24} {:<8} {:<12} {:<17} {:<8} {:<10} evidence",
        "id",
        "state",
        "probability",
        "your record",
        "role",
        "other",
        "jurisdiction",
        "role",
        "proposed"
    );
    for c in candidates {
        let own = names
            .get(&c.record.record_ref)
            .unwrap_or(&c.record.record_ref);
        println!(
            "{:>6}  {:<11} {:>11.4}  {:<24} {:<8} {:<12} {:<17} {:<8} {:<10} {}",
            c.id,
            c.state,
            c.probability,
            own,
            c.record.role,
            c.counterpart.authority,
            c.counterpart.jurisdiction,
            c.counterpart.role,
            c.created_at.get(..10).unwrap_or(&c.created_at),
            explain(&c.evidence)
        );
    }
}
