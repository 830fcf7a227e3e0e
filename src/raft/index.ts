/**
 * The Raft consensus core for the metadata log, in the style of etcd-io/raft: a pure state machine
 * with no clock, no I/O and no randomness of its own. The driver calls tick() and step(), persists
 * and sends what ready() returns, applies its committed entries, then calls advance().
 *
 * Invariants the core keeps: at most one leader per term; a voter votes once per term and only for
 * an up-to-date log; a leader commits only entries of its own term once a quorum of voters has
 * them durably (its own copy counts after advance()); committed entries are never truncated.
 */
export * from './types.js';
export { RaftCore, type RaftConfig, type RaftStatus, type PeerProgress } from './core.js';
export type { ProgressState } from './progress.js';
