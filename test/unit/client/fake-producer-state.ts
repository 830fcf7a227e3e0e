/**
 * The fake brokers' idempotence check, with the broker's rules (src/broker/producer-state): per
 * partition and producer id the epoch, the last sequence and the last five batches; a retry of one
 * of those is a duplicate answered with its original offset, a gap is OUT_OF_ORDER_SEQUENCE_NUMBER,
 * an older epoch INVALID_PRODUCER_EPOCH, and an unknown producer may start at any sequence.
 */
import { readBatchHeader } from '../../../src/log/batch/index.js';

const OUT_OF_ORDER_SEQUENCE_NUMBER = 45;
const INVALID_PRODUCER_EPOCH = 47;
const CACHED_BATCHES = 5;
const SEQUENCE_LIMIT = 0x8000_0000;

interface CachedBatch {
  firstSequence: number;
  lastSequence: number;
  baseOffset: number;
}

interface ProducerEntry {
  epoch: number;
  lastSequence: number;
  batches: CachedBatch[];
}

export type SequenceCheck = { kind: 'append' } | { kind: 'duplicate'; baseOffset: number } | { kind: 'error'; errorCode: number };

export class FakeProducerState {
  private readonly entries = new Map<string, ProducerEntry>();

  check(partitionKey: string, batch: Buffer): SequenceCheck {
    const header = readBatchHeader(batch);
    if (header.producerId < 0) return { kind: 'append' };
    const entry = this.entries.get(`${partitionKey}/${header.producerId}`);
    if (!entry) return { kind: 'append' };
    const lastSequence = (header.baseSequence + header.lastOffsetDelta) % SEQUENCE_LIMIT;
    const duplicate = entry.batches.find((b) => entry.epoch === header.producerEpoch && b.firstSequence === header.baseSequence && b.lastSequence === lastSequence);
    if (duplicate) return { kind: 'duplicate', baseOffset: duplicate.baseOffset };
    if (header.producerEpoch < entry.epoch) return { kind: 'error', errorCode: INVALID_PRODUCER_EPOCH };
    if (header.producerEpoch > entry.epoch) return header.baseSequence === 0 ? { kind: 'append' } : { kind: 'error', errorCode: OUT_OF_ORDER_SEQUENCE_NUMBER };
    return header.baseSequence === (entry.lastSequence + 1) % SEQUENCE_LIMIT ? { kind: 'append' } : { kind: 'error', errorCode: OUT_OF_ORDER_SEQUENCE_NUMBER };
  }

  /** Remembers an appended batch. */
  appended(partitionKey: string, batch: Buffer, baseOffset: number): void {
    const header = readBatchHeader(batch);
    if (header.producerId < 0) return;
    const key = `${partitionKey}/${header.producerId}`;
    let entry = this.entries.get(key);
    if (!entry || entry.epoch !== header.producerEpoch) {
      entry = { epoch: header.producerEpoch, lastSequence: -1, batches: [] };
      this.entries.set(key, entry);
    }
    const lastSequence = (header.baseSequence + header.lastOffsetDelta) % SEQUENCE_LIMIT;
    entry.lastSequence = lastSequence;
    entry.batches.push({ firstSequence: header.baseSequence, lastSequence, baseOffset });
    if (entry.batches.length > CACHED_BATCHES) entry.batches.shift();
  }
}
