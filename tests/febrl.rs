//! FEBRL4, the standard public linkage benchmark, encoded and linked end to end with the
//! shipped model (given_name, surname, date_of_birth and soc_sec_id only). The data sits beside
//! the clone in CI (`../shared/data/febrl4`); without it the test fails under CI (`CI` set), so
//! the benchmark can never drop out of CI unnoticed, and elsewhere says so and passes.

use std::path::Path;

use pupilmatch::evaluate::pipeline::febrl_quality;
use pupilmatch::matcher::Model;

#[test]
fn febrl4_is_linked_with_full_precision() {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/febrl4"
    ));
    if !dir.join("a.csv").exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} not found: CI must run the FEBRL4 benchmark",
            dir.display()
        );
        eprintln!("note: {} not found; FEBRL4 test skipped", dir.display());
        return;
    }
    let quality = febrl_quality(dir, Model::default_model()).unwrap();
    eprintln!("FEBRL4: {quality}");
    // Plaintext Splink reaches 0.9973 and anonlink 0.9976 on the same fields (best F1 over
    // thresholds). This matcher is calibrated for national-scale priors and, with protocol
    // v2's privacy hardening (no single-name keys) and v3's comparison under a shared
    // identifier, reaches F1 ≈ 0.98 at its default threshold (precision 1.0, recall ≈ 0.96)
    // and ≈ 0.99 at its best threshold: the figures the closing note reports. Guard them.
    assert!(quality.precision() >= 0.999, "{quality}");
    assert!(quality.f1() >= 0.975, "{quality}");
}
