import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../../src/common/random.js';
import {
  ATTRIBUTES_OFFSET,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH_OFFSET,
  CONTROL_FLAG,
  CRC_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  MAGIC_OFFSET,
  RECORDS_COUNT_OFFSET,
  buildBatch,
  computeBatchCrc,
  iterateBatches,
  readRecords,
  validateBatch,
  validateProducedBatch,
  type ValidateOptions,
} from '../../../../src/log/batch/index.js';
import { expectBrokerError, outcomeOf, randomRecords } from './fixtures.js';

const T0 = 1_700_000_000_000;

function sampleBatch(): Buffer {
  return buildBatch(
    [
      { key: Buffer.from('k'), value: Buffer.from('value-1'), headers: [{ key: 'h', value: Buffer.from('x') }], timestamp: T0 },
      { key: null, value: Buffer.from('value-2'), timestamp: T0 - 7 },
      { value: null, timestamp: T0 + 3 },
    ],
    { baseTimestamp: T0 },
  );
}

/** Recomputes the CRC so that only the structural checks can catch a change. */
function reseal(batch: Buffer): Buffer {
  batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), CRC_OFFSET);
  return batch;
}

/** Every entry point that takes untrusted batch bytes. */
const readers: Array<[string, (buf: Buffer, options?: ValidateOptions) => unknown]> = [
  ['validateProducedBatch', (buf, options) => validateProducedBatch(buf, options)],
  ['validateBatch', (buf, options) => validateBatch(buf, 0, options)],
  ['readRecords', (buf, options) => readRecords(buf, 0, options)],
  ['iterateBatches', (buf, options) => [...iterateBatches(buf, options)]],
];

describe('damaged bytes are CORRUPT_MESSAGE', () => {
  it('for a flip of any bit of any byte the CRC covers, and of the CRC itself', () => {
    const batch = sampleBatch();
    for (let pos = CRC_OFFSET; pos < batch.length; pos++) {
      for (const bit of [0x01, 0x80]) {
        const damaged = Buffer.from(batch);
        damaged[pos]! ^= bit;
        expectBrokerError(() => validateProducedBatch(damaged), 'CORRUPT_MESSAGE');
        expectBrokerError(() => [...iterateBatches(damaged)], 'CORRUPT_MESSAGE');
      }
    }
  });

  it('for every truncation of a batch', () => {
    const batch = sampleBatch();
    for (let length = 0; length < batch.length; length++) {
      for (const [name, read] of readers) {
        if (length === 0 && name === 'iterateBatches') continue; // no bytes are zero whole batches
        expect(`${name}@${length}: ${outcomeOf(() => read(batch.subarray(0, length)))}`).toBe(`${name}@${length}: CORRUPT_MESSAGE`);
      }
    }
  });

  it('for a batch length pointing past the buffer or inside the header', () => {
    const batch = sampleBatch();
    for (const lie of [batch.length, batch.length + 1000, -12, 0, 40, 0x7fff_ffff]) {
      const lying = Buffer.from(batch);
      lying.writeInt32BE(lie, BATCH_LENGTH_OFFSET);
      // A length beyond any batch's maximum size reads as too large before it reads as truncated.
      const expected = lie === 0x7fff_ffff ? 'MESSAGE_TOO_LARGE' : 'CORRUPT_MESSAGE';
      for (const [, read] of readers) expectBrokerError(() => read(lying), expected);
    }
  });

  it('for a batch length shorter than the records, even with a matching CRC', () => {
    const batch = sampleBatch();
    const short = reseal(Buffer.from(batch.subarray(0, batch.length - 1)));
    short.writeInt32BE(short.length - 12, BATCH_LENGTH_OFFSET);
    expectBrokerError(() => validateBatch(reseal(short)), 'CORRUPT_MESSAGE');
  });

  it('for record lengths that lie, even with a matching CRC', () => {
    const batch = sampleBatch();
    const firstLength = batch[BATCH_HEADER_SIZE]!; // one-byte zigzag varint
    for (const delta of [-2, 2, 40]) {
      const lying = Buffer.from(batch);
      lying[BATCH_HEADER_SIZE] = firstLength + delta;
      expectBrokerError(() => validateBatch(reseal(lying)), 'CORRUPT_MESSAGE');
      expectBrokerError(() => readRecords(lying), 'CORRUPT_MESSAGE');
    }
  });

  it('for record counts that lie, even with a matching CRC', () => {
    for (const count of [2, 4, -1, 1_000_000]) {
      const lying = Buffer.from(sampleBatch());
      lying.writeInt32BE(count, RECORDS_COUNT_OFFSET);
      expectBrokerError(() => validateBatch(reseal(lying)), 'CORRUPT_MESSAGE');
    }
  });

  it('for bytes after the last record, even with a matching CRC', () => {
    const batch = sampleBatch();
    const padded = Buffer.concat([batch, Buffer.from([0])]);
    padded.writeInt32BE(padded.length - 12, BATCH_LENGTH_OFFSET);
    expectBrokerError(() => validateBatch(reseal(padded)), 'CORRUPT_MESSAGE');
  });

  it('for a magic other than 2', () => {
    const old = Buffer.from(sampleBatch());
    old.writeInt8(1, MAGIC_OFFSET);
    for (const [, read] of readers) expectBrokerError(() => read(old), 'CORRUPT_MESSAGE');
  });
});

