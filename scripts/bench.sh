#!/usr/bin/env bash
# Builds and runs the benchmarks in bench/: stdio throughput (gatecrash-mock beside
# server-everything), then bench_gateway (gatecrash-gateway beside direct mock calls, supergateway
# and mcp-proxy, over stdio and Streamable HTTP). npm peers that are not installed are skipped.
#
# Usage: scripts/bench.sh [--build-dir DIR] [--json FILE] [--only stdio|gateway|harness]
#   --build-dir DIR  configure DIR once (tests off) and build there instead of build/ (the default
#                    preset); for machines where build/ belongs to someone else's work
#   --json FILE      bench_gateway also writes its results as JSON to FILE
#   --only NAME      run one benchmark: stdio, gateway or harness
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=""
json=()
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir="${2:?--build-dir needs a directory}"; shift 2 ;;
    --json) json=(--json "${2:?--json needs a file}"); shift 2 ;;
    --only) only="${2:?--only needs stdio, gateway or harness}"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$only" in ""|stdio|gateway|harness) ;; *) echo "bench.sh: --only takes stdio, gateway or harness" >&2; exit 2 ;; esac

targets=(bench_stdio_throughput bench_gateway gatecrash-mock gatecrash-gateway gatecrash)
if [ -n "$build_dir" ]; then
  if [ ! -f "$build_dir/CMakeCache.txt" ]; then
    cmake -S . -B "$build_dir" -DGATECRASH_TESTS=OFF >/dev/null
  fi
  cmake --build "$build_dir" -j2 --target "${targets[@]}" >/dev/null
else
  build_dir=build
  scripts/build.sh --target "${targets[@]}" >/dev/null
fi

# Paths are exported before tools-env.sh checks them, so each peer is passed if its own file is
# there, whatever else is missing; the benches print why a peer they did not get is skipped.
# shellcheck source-path=SCRIPTDIR source=tools-env.sh
source scripts/tools-env.sh 2>/dev/null || true
have() { [ -n "${1:-}" ] && [ -e "$1" ]; }

status=0
if [ -z "$only" ] || [ "$only" = stdio ]; then
  peer=()
  if have "${EVERYTHING_BIN:-}"; then peer=(--everything "$EVERYTHING_BIN"); fi
  "$build_dir/bench/bench_stdio_throughput" --mock "$build_dir/mock_servers/gatecrash-mock" "${peer[@]}" || status=1
  echo
fi
if [ -z "$only" ] || [ "$only" = harness ]; then
  bench/harness_rate.sh "$build_dir" || status=1
  echo
fi
if [ -z "$only" ] || [ "$only" = gateway ]; then
  bridges=()
  # The pinned Node 22 when installed, so that peers' numbers do not move with the system's Node.
  if have "${NODE22:-}"; then bridges+=(--node "$NODE22"); fi
  if have "${SUPERGATEWAY_JS:-}"; then bridges+=(--supergateway "$SUPERGATEWAY_JS"); fi
  if have "${MCP_PROXY_JS:-}"; then bridges+=(--mcp-proxy "$MCP_PROXY_JS"); fi
  "$build_dir/bench/bench_gateway" --gateway "$build_dir/gateway/gatecrash-gateway" \
    --mock "$build_dir/mock_servers/gatecrash-mock" "${bridges[@]}" "${json[@]}" || status=1
fi
exit "$status"
