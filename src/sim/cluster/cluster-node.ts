/**
 * One simulated node: its disk (partition logs in a MemoryStorage, the metadata log in a
 * MemoryRaftStorage), and the process running over it — a `NodeRuntime` wired to the virtual
 * network — which can be killed, power-cut, restarted and paused.
 *
 * - kill (SIGKILL): the process is gone; the OS keeps every byte it wrote, flushed or not.
 * - power loss: the process is gone and the partition logs keep only what was flushed (plus a
 *   random prefix of the rest, the last write possibly torn); metadata writes still in progress
 *   are lost in both cases. An armed power loss strikes the moment the next metadata write
 *   becomes durable, before the process goes on.
 * A restart builds a new `NodeRuntime` over the surviving disk, with a new incarnation id.
 */
import { errors } from '../../common/errors.js';
import { silentLogger, type Logger } from '../../common/logger.js';
import type { SeededRandom } from '../../common/random.js';
import type { ConsumerFetchRequest, ConsumerFetchResponse, ProduceRequest, ProduceResponse, ReplicaFetchRequest, ReplicaFetchResponse } from '../../broker/index.js';
import { deletePartitionLog, MemoryStorage, openPartitionLog, type PartitionLog } from '../../log/index.js';
import type { NodeConfig } from '../../node/config.js';
import type { ControllerApi } from '../../node/controller-api.js';
import { NodeRuntime } from '../../node/node-runtime.js';
import { topicLogSettings } from '../../node/partition-log-factory.js';
import { topicByName } from '../../metadata/index.js';
import { MemoryRaftStorage } from '../../raft/storage/memory.js';
import type { Message } from '../../raft/types.js';
import type { SimNetwork } from '../network.js';
import { DelayedRaftStorage } from '../delayed-raft-storage.js';
import { HostClock, type Host } from '../host.js';
import { remoteController, SimFetchSession, SimRaftTransport, type ChannelOwner, type NodeDirectory, type NodeServices } from './node-channels.js';
import type { SimLoop } from '../sim-loop.js';
import type { FaultableNode, NodeStatus } from '../fault-injector.js';
import type { CrashKind } from '../nemesis.js';
import type { PartitionView, TopicView } from './client-api.js';

export type { NodeStatus } from '../fault-injector.js';

export interface ClusterNodeOptions {
  readonly config: NodeConfig;
  readonly loop: SimLoop;
  readonly network: SimNetwork;
  readonly directory: NodeDirectory;
  readonly random: SeededRandom;
  /** Flush partition logs after this many messages (0: leave it to the OS, Kafka's default). */
  readonly flushIntervalMessages: number;
  /** False: the controller admits stale broker epochs in AlterPartition (see ClusterSimOptions). */
  readonly checkIsrBrokerEpochs?: boolean;
  /** A logger for verbose replays; silent otherwise. */
  readonly logger?: Logger;
}

export class ClusterNode implements Host, NodeServices, FaultableNode {
  readonly id: number;
  readonly clock: HostClock;
  readonly logDisk = new MemoryStorage();
  readonly raftDisk = new MemoryRaftStorage();
  private state: NodeStatus = 'crashed';
  private generation = 0;
  private current: NodeRuntime | undefined;
  private transport: SimRaftTransport | undefined;
  /** Work that reached the node while it was paused, released in order on resume. */
  private held: Array<() => void> = [];
  /** A power loss waiting for the next durable metadata write. */
  private powerLossArmed: (() => boolean) | undefined;
  readonly counts = { starts: 0, kills: 0, powerLosses: 0, pauses: 0 };

  constructor(private readonly options: ClusterNodeOptions) {
    this.id = options.config.nodeId;
    this.clock = new HostClock(options.loop, this);
  }

  status(): NodeStatus {
    return this.state;
  }

  /** The running process, if any (paused processes included). */
  runtime(): NodeRuntime | undefined {
    return this.current;
  }

  incarnation(): number {
    return this.generation;
  }

  run(incarnation: number, fn: () => void): void {
    if (incarnation !== this.generation || this.state === 'crashed') return;
    if (this.state === 'paused') this.held.push(fn);
    else fn();
  }

  /** Starts a process over the disk as it is. */
  async start(): Promise<void> {
    if (this.state !== 'crashed') return;
    this.generation++;
    this.state = 'up';
    this.counts.starts++;
    const generation = this.generation;
    const { config, random, network, directory } = this.options;
    const owner: ChannelOwner = { host: this, clock: this.clock, network, directory, requestTimeoutMs: config.timing.requestTimeoutMs };
    const transport = new SimRaftTransport(owner);
    this.transport = transport;
    const logger = (this.options.logger ?? silentLogger()).child({ node: this.id, incarnation: generation });
    const runtime = await NodeRuntime.start({
      config,
      clock: this.clock,
      random: random.fork(),
      logger,
      incarnationId: `node-${this.id}-incarnation-${generation}`,
      raftStorage: new DelayedRaftStorage(this.raftDisk, this.clock, random.fork(), () => this.afterDurableWrite()),
      raftTransport: transport,
      openLog: (topic, partition) => this.openLog(topic, partition),
      deleteLog: (log) => {
        log.close();
        deletePartitionLog(this.logDisk, this.logsDir(), log.topic, log.partition);
      },
      remoteController: (target) => remoteController(owner, target),
      openFetchSession: (leaderId) => new SimFetchSession(owner, leaderId),
      ...(this.options.checkIsrBrokerEpochs === false ? { checkIsrBrokerEpochs: false } : {}),
    });
    // The node may have crashed while it started.
    if (generation !== this.generation) return;
    this.current = runtime;
    runtime.driver.onFatal((error) => this.options.loop.fail(error));
  }

