#!/usr/bin/env node
// After tsc: bundles the node process's entry point, with the packages it uses, into one file,
// dist/bundle/node.mjs. A node process then loads one module instead of several hundred files
// (ours, gRPC's, protobuf's, pino's, prom-client's), which cuts each start by a few hundred
// milliseconds; `up`, every restart and every test cluster start three. Native addons stay
// external and load from node_modules. The unbundled dist/src/node/main.js keeps working.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await build({
  entryPoints: [join(root, 'dist', 'src', 'node', 'main.js')],
  outfile: join(root, 'dist', 'bundle', 'node.mjs'),
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
