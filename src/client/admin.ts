/**
 * Cluster administration: create and delete topics, list and describe them, describe the
 * cluster, and look at consumer groups (list, describe, committed offsets and lag). Topic changes
 * go to any broker, which forwards them to the active controller and answers once they are
 * committed; group questions go to the group's coordinator, and listing asks every broker. Per-topic failures surface as BrokerErrors; retriable ones
 * (NOT_CONTROLLER during a controller change, network errors) are retried within `timeoutMs`.
 * A create retried after a lost answer may report TOPIC_ALREADY_EXISTS for a topic it created
 * itself, as with Kafka's AdminClient.
 */
import { decodeAssignment, decodeSubscription } from '../broker/group/assignors.js';
import { BrokerError, errors, type KafkaErrorName } from '../common/errors.js';
import { formatAddress, type BrokerPool } from './broker-pool.js';
import { CoordinatorLink } from './coordinator-link.js';
import { fetchAllCommittedOffsets } from './group-offsets.js';
import type { DescribedGroup, DescribedMember } from './group-wire.js';
import { deleteRecords } from './delete-records.js';
import { listOffsets } from './list-offsets.js';
import { MetadataCache } from './metadata-cache.js';
import type { ResolvedClientOptions } from './options.js';
import { monotonicNowMs, sleep, withRetries } from './retry.js';
import {
  partitionKey,
  type ClusterDescription,
  type ConsumerGroupDescription,
  type ConsumerGroupListing,
  type ConsumerGroupMember,
  type CreatedTopic,
  type GroupPartitionOffset,
  type TopicDescription,
  type TopicPartition,
  type TopicToCreate,
} from './types.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, type TopicInfo, type TopicResult, type UnaryMethodName, type UnaryMethods } from './wire.js';

export interface TopicChangeOptions {
  /** Bound on the whole operation, retries included (default: the client's requestTimeoutMs). */
  timeoutMs?: number;
}

export interface CreateTopicsOptions extends TopicChangeOptions {
  /** Also wait until every partition of the new topics has a leader (within `timeoutMs`). */
  waitForLeaders?: boolean;
}

export interface PartitionOffsets {
  partition: number;
  /** Log start offset. */
  earliest: number;
  /** High watermark: the offset the next acknowledged record will get. */
  latest: number;
}

/** Delete the records of `partition` below `offset` (-1: below the high watermark). */
export interface RecordsToDelete {
  topic: string;
  partition: number;
  offset: number;
}

/** A partition's low watermark after DeleteRecords: the smallest log start among its live replicas. */
export interface DeletedRecords {
  topic: string;
  partition: number;
  lowWatermark: number;
}

/** One replica's log as the broker hosting it reports it (Kafka's DescribeLogDirs). */
export interface ReplicaLogInfo {
  brokerId: number;
  topic: string;
  partition: number;
  role: string;
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
  sizeBytes: number;
  segments: number;
}

export class Admin {
  private readonly metadata: MetadataCache;

  constructor(
    private readonly pool: BrokerPool,
    private readonly options: ResolvedClientOptions,
  ) {
    this.metadata = new MetadataCache(pool, {
      requestTimeoutMs: options.requestTimeoutMs,
      metadataMaxAgeMs: options.metadataMaxAgeMs,
      refreshMinIntervalMs: options.retryBackoffMs,
    });
    this.metadata.trackAllTopics();
  }

  /** Creates topics; throws the first failing topic's BrokerError (details list every topic's outcome). */
  async createTopics(topics: readonly TopicToCreate[], options: CreateTopicsOptions = {}): Promise<CreatedTopic[]> {
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
    const startedMs = monotonicNowMs();
    const specs = topics.map((t) => ({
      name: t.name,
      num_partitions: t.partitions,
      replication_factor: t.replicationFactor,
      configs: t.configs ?? {},
    }));
    const results = await this.changeTopics(
      specs.map((s) => s.name),
      timeoutMs,
      (names, remainingMs) => this.callAnyBroker('CreateTopics', { topics: specs.filter((s) => names.includes(s.name)), timeout_ms: remainingMs }, remainingMs),
    );
    const created = results.map((r) => ({ name: r.name, topicId: r.topic_id }));
    if (options.waitForLeaders) {
      await this.waitForLeaders(created.map((t) => t.name), Math.max(1, timeoutMs - (monotonicNowMs() - startedMs)));
    }
    return created;
  }

  async deleteTopics(names: readonly string[], options: TopicChangeOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
    // Deleting a topic that is not there is final, although the error is retriable elsewhere.
    await this.changeTopics(
      [...names],
      timeoutMs,
      (pending, remainingMs) => this.callAnyBroker('DeleteTopics', { names: pending, timeout_ms: remainingMs }, remainingMs),
      new Set(['UNKNOWN_TOPIC_OR_PARTITION']),
    );
  }

