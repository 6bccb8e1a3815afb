#!/usr/bin/env bash
# ctest interop.conformance: the official conformance server suite against
# `gatecrash-mock --catalog conformance` over HTTP, with baselines/gatecrash-mock.yml listing each
# excluded scenario and why. Usage: run_conformance_mock.sh PATH/TO/gatecrash-mock
set -euo pipefail
mock=${1:?usage: run_conformance_mock.sh PATH/TO/gatecrash-mock}
here=$(cd "$(dirname "$0")" && pwd)
if ! source "$here/../../scripts/tools-env.sh" 2>/dev/null; then
  echo "SKIP: npm interop tools are not installed (scripts/setup-npm.sh installs them)"; exit 77
fi
work=$(mktemp -d)
"$mock" --catalog conformance --transport http --listen 127.0.0.1:0 --ledger "$work/ledger.jsonl" \
  --ready-file "$work/url" 2>"$work/mock.stderr" &
mock_pid=$!
trap 'kill $mock_pid 2>/dev/null || true; wait $mock_pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.05; done
[ -s "$work/url" ] || { echo "the conformance mock did not start:"; cat "$work/mock.stderr"; exit 1; }
"$here/run_conformance.sh" "$(cat "$work/url")" "$here/baselines/gatecrash-mock.yml" "$work/results"
