/**
 * Variable-length integers as Kafka writes them inside records (ByteUtils.java): little-endian
 * base-128 groups, zigzag-mapped for signed values so small negatives stay short (protobuf's
 * sint32/sint64). Reads are bounded by a cursor's `end` and throw CORRUPT_MESSAGE on truncated or
 * overlong input, because these bytes come straight off the network or a disk.
 */
import { assert, errors } from '../../common/errors.js';

/** A read position inside `[pos, end)` of a buffer; every read advances `pos` and never passes `end`. */
export interface ByteCursor {
  pos: number;
  end: number;
}

const CONTINUATION = 0x80;
const PAYLOAD = 0x7f;
/** Over the int32 range the 64-bit zigzag of a value equals its 32-bit zigzag: no BigInt needed. */
const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;

export function zigzagEncode32(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0;
}

export function zigzagDecode32(raw: number): number {
  return (raw >>> 1) ^ -(raw & 1);
}

export function sizeOfUnsignedVarint(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x20_0000) return 3;
  if (value < 0x1000_0000) return 4;
  return 5;
}

export function sizeOfVarint(value: number): number {
  return sizeOfUnsignedVarint(zigzagEncode32(value));
}

export function sizeOfVarlong(value: number): number {
  if (value >= INT32_MIN && value <= INT32_MAX) return sizeOfVarint(value);
  let raw = zigzagEncode64(value);
  let size = 1;
  while (raw >= 0x80n) {
    raw >>= 7n;
    size++;
  }
  return size;
}

/** Writes an unsigned 32-bit varint at `pos`; returns the position after it. */
export function writeUnsignedVarint(buf: Buffer, value: number, pos: number): number {
  assert(value >>> 0 === value, `unsigned varint out of range: ${value}`);
  while (value >= CONTINUATION) {
    buf[pos++] = (value & PAYLOAD) | CONTINUATION;
    value >>>= 7;
  }
  buf[pos++] = value;
  return pos;
}

/** Writes a zigzag int32 at `pos`; returns the position after it. */
export function writeVarint(buf: Buffer, value: number, pos: number): number {
  assert((value | 0) === value, `varint out of int32 range: ${value}`);
  return writeUnsignedVarint(buf, zigzagEncode32(value), pos);
}

/**
 * Writes a zigzag int64 at `pos`; returns the position after it. Values are safe integers; the
 * int32 range (every realistic timestamp delta) takes the 32-bit path.
 */
export function writeVarlong(buf: Buffer, value: number, pos: number): number {
  if (value >= INT32_MIN && value <= INT32_MAX) return writeUnsignedVarint(buf, zigzagEncode32(value), pos);
  let raw = zigzagEncode64(value);
  while (raw >= 0x80n) {
    buf[pos++] = Number(raw & 0x7fn) | CONTINUATION;
    raw >>= 7n;
  }
  buf[pos++] = Number(raw);
  return pos;
}

/**
 * Reads an unsigned varint of at most 5 bytes whose value fits 32 bits. Kafka's reader silently
 * drops the excess bits of a fifth byte; refusing them instead keeps one value per encoding.
 */
export function readUnsignedVarint(buf: Buffer, cursor: ByteCursor): number {
  let pos = cursor.pos;
  const end = cursor.end;
  let result = 0;
  for (let shift = 0; shift <= 28; shift += 7) {
    if (pos >= end) throw errors.corruptMessage(`truncated varint at byte ${cursor.pos}`);
    const byte = buf[pos++]!;
    if (shift === 28 && byte > 0x0f) throw errors.corruptMessage(`varint at byte ${cursor.pos} is longer than 32 bits`);
    result |= (byte & PAYLOAD) << shift;
    if (byte < CONTINUATION) {
      cursor.pos = pos;
      return result >>> 0;
    }
  }
  // Unreachable: the fifth byte either ended the varint or was refused above.
  throw errors.corruptMessage(`varint at byte ${cursor.pos} is longer than 5 bytes`);
}

export function readVarint(buf: Buffer, cursor: ByteCursor): number {
  return zigzagDecode32(readUnsignedVarint(buf, cursor));
}

/**
 * Reads a zigzag int64 of at most 10 bytes. Values outside the safe-integer range are corrupt for
 * us, as `readInt64` in layout.ts decides for the fixed-width fields.
 */
export function readVarlong(buf: Buffer, cursor: ByteCursor): number {
  // Fast path: up to 4 bytes (28 bits) accumulate exactly in 32-bit arithmetic.
  let pos = cursor.pos;
  const end = Math.min(cursor.end, pos + 4);
  let raw = 0;
  for (let shift = 0; pos < end; shift += 7) {
    const byte = buf[pos++]!;
    raw |= (byte & PAYLOAD) << shift;
    if (byte < CONTINUATION) {
      cursor.pos = pos;
      return zigzagDecode32(raw);
    }
  }
  return readLongVarlong(buf, cursor);
}

function readLongVarlong(buf: Buffer, cursor: ByteCursor): number {
  let pos = cursor.pos;
  let raw = 0n;
  for (let shift = 0n; shift <= 63n; shift += 7n) {
    if (pos >= cursor.end) throw errors.corruptMessage(`truncated varlong at byte ${cursor.pos}`);
    const byte = buf[pos++]!;
    if (shift === 63n && byte > 0x01) throw errors.corruptMessage(`varlong at byte ${cursor.pos} is longer than 64 bits`);
    raw |= BigInt(byte & PAYLOAD) << shift;
    if (byte < CONTINUATION) {
      const value = (raw >> 1n) ^ -(raw & 1n);
      if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw errors.corruptMessage(`varlong at byte ${cursor.pos} is beyond 2^53`);
      }
      cursor.pos = pos;
      return Number(value);
    }
  }
  throw errors.corruptMessage(`varlong at byte ${cursor.pos} is longer than 10 bytes`);
}

function zigzagEncode64(value: number): bigint {
  assert(Number.isSafeInteger(value), `varlong is not a safe integer: ${value}`);
  const big = BigInt(value);
  return BigInt.asUintN(64, (big << 1n) ^ (big >> 63n));
}
