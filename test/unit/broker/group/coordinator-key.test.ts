import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../../src/common/random.js';
import { javaStringHashCode, kafkaAbs, partitionForGroup } from '../../../../src/broker/group/index.js';

/** String.hashCode straight from its definition, s[0]*31^(n-1) + ... + s[n-1], reduced to an int32. */
function referenceHashCode(s: string): number {
  let sum = 0n;
  for (let i = 0; i < s.length; i++) sum += BigInt(s.charCodeAt(i)) * 31n ** BigInt(s.length - 1 - i);
  return Number(BigInt.asIntN(32, sum));
}

describe('javaStringHashCode', () => {
  it('matches values Java computes', () => {
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('a')).toBe(97);
    expect(javaStringHashCode('hello')).toBe(99162322);
    // "Aa" and "BB" are Java's textbook collision: 65*31+97 = 66*31+66 = 2112.
    expect(javaStringHashCode('Aa')).toBe(2112);
    expect(javaStringHashCode('BB')).toBe(2112);
    // Worked by hand: g,r,o,u,p,-,1 = 103,114,111,117,112,45,49 folded as h = 31h + c, mod 2^32.
    expect(javaStringHashCode('group-1')).toBe(293427299);
    expect(javaStringHashCode('billing')).toBe(-109829509);
    // Known strings whose hash is exactly Integer.MIN_VALUE.
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648);
    expect(javaStringHashCode('GydZG_')).toBe(-2147483648);
  });

  it('agrees with the definition on random strings, including non-ASCII and surrogate pairs', () => {
    const random = new SeededRandom(42);
    const alphabet = [...'abcXYZ019-_.', 'é', 'ß', '中', '😀'];
    for (let i = 0; i < 2000; i++) {
      let s = '';
      const length = random.int(0, 40);
      for (let j = 0; j < length; j++) s += random.pick(alphabet);
      expect(javaStringHashCode(s), JSON.stringify(s)).toBe(referenceHashCode(s));
    }
  });
});

describe('partitionForGroup', () => {
  it('is abs(hashCode) % 50 as Kafka computes it', () => {
    expect(partitionForGroup('group-1')).toBe(293427299 % 50); // 49
    expect(partitionForGroup('group-1')).toBe(49);
    expect(partitionForGroup('hello')).toBe(22);
    // A negative hash: Utils.abs flips the sign before the modulo.
    expect(partitionForGroup('billing')).toBe(109829509 % 50);
    expect(partitionForGroup('')).toBe(0);
  });

  it('maps an Integer.MIN_VALUE hash to partition 0, as Kafka Utils.abs does (Math.abs would give 48)', () => {
    expect(kafkaAbs(-2147483648)).toBe(0);
    expect(Math.abs(-2147483648) % 50).toBe(48);
    expect(partitionForGroup('polygenelubricants')).toBe(0);
    expect(partitionForGroup('GydZG_', 7)).toBe(0);
  });

  it('honours offsets.topic.num.partitions', () => {
    expect(partitionForGroup('group-1', 1)).toBe(0);
    expect(partitionForGroup('group-1', 7)).toBe(293427299 % 7);
    expect(() => partitionForGroup('group-1', 0)).toThrow(/positive/);
  });
});
