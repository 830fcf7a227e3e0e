import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/common/clock.js';
import { isBrokerError } from '../../../../src/common/errors.js';
import { buildBatch, MemoryStorage, openPartitionLog } from '../../../../src/log/index.js';
import { IdempotentLog } from '../../../../src/broker/producer-state/index.js';

function open(storage = new MemoryStorage(), clock = new ManualClock(1_000)): IdempotentLog {
  const inner = openPartitionLog({ storage, dataDir: '/data', topic: 't', partition: 0, clock });
  return new IdempotentLog(inner, { clock });
}

const batch = (seq: number, count = 3, producerEpoch = 0): Buffer =>
  buildBatch(
    Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`v${seq + i}`) })),
    { producerId: 7, producerEpoch, baseSequence: seq, baseTimestamp: 1_000 },
  );

describe('IdempotentLog', () => {
  it('answers a retried batch with its original offsets and appends it only once', () => {
    const log = open();
    const first = log.appendAsLeader(batch(0), 0);
    const second = log.appendAsLeader(batch(3), 0);
    const retry = log.appendAsLeader(batch(0), 0);
    expect(first.firstOffset).toBe(0);
    expect(second.firstOffset).toBe(3);
    expect(retry).toMatchObject({ firstOffset: 0, lastOffset: 2, sizeInBytes: 0 });
    expect(log.logEndOffset()).toBe(6);
  });

  it('refuses a sequence gap and a stale producer epoch', () => {
    const log = open();
    log.appendAsLeader(batch(0, 3, 1), 0);
    const gap = (() => {
      try {
        log.appendAsLeader(batch(10, 3, 1), 0);
      } catch (e) {
        return e;
      }
    })();
    expect(isBrokerError(gap, 'OUT_OF_ORDER_SEQUENCE_NUMBER')).toBe(true);
    const stale = (() => {
      try {
        log.appendAsLeader(batch(3, 3, 0), 0);
      } catch (e) {
        return e;
      }
    })();
    expect(isBrokerError(stale, 'INVALID_PRODUCER_EPOCH')).toBe(true);
    expect(log.logEndOffset()).toBe(3);
  });

  it('knows a producer from follower appends, so a new leader still detects the retry', () => {
    const leader = open();
    leader.appendAsLeader(batch(0), 0);
    const copied = leader.read(0, 1 << 20).records;
    const follower = open();
    follower.appendAsFollower(copied);
    expect(follower.appendAsLeader(batch(0), 1)).toMatchObject({ firstOffset: 0, sizeInBytes: 0 });
    expect(follower.logEndOffset()).toBe(3);
  });

  it('forgets sequences that a truncation removed, accepting their resend', () => {
    const log = open();
    log.appendAsLeader(batch(0), 0);
    log.appendAsLeader(batch(3), 0);
    log.truncateTo(3);
    const resent = log.appendAsLeader(batch(3), 0);
    expect(resent.firstOffset).toBe(3);
    expect(resent.sizeInBytes).toBeGreaterThan(0);
    expect(log.logEndOffset()).toBe(6);
  });
});
