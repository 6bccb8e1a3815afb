#!/usr/bin/env bash
# ctest interop.sarif_schema: `gatecrash run --sarif` output checked against the official SARIF
# 2.1.0 schema (sarif-2.1.0-rtm.5.json, from @microsoft/jest-sarif, validated with its ajv 6), for
# a run with findings (passthrough gateway) and a clean one (reference gateway); and a broken SARIF
# file must be rejected, so the check can fail.
# Usage: run_sarif_schema.sh PATH/TO/gatecrash        Exit 77 (skip) when npm tools are absent.
set -euo pipefail
gatecrash=${1:?usage: run_sarif_schema.sh PATH/TO/gatecrash}
gatecrash=$(cd "$(dirname "$gatecrash")" && pwd)/$(basename "$gatecrash")
here=$(cd "$(dirname "$0")" && pwd)
if ! source "$here/../../scripts/tools-env.sh" 2>/tmp/gatecrash-tools-env.$$; then
  cat /tmp/gatecrash-tools-env.$$ >&2; rm -f /tmp/gatecrash-tools-env.$$
  echo "SKIP: npm interop tools are not installed (scripts/setup-npm.sh installs them)"; exit 77
fi
rm -f /tmp/gatecrash-tools-env.$$
validate() { "$NODE22" "$here/validate_sarif.mjs" "$@"; }
# Scenario paths relative to the repository root, as a user in a checkout would pass them; the
# SARIF locations are then relative URIs.
cd "$here/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

passed=0 failures=0
pass() { echo "ok   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

# sarif_eval FILE EXPRESSION: EXPRESSION over the parsed log `s`, e.g. s.runs[0].results.length.
sarif_eval() {
  "$NODE22" -e 'const s=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log(eval(process.argv[2]))' "$1" "$2"
}

# run LABEL EXPECTED_EXIT some|none ARGS...: a gatecrash run writing $work/LABEL.sarif, the schema
# check, and whether the log must have results (some) or none.
run() {
  local label=$1 expected=$2 want=$3; shift 3
  local status=0 results rules
  "$gatecrash" run --seed 1 --report "$work/$label" --sarif "$work/$label.sarif" "$@" \
    >"$work/$label.out" 2>&1 || status=$?
  if [ "$status" -ne "$expected" ]; then
    fail "$label: gatecrash exited $status, expected $expected"; tail -20 "$work/$label.out"; return
  fi
  if ! validate "$work/$label.sarif"; then fail "$label: the SARIF file is not valid"; return; fi
  results=$(sarif_eval "$work/$label.sarif" 's.runs[0].results.length')
  rules=$(sarif_eval "$work/$label.sarif" 's.runs[0].tool.driver.rules.length')
  if { [ "$want" = some ] && [ "$results" -eq 0 ]; } || { [ "$want" = none ] && [ "$results" -ne 0 ]; }; then
    fail "$label: $results results in the SARIF of a run that exited $status"; return
  fi
  pass "$label: exit $status, $results results, $rules rules, valid SARIF 2.1.0"
}

run findings 1 some --gateway scenarios/profiles/passthrough.json \
  --scenario scenarios/rate/concurrent-burst.json --scenario scenarios/authz/hidden-tools.json
run clean 0 none --scenario scenarios/rate/call-level-units.json

# The validator must reject what the schema forbids, or the checks above prove nothing: the
# findings run's own log with version "9", and with its first result's message removed.
if [ -f "$work/findings.sarif" ]; then
  sed '0,/"version": "2.1.0"/s//"version": "9"/' "$work/findings.sarif" >"$work/broken-version.sarif"
  "$NODE22" -e '
    const fs = require("fs"), log = JSON.parse(fs.readFileSync(process.argv[1]));
    delete log.runs[0].results[0].message;
    fs.writeFileSync(process.argv[2], JSON.stringify(log, null, 2));' \
    "$work/findings.sarif" "$work/broken-result.sarif"
  for broken in broken-version broken-result; do
    status=0
    validate "$work/$broken.sarif" || status=$?
    if [ "$status" -eq 1 ]; then
      pass "$broken: rejected by the validator, as it must be"
    else
      fail "$broken: the validator exited $status on an invalid log, expected 1"
    fi
  done
fi

echo "$passed passed, $failures failed"
[ "$failures" -eq 0 ] && [ "$passed" -eq 4 ]
