/**
 * What a client knows about the cluster: broker addresses, the controller, and per topic the
 * partitions with their leaders. Metadata is asked of any reachable broker (known brokers first,
 * then the bootstrap list). Refreshes happen on demand, after errors that mean "your view is
 * stale", but never more often than `refreshMinIntervalMs`; concurrent requests share one fetch.
 * In the background the view is renewed once it is `metadataMaxAgeMs` old.
 */
import { BrokerError, errors } from '../common/errors.js';
import type { BrokerPool } from './broker-pool.js';
import { formatAddress } from './broker-pool.js';
import { monotonicNowMs, sleep } from './retry.js';
import type { BrokerInfo, MetadataResponse, PartitionInfo, TopicInfo } from './wire.js';

export interface MetadataOptions {
  requestTimeoutMs: number;
  /** Background refresh period (Kafka's metadata.max.age.ms). */
  metadataMaxAgeMs: number;
  /** Smallest gap between two refreshes (Kafka uses retry.backoff.ms for this). */
  refreshMinIntervalMs: number;
}

export interface PartitionLeader {
  brokerId: number;
  leaderEpoch: number;
  address: string;
}

export class MetadataCache {
  private readonly brokers = new Map<number, BrokerInfo>();
  private readonly topics = new Map<string, TopicInfo>();
  private readonly topicErrors = new Map<string, BrokerError>();
  /** Topics refreshed; `undefined` means every topic (admin). */
  private interest: Set<string> | undefined = new Set();
  private controller = -1;
  private lastRefreshAtMs = -Infinity;
  private inFlight: Promise<void> | undefined;
  private backgroundTimer: NodeJS.Timeout | undefined;
  /** Rotates which known broker is asked first, to spread metadata load. */
  private nextBrokerIndex = 0;
  private closed = false;

  constructor(
    private readonly pool: BrokerPool,
    private readonly options: MetadataOptions,
  ) {}

  /** Refresh every topic rather than only those added (for admin clients). */
  trackAllTopics(): void {
    this.interest = undefined;
  }

  addTopics(topics: Iterable<string>): void {
    if (!this.interest) return;
    for (const topic of topics) this.interest.add(topic);
  }

  topic(name: string): TopicInfo | undefined {
    return this.topics.get(name);
  }

  allTopics(): TopicInfo[] {
    return [...this.topics.values()];
  }

  brokerList(): BrokerInfo[] {
    return [...this.brokers.values()];
  }

  controllerId(): number {
    return this.controller;
  }

  partitionCount(topic: string): number | undefined {
    return this.topics.get(topic)?.partitions.length;
  }

  addressOf(brokerId: number): string | undefined {
    const broker = this.brokers.get(brokerId);
    return broker ? formatAddress(broker.host, broker.port) : undefined;
  }

  leaderOf(topic: string, partition: number): PartitionLeader | undefined {
    const info = this.partitionInfo(topic, partition);
    if (!info || info.leader < 0) return undefined;
    const address = this.addressOf(info.leader);
    return address ? { brokerId: info.leader, leaderEpoch: info.leader_epoch, address } : undefined;
  }

  partitionInfo(topic: string, partition: number): PartitionInfo | undefined {
    return this.topics.get(topic)?.partitions.find((p) => p.partition === partition);
  }

  /**
   * A broker answered NOT_LEADER_OR_FOLLOWER naming the current leader: use it until the next
   * refresh confirms. The epoch is unknown, so -1 (skip the check) stands in for it. Returns
   * whether the hint changed the leader.
   */
  applyLeaderHint(topic: string, partition: number, brokerId: number): boolean {
    const info = this.partitionInfo(topic, partition);
    if (!info || brokerId < 0 || !this.brokers.has(brokerId) || info.leader === brokerId) return false;
    info.leader = brokerId;
    info.leader_epoch = -1;
    return true;
  }

  /** Ask for a refresh without waiting for it; failures are left for the next caller to meet. */
  requestRefresh(): void {
    this.refresh().catch(() => undefined);
  }

  /** Refreshes once the minimum interval since the last refresh has passed; shares a fetch in progress. */
  refresh(): Promise<void> {
    if (this.closed) return Promise.reject(errors.networkException('metadata cache is closed'));
    if (!this.inFlight) {
      this.inFlight = this.refreshAfterMinInterval().finally(() => (this.inFlight = undefined));
    }
    return this.inFlight;
  }

