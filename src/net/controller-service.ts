/**
 * The `brokerlab.controller.Controller` service (controller.proto) over a node's ControllerApi,
 * and `GrpcControllerClient`, the ControllerApi of a remote node. Both send through the node's
 * network faults: requests from a peer they cut off are never answered (the caller's deadline
 * expires), as on a real partitioned network, and every answer and every request goes out after
 * the node's injected delay.
 */
import type * as grpc from '@grpc/grpc-js';
import type { ControllerApi } from '../node/controller-api.js';
import type { AlterConfigsResult, CreateTopicResult, DeleteTopicResult, NewPartitionsRequest, NewPartitionsResult } from '../controller/index.js';
import { isBrokerError } from '../common/errors.js';
import type { PartitionRegistration } from '../metadata/types.js';
import { NO_SEND_FAULTS, OPEN_LINK, type PeerLink, type SendFaults } from './faults.js';
import { createClient, serviceConstructor, toSafeInteger } from './grpc.js';
import { HeartbeatStream, type WireHeartbeatRequest, type WireHeartbeatResponse } from './heartbeat-stream.js';
import { deadlineIn, fromGrpcError, NO_ERROR, toWireError, wireError, type WireError } from './wire-errors.js';
import {
  fromWireAlterConfigs,
  fromWireCreateTopics,
  toWireAlterConfigs,
  toWireTopicResult,
  type WireAlterConfigsRequest,
  type WireTopicResult,
  type WireCreateTopicsRequest,
  type WireDeleteTopicsRequest,
} from './topic-wire.js';

const SERVICE = 'brokerlab.controller.Controller';

interface WireEndpoint {
  host: string;
  port: number;
}

/** An unset message field arrives as null; a broker without a Kafka listener sends none. */
function fromWireEndpoint(wire: WireEndpoint | null | undefined): WireEndpoint | undefined {
  return wire && wire.host !== '' && wire.port > 0 ? { host: wire.host, port: wire.port } : undefined;
}

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

function leaderIdOf(e: unknown): number {
  return isBrokerError(e) ? Number(e.details['leaderId'] ?? 0) : 0;
}

/**
 * Serves one handler: drops the call when the faults cut the sending broker off, maps errors to
 * error codes, and answers through the faults (to the broker, or with the node's delay to a
 * caller that names no broker).
 */
function handle<Req, Res>(
  sender: ((req: Req) => number) | 'anyone',
  faults: SendFaults,
  run: (req: Req) => Promise<Res>,
  onError: (e: unknown) => Res,
): Unary<Req, Res> {
  return (call, callback) => {
    const peer = sender === 'anyone' ? undefined : sender(call.request);
    if (peer !== undefined && faults.blocked(peer)) return; // the caller's deadline ends the call
    const answer = (res: Res): void => {
      if (peer === undefined) faults.delay(() => callback(null, res));
      else faults.route(peer, () => callback(null, res));
    };
    run(call.request).then(answer, (e: unknown) => answer(onError(e)));
  };
}

/**
 * Serves one broker's heartbeat stream: each heartbeat is answered on the stream, under the same
 * faults as a call (dropped while they cut the broker off, answered after the node's delay).
 */
function serveHeartbeats(api: ControllerApi, faults: SendFaults): (call: grpc.ServerDuplexStream<WireHeartbeatRequest, WireHeartbeatResponse>) => void {
  return (call) => {
    const reply = (req: WireHeartbeatRequest, res: Omit<WireHeartbeatResponse, 'correlation_id'>): void =>
      faults.route(req.broker_id, () => {
        if (!call.cancelled && call.writable) call.write({ ...res, correlation_id: req.correlation_id });
      });
    call.on('data', (req: WireHeartbeatRequest) => {
      if (faults.blocked(req.broker_id)) return; // the broker's own deadline ends the heartbeat
      api
        .heartbeat({
          brokerId: req.broker_id,
          brokerEpoch: toSafeInteger(req.broker_epoch),
          currentMetadataOffset: toSafeInteger(req.current_metadata_offset),
          wantFence: req.want_fence,
          wantShutdown: req.want_shutdown,
        })
        .then(
          (r) => reply(req, { ...NO_ERROR, is_fenced: r.isFenced, is_caught_up: r.isCaughtUp, should_shutdown: r.shouldShutdown, leader_id: 0 }),
          (e: unknown) => reply(req, { ...toWireError(e), is_fenced: true, is_caught_up: false, should_shutdown: false, leader_id: leaderIdOf(e) }),
        );
    });
    call.on('end', () => call.end());
    call.on('error', () => undefined); // the broker went away; nothing waits on its answers
  };
}

