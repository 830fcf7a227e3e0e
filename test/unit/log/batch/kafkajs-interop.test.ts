import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../../src/common/random.js';
import { buildBatch, readRecords, validateProducedBatch, type RecordInput } from '../../../../src/log/batch/index.js';
import {
  asKafkajsRecords,
  decodeWithKafkajs,
  encodeWithKafkajs,
  expectedRecords,
  randomRecords,
  type KafkajsBatchFields,
} from './fixtures.js';

const PLAIN: KafkajsBatchFields = {
  baseOffset: 0,
  partitionLeaderEpoch: -1,
  producerId: -1,
  producerEpoch: -1,
  baseSequence: -1,
  baseTimestamp: 1_700_000_000_000,
  isTransactional: false,
  compression: 0,
};

function ourBatch(records: readonly RecordInput[], fields: KafkajsBatchFields): Buffer {
  return buildBatch(records, { ...fields, attributes: fields.compression });
}

/** Builds `records` with both encoders and checks bytes and decoding in both directions. */
async function crossCheck(records: readonly RecordInput[], fields: KafkajsBatchFields): Promise<void> {
  const theirs = await encodeWithKafkajs(records, fields);
  const ours = ourBatch(records, fields);
  expect(ours.length).toBe(theirs.length);
  expect(ours.equals(theirs), 'identical bytes, CRC included').toBe(true);

  const expected = expectedRecords(records, fields.baseOffset, fields.baseTimestamp);
  expect(readRecords(theirs)).toEqual(expected.map((r, i) => withSequence(r, fields, i)));

  const decoded = await decodeWithKafkajs(ours);
  expect(decoded.records.map(({ offset, timestamp, key, value, headers }) => ({ offset, timestamp, key, value, headers }))).toEqual(
    asKafkajsRecords(expected),
  );
  expect(decoded).toMatchObject({
    firstOffset: String(fields.baseOffset),
    firstTimestamp: String(fields.baseTimestamp),
    partitionLeaderEpoch: fields.partitionLeaderEpoch,
    lastOffsetDelta: records.length - 1,
    producerId: String(fields.producerId),
    producerEpoch: fields.producerEpoch,
    firstSequence: fields.baseSequence,
    inTransaction: fields.isTransactional,
  });
}

function withSequence<T extends object>(record: T, fields: KafkajsBatchFields, index: number): T {
  return fields.baseSequence < 0 ? record : { ...record, sequence: fields.baseSequence + index };
}

describe('the v2 batch codec agrees with kafkajs byte for byte', () => {
  it('on a plain record', async () => {
    await crossCheck([{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: PLAIN.baseTimestamp }], PLAIN);
  });

  it('on headers, repeated header keys and unicode header keys', async () => {
    await crossCheck(
      [
        {
          key: Buffer.from('user-1'),
          value: Buffer.from('{"a":1}'),
          headers: [
            { key: 'trace', value: Buffer.from('abc') },
            { key: 'trace', value: Buffer.from('def') },
            { key: 'ключ-キー-🔑', value: Buffer.from('ü') },
            { key: '', value: Buffer.alloc(0) },
          ],
        },
      ],
      PLAIN,
    );
  });

  it('on null keys, null values and empty values', async () => {
    await crossCheck(
      [
        { key: null, value: null },
        { value: Buffer.alloc(0) },
        { key: Buffer.alloc(0), value: Buffer.from([0, 255, 128]) },
      ],
      PLAIN,
    );
  });

  it('on negative and beyond-32-bit timestamp deltas (negative varints, long varlongs)', async () => {
    const base = PLAIN.baseTimestamp;
    await crossCheck(
      [
        { value: Buffer.from('a'), timestamp: base },
        { value: Buffer.from('b'), timestamp: base - 1 },
        { value: Buffer.from('c'), timestamp: base - 65 },
        { value: Buffer.from('d'), timestamp: base - 2 ** 40 },
        { value: Buffer.from('e'), timestamp: base + 2 ** 35 },
      ],
      PLAIN,
    );
  });

  it('on producer id, epoch and sequence, a transactional flag, an offset and a leader epoch', async () => {
    const fields = { ...PLAIN, baseOffset: 123_456_789_012, partitionLeaderEpoch: 7, producerId: 2 ** 40 + 5, producerEpoch: 3, baseSequence: 1000, isTransactional: true };
    await crossCheck([{ value: Buffer.from('x') }, { value: Buffer.from('y'), key: Buffer.from('k') }], fields);
  });

  it('on gzip batches', async () => {
    const records = randomRecords(new SeededRandom(7), 200, PLAIN.baseTimestamp);
    await crossCheck(records, { ...PLAIN, compression: 1 });
  });

  it('on a large batch: 10,000 records, more than 1 MiB', async () => {
    const value = Buffer.alloc(120, 'v');
    const records = Array.from({ length: 10_000 }, (_, i) => ({
      key: Buffer.from(`key-${i}`),
      value,
      headers: i % 10 === 0 ? [{ key: 'n', value: Buffer.from(String(i)) }] : [],
      timestamp: PLAIN.baseTimestamp + (i % 7) - 3,
    }));
    expect(ourBatch(records, PLAIN).length).toBeGreaterThan(1024 * 1024);
    await crossCheck(records, { ...PLAIN, producerId: 9, producerEpoch: 0, baseSequence: 0 });
  });

  it('on 40 random batches', async () => {
    const random = new SeededRandom(2024);
    for (let i = 0; i < 40; i++) {
      const records = randomRecords(random, random.int(1, 60), PLAIN.baseTimestamp);
      const fields = { ...PLAIN, baseOffset: random.int(0, 1e9), producerId: random.int(0, 1e6), producerEpoch: random.int(0, 100), baseSequence: random.int(0, 1e6) };
      await crossCheck(records, fields);
    }
  });
});

describe('kafkajs reads what only our encoder can express', () => {
  it('null header values and a sequence that wraps past int32 max', async () => {
    const records: RecordInput[] = [
      { value: Buffer.from('a'), headers: [{ key: 'tombstone', value: null }] },
      { value: Buffer.from('b') },
    ];
    const batch = buildBatch(records, { producerId: 1, producerEpoch: 0, baseSequence: 0x7fff_ffff, baseTimestamp: 5 });
    const decoded = await decodeWithKafkajs(batch);
    expect(decoded.records[0]!.headers).toEqual({ tombstone: null });
    expect(readRecords(batch).map((r) => r.sequence)).toEqual([0x7fff_ffff, 0]);
    expect(validateProducedBatch(batch).header.recordCount).toBe(2);
  });
});
