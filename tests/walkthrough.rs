//! README's walkthrough is `scripts/walkthrough.sh`: the block README shows is the script's, line
//! for line, and the script runs from an empty hub to a closed case against the binary just
//! built, so the walkthrough cannot drift from what ships (issue #22 item 5).

use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The lines between `# walkthrough:begin` and `# walkthrough:end` of the script.
fn script_block() -> String {
    let script = std::fs::read_to_string(Path::new(ROOT).join("scripts/walkthrough.sh")).unwrap();
    let (_, rest) = script
        .split_once("# walkthrough:begin\n")
        .expect("a begin marker");
    let (block, _) = rest
        .split_once("# walkthrough:end\n")
        .expect("an end marker");
    block.to_string()
}

#[test]
fn readme_shows_the_walkthrough_script_line_for_line() {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let shown = format!("```sh\n{}```\n", script_block());
    assert!(
        readme.contains(&shown),
        "README's walkthrough block differs from scripts/walkthrough.sh's:\n{shown}"
    );
}

#[test]
fn the_walkthrough_runs_from_an_empty_hub_to_a_closed_case() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = tempfile::tempdir().unwrap();
    let run = Command::new("bash")
        .arg(Path::new(ROOT).join("scripts/walkthrough.sh"))
        .arg(out.path())
        .env("PUPILMATCH_BIN", env!("CARGO_BIN_EXE_pupilmatch"))
        .env("HUB_ADDR", format!("127.0.0.1:{port}"))
        .env_remove("PUPILMATCH_API_KEY")
        .env_remove("PUPILMATCH_DATABASE")
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr),
    );
    assert!(run.status.success(), "{stdout}\n{stderr}");
    for step in [
        "their key: checked by phone on",
        "record LDS-CME-0001",
        "record GLA-0001",
        "confirmed_one → confirmed_both",
        "disclosed → verified_same",
        "case LDS-CME-0001",
        "closed with outcome OLA",
        "hub key",
        "pinned",
        "audit chain intact",
        "agrees with 1 signed checkpoint",
        "walkthrough done",
    ] {
        assert!(
            stdout.contains(step) || stderr.contains(step),
            "the walkthrough did not show `{step}`:\n{stdout}\n{stderr}"
        );
    }
    // The hub it started is stopped with it (SIGTERM: give it a moment to let go of the port).
    let released = (0..50).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        TcpListener::bind(("127.0.0.1", port)).is_ok()
    });
    assert!(released, "the walkthrough's hub still listens on {port}");
}