/** `sampleBatch()` with its records' offset deltas rewritten (every field involved is a one-byte varint). */
function withOffsetDeltas(deltas: number[]): Buffer {
  const batch = Buffer.from(sampleBatch());
  let pos = BATCH_HEADER_SIZE;
  for (const delta of deltas) {
    const length = batch[pos]! >> 1;
    const timestampDeltaBytes = 1; // the sample's deltas (0, -7, 3) are one byte each
    batch[pos + 2 + timestampDeltaBytes] = delta << 1;
    pos += 1 + length;
  }
  return reseal(batch);
}

describe('intact batches that break produce rules are INVALID_RECORD', () => {
  it('offset deltas other than 0..n-1', () => {
    expect(validateProducedBatch(withOffsetDeltas([0, 1, 2])).header.recordCount).toBe(3);
    expectBrokerError(() => validateProducedBatch(withOffsetDeltas([0, 2, 1])), 'INVALID_RECORD');
    expectBrokerError(() => validateProducedBatch(withOffsetDeltas([1, 2, 3])), 'INVALID_RECORD');
    expectBrokerError(() => validateProducedBatch(withOffsetDeltas([0, 0, 1])), 'INVALID_RECORD');
  });

  it('offset deltas that repeat, decrease or pass lastOffsetDelta are corrupt in any stored batch; gaps are not', () => {
    // Compaction leaves gaps: deltas 0, 3, 5 under lastOffsetDelta 5 are a legal stored batch.
    const withGap = withOffsetDeltas([0, 3, 5]);
    withGap.writeInt32BE(5, LAST_OFFSET_DELTA_OFFSET);
    expect(validateBatch(reseal(withGap)).header.lastOffsetDelta).toBe(5);
    expectBrokerError(() => validateProducedBatch(withGap), 'INVALID_RECORD');
    expectBrokerError(() => validateBatch(withOffsetDeltas([0, 2, 2])), 'CORRUPT_MESSAGE');
    expectBrokerError(() => validateBatch(withOffsetDeltas([0, 2, 1])), 'CORRUPT_MESSAGE');
    expectBrokerError(() => validateBatch(withOffsetDeltas([0, 1, 3])), 'CORRUPT_MESSAGE');
  });

  it('a lastOffsetDelta that does not match the record count', () => {
    const batch = Buffer.from(sampleBatch());
    batch.writeInt32BE(3, LAST_OFFSET_DELTA_OFFSET);
    expectBrokerError(() => validateProducedBatch(reseal(batch)), 'INVALID_RECORD');
    batch.writeInt32BE(1, LAST_OFFSET_DELTA_OFFSET);
    expectBrokerError(() => validateProducedBatch(reseal(batch)), 'CORRUPT_MESSAGE');
  });

  it('more than one batch, control batches, empty batches, and a producer id without a sequence', () => {
    const batch = sampleBatch();
    expectBrokerError(() => validateProducedBatch(Buffer.concat([batch, batch])), 'INVALID_RECORD');
    expectBrokerError(() => validateProducedBatch(buildBatch([{ value: null }], { attributes: CONTROL_FLAG })), 'INVALID_RECORD');
    expectBrokerError(() => validateProducedBatch(buildBatch([{ value: null }], { producerId: 5, producerEpoch: 0 })), 'INVALID_RECORD');
    const empty = Buffer.from(batch.subarray(0, BATCH_HEADER_SIZE));
    empty.writeInt32BE(BATCH_HEADER_SIZE - 12, BATCH_LENGTH_OFFSET);
    empty.writeInt32BE(0, RECORDS_COUNT_OFFSET);
    empty.writeInt32BE(0, LAST_OFFSET_DELTA_OFFSET);
    expectBrokerError(() => validateProducedBatch(reseal(empty)), 'INVALID_RECORD');
    expect(validateBatch(empty).maxRecordTimestamp).toBe(T0);
  });

  it('oversized batches are MESSAGE_TOO_LARGE', () => {
    expectBrokerError(() => validateProducedBatch(sampleBatch(), { maxBatchBytes: 100 }), 'MESSAGE_TOO_LARGE');
  });
});

