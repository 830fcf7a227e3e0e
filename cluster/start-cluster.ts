/**
 * `startCluster`: a real local cluster for integration tests, driven by the same supervisor as
 * the CLI. Temp directory and free ports by default (Kafka listeners included: never 9092, so
 * test files can run side by side); `stop()` ends every process it started, and a process 'exit'
 * hook SIGKILLs any node a crashed test left behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '../src/client/index.js';
import { findPartition, type ClusterStatus, type PartitionView } from './cluster-status.js';
import type { NewClusterOptions } from './create-cluster.js';
import { fault, type Fault } from '../src/common/faults.js';
import { applyFault, healNodes, injectFault, startNodeAgain, undoFault, type FaultPushResult } from './fault-injection.js';
import type { StopOutcome } from './node-process.js';
import { metricsAddressOf } from './prometheus-targets.js';
import { kafkaAddressOf, type ClusterNodeRecord } from './run-dir.js';
import { Supervisor, type SupervisorOptions } from './supervisor.js';
import { clusterTiming, readyWaitMs } from './timing.js';
import { pollUntil } from './wait.js';

/** No preference for 9092: that is for the CLI's `up`; a test cluster takes free ports. */
export interface StartClusterOptions extends Omit<NewClusterOptions, 'preferDefaultKafkaPorts'> {
  /** Run directory; a fresh one under os.tmpdir() by default. */
  dir?: string;
  /** Keep the run directory after stop(). Directories you pass are always kept. */
  keepDir?: boolean;
  readyTimeoutMs?: number;
  /** How long a node may take over its controlled shutdown before SIGKILL. */
  shutdownTimeoutMs?: number;
  /** Another node program to run (`node <it> --config FILE`), e.g. a test double. */
  nodeEntryPoint?: string;
}

export interface WaitOptions {
  timeoutMs?: number;
}

export interface CreateTopicOptions {
  partitions?: number;
  /** Default: 3, or the number of brokers if fewer. */
  replicationFactor?: number;
  /** Sets the topic's min.insync.replicas. */
  minInsync?: number;
  configs?: Record<string, string>;
  timeoutMs?: number;
}

export interface ClusterNode {
  id: number;
  roles: readonly string[];
  host: string;
  /** gRPC port: the native client, peers, the supervisor. */
  port: number;
  /** host:port (gRPC). */
  address: string;
  /** The broker's Kafka listener port; null on controller-only nodes. */
  kafkaPort: number | null;
  /** host:port of the Kafka listener; null on controller-only nodes. */
  kafkaAddress: string | null;
  /** host:port of the node's Prometheus `/metrics` endpoint; null in clusters created before nodes served metrics. */
  metricsAddress: string | null;
  dataDir: string;
  logFile: string;
  pid: number | null;
}

export const DEFAULT_WAIT_MS = 15_000;

export class LocalCluster {
  private stopped = false;

  constructor(
    private readonly supervisor: Supervisor,
    private readonly ownsDir: boolean,
  ) {}

  get dir(): string {
    return this.supervisor.runDir.root;
  }

  /** The brokers' gRPC addresses, for brokerlab's native client (`createClient({ bootstrapServers })`). */
  get bootstrapServers(): string[] {
    return this.supervisor.bootstrapServers;
  }

  /**
   * The brokers' Kafka listeners (`127.0.0.1:<port>`, free ports), for any Kafka client:
   * `new Kafka({ brokers: cluster.kafkaBrokers })`. A restarted node keeps its port.
   */
  get kafkaBrokers(): string[] {
    return this.supervisor.kafkaBrokers;
  }

  /** host:port of node `id`'s Kafka listener; throws for an unknown or controller-only node. */
  kafkaBrokerOf(id: number): string {
    const address = kafkaAddressOf(this.supervisor.node(id));
    if (address === undefined) throw new Error(`node ${id} has no Kafka listener (it is not a broker)`);
    return address;
  }

  get nodes(): ClusterNode[] {
    return this.supervisor.nodes.map(describeNode);
  }

  status(): Promise<ClusterStatus> {
    return this.supervisor.status();
  }

  /** The current leader of a partition; -1 when it has none or is unknown. */
  async leaderOf(topic: string, partition: number): Promise<number> {
    return findPartition(await this.status(), topic, partition)?.leader ?? -1;
  }

