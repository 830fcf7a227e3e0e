/**
 * What one partition remembers about one idempotent producer: its current epoch and the metadata of
 * its last few appended batches. Five batches is enough because an idempotent producer keeps at most
 * five requests in flight per partition (`max.in.flight.requests.per.connection` <= 5), so any retry
 * it can send is of one of its last five batches.
 *
 * Sequences are int32 and wrap from 2^31-1 to 0, as Kafka's DefaultRecordBatch.incrementSequence.
 */
import { assert } from '../../common/errors.js';
import { lastOffsetOf, sequenceAt, type BatchHeader } from '../../log/batch/index.js';

export const BATCHES_RETAINED_PER_PRODUCER = 5;
export const MAX_SEQUENCE = 0x7fff_ffff;

/** Where one appended batch of a producer landed, and which sequences it carried. */
export interface BatchMetadata {
  readonly firstSequence: number;
  readonly lastSequence: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly maxTimestamp: number;
}

/** A copy of one producer's state, for snapshots, status and comparisons. */
export interface ProducerEntryView {
  readonly producerId: number;
  readonly producerEpoch: number;
  /** Oldest first; never empty. */
  readonly batches: readonly BatchMetadata[];
}

/** The header fields the producer state reads from a batch. */
export type ProducerBatchHeader = Pick<BatchHeader, 'producerId' | 'producerEpoch' | 'baseSequence' | 'lastOffsetDelta'>;

/** The header fields of a batch that has been appended (its offsets assigned). */
export type AppendedBatchHeader = ProducerBatchHeader & Pick<BatchHeader, 'baseOffset' | 'maxTimestamp' | 'sizeInBytes'>;

/** The sequence of the batch's last record; Kafka counts by offset delta, so gaps from compaction keep their sequences. */
export function lastSequenceOf(header: Pick<BatchHeader, 'baseSequence' | 'lastOffsetDelta'>): number {
  return sequenceAt(header.baseSequence, header.lastOffsetDelta);
}

/** True when `next` is the sequence that must follow `last`. */
export function isNextSequence(last: number, next: number): boolean {
  return last === MAX_SEQUENCE ? next === 0 : next === last + 1;
}

export function batchMetadataOf(header: AppendedBatchHeader): BatchMetadata {
  return {
    firstSequence: header.baseSequence,
    lastSequence: lastSequenceOf(header),
    firstOffset: header.baseOffset,
    lastOffset: lastOffsetOf(header),
    maxTimestamp: header.maxTimestamp,
  };
}

export class ProducerEntry {
  private epoch: number;
  /** Oldest first, at most BATCHES_RETAINED_PER_PRODUCER, all of the current epoch. */
  private readonly retained: BatchMetadata[] = [];

  constructor(
    readonly producerId: number,
    producerEpoch: number,
    batches: readonly BatchMetadata[],
  ) {
    assert(batches.length > 0 && batches.length <= BATCHES_RETAINED_PER_PRODUCER, `producer ${producerId} with ${batches.length} batches`);
    this.epoch = producerEpoch;
    for (const batch of batches) this.push(batch);
  }

  static fromView(view: ProducerEntryView): ProducerEntry {
    return new ProducerEntry(view.producerId, view.producerEpoch, view.batches);
  }

  get producerEpoch(): number {
    return this.epoch;
  }

  get lastSequence(): number {
    return this.newest().lastSequence;
  }

  /** The newest batch's timestamp: what expiration measures idleness by, as Kafka does. */
  get lastTimestamp(): number {
    return this.newest().maxTimestamp;
  }

  /** The cached batch of this epoch with exactly this sequence range: a retry of it is a duplicate. */
  findDuplicate(producerEpoch: number, firstSequence: number, lastSequence: number): BatchMetadata | undefined {
    if (producerEpoch !== this.epoch) return undefined;
    return this.retained.find((b) => b.firstSequence === firstSequence && b.lastSequence === lastSequence);
  }

  /**
   * Records an appended batch. A different epoch starts a new sequence space, so the batches of the
   * old one can no longer be retried and are dropped. The log is the authority here: followers and
   * replays apply whatever the leader wrote, even an epoch lower than the current one.
   */
  append(producerEpoch: number, batch: BatchMetadata): void {
    if (producerEpoch !== this.epoch) {
      this.retained.length = 0;
      this.epoch = producerEpoch;
    }
    this.push(batch);
  }

  view(): ProducerEntryView {
    return { producerId: this.producerId, producerEpoch: this.epoch, batches: this.retained.slice() };
  }

  private push(batch: BatchMetadata): void {
    const previous = this.retained[this.retained.length - 1];
    assert(batch.firstOffset <= batch.lastOffset, `producer ${this.producerId}: batch offsets ${batch.firstOffset}..${batch.lastOffset}`);
    assert(!previous || batch.firstOffset > previous.lastOffset, `producer ${this.producerId}: batch at ${batch.firstOffset} not after ${previous?.lastOffset}`);
    if (this.retained.length === BATCHES_RETAINED_PER_PRODUCER) this.retained.shift();
    this.retained.push(batch);
  }

  private newest(): BatchMetadata {
    const newest = this.retained[this.retained.length - 1];
    assert(newest !== undefined, `producer ${this.producerId} has no batches`);
    return newest;
  }
}
