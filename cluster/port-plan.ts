/**
 * Which ports a new local cluster gets: one gRPC port per node, one Kafka listener port per broker.
 *
 * - gRPC: `portBase`, portBase+1, ... when given, else free loopback ports.
 * - Kafka, for the k-th broker in id order (k = 0, 1, ...):
 *   1. `kafkaPortBase` K > 0: K + k;  `kafkaPortBase` 0: free ports;
 *   2. else with `portBase` P: P + 100 + k (clear of the gRPC ports: at most 64 nodes);
 *   3. else with `preferDefaultKafkaPorts` (`brokerlab up`): 9092 + k when every one of them is
 *      free, so `--bootstrap-server localhost:9092` works as with a stock Kafka; otherwise free
 *      ports, with a note saying so;
 *   4. else free ports: `startCluster` never takes a fixed port, so tests can run side by side.
 * - Metrics (each node's Prometheus `/metrics`), for the k-th node in id order:
 *   1. `metricsPortBase` M > 0: M + k;  `metricsPortBase` 0: free ports;
 *   2. else with `portBase` P: P + 200 + k;
 *   3. else with `preferDefaultMetricsPorts` (`brokerlab up`): 9404 + k when every one is free
 *      (the JMX exporter's customary port, so a Prometheus config written for Kafka fits);
 *      otherwise free ports, with a note;
 *   4. else free ports (`startCluster`).
 * Ports the user fixed must be free (PortUnavailableError names the first busy one); the port
 * choice is a pure function of the options and an injected probe, so tests need not bind 9092.
 */
import { InvalidClusterOptionError } from './plan.js';
import { assertPortsFree, pickFreePorts, PortUnavailableError } from './ports.js';

/** Kafka's well-known port: the first broker's listener when it is free. */
export const KAFKA_DEFAULT_PORT = 9092;
/** With --port-base P and no --kafka-port-base, the k-th broker's Kafka port is P + this + k. */
export const KAFKA_PORT_BASE_OFFSET = 100;
/** The first node's metrics port when it (and the next ones) are free. */
export const METRICS_DEFAULT_PORT = 9404;
/** With --port-base P and no --metrics-port-base, the k-th node's metrics port is P + this + k. */
export const METRICS_PORT_BASE_OFFSET = 200;

export interface PortPlanOptions {
  nodeCount: number;
  brokerCount: number;
  /** gRPC ports portBase, portBase+1, ...; otherwise free ports. */
  portBase?: number;
  /** Kafka ports kafkaPortBase, +1, ... for the brokers; 0 asks for free ports. */
  kafkaPortBase?: number;
  /** Try 9092, 9093, ... first (the CLI's `up`); tests leave this off. */
  preferDefaultKafkaPorts?: boolean;
  /** Metrics ports metricsPortBase, +1, ... for the nodes; 0 asks for free ports. */
  metricsPortBase?: number;
  /** Try 9404, 9405, ... first (the CLI's `up`); tests leave this off. */
  preferDefaultMetricsPorts?: boolean;
}

export interface PortPlan {
  /** One per node, in node order. */
  grpc: number[];
  /** One per broker, in broker order. */
  kafka: number[];
  /** One per node, in node order: each node's Prometheus `/metrics` port. */
  metrics: number[];
  /** What the user should know about the choice, e.g. that 9092 was busy. */
  notes: string[];
}

/** How the plan looks at the machine; replaced in tests. */
export interface PortProbe {
  /** The first of these ports something already listens on; undefined when all are free. */
  firstBusy(ports: readonly number[]): Promise<number | undefined>;
  /** `count` distinct ports free right now. */
  free(count: number): Promise<number[]>;
}

export const systemPortProbe: PortProbe = {
  async firstBusy(ports) {
    try {
      await assertPortsFree(ports);
      return undefined;
    } catch (e) {
      if (e instanceof PortUnavailableError) return e.port;
      throw e;
    }
  },
  free: (count) => pickFreePorts(count),
};

