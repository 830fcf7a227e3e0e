import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { BrokerError } from '../../../src/common/errors.js';
import { CRC_OFFSET } from '../../../src/log/batch/layout.js';
import { deletePartitionLog, openPartitionLog } from '../../../src/log/open-log.js';
import type { Storage } from '../../../src/log/storage/storage.js';
import {
  CountingStorage,
  HARNESSES,
  expectKafkaError,
  fill,
  segmentFiles,
  tagFor,
  PARTITION,
  TOPIC,
  batchHeaders,
  openTestLog,
  producerBatch,
  readAllBatches,
  readAllValues,
  replicatedBatch,
  type StorageHarness,
} from './helpers.js';

describe.each(HARNESSES)('partition log ($kind storage)', ({ create }) => {
  let h: StorageHarness;
  afterEach(() => h.cleanup());

  describe('appending', () => {
    it('as leader assigns offsets from the log end and stamps offset and epoch into the stored batch', () => {
      h = create();
      const log = openTestLog(h);
      const first = log.appendAsLeader(producerBatch(3), 7);
      const second = log.appendAsLeader(producerBatch(4, { timestamp: 1_800_000_000_000 }), 7);
      expect([first.firstOffset, first.lastOffset, second.firstOffset, second.lastOffset]).toEqual([0, 2, 3, 6]);
      expect(second.maxTimestamp).toBe(1_800_000_000_003);
      expect(second.batches[0]).toMatchObject({ baseOffset: 3, partitionLeaderEpoch: 7, recordCount: 4 });
      expect(log.logEndOffset()).toBe(7);
      const stored = batchHeaders(log.read(3, 1 << 20).records);
      expect(stored).toEqual([expect.objectContaining({ baseOffset: 3, partitionLeaderEpoch: 7, lastOffsetDelta: 3 })]);
      expect(log.latestEpoch()).toBe(7);
      log.close();
    });

    it('as leader refuses bad batches and writes nothing', () => {
      h = create();
      const log = openTestLog(h, { maxMessageBytes: 2000 });
      fill(log, 1, 2, 5);
      const corrupt = producerBatch(2);
      corrupt[CRC_OFFSET] ^= 0xff;
      expectKafkaError(() => log.appendAsLeader(corrupt, 5), 'CORRUPT_MESSAGE');
      expectKafkaError(() => log.appendAsLeader(Buffer.concat([producerBatch(1), producerBatch(1)]), 5), 'INVALID_RECORD');
      expectKafkaError(() => log.appendAsLeader(producerBatch(30, { valueBytes: 100 }), 5), 'MESSAGE_TOO_LARGE');
      expectKafkaError(() => log.appendAsLeader(producerBatch(1), 4), 'FENCED_LEADER_EPOCH');
      expect(log.logEndOffset()).toBe(2);
      expect(readAllBatches(log)).toHaveLength(1);
      log.close();
    });

    it('as follower keeps the leader offsets and epochs and learns each new epoch', () => {
      h = create();
      const log = openTestLog(h);
      const info = log.appendAsFollower(Buffer.concat([replicatedBatch(0, 3, 1), replicatedBatch(3, 2, 1), replicatedBatch(5, 4, 4)]));
      expect([info.firstOffset, info.lastOffset, info.batches.length]).toEqual([0, 8, 3]);
      log.appendAsFollower(replicatedBatch(9, 1, 6));
      expect(log.logEndOffset()).toBe(10);
      expect(log.epochEntries()).toEqual([
        { epoch: 1, startOffset: 0 },
        { epoch: 4, startOffset: 5 },
        { epoch: 6, startOffset: 9 },
      ]);
      expect(readAllBatches(log).map((b) => [b.baseOffset, b.partitionLeaderEpoch])).toEqual([
        [0, 1],
        [3, 1],
        [5, 4],
        [9, 6],
      ]);
      log.close();
    });

    it('as follower refuses batches below the log end, or any damaged batch, writing nothing; gaps are legal', () => {
      h = create();
      const log = openTestLog(h);
      log.appendAsFollower(replicatedBatch(0, 3, 1));
      expectKafkaError(() => log.appendAsFollower(replicatedBatch(2, 1, 1)), 'CORRUPT_MESSAGE');
      expectKafkaError(() => log.appendAsFollower(Buffer.concat([replicatedBatch(3, 2, 1), replicatedBatch(4, 1, 1)])), 'CORRUPT_MESSAGE');
      const damaged = replicatedBatch(4, 2, 1);
      damaged[damaged.length - 1]! ^= 1;
      expectKafkaError(() => log.appendAsFollower(Buffer.concat([replicatedBatch(3, 1, 1), damaged])), 'CORRUPT_MESSAGE');
      const torn = Buffer.concat([replicatedBatch(3, 1, 2), replicatedBatch(4, 1, 2).subarray(0, 30)]);
      expectKafkaError(() => log.appendAsFollower(torn), 'CORRUPT_MESSAGE');
      expect(log.logEndOffset()).toBe(3);
      expect(log.latestEpoch()).toBe(1);
      expect(log.appendAsFollower(Buffer.alloc(0)).batches).toEqual([]);
      // A compacted leader's log has gaps where whole batches were cleaned away.
      log.appendAsFollower(replicatedBatch(7, 2, 1));
      expect(log.logEndOffset()).toBe(9);
      expect(readAllBatches(log).map((b) => b.baseOffset)).toEqual([0, 7]);
      expect(log.read(4, 1 << 16).firstBatchOffset).toBe(7);
      log.close();
    });
  });

  describe('segments', () => {
    it('roll before a batch would push the active segment past segment.bytes', () => {
      h = create();
      const batchBytes = producerBatch(5, { tag: tagFor(0) }).length;
      const log = openTestLog(h, { segmentBytes: batchBytes * 3 + 10 });
      fill(log, 10);
      expect(log.segmentBaseOffsets()).toEqual([0, 15, 30, 45]);
      expect(segmentFiles(h)).toEqual(['00000000000000000000.log', '00000000000000000015.log', '00000000000000000030.log', '00000000000000000045.log']);
      expect(h.storage.list(h.partitionDir)).toContain('00000000000000000015.index');
      expect(readAllBatches(log, 100).map((b) => b.baseOffset)).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45]);
      log.close();
    });

    it('roll once segment.ms passed since the first append of the active segment, never when empty', () => {
      h = create();
      const clock = new ManualClock(5_000);
      const log = openTestLog(h, { segmentMs: 60_000 }, clock);
      clock.advance(120_000);
      fill(log, 1);
      expect(log.segmentBaseOffsets()).toEqual([0]);
      clock.advance(59_999);
      fill(log, 1);
      expect(log.segmentBaseOffsets()).toEqual([0]);
      clock.advance(1);
      fill(log, 1);
      expect(log.segmentBaseOffsets()).toEqual([0, 10]);
      clock.advance(30_000);
      fill(log, 1);
      expect(log.segmentBaseOffsets()).toEqual([0, 10]);
      log.close();
    });

    it('index one batch every index.interval.bytes', () => {
      h = create();
      const batchBytes = producerBatch(5, { tag: tagFor(0) }).length;
      const log = openTestLog(h, { indexIntervalBytes: batchBytes * 2 });
      fill(log, 30);
      log.flush();
      const indexBytes = h.storage.readFile(`${h.partitionDir}/00000000000000000000.index`)!.length;
      // An entry is added once more than the interval has passed since the previous one: every third batch.
      expect(indexBytes / 8).toBe(9);
      for (let offset = 0; offset < 150; offset += 7) {
        expect(log.read(offset, 1).firstBatchOffset).toBe(offset - (offset % 5));
      }
      log.close();
    });
  });

  describe('reading', () => {
    it('returns whole batches starting with the one holding the offset', () => {
      h = create();
      const log = openTestLog(h);
      fill(log, 4);
      const result = log.read(7, 1 << 20);
      expect(result.firstBatchOffset).toBe(5);
      expect(result.nextOffset).toBe(20);
      expect(batchHeaders(result.records).map((b) => b.baseOffset)).toEqual([5, 10, 15]);
      log.close();
    });

    it('stays within maxBytes but always returns at least one whole batch (KIP-74)', () => {
      h = create();
      const log = openTestLog(h);
      fill(log, 4);
      const batchBytes = readAllBatches(log)[0]!.sizeInBytes;
      const one = log.read(0, 1);
      expect(one.records.length).toBe(batchBytes);
      expect(one.nextOffset).toBe(5);
      const two = log.read(0, Math.floor(batchBytes * 2.5));
      expect(batchHeaders(two.records).map((b) => b.baseOffset)).toEqual([0, 5]);
      expect(two.records.length).toBe(batchBytes * 2);
      log.close();
    });

    it('never returns a batch reaching maxOffset', () => {
      h = create();
      const log = openTestLog(h);
      fill(log, 6);
      const offsetsRead = (start: number, maxOffset: number): number[] => batchHeaders(log.read(start, 1 << 20, maxOffset).records).map((b) => b.baseOffset);
      expect(offsetsRead(0, 15)).toEqual([0, 5, 10]);
      expect(offsetsRead(0, 12)).toEqual([0, 5]);
      expect(offsetsRead(0, 10)).toEqual([0, 5]);
      expect(offsetsRead(0, 9)).toEqual([0]);
      expect(log.read(0, 1 << 20, 12).nextOffset).toBe(10);
      expect(log.read(5, 1 << 20, 9).records.length).toBe(0);
      expect(log.read(12, 1 << 20, 12)).toEqual({ records: Buffer.alloc(0), firstBatchOffset: 12, nextOffset: 12 });
      log.close();
    });

    it('reads across segments when read in pieces', () => {
      h = create();
      const log = openTestLog(h, { segmentBytes: 300 });
      fill(log, 12, 3);
      expect(log.segmentBaseOffsets().length).toBeGreaterThan(3);
      expect(readAllValues(log)).toHaveLength(36);
      log.close();
    });

    it('answers empty at the log end and OFFSET_OUT_OF_RANGE outside the log', () => {
      h = create();
      const log = openTestLog(h);
      fill(log, 2);
      expect(log.read(10, 100)).toEqual({ records: Buffer.alloc(0), firstBatchOffset: 10, nextOffset: 10 });
      expectKafkaError(() => log.read(11, 100), 'OFFSET_OUT_OF_RANGE');
      log.advanceLogStartOffset(5);
      expectKafkaError(() => log.read(4, 100), 'OFFSET_OUT_OF_RANGE');
      log.close();
    });
  });

  describe('lifecycle', () => {
    it('close then reopen gives back the same log without recovery', () => {
      h = create();
      const counting = new CountingStorage(h.storage);
      const log = openPartitionLog({ storage: counting, dataDir: h.dataDir, topic: TOPIC, partition: PARTITION, config: { segmentBytes: 400 }, clock: new ManualClock() });
      fill(log, 9, 4, 2);
      log.advanceLogStartOffset(3);
      const before = { start: log.logStartOffset(), end: log.logEndOffset(), values: readAllValues(log), epochs: log.epochEntries() };
      log.close();
      expect(h.storage.exists(`${h.partitionDir}/.kafka_cleanshutdown`)).toBe(true);
      const reopened = openTestLog(h, { segmentBytes: 400 });
      expect({ start: reopened.logStartOffset(), end: reopened.logEndOffset(), values: readAllValues(reopened), epochs: reopened.epochEntries() }).toEqual(before);
      expect(reopened.recoveryPoint()).toBe(reopened.logEndOffset());
      expect(h.storage.exists(`${h.partitionDir}/.kafka_cleanshutdown`)).toBe(false);
      reopened.close();
    });

    it('creates a new log without syncing anything: an empty log has no checkpoint to record', () => {
      h = create();
      const counting = new CountingStorage(h.storage);
      const log = openPartitionLog({ storage: counting, dataDir: h.dataDir, topic: TOPIC, partition: PARTITION, clock: new ManualClock() });
      expect(counting.syncs).toEqual([]);
      expect([log.logStartOffset(), log.logEndOffset(), log.recoveryPoint()]).toEqual([0, 0, 0]);
      fill(log, 2);
      log.close();
      const reopened = openTestLog(h);
      expect(readAllValues(reopened).length).toBeGreaterThan(0);
      reopened.close();
    });

    it('creates a new log without reading or listing anything, and a directory left empty by a crash still opens', () => {
      h = create();
      const counting = new CountingStorage(h.storage);
      const log = openPartitionLog({ storage: counting, dataDir: h.dataDir, topic: TOPIC, partition: PARTITION, clock: new ManualClock() });
      expect(counting.lookups).toEqual([]);
      log.close();
      // The directory exists now: the next open looks at what is there.
      const again = new CountingStorage(h.storage);
      openPartitionLog({ storage: again, dataDir: h.dataDir, topic: TOPIC, partition: PARTITION, clock: new ManualClock() }).close();
      expect(again.lookups.some((l) => l.startsWith('list '))).toBe(true);
      // A crash right after making the directory leaves it empty: it opens as an empty log.
      h.storage.ensureDir(`${h.dataDir}/crashed-0`);
      const crashed = openPartitionLog({ storage: h.storage, dataDir: h.dataDir, topic: 'crashed', partition: 0, clock: new ManualClock() });
      expect([crashed.logStartOffset(), crashed.logEndOffset()]).toEqual([0, 0]);
      crashed.close();
    });

    it('goes offline after a storage failure: every later call fails with KAFKA_STORAGE_ERROR', () => {
      h = create();
      const failing = new FailingStorage(h.storage);
      const log = openPartitionLog({ storage: failing, dataDir: h.dataDir, topic: TOPIC, partition: PARTITION, clock: new ManualClock() });
      fill(log, 1);
      failing.failAppends = true;
      expectKafkaError(() => fill(log, 1), 'KAFKA_STORAGE_ERROR');
      failing.failAppends = false;
      expectKafkaError(() => log.read(0, 100), 'KAFKA_STORAGE_ERROR');
      expectKafkaError(() => fill(log, 1), 'KAFKA_STORAGE_ERROR');
      log.close();
    });
  });
});

