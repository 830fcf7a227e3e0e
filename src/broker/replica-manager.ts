/**
 * The replicas one broker hosts. Metadata decides each partition's role here (`applyMetadata`);
 * produce and fetch requests are routed to their partition with Kafka's errors
 * (UNKNOWN_TOPIC_OR_PARTITION for partitions metadata never named, NOT_LEADER_OR_FOLLOWER for
 * partitions hosted elsewhere); fetches and DeleteRecords are served by the FetchServer, whose
 * long polls it wakes as partitions change; ISR changes the partitions propose go to the
 * controller, and are resent while their outcome is unknown; fetchers run one per leader this
 * broker follows. Nothing here touches the network or the disk directly: logs,
 * the controller channel and fetch sessions are injected.
 */
import type { Clock, Timer } from '../common/clock.js';
import type { TimingConfig } from '../common/config.js';
import { BrokerError, errors } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { DEFAULT_DEDUPE_BUFFER_BYTES } from '../log/cleaner/offset-map.js';
import type { PartitionLog } from '../log/types.js';
import { NO_LEADER, type AlterPartitionRequest, type BrokerId, type PartitionRegistration } from '../metadata/types.js';
import type { DeleteRecordsRequest, DeleteRecordsResult } from './delete-records.js';
import type { ConsumerFetchRequest, ConsumerFetchResponse, ReplicaFetchRequest, ReplicaFetchResponse } from './fetch-messages.js';
import { FetchServer } from './fetch-server.js';
import { checkRetention, type LogSettingsFor, type RetentionOutcome } from './log-retention.js';
import { Partition, type PartitionListener } from './partition.js';
import type { ProducePartitionResponse, ProduceRequest, ProduceResponse } from './produce-messages.js';
import { ReplicaFetcher, ReplicaFetcherPool, type ReplicaFetchSession } from './replica-fetcher.js';
import { isValidAcks, partitionKey, type PartitionStatus } from './types.js';

export interface ReplicaManagerLimits {
  readonly maxWaitingProducesPerPartition: number;
  /** Long polls of each kind (replica, consumer) waiting at once. */
  readonly maxWaitingFetches: number;
  /** Upper bound on a produce's own timeout. */
  readonly maxProduceTimeoutMs: number;
  /** How often leaders look for ISR members to drop. */
  readonly isrCheckIntervalMs: number;
  /** log.retention.check.interval.ms: how often retention (and the cleaner) run over the hosted logs. */
  readonly retentionCheckIntervalMs: number;
  /** log.cleaner.dedupe.buffer.size: the bound on one cleaner pass's offset map. */
  readonly logCleanerDedupeBufferSize: number;
  /** Pause before resending an AlterPartition whose outcome is unknown. */
  readonly alterPartitionRetryMs: number;
  /** `replica.fetch.backoff.ms`. */
  readonly replicaFetchBackoffMs: number;
  /** `replica.fetch.max.bytes`, per partition. */
  readonly replicaFetchMaxBytes: number;
  readonly replicaFetchMinBytes: number;
  /**
   * A deliberately broken broker, only for testing checkers (the chaos lab's tests): acks=all is
   * answered as soon as the leader has appended, before the ISR has the batch. Never on otherwise.
   */
  readonly acknowledgeBeforeReplication: boolean;
}

export interface ReplicaManagerOptions {
  readonly brokerId: BrokerId;
  readonly brokerEpoch: () => number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timing: Pick<TimingConfig, 'replicaLagTimeMaxMs' | 'replicaFetchWaitMaxMs' | 'replicaFetchBackoffMs' | 'replicaSocketTimeoutMs' | 'requestTimeoutMs'>;
  /** Opens (creating if needed) the log of a replica this broker is assigned. */
  readonly openLog: (topic: string, partition: number, topicId: string) => PartitionLog;
  /** Disposes of the log of a replica no longer hosted (closed and deleted); defaults to closing it. */
  readonly deleteLog?: (log: PartitionLog, topicId: string) => void;
  /** Resolves with the committed registration, or rejects with the controller's BrokerError. */
  readonly sendAlterPartition: (request: AlterPartitionRequest) => Promise<PartitionRegistration>;
  /** The topic's `min.insync.replicas`; 1 when absent. */
  readonly minInsyncReplicas?: (topic: string) => number;
  /** Opens this broker's fetch channel to a leader; without it no fetchers run (the caller drives them). */
  readonly openFetchSession?: (leaderId: BrokerId) => ReplicaFetchSession;
  /** A topic's log settings from its configs, applied to its open logs at each retention check. */
  readonly logSettings?: LogSettingsFor;
  readonly limits?: Partial<ReplicaManagerLimits>;
}

