/**
 * Which old segments retention removes, as Kafka decides it: in order, segments whose newest
 * record is older than `retentionMs`; then, oldest first, segments whose removal still leaves the
 * log at or above `retentionBytes`; then segments entirely below the log start offset. Only whole
 * segments go, oldest first, and never the active segment.
 */
import type { LogConfig } from './config.js';
import type { LogSegment } from './segment/log-segment.js';

/** How many of the oldest `segments` (the last is the active one) retention removes. */
export function segmentsToRetain(
  segments: readonly LogSegment[],
  config: Pick<LogConfig, 'retentionMs' | 'retentionBytes'>,
  nowMs: number,
  logStartOffset: number,
): number {
  const deletable = segments.length - 1;
  let removed = 0;

  if (config.retentionMs >= 0) {
    while (removed < deletable && nowMs - segments[removed]!.maxTimestampMs() > config.retentionMs) removed++;
  }

  if (config.retentionBytes >= 0) {
    let excessBytes = -config.retentionBytes;
    for (let i = removed; i < segments.length; i++) excessBytes += segments[i]!.sizeBytes();
    while (removed < deletable && excessBytes - segments[removed]!.sizeBytes() >= 0) {
      excessBytes -= segments[removed]!.sizeBytes();
      removed++;
    }
  }

  while (removed < deletable && segments[removed + 1]!.baseOffset <= logStartOffset) removed++;
  return removed;
}
