#!/usr/bin/env node
// tests/interop/validate_sarif.mjs — checks SARIF files against the official SARIF 2.1.0 schema
// (sarif-2.1.0-rtm.5.json as shipped by @microsoft/jest-sarif) with the ajv 6 that package uses.
//
// Usage: node validate_sarif.mjs FILE...
//   env SARIF_SCHEMA   the schema file            (scripts/tools-env.sh exports both)
//       SARIF_AJV_DIR  a folder whose node_modules/ holds ajv 6
// Per file prints "valid: FILE" or "invalid: FILE" followed by one line per error. A file must also
// be strict UTF-8 and parse as JSON. Exit 0 when every file is valid, 1 when one is not, 2 for a
// usage or setup error.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const files = process.argv.slice(2);
const schemaPath = process.env.SARIF_SCHEMA;
const ajvDir = process.env.SARIF_AJV_DIR;
if (files.length === 0 || !schemaPath || !ajvDir) {
  console.error('usage: SARIF_SCHEMA=... SARIF_AJV_DIR=... node validate_sarif.mjs FILE...' +
                ' (source scripts/tools-env.sh for the two variables)');
  process.exit(2);
}

let validate;
try {
  // ajv is CommonJS; resolve it from the installed tree, not from wherever this script lives.
  const require = createRequire(path.join(path.resolve(ajvDir), 'package.json'));
  const Ajv = require('ajv');
  const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
  // The schema is draft-04 ("$schema": draft-04, "id" rather than "$id"): ajv 6 needs the draft-04
  // meta-schema added and schemaId 'auto'. 'full' formats check uri, uri-reference and date-time
  // to the letter of their RFCs.
  const ajv = new Ajv({ schemaId: 'auto', allErrors: true, format: 'full', jsonPointers: true });
  ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-04.json'));
  validate = ajv.compile(schema);
} catch (error) {
  console.error(`validate_sarif: cannot load the schema or ajv: ${error.message}`);
  process.exit(2);
}

// The reasons a file is not a valid SARIF log, empty when it is.
function problems(file) {
  let bytes, text;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    return [`cannot read: ${error.message}`];
  }
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return ['not valid UTF-8'];
  }
  let log;
  try {
    log = JSON.parse(text);
  } catch (error) {
    return [`not JSON: ${error.message}`];
  }
  if (validate(log)) return [];
  return validate.errors.map((e) => {
    const where = e.dataPath === '' ? '/' : e.dataPath;
    const params = Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : '';
    return `${where} ${e.message}${params}`;
  });
}

let invalid = 0;
for (const file of files) {
  const found = problems(file);
  if (found.length === 0) {
    console.log(`valid: ${file}`);
    continue;
  }
  invalid += 1;
  console.log(`invalid: ${file}`);
  for (const line of found) console.log(`  ${line}`);
}
process.exit(invalid === 0 ? 0 : 1);