export interface MetadataUpdate {
  /** New or changed partition registrations (any order; stale ones are ignored). */
  readonly partitions?: readonly PartitionRegistration[];
  /** Deleted topics: every replica of theirs goes, and their names are forgotten. */
  readonly removedTopicIds?: readonly string[];
  /** Replicas of deleted topics to drop now (a large deletion handed over in parts). */
  readonly removedPartitions?: readonly HostedPartitionId[];
}

export interface HostedPartitionId {
  readonly topicId: string;
  readonly partition: number;
}

export interface PartitionRef {
  readonly topic: string;
  readonly partition: number;
}

export interface RoleChanges {
  readonly becameLeader: readonly PartitionRef[];
  readonly becameFollower: readonly PartitionRef[];
  readonly removed: readonly PartitionRef[];
}

export class ReplicaManager {
  private readonly partitions = new Map<string, Partition>();
  /** Every partition metadata has named, hosted here or not, by `topic:partition` name. */
  private readonly knownByName = new Map<string, string>();
  /** Ids of the fetch sessions this broker's fetchers start: unique for this broker epoch. */
  private lastFetchSessionId = 0;
  private readonly fetchServer: FetchServer;
  private readonly fetchers: ReplicaFetcherPool | undefined;
  private readonly limits: ReplicaManagerLimits;
  private readonly listener: PartitionListener;
  private isrCheckTimer: Timer | undefined;
  private retentionTimer: Timer | undefined;
  private stopped = false;

  constructor(private readonly options: ReplicaManagerOptions) {
    const { timing, clock } = options;
    this.limits = {
      maxWaitingProducesPerPartition: 10_000,
      acknowledgeBeforeReplication: false,
      maxWaitingFetches: 10_000,
      maxProduceTimeoutMs: 120_000,
      isrCheckIntervalMs: Math.max(1, Math.floor(timing.replicaLagTimeMaxMs / 2)),
      retentionCheckIntervalMs: 300_000,
      logCleanerDedupeBufferSize: DEFAULT_DEDUPE_BUFFER_BYTES,
      alterPartitionRetryMs: Math.max(1, Math.min(1000, Math.floor(timing.replicaLagTimeMaxMs / 4))),
      replicaFetchBackoffMs: timing.replicaFetchBackoffMs,
      replicaFetchMaxBytes: 1024 * 1024,
      replicaFetchMinBytes: 1,
      ...options.limits,
    };
    this.fetchServer = new FetchServer({
      brokerId: options.brokerId,
      clock,
      timing,
      maxWaiting: this.limits.maxWaitingFetches,
      maxDeleteTimeoutMs: this.limits.maxProduceTimeoutMs,
      replicas: {
        byKey: (key) => this.partitions.get(key),
        byName: (topic, partition) => this.lookupByName(topic, partition),
        keyOfName: (topic, partition) => this.knownByName.get(nameKey(topic, partition)),
      },
    });
    const server = this.fetchServer;
    this.listener = {
      logEndOffsetChanged: (p) => server.logEndOffsetChanged(p),
      highWatermarkChanged: (p) => server.highWatermarkChanged(p),
      isrChangeProposed: (p, request) => this.sendIsrChange(p, request),
      roleChanged: (p) => server.roleChanged(p),
    };
    const openSession = options.openFetchSession;
    this.fetchers = openSession && new ReplicaFetcherPool((leaderId) => this.createFetcher(leaderId, openSession(leaderId)));
  }

