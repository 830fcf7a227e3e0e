/**
 * Raft storage held in memory: for unit tests and the deterministic simulation, where a "crash" is
 * modelled by building a new node from `load()` of the same storage object. Follows the same
 * contract as the file storage (shared contract tests), minus durability across processes.
 */
import { assert } from '../../common/errors.js';
import { NONE, type Entry, type HardState, type RaftInitialState, type RaftStorage, type Snapshot } from '../types.js';
import { checkAppendable, entriesAfterSnapshot } from './log-rules.js';

export const EMPTY_HARD_STATE: HardState = Object.freeze({ term: 0, vote: NONE, commit: 0 });

export class MemoryRaftStorage implements RaftStorage {
  private hardState: HardState = EMPTY_HARD_STATE;
  private snapshot: Snapshot | undefined;
  /** Contiguous entries after the snapshot (if any). */
  private entries: Entry[] = [];
  private closed = false;

  async load(): Promise<RaftInitialState> {
    this.checkOpen();
    return {
      hardState: this.hardState,
      ...(this.snapshot ? { snapshot: this.snapshot } : {}),
      entries: [...this.entries],
    };
  }

  async append(entries: readonly Entry[]): Promise<void> {
    this.checkOpen();
    if (entries.length === 0) return;
    const first = entries[0]!.index;
    checkAppendable(entries, this.firstIndex(), this.lastIndex());
    // Keep everything before `first`, replace the rest.
    this.entries.length = Math.max(0, first - this.firstIndex());
    for (const e of entries) this.entries.push(e);
  }

  async setHardState(state: HardState): Promise<void> {
    this.checkOpen();
    this.hardState = { term: state.term, vote: state.vote, commit: state.commit };
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    this.checkOpen();
    assert(!this.snapshot || snapshot.meta.index >= this.snapshot.meta.index, 'snapshot index went backwards');
    this.entries = entriesAfterSnapshot(this.entries, snapshot);
    this.snapshot = snapshot;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Reopens after `close()`, keeping the contents, as a restarted process would find them on disk. */
  reopen(): void {
    this.closed = false;
  }

  /** First index a new entry may take without a gap: one past the snapshot. */
  private firstIndex(): number {
    return (this.snapshot?.meta.index ?? 0) + 1;
  }

  private lastIndex(): number {
    return this.firstIndex() + this.entries.length - 1;
  }

  private checkOpen(): void {
    assert(!this.closed, 'raft storage used after close');
  }
}
