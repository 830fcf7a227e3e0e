/**
 * LZ4 records sections: one standard LZ4 frame (magic 0x184D2204), as Kafka's Lz4BlockOutputStream
 * and librdkafka write since magic 1. We write with lz4-napi's frame encoder, whose frames are what
 * both of those write: version 1, independent blocks, a correct header checksum, no content size,
 * no checksums (its block size grows with the input, 64 KiB to 4 MiB, all of which Kafka reads).
 *
 * Reading parses the frame here and hands each compressed block to lz4-napi's block decoder,
 * rather than to its frame decoder, because the frame decoder reads to the end with no bound on the
 * output: a frame of 4 MiB blocks expands about 250 times. Block by block, the output never
 * exceeds the limit by more than one block, a declared content size beyond the limit is refused
 * before anything is decoded, and every checksum the frame carries is verified. Like Kafka's own
 * reader, we refuse what Kafka producers never write: dependent blocks, dictionaries, legacy and
 * skippable frames, and bytes after the frame.
 */
import type * as Lz4 from 'lz4-napi';
import { errors } from '../../../common/errors.js';
import { nativeCodec } from './native.js';
import { xxhash32 } from './xxhash32.js';

const lz4 = nativeCodec<typeof Lz4>('lz4-napi');

const FRAME_MAGIC = 0x184d2204;
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_1 = 0x40;
const FLG_BLOCK_INDEPENDENCE = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
/** Bit 1 is reserved; bit 0 announces a dictionary id, which Kafka never uses. */
const FLG_RESERVED_OR_DICTIONARY = 0x03;
const BD_RESERVED = 0x8f;
const BLOCK_UNCOMPRESSED = 0x8000_0000;

export function compressLz4(records: Buffer): Buffer {
  return lz4().compressFrameSync(records, { contentChecksum: false, blockChecksums: false });
}

export function decompressLz4(input: Buffer, maxUncompressedBytes: number): Buffer {
  if (input.length < 7 || input.readUInt32LE(0) !== FRAME_MAGIC) throw errors.corruptMessage('lz4 records do not start with an LZ4 frame');
  const flg = input[4]!;
  const bd = input[5]!;
  if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_1) throw errors.corruptMessage(`lz4 frame version ${flg >> 6} is not 1`);
  if (flg & FLG_RESERVED_OR_DICTIONARY) throw errors.corruptMessage('lz4 frame sets a reserved or dictionary flag');
  if (!(flg & FLG_BLOCK_INDEPENDENCE)) throw errors.corruptMessage('lz4 frame has dependent blocks, which Kafka does not support');
  const blockSizeId = (bd >> 4) & 0x07;
  if (bd & BD_RESERVED || blockSizeId < 4) throw errors.corruptMessage(`lz4 frame block descriptor 0x${bd.toString(16)} is invalid`);
  const maxBlockBytes = 1 << (2 * blockSizeId + 8);

  let pos = 6;
  let contentSize: number | undefined;
  if (flg & FLG_CONTENT_SIZE) {
    if (input.length < pos + 9) throw errors.corruptMessage('lz4 frame header is cut short');
    contentSize = input.readUInt32LE(pos) + input.readUInt32LE(pos + 4) * 2 ** 32;
    pos += 8;
  }
  if (input[pos] !== ((xxhash32(input, 4, pos) >>> 8) & 0xff)) throw errors.corruptMessage('lz4 frame header checksum mismatch');
  pos++;
  if (contentSize !== undefined && contentSize > maxUncompressedBytes) {
    throw errors.messageTooLarge(`lz4 records declare ${contentSize} bytes, beyond the ${maxUncompressedBytes}-byte limit`);
  }

  const blocks: Buffer[] = [];
  let total = 0;
  for (;;) {
    if (input.length - pos < 4) throw errors.corruptMessage('lz4 frame is cut short before its end mark');
    const word = input.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break;
    const size = word & ~BLOCK_UNCOMPRESSED;
    if (size > maxBlockBytes) throw errors.corruptMessage(`lz4 block of ${size} bytes exceeds the frame's ${maxBlockBytes}-byte blocks`);
    const checksumBytes = flg & FLG_BLOCK_CHECKSUM ? 4 : 0;
    if (input.length - pos < size + checksumBytes) throw errors.corruptMessage('lz4 block is cut short');
    const data = input.subarray(pos, pos + size);
    pos += size;
    if (checksumBytes) {
      if (input.readUInt32LE(pos) !== xxhash32(data)) throw errors.corruptMessage('lz4 block checksum mismatch');
      pos += 4;
    }
    const block = word & BLOCK_UNCOMPRESSED ? data : decodeBlock(data, maxBlockBytes);
    total += block.length;
    if (total > maxUncompressedBytes) {
      throw errors.messageTooLarge(`lz4 records expand beyond ${maxUncompressedBytes} bytes`);
    }
    blocks.push(block);
  }
  const out = Buffer.concat(blocks, total);
  if (flg & FLG_CONTENT_CHECKSUM) {
    if (input.length - pos < 4) throw errors.corruptMessage('lz4 content checksum is cut short');
    if (input.readUInt32LE(pos) !== xxhash32(out)) throw errors.corruptMessage('lz4 content checksum mismatch');
    pos += 4;
  }
  if (pos !== input.length) throw errors.corruptMessage(`${input.length - pos} bytes follow the lz4 frame`);
  if (contentSize !== undefined && contentSize !== total) {
    throw errors.corruptMessage(`lz4 frame declares ${contentSize} bytes but holds ${total}`);
  }
  return out;
}

/**
 * lz4-napi's block decoder reads a little-endian uint32 before the block as the capacity of its
 * output and fails rather than write past it, so the capacity is the frame's block size.
 */
function decodeBlock(data: Buffer, maxBlockBytes: number): Buffer {
  const framed = Buffer.allocUnsafe(4 + data.length);
  framed.writeUInt32LE(maxBlockBytes, 0);
  data.copy(framed, 4);
  const codec = lz4();
  try {
    return codec.uncompressSync(framed);
  } catch (e) {
    throw errors.corruptMessage(`lz4 block does not decompress: ${(e as Error).message}`);
  }
}
