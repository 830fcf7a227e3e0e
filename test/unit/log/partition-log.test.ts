import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { BrokerError, type KafkaErrorName } from '../../../src/common/errors.js';
import { CRC_OFFSET } from '../../../src/log/batch/layout.js';
import { UNDEFINED_EPOCH } from '../../../src/log/epoch/leader-epoch-cache.js';
import { openPartitionLog } from '../../../src/log/open-log.js';
import type { SegmentedLog } from '../../../src/log/segmented-log.js';
import type { Storage } from '../../../src/log/storage/storage.js';
import {
  CountingStorage,
  HARNESSES,
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

function expectKafkaError(fn: () => unknown, name: KafkaErrorName): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(BrokerError);
  expect((caught as BrokerError).kafkaName).toBe(name);
}

/** A tag of fixed width, so every batch of the same record count has the same size. */
function tagFor(offset: number): string {
  return `b${String(offset).padStart(6, '0')}`;
}

/** Appends `batches` producer batches of `records` records each, as leader of `epoch`. */
function fill(log: SegmentedLog, batches: number, records = 5, epoch = 1, valueBytes = 0): void {
  for (let i = 0; i < batches; i++) log.appendAsLeader(producerBatch(records, { tag: tagFor(log.logEndOffset()), valueBytes }), epoch);
}

