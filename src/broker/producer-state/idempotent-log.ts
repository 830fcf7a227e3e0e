/**
 * A partition log that keeps its producer state in step with every change, so the replica code
 * above it gets idempotence without knowing about it: a leader append of a batch the producer
 * already wrote (a retry whose acknowledgement was lost) is not appended again but answered with
 * the original offsets; follower appends and truncations update or roll back the state. The check
 * and the append happen in one synchronous call, so no other batch can slip between them.
 */
import type { Clock } from '../../common/clock.js';
import type { Logger } from '../../common/logger.js';
import { validateBatchHeader } from '../../log/batch/layout.js';
import type { Storage } from '../../log/storage/storage.js';
import type { RuntimeLogSettings } from '../../log/config.js';
import type { AppendInfo, CleanRequest, CleanStats, EpochEndOffset, LogReadResult, PartitionLog } from '../../log/types.js';
import type { ProducerStateConfig } from './config.js';
import { ProducerStateGuard } from './producer-state-guard.js';

export interface IdempotentLogOptions {
  clock: Clock;
  snapshots?: { storage: Storage; dir: string };
  config?: Partial<ProducerStateConfig>;
  logger?: Logger;
}

export class IdempotentLog implements PartitionLog {
  readonly guard: ProducerStateGuard;

  constructor(
    private readonly inner: PartitionLog,
    options: IdempotentLogOptions,
  ) {
    this.guard = ProducerStateGuard.open({ log: inner, ...options });
  }

  get topic(): string {
    return this.inner.topic;
  }

  get partition(): number {
    return this.inner.partition;
  }

  logStartOffset(): number {
    return this.inner.logStartOffset();
  }

  logEndOffset(): number {
    return this.inner.logEndOffset();
  }

  /**
   * A duplicate comes back as an AppendInfo at its original offsets with nothing appended
   * (`batches` empty, size 0); the caller answers it like any append, acks=all included.
   */
  appendAsLeader(batch: Buffer, leaderEpoch: number): AppendInfo {
    const check = this.guard.beforeLeaderAppend(validateBatchHeader(batch));
    if (check.kind === 'duplicate') {
      return { firstOffset: check.firstOffset, lastOffset: check.lastOffset, maxTimestamp: -1, batches: [], sizeInBytes: 0 };
    }
    const info = this.inner.appendAsLeader(batch, leaderEpoch);
    this.guard.afterAppend(info);
    return info;
  }

  appendAsFollower(batches: Buffer): AppendInfo {
    const info = this.inner.appendAsFollower(batches);
    this.guard.afterAppend(info);
    return info;
  }

  read(startOffset: number, maxBytes: number, maxOffset?: number): LogReadResult {
    return this.inner.read(startOffset, maxBytes, maxOffset);
  }

  truncateTo(offset: number): void {
    const before = this.inner.logEndOffset();
    this.inner.truncateTo(offset);
    if (this.inner.logEndOffset() !== before) this.guard.afterTruncate();
  }

  truncateFullyAndStartAt(offset: number): void {
    this.inner.truncateFullyAndStartAt(offset);
    this.guard.afterTruncateFully();
  }

  endOffsetForEpoch(epoch: number): EpochEndOffset {
    return this.inner.endOffsetForEpoch(epoch);
  }

  latestEpoch(): number {
    return this.inner.latestEpoch();
  }

  advanceLogStartOffset(offset: number): void {
    this.inner.advanceLogStartOffset(offset);
    this.guard.afterLogStartAdvanced();
  }

  applyRetention(nowMs: number, upperBoundOffset?: number): number {
    const removed = this.inner.applyRetention(nowMs, upperBoundOffset);
    if (removed > 0) this.guard.afterLogStartAdvanced();
    return removed;
  }

  sizeInBytes(): number {
    return this.inner.sizeInBytes();
  }

  segmentCount(): number {
    return this.inner.segmentCount();
  }

  rollIfDue(): boolean {
    return this.inner.rollIfDue();
  }

  /** The cleaner keeps each producer's last batch, so the producer state needs nothing from it. */
  clean(request: CleanRequest): CleanStats | undefined {
    return this.inner.clean(request);
  }

  reconfigure(settings: Partial<RuntimeLogSettings>): void {
    this.inner.reconfigure(settings);
  }

  flush(): void {
    this.inner.flush();
  }

  close(): void {
    this.guard.close();
    this.inner.close();
  }
}
