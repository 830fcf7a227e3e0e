/**
 * Rates over time from event timestamps: counts per time step (for the chart) and the highest
 * count in any sliding one-second window (the peak a downstream store actually saw).
 */

/** Events (each `count` at `atMs`) per step of `stepMs`, from `startMs` for `steps` steps, as a rate per second. */
export function ratePerStep(events: readonly { atMs: number; count: number }[], startMs: number, stepMs: number, steps: number): number[] {
  const counts = new Array<number>(steps).fill(0);
  for (const e of events) {
    const step = Math.floor((e.atMs - startMs) / stepMs);
    if (step >= 0 && step < steps) counts[step]! += e.count;
  }
  return counts.map((c) => (c * 1000) / stepMs);
}

/** The most events that fall within any window [t, t + 1000 ms). Events must be in time order. */
export function peakPerSecond(events: readonly { atMs: number; count: number }[]): number {
  let peak = 0;
  let inWindow = 0;
  let first = 0;
  for (const e of events) {
    inWindow += e.count;
    while (e.atMs - events[first]!.atMs >= 1000) inWindow -= events[first++]!.count;
    peak = Math.max(peak, inWindow);
  }
  return peak;
}
