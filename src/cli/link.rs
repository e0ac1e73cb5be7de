//! `pupilmatch link`: link two pupil files (or two encoded files) and write the links.
//!
//! Raw inputs (CSV or CTF XML) are validated and encoded locally with `--secret`, exactly as
//! `pupilmatch encode` would; encoded JSONL inputs (protocol.md §6.1) are used as they are, and
//! their record ids are the opaque references. Output is all-or-nothing.
//!
//! By default each record is in at most one link, its best over every authority (a missing
//! child is one child); a link whose runner-up comes close is marked `ambiguous` and the
//! runner-up goes to the review file. Records missing a name or the date of birth are matched
//! on what they hold (an identifier alone, or names alone, is evidence); `--strict` skips them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::Args;
use indicatif::ProgressBar;

use crate::cli::encoded_file::read_encoded;
use crate::cli::input_report::progress_style;
use crate::encode::record::Policy;
use crate::encode::{AgreementSecret, Encoder, LocalKey};
use crate::evaluate::pipeline::{encode_records, EncodedSet};
use crate::input::read_records;
use crate::matcher::link::{build_index, link_with_index, Link, LinkConfig};
use crate::matcher::model::{Model, ScoreContext};
use crate::matcher::resolve::best_links;

/// Arguments of `pupilmatch link`.
#[derive(Debug, Args)]
pub struct LinkArgs {
    /// The agreement secret, needed when an input is a raw pupil file (CSV or CTF XML).
    #[arg(long, env = "PUPILMATCH_SECRET")]
    pub secret: Option<PathBuf>,
    /// Left input, e.g. the missing children: CSV, CTF XML, or encoded JSONL.
    #[arg(long)]
    pub left: PathBuf,
    /// Right input, e.g. a school roll.
    #[arg(long)]
    pub right: PathBuf,
    /// Where to write the links (CSV).
    #[arg(long)]
    pub output: PathBuf,
    /// Keep links with at least this probability (default: the model's suggest threshold).
    #[arg(long, value_parser = probability)]
    pub threshold: Option<f64>,
    /// Where to write the review band, for a coordinator to look at: pairs between the model's
    /// review floor and the threshold, and the runner-up of each ambiguous link.
    #[arg(long)]
    pub review: Option<PathBuf>,
    /// Write every pair at or above the threshold instead of each record's best link.
    #[arg(long)]
    pub all_links: bool,
    /// Accepted for compatibility: one link per record is now the default.
    #[arg(long, hide = true)]
    pub one_to_one: bool,
    /// A model file from `pupilmatch train` (default: the model shipped with pupilmatch).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Worker threads (0: every core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Compare every pair instead of using the index (small inputs only).
    #[arg(long)]
    pub exhaustive: bool,
    /// Skip raw records with a missing or unusable forename, surname or date of birth
    /// (by default they are matched on the fields they hold).
    #[arg(long)]
    pub strict: bool,
    /// Accepted for compatibility: matching on the fields present is now the default.
    #[arg(long, hide = true, conflicts_with = "strict")]
    pub lenient: bool,
}

/// How a written pair was resolved (the `status` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    /// The record's best link, with no competitor close to it.
    Best,
    /// The best link, but a competitor came within the ambiguity margin: check the runner-up.
    Ambiguous,
    /// The competitor of an ambiguous link.
    RunnerUp,
    /// Between the review floor and the threshold.
    Review,
    /// `--all-links`: not resolved.
    Unresolved,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Best => "best",
            Status::Ambiguous => "ambiguous",
            Status::RunnerUp => "runner_up",
            Status::Review => "review",
            Status::Unresolved => "",
        }
    }
}

fn probability(s: &str) -> Result<f64, String> {
    let p: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(format!("a probability is between 0 and 1, not {p}"))
    }
}

fn is_encoded(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("jsonl"))
}

fn spinner(label: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(progress_style(
        "{spinner} {prefix} {human_pos} records ({rate})",
    ));
    bar.set_prefix(label.to_string());
    bar
}

struct Side {
    set: EncodedSet,
    read: usize,
    agreement: String,
}