export function addControllerService(server: grpc.Server, api: ControllerApi, faults: SendFaults = NO_SEND_FAULTS): void {
  const fail = (e: unknown): WireError & { leader_id: number } => ({ ...toWireError(e), leader_id: leaderIdOf(e) });
  const fromBroker = (req: { broker_id: number }): number => req.broker_id;
  server.addService(serviceConstructor('controller.proto', SERVICE).service, {
    RegisterBroker: handle(fromBroker, faults, async (req: { broker_id: number; incarnation_id: string; endpoint: WireEndpoint; kafka_endpoint: WireEndpoint | null }) => {
      const kafkaEndpoint = fromWireEndpoint(req.kafka_endpoint);
      const { brokerEpoch } = await api.registerBroker({
        brokerId: req.broker_id,
        incarnationId: req.incarnation_id,
        endpoint: req.endpoint,
        ...(kafkaEndpoint ? { kafkaEndpoint } : {}),
      });
      return { ...NO_ERROR, broker_epoch: brokerEpoch, leader_id: 0 };
    }, fail),
    BrokerHeartbeats: serveHeartbeats(api, faults),
    AlterPartition: handle(fromBroker, faults, async (req: WireAlterPartitionRequest) => {
      const p = await api.alterPartition({
        brokerId: req.broker_id,
        brokerEpoch: toSafeInteger(req.broker_epoch),
        topicId: req.topic_id,
        partition: req.partition,
        leaderEpoch: req.leader_epoch,
        partitionEpoch: req.partition_epoch,
        newIsr: req.new_isr,
        ...(req.new_isr_with_epochs.length > 0
          ? { newIsrWithEpochs: req.new_isr_with_epochs.map((m) => ({ brokerId: m.broker_id, brokerEpoch: toSafeInteger(m.broker_epoch) })) }
          : {}),
      });
      return { ...NO_ERROR, leader_id: 0, leader: p.leader, leader_epoch: p.leaderEpoch, partition_epoch: p.partitionEpoch, isr: [...p.isr] };
    }, fail),
    CreateTopics: handle('anyone', faults, async (req: WireCreateTopicsRequest) => {
      const results = await api.createTopics(fromWireCreateTopics(req));
      return { results: results.map(toWireTopicResult) };
    }, (e) => ({ results: [{ name: '', topic_id: '', ...toWireError(e) }] })),
    CreatePartitions: handle('anyone', faults, async (req: WireCreatePartitionsRequest) => {
      const results = await api.createPartitions(fromWireCreatePartitions(req));
      return { ...NO_ERROR, leader_id: 0, results: results.map((r) => ({ name: r.name, ...(r.error ? toWireError(r.error) : NO_ERROR) })) };
    }, fail),
    DeleteTopics: handle('anyone', faults, async (req: WireDeleteTopicsRequest) => {
      const results = await api.deleteTopics(req.names.map((name) => ({ name })));
      return { results: results.map(toWireTopicResult) };
    }, (e) => ({ results: [{ name: '', topic_id: '', ...toWireError(e) }] })),
    AlterConfigs: handle('anyone', faults, async (req: WireAlterConfigsRequest) => {
      const results = await api.alterConfigs(fromWireAlterConfigs(req));
      return { results: results.map(toWireTopicResult) };
    }, (e) => ({ results: [{ name: '', topic_id: '', ...toWireError(e) }] })),
    AllocateProducerIds: handle(fromBroker, faults, async (req: { broker_id: number; broker_epoch: string }) => {
      const block = await api.allocateProducerIds({ brokerId: req.broker_id, brokerEpoch: toSafeInteger(req.broker_epoch) });
      return { ...NO_ERROR, first_producer_id: block.producerIdStart, count: block.producerIdLen, leader_id: 0 };
    }, fail),
  });
}

