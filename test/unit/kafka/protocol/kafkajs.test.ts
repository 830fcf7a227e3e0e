/**
 * Cross-check with an independent implementation: kafkajs 2.2.4 (devDependency). Requests
 * encoded by kafkajs (whole frames: size, header v1, body) are decoded by our codecs; responses
 * written by our codecs are decoded by kafkajs's response decoders (which take the body after the
 * correlation id). Record batches come from kafkajs's own RecordBatch encoder.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Reader } from '../../../../src/kafka/protocol/reader.js';
import {
  ApiVersionsRequest,
  ApiVersionsResponse,
  CreateTopicsRequest,
  CreateTopicsResponse,
  DeleteRecordsRequest,
  DeleteRecordsResponse,
  FetchRequest,
  FetchResponse,
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  InitProducerIdRequest,
  InitProducerIdResponse,
  JoinGroupRequest,
  JoinGroupResponse,
  MetadataRequest,
  MetadataResponse,
  OffsetCommitRequest,
  OffsetCommitResponse,
  ProduceRequest,
  ProduceResponse,
  RequestHeader,
  requestHeaderVersion,
  type MessageCodec,
} from '../../../../src/kafka/protocol/messages/index.js';
import { encode } from './support.js';

const require = createRequire(import.meta.url);
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- kafkajs is untyped CommonJS
interface KafkajsRequest {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  encode(): Promise<{ buffer: Buffer }>;
}
const kjs = (path: string): Json => require(`kafkajs/src/protocol/${path}`);
const kRequest = (api: string, v: number, args: Json): KafkajsRequest => kjs(`requests/${api}/v${v}/request`)(args);
const kDecode = (api: string, v: number, body: Buffer): Promise<Json> => kjs(`requests/${api}/v${v}/response`).decode(body);
const encodeFrame: (a: { correlationId: number; clientId: string; request: KafkajsRequest }) => Promise<{ buffer: Buffer }> = kjs('request');
const Long = require('kafkajs/src/utils/long');

/** Encodes `request` as kafkajs sends it, checks the frame and header, returns the body decoded by `codec`. */
async function decodeRequest<T>(request: KafkajsRequest, codec: MessageCodec<T>, apiKey: number, version: number): Promise<T> {
  expect(request.apiKey).toBe(apiKey);
  expect(request.apiVersion).toBe(version);
  const frame = (await encodeFrame({ correlationId: 42, clientId: 'brokerlab-test', request })).buffer;
  const r = new Reader(frame);
  expect(r.int32()).toBe(frame.length - 4);
  const header = RequestHeader.read(r, requestHeaderVersion(apiKey, version));
  expect(header).toEqual({ requestApiKey: apiKey, requestApiVersion: version, correlationId: 42, clientId: 'brokerlab-test' });
  const body = codec.read(r, version);
  expect(r.remaining()).toBe(0);
  return body;
}

/** A record batch (magic 2) made by kafkajs with two records. */
async function kafkajsBatch(): Promise<Buffer> {
  const Record = kjs('recordBatch/record/v0');
  const { RecordBatch } = kjs('recordBatch/v0');
  const records = [
    Record({ offsetDelta: 0, timestampDelta: 0, key: Buffer.from('k1'), value: Buffer.from('v1') }),
    Record({ offsetDelta: 1, timestampDelta: 5, key: Buffer.from('k2'), value: Buffer.from('v2'), headers: { h: 'x' } }),
  ];
  const batch = await RecordBatch({
    records,
    firstOffset: Long.fromNumber(100),
    firstTimestamp: 1_700_000_000_000,
    maxTimestamp: 1_700_000_000_005,
    lastOffsetDelta: 1,
  });
  const buf: Buffer = batch.buffer; // baseOffset, batchLength, then the batch
  expect(buf.readInt32BE(8) + 12).toBe(buf.length);
  return buf;
}

