/**
 * The bytes of a producer-state snapshot: every producer's entry as of one log offset, behind a
 * CRC-32C, big-endian:
 *
 *   version        int16   1
 *   crc            uint32  CRC-32C of every byte after this field
 *   offset         int64   the state covers every batch below this offset
 *   producerCount  int32
 *   per producer:  producerId int64, producerEpoch int16, batchCount int8 (1..5), then per batch
 *                  firstSequence int32, lastSequence int32, firstOffset int64, lastOffset int64,
 *                  maxTimestamp int64
 *
 * Unlike Kafka's, which keeps only each producer's newest batch, a snapshot keeps all cached
 * batches, so a state loaded from one detects the same retries as the state it was taken from.
 * Decoding never throws: anything malformed comes back as a reason, and the caller skips the file.
 */
import { crc32c } from '@node-rs/crc32';
import { assert, isBrokerError } from '../../common/errors.js';
import { readInt64, writeInt64 } from '../../log/batch/index.js';
import { BATCHES_RETAINED_PER_PRODUCER, MAX_SEQUENCE, type BatchMetadata, type ProducerEntryView } from './producer-entry.js';

const SNAPSHOT_VERSION = 1;
const CRC_POSITION = 2;
const CHECKED_FROM = 6;
const HEADER_BYTES = 2 + 4 + 8 + 4;
const PRODUCER_FIXED_BYTES = 8 + 2 + 1;
const BATCH_BYTES = 4 + 4 + 8 + 8 + 8;

export interface ProducerStateSnapshot {
  /** Every batch below this offset is reflected, none at or above it. */
  readonly offset: number;
  /** By producer id. */
  readonly producers: readonly ProducerEntryView[];
}

export type DecodedSnapshot = { readonly ok: true; readonly snapshot: ProducerStateSnapshot } | { readonly ok: false; readonly reason: string };

export function encodeSnapshot(snapshot: ProducerStateSnapshot): Buffer {
  let size = HEADER_BYTES;
  for (const producer of snapshot.producers) size += PRODUCER_FIXED_BYTES + producer.batches.length * BATCH_BYTES;
  const buf = Buffer.alloc(size);
  buf.writeInt16BE(SNAPSHOT_VERSION, 0);
  writeInt64(buf, snapshot.offset, CHECKED_FROM);
  buf.writeInt32BE(snapshot.producers.length, CHECKED_FROM + 8);
  let pos = HEADER_BYTES;
  for (const producer of snapshot.producers) {
    writeInt64(buf, producer.producerId, pos);
    buf.writeInt16BE(producer.producerEpoch, pos + 8);
    buf.writeInt8(producer.batches.length, pos + 10);
    pos += PRODUCER_FIXED_BYTES;
    for (const batch of producer.batches) {
      buf.writeInt32BE(batch.firstSequence, pos);
      buf.writeInt32BE(batch.lastSequence, pos + 4);
      writeInt64(buf, batch.firstOffset, pos + 8);
      writeInt64(buf, batch.lastOffset, pos + 16);
      writeInt64(buf, batch.maxTimestamp, pos + 24);
      pos += BATCH_BYTES;
    }
  }
  assert(pos === size, `snapshot encoded ${pos} of ${size} bytes`);
  buf.writeUInt32BE(crc32c(buf.subarray(CHECKED_FROM)) >>> 0, CRC_POSITION);
  return buf;
}

class Malformed extends Error {}

export function decodeSnapshot(buf: Buffer): DecodedSnapshot {
  try {
    return { ok: true, snapshot: decodeChecked(buf) };
  } catch (e) {
    // readInt64 refuses values beyond 2^53 with a BrokerError; those bytes are as corrupt as any.
    if (e instanceof Malformed || isBrokerError(e)) return { ok: false, reason: e.message };
    throw e;
  }
}

function decodeChecked(buf: Buffer): ProducerStateSnapshot {
  check(buf.length >= HEADER_BYTES, `${buf.length} bytes, shorter than the ${HEADER_BYTES}-byte header`);
  const version = buf.readInt16BE(0);
  check(version === SNAPSHOT_VERSION, `unknown snapshot version ${version}`);
  const storedCrc = buf.readUInt32BE(CRC_POSITION);
  const computedCrc = crc32c(buf.subarray(CHECKED_FROM)) >>> 0;
  check(storedCrc === computedCrc, `CRC mismatch: stored ${storedCrc.toString(16)}, computed ${computedCrc.toString(16)}`);

  const offset = readInt64(buf, CHECKED_FROM);
  check(offset >= 0, `negative snapshot offset ${offset}`);
  const count = buf.readInt32BE(CHECKED_FROM + 8);
  check(count >= 0 && count <= (buf.length - HEADER_BYTES) / (PRODUCER_FIXED_BYTES + BATCH_BYTES), `producer count ${count} does not fit`);
  const producers: ProducerEntryView[] = [];
  let pos = HEADER_BYTES;
  let previousId = -1;
  for (let i = 0; i < count; i++) {
    check(pos + PRODUCER_FIXED_BYTES <= buf.length, `producer ${i} cut short`);
    const producerId = readInt64(buf, pos);
    const producerEpoch = buf.readInt16BE(pos + 8);
    const batchCount = buf.readInt8(pos + 10);
    pos += PRODUCER_FIXED_BYTES;
    check(producerId > previousId, `producer ids not ascending at ${producerId}`);
    check(batchCount >= 1 && batchCount <= BATCHES_RETAINED_PER_PRODUCER, `producer ${producerId} has ${batchCount} batches`);
    check(pos + batchCount * BATCH_BYTES <= buf.length, `batches of producer ${producerId} cut short`);
    const batches: BatchMetadata[] = [];
    for (let b = 0; b < batchCount; b++, pos += BATCH_BYTES) {
      const batch: BatchMetadata = {
        firstSequence: buf.readInt32BE(pos),
        lastSequence: buf.readInt32BE(pos + 4),
        firstOffset: readInt64(buf, pos + 8),
        lastOffset: readInt64(buf, pos + 16),
        maxTimestamp: readInt64(buf, pos + 24),
      };
      checkBatch(producerId, batch, batches[batches.length - 1], offset);
      batches.push(batch);
    }
    producers.push({ producerId, producerEpoch, batches });
    previousId = producerId;
  }
  check(pos === buf.length, `${buf.length - pos} trailing bytes`);
  return { offset, producers };
}

function checkBatch(producerId: number, batch: BatchMetadata, previous: BatchMetadata | undefined, snapshotOffset: number): void {
  const { firstSequence, lastSequence, firstOffset, lastOffset } = batch;
  check(firstSequence >= 0 && firstSequence <= MAX_SEQUENCE && lastSequence >= 0, `producer ${producerId}: bad sequences ${firstSequence}..${lastSequence}`);
  check(firstOffset >= 0 && firstOffset <= lastOffset && lastOffset < snapshotOffset, `producer ${producerId}: bad offsets ${firstOffset}..${lastOffset}`);
  check(!previous || firstOffset > previous.lastOffset, `producer ${producerId}: batches out of offset order at ${firstOffset}`);
}

function check(condition: boolean, reason: string): asserts condition {
  if (!condition) throw new Malformed(reason);
}
