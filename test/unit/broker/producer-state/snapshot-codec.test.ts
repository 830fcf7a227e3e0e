import { crc32c } from '@node-rs/crc32';
import { describe, expect, it } from 'vitest';
import {
  MAX_SEQUENCE,
  decodeSnapshot,
  encodeSnapshot,
  parseSnapshotFileName,
  snapshotFileName,
  type ProducerStateSnapshot,
} from '../../../../src/broker/producer-state/index.js';
import { NOW_MS } from './fixtures.js';

const SNAPSHOT: ProducerStateSnapshot = {
  offset: 5_000_000_123,
  producers: [
    {
      producerId: 7,
      producerEpoch: 2,
      batches: [
        { firstSequence: 10, lastSequence: 12, firstOffset: 100, lastOffset: 102, maxTimestamp: NOW_MS },
        { firstSequence: 13, lastSequence: 13, firstOffset: 140, lastOffset: 140, maxTimestamp: NOW_MS + 5 },
      ],
    },
    {
      producerId: 2 ** 40,
      producerEpoch: 0,
      batches: [{ firstSequence: MAX_SEQUENCE - 1, lastSequence: 3, firstOffset: 5_000_000_000, lastOffset: 5_000_000_005, maxTimestamp: -1 }],
    },
  ],
};

describe('producer state snapshot codec', () => {
  it('round-trips every producer with all its cached batches', () => {
    const decoded = decodeSnapshot(encodeSnapshot(SNAPSHOT));
    expect(decoded).toEqual({ ok: true, snapshot: SNAPSHOT });
    expect(decodeSnapshot(encodeSnapshot({ offset: 0, producers: [] }))).toEqual({ ok: true, snapshot: { offset: 0, producers: [] } });
  });

  it('detects a change of any single byte', () => {
    const bytes = encodeSnapshot(SNAPSHOT);
    for (let i = 0; i < bytes.length; i++) {
      const damaged = Buffer.from(bytes);
      damaged[i] = damaged[i]! ^ 0x40;
      const decoded = decodeSnapshot(damaged);
      expect(decoded.ok, `byte ${i} flipped`).toBe(false);
    }
  });

  it('detects a file cut short or grown at any length, without throwing', () => {
    const bytes = encodeSnapshot(SNAPSHOT);
    for (let length = 0; length < bytes.length; length++) expect(decodeSnapshot(bytes.subarray(0, length)).ok, `cut to ${length}`).toBe(false);
    expect(decodeSnapshot(Buffer.concat([bytes, Buffer.alloc(1)])).ok).toBe(false);
  });

  it('refuses well-checksummed content that cannot be true (values beyond 2^53, batches past the snapshot offset)', () => {
    const resealed = (mutate: (buf: Buffer) => void): Buffer => {
      const buf = Buffer.from(encodeSnapshot(SNAPSHOT));
      mutate(buf);
      buf.writeUInt32BE(crc32c(buf.subarray(6)) >>> 0, 2);
      return buf;
    };
    const producerIdAt = 18;
    const hugeId = decodeSnapshot(resealed((buf) => buf.writeInt32BE(0x7fff_ffff, producerIdAt)));
    expect(hugeId).toMatchObject({ ok: false, reason: expect.stringMatching(/2\^53/) });
    const lastOffsetOfFirstBatch = 18 + 11 + 16;
    const pastEnd = decodeSnapshot(resealed((buf) => buf.writeBigInt64BE(BigInt(SNAPSHOT.offset), lastOffsetOfFirstBatch)));
    expect(pastEnd).toMatchObject({ ok: false, reason: expect.stringMatching(/bad offsets/) });
  });

  it('names files by their 20-digit offset, as Kafka does', () => {
    expect(snapshotFileName(1234)).toBe('00000000000000001234.snapshot');
    expect(parseSnapshotFileName('00000000000000001234.snapshot')).toBe(1234);
    expect(parseSnapshotFileName('00000000000000001234.snapshot.tmp')).toBeUndefined();
    expect(parseSnapshotFileName('00000000000000001234.log')).toBeUndefined();
    expect(parseSnapshotFileName('1234.snapshot')).toBeUndefined();
  });
});
