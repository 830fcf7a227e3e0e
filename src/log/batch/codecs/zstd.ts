/**
 * Zstandard records sections (RFC 8878), decoded by fzstd, a pure-JS decoder. No pure-JS encoder
 * is available, so brokerlab's own producer cannot write zstd; the broker stores zstd batches
 * exactly as clients send them and reads them back here.
 *
 * fzstd trusts its input: it allocates whatever a frame header declares (up to 2 GiB), runs a
 * sequence's copy loop for as long as the sequence says even past its block, and loops forever on
 * some Huffman weight tables, so 30 hostile bytes can take it minutes or forever. So before fzstd
 * sees a frame, `surveyFrame` walks it here: the frame header, every block header, and in
 * compressed blocks the literals header, the Huffman weight stream and the whole sequence
 * bitstream (FSE tables, states, extra bits, repeat offsets), without producing output. That
 * proves each block regenerates at most its block maximum, each match reaches only bytes already
 * decoded, and yields the exact size of every frame. The output is then allocated once, at most
 * the limit, and fzstd decodes each frame into its exact slice, where its writes cannot stray.
 *
 * Not checked: the optional content checksum (XXH64), which fzstd skips too; the batch's CRC-32C
 * already covers the compressed bytes. Refused as corrupt: dictionaries (Kafka never uses them),
 * windows of 2^31 bytes or more and offset codes over 25, which fzstd cannot address.
 */
import { decompress } from 'fzstd';
import { errors, type BrokerError } from '../../../common/errors.js';
import { bitsAt, corrupt, highBit, LITERAL_LENGTH, LITERAL_LENGTH_BASE, LITERAL_LENGTH_BITS, MATCH_LENGTH, MATCH_LENGTH_BASE, MATCH_LENGTH_BITS, need, OFFSET, HUFFMAN_WEIGHT, readFseTable, readTable, type FseTable } from './zstd-tables.js';

const FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC = 0x184d2a50;
const SKIPPABLE_MASK = 0xfffffff0;
const MAX_BLOCK_BYTES = 128 * 1024;
/** fzstd computes window sizes with 32-bit shifts; beyond this it would misread them. */
const MAX_WINDOW_LOG = 30;
/** fzstd reads an offset's extra bits from one 32-bit word, which holds at most 25 at any bit position. */
const MAX_OFFSET_CODE = 25;

const BLOCK_RAW = 0;
const BLOCK_RLE = 1;
const BLOCK_COMPRESSED = 2;

const LITERALS_RAW = 0;
const LITERALS_RLE = 1;
const LITERALS_COMPRESSED = 2;

export function decompressZstd(input: Buffer, maxUncompressedBytes: number): Buffer {
  // fzstd reads 4-byte sizes as signed 32-bit numbers.
  const limit = Math.min(maxUncompressedBytes, 0x7fff_ffff);
  const frames: Array<{ start: number; end: number; size: number }> = [];
  let total = 0;
  let pos = 0;
  if (input.length === 0) throw corrupt('no frame');
  while (pos < input.length) {
    if (input.length - pos < 8) throw corrupt(`${input.length - pos} stray bytes at byte ${pos}`);
    const magic = input.readUInt32LE(pos);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      const size = input.readUInt32LE(pos + 4);
      if (size > input.length - pos - 8) throw corrupt(`skippable frame at byte ${pos} is cut short`);
      pos += 8 + size;
      continue;
    }
    if (magic !== FRAME_MAGIC) throw corrupt(`no frame magic at byte ${pos}`);
    const frame = surveyFrame(input, pos, limit - total);
    frames.push({ start: pos, end: frame.end, size: frame.size });
    total += frame.size;
    pos = frame.end;
  }
  const out = Buffer.alloc(total);
  let offset = 0;
  for (const frame of frames) {
    try {
      decompress(input.subarray(frame.start, frame.end), out.subarray(offset, offset + frame.size));
    } catch (e) {
      throw corrupt(`frame at byte ${frame.start} does not decompress: ${(e as Error).message}`);
    }
    offset += frame.size;
  }
  return out;
}

function tooLarge(limit: number): BrokerError {
  return errors.messageTooLarge(`zstd records expand beyond the uncompressed limit (${limit} bytes left)`);
}

// ---------------------------------------------------------------------------------------------
// Frames and blocks

/** What one frame's blocks share: repeat offsets, the last FSE tables, whether a Huffman table exists. */
interface FrameState {
  readonly buf: Buffer;
  readonly blockMax: number;
  /** Bytes the frame has produced before the current block. */
  produced: number;
  repeatOffsets: [number, number, number];
  tables: SequenceTables | undefined;
  hasHuffmanTable: boolean;
}