  armPowerLossAfterWrite(strike: () => boolean): void {
    this.powerLossArmed = strike;
  }

  /** A metadata write just became durable: an armed power loss strikes now. */
  private afterDurableWrite(): boolean {
    const strike = this.powerLossArmed;
    if (strike === undefined || this.state !== 'up') return false;
    this.powerLossArmed = undefined;
    if (!strike()) return false;
    this.crash('power-loss');
    return true;
  }

  crash(kind: Exclude<CrashKind, 'power-loss-after-write'>): void {
    if (this.state === 'crashed') return;
    this.state = 'crashed';
    this.powerLossArmed = undefined;
    this.current = undefined;
    this.transport = undefined;
    this.held = [];
    if (kind === 'kill') this.counts.kills++;
    else {
      this.counts.powerLosses++;
      this.logDisk.crash({ random: this.options.random.fork(), tornWriteProbability: 0.5 });
    }
    this.options.network.resetCallsServedBy(this.id);
  }

  pause(): void {
    if (this.state !== 'up') return;
    this.state = 'paused';
    this.counts.pauses++;
  }

  /** The process continues: what queued up while it was stopped runs now, in order. */
  resume(): void {
    if (this.state !== 'paused') return;
    this.state = 'up';
    const held = this.held;
    this.held = [];
    const generation = this.generation;
    for (const fn of held) this.options.loop.after(0, () => this.run(generation, fn));
  }

  deliverRaft(message: Message): void {
    this.transport?.receive(message);
  }

  serveController<M extends keyof ControllerApi>(method: M, arg: Parameters<ControllerApi[M]>[0]): Promise<Awaited<ReturnType<ControllerApi[M]>>> {
    const host = this.current?.controllerHost;
    if (!host) return Promise.reject(errors.notController(`node ${this.id} runs no controller`, { leaderId: this.current?.driver.leader() ?? 0 }));
    const fn = host[method] as (a: typeof arg) => Promise<Awaited<ReturnType<ControllerApi[M]>>>;
    return fn.call(host, arg);
  }

  serveReplicaFetch(request: ReplicaFetchRequest): Promise<ReplicaFetchResponse> {
    const replicas = this.current?.replicaManager;
    if (!replicas) return Promise.reject(errors.notLeaderOrFollower(`node ${this.id} hosts no replicas`));
    return new Promise((resolve) => replicas.handleReplicaFetch(request, resolve));
  }

  serveProduce(request: ProduceRequest): Promise<ProduceResponse> {
    const replicas = this.current?.replicaManager;
    if (!replicas) return Promise.reject(errors.notLeaderOrFollower(`node ${this.id} hosts no replicas`));
    // The bytes are the client's; the leader stamps offsets into what it is given.
    const copied: ProduceRequest = { ...request, partitions: request.partitions.map((p) => ({ ...p, records: Buffer.from(p.records) })) };
    return new Promise((resolve) => replicas.produce(copied, resolve));
  }

  serveConsumerFetch(request: ConsumerFetchRequest): Promise<ConsumerFetchResponse> {
    const replicas = this.current?.replicaManager;
    if (!replicas) return Promise.reject(errors.notLeaderOrFollower(`node ${this.id} hosts no replicas`));
    return new Promise((resolve) => replicas.handleConsumerFetch(request, resolve));
  }

  /** The topic as this node's metadata image shows it (possibly stale, as a client would see it). */
  serveMetadata(topic: string): Promise<TopicView | undefined> {
    const runtime = this.current;
    if (!runtime) return Promise.reject(errors.networkException(`node ${this.id} is starting`));
    const image = runtime.publisher.image();
    const t = topicByName(image, topic);
    if (!t) return Promise.resolve(undefined);
    const partitions: PartitionView[] = [...t.partitions.values()]
      .map((p) => ({ partition: p.partition, leader: p.leader, leaderEpoch: p.leaderEpoch, replicas: [...p.replicas], isr: [...p.isr] }))
      .sort((a, b) => a.partition - b.partition);
    return Promise.resolve({ topic, topicId: t.topicId, partitions });
  }

  serveCreateTopics(requests: Parameters<ControllerApi['createTopics']>[0]): ReturnType<ControllerApi['createTopics']> {
    const runtime = this.current;
    if (!runtime) return Promise.reject(errors.networkException(`node ${this.id} is starting`));
    return runtime.controller.createTopics(requests);
  }

  private logsDir(): string {
    return `${this.options.config.dataDir}/logs`;
  }

  /** Opens a partition log as the real node does, with the topic's settings from the metadata image. */
  private openLog(topic: string, partition: number): PartitionLog {
    const image = this.current?.publisher.image();
    const flushIntervalMessages = this.options.flushIntervalMessages;
    return openPartitionLog({
      storage: this.logDisk,
      dataDir: this.logsDir(),
      topic,
      partition,
      clock: this.clock,
      config: {
        ...topicLogSettings(image, topic),
        ...(flushIntervalMessages > 0 ? { flushIntervalMessages } : {}),
      },
    });
  }
}
