#!/usr/bin/env bash
# Talks MCP to gatecrash-mock over stdio (initialize, list, a destructive call, a malformed line)
# and prints what came back and the ledger the mock wrote.
set -euo pipefail
cd "$(dirname "$0")/.."
mock=build/mock_servers/gatecrash-mock
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ledger="$work/ledger.jsonl"
vm=$(printf '%s\n' \
  '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"demo","version":"1"}}}' \
  '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
  '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_virtual_machines","arguments":{}}}' |
  timeout 10 "$mock" --catalog cloudstack --ledger "$work/probe.jsonl" --seed 7 |
  grep -o '"id":"[^"]*vm[^"]*"' | head -1 | cut -d'"' -f4)
echo "== session with gatecrash-mock --catalog cloudstack (destroying $vm) =="
printf '%s\n' \
  '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"demo","version":"1"}}}' \
  '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
  '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' \
  "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"destroy_virtual_machine\",\"arguments\":{\"id\":\"$vm\",\"expunge\":true}}}" \
  '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"destroy_virtual_machine","arguments":{"expunge":"yes"}}}' \
  'this is not json' |
  timeout 10 "$mock" --catalog cloudstack --ledger "$ledger" --seed 7 | cut -c1-220
echo
echo "== ledger ($ledger) =="
cut -c1-300 "$ledger"
