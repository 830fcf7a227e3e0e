import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import type { LogConfig } from '../../../src/log/config.js';
import { openPartitionLog } from '../../../src/log/open-log.js';
import type { SegmentedLog } from '../../../src/log/segmented-log.js';
import { CountingStorage, HARNESSES, PARTITION, TOPIC, memoryHarness, openTestLog, producerBatch, type StorageHarness } from './helpers.js';

const RECOVERY_CHECKPOINT_TEMP = 'recovery-point-offset-checkpoint.tmp';

describe.each(HARNESSES)('flush policy ($kind storage)', ({ create }) => {
  let h: StorageHarness;
  afterEach(() => h.cleanup());

  function openCounted(config: Partial<LogConfig>, clock = new ManualClock(0)): { log: SegmentedLog; counting: CountingStorage; clock: ManualClock } {
    const counting = new CountingStorage(h.storage);
    const log = openPartitionLog({ storage: counting, dataDir: h.dataDir, topic: TOPIC, partition: PARTITION, config, clock });
    counting.syncs.length = 0;
    return { log, counting, clock };
  }

  const append = (log: SegmentedLog, records = 3): void => void log.appendAsLeader(producerBatch(records), 0);
  /** Syncs of segment files (the first append also writes the leader-epoch checkpoint). */
  const segmentSyncs = (counting: CountingStorage): string[] => counting.syncs.filter((p) => p.endsWith('.log') || p.endsWith('.index'));

  it('by default never syncs on append: the OS flushes', () => {
    h = create();
    const { log, counting, clock } = openCounted({});
    for (let i = 0; i < 200; i++) {
      append(log);
      clock.advance(1000);
    }
    expect(segmentSyncs(counting)).toEqual([]);
    expect(counting.syncCount(RECOVERY_CHECKPOINT_TEMP)).toBe(0);
    expect(log.recoveryPoint()).toBe(0);
    log.close();
  });

  it('flush.messages syncs the log once that many messages arrived since the last flush', () => {
    h = create();
    const { log, counting } = openCounted({ flushIntervalMessages: 10 });
    for (let i = 0; i < 3; i++) append(log);
    expect(counting.syncCount('.log')).toBe(0);
    append(log);
    expect(counting.syncCount('.log')).toBe(1);
    expect(log.recoveryPoint()).toBe(12);
    for (let i = 0; i < 8; i++) append(log);
    expect(counting.syncCount('.log')).toBe(3);
    expect(log.recoveryPoint()).toBe(36);
    log.close();
  });

  it('flush.ms syncs on the first append once that long passed since the last flush', () => {
    h = create();
    const { log, counting, clock } = openCounted({ flushIntervalMs: 1000 });
    append(log);
    clock.advance(999);
    append(log);
    expect(counting.syncCount('.log')).toBe(0);
    clock.advance(1);
    expect(counting.syncCount('.log')).toBe(0);
    append(log);
    expect(counting.syncCount('.log')).toBe(1);
    expect(log.recoveryPoint()).toBe(9);
    clock.advance(500);
    append(log);
    expect(counting.syncCount('.log')).toBe(1);
    log.close();
  });

  it('policy flushes rewrite the recovery-point checkpoint only every log.flush.offset.checkpoint.interval.ms', () => {
    h = create();
    const { log, counting, clock } = openCounted({ flushIntervalMessages: 1, flushOffsetCheckpointIntervalMs: 60_000 });
    for (let i = 0; i < 20; i++) append(log);
    expect(counting.syncCount('.log')).toBe(20);
    expect(counting.syncCount('.index')).toBe(0);
    expect(counting.syncCount(RECOVERY_CHECKPOINT_TEMP)).toBe(0);
    clock.advance(60_000);
    append(log);
    expect(counting.syncCount(RECOVERY_CHECKPOINT_TEMP)).toBe(1);
    expect(h.storage.readFile(`${h.partitionDir}/recovery-point-offset-checkpoint`)?.toString()).toBe(`0\n1\n${TOPIC} ${PARTITION} 63\n`);
    log.close();
  });

  it('an explicit flush syncs log and index and writes the recovery point', () => {
    h = create();
    const { log, counting } = openCounted({});
    append(log);
    log.flush();
    expect(counting.syncCount('.log')).toBe(1);
    expect(counting.syncCount('.index')).toBe(1);
    expect(counting.syncCount(RECOVERY_CHECKPOINT_TEMP)).toBe(1);
    expect(log.recoveryPoint()).toBe(3);
    log.close();
  });

  it('a roll flushes the segment it closes and moves the recovery point to the new one', () => {
    h = create();
    const { log, counting } = openCounted({ segmentBytes: producerBatch(3).length * 2 });
    append(log);
    append(log);
    expect(segmentSyncs(counting)).toEqual([]);
    append(log);
    expect(log.segmentBaseOffsets()).toEqual([0, 6]);
    expect(counting.syncs.filter((p) => p.endsWith('00000000000000000000.log'))).toHaveLength(1);
    expect(counting.syncs.filter((p) => p.endsWith('00000000000000000000.index'))).toHaveLength(1);
    expect(log.recoveryPoint()).toBe(6);
    log.close();
  });
});

describe('flush policy and crashes (memory storage)', () => {
  it('keeps what a policy flush synced and loses what came after it', () => {
    const h = memoryHarness();
    const log = openTestLog(h, { flushIntervalMessages: 10 });
    for (let i = 0; i < 4; i++) log.appendAsLeader(producerBatch(3, { tag: `b${i}` }), 0);
    log.appendAsLeader(producerBatch(3, { tag: 'lost' }), 0);
    expect(log.logEndOffset()).toBe(15);
    h.crash();
    const reopened = openTestLog(h, { flushIntervalMessages: 10 });
    expect(reopened.logEndOffset()).toBe(12);
    reopened.close();
  });

  it('loses everything unflushed under the default policy, and nothing after close', () => {
    const h = memoryHarness();
    const log = openTestLog(h);
    for (let i = 0; i < 4; i++) log.appendAsLeader(producerBatch(3), 0);
    h.crash();
    const afterCrash = openTestLog(h);
    expect(afterCrash.logEndOffset()).toBe(0);
    for (let i = 0; i < 4; i++) afterCrash.appendAsLeader(producerBatch(3), 0);
    afterCrash.close();
    h.crash();
    const afterClose = openTestLog(h);
    expect(afterClose.logEndOffset()).toBe(12);
    afterClose.close();
  });
});
