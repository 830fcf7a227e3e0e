/**
 * Encodings of the hard state and the snapshot files' payloads (the CRC framing is durable-file's).
 * The hard state is small JSON; a snapshot is `[metaLength u32][meta JSON][data]` so the
 * application's bytes are stored as they are.
 */
import { errors } from '../../common/errors.js';
import type { HardState, Snapshot, SnapshotMeta } from '../types.js';

export function encodeHardState(state: HardState): Buffer {
  return Buffer.from(JSON.stringify({ term: state.term, vote: state.vote, commit: state.commit }));
}

export function decodeHardState(bytes: Buffer): HardState {
  const parsed = parseJson(bytes, 'hardstate') as Partial<HardState>;
  const { term, vote, commit } = parsed;
  if (!isCount(term) || !isCount(vote) || !isCount(commit)) throw errors.kafkaStorageError('hardstate: missing or invalid fields');
  return { term, vote, commit };
}

export function encodeSnapshot(snapshot: Snapshot): Buffer {
  const { index, term, membership } = snapshot.meta;
  const meta = Buffer.from(JSON.stringify({ index, term, voters: membership.voters, learners: membership.learners }));
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32LE(meta.length, 0);
  return Buffer.concat([header, meta, snapshot.data]);
}

export function decodeSnapshot(bytes: Buffer): Snapshot {
  if (bytes.length < 4) throw errors.kafkaStorageError('snapshot: truncated');
  const metaLength = bytes.readUInt32LE(0);
  if (bytes.length < 4 + metaLength) throw errors.kafkaStorageError('snapshot: truncated metadata');
  const parsed = parseJson(bytes.subarray(4, 4 + metaLength), 'snapshot') as { index?: unknown; term?: unknown; voters?: unknown; learners?: unknown };
  if (!isCount(parsed.index) || !isCount(parsed.term) || !isIdList(parsed.voters) || !isIdList(parsed.learners)) {
    throw errors.kafkaStorageError('snapshot: invalid metadata');
  }
  const meta: SnapshotMeta = { index: parsed.index, term: parsed.term, membership: { voters: parsed.voters, learners: parsed.learners } };
  return { meta, data: Uint8Array.prototype.slice.call(bytes, 4 + metaLength) };
}

function parseJson(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw errors.kafkaStorageError(`${what}: not valid JSON`);
  }
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isIdList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every(isCount);
}
