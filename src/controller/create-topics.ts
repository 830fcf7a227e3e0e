/**
 * CreateTopics: validation as Kafka does it, replica placement, and the Topic and Partition records.
 * Each topic succeeds or fails on its own; the records of every created topic form one batch.
 * A new partition starts with all its replicas in the ISR (they are all empty), the first one
 * leading, at leader epoch 0 and partition epoch 0.
 */
import type { Logger } from '../common/logger.js';
import { errors, isBrokerError } from '../common/errors.js';
import type { Random } from '../common/random.js';
import { activeBrokerIds, isActiveBroker, type MetadataImage } from '../metadata/image.js';
import type { MetadataRecord } from '../metadata/records.js';
import { validateTopicConfigs } from '../metadata/topic-config.js';
import type { BrokerId } from '../metadata/types.js';
import { placeReplicas } from './placement.js';
import type { RecordBatch } from './record-batch.js';
import type { CreateTopicRequest, CreateTopicResult } from './types.js';

/** Kafka's num.partitions and default.replication.factor. */
export const DEFAULT_NUM_PARTITIONS = 1;
export const DEFAULT_REPLICATION_FACTOR = 1;

export const MAX_TOPIC_NAME_LENGTH = 249;
const LEGAL_TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;

/**
 * Kafka's rules for topic names: 1 to 249 characters of [a-zA-Z0-9._-], not "." or "..".
 * Throws INVALID_TOPIC_EXCEPTION with the reason.
 */
export function validateTopicName(name: string): void {
  if (name.length === 0) throw errors.invalidTopicException('topic name is empty');
  if (name === '.' || name === '..') throw errors.invalidTopicException(`topic name "${name}" is not allowed`);
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    throw errors.invalidTopicException(`topic name is ${name.length} characters, longer than ${MAX_TOPIC_NAME_LENGTH}`);
  }
  if (!LEGAL_TOPIC_NAME.test(name)) {
    throw errors.invalidTopicException(`topic name "${name}" has characters outside [a-zA-Z0-9._-]`);
  }
}

/** Metric names turn '.' into '_', so names with the same key would collide; Kafka refuses the second. */
function collisionKey(name: string): string {
  return name.replace(/\./g, '_');
}

export function createTopics(
  batch: RecordBatch,
  requests: readonly CreateTopicRequest[],
  random: Random,
  logger?: Logger,
): CreateTopicResult[] {
  const counts = new Map<string, number>();
  for (const r of requests) counts.set(r.name, (counts.get(r.name) ?? 0) + 1);
  return requests.map((request) => {
    try {
      if (counts.get(request.name)! > 1) throw errors.invalidRequest(`topic "${request.name}" appears more than once in the request`);
      const result = createTopic(batch, request, random);
      logger?.info({ topic: request.name, topicId: result.topicId, partitions: result.numPartitions }, 'topic created');
      return result;
    } catch (e) {
      if (!isBrokerError(e)) throw e;
      return { name: request.name, error: e };
    }
  });
}

function createTopic(batch: RecordBatch, request: CreateTopicRequest, random: Random): CreateTopicResult {
  const image = batch.image;
  validateTopicName(request.name);
  if (image.topicIdsByName.has(request.name)) throw errors.topicAlreadyExists(`topic "${request.name}" already exists`);
  const key = collisionKey(request.name);
  for (const existing of image.topicIdsByName.keys()) {
    if (collisionKey(existing) === key) {
      throw errors.invalidTopicException(`topic "${request.name}" collides with existing topic "${existing}"`);
    }
  }
  const configs = { ...(request.configs ?? {}) };
  validateTopicConfigs(configs);
  const assignments = request.assignments ? checkedManualAssignments(image, request) : automaticAssignments(image, request, random);

  const topicId = newTopicId(image, random);
  const records: MetadataRecord[] = [{ type: 'Topic', name: request.name, topicId, configs }];
  assignments.forEach((replicas, partition) => {
    // Manual assignments may name inactive brokers; they join the ISR once they catch up.
    const isr = replicas.filter((b) => isActiveBroker(image, b));
    records.push({ type: 'Partition', topicId, partition, replicas, isr, leader: isr[0]!, leaderEpoch: 0, partitionEpoch: 0 });
  });
  batch.add(...records);
  return {
    name: request.name,
    topicId,
    numPartitions: assignments.length,
    replicationFactor: assignments[0]!.length,
    configs,
  };
}

function automaticAssignments(image: MetadataImage, request: CreateTopicRequest, random: Random): BrokerId[][] {
  const numPartitions = orDefault(request.numPartitions, DEFAULT_NUM_PARTITIONS);
  const replicationFactor = orDefault(request.replicationFactor, DEFAULT_REPLICATION_FACTOR);
  if (!Number.isInteger(numPartitions) || numPartitions < 1) {
    throw errors.invalidPartitions(`number of partitions must be at least 1, got ${numPartitions}`);
  }
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
    throw errors.invalidReplicationFactor(`replication factor must be at least 1, got ${replicationFactor}`);
  }
  const brokers = activeBrokerIds(image);
  if (replicationFactor > brokers.length) {
    throw errors.invalidReplicationFactor(
      `replication factor ${replicationFactor} is larger than the ${brokers.length} available broker(s)`,
    );
  }
  return placeReplicas(brokers, numPartitions, replicationFactor, random);
}

function checkedManualAssignments(image: MetadataImage, request: CreateTopicRequest): BrokerId[][] {
  const assignments = request.assignments!.map((replicas) => [...replicas]);
  if (assignments.length === 0) throw errors.invalidReplicaAssignment('the manual assignment has no partitions');
  const rf = assignments[0]!.length;
  const numPartitions = orDefault(request.numPartitions, assignments.length);
  const replicationFactor = orDefault(request.replicationFactor, rf);
  if (numPartitions !== assignments.length || replicationFactor !== rf) {
    throw errors.invalidRequest('numPartitions and replicationFactor must be -1 or match the manual assignment');
  }
  assignments.forEach((replicas, partition) => {
    if (replicas.length === 0) throw errors.invalidReplicaAssignment(`partition ${partition} has no replicas`);
    if (replicas.length !== rf) {
      throw errors.invalidReplicaAssignment('all partitions of a manual assignment must have the same number of replicas');
    }
    if (new Set(replicas).size !== replicas.length) {
      throw errors.invalidReplicaAssignment(`partition ${partition} names a broker twice: ${replicas.join(',')}`);
    }
    const unknown = replicas.find((b) => !image.brokers.has(b));
    if (unknown !== undefined) throw errors.invalidReplicaAssignment(`broker ${unknown} is not registered`);
    if (!replicas.some((b) => isActiveBroker(image, b))) {
      throw errors.invalidReplicaAssignment(`every broker of partition ${partition} is fenced or shutting down`);
    }
  });
  return assignments;
}

function orDefault(value: number | undefined, fallback: number): number {
  return value === undefined || value === -1 ? fallback : value;
}

/** A random UUID-shaped id (version 4 layout) that no topic of the image uses. */
function newTopicId(image: MetadataImage, random: Random): string {
  for (;;) {
    const hex = Array.from({ length: 16 }, (_, i) => {
      let byte = random.int(0, 255);
      if (i === 6) byte = (byte & 0x0f) | 0x40;
      if (i === 8) byte = (byte & 0x3f) | 0x80;
      return byte.toString(16).padStart(2, '0');
    }).join('');
    const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    if (!image.topicsById.has(id)) return id;
  }
}
