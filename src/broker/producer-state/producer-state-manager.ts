/**
 * One partition's producer state: for every idempotent producer that wrote to it, the current epoch
 * and its last five batches. The state is a function of the log: it is updated from every batch the
 * log appends (leader and follower alike) and can be rebuilt from the log at any time, so a
 * follower that becomes leader already knows every producer's sequences.
 *
 * Invariants: the state reflects exactly the batches below `mapEndOffset()`, which equals the log
 * end after every append, truncation and rebuild; every snapshot on storage lies at a batch boundary
 * at or below it, and the newest was taken from this state or loaded into it.
 *
 * Snapshot policy: once `snapshotIntervalBytes` of log have been applied since the last snapshot,
 * the state is written at the next batch boundary, on leaders, followers and during replays alike;
 * also on `takeSnapshot()` (clean shutdown) and when the log start passes every snapshot. The newest
 * `snapshotsRetained` are kept. A rebuild therefore replays at most about `snapshotIntervalBytes`.
 */
import { assert } from '../../common/errors.js';
import { isBrokerError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { nextOffsetOf } from '../../log/batch/index.js';
import type { PartitionLog } from '../../log/index.js';
import { resolveProducerStateConfig, type ProducerStateConfig } from './config.js';
import { replayLog } from './log-replay.js';
import { checkProduce, isIdempotent, type ProduceCheck } from './produce-check.js';
import {
  ProducerEntry,
  batchMetadataOf,
  type AppendedBatchHeader,
  type ProducerBatchHeader,
  type ProducerEntryView,
} from './producer-entry.js';
import type { ProducerStateSnapshot } from './snapshot-codec.js';
import type { ProducerSnapshotStore } from './snapshot-store.js';

export interface ProducerStateManagerOptions {
  config?: Partial<ProducerStateConfig>;
  /** Without a store nothing is snapshotted and every rebuild replays the whole log. */
  snapshots?: ProducerSnapshotStore;
  logger?: Logger;
}

export interface RebuildReport {
  /** The snapshot the state started from, or undefined when it was replayed from the log start. */
  readonly snapshotOffset: number | undefined;
  readonly replayedBatches: number;
  readonly replayedBytes: number;
}

export class ProducerStateManager {
  readonly config: ProducerStateConfig;
  private readonly producers = new Map<number, ProducerEntry>();
  private readonly snapshots: ProducerSnapshotStore | undefined;
  private readonly logger: Logger | undefined;
  private readonly fencedLogged = new Set<string>();
  private endOffset = 0;
  /** Offset of the newest snapshot on storage, if any. */
  private latestSnapshotOffset: number | undefined;
  private bytesSinceSnapshot = 0;

  constructor(options: ProducerStateManagerOptions = {}) {
    this.config = resolveProducerStateConfig(options.config);
    this.snapshots = options.snapshots;
    this.logger = options.logger;
  }

  /** The offset after the last batch the state reflects. */
  mapEndOffset(): number {
    return this.endOffset;
  }

  producerCount(): number {
    return this.producers.size;
  }

  entry(producerId: number): ProducerEntryView | undefined {
    return this.producers.get(producerId)?.view();
  }

  /** Every producer's state, by producer id. */
  entries(): ProducerEntryView[] {
    return [...this.producers.values()].sort((a, b) => a.producerId - b.producerId).map((e) => e.view());
  }

  /** The leader's decision on a producer's batch before appending it; changes nothing (see produce-check.ts). */
  checkProduce(header: ProducerBatchHeader): ProduceCheck {
    const entry = isIdempotent(header) ? this.producers.get(header.producerId) : undefined;
    try {
      return checkProduce(entry, header);
    } catch (e) {
      if (entry && isBrokerError(e, 'INVALID_PRODUCER_EPOCH')) this.noteFenced(header.producerId, header.producerEpoch, entry.producerEpoch);
      throw e;
    }
  }

  /**
   * The cluster's `producer-fenced` event: a producer writing with an epoch older than the one a
   * newer incarnation of it started. A zombie retries, so each fenced epoch is logged once.
   */
  private noteFenced(producerId: number, epoch: number, currentEpoch: number): void {
    const key = `${producerId}/${epoch}`;
    if (this.fencedLogged.has(key)) return;
    this.fencedLogged.add(key);
    this.logger?.info({ event: 'producer-fenced', producerId, epoch, currentEpoch, reason: 'a newer epoch of this producer id is writing' }, 'producer fenced');
  }

  /**
   * Applies a batch the log has just appended, with its assigned offsets. Every appended batch must
   * come through here, in log order, idempotent or not: the state must know where the log ends. A
   * follower of a compacted leader appends across gaps, so a batch may start above that end.
   */
  onAppended(header: AppendedBatchHeader): void {
    assert(
      header.baseOffset >= this.endOffset,
      `producer state ends at ${this.endOffset} but the appended batch starts at ${header.baseOffset}: an append or a truncation was not reported`,
    );
    this.apply(header);
  }

  /** Forgets producers idle for producer.id.expiration.ms, judged by their newest batch's timestamp. */
  removeExpiredProducers(nowMs: number): number {
    let removed = 0;
    for (const [producerId, entry] of this.producers) {
      if (this.isExpired(entry, nowMs)) {
        this.producers.delete(producerId);
        removed++;
      }
    }
    return removed;
  }

  /** Writes the state as of `mapEndOffset()` unless a snapshot of that offset exists. Returns whether it wrote. */
  takeSnapshot(): boolean {
    if (!this.snapshots || this.latestSnapshotOffset === this.endOffset) return false;
    assert(this.latestSnapshotOffset === undefined || this.latestSnapshotOffset < this.endOffset, `snapshot at ${this.latestSnapshotOffset} beyond the state end ${this.endOffset}`);
    this.snapshots.write({ offset: this.endOffset, producers: this.entries() });
    this.latestSnapshotOffset = this.endOffset;
    this.bytesSinceSnapshot = 0;
    this.snapshots.retainLatest(this.config.snapshotsRetained);
    this.logger?.debug({ offset: this.endOffset, producers: this.producers.size }, 'wrote producer state snapshot');
    return true;
  }

  /**
   * Rebuilds the state from the latest valid snapshot within the log and the batches after it, up to
   * the log end. Snapshots beyond the log end or below its start are deleted first, corrupt ones
   * when met; with none left the whole log is replayed. Producers expired at `nowMs` are not loaded.
   */
  rebuild(log: PartitionLog, nowMs: number): RebuildReport {
    const logStart = log.logStartOffset();
    const logEnd = log.logEndOffset();
    this.producers.clear();
    this.endOffset = logStart;
    this.latestSnapshotOffset = undefined;
    this.bytesSinceSnapshot = 0;

    const snapshot = this.loadSnapshotWithin(logStart, logEnd);
    if (snapshot) {
      for (const view of snapshot.producers) {
        const entry = ProducerEntry.fromView(view);
        if (!this.isExpired(entry, nowMs)) this.producers.set(entry.producerId, entry);
      }
      this.endOffset = snapshot.offset;
      this.latestSnapshotOffset = snapshot.offset;
    }
    const replayed = replayLog(log, this.endOffset, this.config.replayChunkBytes, (header) => this.apply(header));
    // Equal, unless the log ends in a gap (a compacted log truncated between two batches).
    assert(this.endOffset <= logEnd, `rebuilt producer state ends at ${this.endOffset}, beyond the log at ${logEnd}`);
    this.endOffset = logEnd;
    const report: RebuildReport = { snapshotOffset: snapshot?.offset, replayedBatches: replayed.batches, replayedBytes: replayed.bytes };
    this.logger?.info({ ...report, producers: this.producers.size, logEndOffset: logEnd }, 'loaded producer state');
    return report;
  }

  /**
   * Brings the state back in line after the log was truncated (`log.truncateTo`): reloads from the
   * newest snapshot at or below the new log end and replays from there. Returns undefined when the
   * truncation removed nothing the state reflects.
   */
  truncateAndReload(log: PartitionLog, nowMs: number): RebuildReport | undefined {
    const logEnd = log.logEndOffset();
    assert(logEnd <= this.endOffset, `log end ${logEnd} beyond the producer state end ${this.endOffset}: appends were not reported`);
    if (logEnd === this.endOffset) return undefined;
    if (log.logStartOffset() === logEnd) {
      // Nothing is left in the log (it may even have restarted lower): no state can be derived from it.
      this.truncateFullyAndStartAt(logEnd);
      return { snapshotOffset: undefined, replayedBatches: 0, replayedBytes: 0 };
    }
    return this.rebuild(log, nowMs);
  }

  /** Forgets everything and every snapshot: the log was emptied and restarts at `offset`. */
  truncateFullyAndStartAt(offset: number): void {
    assert(Number.isSafeInteger(offset) && offset >= 0, `restart at invalid offset ${offset}`);
    this.producers.clear();
    this.snapshots?.removeAll();
    this.endOffset = offset;
    this.latestSnapshotOffset = undefined;
    this.bytesSinceSnapshot = 0;
  }

  /**
   * The log start moved up (retention, DeleteRecords). Snapshots below it can no longer be replayed
   * forward and go; if none is left, the current state is written so a restart does not lose the
   * producers whose batches were all deleted.
   */
  onLogStartOffsetAdvanced(logStartOffset: number): void {
    assert(logStartOffset <= this.endOffset, `log start ${logStartOffset} beyond the producer state end ${this.endOffset}`);
    if (!this.snapshots) return;
    this.snapshots.removeBelow(logStartOffset);
    if (this.latestSnapshotOffset !== undefined && this.latestSnapshotOffset < logStartOffset) this.latestSnapshotOffset = undefined;
    if (this.latestSnapshotOffset === undefined) this.takeSnapshot();
  }

  private apply(header: AppendedBatchHeader): void {
    const next = nextOffsetOf(header);
    assert(next > this.endOffset, `batch ending at ${next} does not extend the producer state beyond ${this.endOffset}`);
    // Batches without a sequence (none a client may write) carry no idempotence to track.
    if (isIdempotent(header) && header.baseSequence >= 0) {
      const batch = batchMetadataOf(header);
      const entry = this.producers.get(header.producerId);
      if (entry) entry.append(header.producerEpoch, batch);
      else this.producers.set(header.producerId, new ProducerEntry(header.producerId, header.producerEpoch, [batch]));
    }
    this.endOffset = next;
    this.bytesSinceSnapshot += header.sizeInBytes;
    if (this.bytesSinceSnapshot >= this.config.snapshotIntervalBytes) this.takeSnapshot();
  }

  private loadSnapshotWithin(logStart: number, logEnd: number): ProducerStateSnapshot | undefined {
    if (!this.snapshots) return undefined;
    this.snapshots.removeAbove(logEnd);
    this.snapshots.removeBelow(logStart);
    return this.snapshots.loadLatestValid();
  }

  private isExpired(entry: ProducerEntry, nowMs: number): boolean {
    return nowMs - entry.lastTimestamp >= this.config.producerIdExpirationMs;
  }
}
