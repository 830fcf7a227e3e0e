/**
 * The leader's decision on a producer's batch before it is appended, as Kafka 3.x makes it
 * (ProducerStateEntry.findDuplicateBatch, then ProducerAppendInfo.checkProducerEpoch and
 * checkSequence for client appends):
 *
 * - no producer id: append, nothing tracked;
 * - same epoch and exactly the sequence range of one of the cached batches: a duplicate, answered
 *   with that batch's offsets and not appended again;
 * - epoch older than the current one: INVALID_PRODUCER_EPOCH;
 * - newer epoch: the sequence must restart at 0, else OUT_OF_ORDER_SEQUENCE_NUMBER;
 * - same epoch: the sequence must follow the last one exactly, else OUT_OF_ORDER_SEQUENCE_NUMBER
 *   (a gap, or a retry older than the cached batches — Kafka stopped answering the latter with
 *   DUPLICATE_SEQUENCE_NUMBER long ago);
 * - a producer this partition has no state for: any sequence is accepted. Kafka does this since 2.5
 *   (KIP-360): the state may be gone because retention or DeleteRecords removed every batch of the
 *   producer, or because it expired, and refusing would make the client reset its sequences and
 *   resend, risking the duplicates idempotence exists to prevent. UNKNOWN_PRODUCER_ID, which Kafka
 *   answered here before 2.5, is therefore never returned; neither is the OUT_OF_ORDER_SEQUENCE_NUMBER
 *   Kafka 4 returns only for transactional producers of transaction version 2.
 */
import { errors } from '../../common/errors.js';
import { NO_PRODUCER_ID } from '../../log/batch/index.js';
import { isNextSequence, lastSequenceOf, type ProducerBatchHeader, type ProducerEntry } from './producer-entry.js';

export type ProduceCheck =
  | { readonly kind: 'append' }
  /** A retry of a batch already in the log: acknowledge it at these offsets, append nothing. */
  | { readonly kind: 'duplicate'; readonly firstOffset: number; readonly lastOffset: number };

const APPEND: ProduceCheck = Object.freeze({ kind: 'append' });

export function isIdempotent(header: Pick<ProducerBatchHeader, 'producerId'>): boolean {
  return header.producerId !== NO_PRODUCER_ID;
}

/**
 * Decides on `header` given the producer's current entry (undefined if unknown). Pure: changes
 * nothing. Throws INVALID_RECORD, INVALID_PRODUCER_EPOCH or OUT_OF_ORDER_SEQUENCE_NUMBER.
 */
export function checkProduce(entry: ProducerEntry | undefined, header: ProducerBatchHeader): ProduceCheck {
  if (!isIdempotent(header)) return APPEND;
  const { producerId, producerEpoch, baseSequence } = header;
  if (baseSequence < 0) {
    // The log's own validation refuses this too; checked here so nothing below sees a missing sequence.
    throw errors.invalidRecord(`invalid base sequence ${baseSequence} for producer id ${producerId}`);
  }
  if (entry === undefined) return APPEND;

  const lastSequence = lastSequenceOf(header);
  const duplicate = entry.findDuplicate(producerEpoch, baseSequence, lastSequence);
  if (duplicate) return { kind: 'duplicate', firstOffset: duplicate.firstOffset, lastOffset: duplicate.lastOffset };

  const currentEpoch = entry.producerEpoch;
  if (producerEpoch < currentEpoch) {
    throw errors.invalidProducerEpoch(`producer ${producerId} sent epoch ${producerEpoch}, older than the current epoch ${currentEpoch}`, {
      producerId,
      producerEpoch,
      currentEpoch,
    });
  }
  if (producerEpoch > currentEpoch) {
    if (baseSequence === 0) return APPEND;
    throw errors.outOfOrderSequenceNumber(
      `producer ${producerId} started epoch ${producerEpoch} at sequence ${baseSequence}; a new epoch starts at 0`,
      { producerId, producerEpoch, baseSequence, expectedSequence: 0 },
    );
  }
  if (isNextSequence(entry.lastSequence, baseSequence)) return APPEND;
  const expectedSequence = isNextSequence(entry.lastSequence, 0) ? 0 : entry.lastSequence + 1;
  throw errors.outOfOrderSequenceNumber(
    `producer ${producerId} epoch ${producerEpoch} sent sequence ${baseSequence}, expected ${expectedSequence}`,
    { producerId, producerEpoch, baseSequence, expectedSequence },
  );
}
