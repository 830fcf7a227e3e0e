/**
 * The records of `__consumer_offsets`, in Kafka's own binary schemas, so the topic holds what a
 * Kafka broker would write and a Kafka tool could read it:
 *
 * - key version 0 or 1: OffsetCommitKey {group, topic, partition}; value OffsetCommitValue
 *   (written as v3: offset, leaderEpoch, metadata, commitTimestamp);
 * - key version 2: GroupMetadataKey {group}; value GroupMetadataValue (written as v3: protocol
 *   type, generation, protocol, leader, state timestamp, members with their subscription and
 *   assignment bytes);
 * - a null value is a tombstone: the offset or the group was deleted.
 *
 * Each key and value starts with an int16 version. Values of version 4 are the flexible form; by
 * KIP-915 later versions only add tagged fields, so they are read with the v4 layout. Keys of
 * other versions belong to record types this coordinator does not use (Kafka's newer consumer
 * protocol): they decode as `unknown` and loading skips them, as Kafka does. Anything malformed is
 * a CORRUPT_MESSAGE BrokerError.
 */
import { errors } from '../../common/errors.js';
import { KafkaReader, KafkaWriter } from './binary.js';

const OFFSET_COMMIT_KEY_VERSION = 1;
const GROUP_METADATA_KEY_VERSION = 2;
const OFFSET_COMMIT_VALUE_VERSION = 3;
const GROUP_METADATA_VALUE_VERSION = 3;
const FIRST_FLEXIBLE_VALUE_VERSION = 4;

/** The smallest member of GroupMetadataValue: empty strings and bytes, two int32s (v0 layout). */
const MIN_MEMBER_BYTES = 3 * 2 + 2 * 4 + 2 * 4;
/** The same in the flexible layout: one-byte compact lengths, a null instance id, an empty tag section. */
const MIN_FLEXIBLE_MEMBER_BYTES = 3 + 1 + 2 * 4 + 2 + 1;

export const NO_LEADER_EPOCH = -1;
export const NO_TIMESTAMP = -1;

export interface OffsetCommitKey {
  group: string;
  topic: string;
  partition: number;
}

export interface OffsetCommitValue {
  offset: number;
  /** Leader epoch of the partition when the committed record was fetched; -1 when unknown. */
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** Only version 1 carries it; -1 otherwise. */
  expireTimestamp: number;
}

export interface MemberMetadataValue {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  /** The member's metadata for the group's chosen protocol (a ConsumerProtocol subscription). */
  subscription: Buffer;
  assignment: Buffer;
}

export interface GroupMetadataValue {
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  currentStateTimestamp: number;
  members: MemberMetadataValue[];
}

export type OffsetsRecord =
  | { kind: 'offset-commit'; key: OffsetCommitKey; value: OffsetCommitValue | null }
  | { kind: 'group-metadata'; group: string; value: GroupMetadataValue | null }
  | { kind: 'unknown'; keyVersion: number };

/** A record as stored: what the broker puts in a batch, and what it feeds back on load. */
export interface RawOffsetsRecord {
  key: Buffer | null;
  value: Buffer | null;
}

export function encodeOffsetCommitKey(key: OffsetCommitKey): Buffer {
  return new KafkaWriter().int16(OFFSET_COMMIT_KEY_VERSION).string(key.group).string(key.topic).int32(key.partition).toBuffer();
}

export function encodeGroupMetadataKey(group: string): Buffer {
  return new KafkaWriter().int16(GROUP_METADATA_KEY_VERSION).string(group).toBuffer();
}

export function encodeOffsetCommitValue(value: Omit<OffsetCommitValue, 'expireTimestamp'>): Buffer {
  return new KafkaWriter()
    .int16(OFFSET_COMMIT_VALUE_VERSION)
    .int64(value.offset)
    .int32(value.leaderEpoch)
    .string(value.metadata)
    .int64(value.commitTimestamp)
    .toBuffer();
}

export function encodeGroupMetadataValue(value: GroupMetadataValue): Buffer {
  return new KafkaWriter()
    .int16(GROUP_METADATA_VALUE_VERSION)
    .string(value.protocolType)
    .int32(value.generation)
    .nullableString(value.protocol)
    .nullableString(value.leader)
    .int64(value.currentStateTimestamp)
    .array(value.members, (w, m) =>
      w
        .string(m.memberId)
        .nullableString(m.groupInstanceId)
        .string(m.clientId)
        .string(m.clientHost)
        .int32(m.rebalanceTimeoutMs)
        .int32(m.sessionTimeoutMs)
        .bytes(m.subscription)
        .bytes(m.assignment),
    )
    .toBuffer();
}

