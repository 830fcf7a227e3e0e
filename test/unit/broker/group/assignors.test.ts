import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  assignGroup,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  rangeAssignor,
  roundRobinAssignor,
  type GroupAssignment,
} from '../../../../src/broker/group/assignors.js';
import { expectThrows } from './harness.js';

const require = createRequire(import.meta.url);
interface KafkajsProtocol {
  MemberMetadata: {
    encode(m: { version: number; topics: string[]; userData?: Buffer }): Buffer;
    decode(b: Buffer): { version: number; topics: string[]; userData: Buffer };
  };
  MemberAssignment: {
    encode(a: { version: number; assignment: Record<string, number[]>; userData?: Buffer }): Buffer;
    decode(b: Buffer): { version: number; assignment: Record<string, number[]>; userData: Buffer } | null;
  };
}
const { AssignerProtocol } = require('kafkajs') as { AssignerProtocol: KafkajsProtocol };
type KafkajsAssigner = {
  assign(g: { members: { memberId: string }[]; topics: string[] }): Promise<{ memberId: string; memberAssignment: Buffer }[]>;
};
const kafkajsRoundRobin = (require('kafkajs') as { PartitionAssigners: { roundRobin: (c: unknown) => KafkajsAssigner } }).PartitionAssigners.roundRobin;

/** Renders an assignment as Kafka's documentation writes it: C0: [t0p0, t0p1]. */
function render(assignment: GroupAssignment): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [member, topics] of assignment) out[member] = topics.flatMap(({ topic, partitions }) => partitions.map((p) => `${topic}p${p}`));
  return out;
}

const TWO_TOPICS = new Map([['t0', 3], ['t1', 3]]);

describe("Kafka's documented assignments", () => {
  it('range: C0 and C1 over t0 and t1 of 3 partitions each', () => {
    const subscriptions = [{ memberId: 'C0', topics: ['t0', 't1'] }, { memberId: 'C1', topics: ['t0', 't1'] }];
    expect(render(rangeAssignor.assign(TWO_TOPICS, subscriptions))).toEqual({
      C0: ['t0p0', 't0p1', 't1p0', 't1p1'],
      C1: ['t0p2', 't1p2'],
    });
  });

  it('round robin: the same group spreads evenly across topics', () => {
    const subscriptions = [{ memberId: 'C1', topics: ['t1', 't0'] }, { memberId: 'C0', topics: ['t0', 't1'] }];
    expect(render(roundRobinAssignor.assign(TWO_TOPICS, subscriptions))).toEqual({
      C0: ['t0p0', 't0p2', 't1p1'],
      C1: ['t0p1', 't1p0', 't1p2'],
    });
  });

  it('round robin with different subscriptions skips members not subscribed to a topic', () => {
    const partitions = new Map([['t0', 1], ['t1', 2], ['t2', 3]]);
    const subscriptions = [
      { memberId: 'C0', topics: ['t0'] },
      { memberId: 'C1', topics: ['t0', 't1'] },
      { memberId: 'C2', topics: ['t0', 't1', 't2'] },
    ];
    expect(render(roundRobinAssignor.assign(partitions, subscriptions))).toEqual({
      C0: ['t0p0'],
      C1: ['t1p0'],
      C2: ['t1p1', 't2p0', 't2p1', 't2p2'],
    });
  });

  it('range gives the extra partitions to the first members in id order and skips unknown topics', () => {
    const subscriptions = ['m3', 'm1', 'm2'].map((memberId) => ({ memberId, topics: ['orders', 'missing'] }));
    expect(render(rangeAssignor.assign(new Map([['orders', 7]]), subscriptions))).toEqual({
      m1: ['ordersp0', 'ordersp1', 'ordersp2'],
      m2: ['ordersp3', 'ordersp4'],
      m3: ['ordersp5', 'ordersp6'],
    });
  });

  it('gives every member an entry, empty when there is nothing for it', () => {
    const subscriptions = ['a', 'b', 'c'].map((memberId) => ({ memberId, topics: ['t'] }));
    for (const assignor of [rangeAssignor, roundRobinAssignor]) {
      expect(render(assignor.assign(new Map([['t', 1]]), subscriptions))).toEqual({ a: ['tp0'], b: [], c: [] });
    }
  });
});

