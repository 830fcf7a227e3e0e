/**
 * The Kafka listener under bad input, over real sockets: oversized or negative frame sizes,
 * truncated and garbled bodies, short headers, unknown APIs and versions each close only the
 * offending connection (with a log line naming the peer), while a well-behaved connection opened
 * before keeps getting correct answers and new connections are still accepted. ApiVersions of an
 * unknown version is answered in v0 format instead (KIP-511); acks=0 produces get no answer;
 * pipelined requests are answered in order, also under tight queue bounds; max.connections holds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KAFKA_ERRORS } from '../../../src/common/errors.js';
import { servedApis } from '../../../src/kafka/apis.js';
import type { Writer } from '../../../src/kafka/protocol/writer.js';
import { API_MESSAGES, ApiVersionsRequest, FindCoordinatorRequest, MetadataRequest, ProduceRequest } from '../../../src/kafka/protocol/messages/index.js';
import type { FindCoordinatorResponse } from '../../../src/kafka/protocol/messages/find-coordinator-response.js';
import type { ApiVersionsResponse } from '../../../src/kafka/protocol/messages/api-versions-response.js';
import type { MetadataResponse } from '../../../src/kafka/protocol/messages/metadata-response.js';
import type { ProduceResponse } from '../../../src/kafka/protocol/messages/produce-response.js';
import { buildBatch } from '../../../src/log/batch/build.js';
import { decodeResponse, framed, requestFrame, requestPayload, sleep, startListener, type ListenerHarness, type ListenerHarnessOptions, type RawClient } from './support/listener-harness.js';

const PRODUCE = 0;
const METADATA = 3;
const API_VERSIONS = 18;
const MAX_REQUEST_BYTES = 1024;
const TOPIC = 'orders';

let harness: ListenerHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(options: ListenerHarnessOptions = {}): Promise<ListenerHarness> {
  harness = await startListener({ maxRequestBytes: MAX_REQUEST_BYTES, ...options, fake: { topics: [{ name: TOPIC, partitions: 2 }], ...options.fake } });
  return harness;
}

const apiVersionsV3 = (correlationId: number, name = 'harness-client', version = '1.0.0'): Buffer =>
  requestFrame(ApiVersionsRequest, API_VERSIONS, 3, correlationId, { clientSoftwareName: name, clientSoftwareVersion: version });

const metadataV9 = (correlationId: number, topics: string[] = [TOPIC]): Buffer =>
  requestFrame(MetadataRequest, METADATA, 9, correlationId, {
    ...MetadataRequest.defaults(),
    topics: topics.map((name) => ({ topicId: '00000000-0000-0000-0000-000000000000', name })),
    allowAutoTopicCreation: false,
  });

const produceV7 = (correlationId: number, acks: number, topic: string, records: Buffer | null = buildBatch([{ value: Buffer.from('v') }])): Buffer =>
  requestFrame(ProduceRequest, PRODUCE, 7, correlationId, {
    transactionalId: null,
    acks,
    timeoutMs: 1_000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }, { index: 1, records }] }],
  });

function expectApiVersionsAnswer(body: ApiVersionsResponse, errorCode = 0): void {
  expect(body.errorCode).toBe(errorCode);
  expect(body.apiKeys).toContainEqual({ apiKey: API_VERSIONS, minVersion: 0, maxVersion: 3 });
  expect(body.apiKeys).toContainEqual({ apiKey: METADATA, minVersion: 0, maxVersion: 9 });
}

/** ApiVersions v3 and Metadata v9 on `client`, answered correctly and in order. */
async function expectServes(h: ListenerHarness, client: RawClient, correlationId: number): Promise<void> {
  await client.write(Buffer.concat([apiVersionsV3(correlationId), metadataV9(correlationId + 1)]));
  const versions = await client.nextResponse<ApiVersionsResponse>(API_VERSIONS, 3);
  expect(versions.correlationId).toBe(correlationId);
  expectApiVersionsAnswer(versions.body);
  const metadata = await client.nextResponse<MetadataResponse>(METADATA, 9);
  expect(metadata.correlationId).toBe(correlationId + 1);
  expect(metadata.body.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: h.port, rack: null }]);
  expect(metadata.body.topics).toHaveLength(1);
  expect(metadata.body.topics[0]).toMatchObject({ errorCode: 0, name: TOPIC });
  expect(metadata.body.topics[0]!.partitions.map((p) => [p.partitionIndex, p.leaderId])).toEqual([
    [0, 1],
    [1, 1],
  ]);
}

