import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../../src/common/random.js';
import {
  ATTRIBUTES_OFFSET,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH_OFFSET,
  CRC_OFFSET,
  LOG_OVERHEAD,
  RECORDS_COUNT_OFFSET,
  buildBatch,
  computeBatchCrc,
  iterateRecords,
  readBatchHeader,
  readRecords,
  sequenceAt,
  validateBatch,
  validateProducedBatch,
  type RecordInput,
} from '../../../../src/log/batch/index.js';
import { expectBrokerError, expectedRecords, randomRecords } from './fixtures.js';

const T0 = 1_700_000_000_000;

function roundTrip(records: readonly RecordInput[], baseTimestamp = records[0]?.timestamp ?? 0): void {
  const batch = buildBatch(records, { baseTimestamp });
  validateProducedBatch(batch);
  expect(readRecords(batch)).toEqual(expectedRecords(records, 0, baseTimestamp));
}

describe('buildBatch then readRecords round-trips', () => {
  it('keys, values and headers, including repeated and unicode header keys', () => {
    roundTrip([
      {
        key: Buffer.from('k1'),
        value: Buffer.from('hello'),
        timestamp: T0,
        headers: [
          { key: 'a', value: Buffer.from('1') },
          { key: 'b', value: null },
          { key: 'a', value: Buffer.from('2') },
          { key: '日本語-ключ-🔑', value: Buffer.from('ü') },
          { key: '12', value: Buffer.alloc(0) },
        ],
      },
    ]);
  });

  it('null keys, null values and empty values', () => {
    roundTrip([{ value: null }, { key: null, value: Buffer.alloc(0) }, { key: Buffer.alloc(0), value: null }], T0);
  });

  it('timestamps before the base (negative deltas) and far from it', () => {
    roundTrip([
      { value: Buffer.from('a'), timestamp: T0 },
      { value: Buffer.from('b'), timestamp: T0 - 1 },
      { value: Buffer.from('c'), timestamp: T0 - 3_600_000 },
      { value: Buffer.from('d'), timestamp: T0 + 2 ** 45 },
      { value: Buffer.from('e'), timestamp: -5 },
    ]);
  });

  it('10,000 records in a batch larger than 1 MiB', () => {
    const records = randomRecords(new SeededRandom(3), 10_000, T0);
    const batch = buildBatch(records, { baseTimestamp: T0 });
    expect(batch.length).toBeGreaterThan(1024 * 1024);
    expect(readRecords(batch)).toEqual(expectedRecords(records, 0, T0));
  });

  it('gzip batches, which really are compressed', () => {
    const records = Array.from({ length: 500 }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.alloc(100, 'z') }));
    const plain = buildBatch(records, { baseTimestamp: T0 });
    const gzip = buildBatch(records, { baseTimestamp: T0, attributes: 1 });
    expect(readBatchHeader(gzip).attributes & 0x07).toBe(1);
    expect(gzip.length).toBeLessThan(plain.length / 10);
    expect(readRecords(gzip)).toEqual(readRecords(plain));
    expect(validateProducedBatch(gzip).header.recordCount).toBe(500);
  });

  it('lazily through iterateRecords, with the same records', () => {
    const records = randomRecords(new SeededRandom(5), 50, T0);
    const batch = buildBatch(records, { baseTimestamp: T0, baseOffset: 1000 });
    expect([...iterateRecords(batch)]).toEqual(expectedRecords(records, 1000, T0));
  });

  it('a batch in the middle of a larger buffer', () => {
    const batch = buildBatch([{ value: Buffer.from('x') }], { baseOffset: 9 });
    const buf = Buffer.concat([Buffer.alloc(13, 0xee), batch, Buffer.alloc(7, 0xee)]);
    expect(readRecords(buf, 13)).toEqual(expectedRecords([{ value: Buffer.from('x') }], 9, 0));
    expect(validateBatch(buf, 13).header.baseOffset).toBe(9);
  });
});

