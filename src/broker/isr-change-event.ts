/**
 * The `isr-shrunk` / `isr-expanded` event of an ISR change a partition leader asked for and the
 * controller accepted. The leader is the one to say why: it alone tracks how long each follower
 * has been behind (controller-driven ISR changes, such as a fenced broker leaving every ISR, are
 * logged by the controller instead).
 */
import type { BrokerId } from '../metadata/types.js';
import type { LeaderState } from './leader-state.js';

export interface IsrChangeEvent {
  event: 'isr-shrunk' | 'isr-expanded';
  previousIsr: readonly BrokerId[];
  replica: BrokerId | BrokerId[];
  reason: string;
  lagMs?: number;
  maxLagMs?: number;
}

/** Describes the change at the moment it is proposed, when the followers' lag is known. */
export function describeIsrChange(
  state: LeaderState,
  kind: 'expand' | 'shrink',
  replicas: readonly BrokerId[],
  nowMs: number,
  replicaLagTimeMaxMs: number,
): IsrChangeEvent {
  const replica = replicas.length === 1 ? replicas[0]! : [...replicas];
  const previousIsr = state.isr.isr();
  if (kind === 'expand') return { event: 'isr-expanded', previousIsr, replica, reason: 'caught up with the leader' };
  // With several lagging replicas the event carries the worst lag.
  const lags = replicas.map((id) => state.follower(id)?.caughtUpAgoMs(nowMs) ?? null);
  const known = lags.filter((lag): lag is number => lag !== null);
  if (known.length === 0) {
    return { event: 'isr-shrunk', previousIsr, replica, reason: 'not caught up since this leader took over', maxLagMs: replicaLagTimeMaxMs };
  }
  const lagMs = Math.max(...known);
  return {
    event: 'isr-shrunk',
    previousIsr,
    replica,
    reason: `not caught up for ${lagMs} ms > replica.lag.time.max.ms ${replicaLagTimeMaxMs}`,
    lagMs,
    maxLagMs: replicaLagTimeMaxMs,
  };
}
