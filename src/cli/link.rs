//! `pupilmatch link`: link two pupil files (or two encoded files) and write the links.
//!
//! Raw inputs (CSV or CTF XML) are validated and encoded locally with `--secret`, exactly as
//! `pupilmatch encode` would; encoded JSONL inputs (protocol.md §6.1) are used as they are, and
//! their record ids are the opaque references. Output is all-or-nothing.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::encoded_file::read_encoded;
use crate::encode::record::Policy;
use crate::encode::{AgreementSecret, Encoder, LocalKey};
use crate::evaluate::pipeline::{encode_records, EncodedSet};
use crate::input::read_records;
use crate::matcher::link::{build_index, link_with_index, Link, LinkConfig};
use crate::matcher::model::{Model, ScoreContext};
use crate::matcher::resolve::one_to_one;

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
    /// Where to write the review band: pairs between the model's review floor and the
    /// threshold, for a coordinator to look at.
    #[arg(long)]
    pub review: Option<PathBuf>,
    /// Keep each record in at most one link per pair of authorities (best first).
    #[arg(long)]
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
    /// Keep raw records with missing or unusable names or dates.
    #[arg(long)]
    pub lenient: bool,
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
    bar.set_style(
        ProgressStyle::with_template("{spinner} {prefix} {pos} records ({per_sec})")
            .expect("valid template"),
    );
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

/// Runs `link`.
pub fn run(args: LinkArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let model = match &args.model {
        Some(path) => Model::load(path)?,
        None => Model::default_model().clone(),
    };
    let threshold = args.threshold.unwrap_or(model.thresholds.suggest);
    let floor = if args.review.is_some() {
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
    let policy = if args.lenient {
        Policy::Lenient
    } else {
        Policy::Pupil
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
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {pos}/{len} left records linked ({per_sec}, eta {eta})",
        )
        .expect("valid template"),
    );
    let config = LinkConfig {
        threads: args.threads,
        exhaustive: args.exhaustive,
        floor,
        ..LinkConfig::default()
    };
    let (mut links, stats) = link_with_index(&lp, &index, &model, &config, &|n| bar.inc(n as u64));
    bar.finish_and_clear();
    let authority = |set: &EncodedSet, i: usize| set.authorities[i].clone().unwrap_or_default();
    if args.one_to_one {
        links = one_to_one(links, |l: &Link| {
            (authority(&left.set, l.left), authority(&right.set, l.right))
        });
    }
    let (suggested, review): (Vec<Link>, Vec<Link>) = links
        .into_iter()
        .partition(|l| l.score.probability >= threshold);

    let with_authority = left
        .set
        .authorities
        .iter()
        .chain(&right.set.authorities)
        .any(Option::is_some);
    let context = ScoreContext::for_population(&model, index.len());
    let write = |path: &Path, links: &[Link]| -> anyhow::Result<()> {
        let temp = path.with_extension("csv.partial");
        let mut out = csv::Writer::from_path(&temp)
            .with_context(|| format!("creating {}", temp.display()))?;
        let mut header = vec![
            "left_record_id",
            "right_record_id",
            "probability",
            "match_weight",
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
                "explanation",
            ];
        }
        out.write_record(&header)?;
        for l in links {
            let explanation = model.explain(&l.vector, &context).summary;
            let (p, w) = (
                format!("{:.6}", l.score.probability),
                format!("{:.3}", l.score.match_weight),
            );
            let (li, ri) = (&left.set.ids[l.left], &right.set.ids[l.right]);
            if with_authority {
                let (la, ra) = (authority(&left.set, l.left), authority(&right.set, l.right));
                out.write_record([la.as_str(), li, ra.as_str(), ri, &p, &w, &explanation])?;
            } else {
                out.write_record([li.as_str(), ri, &p, &w, &explanation])?;
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
        eprintln!(
            "{name}: {} records read, {} encoded, {} skipped",
            side.read,
            side.set.records.len(),
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
    eprintln!(
        "{} link(s) at probability ≥ {threshold} written to {}{}",
        suggested.len(),
        args.output.display(),
        if args.one_to_one { " (one-to-one)" } else { "" }
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
