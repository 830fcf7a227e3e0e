/**
 * FindCoordinator: a group's coordinator is the leader of its `__consumer_offsets` partition, as
 * the metadata image says. Any node can answer. The topic does not exist until the first
 * FindCoordinator asks for it, as in Kafka; until it exists and the partition has a leader the
 * answer is COORDINATOR_NOT_AVAILABLE, which clients retry.
 */
import { errors, isBrokerError, type BrokerError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { partitionForGroup, OFFSETS_TOPIC_NAME } from '../broker/group/index.js';
import { activeBrokerIds, topicByName, type MetadataImage } from '../metadata/index.js';
import { NO_LEADER } from '../metadata/types.js';
import type { BrokerSettings } from './config.js';
import type { ControllerApi } from './controller-api.js';

export interface CoordinatorNode {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

export interface CoordinatorLookupOptions {
  readonly image: () => MetadataImage;
  readonly controller: Pick<ControllerApi, 'createTopics'>;
  /** Resolves once the local image satisfies `predicate`, or after `timeoutMs` either way. */
  readonly waitForImage: (predicate: (image: MetadataImage) => boolean, timeoutMs: number) => Promise<void>;
  readonly settings: Pick<BrokerSettings, 'offsetsTopicNumPartitions' | 'offsetsTopicReplicationFactor'>;
  /** How long a FindCoordinator that created the topic waits to see its partition led. */
  readonly createWaitMs: number;
  readonly logger: Logger;
}

/** Kafka's offsets.topic.segment.bytes. */
const OFFSETS_TOPIC_SEGMENT_BYTES = 100 * 1024 * 1024;

export class CoordinatorLookup {
  /** One creation at a time, however many FindCoordinator requests arrive meanwhile. */
  private creating: Promise<void> | undefined;

  constructor(private readonly options: CoordinatorLookupOptions) {}

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.options.settings.offsetsTopicNumPartitions);
  }

  /** The coordinator of `groupId`, creating `__consumer_offsets` if it does not exist yet. */
  async find(groupId: string): Promise<CoordinatorNode> {
    const partition = this.partitionFor(groupId);
    if (!topicByName(this.options.image(), OFFSETS_TOPIC_NAME)) {
      await this.createOffsetsTopic();
      await this.options.waitForImage((image) => leaderOf(image, partition) !== undefined, this.options.createWaitMs);
    }
    return this.coordinatorOf(this.options.image(), partition);
  }

  private coordinatorOf(image: MetadataImage, partition: number): CoordinatorNode {
    const topic = topicByName(image, OFFSETS_TOPIC_NAME);
    if (!topic) throw errors.coordinatorNotAvailable(`${OFFSETS_TOPIC_NAME} is being created`);
    const configured = this.options.settings.offsetsTopicNumPartitions;
    if (topic.partitions.size !== configured) {
      // Groups would be looked up in the wrong partition: refuse rather than split a group's state.
      throw errors.coordinatorNotAvailable(`${OFFSETS_TOPIC_NAME} has ${topic.partitions.size} partitions but offsets.topic.num.partitions is ${configured}`);
    }
    const leader = leaderOf(image, partition);
    if (leader === undefined) throw errors.coordinatorNotAvailable(`${OFFSETS_TOPIC_NAME}-${partition} has no leader`);
    const broker = image.brokers.get(leader);
    if (!broker) throw errors.coordinatorNotAvailable(`the leader ${leader} of ${OFFSETS_TOPIC_NAME}-${partition} is not registered`);
    return { nodeId: leader, host: broker.endpoint.host, port: broker.endpoint.port };
  }

  private createOffsetsTopic(): Promise<void> {
    this.creating ??= this.create().finally(() => (this.creating = undefined));
    return this.creating;
  }

  private async create(): Promise<void> {
    const { settings, controller, logger } = this.options;
    const liveBrokers = activeBrokerIds(this.options.image()).length;
    if (liveBrokers === 0) throw errors.coordinatorNotAvailable(`no live broker to host ${OFFSETS_TOPIC_NAME}`);
    // Kafka refuses to create the topic with fewer brokers than its replication factor; a local
    // cluster may be smaller than 3, so the factor is capped instead.
    const replicationFactor = Math.min(settings.offsetsTopicReplicationFactor, liveBrokers);
    const request = {
      name: OFFSETS_TOPIC_NAME,
      numPartitions: settings.offsetsTopicNumPartitions,
      replicationFactor,
      configs: {
        // An acknowledged commit is on two replicas whenever there are two, so losing the
        // coordinator's broker loses no commit even if the ISR had shrunk to two.
        'min.insync.replicas': String(Math.min(2, replicationFactor)),
        // Compacted, as in Kafka: the cleaner keeps the last commit per group and partition (and
        // drops tombstones of deleted groups after delete.retention.ms), so the log stays bounded
        // and a new coordinator reloads it fast. Nothing ages out by time or size.
        'cleanup.policy': 'compact',
        'segment.bytes': String(OFFSETS_TOPIC_SEGMENT_BYTES),
      },
    };
    let error: BrokerError | undefined;
    try {
      const [result] = await controller.createTopics([request]);
      error = result?.error;
    } catch (e) {
      if (!isBrokerError(e)) throw e;
      error = e;
    }
    if (!error) {
      logger.info({ partitions: request.numPartitions, replicationFactor }, `created ${OFFSETS_TOPIC_NAME}`);
      return;
    }
    // Another node's FindCoordinator created it first.
    if (error.kafkaName === 'TOPIC_ALREADY_EXISTS') return;
    logger.warn({ err: error }, `creating ${OFFSETS_TOPIC_NAME} failed`);
    throw errors.coordinatorNotAvailable(`creating ${OFFSETS_TOPIC_NAME} failed: ${error.message}`, { cause: error.kafkaName });
  }
}

function leaderOf(image: MetadataImage, partition: number): number | undefined {
  const leader = topicByName(image, OFFSETS_TOPIC_NAME)?.partitions.get(partition)?.leader;
  return leader === undefined || leader === NO_LEADER ? undefined : leader;
}
