import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { murmur2, toPositive } from '../../../src/client/murmur2.js';
import { createDefaultPartitioner, partitionForKey } from '../../../src/client/partitioner.js';
import { SeededRandom } from '../../../src/common/random.js';

const require = createRequire(import.meta.url);
// kafkajs's Java-compatible murmur2 (its DefaultPartitioner since 2.0), computed with 64-bit Longs.
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer | string) => number;
const { DefaultPartitioner } = (require('kafkajs') as { Partitioners: { DefaultPartitioner: KafkajsPartitionerFactory } }).Partitioners;
type KafkajsPartitionerFactory = () => (args: { topic: string; partitionMetadata: Array<{ partitionId: number; leader: number }>; message: { key?: Buffer | string | null; partition?: number } }) => number;

function randomKeys(count: number): Buffer[] {
  const random = new SeededRandom(20240601);
  const keys: Buffer[] = [Buffer.alloc(0), Buffer.from('a'), Buffer.from('ab'), Buffer.from('abc'), Buffer.from('abcd')];
  const unicode = ['ключ', '鍵', '🔑-key', 'clé-ü', 'ﬀ\u0000\uffff'];
  for (const s of unicode) keys.push(Buffer.from(s, 'utf8'));
  while (keys.length < count) {
    const length = random.int(0, 40);
    if (keys.length % 3 === 0) {
      // Random text with characters from several Unicode planes.
      let text = '';
      for (let i = 0; i < length; i++) text += String.fromCodePoint(random.int(0, 1) ? random.int(0x20, 0x7e) : random.int(0xa0, 0x2ffff) & ~0x800);
      keys.push(Buffer.from(text.replace(/[\ud800-\udfff]/g, 'x'), 'utf8'));
    } else {
      keys.push(randomBytes(length));
    }
  }
  return keys;
}

describe('murmur2 and the default partitioner', () => {
  it("agree with Kafka's published murmur2 values", () => {
    // Values from Kafka's UtilsTest.testMurmur2 (clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java).
    const cases: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [text, expected] of cases) expect(murmur2(Buffer.from(text, 'utf8'))).toBe(expected);
  });

  it('hash 5,000 random keys (empty, binary, unicode) exactly as kafkajs does', () => {
    const keys = randomKeys(5000);
    let mismatches = 0;
    for (const key of keys) if (murmur2(key) !== kafkajsMurmur2(key)) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('send keyed records to the partitions kafkajs picks, for several partition counts', () => {
    const kafkajs = DefaultPartitioner();
    const keys = randomKeys(3000);
    for (const numPartitions of [1, 3, 6, 7, 50, 1000]) {
      const partitionMetadata = Array.from({ length: numPartitions }, (_, partitionId) => ({ partitionId, leader: 1 }));
      for (const key of keys) {
        const expected = kafkajs({ topic: 't', partitionMetadata, message: { key } });
        expect(partitionForKey(key, numPartitions)).toBe(expected);
      }
    }
  });

  it('clear the sign bit rather than take an absolute value', () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(5)).toBe(5);
  });

  it('honour an explicit partition and spread keyless records round-robin over partitions with a leader', () => {
    const partitioner = createDefaultPartitioner();
    expect(partitioner({ topic: 't', key: Buffer.from('k'), partition: 4, numPartitions: 6, availablePartitions: [0, 1] })).toBe(4);
    const chosen = Array.from({ length: 9 }, () => partitioner({ topic: 't', key: null, numPartitions: 6, availablePartitions: [1, 3, 5] }));
    expect(new Set(chosen)).toEqual(new Set([1, 3, 5]));
    // Consecutive keyless records take consecutive available partitions.
    for (let i = 1; i < chosen.length; i++) {
      const previous = [1, 3, 5].indexOf(chosen[i - 1]!);
      expect(chosen[i]).toBe([1, 3, 5][(previous + 1) % 3]);
    }
  });
});
