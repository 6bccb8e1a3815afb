#!/usr/bin/env bash
# Sets everything up, builds, and runs the main job. Until the harness (`gatecrash run`) lands,
# the main job is a demonstration of the mock servers: an MCP session over stdio against the
# CloudStack mock, then the ledger it wrote.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --no-npm
scripts/build.sh
exec scripts/demo-mocks.sh
