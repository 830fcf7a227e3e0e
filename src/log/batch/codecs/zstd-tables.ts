/**
 * The entropy tables of Zstandard's sequence and Huffman-weight streams (RFC 8878 §4.1), and the
 * backward bitstream reading they need: what the zstd frame checker (zstd.ts) walks a frame with.
 * Everything here reads within the bounds it is given and throws CORRUPT_MESSAGE otherwise.
 */
import { errors, type BrokerError } from '../../../common/errors.js';

export function corrupt(message: string): BrokerError {
  return errors.corruptMessage(`zstd records: ${message}`);
}

/** Checks that `count` bytes from `pos` lie before `end`; returns the buffer for chaining. */
export function need(buf: Buffer, pos: number, count: number, end: number): Buffer {
  if (pos + count > end) throw corrupt(`cut short at byte ${pos}`);
  return buf;
}

export interface FseTable {
  accuracyLog: number;
  symbol: Uint8Array;
  bits: Uint8Array;
  base: Uint16Array;
}

interface TableKind {
  name: string;
  maxAccuracyLog: number;
  maxSymbol: number;
  predefined: FseTable | undefined;
}

const FSE_PREDEFINED = 0;
const FSE_RLE = 1;
const FSE_COMPRESSED = 2;

/** The table of one sequence field under compression mode `mode` (3.1.1.3.2.2). */
export function readTable(buf: Buffer, pos: number, end: number, mode: number, kind: TableKind, previous: FseTable | undefined): { table: FseTable; end: number } {
  if (mode === FSE_PREDEFINED) return { table: kind.predefined!, end: pos };
  if (mode === FSE_RLE) {
    need(buf, pos, 1, end);
    const symbol = buf[pos]!;
    if (symbol > kind.maxSymbol) throw corrupt(`${kind.name} symbol ${symbol} out of range`);
    return { table: { accuracyLog: 0, symbol: Uint8Array.of(symbol), bits: Uint8Array.of(0), base: Uint16Array.of(0) }, end: pos + 1 };
  }
  if (mode === FSE_COMPRESSED) return readFseTable(buf, pos, end, kind);
  if (!previous) throw corrupt(`${kind.name} table repeated before any was given`);
  return { table: previous, end: pos };
}

/** Reads an FSE table description from `[start, end)` and builds its decoding table. */
export function readFseTable(buf: Buffer, start: number, end: number, kind: TableKind): { table: FseTable; end: number } {
  need(buf, start, 1, end);
  const accuracyLog = (buf[start]! & 15) + 5;
  if (accuracyLog > kind.maxAccuracyLog) throw corrupt(`${kind.name} accuracy log ${accuracyLog} too high`);
  let bitPos = start * 8 + 4;
  const size = 1 << accuracyLog;
  let remaining = size + 1;
  let threshold = size;
  let width = accuracyLog + 1;
  const probabilities: number[] = [];
  while (remaining > 1) {
    if (probabilities.length > kind.maxSymbol) throw corrupt(`${kind.name} distribution has too many symbols`);
    const max = 2 * threshold - 1 - remaining;
    let value = bitsAt(buf, bitPos, width - 1);
    if (value < max) {
      bitPos += width - 1;
    } else {
      value = bitsAt(buf, bitPos, width);
      bitPos += width;
      if (value >= threshold) value -= max;
    }
    const probability = value - 1;
    remaining -= Math.abs(probability);
    probabilities.push(probability);
    if (probability === 0) {
      for (;;) {
        const repeat = bitsAt(buf, bitPos, 2);
        bitPos += 2;
        for (let r = 0; r < repeat; r++) probabilities.push(0);
        if (repeat !== 3) break;
        if (probabilities.length > kind.maxSymbol + 1) break;
      }
    }
    while (remaining < threshold && threshold > 1) {
      width--;
      threshold >>= 1;
    }
  }
  if (remaining !== 1 || probabilities.length > kind.maxSymbol + 1) throw corrupt(`${kind.name} distribution is invalid`);
  const tableEnd = Math.ceil(bitPos / 8);
  if (tableEnd > end) throw corrupt(`${kind.name} table description is cut short`);
  return { table: buildFseTable(probabilities, accuracyLog), end: tableEnd };
}