  /** Polls the status until `probe` returns something other than undefined/false. */
  waitFor<T>(probe: (status: ClusterStatus) => T | undefined | false, description: string, options: WaitOptions = {}): Promise<T> {
    return pollUntil(
      async () => {
        const result = probe(await this.status());
        return result === false ? undefined : result;
      },
      { timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_MS, intervalMs: 50, description },
    );
  }

  waitForReady(options: WaitOptions = {}): Promise<ClusterStatus> {
    return this.supervisor.waitForReady(options.timeoutMs ?? readyWaitMs(clusterTiming(this.supervisor.state)));
  }

  /** Waits for the partition to have a leader (other than `not`, if given); returns its id. */
  waitForLeader(topic: string, partition: number, options: WaitOptions & { not?: number } = {}): Promise<number> {
    const description = `a leader for ${topic}-${partition}${options.not !== undefined ? ` other than ${options.not}` : ''}`;
    return this.waitFor(
      (s) => {
        const leader = findPartition(s, topic, partition)?.leader ?? -1;
        return leader > 0 && leader !== options.not ? leader : undefined;
      },
      description,
      options,
    );
  }

  /** Waits until the partition's ISR has exactly `size` members; returns the ISR. */
  waitForIsr(topic: string, partition: number, size: number, timeoutMs = DEFAULT_WAIT_MS): Promise<number[]> {
    return this.waitFor(
      (s) => {
        const p = findPartition(s, topic, partition);
        return p && p.isr.length === size ? p.isr : undefined;
      },
      `the ISR of ${topic}-${partition} to have ${size} members`,
      { timeoutMs },
    );
  }

  /** Waits for an active controller (other than `not`, if given); returns its id. */
  waitForController(options: WaitOptions & { not?: number } = {}): Promise<number> {
    return this.waitFor(
      (s) => (s.activeController !== undefined && s.activeController !== options.not ? s.activeController : undefined),
      `an active controller${options.not !== undefined ? ` other than ${options.not}` : ''}`,
      options,
    );
  }

  /** Waits until every partition of the topic has a leader; returns the partitions. */
  waitForTopic(topic: string, partitions: number, options: WaitOptions = {}): Promise<PartitionView[]> {
    return this.waitFor(
      (s) => {
        const found = s.partitions.filter((p) => p.topic === topic && p.leader > 0);
        return found.length === partitions ? found : undefined;
      },
      `every partition of ${topic} to have a leader`,
      options,
    );
  }

