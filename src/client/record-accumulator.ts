/**
 * Collects records into batches per partition until they are worth sending: a batch is ready when
 * it is full (`batchSizeBytes`), when it has waited `lingerMs`, or when a flush asks for everything.
 * Batches of one partition leave in the order they were opened, and a batch that must be retried
 * goes back to the front of its queue, so the queue order is the partition's write order.
 *
 * Idempotence: each partition stamps its batches with the producer identity it adopted and its
 * next sequence number, when a batch is first taken for sending (Kafka assigns sequences when a
 * batch is drained, too). Stamped batches therefore always form the front of a queue. A partition
 * keeps its identity until its sequence chain breaks; then its waiting batches lose their stamp
 * and the partition adopts a new identity, restarting at sequence 0.
 */
import { assert, BrokerError, errors } from '../common/errors.js';
import { buildBatch, CompressionType, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE, type RecordInput } from '../log/batch/index.js';
import { ProducerBatch } from './producer-batch.js';
import type { Compression } from './options.js';

/** The batch attribute of each codec the producer writes (zstd is read by brokers but not written here). */
const COMPRESSION_CODECS: Readonly<Record<Compression, number>> = {
  none: CompressionType.NONE,
  gzip: CompressionType.GZIP,
  snappy: CompressionType.SNAPPY,
  lz4: CompressionType.LZ4,
};
import type { ProducerIdentity } from './producer-identity.js';
import { partitionKey, type RecordMetadata } from './types.js';

export interface AccumulatorOptions {
  batchSizeBytes: number;
  lingerMs: number;
  deliveryTimeoutMs: number;
  compression: Compression;
  idempotent: boolean;
}

export interface PartitionQueue {
  readonly topic: string;
  readonly partition: number;
  /** `partitionKey` of the partition, built once: the sender looks queues up on every pass. */
  readonly key: string;
  readonly batches: ProducerBatch[];
}

/** Where one partition's sequence numbers stand. */
export interface PartitionSequence {
  /** The identity its batches are stamped with; undefined until adopted, and after a reset. */
  identity: ProducerIdentity | undefined;
  /** Sequence of the next batch's first record. */
  next: number;
  /** The identity given up at the last reset: the next one adopted must differ. */
  retired: ProducerIdentity | undefined;
}

/** Sequences are int32 and wrap from 2^31-1 to 0, as Kafka's do. */
export function incrementSequence(sequence: number, recordCount: number): number {
  return (sequence + recordCount) % 0x8000_0000;
}

export class RecordAccumulator {
  private readonly queues = new Map<string, PartitionQueue>();
  private readonly sequences = new Map<string, PartitionSequence>();
  /** While positive every non-empty batch is ready, whatever its age (flush and close). */
  private flushRequests = 0;

  constructor(private readonly options: AccumulatorOptions) {}

  /** The partition's sequence state (idempotence); undefined before its first batch. */
  sequenceOf(queue: PartitionQueue): PartitionSequence | undefined {
    return this.sequences.get(queue.key);
  }

  /**
   * Starts the partition on `identity` at sequence 0. Only for a partition none of whose batches
   * carries a sequence and has an unknown outcome: the broker accepts any first sequence from an
   * identity it does not know, so an older batch could otherwise be overtaken.
   */
  adoptIdentity(queue: PartitionQueue, identity: ProducerIdentity): void {
    const state = this.sequenceOf(queue);
    this.sequences.set(queue.key, { identity, next: 0, retired: state?.retired });
  }

  /**
   * The partition's sequence chain has a hole the broker will never fill (a batch it refused for
   * good sits before the waiting ones): the waiting batches lose their stamp, to be stamped again
   * under a new identity from sequence 0. They were refused, so nothing is written twice.
   */
  restartSequences(topic: string, partition: number): void {
    const queue = this.queueFor(topic, partition);
    for (const batch of queue.batches) batch.unstamp();
    this.retireIdentity(queue);
  }

  /**
   * The broker fenced the partition's identity (INVALID_PRODUCER_EPOCH, UNKNOWN_PRODUCER_ID): the
   * waiting batches stamped with it fail with `error`, and the partition's next batches go out
   * under a new identity.
   */
  failStamped(topic: string, partition: number, error: BrokerError): void {
    const queue = this.queueFor(topic, partition);
    const kept = queue.batches.filter((batch) => {
      if (!batch.bytes) return true;
      batch.fail(error);
      return false;
    });
    queue.batches.splice(0, queue.batches.length, ...kept);
    this.retireIdentity(queue);
  }

  /**
   * Appends records bound for one partition, in order, filling its open batch and opening new ones
   * as they fill; resolves with their metadata in the same order. One promise per batch touched,
   * not per record: a send of many records costs a few allocations beyond the records themselves.
   */
  append(topic: string, partition: number, acks: 0 | 1 | -1, records: readonly RecordInput[], recordBytes: readonly number[], nowMs: number): Promise<RecordMetadata[]> {
    const queue = this.queueFor(topic, partition);
    const parts: Promise<RecordMetadata[]>[] = [];
    const batchSizeBytes = this.options.batchSizeBytes;
    let next = 0;
    while (next < records.length) {
      let batch = queue.batches[queue.batches.length - 1];
      // Batches carry one acks value, so a change of acks starts a new batch.
      if (!batch || batch.acks !== acks || !batch.tryAdd(records[next]!, recordBytes[next]!, batchSizeBytes)) {
        batch = new ProducerBatch(topic, partition, acks, nowMs, nowMs + this.options.deliveryTimeoutMs);
        queue.batches.push(batch);
        batch.tryAdd(records[next]!, recordBytes[next]!, batchSizeBytes);
      }
      const first = batch.recordCount - 1;
      next++;
      while (next < records.length && batch.tryAdd(records[next]!, recordBytes[next]!, batchSizeBytes)) next++;
      parts.push(batch.waitFor(first, batch.recordCount - first));
    }
    return parts.length === 1 ? parts[0]! : Promise.all(parts).then((lists) => lists.flat());
  }

