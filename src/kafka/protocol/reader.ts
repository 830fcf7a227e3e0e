/**
 * Reading the primitive types of the Kafka protocol from a Buffer (big-endian, two's complement;
 * see src/kafka/spec and the Kafka protocol guide). The generated message codecs in ./messages
 * are written against this class.
 *
 * Hostile input: every read checks its size against `remaining()` before touching or allocating
 * anything, so a malformed or truncated message always ends in a ProtocolError, never in a
 * RangeError, a huge allocation or a long loop. Byte fields (bytes, records) are zero-copy
 * subarrays of the input.
 */

/** Thrown on any malformed input. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

const TWO_32 = 0x1_0000_0000;
const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

export class Reader {
  readonly buf: Buffer;
  offset: number;
  readonly end: number;

  constructor(buf: Buffer, offset = 0, end = buf.length) {
    if (!Number.isInteger(offset) || !Number.isInteger(end) || offset < 0 || end > buf.length || offset > end) {
      throw new RangeError(`Reader: bad bounds [${offset}, ${end}) for a buffer of ${buf.length} bytes`);
    }
    this.buf = buf;
    this.offset = offset;
    this.end = end;
  }

  remaining(): number {
    return this.end - this.offset;
  }

  /** Throws unless `n` more bytes are available. */
  need(n: number): void {
    if (n > this.end - this.offset) {
      throw new ProtocolError(`need ${n} bytes at offset ${this.offset}, only ${this.end - this.offset} left`);
    }
  }

  skip(n: number): void {
    this.need(n);
    this.offset += n;
  }

  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.offset++);
  }

  uint8(): number {
    this.need(1);
    return this.buf[this.offset++]!;
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  uint16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  /**
   * A signed 64-bit integer as a Number: exact within ±2^53, otherwise rounded to the nearest
   * double (the same value as `Number(buf.readBigInt64BE())`, computed without a BigInt).
   */
  int64(): number {
    this.need(8);
    const hi = this.buf.readInt32BE(this.offset);
    const lo = this.buf.readUInt32BE(this.offset + 4);
    this.offset += 8;
    return hi * TWO_32 + lo;
  }

  float64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.offset);
    this.offset += 8;
    return v;
  }

  bool(): boolean {
    this.need(1);
    return this.buf[this.offset++] !== 0;
  }

  /** Unsigned varint of at most 5 bytes and 32 bits (0 … 2^32-1). */
  uvarint(): number {
    const buf = this.buf;
    let off = this.offset;
    const end = this.end;
    if (off >= end) throw new ProtocolError(`varint: no bytes left at offset ${off}`);
    let b = buf[off++]!;
    if (b < 0x80) {
      this.offset = off;
      return b;
    }
    let value = b & 0x7f;
    let mul = 0x80;
    for (let i = 1; i < 5; i++) {
      if (off >= end) throw new ProtocolError(`varint: truncated at offset ${off}`);
      b = buf[off++]!;
      if (i === 4 && b > 0x0f) throw new ProtocolError(`varint: too long or above 32 bits at offset ${this.offset}`);
      value += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.offset = off;
        return value;
      }
      mul *= 0x80;
    }
    throw new ProtocolError(`varint: too long at offset ${this.offset}`);
  }

  /** Signed (zig-zag) varint, 32 bits. */
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }

  /** Signed (zig-zag) varlong of at most 10 bytes, as a Number (exact within ±2^53). */
  varlong(): number {
    let off = this.offset;
    let u = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (off >= this.end) throw new ProtocolError(`varlong: truncated at offset ${off}`);
      const b = this.buf[off++]!;
      u |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) {
        this.offset = off;
        return Number(BigInt.asIntN(64, (u >> 1n) ^ -(u & 1n)));
      }
      shift += 7n;
    }
    throw new ProtocolError(`varlong: too long at offset ${this.offset}`);
  }

  /** 16 bytes as a canonical lowercase UUID string (8-4-4-4-12). */
  uuid(): string {
    this.need(16);
    const b = this.buf;
    const o = this.offset;
    this.offset += 16;
    return (
      HEX[b[o]!]! + HEX[b[o + 1]!]! + HEX[b[o + 2]!]! + HEX[b[o + 3]!]! + '-' +
      HEX[b[o + 4]!]! + HEX[b[o + 5]!]! + '-' +
      HEX[b[o + 6]!]! + HEX[b[o + 7]!]! + '-' +
      HEX[b[o + 8]!]! + HEX[b[o + 9]!]! + '-' +
      HEX[b[o + 10]!]! + HEX[b[o + 11]!]! + HEX[b[o + 12]!]! + HEX[b[o + 13]!]! + HEX[b[o + 14]!]! + HEX[b[o + 15]!]!
    );
  }

  private utf8(len: number): string {
    this.need(len);
    const o = this.offset;
    this.offset += len;
    return this.buf.toString('utf8', o, o + len);
  }

  private slice(len: number): Buffer {
    this.need(len);
    const o = this.offset;
    this.offset += len;
    return this.buf.subarray(o, o + len);
  }

  /** STRING: int16 length (≥ 0), then UTF-8. */
  string(): string {
    const len = this.int16();
    if (len < 0) throw new ProtocolError(`string: length ${len} at offset ${this.offset - 2} (null not allowed)`);
    return this.utf8(len);
  }

  /** NULLABLE_STRING: int16 length, -1 = null. */
  nullableString(): string | null {
    const len = this.int16();
    if (len === -1) return null;
    if (len < 0) throw new ProtocolError(`string: length ${len} at offset ${this.offset - 2}`);
    return this.utf8(len);
  }

  /** COMPACT_STRING: unsigned varint length+1 (0 = null, not allowed here). */
  compactString(): string {
    const n = this.uvarint();
    if (n === 0) throw new ProtocolError(`compact string: null at offset ${this.offset - 1} (null not allowed)`);
    return this.utf8(n - 1);
  }

  /** COMPACT_NULLABLE_STRING: unsigned varint length+1, 0 = null. */
  compactNullableString(): string | null {
    const n = this.uvarint();
    return n === 0 ? null : this.utf8(n - 1);
  }

  /** BYTES: int32 length (≥ 0), then the bytes (zero copy). */
  bytes(): Buffer {
    const len = this.int32();
    if (len < 0) throw new ProtocolError(`bytes: length ${len} at offset ${this.offset - 4} (null not allowed)`);
    return this.slice(len);
  }

  /** NULLABLE_BYTES (also RECORDS): int32 length, -1 = null (zero copy). */
  nullableBytes(): Buffer | null {
    const len = this.int32();
    if (len === -1) return null;
    if (len < 0) throw new ProtocolError(`bytes: length ${len} at offset ${this.offset - 4}`);
    return this.slice(len);
  }

  /** COMPACT_BYTES: unsigned varint length+1 (0 = null, not allowed here), zero copy. */
  compactBytes(): Buffer {
    const n = this.uvarint();
    if (n === 0) throw new ProtocolError(`compact bytes: null at offset ${this.offset - 1} (null not allowed)`);
    return this.slice(n - 1);
  }

  /** COMPACT_NULLABLE_BYTES (also COMPACT_RECORDS): unsigned varint length+1, 0 = null (zero copy). */
  compactNullableBytes(): Buffer | null {
    const n = this.uvarint();
    return n === 0 ? null : this.slice(n - 1);
  }

  /** ARRAY count: int32 ≥ 0 and no larger than the bytes left (every element takes at least one). */
  arrayLength(): number {
    const n = this.int32();
    if (n < 0) throw new ProtocolError(`array: count ${n} at offset ${this.offset - 4} (null not allowed)`);
    this.checkCount(n);
    return n;
  }

  /** Nullable ARRAY count: -1 for null. */
  nullableArrayLength(): number {
    const n = this.int32();
    if (n === -1) return -1;
    if (n < 0) throw new ProtocolError(`array: count ${n} at offset ${this.offset - 4}`);
    this.checkCount(n);
    return n;
  }

  /** COMPACT_ARRAY count: unsigned varint count+1 (0 = null, not allowed here). */
  compactArrayLength(): number {
    const n = this.uvarint();
    if (n === 0) throw new ProtocolError(`compact array: null at offset ${this.offset - 1} (null not allowed)`);
    this.checkCount(n - 1);
    return n - 1;
  }

  /** Nullable COMPACT_ARRAY count: -1 for null. */
  compactNullableArrayLength(): number {
    const n = this.uvarint();
    if (n === 0) return -1;
    this.checkCount(n - 1);
    return n - 1;
  }

  private checkCount(n: number): void {
    if (n > this.end - this.offset) {
      throw new ProtocolError(`array: count ${n} at offset ${this.offset} exceeds the ${this.end - this.offset} bytes left`);
    }
  }

  /**
   * Start of one tagged field's value of `size` bytes: checks the size and returns the offset
   * where the value must end (see `endTaggedField`).
   */
  taggedFieldEnd(size: number): number {
    this.need(size);
    return this.offset + size;
  }

  /** Throws unless the tagged field that had to end at `end` took exactly its declared size. */
  endTaggedField(end: number, tag: number): void {
    if (this.offset !== end) {
      throw new ProtocolError(`tagged field ${tag}: value ended at offset ${this.offset}, its declared size ends at ${end}`);
    }
  }

  /** Skips a whole tagged-field section (count, then tag, size, value for each). */
  skipTaggedFields(): void {
    for (let n = this.uvarint(); n > 0; n--) {
      this.uvarint();
      this.skip(this.uvarint());
    }
  }
}
