/**
 * Timing profiles and the settings that depend on them. Names are Kafka's (camelCase here, dotted
 * on the command line and in files), so what users know about Kafka carries over.
 *
 * - `fast` (the default) tunes heartbeats, session and election timeouts so a local cluster fails
 *   over in about a second.
 * - `kafka` uses Kafka 3.x's own defaults, to see what production would do.
 */
import { errors } from './errors.js';

export type ProfileName = 'fast' | 'kafka';

export interface TimingConfig {
  /** Raft: ticks are this long; election and heartbeat timeouts are counted in ticks. */
  raftTickMs: number;
  /** controller.quorum.election.timeout.ms: base election timeout (randomized up to 2x; a node just started waits 1 tick to 1x). */
  controllerQuorumElectionTimeoutMs: number;
  /** Raft heartbeat interval from the leader. */
  controllerQuorumHeartbeatMs: number;
  brokerHeartbeatIntervalMs: number;
  brokerSessionTimeoutMs: number;
  replicaLagTimeMaxMs: number;
  /**
   * replica.fetch.wait.max.ms: how long a leader may hold a follower's fetch that finds nothing.
   * New data answers it at once, so this sets only how often an idle follower polls: every poll
   * visits each partition it follows, on both sides.
   */
  replicaFetchWaitMaxMs: number;
  /**
   * replica.fetch.backoff.ms: a follower's pause after a failed fetch (leader unreachable, or a
   * partition refused while the leader learns its new role). Short in the fast profile: failover
   * waits on it.
   */
  replicaFetchBackoffMs: number;
  /**
   * replica.socket.timeout.ms: how long a follower waits for a fetch answer beyond its long poll
   * before it gives the fetch up and sends another. A fetch lost to the network (a cut link, an
   * isolated node) costs this long before the follower tries again, so after a heal a follower
   * rejoins its ISR within about this time.
   */
  replicaSocketTimeoutMs: number;
  /**
   * log.retention.check.interval.ms: how often each broker applies its topics' retention and
   * segment.ms to its logs (so data outlives its retention by up to this long).
   */
  logRetentionCheckIntervalMs: number;
  /** Delay before the controller moves leadership back to a returned preferred replica. */
  leaderImbalanceCheckIntervalMs: number;
  groupSessionTimeoutMs: number;
  groupHeartbeatIntervalMs: number;
  groupInitialRebalanceDelayMs: number;
  requestTimeoutMs: number;
}

export const PROFILES: Readonly<Record<ProfileName, Readonly<TimingConfig>>> = {
  fast: {
    raftTickMs: 25,
    controllerQuorumElectionTimeoutMs: 300,
    controllerQuorumHeartbeatMs: 50,
    // Four heartbeats per session, as Kafka's defaults give about four and a half. Each one is a
    // message the active controller answers: at 100 ms they cost every node about 1 % CPU at rest.
    brokerHeartbeatIntervalMs: 150,
    brokerSessionTimeoutMs: 600,
    replicaLagTimeMaxMs: 2000,
    replicaFetchWaitMaxMs: 500,
    replicaFetchBackoffMs: 250,
    replicaSocketTimeoutMs: 1500,
    logRetentionCheckIntervalMs: 5000,
    leaderImbalanceCheckIntervalMs: 5000,
    groupSessionTimeoutMs: 3000,
    groupHeartbeatIntervalMs: 300,
    groupInitialRebalanceDelayMs: 0,
    requestTimeoutMs: 10000,
  },
  kafka: {
    raftTickMs: 100,
    controllerQuorumElectionTimeoutMs: 1000,
    controllerQuorumHeartbeatMs: 500,
    brokerHeartbeatIntervalMs: 2000,
    brokerSessionTimeoutMs: 9000,
    replicaLagTimeMaxMs: 30000,
    replicaFetchWaitMaxMs: 500,
    replicaFetchBackoffMs: 1000,
    replicaSocketTimeoutMs: 30000,
    logRetentionCheckIntervalMs: 300000,
    leaderImbalanceCheckIntervalMs: 300000,
    groupSessionTimeoutMs: 45000,
    groupHeartbeatIntervalMs: 3000,
    groupInitialRebalanceDelayMs: 3000,
    requestTimeoutMs: 30000,
  },
};

export function timingProfile(name: string): TimingConfig {
  if (name !== 'fast' && name !== 'kafka') {
    throw errors.invalidConfig(`unknown timing profile "${name}" (expected fast or kafka)`);
  }
  return { ...PROFILES[name] };
}

/** `broker.session.timeout.ms` -> `brokerSessionTimeoutMs`. */
export function camelConfigName(dotted: string): string {
  return dotted.replace(/\.([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Applies `key=value` overrides (dotted or camelCase names) to a config object, checking that the
 * key exists and the value has the same type. Throws INVALID_CONFIG with the offending key.
 */
export function applyOverrides<T extends object>(base: T, overrides: Readonly<Record<string, string | number | boolean>>): T {
  const result: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [rawKey, rawValue] of Object.entries(overrides)) {
    const key = camelConfigName(rawKey);
    if (!(key in result)) throw errors.invalidConfig(`unknown setting "${rawKey}"`);
    const current = result[key];
    result[key] = coerce(rawKey, rawValue, typeof current);
  }
  return result as T;
}

function coerce(key: string, value: string | number | boolean, type: string): unknown {
  if (type === 'number') {
    const n = typeof value === 'number' ? value : Number(value);
    if (!Number.isFinite(n)) throw errors.invalidConfig(`${key} must be a number, got "${value}"`);
    return n;
  }
  if (type === 'boolean') {
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw errors.invalidConfig(`${key} must be true or false, got "${value}"`);
  }
  return String(value);
}
