import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/common/random.js';
import { RaftCore } from '../../../src/raft/core.js';
import type { AppendResponse, Message, NodeId } from '../../../src/raft/types.js';
import { DurableState } from '../../../src/sim/durable-state.js';
import { Harness, bytes } from './harness.js';
import { drain, logOf, makeCore } from './single-core.js';

function appendsTo(messages: Message[], to: NodeId): Message[] {
  return messages.filter((m) => m.type === 'Append' && m.to === to);
}

describe('log replication', () => {
  it('replicates proposals to every follower and applies them in order', () => {
    const h = new Harness({ voters: [1, 2, 3] });
    h.elect(1);
    for (const text of ['a', 'b', 'c']) h.node(1).propose(bytes(text));
    h.flush();
    for (const id of [1, 2, 3]) expect(h.appliedData(id)).toEqual(['a', 'b', 'c']);
  });

  it('sends each follower one append for proposals made together, at consecutive indexes', () => {
    const h = new Harness({ voters: [1, 2, 3] });
    h.elect(1);
    const before = h.sent.length;
    const first = h.node(1).proposeAll(['a', 'b', 'c'].map(bytes));
    expect(first.index).toBe(h.node(1).lastIndex() - 2);
    h.collect();
    const sent = h.sent.slice(before);
    for (const to of [2, 3] as const) {
      const appends = appendsTo(sent, to);
      expect(appends).toHaveLength(1);
      expect(appends[0]!.type === 'Append' && appends[0]!.entries.map((e) => e.index)).toEqual([first.index, first.index + 1, first.index + 2]);
    }
    h.flush();
    for (const id of [1, 2, 3]) expect(h.appliedData(id)).toEqual(['a', 'b', 'c']);
  });

  it('backs off past a whole diverging term per round trip instead of one entry at a time', () => {
    // Leader-to-be 1 and node 3 hold 1 1 1 then fifty entries of term 3; node 2 has fifty of term 2.
    const leaderLog = [1, 1, 1, ...Array<number>(50).fill(3)];
    const divergentLog = [1, 1, 1, ...Array<number>(50).fill(2)];
    const h = new Harness({ voters: [1, 2, 3], preVote: false });
    const setups: Record<number, number[]> = { 1: leaderLog, 2: divergentLog, 3: leaderLog };
    for (const id of [1, 2, 3]) {
      const disk = new DurableState();
      disk.persist({ entries: logOf(setups[id]!), hardState: { term: 3, vote: 0, commit: 3 }, messages: [], committed: [] });
      h.durable.set(id, disk);
      h.start(id);
    }
    h.elect(1);
    expect(h.leaders()).toEqual([1]);
    h.tickAll(3);
    const rejections = h.sent.filter((m): m is AppendResponse => m.type === 'AppendResponse' && m.from === 2 && !m.success);
    expect(rejections.length).toBeGreaterThan(0);
    expect(rejections.length).toBeLessThanOrEqual(2);
    expect(h.node(2).entryAt(53)!.term).toBe(3);
    expect(h.node(2).commitIndex()).toBe(54);
  });

  it('keeps at most maxInflightAppends unacknowledged appends per follower, then resumes', () => {
    const h = new Harness({ voters: [1, 2, 3], maxInflightAppends: 3, maxEntriesPerAppend: 1 });
    h.elect(1);
    h.cut(2, 1); // node 2 receives appends but its answers are lost
    const before = h.sent.length;
    for (let i = 0; i < 10; i++) h.node(1).propose(bytes(`e${i}`));
    h.flush();
    const appendsWithEntries = appendsTo(h.sent.slice(before), 2).filter((m) => m.type === 'Append' && m.entries.length > 0);
    expect(appendsWithEntries).toHaveLength(3);
    // Node 3 kept the quorum going meanwhile.
    expect(h.appliedData(3)).toHaveLength(10);
    h.heal();
    h.tickAll(5);
    expect(h.appliedData(2)).toHaveLength(10);
  });

  it('a leader counts its own entries toward commit only once the driver persisted them', () => {
    const cores = new Map<NodeId, RaftCore>();
    for (const id of [1, 2, 3]) cores.set(id, makeCore({ id }));
    const deliver = (messages: readonly Message[], except: NodeId[] = []) => {
      for (const m of messages) if (!except.includes(m.to)) cores.get(m.to)!.step(m);
    };
    const leader = cores.get(1)!;
    leader.campaign();
    // Run the election to completion with every node persisting promptly.
    for (let round = 0; round < 10; round++) {
      for (const core of cores.values()) if (core.hasReady()) deliver(drain(core).messages);
    }
    expect(leader.role()).toBe('leader');
    const { index } = leader.propose(bytes('x'));
    const unpersisted = leader.ready(); // the leader's disk write is still in progress
    expect(unpersisted.entries.map((e) => e.index)).toEqual([index]);
    deliver(unpersisted.messages, [3]);
    deliver(drain(cores.get(2)!).messages);
    // One follower has it on disk; the leader's own copy does not count yet.
    expect(leader.commitIndex()).toBeLessThan(index);
    leader.advance();
    expect(leader.commitIndex()).toBe(index);
    expect(leader.ready().committed.map((e) => e.index)).toEqual([index]);
  });

  it('a single voter commits its own proposals after persisting them', () => {
    const core = makeCore({ id: 1, voters: [1] });
    core.campaign();
    expect(core.role()).toBe('leader');
    const { index } = core.propose(bytes('solo'));
    expect(core.commitIndex()).toBeLessThan(index);
    drain(core);
    expect(core.commitIndex()).toBe(index);
    // The election's no-op commits along with the proposal.
    expect(drain(core).committed.map((e) => e.index)).toEqual([index - 1, index]);
  });

  it('advance() acknowledges only what the last ready() handed out', () => {
    const follower = makeCore({ id: 2, hardState: { term: 1 } });
    const append = (prevLogIndex: number, terms: number[]): Message => ({
      type: 'Append', from: 1, to: 2, term: 1, prevLogIndex, prevLogTerm: prevLogIndex === 0 ? 0 : 1, entries: logOf(terms, prevLogIndex + 1), commit: 0,
    });
    follower.step(append(0, [1, 1]));
    const first = follower.ready();
    expect(first.entries.map((e) => e.index)).toEqual([1, 2]);
    follower.step(append(2, [1]));
    follower.advance();
    const second = follower.ready();
    expect(second.entries.map((e) => e.index)).toEqual([3]);
    expect(second.messages).toEqual([expect.objectContaining({ type: 'AppendResponse', index: 3 })]);
  });

  it('ignores messages addressed to another node', () => {
    const core = makeCore({ id: 1 });
    core.step({ type: 'Vote', from: 2, to: 3, term: 5, lastLogIndex: 0, lastLogTerm: 0 });
    expect(core.term()).toBe(0);
    expect(core.hasReady()).toBe(false);
  });
});

