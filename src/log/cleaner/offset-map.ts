/**
 * The cleaner's map from a record key to the offset of its latest record, laid out as Kafka's
 * SkimpyOffsetMap: one preallocated buffer of 24-byte slots (a key's 16-byte MD5 digest and its
 * offset), open addressing with linear probing, filled to at most 90 %. Its memory is the buffer
 * and nothing else: `log.cleaner.dedupe.buffer.size` bounds it, and a pass whose dirty section has
 * more distinct keys than fit cleans only up to where the map filled (the next pass goes on from
 * there). Two keys with the same digest count as one, the risk Kafka accepts too.
 */
import { hash } from 'node:crypto';
import { assert } from '../../common/errors.js';

/** Kafka's default log.cleaner.dedupe.buffer.size. */
export const DEFAULT_DEDUPE_BUFFER_BYTES = 128 * 1024 * 1024;
export const OFFSET_MAP_ENTRY_BYTES = 24;
export const OFFSET_MAP_LOAD_FACTOR = 0.9;
const DIGEST_BYTES = 16;
/** The smallest record (attributes, deltas, lengths, header count, its own length): a bound on records per byte. */
const MIN_RECORD_BYTES = 7;

export class OffsetMap {
  private readonly table: Buffer;
  private readonly slots: number;
  private entries = 0;
  /** Entries the map may hold. */
  readonly capacity: number;

  /**
   * `bufferBytes` is the bound; `scanBytes`, the bytes the pass will read, shrinks the buffer to
   * what they could possibly hold, so a small log does not allocate the whole bound.
   */
  constructor(bufferBytes: number, scanBytes = Number.POSITIVE_INFINITY) {
    const bound = Math.floor((bufferBytes * OFFSET_MAP_LOAD_FACTOR) / OFFSET_MAP_ENTRY_BYTES);
    assert(bound >= 1, `a dedupe buffer of ${bufferBytes} bytes cannot hold one key`);
    this.capacity = Math.max(1, Math.min(bound, Math.ceil(scanBytes / MIN_RECORD_BYTES)));
    this.slots = Math.ceil(this.capacity / OFFSET_MAP_LOAD_FACTOR);
    this.table = Buffer.alloc(this.slots * OFFSET_MAP_ENTRY_BYTES);
  }

  get size(): number {
    return this.entries;
  }

  /** Bytes the map holds. */
  get bytes(): number {
    return this.table.length;
  }

  /** Whether `count` more keys are sure to fit (each may be new). */
  hasRoomFor(count: number): boolean {
    return this.entries + count <= this.capacity;
  }

  /** Records `offset` as the latest for `key`; offsets arrive in increasing order. */
  put(key: Buffer, offset: number): void {
    const digest = digestOf(key);
    const slot = this.find(digest);
    const at = slot * OFFSET_MAP_ENTRY_BYTES;
    if (this.isEmpty(at)) {
      assert(this.entries < this.capacity, `offset map full at ${this.capacity} keys`);
      digest.copy(this.table, at);
      this.entries++;
    }
    // Stored as offset + 1 so that an all-zero slot means empty.
    this.table.writeDoubleBE(offset + 1, at + DIGEST_BYTES);
  }

  /** The latest offset recorded for `key`, or undefined. */
  get(key: Buffer): number | undefined {
    const at = this.find(digestOf(key)) * OFFSET_MAP_ENTRY_BYTES;
    return this.isEmpty(at) ? undefined : this.table.readDoubleBE(at + DIGEST_BYTES) - 1;
  }

  /** The slot holding `digest`, or the empty slot where it would go. */
  private find(digest: Buffer): number {
    let slot = digest.readUInt32BE(0) % this.slots;
    for (;;) {
      const at = slot * OFFSET_MAP_ENTRY_BYTES;
      if (this.isEmpty(at) || this.table.compare(digest, 0, DIGEST_BYTES, at, at + DIGEST_BYTES) === 0) return slot;
      slot = slot + 1 === this.slots ? 0 : slot + 1;
    }
  }

  private isEmpty(at: number): boolean {
    return this.table.readDoubleBE(at + DIGEST_BYTES) === 0;
  }
}

/** One-shot hashing: about twice as fast as a Hash object per key, the cleaner's largest cost. */
function digestOf(key: Buffer): Buffer {
  return hash('md5', key, 'buffer');
}
