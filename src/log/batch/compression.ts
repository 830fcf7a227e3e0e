/**
 * The codecs a batch's records section may be compressed with (attributes bits 0–2), each in the
 * form Kafka's own clients write and read:
 * - gzip: node's zlib, with zlib's defaults as kafkajs uses, so both write the same bytes.
 * - snappy: written in snappy-java's framing as the Java producer writes it; read in that framing
 *   or as one raw block, as librdkafka writes it (codecs/snappy.ts).
 * - lz4: one standard LZ4 frame with independent blocks, as Kafka and librdkafka write it
 *   (codecs/lz4.ts).
 * - zstd: read only (codecs/zstd.ts). No pure-JS zstd encoder is available, so compressing with
 *   zstd fails with UNSUPPORTED_COMPRESSION_TYPE; the broker stores zstd batches exactly as sent.
 * Codec ids 5–7 are not codecs and are refused with UNSUPPORTED_COMPRESSION_TYPE.
 *
 * Decompression is bounded: a few KiB of any codec can claim or expand to gigabytes, so every
 * decoder stops at `maxUncompressedBytes` with MESSAGE_TOO_LARGE (before allocating, wherever the
 * format declares sizes), and damaged bytes fail with CORRUPT_MESSAGE, never another exception.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { BrokerError, errors } from '../../common/errors.js';
import { compressLz4, decompressLz4 } from './codecs/lz4.js';
import { compressSnappy, decompressSnappy } from './codecs/snappy.js';
import { decompressZstd } from './codecs/zstd.js';
import { COMPRESSION_MASK } from './layout.js';

export const CompressionType = {
  NONE: 0,
  GZIP: 1,
  SNAPPY: 2,
  LZ4: 3,
  ZSTD: 4,
} as const;
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

/**
 * Decompressed records beyond this are refused: a few KiB of gzip can expand to gigabytes, and a
 * reader must not let one batch exhaust the process.
 */
export const DEFAULT_MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024;

export function compressionOf(attributes: number): number {
  return attributes & COMPRESSION_MASK;
}

function unknownCodec(codec: number): BrokerError {
  return errors.unsupportedCompressionType(`unknown compression type id ${codec}`);
}

/**
 * Compresses a records section with the codec `codec`. Gzip uses zlib's defaults, as kafkajs does,
 * so both produce the same bytes for the same records.
 */
export function compressRecords(codec: number, records: Buffer): Buffer {
  switch (codec) {
    case CompressionType.NONE:
      return records;
    case CompressionType.GZIP:
      return gzipSync(records);
    case CompressionType.SNAPPY:
      return compressSnappy(records);
    case CompressionType.LZ4:
      return compressLz4(records);
    case CompressionType.ZSTD:
      throw errors.unsupportedCompressionType('brokerlab cannot write zstd batches (no JavaScript zstd encoder); it reads them');
    default:
      throw unknownCodec(codec);
  }
}

/**
 * Decompresses a records section, to at most `maxUncompressedBytes` (else MESSAGE_TOO_LARGE);
 * failures of the codec on hostile bytes become CORRUPT_MESSAGE.
 */
export function decompressRecords(codec: number, records: Buffer, maxUncompressedBytes = DEFAULT_MAX_UNCOMPRESSED_BYTES): Buffer {
  switch (codec) {
    case CompressionType.NONE:
      return records;
    case CompressionType.GZIP:
      return gunzip(records, maxUncompressedBytes);
    case CompressionType.SNAPPY:
      return typed('snappy', () => decompressSnappy(records, maxUncompressedBytes));
    case CompressionType.LZ4:
      return typed('lz4', () => decompressLz4(records, maxUncompressedBytes));
    case CompressionType.ZSTD:
      return typed('zstd', () => decompressZstd(records, maxUncompressedBytes));
    default:
      throw unknownCodec(codec);
  }
}

function gunzip(records: Buffer, maxUncompressedBytes: number): Buffer {
  try {
    return gunzipSync(records, { maxOutputLength: maxUncompressedBytes });
  } catch (e) {
    // zlib reports output beyond maxOutputLength as a RangeError, damaged input as a plain Error.
    if (e instanceof RangeError) {
      throw errors.messageTooLarge(`gzip records expand beyond ${maxUncompressedBytes} bytes`);
    }
    throw errors.corruptMessage(`gzip records do not decompress: ${(e as Error).message}`);
  }
}

/** The codecs raise BrokerErrors themselves; anything else escaping a native or JS decoder is corrupt input. */
function typed(name: string, decode: () => Buffer): Buffer {
  try {
    return decode();
  } catch (e) {
    if (e instanceof BrokerError) throw e;
    throw errors.corruptMessage(`${name} records do not decompress: ${e instanceof Error ? e.message : String(e)}`);
  }
}