describe('batch header fields', () => {
  it('default to no producer, no leader epoch, offset 0 and the first record timestamp', () => {
    const batch = buildBatch([{ value: Buffer.from('a'), timestamp: T0 + 5 }, { value: Buffer.from('b'), timestamp: T0 + 9 }, { value: null, timestamp: T0 }]);
    expect(readBatchHeader(batch)).toEqual({
      baseOffset: 0,
      sizeInBytes: batch.length,
      partitionLeaderEpoch: -1,
      magic: 2,
      crc: computeBatchCrc(batch, 0, batch.length),
      attributes: 0,
      lastOffsetDelta: 2,
      baseTimestamp: T0 + 5,
      maxTimestamp: T0 + 9,
      producerId: -1,
      producerEpoch: -1,
      baseSequence: -1,
      recordCount: 3,
    });
    expect(batch.readInt32BE(BATCH_LENGTH_OFFSET)).toBe(batch.length - LOG_OVERHEAD);
  });

  it('take the given options, the transactional flag, and give records without a timestamp the base timestamp', () => {
    const batch = buildBatch([{ value: Buffer.from('a') }, { value: Buffer.from('b'), timestamp: T0 - 10 }], {
      baseOffset: 2 ** 40,
      partitionLeaderEpoch: 12,
      producerId: 77,
      producerEpoch: 4,
      baseSequence: 10,
      baseTimestamp: T0,
      isTransactional: true,
    });
    const header = readBatchHeader(batch);
    expect(header).toMatchObject({ baseOffset: 2 ** 40, partitionLeaderEpoch: 12, producerId: 77, producerEpoch: 4, baseSequence: 10, attributes: 0x10, baseTimestamp: T0, maxTimestamp: T0 });
    const records = readRecords(batch);
    expect(records.map((r) => [r.offset, r.timestamp, r.sequence])).toEqual([
      [2 ** 40, T0, 10],
      [2 ** 40 + 1, T0 - 10, 11],
    ]);
    expect(validateProducedBatch(batch).maxRecordTimestamp).toBe(T0);
  });

  it('defaults the base timestamp to 0 when no record and no option gives one', () => {
    const header = readBatchHeader(buildBatch([{ value: null }]));
    expect([header.baseTimestamp, header.maxTimestamp]).toEqual([0, 0]);
  });

  it('leave records without a sequence when the batch has none', () => {
    expect(readRecords(buildBatch([{ value: null }]))[0]).not.toHaveProperty('sequence');
  });
});

describe('sequence numbers', () => {
  it('wrap from int32 max to 0 as Kafka increments them', () => {
    expect(sequenceAt(5, 3)).toBe(8);
    expect(sequenceAt(0x7fff_ffff, 0)).toBe(0x7fff_ffff);
    expect(sequenceAt(0x7fff_ffff, 1)).toBe(0);
    expect(sequenceAt(0x7fff_fffe, 4)).toBe(2);
    expect(sequenceAt(-1, 4)).toBe(-1);
  });
});

describe('buildBatch refuses bad input with typed errors', () => {
  it('no records', () => {
    expectBrokerError(() => buildBatch([]), 'INVALID_RECORD');
  });

  it('out-of-range or fractional fields', () => {
    expectBrokerError(() => buildBatch([{ value: null }], { producerEpoch: 40_000 }), 'INVALID_RECORD');
    expectBrokerError(() => buildBatch([{ value: null }], { baseOffset: -1 }), 'INVALID_RECORD');
    expectBrokerError(() => buildBatch([{ value: null }], { baseSequence: 2 ** 31 }), 'INVALID_RECORD');
    expectBrokerError(() => buildBatch([{ value: null, timestamp: 1.5 }]), 'INVALID_RECORD');
    expectBrokerError(() => buildBatch([{ value: null, timestamp: 2 ** 60 }]), 'INVALID_RECORD');
    expectBrokerError(() => buildBatch([{ value: null, timestamp: Number.MAX_SAFE_INTEGER }, { value: null, timestamp: -Number.MAX_SAFE_INTEGER }]), 'INVALID_RECORD');
  });

  it('zstd, which brokerlab reads but cannot write, and codec ids beyond zstd', () => {
    for (const codec of [4, 5, 6, 7]) expectBrokerError(() => buildBatch([{ value: null }], { attributes: codec }), 'UNSUPPORTED_COMPRESSION_TYPE');
  });
});

