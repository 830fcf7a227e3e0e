import { describe, expect, it } from 'vitest';
import {
  ProducerSnapshotStore,
  ProducerStateManager,
  parseSnapshotFileName,
  type ProducerStateConfig,
} from '../../../../src/broker/producer-state/index.js';
import { joinPath } from '../../../../src/log/storage/storage.js';
import type { MemoryStorage, PartitionLog } from '../../../../src/log/index.js';
import { NOW_MS, PARTITION_DIR, leaderProduce, openReplica, replicate, type Replica } from './fixtures.js';

const SMALL_SNAPSHOTS: Partial<ProducerStateConfig> = { snapshotIntervalBytes: 400, snapshotsRetained: 3 };

/** The state a fresh manager derives from the whole log, without snapshots. */
function fullReplay(log: PartitionLog): ReturnType<ProducerStateManager['entries']> {
  const manager = new ProducerStateManager();
  manager.rebuild(log, NOW_MS);
  return manager.entries();
}

/** A manager loaded the way a restarted broker loads one: snapshot plus the log after it. */
function reload(replica: Replica, config: Partial<ProducerStateConfig> = SMALL_SNAPSHOTS): { manager: ProducerStateManager; snapshotOffset: number | undefined } {
  const manager = new ProducerStateManager({ config, snapshots: new ProducerSnapshotStore(replica.storage, PARTITION_DIR) });
  const report = manager.rebuild(replica.log, NOW_MS);
  return { manager, snapshotOffset: report.snapshotOffset };
}

function snapshotOffsets(storage: MemoryStorage): number[] {
  return storage.list(PARTITION_DIR).flatMap((name) => parseSnapshotFileName(name) ?? []);
}

/** Three producers (one bumps its epoch half way), a plain batch and a retry per round, `rounds` times. */
function busyTraffic(replica: Replica, rounds: number): void {
  const bumpRound = Math.ceil(rounds / 2);
  for (let round = 0; round < rounds; round++) {
    for (const producerId of [11, 12, 13]) {
      const entry = replica.guard.producer(producerId);
      const epoch = (entry?.producerEpoch ?? 0) + (producerId === 13 && round === bumpRound ? 1 : 0);
      const seq = entry && entry.producerEpoch === epoch ? entry.batches.at(-1)!.lastSequence + 1 : 0;
      expect(leaderProduce(replica, { producerId, producerEpoch: epoch, baseSequence: seq, count: 2 }).kind).toBe('append');
    }
    leaderProduce(replica, { producerId: -1, producerEpoch: -1, baseSequence: -1 });
    const last = replica.guard.producer(12)!.batches.at(-1)!;
    expect(leaderProduce(replica, { producerId: 12, producerEpoch: 0, baseSequence: last.firstSequence, count: 2 }).kind).toBe('duplicate');
  }
}