function segmentFiles(h: StorageHarness): string[] {
  return h.storage.list(h.partitionDir).filter((n) => n.endsWith('.log'));
}

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

    it('as follower refuses batches that do not continue the log, or any damaged batch, writing nothing', () => {
      h = create();
      const log = openTestLog(h);
      log.appendAsFollower(replicatedBatch(0, 3, 1));
      expectKafkaError(() => log.appendAsFollower(replicatedBatch(4, 1, 1)), 'CORRUPT_MESSAGE');
      const damaged = replicatedBatch(4, 2, 1);
      damaged[damaged.length - 1]! ^= 1;
      expectKafkaError(() => log.appendAsFollower(Buffer.concat([replicatedBatch(3, 1, 1), damaged])), 'CORRUPT_MESSAGE');
      const torn = Buffer.concat([replicatedBatch(3, 1, 2), replicatedBatch(4, 1, 2).subarray(0, 30)]);
      expectKafkaError(() => log.appendAsFollower(torn), 'CORRUPT_MESSAGE');
      expect(log.logEndOffset()).toBe(3);
      expect(log.latestEpoch()).toBe(1);
      expect(log.appendAsFollower(Buffer.alloc(0)).batches).toEqual([]);
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

  describe('truncation', () => {
    it('truncateTo removes later segments and the tail of the one holding the offset', () => {
      h = create();
      const log = openTestLog(h, { segmentBytes: 500 });
      fill(log, 10, 5, 1);
      fill(log, 5, 5, 2);
      const bases = log.segmentBaseOffsets();
      expect(bases.length).toBeGreaterThan(3);
      log.truncateTo(bases[1]! + 5);
      expect(log.logEndOffset()).toBe(bases[1]! + 5);
      expect(log.segmentBaseOffsets()).toEqual(bases.slice(0, 2));
      expect(segmentFiles(h)).toHaveLength(2);
      expect(log.latestEpoch()).toBe(1);
      log.appendAsLeader(producerBatch(2, { tag: 'after' }), 3);
      expect(readAllValues(log).slice(-2)).toEqual(['after-0', 'after-1']);
      log.close();
    });

    it('truncateTo removes a batch it cuts through, whole', () => {
      h = create();
      const log = openTestLog(h);
      fill(log, 3);
      log.truncateTo(12);
      expect(log.logEndOffset()).toBe(10);
      log.truncateTo(10);
      log.truncateTo(50);
      expect(log.logEndOffset()).toBe(10);
      log.close();
    });

    it('truncateTo an offset at a segment start leaves that segment empty and active', () => {
      h = create();
      const log = openTestLog(h, { segmentBytes: 300 });
      fill(log, 8, 3);
      const bases = log.segmentBaseOffsets();
      log.truncateTo(bases[2]!);
      expect(log.segmentBaseOffsets()).toEqual(bases.slice(0, 3));
      expect(log.logEndOffset()).toBe(bases[2]);
      log.close();
    });

    it('truncateFullyAndStartAt empties the log and restarts it at the offset', () => {
      h = create();
      const log = openTestLog(h, { segmentBytes: 300 });
      fill(log, 8, 3, 2);
      log.truncateFullyAndStartAt(1000);
      expect([log.logStartOffset(), log.logEndOffset(), log.latestEpoch()]).toEqual([1000, 1000, UNDEFINED_EPOCH]);
      expect(segmentFiles(h)).toEqual(['00000000000000001000.log']);
      log.appendAsFollower(replicatedBatch(1000, 2, 9));
      log.close();
      const reopened = openTestLog(h, { segmentBytes: 300 });
      expect([reopened.logStartOffset(), reopened.logEndOffset(), reopened.latestEpoch()]).toEqual([1000, 1002, 9]);
      reopened.close();
    });

    it('truncateTo below the first segment restarts the log there', () => {
      h = create();
      const log = openTestLog(h, { segmentBytes: 300 });
      log.truncateFullyAndStartAt(100);
      fill(log, 3);
      log.truncateTo(40);
      expect([log.logStartOffset(), log.logEndOffset()]).toEqual([40, 40]);
      log.close();
    });
  });

  describe('log start offset and retention', () => {
    it('advancing the log start deletes whole segments below it and survives reopen and crash', () => {
      h = create();
      const log = openTestLog(h, { segmentBytes: 300 });
      fill(log, 4, 3, 1);
      fill(log, 4, 3, 2);
      const bases = log.segmentBaseOffsets();
      const newStart = bases[2]! + 1;
      log.advanceLogStartOffset(newStart);
      expect(log.logStartOffset()).toBe(newStart);
      expect(log.segmentBaseOffsets()).toEqual(bases.slice(2));
      expect(log.epochEntries()[0]!.startOffset).toBe(newStart);
      expect(log.read(newStart, 1).firstBatchOffset).toBe(bases[2]);
      log.advanceLogStartOffset(3);
      expect(log.logStartOffset()).toBe(newStart);
      expectKafkaError(() => log.advanceLogStartOffset(log.logEndOffset() + 1), 'OFFSET_OUT_OF_RANGE');
      log.flush();
      h.crash();
      const reopened = openTestLog(h, { segmentBytes: 300 });
      expect(reopened.logStartOffset()).toBe(newStart);
      expect(reopened.logEndOffset()).toBe(24);
      reopened.close();
    });

    it('retention by size deletes the oldest segments while the log stays above retention.bytes', () => {
      h = create();
      const log = openTestLog(h, { segmentBytes: 300 });
      fill(log, 12, 3);
      const bases = log.segmentBaseOffsets();
      const total = log.sizeInBytes();
      expect(log.applyRetention(1_700_000_000_000)).toBe(0);
      log.close();
      const retentionBytes = Math.floor(total / 2);
      const bounded = openTestLog(h, { segmentBytes: 300, retentionBytes });
      const count = bounded.applyRetention(1_700_000_000_000);
      expect(count).toBeGreaterThan(0);
      expect(bounded.sizeInBytes()).toBeGreaterThanOrEqual(retentionBytes);
      expect(bounded.sizeInBytes() - readAllBatches(bounded)[0]!.sizeInBytes).toBeLessThan(retentionBytes);
      expect(bounded.segmentBaseOffsets()).toEqual(bases.slice(count));
      expect(bounded.logStartOffset()).toBe(bases[count]);
      expect(bounded.applyRetention(1_700_000_000_000)).toBe(0);
      bounded.close();
    });

    it('retention by size never deletes the active segment', () => {
      h = create();
      const log = openTestLog(h, { segmentBytes: 300, retentionBytes: 0 });
      fill(log, 12, 3);
      log.applyRetention(0);
      expect(log.segmentBaseOffsets()).toHaveLength(1);
      expect(log.logEndOffset()).toBe(36);
      expect(log.logStartOffset()).toBe(log.segmentBaseOffsets()[0]);
      log.close();
    });

    it('retention by age deletes segments whose newest record is older than retention.ms', () => {
      h = create();
      // One batch per segment.
      const log = openTestLog(h, { retentionMs: 1000, segmentBytes: producerBatch(2).length + 10 });
      for (const timestamp of [10_000, 10_500, 20_000, 30_000]) log.appendAsLeader(producerBatch(2, { timestamp }), 1);
      expect(log.segmentBaseOffsets()).toEqual([0, 2, 4, 6]);
      // The first segment's newest record is at 10_001.
      expect(log.applyRetention(11_001)).toBe(0);
      expect(log.applyRetention(11_002)).toBe(1);
      expect(log.logStartOffset()).toBe(2);
      expect(log.applyRetention(1_000_000)).toBe(2);
      expect(log.segmentBaseOffsets()).toEqual([6]);
      expect(log.logEndOffset()).toBe(8);
      log.close();
    });

    it('retention -1 keeps everything', () => {
      h = create();
      const log = openTestLog(h, { segmentBytes: 300, retentionBytes: -1, retentionMs: -1 });
      fill(log, 12, 3);
      const before = log.segmentBaseOffsets();
      expect(log.applyRetention(Number.MAX_SAFE_INTEGER)).toBe(0);
      expect(log.segmentBaseOffsets()).toEqual(before);
      log.close();
    });
  });

  describe('leader epochs', () => {
    it('answers endOffsetForEpoch from the epochs appended and keeps them across reopen', () => {
      h = create();
      const log = openTestLog(h);
      fill(log, 2, 5, 1);
      fill(log, 1, 5, 3);
      fill(log, 2, 5, 5);
      expect(log.endOffsetForEpoch(1)).toEqual({ epoch: 1, endOffset: 10 });
      expect(log.endOffsetForEpoch(2)).toEqual({ epoch: 1, endOffset: 10 });
      expect(log.endOffsetForEpoch(3)).toEqual({ epoch: 3, endOffset: 15 });
      expect(log.endOffsetForEpoch(5)).toEqual({ epoch: 5, endOffset: 25 });
      expect(log.endOffsetForEpoch(6)).toEqual({ epoch: UNDEFINED_EPOCH, endOffset: -1 });
      log.close();
      const reopened = openTestLog(h);
      expect(reopened.endOffsetForEpoch(3)).toEqual({ epoch: 3, endOffset: 15 });
      expect(h.storage.readFile(`${h.partitionDir}/leader-epoch-checkpoint`)?.toString()).toBe('0\n3\n1 0\n3 10\n5 15\n');
      reopened.truncateTo(15);
      expect(reopened.endOffsetForEpoch(3)).toEqual({ epoch: 3, endOffset: 15 });
      expect(reopened.endOffsetForEpoch(5)).toEqual({ epoch: UNDEFINED_EPOCH, endOffset: -1 });
      expect(reopened.endOffsetForEpoch(2)).toEqual({ epoch: 1, endOffset: 10 });
      // Cutting through a batch removes it whole, and with it the epoch that started there.
      reopened.truncateTo(12);
      expect(reopened.logEndOffset()).toBe(10);
      expect(reopened.latestEpoch()).toBe(1);
      reopened.close();
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
