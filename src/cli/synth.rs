//! `pupilmatch synth`: write a seeded synthetic five-nation population — `missing.csv` (the
//! authorities' missing lists), `roll.csv` (their school rolls) and `truth.csv` (the true
//! pairs with move type and clerk errors) — for benchmarks, training and demonstrations.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use crate::input::RawRecord;
use crate::synth::{generate, SynthConfig};

/// Arguments of `pupilmatch synth`.
#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Directory to write `missing.csv`, `roll.csv` and `truth.csv` into (created if needed).
    #[arg(long)]
    pub output_dir: PathBuf,
    /// Random seed: the same seed writes the same files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Pupils on rolls, approximately.
    #[arg(long, default_value_t = 20_000)]
    pub pupils: usize,
    /// Pupils who moved (on a missing list and a roll), approximately.
    #[arg(long, default_value_t = 1_000)]
    pub movers: usize,
    /// Missing pupils who are on no roll.
    #[arg(long, default_value_t = 250)]
    pub unmatched: usize,
}

const COLUMNS: [&str; 13] = [
    "record_id",
    "forename",
    "middle_names",
    "surname",
    "former_surname",
    "preferred_forename",
    "dob",
    "sex",
    "upn",
    "scn",
    "ppsn",
    "ni_pupil_id",
    "authority",
];

fn write_records(path: &Path, records: &[RawRecord]) -> anyhow::Result<()> {
    let mut out =
        csv::Writer::from_path(path).with_context(|| format!("creating {}", path.display()))?;
    out.write_record(COLUMNS)?;
    for r in records {
        let cells = [
            &r.record_id,
            &r.forename,
            &r.middle_names,
            &r.surname,
            &r.former_surname,
            &r.preferred_forename,
            &r.dob,
            &r.sex,
            &r.upn,
            &r.scn,
            &r.ppsn,
            &r.ni_pupil_id,
            &r.authority,
        ];
        out.write_record(cells.map(|c| c.as_deref().unwrap_or("")))?;
    }
    out.flush()?;
    Ok(())
}

/// Runs `synth`.
pub fn run(args: SynthArgs) -> anyhow::Result<ExitCode> {
    let config = SynthConfig {
        seed: args.seed,
        pupils: args.pupils,
        movers: args.movers,
        unmatched_missing: args.unmatched,
    };
    let population = generate(&config);
    std::fs::create_dir_all(&args.output_dir)
        .with_context(|| format!("creating {}", args.output_dir.display()))?;
    write_records(&args.output_dir.join("missing.csv"), &population.missing)?;
    write_records(&args.output_dir.join("roll.csv"), &population.roll)?;
    let truth_path = args.output_dir.join("truth.csv");
    let mut truth = csv::Writer::from_path(&truth_path)
        .with_context(|| format!("creating {}", truth_path.display()))?;
    truth.write_record([
        "missing_id",
        "roll_id",
        "move_type",
        "shared_identifier",
        "twin",
        "errors",
    ])?;
    for t in &population.truth {
        let errors: Vec<&str> = t.errors.iter().map(|e| e.label()).collect();
        truth.write_record([
            t.missing_id.as_str(),
            &t.roll_id,
            t.move_type.label(),
            if t.shared_identifier { "true" } else { "false" },
            if t.twin { "true" } else { "false" },
            &errors.join(";"),
        ])?;
    }
    truth.flush()?;
    eprintln!(
        "wrote {} missing, {} roll records and {} true pairs to {}",
        population.missing.len(),
        population.roll.len(),
        population.truth.len(),
        args.output_dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
