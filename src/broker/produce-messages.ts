/** Request and response shapes of a produce as the replica manager takes it: one batch per partition. */
import type { ProduceResult } from './types.js';

export interface ProducePartitionRequest {
  readonly topic: string;
  readonly partition: number;
  /** One v2 record batch, as the producer built it. */
  readonly records: Buffer;
  /** The leader epoch the producer last saw; -1 or absent skips the check. */
  readonly currentLeaderEpoch?: number;
}

export interface ProduceRequest {
  /** -1 (all), 0 or 1. */
  readonly acks: number;
  /** How long an acks=all produce may wait for replication. */
  readonly timeoutMs: number;
  readonly partitions: readonly ProducePartitionRequest[];
}

export interface ProducePartitionResponse extends ProduceResult {
  readonly topic: string;
  readonly partition: number;
}

export interface ProduceResponse {
  /** In request order. */
  readonly partitions: readonly ProducePartitionResponse[];
}