describe('producer state rebuilt from the log', () => {
  it('a follower that applies the replicated batches holds the leader\'s state, and as the new leader recognises retries', () => {
    const leader = openReplica({ stateConfig: SMALL_SNAPSHOTS });
    const follower = openReplica({ stateConfig: SMALL_SNAPSHOTS });
    const offsets: Array<[number, number]> = [];
    for (let i = 0; i < 7; i++) {
      const result = leaderProduce(leader, { producerId: 21, producerEpoch: 3, baseSequence: i * 3, count: 3 });
      offsets.push([result.firstOffset, result.lastOffset]);
      leaderProduce(leader, { producerId: -1, producerEpoch: -1, baseSequence: -1 });
    }
    expect(leaderProduce(leader, { producerId: 21, producerEpoch: 3, baseSequence: 18, count: 3 })).toEqual({ kind: 'duplicate', firstOffset: offsets[6]![0], lastOffset: offsets[6]![1] });

    replicate(leader.log, follower);
    expect(follower.guard.state.entries()).toEqual(leader.guard.state.entries());
    expect(follower.guard.state.mapEndOffset()).toBe(leader.log.logEndOffset());
    expect(fullReplay(leader.log)).toEqual(leader.guard.state.entries());

    // Failover: the client retries its in-flight batches on the new leader.
    for (let i = 2; i < 7; i++) {
      expect(leaderProduce(follower, { producerId: 21, producerEpoch: 3, baseSequence: i * 3, count: 3 }, 1)).toEqual({
        kind: 'duplicate',
        firstOffset: offsets[i]![0],
        lastOffset: offsets[i]![1],
      });
    }
    expect(leaderProduce(follower, { producerId: 21, producerEpoch: 3, baseSequence: 21 }, 1).kind).toBe('append');
  });

  it('writes snapshots by log bytes, keeps the newest three, and a reload from one equals the live state', () => {
    const replica = openReplica({ stateConfig: SMALL_SNAPSHOTS });
    busyTraffic(replica, 12);
    const offsets = snapshotOffsets(replica.storage);
    expect(offsets.length).toBe(3);
    expect(storageNames(replica).filter((n) => n.endsWith('.snapshot'))).toEqual(offsets.map((o) => `${String(o).padStart(20, '0')}.snapshot`));
    const { manager, snapshotOffset } = reload(replica);
    expect(snapshotOffset).toBe(offsets[2]);
    expect(manager.entries()).toEqual(replica.guard.state.entries());
    expect(manager.entries()).toEqual(fullReplay(replica.log));
  });

  it('close writes a snapshot at the log end, so reopening replays nothing', () => {
    const replica = openReplica({ stateConfig: { snapshotIntervalBytes: 1 << 30 } });
    busyTraffic(replica, 4);
    expect(snapshotOffsets(replica.storage)).toEqual([]);
    replica.guard.close();
    const end = replica.log.logEndOffset();
    expect(snapshotOffsets(replica.storage)).toEqual([end]);
    replica.log.close();
    const reopened = openReplica({ storage: replica.storage });
    expect(reopened.guard.openedWith).toEqual({ snapshotOffset: end, replayedBatches: 0, replayedBytes: 0 });
    expect(reopened.guard.state.entries()).toEqual(replica.guard.state.entries());
  });

  it('skips a corrupt snapshot, deletes it, and falls back to an older one, or to a full replay', () => {
    const replica = openReplica({ stateConfig: SMALL_SNAPSHOTS });
    busyTraffic(replica, 12);
    const [, middle, newest] = snapshotOffsets(replica.storage);
    damage(replica.storage, newest!);
    const fallback = reload(replica, { snapshotIntervalBytes: 1 << 30 });
    expect(fallback.snapshotOffset).toBe(middle);
    expect(fallback.manager.entries()).toEqual(replica.guard.state.entries());
    expect(snapshotOffsets(replica.storage)).not.toContain(newest);

    for (const offset of snapshotOffsets(replica.storage)) damage(replica.storage, offset);
    const full = reload(replica, { snapshotIntervalBytes: 1 << 30 });
    expect(full.snapshotOffset).toBeUndefined();
    expect(full.manager.entries()).toEqual(replica.guard.state.entries());
  });

  it('rolls back on truncation: a removed batch is new again, an earlier one is still a duplicate', () => {
    const replica = openReplica({ stateConfig: SMALL_SNAPSHOTS });
    const offsets: number[] = [];
    for (let seq = 0; seq < 12; seq++) offsets.push(leaderProduce(replica, { producerId: 31, producerEpoch: 0, baseSequence: seq, count: 1 }).firstOffset);
    const before = snapshotOffsets(replica.storage);
    expect(before.some((o) => o > offsets[8]!)).toBe(true);

    replica.log.truncateTo(offsets[8]!);
    expect(replica.guard.afterTruncate()).toBeDefined();
    expect(snapshotOffsets(replica.storage).every((o) => o <= offsets[8]!)).toBe(true);
    expect(replica.guard.producer(31)?.batches.at(-1)).toMatchObject({ lastSequence: 7, lastOffset: offsets[7] });
    expect(leaderProduce(replica, { producerId: 31, producerEpoch: 0, baseSequence: 6 })).toEqual({ kind: 'duplicate', firstOffset: offsets[6], lastOffset: offsets[6] });
    expect(leaderProduce(replica, { producerId: 31, producerEpoch: 0, baseSequence: 8 })).toEqual({ kind: 'append', firstOffset: offsets[8], lastOffset: offsets[8] });
  });

  it('truncating to the state end changes nothing; emptying the log forgets every producer and snapshot', () => {
    const replica = openReplica({ stateConfig: SMALL_SNAPSHOTS });
    busyTraffic(replica, 6);
    const entries = replica.guard.state.entries();
    replica.log.truncateTo(replica.log.logEndOffset());
    expect(replica.guard.afterTruncate()).toBeUndefined();
    expect(replica.guard.state.entries()).toEqual(entries);

    replica.log.truncateFullyAndStartAt(500);
    replica.guard.afterTruncateFully();
    expect(replica.guard.state.producerCount()).toBe(0);
    expect(replica.guard.state.mapEndOffset()).toBe(500);
    expect(snapshotOffsets(replica.storage)).toEqual([]);
    expect(leaderProduce(replica, { producerId: 11, producerEpoch: 0, baseSequence: 40 })).toEqual({ kind: 'append', firstOffset: 500, lastOffset: 500 });
  });

  it('after a crash, snapshots beyond the durable log end are deleted and the state matches what survived', () => {
    const replica = openReplica({ stateConfig: SMALL_SNAPSHOTS });
    busyTraffic(replica, 4);
    replica.log.flush();
    const durableEnd = replica.log.logEndOffset();
    busyTraffic(replica, 8);
    expect(Math.max(...snapshotOffsets(replica.storage))).toBeGreaterThan(durableEnd);
    replica.storage.crash();

    const reopened = openReplica({ storage: replica.storage, stateConfig: SMALL_SNAPSHOTS });
    expect(reopened.log.logEndOffset()).toBe(durableEnd);
    expect(snapshotOffsets(replica.storage).every((o) => o <= durableEnd)).toBe(true);
    expect(reopened.guard.state.entries()).toEqual(fullReplay(reopened.log));
  });

  it('when the log start passes every snapshot, writes a new one so a restart keeps the producers', () => {
    const replica = openReplica({ stateConfig: { snapshotIntervalBytes: 1 << 30 }, logConfig: { segmentBytes: 300 } });
    busyTraffic(replica, 3);
    replica.guard.close();
    const firstSnapshot = replica.log.logEndOffset();
    leaderProduce(replica, { producerId: 41, producerEpoch: 0, baseSequence: 0 });
    busyTraffic(replica, 1);
    replica.log.advanceLogStartOffset(replica.log.logEndOffset());
    replica.guard.afterLogStartAdvanced();
    expect(snapshotOffsets(replica.storage)).toEqual([replica.log.logEndOffset()]);
    expect(snapshotOffsets(replica.storage)[0]).toBeGreaterThan(firstSnapshot);

    const { manager } = reload(replica);
    expect(manager.entries()).toEqual(replica.guard.state.entries());
    expect(manager.entry(41)).toBeDefined();
  });

  it('replays in bounded reads, never the whole log at once', () => {
    const replica = openReplica({ snapshots: false });
    busyTraffic(replica, 10);
    const reads: number[] = [];
    const spy: PartitionLog = Object.create(replica.log, {
      read: {
        value: (start: number, maxBytes: number, maxOffset?: number) => {
          const result = replica.log.read(start, maxBytes, maxOffset);
          reads.push(result.records.length);
          return result;
        },
      },
    }) as PartitionLog;
    const manager = new ProducerStateManager({ config: { replayChunkBytes: 256 } });
    const report = manager.rebuild(spy, NOW_MS);
    expect(report.replayedBatches).toBeGreaterThan(30);
    expect(reads.length).toBeGreaterThan(5);
    expect(Math.max(...reads)).toBeLessThanOrEqual(256);
    expect(manager.entries()).toEqual(replica.guard.state.entries());
  });
});

function storageNames(replica: Replica): string[] {
  return replica.storage.list(PARTITION_DIR);
}

/** Flips one byte in the middle of a snapshot file. */
function damage(storage: MemoryStorage, offset: number): void {
  const path = joinPath(PARTITION_DIR, `${String(offset).padStart(20, '0')}.snapshot`);
  const bytes = storage.readFile(path)!;
  bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0xff;
  const file = storage.open(path);
  file.truncate(0);
  file.append(bytes);
  file.sync();
  file.close();
}
