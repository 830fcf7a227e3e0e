import { describe, expect, it } from 'vitest';
import { BrokerError } from '../../../../src/common/errors.js';
import { SeededRandom } from '../../../../src/common/random.js';
import {
  decodeGroupMetadataValue,
  decodeOffsetCommitValue,
  decodeOffsetsRecord,
  encodeGroupMetadataKey,
  encodeOffsetCommitKey,
  groupMetadataRecord,
  offsetCommitRecord,
  type GroupMetadataValue,
} from '../../../../src/broker/group/index.js';
import { expectThrows } from './harness.js';

// Hand-assembled Kafka primitives, independent of the encoder under test.
const i8 = (n: number): Buffer => Buffer.from([n & 0xff]);
const i16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const i32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const i64 = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return b;
};
const str = (s: string): Buffer => Buffer.concat([i16(Buffer.byteLength(s)), Buffer.from(s)]);
const bytes = (b: Buffer): Buffer => Buffer.concat([i32(b.length), b]);
/** Flexible (compact) string: unsigned varint length + 1 (all test strings are short). */
const cstr = (s: string): Buffer => Buffer.concat([i8(Buffer.byteLength(s) + 1), Buffer.from(s)]);
const cbytes = (b: Buffer): Buffer => Buffer.concat([i8(b.length + 1), b]);
const NO_TAGS = i8(0);

const GROUP: GroupMetadataValue = {
  protocolType: 'consumer',
  generation: 7,
  protocol: 'range',
  leader: 'c-1',
  currentStateTimestamp: 1_700_000_000_123,
  members: [
    {
      memberId: 'c-1',
      groupInstanceId: null,
      clientId: 'c',
      clientHost: '/10.0.0.1',
      rebalanceTimeoutMs: 30000,
      sessionTimeoutMs: 10000,
      subscription: Buffer.from([0, 0, 0, 0, 0, 1]),
      assignment: Buffer.from([9, 9]),
    },
    {
      memberId: 'c-2',
      groupInstanceId: null,
      clientId: 'c',
      clientHost: '/10.0.0.2',
      rebalanceTimeoutMs: 30000,
      sessionTimeoutMs: 10000,
      subscription: Buffer.alloc(0),
      assignment: Buffer.alloc(0),
    },
  ],
};

describe('offset commit records', () => {
  it('encodes the key as OffsetCommitKey v1 and the value as OffsetCommitValue v3, byte for byte', () => {
    const record = offsetCommitRecord({ group: 'g', topic: 't', partition: 3 }, { offset: 42, leaderEpoch: 5, metadata: 'm', commitTimestamp: 1000 });
    expect(record.key).toEqual(Buffer.concat([i16(1), str('g'), str('t'), i32(3)]));
    expect(record.value).toEqual(Buffer.concat([i16(3), i64(42), i32(5), str('m'), i64(1000)]));
    expect(decodeOffsetsRecord(record)).toEqual({
      kind: 'offset-commit',
      key: { group: 'g', topic: 't', partition: 3 },
      value: { offset: 42, leaderEpoch: 5, metadata: 'm', commitTimestamp: 1000, expireTimestamp: -1 },
    });
  });

  it('writes a tombstone as a null value and reads it back as one', () => {
    const record = offsetCommitRecord({ group: 'g', topic: 't', partition: 0 }, null);
    expect(record.value).toBeNull();
    expect(decodeOffsetsRecord(record)).toMatchObject({ kind: 'offset-commit', value: null });
  });

  it('reads the value versions older brokers wrote (v0, v1 with expire timestamp, v2) and key version 0', () => {
    expect(decodeOffsetCommitValue(Buffer.concat([i16(0), i64(9), str('a'), i64(5)]))).toEqual({
      offset: 9, leaderEpoch: -1, metadata: 'a', commitTimestamp: 5, expireTimestamp: -1,
    });
    expect(decodeOffsetCommitValue(Buffer.concat([i16(1), i64(9), str(''), i64(5), i64(77)]))).toMatchObject({ expireTimestamp: 77 });
    expect(decodeOffsetCommitValue(Buffer.concat([i16(2), i64(9), str(''), i64(5)]))).toMatchObject({ offset: 9, leaderEpoch: -1 });
    const key0 = Buffer.concat([i16(0), str('g'), str('t'), i32(1)]);
    expect(decodeOffsetsRecord({ key: key0, value: null })).toMatchObject({ kind: 'offset-commit', key: { partition: 1 } });
  });

  it('reads the flexible v4 value and newer versions with the v4 layout, skipping tagged fields', () => {
    const tagged = Buffer.concat([i8(1), i8(0), i8(2), Buffer.from([0xaa, 0xbb])]); // one tag (0) of 2 bytes
    const v4 = Buffer.concat([i16(4), i64(11), i32(2), cstr('meta'), i64(99), tagged]);
    expect(decodeOffsetCommitValue(v4)).toEqual({ offset: 11, leaderEpoch: 2, metadata: 'meta', commitTimestamp: 99, expireTimestamp: -1 });
    const v5 = Buffer.concat([i16(5), i64(11), i32(2), cstr(''), i64(99), NO_TAGS]);
    expect(decodeOffsetCommitValue(v5).offset).toBe(11);
  });
});

