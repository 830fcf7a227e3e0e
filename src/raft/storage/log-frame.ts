/**
 * On-disk framing of Raft log entries: `[payloadLength u32][crc32c(payload) u32][payload]`, with
 * payload `[index u64][term u64][type u8][data...]`, all little-endian. Decoding stops at the first
 * frame that is short, fails its CRC, or breaks the log's shape (index not contiguous, term going
 * down): everything from there on is a torn or stale tail that was never acknowledged.
 */
import { crc32c } from '@node-rs/crc32';
import type { Entry, EntryType } from '../types.js';

export const FRAME_HEADER_BYTES = 8;
const PAYLOAD_FIXED_BYTES = 17;
/** A length above this is garbage from a torn write, not a real entry. */
export const MAX_FRAME_PAYLOAD_BYTES = 256 * 1024 * 1024;

const TYPE_CODES: Record<EntryType, number> = { normal: 0, noop: 1 };
const TYPE_BY_CODE: readonly EntryType[] = ['normal', 'noop'];

export function encodeFrame(entry: Entry): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + PAYLOAD_FIXED_BYTES + entry.data.length);
  const payload = frame.subarray(FRAME_HEADER_BYTES);
  payload.writeBigUInt64LE(BigInt(entry.index), 0);
  payload.writeBigUInt64LE(BigInt(entry.term), 8);
  payload.writeUInt8(TYPE_CODES[entry.type], 16);
  payload.set(entry.data, PAYLOAD_FIXED_BYTES);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32c(payload), 4);
  return frame;
}

export interface DecodedLog {
  readonly entries: Entry[];
  /** Byte offset of each entry's frame, parallel to `entries`. */
  readonly positions: number[];
  /** Bytes of `buffer` holding whole, valid frames; anything after is a tail to cut off. */
  readonly validBytes: number;
  /** Why decoding stopped before the end of the buffer, if it did. */
  readonly stopReason?: string;
}

/** Decodes frames from the start of `buffer`, whose first byte sits at file offset `baseOffset`. */
export function decodeFrames(buffer: Buffer, baseOffset = 0): DecodedLog {
  const entries: Entry[] = [];
  const positions: number[] = [];
  let offset = 0;
  let stopReason: string | undefined;
  while (offset < buffer.length) {
    stopReason = checkFrameAt(buffer, offset);
    if (stopReason) break;
    const length = buffer.readUInt32LE(offset);
    const entry = decodePayload(buffer.subarray(offset + FRAME_HEADER_BYTES, offset + FRAME_HEADER_BYTES + length));
    stopReason = checkShape(entries[entries.length - 1], entry);
    if (stopReason) break;
    entries.push(entry);
    positions.push(baseOffset + offset);
    offset += FRAME_HEADER_BYTES + length;
  }
  return { entries, positions, validBytes: offset, ...(stopReason ? { stopReason } : {}) };
}

function checkFrameAt(buffer: Buffer, offset: number): string | undefined {
  const remaining = buffer.length - offset;
  if (remaining < FRAME_HEADER_BYTES) return `partial frame header at byte ${offset}`;
  const length = buffer.readUInt32LE(offset);
  if (length < PAYLOAD_FIXED_BYTES || length > MAX_FRAME_PAYLOAD_BYTES) return `implausible frame length ${length} at byte ${offset}`;
  if (remaining < FRAME_HEADER_BYTES + length) return `partial frame at byte ${offset}`;
  const payload = buffer.subarray(offset + FRAME_HEADER_BYTES, offset + FRAME_HEADER_BYTES + length);
  if (crc32c(payload) !== buffer.readUInt32LE(offset + 4)) return `CRC mismatch in frame at byte ${offset}`;
  const typeCode = payload.readUInt8(16);
  if (TYPE_BY_CODE[typeCode] === undefined) return `unknown entry type ${typeCode} at byte ${offset}`;
  return undefined;
}

function decodePayload(payload: Buffer): Entry {
  return {
    index: Number(payload.readBigUInt64LE(0)),
    term: Number(payload.readBigUInt64LE(8)),
    type: TYPE_BY_CODE[payload.readUInt8(16)]!,
    // Copy so the entry does not pin the whole file buffer.
    data: Uint8Array.prototype.slice.call(payload, PAYLOAD_FIXED_BYTES),
  };
}

/**
 * A valid Raft log has contiguous indexes and terms that never go down. A frame that breaks this
 * can only be a stale remnant of a suffix that was being replaced when the process died.
 */
function checkShape(previous: Entry | undefined, entry: Entry): string | undefined {
  if (!previous) return undefined;
  if (entry.index !== previous.index + 1) return `index ${entry.index} does not follow ${previous.index}`;
  if (entry.term < previous.term) return `term ${entry.term} at index ${entry.index} below the previous ${previous.term}`;
  return undefined;
}