  /**
   * Sets (a string) or removes (null, back to the default) config overrides of topics, as Kafka's
   * IncrementalAlterConfigs; resolves once the answering broker's metadata shows them. Brokers
   * apply log settings (retention, segment size and age) at their next retention check.
   */
  async alterConfigs(changes: Readonly<Record<string, Readonly<Record<string, string | null>>>>, options: TopicChangeOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
    const wireChanges = (name: string) => {
      const set: Record<string, string> = {};
      const remove: string[] = [];
      for (const [key, value] of Object.entries(changes[name] ?? {})) {
        if (value === null) remove.push(key);
        else set[key] = value;
      }
      return { name, set, remove };
    };
    await this.changeTopics(
      Object.keys(changes),
      timeoutMs,
      (pending, remainingMs) => this.callAnyBroker('AlterConfigs', { topics: pending.map(wireChanges), timeout_ms: remainingMs }, remainingMs),
      new Set(['UNKNOWN_TOPIC_OR_PARTITION']),
    );
  }

  async listTopics(): Promise<string[]> {
    const response = await this.metadata.fetch([]);
    return response.topics.filter((t) => t.error_code === 0).map((t) => t.name);
  }

  /** Describes the named topics (every topic if none is named); an unknown topic throws UNKNOWN_TOPIC_OR_PARTITION. */
  async describeTopics(names: readonly string[] = []): Promise<TopicDescription[]> {
    const response = await this.metadata.fetch([...names]);
    const failed = response.topics.find((t) => t.error_code !== 0);
    if (failed) throw BrokerError.fromCode(failed.error_code, `topic ${failed.name}`, { topic: failed.name });
    return response.topics.map(describeTopic);
  }

  async describeCluster(): Promise<ClusterDescription> {
    const response = await this.metadata.fetch([]);
    return { brokers: response.brokers.map((b) => ({ ...b })), controllerId: response.controller_id };
  }

  /** Log start and high watermark of every partition of `topic`. */
  async fetchTopicOffsets(topic: string): Promise<PartitionOffsets[]> {
    const info = await this.metadata.waitForTopic(topic, this.options.requestTimeoutMs);
    const partitions = info.partitions.map((p) => p.partition);
    const ask = (timestamp: number) => partitions.map((partition) => ({ topic, partition, timestamp }));
    const [earliest, latest] = await Promise.all([
      listOffsets(this.pool, this.metadata, ask(EARLIEST_TIMESTAMP), this.options.requestTimeoutMs),
      listOffsets(this.pool, this.metadata, ask(LATEST_TIMESTAMP), this.options.requestTimeoutMs),
    ]);
    return partitions.map((partition) => {
      const start = earliest.get(partitionKey({ topic, partition }))!;
      const end = latest.get(partitionKey({ topic, partition }))!;
      if (start.error) throw start.error;
      if (end.error) throw end.error;
      return { partition, earliest: start.offset, latest: end.offset };
    });
  }

  /**
   * Kafka's deleteRecords: each partition's leader moves its log start up to the offset (whole
   * segments below it are deleted, reads below it get OFFSET_OUT_OF_RANGE) and answers once every
   * live replica's log start reached it. Throws the first failing partition's BrokerError
   * (OFFSET_OUT_OF_RANGE above the high watermark, UNKNOWN_TOPIC_OR_PARTITION, REQUEST_TIMED_OUT).
   */
  async deleteRecords(partitions: readonly RecordsToDelete[], options: TopicChangeOptions = {}): Promise<DeletedRecords[]> {
    await this.metadata.refresh();
    const outcomes = await deleteRecords(this.pool, this.metadata, partitions, {
      timeoutMs: options.timeoutMs ?? this.options.requestTimeoutMs,
      retryBackoffMs: this.options.retryBackoffMs,
    });
    return partitions.map(({ topic, partition }) => {
      const outcome = outcomes.get(partitionKey({ topic, partition }))!;
      if (outcome.error) throw outcome.error;
      return { topic, partition, lowWatermark: outcome.lowWatermark };
    });
  }

