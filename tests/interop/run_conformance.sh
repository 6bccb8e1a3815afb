#!/usr/bin/env bash
# Runs the official MCP conformance suite (server mode) against an already-running Streamable HTTP
# endpoint, typically a gatecrash gateway with a fixture mock behind it.
#
# Usage: tests/interop/run_conformance.sh URL BASELINE_YAML [OUTDIR]
#   URL            e.g. http://127.0.0.1:8080/mcp (loopback only unless GATECRASH_ALLOW_REMOTE=1)
#   BASELINE_YAML  expected failures: YAML with a `server:` list of scenario names; "-" for none
#   OUTDIR         where checks.json files and console.log go (default: a new mktemp -d dir)
# Environment:
#   CONFORMANCE_SUITE     active (default; all but the 2 pending scenarios) | all | pending
#   CONFORMANCE_SCENARIO  run this one scenario instead of a suite
#   CONFORMANCE_TIMEOUT   seconds before the whole run is killed (default 600)
#   GATECRASH_TOOLS_DIR   see scripts/setup-npm.sh
#
# Exit status: the CLI's. Without a baseline: 0 when no check is FAILURE (warnings ignored).
# With a baseline: 0 when every failing scenario is listed and every listed scenario fails; note that
# in baseline mode a scenario with only a WARNING also counts as failing. 124 on timeout, 2 on usage.
set -euo pipefail

usage() { sed -n '5,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
if [ $# -lt 2 ] || [ $# -gt 3 ]; then usage; fi
url="$1" baseline="$2" outdir="${3:-}"

# shellcheck source-path=SCRIPTDIR source=../../scripts/tools-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/tools-env.sh"

case "$url" in
  http://127.0.0.1[:/]*|http://localhost[:/]*|http://\[::1\][:/]*) ;;
  *)
    if [ "${GATECRASH_ALLOW_REMOTE:-0}" != 1 ]; then
      echo "run_conformance.sh: refusing non-loopback URL '$url' (set GATECRASH_ALLOW_REMOTE=1)" >&2
      exit 2
    fi ;;
esac

args=(server --url "$url")
if [ -n "${CONFORMANCE_SCENARIO:-}" ]; then
  args+=(--scenario "$CONFORMANCE_SCENARIO")
else
  args+=(--suite "${CONFORMANCE_SUITE:-active}")
fi
if [ "$baseline" != "-" ]; then
  [ -f "$baseline" ] || { echo "run_conformance.sh: baseline '$baseline' not found" >&2; exit 2; }
  args+=(--expected-failures "$(cd "$(dirname "$baseline")" && pwd)/$(basename "$baseline")")
fi
if [ -z "$outdir" ]; then
  outdir="$(mktemp -d "${TMPDIR:-/tmp}/gatecrash-conformance.XXXXXX")"
fi
mkdir -p "$outdir"
outdir="$(cd "$outdir" && pwd)"
args+=(-o "$outdir")

echo "run_conformance.sh: $NODE22 $CONFORMANCE_JS ${args[*]}"
status=0
start_ms="$(date +%s%3N)"
# The CLI writes ./results-relative paths only through -o; run from OUTDIR anyway so nothing lands
# in the caller's directory.
(cd "$outdir" && timeout --kill-after=10 "${CONFORMANCE_TIMEOUT:-600}" "$NODE22" "$CONFORMANCE_JS" "${args[@]}") \
  >"$outdir/console.log" 2>&1 || status=$?

# Print the CLI's summary (from "=== SUMMARY ===", or a single scenario's result lines) and the
# baseline verdict, without the per-check noise.
# The CLI always emits ANSI colours; strip them unless stdout is a terminal.
decolor() { if [ -t 1 ]; then cat; else sed 's/\x1b\[[0-9;]*m//g'; fi; }
if grep -q '=== SUMMARY ===' "$outdir/console.log"; then
  sed -n '/=== SUMMARY ===/,$p' "$outdir/console.log" | decolor
else
  tail -n 30 "$outdir/console.log" | decolor
fi

# Our own tally from the checks.json files (one directory per scenario).
"$NODE22" - "$outdir" "$start_ms" <<'EOF'
const fs = require('fs'), path = require('path');
const dir = process.argv[2], since = Number(process.argv[3]) - 1000; // only this run's directories
let sp = 0, sf = 0, sw = 0; const tally = {};
for (const d of fs.readdirSync(dir).sort()) {
  const f = path.join(dir, d, 'checks.json');
  if (!fs.existsSync(f) || fs.statSync(f).mtimeMs < since) continue;
  const checks = JSON.parse(fs.readFileSync(f, 'utf8'));
  for (const c of checks) tally[c.status] = (tally[c.status] || 0) + 1;
  if (checks.some((c) => c.status === 'FAILURE')) sf++;
  else if (checks.some((c) => c.status === 'WARNING')) sw++;
  else sp++;
}
const t = Object.entries(tally).map(([k, v]) => `${v} ${k}`).join(', ');
console.log(`run_conformance.sh: scenarios: ${sp} passed, ${sf} failed, ${sw} warning-only; checks: ${t || 'none'}`);
EOF
case "$status" in
  0) echo "run_conformance.sh: PASS (exit 0); details in $outdir" ;;
  124|137) echo "run_conformance.sh: TIMEOUT after ${CONFORMANCE_TIMEOUT:-600} s; details in $outdir" ;;
  *) echo "run_conformance.sh: FAIL (exit $status); details in $outdir/console.log" ;;
esac
exit "$status"
