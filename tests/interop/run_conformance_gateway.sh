#!/usr/bin/env bash
# ctest interop.conformance_gateway: the official conformance server suite against
# gatecrash-gateway (HTTP front) proxying `gatecrash-mock --catalog conformance` over stdio with an
# allow-everything policy: everything the suite checks must pass *through* the gateway.
# baselines/gatecrash-gateway.yml lists each excluded scenario and why.
# Usage: run_conformance_gateway.sh PATH/TO/gatecrash-gateway PATH/TO/gatecrash-mock
set -euo pipefail
gateway=${1:?usage: run_conformance_gateway.sh GATEWAY MOCK}
mock=${2:?usage: run_conformance_gateway.sh GATEWAY MOCK}
here=$(cd "$(dirname "$0")" && pwd)
if ! source "$here/../../scripts/tools-env.sh" 2>/dev/null; then
  echo "SKIP: npm interop tools are not installed (scripts/setup-npm.sh installs them)"; exit 77
fi
work=$(mktemp -d)
cat >"$work/policy.json" <<'JSON'
{"version": "1", "default": "allow", "tools": {}}
JSON
cat >"$work/servers.json" <<JSON
{"mcpServers": {"conformance": {"command": "$mock",
  "args": ["--catalog", "conformance", "--ledger", "$work/ledger.jsonl"]}}}
JSON
"$gateway" --policy "$work/policy.json" --servers "$work/servers.json" --listen 127.0.0.1:0 \
  --ready-file "$work/url" --audit "$work/audit.jsonl" 2>"$work/gateway.stderr" &
gateway_pid=$!
trap 'kill $gateway_pid 2>/dev/null || true; wait $gateway_pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 200); do [ -s "$work/url" ] && break; sleep 0.05; done
[ -s "$work/url" ] || { echo "the gateway did not start:"; cat "$work/gateway.stderr"; exit 1; }
status=0
"$here/run_conformance.sh" "$(cat "$work/url")" "$here/baselines/gatecrash-gateway.yml" "$work/results" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- gateway stderr"; tail -50 "$work/gateway.stderr"
fi
exit "$status"
