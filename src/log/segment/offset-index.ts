/**
 * The sparse offset index of one segment: entries of (offset relative to the segment's base,
 * byte position of the batch starting at that offset), one for roughly every `index.interval.bytes`
 * of log. A lookup finds the last entry at or below an offset by binary search; the reader then
 * walks batch headers forward from that position. Entries point at batch starts and are keyed by
 * the batch's base offset, so an entry can be checked against the log it indexes.
 *
 * The whole index is kept in memory in its file format (two big-endian int32 per entry). New
 * entries reach the file in chunks, not one write per batch: the index is only a hint, rebuilt by
 * recovery whenever it cannot be trusted, so its file may lag the log until the next flush.
 */
import { assert } from '../../common/errors.js';
import type { StorageFile } from '../storage/storage.js';

export const INDEX_ENTRY_BYTES = 8;
/** Pending entries written to the file in one go once this many accumulate. */
const PENDING_ENTRIES_PER_WRITE = 512;
const INITIAL_CAPACITY_ENTRIES = 64;

export interface IndexEntry {
  readonly offset: number;
  readonly position: number;
}

export class OffsetIndex {
  private entries: Buffer;
  private count = 0;
  /** How many entries the file holds; the rest are pending. */
  private persistedCount = 0;

  constructor(
    private readonly file: StorageFile,
    readonly baseOffset: number,
    /** Entries the index may hold before the segment must roll (`segment.index.bytes` / 8). */
    readonly maxEntries: number,
  ) {
    this.entries = Buffer.alloc(INITIAL_CAPACITY_ENTRIES * INDEX_ENTRY_BYTES);
  }

  /**
   * Loads the entries the file holds if they are plausible for a log of `logSizeBytes` bytes: whole
   * entries, offsets and positions strictly increasing, positions inside the log. Returns false
   * (loading nothing) otherwise, and the caller rebuilds the index from the log.
   */
  loadFromFile(logSizeBytes: number): boolean {
    const bytes = this.file.read(0, this.file.sizeBytes());
    if (bytes.length % INDEX_ENTRY_BYTES !== 0) return false;
    const n = bytes.length / INDEX_ENTRY_BYTES;
    let previousRelative = -1;
    let previousPosition = -1;
    for (let i = 0; i < n; i++) {
      const relative = bytes.readInt32BE(i * INDEX_ENTRY_BYTES);
      const position = bytes.readInt32BE(i * INDEX_ENTRY_BYTES + 4);
      if (relative <= previousRelative || position <= previousPosition || position >= logSizeBytes) return false;
      previousRelative = relative;
      previousPosition = position;
    }
    this.entries = bytes.length > 0 ? bytes : this.entries;
    this.count = n;
    this.persistedCount = n;
    return true;
  }

  entryCount(): number {
    return this.count;
  }

  isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  entryAt(i: number): IndexEntry {
    assert(i >= 0 && i < this.count, `index entry ${i} out of ${this.count}`);
    return {
      offset: this.baseOffset + this.entries.readInt32BE(i * INDEX_ENTRY_BYTES),
      position: this.entries.readInt32BE(i * INDEX_ENTRY_BYTES + 4),
    };
  }

  lastEntry(): IndexEntry | undefined {
    return this.count === 0 ? undefined : this.entryAt(this.count - 1);
  }

  append(offset: number, position: number): void {
    const relative = offset - this.baseOffset;
    assert(relative >= 0 && relative <= 0x7fff_ffff, `offset ${offset} not relative to base ${this.baseOffset}`);
    assert(!this.isFull(), `index of segment ${this.baseOffset} is full`);
    const last = this.lastEntry();
    assert(!last || (offset > last.offset && position > last.position), `index entry (${offset}, ${position}) not after ${JSON.stringify(last)}`);
    this.ensureCapacity(this.count + 1);
    this.entries.writeInt32BE(relative, this.count * INDEX_ENTRY_BYTES);
    this.entries.writeInt32BE(position, this.count * INDEX_ENTRY_BYTES + 4);
    this.count++;
    if (this.count - this.persistedCount >= PENDING_ENTRIES_PER_WRITE) this.writePending();
  }

  /** The last entry at or below `offset`, or the segment start if there is none. */
  lookup(offset: number): IndexEntry {
    let lo = 0;
    let hi = this.count;
    const relative = offset - this.baseOffset;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries.readInt32BE(mid * INDEX_ENTRY_BYTES) <= relative) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? { offset: this.baseOffset, position: 0 } : this.entryAt(lo - 1);
  }

  /** Removes every entry for an offset >= `offset`. */
  truncateTo(offset: number): void {
    let keep = this.count;
    while (keep > 0 && this.entryAt(keep - 1).offset >= offset) keep--;
    this.truncateEntries(keep);
  }

  /** Drops every entry, in memory and in the file (whatever the file held, loaded or not). */
  reset(): void {
    this.count = 0;
    this.persistedCount = 0;
    this.file.truncate(0);
  }

  /** Writes entries not yet in the file. */
  writePending(): void {
    if (this.persistedCount === this.count) return;
    this.file.append(this.entries.subarray(this.persistedCount * INDEX_ENTRY_BYTES, this.count * INDEX_ENTRY_BYTES));
    this.persistedCount = this.count;
  }

  /** Writes pending entries and makes the file durable. */
  sync(): void {
    this.writePending();
    this.file.sync();
  }

  close(): void {
    this.writePending();
    this.file.close();
  }

  private truncateEntries(keep: number): void {
    this.count = keep;
    if (this.persistedCount > keep) {
      this.file.truncate(keep * INDEX_ENTRY_BYTES);
      this.persistedCount = keep;
    }
  }

  private ensureCapacity(entries: number): void {
    if (entries * INDEX_ENTRY_BYTES <= this.entries.length) return;
    const grown = Buffer.alloc(Math.max(entries, (this.entries.length / INDEX_ENTRY_BYTES) * 2) * INDEX_ENTRY_BYTES);
    this.entries.copy(grown, 0, 0, this.count * INDEX_ENTRY_BYTES);
    this.entries = grown;
  }
}