interface WireAlterPartitionRequest {
  broker_id: number;
  broker_epoch: string;
  topic_id: string;
  partition: number;
  leader_epoch: number;
  partition_epoch: number;
  new_isr: number[];
  /** Empty when the sender sent none. */
  new_isr_with_epochs: { broker_id: number; broker_epoch: string | number }[];
}

interface WireNewPartitions {
  name: string;
  count: number;
  /** Distinguishes an empty manual assignment from none, which proto3 lists cannot. */
  manual_assignment: boolean;
  assignments: { broker_ids: number[] }[];
}

interface WireCreatePartitionsRequest {
  topics: WireNewPartitions[];
  timeout_ms: number;
}

interface WireNewPartitionsResult extends WireError {
  name: string;
}

function toWireCreatePartitions(requests: readonly NewPartitionsRequest[], timeoutMs: number): WireCreatePartitionsRequest {
  return {
    topics: requests.map((r) => ({
      name: r.name,
      count: r.count,
      manual_assignment: r.assignments !== undefined,
      assignments: (r.assignments ?? []).map((replicas) => ({ broker_ids: [...replicas] })),
    })),
    timeout_ms: timeoutMs,
  };
}

function fromWireCreatePartitions(req: WireCreatePartitionsRequest): NewPartitionsRequest[] {
  return req.topics.map((t) => ({
    name: t.name,
    count: t.count,
    ...(t.manual_assignment ? { assignments: t.assignments.map((a) => a.broker_ids) } : {}),
  }));
}

type ControllerStub = grpc.Client &
  Record<string, (req: unknown, options: grpc.CallOptions, cb: (e: grpc.ServiceError | null, res: unknown) => void) => void> & {
    BrokerHeartbeats?: HeartbeatStreamOpen;
  };
type HeartbeatStreamOpen = () => grpc.ClientDuplexStream<WireHeartbeatRequest, WireHeartbeatResponse>;

/** A remote node's controller, reached over gRPC with a deadline on every call. */
export class GrpcControllerClient implements ControllerApi {
  private readonly stub: ControllerStub;
  private readonly heartbeats: HeartbeatStream;

  constructor(
    address: string,
    private readonly timeoutMs: number,
    /**
     * This node's faults towards the peer: while they cut it off calls fail without being sent,
     * and every call goes out after their delay (the call's deadline runs from before it).
     */
    private readonly link: PeerLink = OPEN_LINK,
  ) {
    this.stub = createClient<ControllerStub>(serviceConstructor('controller.proto', SERVICE), address);
    this.heartbeats = new HeartbeatStream(() => this.stub.BrokerHeartbeats!() as ReturnType<HeartbeatStreamOpen>, timeoutMs, link);
  }

  close(): void {
    this.heartbeats.close();
    this.stub.close();
  }

  async registerBroker(request: Parameters<ControllerApi['registerBroker']>[0]): ReturnType<ControllerApi['registerBroker']> {
    const res = await this.call<WireError & { broker_epoch: string; leader_id: number }>('RegisterBroker', {
      broker_id: request.brokerId,
      incarnation_id: request.incarnationId,
      endpoint: request.endpoint,
      ...(request.kafkaEndpoint ? { kafka_endpoint: request.kafkaEndpoint } : {}),
    });
    return { brokerEpoch: toSafeInteger(res.broker_epoch) };
  }

  heartbeat(request: Parameters<ControllerApi['heartbeat']>[0]): ReturnType<ControllerApi['heartbeat']> {
    return this.heartbeats.heartbeat(request);
  }

