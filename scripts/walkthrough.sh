#!/usr/bin/env bash
# README's walkthrough, exactly as README shows it: a match between Leeds (England) and Glasgow
# (Scotland), from an empty hub to a closed case. README's code block is the part of this file
# between the `walkthrough:begin` and `walkthrough:end` lines, and `tests/walkthrough.rs` runs
# this file against the binary just built, so the walkthrough cannot drift from what ships.
#
#   bash scripts/walkthrough.sh [OUT_DIR]
#
# Uses `pupilmatch` from PATH, or the binary named by PUPILMATCH_BIN (and curl); the hub listens on
# HUB_ADDR (default 127.0.0.1:8080). Each authority works in its own folder (its own machine in
# life) with its own configuration directory, so each keeps its own local key.
set -euo pipefail
examples="$(cd "$(dirname "$0")/../examples" && pwd)"
out="$(mkdir -p "${1:-walkthrough-output}" && cd "${1:-walkthrough-output}" && pwd)"
rm -rf "${out:?}"/* && mkdir -p "$out/hub" "$out/leeds" "$out/glasgow"
if [ -n "${PUPILMATCH_BIN:-}" ]; then
  PATH="$(cd "$(dirname "$PUPILMATCH_BIN")" && pwd):$PATH"
fi
HUB_ADDR="${HUB_ADDR:-127.0.0.1:8080}"
export PUPILMATCH_HUB="http://$HUB_ADDR" PUPILMATCH_LOG="${PUPILMATCH_LOG:-warn}"
if curl -s -o /dev/null "$PUPILMATCH_HUB/healthz"; then
  echo "error: something already answers at $PUPILMATCH_HUB; stop it or set HUB_ADDR" >&2
  exit 1
fi
# The examples' referral date and the ages they give are those of the autumn term 2026.
leeds() { (cd "$out/leeds" && XDG_CONFIG_HOME="$out/leeds/.config" PUPILMATCH_API_KEY="$leeds_key" "$@"); }
glasgow() { (cd "$out/glasgow" && XDG_CONFIG_HOME="$out/glasgow/.config" PUPILMATCH_API_KEY="$glasgow_key" "$@"); }
cd "$out/hub"

# walkthrough:begin
# Hub operator: start the hub, register both authorities and their agreement, issue API keys
export PUPILMATCH_DATABASE="sqlite://hub.db" PUPILMATCH_HUB_KEY=hub-key/hub.key   # for serve, admin and audit verify
pupilmatch serve --listen "$HUB_ADDR" >serve.log 2>&1 &
hub_pid=$! && trap 'kill $hub_pid' EXIT                              # the hub stops with this script
until curl -sf "$PUPILMATCH_HUB/readyz" >/dev/null; do kill -0 $hub_pid && sleep 0.2; done
pupilmatch admin authority add --code 383 --name "Leeds City Council" --jurisdiction england
pupilmatch admin authority add --code S12000049 --name "Glasgow City Council" --jurisdiction scotland
pupilmatch admin agreement add --id eng-scot-cme --name "England–Scotland CME" \
  --purpose "Finding children missing from education" --lawful-basis "public task" --retention-days 365 --epoch 1 --member 383 S12000049
leeds_key=$(pupilmatch admin key issue --authority 383)          # sent to Leeds
glasgow_key=$(pupilmatch admin key issue --authority S12000049)  # sent to Glasgow

# Once per agreement: Leeds creates the secret and sends it securely to Glasgow
leeds pupilmatch keygen --agreement eng-scot-cme --epoch 1 --output agreement.key
cp "$out/leeds/agreement.key" "$out/glasgow/agreement.key"

# Each authority, once: a disclosure key pair, registered with the hub; each reads its
# fingerprint to the other side's coordinator by phone, who writes it down
leeds pupilmatch keygen --disclosure --output disclosure.key 2>&1 | tee "$out/leeds/keygen.txt"
glasgow pupilmatch keygen --disclosure --output disclosure.key 2>&1 | tee "$out/glasgow/keygen.txt"
leeds_fingerprint=$(grep -o 'fingerprint [0-9a-f-]*' "$out/leeds/keygen.txt" | cut -d' ' -f2)
glasgow_fingerprint=$(grep -o 'fingerprint [0-9a-f-]*' "$out/glasgow/keygen.txt" | cut -d' ' -f2)
leeds pupilmatch disclosure register --key disclosure.key
glasgow pupilmatch disclosure register --key disclosure.key
# Each records the fingerprint the other read out; `disclosure keys` and `show` then say only
# whether the key the hub publishes matches it, and `confirm` checks it
leeds pupilmatch disclosure trust --authority S12000049 --fingerprint "$glasgow_fingerprint"
glasgow pupilmatch disclosure trust --authority 383 --fingerprint "$leeds_fingerprint"

# Leeds reports its missing children; Glasgow uploads its roll; the hub matches them
leeds pupilmatch submit --role missing --input "$examples/leeds_missing.csv" --secret agreement.key \
  --referral-reason RTL --referral-source SCH --referred-on 2026-09-14
glasgow pupilmatch submit --role roll --input "$examples/glasgow_roll.csv" --secret agreement.key
leeds pupilmatch candidates        # each side sees its own record ids and the evidence, nothing of the other's
# The candidate for Leeds's record LDS-CME-0001 (ids are the hub's, the same on both sides)
candidate=$(leeds pupilmatch candidates --json | grep '"record_id":"LDS-CME-0001"' | grep -o '"id":[0-9]*' | cut -d: -f2)

# Each side confirms it, sealing its own record to the other side's key (checked against the
# fingerprint recorded above); nothing is released until both have confirmed
leeds pupilmatch disclosure show --candidate "$candidate"
leeds pupilmatch disclosure confirm --candidate "$candidate" --reason names_and_dob_agree \
  --input "$examples/leeds_missing.csv" --coordinator-name "Leeds CME team" --coordinator-email cme@leeds.example \
  --decided-by a.coordinator@leeds --yes
glasgow pupilmatch disclosure confirm --candidate "$candidate" --reason names_and_dob_agree \
  --input "$examples/glasgow_roll.csv" --coordinator-name "Glasgow CME(S) contact" --coordinator-email cme@glasgow.example \
  --decided-by b.officer@glasgow --yes
#   (or: … disclosure reject --candidate "$candidate" --reason different_child --decided-by …: nothing is released)

# Both confirmed: Leeds downloads, decrypts locally, compares side by side, records the verdict
leeds pupilmatch disclosure open --candidate "$candidate" --key disclosure.key --input "$examples/leeds_missing.csv"
leeds pupilmatch disclosure verify --candidate "$candidate" --outcome same_child --decided-by a.coordinator@leeds
leeds pupilmatch case close --record-id LDS-CME-0001 --outcome OLA   # found: 6- and 18-week follow-ups scheduled

# Each authority keeps the hub's signed audit checkpoint (the hub key is pinned at first use);
# operators and data-protection officers check the log, held to a checkpoint an authority kept
leeds pupilmatch audit checkpoint --keep-in audit       # exit 3 if the hub's key changed or its log shrank
pupilmatch audit verify --checkpoint "$out/leeds/audit/audit-checkpoint.json"   # exit 3 if the log was altered
pupilmatch audit export --authority 383 --output leeds-audit.jsonl
pupilmatch admin labels --output labels.jsonl   # verified pairs for retraining
# walkthrough:end

echo "walkthrough done: see $out"
