/**
 * What one batch of committed metadata changed that Kafka counts as events: ISR shrinks and
 * expands of partitions this broker leads (before and after the batch, as Kafka's
 * IsrShrinksPerSec / IsrExpandsPerSec count on the leader), and partition leader elections
 * (clean or unclean: the new leader was not in the previous ISR). Every node applies the same
 * log, so every node counts the same elections. Pure, for unit tests.
 */
import type { MetadataDelta } from '../../metadata/index.js';
import { NO_LEADER, type BrokerId } from '../../metadata/types.js';

export interface MetadataChangeCounts {
  isrShrinks: number;
  isrExpands: number;
  leaderElections: number;
  uncleanLeaderElections: number;
}

export function metadataChangeCounts(delta: Pick<MetadataDelta, 'partitionsChanged'>, nodeId: BrokerId): MetadataChangeCounts {
  const counts: MetadataChangeCounts = { isrShrinks: 0, isrExpands: 0, leaderElections: 0, uncleanLeaderElections: 0 };
  for (const { previous, current } of delta.partitionsChanged) {
    if (!previous) continue;
    if (current.leader !== previous.leader && current.leader !== NO_LEADER) {
      counts.leaderElections++;
      if (!previous.isr.includes(current.leader)) counts.uncleanLeaderElections++;
    }
    if (current.leader === nodeId && previous.leader === nodeId) {
      if (previous.isr.some((id) => !current.isr.includes(id))) counts.isrShrinks++;
      if (current.isr.some((id) => !previous.isr.includes(id))) counts.isrExpands++;
    }
  }
  return counts;
}
