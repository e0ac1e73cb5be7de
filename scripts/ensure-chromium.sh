#!/usr/bin/env bash
# The console's browser tests need headless Chromium, its WebDriver and axe-core: install
# Debian's chromium and chromium-driver when absent (non-interactive) and axe-core from the
# lock file into tests/console/node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq chromium chromium-driver
fi

if [ ! -f tests/console/node_modules/axe-core/axe.min.js ]; then
    if ! command -v npm >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        SUDO=""
        if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
        $SUDO apt-get update -qq
        $SUDO apt-get install -y -qq npm
    fi
    (cd tests/console && npm ci --no-audit --no-fund --silent)
fi
