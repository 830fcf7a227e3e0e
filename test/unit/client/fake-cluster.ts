/**
 * A scripted stand-in for brokers, for unit tests of the client: in-process gRPC servers on
 * 127.0.0.1 (free ports) implementing the BrokerClient service over one shared, in-memory view of
 * topics and partition logs, and the GroupCoordinator service (fake-group-coordinator.ts). By
 * default each broker behaves like a healthy leader and checks idempotent producers' sequences
 * as brokers do; tests script produce, fetch and InitProducerId answers per broker to inject
 * errors, delays and silence.
 */
import * as grpc from '@grpc/grpc-js';
import { groupCoordinatorConstructor } from '../../../src/client/group-wire.js';
import { brokerClientConstructor } from '../../../src/client/wire.js';
import type {
  CreateTopicsRequest,
  DeleteTopicsRequest,
  FetchRequest,
  FetchedPartition,
  ListOffsetsRequest,
  MetadataRequest,
  MetadataResponse,
  ProduceRequest,
  ProduceResponse,
  TopicInfo,
} from '../../../src/client/wire.js';
import { nextOffsetOf, readBatchHeader, stampBatch, validateBatchHeader } from '../../../src/log/batch/index.js';
import { FakeGroupCoordinator } from './fake-group-coordinator.js';
import { FakeProducerState } from './fake-producer-state.js';

export interface FakePartition {
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  /** Stored batches, stamped with their offsets. */
  batches: Buffer[];
  logStartOffset: number;
  /** Log end offset (and high watermark: the fake has no followers). */
  nextOffset: number;
}

export interface FakeTopic {
  id: string;
  partitions: FakePartition[];
  configs: Record<string, string>;
}

/**
 * What a broker does with one ProduceRequest. `append` checks sequences first, like a broker;
 * with `answerErrorCode` the batch is written but the answer says otherwise (a lost acknowledgement).
 */
export type ProduceAction =
  | { kind: 'append'; answerAfter?: Promise<void>; answerErrorCode?: number }
  | { kind: 'error'; errorCode: number; currentLeader?: number; answerAfter?: Promise<void> }
  | { kind: 'silence' };

export type ProduceScript = (request: ProduceRequest, index: number) => ProduceAction | undefined;
/** Returns an error code to answer for one partition of a fetch, or undefined to serve it. */
export type FetchScript = (topic: string, partition: number, offset: number) => number | undefined;

const ERROR_NONE = 0;
const UNKNOWN_TOPIC_OR_PARTITION = 3;
const NOT_LEADER_OR_FOLLOWER = 6;
const OFFSET_OUT_OF_RANGE = 1;
const TOPIC_ALREADY_EXISTS = 36;

export class FakeBroker {
  port = 0;
  readonly server = new grpc.Server();
  readonly produceRequests: ProduceRequest[] = [];
  readonly fetchRequests: FetchRequest[] = [];
  metadataCalls = 0;
  produceScript: ProduceScript | undefined;
  fetchScript: FetchScript | undefined;
  /** Metadata, CreateTopics, DeleteTopics are never answered while set. */
  silentUnary = false;
  /** Answers owed to CreateTopics: error codes consumed one per call before normal service. */
  createTopicsErrors: number[] = [];
  /** Answers owed to InitProducerId: error codes consumed one per call before normal service. */
  initProducerIdErrors: number[] = [];
  initProducerIdCalls = 0;
  /** Produce responses sent, with the request's correlation id. */
  readonly answers: ProduceResponse[] = [];

  constructor(
    readonly id: number,
    private readonly cluster: FakeCluster,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server.addService(brokerClientConstructor().service, {
      Metadata: (call: grpc.ServerUnaryCall<MetadataRequest, MetadataResponse>, cb: grpc.sendUnaryData<MetadataResponse>) => {
        this.metadataCalls++;
        if (this.silentUnary) return;
        cb(null, this.cluster.metadata(call.request.topics));
      },
      CreateTopics: (call: grpc.ServerUnaryCall<CreateTopicsRequest, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        if (this.silentUnary) return;
        const injected = this.createTopicsErrors.shift();
        if (injected !== undefined) {
          cb(null, { results: call.request.topics.map((t) => ({ name: t.name, error_code: injected, error_message: 'injected', topic_id: '' })) });
          return;
        }
        cb(null, { results: call.request.topics.map((t) => this.cluster.createTopic(t.name, t.num_partitions, t.configs)) });
      },
      DeleteTopics: (call: grpc.ServerUnaryCall<DeleteTopicsRequest, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        if (this.silentUnary) return;
        cb(null, { results: call.request.names.map((name) => this.cluster.deleteTopic(name)) });
      },
      Produce: (call: grpc.ServerDuplexStream<ProduceRequest, ProduceResponse>) => {
        call.on('data', (request: ProduceRequest) => this.onProduce(call, request));
        call.on('end', () => call.end());
        call.on('error', () => undefined);
      },
      Fetch: (call: grpc.ServerUnaryCall<FetchRequest, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        this.fetchRequests.push(call.request);
        void this.onFetch(call.request).then((response) => cb(null, response));
      },
      InitProducerId: (_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        this.initProducerIdCalls++;
        if (this.silentUnary) return;
        const injected = this.initProducerIdErrors.shift();
        if (injected !== undefined) return cb(null, { error_code: injected, error_message: 'injected', producer_id: -1, producer_epoch: -1 });
        cb(null, { error_code: ERROR_NONE, producer_id: this.cluster.nextProducerId++, producer_epoch: 0 });
      },
      ListOffsets: (call: grpc.ServerUnaryCall<ListOffsetsRequest, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        cb(null, {
          results: call.request.partitions.map((p) => {
            const state = this.cluster.partition(p.topic, p.partition);
            if (!state) return { topic: p.topic, partition: p.partition, error_code: UNKNOWN_TOPIC_OR_PARTITION, offset: -1 };
            if (state.leader !== this.id) return { topic: p.topic, partition: p.partition, error_code: NOT_LEADER_OR_FOLLOWER, offset: -1 };
            const offset = p.timestamp === -2 ? state.logStartOffset : state.nextOffset;
            return { topic: p.topic, partition: p.partition, error_code: ERROR_NONE, offset, leader_epoch: state.leaderEpoch };
          }),
        });
      },
    });
    this.server.addService(groupCoordinatorConstructor().service, this.cluster.groups.serviceFor(this.id));
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
  }

