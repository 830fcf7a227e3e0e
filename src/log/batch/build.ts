/**
 * Builds a v2 record batch from records, byte for byte as Kafka's MemoryRecordsBuilder would: one
 * pass measures every record, a second writes them into a single allocation, and the CRC-32C is
 * computed last over attributes..end. Nothing here reads the wall clock: timestamps come from the
 * records or from `baseTimestamp`, so pure code (the simulator) builds identical bytes every run.
 */
import { assert, errors } from '../../common/errors.js';
import { compressRecords, CompressionType, compressionOf } from './compression.js';
import {
  ATTRIBUTES_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH_OFFSET,
  CRC_OFFSET,
  CURRENT_MAGIC,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORDS_COUNT_OFFSET,
  TRANSACTIONAL_FLAG,
  computeBatchCrc,
  stampBatch,
  writeInt64,
} from './layout.js';
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint.js';

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface RecordInput {
  key?: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeader[];
  /** Milliseconds since the epoch; defaults to the batch's base timestamp. */
  timestamp?: number;
  /**
   * The record's offset relative to the batch's base offset; defaults to its index. Given only
   * when rewriting a batch that lost records (the log cleaner), increasing from record to record.
   */
  offsetDelta?: number;
}

export interface BatchOptions {
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  /**
   * Kept as given (compression, timestamp type, control flag). The codec in bits 0–2 compresses the
   * records: gzip, snappy or lz4; zstd and ids beyond it fail with UNSUPPORTED_COMPRESSION_TYPE.
   */
  attributes?: number;
  /** Defaults to the first record's timestamp, else 0. Later records are stored as deltas from it. */
  baseTimestamp?: number;
  isTransactional?: boolean;
  /** Defaults to the last record's offset delta; a cleaned batch keeps its original last offset. */
  lastOffsetDelta?: number;
}

/** `batchLength` is an int32 counting every byte after itself. */
const MAX_BATCH_BYTES = 0x7fff_ffff + LOG_OVERHEAD;
const NULL_LENGTH = -1;
const NO_HEADERS: readonly RecordHeader[] = [];

export function buildBatch(records: readonly RecordInput[], options: BatchOptions = {}): Buffer {
  if (records.length === 0) throw errors.invalidRecord('a record batch needs at least one record');
  const attributes = (options.attributes ?? 0) | (options.isTransactional ? TRANSACTIONAL_FLAG : 0);
  const baseTimestamp = options.baseTimestamp ?? records[0]!.timestamp ?? 0;
  checkOptions(options, attributes, baseTimestamp);

  const plan = measureRecords(records, baseTimestamp, options.lastOffsetDelta);
  const codec = compressionOf(attributes);
  let batch: Buffer;
  if (codec === CompressionType.NONE) {
    batch = allocateBatch(plan.recordsBytes);
    const end = writeRecords(batch, BATCH_HEADER_SIZE, records, plan, baseTimestamp);
    assert(end === batch.length, `records wrote ${end} of ${batch.length} bytes`);
  } else {
    const section = Buffer.allocUnsafe(plan.recordsBytes);
    const end = writeRecords(section, 0, records, plan, baseTimestamp);
    assert(end === section.length, `records wrote ${end} of ${section.length} bytes`);
    const compressed = compressRecords(codec, section);
    batch = allocateBatch(compressed.length);
    compressed.copy(batch, BATCH_HEADER_SIZE);
  }

  batch.writeInt32BE(batch.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  stampBatch(batch, 0, options.baseOffset ?? 0, options.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH);
  batch.writeInt8(CURRENT_MAGIC, MAGIC_OFFSET);
  batch.writeInt16BE(attributes, ATTRIBUTES_OFFSET);
  batch.writeInt32BE(options.lastOffsetDelta ?? records[records.length - 1]!.offsetDelta ?? records.length - 1, LAST_OFFSET_DELTA_OFFSET);
  writeInt64(batch, baseTimestamp, BASE_TIMESTAMP_OFFSET);
  writeInt64(batch, plan.maxTimestamp, MAX_TIMESTAMP_OFFSET);
  writeInt64(batch, options.producerId ?? NO_PRODUCER_ID, PRODUCER_ID_OFFSET);
  batch.writeInt16BE(options.producerEpoch ?? NO_PRODUCER_EPOCH, PRODUCER_EPOCH_OFFSET);
  batch.writeInt32BE(options.baseSequence ?? NO_SEQUENCE, BASE_SEQUENCE_OFFSET);
  batch.writeInt32BE(records.length, RECORDS_COUNT_OFFSET);
  batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), CRC_OFFSET);
  return batch;
}

/** Sizes computed once in the measuring pass and reused by the writing pass. */
interface RecordsPlan {
  /** Size of each record's body (everything after its length varint). */
  bodySizes: number[];
  /** UTF-8 byte length of every header key, in record then header order. */
  headerKeyBytes: number[];
  recordsBytes: number;
  maxTimestamp: number;
}

