#!/usr/bin/env node
// gatecrash interop client: drives an MCP server (or a gateway in front of one) with the official
// TypeScript SDK v1 Client, so tests can prove that a real SDK client works through the gateway.
//
// Usage:
//   node sdk_client.mjs [options] --stdio -- CMD [ARGS...]
//   node sdk_client.mjs [options] --http URL
// Options:
//   --calls FILE       JSON array: [{"tool": name, "arguments": {...}, "expect": "ok"|"tool_error"|"rpc_error"}]
//   --call-all         call every listed tool with arguments synthesised from its inputSchema
//   --timeout-ms N     per-step timeout (connect, each tools/list page, each call, close); default 10000
//   --header "K: V"    extra HTTP request header (repeatable; --http only)
//   --env KEY=VAL      environment variable for the stdio child (repeatable)
//   --inherit-env      give the stdio child this process's whole environment (default: the SDK's
//                      safe subset HOME, LOGNAME, PATH, SHELL, TERM, USER, plus --env)
//   --no-terminate     --http: skip the DELETE that ends the session before closing
//
// The SDK is loaded from $SDK_DIR/node_modules/@modelcontextprotocol/sdk (default
// ${GATECRASH_TOOLS_DIR:-$HOME/.cache/gatecrash/tools}/sdk; see scripts/setup-npm.sh).
//
// stdout: one JSON object
//   {"protocolVersion", "serverInfo", "tools": [names], "calls": [{"tool","isError","text",...}], "errors": [...]}
// stderr: diagnostics (and the stdio child's stderr).
// Exit: 0 when every --calls entry matched its expectation (--call-all: every call returned a result,
//       isError or not; neither: tools/list succeeded) and no transport/JSON-RPC error happened;
//       1 otherwise; 2 on a usage error.

import path from 'node:path';
import os from 'node:os';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

const USAGE = `usage: node sdk_client.mjs [--calls FILE | --call-all] [--timeout-ms N] [--header "K: V"]...
                          [--env K=V]... [--inherit-env] [--no-terminate]
                          (--stdio -- CMD [ARGS...] | --http URL)`;

function usage(msg) {
  if (msg) process.stderr.write(`sdk_client: ${msg}\n`);
  process.stderr.write(USAGE + '\n');
  process.exit(2);
}

// ---------------------------------------------------------------- argument parsing
const opts = {
  mode: null, command: null, args: [], url: null, callsFile: null, callAll: false,
  timeoutMs: 10000, headers: {}, env: {}, inheritEnv: false, terminate: true,
};
{
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--stdio': {
        if (opts.mode) usage('give only one of --stdio / --http');
        opts.mode = 'stdio';
        if (argv[i + 1] !== '--') usage('--stdio must be followed by -- CMD [ARGS...]');
        const rest = argv.slice(i + 2);
        if (rest.length === 0) usage('--stdio -- needs a command');
        opts.command = rest[0];
        opts.args = rest.slice(1);
        i = argv.length;
        break;
      }
      case '--http':
        if (opts.mode) usage('give only one of --stdio / --http');
        opts.mode = 'http';
        opts.url = next();
        try { new URL(opts.url); } catch { usage(`bad URL '${opts.url}'`); }
        break;
      case '--calls': opts.callsFile = next(); break;
      case '--call-all': opts.callAll = true; break;
      case '--timeout-ms': {
        const v = Number(next());
        if (!Number.isInteger(v) || v <= 0) usage('--timeout-ms needs a positive integer');
        opts.timeoutMs = v;
        break;
      }
      case '--header': {
        const h = next();
        const c = h.indexOf(':');
        if (c <= 0) usage(`bad --header '${h}' (want "Name: value")`);
        opts.headers[h.slice(0, c).trim()] = h.slice(c + 1).trim();
        break;
      }
      case '--env': {
        const e = next();
        const eq = e.indexOf('=');
        if (eq <= 0) usage(`bad --env '${e}' (want KEY=VAL)`);
        opts.env[e.slice(0, eq)] = e.slice(eq + 1);
        break;
      }
      case '--inherit-env': opts.inheritEnv = true; break;
      case '--no-terminate': opts.terminate = false; break;
      case '-h': case '--help':
        process.stdout.write(USAGE + '\n');
        process.exit(0);
      default: usage(`unknown argument '${a}'`);
    }
  }
  if (!opts.mode) usage('one of --stdio or --http is required');
  if (opts.callsFile && opts.callAll) usage('give only one of --calls / --call-all');
}