  /**
   * Creates a topic through the native client and waits until every partition has a leader, as
   * the nodes themselves report it.
   */
  async createTopic(name: string, options: CreateTopicOptions = {}): Promise<PartitionView[]> {
    const partitions = options.partitions ?? 1;
    const configs: Record<string, string> = { ...(options.configs ?? {}) };
    if (options.minInsync !== undefined) configs['min.insync.replicas'] = String(options.minInsync);
    const client = createClient({ bootstrapServers: this.bootstrapServers, clientId: 'brokerlab-start-cluster' });
    try {
      const replicationFactor = options.replicationFactor ?? Math.min(3, this.bootstrapServers.length);
      await client.admin().createTopics([{ name, partitions, replicationFactor, configs }], { waitForLeaders: true, timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_MS });
    } finally {
      await client.close();
    }
    return this.waitForTopic(name, partitions, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs });
  }

  /**
   * Injects a fault (src/common/faults.ts): kill, stop, pause, isolate, delay, partition. With a duration it
   * resolves once the fault has been undone again; without one the fault lasts until `undo`.
   */
  async inject(f: Fault): Promise<FaultPushResult> {
    return injectFault(this.supervisor, f);
  }

  /** Undoes a fault: starts killed or stopped nodes again, resumes, heals, undelays. */
  async undo(f: Fault): Promise<FaultPushResult> {
    return undoFault(this.supervisor, f);
  }

  /** SIGKILL node `id` (the crash case). */
  async kill(id: number): Promise<void> {
    await applyFault(this.supervisor, fault.kill(id));
  }

  /** With an id: SIGTERM that node (controlled shutdown). Without: stop the whole cluster. */
  stop(id: number): Promise<StopOutcome | undefined>;
  stop(): Promise<void>;
  async stop(id?: number): Promise<StopOutcome | undefined | void> {
    if (id !== undefined) return this.supervisor.stopNode(id);
    if (this.stopped) return;
    this.stopped = true;
    try {
      await this.supervisor.stopAll();
    } finally {
      this.supervisor.close();
      if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** Starts node `id` again and re-sends it any injected faults. Returns its pid. */
  async start(id: number): Promise<number> {
    return (await startNodeAgain(this.supervisor, id, DEFAULT_WAIT_MS)).pid;
  }

  async restart(id: number): Promise<number> {
    await this.supervisor.stopNode(id);
    return this.start(id);
  }

  /** SIGSTOP node `id`: it freezes without dying. */
  async pause(id: number): Promise<void> {
    await applyFault(this.supervisor, fault.pause(id));
  }

  /** SIGCONT a paused node. */
  async resume(id: number): Promise<void> {
    await undoFault(this.supervisor, fault.pause(id));
  }

  async isolate(id: number): Promise<void> {
    await applyFault(this.supervisor, fault.isolate(id));
  }

  /**
   * Partitions the network into `sideA` and `sideB`: no node of one side reaches any node of the
   * other, in either direction. `heal()` (or `heal(id)` of any node on either side) removes it.
   */
  async partition(sideA: readonly number[], sideB: readonly number[]): Promise<void> {
    await applyFault(this.supervisor, fault.partition(sideA, sideB));
  }

  /** Heals node `id` (its isolation, delay and every partition it is on), or every node. */
  async heal(id?: number): Promise<void> {
    await healNodes(this.supervisor, id);
  }

  /**
   * Cuts node `id` off from its clients: Kafka connections reset and refused, gRPC client calls
   * failed UNAVAILABLE; replication, Raft and controller traffic go on. `heal(id)` undoes it.
   */
  async isolateClients(id: number): Promise<void> {
    await applyFault(this.supervisor, fault.isolate(id, { clients: true }));
  }

  /** Delays every answer node `id` sends to clients (not peers) by `delayMs`; 0 removes the delay. */
  async delayClients(id: number, delayMs: number): Promise<void> {
    await applyFault(this.supervisor, fault.delay(id, delayMs, { clients: true }));
  }

  /** Delays everything node `id` sends by `delayMs` (0 removes the delay). */
  async delay(id: number, delayMs: number): Promise<void> {
    await applyFault(this.supervisor, fault.delay(id, delayMs));
  }
}

function describeNode(n: ClusterNodeRecord): ClusterNode {
  return {
    id: n.id,
    roles: n.roles,
    host: n.host,
    port: n.port,
    address: `${n.host}:${n.port}`,
    kafkaPort: n.kafkaPort ?? null,
    kafkaAddress: kafkaAddressOf(n) ?? null,
    metricsAddress: metricsAddressOf(n) ?? null,
    dataDir: n.dataDir,
    logFile: n.logFile,
    pid: n.pid,
  };
}

export async function startCluster(options: StartClusterOptions = {}): Promise<LocalCluster> {
  const ownsDir = options.dir === undefined && !options.keepDir;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'brokerlab-'));
  const supervisorOptions: SupervisorOptions = { detached: false, killOnExit: true };
  if (options.shutdownTimeoutMs !== undefined) supervisorOptions.shutdownTimeoutMs = options.shutdownTimeoutMs;
  if (options.nodeEntryPoint !== undefined) supervisorOptions.nodeEntryPoint = options.nodeEntryPoint;
  let supervisor: Supervisor | undefined;
  try {
    supervisor = await Supervisor.create(dir, { ...options, preferDefaultKafkaPorts: false }, supervisorOptions);
    const cluster = new LocalCluster(supervisor, ownsDir);
    try {
      await supervisor.startAll();
      await supervisor.waitForReady(options.readyTimeoutMs ?? readyWaitMs(clusterTiming(supervisor.state)), true);
    } catch (e) {
      // Keep the directory: the error points at the node logs inside it.
      await supervisor.stopAll();
      supervisor.close();
      throw e;
    }
    return cluster;
  } catch (e) {
    if (!supervisor && ownsDir) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
