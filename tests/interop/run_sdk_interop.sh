#!/usr/bin/env bash
# ctest interop.sdk_client: the official TypeScript SDK client lists and calls the tools of every
# bundled catalog through gatecrash-mock, over stdio and over Streamable HTTP.
# Usage: run_sdk_interop.sh PATH/TO/gatecrash-mock        Exit 77 (skip) when npm tools are absent.
set -euo pipefail
mock=${1:?usage: run_sdk_interop.sh PATH/TO/gatecrash-mock}
here=$(cd "$(dirname "$0")" && pwd)
if ! source "$here/../../scripts/tools-env.sh" 2>/tmp/gatecrash-tools-env.$$; then
  cat /tmp/gatecrash-tools-env.$$ >&2; rm -f /tmp/gatecrash-tools-env.$$
  echo "SKIP: npm interop tools are not installed (scripts/setup-npm.sh installs them)"; exit 77
fi
rm -f /tmp/gatecrash-tools-env.$$
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

failures=0
check() {  # label, ledger, expected tool count, sdk_client args...
  local label=$1 ledger=$2 count=$3; shift 3
  local out="$work/$label.json"
  if ! "$NODE22" "$SDK_CLIENT_MJS" --call-all --timeout-ms 10000 "$@" >"$out" 2>"$work/$label.err"; then
    echo "FAIL $label: sdk_client exited non-zero"; cat "$work/$label.err" >&2; head -c 2000 "$out" >&2; echo >&2
    failures=$((failures + 1)); return
  fi
  local listed called ledgered
  listed=$("$NODE22" -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log(r.tools.length)' "$out")
  called=$("$NODE22" -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log(r.calls.length)' "$out")
  ledgered=$(grep -c '"method":"tools/call"' "$ledger" || true)
  if [ "$listed" != "$count" ] || [ "$called" != "$count" ] || [ "$ledgered" != "$count" ]; then
    echo "FAIL $label: listed $listed, called $called, ledgered $ledgered tool calls; expected $count each"
    failures=$((failures + 1)); return
  fi
  echo "ok   $label: $listed tools listed, $called called through the SDK, $ledgered calls in the ledger"
}

declare -A counts=([prometheus]=6 [cloudstack]=45 [trackingtime]=26 [prospectio]=12 [mock-mcp]=6)
for catalog in prometheus cloudstack trackingtime prospectio mock-mcp; do
  ledger="$work/$catalog-stdio.jsonl"
  check "$catalog-stdio" "$ledger" "${counts[$catalog]}" --stdio -- "$mock" --catalog "$catalog" --ledger "$ledger"

  ledger="$work/$catalog-http.jsonl"
  ready="$work/$catalog.url"
  "$mock" --catalog "$catalog" --transport http --listen 127.0.0.1:0 --ledger "$ledger" --ready-file "$ready" \
    2>"$work/$catalog-http.stderr" &
  pids+=($!)
  for _ in $(seq 100); do [ -s "$ready" ] && break; sleep 0.05; done
  if [ ! -s "$ready" ]; then echo "FAIL $catalog-http: the mock did not start"; cat "$work/$catalog-http.stderr"; failures=$((failures + 1)); continue; fi
  check "$catalog-http" "$ledger" "${counts[$catalog]}" --http "$(cat "$ready")"
done
total=10
echo "$((total - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
