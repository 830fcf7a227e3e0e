/**
 * Lays out a new cluster in a run directory: validates every option first (so bad input fails
 * before any file or process exists), chooses ports, then writes each node's config and the
 * state file.
 */
import {
  InvalidClusterOptionError,
  learnersOf,
  nodeConfigFile,
  planTopology,
  validateSettings,
  votersOf,
  type TopologyOptions,
} from './plan.js';
import { assertPortsFree, LOOPBACK, pickFreePorts, portsFromBase } from './ports.js';
import { newClusterState, RunDir, type ClusterNodeRecord, type ClusterState } from './run-dir.js';

export interface NewClusterOptions extends TopologyOptions {
  profile?: string;
  /** Any node setting by its Kafka name, e.g. { 'replica.lag.time.max.ms': '5000' }. */
  config?: Record<string, string | number | boolean>;
  /** Ports portBase, portBase+1, ...; otherwise free loopback ports. */
  portBase?: number;
  logLevel?: string;
}

export async function createClusterFiles(runDir: RunDir, options: NewClusterOptions): Promise<ClusterState> {
  const planned = planTopology(options);
  const overrides = Object.fromEntries(Object.entries(options.config ?? {}).map(([k, v]) => [k, String(v)]));
  const profile = validateSettings(options.profile ?? 'fast', overrides);
  const ports = await choosePorts(planned.length, options.portBase);
  const portOf = (id: number) => ports[planned.findIndex((n) => n.id === id)]!;
  const voters = votersOf(planned, portOf);
  const learners = learnersOf(planned, portOf);

  runDir.prepare(planned.map((n) => n.id));
  const nodes: ClusterNodeRecord[] = planned.map((node) => {
    const record: ClusterNodeRecord = {
      id: node.id,
      roles: node.roles,
      host: LOOPBACK,
      port: portOf(node.id),
      dataDir: runDir.dataDir(node.id),
      configFile: runDir.configFile(node.id),
      logFile: runDir.logFile(node.id),
      outFile: runDir.outFile(node.id),
      pid: null,
    };
    const inputs = { node, port: record.port, voters, learners, dataDir: record.dataDir, logFile: record.logFile, profile, overrides };
    runDir.writeNodeConfig(node.id, nodeConfigFile(options.logLevel ? { ...inputs, logLevel: options.logLevel } : inputs));
    return record;
  });
  const state = newClusterState(profile, overrides, nodes);
  runDir.writeState(state);
  return state;
}

async function choosePorts(count: number, portBase: number | undefined): Promise<number[]> {
  if (portBase === undefined) return pickFreePorts(count);
  let ports: number[];
  try {
    ports = portsFromBase(portBase, count);
  } catch (e) {
    throw new InvalidClusterOptionError((e as Error).message);
  }
  await assertPortsFree(ports);
  return ports;
}
