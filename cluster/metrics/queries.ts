/**
 * The few PromQL-like operations `brokerlab metrics` needs over one scrape: a sum over matching
 * series, and a quantile estimated from histogram buckets the way `histogram_quantile` does
 * (linear interpolation inside the bucket holding the rank).
 */
import type { Sample } from './exposition.js';

export type LabelFilter = Readonly<Record<string, string>>;

function matches(sample: Sample, name: string, filter: LabelFilter): boolean {
  if (sample.name !== name) return false;
  for (const [key, value] of Object.entries(filter)) if (sample.labels[key] !== value) return false;
  return true;
}

/** Sum of every series of `name` matching `filter`; undefined when there is none. */
export function sumOf(samples: readonly Sample[], name: string, filter: LabelFilter = {}): number | undefined {
  let total: number | undefined;
  for (const s of samples) if (matches(s, name, filter)) total = (total ?? 0) + s.value;
  return total;
}

/**
 * The q-quantile (0..1) of histogram `name` (its `name_bucket` series) over every series
 * matching `filter`, buckets of the same `le` added up. Undefined without observations; the
 * largest finite bound when the rank falls in the +Inf bucket.
 */
export function histogramQuantile(samples: readonly Sample[], name: string, q: number, filter: LabelFilter = {}): number | undefined {
  const byBound = new Map<number, number>();
  for (const s of samples) {
    if (!matches(s, `${name}_bucket`, filter)) continue;
    const le = s.labels['le'];
    if (le === undefined) continue;
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    byBound.set(bound, (byBound.get(bound) ?? 0) + s.value);
  }
  const buckets = [...byBound].sort((a, b) => a[0] - b[0]);
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [bound, count] of buckets) {
    if (count >= rank) {
      if (bound === Number.POSITIVE_INFINITY) return lowerBound;
      const inBucket = count - lowerCount;
      return inBucket === 0 ? bound : lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / inBucket;
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}
