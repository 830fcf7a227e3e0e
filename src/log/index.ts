/**
 * One replica's partition log: whole v2 record batches in segments, a sparse offset index per
 * segment, the leader-epoch cache, retention, flushing, and recovery after a crash, all above a
 * byte-level Storage with a file and a memory implementation.
 *
 * Invariants: offsets increase from the first segment's base to the log end (with gaps only where
 * the cleaner removed whole batches of a compacted log, or a follower copied such gaps); every stored
 * batch passed its CRC check on the way in; the recovery point never claims more than is durable;
 * checkpoints are replaced atomically; after an unclean shutdown the log is the longest valid
 * prefix of what reached the storage. The log is synchronous and reads time only from its Clock.
 */
export type { AppendInfo, EpochEndOffset, LogReadResult, PartitionLog } from './types.js';
export { DEFAULT_LOG_CONFIG, NEVER, resolveLogConfig, RUNTIME_LOG_SETTINGS, type LogConfig, type RuntimeLogSettings } from './config.js';
export { openPartitionLog, deletePartitionLog, partitionLogDir, type OpenPartitionLogOptions } from './open-log.js';
export { SegmentedLog } from './segmented-log.js';
export { DEFAULT_DEDUPE_BUFFER_BYTES } from './cleaner/offset-map.js';
export { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET, type EpochEntry } from './epoch/leader-epoch-cache.js';
export type { Storage, StorageFile } from './storage/storage.js';
export { FileStorage } from './storage/file-storage.js';
export { preparePartitionDirs } from './storage/prepare-partition-dirs.js';
export { MemoryStorage, type CrashOptions } from './storage/memory-storage.js';
export { partitionDirName } from './segment/file-names.js';
export * from './batch/index.js';
