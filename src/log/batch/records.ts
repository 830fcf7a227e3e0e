/**
 * Decodes the records section of a v2 batch one record at a time. Every length is checked against
 * the bytes that remain, each record must end exactly where its length says, and the section must
 * hold exactly the header's record count with no bytes left over: any other shape is
 * CORRUPT_MESSAGE, whatever the input bytes.
 */
import { errors } from '../../common/errors.js';
import type { RecordHeader } from './build.js';
import { NO_SEQUENCE, type BatchHeader } from './layout.js';
import { readVarint, readVarlong, type ByteCursor } from './varint.js';

export interface BatchRecord {
  offset: number;
  timestamp: number;
  /** A view into the batch bytes (or its decompressed records): copy it to keep it past the batch. */
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  /** The producer's sequence number of this record; present when the batch carries one. */
  sequence?: number;
}

/**
 * The smallest possible record body: attributes, timestamp delta, offset delta, key length, value
 * length and header count, one byte each; with its length varint a record takes at least 7 bytes.
 */
export const MIN_RECORD_BODY_BYTES = 6;
export const MIN_RECORD_BYTES = MIN_RECORD_BODY_BYTES + 1;
/** A header needs at least its key length and value length. */
export const MIN_HEADER_BYTES = 2;
const INT32_MAX = 0x7fff_ffff;

/** Kafka's DefaultRecordBatch.incrementSequence: sequences wrap from int32 max to 0. */
export function sequenceAt(baseSequence: number, offsetDelta: number): number {
  if (baseSequence === NO_SEQUENCE) return NO_SEQUENCE;
  if (baseSequence > INT32_MAX - offsetDelta) return offsetDelta - (INT32_MAX - baseSequence) - 1;
  return baseSequence + offsetDelta;
}

export class RecordWalker {
  private readonly cursor: ByteCursor;
  private remaining: number;

  /** Walks `header.recordCount` records in `bytes[start, end)`. */
  constructor(
    private readonly header: BatchHeader,
    private readonly bytes: Buffer,
    start: number,
    end: number,
  ) {
    this.cursor = { pos: start, end };
    this.remaining = header.recordCount;
    if (header.recordCount < 0 || header.recordCount > (end - start) / MIN_RECORD_BYTES) {
      throw errors.corruptMessage(`${header.recordCount} records cannot fit in ${end - start} bytes`);
    }
  }

  /** The next record, or undefined once all were read and the section ended exactly. */
  next(): BatchRecord | undefined {
    return this.hasNext() ? this.readRecord() : undefined;
  }

  private hasNext(): boolean {
    if (this.remaining === 0) {
      if (this.cursor.pos !== this.cursor.end) {
        throw errors.corruptMessage(`${this.cursor.end - this.cursor.pos} bytes left after the last of ${this.header.recordCount} records`);
      }
      return false;
    }
    this.remaining--;
    return true;
  }

  private readRecord(): BatchRecord {
    const { bytes, cursor, header } = this;
    const sectionEnd = cursor.end;
    const length = readVarint(bytes, cursor);
    const recordEnd = cursor.pos + length;
    if (length < MIN_RECORD_BODY_BYTES || recordEnd > sectionEnd) {
      throw errors.corruptMessage(`record length ${length} at byte ${cursor.pos} does not fit the ${sectionEnd - cursor.pos} bytes left`);
    }
    // Every field read below is confined to this record's own bytes.
    cursor.end = recordEnd;
    cursor.pos++; // record attributes: unused by Kafka
    const timestampDelta = readVarlong(bytes, cursor);
    const offsetDelta = readVarint(bytes, cursor);
    const key = this.readNullableBytes();
    const value = this.readNullableBytes();
    const headers = this.readHeaders();
    if (cursor.pos !== recordEnd) {
      throw errors.corruptMessage(`record ends at byte ${cursor.pos}, its length says ${recordEnd}`);
    }
    cursor.end = sectionEnd;

    const timestamp = header.baseTimestamp + timestampDelta;
    if (!Number.isSafeInteger(timestamp)) throw errors.corruptMessage(`record timestamp ${timestamp} is beyond 2^53`);
    const record: BatchRecord = { offset: header.baseOffset + offsetDelta, timestamp, key, value, headers };
    if (header.baseSequence !== NO_SEQUENCE) record.sequence = sequenceAt(header.baseSequence, offsetDelta);
    return record;
  }

  private readHeaders(): RecordHeader[] {
    const { bytes, cursor } = this;
    const count = readVarint(bytes, cursor);
    if (count < 0 || count > (cursor.end - cursor.pos) / MIN_HEADER_BYTES) {
      throw errors.corruptMessage(`header count ${count} does not fit the ${cursor.end - cursor.pos} bytes left`);
    }
    const headers: RecordHeader[] = new Array<RecordHeader>(count);
    for (let i = 0; i < count; i++) {
      const keyLength = readVarint(bytes, cursor);
      if (keyLength < 0) throw errors.corruptMessage(`header key length ${keyLength} is negative`);
      const keyStart = this.take(keyLength);
      headers[i] = { key: bytes.toString('utf8', keyStart, keyStart + keyLength), value: this.readNullableBytes() };
    }
    return headers;
  }

  private readNullableBytes(): Buffer | null {
    const length = readVarint(this.bytes, this.cursor);
    if (length === -1) return null;
    if (length < -1) throw errors.corruptMessage(`byte length ${length} is negative`);
    const start = this.take(length);
    return this.bytes.subarray(start, start + length);
  }

  /** Skips `length` bytes inside the current record and returns where they start. */
  private take(length: number): number {
    const start = this.cursor.pos;
    if (length > this.cursor.end - start) {
      throw errors.corruptMessage(`${length} bytes wanted at byte ${start}, ${this.cursor.end - start} left in the record`);
    }
    this.cursor.pos = start + length;
    return start;
  }
}
