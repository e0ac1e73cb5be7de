#!/usr/bin/env bash
# The main job on the embedded defaults, end to end on the bundled example files: an English and
# a Scottish authority share an agreement secret, each encodes its own pupils locally, and a hub
# (embedded SQLite) matches the encodings: Leeds reports its missing children, Glasgow uploads
# its roll, the hub proposes candidates, Leeds runs a national search, lists its candidates and
# closes a case. Everything is written under demo-output/.
#
# Run in a terminal (and not under CI), it then stays: it sets up a console workspace for each
# authority (a staff account with a generated password, the disclosure keys registered, the
# fingerprints exchanged), starts `pupilmatch console` for both, prints the addresses and
# sign-in details and waits; Ctrl-C stops the hub and both consoles. Without a terminal it
# stops after step 11.
#
#   PUPILMATCH_BIN=PATH                 use this binary instead of building one (release)
#   PUPILMATCH_DEMO_OUTPUT=DIR          write here instead of demo-output/
#   PUPILMATCH_DEMO_STAY=1 | 0          stay with the consoles (1) or not (0), terminal or not
#   PUPILMATCH_DEMO_STAY_SECONDS=N      stay at most N seconds
set -euo pipefail
cd "$(dirname "$0")/.."
examples="$PWD/examples"
if [ -n "${PUPILMATCH_BIN:-}" ]; then
  bin="$PUPILMATCH_BIN"
else
  echo "== 0. Building pupilmatch (release; the first build takes several minutes)"
  # Cargo reports progress on stderr and, as JSON on stdout, where it put the binary: that
  # follows CARGO_TARGET_DIR and any other target directory setting.
  bin="$(cargo build --release --bin pupilmatch --message-format=json-render-diagnostics \
    | grep -o '"executable":"[^"]*"' | tail -n 1 | cut -d'"' -f4)"
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "error: no pupilmatch binary (cargo did not report where it built it, or PUPILMATCH_BIN is wrong)" >&2
  exit 1
fi
echo "   $bin"
out="${PUPILMATCH_DEMO_OUTPUT:-$PWD/demo-output}"
rm -rf "$out" && mkdir -p "$out/leeds" "$out/glasgow" "$out/hub" && out="$(cd "$out" && pwd)"
export PUPILMATCH_LOG="${PUPILMATCH_LOG:-warn}"
# Everything this script starts in the background (the hub, the consoles) stops when it exits,
# however it exits: Ctrl-C, an error, or the end.
started=()
stop_started() {
  for pid in ${started[@]+"${started[@]}"}; do kill "$pid" 2>/dev/null || true; done
  for pid in ${started[@]+"${started[@]}"}; do wait "$pid" 2>/dev/null || true; done
}
trap stop_started EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== 1. The data-sharing agreement's secret (shared by Leeds and Glasgow, never the hub)"
"$bin" keygen --agreement eng-scot-cme --epoch 1 --output "$out/agreement.key"
cp "$out/agreement.key" "$out/leeds/" && cp "$out/agreement.key" "$out/glasgow/"

echo "== 2. Leeds encodes its open CME cases locally"
# (each demo folder stands for its authority's workspace, so its local key is kept there)
(cd "$out/leeds" && "$bin" encode --secret agreement.key --local-key authority-local.key \
   --input "$examples"/leeds_missing.csv --output missing.jsonl --map refs.csv)

echo "== 3. Glasgow encodes its school roll locally"
(cd "$out/glasgow" && "$bin" encode --secret agreement.key --local-key authority-local.key \
   --input "$examples"/glasgow_roll.csv --output roll.jsonl --map refs.csv)

if "$bin" --help | grep -q '^  link'; then
  echo "== 3b. Link the two files offline (what the hub does, on encodings only)"
  "$bin" link --left "$out/leeds/missing.jsonl" --right "$out/glasgow/roll.jsonl" \
    --output "$out/links.csv"
  cat "$out/links.csv"
fi

echo "== 4. The hub operator registers both authorities, the agreement and their API keys"
# admin, serve and audit verify all open the hub key: its actions are audited, keyed with it.
export PUPILMATCH_DATABASE="sqlite://$out/hub/hub.db?mode=rwc" PUPILMATCH_HUB_KEY="$out/hub-key/hub.key"
"$bin" admin authority add --code 383 --name "Leeds City Council" --jurisdiction england
"$bin" admin authority add --code S12000049 --name "Glasgow City Council" --jurisdiction scotland
"$bin" admin agreement add --id eng-scot-cme --name "England-Scotland CME" \
  --purpose "Finding children missing from education" \
  --lawful-basis "public task (Education Act 1996 s436A; Education (Scotland) Act 1980)" \
  --retention-days 365 --epoch 1 --member 383 S12000049
leeds_key="$("$bin" admin key issue --authority 383 2>/dev/null)"
glasgow_key="$("$bin" admin key issue --authority S12000049 2>/dev/null)"

echo "== 5. The hub starts (embedded SQLite, a free port on loopback)"
"$bin" serve --listen 127.0.0.1:0 2>"$out/hub/serve.log" &
started+=($!)
for _ in $(seq 1 100); do
  grep -q "listening on" "$out/hub/serve.log" 2>/dev/null && break
  sleep 0.1
done
PUPILMATCH_HUB="$(grep -o 'http://[0-9.:]*' "$out/hub/serve.log" | head -n 1)"
export PUPILMATCH_HUB
echo "   hub at $PUPILMATCH_HUB"

echo "== 6. Leeds submits its missing children (only encodings leave Leeds)"
(cd "$out/leeds" && PUPILMATCH_API_KEY="$leeds_key" "$bin" submit --role missing \
   --encoded missing.jsonl --referral-reason RTL --referral-source SCH --referred-on 2026-09-14)

echo "== 7. Glasgow submits its whole roll; the hub matches it against open cases at once"
(cd "$out/glasgow" && PUPILMATCH_API_KEY="$glasgow_key" "$bin" submit --role roll --snapshot \
   --encoded roll.jsonl)

echo "== 8. Leeds searches nationally for one child, typed in (encoded locally first)"
(cd "$out/leeds" && PUPILMATCH_API_KEY="$leeds_key" "$bin" search --secret agreement.key \
   --forename Lily --surname Jones --dob 2015-09-01 --sex F)

echo "== 9. Leeds lists its candidates (its own record ids shown through its map file)"
(cd "$out/leeds" && PUPILMATCH_API_KEY="$leeds_key" "$bin" candidates --map refs.csv)

echo "== 10. Leeds closes a case: the child was found in another LA"
(cd "$out/leeds" && PUPILMATCH_API_KEY="$leeds_key" "$bin" case close \
   --record-id LDS-CME-0001 --local-key authority-local.key --outcome OLA)

echo "== 11. Glasgow sees the same candidates from its side"
(cd "$out/glasgow" && PUPILMATCH_API_KEY="$glasgow_key" "$bin" candidates --map refs.csv)

stay=no
case "${PUPILMATCH_DEMO_STAY:-}" in
  1) stay=yes ;;
  0) ;;
  *) if [ -t 0 ] && [ -t 1 ] && [ -z "${CI:-}" ]; then stay=yes; fi ;;
esac
if [ "$stay" = no ]; then
  echo "== done: see $out"
  exit 0
fi
. scripts/demo-consoles.sh
