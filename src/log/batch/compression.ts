/**
 * The codecs a batch's records section may be compressed with (attributes bits 0–2). Only gzip is
 * supported besides none, because node's zlib provides it and kafkajs uses it by default; snappy,
 * lz4 and zstd batches are refused with UNSUPPORTED_COMPRESSION_TYPE rather than misread.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { errors } from '../../common/errors.js';
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

const NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export function compressionOf(attributes: number): number {
  return attributes & COMPRESSION_MASK;
}

function requireSupported(codec: number): void {
  if (codec === CompressionType.NONE || codec === CompressionType.GZIP) return;
  const name = NAMES[codec];
  throw errors.unsupportedCompressionType(
    name ? `${name} batches are not supported (only none and gzip)` : `unknown compression type id ${codec}`,
  );
}

/**
 * Compresses a records section with the codec `codec`. Gzip uses zlib's defaults, as kafkajs does,
 * so both produce the same bytes for the same records.
 */
export function compressRecords(codec: number, records: Buffer): Buffer {
  requireSupported(codec);
  return codec === CompressionType.GZIP ? gzipSync(records) : records;
}

/** Decompresses a records section; failures of the codec on hostile bytes become CORRUPT_MESSAGE. */
export function decompressRecords(codec: number, records: Buffer, maxUncompressedBytes = DEFAULT_MAX_UNCOMPRESSED_BYTES): Buffer {
  requireSupported(codec);
  if (codec === CompressionType.NONE) return records;
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
