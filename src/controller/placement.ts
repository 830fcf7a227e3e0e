/**
 * Replica placement for new topics without racks: leaders rotate over the brokers from a random
 * start, and followers follow at a shift that also rotates every full round of brokers (Kafka's
 * rack-unaware assignment). With P partitions over N brokers each broker leads P/N partitions
 * (rounded), and followers spread the same way, so a new topic adds even load.
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
  const ordered = [...brokers].sort((a, b) => a - b);
  const start = random.int(0, n - 1);
  let shift = random.int(0, n - 1);
  const placement: BrokerId[][] = [];
  for (let p = 0; p < numPartitions; p++) {
    // A new round over the brokers: change the followers' offset so pairs do not repeat.
    if (p > 0 && p % n === 0) shift++;
    const first = (start + p) % n;
    const replicas = [ordered[first]!];
    for (let j = 0; j < replicationFactor - 1; j++) {
      replicas.push(ordered[(first + 1 + ((shift + j) % (n - 1))) % n]!);
    }
    placement.push(replicas);
  }
  return placement;
}
