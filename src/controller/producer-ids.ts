/**
 * Producer id blocks for idempotent producers. The next free id lives in the metadata image, so a
 * block handed out by one controller is never handed out again by its successor.
 */
import { assert } from '../common/errors.js';
import { checkBrokerEpoch } from './broker-lifecycle.js';
import type { RecordBatch } from './record-batch.js';
import type { AllocateProducerIdsRequest, ProducerIdBlock } from './types.js';

/** Kafka's block size. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

export function allocateProducerIds(batch: RecordBatch, req: AllocateProducerIdsRequest): ProducerIdBlock {
  checkBrokerEpoch(batch.image, req.brokerId, req.brokerEpoch);
  const start = batch.image.nextProducerId;
  const next = start + PRODUCER_ID_BLOCK_SIZE;
  assert(Number.isSafeInteger(next), 'producer ids exhausted');
  batch.add({ type: 'ProducerIds', brokerId: req.brokerId, brokerEpoch: req.brokerEpoch, nextProducerId: next });
  return { producerIdStart: start, producerIdLen: PRODUCER_ID_BLOCK_SIZE };
}
