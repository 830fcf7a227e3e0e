/**
 * Byte vectors checked by hand against the protocol description
 * (/work/shared/kafka-protocol/README.md and Kafka's protocol guide): primitives, flexible
 * encodings (compact lengths, tagged-field sections), headers.
 */
import { describe, expect, it } from 'vitest';
import { ProtocolError, Reader } from '../../../../src/kafka/protocol/reader.js';
import { Writer } from '../../../../src/kafka/protocol/writer.js';
import {
  ApiVersionsRequest,
  ApiVersionsResponse,
  FetchRequest,
  FetchResponse,
  MetadataRequest,
  ProduceRequest,
  RequestHeader,
  ResponseHeader,
  requestHeaderVersion,
  responseHeaderVersion,
  API_MESSAGES,
  APIS,
} from '../../../../src/kafka/protocol/messages/index.js';
import { encode } from './support.js';

const b = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ascii = (s: string): string => Buffer.from(s, 'utf8').toString('hex');
const w = (f: (w: Writer) => void): Buffer => {
  const x = new Writer();
  f(x);
  return x.toBuffer();
};

describe('primitives', () => {
  it('unsigned varints', () => {
    const cases: [number, string][] = [
      [0, '00'],
      [1, '01'],
      [127, '7f'],
      [128, '8001'],
      [300, 'ac02'],
      [16384, '808001'],
      [0x7fffffff, 'ffffffff07'],
      [0xffffffff, 'ffffffff0f'],
    ];
    for (const [n, h] of cases) {
      expect(w((x) => x.uvarint(n)).toString('hex'), String(n)).toBe(h);
      expect(new Reader(b(h)).uvarint()).toBe(n);
    }
  });

  it('signed (zig-zag) varints and varlongs', () => {
    const cases: [number, string][] = [
      [0, '00'],
      [-1, '01'],
      [1, '02'],
      [-2, '03'],
      [63, '7e'],
      [-64, '7f'],
      [64, '8001'],
      [0x7fffffff, 'feffffff0f'],
      [-0x80000000, 'ffffffff0f'],
    ];
    for (const [n, h] of cases) {
      expect(w((x) => x.varint(n)).toString('hex'), String(n)).toBe(h);
      expect(new Reader(b(h)).varint()).toBe(n);
      expect(w((x) => x.varlong(n)).toString('hex'), String(n)).toBe(h);
      expect(new Reader(b(h)).varlong()).toBe(n);
    }
    expect(w((x) => x.varlong(-(2 ** 53) + 1)).toString('hex')).toBe('fdffffffffffff1f');
    expect(new Reader(b('fdffffffffffff1f')).varlong()).toBe(-(2 ** 53) + 1);
  });

  it('int64 as Number, exactly within 2^53 and like Number(BigInt) beyond', () => {
    for (const n of [0, 1, -1, 2 ** 32, -(2 ** 32), 2 ** 32 + 5, -(2 ** 32) - 5, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1730000000000]) {
      const buf = w((x) => x.int64(n));
      expect(buf.readBigInt64BE(0)).toBe(BigInt(n));
      expect(new Reader(buf).int64()).toBe(n);
    }
    const max = b('7fffffffffffffff');
    expect(new Reader(max).int64()).toBe(Number(2n ** 63n - 1n));
    expect(w((x) => x.int64(Number(2n ** 63n - 1n))).toString('hex')).toBe('7fffffffffffffff'); // clamped
    const min = b('8000000000000000');
    expect(new Reader(min).int64()).toBe(-(2 ** 63));
    expect(w((x) => x.int64(-(2 ** 63))).toString('hex')).toBe('8000000000000000');
    const odd = b('0123456789abcdef');
    expect(new Reader(odd).int64()).toBe(Number(odd.readBigInt64BE(0)));
  });

  it('uuid: canonical lowercase 8-4-4-4-12', () => {
    const raw = b('0123456789abcdef0011223344556677');
    expect(new Reader(raw).uuid()).toBe('01234567-89ab-cdef-0011-223344556677');
    expect(new Reader(Buffer.alloc(16)).uuid()).toBe('00000000-0000-0000-0000-000000000000');
    expect(w((x) => x.uuid('01234567-89AB-CDEF-0011-223344556677')).equals(raw)).toBe(true);
    expect(() => w((x) => x.uuid('not-a-uuid'))).toThrow(RangeError);
  });

  it('strings and bytes, plain and compact, with null', () => {
    expect(w((x) => x.string('abc')).toString('hex')).toBe('0003' + ascii('abc'));
    expect(w((x) => x.nullableString(null)).toString('hex')).toBe('ffff');
    expect(w((x) => x.compactString('abc')).toString('hex')).toBe('04' + ascii('abc'));
    expect(w((x) => x.compactNullableString(null)).toString('hex')).toBe('00');
    expect(w((x) => x.compactString('é')).toString('hex')).toBe('03c3a9');
    expect(w((x) => x.bytes(b('beef'))).toString('hex')).toBe('00000002beef');
    expect(w((x) => x.nullableBytes(null)).toString('hex')).toBe('ffffffff');
    expect(w((x) => x.compactBytes(b('beef'))).toString('hex')).toBe('03beef');
    expect(w((x) => x.compactNullableBytes(null)).toString('hex')).toBe('00');
    expect(new Reader(b('00')).compactNullableString()).toBeNull();
    expect(new Reader(b('ffff')).nullableString()).toBeNull();
    expect(new Reader(b('00')).compactNullableBytes()).toBeNull();
    expect(new Reader(b('ffffffff')).nullableBytes()).toBeNull();
    expect(new Reader(b('03c3a9')).compactString()).toBe('é');
    expect(() => new Reader(b('00')).compactString()).toThrow(ProtocolError);
    expect(() => new Reader(b('ffff')).string()).toThrow(ProtocolError);
  });

  it('bytes fields are zero-copy subarrays of the input', () => {
    const input = b('00000003 aabbcc');
    const out = new Reader(input).bytes();
    expect(out.buffer).toBe(input.buffer);
    input[4] = 0x11;
    expect(out[0]).toBe(0x11);
  });

  it('Writer keeps large byte fields by reference and small writes coalesced', () => {
    const big = Buffer.alloc(10_000, 7);
    const x = new Writer(64);
    x.int32(1);
    x.int16(2);
    x.nullableBytes(big);
    x.int32(3);
    x.compactBytes(b('0102'));
    const chunks = x.chunks();
    expect(chunks.some((c) => c === big)).toBe(true);
    expect(chunks.length).toBe(3);
    expect(x.length).toBe(4 + 2 + 4 + 10_000 + 4 + 3);
    const flat = x.toBuffer();
    expect(flat.length).toBe(x.length);
    expect(flat.subarray(0, 10).toString('hex')).toBe('00000001000200002710');
    expect(flat.subarray(10, 10_010).equals(big)).toBe(true);
    expect(flat.subarray(10_010).toString('hex')).toBe('00000003030102');
    // growth past the initial capacity keeps earlier bytes
    const y = new Writer(4);
    for (let i = 0; i < 1000; i++) y.int32(i);
    const yb = y.toBuffer();
    for (let i = 0; i < 1000; i++) expect(yb.readInt32BE(i * 4)).toBe(i);
  });
});

