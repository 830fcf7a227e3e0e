/**
 * Recovery after an unclean shutdown, with real damage done to real files in a temporary directory:
 * torn tails, flipped bytes, lost or mangled indexes and checkpoints. Each test states exactly which
 * offsets must survive.
 */
import { existsSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/common/random.js';
import type { LogConfig } from '../../../src/log/config.js';
import type { SegmentedLog } from '../../../src/log/segmented-log.js';
import { fileHarness, openTestLog, producerBatch, readAllBatches, readAllValues, replicatedBatch, type StorageHarness } from './helpers.js';

const RECORDS_PER_BATCH = 5;
const BATCH_BYTES = producerBatch(RECORDS_PER_BATCH, { tag: 'b00' }).length;

let h: StorageHarness;
afterEach(() => h.cleanup());

const segmentPath = (base: number, suffix: '.log' | '.index'): string => `${h.partitionDir}/${String(base).padStart(20, '0')}${suffix}`;

/** A log of `batches` equal-sized batches of 5 records; batch i holds offsets 5i..5i+4 and values `bNN-j`. */
function writeLog(batches: number, config: Partial<LogConfig> = {}): SegmentedLog {
  const log = openTestLog(h, config);
  for (let i = 0; i < batches; i++) log.appendAsLeader(producerBatch(RECORDS_PER_BATCH, { tag: `b${String(i).padStart(2, '0')}` }), 1);
  return log;
}

/** Values the first `batches` batches hold. */
function valuesOfBatches(batches: number): string[] {
  return Array.from({ length: batches * RECORDS_PER_BATCH }, (_, k) => `b${String(Math.floor(k / RECORDS_PER_BATCH)).padStart(2, '0')}-${k % RECORDS_PER_BATCH}`);
}

/** Simulates a killed process (no clean-shutdown marker) and reopens. */
function crashAndReopen(config: Partial<LogConfig> = {}): SegmentedLog {
  h.crash();
  return openTestLog(h, config);
}

function flipByte(path: string, position: number): void {
  const bytes = readFileSync(path);
  bytes[position] = bytes[position]! ^ 0x5a;
  writeFileSync(path, bytes);
}

/** Reads from every offset and checks each answer starts with the batch holding it. */
function expectEveryOffsetReadable(log: SegmentedLog): void {
  for (let offset = log.logStartOffset(); offset < log.logEndOffset(); offset++) {
    const result = log.read(offset, 1);
    expect(result.firstBatchOffset).toBe(offset - (offset % RECORDS_PER_BATCH));
  }
}

describe('what recovery scans', () => {
  it('nothing after a clean close, even after truncations changed the index spacing', () => {
    h = fileHarness();
    const config = { segmentBytes: BATCH_BYTES * 6, indexIntervalBytes: BATCH_BYTES + 1 };
    const log = writeLog(14, config);
    log.truncateTo(43);
    log.appendAsLeader(producerBatch(3, { tag: 'x' }), 1);
    log.appendAsLeader(producerBatch(RECORDS_PER_BATCH, { tag: 'y' }), 1);
    log.close();
    const reopened = openTestLog(h, config);
    expect(reopened.recoveredSegmentsOnOpen).toBe(0);
    expect(reopened.logEndOffset()).toBe(48);
    reopened.close();
  });

  it('only the active segment after a crash, when the rolls flushed the others', () => {
    h = fileHarness();
    const config = { segmentBytes: BATCH_BYTES * 3 };
    writeLog(11, config);
    const log = crashAndReopen(config);
    expect(log.recoveredSegmentsOnOpen).toBe(1);
    expect(readAllValues(log)).toEqual(valuesOfBatches(11));
    log.close();
  });
});

describe('recovery from damaged files', () => {
  it('a torn tail loses only the batch it cuts through', () => {
    h = fileHarness();
    writeLog(10);
    truncateSync(segmentPath(0, '.log'), 7 * BATCH_BYTES + 20);
    const log = crashAndReopen();
    expect(log.logEndOffset()).toBe(35);
    expect(readAllValues(log)).toEqual(valuesOfBatches(7));
    expect(statSync(segmentPath(0, '.log')).size).toBe(7 * BATCH_BYTES);
    log.appendAsLeader(producerBatch(2, { tag: 'next' }), 1);
    expect(readAllValues(log).slice(-2)).toEqual(['next-0', 'next-1']);
    log.close();
  });

  it('a tail too short for a batch header is cut', () => {
    h = fileHarness();
    writeLog(3);
    truncateSync(segmentPath(0, '.log'), 3 * BATCH_BYTES);
    writeFileSync(segmentPath(0, '.log'), Buffer.from([1, 2, 3, 4, 5]), { flag: 'a' });
    const log = crashAndReopen();
    expect(readAllValues(log)).toEqual(valuesOfBatches(3));
    log.close();
  });

  it('a flipped byte in a middle batch drops that batch and everything after it, keeping everything before', () => {
    h = fileHarness();
    writeLog(10);
    flipByte(segmentPath(0, '.log'), 4 * BATCH_BYTES + 70);
    const log = crashAndReopen();
    expect(log.logEndOffset()).toBe(20);
    expect(readAllValues(log)).toEqual(valuesOfBatches(4));
    expectEveryOffsetReadable(log);
    log.close();
  });

  it('a flipped length field drops the batch and everything after it', () => {
    h = fileHarness();
    writeLog(6);
    flipByte(segmentPath(0, '.log'), 2 * BATCH_BYTES + 10);
    const log = crashAndReopen();
    expect(readAllValues(log)).toEqual(valuesOfBatches(2));
    log.close();
  });

  it('damage in an earlier segment deletes every later segment when recovery starts before it', () => {
    h = fileHarness();
    const config = { segmentBytes: BATCH_BYTES * 3 };
    const before = writeLog(12, config);
    expect(before.segmentBaseOffsets()).toEqual([0, 15, 30, 45]);
    // Without a recovery-point checkpoint every segment is recovered.
    rmSync(`${h.partitionDir}/recovery-point-offset-checkpoint`);
    flipByte(segmentPath(15, '.log'), BATCH_BYTES + 100);
    const log = crashAndReopen(config);
    expect(log.segmentBaseOffsets()).toEqual([0, 15]);
    expect(log.logEndOffset()).toBe(20);
    expect(readAllValues(log)).toEqual(valuesOfBatches(4));
    expect(existsSync(segmentPath(30, '.log'))).toBe(false);
    expect(existsSync(segmentPath(45, '.index'))).toBe(false);
    log.close();
  });

  it('recovery starts at the segment holding the recovery point: the active segment is checked', () => {
    h = fileHarness();
    const config = { segmentBytes: BATCH_BYTES * 3 };
    writeLog(11, config);
    // Rolls flushed the first three segments; the active one (offsets 45..54) is recovered.
    flipByte(segmentPath(45, '.log'), BATCH_BYTES + 100);
    const log = crashAndReopen(config);
    expect(log.logEndOffset()).toBe(50);
    expect(readAllValues(log)).toEqual(valuesOfBatches(10));
    log.close();
  });

  it('a truncated index is rebuilt and nothing is lost', () => {
    h = fileHarness();
    const config = { segmentBytes: BATCH_BYTES * 6, indexIntervalBytes: 0 };
    writeLog(14, config);
    const indexPath = segmentPath(0, '.index');
    const fullIndexBytes = statSync(indexPath).size;
    expect(fullIndexBytes).toBe(5 * 8);
    truncateSync(indexPath, 13);
    const log = crashAndReopen(config);
    expect(readAllValues(log)).toEqual(valuesOfBatches(14));
    expectEveryOffsetReadable(log);
    log.close();
    expect(statSync(indexPath).size).toBe(fullIndexBytes);
  });

  it('a missing index is rebuilt and nothing is lost', () => {
    h = fileHarness();
    const config = { segmentBytes: BATCH_BYTES * 6, indexIntervalBytes: 0 };
    writeLog(14, config);
    rmSync(segmentPath(30, '.index'));
    const log = crashAndReopen(config);
    expect(readAllValues(log)).toEqual(valuesOfBatches(14));
    expectEveryOffsetReadable(log);
    log.close();
    expect(statSync(segmentPath(30, '.index')).size).toBe(5 * 8);
  });

  it('a garbage index is rebuilt and nothing is lost', () => {
    h = fileHarness();
    const config = { segmentBytes: BATCH_BYTES * 6, indexIntervalBytes: 0 };
    writeLog(14, config);
    const random = new SeededRandom(7);
    const garbage = Buffer.from(Array.from({ length: 40 }, () => random.int(0, 255)));
    writeFileSync(segmentPath(0, '.index'), garbage);
    const log = crashAndReopen(config);
    expect(readAllValues(log)).toEqual(valuesOfBatches(14));
    expectEveryOffsetReadable(log);
    log.close();
  });

  it('an index whose entries point at the wrong batches is rebuilt', () => {
    h = fileHarness();
    const config = { segmentBytes: BATCH_BYTES * 6, indexIntervalBytes: 0 };
    writeLog(14, config);
    // Plausible entries (increasing, inside the file) that do not match the log.
    const wrong = Buffer.alloc(16);
    wrong.writeInt32BE(3, 0);
    wrong.writeInt32BE(BATCH_BYTES, 4);
    wrong.writeInt32BE(7, 8);
    wrong.writeInt32BE(2 * BATCH_BYTES, 12);
    writeFileSync(segmentPath(0, '.index'), wrong);
    const log = crashAndReopen(config);
    expect(readAllValues(log)).toEqual(valuesOfBatches(14));
    expectEveryOffsetReadable(log);
    log.close();
  });

  it('a missing segment in the middle leaves a gap, as in Kafka (a compacted log has gaps too)', () => {
    h = fileHarness();
    const config = { segmentBytes: BATCH_BYTES * 3 };
    writeLog(12, config);
    rmSync(segmentPath(15, '.log'));
    const log = crashAndReopen(config);
    expect(log.segmentBaseOffsets()).toEqual([0, 30, 45]);
    const all = valuesOfBatches(12);
    expect(readAllValues(log)).toEqual([...all.slice(0, all.length / 4), ...all.slice(all.length / 2)]);
    log.close();
  });

  it('a corrupt recovery-point checkpoint means recovering everything, losing nothing', () => {
    h = fileHarness();
    const config = { segmentBytes: BATCH_BYTES * 3 };
    writeLog(12, config);
    writeFileSync(`${h.partitionDir}/recovery-point-offset-checkpoint`, '0\n1\norders 3 4');
    flipByte(segmentPath(0, '.log'), 2 * BATCH_BYTES + 80);
    const log = crashAndReopen(config);
    // The corrupt checkpoint reads as "nothing known durable", so the damage in the first segment is found.
    expect(readAllValues(log)).toEqual(valuesOfBatches(2));
    log.close();
  });

  it('a corrupt log-start checkpoint falls back to the first segment', () => {
    h = fileHarness();
    const config = { segmentBytes: BATCH_BYTES * 3 };
    const log = writeLog(12, config);
    log.advanceLogStartOffset(17);
    log.close();
    writeFileSync(`${h.partitionDir}/log-start-offset-checkpoint`, 'garbage');
    const reopened = openTestLog(h, config);
    expect(reopened.logStartOffset()).toBe(15);
    expect(reopened.logEndOffset()).toBe(60);
    reopened.close();
  });

  it('a corrupt leader-epoch checkpoint is rebuilt from the epochs in the batches', () => {
    h = fileHarness();
    const config = { segmentBytes: BATCH_BYTES * 3 };
    const log = openTestLog(h, config);
    log.appendAsFollower(Buffer.concat([replicatedBatch(0, 5, 1), replicatedBatch(5, 5, 1), replicatedBatch(10, 5, 4)]));
    log.appendAsFollower(Buffer.concat([replicatedBatch(15, 5, 4), replicatedBatch(20, 5, 9)]));
    const epochs = log.epochEntries();
    log.close();
    writeFileSync(`${h.partitionDir}/leader-epoch-checkpoint`, '0\n3\n1 0\n');
    const reopened = openTestLog(h, config);
    expect(reopened.epochEntries()).toEqual(epochs);
    expect(reopened.endOffsetForEpoch(4)).toEqual({ epoch: 4, endOffset: 20 });
    reopened.close();
    expect(readFileSync(`${h.partitionDir}/leader-epoch-checkpoint`, 'utf8')).toBe('0\n3\n1 0\n4 10\n9 20\n');
  });

  it('a crash after a truncation rebuilds the epochs of the rescanned segment from its batches, not the stale checkpoint', () => {
    h = fileHarness();
    const config = { segmentBytes: BATCH_BYTES * 3 };
    const log = openTestLog(h, config);
    log.appendAsFollower(Buffer.concat([replicatedBatch(0, 5, 1), replicatedBatch(5, 5, 1), replicatedBatch(10, 5, 1)]));
    log.appendAsFollower(Buffer.concat([replicatedBatch(15, 5, 3), replicatedBatch(20, 5, 5), replicatedBatch(25, 5, 5)]));
    // The roll at 30 writes the checkpoint with epoch 5 in it.
    log.appendAsFollower(replicatedBatch(30, 5, 5));
    // Epoch 5 diverged from the leader's log: the follower takes epoch 4 from 20 instead.
    log.truncateTo(20);
    log.appendAsFollower(Buffer.concat([replicatedBatch(20, 5, 4), replicatedBatch(25, 5, 4)]));
    expect(log.epochEntries()).toEqual([{ epoch: 1, startOffset: 0 }, { epoch: 3, startOffset: 15 }, { epoch: 4, startOffset: 20 }]);
    expect(readFileSync(`${h.partitionDir}/leader-epoch-checkpoint`, 'utf8')).toBe('0\n3\n1 0\n3 15\n5 20\n');
    const reopened = crashAndReopen(config);
    expect(reopened.logEndOffset()).toBe(30);
    expect(reopened.epochEntries()).toEqual([{ epoch: 1, startOffset: 0 }, { epoch: 3, startOffset: 15 }, { epoch: 4, startOffset: 20 }]);
    expect(reopened.endOffsetForEpoch(4)).toEqual({ epoch: 4, endOffset: 30 });
    reopened.close();
  });

  it('leader epochs that started beyond the recovered end are dropped', () => {
    h = fileHarness();
    const log = openTestLog(h);
    log.appendAsFollower(Buffer.concat([replicatedBatch(0, 5, 1), replicatedBatch(5, 5, 2), replicatedBatch(10, 5, 3)]));
    expect(log.latestEpoch()).toBe(3);
    const batchBytes = readAllBatches(log)[0]!.sizeInBytes;
    truncateSync(segmentPath(0, '.log'), batchBytes + 30);
    const reopened = crashAndReopen();
    expect(reopened.logEndOffset()).toBe(5);
    expect(reopened.epochEntries()).toEqual([{ epoch: 1, startOffset: 0 }]);
    expect(reopened.endOffsetForEpoch(1)).toEqual({ epoch: 1, endOffset: 5 });
    expect(reopened.endOffsetForEpoch(2)).toEqual({ epoch: -1, endOffset: -1 });
    reopened.close();
  });

  it('removes a half-written checkpoint and an index without a log', () => {
    h = fileHarness();
    writeLog(2);
    writeFileSync(`${h.partitionDir}/leader-epoch-checkpoint.tmp`, '0\n5\n1 ');
    writeFileSync(segmentPath(500, '.index'), Buffer.alloc(8));
    const log = crashAndReopen();
    expect(existsSync(`${h.partitionDir}/leader-epoch-checkpoint.tmp`)).toBe(false);
    expect(existsSync(segmentPath(500, '.index'))).toBe(false);
    expect(log.logEndOffset()).toBe(10);
    log.close();
  });

  it('survives a log start checkpoint beyond everything that survived', () => {
    h = fileHarness();
    writeLog(4);
    writeFileSync(`${h.partitionDir}/log-start-offset-checkpoint`, '0\n1\norders 3 100\n');
    const log = crashAndReopen();
    expect([log.logStartOffset(), log.logEndOffset(), log.segmentBaseOffsets()]).toEqual([100, 100, [100]]);
    log.close();
  });
});
