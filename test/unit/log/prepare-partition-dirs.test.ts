/**
 * Partition directories made ahead on the thread pool: a new partition opens from them as from
 * nothing, and a partition with data is never touched.
 */
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { openPartitionLog } from '../../../src/log/open-log.js';
import { preparePartitionDirs } from '../../../src/log/storage/prepare-partition-dirs.js';
import { fileHarness, openTestLog, PARTITION, producerBatch, readAllValues, TOPIC, type StorageHarness } from './helpers.js';

let h: StorageHarness;
afterEach(() => h.cleanup());

describe('preparing partition directories', () => {
  it('makes a directory holding only the empty first segment, which opens as a new log', async () => {
    h = fileHarness();
    const made = await preparePartitionDirs(h.dataDir, [{ topic: TOPIC, partition: PARTITION }, { topic: TOPIC, partition: PARTITION + 1 }]);
    expect(made.sort()).toEqual([h.partitionDir, `${h.dataDir}/${TOPIC}-${PARTITION + 1}`].sort());
    expect(readdirSync(h.partitionDir)).toEqual(['00000000000000000000.index', '00000000000000000000.log']);
    const log = openPartitionLog({ storage: h.storage, dataDir: h.dataDir, topic: TOPIC, partition: PARTITION, clock: new ManualClock(0), isNew: true });
    expect(log.logEndOffset()).toBe(0);
    log.appendAsLeader(producerBatch(3, { tag: 'a' }), 1);
    log.close();
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
    expect(await preparePartitionDirs(h.dataDir, [{ topic: TOPIC, partition: PARTITION }])).toEqual([]);
    expect(readdirSync(h.partitionDir)).toEqual(before);
    const reopened = openTestLog(h);
    expect(readAllValues(reopened)).toEqual(['kept-0', 'kept-1']);
    reopened.close();
  });
});
