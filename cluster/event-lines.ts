/**
 * Reading a node's pino JSON log for event records without loading it whole: logs grow to
 * hundreds of megabytes in a soak run while events are a few lines among them, so the file is
 * scanned in chunks (backwards when only the newest events are wanted) and only lines carrying
 * an `"event":` field are parsed.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** One parsed log record that carries an `event` field. */
export interface EventRecord {
  [key: string]: unknown;
  event: string;
  time: number;
}

const CHUNK_BYTES = 256 * 1024;
const NEWLINE = 0x0a;
// Cheap test before JSON.parse: pino writes `"event":"kind"` verbatim.
const EVENT_MARKER = '"event":"';
// Where a record starts inside a line that a killed process left half-written and a restarted
// one continued: pino's first key is always `level`.
const RECORD_START = '{"level":';

/** The event record in one log line, or undefined (no event, torn or not JSON). */
export function parseEventLine(line: string): EventRecord | undefined {
  if (!line.includes(EVENT_MARKER)) return undefined;
  const parsed = tryParse(line) ?? tryParse(line.slice(Math.max(0, line.lastIndexOf(RECORD_START))));
  if (!parsed || typeof parsed.event !== 'string' || typeof parsed.time !== 'number') return undefined;
  return parsed as EventRecord;
}

function tryParse(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The event records of `path[0, end)`, newest first, walking backwards chunk by chunk. `visit`
 * returns false to stop early (enough records, or older than wanted), so reading the tail of a
 * huge file costs only the tail.
 */
export function scanEventsBackwards(path: string, end: number, visit: (record: EventRecord) => boolean): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return; // a node that never wrote a log, or one removed meanwhile
  }
  try {
    let position = end;
    let carry: Buffer = Buffer.alloc(0); // the start of a line whose beginning lies in an earlier chunk
    while (position > 0) {
      const size = Math.min(CHUNK_BYTES, position);
      position -= size;
      const chunk = Buffer.alloc(size);
      const read = readSync(fd, chunk, 0, size, position);
      const bytes = carry.length > 0 ? Buffer.concat([chunk.subarray(0, read), carry]) : chunk.subarray(0, read);
      // Splitting on the newline byte is safe in UTF-8: it never occurs inside a multi-byte character.
      let lineEnd = bytes.length;
      for (let i = bytes.length - 1; i >= 0; i--) {
        if (bytes[i] !== NEWLINE) continue;
        if (!visitLine(bytes.subarray(i + 1, lineEnd), visit)) return;
        lineEnd = i;
      }
      carry = Buffer.from(bytes.subarray(0, lineEnd));
    }
    visitLine(carry, visit);
  } finally {
    closeSync(fd);
  }
}

function visitLine(bytes: Buffer, visit: (record: EventRecord) => boolean): boolean {
  if (bytes.length === 0) return true;
  const record = parseEventLine(bytes.toString('utf8'));
  return record ? visit(record) : true;
}

/**
 * The event records in the complete lines of `path[from, to)`, reading at most `maxBytes`, and
 * the offset after the last complete line read: a line still being written is left for the next
 * call.
 */
export function readEventsForward(path: string, from: number, to: number, maxBytes: number): { records: EventRecord[]; next: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { records: [], next: from };
  }
  try {
    const want = Math.max(0, Math.min(to - from, maxBytes));
    const buffer = Buffer.alloc(want);
    const read = want > 0 ? readSync(fd, buffer, 0, want, from) : 0;
    const lastNewline = buffer.subarray(0, read).lastIndexOf(NEWLINE);
    if (lastNewline < 0) {
      // One line longer than maxBytes would stall the follower; skip past it instead.
      return { records: [], next: read === maxBytes ? from + read : from };
    }
    const records: EventRecord[] = [];
    for (const line of buffer.subarray(0, lastNewline).toString('utf8').split('\n')) {
      const record = parseEventLine(line);
      if (record) records.push(record);
    }
    return { records, next: from + lastNewline + 1 };
  } finally {
    closeSync(fd);
  }
}