/** A connection opened (and used) before the bad one. */
async function wellBehaved(h: ListenerHarness): Promise<RawClient> {
  const good = await h.connect();
  await expectServes(h, good, 1);
  return good;
}

/** The earlier connection still works, a new one is accepted and works, and nothing failed inside. */
async function expectUnaffected(h: ListenerHarness, good: RawClient): Promise<void> {
  await expectServes(h, good, 1000);
  const fresh = await h.connect();
  await expectServes(h, fresh, 2000);
  expect(h.logs.matching('failed unexpectedly')).toEqual([]);
  expect(h.logs.matching('internal error')).toEqual([]);
}

/** Writes `bytes` on a new connection and expects it closed, with a warning naming its peer whose reason holds `reason`. */
async function expectClosedAndLogged(h: ListenerHarness, bytes: Buffer, reason: string | RegExp): Promise<void> {
  const bad = await h.connect();
  const peer = bad.localPeer;
  await bad.write(bytes).catch(() => {});
  expect(await bad.waitClosed(), 'the listener closes the connection').toBe(true);
  expect(bad.bufferedFrames(), 'nothing is answered').toBe(0);
  const line = await h.logs.waitFor((l) => l.peer === peer && l.msg === 'closing kafka connection');
  expect(line.level).toBe(40);
  if (typeof reason === 'string') expect(String(line['reason'])).toContain(reason);
  else expect(String(line['reason'])).toMatch(reason);
}

function sizePrefix(size: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(size, 0);
  return b;
}

/** Deterministic junk (xorshift32). */
function junk(n: number, seed = 0x9e3779b9): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

describe('frame sizes', () => {
  it.each([
    ['2 GiB - 1', 0x7fff_ffff],
    ['one byte above the limit', MAX_REQUEST_BYTES + 1],
    ['-1', -1],
    ['-2 GiB', -0x8000_0000],
  ])('a size prefix of %s closes the connection before any body is sent, and is logged with the peer', async (_name, size) => {
    const h = await start();
    const good = await wellBehaved(h);
    // Only the prefix: the connection must close without waiting for (or buffering) a body.
    await expectClosedAndLogged(h, sizePrefix(size), size > 0 ? 'exceeds socket.request.max.bytes' : `request of ${size} bytes`);
    await expectUnaffected(h, good);
  });

  it('a request of exactly socket.request.max.bytes is served', async () => {
    const h = await start();
    const client = await h.connect();
    const bare = requestPayload(API_VERSIONS, 0, 7, () => {}, '');
    // Pad the client id so the whole request is exactly the limit.
    const payload = requestPayload(API_VERSIONS, 0, 7, () => {}, 'x'.repeat(MAX_REQUEST_BYTES - bare.length));
    expect(payload.length).toBe(MAX_REQUEST_BYTES);
    await client.write(framed(payload));
    const answer = await client.nextResponse<ApiVersionsResponse>(API_VERSIONS, 0);
    expect(answer.correlationId).toBe(7);
    expectApiVersionsAnswer(answer.body);
  });
});

describe('malformed requests', () => {
  it('a truncated body closes the connection and is logged with the peer', async () => {
    const h = await start();
    const good = await wellBehaved(h);
    const whole = metadataV9(5).subarray(4);
    // A complete frame whose body stops short: the size prefix matches the bytes sent.
    await expectClosedAndLogged(h, framed(whole.subarray(0, whole.length - 3)), 'malformed request');
    await expectUnaffected(h, good);
  });

  it('a garbled body (junk after a valid header) closes the connection and is logged with the peer', async () => {
    const h = await start();
    const good = await wellBehaved(h);
    const header = requestPayload(PRODUCE, 7, 9, () => {});
    await expectClosedAndLogged(h, framed(Buffer.concat([header, junk(64)])), 'malformed request');
    await expectUnaffected(h, good);
  });

  it('a frame shorter than a request header (8 bytes) closes the connection', async () => {
    const h = await start();
    const good = await wellBehaved(h);
    await expectClosedAndLogged(h, framed(Buffer.from([0x00, 0x12, 0x00, 0x03, 0x00])), 'shorter than a request header');
    await expectUnaffected(h, good);
  });

  it('an empty frame closes the connection', async () => {
    const h = await start();
    const good = await wellBehaved(h);
    // Only the 4-byte prefix, in a packet of its own: nothing follows it in the buffer.
    await expectClosedAndLogged(h, sizePrefix(0), 'request of 0 bytes');
    await expectUnaffected(h, good);
  });

  it('a client id longer than the frame closes the connection', async () => {
    const h = await start();
    const good = await wellBehaved(h);
    const payload = requestPayload(API_VERSIONS, 0, 3, () => {}, 'abc');
    payload.writeInt16BE(0x7fff, 8);
    await expectClosedAndLogged(h, framed(payload), 'malformed request');
    await expectUnaffected(h, good);
  });
});

