import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/common/logger.js';
import { checkRetention } from '../../../src/broker/log-retention.js';
import { ACKS_LEADER } from '../../../src/broker/types.js';
import type { Partition } from '../../../src/broker/partition.js';
import type { SegmentedLog } from '../../../src/log/segmented-log.js';
import { ReplicatedPartition } from './helpers.js';

const RECORD_TIME = 1_700_000_000_000;
/** Small enough that every three-record batch gets a segment of its own. */
const ONE_BATCH_SEGMENTS = { segmentBytes: 150 };

function segmentsOf(p: Partition): number[] {
  return (p.log as SegmentedLog).segmentBaseOffsets();
}

function produceBatches(rp: ReplicatedPartition, count: number): void {
  for (let i = 0; i < count; i++) rp.produce(3, ACKS_LEADER, 5_000, `b${i}`);
}

describe('the periodic retention check', () => {
  it('deletes only segments wholly below the leader high watermark, applying the topic settings first', () => {
    const rp = new ReplicatedPartition({ replicas: [1, 2], isr: [1, 2] });
    rp.replica(2).log.reconfigure(ONE_BATCH_SEGMENTS);
    const settings = { ...ONE_BATCH_SEGMENTS, retentionBytes: 0 };
    // The settings reach the leader's open log through the check; a first pass applies them.
    checkRetention([rp.leader], RECORD_TIME, () => settings, silentLogger());
    produceBatches(rp, 4);
    expect(segmentsOf(rp.leader)).toEqual([0, 3, 6, 9]);
    // Nothing is committed yet: the follower has not fetched.
    expect(checkRetention([rp.leader], RECORD_TIME, () => settings, silentLogger())).toEqual([]);
    expect(rp.leader.logStartOffset()).toBe(0);

    rp.catchUp(2);
    produceBatches(rp, 2);
    expect([rp.leader.highWatermark(), rp.leader.logEndOffset()]).toEqual([12, 18]);
    const outcomes = checkRetention([rp.leader], RECORD_TIME, () => settings, silentLogger());
    // Segments 12 and 15 hold records at or above the high watermark (and 15 is active).
    expect(outcomes).toEqual([{ topic: 'orders', partition: 0, deletedSegments: 4, logStartOffset: 12 }]);
    expect(segmentsOf(rp.leader)).toEqual([12, 15]);
    expect(rp.leader.fetchForConsumer(11, 1024).error?.kafkaName).toBe('OFFSET_OUT_OF_RANGE');
    expect(rp.leader.fetchForConsumer(12, 1024).error).toBeUndefined();

    rp.catchUp(2);
    checkRetention([rp.leader], RECORD_TIME, () => settings, silentLogger());
    expect([rp.leader.logStartOffset(), rp.leader.highWatermark()]).toEqual([15, 18]);
  });

  it('on a follower deletes nothing at or above its known high watermark', () => {
    const rp = new ReplicatedPartition({ replicas: [1, 2], isr: [1, 2] });
    const follower = rp.replica(2);
    follower.log.reconfigure({ ...ONE_BATCH_SEGMENTS, retentionBytes: 0 });
    produceBatches(rp, 3);
    // One fetch: the follower has the records but the leader's high watermark was still 0.
    rp.fetch(2);
    expect([follower.logEndOffset(), follower.highWatermark()]).toEqual([9, 0]);
    expect(checkRetention([follower], RECORD_TIME, undefined, silentLogger())).toEqual([]);
    rp.catchUp(2);
    expect(follower.highWatermark()).toBe(9);
    checkRetention([follower], RECORD_TIME, undefined, silentLogger());
    expect(segmentsOf(follower)).toEqual([6]);
  });

  it('rolls an idle active segment after segment.ms so retention.ms can delete it', () => {
    const rp = new ReplicatedPartition({ replicas: [1], isr: [1] });
    const settings = { segmentMs: 1_000, retentionMs: 60_000 };
    checkRetention([rp.leader], RECORD_TIME, () => settings, silentLogger());
    produceBatches(rp, 1);
    rp.clock.advance(999);
    checkRetention([rp.leader], RECORD_TIME, () => settings, silentLogger());
    expect(segmentsOf(rp.leader)).toEqual([0]);
    rp.clock.advance(1);
    checkRetention([rp.leader], RECORD_TIME, () => settings, silentLogger());
    expect(segmentsOf(rp.leader)).toEqual([0, 3]);
    // The newest record (RECORD_TIME + 2) is not older than retention.ms yet.
    expect(checkRetention([rp.leader], RECORD_TIME + 60_002, () => settings, silentLogger())).toEqual([]);
    checkRetention([rp.leader], RECORD_TIME + 60_003, () => settings, silentLogger());
    expect([rp.leader.logStartOffset(), rp.leader.logEndOffset()]).toEqual([3, 3]);
    expect(segmentsOf(rp.leader)).toEqual([3]);
  });
});

describe('a follower following the leader log start', () => {
  it('advances its log start from the fetch answer and deletes its own segments below it', () => {
    const rp = new ReplicatedPartition({ replicas: [1, 2], isr: [1, 2] });
    const follower = rp.replica(2);
    follower.log.reconfigure(ONE_BATCH_SEGMENTS);
    checkRetention([rp.leader], RECORD_TIME, () => ({ ...ONE_BATCH_SEGMENTS, retentionBytes: 0 }), silentLogger());
    produceBatches(rp, 4);
    rp.catchUp(2);
    expect(segmentsOf(follower)).toEqual([0, 3, 6, 9]);
    checkRetention([rp.leader], RECORD_TIME, () => ({ ...ONE_BATCH_SEGMENTS, retentionBytes: 0 }), silentLogger());
    expect(rp.leader.logStartOffset()).toBe(9);
    // The follower's own retention.bytes is unlimited: only the leader's answer moves its start.
    rp.fetch(2);
    expect(follower.logStartOffset()).toBe(9);
    expect(segmentsOf(follower)).toEqual([9]);
  });
});