describe('flexible message encodings', () => {
  it('ApiVersions v3 request body: compact strings and an empty tag section', () => {
    const m = { clientSoftwareName: 'kcat', clientSoftwareVersion: '1.7.1' };
    const bytes = encode(ApiVersionsRequest, 3, m);
    expect(bytes.toString('hex')).toBe('05' + ascii('kcat') + '06' + ascii('1.7.1') + '00');
    expect(ApiVersionsRequest.read(new Reader(bytes), 3)).toEqual(m);
    // v0-2: empty body
    expect(encode(ApiVersionsRequest, 2, m).length).toBe(0);
    expect(ApiVersionsRequest.read(new Reader(Buffer.alloc(0)), 0)).toEqual({ clientSoftwareName: '', clientSoftwareVersion: '' });
  });

  it('Metadata v9 request: compact array, a tag section per element and one for the body', () => {
    const m = {
      topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: 'foo' }],
      allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: true,
    };
    const expected = '02' + ('04' + ascii('foo') + '00') + '01' + '00' + '01' + '00';
    expect(encode(MetadataRequest, 9, m).toString('hex')).toBe(expected);
    expect(MetadataRequest.read(new Reader(b(expected)), 9)).toEqual(m);
    // an unknown tagged field (tag 7, 3 bytes) in the body's section and one (tag 0) in the element's are skipped
    const withTags = '02' + ('04' + ascii('foo') + '01' + '00' + '01' + 'ff') + '01' + '00' + '01' + '01' + '07' + '03' + 'aabbcc';
    expect(MetadataRequest.read(new Reader(b(withTags)), 9)).toEqual(m);
  });

  it('compact nullable string null is 0x00; compact array null is 0x00', () => {
    const p = ProduceRequest.defaults();
    expect(p.transactionalId).toBeNull();
    expect(encode(ProduceRequest, 9, p).toString('hex')).toBe('00' + '0000' + '00000000' + '01' + '00');
    const m = { ...MetadataRequest.defaults(), topics: null };
    const bytes = encode(MetadataRequest, 9, m);
    expect(bytes.toString('hex')).toBe('00' + '01' + '00' + '00' + '00');
    expect(MetadataRequest.read(new Reader(bytes), 9).topics).toBeNull();
    // non-flexible versions: int32 -1
    expect(encode(MetadataRequest, 1, m).toString('hex')).toBe('ffffffff');
    // not nullable in v0
    expect(() => encode(MetadataRequest, 0, m)).toThrow(TypeError);
    expect(() => MetadataRequest.read(new Reader(b('ffffffff')), 0)).toThrow(ProtocolError);
  });

  it('a tagged field is written only when it differs from its default, under its tag, with its size', () => {
    const base = { ...FetchRequest.defaults(), maxWaitMs: 500, minBytes: 1 };
    const plain = encode(FetchRequest, 12, base);
    expect(plain[plain.length - 1]).toBe(0); // empty tag section: ClusterId is null, its default
    const tagged = encode(FetchRequest, 12, { ...base, clusterId: 'abc' });
    expect(tagged.subarray(0, plain.length - 1).equals(plain.subarray(0, plain.length - 1))).toBe(true);
    expect(tagged.subarray(plain.length - 1).toString('hex')).toBe('01' + '00' + '04' + '04' + ascii('abc'));
    expect(FetchRequest.read(new Reader(tagged), 12).clusterId).toBe('abc');
    // v15: ReplicaState is a tagged struct (tag 1); ReplicaId is no longer positional
    const v15 = encode(FetchRequest, 15, { ...base, clusterId: 'abc', replicaState: { replicaId: 3, replicaEpoch: 9 } });
    const tail = '02' + ('00' + '04' + '04' + ascii('abc')) + ('01' + '0d' + '00000003' + '0000000000000009' + '00');
    expect(v15.subarray(v15.length - tail.length / 2).toString('hex')).toBe(tail);
    expect(FetchRequest.read(new Reader(v15), 15).replicaState).toEqual({ replicaId: 3, replicaEpoch: 9 });
  });

  it('ApiVersions v3 response: tagged fields in the body, unknown tags in array elements skipped', () => {
    const m = {
      ...ApiVersionsResponse.defaults(),
      apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }],
      finalizedFeaturesEpoch: 5,
      zkMigrationReady: true,
    };
    const expected = '0000' + '02' + ('0012' + '0000' + '0003' + '00') + '00000000' + '02' + ('01' + '08' + '0000000000000005') + ('03' + '01' + '01');
    expect(encode(ApiVersionsResponse, 3, m).toString('hex')).toBe(expected);
    expect(ApiVersionsResponse.read(new Reader(b(expected)), 3)).toEqual(m);
    const unknownInElement = '0000' + '02' + ('0012' + '0000' + '0003' + '02' + '05' + '00' + '09' + '02' + 'abcd') + '00000000' + '00';
    expect(ApiVersionsResponse.read(new Reader(b(unknownInElement)), 3).apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 3 }]);
    // v0: no throttle time, no tags
    expect(encode(ApiVersionsResponse, 0, m).toString('hex')).toBe('0000' + '00000001' + '0012' + '0000' + '0003');
  });
});

