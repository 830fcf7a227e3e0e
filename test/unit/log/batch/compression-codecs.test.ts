/**
 * snappy, lz4 and zstd records sections: whole batches round-trip through the codecs brokerlab
 * writes (snappy, lz4), fixtures from other implementations decode (codec-fixtures.ts), and hostile
 * bytes fail only with CORRUPT_MESSAGE or MESSAGE_TOO_LARGE, quickly.
 */
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../../src/common/random.js';
import {
  ATTRIBUTES_OFFSET,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH_OFFSET,
  CRC_OFFSET,
  CompressionType,
  LOG_OVERHEAD,
  buildBatch,
  compressRecords,
  computeBatchCrc,
  decompressRecords,
  readBatchHeader,
  readRecords,
  validateBatch,
  validateProducedBatch,
  type BatchRecord,
  type RecordInput,
} from '../../../../src/log/batch/index.js';
import { xxhash32 } from '../../../../src/log/batch/codecs/xxhash32.js';
import {
  LZ4_DEPENDENT_HEADER,
  LZ4_REPEATED,
  LZ4_SMALL_CHECKSUMS,
  SNAPPY_JAVA,
  SNAPPY_RAW,
  ZSTD_REPEATED_19,
  ZSTD_REPEATED_STREAMED,
  ZSTD_SMALL_19,
} from './codec-fixtures.js';
import { expectBrokerError, expectedRecords, outcomeOf, randomRecords } from './fixtures.js';

const T0 = 1_700_000_000_000;
const { SNAPPY, LZ4, ZSTD } = CompressionType;

/** The records the fixtures hold: 850 bytes uncompressed, one block of any codec. */
const SMALL_RECORDS: RecordInput[] = Array.from({ length: 20 }, (_, i) => ({
  key: Buffer.from(`key-${i}`),
  value: Buffer.from(`value ${i} `.repeat(1 + (i % 5))),
  timestamp: T0 + i,
  headers: [{ key: 'h', value: Buffer.from(String(i)) }],
}));
/** 153,536 bytes uncompressed: several lz4 blocks, two zstd blocks, five snappy-java chunks. */
const REPEATED_RECORDS: RecordInput[] = Array.from({ length: 300 }, (_, i) => ({
  key: Buffer.from(`k${i % 4}`),
  value: Buffer.alloc(500, 'abcd'[i % 4]!),
  timestamp: T0,
}));

function plainBatch(records: readonly RecordInput[]): Buffer {
  return buildBatch(records, { baseTimestamp: T0 });
}

function sectionOf(batch: Buffer): Buffer {
  return batch.subarray(BATCH_HEADER_SIZE);
}

