/**
 * The clients of a run: an admin that creates the topic, producers sending unique values, one
 * consumer per partition, and a prober for the liveness check. Each is its own network endpoint,
 * so partitions can cut it off. Everything they see goes into the history.
 */
import type { PollOp, SendOp } from '../../check/index.js';
import { isBrokerError } from '../../common/errors.js';
import type { SeededRandom } from '../../common/random.js';
import { ClientApi } from './client-api.js';
import { ClientMetadata } from './client-metadata.js';
import type { SimNetwork } from '../network.js';
import type { ClusterNode } from './cluster-node.js';
import { ClientHost, HostClock } from '../host.js';
import { SimConsumer } from './sim-consumer.js';
import { SimProducer, type ProducerSettings } from './sim-producer.js';
import type { SimLoop } from '../sim-loop.js';

/** Client endpoints get ids from here up, apart from node ids. */
export const FIRST_CLIENT_ID = 101;

export interface WorkloadOptions {
  readonly topic: string;
  readonly partitions: number;
  readonly producers: number;
  readonly acks: number;
  readonly requestTimeoutMs: number;
  readonly brokers: readonly number[];
  /** Keys records by their value, for a compacted topic; records are keyless when absent. */
  readonly keyOf?: (value: string) => string;
}

export class Workload {
  readonly sends: SendOp[] = [];
  readonly polls: PollOp[] = [];
  readonly clientIds: number[] = [];
  private readonly producers: SimProducer[] = [];
  private readonly consumers: SimConsumer[] = [];
  private readonly admin: ClientApi;
  private readonly prober: SimProducer;

  constructor(
    private readonly loop: SimLoop,
    private readonly network: SimNetwork,
    private readonly nodes: ReadonlyMap<number, ClusterNode>,
    private readonly random: SeededRandom,
    readonly options: WorkloadOptions,
  ) {
    const settings: ProducerSettings = {
      topic: options.topic,
      partitions: options.partitions,
      acks: options.acks,
      maxValuesPerSend: 3,
      thinkMs: [2, 20],
      produceTimeoutMs: Math.floor(options.requestTimeoutMs * 0.8),
      deliveryTimeoutMs: options.requestTimeoutMs * 3,
      retryBackoffMs: 30,
      ...(options.keyOf ? { keyOf: options.keyOf } : {}),
    };
    const recordSend = (op: SendOp): void => void this.sends.push(op);
    const recordPoll = (op: PollOp): void => void this.polls.push(op);
    this.admin = this.client();
    for (let i = 0; i < options.producers; i++) {
      const api = this.client();
      this.producers.push(new SimProducer(`p${i}`, api, this.metadataFor(api), random.fork(), settings, recordSend));
    }
    for (let p = 0; p < options.partitions; p++) {
      const api = this.client();
      const consumerSettings = { topic: options.topic, maxWaitMs: 100, maxBytes: 64 * 1024, retryBackoffMs: 30 };
      this.consumers.push(new SimConsumer(`c${p}`, p, api, this.metadataFor(api), consumerSettings, recordPoll));
    }
    const probeApi = this.client();
    this.prober = new SimProducer('probe', probeApi, this.metadataFor(probeApi), random.fork(), settings, recordSend);
  }

  /** Creates the topic, retrying through any broker until it exists or `deadlineMs` passes. */
  async createTopic(configs: Record<string, string>, deadlineMs: number): Promise<boolean> {
    const { topic, partitions, brokers } = this.options;
    while (this.loop.now() < deadlineMs) {
      try {
        const [result] = await this.admin.createTopics(this.random.pick(brokers), [{ name: topic, numPartitions: partitions, replicationFactor: 3, configs }]);
        // A retry of a creation whose answer was lost finds the topic there.
        if (!result?.error || isBrokerError(result.error, 'TOPIC_ALREADY_EXISTS')) return true;
      } catch {
        // No answer, or no controller yet: try again.
      }
      await this.admin.sleep(50);
    }
    return false;
  }

  start(): void {
    for (const c of this.consumers) c.start();
    for (const p of this.producers) p.start();
  }

  /** No new sends; resolves when every producer's last send ended. */
  async stopProducers(): Promise<void> {
    await Promise.all(this.producers.map((p) => p.stop()));
  }

  async stopConsumers(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.stop()));
  }

  /** One fresh send per partition, each given `boundMs` to be acknowledged; the partitions that were not. */
  async probe(boundMs: number): Promise<{ partition: number; outcome: string; error?: string }[]> {
    const sends = await Promise.all(
      Array.from({ length: this.options.partitions }, (_, partition) => this.prober.send(partition, 1, boundMs)),
    );
    // An attempt under way at the deadline may still be acknowledged: only in time counts.
    const late = (s: SendOp): boolean => s.outcome !== 'ok' || s.completeMs - s.invokeMs > boundMs;
    return sends.filter(late).map((s) => ({ partition: s.partition, outcome: s.outcome === 'ok' ? `acknowledged after ${s.completeMs - s.invokeMs}ms` : s.outcome, ...(s.error ? { error: s.error } : {}) }));
  }

  consumerResets(): number {
    return this.consumers.reduce((n, c) => n + c.resets, 0);
  }

  private client(): ClientApi {
    const id = FIRST_CLIENT_ID + this.clientIds.length;
    this.clientIds.push(id);
    const host = new ClientHost(id);
    this.network.register(host);
    return new ClientApi(host, new HostClock(this.loop, host), this.network, this.nodes, this.options.requestTimeoutMs);
  }

  private metadataFor(api: ClientApi): ClientMetadata {
    return new ClientMetadata(api, this.options.topic, this.options.brokers, this.random.fork());
  }
}
