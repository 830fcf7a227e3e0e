/**
 * The producer: `send` places each message on a partition (explicit, by key with Kafka's murmur2,
 * or round-robin), appends it to that partition's open batch, and resolves once the batch is
 * acknowledged with each record's offset. Batching, pipelining, retries and ordering live in the
 * accumulator, the sender and PartitionInFlight; this file is the surface and its lifecycle.
 * An idempotent producer (the default) obtains its producer id before its first record is queued.
 */
import { errors } from '../common/errors.js';
import type { RecordHeader, RecordInput } from '../log/batch/index.js';
import type { BrokerPool } from './broker-pool.js';
import { MetadataCache } from './metadata-cache.js';
import { acksToWire, type ResolvedClientOptions, resolveProducerOptions, type ProducerOptions, type ResolvedProducerOptions } from './options.js';
import { createDefaultPartitioner, type Partitioner } from './partitioner.js';
import { estimateRecordBytes } from './producer-batch.js';
import { ProducerIdentities } from './producer-identity.js';
import { RecordAccumulator } from './record-accumulator.js';
import { monotonicNowMs } from './retry.js';
import { Sender } from './sender.js';
import type { Bytes, ProducerMessage, RecordMetadata, SendRequest } from './types.js';
import type { TopicInfo } from './wire.js';

export interface CloseOptions {
  /** How long to wait for pending sends before failing them (default: the delivery timeout). */
  timeoutMs?: number;
}

export class Producer {
  private readonly options: ResolvedProducerOptions;
  private readonly metadata: MetadataCache;
  private readonly accumulator: RecordAccumulator;
  private readonly sender: Sender;
  private readonly identities: ProducerIdentities | undefined;
  private readonly partitioner: Partitioner;
  /** Every send not yet settled, so flush and close can wait for them. */
  private readonly pendingSends = new Set<Promise<unknown>>();
  private readonly availablePartitionsCache = new WeakMap<TopicInfo, readonly number[]>();
  private state: 'open' | 'closing' | 'closed' = 'open';

  constructor(pool: BrokerPool, clientOptions: ResolvedClientOptions, options: ProducerOptions = {}) {
    this.options = resolveProducerOptions(options, clientOptions);
    this.metadata = new MetadataCache(pool, {
      requestTimeoutMs: this.options.requestTimeoutMs,
      metadataMaxAgeMs: clientOptions.metadataMaxAgeMs,
      refreshMinIntervalMs: this.options.retryBackoffMs,
    });
    this.accumulator = new RecordAccumulator(this.options);
    this.identities = this.options.idempotent
      ? new ProducerIdentities(pool, this.metadata, this.options, () => this.sender.wakeup())
      : undefined;
    this.sender = new Sender(this.accumulator, this.metadata, pool, this.options, this.identities);
    this.partitioner = this.options.partitioner ?? createDefaultPartitioner();
  }

  /**
   * Sends messages to one topic. Resolves, in message order, with each record's partition and
   * offset once acknowledged per `acks`; rejects with the first BrokerError if any record fails
   * (the others still complete: records are never half-sent).
   */
  send(request: SendRequest): Promise<RecordMetadata[]> {
    if (this.state !== 'open') return Promise.reject(errors.invalidRequest('the producer is closed'));
    if (!request.topic) return Promise.reject(errors.invalidTopicException('a topic name is required'));
    const acks = request.acks === undefined ? this.options.acks : acksToWire(request.acks);
    if (this.options.idempotent && acks !== -1) {
      return Promise.reject(errors.invalidRequest(`an idempotent producer sends with acks 'all' only, not ${String(request.acks)} (create it with idempotent: false)`));
    }
    const sent = this.enqueue(request.topic, request.messages, acks);
    const tracked = sent.then(
      () => undefined,
      () => undefined,
    );
    this.pendingSends.add(tracked);
    void tracked.then(() => this.pendingSends.delete(tracked));
    return sent;
  }

  /** Sends every batch now, ignoring linger, and waits until every send made so far has its outcome. */
  async flush(): Promise<void> {
    this.accumulator.beginFlush();
    try {
      this.sender.wakeup();
      await Promise.all([...this.pendingSends]);
    } finally {
      this.accumulator.endFlush();
    }
  }

  /** The producer id and epoch the producer was given; undefined before the first send or without idempotence. */
  producerIdentity(): { producerId: number; producerEpoch: number } | undefined {
    const identity = this.identities?.current();
    return identity ? { ...identity } : undefined;
  }

