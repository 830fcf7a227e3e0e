/**
 * Which old segments retention removes, as Kafka decides it: in order, segments whose newest
 * record is older than `retentionMs`; then, oldest first, segments whose removal still leaves the
 * log at or above `retentionBytes`; then segments entirely below the log start offset. Only whole
 * segments go, oldest first, and never the active segment. A segment goes only when all of it lies
 * below `upperBoundOffset` (the high watermark on a running replica, as Kafka bounds deletion by
 * it): records not yet committed must stay, or a consumer could never read what a producer was
 * told was written.
 */
import type { LogConfig } from './config.js';
import type { LogSegment } from './segment/log-segment.js';

/** How many of the oldest `segments` (the last is the active one) retention removes. */
export function segmentsToRetain(
  segments: readonly LogSegment[],
  config: Pick<LogConfig, 'retentionMs' | 'retentionBytes'>,
  nowMs: number,
  logStartOffset: number,
  upperBoundOffset: number = Number.POSITIVE_INFINITY,
): number {
  let deletable = 0;
  while (deletable < segments.length - 1 && segments[deletable + 1]!.baseOffset <= upperBoundOffset) deletable++;
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
