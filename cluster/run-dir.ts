/**
 * The run directory of a local cluster and its state file:
 *
 *   DIR/cluster.json        nodes, roles, pids, gRPC and Kafka ports, data dirs, profile, overrides, faults
 *   DIR/config/node-N.json  each node's NodeConfigFile
 *   DIR/logs/node-N.log     each node's pino JSON log (written by the node)
 *   DIR/logs/node-N.out     each node's stdout and stderr (crashes land here)
 *   DIR/data/node-N/        each node's data
 *
 * Every CLI invocation reads the state afresh and writes it atomically, so separate commands
 * (`kill 2` in one terminal, `status` in another) see one consistent file.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ProfileName } from '../src/common/config.js';
import type { NodeConfigFile, NodeRole } from '../src/node/config.js';

export const STATE_FILE_NAME = 'cluster.json';
const STATE_VERSION = 1;

export interface ClusterNodeRecord {
  id: number;
  roles: NodeRole[];
  host: string;
  /** The node's gRPC port: peers, the native client and the supervisor. */
  port: number;
  /** The broker's Kafka listener (PLAINTEXT); absent on controller-only nodes and in clusters created before brokers had one. */
  kafkaHost?: string;
  kafkaPort?: number;
  /** The node's Prometheus `/metrics` port on `host`; absent in clusters created before nodes served metrics. */
  metricsPort?: number;
  dataDir: string;
  configFile: string;
  logFile: string;
  /** The node's stdout and stderr. */
  outFile: string;
  /** The last pid the supervisor started; null when it stopped the node. */
  pid: number | null;
}

/** Two sides of a network partition: no node of one side reaches any node of the other. */
export interface PartitionCut {
  nodes: number[];
  others: number[];
}

/** Network faults the supervisor has injected, kept so every node's spec can be recomposed. */
export interface FaultState {
  isolated: number[];
  /** Node id -> delay in ms on everything it sends. */
  delays: Record<string, number>;
  /** Partitions in force; each cuts both directions between its two sides. */
  partitions: PartitionCut[];
  /** Nodes whose clients are cut off (peer traffic unaffected). */
  clientsIsolated: number[];
  /** Node id -> delay in ms on every answer it sends to clients. */
  clientsDelays: Record<string, number>;
}

/** No network faults. */
export function noFaults(): FaultState {
  return { isolated: [], delays: {}, partitions: [], clientsIsolated: [], clientsDelays: {} };
}

export interface ClusterState {
  version: number;
  createdAt: string;
  profile: ProfileName;
  overrides: Record<string, string>;
  nodes: ClusterNodeRecord[];
  faults: FaultState;
}

/** Raised when a directory holds no cluster (no cluster.json). */
export class NoClusterError extends Error {
  constructor(readonly dir: string) {
    super(`no cluster in ${dir} (no ${STATE_FILE_NAME}); start one with: brokerlab up --dir ${dir}`);
    this.name = 'NoClusterError';
  }
}

export class CorruptStateError extends Error {
  constructor(path: string, reason: string) {
    super(`cannot read ${path}: ${reason}`);
    this.name = 'CorruptStateError';
  }
}

/** The run directory the CLI uses: --dir, else $BROKERLAB_DIR, else ./.brokerlab. */
export function defaultRunDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? env['BROKERLAB_DIR'] ?? '.brokerlab');
}

export class RunDir {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  get stateFile(): string {
    return join(this.root, STATE_FILE_NAME);
  }

  get logsDir(): string {
    return join(this.root, 'logs');
  }

  configFile(id: number): string {
    return join(this.root, 'config', `node-${id}.json`);
  }

  dataDir(id: number): string {
    return join(this.root, 'data', `node-${id}`);
  }

  logFile(id: number): string {
    return join(this.logsDir, `node-${id}.log`);
  }

  outFile(id: number): string {
    return join(this.logsDir, `node-${id}.out`);
  }