describe('ConsumerProtocol bytes', () => {
  it('encodes a v0 subscription exactly as kafkajs does, and each side decodes the other', () => {
    const ours = encodeSubscription({ topics: ['orders', 'payments'], userData: Buffer.alloc(0) });
    const theirs = AssignerProtocol.MemberMetadata.encode({ version: 0, topics: ['orders', 'payments'] });
    expect(ours).toEqual(theirs);
    expect(decodeSubscription(theirs)).toMatchObject({ version: 0, topics: ['orders', 'payments'], userData: Buffer.alloc(0) });
    expect(AssignerProtocol.MemberMetadata.decode(encodeSubscription({ topics: ['x'], userData: Buffer.from('hi') }))).toEqual({
      version: 0, topics: ['x'], userData: Buffer.from('hi'),
    });
  });

  it('encodes an assignment exactly as kafkajs does, and each side decodes the other', () => {
    const ours = encodeAssignment({ partitions: [{ topic: 'a', partitions: [0, 2, 4] }, { topic: 'b', partitions: [1] }], userData: Buffer.alloc(0) });
    const theirs = AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: { a: [0, 2, 4], b: [1] } });
    expect(ours).toEqual(theirs);
    expect(decodeAssignment(theirs)).toEqual({ version: 0, partitions: [{ topic: 'a', partitions: [0, 2, 4] }, { topic: 'b', partitions: [1] }], userData: Buffer.alloc(0) });
    expect(AssignerProtocol.MemberAssignment.decode(encodeAssignment({ partitions: [{ topic: 'c', partitions: [3] }] }))).toMatchObject({ assignment: { c: [3] } });
  });

  it('round-trips subscriptions of versions 1 to 3 (owned partitions, generation, rack)', () => {
    const v3 = { version: 3, topics: ['t'], userData: null, ownedPartitions: [{ topic: 't', partitions: [1, 2] }], generationId: 4, rackId: 'rack-a' };
    expect(decodeSubscription(encodeSubscription(v3))).toEqual(v3);
    expect(decodeSubscription(encodeSubscription({ ...v3, version: 1 }))).toEqual({ ...v3, version: 1, generationId: -1, rackId: null });
  });

  it('reads a newer version with the newest known layout, ignoring fields added after it', () => {
    const v3 = encodeSubscription({ version: 3, topics: ['t'], rackId: 'r' });
    const v9 = Buffer.concat([v3, Buffer.from([1, 2, 3])]);
    v9.writeInt16BE(9, 0);
    expect(decodeSubscription(v9)).toMatchObject({ version: 9, topics: ['t'], rackId: 'r' });
  });

  it('reads the empty assignment the coordinator gives a member the leader left out as no partitions', () => {
    expect(decodeAssignment(Buffer.alloc(0))).toEqual({ version: 0, partitions: [], userData: null });
  });

  it('refuses truncated or forged bytes with CORRUPT_MESSAGE', () => {
    const bytes = encodeAssignment({ partitions: [{ topic: 'orders', partitions: [0, 1] }] });
    for (let n = 1; n < bytes.length; n++) expectThrows(() => decodeAssignment(bytes.subarray(0, n)), 'CORRUPT_MESSAGE');
    expectThrows(() => decodeSubscription(Buffer.from([0, 0, 0x7f, 0xff, 0xff, 0xff])), 'CORRUPT_MESSAGE');
    expectThrows(() => decodeSubscription(Buffer.from([0xff, 0xff])), 'CORRUPT_MESSAGE');
  });
});

describe('assignGroup (what the group leader does)', () => {
  it('decodes subscriptions, assigns, and encodes assignments a kafkajs member can read', () => {
    const members = ['b', 'a'].map((memberId) => ({ memberId, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics: ['orders'] }) }));
    const result = assignGroup(roundRobinAssignor, new Map([['orders', 5]]), members);
    const decoded = Object.fromEntries(result.map((r) => [r.memberId, AssignerProtocol.MemberAssignment.decode(r.assignment)!.assignment]));
    expect(decoded).toEqual({ a: { orders: [0, 2, 4] }, b: { orders: [1, 3] } });
  });

  it('agrees with kafkajs round robin when every member subscribes to the same topics', async () => {
    const topics = ['alpha', 'beta', 'gamma'];
    const counts = new Map([['alpha', 4], ['beta', 1], ['gamma', 6]]);
    const cluster = { findTopicPartitionMetadata: (t: string) => Array.from({ length: counts.get(t)! }, (_, partitionId) => ({ partitionId })) };
    const memberIds = ['m-2', 'm-0', 'm-1'];
    const theirs = await kafkajsRoundRobin({ cluster }).assign({ members: memberIds.map((memberId) => ({ memberId })), topics });
    const ours = roundRobinAssignor.assign(counts, memberIds.map((memberId) => ({ memberId, topics })));
    expect(theirs.map((t) => t.memberId).sort()).toEqual(['m-0', 'm-1', 'm-2']);
    for (const { memberId, memberAssignment } of theirs) {
      const expected = Object.fromEntries((ours.get(memberId) ?? []).map((tp) => [tp.topic, tp.partitions]));
      expect(AssignerProtocol.MemberAssignment.decode(memberAssignment)!.assignment).toEqual(expected);
    }
  });
});
