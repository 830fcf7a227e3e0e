/**
 * The whole-cluster simulation: every node a real `NodeRuntime` (Raft over the metadata log,
 * active controller, brokers with replica fetchers) in one process, on one virtual clock and a
 * virtual network, every random choice drawn from one seed.
 *
 * A run: start the nodes, wait for the brokers to register, create a topic (RF 3), then run
 * producers and consumers while faults strike for the fault phase; then a quiet period (all
 * healed, restarted, resumed) in which a fresh produce to every partition must be acknowledged
 * within a bound and every replica must catch up. The recorded history and the final logs go to
 * the history checker. The same seed replays the same run, event for event.
 */
import { pino } from 'pino';
import { checkHistory, type CheckOptions, type CheckReport, type History } from '../../check/index.js';
import type { Logger } from '../../common/logger.js';
import { SeededRandom } from '../../common/random.js';
import { Digest } from '../trace.js';
import { FaultInjector, type FaultCounts } from '../fault-injector.js';
import { MIXED_FAULTS, planFaults, type Fault, type NemesisProfile } from '../nemesis.js';
import { SimNetwork, type NetworkStats } from '../network.js';
import { topicByName, type MetadataImage } from '../../metadata/index.js';
import { NO_LEADER } from '../../metadata/types.js';
import { ClusterNode } from './cluster-node.js';
import { authoritativeImage, describePartitions, hasConverged, readFinalState } from './final-state.js';
import { SimLoop } from '../sim-loop.js';
import { brokerIds, nodeConfigs, topologyNodes, TOPOLOGIES, type TopologyName } from './topology.js';
import { Workload } from './workload.js';
import { workloadKeyOf } from './record-values.js';

export const TOPIC = 'events';
/** Request timeout of every node and client: short, so lost calls cost little virtual time. */
export const REQUEST_TIMEOUT_MS = 1000;
/** Startup (elections, registrations, topic creation) must finish within this. */
export const SETUP_BOUND_MS = 8000;
/** After the quiet period starts, the liveness probe waits this long for the cluster to settle... */
export const PROBE_DELAY_MS = 300;
/** ...then every partition must acknowledge a fresh produce within this. */
export const PROBE_BOUND_MS = 4000;
/** After the probe, every replica must have caught up within this. */
export const CONVERGE_BOUND_MS = 6000;
/** No run lasts longer than this in virtual time. */
const HARD_LIMIT_MS = 120_000;

/**
 * The topic of a run with retention and compaction on (`ClusterSimOptions.compaction`): segments
 * of a few batches, so that the workload of a few seconds rolls many of them and the cleaner has
 * closed segments to rewrite; a retention.bytes below what a compacted log of the workload's keys
 * needs, so that whole segments are deleted and the log start moves while consumers read and
 * replicas fetch; and a dirty ratio low enough that the cleaner runs soon after each roll.
 */
export const COMPACTED_TOPIC_CONFIGS: Readonly<Record<string, string>> = {
  'cleanup.policy': 'compact,delete',
  'segment.bytes': '512',
  'retention.bytes': '1024',
  'min.cleanable.dirty.ratio': '0.1',
};
/** log.retention.check.interval.ms in a compacted run: many retention and cleaner passes per fault phase. */
export const COMPACTED_RETENTION_CHECK_INTERVAL_MS = 100;

export interface ClusterSimOptions {
  readonly seed: number;
  /** Drawn from the seed when absent. */
  readonly topology?: TopologyName;
  /** -1 (all, the default) or 1. */
  readonly acks?: -1 | 1;
  /** The topic's min.insync.replicas (default 2). */
  readonly minInsyncReplicas?: number;
  /** Drawn from the seed (2–4) when absent. */
  readonly partitions?: number;
  /** Drawn from the seed (1500–3000 ms) when absent. */
  readonly faultPhaseMs?: number;
  /** Inject faults (default true). */
  readonly faults?: boolean;
  readonly nemesis?: NemesisProfile;
  /**
   * Partition logs flush after this many messages (default 1, so a power loss keeps everything a
   * replica acknowledged; 0 leaves flushing to the OS, Kafka's default, where power losses may
   * lose acknowledged data: see kafka-replication-facts §1, KIP-966).
   */
  readonly flushIntervalMessages?: number;
  /**
   * The controller refuses AlterPartition members with a stale broker epoch (KIP-903; default
   * true). False exists only to show, in a scripted run, the acknowledged writes lost without it.
   */
  readonly checkIsrBrokerEpochs?: boolean;
  /**
   * A scripted fault story in place of the drawn fault plan: it runs while the workload does, and
   * the quiet period begins when it returns.
   */
  readonly script?: (cluster: ClusterScriptContext) => Promise<void>;
  /** Concurrent producers (default 4). */
  readonly producers?: number;
  /**
   * Run on a compacted topic with retention (COMPACTED_TOPIC_CONFIGS, checked every
   * COMPACTED_RETENTION_CHECK_INTERVAL_MS): records keyed by `workloadKeyOf`, and the checker told
   * what retention and compaction may remove. Default false: a plain topic nothing is removed from.
   */
  readonly compaction?: boolean;
  /** Node logs and fault lines for a verbose replay; silent when absent. */
  readonly verbose?: { readonly level: string; readonly write: (line: string) => void };
}