describe('requests encoded by kafkajs, decoded by our codecs', () => {
  for (const v of [3, 7]) {
    it(`Produce v${v}`, async () => {
      const request = kRequest('produce', v, {
        acks: -1,
        timeout: 30_000,
        compression: 0,
        transactionalId: v === 7 ? 'txn-a' : null,
        producerId: Long.fromNumber(4000),
        producerEpoch: 2,
        topicData: [
          {
            topic: 'orders',
            partitions: [
              { partition: 0, firstSequence: 7, messages: [{ key: 'k1', value: 'v1', timestamp: 1_700_000_000_000 }, { key: 'k2', value: 'v2', timestamp: 1_700_000_000_001 }] },
              { partition: 3, firstSequence: 0, messages: [{ key: null, value: 'only' }] },
            ],
          },
        ],
      });
      const m = await decodeRequest(request, ProduceRequest, 0, v);
      expect(m.transactionalId).toBe(v === 7 ? 'txn-a' : null);
      expect(m.acks).toBe(-1);
      expect(m.timeoutMs).toBe(30_000);
      expect(m.topicData.map((t) => t.name)).toEqual(['orders']);
      expect(m.topicData[0]!.partitionData.map((p) => p.index)).toEqual([0, 3]);
      const batch = m.topicData[0]!.partitionData[0]!.records!;
      expect(batch.readInt32BE(8) + 12).toBe(batch.length); // batchLength
      expect(batch.readInt8(16)).toBe(2); // magic
      expect(Number(batch.readBigInt64BE(43))).toBe(4000); // producerId
      expect(batch.readInt16BE(51)).toBe(2); // producerEpoch
      expect(batch.readInt32BE(53)).toBe(7); // baseSequence
      expect(batch.readInt32BE(57)).toBe(2); // record count
    });
  }

  it('Fetch v4', async () => {
    const request = kRequest('fetch', 4, {
      replicaId: -1,
      maxWaitTime: 5000,
      minBytes: 1,
      maxBytes: 10485760,
      isolationLevel: 1,
      topics: [{ topic: 'orders', partitions: [{ partition: 0, fetchOffset: '123456789012', maxBytes: 1048576 }] }],
    });
    const m = await decodeRequest(request, FetchRequest, 1, 4);
    expect(m).toMatchObject({ replicaId: -1, maxWaitMs: 5000, minBytes: 1, maxBytes: 10485760, isolationLevel: 1 });
    expect(m.topics).toEqual([
      {
        topic: 'orders',
        topicId: '00000000-0000-0000-0000-000000000000',
        partitions: [
          { partition: 0, currentLeaderEpoch: -1, fetchOffset: 123456789012, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1048576, replicaDirectoryId: '00000000-0000-0000-0000-000000000000' },
        ],
      },
    ]);
  });

  it('Fetch v11', async () => {
    const request = kRequest('fetch', 11, {
      replicaId: -1,
      maxWaitTime: 100,
      minBytes: 1,
      maxBytes: 52428800,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      rackId: 'rack-2',
      topics: [{ topic: 't', partitions: [{ partition: 2, currentLeaderEpoch: 5, fetchOffset: '7', logStartOffset: '3', maxBytes: 1000 }] }],
      forgottenTopics: [{ topic: 'gone', partitions: [1, 2] }],
    });
    const m = await decodeRequest(request, FetchRequest, 1, 11);
    expect(m).toMatchObject({ replicaId: -1, maxWaitMs: 100, minBytes: 1, maxBytes: 52428800, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, rackId: 'rack-2' });
    expect(m.topics[0]!.partitions[0]).toMatchObject({ partition: 2, currentLeaderEpoch: 5, fetchOffset: 7, logStartOffset: 3, partitionMaxBytes: 1000 });
    expect(m.forgottenTopicsData).toEqual([{ topic: 'gone', topicId: '00000000-0000-0000-0000-000000000000', partitions: [1, 2] }]);
  });

  it('Metadata v0, v1, v6', async () => {
    const m0 = await decodeRequest(kRequest('metadata', 0, { topics: ['a', 'b'] }), MetadataRequest, 3, 0);
    expect(m0.topics?.map((t) => t.name)).toEqual(['a', 'b']);
    // kafkajs sends "all topics" as a null array from v1 on
    const m1 = await decodeRequest(kRequest('metadata', 1, { topics: [] }), MetadataRequest, 3, 1);
    expect(m1.topics).toBeNull();
    const m6 = await decodeRequest(kRequest('metadata', 6, { topics: ['x'], allowAutoTopicCreation: false }), MetadataRequest, 3, 6);
    expect(m6.topics?.map((t) => t.name)).toEqual(['x']);
    expect(m6.allowAutoTopicCreation).toBe(false);
    const m6b = await decodeRequest(kRequest('metadata', 6, { topics: ['x'] }), MetadataRequest, 3, 6);
    expect(m6b.allowAutoTopicCreation).toBe(true);
  });

  it('ApiVersions v0 and v2 (empty bodies)', async () => {
    for (const v of [0, 2]) {
      expect(await decodeRequest(kRequest('apiVersions', v, {}), ApiVersionsRequest, 18, v)).toEqual({ clientSoftwareName: '', clientSoftwareVersion: '' });
    }
  });

  it('JoinGroup v5', async () => {
    const metadata = Buffer.from('0001000000010006746f70696331ffffffff', 'hex');
    const request = kRequest('joinGroup', 5, {
      groupId: 'g1',
      sessionTimeout: 30_000,
      rebalanceTimeout: 60_000,
      memberId: '',
      protocolType: 'consumer',
      groupProtocols: [{ name: 'RoundRobinAssigner', metadata }],
    });
    const m = await decodeRequest(request, JoinGroupRequest, 11, 5);
    expect(m).toMatchObject({ groupId: 'g1', sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 60_000, memberId: '', groupInstanceId: null, protocolType: 'consumer', reason: null });
    expect(m.protocols).toEqual([{ name: 'RoundRobinAssigner', metadata }]);
  });

  it('OffsetCommit v5', async () => {
    const request = kRequest('offsetCommit', 5, {
      groupId: 'g1',
      groupGenerationId: 3,
      memberId: 'member-1',
      topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: '42' }, { partition: 1, offset: '9007199254740991', metadata: 'md' }] }],
    });
    const m = await decodeRequest(request, OffsetCommitRequest, 8, 5);
    expect(m).toMatchObject({ groupId: 'g1', generationIdOrMemberEpoch: 3, memberId: 'member-1', groupInstanceId: null, retentionTimeMs: -1 });
    expect(m.topics[0]!.partitions).toEqual([
      { partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null },
      { partitionIndex: 1, committedOffset: 9007199254740991, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: 'md' },
    ]);
  });

  it('FindCoordinator v2', async () => {
    const m = await decodeRequest(kRequest('findCoordinator', 2, { coordinatorKey: 'g1', coordinatorType: 1 }), FindCoordinatorRequest, 10, 2);
    expect(m).toEqual({ key: 'g1', keyType: 1, coordinatorKeys: [] });
  });

  it('InitProducerId v1', async () => {
    const m = await decodeRequest(kRequest('initProducerId', 1, { transactionalId: null, transactionTimeout: 60_000 }), InitProducerIdRequest, 22, 1);
    expect(m).toEqual({ transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
  });

  it('CreateTopics v3', async () => {
    const request = kRequest('createTopics', 3, {
      topics: [
        { topic: 'new-1', numPartitions: 3, replicationFactor: 2, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
        { topic: 'new-2', replicaAssignment: [{ partition: 0, replicas: [1, 2] }] },
      ],
      validateOnly: true,
      timeout: 10_000,
    });
    const m = await decodeRequest(request, CreateTopicsRequest, 19, 3);
    expect(m).toEqual({
      topics: [
        { name: 'new-1', numPartitions: 3, replicationFactor: 2, assignments: [], configs: [{ name: 'cleanup.policy', value: 'compact' }] },
        { name: 'new-2', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1, 2] }], configs: [] },
      ],
      timeoutMs: 10_000,
      validateOnly: true,
    });
  });

  it('DeleteRecords v0 and v1 (admin.deleteTopicRecords)', async () => {
    for (const v of [0, 1]) {
      const request = kRequest('deleteRecords', v, { topics: [{ topic: 'orders', partitions: [{ partition: 2, offset: '40' }, { partition: 0, offset: '-1' }] }], timeout: 5_000 });
      const m = await decodeRequest(request, DeleteRecordsRequest, 21, v);
      expect(m).toEqual({
        topics: [{ name: 'orders', partitions: [{ partitionIndex: 2, offset: 40 }, { partitionIndex: 0, offset: -1 }] }],
        timeoutMs: 5_000,
      });
    }
  });
});