  async alterPartition(request: Parameters<ControllerApi['alterPartition']>[0]): Promise<PartitionRegistration> {
    const res = await this.call<WireError & { leader: number; leader_epoch: number; partition_epoch: number; isr: number[] }>('AlterPartition', {
      broker_id: request.brokerId,
      broker_epoch: request.brokerEpoch,
      topic_id: request.topicId,
      partition: request.partition,
      leader_epoch: request.leaderEpoch,
      partition_epoch: request.partitionEpoch,
      new_isr: request.newIsr,
      new_isr_with_epochs: (request.newIsrWithEpochs ?? []).map((m) => ({ broker_id: m.brokerId, broker_epoch: m.brokerEpoch })),
    });
    // The broker only needs the fields the controller decided; topic and replicas it already knows.
    return { topicId: request.topicId, topic: '', partition: request.partition, replicas: [], isr: res.isr, leader: res.leader, leaderEpoch: res.leader_epoch, partitionEpoch: res.partition_epoch };
  }

  async createTopics(requests: Parameters<ControllerApi['createTopics']>[0]): Promise<CreateTopicResult[]> {
    const res = await this.call<{ results: WireTopicResult[] }>('CreateTopics', {
      topics: requests.map((r) => ({ name: r.name, num_partitions: r.numPartitions ?? -1, replication_factor: r.replicationFactor ?? -1, configs: r.configs ?? {} })),
      timeout_ms: this.timeoutMs,
    }, false);
    return res.results.map((r) => topicResult(r));
  }

  /** A refusal of the whole request (NOT_CONTROLLER with the leader's id) is thrown, so the router can follow it. */
  async createPartitions(requests: readonly NewPartitionsRequest[]): Promise<NewPartitionsResult[]> {
    const res = await this.call<WireError & { results: WireNewPartitionsResult[] }>('CreatePartitions', toWireCreatePartitions(requests, this.timeoutMs));
    return res.results.map((r) => newPartitionsResult(r));
  }

  async deleteTopics(targets: Parameters<ControllerApi['deleteTopics']>[0]): Promise<DeleteTopicResult[]> {
    const names = targets.map((t) => ('name' in t ? t.name : t.topicId));
    const res = await this.call<{ results: WireTopicResult[] }>('DeleteTopics', { names, timeout_ms: this.timeoutMs }, false);
    return res.results.map((r) => topicResult(r));
  }

  async alterConfigs(requests: Parameters<ControllerApi['alterConfigs']>[0]): Promise<AlterConfigsResult[]> {
    const res = await this.call<{ results: WireTopicResult[] }>('AlterConfigs', { topics: toWireAlterConfigs(requests), timeout_ms: this.timeoutMs }, false);
    return res.results.map((r) => topicResult(r));
  }

  async allocateProducerIds(request: Parameters<ControllerApi['allocateProducerIds']>[0]): ReturnType<ControllerApi['allocateProducerIds']> {
    const res = await this.call<WireError & { first_producer_id: string; count: number }>('AllocateProducerIds', {
      broker_id: request.brokerId,
      broker_epoch: request.brokerEpoch,
    });
    return { producerIdStart: toSafeInteger(res.first_producer_id), producerIdLen: res.count };
  }

  private call<T>(method: string, request: unknown, checkError = true): Promise<T> {
    if (!this.link.reachable()) return Promise.reject(fromGrpcError(new Error('peer unreachable (network fault)'), method));
    const deadline = deadlineIn(this.timeoutMs);
    return new Promise<T>((resolve, reject) => {
      const send = (): void => this.stub[method]!(request, { deadline }, (e, res) => {
        if (e) return reject(fromGrpcError(e, `controller ${method}`));
        const wire = res as T & Partial<WireError> & { leader_id?: number };
        // A refusal of the whole request; NOT_CONTROLLER names the active controller, if known.
        const error = checkError ? wireError(wire, { leaderId: wire.leader_id ?? 0 }) : undefined;
        if (error) reject(error);
        else resolve(wire);
      });
      this.link.route(send);
    });
  }
}

function topicResult(r: WireTopicResult): CreateTopicResult & DeleteTopicResult {
  const error = wireError(r);
  return { name: r.name, ...(r.topic_id ? { topicId: r.topic_id } : {}), ...(error ? { error } : {}) };
}

function newPartitionsResult(r: WireNewPartitionsResult): NewPartitionsResult {
  const error = wireError(r);
  return error ? { name: r.name, error } : { name: r.name };
}
