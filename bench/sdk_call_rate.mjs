#!/usr/bin/env node
// bench/sdk_call_rate.mjs — the peer of bench/harness_rate.sh: the official TypeScript SDK v1
// Client calling one tool N times with K requests in flight through a stdio MCP server command
// (the same pass-through gateway the harness drives), timing from the first call to the last
// answer. Prints one JSON line: {"calls", "in_flight", "seconds", "calls_per_s", "errors"}.
//
// Usage: node sdk_call_rate.mjs --calls N --in-flight K --tool NAME -- CMD [ARGS...]
// The SDK is loaded from $SDK_DIR (scripts/tools-env.sh; scripts/setup-npm.sh installs it).
import path from 'node:path';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const opts = { calls: 10000, inFlight: 64, tool: 'GetServerInfo', command: null, args: [] };
for (let i = 0; i < args.length; ++i) {
  const a = args[i];
  if (a === '--calls') opts.calls = Number(args[++i]);
  else if (a === '--in-flight') opts.inFlight = Number(args[++i]);
  else if (a === '--tool') opts.tool = args[++i];
  else if (a === '--') { opts.command = args[i + 1]; opts.args = args.slice(i + 2); break; }
  else { process.stderr.write(`sdk_call_rate: unknown argument ${a}\n`); process.exit(2); }
}
if (!opts.command || !(opts.calls > 0 && opts.calls <= 1e6) || !(opts.inFlight > 0 && opts.inFlight <= 1024)) {
  process.stderr.write('usage: node sdk_call_rate.mjs --calls N --in-flight K --tool NAME -- CMD [ARGS...]\n');
  process.exit(2);
}

const sdkDir = process.env.SDK_DIR;
if (!sdkDir) { process.stderr.write('sdk_call_rate: SDK_DIR is not set (source scripts/tools-env.sh)\n'); process.exit(2); }
const esm = path.join(sdkDir, 'node_modules', '@modelcontextprotocol', 'sdk', 'dist', 'esm');
const load = async (rel) => {
  const file = path.join(esm, rel);
  if (!fs.existsSync(file)) { process.stderr.write(`sdk_call_rate: ${file} not found\n`); process.exit(2); }
  return import(pathToFileURL(file).href);
};
const { Client } = await load('client/index.js');
const { StdioClientTransport } = await load('client/stdio.js');

const client = new Client({ name: 'gatecrash-bench', version: '1.0.0' }, { capabilities: {} });
const transport = new StdioClientTransport({ command: opts.command, args: opts.args, env: { ...process.env }, stderr: 'inherit' });
// Bounded: the whole run may take at most 120 s.
const guard = setTimeout(() => { process.stderr.write('sdk_call_rate: gave up after 120 s\n'); process.exit(1); }, 120000);
await client.connect(transport);

let next = 0;
let errors = 0;
const started = process.hrtime.bigint();
async function worker() {
  while (next < opts.calls) {
    ++next;
    try {
      const result = await client.callTool({ name: opts.tool, arguments: {} }, undefined, { timeout: 30000 });
      if (result.isError) ++errors;
    } catch {
      ++errors;
    }
  }
}
await Promise.all(Array.from({ length: Math.min(opts.inFlight, opts.calls) }, worker));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
clearTimeout(guard);
await client.close();
process.stdout.write(JSON.stringify({ calls: opts.calls, in_flight: opts.inFlight, seconds, calls_per_s: opts.calls / seconds, errors }) + '\n');
process.exit(errors === 0 ? 0 : 1);
