/**
 * Shared by the batch codec tests: seeded random records, and kafkajs's own v2 batch encoder and
 * decoder (loaded from its sources) as an independent implementation to check ours against.
 */
import { createRequire } from 'node:module';
import { expect } from 'vitest';
import { BrokerError, type KafkaErrorName } from '../../../../src/common/errors.js';
import { SeededRandom } from '../../../../src/common/random.js';
import type { BatchRecord, RecordHeader, RecordInput } from '../../../../src/log/batch/index.js';

const require = createRequire(import.meta.url);
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: (args: Record<string, unknown>) => Promise<{ buffer: Buffer }>;
};
const encodeKafkajsRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (args: Record<string, unknown>) => unknown;
const KafkajsDecoder = require('kafkajs/src/protocol/decoder.js') as new (buf: Buffer) => unknown;
const decodeKafkajsBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (decoder: unknown) => Promise<KafkajsBatch>;

export type KafkajsHeaders = Record<string, Buffer | null | Array<Buffer | null>>;

export interface KafkajsRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: KafkajsHeaders;
}

export interface KafkajsBatch {
  firstOffset: string;
  firstTimestamp: string;
  maxTimestamp: string;
  partitionLeaderEpoch: number;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  inTransaction: boolean;
  records: KafkajsRecord[];
}

/** The batch fields kafkajs's encoder takes, all explicit so both encoders see the same input. */
export interface KafkajsBatchFields {
  baseOffset: number;
  partitionLeaderEpoch: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  baseTimestamp: number;
  isTransactional: boolean;
  /** 0 none or 1 gzip: the only codecs kafkajs ships. */
  compression: 0 | 1;
}

/**
 * kafkajs keeps headers in an object, repeated keys as arrays, so it can only express header lists
 * whose repeated keys are adjacent and whose keys are not integer-like (objects reorder those).
 */
export function headersToKafkajs(headers: readonly RecordHeader[]): KafkajsHeaders {
  const object: KafkajsHeaders = {};
  for (const { key, value } of headers) {
    const existing = object[key];
    if (existing === undefined) object[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else object[key] = [existing, value];
  }
  const flattened = Object.entries(object).flatMap(([key, v]) => (Array.isArray(v) ? v : [v]).map((value) => ({ key, value })));
  expect(flattened, 'header list must be expressible for kafkajs').toEqual(headers);
  return object;
}

export async function encodeWithKafkajs(records: readonly RecordInput[], fields: KafkajsBatchFields): Promise<Buffer> {
  const timestamps = records.map((r) => r.timestamp ?? fields.baseTimestamp);
  const batch = await RecordBatch({
    compression: fields.compression,
    firstOffset: fields.baseOffset,
    firstTimestamp: fields.baseTimestamp,
    maxTimestamp: Math.max(...timestamps),
    partitionLeaderEpoch: fields.partitionLeaderEpoch,
    lastOffsetDelta: records.length - 1,
    transactional: fields.isTransactional,
    producerId: fields.producerId,
    producerEpoch: fields.producerEpoch,
    firstSequence: fields.baseSequence,
    records: records.map((r, i) =>
      encodeKafkajsRecord({
        offsetDelta: i,
        timestampDelta: timestamps[i]! - fields.baseTimestamp,
        key: r.key ?? null,
        value: r.value,
        headers: headersToKafkajs(r.headers ?? []),
      }),
    ),
  });
  return batch.buffer;
}

export function decodeWithKafkajs(batch: Buffer): Promise<KafkajsBatch> {
  return decodeKafkajsBatch(new KafkajsDecoder(batch));
}

/** What kafkajs should decode for records we expect at `baseOffset` onwards. */
export function asKafkajsRecords(records: readonly BatchRecord[]): KafkajsRecord[] {
  return records.map((r) => ({
    offset: String(r.offset),
    timestamp: String(r.timestamp),
    key: r.key,
    value: r.value,
    headers: headersToKafkajs(r.headers),
  }));
}

/** The records a reader should return for `inputs` built at `baseOffset` with `baseTimestamp`. */
export function expectedRecords(inputs: readonly RecordInput[], baseOffset: number, baseTimestamp: number): BatchRecord[] {
  return inputs.map((r, i) => ({
    offset: baseOffset + i,
    timestamp: r.timestamp ?? baseTimestamp,
    key: r.key ?? null,
    value: r.value,
    headers: r.headers ?? [],
  }));
}

const HEADER_KEYS = ['trace-id', 'content-type', 'schéma', '键', 'emoji-🚀', 'x'];

/** Records with every shape the format allows: null/empty/binary keys and values, headers, timestamps around a base. */
export function randomRecords(random: SeededRandom, count: number, baseTimestamp: number, options: { nullHeaderValues?: boolean } = {}): RecordInput[] {
  const bytes = (max: number): Buffer => Buffer.from(Array.from({ length: random.int(0, max) }, () => random.int(0, 255)));
  const nullable = (max: number): Buffer | null => (random.chance(0.15) ? null : bytes(max));
  return Array.from({ length: count }, () => {
    const keys = random.chance(0.5) ? [] : HEADER_KEYS.filter(() => random.chance(0.4));
    const headers = keys.map((key) => ({ key, value: options.nullHeaderValues && random.chance(0.2) ? null : bytes(20) }));
    const record: RecordInput = { key: nullable(16), value: nullable(200), headers };
    // Deltas in both directions, now and then beyond 32 bits to exercise long varlongs.
    if (random.chance(0.9)) record.timestamp = baseTimestamp + random.int(-100_000, 100_000) * (random.chance(0.05) ? 2 ** 22 : 1);
    return record;
  });
}

/** Runs `fn` and fails unless it either returns or throws a BrokerError; returns the error name, if any. */
export function outcomeOf(fn: () => unknown): KafkaErrorName | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (!(e instanceof BrokerError)) throw new Error(`untyped failure: ${String(e)}`, { cause: e });
    return e.kafkaName;
  }
}

/** Asserts that `fn` fails with a BrokerError named `name`. */
export function expectBrokerError(fn: () => unknown, name: KafkaErrorName): BrokerError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ${name}`).toBeInstanceOf(BrokerError);
  expect((caught as BrokerError).kafkaName).toBe(name);
  return caught as BrokerError;
}
