/**
 * Several gauges read the same state (every replica's status, say). One scrape calls their
 * collect callbacks back to back, so the state is read once and shared for a short moment
 * instead of being rebuilt by each gauge.
 */
export function snapshotPerScrape<T>(read: () => T, reuseMs = 200): () => T {
  let takenAt = Number.NEGATIVE_INFINITY;
  let value: T | undefined;
  return () => {
    const now = performance.now();
    if (value === undefined || now - takenAt > reuseMs) {
      value = read();
      takenAt = now;
    }
    return value;
  };
}
