/**
 * A one-node broker for the Kafka listener tests and the Kafka fuzzer: a real `ClientFront` over
 * a small in-memory backend. Broker 1 is registered and unfenced in a MetadataImage, leads every
 * partition of the topics it is given, and (unless switched off) runs a real `ReplicaManager` over
 * memory logs and a real `GroupCoordinator` whose `__consumer_offsets` appends are acknowledged at
 * once. Topic creation and deletion change the image directly (bounded: at most `maxTopics`
 * topics of at most `maxPartitions` partitions); nothing touches the disk or the network.
 *
 * The clock is injected: the tests use the system clock, the fuzzer a ManualClock it moves on
 * itself so long polls, rebalances and session timeouts finish without real waiting.
 */
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../../../../src/common/clock.js';
import { errors } from '../../../../src/common/errors.js';
import { silentLogger, type Logger } from '../../../../src/common/logger.js';
import { SeededRandom } from '../../../../src/common/random.js';
import { ClientFront, type ClientFrontBackend, type ClientFrontSettings } from '../../../../src/broker/client-front.js';
import { GroupCoordinator, type GroupCoordinatorConfig } from '../../../../src/broker/group/index.js';
import { IdempotentLog } from '../../../../src/broker/producer-state/idempotent-log.js';
import { ReplicaManager } from '../../../../src/broker/replica-manager.js';
import type { CreateTopicRequest, CreateTopicResult, DeleteTopicResult, DeleteTopicTarget, NewPartitionsRequest, NewPartitionsResult } from '../../../../src/controller/types.js';
import { openPartitionLog } from '../../../../src/log/open-log.js';
import { MemoryStorage } from '../../../../src/log/storage/memory-storage.js';
import { applyRecords, EMPTY_IMAGE, topicByName, type MetadataImage } from '../../../../src/metadata/image.js';
import type { MetadataRecord } from '../../../../src/metadata/records.js';
import { validateTopicConfigs } from '../../../../src/metadata/topic-config.js';
import type { Endpoint, PartitionRegistration } from '../../../../src/metadata/types.js';
import { brokerErrorOf, type KafkaBroker } from '../../../../src/kafka/context.js';

export const NODE_ID = 1;
export const CLUSTER_ID = 'fake-cluster';

export interface FakeTopic {
  readonly name: string;
  readonly partitions: number;
}

export interface FakeBrokerOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Topics led by this node from the start. */
  readonly topics?: readonly FakeTopic[];
  /** Without it the node answers NOT_LEADER_OR_FOLLOWER to produce and fetch (a starting node). Default true. */
  readonly replicaManager?: boolean;
  /** Without it group requests are answered NOT_COORDINATOR. Default true. */
  readonly groups?: boolean;
  readonly maxTopics?: number;
  readonly maxPartitions?: number;
  /** Upper bound of long polls and produce waits (the node's request.timeout.ms). Default 100 ms. */
  readonly requestTimeoutMs?: number;
  readonly settings?: Partial<ClientFrontSettings>;
  readonly groupConfig?: Partial<GroupCoordinatorConfig>;
}

export interface FakeBroker {
  readonly broker: KafkaBroker;
  readonly front: ClientFront;
  readonly clock: Clock;
  readonly replicaManager: ReplicaManager | undefined;
  readonly groups: GroupCoordinator | undefined;
  image(): MetadataImage;
  /** The Kafka endpoint Metadata and FindCoordinator advertise for this node. */
  setKafkaEndpoint(endpoint: Endpoint): void;
  close(): void;
}

const OFFSETS_PARTITIONS = 4;

