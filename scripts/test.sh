#!/usr/bin/env bash
# Sets everything up, builds, and runs the whole test suite (unit, integration, interop).
# This is the README's test command and what .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
# ctest prints its summary ("100% tests passed, 0 tests failed out of N") last.
ctest --test-dir build --output-on-failure -j2 --timeout 600 "$@"
