#!/usr/bin/env bash
# Proves the interop tooling works, against server-everything (no gateway involved):
#   1. sdk_client.mjs over stdio (echo/get-sum calls, an unknown tool, a bad argument type)
#   2. sdk_client.mjs over Streamable HTTP (same calls)
#   3. run_conformance.sh against the HTTP server with baselines/server-everything.yml
# server-everything's HTTP mode binds all interfaces and its gzip tool fetches URLs, so everything
# runs inside a fresh network namespace (unshare -n: only a private loopback). Needs root or
# unprivileged user namespaces. Exit 0 when all three steps pass.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ "${GATECRASH_IN_NETNS:-0}" != 1 ]; then
  if unshare -n true 2>/dev/null; then
    exec env GATECRASH_IN_NETNS=1 unshare -n "$0" "$@"
  elif unshare -rn true 2>/dev/null; then
    exec env GATECRASH_IN_NETNS=1 unshare -rn "$0" "$@"
  fi
  echo "smoke-everything.sh: cannot create a network namespace (unshare -n); refusing to start" \
       "server-everything on all interfaces" >&2
  exit 1
fi
ip link set lo up

# shellcheck source-path=SCRIPTDIR source=../../scripts/tools-env.sh
source "$here/../../scripts/tools-env.sh"
port="${PORT:-3001}"
work="$(mktemp -d "${TMPDIR:-/tmp}/gatecrash-smoke.XXXXXX")"
cat >"$work/calls.json" <<'JSON'
[{"tool": "echo", "arguments": {"message": "hello gatecrash"}, "expect": "ok"},
 {"tool": "get-sum", "arguments": {"a": 2, "b": 3}, "expect": "ok"},
 {"tool": "no-such-tool", "arguments": {}, "expect": "tool_error"},
 {"tool": "echo", "arguments": {"message": 42}, "expect": "tool_error"}]
JSON

# A clean environment: server-everything's get-env tool dumps it.
env -i PATH="$PATH" HOME="$work" PORT="$port" "$NODE22" "$EVERYTHING_JS" streamableHttp >"$work/server.log" 2>&1 &
srv=$!
trap 'kill "$srv" 2>/dev/null || true; wait "$srv" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

rc=0
echo "== sdk_client.mjs --stdio"
"$NODE22" "$here/sdk_client.mjs" --calls "$work/calls.json" --stdio -- "$NODE22" "$EVERYTHING_JS" stdio \
  2>"$work/stdio.err" || { rc=1; cat "$work/stdio.err" >&2; }
echo "== sdk_client.mjs --http"
"$NODE22" "$here/sdk_client.mjs" --calls "$work/calls.json" --http "http://127.0.0.1:$port/mcp" || rc=1
echo "== run_conformance.sh"
"$here/run_conformance.sh" "http://127.0.0.1:$port/mcp" "$here/baselines/server-everything.yml" "$work/conformance" || rc=1
echo "smoke-everything.sh: $([ $rc -eq 0 ] && echo PASS || echo FAIL) (logs in $work)"
exit $rc
