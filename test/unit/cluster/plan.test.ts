import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createClusterFiles } from '../../../cluster/create-cluster.js';
import { InvalidClusterOptionError, parseConfigAssignments, planTopology, validateSettings } from '../../../cluster/plan.js';
import { RunDir } from '../../../cluster/run-dir.js';
import { loadNodeConfig } from '../../../src/node/config.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'brokerlab-plan-'));
  dirs.push(dir);
  return dir;
}

describe('topology', () => {
  it('gives every node both roles with --nodes (3 by default)', () => {
    expect(planTopology({})).toEqual([1, 2, 3].map((id) => ({ id, roles: ['controller', 'broker'] })));
    expect(planTopology({ nodes: 1 })).toHaveLength(1);
  });

  it('numbers controllers first, then brokers, with separate roles', () => {
    const nodes = planTopology({ controllers: 3, brokers: 2 });
    expect(nodes.map((n) => [n.id, n.roles.join()])).toEqual([
      [1, 'controller'],
      [2, 'controller'],
      [3, 'controller'],
      [4, 'broker'],
      [5, 'broker'],
    ]);
  });

  it('rejects impossible layouts with the flag named', () => {
    expect(() => planTopology({ nodes: 0 })).toThrow('--nodes must be an integer from 1 to 64, got 0');
    expect(() => planTopology({ nodes: 2, brokers: 1, controllers: 1 })).toThrow(/either --nodes or --controllers/);
    expect(() => planTopology({ controllers: 3 })).toThrow(/--controllers and --brokers go together/);
    expect(() => planTopology({ controllers: 0, brokers: 2 })).toThrow(InvalidClusterOptionError);
  });
});

describe('settings', () => {
  it('parses key=value assignments', () => {
    expect(parseConfigAssignments(['replica.lag.time.max.ms=5000', 'a.b= c'])).toEqual({ 'replica.lag.time.max.ms': '5000', 'a.b': 'c' });
    expect(() => parseConfigAssignments(['novalue'])).toThrow(/--config expects key=value/);
  });

  it('accepts known settings of either kind and rejects unknown ones or bad values up front', () => {
    expect(validateSettings('fast', { 'replica.lag.time.max.ms': '5000', 'min.insync.replicas': '2' })).toBe('fast');
    expect(() => validateSettings('fast', { 'no.such.setting': '1' })).toThrow('invalid --config: unknown setting "no.such.setting"');
    expect(() => validateSettings('fast', { 'replica.lag.time.max.ms': 'soon' })).toThrow(/must be a number, got "soon"/);
    expect(() => validateSettings('slow', {})).toThrow('--profile must be fast or kafka, got "slow"');
  });
});

describe('creating a cluster directory', () => {
  it('writes one valid node config per node, sharing one voter list, and cluster.json', async () => {
    const runDir = new RunDir(tempDir());
    const state = await createClusterFiles(runDir, { controllers: 1, brokers: 2, profile: 'kafka', config: { 'replica.lag.time.max.ms': 5000 } });
    expect(state.nodes.map((n) => n.id)).toEqual([1, 2, 3]);
    expect(new Set(state.nodes.map((n) => n.port)).size).toBe(3);
    const configs = state.nodes.map((n) => loadNodeConfig(n.configFile));
    for (const c of configs) {
      expect(c.voters).toEqual([{ id: 1, host: '127.0.0.1', port: state.nodes[0]!.port }]);
      expect(c.profile).toBe('kafka');
      expect(c.timing.replicaLagTimeMaxMs).toBe(5000);
      expect(existsSync(c.dataDir)).toBe(true);
    }
    expect(configs[2]!.roles).toEqual(['broker']);
    expect(configs[2]!.logFile).toBe(runDir.logFile(3));
    expect(runDir.readState()).toEqual(state);
  });

  it('uses consecutive ports from --port-base', async () => {
    const state = await createClusterFiles(new RunDir(tempDir()), { nodes: 2, portBase: 23456 });
    expect(state.nodes.map((n) => n.port)).toEqual([23456, 23457]);
  });

  it('creates nothing when an option is bad', async () => {
    const root = join(tempDir(), 'cluster');
    await expect(createClusterFiles(new RunDir(root), { config: { 'bogus.key': '1' } })).rejects.toThrow(/unknown setting "bogus.key"/);
    await expect(createClusterFiles(new RunDir(root), { nodes: 0 })).rejects.toThrow(/--nodes/);
    expect(existsSync(root)).toBe(false);
  });
});
