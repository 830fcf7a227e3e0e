/**
 * Reading batches: the records of one batch (uncompressed, or in any of Kafka's codecs: gzip,
 * snappy, lz4, zstd), and the batches lying back to back in a log segment or a fetch response.
 * Reading a batch's records checks its structure but not its CRC; `iterateBatches` and
 * `validateBatch` check the CRC.
 */
import { BrokerError, errors } from '../../common/errors.js';
import { decompressRecords, compressionOf, CompressionType } from './compression.js';
import {
  BATCH_HEADER_SIZE,
  CURRENT_MAGIC,
  MAGIC_OFFSET,
  checkedBatchSize,
  readBatchHeader,
  validateBatchHeader,
  type BatchHeader,
} from './layout.js';
import { RecordWalker, type BatchRecord } from './records.js';

export interface ReadOptions {
  /** Refuse compressed records that expand beyond this (MESSAGE_TOO_LARGE); see DEFAULT_MAX_UNCOMPRESSED_BYTES. */
  maxUncompressedBytes?: number;
}

/** The records section of a batch: `bytes[start, end)`, decompressed when the batch is compressed. */
export interface RecordsSection {
  header: BatchHeader;
  bytes: Buffer;
  start: number;
  end: number;
}

/** The records section of the batch at `pos`, decompressing it if needed. */
export function recordsSection(buf: Buffer, pos = 0, options: ReadOptions = {}): RecordsSection {
  checkedBatchSize(buf, pos);
  const magic = buf.readInt8(pos + MAGIC_OFFSET);
  if (magic !== CURRENT_MAGIC) throw errors.corruptMessage(`unsupported magic ${magic}, only magic 2 batches are read`);
  return recordsSectionOf(buf, pos, readBatchHeader(buf, pos), options);
}

/** The records section of the batch at `pos` whose `header` was already read and checked (`validateBatchHeader`). */
export function recordsSectionOf(buf: Buffer, pos: number, header: BatchHeader, options: ReadOptions = {}): RecordsSection {
  const start = pos + BATCH_HEADER_SIZE;
  const end = pos + header.sizeInBytes;
  const codec = compressionOf(header.attributes);
  if (codec === CompressionType.NONE) return { header, bytes: buf, start, end };
  const records = decompressRecords(codec, buf.subarray(start, end), options.maxUncompressedBytes);
  return { header, bytes: records, start: 0, end: records.length };
}

/** Opens the records of the batch at `pos` for decoding, decompressing them if needed. */
export function openRecords(buf: Buffer, pos = 0, options: ReadOptions = {}): RecordWalker {
  const { header, bytes, start, end } = recordsSection(buf, pos, options);
  return new RecordWalker(header, bytes, start, end);
}

/** The records of the batch at `pos`, decoded lazily. */
export function* iterateRecords(buf: Buffer, pos = 0, options: ReadOptions = {}): Generator<BatchRecord, void, undefined> {
  const walker = openRecords(buf, pos, options);
  for (let record = walker.next(); record !== undefined; record = walker.next()) yield record;
}

/** The records of the batch at `pos`, all decoded at once. */
export function readRecords(buf: Buffer, pos = 0, options: ReadOptions = {}): BatchRecord[] {
  const walker = openRecords(buf, pos, options);
  const records: BatchRecord[] = [];
  for (let record = walker.next(); record !== undefined; record = walker.next()) records.push(record);
  return records;
}

export interface BatchPosition {
  header: BatchHeader;
  /** Byte position of the batch in the buffer. */
  position: number;
}

export interface IterateBatchesOptions {
  /** Batches larger than this fail with MESSAGE_TOO_LARGE. */
  maxBatchBytes?: number;
}

/**
 * The batches lying back to back in `buf`, each checked for size, magic and CRC before it is
 * yielded. A torn or invalid batch stops the iteration with its error, whose `details.position`
 * says where the valid prefix ends: recovery truncates the log there.
 */
export function* iterateBatches(buf: Buffer, options: IterateBatchesOptions = {}): Generator<BatchPosition, void, undefined> {
  let position = 0;
  while (position < buf.length) {
    let header: BatchHeader;
    try {
      header = validateBatchHeader(buf, position, options.maxBatchBytes);
    } catch (e) {
      throw withPosition(e, position);
    }
    yield { header, position };
    position += header.sizeInBytes;
  }
}

function withPosition(e: unknown, position: number): unknown {
  if (!(e instanceof BrokerError)) return e;
  const reason = e.message.startsWith(`${e.kafkaName}: `) ? e.message.slice(e.kafkaName.length + 2) : e.message;
  return new BrokerError(e.kafkaName, `batch at byte ${position}: ${reason}`, { ...e.details, position });
}
