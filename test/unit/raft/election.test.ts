import { describe, expect, it } from 'vitest';
import type { Message, VoteResponse } from '../../../src/raft/types.js';
import { Harness, bytes } from './harness.js';
import { drainMessages, makeCore } from './single-core.js';

function voteFrom(from: number, term: number, lastLogIndex: number, lastLogTerm: number, type: 'Vote' | 'PreVote' = 'Vote'): Message {
  return { type, from, to: 1, term, lastLogIndex, lastLogTerm };
}

function answers(messages: Message[]): Array<Pick<VoteResponse, 'type' | 'to' | 'term' | 'granted'>> {
  return messages
    .filter((m): m is VoteResponse => m.type === 'VoteResponse' || m.type === 'PreVoteResponse')
    .map(({ type, to, term, granted }) => ({ type, to, term, granted }));
}

describe('leader election', () => {
  it('a node that has just started campaigns within [1, electionTicks] ticks and wins', () => {
    const firstTimeouts = new Set<number>();
    for (let seed = 1; seed <= 20; seed++) {
      const h = new Harness({ voters: [1, 2, 3], electionTicks: 10, seed });
      let ticks = 0;
      while (h.node(1).role() === 'follower') {
        h.tick(1);
        ticks++;
      }
      expect(ticks).toBeGreaterThanOrEqual(1);
      expect(ticks).toBeLessThanOrEqual(10);
      firstTimeouts.add(ticks);
      // The pre-vote round does not touch the term.
      expect(h.node(1).role()).toBe('precandidate');
      expect(h.node(1).term()).toBe(0);
      h.flush();
      expect(h.leaders()).toEqual([1]);
      expect(h.node(1).term()).toBe(1);
      for (const id of [2, 3]) expect(h.node(id).leader()).toBe(1);
    }
    // Randomized, so three nodes started together rarely campaign in the same tick.
    expect(firstTimeouts.size).toBeGreaterThan(3);
  });

  it('after losing its leader, a follower campaigns after a randomized timeout in [electionTicks, 2*electionTicks)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const h = new Harness({ voters: [1, 2, 3], electionTicks: 10, seed });
      h.elect(1);
      h.isolate(1);
      let ticks = 0;
      while (h.node(2).role() === 'follower') {
        h.tick(2);
        ticks++;
      }
      expect(ticks).toBeGreaterThanOrEqual(10);
      expect(ticks).toBeLessThan(20);
    }
  });

  it("a node restarting into a live quorum campaigns early without disturbing the leader its peers hear from", () => {
    const h = new Harness({ voters: [1, 2, 3], electionTicks: 10, seed: 7 });
    h.elect(1);
    h.start(3);
    // Its early pre-vote reaches peers inside the leader's lease: they ignore it.
    h.isolate(1);
    h.node(3).campaign();
    h.flush();
    h.heal();
    expect(h.node(3).term()).toBe(1);
    expect(h.node(2).term()).toBe(1);
    h.tickAll(3);
    expect(h.leaders()).toEqual([1]);
    expect(h.node(3).leader()).toBe(1);
  });

  it('followers that lose their connection to the leader elect a new one within half an election timeout', () => {
    const ticksToLeader: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const h = new Harness({ voters: [1, 2, 3], electionTicks: 10, seed });
      h.elect(1);
      h.isolate(1);
      h.node(2).peerLost(1);
      h.node(3).peerLost(1);
      let ticks = 0;
      while (![2, 3].some((id) => h.node(id).role() === 'leader') && ticks < 40) {
        h.tick(2);
        h.tick(3);
        h.flush();
        ticks++;
      }
      ticksToLeader.push(ticks);
    }
    // A new leader every time; at once unless both campaigned in the same tick and split the vote.
    expect(Math.max(...ticksToLeader)).toBeLessThan(40);
    expect(ticksToLeader.filter((t) => t <= 5).length).toBeGreaterThanOrEqual(15);
  });

  it('two followers that pre-campaign at once do not split the vote: the higher id steps aside', () => {
    const h = new Harness({ voters: [1, 2, 3], electionTicks: 10, seed: 11 });
    h.elect(1);
    h.isolate(1);
    h.node(2).peerLost(1);
    h.node(3).peerLost(1);
    h.node(2).campaign();
    h.node(3).campaign();
    h.flush();
    expect(h.leaders()).toContain(2);
    expect(h.node(3).leader()).toBe(2);
  });

  it('a follower alone losing its connection to a live leader disturbs nothing', () => {
    const h = new Harness({ voters: [1, 2, 3], electionTicks: 10, seed: 3 });
    h.elect(1);
    h.cut(1, 2);
    h.cut(2, 1);
    h.node(2).peerLost(1);
    h.tick(2, 3);
    h.flush();
    // Its pre-vote reached node 3, which still hears the leader and ignores it.
    expect(h.node(1).role()).toBe('leader');
    expect(h.node(3).term()).toBe(1);
    expect(h.node(1).term()).toBe(1);
  });

  it('losing the connection to a peer that is not the leader changes nothing', () => {
    const h = new Harness({ voters: [1, 2, 3], electionTicks: 10, seed: 5 });
    h.elect(1);
    h.node(2).peerLost(3);
    h.tick(2, 3);
    expect(h.node(2).role()).toBe('follower');
  });

  it('a new leader commits a no-op of its term, which also commits the entries before it', () => {
    const h = new Harness({ voters: [1, 2, 3] });
    h.elect(1);
    h.node(1).propose(bytes('x'));
    h.flush();
    h.isolate(1);
    while (h.node(2).role() !== 'leader' && h.node(3).role() !== 'leader') {
      h.tick(2);
      h.tick(3);
      h.flush();
    }
    h.tickAll(2);
    const applied = h.applied.get(h.node(2).role() === 'leader' ? 3 : 2)!;
    expect(applied.map((e) => [e.type, e.term])).toEqual([
      ['noop', 1],
      ['normal', 1],
      ['noop', 2],
    ]);
  });

  it('randomized timeouts spread the campaigns of different nodes', () => {
    const h = new Harness({ voters: [1, 2, 3, 4, 5], electionTicks: 10, seed: 7 });
    const firstCampaign = new Map<number, number>();
    for (let tick = 1; tick < 20; tick++) {
      for (const id of h.members()) {
        h.tick(id);
        if (h.node(id).role() !== 'follower' && !firstCampaign.has(id)) firstCampaign.set(id, tick);
      }
    }
    expect(new Set(firstCampaign.values()).size).toBeGreaterThan(1);
  });
});

