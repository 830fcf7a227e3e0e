/**
 * The leader's record check (`skimRecords`) against the record decoder it stands in for: on
 * valid batches and on batches damaged byte by byte, both reach the same verdict, down to the
 * error's message, or the same largest timestamp.
 */
import { describe, expect, it } from 'vitest';
import { BrokerError, errors } from '../../../../src/common/errors.js';
import { SeededRandom } from '../../../../src/common/random.js';
import { BATCH_HEADER_SIZE, buildBatch, openRecords, readBatchHeader, type RecordInput } from '../../../../src/log/batch/index.js';
import { skimRecords, type SkimRules } from '../../../../src/log/batch/record-skim.js';
import { randomRecords } from './fixtures.js';

const T0 = 1_700_000_000_000;

/** The verdict of the record decoder with the same rules, applied record by record in the same order. */
function decoderVerdict(batch: Buffer, rules: SkimRules): string {
  return verdict(() => {
    const header = readBatchHeader(batch, 0);
    const walker = openRecords(batch, 0);
    let max = header.recordCount === 0 ? header.baseTimestamp : Number.NEGATIVE_INFINITY;
    let previous = -1;
    for (let record = walker.next(); record !== undefined; record = walker.next()) {
      const delta = record.offset - header.baseOffset;
      if (rules.offsets === 'exact' && delta !== previous + 1) throw errors.invalidRecord(`record ${previous + 1} has offset delta ${delta}`);
      if (rules.offsets === 'increasing' && (delta <= previous || delta > header.lastOffsetDelta)) {
        throw errors.corruptMessage(`offset delta ${delta} after ${previous} outside [0, ${header.lastOffsetDelta}]`);
      }
      previous = delta;
      if (record.timestamp > max) max = record.timestamp;
      if (rules.requireKeys && record.key === null) throw errors.invalidRecord('a compacted topic cannot accept a record without a key');
    }
    return max;
  });
}

function skimVerdict(batch: Buffer, rules: SkimRules): string {
  return verdict(() => skimRecords(readBatchHeader(batch, 0), batch, BATCH_HEADER_SIZE, batch.length, rules));
}

function verdict(fn: () => number): string {
  try {
    return `ok ${fn()}`;
  } catch (e) {
    if (!(e instanceof BrokerError)) throw e;
    return `${e.kafkaName}: ${e.message}`;
  }
}

const RULES: SkimRules[] = [
  { offsets: 'exact', requireKeys: false },
  { offsets: 'exact', requireKeys: true },
  { offsets: 'increasing', requireKeys: false },
];

function randomBatch(random: SeededRandom): Buffer {
  const records: RecordInput[] = randomRecords(random, random.int(1, 12), T0, { nullHeaderValues: true });
  if (random.chance(0.2)) {
    // Gaps in the offset deltas, as the cleaner leaves them.
    let delta = 0;
    for (const r of records) r.offsetDelta = delta += random.int(1, 3);
  }
  return buildBatch(records, { baseTimestamp: T0 });
}

describe('skimming records', () => {
  it('agrees with the decoder on valid batches, gaps and long timestamp deltas included', () => {
    const random = new SeededRandom(11);
    let ok = 0;
    for (let i = 0; i < 400; i++) {
      const batch = randomBatch(random);
      for (const rules of RULES) {
        const expected = decoderVerdict(batch, rules);
        expect(skimVerdict(batch, rules)).toBe(expected);
        if (expected.startsWith('ok')) ok++;
      }
    }
    // Some batches pass every rule, some fail the exact offsets or the keys.
    expect(ok).toBeGreaterThan(400);
    expect(ok).toBeLessThan(1200);
  });

  it('agrees with the decoder, message for message, on batches damaged in their records', () => {
    const random = new SeededRandom(12);
    const errorsSeen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const batch = randomBatch(random);
      const damaged = Buffer.from(batch);
      for (let n = random.int(1, 3); n > 0; n--) damaged[random.int(BATCH_HEADER_SIZE, damaged.length - 1)] = random.int(0, 255);
      // Now and then the record count lies too.
      if (random.chance(0.1)) damaged.writeInt32BE(random.int(-2, 40), BATCH_HEADER_SIZE - 4);
      const rules = RULES[random.int(0, RULES.length - 1)]!;
      const expected = decoderVerdict(damaged, rules);
      expect(skimVerdict(damaged, rules), `case ${i}`).toBe(expected);
      errorsSeen.add(expected.replace(/[-\d]+/g, 'N'));
    }
    // The damage reaches many different checks.
    expect(errorsSeen.size).toBeGreaterThan(12);
  });
});