describe('deleting a partition log', () => {
  it.each(HARNESSES)('removes its directory and everything in it ($kind)', ({ create }) => {
    const h = create();
    try {
      const log = openTestLog(h, { segmentBytes: 300 });
      fill(log, 6, 3);
      log.close();
      expect(h.storage.exists(h.partitionDir)).toBe(true);
      deletePartitionLog(h.storage, h.dataDir, TOPIC, PARTITION);
      expect(h.storage.exists(h.partitionDir)).toBe(false);
      const fresh = openTestLog(h);
      expect([fresh.logStartOffset(), fresh.logEndOffset()]).toEqual([0, 0]);
      fresh.close();
    } finally {
      h.cleanup();
    }
  });
});

describe('file storage specifics', () => {
  it('close releases every file handle', async () => {
    const { fileHarness } = await import('./helpers.js');
    const h = fileHarness();
    try {
      const log = openTestLog(h, { segmentBytes: 300 });
      fill(log, 10, 3);
      expect(h.storage.openFileCount()).toBeGreaterThan(2);
      log.close();
      expect(h.storage.openFileCount()).toBe(0);
    } finally {
      h.cleanup();
    }
  });
});

/** Storage whose file appends fail on demand, as a full or failing disk would. */
class FailingStorage extends CountingStorage {
  failAppends = false;

  constructor(inner: Storage) {
    super(inner);
  }

  override open(path: string): ReturnType<Storage['open']> {
    const file = super.open(path);
    return {
      ...file,
      path: file.path,
      append: (data) => {
        if (this.failAppends) throw new BrokerError('KAFKA_STORAGE_ERROR', `injected failure writing ${path}`);
        file.append(data);
      },
    };
  }
}
