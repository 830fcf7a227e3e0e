/**
 * The simulated network between nodes: every message gets a random delay and may be lost or
 * duplicated. Links deliver in order (like the gRPC streams between real nodes) unless the
 * conditions allow reordering, which Raft must also survive. Links can be cut one way or both ways (partitions); a message on
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
  /** Whether a message may overtake an earlier one on the same link (default: no). */
  reorder?: boolean;
}

export const CALM_NETWORK: NetworkConditions = {
  lossRate: 0,
  duplicateRate: 0,
  minDelayMs: 1,
  maxDelayMs: 5,
  spikeRate: 0,
  spikeDelayMs: 0,
  reorder: false,
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
  /** Per link, when its latest message arrives: in-order links never deliver before that. */
  private readonly lastArrivalMs = new Map<number, number>();

  constructor(
    private readonly random: SeededRandom,
    private readonly now: () => number,
    /** Schedules the delivery of a message after a delay. */
    private readonly scheduleDelivery: (delayMs: number, message: Message) => void,
  ) {}

  send(message: Message): void {
    this.stats.sent++;
    if (this.isCut(message.from, message.to) || this.random.chance(this.conditions.lossRate)) {
      this.stats.dropped++;
      return;
    }
    this.deliverLater(message);
    if (this.random.chance(this.conditions.duplicateRate)) {
      this.stats.duplicated++;
      this.deliverLater(message);
    }
  }

  private deliverLater(message: Message): void {
    const now = this.now();
    let arrivalMs = now + this.delay();
    const link = linkKey(message.from, message.to);
    if (!this.conditions.reorder) arrivalMs = Math.max(arrivalMs, this.lastArrivalMs.get(link) ?? 0);
    this.lastArrivalMs.set(link, Math.max(arrivalMs, this.lastArrivalMs.get(link) ?? 0));
    this.scheduleDelivery(arrivalMs - now, message);
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
