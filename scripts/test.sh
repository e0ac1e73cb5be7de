#!/usr/bin/env bash
# The project's one test command (README "Run the tests"): every unit, integration and doc test,
# plus each benchmark once in test mode.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-postgres.sh
bash scripts/ensure-chromium.sh
cargo test --all-targets
cargo test --doc
