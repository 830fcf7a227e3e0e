import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { silentLogger } from '../../../src/common/logger.js';
import { SeededRandom } from '../../../src/common/random.js';
import { ReplicaManager } from '../../../src/broker/index.js';
import { OFFSETS_TOPIC_NAME, offsetsRecordsOfBatches, partitionForGroup, decodeOffsetsRecord } from '../../../src/broker/group/index.js';
import type { PartitionLog } from '../../../src/log/types.js';
import type { PartitionRegistration } from '../../../src/metadata/types.js';
import { GroupHost } from '../../../src/node/group-host.js';
import { memoryLog } from '../broker/helpers.js';
import { expectRejects, flush, joinRequest, track } from '../broker/group/harness.js';

const TOPIC_ID = 'id-consumer-offsets';
const SETTINGS = { offsetsTopicNumPartitions: 2, offsetCommitTimeoutMs: 5_000, groupMinSessionTimeoutMs: 1_000, groupMaxSessionTimeoutMs: 60_000 };
const REQUEST_TIMEOUT_MS = 2_000;

/** A group id whose coordinator is the leader of `partition`. */
function groupOn(partition: number, skip = 0): string {
  for (let i = 0; ; i++) if (partitionForGroup(`group-${i}`, SETTINGS.offsetsTopicNumPartitions) === partition && skip-- === 0) return `group-${i}`;
}
const G0 = groupOn(0);
/** Another group on partition 0. */
const G0B = groupOn(0, 1);
const G1 = groupOn(1);

function offsetsPartition(partition: number, fields: Partial<PartitionRegistration> = {}): PartitionRegistration {
  return { topicId: TOPIC_ID, topic: OFFSETS_TOPIC_NAME, partition, replicas: [2, 1], isr: [2], leader: 2, leaderEpoch: 0, partitionEpoch: 0, ...fields };
}

/** Broker 2 with an in-memory replica manager; `seed` pre-fills partition logs as if replicated earlier. */
class Broker {
  readonly rm: ReplicaManager;
  readonly host: GroupHost;
  readonly logs = new Map<number, PartitionLog>();

  constructor(
    readonly clock: ManualClock,
    options: { seed?: ReadonlyMap<number, Buffer>; initialRebalanceDelayMs?: number } = {},
  ) {
    this.rm = new ReplicaManager({
      brokerId: 2,
      brokerEpoch: () => 1,
      clock,
      logger: silentLogger(),
      timing: { replicaLagTimeMaxMs: 1_000, replicaFetchWaitMaxMs: 100, replicaFetchBackoffMs: 100, replicaSocketTimeoutMs: REQUEST_TIMEOUT_MS, requestTimeoutMs: REQUEST_TIMEOUT_MS },
      openLog: (topic, partition) => {
        const log = memoryLog(clock, topic, partition);
        const bytes = options.seed?.get(partition);
        if (bytes && bytes.length > 0) log.appendAsFollower(bytes);
        this.logs.set(partition, log);
        return log;
      },
      sendAlterPartition: () => new Promise(() => undefined),
      minInsyncReplicas: () => 1,
    });
    this.host = new GroupHost({
      replicaManager: this.rm,
      clock,
      random: new SeededRandom(3),
      logger: silentLogger(),
      settings: SETTINGS,
      timing: { groupInitialRebalanceDelayMs: options.initialRebalanceDelayMs ?? 0, requestTimeoutMs: REQUEST_TIMEOUT_MS },
    });
  }

  /** Metadata reaches the replica manager, and the broker host reports the role changes. */
  apply(...registrations: PartitionRegistration[]): void {
    this.host.onRoleChanges(this.rm.applyMetadata({ partitions: registrations }));
  }

  commit(groupId: string, offset: number): Promise<unknown> {
    return this.host.coordinator.commitOffsets({ groupId, generationId: -1, memberId: '', topics: [{ topic: 'orders', partitions: [{ partition: 0, offset }] }] });
  }

  committed(groupId: string): number | undefined {
    return this.host.coordinator.fetchOffsets({ groupId, topics: [{ topic: 'orders', partitions: [0] }] }).topics[0]?.partitions[0]?.offset;
  }

  /** The partition's whole log, as a new leader would hold it after replication. */
  logBytes(partition: number): Buffer {
    const log = this.logs.get(partition)!;
    return log.read(log.logStartOffset(), 1 << 20).records;
  }
}

