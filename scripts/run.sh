#!/usr/bin/env bash
# Sets everything up, builds, and runs the main job: `gatecrash run`, the whole scenario suite
# against the bundled reference gateway and mock servers. Extra arguments go to `gatecrash run`
# (e.g. --gateway scenarios/profiles/reference-http.json, --suite rate, --report DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --no-npm
scripts/build.sh
exec build/bin/gatecrash run "$@"