function measureRecords(records: readonly RecordInput[], baseTimestamp: number, lastOffsetDelta: number | undefined): RecordsPlan {
  const bodySizes = new Array<number>(records.length);
  const headerKeyBytes: number[] = [];
  let recordsBytes = 0;
  let maxTimestamp = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const timestamp = record.timestamp ?? baseTimestamp;
    const timestampDelta = timestamp - baseTimestamp;
    if (!Number.isSafeInteger(timestamp) || !Number.isSafeInteger(timestampDelta)) {
      throw errors.invalidRecord(`record ${i} has timestamp ${timestamp}, not an integer within 2^53 of ${baseTimestamp}`);
    }
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    const headers = record.headers ?? NO_HEADERS;
    const offsetDelta = record.offsetDelta ?? i;
    if (offsetDelta < (i === 0 ? 0 : (records[i - 1]!.offsetDelta ?? i - 1) + 1) || (lastOffsetDelta !== undefined && offsetDelta > lastOffsetDelta)) {
      throw errors.invalidRecord(`record ${i} has offset delta ${offsetDelta}: deltas must increase from 0 up to the batch's last offset delta`);
    }
    let body = 1 + sizeOfVarlong(timestampDelta) + sizeOfVarint(offsetDelta) + sizeOfBytes(record.key) + sizeOfBytes(record.value);
    body += sizeOfVarint(headers.length);
    for (const header of headers) {
      const keyBytes = Buffer.byteLength(header.key, 'utf8');
      headerKeyBytes.push(keyBytes);
      body += sizeOfVarint(keyBytes) + keyBytes + sizeOfBytes(header.value);
    }
    bodySizes[i] = body;
    recordsBytes += sizeOfVarint(body) + body;
    if (recordsBytes + BATCH_HEADER_SIZE > MAX_BATCH_BYTES) {
      throw errors.messageTooLarge(`records exceed the ${MAX_BATCH_BYTES}-byte limit of a batch`);
    }
  }
  return { bodySizes, headerKeyBytes, recordsBytes, maxTimestamp };
}

function writeRecords(buf: Buffer, pos: number, records: readonly RecordInput[], plan: RecordsPlan, baseTimestamp: number): number {
  let headerIndex = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    pos = writeVarint(buf, plan.bodySizes[i]!, pos);
    buf[pos++] = 0; // record attributes: unused by Kafka, always 0
    pos = writeVarlong(buf, (record.timestamp ?? baseTimestamp) - baseTimestamp, pos);
    pos = writeVarint(buf, record.offsetDelta ?? i, pos);
    pos = writeBytes(buf, record.key, pos);
    pos = writeBytes(buf, record.value, pos);
    const headers = record.headers ?? NO_HEADERS;
    pos = writeVarint(buf, headers.length, pos);
    for (const header of headers) {
      const keyBytes = plan.headerKeyBytes[headerIndex++]!;
      pos = writeVarint(buf, keyBytes, pos);
      pos += buf.write(header.key, pos, keyBytes, 'utf8');
      pos = writeBytes(buf, header.value, pos);
    }
  }
  return pos;
}

function sizeOfBytes(bytes: Buffer | null | undefined): number {
  return bytes ? sizeOfVarint(bytes.length) + bytes.length : sizeOfVarint(NULL_LENGTH);
}

function writeBytes(buf: Buffer, bytes: Buffer | null | undefined, pos: number): number {
  if (!bytes) return writeVarint(buf, NULL_LENGTH, pos);
  pos = writeVarint(buf, bytes.length, pos);
  return pos + bytes.copy(buf, pos);
}

/** Every header byte is written by the caller, so the allocation need not be zeroed. */
function allocateBatch(recordsSectionBytes: number): Buffer {
  const size = BATCH_HEADER_SIZE + recordsSectionBytes;
  if (size > MAX_BATCH_BYTES) throw errors.messageTooLarge(`batch of ${size} bytes exceeds ${MAX_BATCH_BYTES}`);
  return Buffer.allocUnsafe(size);
}

function checkOptions(options: BatchOptions, attributes: number, baseTimestamp: number): void {
  checkInteger('attributes', attributes, 0, 0x7fff);
  checkInteger('baseOffset', options.baseOffset ?? 0, 0, Number.MAX_SAFE_INTEGER);
  checkInteger('partitionLeaderEpoch', options.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, -1, 0x7fff_ffff);
  checkInteger('producerId', options.producerId ?? NO_PRODUCER_ID, -1, Number.MAX_SAFE_INTEGER);
  checkInteger('producerEpoch', options.producerEpoch ?? NO_PRODUCER_EPOCH, -1, 0x7fff);
  checkInteger('baseSequence', options.baseSequence ?? NO_SEQUENCE, -1, 0x7fff_ffff);
  checkInteger('baseTimestamp', baseTimestamp, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw errors.invalidRecord(`${name} ${value} is not an integer in [${min}, ${max}]`);
  }
}
