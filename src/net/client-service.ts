/**
 * The native client API (client.proto, `brokerlab.client.BrokerClient`) served by a broker:
 * metadata from the node's image, topic admin forwarded to the active controller, and produce,
 * fetch and list-offsets routed to the replica manager. Errors travel as Kafka error codes.
 */
import type * as grpc from '@grpc/grpc-js';
import { errors, isBrokerError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { ReplicaManager } from '../broker/index.js';
import { topicByName, type MetadataImage } from '../metadata/index.js';
import { NO_LEADER } from '../metadata/types.js';
import type { ControllerApi } from '../node/controller-api.js';
import { serveDuplex, serviceConstructor, toSafeInteger } from './grpc.js';
import { fromWireCreateTopics, toWireTopicResult, type WireCreateTopicsRequest, type WireDeleteTopicsRequest } from './topic-wire.js';
import { NO_ERROR, toWireError } from './wire-errors.js';

export interface ClientServiceBackend {
  image(): MetadataImage;
  /** The active controller's node id as this node knows it, or -1. */
  controllerId(): number;
  controller: ControllerApi;
  /** Undefined on controller-only nodes. */
  replicaManager(): ReplicaManager | undefined;
  /** Resolves once the local image reaches `predicate`, or after `timeoutMs` either way. */
  waitForImage(predicate: (image: MetadataImage) => boolean, timeoutMs: number): Promise<void>;
  /** A new producer id and epoch for an idempotent producer. */
  initProducerId(): Promise<{ producerId: number; producerEpoch: number }>;
  logger: Logger;
}

const LATEST_TIMESTAMP = -1;
const EARLIEST_TIMESTAMP = -2;

export function addClientService(server: grpc.Server, backend: ClientServiceBackend): void {
  server.addService(serviceConstructor('client.proto', 'brokerlab.client.BrokerClient').service, {
    Metadata: (call: grpc.ServerUnaryCall<{ topics: string[] }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      cb(null, metadataResponse(backend.image(), call.request.topics, backend.controllerId()));
    },
    CreateTopics: (call: grpc.ServerUnaryCall<WireCreateTopicsRequest, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      const request = call.request;
      backend.controller.createTopics(fromWireCreateTopics(request)).then(
        async (results) => {
          const created = results.filter((r) => !r.error).map((r) => r.name);
          await backend.waitForImage((img) => created.every((n) => topicByName(img, n)), request.timeout_ms || 5_000);
          cb(null, { results: results.map(toWireTopicResult) });
        },
        (e: unknown) => cb(null, { results: request.topics.map((t) => ({ name: t.name, topic_id: '', ...toWireError(e) })) }),
      );
    },
    DeleteTopics: (call: grpc.ServerUnaryCall<WireDeleteTopicsRequest, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      const request = call.request;
      backend.controller.deleteTopics(request.names.map((name) => ({ name }))).then(
        async (results) => {
          await backend.waitForImage((img) => request.names.every((n) => !topicByName(img, n)), request.timeout_ms || 5_000);
          cb(null, { results: results.map(toWireTopicResult) });
        },
        (e: unknown) => cb(null, { results: request.names.map((name) => ({ name, topic_id: '', ...toWireError(e) })) }),
      );
    },
    Produce: (call: grpc.ServerDuplexStream<WireProduceRequest, unknown>) => serveProduce(call, backend),
    Fetch: (call: grpc.ServerUnaryCall<WireFetchRequest, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      const rm = backend.replicaManager();
      const req = call.request;
      if (!rm) return cb(null, { partitions: req.partitions.map((p) => ({ topic: p.topic, partition: p.partition, ...toWireError(errors.notLeaderOrFollower('not a broker')), high_watermark: -1, log_start_offset: -1, records: Buffer.alloc(0) })) });
      rm.handleConsumerFetch(
        {
          maxWaitMs: req.max_wait_ms,
          minBytes: req.min_bytes,
          maxBytes: req.max_bytes > 0 ? req.max_bytes : 50 * 1024 * 1024,
          partitions: req.partitions.map((p) => ({
            topic: p.topic,
            partition: p.partition,
            fetchOffset: toSafeInteger(p.offset),
            ...(p.max_bytes > 0 ? { maxBytes: p.max_bytes } : {}),
            currentLeaderEpoch: p.current_leader_epoch,
          })),
        },
        (response) =>
          cb(null, {
            partitions: response.partitions.map((p) => ({
              topic: p.topic,
              partition: p.partition,
              ...(p.error ? toWireError(p.error) : NO_ERROR),
              high_watermark: p.highWatermark,
              log_start_offset: p.logStartOffset,
              records: p.records,
            })),
          }),
      );
    },
    InitProducerId: (_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      backend.initProducerId().then(
        ({ producerId, producerEpoch }) => cb(null, { ...NO_ERROR, producer_id: producerId, producer_epoch: producerEpoch }),
        (e: unknown) => cb(null, { ...toWireError(e), producer_id: -1, producer_epoch: -1 }),
      );
    },
    ListOffsets: (call: grpc.ServerUnaryCall<{ partitions: { topic: string; partition: number; timestamp: string }[] }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      const rm = backend.replicaManager();
      cb(null, { results: call.request.partitions.map((p) => listOffset(rm, backend.image(), p.topic, p.partition, toSafeInteger(p.timestamp))) });
    },
  });
}

interface WireProduceRequest {
  correlation_id: number;
  topic: string;
  partition: number;
  acks: number;
  timeout_ms: number;
  records: Buffer;
}

interface WireFetchRequest {
  partitions: { topic: string; partition: number; offset: string; max_bytes: number; current_leader_epoch: number }[];
  max_wait_ms: number;
  min_bytes: number;
  max_bytes: number;
}

function serveProduce(call: grpc.ServerDuplexStream<WireProduceRequest, unknown>, backend: ClientServiceBackend): void {
  serveDuplex(call, (req, write) => {
    const reply = (response: object): void => {
      if (req.acks !== 0) write({ correlation_id: req.correlation_id, ...response });
    };
    const rm = backend.replicaManager();
    if (!rm) return reply({ ...toWireError(errors.notLeaderOrFollower('not a broker')), base_offset: -1, log_start_offset: -1, current_leader: -1 });
    try {
      rm.produce({ acks: req.acks, timeoutMs: req.timeout_ms, partitions: [{ topic: req.topic, partition: req.partition, records: req.records }] }, (response) => {
        const result = response.partitions[0]!;
        const error = result.error;
        reply({
          ...(error ? toWireError(error) : NO_ERROR),
          base_offset: result.baseOffset,
          log_start_offset: result.logStartOffset,
          current_leader: error && isBrokerError(error, 'NOT_LEADER_OR_FOLLOWER') ? currentLeader(backend.image(), req.topic, req.partition) : -1,
        });
      });
    } catch (e) {
      backend.logger.error({ err: e }, 'produce failed unexpectedly');
      reply({ ...toWireError(e), base_offset: -1, log_start_offset: -1, current_leader: -1 });
    }
  });
}

function currentLeader(image: MetadataImage, topic: string, partition: number): number {
  return topicByName(image, topic)?.partitions.get(partition)?.leader ?? -1;
}

function listOffset(rm: ReplicaManager | undefined, image: MetadataImage, topic: string, partition: number, timestamp: number): object {
  const base = { topic, partition, offset: -1, leader_epoch: -1 };
  const p = rm?.getPartition(topic, partition);
  if (!p) {
    const known = topicByName(image, topic)?.partitions.has(partition);
    const error = known ? errors.notLeaderOrFollower(`not the leader of ${topic}-${partition}`) : errors.unknownTopicOrPartition(`${topic}-${partition}`);
    return { ...base, ...toWireError(error) };
  }
  if (p.role() !== 'leader') return { ...base, ...toWireError(errors.notLeaderOrFollower(`not the leader of ${topic}-${partition}`)) };
  if (timestamp !== LATEST_TIMESTAMP && timestamp !== EARLIEST_TIMESTAMP) {
    return { ...base, ...toWireError(errors.invalidRequest(`timestamp ${timestamp}: only -1 (latest) and -2 (earliest) are supported`)) };
  }
  const offset = timestamp === EARLIEST_TIMESTAMP ? p.logStartOffset() : p.highWatermark();
  return { ...base, ...NO_ERROR, offset, leader_epoch: p.leaderEpoch() };
}

/** Brokers, the controller, and each requested topic (all when none is named). */
export function metadataResponse(image: MetadataImage, requested: readonly string[], controllerId: number): object {
  const brokers = [...image.brokers.values()].map((b) => ({ id: b.brokerId, host: b.endpoint.host, port: b.endpoint.port, fenced: b.fenced }));
  const names = requested.length > 0 ? requested : [...image.topicIdsByName.keys()];
  const topics = names.map((name) => {
    const topic = topicByName(image, name);
    if (!topic) return { name, topic_id: '', ...toWireError(errors.unknownTopicOrPartition(`unknown topic ${name}`)), partitions: [], configs: {} };
    const partitions = [...topic.partitions.values()]
      .sort((a, b) => a.partition - b.partition)
      .map((p) => ({
        partition: p.partition,
        error_code: p.leader === NO_LEADER ? errors.leaderNotAvailable().code : 0,
        leader: p.leader,
        leader_epoch: p.leaderEpoch,
        replicas: [...p.replicas],
        isr: [...p.isr],
      }));
    return { name, topic_id: topic.topicId, ...NO_ERROR, partitions, configs: { ...topic.configs } };
  });
  return { brokers, controller_id: controllerId, topics, metadata_offset: image.offset };
}
