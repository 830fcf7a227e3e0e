/**
 * The history of a queue workload against one topic, as plain JSON-able data: what producers sent
 * and what they were told, what consumers read, and what every replica's log holds at the end.
 * The simulation records it; a run against real processes can record the same shape, so one
 * checker judges both.
 *
 * Values are unique per logical send: a producer never sends the same value in two different
 * sends, only in retries of one send (which may leave duplicates when the producer is not
 * idempotent).
 */

/** One record as somebody observed it: its offset in the partition and its value. */
export interface RecordAt {
  readonly offset: number;
  readonly value: string;
}

/**
 * How a send ended, in Jepsen's terms: `ok` acknowledged; `fail` certainly not written (refused
 * before the append); `info` unknown (timed out, or an error that may follow an append).
 */
export type SendOutcome = 'ok' | 'fail' | 'info';

/** One logical send of a batch of values to a partition, with all its retries folded in. */
export interface SendOp {
  /** The producer (one send in flight per producer, so its sends are ordered). */
  readonly process: string;
  readonly partition: number;
  readonly values: readonly string[];
  /** -1 (all) or 1: what the acknowledgement promised. */
  readonly acks: number;
  readonly invokeMs: number;
  readonly completeMs: number;
  readonly outcome: SendOutcome;
  /** The offset acknowledged for `values[0]` (the rest follow it); set when `outcome` is ok. */
  readonly offset?: number;
  /** The last error seen, when not ok. */
  readonly error?: string;
}

/** One consumer fetch that returned records (committed data only). */
export interface PollOp {
  readonly process: string;
  readonly partition: number;
  readonly invokeMs: number;
  readonly completeMs: number;
  readonly fetchOffset: number;
  /** Records at or above `fetchOffset`, in offset order. */
  readonly records: readonly RecordAt[];
}

/** One replica's log at the end of the run, read directly from its storage. */
export interface ReplicaLog {
  readonly node: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  /** Its records below the partition's final high watermark. */
  readonly records: readonly RecordAt[];
}

/** A partition at the end of the run, once the cluster was quiet. */
export interface FinalPartition {
  readonly partition: number;
  /** The final leader, or -1 when the partition ended offline. */
  readonly leader: number;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  /** The final leader's records below the high watermark: the partition as consumers will see it. */
  readonly records: readonly RecordAt[];
  /** Every assigned replica, the leader included. */
  readonly replicas: readonly ReplicaLog[];
}

export interface History {
  readonly topic: string;
  readonly sends: readonly SendOp[];
  readonly polls: readonly PollOp[];
  readonly final: readonly FinalPartition[];
}

/** The records a send was acknowledged at: value i at offset + i. */
export function acknowledgedRecords(send: SendOp): RecordAt[] {
  if (send.outcome !== 'ok' || send.offset === undefined) return [];
  return send.values.map((value, i) => ({ offset: send.offset! + i, value }));
}
