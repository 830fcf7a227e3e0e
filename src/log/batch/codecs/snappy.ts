/**
 * Snappy records sections, in both forms Kafka clients send. The Java client wraps snappy in
 * snappy-java's stream framing ("xerial"): the magic "\x82SNAPPY\0", an int32 version and an int32
 * compatible version, then chunks of a big-endian int32 length followed by one raw snappy block.
 * librdkafka (kcat, the confluent-kafka clients) and @platformatic/kafka write one raw snappy
 * block. Both forms are read here, told apart by the magic, as the Java client and librdkafka do.
 * We write the Java form (32 KiB chunks, version 1, compatible version 1), which both of those
 * read; @platformatic/kafka's consumer reads only raw blocks, so it cannot read these batches,
 * nor any the Java producer writes.
 *
 * A raw block starts with its uncompressed length as a varint, so a bomb is refused before the
 * native decoder allocates anything: the declared lengths are summed and checked against the limit
 * first, and a length no block of that size could produce (snappy expands at most 64 bytes per
 * 3-byte copy) is corrupt.
 */
import type * as Snappy from 'snappy';
import { errors } from '../../../common/errors.js';
import { nativeCodec } from './native.js';

const snappy = nativeCodec<typeof Snappy>('snappy');

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;
const XERIAL_VERSION = 1;
const XERIAL_COMPATIBLE_VERSION = 1;
/** snappy-java's default block size, which Kafka's producer uses. */
const XERIAL_BLOCK_BYTES = 32 * 1024;
/** The first 4 bytes of the magic as an int32: a chunk length of this value starts a concatenated stream. */
const XERIAL_MAGIC_INT32 = XERIAL_MAGIC.readInt32BE(0);
/** A snappy block's uncompressed length is a varint32 of at most 5 bytes. */
const MAX_PREAMBLE_BYTES = 5;

export function compressSnappy(records: Buffer): Buffer {
  const parts: Buffer[] = [xerialHeader()];
  for (let pos = 0; pos < records.length; pos += XERIAL_BLOCK_BYTES) {
    const block = snappy().compressSync(records.subarray(pos, pos + XERIAL_BLOCK_BYTES));
    const length = Buffer.allocUnsafe(4);
    length.writeInt32BE(block.length, 0);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

export function decompressSnappy(input: Buffer, maxUncompressedBytes: number): Buffer {
  if (isXerial(input, 0)) return decompressXerial(input, maxUncompressedBytes);
  const length = readDeclaredLength(input, 'snappy block', maxUncompressedBytes);
  return decodeBlock(input, length, 'snappy block');
}

function xerialHeader(): Buffer {
  const header = Buffer.alloc(XERIAL_HEADER_BYTES);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(XERIAL_VERSION, 8);
  header.writeInt32BE(XERIAL_COMPATIBLE_VERSION, 12);
  return header;
}

function isXerial(input: Buffer, pos: number): boolean {
  return input.length - pos >= XERIAL_HEADER_BYTES && input.compare(XERIAL_MAGIC, 0, XERIAL_MAGIC.length, pos, pos + XERIAL_MAGIC.length) === 0;
}

/**
 * Two passes, as librdkafka does: the first checks the framing and sums the chunks' declared
 * lengths (so a bomb fails before any decoding), the second decodes each chunk into one buffer.
 * The version fields are not checked: snappy-java has only ever written 1, and readers ignore them.
 */
function decompressXerial(input: Buffer, maxUncompressedBytes: number): Buffer {
  const chunks: Array<{ start: number; end: number; length: number }> = [];
  let total = 0;
  let pos = XERIAL_HEADER_BYTES;
  while (pos < input.length) {
    if (input.length - pos < 4) throw errors.corruptMessage(`snappy-java chunk length at byte ${pos} is cut short`);
    const compressedLength = input.readInt32BE(pos);
    if (compressedLength === XERIAL_MAGIC_INT32 && isXerial(input, pos)) {
      pos += XERIAL_HEADER_BYTES; // snappy-java reads concatenated streams as one
      continue;
    }
    if (compressedLength < 0 || compressedLength > input.length - pos - 4) {
      throw errors.corruptMessage(`snappy-java chunk at byte ${pos} claims ${compressedLength} bytes, ${input.length - pos - 4} remain`);
    }
    const start = pos + 4;
    const end = start + compressedLength;
    const length = readDeclaredLength(input.subarray(start, end), `snappy-java chunk at byte ${pos}`, maxUncompressedBytes - total);
    total += length;
    chunks.push({ start, end, length });
    pos = end;
  }
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const chunk of chunks) {
    offset += decodeBlock(input.subarray(chunk.start, chunk.end), chunk.length, `snappy-java chunk at byte ${chunk.start - 4}`).copy(out, offset);
  }
  return out;
}

/**
 * The uncompressed length a raw block declares: MESSAGE_TOO_LARGE beyond `limit`, CORRUPT_MESSAGE
 * beyond what a block of its size could produce.
 */
function readDeclaredLength(block: Buffer, what: string, limit: number): number {
  let length = 0;
  let i = 0;
  for (;;) {
    if (i >= block.length || i >= MAX_PREAMBLE_BYTES) throw errors.corruptMessage(`${what}: bad uncompressed length`);
    const byte = block[i]!;
    length += (byte & 0x7f) * 2 ** (7 * i);
    i++;
    if (byte < 0x80) break;
  }
  if (length > limit) throw errors.messageTooLarge(`${what} declares ${length} bytes, beyond the uncompressed limit (${limit} bytes left)`);
  // Every element of a block yields at most 64 bytes per 3 bytes of input (a 2-byte-offset copy).
  const body = block.length - i;
  if (length > 0xffff_ffff || length > Math.ceil((body * 64) / 3)) {
    throw errors.corruptMessage(`${what}: ${body} bytes cannot expand to the ${length} bytes declared`);
  }
  return length;
}

function decodeBlock(block: Buffer, declared: number, what: string): Buffer {
  let out: Buffer;
  const codec = snappy();
  try {
    out = codec.uncompressSync(block, { asBuffer: true }) as Buffer;
  } catch (e) {
    throw errors.corruptMessage(`${what} does not decompress: ${(e as Error).message}`);
  }
  if (out.length !== declared) throw errors.corruptMessage(`${what} decompressed to ${out.length} bytes, not the ${declared} declared`);
  return out;
}