  /** Starts the periodic ISR and retention checks. */
  start(): void {
    if (this.isrCheckTimer || this.stopped) return;
    const tick = (): void => {
      this.shrinkLaggingIsrs();
      this.isrCheckTimer = this.options.clock.schedule(this.limits.isrCheckIntervalMs, tick);
    };
    this.isrCheckTimer = this.options.clock.schedule(this.limits.isrCheckIntervalMs, tick);
    const retentionTick = (): void => {
      this.checkRetention();
      this.retentionTimer = this.options.clock.schedule(this.limits.retentionCheckIntervalMs, retentionTick);
    };
    this.retentionTimer = this.options.clock.schedule(this.limits.retentionCheckIntervalMs, retentionTick);
  }

  /** Stops fetchers and timers, answers waiting requests, and closes every log. */
  shutdown(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.isrCheckTimer?.cancel();
    this.retentionTimer?.cancel();
    this.fetchers?.stopAll();
    for (const partition of this.partitions.values()) {
      partition.stop();
      partition.log.close();
    }
    this.partitions.clear();
    this.fetchServer.stop();
  }

  /** Makes this broker leader or follower of each partition assigned to it; drops the rest. */
  applyMetadata(update: MetadataUpdate): RoleChanges {
    const changes: { becameLeader: PartitionRef[]; becameFollower: PartitionRef[]; removed: PartitionRef[] } = {
      becameLeader: [],
      becameFollower: [],
      removed: [],
    };
    if (this.stopped) return changes;
    const { brokerId } = this.options;
    /** Followers of partitions this broker has just come to lead. */
    const newFollowers = new Set<BrokerId>();
    for (const { topicId, partition } of update.removedPartitions ?? []) {
      const existing = this.partitions.get(partitionKey(topicId, partition));
      if (existing) this.removePartition(existing, changes.removed);
    }
    for (const topicId of update.removedTopicIds ?? []) this.removeTopic(topicId, changes.removed);
    for (const registration of update.partitions ?? []) {
      const key = partitionKey(registration.topicId, registration.partition);
      const ref = { topic: registration.topic, partition: registration.partition };
      this.knownByName.set(nameKey(registration.topic, registration.partition), key);
      const existing = this.partitions.get(key);
      if (!registration.replicas.includes(brokerId)) {
        if (existing) this.removePartition(existing, changes.removed);
        continue;
      }
      const partition = existing ?? this.createPartition(registration);
      const roleBefore = partition.role();
      const epochBefore = partition.leaderEpoch();
      const applied = registration.leader === brokerId ? partition.makeLeader(registration) : partition.makeFollower(registration);
      // Only a new leadership counts as a role change; an ISR update within one epoch does not.
      if (!applied || (roleBefore !== 'none' && partition.leaderEpoch() === epochBefore)) continue;
      if (partition.role() === 'leader') {
        changes.becameLeader.push(ref);
        for (const id of registration.replicas) if (id !== brokerId) newFollowers.add(id);
      } else changes.becameFollower.push(ref);
    }
    this.fetchers?.reconcile(this.followedLeaders());
    this.fetchServer.newLeadershipFor(newFollowers);
    return changes;
  }

  /** Appends each partition's batch and answers once every partition has its answer. */
  produce(request: ProduceRequest, done: (response: ProduceResponse) => void): void {
    const results: ProducePartitionResponse[] = new Array(request.partitions.length);
    let remaining = request.partitions.length;
    if (remaining === 0) return done({ partitions: [] });
    const timeoutMs = Math.min(Math.max(0, request.timeoutMs), this.limits.maxProduceTimeoutMs);
    const invalidAcks = isValidAcks(request.acks) ? undefined : errors.invalidRequiredAcks(`acks must be -1, 0 or 1, got ${request.acks}`);
    request.partitions.forEach((part, index) => {
      const settle = (result: Omit<ProducePartitionResponse, 'topic' | 'partition'>): void => {
        results[index] = { topic: part.topic, partition: part.partition, ...result };
        if (--remaining === 0) done({ partitions: results });
      };
      const routed = invalidAcks ?? this.lookupByName(part.topic, part.partition);
      if (!(routed instanceof Partition)) return settle({ error: routed, baseOffset: -1, lastOffset: -1, logStartOffset: -1 });
      routed.produce(part.records, request.acks, timeoutMs, settle, part.currentLeaderEpoch);
    });
  }

