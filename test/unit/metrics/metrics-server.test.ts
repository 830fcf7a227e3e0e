// The node's /metrics endpoint: the registry's text on GET, clear refusals for anything else.
import { Gauge, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/common/logger.js';
import { parseExposition } from '../../../cluster/metrics/exposition.js';
import { startMetricsServer, type MetricsServer } from '../../../src/node/metrics/metrics-server.js';
import { createNodeRegistry } from '../../../src/node/metrics/registry.js';

let server: MetricsServer;
let failing: MetricsServer;
const url = (path: string, s = server) => `http://127.0.0.1:${s.port}${path}`;

beforeAll(async () => {
  const registry = createNodeRegistry(7);
  new Gauge({ name: 'probe_value', help: 'h', registers: [registry], collect() { this.set(3); } });
  const broken = new Registry();
  new Gauge({ name: 'broken', help: 'h', registers: [broken], collect() { throw new Error('boom'); } });
  const logger = createLogger({ node: 7, level: 'silent' });
  server = await startMetricsServer(registry, '127.0.0.1', 0, logger);
  failing = await startMetricsServer(broken, '127.0.0.1', 0, logger);
});
afterAll(async () => {
  await server?.close();
  await failing?.close();
});

describe('the metrics server', () => {
  it('serves the text format with the node label and the process metrics', async () => {
    const response = await fetch(url('/metrics'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const { samples } = parseExposition(await response.text());
    expect(samples.find((s) => s.name === 'probe_value')).toEqual({ name: 'probe_value', labels: { node: '7' }, value: 3 });
    expect(samples.some((s) => s.name === 'process_resident_memory_bytes')).toBe(true);
    expect(samples.some((s) => s.name === 'nodejs_eventloop_lag_p99_seconds')).toBe(true);
    expect((await fetch(url('/metrics?x=1'))).status).toBe(200);
  });

  it('answers 404 for other paths, 405 for other methods, 500 when collecting fails, and keeps serving', async () => {
    expect((await fetch(url('/'))).status).toBe(404);
    expect((await fetch(url('/metricsx'))).status).toBe(404);
    const post = await fetch(url('/metrics'), { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(url('/metrics'), { method: 'DELETE' })).status).toBe(405);
    expect((await fetch(url('/metrics', failing))).status).toBe(500);
    expect((await fetch(url('/metrics'))).status).toBe(200);
  });
});
