/**
 * Kafka's primitive encodings (big-endian fixed-width integers, int16-length strings, int32-length
 * bytes and arrays, and the compact/tagged forms of flexible versions) for the group records and
 * the consumer protocol. The reader checks every length against the bytes left, so any input,
 * however mangled, yields values or a CORRUPT_MESSAGE BrokerError; never a RangeError.
 */
import { errors } from '../../common/errors.js';

const INT16_MAX = 0x7fff;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export class KafkaWriter {
  private readonly chunks: Buffer[] = [];

  int8(v: number): this {
    const b = Buffer.allocUnsafe(1);
    b.writeInt8(v);
    return this.push(b);
  }

  int16(v: number): this {
    const b = Buffer.allocUnsafe(2);
    b.writeInt16BE(v);
    return this.push(b);
  }

  int32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(v);
    return this.push(b);
  }

  int64(v: number): this {
    if (!Number.isSafeInteger(v)) throw errors.invalidRequest(`${v} is not an integer that fits 53 bits`);
    const b = Buffer.allocUnsafe(8);
    b.writeBigInt64BE(BigInt(v));
    return this.push(b);
  }

  string(v: string): this {
    const bytes = Buffer.from(v, 'utf8');
    if (bytes.length > INT16_MAX) throw errors.invalidRequest(`a string of ${bytes.length} bytes exceeds the int16 length limit`);
    return this.int16(bytes.length).push(bytes);
  }

  nullableString(v: string | null): this {
    return v === null ? this.int16(-1) : this.string(v);
  }

  bytes(v: Buffer): this {
    return this.int32(v.length).push(v);
  }

  nullableBytes(v: Buffer | null): this {
    return v === null ? this.int32(-1) : this.bytes(v);
  }

  array<T>(items: readonly T[], writeItem: (w: this, item: T) => void): this {
    this.int32(items.length);
    for (const item of items) writeItem(this, item);
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }

  private push(b: Buffer): this {
    this.chunks.push(b);
    return this;
  }
}

export class KafkaReader {
  private pos = 0;

  /** `what` names the structure in error messages ("OffsetCommitValue v3"). */
  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}

  remaining(): number {
    return this.buf.length - this.pos;
  }

  int8(): number {
    this.need(1, 'int8');
    return this.buf.readInt8(this.pos++);
  }

  int16(): number {
    this.need(2, 'int16');
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4, 'int32');
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  int64(): number {
    this.need(8, 'int64');
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    if (v > MAX_SAFE || v < -MAX_SAFE) throw this.corrupt(`int64 ${v} does not fit 53 bits`);
    return Number(v);
  }

  /** Unsigned varint of flexible versions (at most 5 bytes for 32 bits). */
  unsignedVarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      this.need(1, 'varint');
      const byte = this.buf[this.pos++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) {
        if (value > 0xffff_ffff) break;
        return value;
      }
    }
    throw this.corrupt('varint longer than 32 bits');
  }

  string(flexible = false): string {
    const s = this.nullableString(flexible);
    if (s === null) throw this.corrupt('null where a string is required');
    return s;
  }

  nullableString(flexible = false): string | null {
    const length = flexible ? this.unsignedVarint() - 1 : this.int16();
    if (length < -1) throw this.corrupt(`string length ${length}`);
    if (length === -1) return null;
    return this.take(length, 'string').toString('utf8');
  }

  bytes(flexible = false): Buffer {
    const b = this.nullableBytes(flexible);
    if (b === null) throw this.corrupt('null where bytes are required');
    return b;
  }

  /** A copy, so the value outlives the (possibly pooled) input buffer. */
  nullableBytes(flexible = false): Buffer | null {
    const length = flexible ? this.unsignedVarint() - 1 : this.int32();
    if (length < -1) throw this.corrupt(`bytes length ${length}`);
    if (length === -1) return null;
    return Buffer.from(this.take(length, 'bytes'));
  }

  array<T>(readItem: (r: this) => T, flexible = false, minItemBytes = 1): T[] {
    const count = flexible ? this.unsignedVarint() - 1 : this.int32();
    if (count < 0) throw this.corrupt(`array length ${count}`);
    // Checked up front so a forged count cannot make us allocate or loop beyond the input.
    if (count * minItemBytes > this.remaining()) throw this.corrupt(`${count} array items cannot fit in ${this.remaining()} bytes`);
    const items: T[] = [];
    for (let i = 0; i < count; i++) items.push(readItem(this));
    return items;
  }

  /** Skips the tagged-field section that ends every struct of a flexible version. */
  skipTaggedFields(): void {
    const count = this.unsignedVarint();
    if (count > this.remaining()) throw this.corrupt(`${count} tagged fields cannot fit in ${this.remaining()} bytes`);
    for (let i = 0; i < count; i++) {
      this.unsignedVarint(); // tag
      this.take(this.unsignedVarint(), 'tagged field');
    }
  }

  /** Fails unless every byte was consumed: trailing bytes mean the schema did not match. */
  end(): void {
    if (this.remaining() !== 0) throw this.corrupt(`${this.remaining()} unexpected trailing bytes`);
  }

  corrupt(reason: string): Error {
    return errors.corruptMessage(`${this.what}: ${reason} at byte ${this.pos}`);
  }

  private take(length: number, field: string): Buffer {
    this.need(length, field);
    const slice = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return slice;
  }

  private need(n: number, field: string): void {
    if (n > this.remaining()) throw this.corrupt(`${field} needs ${n} bytes, ${this.remaining()} left`);
  }
}