let plannedCalls = null;
if (opts.callsFile) {
  let parsed;
  try {
    parsed = JSON.parse(fs.readFileSync(opts.callsFile, 'utf8'));
  } catch (e) {
    usage(`cannot read --calls file '${opts.callsFile}': ${e.message}`);
  }
  if (!Array.isArray(parsed)) usage('--calls file must hold a JSON array');
  plannedCalls = parsed.map((c, idx) => {
    if (!c || typeof c !== 'object' || typeof c.tool !== 'string') usage(`--calls entry ${idx}: needs a string "tool"`);
    const expect = c.expect ?? 'ok';
    if (!['ok', 'tool_error', 'rpc_error'].includes(expect)) usage(`--calls entry ${idx}: bad expect '${expect}'`);
    if (c.arguments !== undefined && (typeof c.arguments !== 'object' || c.arguments === null || Array.isArray(c.arguments))) {
      usage(`--calls entry ${idx}: "arguments" must be an object`);
    }
    return { tool: c.tool, arguments: c.arguments ?? {}, expect };
  });
}

// ---------------------------------------------------------------- SDK loading
const toolsDir = process.env.GATECRASH_TOOLS_DIR || path.join(os.homedir(), '.cache', 'gatecrash', 'tools');
const sdkDir = process.env.SDK_DIR || path.join(toolsDir, 'sdk');
const sdkEsm = path.join(sdkDir, 'node_modules', '@modelcontextprotocol', 'sdk', 'dist', 'esm');
async function sdkImport(rel) {
  const file = path.join(sdkEsm, rel);
  if (!fs.existsSync(file)) {
    process.stderr.write(`sdk_client: ${file} not found; set SDK_DIR or run scripts/setup-npm.sh\n`);
    process.exit(2);
  }
  return import(pathToFileURL(file).href);
}
const { Client } = await sdkImport('client/index.js');
const { CallToolResultSchema } = await sdkImport('types.js');

// ---------------------------------------------------------------- helpers
const out = { protocolVersion: null, serverInfo: null, tools: [], calls: [], errors: [] };
let failed = false;

function errText(e) {
  if (e && typeof e === 'object') {
    const code = e.code !== undefined ? ` (code ${e.code})` : '';
    return `${e.message ?? String(e)}${code}`;
  }
  return String(e);
}

// Races a promise against a timer. Requests also carry the SDK's own timeout (opts.timeoutMs), which
// fires first and cancels cleanly; this backstop (500 ms later) covers transport start and anything
// else that could hang. `ms` overrides the limit (close needs >= 4 s: the stdio transport waits 2 s
// for the child to exit after closing its stdin, then 2 s more after SIGTERM).
function withTimeout(promise, label, ms = opts.timeoutMs + 500) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

