/**
 * The segments of one partition log in offset order. The last is the active segment, the only one
 * appended to; there is always at least one. Each segment starts at or above where the previous
 * one ends (above it when the batches at the boundary were compacted away).
 */
import { assert } from '../../common/errors.js';
import type { LogSegment } from './log-segment.js';

export class SegmentList {
  private readonly segments: LogSegment[];

  constructor(segments: LogSegment[]) {
    assert(segments.length > 0, 'a log has at least one segment');
    this.segments = segments;
  }

  get length(): number {
    return this.segments.length;
  }

  at(i: number): LogSegment {
    const segment = this.segments[i];
    assert(segment !== undefined, `no segment ${i} of ${this.segments.length}`);
    return segment;
  }

  first(): LogSegment {
    return this.segments[0]!;
  }

  active(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  all(): readonly LogSegment[] {
    return this.segments;
  }

  /** Index of the segment holding `offset`: the last one starting at or below it (0 if none does). */
  indexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) lo = mid + 1;
      else hi = mid;
    }
    return Math.max(0, lo - 1);
  }

  sizeBytes(): number {
    let total = 0;
    for (const segment of this.segments) total += segment.sizeBytes();
    return total;
  }

  /** Adds a new active segment, which must start where the current one ends. */
  push(segment: LogSegment): void {
    assert(segment.baseOffset >= this.active().nextOffset(), `segment ${segment.baseOffset} starts below the log end ${this.active().nextOffset()}`);
    this.segments.push(segment);
  }

  /** Takes the `count` oldest segments out of the list (never the active one). */
  removeOldest(count: number): LogSegment[] {
    assert(count < this.segments.length, `cannot remove ${count} of ${this.segments.length} segments: the active one stays`);
    return this.segments.splice(0, count);
  }

  /** Takes every segment from index `from` on out of the list (at least one must remain). */
  removeFrom(from: number): LogSegment[] {
    assert(from >= 1, 'cannot remove every segment');
    return this.segments.splice(from);
  }

  /** Replaces `count` segments from index `from` (never the active one) by one covering them (the cleaner's swap). */
  replace(from: number, count: number, segment: LogSegment): void {
    assert(count >= 1 && from + count < this.segments.length, `cannot replace segments ${from}..${from + count - 1} of ${this.segments.length}`);
    assert(segment.baseOffset === this.segments[from]!.baseOffset, `segment ${segment.baseOffset} replaces segments from ${this.segments[from]!.baseOffset}`);
    this.segments.splice(from, count, segment);
  }

  /** Replaces every segment by `segment`; returns the ones replaced. */
  replaceAll(segment: LogSegment): LogSegment[] {
    return this.segments.splice(0, this.segments.length, segment);
  }
}