  hasCluster(): boolean {
    return existsSync(this.stateFile);
  }

  /** Creates the directory tree for these node ids. */
  prepare(ids: readonly number[]): void {
    mkdirSync(join(this.root, 'config'), { recursive: true });
    mkdirSync(this.logsDir, { recursive: true });
    for (const id of ids) mkdirSync(this.dataDir(id), { recursive: true });
  }

  readState(): ClusterState {
    if (!this.hasCluster()) throw new NoClusterError(this.root);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.stateFile, 'utf8'));
    } catch (e) {
      throw new CorruptStateError(this.stateFile, (e as Error).message);
    }
    return checkState(parsed, this.stateFile);
  }

  /** Write-then-rename, so a reader never sees half a file. */
  writeState(state: ClusterState): void {
    writeJsonAtomically(this.stateFile, state);
  }

  writeNodeConfig(id: number, config: NodeConfigFile): void {
    writeJsonAtomically(this.configFile(id), config);
  }
}

/** host:port of a node's Kafka listener, if it has one. */
export function kafkaAddressOf(node: ClusterNodeRecord): string | undefined {
  return node.kafkaPort !== undefined ? `${node.kafkaHost ?? node.host}:${node.kafkaPort}` : undefined;
}

export function newClusterState(
  profile: ProfileName,
  overrides: Record<string, string>,
  nodes: ClusterNodeRecord[],
): ClusterState {
  return {
    version: STATE_VERSION,
    createdAt: new Date().toISOString(),
    profile,
    overrides,
    nodes,
    faults: noFaults(),
  };
}

function writeJsonAtomically(path: string, value: unknown): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(temporary, path);
}

function checkState(parsed: unknown, path: string): ClusterState {
  const state = parsed as Partial<ClusterState> | null;
  if (!state || typeof state !== 'object') throw new CorruptStateError(path, 'not a JSON object');
  if (state.version !== STATE_VERSION) {
    throw new CorruptStateError(path, `unsupported state version ${String(state.version)} (expected ${STATE_VERSION})`);
  }
  if (!Array.isArray(state.nodes) || state.nodes.length === 0) throw new CorruptStateError(path, 'no nodes listed');
  for (const node of state.nodes) {
    if (!Number.isInteger(node?.id) || !Number.isInteger(node?.port) || typeof node?.configFile !== 'string') {
      throw new CorruptStateError(path, `bad node entry ${JSON.stringify(node)}`);
    }
    if (node.kafkaPort !== undefined && (!Number.isInteger(node.kafkaPort) || typeof node.kafkaHost !== 'string')) {
      throw new CorruptStateError(path, `bad Kafka listener in node entry ${JSON.stringify(node)}`);
    }
  }
  return {
    version: state.version,
    createdAt: state.createdAt ?? '',
    profile: state.profile ?? 'fast',
    overrides: state.overrides ?? {},
    nodes: state.nodes,
    faults: checkFaults(state.faults, path),
  };
}

/**
 * The fault state, with the fields older state files lack filled in empty: a cluster created
 * before partitions or client faults existed still loads, with none in force.
 */
function checkFaults(faults: Partial<FaultState> | undefined, path: string): FaultState {
  if (faults === undefined || faults === null) return noFaults();
  if (typeof faults !== 'object') throw new CorruptStateError(path, 'faults is not an object');
  const partitions = faults.partitions ?? [];
  const ids = (list: unknown): boolean => Array.isArray(list) && list.every((id) => Number.isInteger(id));
  if (!Array.isArray(partitions) || !partitions.every((p) => ids(p?.nodes) && ids(p?.others))) {
    throw new CorruptStateError(path, `bad partitions ${JSON.stringify(partitions)}`);
  }
  return {
    isolated: faults.isolated ?? [],
    delays: faults.delays ?? {},
    partitions,
    clientsIsolated: faults.clientsIsolated ?? [],
    clientsDelays: faults.clientsDelays ?? {},
  };
}
