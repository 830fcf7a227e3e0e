/**
 * The native client API (client.proto, `brokerlab.client.BrokerClient`): a gRPC adapter over the
 * broker's client front, the same implementation the Kafka listener serves. Errors travel as
 * Kafka error codes. Every call passes the node's client gate (client faults: UNAVAILABLE while
 * clients are isolated, answers held back by the client delay).
 */
import type * as grpc from '@grpc/grpc-js';
import { OPEN_GATE, type ClientGate } from '../common/client-gate.js';
import { isBrokerError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { ClientFront, TopicMetadata } from '../broker/client-front.js';
import { topicByName } from '../metadata/index.js';
import { gatedDuplex, gatedUnary } from './client-gate-calls.js';
import { serveDuplex, serviceConstructor, toSafeInteger } from './grpc.js';
import {
  fromWireAlterConfigs,
  fromWireCreateTopics,
  toWireTopicResult,
  type WireAlterConfigsRequest,
  type WireCreateTopicsRequest,
  type WireDeleteTopicsRequest,
} from './topic-wire.js';
import { NO_ERROR, toWireError } from './wire-errors.js';

export function addClientService(server: grpc.Server, front: ClientFront, logger: Logger, gate: ClientGate = OPEN_GATE): void {
  server.addService(serviceConstructor('client.proto', 'brokerlab.client.BrokerClient').service, {
    Metadata: gatedUnary(gate, (call: grpc.ServerUnaryCall<{ topics: string[] }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      const names = call.request.topics.length > 0 ? call.request.topics : null;
      front.topics(names, false).then(
        (topics) => cb(null, metadataResponse(front, topics)),
        (e: unknown) => cb(e as Error),
      );
    }),
    CreateTopics: gatedUnary(gate, (call: grpc.ServerUnaryCall<WireCreateTopicsRequest, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      const request = call.request;
      front.createTopics(fromWireCreateTopics(request), request.timeout_ms).then(
        (results) => cb(null, { results: results.map(toWireTopicResult) }),
        (e: unknown) => cb(null, { results: request.topics.map((t) => ({ name: t.name, topic_id: '', ...toWireError(e) })) }),
      );
    }),
    DeleteTopics: gatedUnary(gate, (call: grpc.ServerUnaryCall<WireDeleteTopicsRequest, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      const request = call.request;
      front.deleteTopics(request.names, request.timeout_ms).then(
        (results) => cb(null, { results: results.map(toWireTopicResult) }),
        (e: unknown) => cb(null, { results: request.names.map((name) => ({ name, topic_id: '', ...toWireError(e) })) }),
      );
    }),
    AlterConfigs: gatedUnary(gate, (call: grpc.ServerUnaryCall<WireAlterConfigsRequest, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      const request = call.request;
      front.alterConfigs(fromWireAlterConfigs(request), request.timeout_ms).then(
        (results) => cb(null, { results: results.map(toWireTopicResult) }),
        (e: unknown) => cb(null, { results: request.topics.map((t) => ({ name: t.name, topic_id: '', ...toWireError(e) })) }),
      );
    }),
    DescribeLogDirs: gatedUnary(gate, (call: grpc.ServerUnaryCall<{ topics: string[] }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      const replicas = front.describeLogDirs(call.request.topics ?? []).map((r) => ({
        topic: r.topic,
        partition: r.partition,
        role: r.role,
        log_start_offset: r.logStartOffset,
        log_end_offset: r.logEndOffset,
        high_watermark: r.highWatermark,
        size_bytes: r.sizeBytes,
        segments: r.segments,
      }));
      cb(null, { replicas });
    }),
    Produce: (call: grpc.ServerDuplexStream<WireProduceRequest, unknown>) => gatedDuplex(gate, call, (stream, delayed) => serveProduce(stream, front, logger, delayed)),
    Fetch: gatedUnary(gate, (call: grpc.ServerUnaryCall<WireFetchRequest, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      const req = call.request;
      front.fetch(
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
    }),
    InitProducerId: gatedUnary(gate, (_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      front.initProducerId().then(
        ({ producerId, producerEpoch }) => cb(null, { ...NO_ERROR, producer_id: producerId, producer_epoch: producerEpoch }),
        (e: unknown) => cb(null, { ...toWireError(e), producer_id: -1, producer_epoch: -1 }),
      );
    }),
    ListOffsets: gatedUnary(gate, (call: grpc.ServerUnaryCall<{ partitions: { topic: string; partition: number; timestamp: string }[] }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      cb(null, {
        results: call.request.partitions.map((p) => {
          const r = front.listOffset(p.topic, p.partition, toSafeInteger(p.timestamp));
          return { topic: p.topic, partition: p.partition, ...(r.error ? toWireError(r.error) : NO_ERROR), offset: r.offset, leader_epoch: r.leaderEpoch };
        }),
      });
    }),
    DeleteRecords: gatedUnary(gate, (call: grpc.ServerUnaryCall<WireDeleteRecordsRequest, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      const request = call.request;
      const partitions = request.partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: toSafeInteger(p.offset) }));
      front.deleteRecords(partitions, request.timeout_ms).then(
        (results) =>
          cb(null, {
            results: results.map((r) => ({ topic: r.topic, partition: r.partition, ...(r.error ? toWireError(r.error) : NO_ERROR), low_watermark: r.lowWatermark })),
          }),
        (e: unknown) => cb(null, { results: partitions.map((p) => ({ topic: p.topic, partition: p.partition, ...toWireError(e), low_watermark: -1 })) }),
      );
    }),
  });
}

