/**
 * A group coordinator under a ManualClock with an in-memory `__consumer_offsets`: appends wait
 * until the test acknowledges them (or are acknowledged at once in auto mode), acknowledged ones
 * become the partition's durable log, and a fresh coordinator can load that log.
 */
import { expect } from 'vitest';
import { ManualClock } from '../../../../src/common/clock.js';
import { isBrokerError, type BrokerError, type KafkaErrorName } from '../../../../src/common/errors.js';
import { SeededRandom } from '../../../../src/common/random.js';
import { buildBatch } from '../../../../src/log/batch/index.js';
import {
  GroupCoordinator,
  assignGroup,
  encodeSubscription,
  offsetsRecordsOfBatches,
  rangeAssignor,
  type GroupCoordinatorConfig,
  type JoinGroupRequest,
  type OffsetsTopicAppend,
  type RawOffsetsRecord,
} from '../../../../src/broker/group/index.js';

export const SESSION_MS = 10_000;
export const REBALANCE_MS = 30_000;

export const TEST_CONFIG: Partial<GroupCoordinatorConfig> = {
  groupInitialRebalanceDelayMs: 0,
  groupMinSessionTimeoutMs: 1000,
  groupMaxSessionTimeoutMs: 60_000,
};

/** The replicated `__consumer_offsets` as the coordinator sees it through its writer. */
export class OffsetsLog {
  readonly pending: OffsetsTopicAppend[] = [];
  /** Acknowledged batches per partition, as the broker's log would hold them. */
  readonly batches = new Map<number, Buffer[]>();
  autoAck = true;

  readonly writer = (append: OffsetsTopicAppend): void => {
    this.pending.push(append);
    if (this.autoAck) this.ackAll();
  };

  /** Acknowledges every pending append in order: the high watermark passed them. */
  ackAll(): void {
    while (this.pending.length > 0) {
      const append = this.pending.shift()!;
      const list = this.batches.get(append.partition) ?? [];
      list.push(buildBatch(append.records));
      this.batches.set(append.partition, list);
      append.complete();
    }
  }

  /** Fails the oldest pending append: nothing reaches the log. */
  failNext(error: BrokerError): void {
    const append = this.pending.shift();
    expect(append, 'an append is pending').toBeDefined();
    append!.complete(error);
  }

  /** The partition's log as one buffer of back-to-back batches (what a new leader reads). */
  bytes(partition: number): Buffer {
    return Buffer.concat(this.batches.get(partition) ?? []);
  }
}

export interface Setup {
  clock: ManualClock;
  log: OffsetsLog;
  coordinator: GroupCoordinator;
}

/** A coordinator that has loaded every partition (from `log`, empty by default). */
export async function setup(options: { config?: Partial<GroupCoordinatorConfig>; log?: OffsetsLog; clock?: ManualClock; seed?: number } = {}): Promise<Setup> {
  const clock = options.clock ?? new ManualClock(1_700_000_000_000);
  const log = options.log ?? new OffsetsLog();
  const coordinator = new GroupCoordinator({ clock, random: new SeededRandom(options.seed ?? 7), writer: log.writer, config: { ...TEST_CONFIG, ...options.config } });
  for (let p = 0; p < coordinator.config.offsetsTopicNumPartitions; p++) await coordinator.loadPartition(p, recordsOf(log.bytes(p)));
  return { clock, log, coordinator };
}

function* recordsOf(bytes: Buffer): Generator<RawOffsetsRecord> {
  yield* offsetsRecordsOfBatches(bytes);
}

/** Lets every settled promise's reactions run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export interface Tracked<T> {
  readonly settled: boolean;
  readonly value: T | undefined;
  readonly error: BrokerError | undefined;
}

/** Watches a promise without awaiting it, so a test can check it is still waiting. */
export function track<T>(promise: Promise<T>): Tracked<T> {
  const t = { settled: false, value: undefined as T | undefined, error: undefined as BrokerError | undefined };
  promise.then(
    (v) => Object.assign(t, { settled: true, value: v }),
    (e: BrokerError) => Object.assign(t, { settled: true, error: e }),
  );
  return t;
}

export function expectKafkaError(e: unknown, name: KafkaErrorName): void {
  expect(isBrokerError(e) ? e.kafkaName : e).toBe(name);
}

export function expectThrows(fn: () => unknown, name: KafkaErrorName): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected ${name}`).toBeDefined();
  expectKafkaError(thrown, name);
}

export async function expectRejects(promise: Promise<unknown>, name: KafkaErrorName): Promise<BrokerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expectKafkaError(error, name);
  return error as BrokerError;
}

export function joinRequest(groupId: string, overrides: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId,
    memberId: '',
    clientId: 'client',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: SESSION_MS,
    rebalanceTimeoutMs: REBALANCE_MS,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: encodeSubscription({ topics: ['orders'] }) }],
    ...overrides,
  };
}

export interface FormedGroup {
  generationId: number;
  leaderId: string;
  memberIds: string[];
  /** Each member's assignment as SyncGroup handed it out, by member id. */
  assignments: Map<string, Buffer>;
}

/**
 * `count` consumers start together: they join the empty group within its initial delay, get one
 * generation, and the leader assigns `orders` (6 partitions) with the range assignor.
 */
export async function formGroup(s: Setup, groupId: string, count: number): Promise<FormedGroup> {
  const joins = Array.from({ length: count }, (_, i) => track(s.coordinator.joinGroup(joinRequest(groupId, { clientId: `consumer-${i}` }))));
  s.clock.advance(s.coordinator.config.groupInitialRebalanceDelayMs);
  await flush();
  const results = joins.map((j) => {
    expect(j.error).toBeUndefined();
    return j.value!;
  });
  const leader = results.find((r) => r.memberId === r.leaderId)!;
  const plan = assignGroup(rangeAssignor, new Map([['orders', 6]]), leader.members);
  const syncs = results.map((r) =>
    track(s.coordinator.syncGroup({ groupId, generationId: r.generationId, memberId: r.memberId, assignments: r.memberId === leader.memberId ? plan : [] })),
  );
  await flush();
  const assignments = new Map(results.map((r, i) => [r.memberId, syncs[i]!.value!.assignment]));
  return { generationId: leader.generationId, leaderId: leader.leaderId, memberIds: results.map((r) => r.memberId), assignments };
}
