/**
 * Leader and ISR updates across many partitions, triggered by a broker's change of state: it was
 * fenced, it is shutting down, it restarted, it came back, or the preferred leader is available
 * again. Each partition's decision is `buildPartitionChange`, with the topic's unclean-election
 * setting and "active brokers only" as acceptable leaders.
 */
import { allPartitions, isActiveBroker, topicConfig, type MetadataImage } from '../metadata/image.js';
import type { PartitionChangeRecord } from '../metadata/records.js';
import { NO_LEADER, type BrokerId, type PartitionRegistration } from '../metadata/types.js';
import { buildPartitionChange, isrWithout, type PartitionChangeTarget } from './partition-change.js';
import type { RecordBatch } from './record-batch.js';

/**
 * Takes `brokerId` out of every ISR it is in (except where it is the last member) and moves away
 * its leaderships. Used when a broker is fenced, enters controlled shutdown, or restarted.
 */
export function removeBrokerFromIsrs(batch: RecordBatch, brokerId: BrokerId): PartitionRegistration[] {
  return updatePartitions(batch, (p) => (p.isr.includes(brokerId) ? { isr: isrWithout(p.isr, brokerId) } : undefined));
}

/**
 * Elects a leader for every leaderless partition that can have one: an active ISR member, or, where
 * the topic allows unclean election, any active replica.
 */
export function electLeaderlessPartitions(batch: RecordBatch): PartitionRegistration[] {
  return updatePartitions(batch, (p) => (p.leader === NO_LEADER ? {} : undefined));
}

/** Moves leadership of the given partitions back to their preferred replica where it is valid. */
export function electPreferredLeaders(
  batch: RecordBatch,
  partitions: readonly PartitionRegistration[],
): PartitionRegistration[] {
  const wanted = new Set(partitions.map(key));
  return updatePartitions(batch, (p) => (wanted.has(key(p)) ? { election: 'preferred' } : undefined));
}

/** Partitions whose leader changed between two images, for reporting. */
export function leaderChanges(before: MetadataImage, after: MetadataImage): PartitionRegistration[] {
  const changed: PartitionRegistration[] = [];
  for (const p of allPartitions(after)) {
    const old = before.topicsById.get(p.topicId)?.partitions.get(p.partition);
    if (old && old.leaderEpoch !== p.leaderEpoch) changed.push(p);
  }
  return changed;
}

/**
 * Runs `targetOf` over every partition of the batch's current image and adds the resulting
 * changes as one step. Returns the partitions as they are after the change.
 */
function updatePartitions(
  batch: RecordBatch,
  targetOf: (p: PartitionRegistration) => PartitionChangeTarget | undefined,
): PartitionRegistration[] {
  const image = batch.image;
  const isAcceptable = (b: BrokerId): boolean => isActiveBroker(image, b);
  const changes: PartitionChangeRecord[] = [];
  for (const partition of allPartitions(image)) {
    const target = targetOf(partition);
    if (!target) continue;
    const uncleanAllowed = topicConfig(image.topicsById.get(partition.topicId)!).uncleanLeaderElectionEnable;
    const change = buildPartitionChange(partition, isAcceptable, { ...target, uncleanAllowed });
    if (change) changes.push(change);
  }
  batch.add(...changes);
  return changes.map((c) => batch.image.topicsById.get(c.topicId)!.partitions.get(c.partition)!);
}

function key(p: PartitionRegistration): string {
  return `${p.topicId}/${p.partition}`;
}
