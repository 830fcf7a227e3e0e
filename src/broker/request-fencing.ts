/**
 * KIP-320 fencing: a request that names a leader epoch is checked against this replica's current
 * one, so a client or follower acting on old metadata is told to refresh instead of being served.
 */
import { errors, type BrokerError } from '../common/errors.js';
import { NO_LEADER_EPOCH } from './types.js';

/**
 * The error for a request carrying `requestLeaderEpoch`, or undefined if it may proceed. An older
 * epoch means the sender is behind (FENCED_LEADER_EPOCH); a newer one means this replica is
 * behind and has not yet seen the metadata (UNKNOWN_LEADER_EPOCH).
 */
export function leaderEpochError(requestLeaderEpoch: number | undefined, currentLeaderEpoch: number): BrokerError | undefined {
  if (requestLeaderEpoch === undefined || requestLeaderEpoch === NO_LEADER_EPOCH) return undefined;
  if (requestLeaderEpoch < currentLeaderEpoch) {
    return errors.fencedLeaderEpoch(`request epoch ${requestLeaderEpoch} is older than the current ${currentLeaderEpoch}`);
  }
  if (requestLeaderEpoch > currentLeaderEpoch) {
    return errors.unknownLeaderEpoch(`request epoch ${requestLeaderEpoch} is newer than the current ${currentLeaderEpoch}`);
  }
  return undefined;
}
