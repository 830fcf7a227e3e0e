/**
 * Kafka's checkpoint text format, used for the leader-epoch, log-start-offset and recovery-point
 * checkpoints: a version line (0), a count line, then one entry per line with space-separated
 * fields. Files are replaced atomically; a file that does not parse is reported as corrupt so the
 * caller can fall back to something safe rather than trust half of it.
 */
import { writeFileAtomically } from '../storage/atomic-write.js';
import type { Storage } from '../storage/storage.js';

export const CHECKPOINT_VERSION = 0;

export type CheckpointRead<T> = { status: 'missing' } | { status: 'corrupt'; reason: string } | { status: 'ok'; entries: T[] };

export interface EntryCodec<T> {
  format(entry: T): string;
  /** Parses one line's fields, or returns undefined if they are not a valid entry. */
  parse(fields: string[]): T | undefined;
}

export function writeCheckpoint<T>(storage: Storage, path: string, codec: EntryCodec<T>, entries: readonly T[]): void {
  const lines = [String(CHECKPOINT_VERSION), String(entries.length), ...entries.map((e) => codec.format(e))];
  writeFileAtomically(storage, path, Buffer.from(`${lines.join('\n')}\n`, 'utf8'));
}

export function readCheckpoint<T>(storage: Storage, path: string, codec: EntryCodec<T>): CheckpointRead<T> {
  const content = storage.readFile(path);
  if (content === undefined) return { status: 'missing' };
  const lines = content.toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length < 2) return { status: 'corrupt', reason: 'fewer than two header lines' };
  if (lines[0] !== String(CHECKPOINT_VERSION)) return { status: 'corrupt', reason: `unknown version ${JSON.stringify(lines[0])}` };
  const count = parseNonNegativeInt(lines[1]!);
  if (count === undefined) return { status: 'corrupt', reason: `bad entry count ${JSON.stringify(lines[1])}` };
  if (lines.length - 2 !== count) return { status: 'corrupt', reason: `expected ${count} entries, found ${lines.length - 2}` };
  const entries: T[] = [];
  for (const line of lines.slice(2)) {
    const entry = codec.parse(line.split(' '));
    if (entry === undefined) return { status: 'corrupt', reason: `bad entry ${JSON.stringify(line)}` };
    entries.push(entry);
  }
  return { status: 'ok', entries };
}

/** A decimal integer in [0, 2^53), or undefined. */
export function parseNonNegativeInt(text: string): number | undefined {
  if (!/^\d{1,16}$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** One `topic partition offset` line, as in Kafka's log-start-offset and recovery-point checkpoints. */
export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

export const partitionOffsetCodec: EntryCodec<PartitionOffset> = {
  format: (e) => `${e.topic} ${e.partition} ${e.offset}`,
  parse: (fields) => {
    if (fields.length !== 3 || fields[0] === '') return undefined;
    const partition = parseNonNegativeInt(fields[1]!);
    const offset = parseNonNegativeInt(fields[2]!);
    if (partition === undefined || offset === undefined) return undefined;
    return { topic: fields[0]!, partition, offset };
  },
};
