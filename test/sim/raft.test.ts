import { describe, expect, it } from 'vitest';
import { runRaftSimulation, type SimResult } from '../../src/sim/raft-simulation.js';

const SEEDS = 1000;
const CHUNK = 100;

interface Coverage {
  runs: number;
  threeNodes: number;
  fiveNodes: number;
  withLearners: number;
  crashes: number;
  powerLossesAfterWrite: number;
  pauses: number;
  dropped: number;
  duplicated: number;
  reelections: number;
  snapshotsInstalled: number;
  committed: number;
}

const coverage: Coverage = {
  runs: 0,
  threeNodes: 0,
  fiveNodes: 0,
  withLearners: 0,
  crashes: 0,
  powerLossesAfterWrite: 0,
  pauses: 0,
  dropped: 0,
  duplicated: 0,
  reelections: 0,
  snapshotsInstalled: 0,
  committed: 0,
};

function record(result: SimResult): void {
  coverage.runs++;
  if (result.nodes === 3) coverage.threeNodes++;
  else coverage.fiveNodes++;
  if (result.learners > 0) coverage.withLearners++;
  coverage.crashes += result.crashes;
  coverage.powerLossesAfterWrite += result.powerLossesAfterWrite;
  coverage.pauses += result.pauses;
  coverage.dropped += result.messagesDropped;
  coverage.duplicated += result.messagesDuplicated;
  coverage.reelections += result.leaderTerms - 1;
  coverage.snapshotsInstalled += result.snapshotsInstalled;
  coverage.committed += result.committedIndex;
}

describe('Raft under the deterministic simulation', () => {
  const chunks = Array.from({ length: SEEDS / CHUNK }, (_, i) => i * CHUNK);

  it.each(chunks)('keeps every safety invariant and recovers after the faults stop (seeds %i..+99)', async (first) => {
    for (let seed = first; seed < first + CHUNK; seed++) {
      // A violated invariant throws a SimulationFailure naming the seed to replay.
      const result = await runRaftSimulation({ seed });
      expect(result.awaitedProposalsCommitted).toBeGreaterThan(0);
      record(result);
    }
  }, 120_000);

  it('exercised what it claims to: both sizes, learners, crashes (some between persist and send), pauses, loss, re-elections, snapshots', () => {
    expect(coverage.runs).toBe(SEEDS);
    expect(coverage.threeNodes).toBeGreaterThan(SEEDS / 4);
    expect(coverage.fiveNodes).toBeGreaterThan(SEEDS / 4);
    expect(coverage.withLearners).toBeGreaterThan(SEEDS / 10);
    expect(coverage.crashes).toBeGreaterThan(SEEDS / 2);
    // Power losses the moment a Ready's write became durable, before the driver sent its messages.
    expect(coverage.powerLossesAfterWrite).toBeGreaterThan(SEEDS / 10);
    expect(coverage.pauses).toBeGreaterThan(SEEDS / 10);
    expect(coverage.dropped).toBeGreaterThan(SEEDS * 10);
    expect(coverage.duplicated).toBeGreaterThan(SEEDS);
    expect(coverage.reelections).toBeGreaterThan(SEEDS / 2);
    expect(coverage.snapshotsInstalled).toBeGreaterThan(SEEDS / 2);
    expect(coverage.committed).toBeGreaterThan(SEEDS * 50);
  });
});

describe('simulation replay', () => {
  it('replays a seed exactly: same trace, same stats', async () => {
    const run = async (seed: number) => {
      const trace: string[] = [];
      const result = await runRaftSimulation({ seed, trace: (line) => trace.push(line) });
      return { trace, result };
    };
    const first = await run(4242);
    const second = await run(4242);
    expect(first.trace.length).toBeGreaterThan(100);
    expect(second.trace).toEqual(first.trace);
    expect(second.result).toEqual(first.result);
    expect((await run(4243)).result.digest).not.toBe(first.result.digest);
  });

  it('a forced cluster size replays the same as when the seed drew that size itself', async () => {
    const drawn = await runRaftSimulation({ seed: 7 });
    expect(await runRaftSimulation({ seed: 7, nodes: drawn.nodes as 3 | 5 })).toEqual(drawn);
  });

  it('without faults elects one leader and commits every proposal', async () => {
    const result = await runRaftSimulation({ seed: 1, faults: false, nodes: 5 });
    expect(result.leaderTerms).toBe(1);
    expect(result.crashes).toBe(0);
    expect(result.messagesDropped).toBe(0);
    expect(result.awaitedProposalsCommitted).toBeGreaterThan(10);
    expect(result.committedIndex).toBeGreaterThan(result.awaitedProposalsCommitted);
  });
});
