#!/usr/bin/env bash
# Configures (once) and builds the default preset into build/. Extra args go to cmake --build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/CMakeCache.txt ]; then
  cmake --preset default >/dev/null
fi
cmake --build --preset default "$@"
