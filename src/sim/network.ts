/**
 * The simulated network between nodes: every message gets a random delay (so messages reorder),
 * and may be lost or duplicated. Links can be cut one way or both ways (partitions); a message on
 * a cut link is lost, whether the cut happened before it was sent or while it was in flight.
 */
import type { SeededRandom } from '../common/random.js';
import type { Message, NodeId } from '../raft/types.js';

export interface NetworkConditions {
  /** Probability that a message is lost. */
  lossRate: number;
  /** Probability that a message is delivered twice. */
  duplicateRate: number;
  minDelayMs: number;
  maxDelayMs: number;
  /** Probability that a message takes up to `spikeDelayMs` instead. */
  spikeRate: number;
  spikeDelayMs: number;
}

export const CALM_NETWORK: NetworkConditions = {
  lossRate: 0,
  duplicateRate: 0,
  minDelayMs: 1,
  maxDelayMs: 5,
  spikeRate: 0,
  spikeDelayMs: 0,
};

export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
}

export class SimNetwork {
  conditions: NetworkConditions = { ...CALM_NETWORK };
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };
  private readonly cut = new Set<number>();

  constructor(
    private readonly random: SeededRandom,
    /** Schedules the delivery of a message after a delay. */
    private readonly scheduleDelivery: (delayMs: number, message: Message) => void,
  ) {}

  send(message: Message): void {
    this.stats.sent++;
    if (this.isCut(message.from, message.to) || this.random.chance(this.conditions.lossRate)) {
      this.stats.dropped++;
      return;
    }
    this.scheduleDelivery(this.delay(), message);
    if (this.random.chance(this.conditions.duplicateRate)) {
      this.stats.duplicated++;
      this.scheduleDelivery(this.delay(), message);
    }
  }

  /** Whether a message arriving now gets through; counts it either way. */
  admit(message: Message): boolean {
    if (this.isCut(message.from, message.to)) {
      this.stats.dropped++;
      return false;
    }
    this.stats.delivered++;
    return true;
  }

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(linkKey(from, to));
  }

  /** Splits the nodes into groups that cannot talk to each other (both directions). */
  partition(groups: readonly (readonly NodeId[])[]): void {
    for (const a of groups) {
      for (const b of groups) {
        if (a === b) continue;
        for (const from of a) for (const to of b) this.cutLink(from, to);
      }
    }
  }

  heal(): void {
    this.cut.clear();
  }

  cutCount(): number {
    return this.cut.size;
  }

  private isCut(from: NodeId, to: NodeId): boolean {
    return this.cut.size > 0 && this.cut.has(linkKey(from, to));
  }

  private delay(): number {
    const c = this.conditions;
    if (c.spikeRate > 0 && this.random.chance(c.spikeRate)) return this.random.int(c.maxDelayMs, Math.max(c.maxDelayMs, c.spikeDelayMs));
    return this.random.int(c.minDelayMs, c.maxDelayMs);
  }
}

function linkKey(from: NodeId, to: NodeId): number {
  return from * 1024 + to;
}
