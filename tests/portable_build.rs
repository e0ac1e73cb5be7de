//! The binary an authority installs must run on any x86-64 PC, not only on the CPU it was built
//! on: nothing in the build configuration may ask for the build machine's CPU features. The
//! popcount-heavy loops choose their CPU level at run time instead (`src/matcher/kernel.rs`).

use std::path::Path;

fn build_settings() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    [".cargo/config.toml", ".cargo/config", "Cargo.toml"]
        .iter()
        .filter_map(|name| {
            std::fs::read_to_string(root.join(name))
                .ok()
                .map(|text| (name.to_string(), text))
        })
        .collect()
}

#[test]
fn no_build_setting_targets_the_build_machines_cpu() {
    for (file, text) in build_settings() {
        for (n, line) in text.lines().enumerate() {
            let setting = line.split('#').next().unwrap_or_default();
            assert!(
                !setting.contains("target-cpu") && !setting.contains("target-feature"),
                "{file} line {}: `{}` makes a binary that may not run on another PC",
                n + 1,
                line.trim()
            );
        }
    }
}

#[test]
fn the_kernel_is_compiled_for_several_cpu_levels_and_chosen_at_run_time() {
    let kernel = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/matcher/kernel.rs"),
    )
    .expect("the kernel source");
    for function in ["scan", "count_at_least", "count_at_least_batch"] {
        let signature = format!("pub fn {function}<");
        let at = kernel.find(&signature).expect(&signature);
        let before = &kernel[..at];
        let attribute = before.rfind("#[multiversion").expect("an attribute");
        assert!(
            before[attribute..].lines().count() <= 2,
            "`{function}` must carry #[multiversion]"
        );
    }
}
