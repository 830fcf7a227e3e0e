/**
 * How long the supervisor waits for the cluster to react, derived from the timing the nodes
 * actually run with (profile plus overrides), so `kafka` timings get proportionally longer waits.
 */
import { timingProfile, type TimingConfig } from '../src/common/config.js';
import { loadNodeConfig } from '../src/node/config.js';
import type { ClusterState } from './run-dir.js';

export function clusterTiming(state: ClusterState): TimingConfig {
  const first = state.nodes[0];
  try {
    if (first) return { ...loadNodeConfig(first.configFile).timing };
  } catch {
    // A missing or edited config file: fall back to the profile alone.
  }
  return timingProfile(state.profile);
}

/** Fencing after the session timeout, then an election; twice over for slow machines. */
export function departureWaitMs(timing: TimingConfig): number {
  return 2 * (timing.brokerSessionTimeoutMs + timing.controllerQuorumElectionTimeoutMs) + 3000;
}

/** Registering again, then catching up within the lag limit. */
export function returnWaitMs(timing: TimingConfig): number {
  return timing.brokerSessionTimeoutMs + timing.replicaLagTimeMaxMs + 5000;
}

export function readyWaitMs(timing: TimingConfig): number {
  return Math.max(20_000, 4 * (timing.controllerQuorumElectionTimeoutMs + timing.brokerSessionTimeoutMs));
}
