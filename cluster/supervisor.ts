/**
 * The local cluster supervisor: one implementation behind the `brokerlab` CLI and `startCluster`.
 * It owns a run directory's state file and acts on the node processes it lists: start, stop,
 * kill, pause, resume, status and readiness. Network faults live in fault-injection.ts.
 */
import { AdminClientPool, DEFAULT_ADMIN_DEADLINE_MS } from './admin-client.js';
import { mergeClusterStatus, type ClusterStatus, type NodeSample } from './cluster-status.js';
import { createClusterFiles, type NewClusterOptions } from './create-cluster.js';
import { livePid, killNode, signal, spawnNode, tailOfFile, terminateNode, type StopOutcome } from './node-process.js';
import { waitForPortsFree } from './ports.js';
import { writePrometheusTargets } from './prometheus-targets.js';
import { processState, type ProcessState } from './process-state.js';
import { readinessProblems } from './readiness.js';
import { kafkaAddressOf, RunDir, type ClusterNodeRecord, type ClusterState } from './run-dir.js';
import { pollUntil, sleep, WaitTimeoutError } from './wait.js';

export const DEFAULT_READY_TIMEOUT_MS = 20_000;
/** How often `waitForReady` asks the nodes; a status round on loopback takes a few ms. */
const READY_POLL_MS = 20;
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 8_000;
/** How long a start waits for a just-stopped node's port to be released. */
export const PORT_RELEASE_WAIT_MS = 10_000;
const SIGNAL_SETTLE_MS = 2_000;

export class UnknownNodeError extends Error {
  constructor(
    readonly nodeId: number,
    known: readonly number[],
  ) {
    super(`unknown node ${nodeId}; this cluster has nodes ${known.join(', ')}`);
    this.name = 'UnknownNodeError';
  }
}

export class ClusterNotReadyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterNotReadyError';
  }
}

export interface SupervisorOptions {
  /** Start nodes in their own session so they outlive the CLI and ignore the terminal's Ctrl-C. */
  detached?: boolean;
  /** SIGKILL started nodes if this process exits with them still running. */
  killOnExit?: boolean;
  adminDeadlineMs?: number;
  shutdownTimeoutMs?: number;
  /** The node program (run as `node <it> --config FILE`); by default the build's bundle of dist/src/node/main.js. */
  nodeEntryPoint?: string;
}

export class Supervisor {
  readonly runDir: RunDir;
  private current: ClusterState;
  private readonly admin: AdminClientPool;
  private readonly options: Required<Omit<SupervisorOptions, 'nodeEntryPoint'>> & { nodeEntryPoint?: string };
  /** What laying out a new cluster had to tell the user (e.g. 9092 was busy); empty for an opened one. */
  readonly notes: readonly string[];

  private constructor(runDir: RunDir, state: ClusterState, options: SupervisorOptions, notes: readonly string[] = []) {
    this.runDir = runDir;
    this.current = state;
    this.notes = notes;
    this.options = {
      detached: options.detached ?? false,
      killOnExit: options.killOnExit ?? !options.detached,
      adminDeadlineMs: options.adminDeadlineMs ?? DEFAULT_ADMIN_DEADLINE_MS,
      shutdownTimeoutMs: options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
    };
    if (options.nodeEntryPoint !== undefined) this.options.nodeEntryPoint = options.nodeEntryPoint;
    this.admin = new AdminClientPool(this.options.adminDeadlineMs);
  }

  /** Opens the cluster a run directory holds; throws NoClusterError when there is none. */
  static open(dir: string, options: SupervisorOptions = {}): Supervisor {
    const runDir = new RunDir(dir);
    return new Supervisor(runDir, runDir.readState(), options);
  }

  /** Lays out a new cluster (nothing starts yet). */
  static async create(dir: string, cluster: NewClusterOptions, options: SupervisorOptions = {}): Promise<Supervisor> {
    const runDir = new RunDir(dir);
    const { state, notes } = await createClusterFiles(runDir, cluster);
    return new Supervisor(runDir, state, options, notes);
  }

  get state(): ClusterState {
    return this.current;
  }

  get nodes(): readonly ClusterNodeRecord[] {
    return this.current.nodes;
  }

  node(id: number): ClusterNodeRecord {
    const node = this.current.nodes.find((n) => n.id === id);
    if (!node) throw new UnknownNodeError(id, this.current.nodes.map((n) => n.id));
    return node;
  }

  /** host:port (gRPC) of every broker, for brokerlab's native client. */
  get bootstrapServers(): string[] {
    return this.current.nodes.filter((n) => n.roles.includes('broker')).map((n) => `${n.host}:${n.port}`);
  }