fn load_side(
    path: &Path,
    secret: Option<&AgreementSecret>,
    encoder: Option<&Encoder>,
    policy: Policy,
) -> anyhow::Result<Side> {
    if is_encoded(path) {
        let (header, records) = read_encoded(path)?;
        let n = records.len();
        return Ok(Side {
            set: EncodedSet {
                ids: records.iter().map(|r| r.record_ref.clone()).collect(),
                authorities: vec![header.authority.clone(); n],
                records,
                skipped: 0,
                left_out: Default::default(),
            },
            read: n,
            agreement: format!("{} epoch {}", header.agreement_id, header.epoch),
        });
    }
    let (Some(secret), Some(encoder)) = (secret, encoder) else {
        bail!(
            "{} is a pupil file: encoding it needs the agreement secret (--secret)",
            path.display()
        );
    };
    let bar = spinner(&format!("encoding {}", path.display()));
    let today = chrono::Local::now().date_naive();
    let mut raws = Vec::new();
    for (i, read) in read_records(path)?.enumerate() {
        raws.push(read.with_context(|| format!("{} record {}", path.display(), i + 1))?);
        if i % 4096 == 0 {
            bar.set_position(i as u64);
        }
    }
    let set = encode_records(&raws, encoder, today, policy);
    bar.finish_and_clear();
    Ok(Side {
        read: raws.len(),
        set,
        agreement: format!("{} epoch {}", secret.agreement_id(), secret.epoch()),
    })
}

/// A pair as written, with its status.
type Written = (Link, Status);

/// Splits scored pairs into the links to write and the review band, each with its status.
/// Unless `all_links`, each record keeps only its best link (over every authority), and the
/// runner-up of an ambiguous link joins the review band whatever its probability.
fn resolve(links: Vec<Link>, threshold: f64, all_links: bool) -> (Vec<Written>, Vec<Written>) {
    if all_links {
        return links
            .into_iter()
            .map(|l| {
                let status = if l.score.probability >= threshold {
                    Status::Unresolved
                } else {
                    Status::Review
                };
                (l, status)
            })
            .partition(|(l, _)| l.score.probability >= threshold);
    }
    let resolution = best_links(links);
    let (mut suggested, mut review) = (Vec::new(), Vec::new());
    for best in resolution.links {
        if best.pair.score.probability < threshold {
            review.push((best.pair, Status::Review));
        } else if best.ambiguous {
            suggested.push((best.pair, Status::Ambiguous));
        } else {
            suggested.push((best.pair, Status::Best));
        }
    }
    review.extend(
        resolution
            .runners_up
            .into_iter()
            .map(|l| (l, Status::RunnerUp)),
    );
    review.sort_by(|(x, _), (y, _)| y.score.match_weight.total_cmp(&x.score.match_weight));
    (suggested, review)
}