describe('vote rules', () => {
  it('grants one vote per term, repeats it to the same candidate, and persists it before answering', () => {
    const core = makeCore({ id: 1, voters: [1, 2, 3] });
    core.step(voteFrom(2, 1, 0, 0));
    const ready = core.ready();
    expect(ready.hardState).toEqual({ term: 1, vote: 2, commit: 0 });
    expect(answers([...ready.messages])).toEqual([{ type: 'VoteResponse', to: 2, term: 1, granted: true }]);
    core.advance();
    core.step(voteFrom(3, 1, 0, 0));
    core.step(voteFrom(2, 1, 0, 0));
    expect(answers(drainMessages(core))).toEqual([
      { type: 'VoteResponse', to: 3, term: 1, granted: false },
      { type: 'VoteResponse', to: 2, term: 1, granted: true },
    ]);
  });

  it('votes only for a log at least as up to date: a higher last term, or the same term and as long', () => {
    const core = makeCore({ id: 1, voters: [1, 2, 3, 4, 5], logTerms: [1, 2, 2] });
    core.step(voteFrom(2, 3, 2, 2)); // same last term, shorter
    core.step(voteFrom(3, 3, 9, 1)); // longer, older last term
    core.step(voteFrom(4, 3, 1, 3)); // shorter, newer last term
    expect(answers(drainMessages(core))).toEqual([
      { type: 'VoteResponse', to: 2, term: 3, granted: false },
      { type: 'VoteResponse', to: 3, term: 3, granted: false },
      { type: 'VoteResponse', to: 4, term: 3, granted: true },
    ]);
  });

  it('answers a pre-vote in the asked term without changing its own term or vote', () => {
    const core = makeCore({ id: 1, voters: [1, 2, 3], hardState: { term: 2, vote: 3 } });
    core.step(voteFrom(2, 3, 0, 0, 'PreVote'));
    const ready = core.ready();
    expect(ready.hardState).toBeUndefined();
    expect(answers([...ready.messages])).toEqual([{ type: 'PreVoteResponse', to: 2, term: 3, granted: true }]);
    expect(core.term()).toBe(2);
  });

  it('refuses a pre-vote from a lower term with its own term, so the pre-candidate catches up', () => {
    const core = makeCore({ id: 1, voters: [1, 2, 3], hardState: { term: 5 } });
    core.step(voteFrom(2, 3, 0, 0, 'PreVote'));
    expect(answers(drainMessages(core))).toEqual([{ type: 'PreVoteResponse', to: 2, term: 5, granted: false }]);
  });

  it('a follower that heard from its leader within the election timeout ignores vote requests (leader lease)', () => {
    const h = new Harness({ voters: [1, 2, 3], preVote: false });
    h.elect(1);
    h.node(3).campaign();
    h.flush();
    expect(h.node(1).role()).toBe('leader');
    expect(h.node(2).term()).toBe(1);
    expect(h.node(3).role()).toBe('candidate');
    // Node 3 now sits in term 2, so its answer to the next heartbeat still deposes the leader:
    // the lease only protects against the vote request; pre-vote prevents the term bump itself.
    h.tickAll(1);
    expect(h.node(1).term()).toBe(2);
  });
});

