/**
 * The fixed 61-byte header of a Kafka v2 record batch (magic 2), big-endian. Byte positions are
 * Kafka's own (DefaultRecordBatch.java). `baseOffset`, `batchLength` and `partitionLeaderEpoch`
 * lie outside the CRC, so a leader can stamp them in place without re-hashing.
 */
import { crc32c } from '@node-rs/crc32';
import { errors } from '../../common/errors.js';

export const BASE_OFFSET_OFFSET = 0;
export const BATCH_LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORDS_COUNT_OFFSET = 57;
export const RECORDS_OFFSET = 61;

/** Bytes before `batchLength`'s count starts: baseOffset (8) + batchLength (4). */
export const LOG_OVERHEAD = 12;
export const BATCH_HEADER_SIZE = RECORDS_OFFSET;
export const CURRENT_MAGIC = 2;

export const COMPRESSION_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_FLAG = 0x10;
export const CONTROL_FLAG = 0x20;

export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;

/**
 * What the log and the replication layer need to know about a batch, read without touching its
 * records. Offsets, timestamps and producer ids are int64 on the wire but plain numbers here: they
 * stay far below 2^53 in practice, and `readInt64` refuses anything that does not.
 */
export interface BatchHeader {
  baseOffset: number;
  /** Total size of the batch in bytes, including the 12-byte log overhead. */
  sizeInBytes: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/** Reads the header of the batch starting at `pos`. The caller must have checked that 61 bytes exist. */
export function readBatchHeader(buf: Buffer, pos = 0): BatchHeader {
  return {
    baseOffset: readInt64(buf, pos + BASE_OFFSET_OFFSET),
    sizeInBytes: buf.readInt32BE(pos + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD,
    partitionLeaderEpoch: buf.readInt32BE(pos + PARTITION_LEADER_EPOCH_OFFSET),
    magic: buf.readInt8(pos + MAGIC_OFFSET),
    crc: buf.readUInt32BE(pos + CRC_OFFSET),
    attributes: buf.readInt16BE(pos + ATTRIBUTES_OFFSET),
    lastOffsetDelta: buf.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET),
    baseTimestamp: readInt64(buf, pos + BASE_TIMESTAMP_OFFSET),
    maxTimestamp: readInt64(buf, pos + MAX_TIMESTAMP_OFFSET),
    producerId: readInt64(buf, pos + PRODUCER_ID_OFFSET),
    producerEpoch: buf.readInt16BE(pos + PRODUCER_EPOCH_OFFSET),
    baseSequence: buf.readInt32BE(pos + BASE_SEQUENCE_OFFSET),
    recordCount: buf.readInt32BE(pos + RECORDS_COUNT_OFFSET),
  };
}

/** Offset of the last record in the batch. */
export function lastOffsetOf(header: Pick<BatchHeader, 'baseOffset' | 'lastOffsetDelta'>): number {
  return header.baseOffset + header.lastOffsetDelta;
}

/** The offset after the batch: where the next batch starts. */
export function nextOffsetOf(header: Pick<BatchHeader, 'baseOffset' | 'lastOffsetDelta'>): number {
  return header.baseOffset + header.lastOffsetDelta + 1;
}

/** Reads a big-endian int64 as a number; values beyond 2^53 are corrupt for our purposes. */
export function readInt64(buf: Buffer, pos: number): number {
  const hi = buf.readInt32BE(pos);
  const lo = buf.readUInt32BE(pos + 4);
  if (hi > 0x1fffff || hi < -0x200000) throw errors.corruptMessage(`int64 at ${pos} is beyond 2^53`);
  return hi * 0x1_0000_0000 + lo;
}

export function writeInt64(buf: Buffer, value: number, pos: number): void {
  buf.writeBigInt64BE(BigInt(value), pos);
}

/** The CRC-32C Kafka stores: over every byte from `attributes` to the end of the batch. */
export function computeBatchCrc(buf: Buffer, pos: number, sizeInBytes: number): number {
  return crc32c(buf.subarray(pos + ATTRIBUTES_OFFSET, pos + sizeInBytes)) >>> 0;
}

/**
 * Size of the whole batch starting at `pos` if its length field is sane and the bytes are all
 * there; otherwise a CORRUPT_MESSAGE error. Does not check the CRC.
 */
export function checkedBatchSize(buf: Buffer, pos: number, maxBatchBytes = 0x7fff_ffff): number {
  const available = buf.length - pos;
  if (available < LOG_OVERHEAD) throw errors.corruptMessage(`truncated batch: ${available} bytes, need at least ${LOG_OVERHEAD}`);
  const size = buf.readInt32BE(pos + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
  if (size < BATCH_HEADER_SIZE) throw errors.corruptMessage(`batch length ${size} below the ${BATCH_HEADER_SIZE}-byte header`);
  if (size > maxBatchBytes) throw errors.messageTooLarge(`batch of ${size} bytes exceeds ${maxBatchBytes}`);
  if (size > available) throw errors.corruptMessage(`truncated batch: ${available} of ${size} bytes present`);
  return size;
}

/**
 * Validates the structure of the batch at `pos` cheaply (length, magic, CRC, counts) and returns its
 * header. Records are not decoded; `validateBatch` (validate.ts) does that when needed.
 */
export function validateBatchHeader(buf: Buffer, pos = 0, maxBatchBytes?: number): BatchHeader {
  const size = checkedBatchSize(buf, pos, maxBatchBytes);
  const header = readBatchHeader(buf, pos);
  if (header.magic !== CURRENT_MAGIC) throw errors.corruptMessage(`unsupported magic ${header.magic}, only magic 2 batches are accepted`);
  const crc = computeBatchCrc(buf, pos, size);
  if (crc !== header.crc) throw errors.corruptMessage(`CRC mismatch: stored ${header.crc.toString(16)}, computed ${crc.toString(16)}`);
  if (header.recordCount < 0 || header.lastOffsetDelta < 0) {
    throw errors.corruptMessage(`negative record count ${header.recordCount} or last offset delta ${header.lastOffsetDelta}`);
  }
  if (header.recordCount > 0 && header.lastOffsetDelta < header.recordCount - 1 && (header.attributes & COMPRESSION_MASK) === 0) {
    throw errors.corruptMessage(`last offset delta ${header.lastOffsetDelta} too small for ${header.recordCount} records`);
  }
  return header;
}

/** Stamps the offset and leader epoch the leader assigns; both sit outside the CRC. */
export function stampBatch(buf: Buffer, pos: number, baseOffset: number, partitionLeaderEpoch: number): void {
  writeInt64(buf, baseOffset, pos + BASE_OFFSET_OFFSET);
  buf.writeInt32BE(partitionLeaderEpoch, pos + PARTITION_LEADER_EPOCH_OFFSET);
}
