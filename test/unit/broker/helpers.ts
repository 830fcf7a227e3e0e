/** Fixtures for the replica tests: memory-backed logs, batches, registrations, and a partition per broker. */
import { ManualClock } from '../../../src/common/clock.js';
import { silentLogger } from '../../../src/common/logger.js';
import { buildBatch } from '../../../src/log/batch/build.js';
import { iterateBatches, readRecords } from '../../../src/log/batch/read.js';
import { openPartitionLog } from '../../../src/log/open-log.js';
import { MemoryStorage } from '../../../src/log/storage/memory-storage.js';
import type { PartitionLog } from '../../../src/log/types.js';
import type { AlterPartitionRequest, BrokerId, PartitionRegistration } from '../../../src/metadata/types.js';
import type { ReplicaFetchPartitionRequest, ReplicaFetchRequest } from '../../../src/broker/fetch-messages.js';
import type { FollowerFetchOutcome } from '../../../src/broker/follower-state.js';
import { Partition } from '../../../src/broker/partition.js';
import type { ProduceResult } from '../../../src/broker/types.js';

export const TOPIC = 'orders';
export const TOPIC_ID = 'id-orders';
export const PARTITION = 0;
export const LAG_MS = 1_000;

export function memoryLog(clock: ManualClock, topic = TOPIC, partition = PARTITION): PartitionLog {
  return openPartitionLog({ storage: new MemoryStorage(), dataDir: '/data', topic, partition, clock });
}

/** A producer batch of `count` records valued `${tag}-${i}`. */
export function batch(count: number, tag = 'v'): Buffer {
  return buildBatch(Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`${tag}-${i}`), timestamp: 1_700_000_000_000 + i })));
}

/** Record values in a buffer of whole batches. */
export function valuesIn(records: Buffer): string[] {
  const values: string[] = [];
  for (const { position } of iterateBatches(records)) {
    for (const record of readRecords(records, position)) values.push(record.value?.toString() ?? '');
  }
  return values;
}

export function logValues(log: PartitionLog): string[] {
  const values: string[] = [];
  let offset = log.logStartOffset();
  while (offset < log.logEndOffset()) {
    const read = log.read(offset, 1 << 20);
    values.push(...valuesIn(read.records));
    offset = read.nextOffset;
  }
  return values;
}

/** A follower's (broker 1's) fetch of `orders` partitions, each from offset 0 of an empty log unless told otherwise. */
export function followerFetchRequest(partitions: Partial<ReplicaFetchPartitionRequest>[], maxWaitMs = 0): ReplicaFetchRequest {
  return {
    replicaId: 1,
    brokerEpoch: 11,
    maxWaitMs,
    minBytes: 1,
    maxBytes: 1 << 20,
    partitions: partitions.map((p) => ({
      topicId: TOPIC_ID,
      partition: PARTITION,
      fetchOffset: 0,
      lastFetchedEpoch: -1,
      currentLeaderEpoch: 0,
      logStartOffset: 0,
      knownHighWatermark: -1,
      ...p,
    })),
  };
}

export function registration(fields: Partial<PartitionRegistration> = {}): PartitionRegistration {
  return {
    topicId: TOPIC_ID,
    topic: TOPIC,
    partition: PARTITION,
    replicas: [1, 2, 3],
    isr: [1, 2, 3],
    leader: 1,
    leaderEpoch: 0,
    partitionEpoch: 0,
    ...fields,
  };
}

/** A produce whose answer arrives later: `result` is set when `done` is called. */
export interface PendingProduce {
  result: ProduceResult | undefined;
  calls: number;
}

/**
 * One partition replicated on several brokers, each with its own memory log, driven by hand:
 * `fetch(follower)` runs one fetch round against the current leader, `produce` appends on it.
 * ISR proposals are captured, not sent; `commit` plays the controller accepting one.
 */
export class ReplicatedPartition {
  readonly clock = new ManualClock(0);
  readonly partitions = new Map<BrokerId, Partition>();
  readonly proposals: AlterPartitionRequest[] = [];
  minInsync = 1;
  current: PartitionRegistration;

  constructor(initial: Partial<PartitionRegistration> = {}, options: { minInsync?: number; maxWaitingProduces?: number } = {}) {
    this.current = registration(initial);
    this.minInsync = options.minInsync ?? 1;
    for (const id of this.current.replicas) {
      this.partitions.set(
        id,
        new Partition(TOPIC_ID, TOPIC, PARTITION, memoryLog(this.clock), {
          brokerId: id,
          brokerEpoch: () => 100 + id,
          clock: this.clock,
          logger: silentLogger(),
          replicaLagTimeMaxMs: LAG_MS,
          minInsyncReplicas: () => this.minInsync,
          maxWaitingProduces: options.maxWaitingProduces ?? 100,
          fetchErrorBackoffMs: 50,
          listener: { isrChangeProposed: (_p, request) => this.proposals.push(request) },
        }),
      );
    }
    this.applyToAll(this.current);
  }

  replica(id: BrokerId): Partition {
    const p = this.partitions.get(id);
    if (!p) throw new Error(`no replica on broker ${id}`);
    return p;
  }

  get leader(): Partition {
    return this.replica(this.current.leader);
  }

  /** Publishes a registration to every replica, as metadata would. */
  applyToAll(next: PartitionRegistration): void {
    this.current = next;
    for (const [id, p] of this.partitions) {
      if (next.leader === id) p.makeLeader(next);
      else p.makeFollower(next);
    }
  }

  /** A new leader elected by the controller: leader and partition epochs bump. */
  elect(leader: BrokerId, isr: readonly BrokerId[]): void {
    this.applyToAll({ ...this.current, leader, isr, leaderEpoch: this.current.leaderEpoch + 1, partitionEpoch: this.current.partitionEpoch + 1 });
  }

  produce(count: number, acks: number, timeoutMs = 5_000, tag = 'v', leaderEpoch?: number): PendingProduce {
    const pending: PendingProduce = { result: undefined, calls: 0 };
    this.leader.produce(
      batch(count, tag),
      acks,
      timeoutMs,
      (r) => {
        pending.result = r;
        pending.calls++;
      },
      leaderEpoch,
    );
    return pending;
  }

  /** One fetch round: `followerId` fetches from the leader and applies the answer. */
  fetch(followerId: BrokerId, maxBytes = 1 << 20): FollowerFetchOutcome {
    const follower = this.replica(followerId);
    const request = follower.nextFetch();
    if (!request) throw new Error(`broker ${followerId} has nothing to fetch`);
    const leader = this.replica(follower.leaderId());
    const response = leader.fetchFromFollower({ ...request, replicaId: followerId, brokerEpoch: 100 + followerId, maxBytes });
    return follower.applyFetchResponse(request, response);
  }

  /** Fetches until the follower's answer moves nothing (caught up), at most `rounds` times. */
  catchUp(followerId: BrokerId, rounds = 10): void {
    for (let i = 0; i < rounds; i++) {
      const outcome = this.fetch(followerId);
      if (outcome.kind === 'appended' && outcome.bytes === 0) return;
    }
  }

  /** The controller accepts the latest proposal: the ISR changes and the partition epoch bumps. */
  commitLatestProposal(): PartitionRegistration {
    const request = this.proposals[this.proposals.length - 1];
    if (!request) throw new Error('no ISR proposal to commit');
    const committed = { ...this.current, isr: request.newIsr, partitionEpoch: this.current.partitionEpoch + 1 };
    this.leader.onAlterPartitionResponse(request, committed);
    this.current = committed;
    return committed;
  }
}