/** `batch` with its records section replaced by `section` under codec `codec`, length and CRC re-sealed. */
function resealed(batch: Buffer, codec: number, section: Buffer): Buffer {
  const out = Buffer.concat([batch.subarray(0, BATCH_HEADER_SIZE), section]);
  out.writeInt32BE(out.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  out.writeInt16BE(codec, ATTRIBUTES_OFFSET);
  out.writeUInt32BE(computeBatchCrc(out, 0, out.length), CRC_OFFSET);
  return out;
}

/** Builds, validates and reads back `records` under `codec`; returns the compressed batch. */
function roundTrip(records: readonly RecordInput[], codec: number): Buffer {
  const batch = buildBatch(records, { baseTimestamp: T0, attributes: codec });
  expect(readBatchHeader(batch).attributes & 0x07).toBe(codec);
  expect(validateProducedBatch(batch).header.recordCount).toBe(records.length);
  expect(comparable(readRecords(batch))).toEqual(comparable(expectedRecords(records, 0, T0)));
  return batch;
}

/** Reads the records of a batch of `records` whose section is the fixture `section`. */
function expectFixture(records: readonly RecordInput[], codec: number, section: Buffer): void {
  const plain = plainBatch(records);
  expect(decompressRecords(codec, section).equals(sectionOf(plain)), 'fixture decompresses to the records section').toBe(true);
  const batch = resealed(plain, codec, section);
  expect(validateBatch(batch).header.recordCount).toBe(records.length);
  expect(comparable(readRecords(batch))).toEqual(comparable(expectedRecords(records, 0, T0)));
}

/** Records with their buffers as hex strings, which vitest compares far faster than large Buffers. */
function comparable(records: readonly BatchRecord[]): unknown[] {
  const hex = (b: Buffer | null): string | null => (b === null ? null : b.toString('hex'));
  return records.map((r) => ({ ...r, key: hex(r.key), value: hex(r.value), headers: r.headers.map((h) => ({ key: h.key, value: hex(h.value) })) }));
}

/** Runs `fn`, which must fail with `name` within `ms` milliseconds. */
function expectFastError(fn: () => unknown, name: 'CORRUPT_MESSAGE' | 'MESSAGE_TOO_LARGE', ms = 1_000): void {
  const start = performance.now();
  expectBrokerError(fn, name);
  expect(performance.now() - start).toBeLessThan(ms);
}

describe('snappy', () => {
  it('round-trips whole batches, written in snappy-java framing with 32 KiB chunks', () => {
    roundTrip(SMALL_RECORDS, SNAPPY);
    roundTrip(randomRecords(new SeededRandom(11), 300, T0), SNAPPY);
    const batch = roundTrip(REPEATED_RECORDS, SNAPPY);
    const section = sectionOf(batch);
    expect(section.length).toBeLessThan(sectionOf(plainBatch(REPEATED_RECORDS)).length / 10);
    // "\x82SNAPPY\0", version 1, compatible version 1, then int32 length + raw block per 32 KiB.
    expect(section.subarray(0, 16).toString('hex')).toBe('82534e41505059000000000100000001');
    const chunkLengths: number[] = [];
    for (let pos = 16; pos < section.length; ) {
      const length = section.readInt32BE(pos);
      // A raw block starts with its uncompressed length as a varint.
      const block = section.subarray(pos + 4, pos + 4 + length);
      let uncompressed = 0;
      for (let i = 0, shift = 1; ; i++, shift *= 128) {
        uncompressed += (block[i]! & 0x7f) * shift;
        if (block[i]! < 0x80) break;
      }
      chunkLengths.push(uncompressed);
      pos += 4 + length;
    }
    expect(chunkLengths).toEqual([32768, 32768, 32768, 32768, 22464]);
  });

  it('reads one raw block, as librdkafka writes it, and snappy-java framing, as the Java client writes it', () => {
    expectFixture(SMALL_RECORDS, SNAPPY, SNAPPY_RAW);
    expectFixture(SMALL_RECORDS, SNAPPY, SNAPPY_JAVA);
  });

  it('reads concatenated snappy-java streams as one, as snappy-java does', () => {
    const section = sectionOf(plainBatch(SMALL_RECORDS));
    const twice = Buffer.concat([compressRecords(SNAPPY, section), compressRecords(SNAPPY, section)]);
    expect(decompressRecords(SNAPPY, twice).equals(Buffer.concat([section, section]))).toBe(true);
  });

  it('refuses bombs with MESSAGE_TOO_LARGE before decoding them', () => {
    const zeros = Buffer.alloc(8 * 1024 * 1024);
    const java = compressRecords(SNAPPY, zeros);
    expect(java.length).toBeLessThan(500_000);
    expectFastError(() => decompressRecords(SNAPPY, java, 1024 * 1024), 'MESSAGE_TOO_LARGE');
    expect(decompressRecords(SNAPPY, java, zeros.length).equals(zeros)).toBe(true);
    // A raw block declaring 2^32 - 1 bytes in its first 5 bytes.
    const raw = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x61]);
    expectFastError(() => decompressRecords(SNAPPY, raw), 'MESSAGE_TOO_LARGE');
  });

  it('refuses damaged blocks and framing with CORRUPT_MESSAGE', () => {
    const java = Buffer.from(SNAPPY_JAVA);
    // A length more than the block could expand to (at most 64 bytes per 3).
    expectBrokerError(() => decompressRecords(SNAPPY, Buffer.from([0xe8, 0x07, 0x00, 0x61])), 'CORRUPT_MESSAGE');
    // A declared length the block does not produce.
    const short = Buffer.from(SNAPPY_RAW);
    short[0] = short[0]! - 1;
    expectBrokerError(() => decompressRecords(SNAPPY, short), 'CORRUPT_MESSAGE');
    // A chunk length beyond the input, negative, zero; a cut-short chunk length.
    for (const length of [java.length, -5, 0]) {
      const bad = Buffer.from(java);
      bad.writeInt32BE(length, 16);
      expectBrokerError(() => decompressRecords(SNAPPY, bad), 'CORRUPT_MESSAGE');
    }
    expectBrokerError(() => decompressRecords(SNAPPY, Buffer.concat([java, Buffer.from([0, 0])])), 'CORRUPT_MESSAGE');
    expectBrokerError(() => decompressRecords(SNAPPY, Buffer.alloc(0)), 'CORRUPT_MESSAGE');
  });
});