describe('zero copy of records', () => {
  it('a Fetch response keeps large record batches by reference, and reading them does not copy', () => {
    const batches = [Buffer.alloc(1 << 20, 1), Buffer.alloc(3 << 20, 2)];
    const m = {
      ...FetchResponse.defaults(),
      responses: [{ topic: 't', topicId: '00000000-0000-0000-0000-000000000000', partitions: [0, 1].map((i) => ({ ...FetchResponse.defaultsPartitionData(), partitionIndex: i, records: batches[i]! })) }],
    };
    for (const v of [4, 12]) {
      const out = new Writer();
      FetchResponse.write(out, v, m);
      const chunks = out.chunks();
      expect(chunks.filter((c) => c === batches[0] || c === batches[1])).toHaveLength(2);
      expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(out.length);
      const input = out.toBuffer();
      const back = FetchResponse.read(new Reader(input), v);
      const records = back.responses[0]!.partitions.map((p) => p.records!);
      expect(records[1]!.buffer).toBe(input.buffer);
      expect(records[1]!.equals(batches[1]!)).toBe(true);
    }
  });
});

describe('headers', () => {
  it('request header v2 keeps ClientId a non-compact nullable string, then tags', () => {
    const h = { requestApiKey: 18, requestApiVersion: 3, correlationId: 7, clientId: 'kcat' };
    const v2 = '0012' + '0003' + '00000007' + '0004' + ascii('kcat') + '00';
    expect(encode(RequestHeader, 2, h).toString('hex')).toBe(v2);
    expect(RequestHeader.read(new Reader(b(v2)), 2)).toEqual(h);
    expect(encode(RequestHeader, 1, { ...h, clientId: null }).toString('hex')).toBe('0012' + '0003' + '00000007' + 'ffff');
    expect(encode(RequestHeader, 0, h).toString('hex')).toBe('0012000300000007');
    expect(RequestHeader.read(new Reader(b('0012000300000007')), 0).clientId).toBeNull();
  });

  it('response header v0 and v1', () => {
    expect(encode(ResponseHeader, 0, { correlationId: 9 }).toString('hex')).toBe('00000009');
    expect(encode(ResponseHeader, 1, { correlationId: 9 }).toString('hex')).toBe('0000000900');
  });

  it('header versions per API and version', () => {
    expect(requestHeaderVersion(18, 3)).toBe(2);
    expect(requestHeaderVersion(18, 2)).toBe(1);
    expect(responseHeaderVersion(18, 3)).toBe(0);
    expect(responseHeaderVersion(18, 4)).toBe(0);
    expect(requestHeaderVersion(0, 9)).toBe(2);
    expect(requestHeaderVersion(0, 8)).toBe(1);
    expect(responseHeaderVersion(0, 9)).toBe(1);
    expect(responseHeaderVersion(0, 7)).toBe(0);
    expect(requestHeaderVersion(60, 0)).toBe(2);
    expect(responseHeaderVersion(60, 0)).toBe(1);
    expect(requestHeaderVersion(17, 1)).toBe(1); // SaslHandshake: never flexible
    expect(requestHeaderVersion(9999, 0)).toBe(1);
  });

  it('API table', () => {
    expect([...API_MESSAGES.keys()]).toEqual([0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 32, 37, 42, 60]);
    const produce = API_MESSAGES.get(0)!;
    expect(produce).toMatchObject({ apiKey: 0, name: 'Produce', minVersion: 0, maxVersion: 11, flexibleFrom: 9 });
    expect(produce.request.defaults()).toEqual(ProduceRequest.defaults());
    expect(APIS.SaslHandshake.flexibleFrom).toBeNull();
    expect(APIS.ApiVersions.response.read).toBe(ApiVersionsResponse.read);
  });
});