/** A committed offset, or its tombstone when `value` is null. */
export function offsetCommitRecord(key: OffsetCommitKey, value: Omit<OffsetCommitValue, 'expireTimestamp'> | null): RawOffsetsRecord {
  return { key: encodeOffsetCommitKey(key), value: value === null ? null : encodeOffsetCommitValue(value) };
}

/** A group's membership and generation, or its tombstone when `value` is null. */
export function groupMetadataRecord(group: string, value: GroupMetadataValue | null): RawOffsetsRecord {
  return { key: encodeGroupMetadataKey(group), value: value === null ? null : encodeGroupMetadataValue(value) };
}

export function decodeOffsetsRecord(record: RawOffsetsRecord): OffsetsRecord {
  if (record.key === null) throw errors.corruptMessage('a __consumer_offsets record without a key');
  const keyReader = new KafkaReader(record.key, '__consumer_offsets key');
  const keyVersion = keyReader.int16();
  if (keyVersion === 0 || keyVersion === 1) {
    const key = decodeOffsetCommitKey(new KafkaReader(record.key.subarray(2), `OffsetCommitKey v${keyVersion}`));
    return { kind: 'offset-commit', key, value: record.value === null ? null : decodeOffsetCommitValue(record.value) };
  }
  if (keyVersion === 2) {
    const r = new KafkaReader(record.key.subarray(2), 'GroupMetadataKey v2');
    const group = r.string();
    r.end();
    return { kind: 'group-metadata', group, value: record.value === null ? null : decodeGroupMetadataValue(record.value) };
  }
  if (keyVersion < 0) throw keyReader.corrupt(`negative key version ${keyVersion}`);
  return { kind: 'unknown', keyVersion };
}

function decodeOffsetCommitKey(r: KafkaReader): OffsetCommitKey {
  const key = { group: r.string(), topic: r.string(), partition: r.int32() };
  r.end();
  return key;
}

export function decodeOffsetCommitValue(bytes: Buffer): OffsetCommitValue {
  const version = valueVersion(bytes, 'OffsetCommitValue');
  const flexible = version >= FIRST_FLEXIBLE_VALUE_VERSION;
  const r = new KafkaReader(bytes.subarray(2), `OffsetCommitValue v${version}`);
  const offset = r.int64();
  const leaderEpoch = version >= 3 ? r.int32() : NO_LEADER_EPOCH;
  const metadata = r.string(flexible);
  const commitTimestamp = r.int64();
  const expireTimestamp = version === 1 ? r.int64() : NO_TIMESTAMP;
  if (flexible) r.skipTaggedFields();
  r.end();
  return { offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp };
}

export function decodeGroupMetadataValue(bytes: Buffer): GroupMetadataValue {
  const version = valueVersion(bytes, 'GroupMetadataValue');
  const flexible = version >= FIRST_FLEXIBLE_VALUE_VERSION;
  const r = new KafkaReader(bytes.subarray(2), `GroupMetadataValue v${version}`);
  const protocolType = r.string(flexible);
  const generation = r.int32();
  const protocol = r.nullableString(flexible);
  const leader = r.nullableString(flexible);
  const currentStateTimestamp = version >= 2 ? r.int64() : NO_TIMESTAMP;
  const members = r.array((m) => decodeMember(m, version, flexible), flexible, flexible ? MIN_FLEXIBLE_MEMBER_BYTES : MIN_MEMBER_BYTES);
  if (flexible) r.skipTaggedFields();
  r.end();
  return { protocolType, generation, protocol, leader, currentStateTimestamp, members };
}

function decodeMember(r: KafkaReader, version: number, flexible: boolean): MemberMetadataValue {
  const memberId = r.string(flexible);
  const groupInstanceId = version >= 3 ? r.nullableString(flexible) : null;
  const clientId = r.string(flexible);
  const clientHost = r.string(flexible);
  const sessionAfterRebalance = version >= 1;
  const rebalanceTimeout = sessionAfterRebalance ? r.int32() : -1;
  const sessionTimeoutMs = r.int32();
  const subscription = r.bytes(flexible);
  const assignment = r.bytes(flexible);
  if (flexible) r.skipTaggedFields();
  // v0 had no rebalance timeout: Kafka used the session timeout in its place.
  const rebalanceTimeoutMs = sessionAfterRebalance ? rebalanceTimeout : sessionTimeoutMs;
  return { memberId, groupInstanceId, clientId, clientHost, rebalanceTimeoutMs, sessionTimeoutMs, subscription, assignment };
}

function valueVersion(bytes: Buffer, what: string): number {
  const version = new KafkaReader(bytes, what).int16();
  if (version < 0) throw errors.corruptMessage(`${what}: negative version ${version}`);
  return version;
}
