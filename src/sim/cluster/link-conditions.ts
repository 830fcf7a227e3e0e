/**
 * How a link of the simulated network behaves: loss, duplication (one-way messages only) and a
 * random delay per message, which reorders them, with occasional delay spikes.
 */
import type { SeededRandom } from '../../common/random.js';

export interface LinkConditions {
  /** Probability that a message is lost. */
  readonly lossRate: number;
  /** Probability that a one-way message is delivered twice. */
  readonly duplicateRate: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** Probability that a message takes up to `spikeDelayMs` instead. */
  readonly spikeRate: number;
  readonly spikeDelayMs: number;
}

export const CALM_LINK: LinkConditions = { lossRate: 0, duplicateRate: 0, minDelayMs: 1, maxDelayMs: 5, spikeRate: 0, spikeDelayMs: 0 };

/**
 * A bad but working network. Loss stays moderate: a lost call costs its caller a whole request
 * timeout, so heavy loss would only stall the run, not find more.
 */
export function randomLinkConditions(random: SeededRandom): LinkConditions {
  const maxDelayMs = random.int(2, 15);
  return {
    lossRate: random.chance(0.3) ? 0 : random.next() * 0.1,
    duplicateRate: random.next() * 0.05,
    minDelayMs: random.int(0, 2),
    maxDelayMs,
    spikeRate: random.next() * 0.05,
    spikeDelayMs: random.int(maxDelayMs, 150),
  };
}

/** A slow but lossless link. */
export function slowLinkConditions(random: SeededRandom): LinkConditions {
  const minDelayMs = random.int(20, 80);
  return { lossRate: 0, duplicateRate: 0, minDelayMs, maxDelayMs: minDelayMs + random.int(10, 120), spikeRate: 0, spikeDelayMs: 0 };
}

export function describeConditions(c: LinkConditions): string {
  return `loss=${c.lossRate.toFixed(2)} dup=${c.duplicateRate.toFixed(2)} delay=${c.minDelayMs}-${c.maxDelayMs}ms spikes=${c.spikeRate.toFixed(2)}@${c.spikeDelayMs}ms`;
}
