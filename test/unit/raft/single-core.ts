/**
 * Helpers for tests that drive one RaftCore by hand: build it from a given log and hard state,
 * and collect what it wants to send.
 */
import { SeededRandom } from '../../../src/common/random.js';
import { RaftCore, type RaftConfig } from '../../../src/raft/core.js';
import type { Entry, HardState, Message, NodeId, Ready } from '../../../src/raft/types.js';

export interface CoreSetup {
  id: NodeId;
  voters?: NodeId[];
  learners?: NodeId[];
  /** Terms of the initial log entries, from index 1. */
  logTerms?: number[];
  hardState?: Partial<HardState>;
  config?: Partial<RaftConfig>;
}

export function logOf(terms: number[], firstIndex = 1): Entry[] {
  return terms.map((term, i) => ({ index: firstIndex + i, term, type: 'normal', data: new Uint8Array([firstIndex + i]) }));
}

export function makeCore(setup: CoreSetup): RaftCore {
  const entries = logOf(setup.logTerms ?? []);
  const hardState: HardState = { term: 0, vote: 0, commit: 0, ...setup.hardState };
  return new RaftCore(
    {
      id: setup.id,
      voters: setup.voters ?? [1, 2, 3],
      learners: setup.learners ?? [],
      electionTicks: 10,
      heartbeatTicks: 1,
      random: new SeededRandom(setup.id),
      ...setup.config,
    },
    { hardState, entries },
  );
}

/** Takes one Ready, acknowledges it, and returns it. */
export function drain(core: RaftCore): Ready {
  const ready = core.ready();
  core.advance();
  return ready;
}

export function drainMessages(core: RaftCore): Message[] {
  const messages: Message[] = [];
  while (core.hasReady()) messages.push(...drain(core).messages);
  return messages;
}
