import { describe, expect, it } from 'vitest';
import { messageFromWire, messageToWire, type WireRaftMessage } from '../../../src/net/raft-codec.js';
import { serviceConstructor } from '../../../src/net/grpc.js';
import type { Message } from '../../../src/raft/types.js';

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

const samples: Message[] = [
  { type: 'PreVote', from: 1, to: 2, term: 5, lastLogIndex: 10, lastLogTerm: 4 },
  { type: 'Vote', from: 1, to: 2, term: 5, lastLogIndex: 2 ** 40, lastLogTerm: 4 },
  { type: 'PreVoteResponse', from: 2, to: 1, term: 5, granted: true },
  { type: 'VoteResponse', from: 2, to: 1, term: 5, granted: false },
  {
    type: 'Append',
    from: 1,
    to: 3,
    term: 6,
    prevLogIndex: 9,
    prevLogTerm: 5,
    commit: 8,
    entries: [
      { index: 10, term: 6, type: 'noop', data: bytes() },
      { index: 11, term: 6, type: 'normal', data: bytes(0, 1, 255) },
    ],
  },
  {
    type: 'Append',
    from: 1,
    to: 2,
    term: 2 ** 33,
    prevLogIndex: 2 ** 52,
    prevLogTerm: 2 ** 33,
    commit: 2 ** 52,
    entries: [{ index: 2 ** 52 + 1, term: 2 ** 33 + 7, type: 'normal', data: bytes(1) }],
  },
  { type: 'AppendResponse', from: 3, to: 1, term: 6, success: false, index: 11, rejectHint: 7, rejectHintTerm: 3 },
  { type: 'Heartbeat', from: 1, to: 2, term: 6, commit: 11 },
  { type: 'HeartbeatResponse', from: 2, to: 1, term: 6 },
  {
    type: 'InstallSnapshot',
    from: 1,
    to: 2,
    term: 6,
    snapshot: { meta: { index: 100, term: 5, membership: { voters: [1, 2, 3], learners: [4] } }, data: bytes(9, 8, 7) },
  },
];

/** Through real protobuf bytes, as the wire does it. */
function throughProtobuf(message: Message): Message {
  const methods = serviceConstructor('raft.proto', 'brokerlab.raft.Raft').service;
  const exchange = methods['Exchange']!;
  const encoded = exchange.requestSerialize({ messages: [messageToWire(message)] });
  const decoded = exchange.requestDeserialize(encoded) as { messages: WireRaftMessage[] };
  return messageFromWire(decoded.messages[0]!);
}

/** Comparable plain values: byte arrays (Buffer or Uint8Array) become number lists. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return [...value];
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

describe('raft message codec', () => {
  it.each(samples.map((m) => [m.type, m] as const))('round-trips %s through protobuf bytes', (_, message) => {
    expect(plain(throughProtobuf(message))).toEqual(plain(message));
  });

  it('refuses a message without a body and numbers beyond 2^53', () => {
    expect(() => messageFromWire({ from: 1, to: 2, term: '1' })).toThrow(/INVALID_REQUEST/);
    expect(() => messageFromWire({ from: 1, to: 2, term: '18014398509481984', heartbeat: { commit: 0 }, body: 'heartbeat' })).toThrow(
      /safe range/,
    );
  });
});

describe('append entries on the wire', () => {
  const entries = [5, 6, 7].map((index) => ({ index, term: 3, type: 'normal' as const, data: bytes(index, index) }));
  const append: Message = {
    type: 'Append',
    from: 1,
    to: 2,
    term: 3,
    prevLogIndex: 4,
    prevLogTerm: 3,
    commit: 4,
    entries,
  };
  const framesOf = (message: Message): Buffer => Buffer.from(messageToWire(message).append!.entry_frames);
  const withFrames = (frames: Uint8Array): WireRaftMessage => ({ ...messageToWire(append), body: 'append', append: { ...messageToWire(append).append!, entry_frames: frames } });

  it('refuses entries whose frames are damaged, cut short, or out of order', () => {
    const frames = framesOf(append);
    const flipped = Buffer.from(frames);
    flipped[frames.length - 1]! ^= 0xff;
    expect(() => messageFromWire(withFrames(flipped))).toThrow(/INVALID_REQUEST.*CRC mismatch/);
    expect(() => messageFromWire(withFrames(frames.subarray(0, frames.length - 1)))).toThrow(/INVALID_REQUEST.*partial frame/);
    const swapped = framesOf({ ...append, entries: [entries[1]!, entries[0]!] });
    expect(() => messageFromWire(withFrames(swapped))).toThrow(/INVALID_REQUEST.*does not follow/);
  });

  it('decodes a well-formed append from its frames', () => {
    const decoded = messageFromWire(withFrames(framesOf(append)));
    expect(plain(decoded)).toEqual(plain(append));
  });
});

describe('64-bit fields', () => {
  it('refuses an index of 2^53 or more arriving through protobuf, instead of rounding it', () => {
    const exchange = serviceConstructor('raft.proto', 'brokerlab.raft.Raft').service['Exchange']!;
    const wire = messageToWire({ type: 'Heartbeat', from: 1, to: 2, term: 1, commit: 0 });
    const huge = { ...wire, heartbeat: { commit: '9007199254740993' } } as unknown as WireRaftMessage;
    const decoded = exchange.requestDeserialize(exchange.requestSerialize({ messages: [huge] })) as { messages: WireRaftMessage[] };
    expect(() => messageFromWire(decoded.messages[0]!)).toThrow(/safe range/);
  });
});
