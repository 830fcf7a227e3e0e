/**
 * Every metric family of one node, on one registry, wired to the node's state through getters
 * (the runtime starts after the servers open, and the metrics answer meanwhile with zeros).
 * The cores stay free of prom-client: they are read at scrape time, or report through the small
 * observer interfaces the client front, the Kafka dispatcher and the gRPC server call.
 */
import type { Registry } from 'prom-client';
import type { ClientTrafficObserver } from '../../broker/client-front.js';
import type { KafkaRequestTimes } from '../../kafka/context.js';
import { hasRole, type NodeConfig } from '../config.js';
import type { NodeRuntime } from '../node-runtime.js';
import type { PartitionLogFactory } from '../partition-log-factory.js';
import { registerControllerMetrics, registerMetadataEventMetrics, type MetadataEventMetrics } from './controller-metrics.js';
import { registerGroupMetrics } from './group-metrics.js';
import { registerRaftMetrics, type RaftMetrics } from './raft-metrics.js';
import { createNodeRegistry } from './registry.js';
import { registerReplicaMetrics } from './replica-metrics.js';
import { registerRequestMetrics, type RequestObserver } from './request-metrics.js';
import { registerTopicMetrics } from './topic-metrics.js';

export interface NodeMetricsState {
  runtime(): NodeRuntime | undefined;
  logs(): PartitionLogFactory | undefined;
}

export class NodeMetrics {
  readonly registry: Registry;
  /** For the client front: per-topic produce and fetch traffic. */
  readonly traffic: ClientTrafficObserver;
  /** For the gRPC server and the Kafka listener: request counts and times. */
  readonly requests: RequestObserver;
  readonly kafkaRequestTimes: KafkaRequestTimes;
  private readonly raft: RaftMetrics;
  private readonly metadataEvents: MetadataEventMetrics;
  private readonly detach: (() => void)[] = [];

  constructor(config: NodeConfig, state: NodeMetricsState) {
    this.registry = createNodeRegistry(config.nodeId);
    const rm = () => state.runtime()?.replicaManager;
    this.traffic = registerTopicMetrics(this.registry);
    this.requests = registerRequestMetrics(this.registry);
    this.kafkaRequestTimes = { observe: (api, ms, failed) => this.requests.observe('kafka', api, ms, failed) };
    this.raft = registerRaftMetrics(this.registry);
    this.metadataEvents = registerMetadataEventMetrics(this.registry, config.nodeId);
    registerReplicaMetrics(this.registry, {
      replicaManager: rm,
      minInsyncReplicas: (topic) => state.runtime()?.brokerHost?.minInsyncReplicas(topic) ?? 1,
      logSize: (log) => state.logs()?.sizeOf(log),
    });
    registerControllerMetrics(this.registry, {
      isActiveController: () => hasRole(config, 'controller') && state.runtime()?.driver.role() === 'leader',
      image: () => state.runtime()!.publisher.image(),
    });
    registerGroupMetrics(this.registry, { coordinator: () => state.runtime()?.groups?.coordinator, replicaManager: rm });
  }

  /** Starts the event counters once the runtime exists. */
  attach(runtime: NodeRuntime): void {
    this.detach.push(this.raft.attach(runtime.driver), this.metadataEvents.follow(runtime.publisher));
  }

  close(): void {
    for (const stop of this.detach.splice(0)) stop();
  }
}
