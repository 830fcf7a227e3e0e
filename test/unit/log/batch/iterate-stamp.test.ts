import { describe, expect, it } from 'vitest';
import { BrokerError } from '../../../../src/common/errors.js';
import {
  buildBatch,
  iterateBatches,
  nextOffsetOf,
  readBatchHeader,
  readRecords,
  stampBatch,
  validateBatch,
  validateBatchHeader,
  validateProducedBatch,
  type BatchPosition,
} from '../../../../src/log/batch/index.js';
import { decodeWithKafkajs, expectBrokerError } from './fixtures.js';

function threeBatches(): Buffer[] {
  return [
    buildBatch([{ value: Buffer.from('a') }, { value: Buffer.from('b') }], { baseOffset: 0, partitionLeaderEpoch: 1 }),
    buildBatch([{ value: Buffer.from('c'), headers: [{ key: 'h', value: null }] }], { baseOffset: 2, partitionLeaderEpoch: 1 }),
    buildBatch([{ value: Buffer.from('d') }, { value: null }, { value: Buffer.alloc(0) }], { baseOffset: 3, partitionLeaderEpoch: 2, attributes: 1 }),
  ];
}

function collect(buf: Buffer): { batches: BatchPosition[]; error?: BrokerError } {
  const batches: BatchPosition[] = [];
  try {
    for (const batch of iterateBatches(buf)) batches.push(batch);
    return { batches };
  } catch (e) {
    expect(e).toBeInstanceOf(BrokerError);
    return { batches, error: e as BrokerError };
  }
}

describe('iterateBatches', () => {
  it('yields each batch lying back to back with its header and byte position', () => {
    const parts = threeBatches();
    const { batches, error } = collect(Buffer.concat(parts));
    expect(error).toBeUndefined();
    expect(batches.map((b) => b.position)).toEqual([0, parts[0]!.length, parts[0]!.length + parts[1]!.length]);
    expect(batches.map((b) => [b.header.baseOffset, b.header.recordCount, b.header.partitionLeaderEpoch])).toEqual([
      [0, 2, 1],
      [2, 1, 1],
      [3, 3, 2],
    ]);
    expect(nextOffsetOf(batches[2]!.header)).toBe(6);
  });

  it('yields nothing for an empty buffer', () => {
    expect(collect(Buffer.alloc(0))).toEqual({ batches: [] });
  });

  it('stops at a torn last batch with CORRUPT_MESSAGE naming where the valid prefix ends', () => {
    const parts = threeBatches();
    const whole = Buffer.concat(parts);
    const validPrefix = parts[0]!.length + parts[1]!.length;
    for (const cut of [validPrefix + 1, validPrefix + 11, validPrefix + 61, whole.length - 1]) {
      const { batches, error } = collect(whole.subarray(0, cut));
      expect(batches).toHaveLength(2);
      expect(error?.kafkaName).toBe('CORRUPT_MESSAGE');
      expect(error?.details).toMatchObject({ position: validPrefix });
      expect(error?.message).toContain(`batch at byte ${validPrefix}`);
    }
  });

  it('stops at a damaged batch in the middle, after yielding the ones before it', () => {
    const parts = threeBatches();
    const whole = Buffer.concat(parts);
    whole[parts[0]!.length + 70]! ^= 0xff;
    const { batches, error } = collect(whole);
    expect(batches).toHaveLength(1);
    expect(error?.kafkaName).toBe('CORRUPT_MESSAGE');
    expect(error?.details).toMatchObject({ position: parts[0]!.length });
  });

  it('refuses batches above maxBatchBytes with MESSAGE_TOO_LARGE', () => {
    const big = buildBatch([{ value: Buffer.alloc(1000) }]);
    expectBrokerError(() => [...iterateBatches(big, { maxBatchBytes: 500 })], 'MESSAGE_TOO_LARGE');
  });
});

describe('stamping a batch in place', () => {
  it('sets the base offset and leader epoch and leaves the CRC valid', async () => {
    const batch = buildBatch([{ key: Buffer.from('k'), value: Buffer.from('v') }, { value: Buffer.from('w') }], { baseTimestamp: 42, producerId: 3, producerEpoch: 1, baseSequence: 0 });
    const crcBefore = readBatchHeader(batch).crc;
    validateProducedBatch(batch);

    stampBatch(batch, 0, 2 ** 45 + 17, 9);

    const header = validateBatchHeader(batch);
    expect(header).toMatchObject({ baseOffset: 2 ** 45 + 17, partitionLeaderEpoch: 9, crc: crcBefore });
    expect(validateBatch(batch).header.baseOffset).toBe(2 ** 45 + 17);
    expect(readRecords(batch).map((r) => r.offset)).toEqual([2 ** 45 + 17, 2 ** 45 + 18]);
    const decoded = await decodeWithKafkajs(batch);
    expect(decoded.records.map((r) => r.offset)).toEqual([String(2 ** 45 + 17), String(2 ** 45 + 18)]);
    expect(decoded.partitionLeaderEpoch).toBe(9);
  });

  it('works on a batch inside a larger buffer without touching its neighbours', () => {
    const parts = threeBatches();
    const whole = Buffer.concat(parts);
    const position = parts[0]!.length;
    stampBatch(whole, position, 100, 5);
    const { batches, error } = collect(whole);
    expect(error).toBeUndefined();
    expect(batches.map((b) => [b.header.baseOffset, b.header.partitionLeaderEpoch])).toEqual([
      [0, 1],
      [100, 5],
      [3, 2],
    ]);
  });
});