describe('lz4', () => {
  it('round-trips whole batches as one standard LZ4 frame', () => {
    roundTrip(SMALL_RECORDS, LZ4);
    roundTrip(randomRecords(new SeededRandom(12), 300, T0), LZ4);
    const batch = roundTrip(REPEATED_RECORDS, LZ4);
    const section = sectionOf(batch);
    expect(section.length).toBeLessThan(sectionOf(plainBatch(REPEATED_RECORDS)).length / 10);
    // Magic, then FLG 0x60 (version 1, independent blocks, no checksums, no content size), as
    // Kafka's Lz4BlockOutputStream writes, and a header checksum any LZ4 reader accepts.
    expect(section.readUInt32LE(0)).toBe(0x184d2204);
    expect(section[4]).toBe(0x60);
    expect(section[6]).toBe((xxhash32(section, 4, 6) >>> 8) & 0xff);
    expect(section.readUInt32LE(section.length - 4), 'end mark').toBe(0);
  });

  it('reads frames of the reference lz4 tool: block checksums, content size, content checksum, several blocks', () => {
    expectFixture(SMALL_RECORDS, LZ4, LZ4_SMALL_CHECKSUMS);
    expectFixture(REPEATED_RECORDS, LZ4, LZ4_REPEATED);
  });

  it('refuses bombs with MESSAGE_TOO_LARGE, stopping within one block of the limit', () => {
    const zeros = Buffer.alloc(32 * 1024 * 1024);
    const frame = compressRecords(LZ4, zeros);
    expect(frame.length).toBeLessThan(200_000);
    expectFastError(() => decompressRecords(LZ4, frame, 1024 * 1024), 'MESSAGE_TOO_LARGE');
    // A declared content size beyond the limit fails before any block is read.
    const declared = withHeader(LZ4_SMALL_CHECKSUMS, (header) => header.writeUInt32LE(0xffff_ffff, 6));
    expectFastError(() => decompressRecords(LZ4, declared), 'MESSAGE_TOO_LARGE');
  });

  it('refuses what Kafka never writes, and damaged frames, with CORRUPT_MESSAGE', () => {
    const ok = LZ4_REPEATED;
    const corruptions: Array<[string, Buffer]> = [
      ['dependent blocks', Buffer.concat([LZ4_DEPENDENT_HEADER, ok.subarray(7)])],
      ['a legacy frame', Buffer.concat([Buffer.from('02214c18', 'hex'), ok.subarray(4)])],
      ['a dictionary id', withHeader(ok, (header) => (header[4]! |= 0x01))],
      ['version 2', withHeader(ok, (header) => (header[4] = (header[4]! & 0x3f) | 0x80))],
      ['a block size id of 3', withHeader(ok, (header) => (header[5] = 0x30))],
      ['a wrong header checksum', flip(ok, 6)],
      ['a wrong content checksum', flip(ok, ok.length - 1)],
      ['a damaged block', flip(ok, 20)],
      ['bytes after the frame', Buffer.concat([ok, Buffer.from([0])])],
      ['no end mark', ok.subarray(0, ok.length - 8)],
      ['a content size other than the content', withHeader(LZ4_SMALL_CHECKSUMS, (header) => header.writeUInt32LE(849, 6))],
      ['a wrong block checksum', flip(LZ4_SMALL_CHECKSUMS, LZ4_SMALL_CHECKSUMS.length - 9)],
      ['nothing', Buffer.alloc(0)],
    ];
    for (const [what, bytes] of corruptions) {
      expect(outcomeOf(() => decompressRecords(LZ4, bytes)), what).toBe('CORRUPT_MESSAGE');
    }
  });
});

