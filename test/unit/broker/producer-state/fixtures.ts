/** Shared fixtures for the producer-state tests: headers, idempotent batches, logs on memory storage. */
import { expect } from 'vitest';
import { ManualClock } from '../../../../src/common/clock.js';
import { BrokerError, type KafkaErrorName } from '../../../../src/common/errors.js';
import { buildBatch, sequenceAt, validateBatchHeader, type BatchHeader } from '../../../../src/log/batch/index.js';
import { MemoryStorage, openPartitionLog, partitionLogDir, type LogConfig, type PartitionLog } from '../../../../src/log/index.js';
import {
  ProducerStateGuard,
  type AppendedBatchHeader,
  type ProducerStateConfig,
  type ProducerStateManager,
} from '../../../../src/broker/producer-state/index.js';

export const NOW_MS = 1_700_000_000_000;
export const DATA_DIR = '/data';
export const TOPIC = 'payments';
export const PARTITION = 0;
export const PARTITION_DIR = partitionLogDir(DATA_DIR, TOPIC, PARTITION);

export interface BatchSpec {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  /** Records in the batch; default 1. */
  count?: number;
  timestamp?: number;
}

/** The header a producer's batch has before the leader stamps it. */
export function producedHeader(spec: BatchSpec): BatchHeader {
  const count = spec.count ?? 1;
  return {
    baseOffset: 0,
    sizeInBytes: 100,
    partitionLeaderEpoch: -1,
    magic: 2,
    crc: 0,
    attributes: 0,
    lastOffsetDelta: count - 1,
    baseTimestamp: spec.timestamp ?? NOW_MS,
    maxTimestamp: spec.timestamp ?? NOW_MS,
    producerId: spec.producerId,
    producerEpoch: spec.producerEpoch,
    baseSequence: spec.baseSequence,
    recordCount: count,
  };
}

/**
 * Runs the leader's produce path against a bare manager (no log): check, and if the check says
 * append, apply the batch at the manager's end offset. Returns the check and the offsets used.
 */
export function produce(manager: ProducerStateManager, spec: BatchSpec): { kind: 'append' | 'duplicate'; firstOffset: number; lastOffset: number } {
  const header = producedHeader(spec);
  const check = manager.checkProduce(header);
  if (check.kind === 'duplicate') return check;
  const appended: AppendedBatchHeader = { ...header, baseOffset: manager.mapEndOffset() };
  manager.onAppended(appended);
  return { kind: 'append', firstOffset: appended.baseOffset, lastOffset: appended.baseOffset + appended.lastOffsetDelta };
}

/** A non-idempotent batch applied at the manager's end offset. */
export function appendPlain(manager: ProducerStateManager, count = 1): void {
  manager.onAppended({ ...producedHeader({ producerId: -1, producerEpoch: -1, baseSequence: -1, count }), baseOffset: manager.mapEndOffset() });
}

/** Real batch bytes from a producer (pid -1 for a non-idempotent one). */
export function batchBytes(spec: BatchSpec, tag = 'v'): Buffer {
  const count = spec.count ?? 1;
  const records = Array.from({ length: count }, (_, i) => ({
    value: Buffer.from(`${tag}-${sequenceAt(spec.baseSequence, i)}`),
    timestamp: (spec.timestamp ?? NOW_MS) + i,
  }));
  return buildBatch(records, { producerId: spec.producerId, producerEpoch: spec.producerEpoch, baseSequence: spec.baseSequence });
}

export function expectBrokerError(fn: () => unknown, name: KafkaErrorName): BrokerError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected ${name}`).toBeInstanceOf(BrokerError);
  expect((thrown as BrokerError).kafkaName).toBe(name);
  return thrown as BrokerError;
}

export interface Replica {
  storage: MemoryStorage;
  clock: ManualClock;
  log: PartitionLog;
  guard: ProducerStateGuard;
}

export interface ReplicaOptions {
  storage?: MemoryStorage;
  clock?: ManualClock;
  logConfig?: Partial<LogConfig>;
  stateConfig?: Partial<ProducerStateConfig>;
  /** Keep snapshots in the partition directory (default true). */
  snapshots?: boolean;
}

/** A partition log on memory storage with its producer-state guard opened on it. */
export function openReplica(options: ReplicaOptions = {}): Replica {
  const storage = options.storage ?? new MemoryStorage();
  const clock = options.clock ?? new ManualClock(NOW_MS);
  const log = openPartitionLog({ storage, dataDir: DATA_DIR, topic: TOPIC, partition: PARTITION, config: options.logConfig ?? {}, clock });
  const guard = ProducerStateGuard.open({
    log,
    clock,
    config: options.stateConfig ?? {},
    ...(options.snapshots === false ? {} : { snapshots: { storage, dir: PARTITION_DIR } }),
  });
  return { storage, clock, log, guard };
}

/** The leader produce path as the broker runs it: check, then append or answer the duplicate. */
export function leaderProduce(replica: Replica, spec: BatchSpec, leaderEpoch = 0): { kind: 'append' | 'duplicate'; firstOffset: number; lastOffset: number } {
  const bytes = batchBytes(spec);
  const check = replica.guard.beforeLeaderAppend(validateBatchHeader(bytes));
  if (check.kind === 'duplicate') return check;
  const info = replica.log.appendAsLeader(bytes, leaderEpoch);
  replica.guard.afterAppend(info);
  return { kind: 'append', firstOffset: info.firstOffset, lastOffset: info.lastOffset };
}

/** Copies what the follower lacks of the leader's log through the follower path, in small fetches. */
export function replicate(leader: PartitionLog, follower: Replica, chunkBytes = 300): void {
  while (follower.log.logEndOffset() < leader.logEndOffset()) {
    const chunk = leader.read(follower.log.logEndOffset(), chunkBytes);
    follower.guard.afterAppend(follower.log.appendAsFollower(chunk.records));
  }
}
