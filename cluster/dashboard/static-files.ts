/**
 * The files the page is made of, by URL path: the page itself (cluster/dashboard/static/, plain
 * files served as they are, found from the package root so the compiled server in dist/ serves
 * the same ones) and uPlot's own build from node_modules for the charts.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { packageRoot } from '../package-root.js';

export interface StaticFile {
  path: string;
  contentType: string;
}

export function staticDir(): string {
  return join(packageRoot(), 'cluster', 'dashboard', 'static');
}

/** uPlot's dist/ folder, wherever npm put the package. */
function uplotDist(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('uplot/package.json')), 'dist');
}

let files: Map<string, StaticFile> | undefined;

export function staticFiles(): Map<string, StaticFile> {
  if (files) return files;
  const page = staticDir();
  const uplot = uplotDist();
  files = new Map([
    ['/', { path: join(page, 'index.html'), contentType: 'text/html; charset=utf-8' }],
    ['/index.html', { path: join(page, 'index.html'), contentType: 'text/html; charset=utf-8' }],
    ['/app.js', { path: join(page, 'app.js'), contentType: 'text/javascript; charset=utf-8' }],
    ['/style.css', { path: join(page, 'style.css'), contentType: 'text/css; charset=utf-8' }],
    ['/vendor/uPlot.iife.min.js', { path: join(uplot, 'uPlot.iife.min.js'), contentType: 'text/javascript; charset=utf-8' }],
    ['/vendor/uPlot.min.css', { path: join(uplot, 'uPlot.min.css'), contentType: 'text/css; charset=utf-8' }],
  ]);
  return files;
}

/** The file's bytes; read at each request so an edited page shows on reload. */
export function readStatic(file: StaticFile): Promise<Buffer> {
  return readFile(file.path);
}
