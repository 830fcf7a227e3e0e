/**
 * How a Raft node is set up. Time is counted in ticks: the driver calls tick() at a fixed
 * interval, so the core never reads a clock.
 */
import { assert } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { Random } from '../common/random.js';
import type { NodeId } from './types.js';

export interface RaftConfig {
  id: NodeId;
  /** The static voter set, used when the initial state has no snapshot membership. */
  voters: readonly NodeId[];
  learners?: readonly NodeId[];
  /** A follower campaigns after a randomized timeout in [electionTicks, 2 * electionTicks). */
  electionTicks: number;
  heartbeatTicks: number;
  /** Campaign only after a pre-vote round shows a quorum would vote (default true). */
  preVote?: boolean;
  /** A leader steps down without a quorum's answers within an election timeout (default true). */
  checkQuorum?: boolean;
  /** Pipelining window: unacknowledged appends per follower (default 64). */
  maxInflightAppends?: number;
  /** Entries per append message (default 256). */
  maxEntriesPerAppend?: number;
  random: Random;
  logger?: Logger;
}

export interface ResolvedRaftConfig {
  readonly id: NodeId;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxInflightAppends: number;
  readonly maxEntriesPerAppend: number;
  readonly random: Random;
  readonly logger: Logger | undefined;
}

export function resolveConfig(config: RaftConfig): ResolvedRaftConfig {
  assert(config.id > 0, `node ids are positive (got ${config.id})`);
  assert(config.heartbeatTicks > 0, 'heartbeatTicks must be positive');
  assert(config.electionTicks > config.heartbeatTicks, 'electionTicks must exceed heartbeatTicks');
  const resolved: ResolvedRaftConfig = {
    id: config.id,
    electionTicks: config.electionTicks,
    heartbeatTicks: config.heartbeatTicks,
    preVote: config.preVote ?? true,
    checkQuorum: config.checkQuorum ?? true,
    maxInflightAppends: config.maxInflightAppends ?? 64,
    maxEntriesPerAppend: config.maxEntriesPerAppend ?? 256,
    random: config.random,
    logger: config.logger,
  };
  assert(resolved.maxInflightAppends > 0, 'maxInflightAppends must be positive');
  assert(resolved.maxEntriesPerAppend > 0, 'maxEntriesPerAppend must be positive');
  return resolved;
}