  handleReplicaFetch(request: ReplicaFetchRequest, done: (response: ReplicaFetchResponse) => void): void {
    this.fetchServer.handleReplicaFetch(request, done);
  }

  deleteRecords(request: DeleteRecordsRequest, done: (results: DeleteRecordsResult[]) => void): void {
    this.fetchServer.deleteRecords(request, done);
  }

  handleConsumerFetch(request: ConsumerFetchRequest, done: (response: ConsumerFetchResponse) => void): void {
    this.fetchServer.handleConsumerFetch(request, done);
  }

  /** Leaders propose dropping lagging ISR members (run periodically by `start`, callable directly). */
  shrinkLaggingIsrs(): AlterPartitionRequest[] {
    const proposed: AlterPartitionRequest[] = [];
    for (const partition of this.partitions.values()) {
      const request = partition.maybeShrinkIsr();
      if (request) proposed.push(request);
    }
    return proposed;
  }

  /** Applies topic configs, segment.ms rolls, retention and compaction to every hosted log (run periodically by `start`, callable directly). */
  checkRetention(): RetentionOutcome[] {
    if (this.stopped) return [];
    return checkRetention(this.partitions.values(), this.options.clock.now(), this.options.logSettings, this.options.logger, this.limits.logCleanerDedupeBufferSize);
  }

  /** Every replica this broker hosts. */
  hostedPartitions(): Partition[] {
    return [...this.partitions.values()];
  }

  /** The replicas this broker hosts of the given topics. */
  hostedPartitionsOf(topicIds: readonly string[]): HostedPartitionId[] {
    if (topicIds.length === 0) return [];
    const wanted = new Set(topicIds);
    const found: HostedPartitionId[] = [];
    for (const p of this.partitions.values()) if (wanted.has(p.topicId)) found.push({ topicId: p.topicId, partition: p.partition });
    return found;
  }

  getPartition(topic: string, partition: number): Partition | undefined {
    const key = this.knownByName.get(nameKey(topic, partition));
    return key === undefined ? undefined : this.partitions.get(key);
  }

  /** The partitions this broker follows `leaderId` for: what that leader's fetcher serves. */
  partitionsFollowing(leaderId: BrokerId): Partition[] {
    const following: Partition[] = [];
    for (const p of this.partitions.values()) if (p.role() === 'follower' && p.leaderId() === leaderId) following.push(p);
    return following;
  }

  followedPartition(leaderId: BrokerId, key: string): Partition | undefined {
    const p = this.partitions.get(key);
    return p && p.role() === 'follower' && p.leaderId() === leaderId ? p : undefined;
  }

  /** Follower partitions grouped by their leader: one fetch stream per (this broker, leader) pair. */
  followerPartitionsByLeader(): Map<BrokerId, Partition[]> {
    const byLeader = new Map<BrokerId, Partition[]>();
    for (const p of this.partitions.values()) {
      if (p.role() !== 'follower' || p.leaderId() === NO_LEADER) continue;
      const list = byLeader.get(p.leaderId());
      if (list) list.push(p);
      else byLeader.set(p.leaderId(), [p]);
    }
    return byLeader;
  }

  /** Fetches held in long polls now, by kind: Kafka's Fetch purgatory. */
  waitingFetches(): { replica: number; consumer: number } {
    return this.fetchServer.waitingFetches();
  }

  /** Leaders this broker currently runs fetchers against. */
  fetcherLeaders(): BrokerId[] {
    return this.fetchers?.leaders() ?? [];
  }