describe('group metadata records', () => {
  it('encodes GroupMetadataKey v2 and round-trips GroupMetadataValue v3', () => {
    expect(encodeGroupMetadataKey('g')).toEqual(Buffer.concat([i16(2), str('g')]));
    const record = groupMetadataRecord('billing', GROUP);
    expect(record.value!.readInt16BE(0)).toBe(3);
    expect(decodeOffsetsRecord(record)).toEqual({ kind: 'group-metadata', group: 'billing', value: GROUP });
  });

  it('round-trips an empty group with no protocol and no leader', () => {
    const empty: GroupMetadataValue = { protocolType: 'consumer', generation: 3, protocol: null, leader: null, currentStateTimestamp: -1, members: [] };
    expect(decodeOffsetsRecord(groupMetadataRecord('g', empty))).toEqual({ kind: 'group-metadata', group: 'g', value: empty });
  });

  it('reads a v0 value (no rebalance timeout: the session timeout stands in, as in Kafka)', () => {
    const v0 = Buffer.concat([
      i16(0), str('consumer'), i32(2), str('range'), str('m'),
      i32(1), str('m'), str('cid'), str('/h'), i32(6000), bytes(Buffer.from([1])), bytes(Buffer.from([2])),
    ]);
    expect(decodeGroupMetadataValue(v0)).toEqual({
      protocolType: 'consumer', generation: 2, protocol: 'range', leader: 'm', currentStateTimestamp: -1,
      members: [{ memberId: 'm', groupInstanceId: null, clientId: 'cid', clientHost: '/h', rebalanceTimeoutMs: 6000, sessionTimeoutMs: 6000, subscription: Buffer.from([1]), assignment: Buffer.from([2]) }],
    });
  });

  it('reads a flexible v4 value with tagged-field sections on the value and each member', () => {
    const member = Buffer.concat([cstr('m'), i8(0) /* null instance id */, cstr('cid'), cstr('/h'), i32(300), i32(200), cbytes(Buffer.from([7])), cbytes(Buffer.alloc(0)), NO_TAGS]);
    const v4 = Buffer.concat([i16(4), cstr('consumer'), i32(9), cstr('roundrobin'), i8(0) /* null leader */, i64(5), i8(2) /* one member */, member, NO_TAGS]);
    expect(decodeGroupMetadataValue(v4)).toEqual({
      protocolType: 'consumer', generation: 9, protocol: 'roundrobin', leader: null, currentStateTimestamp: 5,
      members: [{ memberId: 'm', groupInstanceId: null, clientId: 'cid', clientHost: '/h', rebalanceTimeoutMs: 300, sessionTimeoutMs: 200, subscription: Buffer.from([7]), assignment: Buffer.alloc(0) }],
    });
  });

  it('reads a flexible member made of nothing but empty fields', () => {
    const member = Buffer.concat([cstr(''), i8(0), cstr(''), cstr(''), i32(1), i32(2), cbytes(Buffer.alloc(0)), cbytes(Buffer.alloc(0)), NO_TAGS]);
    const v4 = Buffer.concat([i16(4), cstr('consumer'), i32(1), cstr('range'), cstr(''), i64(0), i8(2), member, NO_TAGS]);
    expect(decodeGroupMetadataValue(v4).members).toHaveLength(1);
  });

  it('decodes a group tombstone', () => {
    expect(decodeOffsetsRecord(groupMetadataRecord('g', null))).toEqual({ kind: 'group-metadata', group: 'g', value: null });
  });
});

