/**
 * XXH32, the checksum of the LZ4 frame format (header, block and content checksums), written from
 * the xxHash specification: 32-bit arithmetic throughout, so Math.imul and `>>> 0` keep every
 * intermediate an unsigned 32-bit value.
 */

const PRIME1 = 0x9e3779b1;
const PRIME2 = 0x85ebca77;
const PRIME3 = 0xc2b2ae3d;
const PRIME4 = 0x27d4eb2f;
const PRIME5 = 0x165667b1;

function rotl(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

function round(acc: number, lane: number): number {
  return Math.imul(rotl((acc + Math.imul(lane, PRIME2)) >>> 0, 13), PRIME1) >>> 0;
}

/** XXH32 of `buf[start, end)` with `seed`, as an unsigned 32-bit number. */
export function xxhash32(buf: Uint8Array, start = 0, end = buf.length, seed = 0): number {
  const length = end - start;
  let p = start;
  let acc: number;
  if (length >= 16) {
    let v1 = (seed + PRIME1 + PRIME2) >>> 0;
    let v2 = (seed + PRIME2) >>> 0;
    let v3 = seed >>> 0;
    let v4 = (seed - PRIME1) >>> 0;
    const limit = end - 16;
    while (p <= limit) {
      v1 = round(v1, readU32(buf, p));
      v2 = round(v2, readU32(buf, p + 4));
      v3 = round(v3, readU32(buf, p + 8));
      v4 = round(v4, readU32(buf, p + 12));
      p += 16;
    }
    acc = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) >>> 0;
  } else {
    acc = (seed + PRIME5) >>> 0;
  }
  acc = (acc + length) >>> 0;
  while (p + 4 <= end) {
    acc = Math.imul(rotl((acc + Math.imul(readU32(buf, p), PRIME3)) >>> 0, 17), PRIME4) >>> 0;
    p += 4;
  }
  while (p < end) {
    acc = Math.imul(rotl((acc + Math.imul(buf[p]!, PRIME5)) >>> 0, 11), PRIME1) >>> 0;
    p++;
  }
  acc ^= acc >>> 15;
  acc = Math.imul(acc, PRIME2) >>> 0;
  acc ^= acc >>> 13;
  acc = Math.imul(acc, PRIME3) >>> 0;
  acc ^= acc >>> 16;
  return acc >>> 0;
}

function readU32(buf: Uint8Array, p: number): number {
  return (buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24)) >>> 0;
}
