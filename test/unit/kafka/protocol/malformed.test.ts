/**
 * Hostile input: every truncation and random corruption of valid messages ends in a
 * ProtocolError (never another exception, never a hang), and lengths/counts are checked against
 * the bytes left before anything is allocated.
 */
import { describe, expect, it } from 'vitest';
import { ProtocolError, Reader } from '../../../../src/kafka/protocol/reader.js';
import { FetchRequest, JoinGroupRequest, MetadataRequest, ProduceRequest } from '../../../../src/kafka/protocol/messages/index.js';
import { codecOf, encode, loadGenerator, loadModels, randomStruct, seeded, top, versionsOf } from './support.js';

const gen = await loadGenerator();
const models = await loadModels();
const b = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Reads `bytes` and returns the error thrown, or null when the read succeeded. */
function readError(read: () => unknown): unknown {
  try {
    read();
    return null;
  } catch (e) {
    return e;
  }
}

const batch = Buffer.alloc(90, 0x5a);

const produceV9 = encode(ProduceRequest, 9, {
  transactionalId: 'txn-1',
  acks: -1,
  timeoutMs: 30_000,
  topicData: [
    { name: 'orders', partitionData: [{ index: 0, records: batch }, { index: 1, records: null }] },
    { name: 'é漢', partitionData: [] },
  ],
});

const fetchV12 = encode(FetchRequest, 12, {
  ...FetchRequest.defaults(),
  clusterId: 'cluster-a',
  maxWaitMs: 500,
  minBytes: 1,
  maxBytes: 52428800,
  isolationLevel: 1,
  sessionEpoch: -1,
  topics: [
    {
      topic: 'orders',
      topicId: '00000000-0000-0000-0000-000000000000',
      partitions: [
        { partition: 0, currentLeaderEpoch: 3, fetchOffset: 1234, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1048576, replicaDirectoryId: '00000000-0000-0000-0000-000000000000' },
        { partition: 1, currentLeaderEpoch: 3, fetchOffset: 2 ** 40, lastFetchedEpoch: -1, logStartOffset: 0, partitionMaxBytes: 1048576, replicaDirectoryId: '00000000-0000-0000-0000-000000000000' },
      ],
    },
  ],
  forgottenTopicsData: [{ topic: 'old', topicId: '00000000-0000-0000-0000-000000000000', partitions: [4, 5] }],
  rackId: 'rack-1',
});

const joinGroupV6 = encode(JoinGroupRequest, 6, {
  ...JoinGroupRequest.defaults(),
  groupId: 'group-1',
  sessionTimeoutMs: 10_000,
  rebalanceTimeoutMs: 60_000,
  memberId: '',
  groupInstanceId: null,
  protocolType: 'consumer',
  protocols: [
    { name: 'range', metadata: b('0001000000010006') },
    { name: 'roundrobin', metadata: Buffer.alloc(0) },
  ],
});

describe('truncated messages', () => {
  const cases: [string, { read(r: Reader, v: number): unknown }, number, Buffer][] = [
    ['Produce v9 request', ProduceRequest, 9, produceV9],
    ['Fetch v12 request', FetchRequest, 12, fetchV12],
    ['JoinGroup v6 request', JoinGroupRequest, 6, joinGroupV6],
  ];
  for (const [name, codec, v, bytes] of cases) {
    it(`${name}: the whole message reads; every truncation throws ProtocolError`, () => {
      const r = new Reader(bytes);
      codec.read(r, v);
      expect(r.offset).toBe(bytes.length);
      for (let i = 0; i < bytes.length; i++) {
        const e = readError(() => codec.read(new Reader(bytes.subarray(0, i)), v));
        if (!(e instanceof ProtocolError)) expect.fail(`${name} cut at ${i} of ${bytes.length}: ${e === null ? 'no error' : String(e)}`);
      }
    });
  }
});