describe('pre-vote', () => {
  function partitionAndRejoin(preVote: boolean): Harness {
    const h = new Harness({ voters: [1, 2, 3], preVote, electionTicks: 10, heartbeatTicks: 1 });
    h.elect(1);
    h.node(1).propose(bytes('before'));
    h.flush();
    h.isolate(3);
    h.tickAll(60);
    h.heal();
    h.tickAll(60);
    return h;
  }

  it('a node cut off and rejoining does not depose a healthy leader', () => {
    const h = partitionAndRejoin(true);
    expect(h.leaders()).toEqual([1]);
    for (const id of [1, 2, 3]) {
      expect(h.node(id).term()).toBe(1);
      expect(h.node(id).leader()).toBe(1);
    }
    h.node(1).propose(bytes('after'));
    h.flush();
    expect(h.appliedData(3)).toEqual(['before', 'after']);
  });

  it('without pre-vote the same rejoining node forces a new election', () => {
    const h = partitionAndRejoin(false);
    expect(h.node(1).term()).toBeGreaterThan(1);
  });
});

describe('check-quorum', () => {
  it('a leader cut off from the quorum steps down within two election timeouts', () => {
    const h = new Harness({ voters: [1, 2, 3], electionTicks: 10 });
    h.elect(1);
    h.isolate(1);
    h.tick(1, 10);
    expect(h.node(1).role()).toBe('leader');
    h.tick(1, 10);
    expect(h.node(1).role()).toBe('follower');
    expect(h.node(1).leader()).toBe(0);
    expect(() => h.node(1).propose(bytes('x'))).toThrow(/NOT_CONTROLLER/);
  });

  it('a leader that keeps hearing from a quorum stays leader', () => {
    const h = new Harness({ voters: [1, 2, 3], electionTicks: 10 });
    h.elect(1);
    h.isolate(3);
    h.tickAll(100);
    expect(h.node(1).role()).toBe('leader');
    expect(h.node(1).term()).toBe(1);
  });

  it('without check-quorum an isolated leader keeps believing it leads', () => {
    const h = new Harness({ voters: [1, 2, 3], electionTicks: 10, checkQuorum: false });
    h.elect(1);
    h.isolate(1);
    h.tick(1, 100);
    expect(h.node(1).role()).toBe('leader');
  });
});

describe('learners', () => {
  it('never campaign, never vote, and do not count toward commit, but receive the log', () => {
    const h = new Harness({ voters: [1, 2, 3], learners: [4] });
    h.tick(4, 200);
    expect(h.node(4).role()).toBe('learner');
    expect(h.collect()).toEqual([]);

    h.node(4).step({ type: 'Vote', from: 2, to: 4, term: 1, lastLogIndex: 5, lastLogTerm: 1 });
    expect(answers(h.collect())).toEqual([{ type: 'VoteResponse', to: 2, term: 1, granted: false }]);

    h.elect(1);
    h.isolate(2);
    h.isolate(3);
    const { index } = h.node(1).propose(bytes('x'));
    h.flush();
    expect(h.node(4).lastIndex()).toBe(index);
    expect(h.node(1).commitIndex()).toBeLessThan(index);
    h.heal();
    h.tickAll(3);
    expect(h.node(1).commitIndex()).toBe(index);
    expect(h.appliedData(4)).toEqual(['x']);
  });
});

describe('proposals', () => {
  it('a follower refuses a proposal with NOT_CONTROLLER and names the leader', () => {
    const h = new Harness({ voters: [1, 2, 3] });
    expect(() => h.node(2).propose(bytes('x'))).toThrow(expect.objectContaining({ kafkaName: 'NOT_CONTROLLER', details: { leaderId: 0 } }));
    h.elect(1);
    expect(() => h.node(2).propose(bytes('x'))).toThrow(expect.objectContaining({ kafkaName: 'NOT_CONTROLLER', details: { leaderId: 1 } }));
    expect(h.node(1).propose(bytes('x'))).toEqual({ index: 2, term: 1 });
  });
});
