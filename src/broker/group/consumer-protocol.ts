/**
 * Kafka's ConsumerProtocol: the bytes consumers put in JoinGroup's protocol metadata (their
 * subscription) and the group leader puts in SyncGroup (each member's assignment). The broker
 * treats both as opaque; clients of every language agree on this layout, so a group can mix the
 * brokerlab client with Kafka's own clients as long as they share an assignor.
 *
 * Subscription: int16 version, topics [string], userData nullable bytes, then from v1 owned
 * partitions [{topic, [int32]}], from v2 generationId int32, from v3 rackId nullable string.
 * Assignment: int16 version, partitions [{topic, [int32]}], userData nullable bytes (same in every
 * version). As Kafka's own reader does, a newer version is read with the newest layout known here
 * and bytes after the known fields are ignored, so later additions do not break older readers.
 */
import { errors } from '../../common/errors.js';
import { KafkaReader, KafkaWriter } from './binary.js';

/** JoinGroup protocol type of consumers. */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';
const LATEST_SUBSCRIPTION_VERSION = 3;
const NO_GENERATION = -1;

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

export interface ConsumerSubscription {
  version: number;
  topics: string[];
  userData: Buffer | null;
  ownedPartitions: TopicPartitions[];
  generationId: number;
  rackId: string | null;
}

export interface ConsumerAssignment {
  version: number;
  partitions: TopicPartitions[];
  userData: Buffer | null;
}

export function encodeSubscription(subscription: Partial<ConsumerSubscription> & { topics: readonly string[] }): Buffer {
  const version = subscription.version ?? 0;
  if (!Number.isInteger(version) || version < 0 || version > LATEST_SUBSCRIPTION_VERSION) {
    throw errors.invalidRequest(`consumer subscription version ${version} is not one of 0..${LATEST_SUBSCRIPTION_VERSION}`);
  }
  const w = new KafkaWriter()
    .int16(version)
    .array(subscription.topics, (w2, t) => w2.string(t))
    .nullableBytes(subscription.userData ?? null);
  if (version >= 1) writeTopicPartitions(w, subscription.ownedPartitions ?? []);
  if (version >= 2) w.int32(subscription.generationId ?? NO_GENERATION);
  if (version >= 3) w.nullableString(subscription.rackId ?? null);
  return w.toBuffer();
}

export function decodeSubscription(bytes: Buffer): ConsumerSubscription {
  const r = new KafkaReader(bytes, 'ConsumerProtocolSubscription');
  const version = checkedVersion(r);
  const topics = r.array((x) => x.string(), false, 2);
  const userData = r.nullableBytes();
  const ownedPartitions = version >= 1 ? readTopicPartitions(r) : [];
  const generationId = version >= 2 ? r.int32() : NO_GENERATION;
  const rackId = version >= 3 ? r.nullableString() : null;
  return { version, topics, userData, ownedPartitions, generationId, rackId };
}

export function encodeAssignment(assignment: { partitions: readonly TopicPartitions[]; userData?: Buffer | null; version?: number }): Buffer {
  const w = new KafkaWriter().int16(assignment.version ?? 0);
  writeTopicPartitions(w, assignment.partitions);
  return w.nullableBytes(assignment.userData ?? null).toBuffer();
}

/**
 * The coordinator hands an empty buffer to a member the leader left out of its assignment; that
 * reads as "no partitions" rather than as an error.
 */
export function decodeAssignment(bytes: Buffer): ConsumerAssignment {
  if (bytes.length === 0) return { version: 0, partitions: [], userData: null };
  const r = new KafkaReader(bytes, 'ConsumerProtocolAssignment');
  const version = checkedVersion(r);
  const partitions = readTopicPartitions(r);
  const userData = r.nullableBytes();
  return { version, partitions, userData };
}

function checkedVersion(r: KafkaReader): number {
  const version = r.int16();
  if (version < 0) throw r.corrupt(`negative version ${version}`);
  return version;
}

function writeTopicPartitions(w: KafkaWriter, items: readonly TopicPartitions[]): void {
  w.array(items, (w2, tp) => w2.string(tp.topic).array(tp.partitions, (w3, p) => w3.int32(p)));
}

function readTopicPartitions(r: KafkaReader): TopicPartitions[] {
  // Each entry holds at least a topic length (2) and a partition count (4).
  return r.array((x) => ({ topic: x.string(), partitions: x.array((y) => y.int32(), false, 4) }), false, 6);
}
