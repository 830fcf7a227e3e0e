/**
 * Replica placement for new topics without racks: leaders rotate over the brokers from a random
 * start, and followers follow at a shift that also rotates every full round of brokers (Kafka's
 * rack-unaware assignment). With P partitions over N brokers each broker leads P/N partitions
 * (rounded), and followers spread the same way, so a new topic adds even load.
 *
 * Partitions added to an existing topic continue that striping: its start and shift are read back
 * from partition 0, so on an unchanged set of brokers the new partitions are placed exactly as if
 * the topic had been created with the larger count.
 */
import { assert } from '../common/errors.js';
import type { Random } from '../common/random.js';
import type { BrokerId } from '../metadata/types.js';

export function placeReplicas(
  brokers: readonly BrokerId[],
  numPartitions: number,
  replicationFactor: number,
  random: Random,
): BrokerId[][] {
  const n = brokers.length;
  assert(replicationFactor >= 1 && replicationFactor <= n, `cannot place ${replicationFactor} replicas on ${n} brokers`);
  assert(numPartitions >= 1, 'a topic needs at least one partition');
  const start = random.int(0, n - 1);
  const shift = random.int(0, n - 1);
  return stripe(sorted(brokers), start, shift, 0, numPartitions, replicationFactor);
}

/**
 * Replicas for partitions `firstPartition .. firstPartition + count - 1` of a topic whose
 * partition 0 has `partition0` as replicas, continuing its striping over `brokers`. When
 * partition 0's brokers are no longer among `brokers`, the stripe starts at the first broker with
 * an id not below its leader's (as Kafka's addPartitions does).
 */
export function placeAddedReplicas(
  brokers: readonly BrokerId[],
  partition0: readonly BrokerId[],
  firstPartition: number,
  count: number,
  replicationFactor: number,
): BrokerId[][] {
  const n = brokers.length;
  assert(replicationFactor >= 1 && replicationFactor <= n, `cannot place ${replicationFactor} replicas on ${n} brokers`);
  assert(count >= 1 && firstPartition >= 1, `cannot add ${count} partitions after partition ${firstPartition - 1}`);
  const ordered = sorted(brokers);
  const leader = partition0[0] ?? ordered[0]!;
  const leaderIndex = ordered.indexOf(leader);
  // Partition 0's leader sits at `start`, and its first follower at start + 1 + shift % (n - 1).
  const start = leaderIndex >= 0 ? leaderIndex : Math.max(0, ordered.findIndex((b) => b >= leader));
  const followerIndex = leaderIndex >= 0 && n > 1 && partition0.length > 1 ? ordered.indexOf(partition0[1]!) : -1;
  const shift = followerIndex >= 0 ? (followerIndex - leaderIndex - 1 + n) % n : start;
  return stripe(ordered, start, shift, firstPartition, count, replicationFactor);
}

/** Partition p leads on broker (start + p) mod n; its followers' offset grows by one every n partitions. */
function stripe(
  ordered: readonly BrokerId[],
  start: number,
  shift: number,
  firstPartition: number,
  count: number,
  replicationFactor: number,
): BrokerId[][] {
  const n = ordered.length;
  const placement: BrokerId[][] = [];
  for (let p = firstPartition; p < firstPartition + count; p++) {
    // Every new round over the brokers changes the followers' offset, so pairs do not repeat.
    const roundShift = shift + Math.floor(p / n);
    const first = (start + p) % n;
    const replicas = [ordered[first]!];
    for (let j = 0; j < replicationFactor - 1; j++) {
      replicas.push(ordered[(first + 1 + ((roundShift + j) % (n - 1))) % n]!);
    }
    placement.push(replicas);
  }
  return placement;
}

function sorted(brokers: readonly BrokerId[]): BrokerId[] {
  return [...brokers].sort((a, b) => a - b);
}