/** What a scripted run may see and do. */
export interface ClusterScriptContext {
  readonly nodes: ReadonlyMap<number, ClusterNode>;
  readonly network: SimNetwork;
  /** Applies a fault as the nemesis would, so the quiet period restarts what it crashed. */
  apply(fault: Fault): void;
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Polls every `stepMs` (default 1) until `condition` holds; false if `deadlineMs` passed first. */
  waitUntil(condition: () => boolean, deadlineMs: number, stepMs?: number): Promise<boolean>;
  /** The metadata image of the active controller's node, the most up to date. */
  image(): MetadataImage | undefined;
  trace(line: string): void;
}

export interface ClusterSimResult {
  readonly seed: number;
  readonly topology: TopologyName;
  readonly acks: number;
  readonly minInsyncReplicas: number;
  readonly partitions: number;
  readonly faultPhaseMs: number;
  readonly virtualTimeMs: number;
  readonly events: number;
  readonly faults: FaultCounts;
  readonly network: NetworkStats;
  readonly history: History;
  readonly report: CheckReport;
  /** What kept the cluster from being live after the quiet period; empty when it was. */
  readonly liveness: readonly string[];
  readonly consumerResets: number;
  /** A digest of the run: equal for two runs of one seed. */
  readonly digest: string;
}

export async function runClusterSimulation(options: ClusterSimOptions): Promise<ClusterSimResult> {
  return new ClusterSimulation(options).run();
}

class ClusterSimulation {
  private readonly loop = new SimLoop();
  private readonly random: SeededRandom;
  private readonly nodes = new Map<number, ClusterNode>();
  private readonly network: SimNetwork;
  private readonly workload: Workload;
  private readonly injector: FaultInjector;
  private readonly topology: TopologyName;
  private readonly partitions: number;
  private readonly faultPhaseMs: number;
  private readonly segmentBytes: number;
  private readonly replicaLagTimeMaxMs: number;
  private readonly liveness: string[] = [];
  private readonly trace: ((line: string) => void) | undefined;