describe('fuzzing: any bytes give records or a BrokerError, never another exception', () => {
  const random = new SeededRandom(99);
  const randomBytes = (length: number): Buffer => Buffer.from(Array.from({ length }, () => random.int(0, 255)));

  it('on random garbage, bare and behind a plausible header', () => {
    const template = sampleBatch();
    for (let i = 0; i < 3000; i++) {
      const garbage = randomBytes(random.int(0, 200));
      if (i % 2 === 1 && garbage.length >= BATCH_HEADER_SIZE) {
        // Give the garbage a believable length, magic and CRC so the record decoder sees it.
        template.copy(garbage, 0, 0, CRC_OFFSET);
        garbage.writeInt32BE(garbage.length - 12, BATCH_LENGTH_OFFSET);
        garbage.writeInt16BE(random.int(0, 1), ATTRIBUTES_OFFSET);
        reseal(garbage);
      }
      for (const [, read] of readers) outcomeOf(() => read(garbage, { maxUncompressedBytes: 1 << 20 }));
    }
  });

  it('on random single-byte changes of valid batches, plain and gzip, with and without a fixed CRC', () => {
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const records = randomRecords(random, random.int(1, 8), T0, { nullHeaderValues: true });
      const batch = buildBatch(records, { attributes: i % 3 === 0 ? 1 : 0, producerId: 1, producerEpoch: 0, baseSequence: 0 });
      for (let flip = 0; flip < 20; flip++) {
        const damaged = Buffer.from(batch);
        const pos = random.int(0, damaged.length - 1);
        damaged[pos] = random.chance(0.5) ? random.int(0, 255) : damaged[pos]! ^ (1 << random.int(0, 7));
        if (random.chance(0.7) && pos >= CRC_OFFSET + 4) reseal(damaged);
        for (const [name, read] of readers) {
          const outcome = outcomeOf(() => read(damaged, { maxUncompressedBytes: 1 << 20 }));
          outcomes.set(`${name}:${outcome}`, (outcomes.get(`${name}:${outcome}`) ?? 0) + 1);
        }
      }
    }
    // Both kinds of typed failure occur, so the decoder really was reached past the CRC check.
    expect(outcomes.get('validateProducedBatch:CORRUPT_MESSAGE')).toBeGreaterThan(100);
    expect(outcomes.get('validateProducedBatch:INVALID_RECORD')).toBeGreaterThan(0);
    expect(outcomes.get('readRecords:CORRUPT_MESSAGE')).toBeGreaterThan(100);
  });
});
