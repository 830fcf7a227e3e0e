/**
 * Partition directories made ahead on the thread pool: a new partition opens from them as from
 * nothing, and a partition with data is never mistaken for a new one.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { isNewPartitionDir } from '../../../src/log/open-log.js';
import { preparePartitionDirs } from '../../../src/log/storage/prepare-partition-dirs.js';
import { fileHarness, openTestLog, PARTITION, producerBatch, readAllValues, TOPIC, type StorageHarness } from './helpers.js';

let h: StorageHarness;
afterEach(() => h.cleanup());

describe('preparing partition directories', () => {
  it('makes a directory holding only the empty first segment, which opens as a new log', async () => {
    h = fileHarness();
    await preparePartitionDirs(h.dataDir, [{ topic: TOPIC, partition: PARTITION }, { topic: TOPIC, partition: PARTITION + 1 }]);
    expect(readdirSync(h.partitionDir)).toEqual(['00000000000000000000.index', '00000000000000000000.log']);
    expect(isNewPartitionDir(h.storage, h.partitionDir)).toBe(true);
    const log = openTestLog(h);
    expect(log.logEndOffset()).toBe(0);
    log.appendAsLeader(producerBatch(3, { tag: 'a' }), 1);
    log.close();
    expect(isNewPartitionDir(h.storage, h.partitionDir)).toBe(false);
    const reopened = openTestLog(h);
    expect(readAllValues(reopened)).toEqual(['a-0', 'a-1', 'a-2']);
    reopened.close();
  });

  it('leaves a partition that already has a directory alone', async () => {
    h = fileHarness();
    const log = openTestLog(h);
    log.appendAsLeader(producerBatch(2, { tag: 'kept' }), 1);
    log.close();
    const before = readdirSync(h.partitionDir);
    await preparePartitionDirs(h.dataDir, [{ topic: TOPIC, partition: PARTITION }]);
    expect(readdirSync(h.partitionDir)).toEqual(before);
    const reopened = openTestLog(h);
    expect(readAllValues(reopened)).toEqual(['kept-0', 'kept-1']);
    reopened.close();
  });

  it('takes a directory for new only when nothing but the empty first segment is in it', () => {
    h = fileHarness();
    expect(isNewPartitionDir(h.storage, h.partitionDir)).toBe(true);
    h.storage.ensureDir(h.partitionDir);
    expect(isNewPartitionDir(h.storage, h.partitionDir)).toBe(true);
    writeFileSync(`${h.partitionDir}/00000000000000000000.log`, '');
    expect(isNewPartitionDir(h.storage, h.partitionDir)).toBe(true);
    // A first segment with bytes in it: data, even without any checkpoint yet.
    writeFileSync(`${h.partitionDir}/00000000000000000000.log`, 'x');
    expect(isNewPartitionDir(h.storage, h.partitionDir)).toBe(false);
    writeFileSync(`${h.partitionDir}/00000000000000000000.log`, '');
    writeFileSync(`${h.partitionDir}/log-start-offset-checkpoint`, '0\n1\norders 3 40\n');
    expect(isNewPartitionDir(h.storage, h.partitionDir)).toBe(false);
  });
});
