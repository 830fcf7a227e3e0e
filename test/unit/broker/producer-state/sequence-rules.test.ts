import { describe, expect, it } from 'vitest';
import {
  BATCHES_RETAINED_PER_PRODUCER,
  MAX_SEQUENCE,
  ProducerStateManager,
} from '../../../../src/broker/producer-state/index.js';
import { NOW_MS, appendPlain, expectBrokerError, produce, producedHeader } from './fixtures.js';

const PID = 4000;

/** Appends `batches` in-order batches of `count` records from sequence `from`; returns their offsets. */
function appendInOrder(manager: ProducerStateManager, batches: number, count = 2, epoch = 0, from = 0): Array<[number, number]> {
  const offsets: Array<[number, number]> = [];
  for (let i = 0; i < batches; i++) {
    const result = produce(manager, { producerId: PID, producerEpoch: epoch, baseSequence: from + i * count, count });
    expect(result.kind).toBe('append');
    offsets.push([result.firstOffset, result.lastOffset]);
  }
  return offsets;
}

describe('producer state: the sequence rules of the idempotent producer', () => {
  it('appends in-order batches and remembers the last sequence and epoch', () => {
    const manager = new ProducerStateManager();
    appendPlain(manager, 3);
    expect(appendInOrder(manager, 3, 2)).toEqual([
      [3, 4],
      [5, 6],
      [7, 8],
    ]);
    const entry = manager.entry(PID)!;
    expect(entry.producerEpoch).toBe(0);
    expect(entry.batches.map((b) => [b.firstSequence, b.lastSequence])).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    expect(manager.mapEndOffset()).toBe(9);
  });

  it(`answers a retry of each of the last ${BATCHES_RETAINED_PER_PRODUCER} batches as a duplicate with its original offsets`, () => {
    const manager = new ProducerStateManager();
    const offsets = appendInOrder(manager, 8, 3);
    const end = manager.mapEndOffset();
    for (let i = 8 - BATCHES_RETAINED_PER_PRODUCER; i < 8; i++) {
      const retry = manager.checkProduce(producedHeader({ producerId: PID, producerEpoch: 0, baseSequence: i * 3, count: 3 }));
      expect(retry).toEqual({ kind: 'duplicate', firstOffset: offsets[i]![0], lastOffset: offsets[i]![1] });
    }
    expect(manager.mapEndOffset()).toBe(end);
  });

  it('refuses a retry older than the cached batches with OUT_OF_ORDER_SEQUENCE_NUMBER, as Kafka 3.x does', () => {
    const manager = new ProducerStateManager();
    appendInOrder(manager, BATCHES_RETAINED_PER_PRODUCER + 1, 2);
    const error = expectBrokerError(
      () => manager.checkProduce(producedHeader({ producerId: PID, producerEpoch: 0, baseSequence: 0, count: 2 })),
      'OUT_OF_ORDER_SEQUENCE_NUMBER',
    );
    expect(error.details).toMatchObject({ baseSequence: 0, expectedSequence: 12 });
  });

  it('refuses a retry whose range only overlaps a cached batch', () => {
    const manager = new ProducerStateManager();
    appendInOrder(manager, 2, 4);
    expectBrokerError(() => manager.checkProduce(producedHeader({ producerId: PID, producerEpoch: 0, baseSequence: 4, count: 2 })), 'OUT_OF_ORDER_SEQUENCE_NUMBER');
  });

  it('refuses a gap in the sequence with OUT_OF_ORDER_SEQUENCE_NUMBER and leaves the state unchanged', () => {
    const manager = new ProducerStateManager();
    appendInOrder(manager, 2, 2);
    const before = manager.entries();
    expectBrokerError(() => produce(manager, { producerId: PID, producerEpoch: 0, baseSequence: 5 }), 'OUT_OF_ORDER_SEQUENCE_NUMBER');
    expect(manager.entries()).toEqual(before);
    expect(produce(manager, { producerId: PID, producerEpoch: 0, baseSequence: 4 }).kind).toBe('append');
  });

  it('refuses an epoch older than the current one with INVALID_PRODUCER_EPOCH, even for a cached range', () => {
    const manager = new ProducerStateManager();
    appendInOrder(manager, 1, 2, 3);
    expectBrokerError(() => manager.checkProduce(producedHeader({ producerId: PID, producerEpoch: 2, baseSequence: 2 })), 'INVALID_PRODUCER_EPOCH');
    expectBrokerError(() => manager.checkProduce(producedHeader({ producerId: PID, producerEpoch: 2, baseSequence: 0, count: 2 })), 'INVALID_PRODUCER_EPOCH');
  });

  it('restarts sequences at 0 with a new epoch and forgets the old epoch\'s batches', () => {
    const manager = new ProducerStateManager();
    appendInOrder(manager, 3, 2, 0);
    expectBrokerError(() => manager.checkProduce(producedHeader({ producerId: PID, producerEpoch: 1, baseSequence: 6 })), 'OUT_OF_ORDER_SEQUENCE_NUMBER');
    const bumped = produce(manager, { producerId: PID, producerEpoch: 1, baseSequence: 0, count: 2 });
    expect(bumped.kind).toBe('append');
    expect(manager.entry(PID)).toMatchObject({ producerEpoch: 1, batches: [{ firstSequence: 0, lastSequence: 1, firstOffset: bumped.firstOffset }] });
    // The old epoch's retries are fenced now, not duplicates.
    expectBrokerError(() => manager.checkProduce(producedHeader({ producerId: PID, producerEpoch: 0, baseSequence: 0, count: 2 })), 'INVALID_PRODUCER_EPOCH');
    expect(produce(manager, { producerId: PID, producerEpoch: 1, baseSequence: 2 }).kind).toBe('append');
  });

  it('accepts any first sequence from a producer it has no state for (Kafka since KIP-360), and never answers UNKNOWN_PRODUCER_ID', () => {
    const manager = new ProducerStateManager();
    expect(produce(manager, { producerId: 77, producerEpoch: 4, baseSequence: 1234, count: 3 }).kind).toBe('append');
    expect(manager.entry(77)?.batches[0]).toMatchObject({ firstSequence: 1234, lastSequence: 1236 });
    expect(produce(manager, { producerId: 77, producerEpoch: 4, baseSequence: 1237 }).kind).toBe('append');
  });

  it('does not track batches without a producer id and refuses an idempotent batch without a sequence', () => {
    const manager = new ProducerStateManager();
    expect(manager.checkProduce(producedHeader({ producerId: -1, producerEpoch: -1, baseSequence: -1 }))).toEqual({ kind: 'append' });
    appendPlain(manager, 4);
    expect(manager.producerCount()).toBe(0);
    expect(manager.mapEndOffset()).toBe(4);
    expectBrokerError(() => manager.checkProduce(producedHeader({ producerId: 9, producerEpoch: 0, baseSequence: -1 })), 'INVALID_RECORD');
  });

  it('keeps producers apart: the same sequences from two producers are both new', () => {
    const manager = new ProducerStateManager();
    expect(produce(manager, { producerId: 1, producerEpoch: 0, baseSequence: 0 }).kind).toBe('append');
    expect(produce(manager, { producerId: 2, producerEpoch: 0, baseSequence: 0 }).kind).toBe('append');
    expect(produce(manager, { producerId: 1, producerEpoch: 0, baseSequence: 0 })).toEqual({ kind: 'duplicate', firstOffset: 0, lastOffset: 0 });
    expect(produce(manager, { producerId: 2, producerEpoch: 0, baseSequence: 0 })).toEqual({ kind: 'duplicate', firstOffset: 1, lastOffset: 1 });
  });

  describe('sequence wrap-around from 2^31-1 to 0', () => {
    it('accepts 0 after a batch ending at 2^31-1', () => {
      const manager = new ProducerStateManager();
      produce(manager, { producerId: PID, producerEpoch: 0, baseSequence: MAX_SEQUENCE - 1, count: 2 });
      expect(manager.entry(PID)!.batches[0]!.lastSequence).toBe(MAX_SEQUENCE);
      expectBrokerError(() => produce(manager, { producerId: PID, producerEpoch: 0, baseSequence: MAX_SEQUENCE + 1 }), 'OUT_OF_ORDER_SEQUENCE_NUMBER');
      expect(produce(manager, { producerId: PID, producerEpoch: 0, baseSequence: 0 }).kind).toBe('append');
    });

    it('tracks a batch whose sequences wrap inside it, and recognises its retry', () => {
      const manager = new ProducerStateManager();
      const wrapped = produce(manager, { producerId: PID, producerEpoch: 0, baseSequence: MAX_SEQUENCE - 2, count: 5 });
      expect(manager.entry(PID)!.batches[0]).toMatchObject({ firstSequence: MAX_SEQUENCE - 2, lastSequence: 1 });
      expect(produce(manager, { producerId: PID, producerEpoch: 0, baseSequence: MAX_SEQUENCE - 2, count: 5 })).toEqual({ ...wrapped, kind: 'duplicate' });
      expectBrokerError(() => produce(manager, { producerId: PID, producerEpoch: 0, baseSequence: 0 }), 'OUT_OF_ORDER_SEQUENCE_NUMBER');
      expect(produce(manager, { producerId: PID, producerEpoch: 0, baseSequence: 2 }).kind).toBe('append');
    });
  });

  it('forgets producers idle for producer.id.expiration.ms, by their newest batch timestamp', () => {
    const manager = new ProducerStateManager({ config: { producerIdExpirationMs: 60_000 } });
    produce(manager, { producerId: 1, producerEpoch: 0, baseSequence: 0, timestamp: NOW_MS });
    produce(manager, { producerId: 2, producerEpoch: 0, baseSequence: 0, timestamp: NOW_MS + 30_000 });
    expect(manager.removeExpiredProducers(NOW_MS + 59_999)).toBe(0);
    expect(manager.removeExpiredProducers(NOW_MS + 60_000)).toBe(1);
    expect(manager.entries().map((e) => e.producerId)).toEqual([2]);
    // Forgotten: its next batch is accepted at any sequence, as from an unknown producer.
    expect(produce(manager, { producerId: 1, producerEpoch: 0, baseSequence: 50 }).kind).toBe('append');
  });

  it('refuses an append below its end offset (a missed truncation), and takes one across a compaction gap', () => {
    const manager = new ProducerStateManager();
    appendPlain(manager, 2);
    expect(() => manager.onAppended({ ...producedHeader({ producerId: PID, producerEpoch: 0, baseSequence: 0 }), baseOffset: 1 })).toThrow(/invariant violated/);
    manager.onAppended({ ...producedHeader({ producerId: PID, producerEpoch: 0, baseSequence: 0 }), baseOffset: 5 });
  });
});
