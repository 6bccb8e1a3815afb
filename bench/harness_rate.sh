#!/usr/bin/env bash
# bench/harness_rate.sh — the harness's call rate through a pass-through gateway beside the
# TypeScript SDK client on the same path, in the same run (issue: harness >= 20k calls/s).
#
# Path for both: client -> gatecrash-gateway (stdio, allow-everything policy) -> gatecrash-mock
# (prometheus, GetServerInfo {}). The harness side is `gatecrash run` of one scenario with
# N calls and K in flight; its rate is (N - 1) / (time(N) - time(1)) from the scenario durations
# in report.json, so start-up, judging and teardown cancel out. The SDK side times N calls with K
# in flight from the first call to the last answer. Each side runs 3 times; the median is kept.
#
# Usage: bench/harness_rate.sh BUILD_DIR [N] [K]    (default N=10000, K=64)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:?usage: bench/harness_rate.sh BUILD_DIR [N] [K]}"
calls="${2:-10000}"
in_flight="${3:-64}"
gatecrash="$build/bin/gatecrash"
[ -x "$gatecrash" ] || { echo "harness_rate: $gatecrash not built" >&2; exit 2; }

tmp="$(mktemp -d /tmp/gatecrash-harness-rate.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

scenario() {  # scenario N -> file
  cat > "$tmp/rate-$1.json" <<JSON
{"id": "bench/call-rate-$1", "title": "$1 calls, $in_flight in flight", "attacks": ["R2"],
 "servers": [{"name": "prometheus", "catalog": "prometheus"}],
 "policy": {"version": "1", "default": "allow", "tools": {}},
 "steps": [{"do": "session", "session": "main"},
           {"do": "call", "tool": "GetServerInfo", "arguments": {}, "repeat": $1, "concurrency": $in_flight}]}
JSON
  echo "$tmp/rate-$1.json"
}
duration_ms() {  # report.json -> the scenario's duration
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); s=r["scenarios"][0]; assert s["status"]=="pass", s["status"]; print(s["duration_ms"])' "$1"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

one="$(scenario 1)"
many="$(scenario "$calls")"
rates=()
for i in 1 2 3; do
  "$gatecrash" run --gateway scenarios/profiles/passthrough.json --scenario "$one" --report "$tmp/h1-$i" --seed "$i" >/dev/null
  "$gatecrash" run --gateway scenarios/profiles/passthrough.json --scenario "$many" --report "$tmp/hn-$i" --seed "$i" >/dev/null
  d1="$(duration_ms "$tmp/h1-$i/report.json")"
  dn="$(duration_ms "$tmp/hn-$i/report.json")"
  rates+=("$(python3 -c "print(round(($calls - 1) / max(($dn - $d1) / 1000.0, 1e-3)))")")
done
harness_rate="$(printf '%s\n' "${rates[@]}" | median)"
echo "harness: ${rates[*]} calls/s (median $harness_rate) — $calls calls, $in_flight in flight, through gatecrash-gateway -> gatecrash-mock"

# shellcheck source=../scripts/tools-env.sh
if ! source scripts/tools-env.sh 2>/dev/null || [ ! -e "${SDK_DIR:-}/node_modules/@modelcontextprotocol/sdk" ]; then
  echo "sdk: skipped (the TypeScript SDK is not installed; scripts/setup-npm.sh installs it)"
  exit 0
fi
printf '{"version": "1", "default": "allow", "tools": {}}\n' > "$tmp/policy.json"
printf '{"mcpServers": {"prometheus": {"command": "%s", "args": ["--catalog", "prometheus", "--ledger", "%s"]}}}\n' \
  "$(realpath "$build/bin/gatecrash-mock")" "$tmp/ledger.jsonl" > "$tmp/servers.json"
sdk_rates=()
for i in 1 2 3; do
  line="$("$NODE22" bench/sdk_call_rate.mjs --calls "$calls" --in-flight "$in_flight" --tool GetServerInfo -- \
           "$(realpath "$build/bin/gatecrash-gateway")" --policy "$tmp/policy.json" --servers "$tmp/servers.json")"
  sdk_rates+=("$(python3 -c 'import json,sys; print(round(json.loads(sys.argv[1])["calls_per_s"]))' "$line")")
done
sdk_rate="$(printf '%s\n' "${sdk_rates[@]}" | median)"
echo "sdk:     ${sdk_rates[*]} calls/s (median $sdk_rate) — @modelcontextprotocol/sdk Client, same gateway, same mock"
python3 -c "print('harness / sdk: %.2fx' % ($harness_rate / $sdk_rate))"