export async function planPorts(options: PortPlanOptions, probe: PortProbe = systemPortProbe): Promise<PortPlan> {
  const { nodeCount, brokerCount, portBase, kafkaPortBase, metricsPortBase } = options;
  const notes: string[] = [];
  const grpc = portBase !== undefined ? fixedRange('--port-base', portBase, nodeCount) : undefined;
  let kafka: number[] | undefined;
  if (kafkaPortBase !== undefined && kafkaPortBase !== 0) kafka = fixedRange('--kafka-port-base', kafkaPortBase, brokerCount);
  else if (kafkaPortBase === undefined && portBase !== undefined) {
    kafka = fixedRange(`--port-base (Kafka ports start at ${portBase} + ${KAFKA_PORT_BASE_OFFSET})`, portBase + KAFKA_PORT_BASE_OFFSET, brokerCount);
  }
  let metrics: number[] | undefined;
  if (metricsPortBase !== undefined && metricsPortBase !== 0) metrics = fixedRange('--metrics-port-base', metricsPortBase, nodeCount);
  else if (metricsPortBase === undefined && portBase !== undefined) {
    metrics = fixedRange(`--port-base (metrics ports start at ${portBase} + ${METRICS_PORT_BASE_OFFSET})`, portBase + METRICS_PORT_BASE_OFFSET, nodeCount);
  }
  if (grpc && kafka) {
    const clash = kafka.find((p) => grpc.includes(p));
    if (clash !== undefined) throw new InvalidClusterOptionError(`the gRPC ports (--port-base) and the Kafka ports (--kafka-port-base) overlap at ${clash}`);
  }
  if (metrics) {
    const clash = metrics.find((p) => grpc?.includes(p) || kafka?.includes(p));
    if (clash !== undefined) throw new InvalidClusterOptionError(`the metrics ports (--metrics-port-base) overlap the gRPC or Kafka ports at ${clash}`);
  }
  for (const fixed of [grpc, kafka, metrics]) {
    if (!fixed) continue;
    const busy = await probe.firstBusy(fixed);
    if (busy !== undefined) throw new PortUnavailableError(busy, 'already in use');
  }
  if (!kafka && kafkaPortBase === undefined && options.preferDefaultKafkaPorts) {
    const preferred = fixedRange('the default Kafka ports', KAFKA_DEFAULT_PORT, brokerCount);
    const clash = grpc ? preferred.find((p) => grpc.includes(p)) : undefined;
    const busy = clash ?? (await probe.firstBusy(preferred));
    if (busy === undefined) kafka = preferred;
    else notes.push(`${describeRange(preferred)} ${preferred.length === 1 ? 'is' : 'are'} busy (${busy} is in use); using free ports`);
  }
  if (!metrics && metricsPortBase === undefined && options.preferDefaultMetricsPorts) {
    const preferred = fixedRange('the default metrics ports', METRICS_DEFAULT_PORT, nodeCount);
    const clash = preferred.find((p) => grpc?.includes(p) || kafka?.includes(p));
    const busy = clash ?? (await probe.firstBusy(preferred));
    if (busy === undefined) metrics = preferred;
    else notes.push(`${describeRange(preferred, 'metrics port')} ${preferred.length === 1 ? 'is' : 'are'} busy (${busy} is in use); using free ports`);
  }
  // Free ports in one batch: distinct from each other, and from the fixed ones (asked for extra,
  // since the kernel may hand out a fixed port that is free right now).
  const fixed = [...(grpc ?? []), ...(kafka ?? []), ...(metrics ?? [])];
  const needed = (grpc ? 0 : nodeCount) + (kafka ? 0 : brokerCount) + (metrics ? 0 : nodeCount);
  const free = needed > 0 ? (await probe.free(needed + fixed.length)).filter((p) => !fixed.includes(p)).slice(0, needed) : [];
  if (free.length < needed) throw new Error(`could not find ${needed} free ports`);
  return {
    grpc: grpc ?? free.splice(0, nodeCount),
    kafka: kafka ?? free.splice(0, brokerCount),
    metrics: metrics ?? free.splice(0, nodeCount),
    notes,
  };
}

function fixedRange(what: string, base: number, count: number): number[] {
  if (!Number.isInteger(base) || base < 1 || base + count - 1 > 65535) {
    throw new InvalidClusterOptionError(`${what} must leave room for ${count} ports below 65536, got ${base}`);
  }
  return Array.from({ length: count }, (_, i) => base + i);
}

/** "Kafka port 9092" or "Kafka ports 9092-9094". */
function describeRange(ports: readonly number[], what = 'Kafka port'): string {
  return ports.length === 1 ? `${what} ${ports[0]}` : `${what}s ${ports[0]}-${ports[ports.length - 1]}`;
}