  /**
   * Waits until `topic` is known and has partitions, refreshing as needed, for up to `timeoutMs`.
   * A topic that does not exist (yet) is retried until then, as Kafka's producer does for max.block.ms.
   */
  async waitForTopic(topic: string, timeoutMs: number): Promise<TopicInfo> {
    this.addTopics([topic]);
    const deadlineMs = monotonicNowMs() + timeoutMs;
    let lastError: BrokerError | undefined;
    for (;;) {
      const known = this.topics.get(topic);
      if (known && known.partitions.length > 0) return known;
      const topicError = this.topicErrors.get(topic);
      if (topicError && !topicError.retriable) throw topicError;
      if (monotonicNowMs() >= deadlineMs) {
        const cause = topicError ?? lastError;
        throw errors.requestTimedOut(`no metadata for topic ${topic} within ${timeoutMs} ms${cause ? `: ${cause.message}` : ''}`);
      }
      try {
        await this.refresh();
      } catch (e) {
        if (!(e instanceof BrokerError) || !e.retriable) throw e;
        lastError = e;
        await sleep(Math.min(this.options.refreshMinIntervalMs, Math.max(0, deadlineMs - monotonicNowMs())));
      }
    }
  }

  /** One Metadata request for `topics` (every topic if empty), asked of brokers in turn until one answers. */
  async fetch(topics: string[]): Promise<MetadataResponse> {
    let lastError: BrokerError | undefined;
    for (const address of this.candidateAddresses()) {
      try {
        const response = await this.pool.connection(address).call('Metadata', { topics }, this.options.requestTimeoutMs);
        this.apply(response, topics.length === 0);
        return response;
      } catch (e) {
        if (!(e instanceof BrokerError) || !e.retriable) throw e;
        lastError = e;
      }
    }
    throw lastError ?? errors.networkException('no broker address to ask for metadata');
  }

  close(): void {
    this.closed = true;
    if (this.backgroundTimer) clearTimeout(this.backgroundTimer);
    this.backgroundTimer = undefined;
  }

  private async refreshAfterMinInterval(): Promise<void> {
    const waitMs = this.lastRefreshAtMs + this.options.refreshMinIntervalMs - monotonicNowMs();
    if (waitMs > 0) await sleep(waitMs);
    if (this.closed) throw errors.networkException('metadata cache is closed');
    try {
      await this.fetch(this.interest ? [...this.interest] : []);
    } finally {
      // A failed attempt also counts: a dead cluster must not be asked in a tight loop.
      this.lastRefreshAtMs = monotonicNowMs();
      this.scheduleBackgroundRefresh();
    }
  }

  private scheduleBackgroundRefresh(): void {
    if (this.closed) return;
    if (this.backgroundTimer) clearTimeout(this.backgroundTimer);
    this.backgroundTimer = setTimeout(() => {
      this.backgroundTimer = undefined;
      if (!this.interest || this.interest.size > 0) this.requestRefresh();
    }, this.options.metadataMaxAgeMs);
    // Background upkeep alone must not keep the process alive.
    this.backgroundTimer.unref();
  }

  private apply(response: MetadataResponse, isFullList: boolean): void {
    if (response.brokers.length > 0) {
      this.brokers.clear();
      for (const broker of response.brokers) this.brokers.set(broker.id, broker);
    }
    this.controller = response.controller_id;
    if (isFullList) this.topics.clear();
    for (const topic of response.topics) {
      if (topic.error_code !== 0) {
        this.topics.delete(topic.name);
        this.topicErrors.set(topic.name, BrokerError.fromCode(topic.error_code, `topic ${topic.name}`));
        continue;
      }
      this.topicErrors.delete(topic.name);
      this.topics.set(topic.name, { ...topic, partitions: [...topic.partitions].sort((a, b) => a.partition - b.partition) });
    }
  }

  /** Addresses to ask a cluster-wide question: live known brokers first (rotated), then the bootstrap list. */
  candidateAddresses(): string[] {
    const known = [...this.brokers.values()].filter((b) => !b.fenced).map((b) => formatAddress(b.host, b.port));
    const start = known.length > 0 ? this.nextBrokerIndex++ % known.length : 0;
    const rotated = [...known.slice(start), ...known.slice(0, start)];
    return [...new Set([...rotated, ...this.pool.bootstrapServers])];
  }
}