describe('APIs and versions', () => {
  it('an unknown API key closes the connection', async () => {
    const h = await start();
    const good = await wellBehaved(h);
    await expectClosedAndLogged(h, framed(requestPayload(9999, 0, 4, () => {})), 'unsupported API key 9999');
    await expectUnaffected(h, good);
  });

  const unserved = [...API_MESSAGES.values()].find((m) => !servedApis().has(m.apiKey));
  it.skipIf(!unserved)('an API with a codec that this broker does not serve closes the connection', async () => {
    const h = await start();
    const good = await wellBehaved(h);
    const api = unserved!;
    const body = (w: Writer): void => api.request.write(w, api.minVersion, api.request.defaults());
    await expectClosedAndLogged(h, framed(requestPayload(api.apiKey, api.minVersion, 4, body)), `unsupported API key ${api.apiKey}`);
    await expectUnaffected(h, good);
  });

  it('an unsupported version of Metadata closes the connection', async () => {
    const h = await start();
    const good = await wellBehaved(h);
    await expectClosedAndLogged(h, framed(requestPayload(METADATA, 99, 4, () => {})), 'unsupported version 99 of Metadata');
    await expectUnaffected(h, good);
  });

  it('ApiVersions of an unsupported version is answered UNSUPPORTED_VERSION in v0 format, and the connection stays usable', async () => {
    const h = await start();
    const good = await wellBehaved(h);
    const client = await h.connect();
    // Whatever a v99 body would hold: the broker must not try to read it.
    await client.write(framed(requestPayload(API_VERSIONS, 99, 42, (w) => w.raw(junk(10)))));
    const frame = await client.nextFrame();
    // v0 response header (correlation id only) and v0 body: error, [api_key, min, max] entries; nothing else.
    expect(frame.readInt32BE(0)).toBe(42);
    expect(frame.readInt16BE(4)).toBe(KAFKA_ERRORS.UNSUPPORTED_VERSION.code);
    const count = frame.readInt32BE(6);
    expect(frame.length).toBe(4 + 2 + 4 + count * 6);
    const answer = decodeResponse<ApiVersionsResponse>(frame, API_VERSIONS, 0);
    expect(answer.body.errorCode).toBe(35);
    expect(answer.body.apiKeys).toContainEqual({ apiKey: API_VERSIONS, minVersion: 0, maxVersion: 3 });
    // The client retries with a version both understand, on the same connection.
    await client.write(apiVersionsV3(43));
    const retry = await client.nextResponse<ApiVersionsResponse>(API_VERSIONS, 3);
    expect(retry.correlationId).toBe(43);
    expectApiVersionsAnswer(retry.body);
    expect(client.closed).toBe(false);
    await expectUnaffected(h, good);
  });

  it('ApiVersions v4 (known to the codec, not served) is also answered in v0 format', async () => {
    const h = await start();
    const client = await h.connect();
    await client.write(framed(requestPayload(API_VERSIONS, 4, 9, (w) => ApiVersionsRequest.write(w, 4, { clientSoftwareName: 'a', clientSoftwareVersion: '1' }))));
    const answer = await client.nextResponse<ApiVersionsResponse>(API_VERSIONS, 0);
    expect(answer).toMatchObject({ correlationId: 9, body: { errorCode: 35 } });
  });

  it.each([
    ['a space in the name', 'bad name', '1.0'],
    ['a name ending in a dot', 'client.', '1.0'],
    ['an empty version', 'client', ''],
  ])('ApiVersions v3 with %s is answered INVALID_REQUEST', async (_case, name, version) => {
    const h = await start();
    const client = await h.connect();
    await client.write(apiVersionsV3(11, name, version));
    const answer = await client.nextResponse<ApiVersionsResponse>(API_VERSIONS, 3);
    expect(answer.correlationId).toBe(11);
    expect(answer.body.errorCode).toBe(KAFKA_ERRORS.INVALID_REQUEST.code);
    expect(answer.body.errorCode).toBe(42);
  });
});

