/**
 * Durable state of one Raft node behind the `RaftStorage` interface: `MemoryRaftStorage` for tests
 * and the simulation, `FileRaftStorage` for real processes. Both keep the log contiguous, resolve
 * only once data is durable, and replace any suffix an append overlaps.
 */
export { MemoryRaftStorage, EMPTY_HARD_STATE } from './memory.js';