  /** The logs of every replica of `topics` (all topics when empty), asked of every live broker. */
  async describeLogDirs(topics: readonly string[] = []): Promise<ReplicaLogInfo[]> {
    const cluster = await this.metadata.fetch([]);
    const brokers = cluster.brokers.filter((b) => !b.fenced);
    const answers = await Promise.all(
      brokers.map(async (b) => {
        const response = await this.pool.connection(formatAddress(b.host, b.port)).call('DescribeLogDirs', { topics: [...topics] }, this.options.requestTimeoutMs);
        return response.replicas.map(
          (r): ReplicaLogInfo => ({
            brokerId: b.id,
            topic: r.topic,
            partition: r.partition,
            role: r.role,
            logStartOffset: Number(r.log_start_offset),
            logEndOffset: Number(r.log_end_offset),
            highWatermark: Number(r.high_watermark),
            sizeBytes: Number(r.size_bytes),
            segments: r.segments,
          }),
        );
      }),
    );
    return answers.flat();
  }

  /** Every consumer group of the cluster: each broker lists the groups it coordinates, merged here. */
  async listGroups(): Promise<ConsumerGroupListing[]> {
    const cluster = await this.metadata.fetch([]);
    const addresses = cluster.brokers.filter((b) => !b.fenced).map((b) => formatAddress(b.host, b.port));
    const answers = await Promise.all(
      addresses.map((address) =>
        withRetries(
          async (remainingMs) => {
            const response = await this.pool.connection(address).callGroup('ListGroups', {}, Math.min(remainingMs, this.options.requestTimeoutMs));
            if (response.error_code !== 0) throw BrokerError.fromCode(response.error_code, `ListGroups at ${address}: ${response.error_message}`);
            return response.groups;
          },
          { ...this.options, timeoutMs: this.options.requestTimeoutMs, maxAttempts: Number.MAX_SAFE_INTEGER },
        ),
      ),
    );
    // During a coordinator move two brokers may both list a group; one listing is enough.
    const groups = new Map<string, ConsumerGroupListing>();
    for (const group of answers.flat()) {
      if (!groups.has(group.group_id)) groups.set(group.group_id, { groupId: group.group_id, protocolType: group.protocol_type, state: group.state });
    }
    return [...groups.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  /** A group's state, generation, chosen assignor and members with their subscriptions and partitions. */
  async describeGroup(groupId: string): Promise<ConsumerGroupDescription> {
    const link = this.linkTo(groupId);
    const response = await link.request(
      'DescribeGroups',
      { group_ids: [groupId] },
      {
        timeoutMs: this.options.requestTimeoutMs,
        check: (r) => {
          const group = r.groups.find((g) => g.group_id === groupId);
          if (!group) throw errors.unknownServerError(`DescribeGroups left out group ${groupId}`);
          if (group.error_code !== 0) throw BrokerError.fromCode(group.error_code, `DescribeGroups for group ${groupId}: ${group.error_message}`);
        },
      },
    );
    return describeGroupFrom(response.groups.find((g) => g.group_id === groupId)!);
  }

  /** Per partition the group has committed: its committed offset, the log end offset (high watermark) and the lag between them. */
  async groupOffsets(groupId: string): Promise<GroupPartitionOffset[]> {
    const committed = await fetchAllCommittedOffsets(this.linkTo(groupId), this.options.requestTimeoutMs);
    if (committed.length === 0) return [];
    await this.metadata.fetch([...new Set(committed.map((c) => c.topic))]);
    const ends = await listOffsets(
      this.pool,
      this.metadata,
      committed.map(({ topic, partition }) => ({ topic, partition, timestamp: LATEST_TIMESTAMP })),
      this.options.requestTimeoutMs,
    );
    return committed
      .map(({ topic, partition, offset }) => {
        const end = ends.get(partitionKey({ topic, partition }));
        const logEndOffset = end?.offset ?? -1;
        return { topic, partition, committedOffset: offset, logEndOffset, lag: logEndOffset < 0 ? -1 : Math.max(0, logEndOffset - offset) };
      })
      .sort(byTopicPartition);
  }

  close(): void {
    this.metadata.close();
  }

  private linkTo(groupId: string): CoordinatorLink {
    return new CoordinatorLink(this.pool, this.metadata, groupId, this.options);
  }

  /**
   * Runs a topic change until every topic has a final outcome: topics that fail retriably are
   * asked again (only they), within `timeoutMs`. Throws if any topic failed.
   */
  private async changeTopics(
    names: string[],
    timeoutMs: number,
    send: (pending: string[], remainingMs: number) => Promise<{ results: TopicResult[] }>,
    finalErrors: ReadonlySet<KafkaErrorName> = new Set(),
  ): Promise<TopicResult[]> {
    const outcomes = new Map<string, TopicResult>();
    let pending = [...new Set(names)];
    try {
      await withRetries(
        async (remainingMs) => {
          const response = await send(pending, remainingMs);
          let retriable: BrokerError | undefined;
          for (const result of response.results) {
            const error = result.error_code === 0 ? undefined : BrokerError.fromCode(result.error_code, `topic ${result.name}: ${result.error_message}`);
            if (error?.retriable && !finalErrors.has(error.kafkaName)) retriable ??= error;
            else outcomes.set(result.name, result);
          }
          pending = pending.filter((name) => !outcomes.has(name));
          if (retriable) throw retriable;
          if (pending.length > 0) throw errors.unknownServerError(`no result for topic(s) ${pending.join(', ')}`);
        },
        { ...this.options, timeoutMs, maxAttempts: Number.MAX_SAFE_INTEGER, onRetriableError: () => this.metadata.requestRefresh() },
      );
    } catch (e) {
      if (!(e instanceof BrokerError)) throw e;
      for (const name of pending) outcomes.set(name, { name, error_code: e.code, error_message: e.message, topic_id: '' });
    }
    const results = names.map((name) => outcomes.get(name)!);
    const failed = results.find((r) => r.error_code !== 0);
    if (failed) {
      throw BrokerError.fromCode(failed.error_code, `topic ${failed.name}: ${failed.error_message}`, {
        topic: failed.name,
        results: results.map((r) => ({ name: r.name, errorCode: r.error_code, errorMessage: r.error_message })),
      });
    }
    return results;
  }

  private async waitForLeaders(names: string[], timeoutMs: number): Promise<void> {
    const deadlineMs = monotonicNowMs() + timeoutMs;
    let leaderless: string[] = names;
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await this.metadata.fetch(names);
        leaderless = response.topics.flatMap((t) => partitionsWithoutLeader(t, names));
        if (leaderless.length === 0 && response.topics.length >= names.length) return;
      } catch (e) {
        if (!(e instanceof BrokerError) || !e.retriable) throw e;
      }
      const delayMs = Math.min(this.options.retryBackoffMs * attempt, this.options.retryBackoffMaxMs);
      if (monotonicNowMs() + delayMs >= deadlineMs) {
        throw errors.leaderNotAvailable(`no leader after ${timeoutMs} ms for ${leaderless.join(', ') || names.join(', ')}`);
      }
      await sleep(delayMs);
    }
  }

