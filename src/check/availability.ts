/**
 * Unavailability as a producer lives it: per partition, the stretches of time in which no write
 * was acknowledged. A partition that acknowledges steadily has only short gaps; a failover shows
 * up as one long gap, from the last acknowledgement before the fault to the first one after.
 *
 * Gaps are measured between acknowledgements (`completeMs` of ok sends), plus the stretch from
 * the start of the measured period to the first one and from the last one to its end, so a
 * partition that never recovered counts its whole silence.
 */
import type { SendOp } from './history.js';

export interface UnavailabilityWindow {
  readonly partition: number;
  /** The last acknowledgement before the gap (or the period's start). */
  readonly fromMs: number;
  /** The first acknowledgement after it (or the period's end). */
  readonly toMs: number;
  readonly durationMs: number;
}

export interface PartitionAvailability {
  readonly partition: number;
  readonly acknowledgedSends: number;
  /** Quantiles over every gap between acknowledgements, in ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Gaps of at least the threshold, in time order. */
  readonly windows: readonly UnavailabilityWindow[];
}

/** The `q` quantile (0..1) of sorted values, nearest rank; 0 for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/**
 * Per partition written to (or listed in `partitions`), the gaps between acknowledged writes within
 * [startMs, endMs]; gaps of `thresholdMs` or more are listed as windows.
 */
export function unavailability(
  sends: readonly SendOp[],
  startMs: number,
  endMs: number,
  thresholdMs: number,
  partitions: readonly number[] = [],
): PartitionAvailability[] {
  const acks = new Map<number, number[]>(partitions.map((p) => [p, []]));
  for (const send of sends) {
    if (!acks.has(send.partition)) acks.set(send.partition, []);
    if (send.outcome === 'ok' && send.completeMs >= startMs && send.completeMs <= endMs) acks.get(send.partition)!.push(send.completeMs);
  }
  return [...acks.entries()]
    .sort(([a], [b]) => a - b)
    .map(([partition, times]) => {
      times.sort((a, b) => a - b);
      const edges = [startMs, ...times, endMs];
      const windows: UnavailabilityWindow[] = [];
      const gaps: number[] = [];
      for (let i = 1; i < edges.length; i++) {
        const gap = edges[i]! - edges[i - 1]!;
        gaps.push(gap);
        if (gap >= thresholdMs) windows.push({ partition, fromMs: edges[i - 1]!, toMs: edges[i]!, durationMs: gap });
      }
      gaps.sort((a, b) => a - b);
      return { partition, acknowledgedSends: times.length, p50Ms: quantile(gaps, 0.5), p99Ms: quantile(gaps, 0.99), maxMs: gaps.at(-1) ?? 0, windows };
    });
}
