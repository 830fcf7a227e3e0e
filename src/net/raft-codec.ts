/**
 * Raft messages to and from their protobuf shape (proto/raft.proto, loaded with PROTO_OPTIONS):
 * the message kind is the `oneof body` field that is set; an append's entries travel as one bytes
 * field of log frames (src/raft/storage/log-frame.ts). Decoding checks the kind, the numbers and
 * each frame's CRC and order, so a malformed message is refused, not half-applied.
 */
import { errors } from '../common/errors.js';
import { decodeFrames, encodeFrames } from '../raft/storage/log-frame.js';
import type { Entry, Message, Snapshot } from '../raft/types.js';
import { asBuffer, toSafeInteger } from './grpc.js';

type WireLong = string | number;

/** A RaftMessage as protobufjs accepts it for encoding and produces on decoding. */
export interface WireRaftMessage {
  from: number;
  to: number;
  term: WireLong;
  body?: string;
  pre_vote?: { last_log_index: WireLong; last_log_term: WireLong };
  vote?: { last_log_index: WireLong; last_log_term: WireLong };
  pre_vote_response?: { granted: boolean };
  vote_response?: { granted: boolean };
  append?: { prev_log_index: WireLong; prev_log_term: WireLong; entry_frames: Uint8Array; commit: WireLong };
  append_response?: { success: boolean; index: WireLong; reject_hint: WireLong; reject_hint_term: WireLong };
  heartbeat?: { commit: WireLong };
  heartbeat_response?: Record<string, never>;
  install_snapshot?: {
    meta: { index: WireLong; term: WireLong; voters: number[]; learners: number[] } | null;
    data: Uint8Array;
  };
}

export interface WireRaftBatch {
  messages: WireRaftMessage[];
}

// Messages are built field by field, without object spread: spread costs microseconds per
// message on V8 here, and every Raft message passes through these functions.
export function messageToWire(message: Message): WireRaftMessage {
  const { from, to, term } = message;
  switch (message.type) {
    case 'PreVote':
      return { from, to, term, pre_vote: { last_log_index: message.lastLogIndex, last_log_term: message.lastLogTerm } };
    case 'Vote':
      return { from, to, term, vote: { last_log_index: message.lastLogIndex, last_log_term: message.lastLogTerm } };
    case 'PreVoteResponse':
      return { from, to, term, pre_vote_response: { granted: message.granted } };
    case 'VoteResponse':
      return { from, to, term, vote_response: { granted: message.granted } };
    case 'Append':
      return {
        from,
        to,
        term,
        append: {
          prev_log_index: message.prevLogIndex,
          prev_log_term: message.prevLogTerm,
          entry_frames: encodeFrames(message.entries),
          commit: message.commit,
        },
      };
    case 'AppendResponse':
      return {
        from,
        to,
        term,
        append_response: {
          success: message.success,
          index: message.index,
          reject_hint: message.rejectHint,
          reject_hint_term: message.rejectHintTerm,
        },
      };
    case 'Heartbeat':
      return { from, to, term, heartbeat: { commit: message.commit } };
    case 'HeartbeatResponse':
      return { from, to, term, heartbeat_response: {} };
    case 'InstallSnapshot':
      return { from, to, term, install_snapshot: snapshotToWire(message.snapshot) };
  }
}

export function messageFromWire(wire: WireRaftMessage): Message {
  const from = wire.from;
  const to = wire.to;
  const term = toSafeInteger(wire.term);
  const n = toSafeInteger;
  switch (wire.body) {
    case 'pre_vote':
    case 'vote': {
      const body = required(wire[wire.body], wire.body);
      const type = wire.body === 'vote' ? 'Vote' : 'PreVote';
      return { from, to, term, type, lastLogIndex: n(body.last_log_index), lastLogTerm: n(body.last_log_term) };
    }
    case 'pre_vote_response':
    case 'vote_response': {
      const body = required(wire[wire.body], wire.body);
      return { from, to, term, type: wire.body === 'vote_response' ? 'VoteResponse' : 'PreVoteResponse', granted: body.granted };
    }
    case 'append': {
      const body = required(wire.append, 'append');
      return {
        from,
        to,
        term,
        type: 'Append',
        prevLogIndex: n(body.prev_log_index),
        prevLogTerm: n(body.prev_log_term),
        entries: entriesFromWire(body.entry_frames),
        commit: n(body.commit),
      };
    }
    case 'append_response': {
      const body = required(wire.append_response, 'append_response');
      return {
        from,
        to,
        term,
        type: 'AppendResponse',
        success: body.success,
        index: n(body.index),
        rejectHint: n(body.reject_hint),
        rejectHintTerm: n(body.reject_hint_term),
      };
    }
    case 'heartbeat':
      return { from, to, term, type: 'Heartbeat', commit: n(required(wire.heartbeat, 'heartbeat').commit) };
    case 'heartbeat_response':
      return { from, to, term, type: 'HeartbeatResponse' };
    case 'install_snapshot':
      return { from, to, term, type: 'InstallSnapshot', snapshot: snapshotFromWire(required(wire.install_snapshot, 'install_snapshot')) };
    default:
      throw errors.invalidRequest(`raft message without a known body (${String(wire.body)})`);
  }
}

function entriesFromWire(frames: Uint8Array | null | undefined): Entry[] {
  if (!frames || frames.length === 0) return [];
  const decoded = decodeFrames(asBuffer(frames));
  if (decoded.stopReason !== undefined) throw errors.invalidRequest(`raft append with malformed entries: ${decoded.stopReason}`);
  return decoded.entries;
}

function snapshotToWire(snapshot: Snapshot): NonNullable<WireRaftMessage['install_snapshot']> {
  const { index, term, membership } = snapshot.meta;
  return { meta: { index, term, voters: [...membership.voters], learners: [...membership.learners] }, data: asBuffer(snapshot.data) };
}

function snapshotFromWire(wire: NonNullable<WireRaftMessage['install_snapshot']>): Snapshot {
  const meta = required(wire.meta, 'install_snapshot.meta');
  return {
    meta: {
      index: toSafeInteger(meta.index),
      term: toSafeInteger(meta.term),
      membership: { voters: meta.voters ?? [], learners: meta.learners ?? [] },
    },
    data: wire.data ?? new Uint8Array(0),
  };
}

function required<T>(value: T | null | undefined, field: string): T {
  if (value === null || value === undefined) throw errors.invalidRequest(`raft message is missing ${field}`);
  return value;
}