describe('decoding garbage', () => {
  it('classifies keys of record types this coordinator does not use as unknown', () => {
    expect(decodeOffsetsRecord({ key: Buffer.concat([i16(3), str('consumer-group-record')]), value: Buffer.from([1, 2, 3]) })).toEqual({ kind: 'unknown', keyVersion: 3 });
  });

  it('refuses a missing key, negative versions, truncation and trailing bytes with CORRUPT_MESSAGE', () => {
    expectThrows(() => decodeOffsetsRecord({ key: null, value: null }), 'CORRUPT_MESSAGE');
    expectThrows(() => decodeOffsetsRecord({ key: i16(-1), value: null }), 'CORRUPT_MESSAGE');
    expectThrows(() => decodeOffsetsRecord({ key: Buffer.from([0]), value: null }), 'CORRUPT_MESSAGE');
    const key = encodeOffsetCommitKey({ group: 'g', topic: 't', partition: 0 });
    expectThrows(() => decodeOffsetsRecord({ key: Buffer.concat([key, Buffer.from([0])]), value: null }), 'CORRUPT_MESSAGE');
    expectThrows(() => decodeOffsetCommitValue(Buffer.concat([i16(-2), i64(1)])), 'CORRUPT_MESSAGE');
    // A member count far beyond what the bytes could hold is refused before allocating anything.
    expectThrows(() => decodeGroupMetadataValue(Buffer.concat([i16(3), str('consumer'), i32(1), str('r'), str('l'), i64(0), i32(0x7fffffff)])), 'CORRUPT_MESSAGE');
    // An offset beyond 2^53 cannot be represented exactly.
    expectThrows(() => decodeOffsetCommitValue(Buffer.concat([i16(3), Buffer.from([0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), i32(0), str(''), i64(0)])), 'CORRUPT_MESSAGE');
  });

  it('fails every truncated prefix of valid records with CORRUPT_MESSAGE', () => {
    const commit = offsetCommitRecord({ group: 'group', topic: 'topic', partition: 1 }, { offset: 5, leaderEpoch: 1, metadata: 'x', commitTimestamp: 2 });
    const group = groupMetadataRecord('group', GROUP);
    for (const record of [commit, group]) {
      for (let n = 0; n < record.key!.length; n++) expectThrows(() => decodeOffsetsRecord({ key: record.key!.subarray(0, n), value: null }), 'CORRUPT_MESSAGE');
      for (let n = 0; n < record.value!.length; n++) expectThrows(() => decodeOffsetsRecord({ key: record.key, value: record.value!.subarray(0, n) }), 'CORRUPT_MESSAGE');
    }
  });

  it('never throws anything but a BrokerError on random or bit-flipped input', () => {
    const random = new SeededRandom(1234);
    const valid = [groupMetadataRecord('group', GROUP), offsetCommitRecord({ group: 'g', topic: 't', partition: 0 }, { offset: 1, leaderEpoch: -1, metadata: '', commitTimestamp: 0 })];
    let decoded = 0;
    for (let i = 0; i < 2000; i++) {
      let input: { key: Buffer; value: Buffer };
      if (i % 2 === 0) {
        input = { key: randomBytes(random, 12), value: randomBytes(random, 60) };
        input.key.writeInt16BE(random.int(0, 2)); // mostly known key versions, so values get decoded
      } else {
        const base = random.pick(valid);
        input = { key: Buffer.from(base.key!), value: Buffer.from(base.value!) };
        const target = random.next() < 0.3 ? input.key : input.value;
        target[random.int(0, target.length - 1)]! ^= 1 << random.int(0, 7);
      }
      try {
        decodeOffsetsRecord(input);
        decoded++;
      } catch (e) {
        expect(e).toBeInstanceOf(BrokerError);
        expect((e as BrokerError).kafkaName).toBe('CORRUPT_MESSAGE');
      }
    }
    // Some flips land in data bytes (offsets, timestamps) and still decode: the fuzz reached both paths.
    expect(decoded).toBeGreaterThan(0);
  });
});

function randomBytes(random: SeededRandom, maxLength: number): Buffer {
  return Buffer.from(Array.from({ length: random.int(2, maxLength) }, () => random.int(0, 255)));
}