  /** Asks brokers in turn; only an unreachable broker moves on to the next one. */
  private async callAnyBroker<M extends UnaryMethodName>(method: M, request: UnaryMethods[M][0], timeoutMs: number): Promise<UnaryMethods[M][1]> {
    let lastError: BrokerError | undefined;
    for (const address of this.metadata.candidateAddresses()) {
      try {
        return await this.pool.connection(address).call(method, request, timeoutMs);
      } catch (e) {
        if (!(e instanceof BrokerError) || e.kafkaName !== 'NETWORK_EXCEPTION') throw e;
        lastError = e;
      }
    }
    throw lastError ?? errors.networkException('no broker address to ask');
  }
}

function describeGroupFrom(group: DescribedGroup): ConsumerGroupDescription {
  return {
    groupId: group.group_id,
    protocolType: group.protocol_type,
    state: group.state,
    protocol: group.protocol,
    generationId: group.generation_id,
    members: group.members.map((m) => describeMember(m, group.protocol_type === 'consumer')),
  };
}

/** Consumer groups carry Kafka's ConsumerProtocol bytes; other groups' bytes are not ours to read. */
function describeMember(member: DescribedMember, isConsumerGroup: boolean): ConsumerGroupMember {
  const subscription = isConsumerGroup && member.metadata.length > 0 ? decodeSubscription(member.metadata).topics : [];
  const assignment = isConsumerGroup ? decodeAssignment(member.assignment).partitions : [];
  return {
    memberId: member.member_id,
    clientId: member.client_id,
    clientHost: member.client_host,
    subscription,
    assignment: assignment.flatMap(({ topic, partitions }) => partitions.map((partition) => ({ topic, partition }))).sort(byTopicPartition),
  };
}

function byTopicPartition(a: TopicPartition, b: TopicPartition): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  return a.partition - b.partition;
}

function partitionsWithoutLeader(topic: TopicInfo, names: string[]): string[] {
  if (!names.includes(topic.name)) return [];
  if (topic.error_code !== 0 || topic.partitions.length === 0) return [topic.name];
  return topic.partitions.filter((p) => p.leader < 0).map((p) => `${topic.name}-${p.partition}`);
}

function describeTopic(topic: TopicInfo): TopicDescription {
  return {
    name: topic.name,
    topicId: topic.topic_id,
    configs: { ...topic.configs },
    partitions: [...topic.partitions]
      .sort((a, b) => a.partition - b.partition)
      .map((p) => ({ partition: p.partition, leader: p.leader, leaderEpoch: p.leader_epoch, replicas: [...p.replicas], isr: [...p.isr] })),
  };
}
