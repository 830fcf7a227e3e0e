/**
 * The broker role of a node: registers with the active controller (a new broker epoch per process
 * start), heartbeats to stay unfenced, hands the metadata image's partitions to the replica
 * manager once the image includes this incarnation's registration, and shuts down under control
 * (leaderships moved away first) when asked.
 */
import type { Clock, Timer } from '../common/clock.js';
import type { TimingConfig } from '../common/config.js';
import { errors, isBrokerError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { ReplicaManager, RoleChanges } from '../broker/index.js';
import { allPartitions, topicByName, topicConfig, type MetadataDelta, type MetadataImage } from '../metadata/index.js';
import type { Endpoint } from '../metadata/types.js';
import type { ControllerApi } from './controller-api.js';
import type { MetadataPublisher } from './metadata-publisher.js';
import { MetadataSlices } from './metadata-slices.js';

/** Longest stretch the broker spends opening or removing logs before it lets heartbeats and Raft run. */
const METADATA_SLICE_BUDGET_MS = 20;
/** Pause between registration attempts that failed (no active controller yet, mostly). */
const REGISTRATION_RETRY_MS = 25;
/** Heartbeats sent and not yet answered, at most: each is also bounded in time. */
const MAX_HEARTBEATS_IN_FLIGHT = 4;

export type BrokerState = 'registering' | 'fenced' | 'active' | 'shutting-down' | 'stopped';

export interface BrokerHostOptions {
  brokerId: number;
  incarnationId: string;
  endpoint: Endpoint;
  /** The Kafka listener clients connect to; sent with every registration. */
  kafkaEndpoint?: Endpoint;
  controller: ControllerApi;
  publisher: MetadataPublisher;
  clock: Clock;
  timing: TimingConfig;
  logger: Logger;
  /** Runs `fn` after the I/O waiting in the event loop (see `MetadataSlicesOptions.nextTurn`). */
  nextTurn?: (fn: () => void) => Timer;
  /** Readies the storage of partitions new to this broker before their logs open (see `preparePartitionDirs`). */
  prepareLogs?: (partitions: ReadonlyArray<{ topic: string; partition: number }>) => Promise<void>;
}

export class BrokerHost {
  private state: BrokerState = 'registering';
  private epoch = -1;
  private fenced = true;
  private metadataReady = false;
  private wantShutdown = false;
  private heartbeatTimer: Timer | undefined;
  private registering = false;
  private heartbeatsInFlight = 0;
  /** Numbers each register or heartbeat attempt, so a late answer to an abandoned one is ignored. */
  private attempt = 0;
  /** The latest heartbeat whose answer was applied: an older answer arriving after it is stale. */
  private appliedAttempt = 0;
  private shutdownWaiters: Array<() => void> = [];
  private replicaManager: ReplicaManager | undefined;
  private slices: MetadataSlices | undefined;
  private readonly roleListeners = new Set<(changes: RoleChanges) => void>();
  private readonly unsubscribe: () => void;

  constructor(private readonly options: BrokerHostOptions) {
    this.unsubscribe = options.publisher.subscribe((image, delta) => this.onMetadata(image, delta));
  }

  /** The replica manager is built by the node with a reference back to `brokerEpoch`; attach it before `start`. */
  attach(replicaManager: ReplicaManager): void {
    this.replicaManager = replicaManager;
    this.slices = new MetadataSlices({
      clock: this.options.clock,
      budgetMs: METADATA_SLICE_BUDGET_MS,
      ...(this.options.nextTurn ? { nextTurn: this.options.nextTurn } : {}),
      apply: (slice) => this.publishRoleChanges(replicaManager.applyMetadata(slice)),
      hostedOf: (topicIds) => replicaManager.hostedPartitionsOf(topicIds),
      prepare: (partitions) => {
        const { prepareLogs, brokerId } = this.options;
        if (!prepareLogs) return undefined;
        const arriving = partitions.filter((p) => p.replicas.includes(brokerId) && !replicaManager.getPartition(p.topic, p.partition));
        return arriving.length > 0 ? prepareLogs(arriving) : undefined;
      },
    });
  }

  /** Hears the leaderships gained and lost each time metadata reaches the replica manager. */
  onRoleChanges(listener: (changes: RoleChanges) => void): () => void {
    this.roleListeners.add(listener);
    return () => this.roleListeners.delete(listener);
  }

  brokerEpoch(): number {
    return this.epoch;
  }

  status(): { state: BrokerState; brokerEpoch: number; fenced: boolean; registered: boolean } {
    return { state: this.state, brokerEpoch: this.epoch, fenced: this.fenced, registered: this.epoch >= 0 };
  }

  start(): void {
    this.replicaManager?.start();
    this.scheduleHeartbeat(0);
  }

  /**
   * Controlled shutdown: keeps heartbeating with `wantShutdown` until the controller says this broker
   * leads nothing (or `timeoutMs` passes), then stops the replicas.
   */
  async shutdown(timeoutMs: number): Promise<void> {
    if (this.state === 'stopped') return;
    if (this.epoch >= 0 && !this.fenced) {
      this.wantShutdown = true;
      this.state = 'shutting-down';
      this.options.logger.info('controlled shutdown: asking the controller to move leaderships away');
      await new Promise<void>((resolve) => {
        const timer = this.options.clock.schedule(timeoutMs, () => {
          this.options.logger.warn({ timeoutMs }, 'controlled shutdown timed out; stopping anyway');
          resolve();
        });
        this.shutdownWaiters.push(() => {
          timer.cancel();
          resolve();
        });
        this.scheduleHeartbeat(0);
      });
    }
    this.stop();
  }

  stop(): void {
    this.state = 'stopped';
    this.heartbeatTimer?.cancel();
    this.unsubscribe();
    this.slices?.stop();
    this.replicaManager?.shutdown();
    for (const w of this.shutdownWaiters.splice(0)) w();
  }

  /** The topic's `min.insync.replicas` from the current image. */
  minInsyncReplicas(topic: string): number {
    const image = this.options.publisher.image();
    const t = topicByName(image, topic);
    return t ? topicConfig(t).minInsyncReplicas : 1;
  }

  private heartbeatNow(): void {
    this.scheduleHeartbeat(0);
  }

  private scheduleHeartbeat(delayMs: number): void {
    if (this.state === 'stopped') return;
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = this.options.clock.schedule(delayMs, () => this.beat());
  }

  private beat(): void {
    if (this.state === 'stopped') return;
    if (this.epoch < 0) {
      void this.registerOnce();
      return;
    }
    // Heartbeats keep their pace whatever their answers do. Under load an answer can take longer
    // than the interval (it waits for the controller's latest Raft commit); a broker that waited
    // for each answer before the next heartbeat, as it did, fell silent for several intervals at a
    // time and was fenced although healthy. The controller notes a heartbeat when it arrives.
    const intervalMs = this.options.timing.brokerHeartbeatIntervalMs;
    this.scheduleHeartbeat(this.state === 'shutting-down' ? Math.min(intervalMs, 50) : intervalMs);
    if (this.heartbeatsInFlight < MAX_HEARTBEATS_IN_FLIGHT) void this.heartbeatOnce();
  }

  private async registerOnce(): Promise<void> {
    if (this.registering) return;
    this.registering = true;
    const { timing, logger } = this.options;
    let nextMs = timing.brokerHeartbeatIntervalMs;
    try {
      // Registration has no session to keep yet and waits as long as any request.
      await this.withinMs(timing.requestTimeoutMs, this.register(++this.attempt));
    } catch (e) {
      logger.debug({ err: e, state: this.state }, 'registration failed; will retry');
      // Until a controller is active (the quorum's first election) a refusal costs nothing, and a
      // broker is of no use before it registers: try again soon.
      nextMs = REGISTRATION_RETRY_MS;
    } finally {
      this.registering = false;
    }
    this.scheduleHeartbeat(nextMs);
  }

  private async heartbeatOnce(): Promise<void> {
    const { timing, logger } = this.options;
    this.heartbeatsInFlight++;
    const epoch = this.epoch;
    try {
      // A lost heartbeat is given up after a third of the session, so a stuck answer cannot pin
      // the in-flight slots; a late answer to it is then ignored.
      const boundMs = Math.max(timing.brokerHeartbeatIntervalMs, Math.floor(timing.brokerSessionTimeoutMs / 3));
      await this.withinMs(boundMs, this.heartbeat(++this.attempt, epoch));
    } catch (e) {
      // Only for the life it was sent in: a late refusal must not undo a registration since.
      if (isBrokerError(e, 'STALE_BROKER_EPOCH') && epoch === this.epoch) {
        logger.warn({ brokerEpoch: this.epoch }, 'controller no longer knows this broker epoch; registering again');
        this.epoch = -1;
        this.metadataReady = false;
        this.scheduleHeartbeat(0);
      } else {
        logger.debug({ err: e, state: this.state }, 'heartbeat failed; will retry');
        // With a long interval (the kafka profile) a failed heartbeat is retried sooner.
        if (timing.brokerHeartbeatIntervalMs > 100) this.scheduleHeartbeat(100);
      }
    } finally {
      this.heartbeatsInFlight--;
    }
  }

  private withinMs<T>(ms: number, work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.options.clock.schedule(ms, () => reject(errors.requestTimedOut(`no answer from the controller within ${ms} ms`)));
      work.then(
        (value) => {
          timer.cancel();
          resolve(value);
        },
        (e: unknown) => {
          timer.cancel();
          reject(e);
        },
      );
    });
  }

  private async register(attempt: number): Promise<void> {
    const { brokerId, incarnationId, endpoint, kafkaEndpoint, controller, logger, publisher } = this.options;
    const { brokerEpoch } = await controller.registerBroker({ brokerId, incarnationId, endpoint, ...(kafkaEndpoint ? { kafkaEndpoint } : {}) });
    if (attempt !== this.attempt) return;
    this.epoch = brokerEpoch;
    this.state = 'fenced';
    logger.info({ brokerEpoch }, 'registered with the controller');
    this.onMetadata(publisher.image());
  }

  private async heartbeat(attempt: number, brokerEpoch: number): Promise<void> {
    const { brokerId, controller, publisher, logger } = this.options;
    const response = await controller.heartbeat({
      brokerId,
      brokerEpoch,
      currentMetadataOffset: publisher.appliedIndex(),
      wantShutdown: this.wantShutdown,
    });
    // Answers may overtake each other; one for an earlier heartbeat, or an earlier life, is stale.
    if (attempt < this.appliedAttempt || brokerEpoch !== this.epoch) return;
    this.appliedAttempt = attempt;
    if (response.isFenced !== this.fenced) {
      logger.info({ brokerEpoch: this.epoch }, response.isFenced ? 'broker fenced' : 'broker unfenced');
    }
    this.fenced = response.isFenced;
    if (this.state === 'fenced' && !response.isFenced) this.state = 'active';
    if (this.state === 'active' && response.isFenced) this.state = 'fenced';
    if (this.wantShutdown && response.shouldShutdown) for (const w of this.shutdownWaiters.splice(0)) w();
  }

  /**
   * Partitions go to the replica manager only once the image holds this incarnation's
   * registration: before that it may still show this broker leading under its previous life.
   */
  private onMetadata(image: MetadataImage, delta?: MetadataDelta): void {
    const slices = this.slices;
    if (!slices || this.epoch < 0 || this.state === 'stopped') return;
    const registration = image.brokers.get(this.options.brokerId);
    if (registration?.brokerEpoch !== this.epoch) return;
    if (!this.metadataReady) {
      this.metadataReady = true;
      slices.submit({ partitions: [...allPartitions(image)] });
      // Caught up to its own registration: the controller unfences it on its next heartbeat, so
      // send that now rather than after the interval (as Kafka's BrokerLifecycleManager does).
      this.heartbeatNow();
      return;
    }
    if (!delta) return;
    slices.submit({
      partitions: delta.partitionsChanged.map((p) => p.current),
      removedTopicIds: delta.topicsDeleted.map((t) => t.topicId),
    });
  }

  private publishRoleChanges(changes: RoleChanges): void {
    if (changes.becameLeader.length + changes.becameFollower.length + changes.removed.length === 0) return;
    for (const listener of this.roleListeners) listener(changes);
  }
}
