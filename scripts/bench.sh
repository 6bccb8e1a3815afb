#!/usr/bin/env bash
# Builds and runs the stdio throughput benchmark: gatecrash-mock beside server-everything.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh --target bench_stdio_throughput gatecrash-mock >/dev/null
peer=()
if source scripts/tools-env.sh 2>/dev/null; then peer=(--everything "$EVERYTHING_BIN"); fi
exec build/bench/bench_stdio_throughput --mock build/mock_servers/gatecrash-mock "${peer[@]}" "$@"