  constructor(private readonly options: ClusterSimOptions) {
    const random = new SeededRandom(options.seed);
    this.random = random;
    // Every parameter is drawn even when given, so a given one does not shift later draws.
    const drawnTopology = random.chance(0.6) ? 'combined-3' : random.pick(TOPOLOGIES);
    const drawnPartitions = random.int(2, 4);
    const drawnFaultPhaseMs = random.int(1500, 3000);
    this.segmentBytes = random.pick([2048, 16 * 1024, 1024 * 1024]);
    // Shorter than the fast profile's 2 s at times, so ISRs shrink (and acks=all resumes) within a short fault phase.
    this.replicaLagTimeMaxMs = random.pick([500, 1000, 2000]);
    this.topology = options.topology ?? drawnTopology;
    this.partitions = options.partitions ?? drawnPartitions;
    this.faultPhaseMs = options.faults === false ? 0 : (options.faultPhaseMs ?? drawnFaultPhaseMs);
    const verbose = options.verbose;
    this.trace = verbose && ((line) => verbose.write(`${JSON.stringify({ t: this.loop.now(), sim: line })}\n`));
    const logger: Logger | undefined =
      verbose && pino({ level: verbose.level, base: undefined, timestamp: () => `,"t":${this.loop.now()}` }, { write: (line: string) => verbose.write(line) });

    const specs = topologyNodes(this.topology);
    const brokers = brokerIds(specs);
    const nemesis = options.nemesis ?? MIXED_FAULTS;
    this.network = new SimNetwork(random.fork(), this.loop, (id) => this.nodes.get(id)?.status() === 'crashed', nemesis.calm);
    const configs = nodeConfigs(specs, {
      'request.timeout.ms': REQUEST_TIMEOUT_MS,
      'replica.lag.time.max.ms': this.replicaLagTimeMaxMs,
      ...(options.compaction ? { 'log.retention.check.interval.ms': COMPACTED_RETENTION_CHECK_INTERVAL_MS } : {}),
    });
    const directory = { services: (id: number) => this.nodes.get(id) };
    for (const spec of specs) {
      const node = new ClusterNode({
          config: configs.get(spec.id)!,
          loop: this.loop,
          network: this.network,
          directory,
          random: random.fork(),
          flushIntervalMessages: options.flushIntervalMessages ?? 1,
          ...(options.checkIsrBrokerEpochs === false ? { checkIsrBrokerEpochs: false } : {}),
        ...(logger ? { logger } : {}),
      });
      this.nodes.set(spec.id, node);
      this.network.register(node);
    }
    this.workload = new Workload(this.loop, this.network, this.nodes, random.fork(), {
      topic: TOPIC,
      partitions: this.partitions,
      producers: options.producers ?? 4,
      acks: options.acks ?? -1,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      brokers,
      ...(options.compaction ? { keyOf: workloadKeyOf } : {}),
    });
    const injectorRandom = random.fork();
    this.injector = new FaultInjector({
      nodes: this.nodes,
      network: this.network,
      random: injectorRandom,
      calm: nemesis.calm,
      clientIds: this.workload.clientIds,
      resolveLeader: (target) => (target === 'leader' ? this.activeController() : this.somePartitionLeader(injectorRandom)),
      scheduleFault: (delayMs, fault) => this.loop.after(delayMs, () => this.applyFault(fault)),
      onStartFailure: (e) => this.loop.fail(e),
    });
  }