describe('zstd', () => {
  it('reads frames of the zstd tool: with and without content size and checksum, one or two blocks', () => {
    expectFixture(SMALL_RECORDS, ZSTD, ZSTD_SMALL_19);
    expectFixture(REPEATED_RECORDS, ZSTD, ZSTD_REPEATED_19);
    expectFixture(REPEATED_RECORDS, ZSTD, ZSTD_REPEATED_STREAMED);
  });

  it('reads several frames and skips skippable ones', () => {
    const skippable = Buffer.from('512a4d1803000000616263', 'hex');
    const joined = Buffer.concat([ZSTD_SMALL_19, skippable, ZSTD_REPEATED_STREAMED]);
    const expected = Buffer.concat([sectionOf(plainBatch(SMALL_RECORDS)), sectionOf(plainBatch(REPEATED_RECORDS))]);
    expect(decompressRecords(ZSTD, joined).equals(expected)).toBe(true);
  });

  it('cannot be written by brokerlab: UNSUPPORTED_COMPRESSION_TYPE', () => {
    expectBrokerError(() => buildBatch(SMALL_RECORDS, { attributes: ZSTD }), 'UNSUPPORTED_COMPRESSION_TYPE');
    expectBrokerError(() => compressRecords(ZSTD, Buffer.from('x')), 'UNSUPPORTED_COMPRESSION_TYPE');
  });

  it('refuses bombs with MESSAGE_TOO_LARGE before allocating their output', () => {
    // A declared content size of 2^32 - 1, then one empty raw block.
    const declared = Buffer.from('28b52ffda0ffffffff010000', 'hex');
    expectFastError(() => decompressRecords(ZSTD, declared), 'MESSAGE_TOO_LARGE');
    // No content size: 4,000 RLE blocks of 128 KiB (500 MiB) in 16 KB.
    const blocks = Array.from({ length: 4000 }, (_, i) => rleBlock(128 * 1024, i === 3999));
    const rle = Buffer.concat([Buffer.from('28b52ffd0058', 'hex'), ...blocks]);
    expectFastError(() => decompressRecords(ZSTD, rle), 'MESSAGE_TOO_LARGE');
    expect(decompressRecords(ZSTD, Buffer.concat([Buffer.from('28b52ffd0058', 'hex'), rleBlock(100, true)])).equals(Buffer.alloc(100, 0x61))).toBe(true);
    expectFastError(() => decompressRecords(ZSTD, ZSTD_REPEATED_STREAMED, 100_000), 'MESSAGE_TOO_LARGE');
  });

  it('refuses the inputs on which fzstd alone spins, quickly and with CORRUPT_MESSAGE', () => {
    const sequences = compressedBlock([
      0x00, // no literals
      255, 100, 0, // 0x7f00 + 100 = 32,612 sequences
      0x54, 0, 0, 52, // literal lengths, offsets and match lengths each one repeated code: 0, 0, 52
      ...new Array<number>(10).fill(0xff), 0x80, // 16 extra bits per sequence, 65,539+ bytes each
    ]);
    const weights = compressedBlock([
      0x42, 0xc0, 0x01, // compressed literals, one stream: 4 regenerated from 7 bytes
      4, 0xf1, 0x07, 0xff, 0x80, // Huffman weights under an FSE table whose one symbol takes all 64 states
      0x01, 0x80, // the literal stream
      0, // no sequences
    ]);
    // Alone, fzstd runs the first for about ten seconds and the second forever.
    for (const frame of [sequences, weights]) expectFastError(() => decompressRecords(ZSTD, frame), 'CORRUPT_MESSAGE');
  });

  it('refuses a block that regenerates more than its maximum', () => {
    const frame = compressedBlock([
      0x20, 0x61, 0x62, 0x63, 0x64, // four raw literals: "abcd"
      1, 0x54, 4, 2, 52, // one sequence: literal length 4, offset code 2, match length code 52
      0x00, 0x00, 0x04, // offset 1, match length 65,539: past the 1 KiB window's block maximum
    ]);
    expect(outcomeOf(() => decompressRecords(ZSTD, frame))).toBe('CORRUPT_MESSAGE');
  });

  it('refuses damaged frames with CORRUPT_MESSAGE', () => {
    const ok = ZSTD_REPEATED_19;
    const corruptions: Array<[string, Buffer]> = [
      ['a wrong magic', flip(ok, 0)],
      ['a reserved descriptor bit', withHeader(ok, (header) => (header[4]! |= 0x08))],
      ['a dictionary', withHeader(ok, (header) => (header[4]! |= 0x01))],
      ['a content size other than the content', withHeader(ok, (header) => header.writeUInt32LE(ok.readUInt32LE(5) - 1, 5))],
      ['a cut-short frame', ok.subarray(0, ok.length - 10)],
      ['bytes after the frame', Buffer.concat([ok, Buffer.from([1, 2, 3])])],
      ['a window of 2^41 bytes', Buffer.from('28b52ffd00f8010000', 'hex')],
      ['the reserved block type', Buffer.from('28b52ffd0058070000', 'hex')],
      ['nothing', Buffer.alloc(0)],
    ];
    for (const [what, bytes] of corruptions) {
      expect(outcomeOf(() => decompressRecords(ZSTD, bytes)), what).toBe('CORRUPT_MESSAGE');
    }
  });
});

