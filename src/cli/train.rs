//! `pupilmatch train`: estimate a matching model (`u` from random pairs, `m` by EM) and write
//! it as a model file for `link --model` and the hub. With `--synthetic` it trains on a seeded
//! synthetic population (how the shipped default model is made); with `--left`/`--right`
//! encoded files it trains on an operator's own data, which never leaves the machine.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use clap::Args;

use crate::cli::encoded_file::read_encoded;
use crate::evaluate::pipeline::train_on_synthetic;
use crate::matcher::compact::Prepared;
use crate::matcher::train::{train_on_encodings, TrainingConfig};
use crate::synth::SynthConfig;

/// Arguments of `pupilmatch train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Where to write the model (JSON).
    #[arg(long)]
    pub output: PathBuf,
    /// Train on a synthetic five-nation population.
    #[arg(long, conflicts_with_all = ["left", "right"])]
    pub synthetic: bool,
    /// Encoded left file (e.g. missing children).
    #[arg(long, requires = "right")]
    pub left: Option<PathBuf>,
    /// Encoded right file (e.g. a roll).
    #[arg(long, requires = "left")]
    pub right: Option<PathBuf>,
    /// Seed for pair sampling (and the synthetic population).
    #[arg(long, default_value_t = 20_261_201)]
    pub seed: u64,
    /// Random pairs used to estimate `u`.
    #[arg(long, default_value_t = 2_000_000)]
    pub random_pairs: usize,
    /// Synthetic pupils.
    #[arg(long, default_value_t = 100_000)]
    pub pupils: usize,
    /// Synthetic movers.
    #[arg(long, default_value_t = 5_000)]
    pub movers: usize,
}

/// Runs `train`.
pub fn run(args: TrainArgs) -> anyhow::Result<ExitCode> {
    let config = TrainingConfig {
        seed: args.seed,
        random_pairs: args.random_pairs,
        ..TrainingConfig::default()
    };
    let model = if args.synthetic {
        let synth = SynthConfig {
            seed: args.seed,
            pupils: args.pupils,
            movers: args.movers,
            unmatched_missing: args.movers / 4,
        };
        train_on_synthetic(&synth, &config)?
    } else {
        let (Some(left), Some(right)) = (&args.left, &args.right) else {
            bail!("give --synthetic, or --left and --right encoded files");
        };
        let (lh, l) = read_encoded(left)?;
        let (rh, r) = read_encoded(right)?;
        if (lh.agreement_id.as_str(), lh.epoch) != (rh.agreement_id.as_str(), rh.epoch) {
            bail!("the files are encoded under different agreements");
        }
        let lp: Vec<Prepared> = l.iter().map(Prepared::from_encoded).collect();
        let rp: Vec<Prepared> = r.iter().map(Prepared::from_encoded).collect();
        let config = TrainingConfig {
            source: format!("{} × {}", left.display(), right.display()),
            ..config
        };
        train_on_encodings(&lp, &rp, &config)?
    };
    model.save(&args.output)?;
    eprintln!(
        "trained on {} candidate pairs ({} EM iterations, {}converged, λ = {:.3e}); wrote {}",
        model.training.candidate_pairs,
        model.training.em_iterations,
        if model.training.converged { "" } else { "not " },
        model.training.lambda,
        args.output.display()
    );
    Ok(ExitCode::SUCCESS)
}
