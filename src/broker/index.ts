/**
 * The replica side of a broker: the partitions it hosts as leader or follower, Kafka's
 * replication semantics, and the pure cores that decide them (time from a Clock, logs and the
 * network injected).
 *
 * - `ReplicaManager` hosts the partitions, applies metadata, routes produce and fetch requests,
 *   holds long polls, sends ISR changes to the controller and runs one fetcher per leader.
 * - `Partition` is one replica: `LeaderReplica` (over `LeaderState`, `IsrTracker`,
 *   `FollowerProgress` and `DelayedProduceQueue`) while it leads, `FollowerState` while it follows.
 * - `ReplicaFetcher` is a follower's fetch loop against one leader over a `ReplicaFetchSession`.
 *
 * Invariants: logStartOffset <= highWatermark <= logEndOffset on every replica. The leader's high
 * watermark is the smallest log end offset over the maximal ISR (committed ISR plus replicas
 * being added) and never moves backwards while it leads. acks=all is refused before appending
 * when the ISR is smaller than min.insync.replicas and answered only once the high watermark
 * passes the batch. Consumers never read at or above the high watermark. At most one ISR change
 * is in flight per partition. Requests carrying an older leader epoch are fenced. Every wait
 * (produce, long poll, fetch, ISR resend) is bounded in time and every queue in size.
 *
 * A new leader epoch's start offset enters the log's epoch cache at the leader's first append in
 * that epoch; until then the leader treats its log end offset at election as the epoch's start
 * (for ISR expansion and for answering followers' last fetched epochs).
 */
export * from './types.js';
export * from './fetch-messages.js';
export * from './produce-messages.js';
export { Partition, type FollowerFetchArgs, type PartitionContext, type PartitionListener } from './partition.js';
export type { AlterPartitionOutcome } from './isr-tracker.js';
export type { FollowerFetchOutcome } from './follower-state.js';
export {
  ReplicaManager,
  type MetadataUpdate,
  type HostedPartitionId,
  type PartitionRef,
  type ReplicaManagerLimits,
  type ReplicaManagerOptions,
  type RoleChanges,
} from './replica-manager.js';
export {
  ReplicaFetcher,
  ReplicaFetcherPool,
  type FetchTarget,
  type FollowerPartitionSource,
  type ReplicaFetchSession,
  type ReplicaFetcherOptions,
} from './replica-fetcher.js';