describe('hostile bytes, for every codec', () => {
  const samples: Array<[number, Buffer]> = [
    [SNAPPY, SNAPPY_RAW],
    [SNAPPY, SNAPPY_JAVA],
    [SNAPPY, sectionOf(buildBatch(REPEATED_RECORDS, { baseTimestamp: T0, attributes: SNAPPY }))],
    [LZ4, LZ4_SMALL_CHECKSUMS],
    [LZ4, LZ4_REPEATED],
    [LZ4, sectionOf(buildBatch(REPEATED_RECORDS, { baseTimestamp: T0, attributes: LZ4 }))],
    [ZSTD, ZSTD_SMALL_19],
    [ZSTD, ZSTD_REPEATED_19],
    [ZSTD, ZSTD_REPEATED_STREAMED],
  ];

  it('fail only with CORRUPT_MESSAGE or MESSAGE_TOO_LARGE, never slowly: byte changes and truncations', () => {
    const random = new SeededRandom(2024);
    const seen = new Set<string>();
    let slowest = 0;
    for (const [codec, sample] of samples) {
      for (let i = 0; i < 300; i++) {
        const bytes = Buffer.from(sample);
        for (let n = random.int(1, 3); n > 0; n--) {
          const at = random.int(0, bytes.length - 1);
          bytes[at] = random.chance(0.5) ? random.int(0, 255) : bytes[at]! ^ (1 << random.int(0, 7));
        }
        const input = random.chance(0.15) ? bytes.subarray(0, random.int(0, bytes.length)) : bytes;
        const start = performance.now();
        const outcome = outcomeOf(() => decompressRecords(codec, input, 1024 * 1024));
        slowest = Math.max(slowest, performance.now() - start);
        expect(['ok', 'CORRUPT_MESSAGE', 'MESSAGE_TOO_LARGE']).toContain(outcome);
        seen.add(`${codec}:${outcome}`);
      }
    }
    expect(slowest).toBeLessThan(1_000);
    for (const codec of [SNAPPY, LZ4, ZSTD]) expect(seen.has(`${codec}:CORRUPT_MESSAGE`)).toBe(true);
  });

  it('fail only with CORRUPT_MESSAGE or MESSAGE_TOO_LARGE on random bytes, with and without a codec magic', () => {
    const random = new SeededRandom(7);
    const magics: Record<number, Buffer> = {
      [SNAPPY]: Buffer.from('82534e41505059000000000100000001', 'hex'),
      [LZ4]: Buffer.from('04224d1860', 'hex'),
      [ZSTD]: Buffer.from('28b52ffd', 'hex'),
    };
    for (let i = 0; i < 2000; i++) {
      for (const codec of [SNAPPY, LZ4, ZSTD]) {
        const noise = Buffer.from(Array.from({ length: random.int(0, 200) }, () => random.int(0, 255)));
        const input = random.chance(0.5) ? Buffer.concat([magics[codec]!, noise]) : noise;
        // Noise can be a valid stream (a raw snappy block, an empty snappy-java stream): 'ok' is fine.
        expect(['ok', 'CORRUPT_MESSAGE', 'MESSAGE_TOO_LARGE']).toContain(outcomeOf(() => decompressRecords(codec, input)));
      }
    }
  });

  it('in a whole batch fail validation the same way', () => {
    const plain = plainBatch(SMALL_RECORDS);
    for (const codec of [SNAPPY, LZ4, ZSTD]) {
      const batch = resealed(plain, codec, sectionOf(plain));
      expectBrokerError(() => validateProducedBatch(batch), 'CORRUPT_MESSAGE');
      expectBrokerError(() => readRecords(batch), 'CORRUPT_MESSAGE');
    }
    // A batch whose records expand beyond the reader's limit.
    const big = buildBatch(REPEATED_RECORDS, { baseTimestamp: T0, attributes: LZ4 });
    expectBrokerError(() => readRecords(big, 0, { maxUncompressedBytes: 100_000 }), 'MESSAGE_TOO_LARGE');
    expectBrokerError(() => validateBatch(big, 0, { maxUncompressedBytes: 100_000 }), 'MESSAGE_TOO_LARGE');
  });
});

