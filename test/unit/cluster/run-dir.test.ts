import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CorruptStateError, defaultRunDir, kafkaAddressOf, newClusterState, NoClusterError, RunDir } from '../../../cluster/run-dir.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'brokerlab-rundir-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const node = (runDir: RunDir, id: number) => ({
  id,
  roles: ['controller' as const, 'broker' as const],
  host: '127.0.0.1',
  port: 9000 + id,
  dataDir: runDir.dataDir(id),
  configFile: runDir.configFile(id),
  logFile: runDir.logFile(id),
  outFile: runDir.outFile(id),
  pid: null,
});

describe('run directory', () => {
  it('lays out config, logs and data per node', () => {
    const runDir = new RunDir(tempDir());
    expect(runDir.configFile(2)).toBe(join(runDir.root, 'config', 'node-2.json'));
    expect(runDir.logFile(2)).toBe(join(runDir.root, 'logs', 'node-2.log'));
    expect(runDir.dataDir(2)).toBe(join(runDir.root, 'data', 'node-2'));
  });

  it('writes cluster.json and reads back the same state', () => {
    const runDir = new RunDir(tempDir());
    runDir.prepare([1, 2]);
    const state = newClusterState('kafka', { 'replica.lag.time.max.ms': '5000' }, [node(runDir, 1), node(runDir, 2)]);
    runDir.writeState(state);
    expect(runDir.hasCluster()).toBe(true);
    expect(runDir.readState()).toEqual(state);
    expect(JSON.parse(readFileSync(join(runDir.root, 'cluster.json'), 'utf8')).profile).toBe('kafka');
  });

  it("keeps each broker's Kafka listener, and reads files from before brokers had one", () => {
    const runDir = new RunDir(tempDir());
    runDir.prepare([1, 2]);
    const broker = { ...node(runDir, 1), kafkaHost: '127.0.0.1', kafkaPort: 9092 };
    const old = node(runDir, 2);
    runDir.writeState(newClusterState('fast', {}, [broker, old]));
    const [a, b] = runDir.readState().nodes;
    expect(kafkaAddressOf(a!)).toBe('127.0.0.1:9092');
    expect(kafkaAddressOf(b!)).toBeUndefined();
    writeFileSync(runDir.stateFile, JSON.stringify({ version: 1, nodes: [{ ...broker, kafkaPort: '9092' }] }));
    expect(() => runDir.readState()).toThrow(/bad Kafka listener in node entry/);
  });

  it('says there is no cluster when cluster.json is missing', () => {
    const runDir = new RunDir(tempDir());
    expect(runDir.hasCluster()).toBe(false);
    expect(() => runDir.readState()).toThrow(NoClusterError);
    expect(() => runDir.readState()).toThrow(/no cluster in .*brokerlab up/);
  });

  it('rejects a damaged state file with the file named', () => {
    const runDir = new RunDir(tempDir());
    writeFileSync(runDir.stateFile, '{ not json');
    expect(() => runDir.readState()).toThrow(CorruptStateError);
    writeFileSync(runDir.stateFile, JSON.stringify({ version: 1, nodes: [] }));
    expect(() => runDir.readState()).toThrow(/cluster\.json: no nodes listed/);
    writeFileSync(runDir.stateFile, JSON.stringify({ version: 99, nodes: [{ id: 1 }] }));
    expect(() => runDir.readState()).toThrow(/unsupported state version 99/);
  });

  it('takes the directory from --dir, then BROKERLAB_DIR, then ./.brokerlab', () => {
    expect(defaultRunDir('/x/y', { BROKERLAB_DIR: '/env' })).toBe('/x/y');
    expect(defaultRunDir(undefined, { BROKERLAB_DIR: '/env' })).toBe('/env');
    expect(defaultRunDir(undefined, {})).toBe(resolve('.brokerlab'));
  });
});
