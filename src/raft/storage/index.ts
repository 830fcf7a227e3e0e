/**
 * Durable state of one Raft node behind the `RaftStorage` interface: `MemoryRaftStorage` for tests
 * and the simulation, `FileRaftStorage` for real processes. Both keep the log contiguous, replace
 * any suffix an append overlaps, keep only the entries after a snapshot that agree with it, and
 * resolve only once data is durable (fsynced for files).
 */
export { MemoryRaftStorage, EMPTY_HARD_STATE } from './memory.js';
export { FileRaftStorage, type FileRaftStorageOptions } from './file.js';
