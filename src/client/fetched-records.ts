/**
 * Turns the bytes of one fetched partition (whole v2 batches, back to back) into records. The
 * first batch may start below the offset asked for, because brokers return whole batches: records
 * below it are skipped. Control batches (transaction markers) carry no user records and are only
 * stepped over. Every batch's CRC is checked, as Kafka's consumer does with check.crcs.
 */
import { errors } from '../common/errors.js';
import {
  BATCH_LENGTH_OFFSET,
  CONTROL_FLAG,
  iterateRecords,
  LOG_OVERHEAD,
  nextOffsetOf,
  validateBatchHeader,
} from '../log/batch/index.js';
import type { ConsumedRecord } from './types.js';

export interface DecodedPartition {
  records: ConsumedRecord[];
  /** Where the next fetch starts: after the last whole batch read, never below `fetchOffset`. */
  nextOffset: number;
}

export function decodeFetchedRecords(topic: string, partition: number, bytes: Buffer, fetchOffset: number): DecodedPartition {
  const records: ConsumedRecord[] = [];
  let nextOffset = fetchOffset;
  let position = 0;
  while (position < bytes.length) {
    if (!wholeBatchAt(bytes, position)) {
      // A broker may cut the last batch at max_bytes; it is fetched whole next time. A first batch
      // that is cut could never be read at all.
      if (position === 0) {
        throw errors.messageTooLarge(`${topic}-${partition}: the batch at offset ${fetchOffset} is larger than the fetch allows; raise maxPartitionFetchBytes`);
      }
      break;
    }
    const header = validateBatchHeader(bytes, position);
    if ((header.attributes & CONTROL_FLAG) === 0) {
      for (const record of iterateRecords(bytes, position)) {
        if (record.offset < fetchOffset) continue;
        records.push({
          topic,
          partition,
          offset: record.offset,
          key: record.key,
          value: record.value,
          headers: record.headers,
          timestamp: record.timestamp,
        });
      }
    }
    nextOffset = Math.max(nextOffset, nextOffsetOf(header));
    position += header.sizeInBytes;
  }
  return { records, nextOffset };
}

function wholeBatchAt(bytes: Buffer, position: number): boolean {
  if (bytes.length - position < LOG_OVERHEAD) return false;
  return bytes.readInt32BE(position + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD <= bytes.length - position;
}