  stop(): void {
    this.server.forceShutdown();
  }

  private onProduce(call: grpc.ServerDuplexStream<ProduceRequest, ProduceResponse>, request: ProduceRequest): void {
    const index = this.produceRequests.length;
    this.produceRequests.push(request);
    const action = this.produceScript?.(request, index) ?? { kind: 'append' };
    if (action.kind === 'silence') return;
    let response: ProduceResponse;
    if (action.kind === 'error') {
      response = this.answer(request, action.errorCode, -1, action.currentLeader ?? -1);
    } else {
      const state = this.cluster.partition(request.topic, request.partition);
      if (!state) response = this.answer(request, UNKNOWN_TOPIC_OR_PARTITION, -1, -1);
      else if (state.leader !== this.id) response = this.answer(request, NOT_LEADER_OR_FOLLOWER, -1, state.leader);
      else response = this.appendChecked(request, state, action.answerErrorCode);
    }
    // acks=0: the broker appends but never answers.
    if (request.acks === 0) return;
    const send = (): void => {
      this.answers.push(response);
      call.write(response);
    };
    if (action.answerAfter) void action.answerAfter.then(send);
    else send();
  }

  private appendChecked(request: ProduceRequest, state: FakePartition, answerErrorCode: number | undefined): ProduceResponse {
    const key = `${request.topic}/${request.partition}`;
    const check = this.cluster.producerState.check(key, request.records);
    if (check.kind === 'error') return this.answer(request, check.errorCode, -1, -1);
    if (check.kind === 'duplicate') return this.answer(request, ERROR_NONE, check.baseOffset, -1);
    const baseOffset = this.cluster.append(state, request.records);
    this.cluster.producerState.appended(key, request.records, baseOffset);
    return answerErrorCode === undefined ? this.answer(request, ERROR_NONE, baseOffset, -1) : this.answer(request, answerErrorCode, -1, -1);
  }

  private answer(request: ProduceRequest, errorCode: number, baseOffset: number, currentLeader: number): ProduceResponse {
    return { correlation_id: request.correlation_id, error_code: errorCode, error_message: '', base_offset: baseOffset, log_start_offset: 0, current_leader: currentLeader };
  }