/** Rewrites a batch's attributes and records section, then re-seals its length and CRC. */
function resealed(batch: Buffer, attributes: number, section: Buffer): Buffer {
  const out = Buffer.concat([batch.subarray(0, BATCH_HEADER_SIZE), section]);
  out.writeInt32BE(out.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  out.writeInt16BE(attributes, ATTRIBUTES_OFFSET);
  out.writeUInt32BE(computeBatchCrc(out, 0, out.length), CRC_OFFSET);
  return out;
}

describe('reading compressed batches', () => {
  it('refuses codec ids beyond zstd with UNSUPPORTED_COMPRESSION_TYPE', () => {
    const batch = buildBatch([{ value: Buffer.from('v') }]);
    for (const codec of [5, 6, 7]) {
      const other = resealed(batch, codec, batch.subarray(BATCH_HEADER_SIZE));
      expectBrokerError(() => readRecords(other), 'UNSUPPORTED_COMPRESSION_TYPE');
      expectBrokerError(() => validateProducedBatch(other), 'UNSUPPORTED_COMPRESSION_TYPE');
    }
  });

  it('reads snappy, lz4 and zstd, refusing records that are not what the codec says with CORRUPT_MESSAGE', () => {
    const batch = buildBatch([{ value: Buffer.from('v') }]);
    for (const codec of [2, 3, 4]) {
      const mislabelled = resealed(batch, codec, batch.subarray(BATCH_HEADER_SIZE));
      expectBrokerError(() => readRecords(mislabelled), 'CORRUPT_MESSAGE');
      expectBrokerError(() => validateProducedBatch(mislabelled), 'CORRUPT_MESSAGE');
    }
    for (const codec of [2, 3]) expect(readRecords(buildBatch([{ value: Buffer.from('v') }], { attributes: codec }))).toEqual(readRecords(batch));
  });

  it('refuses gzip that expands beyond the limit with MESSAGE_TOO_LARGE', () => {
    const batch = buildBatch([{ value: Buffer.alloc(1_000_000) }], { attributes: 1 });
    expect(batch.length).toBeLessThan(5_000);
    expectBrokerError(() => readRecords(batch, 0, { maxUncompressedBytes: 100_000 }), 'MESSAGE_TOO_LARGE');
    expect(readRecords(batch, 0, { maxUncompressedBytes: 2_000_000 })[0]!.value!.length).toBe(1_000_000);
  });

  it('refuses gzip that does not decompress, or holds other than the counted records, with CORRUPT_MESSAGE', () => {
    const batch = buildBatch([{ value: Buffer.from('a') }, { value: Buffer.from('b') }]);
    const section = batch.subarray(BATCH_HEADER_SIZE);
    expectBrokerError(() => readRecords(resealed(batch, 1, Buffer.from('not gzip at all'))), 'CORRUPT_MESSAGE');
    expectBrokerError(() => readRecords(resealed(batch, 1, gzipSync(Buffer.concat([section, Buffer.from([0])])))), 'CORRUPT_MESSAGE');
    const oneRecordShort = resealed(batch, 1, gzipSync(section));
    oneRecordShort.writeInt32BE(3, RECORDS_COUNT_OFFSET);
    oneRecordShort.writeUInt32BE(computeBatchCrc(oneRecordShort, 0, oneRecordShort.length), CRC_OFFSET);
    expectBrokerError(() => validateBatch(oneRecordShort), 'CORRUPT_MESSAGE');
    expect(readRecords(resealed(batch, 1, gzipSync(section)))).toEqual(readRecords(batch));
  });
});