describe('found by the fuzzer', () => {
  it('FindCoordinator v4 with no coordinator keys is answered (empty list), not closed as a handler failure', async () => {
    const h = await start();
    const client = await h.connect();
    // 000a0004 0000036c 0000 00 | key_type 0, coordinator_keys [] (compact: 01), no tags.
    await client.write(requestFrame(FindCoordinatorRequest, 10, 4, 0x36c, { key: '', keyType: 0, coordinatorKeys: [] }, ''));
    const answer = await client.nextResponse<FindCoordinatorResponse>(10, 4);
    expect(answer.correlationId).toBe(0x36c);
    expect(answer.body.coordinators).toEqual([]);
    expect(client.closed).toBe(false);
    expect(h.logs.matching('handler failed')).toEqual([]);
  });
});

describe('ordering and bounds', () => {
  function mixedRequests(n: number, first: number): { bytes: Buffer; expected: Array<{ correlationId: number; apiKey: number; version: number }> } {
    const frames: Buffer[] = [];
    const expected: Array<{ correlationId: number; apiKey: number; version: number }> = [];
    for (let i = 0; i < n; i++) {
      const correlationId = first + i;
      if (i % 3 === 0) {
        frames.push(apiVersionsV3(correlationId));
        expected.push({ correlationId, apiKey: API_VERSIONS, version: 3 });
      } else if (i % 3 === 1) {
        frames.push(metadataV9(correlationId));
        expected.push({ correlationId, apiKey: METADATA, version: 9 });
      } else {
        frames.push(requestFrame(MetadataRequest, METADATA, 1, correlationId, { ...MetadataRequest.defaults(), topics: null }));
        expected.push({ correlationId, apiKey: METADATA, version: 1 });
      }
    }
    return { bytes: Buffer.concat(frames), expected };
  }

  async function expectAnsweredInOrder(client: RawClient, expected: Array<{ correlationId: number; apiKey: number; version: number }>): Promise<void> {
    for (const e of expected) {
      const answer = await client.nextResponse<{ errorCode?: number; topics?: unknown[] }>(e.apiKey, e.version);
      expect(answer.correlationId).toBe(e.correlationId);
      if (e.apiKey === API_VERSIONS) expect(answer.body.errorCode).toBe(0);
      else expect(answer.body.topics).toHaveLength(1);
    }
  }

  it('50 pipelined requests written at once are answered in order with matching correlation ids', async () => {
    const h = await start();
    const good = await wellBehaved(h);
    const client = await h.connect();
    const { bytes, expected } = mixedRequests(50, 500);
    await client.write(bytes);
    await expectAnsweredInOrder(client, expected);
    expect(client.bufferedFrames()).toBe(0);
    await expectUnaffected(h, good);
  });

  it('with queued.max.requests = 1, many pipelined requests are all answered in order (reading pauses and resumes)', async () => {
    const h = await start({ maxQueuedRequests: 1 });
    const client = await h.connect();
    const { bytes, expected } = mixedRequests(60, 10);
    await client.write(bytes);
    await expectAnsweredInOrder(client, expected);
    expect(client.bufferedFrames()).toBe(0);
    expect(client.closed).toBe(false);
  });

  it('with queued.max.request.bytes below one request, pipelined requests are still answered in order', async () => {
    const h = await start({ maxQueuedBytes: 1 });
    const client = await h.connect();
    const { bytes, expected } = mixedRequests(30, 10);
    // Written in small pieces, so reads interleave with answers.
    for (let i = 0; i < bytes.length; i += 17) await client.write(bytes.subarray(i, i + 17));
    await expectAnsweredInOrder(client, expected);
  });

  it('max.connections: a connection above the limit is closed at once and logged, the others keep working', async () => {
    const h = await start({ maxConnections: 2 });
    const first = await wellBehaved(h);
    const second = await wellBehaved(h);
    const third = await h.connect();
    const peer = third.localPeer;
    expect(await third.waitClosed(), 'the third connection is closed').toBe(true);
    const line = await h.logs.waitFor((l) => l.peer === peer);
    expect(line.msg).toContain('max.connections');
    expect(line['maxConnections']).toBe(2);
    await expectServes(h, first, 100);
    await expectServes(h, second, 200);
    // Once one leaves, a new connection is accepted.
    second.destroy();
    const deadline = Date.now() + 3_000;
    while (h.listener.connectionCount() > 1 && Date.now() < deadline) await sleep(5);
    expect(h.listener.connectionCount()).toBe(1);
    const next = await h.connect();
    await expectServes(h, next, 300);
    expect(next.closed).toBe(false);
  });

  it('a bad connection does not count against max.connections once it is closed', async () => {
    const h = await start({ maxConnections: 2 });
    const good = await wellBehaved(h);
    for (let i = 0; i < 5; i++) await expectClosedAndLogged(h, sizePrefix(i % 2 === 0 ? -1 : 0x7fff_ffff), /request of -?\d+ bytes/);
    const deadline = Date.now() + 3_000;
    while (h.listener.connectionCount() > 1 && Date.now() < deadline) await sleep(5);
    expect(h.listener.connectionCount()).toBe(1);
    await expectUnaffected(h, good);
  });
});

