/**
 * The leader's queue of acks=all produces waiting for the high watermark to pass their batch.
 * Each waits until the high watermark reaches its last offset + 1, until its timeout (then
 * REQUEST_TIMED_OUT), or until the leader loses leadership (then NOT_LEADER_OR_FOLLOWER). The
 * queue is bounded; the caller checks `isFull` before appending.
 *
 * Batches are appended in offset order under one leader, so required offsets only grow: the
 * queue completes from its head.
 */
import type { Clock, Timer } from '../common/clock.js';
import { assert, errors, type BrokerError } from '../common/errors.js';

/** `error` is undefined when the batch is committed and the ISR is still large enough. */
export type ProduceCompletion = (error: BrokerError | undefined) => void;

interface WaitingProduce {
  readonly requiredOffset: number;
  readonly complete: ProduceCompletion;
  timer: Timer | undefined;
  settled: boolean;
}

export class DelayedProduceQueue {
  private readonly waiting: WaitingProduce[] = [];
  private activeCount = 0;

  constructor(
    private readonly clock: Clock,
    private readonly maxWaiting: number,
  ) {
    assert(maxWaiting > 0, 'the produce queue needs room for at least one request');
  }

  size(): number {
    return this.activeCount;
  }

  /** Counts timed-out entries not yet dropped too, so the array itself stays bounded. */
  isFull(): boolean {
    return this.waiting.length >= this.maxWaiting;
  }

  /** Waits until the high watermark reaches `requiredOffset` (the batch's last offset + 1). */
  add(requiredOffset: number, timeoutMs: number, complete: ProduceCompletion): void {
    assert(!this.isFull(), `at most ${this.maxWaiting} produces may wait`);
    const last = this.waiting[this.waiting.length - 1];
    assert(!last || last.requiredOffset <= requiredOffset, 'waiting produces are queued in offset order');
    const entry: WaitingProduce = { requiredOffset, complete, timer: undefined, settled: false };
    entry.timer = this.clock.schedule(Math.max(0, timeoutMs), () => {
      this.settle(entry, errors.requestTimedOut(`not replicated to the ISR within ${timeoutMs} ms`));
      this.dropSettledHead();
    });
    this.waiting.push(entry);
    this.activeCount++;
  }

  /**
   * The high watermark moved to `highWatermark`: completes every produce it passed. Kafka's rule:
   * if the ISR has since shrunk below min.insync.replicas the answer is
   * NOT_ENOUGH_REPLICAS_AFTER_APPEND (the data is there, but fewer copies than asked for).
   */
  onHighWatermark(highWatermark: number, isrSize: number, minInsyncReplicas: number): void {
    while (this.waiting.length > 0 && this.waiting[0]!.requiredOffset <= highWatermark) {
      const entry = this.waiting.shift()!;
      if (entry.settled) continue;
      this.settle(
        entry,
        isrSize < minInsyncReplicas
          ? errors.notEnoughReplicasAfterAppend(`ISR size ${isrSize} < min.insync.replicas ${minInsyncReplicas}`)
          : undefined,
      );
    }
    this.dropSettledHead();
  }

  /**
   * Fails every waiting produce (leadership lost, partition removed). The error is built only if
   * one waits: a broker taking thousands of partitions as follower would otherwise build (and
   * capture a stack for) thousands of errors nobody reads.
   */
  failAll(error: () => BrokerError): void {
    if (this.waiting.length === 0) return;
    const reason = error();
    const entries = this.waiting.splice(0, this.waiting.length);
    for (const entry of entries) if (!entry.settled) this.settle(entry, reason);
  }

  private settle(entry: WaitingProduce, error: BrokerError | undefined): void {
    if (entry.settled) return;
    entry.settled = true;
    entry.timer?.cancel();
    this.activeCount--;
    entry.complete(error);
  }

  /** Timed-out entries are removed lazily; dropping them from the head keeps the array small. */
  private dropSettledHead(): void {
    while (this.waiting.length > 0 && this.waiting[0]!.settled) this.waiting.shift();
  }
}
