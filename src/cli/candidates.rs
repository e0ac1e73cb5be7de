//! `pupilmatch candidates`: the probable matches this authority is party to, filtered by
//! state, score, age and the other party's jurisdiction. Each reference is shown as the
//! authority's own record id, from the reference store `submit` keeps in its workspace (or a
//! `--map` file written by `encode` or `submit --map`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use super::authority_args::known_refs;
use super::evidence::{confidence, in_words, AuthorityNames};
use super::hub_args::{runtime, HubArgs};
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
    /// At most this many on a page.
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
    /// Which page of --limit candidates to show (1 = the best).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub page: u32,
    /// A `record_id,ref` file to show your own record ids (only for records submitted before
    /// the reference store in this authority's workspace kept them).
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
    // The hub lists the best `limit` candidates (at most HUB_MAX) and has no offset: a page is
    // the tail of a longer list, and one candidate more than the page says whether more exist.
    let skip = u64::from(args.page - 1) * u64::from(args.limit);
    let wanted = skip + u64::from(args.limit) + 1;
    anyhow::ensure!(
        wanted <= u64::from(HUB_MAX) + 1,
        "the hub lists only the best {HUB_MAX} candidates; narrow the list with --state, \
         --min-probability, --jurisdiction or --max-age-days instead of paging past them"
    );
    let query = CandidateQuery {
        state: args.state.clone(),
        min_probability: args.min_probability,
        counterpart_jurisdiction: args.jurisdiction,
        min_age_days: args.min_age_days,
        max_age_days: args.max_age_days,
        limit: Some(wanted.min(u64::from(HUB_MAX)) as u32),
        ..CandidateQuery::default()
    };
    let client = args.hub.client()?;
    let runtime = runtime()?;
    let listed = runtime.block_on(client.candidates(&query))?;
    let authorities = runtime.block_on(AuthorityNames::fetch(&client));
    // Record ids from this authority's reference store, then from --map (older uploads).
    let mut names: HashMap<String, String> = known_refs(&runtime, &client)
        .into_iter()
        .map(|(r, e)| (r, e.record_id))
        .collect();
    if let Some(path) = &args.map {
        names.extend(read_map(path)?);
    }
    let more = listed.len() as u64 > skip + u64::from(args.limit);
    let page: Vec<Candidate> = listed
        .into_iter()
        .skip(skip as usize)
        .take(args.limit as usize)
        .collect();
    if args.json {
        for c in &page {
            println!("{}", serde_json::to_string(&as_json(c, &names))?);
        }
    } else {
        print_table(&page, &names, &authorities);
    }
    let first = skip + 1;
    let last = skip + page.len() as u64;
    if more {
        eprintln!(
            "candidates {first} to {last} shown; there are more: --page {} shows the next {}",
            args.page + 1,
            args.limit
        );
    } else if args.page > 1 && page.is_empty() {
        eprintln!("no candidates on page {}", args.page);
    } else if args.page > 1 {
        eprintln!("candidates {first} to {last} shown, the last of them");
    } else if !page.is_empty() {
        eprintln!("all {last} candidate(s) shown");
    }
    Ok(ExitCode::SUCCESS)
}

/// The most candidates the hub lists in one answer.
const HUB_MAX: u32 = 1000;

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

fn print_table(
    candidates: &[Candidate],
    names: &HashMap<String, String>,
    authorities: &AuthorityNames,
) {
    if candidates.is_empty() {
        println!("no candidates");
        return;
    }
    println!(
        "{:>6}  {:<13} {:<20} {:<24} {:<9} {:<36} {:<17} {:<11} {:<10} evidence",
        "id",
        "state",
        "confidence",
        "your record",
        "held as",
        "other authority",
        "their nation",
        "their role",
        "proposed"
    );
    for c in candidates {
        let own = names
            .get(&c.record.record_ref)
            .unwrap_or(&c.record.record_ref);
        println!(
            "{:>6}  {:<13} {:<20} {:<24} {:<9} {:<36} {:<17} {:<11} {:<10} {}",
            c.id,
            c.state,
            confidence(c.match_weight),
            own,
            c.record.role,
            authorities.show(&c.counterpart.authority),
            c.counterpart.jurisdiction,
            c.counterpart.role,
            c.created_at.get(..10).unwrap_or(&c.created_at),
            in_words(&c.evidence)
        );
    }
}
