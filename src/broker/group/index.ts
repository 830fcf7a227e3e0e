/**
 * The group coordinator: Kafka's classic consumer-group protocol (JoinGroup, SyncGroup,
 * Heartbeat, LeaveGroup) and committed offsets (OffsetCommit, OffsetFetch), for the groups whose
 * `__consumer_offsets` partition this broker leads (`abs(hashCode(groupId)) % 50`, as Kafka).
 *
 * Roles: `GroupCoordinator` routes requests to the partition's groups; `GroupStateMachine` and
 * `Rebalancer` run one group's Empty -> PreparingRebalance -> CompletingRebalance -> Stable cycle;
 * `offsets.ts` decides who may commit; `offset-records.ts` encodes Kafka's record schemas;
 * `assignors.ts` holds the client-side range/round-robin assignors and the ConsumerProtocol bytes.
 *
 * Invariants:
 * - The log is the truth. Group generations and committed offsets change in memory only after
 *   their record is durable (acks=all); a coordinator that loads the partition rebuilds exactly
 *   the state that was acknowledged, so failover loses no committed offset or generation.
 * - A request for a group whose partition is not loaded here is answered NOT_COORDINATOR
 *   (COORDINATOR_LOAD_IN_PROGRESS while loading), and an unload answers every waiting request.
 * - Every wait is bounded: JoinGroup by the rebalance timeout (or the initial delay), SyncGroup by
 *   the rebalance timeout, members by their session timeout, appends by the writer's timeout.
 * - A group's state only moves along Kafka's legal transitions (asserted); members of an older
 *   generation are refused (ILLEGAL_GENERATION).
 * - Pure: time and timers from the Clock, member ids from the Random, no I/O.
 */
export * from './types.js';
export {
  DEFAULT_OFFSETS_TOPIC_PARTITIONS,
  DEFAULT_OFFSETS_TOPIC_REPLICATION_FACTOR,
  OFFSETS_TOPIC_NAME,
  javaStringHashCode,
  kafkaAbs,
  partitionForGroup,
} from './coordinator-key.js';
export { GroupCoordinator, type GroupCoordinatorOptions } from './coordinator.js';
export { commitAppendError, groupAppendError, type OffsetsTopicAppend, type OffsetsTopicWriter } from './offsets-topic-writer.js';
export { offsetsRecordsOfBatches, type LoadSummary } from './partition-loader.js';
export * from './offset-records.js';
export * from './assignors.js';
export { memberHost } from './member-host.js';