describe('produce', () => {
  it('acks=0 gets no response, and the next request on the same connection is answered', async () => {
    const h = await start();
    const good = await wellBehaved(h);
    const client = await h.connect();
    await client.write(Buffer.concat([produceV7(1, 0, 'no-such-topic'), produceV7(2, 0, TOPIC), metadataV9(3)]));
    const next = await client.nextResponse<MetadataResponse>(METADATA, 9);
    expect(next.correlationId).toBe(3);
    await client.write(produceV7(4, 1, 'no-such-topic'));
    const answer = await client.nextResponse<ProduceResponse>(PRODUCE, 7);
    expect(answer.correlationId).toBe(4);
    const codes = answer.body.responses.flatMap((t) => t.partitionResponses.map((p) => [p.index, p.errorCode]));
    expect(codes).toHaveLength(2);
    for (const [, code] of codes) expect([KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION.code, KAFKA_ERRORS.NOT_LEADER_OR_FOLLOWER.code]).toContain(code);
    expect(client.bufferedFrames()).toBe(0);
    await expectUnaffected(h, good);
  });

  it('acks=1 to a topic this node leads is appended (the acks=0 batch before it too)', async () => {
    const h = await start();
    const client = await h.connect();
    await client.write(Buffer.concat([produceV7(1, 0, TOPIC), produceV7(2, 1, TOPIC)]));
    const answer = await client.nextResponse<ProduceResponse>(PRODUCE, 7);
    expect(answer.correlationId).toBe(2);
    expect(answer.body.responses[0]!.partitionResponses.map((p) => [p.index, p.errorCode, p.baseOffset])).toEqual([
      [0, 0, 1],
      [1, 0, 1],
    ]);
  });

  it('a node without a replica manager answers NOT_LEADER_OR_FOLLOWER per partition', async () => {
    const h = await start({ fake: { replicaManager: false } });
    const client = await h.connect();
    await client.write(produceV7(4, 1, TOPIC));
    const answer = await client.nextResponse<ProduceResponse>(PRODUCE, 7);
    expect(answer.body.responses[0]!.partitionResponses.map((p) => p.errorCode)).toEqual([6, 6]);
  });

  it('a produce with junk instead of a record batch is refused per partition, not by closing', async () => {
    const h = await start();
    const client = await h.connect();
    await client.write(produceV7(6, 1, TOPIC, junk(70)));
    const answer = await client.nextResponse<ProduceResponse>(PRODUCE, 7);
    for (const p of answer.body.responses[0]!.partitionResponses) expect(p.errorCode).not.toBe(0);
    expect(client.closed).toBe(false);
  });
});
