/**
 * DeleteRecords requests waiting for the replicas' log starts (Kafka's DelayedDeleteRecords): the
 * leader has moved its own log start, and each follower moves its own when a fetch answer carries
 * the new one; the leader learns that from the follower's next fetch. A request answers once every
 * partition's low watermark reached its offset, or at its timeout with REQUEST_TIMED_OUT for the
 * partitions still short (and their current low watermark), or with the partition's error when the
 * leader lost leadership meanwhile. The caller re-checks the partitions a follower fetch touched.
 * Bounded: beyond `maxWaiting` requests a new one is answered at once with REQUEST_TIMED_OUT.
 */
import type { Clock, Timer } from '../common/clock.js';
import { errors, type BrokerError } from '../common/errors.js';
import type { DeleteRecordsResult } from './delete-records.js';

/** One partition still waiting: `check` says where it stands now. */
export interface PendingDeletion {
  readonly key: string;
  readonly topic: string;
  readonly partition: number;
  readonly requiredOffset: number;
  /** The low watermark now, or the error that ends the wait (leadership lost). */
  check(): number | BrokerError;
}

interface WaitingRequest {
  readonly results: DeleteRecordsResult[];
  /** Index into `results` of each partition still waiting. */
  readonly pending: Map<number, PendingDeletion>;
  readonly done: (results: DeleteRecordsResult[]) => void;
  timer: Timer | undefined;
}

export class DelayedDeleteRecordsQueue {
  private readonly waiting = new Set<WaitingRequest>();

  constructor(
    private readonly clock: Clock,
    private readonly maxWaiting: number,
  ) {}

  size(): number {
    return this.waiting.size;
  }

  /** `results` holds every partition's answer so far; the `pending` ones are completed here. */
  add(results: DeleteRecordsResult[], pending: Map<number, PendingDeletion>, timeoutMs: number, done: (results: DeleteRecordsResult[]) => void): void {
    const request: WaitingRequest = { results, pending, done, timer: undefined };
    if (this.tryComplete(request)) return;
    if (this.waiting.size >= this.maxWaiting || timeoutMs <= 0) return this.expire(request);
    this.waiting.add(request);
    request.timer = this.clock.schedule(timeoutMs, () => {
      this.waiting.delete(request);
      this.expire(request);
    });
  }

  /** Re-checks the requests waiting on partition `key` (a follower fetched it, or its role changed). */
  wake(key: string): void {
    for (const request of [...this.waiting]) {
      if (![...request.pending.values()].some((p) => p.key === key)) continue;
      if (this.tryComplete(request)) {
        this.waiting.delete(request);
        request.timer?.cancel();
      }
    }
  }

  /** Answers every waiting request as it stands (the broker stops). */
  completeAll(): void {
    for (const request of [...this.waiting]) {
      this.waiting.delete(request);
      request.timer?.cancel();
      this.expire(request);
    }
  }

  private tryComplete(request: WaitingRequest): boolean {
    for (const [index, p] of [...request.pending]) {
      const state = p.check();
      if (typeof state === 'number' && state < p.requiredOffset) continue;
      request.pending.delete(index);
      request.results[index] = typeof state === 'number' ? { topic: p.topic, partition: p.partition, lowWatermark: state } : { topic: p.topic, partition: p.partition, error: state, lowWatermark: -1 };
    }
    if (request.pending.size > 0) return false;
    request.done(request.results);
    return true;
  }

  private expire(request: WaitingRequest): void {
    for (const [index, p] of request.pending) {
      const state = p.check();
      const error = typeof state === 'number' ? errors.requestTimedOut(`the replicas of ${p.topic}-${p.partition} did not all reach log start ${p.requiredOffset} in time`) : state;
      request.results[index] = { topic: p.topic, partition: p.partition, error, lowWatermark: typeof state === 'number' ? state : -1 };
    }
    request.pending.clear();
    request.done(request.results);
  }
}