  /** host:port of every broker's Kafka listener, for Kafka clients' bootstrap list. */
  get kafkaBrokers(): string[] {
    return this.current.nodes.flatMap((n) => {
      const address = n.roles.includes('broker') ? kafkaAddressOf(n) : undefined;
      return address ? [address] : [];
    });
  }

  processState(id: number): ProcessState {
    const pid = livePid(this.node(id));
    return pid === undefined ? 'dead' : processState(pid);
  }

  /** Persists a change to the state file and keeps it as the current state. */
  update(change: (state: ClusterState) => ClusterState): ClusterState {
    this.current = change(this.current);
    this.runDir.writeState(this.current);
    return this.current;
  }

  private setPid(id: number, pid: number | null): void {
    this.update((s) => ({ ...s, nodes: s.nodes.map((n) => (n.id === id ? { ...n, pid } : n)) }));
  }

  /** Starts the node unless it already runs; returns its pid and whether it was started now. */
  async startNode(id: number): Promise<{ pid: number; started: boolean }> {
    const node = this.node(id);
    const running = livePid(node);
    if (running !== undefined) return { pid: running, started: false };
    // A restarted node keeps its ports, Kafka's too, so clients' bootstrap lists stay valid.
    await waitForPortsFree([node.port], PORT_RELEASE_WAIT_MS, node.host);
    if (node.kafkaPort !== undefined) await waitForPortsFree([node.kafkaPort], PORT_RELEASE_WAIT_MS, node.kafkaHost ?? node.host);
    if (node.metricsPort !== undefined) await waitForPortsFree([node.metricsPort], PORT_RELEASE_WAIT_MS, node.host);
    // Prometheus follows this file; rewritten at every start so it names what the nodes serve.
    writePrometheusTargets(this.runDir.root, this.current.nodes);
    const pid = spawnNode(node, {
      detached: this.options.detached,
      killOnExit: this.options.killOnExit,
      ...(this.options.nodeEntryPoint !== undefined ? { entryPoint: this.options.nodeEntryPoint } : {}),
    });
    this.setPid(id, pid);
    return { pid, started: true };
  }

  /** Starts every node that is not running; ids of the nodes started. */
  async startAll(): Promise<number[]> {
    const toStart = this.current.nodes.filter((n) => livePid(n) === undefined);
    // Check every port first, so a clash starts nothing rather than half a cluster.
    await waitForPortsFree(toStart.flatMap(portsOf), PORT_RELEASE_WAIT_MS);
    for (const node of toStart) await this.startNode(node.id);
    return toStart.map((n) => n.id);
  }

  /** SIGTERM (controlled shutdown), SIGKILL after the bounded wait. Undefined if it was not running. */
  async stopNode(id: number, timeoutMs = this.options.shutdownTimeoutMs): Promise<StopOutcome | undefined> {
    const pid = livePid(this.node(id));
    if (pid === undefined) {
      this.setPid(id, null);
      return undefined;
    }
    // Our open connection would only give the node's graceful server shutdown a client to wait for.
    this.dropAdminChannel(id);
    const outcome = await terminateNode(pid, timeoutMs);
    this.dropAdminChannel(id);
    this.setPid(id, null);
    return outcome;
  }

  /** SIGKILL: the crash case. False if it was not running. */
  async killNode(id: number): Promise<boolean> {
    const pid = livePid(this.node(id));
    if (pid === undefined) return false;
    await killNode(pid);
    this.dropAdminChannel(id);
    return true;
  }

  /** SIGSTOP, returning once the kernel shows the process stopped; false if it is not running. */
  async pauseNode(id: number): Promise<boolean> {
    return this.signalAndSettle(id, 'SIGSTOP', (state) => state !== 'up');
  }

  /** SIGCONT, returning once the process runs again; false if it is not running. */
  async resumeNode(id: number): Promise<boolean> {
    return this.signalAndSettle(id, 'SIGCONT', (state) => state !== 'paused');
  }

  /** Signals are delivered asynchronously: wait (bounded) until the process state shows the effect. */
  private async signalAndSettle(id: number, name: NodeJS.Signals, settled: (state: ProcessState) => boolean): Promise<boolean> {
    const pid = livePid(this.node(id));
    if (pid === undefined) return false;
    signal(pid, name);
    const deadline = Date.now() + SIGNAL_SETTLE_MS;
    while (!settled(processState(pid)) && Date.now() < deadline) await sleep(5);
    return true;
  }

