/**
 * CreatePartitions: grows existing topics to a larger partition count, with Kafka's validation.
 * The new partitions take the topic's replication factor (that of partition 0) and are placed by
 * continuing the topic's striping, or where the request's manual assignment says. Like a created
 * topic's, each new partition starts with its active replicas as the ISR, the first one leading,
 * at leader epoch 0 and partition epoch 0. Each topic succeeds or fails on its own; the records of
 * every grown topic form one batch.
 *
 * `__consumer_offsets` is refused: a group's coordinator is chosen by hashing its id over that
 * topic's partition count, so changing the count would move every group's offsets out of reach.
 */
import { errors, isBrokerError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { activeBrokerIds, isActiveBroker, topicByName, type MetadataImage, type TopicImage } from '../metadata/image.js';
import type { MetadataRecord } from '../metadata/records.js';
import type { BrokerId } from '../metadata/types.js';
import { placeAddedReplicas } from './placement.js';
import type { RecordBatch } from './record-batch.js';
import type { NewPartitionsRequest, NewPartitionsResult } from './types.js';

/** The group coordinator's topic (OFFSETS_TOPIC_NAME in src/broker/group). */
const OFFSETS_TOPIC = '__consumer_offsets';

/** At most this many partitions are added to one topic by one request, so one request cannot stall the controller. */
export const MAX_NEW_PARTITIONS_PER_TOPIC = 10_000;

/** What growing one topic takes: the topic and the replicas of each new partition, in order. */
interface NewPartitionsPlan {
  readonly topic: TopicImage;
  readonly firstPartition: number;
  readonly assignments: readonly (readonly BrokerId[])[];
}

export function createPartitions(batch: RecordBatch, requests: readonly NewPartitionsRequest[], logger?: Logger): NewPartitionsResult[] {
  return eachTopic(requests, (request) => {
    const plan = planNewPartitions(batch.image, request);
    const image = batch.image;
    const records: MetadataRecord[] = plan.assignments.map((replicas, i) => {
      // Manual assignments may name inactive brokers; they join the ISR once they catch up.
      const isr = replicas.filter((b) => isActiveBroker(image, b));
      return {
        type: 'Partition',
        topicId: plan.topic.topicId,
        partition: plan.firstPartition + i,
        replicas: [...replicas],
        isr,
        leader: isr[0]!,
        leaderEpoch: 0,
        partitionEpoch: 0,
      };
    });
    batch.add(...records);
    logger?.info({ topic: request.name, topicId: plan.topic.topicId, from: plan.firstPartition, to: request.count }, 'partitions created');
  });
}

/**
 * The answer CreatePartitions would give on `image`, without deciding anything: what a broker
 * answers a request with validateOnly.
 */
export function validateNewPartitions(image: MetadataImage, requests: readonly NewPartitionsRequest[]): NewPartitionsResult[] {
  return eachTopic(requests, (request) => void planNewPartitions(image, request));
}

/** Runs `grow` per topic; a refusal (a BrokerError) fails that topic alone. */
function eachTopic(requests: readonly NewPartitionsRequest[], grow: (request: NewPartitionsRequest) => void): NewPartitionsResult[] {
  const counts = new Map<string, number>();
  for (const r of requests) counts.set(r.name, (counts.get(r.name) ?? 0) + 1);
  return requests.map((request) => {
    try {
      if (counts.get(request.name)! > 1) throw errors.invalidRequest(`topic "${request.name}" appears more than once in the request`);
      grow(request);
      return { name: request.name };
    } catch (e) {
      if (!isBrokerError(e)) throw e;
      return { name: request.name, error: e };
    }
  });
}

/** Validates one topic's request against `image` and places its new partitions; throws the refusal. */
function planNewPartitions(image: MetadataImage, request: NewPartitionsRequest): NewPartitionsPlan {
  const { name, count } = request;
  if (name === OFFSETS_TOPIC) {
    throw errors.policyViolation(`the partition count of ${OFFSETS_TOPIC} cannot change: it decides which partition holds each group`);
  }
  const topic = topicByName(image, name);
  if (!topic) throw errors.unknownTopicOrPartition(`topic "${name}" does not exist`);
  const current = topic.partitions.size;
  if (!Number.isInteger(count)) throw errors.invalidPartitions(`the partition count must be an integer, got ${count}`);
  if (count < current) throw errors.invalidPartitions(`Topic currently has ${current} partitions, which is higher than the requested ${count}.`);
  if (count === current) throw errors.invalidPartitions(`Topic already has ${current} partitions.`);
  const added = count - current;
  if (added > MAX_NEW_PARTITIONS_PER_TOPIC) {
    throw errors.invalidPartitions(`cannot add ${added} partitions to "${name}" at once; at most ${MAX_NEW_PARTITIONS_PER_TOPIC} per request`);
  }
  const partition0 = topic.partitions.get(0) ?? [...topic.partitions.values()][0]!;
  const replicationFactor = partition0.replicas.length;
  const assignments = request.assignments
    ? checkedAssignments(image, request.assignments, added, replicationFactor)
    : automaticAssignments(image, partition0.replicas, current, added, replicationFactor);
  return { topic, firstPartition: current, assignments };
}

function automaticAssignments(
  image: MetadataImage,
  partition0: readonly BrokerId[],
  firstPartition: number,
  added: number,
  replicationFactor: number,
): BrokerId[][] {
  const brokers = activeBrokerIds(image);
  if (replicationFactor > brokers.length) {
    throw errors.invalidReplicationFactor(
      `the topic's replication factor ${replicationFactor} is larger than the ${brokers.length} available broker(s)`,
    );
  }
  return placeAddedReplicas(brokers, partition0, firstPartition, added, replicationFactor);
}

function checkedAssignments(
  image: MetadataImage,
  assignments: readonly (readonly BrokerId[])[],
  added: number,
  replicationFactor: number,
): readonly (readonly BrokerId[])[] {
  if (assignments.length !== added) {
    throw errors.invalidReplicaAssignment(`${added} partition(s) are being added, but the assignment names ${assignments.length}`);
  }
  assignments.forEach((replicas, i) => {
    if (replicas.length !== replicationFactor) {
      throw errors.invalidReplicaAssignment(
        `new partition ${i} is assigned ${replicas.length} replica(s), but the topic's replication factor is ${replicationFactor}`,
      );
    }
    if (new Set(replicas).size !== replicas.length) {
      throw errors.invalidReplicaAssignment(`new partition ${i} names a broker twice: ${replicas.join(',')}`);
    }
    const unknown = replicas.find((b) => !image.brokers.has(b));
    if (unknown !== undefined) throw errors.invalidReplicaAssignment(`broker ${unknown} is not registered`);
    if (!replicas.some((b) => isActiveBroker(image, b))) {
      throw errors.invalidReplicaAssignment(`every broker of new partition ${i} is fenced or shutting down`);
    }
  });
  return assignments;
}
