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
  /** The image last scanned, and when the next tracked partition falls due in it. */
  private scanned: MetadataImage | undefined;
  private nextDueMs = Infinity;

  constructor(private readonly delayMs: number) {}

  /**
   * Updates the tracking for `image` and returns the partitions whose delay has passed. Called
   * many times a second; an image already scanned is not scanned again until a partition in it
   * falls due, so an idle controller of thousands of partitions does no per-partition work.
   */
  due(image: MetadataImage, nowMs: number): PartitionRegistration[] {
    if (image === this.scanned && nowMs < this.nextDueMs) return [];
    const next = new Map<string, number>();
    const due: PartitionRegistration[] = [];
    let nextDueMs = Infinity;
    for (const p of allPartitions(image)) {
      const preferred = p.replicas[0]!;
      const eligible = p.leader !== preferred && p.isr.includes(preferred) && isActiveBroker(image, preferred);
      if (!eligible) continue;
      const key = `${p.topicId}/${p.partition}`;
      const since = this.imbalancedSinceMs.get(key) ?? nowMs;
      next.set(key, since);
      if (nowMs - since >= this.delayMs) due.push(p);
      else nextDueMs = Math.min(nextDueMs, since + this.delayMs);
    }
    this.imbalancedSinceMs = next;
    this.scanned = image;
    // Partitions due now are elected in this tick, which changes the image; if the election could
    // not happen, look again next time.
    this.nextDueMs = due.length > 0 ? nowMs : nextDueMs;
    return due;
  }

  reset(): void {
    this.imbalancedSinceMs = new Map();
    this.scanned = undefined;
    this.nextDueMs = Infinity;
  }
}
