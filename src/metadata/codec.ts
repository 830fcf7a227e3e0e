/**
 * Bytes for a batch of metadata records (one Raft entry). JSON is compact enough for metadata
 * volume and readable in a debugger; every decoded record is checked field by field, because a
 * record that applies wrongly would corrupt every node's image in the same way.
 */
import { errors, type BrokerError } from '../common/errors.js';
import { METADATA_RECORD_TYPES, type MetadataRecord, type MetadataRecordType } from './records.js';

/** Bumped when the encoding changes incompatibly. */
const FORMAT_VERSION = 1;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeRecords(records: readonly MetadataRecord[]): Uint8Array {
  return encoder.encode(JSON.stringify({ v: FORMAT_VERSION, records }));
}

/** Throws CORRUPT_MESSAGE when the bytes are not a well-formed batch of known records. */
export function decodeRecords(bytes: Uint8Array): MetadataRecord[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(bytes));
  } catch (e) {
    throw corrupt(`not a JSON metadata batch (${(e as Error).message})`);
  }
  if (!isObject(parsed) || parsed['v'] !== FORMAT_VERSION || !Array.isArray(parsed['records'])) {
    throw corrupt('missing format version or record list');
  }
  return parsed['records'].map((r: unknown, i: number) => validateRecord(r, i));
}

type FieldKind = 'int' | 'string' | 'ints' | 'endpoint' | 'configs' | 'nullableString';

interface FieldSpec {
  readonly kind: FieldKind;
  readonly optional?: boolean;
}

const int: FieldSpec = { kind: 'int' };
const str: FieldSpec = { kind: 'string' };

const SCHEMAS: Readonly<Record<MetadataRecordType, Readonly<Record<string, FieldSpec>>>> = {
  RegisterBroker: {
    brokerId: int,
    brokerEpoch: int,
    incarnationId: str,
    endpoint: { kind: 'endpoint' },
    kafkaEndpoint: { kind: 'endpoint', optional: true },
  },
  FenceBroker: { brokerId: int, brokerEpoch: int },
  UnfenceBroker: { brokerId: int, brokerEpoch: int },
  BrokerControlledShutdown: { brokerId: int, brokerEpoch: int },
  Topic: { name: str, topicId: str, configs: { kind: 'configs' } },
  Partition: {
    topicId: str,
    partition: int,
    replicas: { kind: 'ints' },
    isr: { kind: 'ints' },
    leader: int,
    leaderEpoch: int,
    partitionEpoch: int,
  },
  PartitionChange: {
    topicId: str,
    partition: int,
    leader: { kind: 'int', optional: true },
    isr: { kind: 'ints', optional: true },
  },
  RemoveTopic: { topicId: str },
  ProducerIds: { brokerId: int, brokerEpoch: int, nextProducerId: int },
  Config: { topic: str, key: str, value: { kind: 'nullableString' } },
};

function validateRecord(raw: unknown, index: number): MetadataRecord {
  if (!isObject(raw)) throw corrupt(`record ${index} is not an object`);
  const type = raw['type'];
  if (typeof type !== 'string' || !(METADATA_RECORD_TYPES as readonly string[]).includes(type)) {
    throw corrupt(`record ${index} has unknown type ${JSON.stringify(type)}`);
  }
  const schema = SCHEMAS[type as MetadataRecordType];
  for (const key of Object.keys(raw)) {
    if (key !== 'type' && !(key in schema)) throw corrupt(`record ${index} (${type}) has unknown field "${key}"`);
  }
  for (const [field, spec] of Object.entries(schema)) {
    const value = raw[field];
    if (value === undefined) {
      if (spec.optional) continue;
      throw corrupt(`record ${index} (${type}) lacks field "${field}"`);
    }
    if (!fieldMatches(spec.kind, value)) {
      throw corrupt(`record ${index} (${type}) field "${field}" is not a valid ${spec.kind}`);
    }
  }
  return raw as unknown as MetadataRecord;
}

function fieldMatches(kind: FieldKind, value: unknown): boolean {
  switch (kind) {
    case 'int':
      return Number.isSafeInteger(value);
    case 'string':
      return typeof value === 'string';
    case 'nullableString':
      return value === null || typeof value === 'string';
    case 'ints':
      return Array.isArray(value) && value.every((v) => Number.isSafeInteger(v));
    case 'endpoint':
      return (
        isObject(value) &&
        typeof value['host'] === 'string' &&
        Number.isSafeInteger(value['port']) &&
        Object.keys(value).length === 2
      );
    case 'configs':
      return isObject(value) && Object.values(value).every((v) => typeof v === 'string');
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function corrupt(message: string): BrokerError {
  return errors.corruptMessage(`metadata batch: ${message}`);
}