  /**
   * Stops every node. Broker-only nodes go first while the controllers can still move their
   * leaderships; combined and controller nodes then stop together, each bounded by the timeout.
   */
  async stopAll(timeoutMs = this.options.shutdownTimeoutMs): Promise<Map<number, StopOutcome>> {
    const outcomes = new Map<number, StopOutcome>();
    const brokersOnly = this.current.nodes.filter((n) => !n.roles.includes('controller'));
    const rest = this.current.nodes.filter((n) => n.roles.includes('controller'));
    for (const group of [brokersOnly, rest]) {
      const results = await Promise.all(group.map(async (n) => [n.id, await this.stopNode(n.id, timeoutMs)] as const));
      for (const [id, outcome] of results) if (outcome) outcomes.set(id, outcome);
    }
    return outcomes;
  }

  /** SIGKILL every running node without waiting: the answer to a second Ctrl-C. */
  killAllNow(): void {
    for (const node of this.current.nodes) {
      const pid = livePid(node);
      if (pid !== undefined) signal(pid, 'SIGKILL');
    }
  }

  /** Closes our connection to a node that exited, so its port is free for its next start. */
  private dropAdminChannel(id: number): void {
    const node = this.node(id);
    this.admin.forget(`${node.host}:${node.port}`);
  }

  adminOf(id: number) {
    const node = this.node(id);
    return this.admin.get(`${node.host}:${node.port}`);
  }

  /** Samples every node: the process table locally, NodeAdmin.Status over gRPC (bounded). */
  async status(): Promise<ClusterStatus> {
    const samples = await Promise.all(this.current.nodes.map((n) => this.sample(n)));
    const status = mergeClusterStatus(samples);
    // Each node only knows whom it drops; the partitions as injected are the supervisor's to tell.
    const cuts = this.current.faults.partitions;
    if (cuts.length > 0) status.networkPartitions = cuts.map((c) => ({ nodes: [...c.nodes], others: [...c.others] }));
    return status;
  }

  private async sample(node: ClusterNodeRecord): Promise<NodeSample> {
    const pid = livePid(node);
    const state: ProcessState = pid === undefined ? 'dead' : processState(pid);
    const sample: NodeSample = { id: node.id, roles: node.roles, address: `${node.host}:${node.port}`, pid: pid ?? null, process: state };
    if (node.kafkaPort !== undefined) sample.kafka = { host: node.kafkaHost ?? node.host, port: node.kafkaPort };
    if (node.metricsPort !== undefined) sample.metrics = { host: node.host, port: node.metricsPort };
    if (state === 'dead') return { ...sample, error: 'not running' };
    // A stopped process cannot answer; asking would only burn the deadline.
    if (state === 'paused') return { ...sample, error: 'paused' };
    try {
      return { ...sample, status: await this.adminOf(node.id).status() };
    } catch (e) {
      this.admin.forget(sample.address);
      return { ...sample, error: (e as Error).message };
    }
  }

  /**
   * Waits until the quorum has a leader and every broker is registered and unfenced. With
   * `failOnExit`, a node that dies meanwhile fails the wait at once, showing its last output.
   */
  async waitForReady(timeoutMs = DEFAULT_READY_TIMEOUT_MS, failOnExit = false): Promise<ClusterStatus> {
    try {
      return await pollUntil(
        async () => {
          const status = await this.status();
          if (failOnExit) this.throwIfAnyNodeExited(status);
          const problems = readinessProblems(status);
          return problems.length === 0 ? status : { problem: problems.join('; ') };
        },
        { timeoutMs, intervalMs: READY_POLL_MS, description: 'the cluster to be ready' },
      );
    } catch (e) {
      if (!(e instanceof WaitTimeoutError)) throw e;
      throw new ClusterNotReadyError(
        `the cluster in ${this.runDir.root} is not ready after ${timeoutMs} ms: ${e.lastProblem ?? 'no status yet'}. ` +
          `Node logs: ${this.runDir.logsDir}/node-N.log (and node-N.out)`,
      );
    }
  }

  private throwIfAnyNodeExited(status: ClusterStatus): void {
    const dead = status.nodes.find((n) => n.process === 'dead');
    if (!dead) return;
    const record = this.node(dead.id);
    const tail = tailOfFile(record.outFile) || tailOfFile(record.logFile);
    throw new ClusterNotReadyError(
      `node ${dead.id} exited during startup; see ${record.logFile} and ${record.outFile}` + (tail ? `\nlast output:\n${tail}` : ''),
    );
  }

  /** Releases gRPC channels; the nodes keep running. */
  close(): void {
    this.admin.closeAll();
  }
}

/** Every port a node listens on (all on loopback in a local cluster). */
function portsOf(node: ClusterNodeRecord): number[] {
  return [node.port, ...(node.kafkaPort !== undefined ? [node.kafkaPort] : []), ...(node.metricsPort !== undefined ? [node.metricsPort] : [])];
}