describe('group host', () => {
  it('loads the __consumer_offsets partitions this broker leads and commits through the replicated log', async () => {
    const broker = new Broker(new ManualClock(1_700_000_000_000));
    broker.apply(offsetsPartition(0), offsetsPartition(1, { leader: 1 }));
    await flush();
    expect(broker.host.loadedPartitions()).toEqual([0]);

    await broker.commit(G0, 42);
    expect(broker.committed(G0)).toBe(42);
    const records = [...offsetsRecordsOfBatches(broker.logBytes(0))].map(decodeOffsetsRecord);
    expect(records).toMatchObject([{ kind: 'offset-commit', key: { group: G0, topic: 'orders', partition: 0 }, value: { offset: 42 } }]);

    // Partition 1 is led by broker 1: its groups are not coordinated here.
    await expectRejects(broker.commit(G1, 7), 'NOT_COORDINATOR');
    expect(broker.rm.getPartition(OFFSETS_TOPIC_NAME, 1)?.logEndOffset()).toBe(0);
  });

  it('a broker that becomes leader of a partition with commits serves them (failover)', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const before = new Broker(clock);
    before.apply(offsetsPartition(0));
    await flush();
    await before.commit(G0, 10);
    await before.commit(G0, 25);

    // Another broker's replica holds the same log and is elected in a later epoch.
    const after = new Broker(clock, { seed: new Map([[0, before.logBytes(0)]]) });
    after.apply(offsetsPartition(0, { leaderEpoch: 1, partitionEpoch: 1 }));
    await flush();
    expect(after.host.loadedPartitions()).toEqual([0]);
    expect(after.committed(G0)).toBe(25);
  });

  it('loads only once the high watermark reaches the log end, answering COORDINATOR_LOAD_IN_PROGRESS meanwhile', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const before = new Broker(clock);
    before.apply(offsetsPartition(0));
    await flush();
    await before.commit(G0, 99);

    // A new leader whose follower has not fetched yet: its high watermark is below its log end.
    const after = new Broker(clock, { seed: new Map([[0, before.logBytes(0)]]) });
    after.apply(offsetsPartition(0, { leaderEpoch: 1, partitionEpoch: 1, isr: [2, 1] }));
    await flush();
    expect(after.rm.getPartition(OFFSETS_TOPIC_NAME, 0)!.highWatermark()).toBe(0);
    expect(() => after.committed(G0)).toThrow(/COORDINATOR_LOAD_IN_PROGRESS/);

    // Past the load's bound the attempt fails and is tried again while the broker still leads.
    clock.advance(REQUEST_TIMEOUT_MS + 500);
    await flush();
    expect(after.host.loadedPartitions()).toEqual([]);

    // The ISR shrinks to the leader: the high watermark reaches the log end and the load completes.
    after.apply(offsetsPartition(0, { leaderEpoch: 1, partitionEpoch: 2, isr: [2] }));
    for (let i = 0; i < 30 && after.host.loadedPartitions().length === 0; i++) {
      clock.advance(50);
      await flush();
    }
    expect(after.host.loadedPartitions()).toEqual([0]);
    expect(after.committed(G0)).toBe(99);
  });

  it('losing leadership unloads: a waiting join and a commit waiting for replication get NOT_COORDINATOR', async () => {
    const broker = new Broker(new ManualClock(1_700_000_000_000), { initialRebalanceDelayMs: 3_000 });
    broker.apply(offsetsPartition(0, { isr: [2, 1] }));
    await flush();
    expect(broker.host.loadedPartitions()).toEqual([0]);

    // The join waits out the initial rebalance delay; the commit waits for follower 1 to fetch.
    const join = track(broker.host.coordinator.joinGroup(joinRequest(G0, { sessionTimeoutMs: 10_000 })));
    const commit = track(broker.commit(G0B, 5));
    await flush();
    expect(join.settled).toBe(false);
    expect(commit.settled).toBe(false);

    broker.apply(offsetsPartition(0, { leader: 1, leaderEpoch: 1, partitionEpoch: 1, isr: [1, 2] }));
    await flush();
    expect(join.error?.kafkaName).toBe('NOT_COORDINATOR');
    expect(commit.error?.kafkaName).toBe('NOT_COORDINATOR');
    expect(broker.host.loadedPartitions()).toEqual([]);
    await expectRejects(broker.commit(G0, 6), 'NOT_COORDINATOR');
  });

  it('a leadership lost while loading leaves the partition unloaded', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const broker = new Broker(clock);
    broker.apply(offsetsPartition(0, { isr: [2, 1] }));
    // Leadership moves before the load finishes; the load must not complete afterwards.
    broker.apply(offsetsPartition(0, { leader: 1, leaderEpoch: 1, partitionEpoch: 1, isr: [1, 2] }));
    clock.advance(REQUEST_TIMEOUT_MS * 2);
    await flush();
    expect(broker.host.loadedPartitions()).toEqual([]);
    expect(() => broker.committed(G0)).toThrow(/NOT_COORDINATOR/);
  });

  it('state loaded under an older leader epoch cannot write once the broker is re-elected', async () => {
    const broker = new Broker(new ManualClock(1_700_000_000_000));
    broker.apply(offsetsPartition(0));
    await flush();
    await broker.commit(G0, 1);
    // The replica manager moves to a new epoch; the reload it triggers has not happened yet.
    broker.rm.applyMetadata({ partitions: [offsetsPartition(0, { leaderEpoch: 1, partitionEpoch: 1 })] });
    await expectRejects(broker.commit(G0, 2), 'NOT_COORDINATOR');
    expect(broker.rm.getPartition(OFFSETS_TOPIC_NAME, 0)!.logEndOffset()).toBe(1);
  });

  it('close unloads everything and stops loading', async () => {
    const broker = new Broker(new ManualClock(1_700_000_000_000));
    broker.apply(offsetsPartition(0), offsetsPartition(1));
    await flush();
    expect(broker.host.loadedPartitions()).toEqual([0, 1]);
    broker.host.close();
    expect(broker.host.loadedPartitions()).toEqual([]);
    broker.apply(offsetsPartition(0, { leaderEpoch: 1, partitionEpoch: 1 }));
    await flush();
    expect(broker.host.loadedPartitions()).toEqual([]);
  });
});
