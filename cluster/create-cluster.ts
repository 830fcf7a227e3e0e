/**
 * Lays out a new cluster in a run directory: validates every option first (so bad input fails
 * before any file or process exists), chooses ports (port-plan.ts), then writes each node's config
 * and the state file.
 */
import {
  checkListenerOverrides,
  learnersOf,
  nodeConfigFile,
  planTopology,
  validateSettings,
  votersOf,
  type TopologyOptions,
} from './plan.js';
import { planPorts } from './port-plan.js';
import { LOOPBACK } from './ports.js';
import { newClusterState, RunDir, type ClusterNodeRecord, type ClusterState } from './run-dir.js';

export interface NewClusterOptions extends TopologyOptions {
  profile?: string;
  /** Any node setting by its Kafka name, e.g. { 'replica.lag.time.max.ms': '5000' }. */
  config?: Record<string, string | number | boolean>;
  /** gRPC ports portBase, portBase+1, ...; otherwise free loopback ports. */
  portBase?: number;
  /**
   * The brokers' Kafka listener ports: kafkaPortBase, +1, ... in broker id order; 0 means free
   * ports. Absent: portBase + 100, +101, ... with portBase, else free ports (see port-plan.ts).
   */
  kafkaPortBase?: number;
  /** Try Kafka's 9092, 9093, ... first and fall back to free ports (what `brokerlab up` does). */
  preferDefaultKafkaPorts?: boolean;
  /** Each node's Prometheus `/metrics` port: metricsPortBase, +1, ... in node order; 0 means free ports (see port-plan.ts). */
  metricsPortBase?: number;
  /** Try 9404, 9405, ... for the metrics first and fall back to free ports (what `brokerlab up` does). */
  preferDefaultMetricsPorts?: boolean;
  logLevel?: string;
}

export interface CreatedCluster {
  state: ClusterState;
  /** Things the user should hear about the layout, e.g. that 9092 was busy. */
  notes: string[];
}

export async function createClusterFiles(runDir: RunDir, options: NewClusterOptions): Promise<CreatedCluster> {
  const planned = planTopology(options);
  const brokers = planned.filter((n) => n.roles.includes('broker'));
  const overrides = Object.fromEntries(Object.entries(options.config ?? {}).map(([k, v]) => [k, String(v)]));
  checkListenerOverrides(overrides, brokers.length);
  const profile = validateSettings(options.profile ?? 'fast', overrides);
  const ports = await planPorts({
    nodeCount: planned.length,
    brokerCount: brokers.length,
    ...(options.portBase !== undefined ? { portBase: options.portBase } : {}),
    ...(options.kafkaPortBase !== undefined ? { kafkaPortBase: options.kafkaPortBase } : {}),
    ...(options.preferDefaultKafkaPorts ? { preferDefaultKafkaPorts: true } : {}),
    ...(options.metricsPortBase !== undefined ? { metricsPortBase: options.metricsPortBase } : {}),
    ...(options.preferDefaultMetricsPorts ? { preferDefaultMetricsPorts: true } : {}),
  });
  const portOf = (id: number) => ports.grpc[planned.findIndex((n) => n.id === id)]!;
  const metricsPortOf = (id: number) => ports.metrics[planned.findIndex((n) => n.id === id)]!;
  const kafkaPortOf = (id: number): number | undefined => {
    const index = brokers.findIndex((n) => n.id === id);
    return index < 0 ? undefined : ports.kafka[index];
  };
  const voters = votersOf(planned, portOf);
  const learners = learnersOf(planned, portOf);

  runDir.prepare(planned.map((n) => n.id));
  const nodes: ClusterNodeRecord[] = planned.map((node) => {
    const kafkaPort = kafkaPortOf(node.id);
    const metricsPort = metricsPortOf(node.id);
    const record: ClusterNodeRecord = {
      id: node.id,
      roles: node.roles,
      host: LOOPBACK,
      port: portOf(node.id),
      ...(kafkaPort !== undefined ? { kafkaHost: LOOPBACK, kafkaPort } : {}),
      metricsPort,
      dataDir: runDir.dataDir(node.id),
      configFile: runDir.configFile(node.id),
      logFile: runDir.logFile(node.id),
      outFile: runDir.outFile(node.id),
      pid: null,
    };
    const inputs = {
      node,
      port: record.port,
      ...(kafkaPort !== undefined ? { kafkaPort } : {}),
      metricsPort,
      voters,
      learners,
      dataDir: record.dataDir,
      logFile: record.logFile,
      profile,
      overrides,
    };
    runDir.writeNodeConfig(node.id, nodeConfigFile(options.logLevel ? { ...inputs, logLevel: options.logLevel } : inputs));
    return record;
  });
  const state = newClusterState(profile, overrides, nodes);
  runDir.writeState(state);
  return { state, notes: ports.notes };
}
