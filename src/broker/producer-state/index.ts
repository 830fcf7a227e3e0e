/**
 * Idempotent-producer state of one partition replica: for each producer id, its epoch and its last
 * five batches, so the leader can answer a retried batch with its original offsets instead of
 * appending it twice, and refuse gaps and fenced epochs, with Kafka 3.x's rules and error names.
 *
 * Invariants: the state is a function of the log (every appended batch, leader or follower path,
 * updates it in log order), so a new leader already holds every producer's sequences; truncating
 * the log rolls the state back to exactly what the remaining log implies; snapshots are written
 * atomically, checked by CRC-32C, and a corrupt or out-of-range one is skipped, never trusted.
 * The broker talks to `ProducerStateGuard` (see producer-state-guard.ts for the call sites).
 */
export { ProducerStateGuard, type ProducerStateGuardOptions } from './producer-state-guard.js';
export { ProducerStateManager, type ProducerStateManagerOptions, type RebuildReport } from './producer-state-manager.js';
export { checkProduce, isIdempotent, type ProduceCheck } from './produce-check.js';
export {
  BATCHES_RETAINED_PER_PRODUCER,
  MAX_SEQUENCE,
  ProducerEntry,
  isNextSequence,
  lastSequenceOf,
  type AppendedBatchHeader,
  type BatchMetadata,
  type ProducerBatchHeader,
  type ProducerEntryView,
} from './producer-entry.js';
export { DEFAULT_PRODUCER_STATE_CONFIG, resolveProducerStateConfig, type ProducerStateConfig } from './config.js';
export { ProducerSnapshotStore, SNAPSHOT_FILE_SUFFIX, parseSnapshotFileName, snapshotFileName } from './snapshot-store.js';
export { decodeSnapshot, encodeSnapshot, type DecodedSnapshot, type ProducerStateSnapshot } from './snapshot-codec.js';
export { replayLog, type ReplayStats } from './log-replay.js';
export { IdempotentLog, type IdempotentLogOptions } from './idempotent-log.js';