  private async onFetch(request: FetchRequest): Promise<{ partitions: FetchedPartition[] }> {
    const deadline = Date.now() + request.max_wait_ms;
    for (;;) {
      const partitions = request.partitions.map((p) => this.readPartition(p.topic, p.partition, p.offset, p.max_bytes));
      const hasData = partitions.some((p) => p.records.length > 0 || p.error_code !== ERROR_NONE);
      if (hasData || Date.now() >= deadline) return { partitions };
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private readPartition(topic: string, partition: number, offset: number, maxBytes: number): FetchedPartition {
    const base = { topic, partition, error_message: '', high_watermark: -1, log_start_offset: -1, records: Buffer.alloc(0) };
    const injected = this.fetchScript?.(topic, partition, offset);
    if (injected !== undefined) return { ...base, error_code: injected };
    const state = this.cluster.partition(topic, partition);
    if (!state) return { ...base, error_code: UNKNOWN_TOPIC_OR_PARTITION };
    if (state.leader !== this.id) return { ...base, error_code: NOT_LEADER_OR_FOLLOWER };
    if (offset < state.logStartOffset || offset > state.nextOffset) return { ...base, error_code: OFFSET_OUT_OF_RANGE };
    const chosen: Buffer[] = [];
    let size = 0;
    for (const batch of state.batches) {
      if (nextOffsetOf(readBatchHeader(batch)) <= offset) continue;
      if (chosen.length > 0 && size + batch.length > maxBytes) break;
      chosen.push(batch);
      size += batch.length;
    }
    return { ...base, error_code: ERROR_NONE, high_watermark: state.nextOffset, log_start_offset: state.logStartOffset, records: Buffer.concat(chosen) };
  }
}

export class FakeCluster {
  readonly brokers: FakeBroker[] = [];
  readonly topics = new Map<string, FakeTopic>();
  readonly producerState = new FakeProducerState();
  readonly groups = new FakeGroupCoordinator((id) => ({ host: '127.0.0.1', port: this.broker(id).port }));
  nextProducerId = 1000;
  /** Leaders of newly created topics are assigned this long after creation (0: at once). */
  leaderAssignmentDelayMs = 0;
  private nextTopicId = 1;

  static async start(brokerCount: number): Promise<FakeCluster> {
    const cluster = new FakeCluster();
    for (let id = 1; id <= brokerCount; id++) {
      const broker = new FakeBroker(id, cluster);
      cluster.brokers.push(broker);
      await broker.start();
    }
    return cluster;
  }

  get bootstrapServers(): string[] {
    return this.brokers.map((b) => b.address);
  }

  broker(id: number): FakeBroker {
    return this.brokers.find((b) => b.id === id)!;
  }

  stop(): void {
    this.groups.stop();
    for (const broker of this.brokers) broker.stop();
  }

  /** A topic whose partition i is led by `leaders[i % leaders.length]`. */
  addTopic(name: string, partitions: number, leaders: number[] = [1]): FakeTopic {
    const topic: FakeTopic = {
      id: `topic-${this.nextTopicId++}`,
      configs: {},
      partitions: Array.from({ length: partitions }, (_, i) => ({
        leader: leaders[i % leaders.length]!,
        leaderEpoch: 0,
        replicas: this.brokers.map((b) => b.id),
        batches: [],
        logStartOffset: 0,
        nextOffset: 0,
      })),
    };
    this.topics.set(name, topic);
    return topic;
  }

  partition(topic: string, partition: number): FakePartition | undefined {
    return this.topics.get(topic)?.partitions[partition];
  }

  moveLeader(topic: string, partition: number, leader: number): void {
    const state = this.partition(topic, partition)!;
    state.leader = leader;
    state.leaderEpoch++;
  }

  append(state: FakePartition, records: Buffer): number {
    const batch = Buffer.from(records);
    const header = validateBatchHeader(batch);
    const baseOffset = state.nextOffset;
    stampBatch(batch, 0, baseOffset, state.leaderEpoch);
    state.batches.push(batch);
    state.nextOffset = baseOffset + header.lastOffsetDelta + 1;
    return baseOffset;
  }

  /** Drops whole batches below `offset`, as retention would. */
  truncateBefore(topic: string, partition: number, offset: number): void {
    const state = this.partition(topic, partition)!;
    state.batches = state.batches.filter((b) => nextOffsetOf(readBatchHeader(b)) > offset);
    state.logStartOffset = offset;
  }

  metadata(names: string[]): MetadataResponse {
    const wanted = names.length > 0 ? names : [...this.topics.keys()];
    const topics: TopicInfo[] = wanted.map((name) => {
      const topic = this.topics.get(name);
      if (!topic) return { name, topic_id: '', error_code: UNKNOWN_TOPIC_OR_PARTITION, partitions: [], configs: {} };
      return {
        name,
        topic_id: topic.id,
        error_code: ERROR_NONE,
        configs: topic.configs,
        partitions: topic.partitions.map((p, i) => ({ partition: i, error_code: 0, leader: p.leader, leader_epoch: p.leaderEpoch, replicas: p.replicas, isr: p.leader >= 0 ? p.replicas : [] })),
      };
    });
    return {
      brokers: this.brokers.map((b) => ({ id: b.id, host: '127.0.0.1', port: b.port, fenced: false })),
      controller_id: this.brokers[0]?.id ?? -1,
      topics,
      metadata_offset: 0,
    };
  }

  createTopic(name: string, partitions: number, configs: Record<string, string>): { name: string; error_code: number; error_message: string; topic_id: string } {
    if (this.topics.has(name)) return { name, error_code: TOPIC_ALREADY_EXISTS, error_message: `topic ${name} exists`, topic_id: '' };
    const ids = this.brokers.map((b) => b.id);
    const leaders = Array.from({ length: partitions }, (_, i) => ids[i % ids.length]!);
    const topic = this.addTopic(name, partitions, this.leaderAssignmentDelayMs > 0 ? [-1] : leaders);
    topic.configs = { ...configs };
    if (this.leaderAssignmentDelayMs > 0) {
      setTimeout(() => topic.partitions.forEach((p, i) => (p.leader = leaders[i]!)), this.leaderAssignmentDelayMs);
    }
    return { name, error_code: ERROR_NONE, error_message: '', topic_id: topic.id };
  }

  deleteTopic(name: string): { name: string; error_code: number; error_message: string; topic_id: string } {
    if (!this.topics.delete(name)) return { name, error_code: UNKNOWN_TOPIC_OR_PARTITION, error_message: `no topic ${name}`, topic_id: '' };
    return { name, error_code: ERROR_NONE, error_message: '', topic_id: '' };
  }
}

/** A promise with its resolver, to hold a scripted answer until the test releases it. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

export async function waitUntil(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