// Builds a value for a JSON Schema: enums take their first value, objects get their required
// properties only, numbers respect minimum/maximum.
function synth(schema, depth = 0) {
  if (!schema || typeof schema !== 'object' || depth > 8) return null;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  for (const k of ['anyOf', 'oneOf']) {
    if (Array.isArray(schema[k]) && schema[k].length > 0) {
      const nonNull = schema[k].find((s) => s && s.type !== 'null') ?? schema[k][0];
      return synth(nonNull, depth + 1);
    }
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    return synth(Object.assign({}, ...schema.allOf), depth + 1);
  }
  let type = schema.type;
  if (Array.isArray(type)) type = type.find((t) => t !== 'null') ?? type[0];
  if (!type) type = schema.properties ? 'object' : 'string';
  switch (type) {
    case 'object': {
      const o = {};
      const props = schema.properties ?? {};
      for (const name of schema.required ?? []) o[name] = synth(props[name] ?? {}, depth + 1);
      return o;
    }
    case 'array': {
      const n = schema.minItems ?? 0;
      return Array.from({ length: n }, () => synth(schema.items ?? {}, depth + 1));
    }
    case 'integer':
    case 'number': {
      let v = 1;
      if (typeof schema.minimum === 'number') v = Math.max(v, schema.minimum);
      if (typeof schema.exclusiveMinimum === 'number' && v <= schema.exclusiveMinimum) v = schema.exclusiveMinimum + 1;
      if (typeof schema.maximum === 'number') v = Math.min(v, schema.maximum);
      if (typeof schema.exclusiveMaximum === 'number' && v >= schema.exclusiveMaximum) v = schema.exclusiveMaximum - 1;
      return type === 'integer' ? Math.ceil(v) : v;
    }
    case 'boolean': return false;
    case 'null': return null;
    default: { // string
      if (schema.format === 'uri' || schema.format === 'uri-reference') return 'test://gatecrash';
      if (schema.format === 'email') return 'test@example.invalid';
      if (schema.format === 'date-time') return '2026-01-01T00:00:00Z';
      if (schema.format === 'date') return '2026-01-01';
      let s = 'test';
      while (typeof schema.minLength === 'number' && s.length < schema.minLength) s += 'x';
      if (typeof schema.maxLength === 'number') s = s.slice(0, schema.maxLength);
      return s;
    }
  }
}

function resultText(result) {
  const parts = [];
  for (const c of result?.content ?? []) {
    if (c && c.type === 'text' && typeof c.text === 'string') parts.push(c.text);
  }
  return parts.join('\n').slice(0, 200);
}

// ---------------------------------------------------------------- main
const client = new Client({ name: 'gatecrash-sdk-client', version: '1.0.0' }, { capabilities: {} });
client.onerror = (e) => process.stderr.write(`sdk_client: transport error: ${errText(e)}\n`);
let transport;
let child = null; // stdio: the spawned ChildProcess
const reqOpts = { timeout: opts.timeoutMs };