  /**
   * Stops taking sends, waits up to `timeoutMs` for pending ones, then fails whatever is left with
   * a retriable NETWORK_EXCEPTION and releases the producer's streams.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closing';
    const timeoutMs = options.timeoutMs ?? this.options.deliveryTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    try {
      await Promise.race([this.flush(), timedOut]);
    } finally {
      clearTimeout(timer);
      const error = errors.networkException('the producer was closed before the record was acknowledged');
      this.accumulator.failAll(error);
      this.sender.close(error);
      this.identities?.close();
      this.metadata.close();
      this.state = 'closed';
    }
  }

  /**
   * The partitions of `info` that have a leader, worked out once per metadata snapshot rather than
   * per send: a topic of thousands of partitions would otherwise cost a scan and two arrays for
   * every record.
   */
  private availablePartitionsOf(info: TopicInfo): readonly number[] {
    let available = this.availablePartitionsCache.get(info);
    if (!available) {
      available = info.partitions.filter((p) => p.leader >= 0).map((p) => p.partition);
      this.availablePartitionsCache.set(info, available);
    }
    return available;
  }

  private async enqueue(topic: string, messages: readonly ProducerMessage[], acks: 0 | 1 | -1): Promise<RecordMetadata[]> {
    if (messages.length === 0) return [];
    const [info] = await Promise.all([
      this.metadata.waitForTopic(topic, this.options.maxBlockMs),
      // Kafka's producer sends nothing before it has its id, and retries for it within the delivery timeout.
      this.identities?.obtain(this.options.deliveryTimeoutMs),
    ]);
    if (this.state === 'closed') throw errors.invalidRequest('the producer is closed');
    const numPartitions = info.partitions.length;
    const availablePartitions = this.availablePartitionsOf(info);
    const wallNowMs = Date.now();
    const nowMs = monotonicNowMs();
    // Records are grouped by partition (keeping their order within it) and appended a group at a
    // time; the answers are put back in message order. An invalid record fails the send, and the
    // valid ones are still sent, never half of one.
    const groups = new Map<number, { indexes: number[]; records: RecordInput[]; bytes: number[] }>();
    let firstError: unknown;
    messages.forEach((message, index) => {
      try {
        const record = toRecordInput(message, wallNowMs);
        const recordBytes = estimateRecordBytes(record);
        if (recordBytes > this.options.maxRequestSizeBytes) {
          throw errors.messageTooLarge(`a record of about ${recordBytes} bytes exceeds maxRequestSizeBytes ${this.options.maxRequestSizeBytes}`);
        }
        const partition = this.partitioner({ topic, key: record.key ?? null, partition: message.partition, numPartitions, availablePartitions });
        if (!Number.isInteger(partition) || partition < 0 || partition >= numPartitions) {
          throw errors.unknownTopicOrPartition(`partition ${partition} of ${topic} does not exist (${numPartitions} partitions)`);
        }
        let group = groups.get(partition);
        if (!group) groups.set(partition, (group = { indexes: [], records: [], bytes: [] }));
        group.indexes.push(index);
        group.records.push(record);
        group.bytes.push(recordBytes);
      } catch (e) {
        firstError ??= e;
      }
    });
    const results = new Array<RecordMetadata>(messages.length);
    const appended = [...groups].map(([partition, group]) =>
      this.accumulator.append(topic, partition, acks, group.records, group.bytes, nowMs).then((metadata) => {
        for (let i = 0; i < metadata.length; i++) results[group.indexes[i]!] = metadata[i]!;
      }),
    );
    this.sender.wakeup();
    if (firstError !== undefined) {
      // The valid records still complete; the send reports the first invalid one.
      for (const promise of appended) promise.catch(() => undefined);
      throw firstError;
    }
    await Promise.all(appended);
    return results;
  }
}

function toRecordInput(message: ProducerMessage, defaultTimestampMs: number): RecordInput {
  if (message.value === undefined) throw errors.invalidRecord('a message needs a value (null for a tombstone)');
  const timestamp = message.timestamp ?? defaultTimestampMs;
  if (!Number.isSafeInteger(timestamp)) throw errors.invalidTimestamp(`timestamp ${String(message.timestamp)} is not an integer`);
  return {
    key: toBuffer(message.key),
    value: toBuffer(message.value),
    headers: toHeaders(message.headers),
    timestamp,
  };
}

function toBuffer(bytes: Bytes | null | undefined): Buffer | null {
  if (bytes === null || bytes === undefined) return null;
  return typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
}

function toHeaders(headers: ProducerMessage['headers']): RecordHeader[] | undefined {
  if (!headers) return undefined;
  const entries = Array.isArray(headers) ? headers.map((h) => [h.key, h.value] as const) : Object.entries(headers);
  return entries.map(([key, value]) => ({ key, value: toBuffer(value) }));
}
