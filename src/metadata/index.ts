/**
 * Metadata: the records the active controller appends to the metadata log, the image every node
 * builds by applying them in log order, and the snapshots that stand for a log prefix.
 *
 * Invariants:
 * - State changes only through records; applying the same records at the same indexes gives the
 *   same image on every node (no clock, no randomness, deterministic map order).
 * - Images are never mutated: `applyRecords` returns a new image sharing untouched maps.
 * - Every partition's ISR is a non-empty subset of its replicas, and its leader is in the ISR or
 *   is NO_LEADER. A leader change bumps the leader epoch; any change bumps the partition epoch.
 * - A record that contradicts the image is a broken log and fails an assertion.
 */
export * from './types.js';
export * from './records.js';
export { encodeRecords, decodeRecords } from './codec.js';
export * from './image.js';
export { imageToRecords, encodeSnapshot, decodeSnapshot } from './snapshot.js';
export {
  TOPIC_CONFIGS,
  resolveTopicConfig,
  validateTopicConfig,
  validateTopicConfigs,
  type ResolvedTopicConfig,
} from './topic-config.js';