describe('counts and lengths', () => {
  it('a huge array count is refused before allocating', () => {
    // Produce v3: transactional id null, acks, timeout, then topic count 2^31-1
    const nonFlexible = b('ffff 0001 00007530 7fffffff 00');
    expect(() => ProduceRequest.read(new Reader(nonFlexible), 3)).toThrow(ProtocolError);
    // Produce v9: compact count 2^32-2
    const flexible = b('00 0001 00007530 ffffffff0f 00');
    expect(() => ProduceRequest.read(new Reader(flexible), 9)).toThrow(ProtocolError);
    // a count that fits the bytes left but whose elements do not
    expect(() => ProduceRequest.read(new Reader(b('ffff 0001 00007530 00000004 0000 0000 0000 0000')), 3)).toThrow(ProtocolError);
  });

  it('huge string and bytes lengths, negative lengths and null where not nullable', () => {
    expect(() => new Reader(b('7fff 00')).string()).toThrow(ProtocolError);
    expect(() => new Reader(b('fffe')).nullableString()).toThrow(ProtocolError);
    expect(() => new Reader(b('7fffffff 00')).bytes()).toThrow(ProtocolError);
    expect(() => new Reader(b('fffffffe')).nullableBytes()).toThrow(ProtocolError);
    expect(() => new Reader(b('ffffffff0f')).compactBytes()).toThrow(ProtocolError);
    expect(() => new Reader(b('ffffffff')).arrayLength()).toThrow(ProtocolError);
    expect(() => new Reader(b('fffffffe')).nullableArrayLength()).toThrow(ProtocolError);
    expect(new Reader(b('ffffffff')).nullableArrayLength()).toBe(-1);
    expect(() => new Reader(b('00')).compactArrayLength()).toThrow(ProtocolError);
    expect(new Reader(b('00')).compactNullableArrayLength()).toBe(-1);
    // Metadata v0: the topic list is not nullable
    expect(() => MetadataRequest.read(new Reader(b('ffffffff')), 0)).toThrow(ProtocolError);
    // a non-nullable compact string (Produce v9 topic name) that is null
    expect(() => ProduceRequest.read(new Reader(b('00 0001 00007530 02 00 01 00 00')), 9)).toThrow(ProtocolError);
  });

  it('varints longer than 5 bytes or above 32 bits', () => {
    expect(() => new Reader(b('ffffffffff01')).uvarint()).toThrow(ProtocolError);
    expect(() => new Reader(b('ffffffff10')).uvarint()).toThrow(ProtocolError);
    expect(() => new Reader(b('ffffffffffffffffffff01')).varlong()).toThrow(ProtocolError);
    expect(() => new Reader(b('80')).uvarint()).toThrow(ProtocolError);
  });

  it('tagged fields: a size beyond the message or a value that overruns its size', () => {
    // ApiVersions v3 request: two empty compact strings, then one tagged field of 100 bytes
    expect(() => codecOf('ApiVersionsRequest').read(new Reader(b('01 01 01 05 64 00')), 3)).toThrow(ProtocolError);
    // Fetch v12 ClusterId (tag 0) declared 1 byte long but holding a 3-byte compact string
    const good = encode(FetchRequest, 12, { ...FetchRequest.defaults(), clusterId: 'ab' });
    expect(good.subarray(good.length - 6).toString('hex')).toBe('010003036162');
    const bad = Buffer.concat([good.subarray(0, good.length - 6), b('01 00 01 03 6162')]);
    expect(() => FetchRequest.read(new Reader(bad), 12)).toThrow(ProtocolError);
    // a huge number of tagged fields ends at the end of the input
    expect(() => codecOf('ApiVersionsRequest').read(new Reader(b('01 01 ffffffff0f')), 3)).toThrow(ProtocolError);
  });

  it('versions outside MIN_VERSION..MAX_VERSION', () => {
    expect(() => ProduceRequest.read(new Reader(produceV9), 12)).toThrow(ProtocolError);
    expect(() => ProduceRequest.read(new Reader(produceV9), -1)).toThrow(ProtocolError);
    expect(() => encode(ProduceRequest, 12, ProduceRequest.defaults())).toThrow(RangeError);
  });
});

describe('random corruption of every message and version', () => {
  it('either reads or throws ProtocolError', () => {
    let reads = 0;
    let errors = 0;
    for (const model of models) {
      const codec = codecOf(model.name);
      for (const v of versionsOf(model)) {
        const rnd = seeded(v * 7919 + model.name.length);
        const bytes = encode(codec, v, randomStruct(top(model), v, rnd, model, gen));
        for (let k = 0; k < 25 && bytes.length > 0; k++) {
          const c = Buffer.from(bytes);
          for (let n = 1 + Math.floor(rnd() * 3); n > 0; n--) c[Math.floor(rnd() * c.length)] = Math.floor(rnd() * 256);
          const e = readError(() => codec.read(new Reader(c), v));
          if (e === null) reads++;
          else if (e instanceof ProtocolError) errors++;
          else expect.fail(`${model.name} v${v}: ${String(e)}`);
        }
      }
    }
    expect(reads).toBeGreaterThan(0);
    expect(errors).toBeGreaterThan(0);
  });
});
