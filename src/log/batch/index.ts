/**
 * Kafka's v2 record batch (magic 2), the one record format of brokerlab: producers build it, the
 * leader validates and stamps it, followers and segments store it, consumers read it, all as the
 * same bytes. Invariants: a batch read or validated here either yields well-formed records or
 * fails with a BrokerError (CORRUPT_MESSAGE, INVALID_RECORD, MESSAGE_TOO_LARGE,
 * UNSUPPORTED_COMPRESSION_TYPE), never another exception; baseOffset and partitionLeaderEpoch lie
 * outside the CRC, so stamping them never invalidates a batch; offsets and timestamps are plain
 * numbers and anything beyond 2^53 is treated as corrupt.
 */
export * from './layout.js';
export * from './varint.js';
export * from './compression.js';
export { buildBatch, type BatchOptions, type RecordHeader, type RecordInput } from './build.js';
export { sequenceAt, type BatchRecord, type RecordWalker } from './records.js';
export {
  iterateBatches,
  iterateRecords,
  openRecords,
  readRecords,
  type BatchPosition,
  type IterateBatchesOptions,
  type ReadOptions,
} from './read.js';
export { validateBatch, validateProducedBatch, type ValidateOptions, type ValidatedBatch } from './validate.js';