interface SequenceTables {
  literalLengths: FseTable;
  offsets: FseTable;
  matchLengths: FseTable;
}

/** Walks the frame at `start`; returns where it ends and how many bytes it decodes to. */
function surveyFrame(buf: Buffer, start: number, limit: number): { end: number; size: number } {
  let pos = start + 4;
  const descriptor = buf[pos++]!;
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const hasChecksum = (descriptor >> 2) & 1;
  const dictionaryFlag = descriptor & 3;
  if (descriptor & 0x08) throw corrupt(`frame at byte ${start} sets the reserved bit`);
  if (dictionaryFlag) throw corrupt(`frame at byte ${start} needs a dictionary`);
  let windowSize = 0;
  if (!singleSegment) {
    const windowDescriptor = need(buf, pos, 1, buf.length)[pos++]!;
    const windowLog = 10 + (windowDescriptor >> 3);
    if (windowLog > MAX_WINDOW_LOG) throw corrupt(`frame at byte ${start} asks for a 2^${windowLog}-byte window`);
    windowSize = 2 ** windowLog + (2 ** windowLog / 8) * (windowDescriptor & 7);
  }
  const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag]!;
  need(buf, pos, fcsBytes, buf.length);
  let contentSize: number | undefined;
  if (fcsBytes === 1) contentSize = buf[pos]!;
  else if (fcsBytes === 2) contentSize = buf.readUInt16LE(pos) + 256;
  else if (fcsBytes === 4) contentSize = buf.readUInt32LE(pos);
  else if (fcsBytes === 8) contentSize = buf.readUInt32LE(pos) + buf.readUInt32LE(pos + 4) * 2 ** 32;
  pos += fcsBytes;
  if (contentSize !== undefined && contentSize > limit) {
    throw errors.messageTooLarge(`zstd records declare ${contentSize} bytes, beyond the uncompressed limit (${limit} bytes left)`);
  }
  if (singleSegment) windowSize = contentSize!;

  const state: FrameState = {
    buf,
    blockMax: Math.min(windowSize, MAX_BLOCK_BYTES),
    produced: 0,
    repeatOffsets: [1, 4, 8],
    tables: undefined,
    hasHuffmanTable: false,
  };
  for (;;) {
    need(buf, pos, 3, buf.length);
    const header = buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16);
    pos += 3;
    const last = header & 1;
    const type = (header >> 1) & 3;
    const size = header >>> 3;
    if (size > state.blockMax) throw corrupt(`block at byte ${pos - 3} is ${size} bytes, over the ${state.blockMax}-byte maximum`);
    let regenerated: number;
    if (type === BLOCK_RAW) {
      need(buf, pos, size, buf.length);
      pos += size;
      regenerated = size;
    } else if (type === BLOCK_RLE) {
      need(buf, pos, 1, buf.length);
      pos += 1;
      regenerated = size;
    } else if (type === BLOCK_COMPRESSED) {
      need(buf, pos, size, buf.length);
      regenerated = surveyCompressedBlock(state, pos, pos + size);
      pos += size;
    } else {
      throw corrupt(`block at byte ${pos - 3} has the reserved type`);
    }
    state.produced += regenerated;
    if (state.produced > limit) throw tooLarge(limit);
    if (last) break;
  }
  if (hasChecksum) {
    need(buf, pos, 4, buf.length);
    pos += 4;
  }
  if (contentSize !== undefined && contentSize !== state.produced) {
    throw corrupt(`frame at byte ${start} declares ${contentSize} bytes but holds ${state.produced}`);
  }
  return { end: pos, size: state.produced };
}

