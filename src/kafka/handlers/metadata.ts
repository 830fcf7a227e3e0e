/**
 * Metadata and DescribeCluster: the live brokers at their Kafka endpoints, a controller id that is
 * always a live broker (admin requests are sent there, and any broker here forwards them to the
 * active controller), and each topic's partitions with leader, epoch, replicas, ISR and offline
 * replicas. A partition reports an error only while it has no leader (LEADER_NOT_AVAILABLE):
 * some clients refuse a whole Metadata answer that carries any other partition error.
 */
import type { MetadataRequest } from '../protocol/messages/metadata-request.js';
import type { MetadataResponse } from '../protocol/messages/metadata-response.js';
import type { DescribeClusterRequest } from '../protocol/messages/describe-cluster-request.js';
import type { DescribeClusterResponse } from '../protocol/messages/describe-cluster-response.js';
import { errorCodeOf, NO_AUTHORIZED_OPERATIONS, type KafkaBroker, type RequestContext } from '../context.js';

export interface KafkaBrokerAddress {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

/** Unfenced brokers with a Kafka listener, in id order. */
export function kafkaBrokers(broker: KafkaBroker): KafkaBrokerAddress[] {
  return broker.front.liveBrokers().flatMap((b) => {
    const endpoint = broker.kafkaEndpoint(b.brokerId);
    return endpoint ? [{ nodeId: b.brokerId, host: endpoint.host, port: endpoint.port }] : [];
  });
}

/**
 * The active controller when clients can reach it; otherwise (controller-only nodes) this broker
 * or the first live one, as KRaft brokers do: it forwards admin requests to the controller.
 */
export function clientControllerId(broker: KafkaBroker, brokers: readonly KafkaBrokerAddress[]): number {
  const active = broker.front.controllerId();
  if (brokers.some((b) => b.nodeId === active)) return active;
  if (brokers.some((b) => b.nodeId === broker.nodeId)) return broker.nodeId;
  return brokers[0]?.nodeId ?? -1;
}

export async function handleMetadata(request: MetadataRequest, ctx: RequestContext): Promise<MetadataResponse> {
  const { broker, apiVersion } = ctx;
  // v0: an empty list means every topic; v1+: null means every topic and an empty list none.
  const all = request.topics === null || (apiVersion === 0 && request.topics.length === 0);
  const names = all ? null : request.topics!.map((t) => t.name ?? '');
  // Before v4 there is no flag and Kafka creates unknown topics when the broker allows it.
  const topics = await broker.front.topics(names, apiVersion < 4 || request.allowAutoTopicCreation);
  const brokers = kafkaBrokers(broker);
  return {
    throttleTimeMs: 0,
    brokers: brokers.map((b) => ({ ...b, rack: null })),
    clusterId: broker.clusterId,
    controllerId: clientControllerId(broker, brokers),
    topics: topics.map((t) => ({
      errorCode: errorCodeOf(t.error),
      name: t.name,
      topicId: t.topicId || ZERO_UUID,
      isInternal: t.internal,
      partitions: t.partitions.map((p) => ({
        errorCode: errorCodeOf(p.error),
        partitionIndex: p.partition,
        leaderId: p.leader,
        leaderEpoch: p.leaderEpoch,
        replicaNodes: [...p.replicas],
        isrNodes: [...p.isr],
        offlineReplicas: [...p.offlineReplicas],
      })),
      topicAuthorizedOperations: NO_AUTHORIZED_OPERATIONS,
    })),
    clusterAuthorizedOperations: NO_AUTHORIZED_OPERATIONS,
  };
}

export function handleDescribeCluster(_request: DescribeClusterRequest, ctx: RequestContext): DescribeClusterResponse {
  const brokers = kafkaBrokers(ctx.broker);
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    endpointType: 1,
    clusterId: ctx.broker.clusterId,
    controllerId: clientControllerId(ctx.broker, brokers),
    brokers: brokers.map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: null })),
    clusterAuthorizedOperations: NO_AUTHORIZED_OPERATIONS,
  };
}

export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
