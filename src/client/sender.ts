/**
 * Moves ready batches from the accumulator to partition leaders. Each batch is one ProduceRequest
 * on the leader's pipelined Produce stream; a partition keeps up to `maxInFlightPerPartition`
 * batches in flight, and `PartitionInFlight` keeps its records in order when some fail.
 * Retriable failures come back after an exponential backoff until the batch's delivery timeout;
 * errors that mean "stale metadata" (and timeouts, which may mean a dead leader) refresh metadata
 * first. Every request is bounded by min(requestTimeoutMs, time left before the delivery timeout).
 *
 * With idempotence a partition adopts a producer identity before its first batch is stamped, and
 * OUT_OF_ORDER_SEQUENCE_NUMBER is retried as PartitionInFlight decides. A fenced identity
 * (INVALID_PRODUCER_EPOCH, UNKNOWN_PRODUCER_ID) fails the batches stamped with it, and the
 * partition's later batches go out under a new identity; so does a partition whose sequence
 * chain broke, with its waiting batches stamped again.
 */
import { BrokerError, KAFKA_ERRORS, type KafkaErrorName } from '../common/errors.js';
import type { BrokerPool } from './broker-pool.js';
import type { MetadataCache } from './metadata-cache.js';
import { PartitionInFlight, type RetryDecision } from './partition-in-flight.js';
import { ProduceChannel, type ProduceRequestBody } from './produce-stream.js';
import type { ProducerBatch } from './producer-batch.js';
import { sameIdentity, type ProducerIdentities } from './producer-identity.js';
import { deliveryTimeoutError, type PartitionQueue, type RecordAccumulator } from './record-accumulator.js';
import { backoffDelayMs, monotonicNowMs, type BackoffOptions } from './retry.js';
import type { ProduceResponse } from './wire.js';

export interface SenderOptions extends BackoffOptions {
  maxInFlightPerPartition: number;
  requestTimeoutMs: number;
  deliveryTimeoutMs: number;
}

/** The broker no longer accepts the producer identity these batches carry. */
const FENCING_ERRORS: ReadonlySet<KafkaErrorName> = new Set(['INVALID_PRODUCER_EPOCH', 'UNKNOWN_PRODUCER_ID']);

export class Sender {
  private readonly inFlightByPartition = new Map<string, PartitionInFlight>();
  private readonly channels = new Map<string, ProduceChannel>();
  private runScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAtMs = Infinity;
  private closed = false;

  constructor(
    private readonly accumulator: RecordAccumulator,
    private readonly metadata: MetadataCache,
    private readonly pool: BrokerPool,
    private readonly options: SenderOptions,
    /** Present when the producer is idempotent. */
    private readonly identities?: ProducerIdentities,
  ) {}

  /** Looks for work soon; appends in the same tick share this one look, hence their batches. */
  wakeup(): void {
    if (this.runScheduled || this.closed) return;
    this.runScheduled = true;
    setImmediate(() => {
      this.runScheduled = false;
      if (!this.closed) this.run();
    });
  }

  /** Batches of all partitions awaiting an answer. */
  inFlightCount(): number {
    let count = 0;
    for (const inFlight of this.inFlightByPartition.values()) count += inFlight.count();
    return count;
  }

