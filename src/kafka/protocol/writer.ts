/**
 * Writing the primitive types of the Kafka protocol. The generated message codecs in ./messages
 * are written against this class.
 *
 * Small writes go to a growable buffer; when it is full the written part is kept as a chunk and a
 * new, larger buffer is started (nothing is copied twice). Byte fields of 4 KiB or more (record
 * batches in Fetch responses) are kept by reference as chunks of their own, so a response can be
 * sent with `socket.write` per chunk (or `writev`) without copying megabytes of records.
 */

const TWO_32 = 0x1_0000_0000;
/** Byte fields at least this large are kept by reference instead of copied. */
export const RAW_BY_REFERENCE_BYTES = 4096;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** For generated code: a value that may be null in some versions of a field but not in this one. */
export function nonNull<T>(v: T | null, field: string): T {
  if (v === null) throw new TypeError(`${field} must not be null in this version`);
  return v;
}

export class Writer {
  private buf: Buffer;
  private pos = 0;
  /** Start in `buf` of the part not yet moved to `done`. */
  private start = 0;
  private readonly done: Buffer[] = [];
  private doneBytes = 0;

  constructor(initialCapacity = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialCapacity));
  }

  /** Total bytes written so far. */
  get length(): number {
    return this.doneBytes + this.pos - this.start;
  }

  private flushSegment(): void {
    if (this.pos > this.start) {
      this.done.push(this.buf.subarray(this.start, this.pos));
      this.doneBytes += this.pos - this.start;
      this.start = this.pos;
    }
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flushSegment();
    this.buf = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
    this.pos = 0;
    this.start = 0;
  }

  int8(n: number): void {
    this.ensure(1);
    this.buf.writeInt8(n, this.pos);
    this.pos += 1;
  }

  uint8(n: number): void {
    this.ensure(1);
    this.buf.writeUInt8(n, this.pos);
    this.pos += 1;
  }

  int16(n: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(n, this.pos);
    this.pos += 2;
  }

  uint16(n: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(n, this.pos);
    this.pos += 2;
  }

  int32(n: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(n, this.pos);
    this.pos += 4;
  }

  uint32(n: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(n, this.pos);
    this.pos += 4;
  }

  /** A signed 64-bit integer; Numbers beyond the int64 range are clamped to it. */
  int64(n: number): void {
    this.ensure(8);
    if (Number.isSafeInteger(n)) {
      const hi = Math.floor(n / TWO_32);
      this.buf.writeInt32BE(hi, this.pos);
      this.buf.writeUInt32BE(n - hi * TWO_32, this.pos + 4);
    } else {
      if (!Number.isFinite(n)) throw new RangeError(`int64: ${n} is not a finite number`);
      let b = BigInt(Math.trunc(n));
      if (b > INT64_MAX) b = INT64_MAX;
      else if (b < INT64_MIN) b = INT64_MIN;
      this.buf.writeBigInt64BE(b, this.pos);
    }
    this.pos += 8;
  }

  float64(n: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(n, this.pos);
    this.pos += 8;
  }

  bool(b: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = b ? 1 : 0;
  }

  /** Unsigned varint, 0 … 2^32-1. */
  uvarint(n: number): void {
    if (!(n >= 0 && n < TWO_32) || !Number.isInteger(n)) throw new RangeError(`uvarint: ${n} out of range`);
    this.ensure(5);
    const buf = this.buf;
    let pos = this.pos;
    while (n >= 0x80) {
      buf[pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    buf[pos++] = n;
    this.pos = pos;
  }

  /** Signed (zig-zag) varint, 32 bits. */
  varint(n: number): void {
    if (!Number.isInteger(n) || n < -0x8000_0000 || n > 0x7fff_ffff) throw new RangeError(`varint: ${n} out of range`);
    this.uvarint(((n << 1) ^ (n >> 31)) >>> 0);
  }

  /** Signed (zig-zag) varlong, 64 bits (exact for safe integers). */
  varlong(n: number): void {
    if (!Number.isInteger(n)) throw new RangeError(`varlong: ${n} is not an integer`);
    let b = BigInt(n);
    if (b > INT64_MAX) b = INT64_MAX;
    else if (b < INT64_MIN) b = INT64_MIN;
    let u = BigInt.asUintN(64, (b << 1n) ^ (b >> 63n));
    this.ensure(10);
    while (u >= 0x80n) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }

  /** A UUID string (8-4-4-4-12 hex, any case) as 16 bytes. */
  uuid(s: string): void {
    if (!UUID_RE.test(s)) throw new RangeError(`uuid: ${JSON.stringify(s)} is not a UUID`);
    this.ensure(16);
    const hex = s.slice(0, 8) + s.slice(9, 13) + s.slice(14, 18) + s.slice(19, 23) + s.slice(24);
    this.buf.write(hex, this.pos, 16, 'hex');
    this.pos += 16;
  }

  private utf8(s: string, len: number): void {
    this.ensure(len);
    this.buf.write(s, this.pos, len, 'utf8');
    this.pos += len;
  }

  /** STRING: int16 length, then UTF-8. */
  string(s: string): void {
    const len = Buffer.byteLength(s, 'utf8');
    if (len > 0x7fff) throw new RangeError(`string: ${len} bytes is longer than a STRING can be (32767)`);
    this.int16(len);
    this.utf8(s, len);
  }

  /** NULLABLE_STRING: int16 length, -1 = null. */
  nullableString(s: string | null): void {
    if (s === null) this.int16(-1);
    else this.string(s);
  }

  /** COMPACT_STRING: unsigned varint length+1, then UTF-8. */
  compactString(s: string): void {
    const len = Buffer.byteLength(s, 'utf8');
    this.uvarint(len + 1);
    this.utf8(s, len);
  }

  /** COMPACT_NULLABLE_STRING: unsigned varint length+1, 0 = null. */
  compactNullableString(s: string | null): void {
    if (s === null) this.uvarint(0);
    else this.compactString(s);
  }

  /** BYTES: int32 length, then the bytes (by reference when large). */
  bytes(b: Buffer): void {
    this.int32(b.length);
    this.raw(b);
  }

  /** NULLABLE_BYTES (also RECORDS): int32 length, -1 = null. */
  nullableBytes(b: Buffer | null): void {
    if (b === null) this.int32(-1);
    else this.bytes(b);
  }

  /** COMPACT_BYTES: unsigned varint length+1, then the bytes (by reference when large). */
  compactBytes(b: Buffer): void {
    this.uvarint(b.length + 1);
    this.raw(b);
  }

  /** COMPACT_NULLABLE_BYTES (also COMPACT_RECORDS): unsigned varint length+1, 0 = null. */
  compactNullableBytes(b: Buffer | null): void {
    if (b === null) this.uvarint(0);
    else this.compactBytes(b);
  }

  /** Appends `buf` without copying when it is large (≥ 4 KiB): kept as a separate chunk. */
  raw(buf: Buffer): void {
    const len = buf.length;
    if (len >= RAW_BY_REFERENCE_BYTES) {
      this.flushSegment();
      this.done.push(buf);
      this.doneBytes += len;
      return;
    }
    if (len === 0) return;
    this.ensure(len);
    buf.copy(this.buf, this.pos);
    this.pos += len;
  }

  /** Appends everything written to `other` (large chunks by reference). */
  append(other: Writer): void {
    for (const c of other.chunks()) this.raw(c);
  }

  /** The message as chunks (small writes coalesced in a growable buffer, big byte fields by reference). */
  chunks(): Buffer[] {
    return this.pos > this.start ? [...this.done, this.buf.subarray(this.start, this.pos)] : this.done.slice();
  }

  /** One contiguous Buffer (copies). */
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks(), this.length);
  }
}