export async function createFakeBroker(options: FakeBrokerOptions = {}): Promise<FakeBroker> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger();
  const maxTopics = options.maxTopics ?? 200;
  const maxPartitions = options.maxPartitions ?? 8;
  const requestTimeoutMs = options.requestTimeoutMs ?? 100;
  const settings: ClientFrontSettings = { autoCreateTopicsEnable: true, numPartitions: 1, defaultReplicationFactor: 1, ...options.settings };
  let endpoint: Endpoint = { host: '127.0.0.1', port: 9092 };
  let image = EMPTY_IMAGE;
  let index = 0;
  let closed = false;

  const replicaManager =
    options.replicaManager === false
      ? undefined
      : new ReplicaManager({
          brokerId: NODE_ID,
          brokerEpoch: () => 1,
          clock,
          logger,
          timing: { replicaLagTimeMaxMs: 30_000, replicaFetchWaitMaxMs: requestTimeoutMs, replicaFetchBackoffMs: requestTimeoutMs, replicaSocketTimeoutMs: requestTimeoutMs, requestTimeoutMs },
          openLog: (topic, partition) =>
            new IdempotentLog(openPartitionLog({ storage: new MemoryStorage(), dataDir: '/data', topic, partition, clock }), { clock }),
          sendAlterPartition: (request) => Promise.reject(errors.notController(`fake controller refuses AlterPartition of ${request.topicId}`)),
          limits: { maxProduceTimeoutMs: requestTimeoutMs, maxWaitingFetches: 1_000, maxWaitingProducesPerPartition: 1_000 },
        });

  const apply = (records: MetadataRecord[], removedTopicIds: string[] = []): void => {
    image = applyRecords(image, records, ++index).image;
    const partitions: PartitionRegistration[] = [];
    for (const r of records) {
      if (r.type !== 'Partition') continue;
      const topic = image.topicsById.get(r.topicId)!;
      partitions.push({ ...topic.partitions.get(r.partition)!, topic: topic.name });
    }
    replicaManager?.applyMetadata({ partitions, removedTopicIds });
  };

  const topicRecords = (name: string, partitions: number): MetadataRecord[] => {
    const topicId = randomUUID();
    return [
      { type: 'Topic', name, topicId, configs: {} },
      ...Array.from({ length: partitions }, (_, p): MetadataRecord => ({ type: 'Partition', topicId, partition: p, replicas: [NODE_ID], isr: [NODE_ID], leader: NODE_ID, leaderEpoch: 0, partitionEpoch: 0 })),
    ];
  };

  apply([
    { type: 'RegisterBroker', brokerId: NODE_ID, brokerEpoch: 1, incarnationId: 'fake-1', endpoint: { host: '127.0.0.1', port: 1 } },
    { type: 'UnfenceBroker', brokerId: NODE_ID, brokerEpoch: 1 },
    ...(options.topics ?? []).flatMap((t) => topicRecords(t.name, t.partitions)),
  ]);

  let groups: GroupCoordinator | undefined;
  if (options.groups !== false) {
    groups = new GroupCoordinator({
      clock,
      random: new SeededRandom(1),
      logger,
      config: { offsetsTopicNumPartitions: OFFSETS_PARTITIONS, groupInitialRebalanceDelayMs: 0, ...options.groupConfig },
      // The replicated write is not what these tests look at: every append is durable at once.
      writer: (append) => queueMicrotask(() => append.complete()),
    });
    for (let p = 0; p < OFFSETS_PARTITIONS; p++) await groups.loadPartition(p, []);
  }

  let nextProducerId = 1000;
  const backend: ClientFrontBackend = {
    image: () => image,
    controllerId: () => NODE_ID,
    createTopics: async (requests: readonly CreateTopicRequest[]): Promise<CreateTopicResult[]> =>
      requests.map((r): CreateTopicResult => {
        if (closed) return { name: r.name, error: errors.notController('fake broker closed') };
        if (topicByName(image, r.name)) return { name: r.name, error: errors.topicAlreadyExists(`topic "${r.name}" already exists`) };
        if (r.assignments) return { name: r.name, error: errors.invalidReplicaAssignment('the fake controller takes no manual assignments') };
        const partitions = r.numPartitions === undefined || r.numPartitions === -1 ? settings.numPartitions : r.numPartitions;
        if (partitions < 1 || partitions > maxPartitions) return { name: r.name, error: errors.invalidPartitions(`the fake controller creates 1 to ${maxPartitions} partitions, not ${partitions}`) };
        if (r.replicationFactor !== undefined && r.replicationFactor !== -1 && r.replicationFactor !== 1) {
          return { name: r.name, error: errors.invalidReplicationFactor(`replication factor ${r.replicationFactor} is larger than the 1 live broker`) };
        }
        try {
          validateTopicConfigs(r.configs ?? {});
        } catch (e) {
          return { name: r.name, error: brokerErrorOf(e) };
        }
        if (image.topicIdsByName.size >= maxTopics) return { name: r.name, error: errors.policyViolation(`the fake controller holds at most ${maxTopics} topics`) };
        const records = topicRecords(r.name, partitions);
        apply(records);
        return { name: r.name, topicId: (records[0] as { topicId: string }).topicId, numPartitions: partitions, replicationFactor: 1, configs: r.configs ?? {} };
      }),
    deleteTopics: async (targets: readonly DeleteTopicTarget[]): Promise<DeleteTopicResult[]> =>
      targets.map((t): DeleteTopicResult => {
        const topic = 'name' in t ? topicByName(image, t.name) : image.topicsById.get(t.topicId);
        const name = 'name' in t ? t.name : topic?.name;
        if (!topic) return { ...(name === undefined ? {} : { name }), error: errors.unknownTopicOrPartition(`no topic ${name ?? ''}`) };
        apply([{ type: 'RemoveTopic', topicId: topic.topicId }], [topic.topicId]);
        return { name: topic.name, topicId: topic.topicId };
      }),
    createPartitions: async (requests: readonly NewPartitionsRequest[]): Promise<NewPartitionsResult[]> =>
      requests.map((r) => ({ name: r.name, error: errors.policyViolation('the fake controller does not add partitions') })),
    replicaManager: () => replicaManager,
    waitForImage: async () => {},
    initProducerId: async () => ({ producerId: nextProducerId++, producerEpoch: 0 }),
    findCoordinator: async () => {
      if (!groups) throw errors.coordinatorNotAvailable('no group coordinator on this node');
      return NODE_ID;
    },
    groupCoordinator: () => groups,
    settings: () => settings,
    logger,
  };
  const front = new ClientFront(backend);
  const broker: KafkaBroker = {
    front,
    nodeId: NODE_ID,
    clusterId: CLUSTER_ID,
    logger,
    kafkaEndpoint: (brokerId) => (brokerId === NODE_ID ? endpoint : undefined),
  };
  return {
    broker,
    front,
    clock,
    replicaManager,
    groups,
    image: () => image,
    setKafkaEndpoint: (e) => void (endpoint = e),
    close: () => {
      if (closed) return;
      closed = true;
      groups?.close();
      replicaManager?.shutdown();
    },
  };
}