describe('responses written by our codecs, decoded by kafkajs', () => {
  for (const v of [3, 7]) {
    it(`Produce v${v}`, async () => {
      const m = ProduceResponse.defaults();
      m.throttleTimeMs = 0;
      m.responses = [
        {
          name: 'orders',
          partitionResponses: [
            { ...ProduceResponse.defaults().responses[0]!, index: 0, errorCode: 0, baseOffset: 1234567890123, logAppendTimeMs: -1, logStartOffset: 5, recordErrors: [], errorMessage: null, currentLeader: { leaderId: -1, leaderEpoch: -1 } },
            { index: 1, errorCode: 0, baseOffset: 0, logAppendTimeMs: 1_700_000_000_000, logStartOffset: 0, recordErrors: [], errorMessage: null, currentLeader: { leaderId: -1, leaderEpoch: -1 } },
          ],
        },
      ];
      const d = await kDecode('produce', v, encode(ProduceResponse, v, m));
      expect(d.topics).toHaveLength(1);
      expect(d.topics[0].topicName).toBe('orders');
      expect(d.topics[0].partitions[0]).toMatchObject({ partition: 0, errorCode: 0, baseOffset: '1234567890123', logAppendTime: '-1' });
      expect(d.topics[0].partitions[1]).toMatchObject({ partition: 1, baseOffset: '0', logAppendTime: '1700000000000' });
      if (v >= 5) expect(d.topics[0].partitions[0].logStartOffset).toBe('5');
    });
  }

  for (const v of [4, 11]) {
    it(`Fetch v${v} with a kafkajs record batch`, async () => {
      const batch = await kafkajsBatch();
      const m = {
        ...FetchResponse.defaults(),
        throttleTimeMs: 0,
        errorCode: 0,
        sessionId: 0,
        responses: [
          {
            topic: 'orders',
            topicId: '00000000-0000-0000-0000-000000000000',
            partitions: [
              {
                partitionIndex: 0,
                errorCode: 0,
                highWatermark: 102,
                lastStableOffset: 102,
                logStartOffset: 0,
                divergingEpoch: { epoch: -1, endOffset: -1 },
                currentLeader: { leaderId: -1, leaderEpoch: -1 },
                snapshotId: { endOffset: -1, epoch: -1 },
                abortedTransactions: null,
                preferredReadReplica: -1,
                records: batch,
              },
            ],
          },
        ],
      };
      const d = await kDecode('fetch', v, encode(FetchResponse, v, m));
      const p = d.responses[0].partitions[0];
      expect(d.responses[0].topicName).toBe('orders');
      expect(p).toMatchObject({ partition: 0, errorCode: 0, highWatermark: '102', lastStableOffset: '102', abortedTransactions: [] });
      if (v === 11) expect(p.preferredReadReplica).toBe(-1);
      expect(p.messages.map((x: Json) => [x.offset, x.key.toString(), x.value.toString()])).toEqual([
        ['100', 'k1', 'v1'],
        ['101', 'k2', 'v2'],
      ]);
      expect(p.messages[1].headers.h.toString()).toBe('x');
    });
  }

  it('Metadata v0, v1, v6', async () => {
    const m = {
      ...MetadataResponse.defaults(),
      throttleTimeMs: 0,
      brokers: [
        { nodeId: 1, host: 'localhost', port: 9092, rack: null },
        { nodeId: 2, host: 'localhost', port: 9093, rack: 'r2' },
      ],
      clusterId: 'cluster-x',
      controllerId: 2,
      topics: [
        {
          errorCode: 0,
          name: 'orders',
          topicId: '00000000-0000-0000-0000-000000000000',
          isInternal: false,
          partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 4, replicaNodes: [1, 2], isrNodes: [1], offlineReplicas: [2] }],
          topicAuthorizedOperations: -2147483648,
        },
      ],
    };
    const d0 = await kDecode('metadata', 0, encode(MetadataResponse, 0, m));
    expect(d0.brokers).toEqual([
      { nodeId: 1, host: 'localhost', port: 9092 },
      { nodeId: 2, host: 'localhost', port: 9093 },
    ]);
    expect(d0.topicMetadata[0]).toEqual({
      topicErrorCode: 0,
      topic: 'orders',
      partitionMetadata: [{ partitionErrorCode: 0, partitionId: 0, leader: 1, replicas: [1, 2], isr: [1] }],
    });
    const d1 = await kDecode('metadata', 1, encode(MetadataResponse, 1, m));
    expect(d1.controllerId).toBe(2);
    expect(d1.brokers[1].rack).toBe('r2');
    expect(d1.brokers[0].rack).toBeNull();
    expect(d1.topicMetadata[0].isInternal).toBe(false);
    const d6 = await kDecode('metadata', 6, encode(MetadataResponse, 6, m));
    expect(d6).toMatchObject({ clientSideThrottleTime: 0, clusterId: 'cluster-x', controllerId: 2 });
    expect(d6.topicMetadata[0].partitionMetadata[0]).toEqual({ partitionErrorCode: 0, partitionId: 0, leader: 1, replicas: [1, 2], isr: [1], offlineReplicas: [2] });
  });

  it('ApiVersions v0 and v2', async () => {
    const m = {
      ...ApiVersionsResponse.defaults(),
      apiKeys: [
        { apiKey: 0, minVersion: 0, maxVersion: 7 },
        { apiKey: 18, minVersion: 0, maxVersion: 3 },
      ],
      throttleTimeMs: 0,
    };
    const d0 = await kDecode('apiVersions', 0, encode(ApiVersionsResponse, 0, m));
    expect(d0).toEqual({ errorCode: 0, apiVersions: m.apiKeys });
    const d2 = await kDecode('apiVersions', 2, encode(ApiVersionsResponse, 2, m));
    expect(d2).toMatchObject({ errorCode: 0, apiVersions: m.apiKeys, clientSideThrottleTime: 0 });
  });

  it('JoinGroup v5', async () => {
    const metadata = Buffer.from('00010000000100066f7264657273ffffffff', 'hex');
    const m = {
      ...JoinGroupResponse.defaults(),
      errorCode: 0,
      generationId: 7,
      protocolName: 'RoundRobinAssigner',
      leader: 'member-1',
      memberId: 'member-1',
      members: [
        { memberId: 'member-1', groupInstanceId: null, metadata },
        { memberId: 'member-2', groupInstanceId: 'static-2', metadata: Buffer.alloc(0) },
      ],
    };
    const d = await kDecode('joinGroup', 5, encode(JoinGroupResponse, 5, m));
    expect(d).toMatchObject({ errorCode: 0, generationId: 7, groupProtocol: 'RoundRobinAssigner', leaderId: 'member-1', memberId: 'member-1' });
    expect(d.members).toEqual([
      { memberId: 'member-1', groupInstanceId: null, memberMetadata: metadata },
      { memberId: 'member-2', groupInstanceId: 'static-2', memberMetadata: Buffer.alloc(0) },
    ]);
  });

  it('OffsetCommit v5', async () => {
    const m = {
      throttleTimeMs: 0,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: 27 }] }],
    };
    const d = await kDecode('offsetCommit', 5, encode(OffsetCommitResponse, 5, m));
    expect(d.responses).toEqual([{ topic: 'orders', partitions: [{ partition: 0, errorCode: 0 }, { partition: 1, errorCode: 27 }] }]);
  });

  it('FindCoordinator v2', async () => {
    const m = { ...FindCoordinatorResponse.defaults(), errorCode: 0, errorMessage: null, nodeId: 3, host: 'broker-3', port: 9094 };
    const d = await kDecode('findCoordinator', 2, encode(FindCoordinatorResponse, 2, m));
    expect(d).toMatchObject({ errorCode: 0, errorMessage: null, coordinator: { nodeId: 3, host: 'broker-3', port: 9094 } });
  });

  it('InitProducerId v1', async () => {
    const m = { throttleTimeMs: 0, errorCode: 0, producerId: 2 ** 40 + 5, producerEpoch: 0 };
    const d = await kDecode('initProducerId', 1, encode(InitProducerIdResponse, 1, m));
    expect(d).toMatchObject({ errorCode: 0, producerId: String(2 ** 40 + 5), producerEpoch: 0 });
  });

  it('CreateTopics v3', async () => {
    const m = {
      throttleTimeMs: 0,
      topics: [
        { ...CreateTopicsResponse.defaults(), name: 'b-topic', errorCode: 36, errorMessage: 'Topic already exists.' } as never,
        { name: 'a-topic', topicId: '00000000-0000-0000-0000-000000000000', errorCode: 0, errorMessage: null, topicConfigErrorCode: 0, numPartitions: 3, replicationFactor: 1, configs: null },
      ],
    };
    const d = await kDecode('createTopics', 3, encode(CreateTopicsResponse, 3, m));
    expect(d.topicErrors).toEqual([
      { topic: 'a-topic', errorCode: 0, errorMessage: null },
      { topic: 'b-topic', errorCode: 36, errorMessage: 'Topic already exists.' },
    ]);
  });

  it('DeleteRecords v0 and v1', async () => {
    const m = {
      throttleTimeMs: 0,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 2, lowWatermark: 2 ** 40, errorCode: 0 }, { partitionIndex: 0, lowWatermark: -1, errorCode: 1 }] }],
    };
    for (const v of [0, 1]) {
      // kafkajs builds this decoder from the request's topics (it names them in its errors).
      const decoder = kjs(`requests/deleteRecords/v${v}/response`)({ topics: [{ topic: 'orders', partitions: [] }] });
      const d = await decoder.decode(encode(DeleteRecordsResponse, v, m));
      expect(d).toMatchObject({
        topics: [{ topic: 'orders', partitions: [{ partition: 2, lowWatermark: 2n ** 40n, errorCode: 0 }, { partition: 0, lowWatermark: -1n, errorCode: 1 }] }],
      });
    }
  });
});
