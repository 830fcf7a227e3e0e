import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createClusterFiles } from '../../../cluster/create-cluster.js';
import { checkListenerOverrides, InvalidClusterOptionError, parseConfigAssignments, planTopology, validateSettings } from '../../../cluster/plan.js';
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
    const { state } = await createClusterFiles(runDir, { controllers: 1, brokers: 2, profile: 'kafka', config: { 'replica.lag.time.max.ms': 5000 } });
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

  it('gives each broker a Kafka listener on its own free port, recorded in cluster.json and its config', async () => {
    const runDir = new RunDir(tempDir());
    const { state, notes } = await createClusterFiles(runDir, { controllers: 1, brokers: 2 });
    expect(notes).toEqual([]);
    const [controller, broker2, broker3] = state.nodes;
    // Controller-only nodes serve no Kafka clients.
    expect(controller).not.toHaveProperty('kafkaPort');
    expect(loadNodeConfig(controller!.configFile).kafka).toBeUndefined();
    const ports = new Set(state.nodes.map((n) => n.port));
    for (const broker of [broker2!, broker3!]) {
      expect(broker.kafkaHost).toBe('127.0.0.1');
      expect(broker.kafkaPort).toBeGreaterThan(0);
      // Free ports, never Kafka's fixed 9092 range, and apart from the gRPC ports.
      expect(broker.kafkaPort! < 9092 || broker.kafkaPort! > 9094).toBe(true);
      expect(ports.has(broker.kafkaPort!)).toBe(false);
      const file = JSON.parse(readFileSync(broker.configFile, 'utf8')) as { listeners?: string };
      expect(file.listeners).toBe(`PLAINTEXT://127.0.0.1:${broker.kafkaPort}`);
      expect(loadNodeConfig(broker.configFile).kafka).toEqual({ host: '127.0.0.1', port: broker.kafkaPort, advertisedHost: '127.0.0.1', advertisedPort: broker.kafkaPort });
    }
    expect(broker2!.kafkaPort).not.toBe(broker3!.kafkaPort);
    const onDisk = JSON.parse(readFileSync(runDir.stateFile, 'utf8')) as { nodes: { id: number; kafkaHost?: string; kafkaPort?: number }[] };
    expect(onDisk.nodes.map((n) => [n.id, n.kafkaHost, n.kafkaPort])).toEqual([
      [1, undefined, undefined],
      [2, '127.0.0.1', broker2!.kafkaPort],
      [3, '127.0.0.1', broker3!.kafkaPort],
    ]);
  });

  it('uses consecutive ports from --port-base, Kafka ports from base + 100', async () => {
    const { state } = await createClusterFiles(new RunDir(tempDir()), { nodes: 2, portBase: 23456 });
    expect(state.nodes.map((n) => [n.port, n.kafkaPort])).toEqual([
      [23456, 23556],
      [23457, 23557],
    ]);
  });

  it('passes advertised.listeners to a single broker and refuses listener overrides that cannot work', async () => {
    const { state } = await createClusterFiles(new RunDir(tempDir()), { nodes: 1, config: { 'advertised.listeners': 'PLAINTEXT://laptop.local:19092' } });
    expect(loadNodeConfig(state.nodes[0]!.configFile).kafka).toMatchObject({ host: '127.0.0.1', port: state.nodes[0]!.kafkaPort, advertisedHost: 'laptop.local', advertisedPort: 19092 });
    expect(() => checkListenerOverrides({ 'advertised.listeners': 'PLAINTEXT://x:1' }, 3)).toThrow(
      '--config advertised.listeners would advertise one address for all 3 brokers; it only works with a single broker (--nodes 1)',
    );
    expect(() => checkListenerOverrides({ listeners: 'PLAINTEXT://127.0.0.1:9092' }, 1)).toThrow(/--config listeners does not apply to a local cluster.*--kafka-port-base/);
    expect(() => validateSettings('fast', { 'advertised.listeners': 'SSL://x:1' })).toThrow(/invalid --config: advertised\.listeners: "SSL:\/\/x:1": SSL is not supported/);
    const root = join(tempDir(), 'cluster');
    await expect(createClusterFiles(new RunDir(root), { nodes: 3, config: { 'advertised.listeners': 'PLAINTEXT://x:1' } })).rejects.toThrow(InvalidClusterOptionError);
    expect(existsSync(root)).toBe(false);
  });

  it('creates nothing when an option is bad', async () => {
    const root = join(tempDir(), 'cluster');
    await expect(createClusterFiles(new RunDir(root), { config: { 'bogus.key': '1' } })).rejects.toThrow(/unknown setting "bogus.key"/);
    await expect(createClusterFiles(new RunDir(root), { nodes: 0 })).rejects.toThrow(/--nodes/);
    expect(existsSync(root)).toBe(false);
  });
});