  partitionQueues(): Iterable<PartitionQueue> {
    return this.queues.values();
  }

  /** The head batch of `queue` if it may be sent now (retry backoff respected). */
  readyHead(queue: PartitionQueue, nowMs: number): ProducerBatch | undefined {
    const head = queue.batches[0];
    if (!head || head.retryAtMs > nowMs) return undefined;
    const ready =
      head.attempts > 0 ||
      queue.batches.length > 1 ||
      head.isFull(this.options.batchSizeBytes) ||
      nowMs - head.createdAtMs >= this.options.lingerMs ||
      this.flushRequests > 0;
    return ready ? head : undefined;
  }

  /**
   * The next moment after `nowMs` when a queued batch becomes ready (linger, backoff) or expires,
   * for the sender's timer. Batches ready already but held back (in-flight limit, no leader) are
   * woken by an answer or a metadata refresh instead, so they are not counted: that would spin.
   */
  nextEventMs(nowMs: number): number | undefined {
    let earliest: number | undefined;
    const consider = (ms: number): void => {
      if (ms > nowMs && Number.isFinite(ms) && (earliest === undefined || ms < earliest)) earliest = ms;
    };
    for (const queue of this.queues.values()) {
      const head = queue.batches[0];
      if (!head) continue;
      consider(head.attempts > 0 ? head.retryAtMs : head.createdAtMs + this.options.lingerMs);
      for (const batch of queue.batches) consider(batch.deadlineMs);
    }
    return earliest;
  }

  /**
   * Removes the head batch of `queue` for sending, building its bytes on its first send. A batch
   * the codec refuses (a bad timestamp, too large) fails with the codec's error: undefined.
   */
  take(queue: PartitionQueue): ProducerBatch | undefined {
    const batch = queue.batches.shift()!;
    if (batch.bytes) return batch;
    const sequence = this.options.idempotent ? this.sequenceOf(queue) : undefined;
    assert(!this.options.idempotent || sequence?.identity, `${queue.topic}-${queue.partition}: a batch taken before the partition adopted a producer identity`);
    try {
      const identity = sequence?.identity;
      const baseSequence = sequence ? sequence.next : NO_SEQUENCE;
      batch.bytes = buildBatch(batch.records, {
        attributes: COMPRESSION_CODECS[this.options.compression],
        producerId: identity?.producerId ?? NO_PRODUCER_ID,
        producerEpoch: identity?.producerEpoch ?? NO_PRODUCER_EPOCH,
        baseSequence,
      });
      batch.baseSequence = baseSequence;
      batch.identity = identity;
      if (sequence) sequence.next = incrementSequence(sequence.next, batch.recordCount);
      return batch;
    } catch (e) {
      if (!(e instanceof BrokerError)) throw e;
      batch.fail(e);
      return undefined;
    }
  }

  /** Puts batches to retry back at the front of their queue, in their original order. */
  requeueFront(topic: string, partition: number, batches: readonly ProducerBatch[]): void {
    if (batches.length === 0) return;
    for (const batch of batches) batch.state = 'queued';
    this.queueFor(topic, partition).batches.unshift(...batches);
  }

  /** Fails queued batches whose delivery timeout has passed; returns how many. */
  expire(nowMs: number): number {
    let expired = 0;
    for (const queue of this.queues.values()) {
      const kept = queue.batches.filter((batch) => {
        if (batch.deadlineMs > nowMs) return true;
        batch.fail(deliveryTimeoutError(batch, this.options.deliveryTimeoutMs));
        expired++;
        return false;
      });
      queue.batches.splice(0, queue.batches.length, ...kept);
    }
    return expired;
  }

  /** Every batch waiting to be sent, in no particular order across partitions. */
  queuedBatches(): ProducerBatch[] {
    return [...this.queues.values()].flatMap((queue) => queue.batches);
  }

  beginFlush(): void {
    this.flushRequests++;
  }

  endFlush(): void {
    this.flushRequests--;
  }

  failAll(error: BrokerError): void {
    for (const queue of this.queues.values()) {
      for (const batch of queue.batches) batch.fail(error);
      queue.batches.length = 0;
    }
  }

  isEmpty(): boolean {
    for (const queue of this.queues.values()) if (queue.batches.length > 0) return false;
    return true;
  }

  private queueFor(topic: string, partition: number): PartitionQueue {
    const key = partitionKey({ topic, partition });
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { topic, partition, key, batches: [] };
      this.queues.set(key, queue);
    }
    return queue;
  }

  private retireIdentity(queue: PartitionQueue): void {
    const state = this.sequenceOf(queue);
    if (!state?.identity) return;
    this.sequences.set(queue.key, { identity: undefined, next: 0, retired: state.identity });
  }
}

export function deliveryTimeoutError(batch: ProducerBatch, deliveryTimeoutMs: number): BrokerError {
  const seen = batch.errorsSeen.size > 0 ? `; errors met: ${[...batch.errorsSeen].join(', ')}` : '';
  const cause = batch.lastError ? `${seen}; last: ${batch.lastError.message}` : '';
  return errors.requestTimedOut(
    `${batch.recordCount} record(s) for ${batch.topic}-${batch.partition} expired: delivery timeout of ${deliveryTimeoutMs} ms passed after ${batch.attempts} attempt(s)${cause}`,
    batch.lastError ? { cause: batch.lastError } : {},
  );
}