try {
  if (opts.mode === 'stdio') {
    const { StdioClientTransport, getDefaultEnvironment } = await sdkImport('client/stdio.js');
    const env = opts.inheritEnv ? { ...process.env, ...opts.env } : { ...getDefaultEnvironment(), ...opts.env };
    transport = new StdioClientTransport({ command: opts.command, args: opts.args, env, stderr: 'inherit' });
    // Keep our own handle on the child: when initialize fails the SDK starts closing the transport
    // in the background and forgets the process, and we must not exit before it is gone.
    const origStart = transport.start.bind(transport);
    transport.start = async () => {
      try {
        await origStart();
      } finally {
        if (transport._process) child = transport._process;
      }
    };
  } else {
    const { StreamableHTTPClientTransport } = await sdkImport('client/streamableHttp.js');
    transport = new StreamableHTTPClientTransport(new URL(opts.url), { requestInit: { headers: opts.headers } });
  }
  // The Client hands the negotiated version to transports that take it (HTTP); capture it for both.
  const origSet = typeof transport.setProtocolVersion === 'function' ? transport.setProtocolVersion.bind(transport) : null;
  transport.setProtocolVersion = (v) => {
    out.protocolVersion = v;
    if (origSet) origSet(v);
  };

  await withTimeout(client.connect(transport, reqOpts), 'connect');
  out.serverInfo = client.getServerVersion() ?? null;

  // tools/list, following nextCursor (bounded, in case a server loops on the same cursor)
  const toolDefs = [];
  try {
    let cursor;
    const seen = new Set();
    for (let page = 0; page < 1000; page++) {
      const res = await withTimeout(client.listTools(cursor ? { cursor } : {}, reqOpts), 'tools/list');
      toolDefs.push(...(res.tools ?? []));
      cursor = res.nextCursor;
      if (!cursor) break;
      if (seen.has(cursor)) throw new Error(`tools/list: server repeated cursor '${cursor}'`);
      seen.add(cursor);
    }
    // listTools caches per page; re-cache the union so output-schema validation covers every tool
    client.cacheToolMetadata(toolDefs);
  } catch (e) {
    out.errors.push(`tools/list: ${errText(e)}`);
    failed = true;
  }
  out.tools = toolDefs.map((t) => t.name);

  let calls = plannedCalls;
  if (opts.callAll) {
    calls = toolDefs.map((t) => ({ tool: t.name, arguments: synth(t.inputSchema ?? {}) ?? {}, expect: 'any' }));
  }
  for (const c of calls ?? []) {
    const entry = { tool: c.tool, isError: null, text: '' };
    if (opts.callAll) entry.arguments = c.arguments;
    else entry.expect = c.expect;
    try {
      // callTool validates structuredContent against the tool's outputSchema (a real interop check),
      // but refuses tools whose execution.taskSupport is "required" without sending anything; send
      // those as a plain request so the server (or gateway) gives its own answer.
      const params = { name: c.tool, arguments: c.arguments };
      const res = await withTimeout(
        client.isToolTaskRequired(c.tool)
          ? client.request({ method: 'tools/call', params }, CallToolResultSchema, reqOpts)
          : client.callTool(params, CallToolResultSchema, reqOpts),
        `tools/call ${c.tool}`);
      entry.isError = res.isError === true;
      entry.text = resultText(res);
      if (c.expect === 'ok' && entry.isError) entry.mismatch = 'expected ok, got isError:true';
      if (c.expect === 'tool_error' && !entry.isError) entry.mismatch = 'expected isError:true, got a normal result';
      if (c.expect === 'rpc_error') entry.mismatch = 'expected a JSON-RPC error, got a result';
    } catch (e) {
      entry.error = errText(e);
      if (e && typeof e === 'object' && typeof e.code === 'number') entry.code = e.code;
      entry.text = String(e?.message ?? e).slice(0, 200);
      if (c.expect !== 'rpc_error') {
        entry.mismatch = `expected ${c.expect === 'any' ? 'a result' : c.expect}, got an error`;
        out.errors.push(`tools/call ${c.tool}: ${entry.error}`);
      }
    }
    if (entry.mismatch) failed = true;
    out.calls.push(entry);
  }
} catch (e) {
  out.errors.push(errText(e));
  failed = true;
}

// Close: end the HTTP session (DELETE), then the transport (stdio: closes the child's stdin,
// SIGTERM/SIGKILL after 2 s each if it does not exit).
if (transport) {
  if (opts.mode === 'http' && opts.terminate && transport.sessionId) {
    try {
      await withTimeout(transport.terminateSession(), 'terminate session');
    } catch (e) {
      process.stderr.write(`sdk_client: DELETE session failed: ${errText(e)}\n`);
    }
  }
  try {
    await withTimeout(client.close(), 'close', Math.max(opts.timeoutMs, 5000));
  } catch (e) {
    out.errors.push(`close: ${errText(e)}`);
    failed = true;
  }
}

// Make sure the stdio child is gone: stdin already closed; SIGTERM, then SIGKILL, 2 s apart.
function exited(cp) { return cp.exitCode !== null || cp.signalCode !== null; }
function waitExit(cp, ms) {
  return new Promise((resolve) => {
    if (exited(cp)) return resolve();
    const timer = setTimeout(resolve, ms);
    cp.once('exit', () => { clearTimeout(timer); resolve(); });
  });
}
if (child && child.pid !== undefined) {
  try { child.stdin?.end(); } catch { /* ignore */ }
  await waitExit(child, 2000);
  if (!exited(child)) {
    process.stderr.write(`sdk_client: child ${child.pid} still running after stdin close; SIGTERM\n`);
    try { child.kill('SIGTERM'); } catch { /* ignore */ }
    await waitExit(child, 2000);
  }
  if (!exited(child)) {
    process.stderr.write(`sdk_client: child ${child.pid} ignored SIGTERM; SIGKILL\n`);
    try { child.kill('SIGKILL'); } catch { /* ignore */ }
    await waitExit(child, 1000);
  }
}

process.stdout.write(JSON.stringify(out) + '\n', () => process.exit(failed ? 1 : 0));