/** Walks a compressed block's literals and sequences sections; returns the bytes it regenerates. */
function surveyCompressedBlock(state: FrameState, start: number, end: number): number {
  const { buf } = state;
  let pos = start;
  // Literals section header (RFC 8878 3.1.1.3.1.1).
  need(buf, pos, 1, end);
  const b0 = buf[pos]!;
  const literalsType = b0 & 3;
  const sizeFormat = (b0 >> 2) & 3;
  let literals: number;
  let literalsBytes: number;
  if (literalsType === LITERALS_RAW || literalsType === LITERALS_RLE) {
    if ((sizeFormat & 1) === 0) {
      literals = b0 >> 3;
      pos += 1;
    } else if (sizeFormat === 1) {
      need(buf, pos, 2, end);
      literals = (b0 >> 4) | (buf[pos + 1]! << 4);
      pos += 2;
    } else {
      need(buf, pos, 3, end);
      literals = (b0 >> 4) | (buf[pos + 1]! << 4) | (buf[pos + 2]! << 12);
      pos += 3;
    }
    literalsBytes = literalsType === LITERALS_RAW ? literals : 1;
  } else {
    let headerBytes: number;
    if (sizeFormat < 2) {
      need(buf, pos, 3, end);
      literals = (b0 >> 4) | ((buf[pos + 1]! & 0x3f) << 4);
      literalsBytes = (buf[pos + 1]! >> 6) | (buf[pos + 2]! << 2);
      headerBytes = 3;
    } else if (sizeFormat === 2) {
      need(buf, pos, 4, end);
      literals = (b0 >> 4) | (buf[pos + 1]! << 4) | ((buf[pos + 2]! & 3) << 12);
      literalsBytes = (buf[pos + 2]! >> 2) | (buf[pos + 3]! << 6);
      headerBytes = 4;
    } else {
      need(buf, pos, 5, end);
      literals = (b0 >> 4) | (buf[pos + 1]! << 4) | ((buf[pos + 2]! & 0x3f) << 12);
      literalsBytes = (buf[pos + 2]! >> 6) | (buf[pos + 3]! << 2) | (buf[pos + 4]! << 10);
      headerBytes = 5;
    }
    pos += headerBytes;
    need(buf, pos, literalsBytes, end);
    if (sizeFormat !== 0 && literalsBytes < 6) throw corrupt('four literal streams without their jump table');
    if (literalsType === LITERALS_COMPRESSED) {
      surveyHuffmanDescription(buf, pos, pos + literalsBytes);
      state.hasHuffmanTable = true;
    } else if (!state.hasHuffmanTable) {
      throw corrupt('treeless literals before any Huffman table');
    }
  }
  if (literals > state.blockMax) throw corrupt(`${literals} literals exceed the block maximum`);
  need(buf, pos, literalsBytes, end);
  pos += literalsBytes;

  // Sequences section header (3.1.1.3.2.1).
  need(buf, pos, 1, end);
  let sequences = buf[pos++]!;
  if (sequences === 0) {
    if (pos !== end) throw corrupt('bytes after a block without sequences');
    return literals;
  }
  if (sequences === 255) {
    need(buf, pos, 2, end);
    sequences = buf[pos]! + (buf[pos + 1]! << 8) + 0x7f00;
    pos += 2;
  } else if (sequences >= 128) {
    need(buf, pos, 1, end);
    sequences = ((sequences - 128) << 8) + buf[pos++]!;
  }
  need(buf, pos, 1, end);
  const modes = buf[pos++]!;
  if (modes & 3) throw corrupt('sequence compression modes set reserved bits');
  const previous = state.tables;
  const literalLengths = readTable(buf, pos, end, modes >> 6, LITERAL_LENGTH, previous?.literalLengths);
  pos = literalLengths.end;
  const offsets = readTable(buf, pos, end, (modes >> 4) & 3, OFFSET, previous?.offsets);
  pos = offsets.end;
  const matchLengths = readTable(buf, pos, end, (modes >> 2) & 3, MATCH_LENGTH, previous?.matchLengths);
  pos = matchLengths.end;
  const tables = { literalLengths: literalLengths.table, offsets: offsets.table, matchLengths: matchLengths.table };
  state.tables = tables;
  return literals + surveySequences(state, tables, sequences, literals, pos, end);
}

/**
 * Decodes the sequence bitstream `[start, end)` without executing it; returns the bytes its
 * matches copy. Fails unless every literal length stays within `literals`, the block within its
 * maximum, and every offset within what the frame has produced.
 */