  /** Stops sending; batches still in flight fail with `error`. */
  close(error: BrokerError): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const inFlight of this.inFlightByPartition.values()) inFlight.failAll(error);
    for (const channel of this.channels.values()) channel.close();
    this.channels.clear();
  }

  private run(): void {
    const nowMs = monotonicNowMs();
    this.accumulator.expire(nowMs);
    let leaderMissing = false;
    for (const queue of this.accumulator.partitionQueues()) {
      // Most of a many-partition topic's queues are empty on any one pass.
      if (queue.batches.length > 0 && !this.sendReady(queue, nowMs)) leaderMissing = true;
    }
    if (leaderMissing) void this.refreshMetadata();
    this.armTimer(nowMs);
  }

  /** Sends what `queue` may send now; false if its leader is unknown. */
  private sendReady(queue: PartitionQueue, nowMs: number): boolean {
    const inFlight = this.inFlightOf(queue);
    for (;;) {
      const head = this.accumulator.readyHead(queue, nowMs);
      if (!head || !inFlight.canSend(this.options.maxInFlightPerPartition, head.attempts > 0)) return true;
      if (!head.bytes && !this.hasIdentity(queue, inFlight)) return true;
      const leader = this.metadata.leaderOf(queue.topic, queue.partition);
      if (!leader) return false;
      const batch = this.accumulator.take(queue);
      if (batch) this.dispatch(batch, inFlight, leader.address, nowMs);
    }
  }

  /**
   * Whether the partition may stamp its next batch: without idempotence always; with it once the
   * partition has an identity, adopting the producer's current one if it has none. A partition
   * adopts only with nothing in flight, and never the identity it gave up; meanwhile a new
   * identity is asked for, and its arrival wakes the sender.
   */
  private hasIdentity(queue: PartitionQueue, inFlight: PartitionInFlight): boolean {
    if (!this.identities) return true;
    const sequence = this.accumulator.sequenceOf(queue);
    if (sequence?.identity) return true;
    if (inFlight.count() > 0) return false;
    const current = this.identities.current();
    if (current && !sameIdentity(current, sequence?.retired)) {
      this.accumulator.adoptIdentity(queue, current);
      return true;
    }
    this.identities.renew(sequence?.retired);
    const waitError = this.identities.lastError;
    if (waitError) for (const batch of queue.batches) batch.lastError ??= waitError;
    return false;
  }

  private dispatch(batch: ProducerBatch, inFlight: PartitionInFlight, address: string, nowMs: number): void {
    inFlight.add(batch);
    const timeoutMs = Math.max(1, Math.min(this.options.requestTimeoutMs, Math.floor(batch.deadlineMs - nowMs)));
    const body: ProduceRequestBody = {
      topic: batch.topic,
      partition: batch.partition,
      acks: batch.acks,
      timeout_ms: timeoutMs,
      records: batch.bytes!,
    };
    const channel = this.channelFor(address);
    if (batch.acks === 0) {
      channel.requestWithoutAnswer(body).then(
        () => this.apply(batch, inFlight.acknowledged(batch, -1)),
        (e: unknown) => this.onFailure(batch, inFlight, e),
      );
    } else {
      channel.request(body, timeoutMs).then(
        (response) => this.onResponse(batch, inFlight, response),
        (e: unknown) => this.onFailure(batch, inFlight, e),
      );
    }
  }

  private onResponse(batch: ProducerBatch, inFlight: PartitionInFlight, response: ProduceResponse): void {
    if (response.error_code === 0) {
      this.apply(batch, inFlight.acknowledged(batch, response.base_offset));
      return;
    }
    if (response.error_code === KAFKA_ERRORS.DUPLICATE_SEQUENCE_NUMBER.code && this.identities) {
      // The broker wrote the batch before but no longer knows where (Kafka's client, too, takes
      // this as success with an unknown offset). Brokerlab's brokers answer duplicates with the
      // original offsets instead, so this comes only from other brokers.
      this.apply(batch, inFlight.acknowledged(batch, -1));
      return;
    }
    const error = BrokerError.fromCode(
      response.error_code,
      `Produce ${batch.topic}-${batch.partition}${response.error_message ? `: ${response.error_message}` : ''}`,
    );
    const leaderHinted =
      error.kafkaName === 'NOT_LEADER_OR_FOLLOWER' && this.metadata.applyLeaderHint(batch.topic, batch.partition, response.current_leader);
    this.onFailure(batch, inFlight, error, leaderHinted);
  }

  private onFailure(batch: ProducerBatch, inFlight: PartitionInFlight, e: unknown, leaderHinted = false): void {
    if (!(e instanceof BrokerError)) throw e;
    // Stale metadata, or a timeout that may mean a dead or partitioned leader: look again (as Kafka
    // does on a disconnect), and let the retry wait for the answer unless the broker named the leader.
    if ((e.refreshMetadata || e.kafkaName === 'REQUEST_TIMED_OUT') && !this.closed) {
      const refreshed = this.refreshMetadata();
      if (!leaderHinted) batch.metadataRefresh = refreshed;
    }
    if (this.identities && FENCING_ERRORS.has(e.kafkaName)) {
      this.accumulator.failStamped(batch.topic, batch.partition, e);
      this.apply(batch, inFlight.failedFatally(batch, e));
      return;
    }
    // With idempotence an out-of-order answer means "an earlier batch is missing"; PartitionInFlight
    // decides whether a retry in sequence order fills the gap or the sequences must restart.
    const retriable = e.retriable || (this.identities !== undefined && e.kafkaName === 'OUT_OF_ORDER_SEQUENCE_NUMBER');
    const decision = retriable && !this.closed ? inFlight.failedRetriably(batch, e) : inFlight.failedFatally(batch, e);
    this.apply(batch, decision);
  }

  /** Carries out a partition's retry decision, if one was made, and looks for more work. */
  private apply(batch: ProducerBatch, decision: RetryDecision | undefined): void {
    if (decision) {
      for (const { batch: abandoned, error } of decision.abandon) abandoned.fail(error);
      const nowMs = monotonicNowMs();
      const first = decision.retry[0];
      const retryAtMs = first ? nowMs + backoffDelayMs(first.attempts, this.options) : nowMs;
      const retry = decision.retry.filter((b) => {
        if (retryAtMs < b.deadlineMs) return true;
        b.fail(deliveryTimeoutError(b, this.options.deliveryTimeoutMs));
        return false;
      });
      for (const b of retry) b.retryAtMs = retryAtMs;
      this.holdUntilMetadataRefreshed(retry, retryAtMs);
      this.accumulator.requeueFront(batch.topic, batch.partition, retry);
      if (decision.restartSequences) this.accumulator.restartSequences(batch.topic, batch.partition);
    }
    this.wakeup();
  }

  /**
   * Retrying before a pending metadata refresh lands would only ask the old leader again: hold the
   * batches (their delivery timeout still runs) until it does, and no sooner than `retryAtMs`.
   */
  private holdUntilMetadataRefreshed(batches: ProducerBatch[], retryAtMs: number): void {
    const refreshes = batches.map((b) => b.metadataRefresh).filter((r) => r !== undefined);
    if (refreshes.length === 0) return;
    const epochBefore = new Map(batches.map((b) => [b, this.metadata.leaderOf(b.topic, b.partition)?.leaderEpoch ?? -1]));
    for (const b of batches) b.retryAtMs = Infinity;
    void Promise.all(refreshes).then(() => {
      const nowMs = monotonicNowMs();
      for (const b of batches) {
        b.metadataRefresh = undefined;
        if (b.retryAtMs !== Infinity) continue;
        // A new leader is known (a newer leader epoch): retry at once rather than back off, as
        // Kafka's clients do since KIP-951; the backoff only paces retries against the old one.
        const moved = (this.metadata.leaderOf(b.topic, b.partition)?.leaderEpoch ?? -1) > epochBefore.get(b)!;
        b.retryAtMs = moved ? nowMs : retryAtMs;
      }
      this.wakeup();
    });
  }

  /** Refreshes metadata and then looks for work; settles (never rejects) when the refresh is over. */
  private refreshMetadata(): Promise<void> {
    const refreshed = this.metadata.refresh().catch(() => undefined);
    void refreshed.then(() => this.wakeup());
    return refreshed;
  }

  private armTimer(nowMs: number): void {
    const nextMs = this.accumulator.nextEventMs(nowMs);
    if (nextMs === undefined || (this.timer && this.timerAtMs <= nextMs)) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAtMs = nextMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAtMs = Infinity;
      this.wakeup();
    }, Math.ceil(nextMs - nowMs));
  }

  private inFlightOf(queue: PartitionQueue): PartitionInFlight {
    const key = queue.key;
    let inFlight = this.inFlightByPartition.get(key);
    if (!inFlight) {
      inFlight = new PartitionInFlight(this.identities !== undefined);
      this.inFlightByPartition.set(key, inFlight);
    }
    return inFlight;
  }

  private channelFor(address: string): ProduceChannel {
    let channel = this.channels.get(address);
    if (!channel) {
      channel = new ProduceChannel(this.pool.connection(address));
      this.channels.set(address, channel);
    }
    return channel;
  }
}
