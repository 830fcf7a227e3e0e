/**
 * Finds files that ship beside the code (proto/, the built node entry point) whether this module
 * runs from its TypeScript source (`cluster/`) or from its compiled copy (`dist/cluster/`).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/** The package root: the nearest ancestor of this file that holds `proto/admin.proto`. */
export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'proto', 'admin.proto'))) {
      cachedRoot = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find proto/admin.proto above the brokerlab code');
    dir = parent;
  }
}

/**
 * The compiled node process entry point, started as `node <this> --config <file>`: the bundle the
 * build makes (one module to load, a faster start), else the plain compiled entry point.
 */
export function nodeEntryPoint(): string {
  const bundle = join(packageRoot(), 'dist', 'bundle', 'node.mjs');
  return existsSync(bundle) ? bundle : join(packageRoot(), 'dist', 'src', 'node', 'main.js');
}
