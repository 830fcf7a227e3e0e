/**
 * Collects records into batches per partition until they are worth sending: a batch is ready when
 * it is full (`batchSizeBytes`), when it has waited `lingerMs`, or when a flush asks for everything.
 * Batches of one partition leave in the order they were opened, and a batch that must be retried
 * goes back to the front of its queue, so the queue order is the partition's write order.
 *
 * Idempotence hooks in here: when a producer id is set, `take` stamps each batch with the next
 * sequence number of its partition (Kafka assigns sequences when a batch is drained, too).
 */
import { BrokerError, errors } from '../common/errors.js';
import { buildBatch, CompressionType, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE, type RecordInput } from '../log/batch/index.js';
import { estimateRecordBytes, ProducerBatch } from './producer-batch.js';
import type { Compression } from './options.js';
import { partitionKey, type RecordMetadata } from './types.js';

export interface AccumulatorOptions {
  batchSizeBytes: number;
  lingerMs: number;
  deliveryTimeoutMs: number;
  compression: Compression;
}

/** Who writes the batches; -1/-1 until the producer obtains an id (idempotence). */
export interface ProducerIdentity {
  producerId: number;
  producerEpoch: number;
}

export interface PartitionQueue {
  readonly topic: string;
  readonly partition: number;
  readonly batches: ProducerBatch[];
}

export class RecordAccumulator {
  private readonly queues = new Map<string, PartitionQueue>();
  private readonly nextSequence = new Map<string, number>();
  private identity: ProducerIdentity = { producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
  /** While positive every non-empty batch is ready, whatever its age (flush and close). */
  private flushRequests = 0;

  constructor(private readonly options: AccumulatorOptions) {}

  setProducerIdentity(identity: ProducerIdentity): void {
    this.identity = identity;
    this.nextSequence.clear();
  }

  append(topic: string, partition: number, acks: 0 | 1 | -1, record: RecordInput, nowMs: number): Promise<RecordMetadata> {
    const queue = this.queueFor(topic, partition);
    const recordBytes = estimateRecordBytes(record);
    const last = queue.batches[queue.batches.length - 1];
    // Batches carry one acks value, so a change of acks starts a new batch.
    const appended = last && last.acks === acks ? last.tryAppend(record, recordBytes, this.options.batchSizeBytes) : undefined;
    if (appended) return appended;
    const batch = new ProducerBatch(topic, partition, acks, nowMs, nowMs + this.options.deliveryTimeoutMs);
    queue.batches.push(batch);
    return batch.tryAppend(record, recordBytes, this.options.batchSizeBytes)!;
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
    try {
      const baseSequence = this.identity.producerId !== NO_PRODUCER_ID ? this.peekSequence(queue) : NO_SEQUENCE;
      batch.bytes = buildBatch(batch.records, {
        attributes: this.options.compression === 'gzip' ? CompressionType.GZIP : CompressionType.NONE,
        producerId: this.identity.producerId,
        producerEpoch: this.identity.producerEpoch,
        baseSequence,
      });
      batch.baseSequence = baseSequence;
      if (baseSequence !== NO_SEQUENCE) this.advanceSequence(queue, batch.recordCount);
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
      queue = { topic, partition, batches: [] };
      this.queues.set(key, queue);
    }
    return queue;
  }

  private peekSequence(queue: PartitionQueue): number {
    return this.nextSequence.get(partitionKey(queue)) ?? 0;
  }

  private advanceSequence(queue: PartitionQueue, recordCount: number): void {
    // Sequences wrap at int32 max, as Kafka's do.
    this.nextSequence.set(partitionKey(queue), (this.peekSequence(queue) + recordCount) % 0x8000_0000);
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
