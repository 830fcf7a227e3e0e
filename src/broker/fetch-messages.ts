/**
 * Request and response shapes of the two kinds of fetch a leader serves: replica fetches (a
 * follower copying the log, one multi-partition request per (follower, leader) pair) and consumer
 * fetches. Records travel as whole v2 batches, back to back, never decoded here. The replication
 * proto mirrors the replica shapes field for field.
 */
import type { BrokerError } from '../common/errors.js';
import type { BrokerId } from '../metadata/types.js';

/** Where a follower's log and the leader's part: the follower truncates to at most `endOffset`. */
export interface DivergingEpoch {
  /** The largest epoch the leader knows that is <= the follower's last fetched epoch (-1: none). */
  readonly epoch: number;
  /** Where that epoch ends in the leader's log (-1: unknown). */
  readonly endOffset: number;
}

export interface ReplicaFetchPartitionRequest {
  readonly topicId: string;
  readonly partition: number;
  /** The follower's log end offset: the leader takes it as the follower's LEO. */
  readonly fetchOffset: number;
  /** Epoch of the last batch in the follower's log, -1 if it has none. */
  readonly lastFetchedEpoch: number;
  /** The leader epoch the follower believes current; fences stale leaders and followers. */
  readonly currentLeaderEpoch: number;
  readonly logStartOffset: number;
  /**
   * The leader's high watermark as of the follower's last answer (-1: none yet). A partition whose
   * answer would only repeat it (no records, no error, the same high watermark, no log start to
   * follow) is left out of the response, so an idle follower costs little per partition.
   */
  readonly knownHighWatermark: number;
}

export interface ReplicaFetchRequest {
  readonly replicaId: BrokerId;
  readonly brokerEpoch: number;
  /** How long the leader may hold the request when nothing new is there. */
  readonly maxWaitMs: number;
  /** Answer early once this many bytes are ready. */
  readonly minBytes: number;
  /** Bytes per partition (at least one whole batch is always returned). */
  readonly maxBytes: number;
  /**
   * Without a session, `partitions` is everything to fetch. With one (see `FetchSessionCache`),
   * epoch 0 starts it with `partitions`, and later epochs list only what changed.
   */
  readonly partitions: readonly ReplicaFetchPartitionRequest[];
  readonly session?: FetchSessionRef;
}

export interface FetchSessionRef {
  /** Chosen by the follower, new for each full fetch. */
  readonly id: number;
  /** 0 for the full fetch that starts the session, then 1, 2, … */
  readonly epoch: number;
  /** Partitions to drop from the session (no longer fetched from this leader). */
  readonly forgotten: readonly { readonly topicId: string; readonly partition: number }[];
}

export interface ReplicaFetchPartitionResponse {
  readonly topicId: string;
  readonly partition: number;
  readonly error?: BrokerError;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  /** Whole batches starting at the fetch offset; empty when there is nothing new or on error. */
  readonly records: Buffer;
  /** Set instead of records when the follower's log has diverged from the leader's. */
  readonly divergingEpoch?: DivergingEpoch;
}

export interface ReplicaFetchResponse {
  /** Set when the whole request failed (the partitions list is then empty). */
  readonly error?: BrokerError;
  /** The partitions with news for the follower; the others had none (see `knownHighWatermark`). */
  readonly partitions: readonly ReplicaFetchPartitionResponse[];
}

/** True when the answer tells the follower nothing it does not know: it can be left out. */
export function repeatsWhatFollowerKnows(
  request: ReplicaFetchPartitionRequest,
  response: Pick<ReplicaFetchPartitionResponse, 'records' | 'error' | 'divergingEpoch' | 'highWatermark' | 'logStartOffset'>,
): boolean {
  return (
    response.records.length === 0 &&
    response.error === undefined &&
    response.divergingEpoch === undefined &&
    request.knownHighWatermark >= 0 &&
    response.highWatermark === request.knownHighWatermark &&
    response.logStartOffset <= request.logStartOffset
  );
}

export interface ConsumerFetchPartitionRequest {
  readonly topic: string;
  readonly partition: number;
  readonly fetchOffset: number;
  /** Per-partition byte limit; the request's `maxBytes` when absent. */
  readonly maxBytes?: number;
  /** KIP-320: the epoch the consumer last saw; -1 or absent skips the check. */
  readonly currentLeaderEpoch?: number;
}

export interface ConsumerFetchRequest {
  readonly maxWaitMs: number;
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly partitions: readonly ConsumerFetchPartitionRequest[];
}

export interface ConsumerFetchPartitionResponse {
  readonly topic: string;
  readonly partition: number;
  readonly error?: BrokerError;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  /** Whole batches, all below the high watermark. */
  readonly records: Buffer;
}

export interface ConsumerFetchResponse {
  readonly partitions: readonly ConsumerFetchPartitionResponse[];
}

export const NO_RECORDS: Buffer = Buffer.alloc(0);
