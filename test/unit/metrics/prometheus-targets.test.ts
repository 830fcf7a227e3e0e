// The file_sd target list `brokerlab up` writes for Prometheus, and the node config's metrics port.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prometheusTargets, writePrometheusTargets } from '../../../cluster/prometheus-targets.js';
import type { ClusterNodeRecord } from '../../../cluster/run-dir.js';
import { resolveNodeConfig, type NodeConfigFile } from '../../../src/node/config.js';

function node(id: number, metricsPort?: number): ClusterNodeRecord {
  return {
    id,
    roles: ['controller', 'broker'],
    host: '127.0.0.1',
    port: 41000 + id,
    ...(metricsPort !== undefined ? { metricsPort } : {}),
    dataDir: `/run/data/node-${id}`,
    configFile: `/run/config/node-${id}.json`,
    logFile: `/run/logs/node-${id}.log`,
    outFile: `/run/logs/node-${id}.out`,
    pid: null,
  };
}

describe('prometheus-targets.json', () => {
  it('lists every node serving metrics under job brokerlab, and nothing for a cluster without metrics ports', () => {
    expect(prometheusTargets([node(1, 9404), node(2, 9405), node(3)])).toEqual([{ targets: ['127.0.0.1:9404', '127.0.0.1:9405'], labels: { job: 'brokerlab' } }]);
    expect(prometheusTargets([node(1), node(2)])).toEqual([]);
  });

  it('is written whole into the run directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'brokerlab-targets-'));
    try {
      const path = writePrometheusTargets(dir, [node(1, 9404)]);
      expect(path).toBe(join(dir, 'prometheus-targets.json'));
      expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual([{ targets: ['127.0.0.1:9404'], labels: { job: 'brokerlab' } }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a node config's metrics endpoint", () => {
  const base: NodeConfigFile = { nodeId: 1, roles: ['controller', 'broker'], port: 9001, voters: [{ id: 1, host: '127.0.0.1', port: 9001 }], dataDir: '/tmp/x' };

  it('is off without metricsPort, on loopback by default, and checked', () => {
    expect(resolveNodeConfig(base).metrics).toBeUndefined();
    expect(resolveNodeConfig({ ...base, metricsPort: 0 }).metrics).toEqual({ host: '127.0.0.1', port: 0 });
    expect(resolveNodeConfig({ ...base, metricsPort: 9404, metricsHost: '0.0.0.0' }).metrics).toEqual({ host: '0.0.0.0', port: 9404 });
    expect(() => resolveNodeConfig({ ...base, metricsPort: 70000 })).toThrow(/metricsPort must be 0\.\.65535/);
    expect(() => resolveNodeConfig({ ...base, metricsPort: 9404, metricsHost: '' })).toThrow(/metricsHost/);
  });
});