  status(): PartitionStatus[] {
    return [...this.partitions.values()]
      .map((p) => p.status())
      .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  }

  private createPartition(registration: PartitionRegistration): Partition {
    const { topic, partition, topicId } = registration;
    const options = this.options;
    const log = options.openLog(topic, partition, topicId);
    const created = new Partition(topicId, topic, partition, log, {
      brokerId: options.brokerId,
      brokerEpoch: options.brokerEpoch,
      clock: options.clock,
      logger: options.logger.child({ topic, partition }),
      replicaLagTimeMaxMs: options.timing.replicaLagTimeMaxMs,
      minInsyncReplicas: () => options.minInsyncReplicas?.(topic) ?? 1,
      maxWaitingProduces: this.limits.maxWaitingProducesPerPartition,
      acknowledgeBeforeReplication: this.limits.acknowledgeBeforeReplication,
      fetchErrorBackoffMs: this.limits.replicaFetchBackoffMs,
      listener: this.listener,
    });
    this.partitions.set(partitionKey(topicId, partition), created);
    return created;
  }

  private removeTopic(topicId: string, removed: PartitionRef[]): void {
    for (const partition of [...this.partitions.values()]) if (partition.topicId === topicId) this.removePartition(partition, removed);
    for (const [name, key] of [...this.knownByName]) if (key.startsWith(`${topicId}:`)) this.knownByName.delete(name);
  }

  private removePartition(partition: Partition, removed: PartitionRef[]): void {
    this.partitions.delete(keyOf(partition));
    partition.stop();
    if (this.options.deleteLog) this.options.deleteLog(partition.log, partition.topicId);
    else partition.log.close();
    this.options.logger.info({ topic: partition.topic, partition: partition.partition }, 'replica removed from this broker');
    removed.push({ topic: partition.topic, partition: partition.partition });
  }

  private lookupByName(topic: string, partitionIndex: number): Partition | BrokerError {
    const key = this.knownByName.get(nameKey(topic, partitionIndex));
    if (key === undefined) return errors.unknownTopicOrPartition(`${topic}-${partitionIndex}`);
    return (
      this.partitions.get(key) ?? errors.notLeaderOrFollower(`${topic}-${partitionIndex} has no replica on broker ${this.options.brokerId}`)
    );
  }

  private sendIsrChange(partition: Partition, request: AlterPartitionRequest): void {
    const answer = (result: PartitionRegistration | Error): void => {
      if (this.stopped || this.partitions.get(keyOf(partition)) !== partition) return;
      if (partition.onAlterPartitionResponse(request, result) !== 'retry') return;
      this.options.clock.schedule(this.limits.alterPartitionRetryMs, () => {
        if (!this.stopped && partition.inFlightIsrChange() === request) this.sendIsrChange(partition, request);
      });
    };
    this.options.sendAlterPartition(request).then(answer, (e: unknown) => answer(e instanceof Error ? e : new Error(String(e))));
  }

  private followedLeaders(): BrokerId[] {
    return [...this.followerPartitionsByLeader().keys()];
  }

  private createFetcher(leaderId: BrokerId, session: ReplicaFetchSession): ReplicaFetcher {
    const { options, limits } = this;
    return new ReplicaFetcher({
      leaderId,
      replicaId: options.brokerId,
      brokerEpoch: options.brokerEpoch,
      session,
      source: this,
      clock: options.clock,
      logger: options.logger,
      maxWaitMs: options.timing.replicaFetchWaitMaxMs,
      minBytes: limits.replicaFetchMinBytes,
      maxBytes: limits.replicaFetchMaxBytes,
      requestTimeoutMs: options.timing.replicaSocketTimeoutMs,
      backoffMs: limits.replicaFetchBackoffMs,
      newSessionId: () => ++this.lastFetchSessionId,
    });
  }
}

function keyOf(partition: Partition): string {
  return partitionKey(partition.topicId, partition.partition);
}

function nameKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