/** A copy of `bytes` with the byte at `at` inverted. */
function flip(bytes: Buffer, at: number): Buffer {
  const out = Buffer.from(bytes);
  out[at] = out[at]! ^ 0xff;
  return out;
}

/** A copy of `frame` changed by `edit`; an LZ4 frame's header checksum is recomputed. */
function withHeader(frame: Buffer, edit: (header: Buffer) => void): Buffer {
  const out = Buffer.from(frame);
  edit(out);
  if (out.readUInt32LE(0) === 0x184d2204) {
    const checksumAt = out[4]! & 0x08 ? 14 : 6;
    out[checksumAt] = (xxhash32(out, 4, checksumAt) >>> 8) & 0xff;
  }
  return out;
}

/** A zstd RLE block of `size` bytes 'a'. */
function rleBlock(size: number, last: boolean): Buffer {
  const header = (last ? 1 : 0) | (1 << 1) | (size << 3);
  return Buffer.from([header & 0xff, (header >> 8) & 0xff, header >>> 16, 0x61]);
}

/** A zstd frame (1 KiB window, no content size) of one last compressed block holding `content`. */
function compressedBlock(content: readonly number[]): Buffer {
  const header = 1 | (2 << 1) | (content.length << 3);
  return Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, header & 0xff, (header >> 8) & 0xff, header >>> 16, ...content]);
}

describe('the native codecs', () => {
  it('load on first use, and a codec that cannot load fails with UNSUPPORTED_COMPRESSION_TYPE', async () => {
    const { nativeCodec } = await import('../../../../src/log/batch/codecs/native.js');
    const missing = nativeCodec<unknown>('brokerlab-no-such-codec');
    expect(() => missing()).toThrow(/^UNSUPPORTED_COMPRESSION_TYPE: the brokerlab-no-such-codec codec cannot be loaded/);
    const snappy = nativeCodec<{ compressSync(b: Buffer): Buffer }>('snappy');
    expect(snappy()).toBe(snappy());
    expect(snappy().compressSync(Buffer.from('abc')).length).toBeGreaterThan(0);
  });
});