/** Spreads symbols over the table and computes each state's bits and baseline (4.1.1). */
function buildFseTable(probabilities: readonly number[], accuracyLog: number): FseTable {
  const size = 1 << accuracyLog;
  const symbol = new Uint8Array(size);
  const bits = new Uint8Array(size);
  const base = new Uint16Array(size);
  const next = new Uint16Array(probabilities.length);
  let high = size - 1;
  for (let s = 0; s < probabilities.length; s++) {
    if (probabilities[s] === -1) {
      symbol[high--] = s;
      next[s] = 1;
    }
  }
  const step = (size >> 1) + (size >> 3) + 3;
  const mask = size - 1;
  let position = 0;
  for (let s = 0; s < probabilities.length; s++) {
    const p = probabilities[s]!;
    if (p <= 0) continue;
    next[s] = p;
    for (let i = 0; i < p; i++) {
      symbol[position] = s;
      do position = (position + step) & mask;
      while (position > high);
    }
  }
  if (position !== 0) throw corrupt('FSE distribution does not spread');
  for (let u = 0; u < size; u++) {
    const state = next[symbol[u]!]!++;
    const width = accuracyLog - highBit(state);
    bits[u] = width;
    base[u] = (state << width) - size;
  }
  return { accuracyLog, symbol, bits, base };
}

export function highBit(value: number): number {
  return 31 - Math.clz32(value);
}

/**
 * The `count` (at most 25) bits from bit `bitPos` on, little-endian: zstd's forward streams (FSE
 * table descriptions) and backward streams (read from the end, the caller moving `bitPos` down)
 * both number bits this way. Bytes past the buffer read as zero.
 */
export function bitsAt(buf: Buffer, bitPos: number, count: number): number {
  const i = bitPos >> 3;
  const word =
    i + 3 < buf.length
      ? buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24)
      : byteAt(buf, i) | (byteAt(buf, i + 1) << 8) | (byteAt(buf, i + 2) << 16) | (byteAt(buf, i + 3) << 24);
  return (word >>> (bitPos & 7)) & ((1 << count) - 1);
}

function byteAt(buf: Buffer, i: number): number {
  return i < buf.length ? buf[i]! : 0;
}

// ---------------------------------------------------------------------------------------------
// Code tables (3.1.1.3.2.1.1) and predefined distributions (3.1.1.3.2.2)

export const LITERAL_LENGTH_BITS = Uint8Array.from([...new Array<number>(16).fill(0), 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
export const MATCH_LENGTH_BITS = Uint8Array.from([...new Array<number>(32).fill(0), 1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
export const LITERAL_LENGTH_BASE = baselines(LITERAL_LENGTH_BITS, 0);
export const MATCH_LENGTH_BASE = baselines(MATCH_LENGTH_BITS, 3);

/** Each code's base value: the previous code's base plus the values its extra bits span. */
function baselines(bits: Uint8Array, first: number): Int32Array {
  const out = new Int32Array(bits.length);
  let next = first;
  bits.forEach((b, i) => {
    out[i] = next;
    next += 1 << b;
  });
  return out;
}

const LITERAL_LENGTH_DISTRIBUTION = [
  4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1,
];
const MATCH_LENGTH_DISTRIBUTION = [
  1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
];
const OFFSET_DISTRIBUTION = [1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1];

export const LITERAL_LENGTH: TableKind = {
  name: 'literal length',
  maxAccuracyLog: 9,
  maxSymbol: 35,
  predefined: buildFseTable(LITERAL_LENGTH_DISTRIBUTION, 6),
};
export const MATCH_LENGTH: TableKind = {
  name: 'match length',
  maxAccuracyLog: 9,
  maxSymbol: 52,
  predefined: buildFseTable(MATCH_LENGTH_DISTRIBUTION, 6),
};
export const OFFSET: TableKind = { name: 'offset', maxAccuracyLog: 8, maxSymbol: 31, predefined: buildFseTable(OFFSET_DISTRIBUTION, 5) };
export const HUFFMAN_WEIGHT: TableKind = { name: 'Huffman weight', maxAccuracyLog: 6, maxSymbol: 255, predefined: undefined };
