/**
 * The leader-epoch cache: for each leader epoch seen in this log, the offset of its first batch.
 * It answers "where did epoch E end in this log", which is how a follower finds the point where
 * its log diverged from the leader's (KIP-101, KIP-279). Semantics follow Kafka's
 * LeaderEpochFileCache:
 *
 * - entries are strictly increasing in both epoch and start offset; assigning an entry removes
 *   any later entries that would break that (they belong to a history that was truncated away);
 * - `endOffsetFor(E)` answers the largest known epoch <= E together with the start offset of the
 *   next larger epoch, or the log end offset when E is the latest epoch;
 * - changes stay in memory until `flush()` writes the `leader-epoch-checkpoint` file durably.
 *
 * Writing on every change would cost two fsyncs per new epoch per partition, on the thread that
 * serves everything else: a leadership change across thousands of partitions then stalls a node
 * for seconds. The checkpoint only has to cover what recovery will not rescan: the log flushes it
 * before its recovery point moves forward, and crash recovery rebuilds the entries of every
 * segment it rescans from the epochs stamped in their batches (see the log loader).
 */
import { assert } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { EpochEndOffset } from '../types.js';
import type { Storage } from '../storage/storage.js';
import { parseNonNegativeInt, readCheckpoint, writeCheckpoint, type EntryCodec } from '../checkpoint/checkpoint-file.js';

export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: number;
}

const epochEntryCodec: EntryCodec<EpochEntry> = {
  format: (e) => `${e.epoch} ${e.startOffset}`,
  parse: (fields) => {
    if (fields.length !== 2) return undefined;
    const epoch = parseNonNegativeInt(fields[0]!);
    const startOffset = parseNonNegativeInt(fields[1]!);
    if (epoch === undefined || startOffset === undefined || epoch > 0x7fff_ffff) return undefined;
    return { epoch, startOffset };
  },
};

export class LeaderEpochCache {
  private entries: EpochEntry[] = [];
  /** Changed since the checkpoint was last written. */
  private dirty = false;
  /**
   * True when the checkpoint was missing or could not be trusted: the log rebuilds the cache from
   * the epochs stamped in its batches.
   */
  readonly needsRebuild: boolean;

  constructor(
    private readonly storage: Storage,
    readonly checkpointPath: string,
    private readonly logger?: Logger,
    /** The checkpoint is known not to exist (a new partition directory): do not look for it. */
    knownMissing = false,
  ) {
    const read = knownMissing ? ({ status: 'missing' } as const) : readCheckpoint(storage, checkpointPath, epochEntryCodec);
    if (read.status === 'ok' && isStrictlyIncreasing(read.entries)) {
      this.entries = read.entries;
      this.needsRebuild = false;
    } else {
      this.needsRebuild = true;
      if (read.status !== 'missing') {
        logger?.warn({ path: checkpointPath }, 'leader-epoch checkpoint is corrupt; rebuilding it from the log');
        // Rewritten at the next flush even if the rebuild finds no epochs, so the next start does
        // not warn again.
        this.dirty = true;
      }
    }
  }

  /** Entries in increasing order (a copy). */
  epochEntries(): EpochEntry[] {
    return [...this.entries];
  }

  latestEpoch(): number {
    return this.entries.length === 0 ? UNDEFINED_EPOCH : this.entries[this.entries.length - 1]!.epoch;
  }

  latestEntry(): EpochEntry | undefined {
    return this.entries[this.entries.length - 1];
  }

  /**
   * Records that `epoch` starts at `startOffset`. Ignored when it is already the latest epoch at an
   * equal or earlier offset; otherwise later entries that conflict with it are removed first.
   * Returns whether the cache changed.
   */
  assign(epoch: number, startOffset: number): boolean {
    assert(epoch >= 0 && startOffset >= 0, `invalid epoch entry ${epoch} -> ${startOffset}`);
    const latest = this.latestEntry();
    if (latest && latest.epoch === epoch && latest.startOffset <= startOffset) return false;
    const removed: EpochEntry[] = [];
    while (this.entries.length > 0) {
      const last = this.entries[this.entries.length - 1]!;
      if (last.epoch < epoch && last.startOffset < startOffset) break;
      removed.push(this.entries.pop()!);
    }
    if (removed.length > 1 || (removed.length === 1 && removed[0]!.startOffset !== startOffset)) {
      this.logger?.warn({ epoch, startOffset, removed }, 'new epoch entry removed conflicting entries');
    }
    this.entries.push({ epoch, startOffset });
    this.changed();
    return true;
  }

  /** Where `requestedEpoch` ends in this log, exactly as Kafka's LeaderEpochFileCache.endOffsetFor. */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset {
    if (requestedEpoch === UNDEFINED_EPOCH) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (this.latestEpoch() === requestedEpoch) return { epoch: requestedEpoch, endOffset: logEndOffset };
    const higher = this.firstIndexAbove(requestedEpoch);
    if (higher === this.entries.length) {
      // Larger than every known epoch (or no epochs at all).
      return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    }
    const higherEntry = this.entries[higher]!;
    if (higher === 0) {
      // Older than every epoch still in the log: the data was removed from the start; answer with
      // the first known epoch's start so a follower replicates from there.
      return { epoch: requestedEpoch, endOffset: higherEntry.startOffset };
    }
    return { epoch: this.entries[higher - 1]!.epoch, endOffset: higherEntry.startOffset };
  }

  /** Removes every entry starting at or after `endOffset` (the log was truncated to it). */
  truncateFromEnd(endOffset: number): void {
    if (endOffset < 0) return;
    let keep = this.entries.length;
    while (keep > 0 && this.entries[keep - 1]!.startOffset >= endOffset) keep--;
    if (keep === this.entries.length) return;
    this.entries.length = keep;
    this.changed();
  }

  /**
   * The log now starts at `startOffset`: entries starting at or before it collapse into one, the
   * latest of them, moved to start at `startOffset`.
   */
  truncateFromStart(startOffset: number): void {
    let removed = 0;
    while (removed < this.entries.length && this.entries[removed]!.startOffset <= startOffset) removed++;
    if (removed === 0) return;
    const survivor = this.entries[removed - 1]!;
    if (removed === 1 && survivor.startOffset === startOffset) return;
    this.entries = [{ epoch: survivor.epoch, startOffset }, ...this.entries.slice(removed)];
    this.changed();
  }

  clear(): void {
    if (this.entries.length === 0) return;
    this.entries = [];
    this.changed();
  }

  /** Writes the checkpoint (durably) if anything changed since it was last written. */
  flush(): void {
    if (!this.dirty) return;
    writeCheckpoint(this.storage, this.checkpointPath, epochEntryCodec, this.entries);
    this.dirty = false;
  }

  /** Index of the first entry with an epoch greater than `epoch` (binary search). */
  private firstIndexAbove(epoch: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.epoch <= epoch) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private changed(): void {
    this.dirty = true;
  }
}

function isStrictlyIncreasing(entries: readonly EpochEntry[]): boolean {
  for (let i = 1; i < entries.length; i++) {
    if (entries[i]!.epoch <= entries[i - 1]!.epoch || entries[i]!.startOffset <= entries[i - 1]!.startOffset) return false;
  }
  return true;
}
