/**
 * A simulated client's requests to nodes, over the virtual network with a client-side deadline:
 * topic metadata, produce, consumer fetch and topic creation. A node answers from its own state,
 * which may be stale, exactly as a broker answers a real client.
 */
import type { ConsumerFetchRequest, ConsumerFetchResponse, ProduceRequest, ProduceResponse } from '../../broker/index.js';
import { errors } from '../../common/errors.js';
import type { CreateTopicRequest, CreateTopicResult } from '../../controller/index.js';
import type { SimNetwork } from '../network.js';
import type { ClusterNode } from './cluster-node.js';
import type { Host, HostClock } from '../host.js';

export interface PartitionView {
  readonly partition: number;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

export interface TopicView {
  readonly topic: string;
  readonly topicId: string;
  readonly partitions: readonly PartitionView[];
}

export class ClientApi {
  constructor(
    readonly host: Host,
    readonly clock: HostClock,
    private readonly network: SimNetwork,
    private readonly nodes: ReadonlyMap<number, ClusterNode>,
    readonly requestTimeoutMs: number,
  ) {}

  metadata(nodeId: number, topic: string): Promise<TopicView | undefined> {
    return this.call(nodeId, 'metadata', this.requestTimeoutMs, (node) => node.serveMetadata(topic));
  }

  produce(nodeId: number, request: ProduceRequest): Promise<ProduceResponse> {
    return this.call(nodeId, 'produce', request.timeoutMs + this.requestTimeoutMs, (node) => node.serveProduce(request));
  }

  fetch(nodeId: number, request: ConsumerFetchRequest): Promise<ConsumerFetchResponse> {
    return this.call(nodeId, 'fetch', request.maxWaitMs + this.requestTimeoutMs, (node) => node.serveConsumerFetch(request));
  }

  createTopics(nodeId: number, requests: readonly CreateTopicRequest[]): Promise<CreateTopicResult[]> {
    return this.call(nodeId, 'create topics', this.requestTimeoutMs, (node) => node.serveCreateTopics(requests));
  }

  /** Sleeps on the client's clock. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.schedule(ms, resolve));
  }

  private call<T>(nodeId: number, what: string, timeoutMs: number, serve: (node: ClusterNode) => Promise<T>): Promise<T> {
    const node = this.nodes.get(nodeId);
    if (!node) return Promise.reject(errors.networkException(`no node ${nodeId}`));
    return this.network.call({ from: this.host, fromClock: this.clock, to: nodeId, timeoutMs, what }, () => serve(node));
  }
}
