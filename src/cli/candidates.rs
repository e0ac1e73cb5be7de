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
use crate::client::{Candidate, CandidateQuery, HubClient};
use crate::matcher::resolve::Standing;
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
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub limit: u32,
    /// Which page of --limit candidates to show (1 = the best).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub page: u32,
    /// Show the page after this candidate (the id the previous page names); unlike --page,
    /// it stays put while new candidates are proposed.
    #[arg(long, conflicts_with = "page")]
    pub after: Option<i64>,
    /// Show every candidate, not one page.
    #[arg(long, conflicts_with_all = ["page", "after", "limit"])]
    pub all: bool,
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
    let client = args.hub.client()?;
    let runtime = runtime()?;
    let listing = runtime.block_on(list(&client, &args))?;
    let authorities = runtime.block_on(AuthorityNames::fetch(&client));
    // Record ids from this authority's reference store, then from --map (older uploads).
    let mut names: HashMap<String, String> = known_refs(&runtime, &client)
        .into_iter()
        .map(|(r, e)| (r, e.record_id))
        .collect();
    if let Some(path) = &args.map {
        names.extend(read_map(path)?);
    }
    if args.json {
        for c in &listing.candidates {
            println!("{}", serde_json::to_string(&as_json(c, &names))?);
        }
    } else {
        print_table(&listing.candidates, &names, &authorities);
    }
    eprintln!("{}", listing.summary(&args));
    Ok(ExitCode::SUCCESS)
}

/// The most candidates the hub lists in one answer.
const HUB_MAX: u32 = 1000;

/// What one run of `candidates` lists, and where it stands in the whole list.
#[derive(Debug)]
struct Listing {
    /// The candidates shown.
    candidates: Vec<Candidate>,
    /// How many came before them (unknown after --after).
    skipped: Option<u64>,
    /// How many pass the filters in all (unknown from an older hub).
    total: Option<u64>,
    /// When more follow: the --after that shows them.
    next_after: Option<i64>,
}

/// Fetches the page `args` asks for: --all pages through everything; --page N steps over the
/// pages before it (in answers of up to [`HUB_MAX`]), so no page is out of reach.
async fn list(client: &HubClient, args: &CandidatesArgs) -> anyhow::Result<Listing> {
    let mut query = CandidateQuery {
        state: args.state.clone(),
        min_probability: args.min_probability,
        counterpart_jurisdiction: args.jurisdiction,
        min_age_days: args.min_age_days,
        max_age_days: args.max_age_days,
        after: args.after,
        ..CandidateQuery::default()
    };
    let mut skipped = args.after.is_none().then_some(0u64);
    if !args.all && args.after.is_none() {
        // Step over the pages before --page N.
        let mut to_skip = u64::from(args.page - 1) * u64::from(args.limit);
        while to_skip > 0 {
            query.limit = Some(to_skip.min(u64::from(HUB_MAX)) as u32);
            let page = client.candidate_page(&query).await?;
            let n = page.candidates.len() as u64;
            to_skip = to_skip.saturating_sub(n);
            skipped = skipped.map(|s| s + n);
            if page.next_after.is_none() {
                return Ok(Listing {
                    candidates: Vec::new(),
                    skipped,
                    total: page.total,
                    next_after: None,
                });
            }
            query.after = page.next_after;
        }
    }
    query.limit = Some(if args.all { HUB_MAX } else { args.limit });
    let mut candidates = Vec::new();
    loop {
        let page = client.candidate_page(&query).await?;
        candidates.extend(page.candidates);
        if !args.all || page.next_after.is_none() {
            return Ok(Listing {
                candidates,
                skipped,
                total: page.total,
                next_after: page.next_after,
            });
        }
        query.after = page.next_after;
    }
}

impl Listing {
    /// The line on stderr saying what was shown out of how many, and how to see the next.
    fn summary(&self, args: &CandidatesArgs) -> String {
        let shown = self.candidates.len() as u64;
        let of = self
            .total
            .map(|total| format!(" of {total}"))
            .unwrap_or_default();
        let range = match self.skipped {
            _ if shown == 0 => return self.nothing_shown(args),
            Some(0) if self.next_after.is_none() => {
                return format!("all {shown} candidate(s) shown");
            }
            Some(0) => format!("{shown}{of} candidates shown"),
            Some(skipped) => format!(
                "candidates {} to {}{of} shown",
                skipped + 1,
                skipped + shown
            ),
            None => {
                let in_all = self
                    .total
                    .map(|total| format!(" ({total} in all)"))
                    .unwrap_or_default();
                format!(
                    "{shown} candidate(s) shown after candidate {}{in_all}",
                    args.after.unwrap_or_default()
                )
            }
        };
        match self.next_after {
            None => format!("{range}, the last of them"),
            Some(after) => {
                let page = match self.skipped {
                    Some(_) => format!("--page {} or ", args.page + 1),
                    None => String::new(),
                };
                format!(
                    "{range}; {page}--after {after} shows the next {}, --all shows every one",
                    args.limit
                )
            }
        }
    }

    fn nothing_shown(&self, args: &CandidatesArgs) -> String {
        match (self.skipped, self.total) {
            (Some(0), _) => "no candidates".into(),
            (Some(_), Some(total)) => {
                format!("no candidates on page {}: there are {total}", args.page)
            }
            (Some(_), None) => format!("no candidates on page {}", args.page),
            (None, _) => format!(
                "no candidates after candidate {}",
                args.after.unwrap_or_default()
            ),
        }
    }
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
        "match_weight": c.match_weight, "created_at": c.created_at, "standing": c.standing,
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
        "{:>6}  {:<13} {:<20} {:<10} {:<24} {:<9} {:<36} {:<17} {:<11} {:<10} evidence",
        "id",
        "state",
        "confidence",
        "standing",
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
            "{:>6}  {:<13} {:<20} {:<10} {:<24} {:<9} {:<36} {:<17} {:<11} {:<10} {}",
            c.id,
            c.state,
            confidence(c.match_weight),
            c.standing.map_or("", |s| s.as_str()),
            own,
            c.record.role,
            authorities.show(&c.counterpart.authority),
            c.counterpart.jurisdiction,
            c.counterpart.role,
            c.created_at.get(..10).unwrap_or(&c.created_at),
            in_words(&c.evidence)
        );
    }
    if candidates
        .iter()
        .any(|c| c.standing == Some(Standing::Ambiguous))
    {
        eprintln!(
            "ambiguous: another candidate for the same record of yours is nearly as strong; \
             rule it out before you confirm either"
        );
    }
}
