/**
 * What a broker does for clients, whichever protocol they speak: metadata from the node's image
 * (with Kafka's auto-creation of unknown topics), topic admin through the active controller,
 * produce, fetch and list-offsets on the replica manager, producer ids, and the group
 * coordinator. The gRPC client service and the Kafka listener are thin adapters over this one
 * implementation, so a behaviour cannot differ between the two front doors.
 */
import { errors, isBrokerError, type BrokerError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { validateNewPartitions } from '../controller/create-partitions.js';
import type { AlterConfigsRequest, AlterConfigsResult } from '../controller/alter-configs.js';
import type { CreateTopicRequest, CreateTopicResult, DeleteTopicResult, DeleteTopicTarget, NewPartitionsRequest, NewPartitionsResult } from '../controller/types.js';
import { activeBrokerIds, topicByName, type MetadataImage } from '../metadata/index.js';
import { NO_LEADER, type BrokerId, type BrokerRegistration } from '../metadata/types.js';
import type { GroupCoordinator } from './group/index.js';
import { OFFSETS_TOPIC_NAME } from './group/index.js';
import type { DeleteRecordsPartition, DeleteRecordsResult } from './delete-records.js';
import type { ConsumerFetchRequest, ConsumerFetchResponse } from './fetch-messages.js';
import type { ProduceRequest, ProduceResponse } from './produce-messages.js';
import type { Partition } from './partition.js';
import type { ReplicaManager } from './replica-manager.js';
import { leaderEpochError } from './request-fencing.js';

export interface ClientFrontSettings {
  /** auto.create.topics.enable: a Metadata request naming an unknown topic creates it. */
  readonly autoCreateTopicsEnable: boolean;
  /** num.partitions for auto-created topics. */
  readonly numPartitions: number;
  /** default.replication.factor for auto-created topics (capped at the live brokers). */
  readonly defaultReplicationFactor: number;
}

export interface ReplicaLogDescription {
  readonly topic: string;
  readonly partition: number;
  readonly role: string;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly highWatermark: number;
  readonly sizeBytes: number;
  readonly segments: number;
}

export interface ClientFrontBackend {
  image(): MetadataImage;
  /** The active controller's node id as this node knows it, or -1. */
  controllerId(): number;
  createTopics(requests: readonly CreateTopicRequest[]): Promise<CreateTopicResult[]>;
  deleteTopics(targets: readonly DeleteTopicTarget[]): Promise<DeleteTopicResult[]>;
  /**
   * Grows topics through the active controller. Optional only while every backend (test fakes
   * included) learns it; without it CreatePartitions is refused with INVALID_REQUEST.
   */
  createPartitions(requests: readonly NewPartitionsRequest[]): Promise<NewPartitionsResult[]>;
  /** Changes topic configs through the active controller; without it AlterConfigs is refused with INVALID_REQUEST. */
  alterConfigs?(requests: readonly AlterConfigsRequest[]): Promise<AlterConfigsResult[]>;
  /** Undefined on controller-only nodes and while the node starts. */
  replicaManager(): ReplicaManager | undefined;
  /** Resolves once the local image reaches `predicate`, or after `timeoutMs` either way. */
  waitForImage(predicate: (image: MetadataImage) => boolean, timeoutMs: number): Promise<void>;
  /** A new producer id and epoch for an idempotent producer. */
  initProducerId(): Promise<{ producerId: number; producerEpoch: number }>;
  /** The node id leading the group's `__consumer_offsets` partition (creating the topic on first use). */
  findCoordinator(groupId: string): Promise<BrokerId>;
  /** Undefined on a node without the broker role, or while it starts. */
  groupCoordinator(): GroupCoordinator | undefined;
  settings(): ClientFrontSettings;
  logger: Logger;
  /** Told what produce and fetch moved, per topic (the node's metrics); optional. */
  traffic?: ClientTrafficObserver;
}

/**
 * Kafka's per-topic traffic, reported once per partition of a request. Called on the request
 * path, so implementations must be cheap (a counter increment).
 */
export interface ClientTrafficObserver {
  /** A produce to one partition finished: `records` appended (0 when refused) carried in `bytes`. */
  produced(topic: string, records: number, bytes: number, failed: boolean): void;
  /** A consumer fetch of one partition answered with `bytes` of records. */
  fetched(topic: string, bytes: number, failed: boolean): void;
}

export interface PartitionMetadata {
  readonly partition: number;
  /** LEADER_NOT_AVAILABLE while the partition has no leader; absent otherwise. */
  readonly error?: BrokerError;
  readonly leader: BrokerId;
  readonly leaderEpoch: number;
  readonly replicas: readonly BrokerId[];
  readonly isr: readonly BrokerId[];
  /** Replicas on brokers that are not alive (fenced or unregistered). */
  readonly offlineReplicas: readonly BrokerId[];
}

export interface TopicMetadata {
  readonly name: string;
  /** '' for an unknown topic. */
  readonly topicId: string;
  readonly error?: BrokerError;
  readonly internal: boolean;
  readonly partitions: readonly PartitionMetadata[];
  readonly configs: Readonly<Record<string, string>>;
}

export interface ListOffsetResult {
  readonly error?: BrokerError;
  readonly offset: number;
  readonly timestamp: number;
  readonly leaderEpoch: number;
}

export interface EpochEndOffsetResult {
  readonly error?: BrokerError;
  readonly leaderEpoch: number;
  readonly endOffset: number;
}

/** ListOffsets timestamps with a special meaning. */
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;
/** How long a Metadata request that auto-created topics waits for their leaders. */
const AUTO_CREATE_WAIT_MS = 3_000;
const DEFAULT_ADMIN_TIMEOUT_MS = 5_000;

export class ClientFront {
  constructor(private readonly backend: ClientFrontBackend) {}

  image(): MetadataImage {
    return this.backend.image();
  }

  controllerId(): number {
    return this.backend.controllerId();
  }

  settings(): ClientFrontSettings {
    return this.backend.settings();
  }

  /** Brokers clients may use: registered and not fenced, in id order. */
  liveBrokers(): BrokerRegistration[] {
    return [...this.backend.image().brokers.values()].filter((b) => !b.fenced).sort((a, b) => a.brokerId - b.brokerId);
  }

  /**
   * Metadata of the named topics (null: every topic). With `allowAutoCreate` and
   * auto.create.topics.enable, unknown topics are created with the broker defaults first, as in
   * Kafka, and the answer waits (bounded) until their partitions have leaders.
   */
  async topics(names: readonly string[] | null, allowAutoCreate: boolean): Promise<TopicMetadata[]> {
    let image = this.backend.image();
    const wanted = names ?? [...image.topicIdsByName.keys()].sort();
    const settings = this.backend.settings();
    const missing = names === null ? [] : wanted.filter((n) => !topicByName(image, n));
    if (allowAutoCreate && settings.autoCreateTopicsEnable && missing.length > 0) {
      await this.autoCreate(missing, settings);
      image = this.backend.image();
    }
    return wanted.map((name) => topicMetadata(image, name));
  }

  private async autoCreate(names: readonly string[], settings: ClientFrontSettings): Promise<void> {
    const valid = names.filter((n) => n !== OFFSETS_TOPIC_NAME && topicNameError(n) === undefined);
    if (valid.length === 0) return;
    const live = activeBrokerIds(this.backend.image()).length;
    const replicationFactor = Math.max(1, Math.min(settings.defaultReplicationFactor, live));
    try {
      const results = await this.backend.createTopics(valid.map((name) => ({ name, numPartitions: settings.numPartitions, replicationFactor })));
      for (const r of results) {
        if (r.error && !isBrokerError(r.error, 'TOPIC_ALREADY_EXISTS')) this.backend.logger.warn({ topic: r.name, err: r.error }, 'auto-creating topic failed');
      }
    } catch (e) {
      // The answer then says UNKNOWN_TOPIC_OR_PARTITION or LEADER_NOT_AVAILABLE, which clients retry.
      this.backend.logger.warn({ err: e, topics: valid }, 'auto-creating topics failed');
      return;
    }
    await this.backend.waitForImage((img) => valid.every((n) => allLed(img, n)), AUTO_CREATE_WAIT_MS);
  }

  /** Creates topics through the active controller; answers once this node's image shows them. */
  async createTopics(requests: readonly CreateTopicRequest[], timeoutMs: number, validateOnly = false): Promise<CreateTopicResult[]> {
    const refused = new Map<string, BrokerError>();
    for (const r of requests) {
      const error = topicNameError(r.name);
      if (error) refused.set(r.name, error);
    }
    const image = this.backend.image();
    if (validateOnly) {
      const live = activeBrokerIds(image).length;
      return requests.map((r) => {
        const error =
          refused.get(r.name) ??
          (topicByName(image, r.name) ? errors.topicAlreadyExists(`topic "${r.name}" already exists`) : undefined) ??
          ((r.replicationFactor ?? -1) > live ? errors.invalidReplicationFactor(`replication factor ${r.replicationFactor} is larger than the ${live} live brokers`) : undefined) ??
          (r.numPartitions !== undefined && r.numPartitions !== -1 && r.numPartitions < 1 ? errors.invalidPartitions(`number of partitions must be at least 1, got ${r.numPartitions}`) : undefined);
        return { name: r.name, ...(error ? { error } : {}) } as CreateTopicResult;
      });
    }
    const accepted = requests.filter((r) => !refused.has(r.name));
    const results = accepted.length > 0 ? await this.backend.createTopics(accepted) : [];
    const created = results.filter((r) => !r.error).map((r) => r.name);
    await this.backend.waitForImage((img) => created.every((n) => topicByName(img, n)), adminTimeout(timeoutMs));
    const byName = new Map(results.map((r) => [r.name, r]));
    return requests.map((r) => byName.get(r.name) ?? ({ name: r.name, error: refused.get(r.name)! } as CreateTopicResult));
  }

  /**
   * Grows topics to `count` partitions through the active controller; answers once this node's
   * image shows the new partitions. With `validateOnly`, checks the request against this node's
   * image by the controller's own rules and changes nothing.
   */
  async createPartitions(requests: readonly NewPartitionsRequest[], timeoutMs: number, validateOnly = false): Promise<NewPartitionsResult[]> {
    if (validateOnly) return validateNewPartitions(this.backend.image(), requests);
    const results = await this.backend.createPartitions(requests);
    const refused = new Set(results.filter((r) => r.error).map((r) => r.name));
    const grown = requests.filter((r) => !refused.has(r.name));
    await this.backend.waitForImage((img) => grown.every((r) => (topicByName(img, r.name)?.partitions.size ?? 0) >= r.count), adminTimeout(timeoutMs));
    return results;
  }

  /** Deletes topics through the active controller; answers once this node's image no longer has them. */
  async deleteTopics(names: readonly string[], timeoutMs: number): Promise<DeleteTopicResult[]> {
    const results = await this.backend.deleteTopics(names.map((name) => ({ name })));
    const deleted = results.filter((r) => !r.error).flatMap((r) => (r.name === undefined ? [] : [r.name]));
    await this.backend.waitForImage((img) => deleted.every((n) => !topicByName(img, n)), adminTimeout(timeoutMs));
    return results;
  }

  /** The logs of the replicas this broker hosts (of `topics`, or all): Kafka's DescribeLogDirs. */
  describeLogDirs(topics: readonly string[]): ReplicaLogDescription[] {
    const wanted = new Set(topics);
    return (this.backend.replicaManager()?.hostedPartitions() ?? [])
      .filter((p) => wanted.size === 0 || wanted.has(p.topic))
      .map((p) => ({
        topic: p.topic,
        partition: p.partition,
        role: p.role(),
        logStartOffset: p.logStartOffset(),
        logEndOffset: p.logEndOffset(),
        highWatermark: p.highWatermark(),
        sizeBytes: p.log.sizeInBytes(),
        segments: p.log.segmentCount(),
      }))
      .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  }

  /** Changes topic configs through the active controller; answers once this node's image shows them. */
  async alterConfigs(requests: readonly AlterConfigsRequest[], timeoutMs: number): Promise<AlterConfigsResult[]> {
    if (!this.backend.alterConfigs) return requests.map((r) => ({ name: r.name, error: errors.invalidRequest('this node cannot alter configs') }));
    const results = await this.backend.alterConfigs(requests);
    const refused = new Set(results.filter((r) => r.error).map((r) => r.name));
    const applied = requests.filter((r) => !refused.has(r.name));
    const shows = (img: MetadataImage, r: AlterConfigsRequest): boolean => {
      const configs = topicByName(img, r.name)?.configs ?? {};
      return Object.entries(r.changes).every(([key, value]) => (configs[key] ?? null) === value);
    };
    await this.backend.waitForImage((img) => applied.every((r) => shows(img, r)), adminTimeout(timeoutMs));
    return results;
  }

  produce(request: ProduceRequest, done: (response: ProduceResponse) => void): void {
    const rm = this.backend.replicaManager();
    const traffic = this.backend.traffic;
    if (rm && traffic) return rm.produce(request, (response) => done(reportProduced(traffic, request, response)));
    if (rm) return rm.produce(request, done);
    const error = errors.notLeaderOrFollower('this node is not a broker, or is still starting');
    done({ partitions: request.partitions.map((p) => ({ topic: p.topic, partition: p.partition, error, baseOffset: -1, lastOffset: -1, logStartOffset: -1 })) });
  }

  /** Consumer fetch: committed records only (below the high watermark), long-polled. */
  fetch(request: ConsumerFetchRequest, done: (response: ConsumerFetchResponse) => void): void {
    const rm = this.backend.replicaManager();
    const traffic = this.backend.traffic;
    if (rm && traffic) return rm.handleConsumerFetch(request, (response) => done(reportFetched(traffic, response)));
    if (rm) return rm.handleConsumerFetch(request, done);
    const error = errors.notLeaderOrFollower('this node is not a broker, or is still starting');
    done({ partitions: request.partitions.map((p) => ({ topic: p.topic, partition: p.partition, error, highWatermark: -1, logStartOffset: -1, records: Buffer.alloc(0) })) });
  }

  /** The earliest (-2) or latest (-1: the high watermark, also the last stable offset here) offset. */
  listOffset(topic: string, partition: number, timestamp: number, currentLeaderEpoch = -1): ListOffsetResult {
    const base = { offset: -1, timestamp: -1, leaderEpoch: -1 };
    const refusal = this.leaderOf(topic, partition, currentLeaderEpoch);
    if (isBrokerError(refusal)) return { ...base, error: refusal };
    if (timestamp !== LATEST_TIMESTAMP && timestamp !== EARLIEST_TIMESTAMP) {
      return { ...base, error: errors.invalidRequest(`timestamp ${timestamp}: only -1 (latest) and -2 (earliest) are supported`) };
    }
    const offset = timestamp === EARLIEST_TIMESTAMP ? refusal.logStartOffset() : refusal.highWatermark();
    return { offset, timestamp: -1, leaderEpoch: refusal.leaderEpoch() };
  }

  /**
   * Kafka's DeleteRecords for the partitions this broker leads (clients send each partition to its
   * leader): moves each log start up to its offset (-1: the high watermark) and answers with the
   * low watermark once every live replica's log start reached it, or REQUEST_TIMED_OUT after
   * `timeoutMs`. Unknown partitions get UNKNOWN_TOPIC_OR_PARTITION, others NOT_LEADER_OR_FOLLOWER.
   */
  deleteRecords(partitions: readonly DeleteRecordsPartition[], timeoutMs: number): Promise<DeleteRecordsResult[]> {
    const rm = this.backend.replicaManager();
    if (!rm) {
      const error = errors.notLeaderOrFollower('this node is not a broker, or is still starting');
      return Promise.resolve(partitions.map((p) => ({ topic: p.topic, partition: p.partition, error, lowWatermark: -1 })));
    }
    // Liveness is read from the image at each check, so a follower fenced meanwhile stops holding the answer.
    const isAlive = (id: BrokerId): boolean => this.backend.image().brokers.get(id)?.fenced === false;
    return new Promise((resolve) => rm.deleteRecords({ partitions, timeoutMs, isAlive }, resolve));
  }

  /** Where `leaderEpoch` ends in the leader's log (OffsetForLeaderEpoch, KIP-101/KIP-320). */
  endOffsetForEpoch(topic: string, partition: number, leaderEpoch: number, currentLeaderEpoch = -1): EpochEndOffsetResult {
    const leader = this.leaderOf(topic, partition, currentLeaderEpoch);
    if (isBrokerError(leader)) return { error: leader, leaderEpoch: -1, endOffset: -1 };
    const end = leader.endOffsetForEpoch(leaderEpoch);
    return { leaderEpoch: end.epoch, endOffset: end.endOffset };
  }

  initProducerId(): Promise<{ producerId: number; producerEpoch: number }> {
    return this.backend.initProducerId();
  }

  findCoordinator(groupId: string): Promise<BrokerId> {
    return this.backend.findCoordinator(groupId);
  }

  /** This node's group coordinator; NOT_COORDINATOR when it has none (not a broker, or starting). */
  groups(): GroupCoordinator {
    const coordinator = this.backend.groupCoordinator();
    if (!coordinator) throw errors.notCoordinator('this node coordinates no groups (not a broker, or still starting)');
    return coordinator;
  }

  private leaderOf(topic: string, partition: number, currentLeaderEpoch: number): Partition | BrokerError {
    const p = this.backend.replicaManager()?.getPartition(topic, partition);
    if (!p) {
      const known = topicByName(this.backend.image(), topic)?.partitions.has(partition);
      return known ? errors.notLeaderOrFollower(`not the leader of ${topic}-${partition}`) : errors.unknownTopicOrPartition(`${topic}-${partition}`);
    }
    if (p.role() !== 'leader') return errors.notLeaderOrFollower(`not the leader of ${topic}-${partition}`);
    return leaderEpochError(currentLeaderEpoch, p.leaderEpoch()) ?? p;
  }
}

function adminTimeout(timeoutMs: number): number {
  return timeoutMs > 0 ? timeoutMs : DEFAULT_ADMIN_TIMEOUT_MS;
}

function allLed(image: MetadataImage, name: string): boolean {
  const topic = topicByName(image, name);
  return topic !== undefined && [...topic.partitions.values()].every((p) => p.leader !== NO_LEADER);
}

/** Kafka's rules for topic names: 1..249 of [a-zA-Z0-9._-], not "." or "..". */
export function topicNameError(name: string): BrokerError | undefined {
  if (name.length === 0 || name.length > 249 || name === '.' || name === '..' || !/^[a-zA-Z0-9._-]+$/.test(name)) {
    return errors.invalidTopicException(`"${name}" is not a valid topic name: use 1 to 249 of a-z, A-Z, 0-9, '.', '_' and '-'`);
  }
  return undefined;
}

function topicMetadata(image: MetadataImage, name: string): TopicMetadata {
  const topic = topicByName(image, name);
  if (!topic) return { name, topicId: '', error: errors.unknownTopicOrPartition(`unknown topic ${name}`), internal: false, partitions: [], configs: {} };
  const alive = (id: BrokerId): boolean => image.brokers.get(id)?.fenced === false;
  const partitions = [...topic.partitions.values()]
    .sort((a, b) => a.partition - b.partition)
    .map(
      (p): PartitionMetadata => ({
        partition: p.partition,
        ...(p.leader === NO_LEADER ? { error: errors.leaderNotAvailable(`${name}-${p.partition} has no leader`) } : {}),
        leader: p.leader,
        leaderEpoch: p.leaderEpoch,
        replicas: p.replicas,
        isr: p.isr,
        offlineReplicas: p.replicas.filter((id) => !alive(id)),
      }),
    );
  return { name, topicId: topic.topicId, internal: name === OFFSETS_TOPIC_NAME, partitions, configs: { ...topic.configs } };
}

/** Answers come back in request order, one per partition; a result with offsets appended records. */
function reportProduced(traffic: ClientTrafficObserver, request: ProduceRequest, response: ProduceResponse): ProduceResponse {
  response.partitions.forEach((result, i) => {
    const appended = !result.error && result.baseOffset >= 0 ? result.lastOffset - result.baseOffset + 1 : 0;
    traffic.produced(result.topic, appended, appended > 0 ? (request.partitions[i]?.records.length ?? 0) : 0, result.error !== undefined);
  });
  return response;
}

function reportFetched(traffic: ClientTrafficObserver, response: ConsumerFetchResponse): ConsumerFetchResponse {
  for (const p of response.partitions) traffic.fetched(p.topic, p.records.length, p.error !== undefined);
  return response;
}