interface WireDeleteRecordsRequest {
  partitions: { topic: string; partition: number; offset: string }[];
  timeout_ms: number;
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

function serveProduce(call: grpc.ServerDuplexStream<WireProduceRequest, unknown>, front: ClientFront, logger: Logger, delayed: (send: () => void) => void): void {
  serveDuplex(call, (req, write) => {
    const reply = (response: object): void => {
      if (req.acks !== 0) delayed(() => write({ correlation_id: req.correlation_id, ...response }));
    };
    try {
      front.produce({ acks: req.acks, timeoutMs: req.timeout_ms, partitions: [{ topic: req.topic, partition: req.partition, records: req.records }] }, (response) => {
        const result = response.partitions[0]!;
        const error = result.error;
        reply({
          ...(error ? toWireError(error) : NO_ERROR),
          base_offset: result.baseOffset,
          log_start_offset: result.logStartOffset,
          current_leader: error && isBrokerError(error, 'NOT_LEADER_OR_FOLLOWER') ? currentLeader(front, req.topic, req.partition) : -1,
        });
      });
    } catch (e) {
      logger.error({ err: e }, 'produce failed unexpectedly');
      reply({ ...toWireError(e), base_offset: -1, log_start_offset: -1, current_leader: -1 });
    }
  });
}

function currentLeader(front: ClientFront, topic: string, partition: number): number {
  return topicByName(front.image(), topic)?.partitions.get(partition)?.leader ?? -1;
}

/** Brokers (gRPC endpoints), the controller, and the topics asked for. */
function metadataResponse(front: ClientFront, topics: readonly TopicMetadata[]): object {
  const image = front.image();
  const brokers = [...image.brokers.values()].map((b) => ({ id: b.brokerId, host: b.endpoint.host, port: b.endpoint.port, fenced: b.fenced }));
  return {
    brokers,
    controller_id: front.controllerId(),
    topics: topics.map((t) => ({
      name: t.name,
      topic_id: t.topicId,
      ...(t.error ? toWireError(t.error) : NO_ERROR),
      partitions: t.partitions.map((p) => ({
        partition: p.partition,
        error_code: p.error ? p.error.code : 0,
        leader: p.leader,
        leader_epoch: p.leaderEpoch,
        replicas: [...p.replicas],
        isr: [...p.isr],
      })),
      configs: { ...t.configs },
    })),
    metadata_offset: image.offset,
  };
}