function surveySequences(state: FrameState, tables: SequenceTables, count: number, literals: number, start: number, end: number): number {
  const { buf } = state;
  if (end <= start || buf[end - 1] === 0) throw corrupt('sequence bitstream has no end marker');
  const startBit = start * 8;
  // Bits are read backwards: `position` drops by each read's width and must stay within the stream.
  let position = (end - 1) * 8 + highBit(buf[end - 1]!);
  const ll = tables.literalLengths;
  const of = tables.offsets;
  const ml = tables.matchLengths;
  position -= ll.accuracyLog + of.accuracyLog + ml.accuracyLog;
  if (position < startBit) throw bitstreamOverrun();
  let llState = bitsAt(buf, position + of.accuracyLog + ml.accuracyLog, ll.accuracyLog);
  let ofState = bitsAt(buf, position + ml.accuracyLog, of.accuracyLog);
  let mlState = bitsAt(buf, position, ml.accuracyLog);
  const rep = state.repeatOffsets;
  let literalsUsed = 0;
  let matched = 0;
  for (let i = 0; i < count; i++) {
    const offsetCode = of.symbol[ofState]!;
    const matchCode = ml.symbol[mlState]!;
    const literalCode = ll.symbol[llState]!;
    if (offsetCode > MAX_OFFSET_CODE) throw corrupt(`offset code ${offsetCode} beyond any supported window`);
    const matchBits = MATCH_LENGTH_BITS[matchCode]!;
    const literalBits = LITERAL_LENGTH_BITS[literalCode]!;
    position -= offsetCode + matchBits + literalBits;
    if (position < startBit) throw bitstreamOverrun();
    const offsetValue = (1 << offsetCode) + bitsAt(buf, position + matchBits + literalBits, offsetCode);
    const matchLength = MATCH_LENGTH_BASE[matchCode]! + bitsAt(buf, position + literalBits, matchBits);
    const literalLength = LITERAL_LENGTH_BASE[literalCode]! + bitsAt(buf, position, literalBits);
    let offset: number;
    if (offsetValue > 3) {
      offset = offsetValue - 3;
      rep[2] = rep[1];
      rep[1] = rep[0];
      rep[0] = offset;
    } else {
      const index = offsetValue - (literalLength !== 0 ? 1 : 0);
      if (index === 0) {
        offset = rep[0];
      } else {
        offset = index === 3 ? rep[0] - 1 : rep[index]!;
        if (index > 1) rep[2] = rep[1];
        rep[1] = rep[0];
        rep[0] = offset;
      }
    }
    literalsUsed += literalLength;
    if (literalsUsed > literals) throw corrupt('sequences use more literals than the block holds');
    if (offset < 1 || offset > state.produced + literalsUsed + matched) throw corrupt(`match offset ${offset} reaches before the frame start`);
    matched += matchLength;
    if (literals + matched > state.blockMax) throw corrupt('block regenerates more than its maximum');
    if (i + 1 < count) {
      // State updates, in the order literal length, match length, offset; the last sequence has none.
      const llBits = ll.bits[llState]!;
      const mlBits = ml.bits[mlState]!;
      const ofBits = of.bits[ofState]!;
      position -= llBits + mlBits + ofBits;
      if (position < startBit) throw bitstreamOverrun();
      llState = ll.base[llState]! + bitsAt(buf, position + mlBits + ofBits, llBits);
      mlState = ml.base[mlState]! + bitsAt(buf, position + ofBits, mlBits);
      ofState = of.base[ofState]! + bitsAt(buf, position, ofBits);
    }
  }
  return matched;
}

function bitstreamOverrun(): BrokerError {
  return corrupt('bitstream overrun');
}

/**
 * The Huffman tree description at the head of compressed literals (4.2.1). Direct weights are
 * safe for fzstd; FSE-compressed weights are decoded here the way fzstd decodes them, because a
 * table whose states consume no bits would keep fzstd emitting weights forever.
 */
function surveyHuffmanDescription(buf: Buffer, start: number, end: number): void {
  need(buf, start, 1, end);
  const header = buf[start]!;
  if (header >= 128) {
    need(buf, start + 1, Math.ceil((header - 127) / 2), end);
    return;
  }
  const descriptionEnd = start + 1 + header;
  need(buf, start + 1, header, end);
  const { table, end: bitstreamStart } = readFseTable(buf, start + 1, descriptionEnd, HUFFMAN_WEIGHT);
  if (bitstreamStart >= descriptionEnd || buf[descriptionEnd - 1] === 0) throw corrupt('Huffman weights have no bitstream');
  const startBit = bitstreamStart * 8;
  let position = (descriptionEnd - 1) * 8 + highBit(buf[descriptionEnd - 1]!);
  // Two interleaved states; the stream ends at the first read that would cross its start.
  let state1 = 0;
  let state2 = 0;
  let bits1 = table.accuracyLog;
  let bits2 = table.accuracyLog;
  let weights = 0;
  for (;;) {
    if (position - bits1 < startBit) break;
    position -= bits1;
    state1 += bitsAt(buf, position, bits1);
    weights++;
    if (position - bits2 < startBit) break;
    position -= bits2;
    state2 += bitsAt(buf, position, bits2);
    weights++;
    if (weights > 255) throw corrupt('Huffman weight stream does not end');
    bits1 = table.bits[state1]!;
    state1 = table.base[state1]!;
    bits2 = table.bits[state2]!;
    state2 = table.base[state2]!;
  }
}
