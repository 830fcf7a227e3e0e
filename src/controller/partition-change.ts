/**
 * Leader election and ISR changes for one partition, as Kafka's PartitionChangeBuilder decides
 * them (without ELR or reassignment). Given a partition, a target ISR and which brokers may lead,
 * it yields the PartitionChange record to write, or nothing when the partition stays as it is.
 *
 * Rules:
 * - The ISR never becomes empty: a target ISR without members leaves the ISR as it is (the last
 *   member stays, so the partition waits for it rather than lose acknowledged data).
 * - A valid leader is in the target ISR and acceptable (registered, unfenced, not shutting down).
 * - The current leader stays if valid, except in a preferred election, where the first replica
 *   wins when valid. Otherwise the first valid replica in assignment order leads.
 * - With nobody valid, the partition has NO_LEADER, unless unclean election is allowed: then the
 *   first acceptable replica leads and the ISR shrinks to it (acknowledged data may be lost).
 */
import type { PartitionChangeRecord } from '../metadata/records.js';
import { NO_LEADER, type BrokerId, type PartitionRegistration } from '../metadata/types.js';

export type Election = 'online' | 'preferred';

export interface PartitionChangeTarget {
  /** The ISR wanted; absent keeps the current one. */
  readonly isr?: readonly BrokerId[];
  readonly election?: Election;
  /** The topic's unclean.leader.election.enable. */
  readonly uncleanAllowed?: boolean;
}

interface ElectionResult {
  readonly leader: BrokerId;
  readonly unclean: boolean;
}

export function buildPartitionChange(
  partition: PartitionRegistration,
  isAcceptableLeader: (brokerId: BrokerId) => boolean,
  target: PartitionChangeTarget = {},
): PartitionChangeRecord | undefined {
  const targetIsr = target.isr ?? partition.isr;
  const elected = electLeader(partition, targetIsr, isAcceptableLeader, target);

  let leader: BrokerId | undefined;
  let isr: readonly BrokerId[] | undefined;
  if (elected.leader !== partition.leader) {
    leader = elected.leader;
    if (elected.unclean) isr = [elected.leader];
  }
  if (isr === undefined && targetIsr.length > 0 && !sameList(targetIsr, partition.isr)) isr = targetIsr;
  if (leader === undefined && isr === undefined) return undefined;
  return {
    type: 'PartitionChange',
    topicId: partition.topicId,
    partition: partition.partition,
    ...(leader !== undefined ? { leader } : {}),
    ...(isr !== undefined ? { isr: [...isr] } : {}),
  };
}

function electLeader(
  partition: PartitionRegistration,
  targetIsr: readonly BrokerId[],
  isAcceptableLeader: (brokerId: BrokerId) => boolean,
  target: PartitionChangeTarget,
): ElectionResult {
  const isValid = (b: BrokerId): boolean => targetIsr.includes(b) && isAcceptableLeader(b);
  const preferred = partition.replicas[0]!;
  if (target.election === 'preferred' && isValid(preferred)) return { leader: preferred, unclean: false };
  if (partition.leader !== NO_LEADER && isValid(partition.leader)) return { leader: partition.leader, unclean: false };
  const clean = partition.replicas.find(isValid);
  if (clean !== undefined) return { leader: clean, unclean: false };
  if (target.uncleanAllowed) {
    const unclean = partition.replicas.find(isAcceptableLeader);
    if (unclean !== undefined) return { leader: unclean, unclean: true };
  }
  return { leader: NO_LEADER, unclean: false };
}

/** The ISR without `brokerId`. May be empty; `buildPartitionChange` then keeps the last member. */
export function isrWithout(isr: readonly BrokerId[], brokerId: BrokerId): readonly BrokerId[] {
  return isr.filter((b) => b !== brokerId);
}

function sameList(a: readonly BrokerId[], b: readonly BrokerId[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
