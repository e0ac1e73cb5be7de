# The part of scripts/demo.sh that stays: sourced by it after its steps (with $bin, $out,
# $examples, the API keys $leeds_key and $glasgow_key, the hub at $PUPILMATCH_HUB and the
# `started` list its exit trap stops). Each authority's demo folder becomes its console
# workspace, set up with the CLI as a coordinator would on the first-run page: a disclosure key
# registered with the hub, console.json, one staff account with a generated password, and the
# other side's fingerprint as read out by phone. Then both consoles start on free loopback ports
# and the script waits until Ctrl-C (or PUPILMATCH_DEMO_STAY_SECONDS).

echo "== 12. Console workspaces for Leeds and Glasgow (each in its own demo folder)"
# A password for the demo's staff accounts: printed once below, kept only as an argon2 hash.
generated_password() { head -c 24 /dev/urandom | base64 | tr -d '/+=' | cut -c 1-16; }
# set_up_workspace FOLDER CODE NAME STAFF EMAIL PUPIL_FILE API_KEY PASSWORD
set_up_workspace() {
  local dir="$1" code="$2" name="$3" staff="$4" email="$5" file="$6" api_key="$7" password="$8"
  "$bin" keygen --disclosure --output "$dir/disclosure.key" 2>"$dir/keygen.txt"
  PUPILMATCH_API_KEY="$api_key" "$bin" disclosure register --key "$dir/disclosure.key" >/dev/null
  cp "$examples/$file" "$dir/$file"
  "$bin" console init --workspace "$dir" --authority-code "$code" --authority-name "$name" \
    --agreement-secret agreement.key --local-key authority-local.key \
    --disclosure-key disclosure.key --pupil-file "$file" \
    --coordinator-name "$staff" --coordinator-email "$email"
  echo "$password" | "$bin" console user add --workspace "$dir" --name "$staff"
}
fingerprint_of() { grep -o 'fingerprint [0-9a-f-]*' "$1/keygen.txt" | cut -d' ' -f2; }
leeds_password="$(generated_password)"
glasgow_password="$(generated_password)"
set_up_workspace "$out/leeds" 383 "Leeds City Council" "Ann Clark" cme@leeds.example \
  leeds_missing.csv "$leeds_key" "$leeds_password"
set_up_workspace "$out/glasgow" S12000049 "Glasgow City Council" "Morag Reid" \
  cme@glasgow.example glasgow_roll.csv "$glasgow_key" "$glasgow_password"
# Each coordinator reads their fingerprint to the other by phone, who records it once.
"$bin" console fingerprint --workspace "$out/leeds" --authority S12000049 \
  --fingerprint "$(fingerprint_of "$out/glasgow")"
"$bin" console fingerprint --workspace "$out/glasgow" --authority 383 \
  --fingerprint "$(fingerprint_of "$out/leeds")"

echo "== 13. The consoles start (each on a free port on loopback, talking to the hub)"
# start_console FOLDER API_KEY: starts it in the background; its address in $console_url.
start_console() {
  local dir="$1" api_key="$2"
  PUPILMATCH_API_KEY="$api_key" "$bin" console --workspace "$dir" --listen 127.0.0.1:0 \
    >"$dir/console.log" 2>&1 &
  started+=($!)
  console_url=""
  for _ in $(seq 1 100); do
    console_url="$(grep -o 'http://[0-9.:]*/' "$dir/console.log" 2>/dev/null | head -n 1 || true)"
    [ -n "$console_url" ] && return 0
    sleep 0.1
  done
  echo "error: the console in $dir did not start; see $dir/console.log" >&2
  exit 1
}
start_console "$out/leeds" "$leeds_key"
leeds_url="$console_url"
start_console "$out/glasgow" "$glasgow_key"
glasgow_url="$console_url"

cat <<EOF

== The demo is running: the hub and two consoles (Ctrl-C stops all three)
   hub                                        $PUPILMATCH_HUB
   Leeds City Council (England) console       $leeds_url
      sign in as: Ann Clark
      password:   $leeds_password
   Glasgow City Council (Scotland) console    $glasgow_url
      sign in as: Morag Reid
      password:   $glasgow_password
   The passwords are shown only here. Each dashboard lists the candidates the hub proposed:
   open one in both consoles, confirm it in both (the other side's fingerprint is recorded and checked),
   open the disclosure, record the verdict, then close the case under Cases.
   Workspaces and logs: $out/leeds, $out/glasgow, $out/hub
EOF

stay_seconds="${PUPILMATCH_DEMO_STAY_SECONDS:-}"
timer=""
if [ -n "$stay_seconds" ]; then
  sleep "$stay_seconds" &
  timer=$!
  started+=("$timer")
fi
# Until Ctrl-C, the time is up, or a server stops. Ctrl-C reaches the consoles too (they stop
# on it themselves), so a server stopping at once after it is no failure: give the signal a
# moment to reach this script's trap.
interrupted=""
trap 'interrupted=1' INT
wait -n || true
sleep 0.2 || true
if [ -n "$interrupted" ]; then
  echo "== Ctrl-C: stopping the hub and the consoles"
  exit 130
fi
if [ -n "$timer" ] && ! kill -0 "$timer" 2>/dev/null; then
  echo "== $stay_seconds seconds are up: stopping the hub and the consoles"
  exit 0
fi
echo "error: the hub or a console stopped; see the logs in $out" >&2
exit 1
