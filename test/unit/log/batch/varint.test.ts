import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../../src/common/random.js';
import {
  readUnsignedVarint,
  readVarint,
  readVarlong,
  sizeOfUnsignedVarint,
  sizeOfVarint,
  sizeOfVarlong,
  writeUnsignedVarint,
  writeVarint,
  writeVarlong,
} from '../../../../src/log/batch/varint.js';
import { expectBrokerError } from './fixtures.js';

const require = createRequire(import.meta.url);
const KafkajsEncoder = require('kafkajs/src/protocol/encoder.js') as new () => {
  writeVarInt(v: number): unknown;
  writeVarLong(v: number): unknown;
  buffer: Buffer;
};

function encode(write: (buf: Buffer, value: number, pos: number) => number, value: number): Buffer {
  const buf = Buffer.alloc(16);
  return buf.subarray(0, write(buf, value, 0));
}

function decode(read: (buf: Buffer, cursor: { pos: number; end: number }) => number, bytes: Buffer): { value: number; pos: number } {
  const cursor = { pos: 0, end: bytes.length };
  const value = read(bytes, cursor);
  return { value, pos: cursor.pos };
}

describe('zigzag varints', () => {
  it('encode small magnitudes of either sign in one byte, as Kafka does', () => {
    expect(encode(writeVarint, 0)).toEqual(Buffer.from([0x00]));
    expect(encode(writeVarint, -1)).toEqual(Buffer.from([0x01]));
    expect(encode(writeVarint, 1)).toEqual(Buffer.from([0x02]));
    expect(encode(writeVarint, 63)).toEqual(Buffer.from([0x7e]));
    expect(encode(writeVarint, -64)).toEqual(Buffer.from([0x7f]));
    expect(encode(writeVarint, 64)).toEqual(Buffer.from([0x80, 0x01]));
    expect(encode(writeVarint, 0x7fff_ffff)).toEqual(Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f]));
    expect(encode(writeVarint, -0x8000_0000)).toEqual(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]));
  });

  it('match kafkajs on random int32 and int64 values and read back exactly', () => {
    const random = new SeededRandom(11);
    for (let i = 0; i < 2000; i++) {
      const int32 = random.int(-0x8000_0000, 0x7fff_ffff) >> random.int(0, 31);
      const theirs32 = new KafkajsEncoder();
      theirs32.writeVarInt(int32);
      const ours32 = encode(writeVarint, int32);
      expect(ours32).toEqual(theirs32.buffer);
      expect(sizeOfVarint(int32)).toBe(ours32.length);
      expect(decode(readVarint, ours32)).toEqual({ value: int32, pos: ours32.length });

      const int53 = Math.trunc(((random.next() * 2 - 1) * Number.MAX_SAFE_INTEGER) / 2 ** random.int(0, 52)) + 0; // + 0 turns -0 into 0
      const theirs64 = new KafkajsEncoder();
      theirs64.writeVarLong(int53);
      const ours64 = encode(writeVarlong, int53);
      expect(ours64).toEqual(theirs64.buffer);
      expect(sizeOfVarlong(int53)).toBe(ours64.length);
      expect(decode(readVarlong, ours64)).toEqual({ value: int53, pos: ours64.length });
    }
  });

  it('read varlongs at the edges of the safe-integer range', () => {
    for (const value of [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 31, -(2 ** 31) - 1, 2 ** 28, -(2 ** 27)]) {
      const bytes = encode(writeVarlong, value);
      expect(decode(readVarlong, bytes).value).toBe(value);
    }
  });

  it('write unsigned varints and size them', () => {
    for (const value of [0, 127, 128, 16_383, 16_384, 0x0fff_ffff, 0x1000_0000, 0xffff_ffff]) {
      const bytes = encode(writeUnsignedVarint, value);
      expect(sizeOfUnsignedVarint(value)).toBe(bytes.length);
      expect(decode(readUnsignedVarint, bytes).value).toBe(value);
    }
    expect(encode(writeUnsignedVarint, 300)).toEqual(Buffer.from([0xac, 0x02]));
  });

  it('refuse to write values outside their range, loudly', () => {
    expect(() => encode(writeVarint, 2 ** 31)).toThrow(/varint out of int32 range/);
    expect(() => encode(writeVarlong, 2 ** 60)).toThrow(/not a safe integer/);
    expect(() => encode(writeUnsignedVarint, -1)).toThrow(/unsigned varint out of range/);
  });
});

describe('bounded varint reads fail with CORRUPT_MESSAGE', () => {
  it('on truncated input', () => {
    expectBrokerError(() => decode(readVarint, Buffer.from([0x80, 0x80])), 'CORRUPT_MESSAGE');
    expectBrokerError(() => decode(readVarint, Buffer.alloc(0)), 'CORRUPT_MESSAGE');
    expectBrokerError(() => decode(readVarlong, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff])), 'CORRUPT_MESSAGE');
    expectBrokerError(() => decode(readVarlong, Buffer.from([0x80])), 'CORRUPT_MESSAGE');
  });

  it('at the cursor end even when more bytes follow in the buffer', () => {
    const bytes = encode(writeVarint, 300);
    expectBrokerError(() => readVarint(bytes, { pos: 0, end: 1 }), 'CORRUPT_MESSAGE');
  });

  it('on varints longer than 5 bytes or wider than 32 bits', () => {
    expectBrokerError(() => decode(readVarint, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])), 'CORRUPT_MESSAGE');
    expectBrokerError(() => decode(readVarint, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x1f])), 'CORRUPT_MESSAGE');
  });

  it('on varlongs longer than 10 bytes or beyond 2^53', () => {
    expectBrokerError(() => decode(readVarlong, Buffer.from([...Array(10).fill(0xff), 0x01])), 'CORRUPT_MESSAGE');
    expectBrokerError(() => decode(readVarlong, Buffer.from([...Array(9).fill(0xff), 0x03])), 'CORRUPT_MESSAGE');
    // zigzag 2^54 decodes to 2^53: representable, but no longer exact.
    expectBrokerError(() => decode(readVarlong, Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40])), 'CORRUPT_MESSAGE');
  });
});
