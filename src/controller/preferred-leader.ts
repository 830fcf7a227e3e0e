/**
 * Preferred-leader balancing (auto.leader.rebalance.enable): after failovers, leadership piles up
 * on the survivors. Once a partition's preferred replica (the first in its assignment) has been
 * active, in the ISR and not leader for `leaderImbalanceCheckIntervalMs`, leadership moves back to
 * it. The delay lets a returning broker settle before it takes load again.
 */
import { allPartitions, isActiveBroker, type MetadataImage } from '../metadata/image.js';
import type { PartitionRegistration } from '../metadata/types.js';

export class PreferredLeaderTracker {
  /** Partition key -> when its preferred replica became eligible while not leading. */
  private imbalancedSinceMs = new Map<string, number>();

  constructor(private readonly delayMs: number) {}

  /** Updates the tracking for `image` and returns the partitions whose delay has passed. */
  due(image: MetadataImage, nowMs: number): PartitionRegistration[] {
    const next = new Map<string, number>();
    const due: PartitionRegistration[] = [];
    for (const p of allPartitions(image)) {
      const preferred = p.replicas[0]!;
      const eligible = p.leader !== preferred && p.isr.includes(preferred) && isActiveBroker(image, preferred);
      if (!eligible) continue;
      const key = `${p.topicId}/${p.partition}`;
      const since = this.imbalancedSinceMs.get(key) ?? nowMs;
      next.set(key, since);
      if (nowMs - since >= this.delayMs) due.push(p);
    }
    this.imbalancedSinceMs = next;
    return due;
  }

  reset(): void {
    this.imbalancedSinceMs = new Map();
  }
}
