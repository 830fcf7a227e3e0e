/**
 * Framing of Raft log entries, on disk and in Append messages between nodes:
 * `[payloadLength u32][crc32c(payload) u32][payload]`, with payload
 * `[index u64][term u64][type u8][data...]`, all little-endian. Decoding stops at the first frame
 * that is short, fails its CRC, or breaks the log's shape (index not contiguous, term going down):
 * on disk, everything from there on is a torn or stale tail that was never acknowledged.
 */
import { crc32c } from '@node-rs/crc32';
import type { Entry, EntryType } from '../types.js';

export const FRAME_HEADER_BYTES = 8;
const PAYLOAD_FIXED_BYTES = 17;
/** A length above this is garbage from a torn write, not a real entry. */
export const MAX_FRAME_PAYLOAD_BYTES = 256 * 1024 * 1024;

const TYPE_CODES: Record<EntryType, number> = { normal: 0, noop: 1 };
const TYPE_BY_CODE: readonly EntryType[] = ['normal', 'noop'];

const TWO_32 = 2 ** 32;
const NO_FRAMES = Buffer.alloc(0);

/** The bytes `entry` takes framed. */
export function frameBytes(entry: Entry): number {
  return FRAME_HEADER_BYTES + PAYLOAD_FIXED_BYTES + entry.data.length;
}

export function encodeFrame(entry: Entry): Buffer {
  return encodeFrames([entry]);
}

/**
 * The last entries framed and their frames. A leader frames the same new entries for its own disk
 * and for each follower's append; entries are immutable, and a log cut and rebuilt holds new
 * objects, so the same first and last objects with the same count mean the same entries.
 */
let lastFramed: { first: Entry; last: Entry; count: number; frames: Buffer } | undefined;

/** Frames `entries` back to back into one buffer (one allocation however many entries). */
export function encodeFrames(entries: readonly Entry[]): Buffer {
  const first = entries[0];
  const last = entries[entries.length - 1];
  if (first === undefined || last === undefined) return NO_FRAMES;
  const memo = lastFramed;
  if (memo !== undefined && memo.first === first && memo.last === last && memo.count === entries.length) return memo.frames;
  const frames = frame(entries);
  lastFramed = { first, last, count: entries.length, frames };
  return frames;
}

function frame(entries: readonly Entry[]): Buffer {
  let total = 0;
  for (const entry of entries) total += frameBytes(entry);
  const buffer = Buffer.allocUnsafe(total);
  let at = 0;
  for (const entry of entries) {
    const payloadStart = at + FRAME_HEADER_BYTES;
    const payloadLength = PAYLOAD_FIXED_BYTES + entry.data.length;
    // Indexes and terms are safe integers: two 32-bit halves, without a BigInt per field.
    writeUInt64LE(buffer, entry.index, payloadStart);
    writeUInt64LE(buffer, entry.term, payloadStart + 8);
    buffer[payloadStart + 16] = TYPE_CODES[entry.type];
    buffer.set(entry.data, payloadStart + PAYLOAD_FIXED_BYTES);
    buffer.writeUInt32LE(payloadLength, at);
    buffer.writeUInt32LE(crc32c(buffer.subarray(payloadStart, payloadStart + payloadLength)), at + 4);
    at = payloadStart + payloadLength;
  }
  return buffer;
}

function writeUInt64LE(buffer: Buffer, value: number, at: number): void {
  buffer.writeUInt32LE(value % TWO_32, at);
  buffer.writeUInt32LE(Math.floor(value / TWO_32), at + 4);
}

function readUInt64LE(buffer: Buffer, at: number): number {
  return buffer.readUInt32LE(at) + buffer.readUInt32LE(at + 4) * TWO_32;
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
    const entry = decodePayload(buffer, offset + FRAME_HEADER_BYTES, length);
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
  const payload = offset + FRAME_HEADER_BYTES;
  if (crc32c(buffer.subarray(payload, payload + length)) !== buffer.readUInt32LE(offset + 4)) return `CRC mismatch in frame at byte ${offset}`;
  const typeCode = buffer[payload + 16]!;
  if (TYPE_BY_CODE[typeCode] === undefined) return `unknown entry type ${typeCode} at byte ${offset}`;
  // A high half of 2^21 or more puts the index or term beyond JavaScript's safe integers.
  if (buffer.readUInt32LE(payload + 4) >= 2 ** 21 || buffer.readUInt32LE(payload + 12) >= 2 ** 21) return `index or term beyond 2^53 at byte ${offset}`;
  return undefined;
}

/** The entry whose payload is `length` bytes at `at` in `buffer`. */
function decodePayload(buffer: Buffer, at: number, length: number): Entry {
  return {
    index: readUInt64LE(buffer, at),
    term: readUInt64LE(buffer, at + 8),
    type: TYPE_BY_CODE[buffer[at + 16]!]!,
    // Copy so the entry does not pin the whole file (or message) buffer.
    data: Uint8Array.prototype.slice.call(buffer, at + PAYLOAD_FIXED_BYTES, at + length),
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