  async run(): Promise<ClusterSimResult> {
    // A rejected promise nobody handles inside a node would crash a real process: stop the run.
    const onUnhandled = (error: unknown): void => this.loop.fail(error);
    process.on('unhandledRejection', onUnhandled);
    try {
      let finished = false;
      const scenario = this.scenario().finally(() => (finished = true));
      scenario.catch((e: unknown) => this.loop.fail(e));
      await this.loop.runUntil(HARD_LIMIT_MS, () => finished);
      if (!finished) this.liveness.push(`the run did not finish within ${HARD_LIMIT_MS}ms of virtual time`);
      return this.result();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  }

  private async scenario(): Promise<void> {
    for (const node of this.nodes.values()) await node.start();
    const setupDeadline = this.loop.now() + SETUP_BOUND_MS;
    if (!(await this.waitUntil(() => this.allBrokersActive(), setupDeadline))) return this.stuck('brokers did not all register and unfence');
    const configs = {
      'min.insync.replicas': String(this.options.minInsyncReplicas ?? 2),
      'segment.bytes': String(this.segmentBytes),
      ...(this.options.compaction ? COMPACTED_TOPIC_CONFIGS : {}),
    };
    if (!(await this.workload.createTopic(configs, setupDeadline))) return this.stuck('the topic could not be created');
    if (!(await this.waitUntil(() => hasConverged(this.nodes, TOPIC, this.partitions), setupDeadline))) return this.stuck('the new topic did not get leaders');
    this.trace?.('setup done; workload and faults start');

    if (this.options.script) {
      this.workload.start();
      await this.options.script(this.scriptContext());
      this.applyFault({ kind: 'quiet' });
    } else {
      this.scheduleFaults();
      this.workload.start();
      await this.sleep(this.faultPhaseMs);
    }
    await this.workload.stopProducers();
    await this.sleep(PROBE_DELAY_MS);
    const unacknowledged = await this.workload.probe(PROBE_BOUND_MS);
    for (const p of unacknowledged) this.liveness.push(`partition ${p.partition}: liveness probe ${p.outcome}${p.error ? ` (${p.error})` : ''}`);
    if (!(await this.waitUntil(() => hasConverged(this.nodes, TOPIC, this.partitions), this.loop.now() + CONVERGE_BOUND_MS))) {
      this.liveness.push(`replicas did not converge within ${CONVERGE_BOUND_MS}ms after the probe: ${describePartitions(this.nodes, TOPIC)}`);
    }
    await this.workload.stopConsumers();
  }

  private scriptContext(): ClusterScriptContext {
    return {
      nodes: this.nodes,
      network: this.network,
      apply: (fault) => this.applyFault(fault),
      now: () => this.loop.now(),
      sleep: (ms) => this.sleep(ms),
      waitUntil: (condition, deadlineMs, stepMs = 1) => this.waitUntil(condition, deadlineMs, stepMs),
      image: () => {
        const controller = this.activeController();
        return controller === undefined ? undefined : this.nodes.get(controller)!.runtime()?.publisher.image();
      },
      trace: (line) => this.trace?.(line),
    };
  }

  private scheduleFaults(): void {
    if (this.options.faults === false) {
      this.injector.quiet();
      return;
    }
    const plan = planFaults(this.random.fork(), this.options.nemesis ?? MIXED_FAULTS, [...this.nodes.keys()], this.faultPhaseMs);
    for (const { atMs, fault } of plan) this.loop.after(atMs, () => this.applyFault(fault));
  }

  private applyFault(fault: Fault): void {
    const done = this.injector.apply(fault);
    if (done) this.trace?.(`fault ${done}`);
  }

  /** The Raft leader of the highest term among running nodes: the active controller. */
  private activeController(): number | undefined {
    let best: { id: number; term: number } | undefined;
    for (const node of this.nodes.values()) {
      const status = node.runtime()?.driver.status();
      if (status?.role === 'leader' && (!best || status.term > best.term)) best = { id: node.id, term: status.term };
    }
    return best?.id;
  }

  /** The leader of a random partition, as the active controller's image names it. */
  private somePartitionLeader(random: SeededRandom): number | undefined {
    const controller = this.activeController();
    const image = controller === undefined ? undefined : this.nodes.get(controller)!.runtime()?.publisher.image();
    const topic = image && topicByName(image, TOPIC);
    if (!topic || topic.partitions.size === 0) return undefined;
    const partition = topic.partitions.get(random.int(0, topic.partitions.size - 1));
    return partition && partition.leader !== NO_LEADER && this.nodes.has(partition.leader) ? partition.leader : undefined;
  }

  private allBrokersActive(): boolean {
    const image = authoritativeImage(this.nodes);
    if (!image) return false;
    return this.workload.options.brokers.every((id) => image.brokers.get(id)?.fenced === false);
  }

  private stuck(problem: string): void {
    this.liveness.push(`setup: ${problem} within ${SETUP_BOUND_MS}ms`);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.loop.after(ms, resolve));
  }

  private async waitUntil(condition: () => boolean, deadlineMs: number, stepMs = 10): Promise<boolean> {
    while (!condition()) {
      if (this.loop.now() >= deadlineMs) return false;
      await this.sleep(stepMs);
    }
    return true;
  }

  /** What the topic's cleanup policy may remove: nothing, unless the run compacts. */
  private checkOptions(): CheckOptions {
    return this.options.compaction ? { retention: true, compaction: { keyOf: workloadKeyOf } } : {};
  }

  private result(): ClusterSimResult {
    const history: History = { topic: TOPIC, sends: this.workload.sends, polls: this.workload.polls, final: readFinalState(this.nodes, TOPIC) };
    const digest = new Digest();
    digest.add(this.loop.events);
    digest.add(this.loop.now());
    for (const send of history.sends) {
      digest.add(send.completeMs);
      digest.add(send.offset ?? -1);
    }
    for (const poll of history.polls) digest.add(poll.completeMs);
    return {
      seed: this.options.seed,
      topology: this.topology,
      acks: this.options.acks ?? -1,
      minInsyncReplicas: this.options.minInsyncReplicas ?? 2,
      partitions: this.partitions,
      faultPhaseMs: this.faultPhaseMs,
      virtualTimeMs: this.loop.now(),
      events: this.loop.events,
      faults: { ...this.injector.counts },
      network: { ...this.network.stats },
      history,
      report: checkHistory(history, this.checkOptions()),
      liveness: [...this.liveness],
      consumerResets: this.workload.consumerResets(),
      digest: digest.hex(),
    };
  }
}
