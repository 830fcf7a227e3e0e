/**
 * The batches of one partition that await an answer, and the rule that keeps the partition's
 * records in send order when some of them fail.
 *
 * Up to `maxInFlightPerPartition` batches are pipelined. When one fails retriably, the partition
 * stops sending and waits until every batch in flight has its answer; then it decides. Failed
 * batches are retried in their original order, one at a time (the in-flight limit is 1 while a
 * retried batch is outstanding), so a retry can never be overtaken again. Then:
 *
 * Without idempotence, a failed batch sent *before* a batch that was acknowledged is not retried:
 * it would land after records sent later. Its records fail with the batch's own (retriable) error
 * instead, and the caller decides whether a resend out of order is acceptable.
 *
 * With idempotence the broker checks sequence numbers, so every failed batch is retried: a later
 * batch was only accepted if the earlier one was written, and then the retry is answered as a
 * duplicate with its original offsets. A later batch refused with OUT_OF_ORDER_SEQUENCE_NUMBER
 * because an earlier one failed is retried after it, in sequence order (as Kafka's client does).
 * OUT_OF_ORDER_SEQUENCE_NUMBER with no unresolved batch before it means the chain has a hole the
 * broker will never fill (an earlier batch failed for good, or the broker lost the producer's
 * state): the decision then asks for the waiting batches to be stamped again under a new producer
 * identity (Kafka bumps the epoch for the same reason).
 */
import { BrokerError } from '../common/errors.js';
import type { ProducerBatch } from './producer-batch.js';

export interface RetryDecision {
  /** Batches to send again, in send order. */
  retry: ProducerBatch[];
  /** Batches that cannot be retried without reordering, with the error their records get. */
  abandon: Array<{ batch: ProducerBatch; error: BrokerError }>;
  /** The retried batches need new sequence numbers under a new producer identity. */
  restartSequences: boolean;
}

export class PartitionInFlight {
  /** In send order. */
  private readonly batches: ProducerBatch[] = [];

  constructor(private readonly idempotent: boolean) {}

  count(): number {
    return this.batches.length;
  }

  /** Whether the next batch (a retry if `nextIsRetry`) may be sent now. */
  canSend(maxInFlight: number, nextIsRetry: boolean): boolean {
    if (this.batches.some((b) => b.state === 'retriable-failure')) return false;
    const retrying = nextIsRetry || this.batches.some((b) => b.attempts > 1);
    return this.batches.length < (retrying ? 1 : maxInFlight);
  }

  add(batch: ProducerBatch): void {
    batch.state = 'in-flight';
    batch.attempts++;
    this.batches.push(batch);
  }

  acknowledged(batch: ProducerBatch, baseOffset: number): RetryDecision | undefined {
    batch.succeed(baseOffset);
    return this.settle();
  }

  failedFatally(batch: ProducerBatch, error: BrokerError): RetryDecision | undefined {
    batch.fail(error);
    return this.settle();
  }

  failedRetriably(batch: ProducerBatch, error: BrokerError): RetryDecision | undefined {
    batch.state = 'retriable-failure';
    batch.lastError = error;
    batch.errorsSeen.add(error.kafkaName);
    return this.settle();
  }

  /** Fails every batch in flight (the producer is closing). */
  failAll(error: BrokerError): void {
    for (const batch of this.batches) batch.fail(error);
    this.batches.length = 0;
  }

  /**
   * Drops batches that are done while nothing awaits a decision; once the last batch in flight has
   * its answer and some failed retriably, returns what to retry and what to give up.
   */
  private settle(): RetryDecision | undefined {
    const pendingFailures = this.batches.some((b) => b.state === 'retriable-failure');
    if (!pendingFailures) {
      this.removeDone();
      return undefined;
    }
    if (this.batches.some((b) => b.state === 'in-flight')) return undefined;

    const decision = this.idempotent ? this.decideWithSequences() : this.decideWithoutSequences();
    this.batches.length = 0;
    return decision;
  }

  private decideWithoutSequences(): RetryDecision {
    let lastAcknowledged = -1;
    this.batches.forEach((b, index) => {
      if (b.state === 'succeeded') lastAcknowledged = index;
    });
    const decision: RetryDecision = { retry: [], abandon: [], restartSequences: false };
    this.batches.forEach((b, index) => {
      if (b.state !== 'retriable-failure') return;
      if (index < lastAcknowledged) {
        decision.abandon.push({ batch: b, error: overtakenError(b) });
      } else {
        decision.retry.push(b);
      }
    });
    return decision;
  }

  private decideWithSequences(): RetryDecision {
    const decision: RetryDecision = { retry: [], abandon: [], restartSequences: false };
    for (const b of this.batches) {
      if (b.state !== 'retriable-failure') continue;
      // The first unresolved batch of the window refused as out of order: nothing before it can
      // explain the gap. Every batch after it is stamped again too (they follow it in sequence).
      if (decision.retry.length === 0 && isOutOfOrder(b)) decision.restartSequences = true;
      decision.retry.push(b);
    }
    return decision;
  }

  private removeDone(): void {
    const open = this.batches.filter((b) => !b.isDone());
    this.batches.splice(0, this.batches.length, ...open);
  }
}

export function isOutOfOrder(batch: ProducerBatch): boolean {
  return batch.lastError?.kafkaName === 'OUT_OF_ORDER_SEQUENCE_NUMBER';
}

function overtakenError(batch: ProducerBatch): BrokerError {
  const cause = batch.lastError!;
  return new BrokerError(
    cause.kafkaName,
    `${batch.topic}-${batch.partition}: not retried after ${cause.kafkaName} because a batch sent after it was already written; retrying would reorder the partition (${cause.message})`,
    { cause },
  );
}
