#!/usr/bin/env node
// After tsc: bundles the node process's entry point, with the packages it uses, into one file,
// dist/bundle/node.mjs. A node process then loads one module instead of several hundred files
// (ours, gRPC's, protobuf's, pino's, prom-client's), which cuts each start by a few hundred
// milliseconds; `up`, every restart and every test cluster start three. Native addons stay
// external and load from node_modules. The unbundled dist/src/node/main.js keeps working.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'bundle', 'node.mjs');
await build({
  entryPoints: [join(root, 'dist', 'src', 'node', 'main.js')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Native addons (a .node binary each) cannot be bundled.
  external: ['@node-rs/crc32', 'snappy', 'lz4-napi'],
  // Bundled CommonJS packages call require() for Node's built-ins (and protobufjs looks modules up
  // through it); an ES module has none, so the bundle gets one.
  banner: { js: "import { createRequire as bundleCreateRequire } from 'node:module'; const require = bundleCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
});

// V8 keeps a module's source text in memory for as long as the process runs, at two bytes per
// character if a single character lies beyond Latin-1 (a '≥' in a comment kept by esbuild would
// double the 2 MB). Such characters become \u escapes, which mean the same in comments, strings
// and identifiers alike.
const source = readFileSync(outfile, 'utf8');
const ascii = source.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
if (ascii !== source) writeFileSync(outfile, ascii);