describe("the commit rule (Raft's Figure 8)", () => {
  /**
   * Five nodes. Node 1 holds index 2 from term 2; node 5 holds index 2 from term 3 (a leader of term
   * 3 that crashed). Node 1 wins term 4 with votes from 2 and 3 and copies its term-2 entry to them,
   * while its term-4 no-op is held back: a majority (1, 2, 3) now holds the term-2 entry, yet it is
   * not committed, because node 5 can still win with votes from 2, 3 and 4 and overwrite it.
   */
  function figure8(): { h: Harness; heldNoops: Message[] } {
    const h = new Harness({ voters: [1, 2, 3, 4, 5], maxEntriesPerAppend: 1, preVote: false, checkQuorum: false });
    const logs: Record<number, number[]> = { 1: [1, 2], 2: [1], 3: [1], 4: [1], 5: [1, 3] };
    for (const id of [1, 2, 3, 4, 5]) {
      const disk = new DurableState();
      disk.persist({ entries: logOf(logs[id]!), hardState: { term: 3, vote: id >= 3 ? 5 : 0, commit: 1 }, messages: [], committed: [] });
      h.durable.set(id, disk);
      h.start(id);
    }
    h.cut(1, 4);
    h.cut(1, 5);
    h.node(1).campaign();
    const heldNoops: Message[] = [];
    h.collect();
    for (let guard = 0; guard < 1000; guard++) {
      const queued = h.takeQueued();
      if (queued.length === 0) break;
      for (const m of queued) {
        const accepted = m.type === 'Append' && m.entries.some((e) => e.term === 4) && h.node(m.to).lastIndex() >= 2;
        if (accepted) heldNoops.push(m);
        else h.deliver(m);
      }
      h.collect();
    }
    return { h, heldNoops };
  }

  it('does not commit an older term entry that a majority holds', () => {
    const { h, heldNoops } = figure8();
    expect(h.node(1).role()).toBe('leader');
    expect(h.node(1).term()).toBe(4);
    expect(heldNoops.map((m) => m.to)).toEqual([2, 3]);
    for (const id of [1, 2, 3]) expect(h.node(id).entryAt(2)?.term).toBe(2);
    expect(h.node(1).commitIndex()).toBe(1);

    // Node 1 crashes; node 5 wins term 5 with votes from 2, 3 and 4 and overwrites index 2, as it may.
    h.isolate(1);
    h.node(5).campaign();
    h.flush();
    h.node(5).campaign();
    h.flush();
    expect(h.node(5).role()).toBe('leader');
    expect(h.node(5).term()).toBe(5);
    for (const id of [2, 3, 4, 5]) expect(h.node(id).entryAt(2)?.term).toBe(3);
  });

  it('commits it together with the current term no-op once that reaches a majority', () => {
    const { h, heldNoops } = figure8();
    for (const m of heldNoops) h.deliver(m);
    h.flush();
    expect(h.node(1).commitIndex()).toBe(3);
    // Now node 5 cannot win: nodes 2 and 3 hold a newer log.
    h.isolate(1);
    for (let attempt = 0; attempt < 3; attempt++) {
      h.node(5).campaign();
      h.flush();
    }
    expect(h.node(5).role()).not.toBe('leader');
    expect(h.node(3).entryAt(2)?.term).toBe(2);
  });
});

describe('randomness', () => {
  it('draws election timeouts only from the configured Random', () => {
    const timeouts = (seed: number) => {
      const core = new RaftCore({ id: 1, voters: [1, 2, 3], electionTicks: 10, heartbeatTicks: 1, random: new SeededRandom(seed) }, { hardState: { term: 0, vote: 0, commit: 0 }, entries: [] });
      let ticks = 0;
      while (core.role() === 'follower') {
        core.tick();
        ticks++;
      }
      return ticks;
    };
    expect(timeouts(3)).toBe(timeouts(3));
  });
});