/// Runs `link`.
pub fn run(args: LinkArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let model = match &args.model {
        Some(path) => Model::load(path)?,
        None => Model::default_model().clone(),
    };
    let threshold = args.threshold.unwrap_or(model.thresholds.suggest);
    // Competitors below the threshold still make a link ambiguous, so they are scored too.
    let floor = if args.review.is_some() || !args.all_links {
        model.thresholds.review_floor.min(threshold)
    } else {
        threshold
    };
    let secret = args
        .secret
        .as_deref()
        .map(AgreementSecret::load)
        .transpose()?;
    // References are never written by `link`, so a throwaway local key is enough.
    let encoder = secret
        .as_ref()
        .map(|s| Encoder::new(s, LocalKey::from_bytes(rand::random())));
    let policy = if args.strict {
        Policy::Pupil
    } else {
        Policy::Lenient
    };
    let left = load_side(&args.left, secret.as_ref(), encoder.as_ref(), policy)?;
    let right = load_side(&args.right, secret.as_ref(), encoder.as_ref(), policy)?;
    if left.agreement != right.agreement {
        bail!(
            "the inputs are encoded under different agreements ({} and {}): they can never match",
            left.agreement,
            right.agreement
        );
    }
    let encoded_at = Instant::now();

    let (lp, rp) = (left.set.prepare(), right.set.prepare());
    let index = build_index(&rp, Default::default());
    let bar = ProgressBar::new(lp.len() as u64);
    bar.set_style(progress_style(
        "{bar:40} {human_pos}/{human_len} left records linked ({rate}, eta {eta})",
    ));
    let config = LinkConfig {
        threads: args.threads,
        exhaustive: args.exhaustive,
        floor,
        ..LinkConfig::default()
    };
    let (links, stats) = link_with_index(&lp, &index, &model, &config, &|n| bar.inc(n as u64));
    bar.finish_and_clear();
    let authority = |set: &EncodedSet, i: usize| set.authorities[i].clone().unwrap_or_default();
    let (suggested, review) = resolve(links, threshold, args.all_links);

    let with_authority = left
        .set
        .authorities
        .iter()
        .chain(&right.set.authorities)
        .any(Option::is_some);
    let context = ScoreContext::for_population(&model, index.len());
    let write = |path: &Path, links: &[Written]| -> anyhow::Result<()> {
        let temp = path.with_extension("csv.partial");
        let mut out = csv::Writer::from_path(&temp)
            .with_context(|| format!("creating {}", temp.display()))?;
        let mut header = vec![
            "left_record_id",
            "right_record_id",
            "probability",
            "match_weight",
            "status",
            "explanation",
        ];
        if with_authority {
            header = vec![
                "left_authority",
                "left_record_id",
                "right_authority",
                "right_record_id",
                "probability",
                "match_weight",
                "status",
                "explanation",
            ];
        }
        out.write_record(&header)?;
        for (l, status) in links {
            let status = status.as_str();
            let explanation = model.explain(&l.vector, &context).summary;
            let (p, w) = (
                format!("{:.6}", l.score.probability),
                format!("{:.3}", l.score.match_weight),
            );
            let (li, ri) = (&left.set.ids[l.left], &right.set.ids[l.right]);
            if with_authority {
                let (la, ra) = (authority(&left.set, l.left), authority(&right.set, l.right));
                out.write_record([
                    la.as_str(),
                    li,
                    ra.as_str(),
                    ri,
                    &p,
                    &w,
                    status,
                    &explanation,
                ])?;
            } else {
                out.write_record([li.as_str(), ri, &p, &w, status, &explanation])?;
            }
        }
        out.flush()?;
        drop(out);
        std::fs::rename(&temp, path).with_context(|| format!("writing {}", path.display()))?;
        Ok(())
    };
    write(&args.output, &suggested)?;
    if let Some(path) = &args.review {
        write(path, &review)?;
    }

    let seconds = started.elapsed().as_secs_f64();
    for (name, side) in [("left", &left), ("right", &right)] {
        let left_out: Vec<String> = side
            .set
            .left_out
            .iter()
            .map(|(field, n)| format!("{n} without {field}"))
            .collect();
        eprintln!(
            "{name}: {} records read, {} encoded{}, {} skipped",
            side.read,
            side.set.records.len(),
            if left_out.is_empty() {
                String::new()
            } else {
                format!(" ({}: matched on the other fields)", left_out.join(", "))
            },
            side.set.skipped
        );
    }
    eprintln!(
        "compared {} candidate pairs ({:.2} per left record) in {:.1}s after {:.1}s encoding",
        stats.comparisons,
        stats.comparisons as f64 / stats.left.max(1) as f64,
        encoded_at.elapsed().as_secs_f64(),
        (encoded_at - started).as_secs_f64()
    );
    let ambiguous = suggested
        .iter()
        .filter(|(_, s)| *s == Status::Ambiguous)
        .count();
    eprintln!(
        "{} link(s) at probability ≥ {threshold} written to {}{}",
        suggested.len(),
        args.output.display(),
        if args.all_links {
            " (every pair)".to_string()
        } else {
            format!(
                " (each record's best link; {ambiguous} ambiguous{})",
                if args.review.is_some() {
                    ", their runners-up are in the review file"
                } else {
                    ": write --review to see their runners-up"
                }
            )
        }
    );
    if let Some(path) = &args.review {
        eprintln!(
            "{} pair(s) for review (≥ {}) written to {}",
            review.len(),
            floor,
            path.display()
        );
    }
    eprintln!("done in {seconds:.1}s");
    Ok(ExitCode::SUCCESS)
}
