/**
 * Records bound for one partition that travel as one v2 batch, with the promises of their
 * senders. A batch's bytes are built when it is first sent and resent unchanged on retry: with
 * idempotence the broker recognises a retry by the same producer id, epoch and sequence. Only a
 * batch the broker refused for good under its identity is built again, under a new one.
 */
import type { BrokerError, KafkaErrorName } from '../common/errors.js';
import { BATCH_HEADER_SIZE, NO_SEQUENCE, type RecordInput } from '../log/batch/index.js';
import type { ProducerIdentity } from './producer-identity.js';
import type { RecordMetadata } from './types.js';

/** Upper bound of a record's framing in a v2 batch: length, attributes, deltas, lengths (varints). */
const RECORD_OVERHEAD_BYTES = 5 + 1 + 10 + 5 + 5 + 5 + 5;
const HEADER_OVERHEAD_BYTES = 5 + 5;

export function estimateRecordBytes(record: RecordInput): number {
  let size = RECORD_OVERHEAD_BYTES + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const header of record.headers ?? []) {
    size += HEADER_OVERHEAD_BYTES + Buffer.byteLength(header.key, 'utf8') + (header.value?.length ?? 0);
  }
  return size;
}

/** `retriable-failure`: the last attempt failed retriably and the batch awaits its partition's retry decision. */
export type BatchState = 'queued' | 'in-flight' | 'retriable-failure' | 'succeeded' | 'failed';

/** The records `first .. first + count - 1` of the batch, appended by one send: one promise for all of them. */
interface Completion {
  readonly first: number;
  readonly count: number;
  resolve(metadata: RecordMetadata[]): void;
  reject(error: BrokerError): void;
}

export class ProducerBatch {
  readonly records: RecordInput[] = [];
  private readonly completions: Completion[] = [];
  /** Estimated size of the batch once built. */
  sizeBytes = BATCH_HEADER_SIZE;
  state: BatchState = 'queued';
  /** Times this batch has been sent. */
  attempts = 0;
  /** Not sent again before this monotonic time (retry backoff). */
  retryAtMs = 0;
  lastError: BrokerError | undefined;
  /** Names of the errors the attempts met, for the delivery-timeout report. */
  readonly errorsSeen = new Set<KafkaErrorName>();
  /** A metadata refresh the next attempt must wait for (the last error said the leader moved). */
  metadataRefresh: Promise<void> | undefined;
  /** The batch as sent; fixed after the first send. */
  bytes: Buffer | undefined;
  baseSequence = NO_SEQUENCE;
  /** The producer identity the bytes carry (idempotence). */
  identity: ProducerIdentity | undefined;
  /** Settles (never rejects) once every record of the batch has its outcome. */
  readonly settled: Promise<void>;
  private markSettled!: () => void;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly acks: 0 | 1 | -1,
    readonly createdAtMs: number,
    /** Monotonic time after which the records fail with REQUEST_TIMED_OUT (delivery timeout). */
    readonly deadlineMs: number,
  ) {
    this.settled = new Promise((resolve) => (this.markSettled = resolve));
  }

  /** Whether the batch still takes records (once sent, its records are fixed, even if it is built again under a new identity). */
  isOpen(): boolean {
    return !this.bytes && this.attempts === 0 && this.state === 'queued';
  }

  /** Adds a record if it fits (into an empty open batch, a record always does). */
  tryAdd(record: RecordInput, recordBytes: number, batchSizeBytes: number): boolean {
    if (!this.isOpen()) return false;
    if (this.records.length > 0 && this.sizeBytes + recordBytes > batchSizeBytes) return false;
    this.records.push(record);
    this.sizeBytes += recordBytes;
    return true;
  }

  /** Resolves with the metadata of records `first .. first + count - 1` once the batch has its outcome. */
  waitFor(first: number, count: number): Promise<RecordMetadata[]> {
    return new Promise((resolve, reject) => this.completions.push({ first, count, resolve, reject }));
  }

  /** Forgets the bytes and their sequence, so the batch is built again under a new identity. */
  unstamp(): void {
    this.bytes = undefined;
    this.baseSequence = NO_SEQUENCE;
    this.identity = undefined;
  }

  isFull(batchSizeBytes: number): boolean {
    return this.sizeBytes >= batchSizeBytes;
  }

  get recordCount(): number {
    return this.records.length;
  }

  /** Every record resolves with its offset: the batch's base offset plus its index (-1 with acks=0). */
  succeed(baseOffset: number): void {
    if (this.isDone()) return;
    this.state = 'succeeded';
    for (const { first, count, resolve } of this.completions) {
      const metadata = new Array<RecordMetadata>(count);
      for (let i = 0; i < count; i++) metadata[i] = { topic: this.topic, partition: this.partition, offset: baseOffset < 0 ? -1 : baseOffset + first + i };
      resolve(metadata);
    }
    this.markSettled();
  }

  fail(error: BrokerError): void {
    if (this.isDone()) return;
    this.state = 'failed';
    this.lastError = error;
    for (const completion of this.completions) completion.reject(error);
    this.markSettled();
  }

  isDone(): boolean {
    return this.state === 'succeeded' || this.state === 'failed';
  }
}
