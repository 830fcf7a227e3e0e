import { afterEach, describe, expect, it } from 'vitest';
import { UNDEFINED_EPOCH } from '../../../src/log/epoch/leader-epoch-cache.js';
import {
  HARNESSES,
  expectKafkaError,
  fill,
  openTestLog,
  producerBatch,
  readAllBatches,
  readAllValues,
  replicatedBatch,
  segmentFiles,
  type StorageHarness,
} from './helpers.js';

describe.each(HARNESSES)('partition log truncation, log start and retention ($kind storage)', ({ create }) => {
  let h: StorageHarness;
  afterEach(() => h.cleanup());

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

});
