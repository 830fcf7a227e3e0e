/**
 * The group coordinator of a broker: it owns the node's `GroupCoordinator` and follows this
 * broker's leaderships of `__consumer_offsets` partitions. Becoming a partition's leader loads it
 * (see group-partition-reader.ts for when and how far); losing it unloads it, which answers
 * every waiting request NOT_COORDINATOR. Records reach the log through the replica manager with
 * acks=all (group-offsets-writer.ts).
 *
 * A load that fails for a reason that may pass (the high watermark did not catch up in time) is
 * tried again while this broker still leads the partition in the same epoch; a corrupt record is
 * not, and the partition stays unloaded (its groups answer NOT_COORDINATOR) until leadership moves.
 */
import type { Clock, Timer } from '../common/clock.js';
import type { TimingConfig } from '../common/config.js';
import { isBrokerError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { Random } from '../common/random.js';
import type { ReplicaManager, RoleChanges } from '../broker/index.js';
import { GroupCoordinator, OFFSETS_TOPIC_NAME } from '../broker/group/index.js';
import type { BrokerSettings } from './config.js';
import { replicatedOffsetsWriter } from './group-offsets-writer.js';
import { readOffsetsPartition } from './group-partition-reader.js';

export interface GroupHostOptions {
  readonly replicaManager: Pick<ReplicaManager, 'produce' | 'getPartition'>;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly settings: Pick<BrokerSettings, 'offsetsTopicNumPartitions' | 'offsetCommitTimeoutMs' | 'groupMinSessionTimeoutMs' | 'groupMaxSessionTimeoutMs'>;
  readonly timing: Pick<TimingConfig, 'groupInitialRebalanceDelayMs' | 'requestTimeoutMs'>;
}

/** How often a load checks whether the high watermark has reached the log end. */
const LOAD_POLL_MS = 10;
const LOAD_RETRY_BACKOFF_MS = 200;
const LOAD_CHUNK_BYTES = 1024 * 1024;

/** One leadership of one partition, from election until it is lost or superseded. */
interface Leadership {
  readonly partition: number;
  readonly leaderEpoch: number;
  ended: boolean;
  retryTimer?: Timer;
}

export class GroupHost {
  readonly coordinator: GroupCoordinator;
  private readonly leaderships = new Map<number, Leadership>();
  private closed = false;

  constructor(private readonly options: GroupHostOptions) {
    const { settings, timing } = options;
    this.coordinator = new GroupCoordinator({
      clock: options.clock,
      random: options.random,
      logger: options.logger,
      config: {
        offsetsTopicNumPartitions: settings.offsetsTopicNumPartitions,
        groupMinSessionTimeoutMs: settings.groupMinSessionTimeoutMs,
        groupMaxSessionTimeoutMs: settings.groupMaxSessionTimeoutMs,
        groupInitialRebalanceDelayMs: timing.groupInitialRebalanceDelayMs,
      },
      writer: replicatedOffsetsWriter({
        replicaManager: options.replicaManager,
        timeoutMs: settings.offsetCommitTimeoutMs,
        loadedLeaderEpoch: (partition) => this.leaderships.get(partition)?.leaderEpoch,
      }),
    });
  }

  /** The broker host's report after each metadata update: follow the `__consumer_offsets` leaderships. */
  onRoleChanges(changes: RoleChanges): void {
    if (this.closed) return;
    for (const ref of [...changes.becameFollower, ...changes.removed]) {
      if (ref.topic === OFFSETS_TOPIC_NAME) this.resign(ref.partition);
    }
    for (const ref of changes.becameLeader) {
      if (ref.topic === OFFSETS_TOPIC_NAME) this.lead(ref.partition);
    }
  }

  /** Partitions whose groups this broker serves now. */
  loadedPartitions(): number[] {
    return [...this.leaderships.keys()].filter((p) => this.coordinator.isLoaded(p)).sort((a, b) => a - b);
  }

  /** The broker stops: every partition is unloaded and no load is tried again. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const partition of [...this.leaderships.keys()]) this.resign(partition);
    this.coordinator.close();
  }

  private lead(partition: number): void {
    const { logger, replicaManager } = this.options;
    if (partition >= this.coordinator.config.offsetsTopicNumPartitions) {
      logger.error({ partition, offsetsTopicNumPartitions: this.coordinator.config.offsetsTopicNumPartitions }, '__consumer_offsets has more partitions than offsets.topic.num.partitions; not loading this one');
      return;
    }
    const replica = replicaManager.getPartition(OFFSETS_TOPIC_NAME, partition);
    if (replica?.role() !== 'leader') return;
    this.end(partition);
    const leadership: Leadership = { partition, leaderEpoch: replica.leaderEpoch(), ended: false };
    this.leaderships.set(partition, leadership);
    this.load(leadership);
  }

  private resign(partition: number): void {
    if (!this.end(partition)) return;
    this.coordinator.unloadPartition(partition);
  }

  /** Forgets the partition's leadership; true if there was one. */
  private end(partition: number): boolean {
    const leadership = this.leaderships.get(partition);
    if (!leadership) return false;
    leadership.ended = true;
    leadership.retryTimer?.cancel();
    this.leaderships.delete(partition);
    return true;
  }

  private load(leadership: Leadership): void {
    const { partition, leaderEpoch } = leadership;
    const { clock, logger, replicaManager, timing } = this.options;
    const records = readOffsetsPartition({
      partition,
      leaderEpoch,
      replica: () => replicaManager.getPartition(OFFSETS_TOPIC_NAME, partition),
      wanted: () => !leadership.ended,
      clock,
      timeoutMs: timing.requestTimeoutMs,
      pollMs: LOAD_POLL_MS,
      chunkBytes: LOAD_CHUNK_BYTES,
    });
    this.coordinator.loadPartition(partition, records).catch((e: unknown) => {
      if (leadership.ended) return;
      // A broken invariant stops the process rather than being retried.
      if (!isBrokerError(e)) throw e;
      if (isBrokerError(e, 'CORRUPT_MESSAGE')) {
        logger.error({ err: e, partition, leaderEpoch }, 'cannot load __consumer_offsets partition: its groups stay unavailable here');
        return;
      }
      logger.warn({ err: e, partition, leaderEpoch }, 'loading __consumer_offsets partition failed; trying again');
      leadership.retryTimer = clock.schedule(LOAD_RETRY_BACKOFF_MS, () => {
        const replica = replicaManager.getPartition(OFFSETS_TOPIC_NAME, partition);
        if (!leadership.ended && replica?.role() === 'leader' && replica.leaderEpoch() === leaderEpoch) this.load(leadership);
      });
    });
  }
}
