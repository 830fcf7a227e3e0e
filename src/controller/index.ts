/**
 * The active controller: the one node (the Raft leader of the metadata quorum) that decides broker
 * liveness, partition leaders and ISRs, topic creation, growth and deletion, and producer id
 * blocks. It is a pure core: every decision is a batch of metadata records for the node to propose
 * to Raft.
 *
 * Invariants:
 * - Decisions never change state directly; they are records, applied optimistically to the
 *   controller's latest image and for good once committed.
 * - Leaders are elected only among active (unfenced, not shutting down) ISR members, in assignment
 *   order, unless the topic enables unclean election. The ISR never empties: its last member stays.
 * - Broker epochs and producer ids come from the image, so they stay unique across failovers.
 * - Time comes from the Clock and randomness from the Random it is given; nothing else.
 */
export { QuorumController, type QuorumControllerOptions } from './quorum-controller.js';
export * from './types.js';
export { buildPartitionChange, isrWithout, type Election, type PartitionChangeTarget } from './partition-change.js';
export { placeAddedReplicas, placeReplicas } from './placement.js';
export { MAX_NEW_PARTITIONS_PER_TOPIC, validateNewPartitions } from './create-partitions.js';
export { PRODUCER_ID_BLOCK_SIZE } from './producer-ids.js';
export {
  DEFAULT_NUM_PARTITIONS,
  DEFAULT_REPLICATION_FACTOR,
  MAX_TOPIC_NAME_LENGTH,
  validateTopicName,
} from './create-topics.js';
export { isKafkaError } from './controller-errors.js';
export type { AlterConfigsRequest, AlterConfigsResult } from './alter-configs.js';
