/**
 * What a simulated node keeps on "disk": hard state, log entries and snapshot. A crash keeps this
 * and loses everything else, so only what the driver persisted survives a restart. The Raft
 * simulation's RaftDriver writes it through `asRaftStorage()` (behind a DelayedRaftStorage);
 * unit tests persist whole Readies with `persist`.
 */
import { AssertionFailure } from '../common/errors.js';
import { entriesAfterSnapshot } from '../raft/storage/log-rules.js';
import type { Entry, HardState, RaftInitialState, RaftStorage, Ready, Snapshot } from '../raft/types.js';

export class DurableState {
  private hardState: HardState = { term: 0, vote: 0, commit: 0 };
  private snapshot: Snapshot | undefined;
  private entries: Entry[] = [];
  /** Grows with every write, so observers can tell whether anything changed. */
  version = 0;

  /** Persists a Ready's snapshot, entries and hard state, in that order, as one atomic write. */
  persist(ready: Ready): void {
    this.version++;
    if (ready.snapshot) {
      // A snapshot from the leader replaces the whole log; its entries follow in `ready.entries`.
      this.snapshot = ready.snapshot;
      this.entries = [];
    }
    if (ready.entries.length > 0) this.appendEntries(ready.entries);
    if (ready.hardState) this.hardState = ready.hardState;
  }

  /** The application's own snapshot: the entries it covers are dropped. */
  saveSnapshot(snapshot: Snapshot): void {
    if (this.snapshot !== undefined && this.snapshot.meta.index >= snapshot.meta.index) return;
    this.version++;
    const keepFrom = this.entries.findIndex((e) => e.index > snapshot.meta.index);
    this.entries = keepFrom < 0 ? [] : this.entries.slice(keepFrom);
    this.snapshot = snapshot;
  }

  /** Appends entries, first dropping any at index >= entries[0].index (RaftStorage.append). */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    this.version++;
    this.appendEntries(entries);
  }

  setHardState(state: HardState): void {
    this.version++;
    this.hardState = { term: state.term, vote: state.vote, commit: state.commit };
  }

  /** Saves a snapshot, keeping only the entries after it that agree with it (RaftStorage.saveSnapshot). */
  storeSnapshot(snapshot: Snapshot): void {
    if (this.snapshot !== undefined && snapshot.meta.index < this.snapshot.meta.index) {
      throw new AssertionFailure(`snapshot at ${snapshot.meta.index} is older than the one held at ${this.snapshot.meta.index}`);
    }
    this.version++;
    this.entries = entriesAfterSnapshot(this.entries, snapshot);
    this.snapshot = snapshot;
  }

  /** This disk as RaftStorage: every write lands the moment it is called (the promise only reports it). */
  asRaftStorage(): RaftStorage {
    return {
      load: async () => this.load(),
      append: async (entries) => this.append(entries),
      setHardState: async (state) => this.setHardState(state),
      saveSnapshot: async (snapshot) => this.storeSnapshot(snapshot),
      close: async () => {},
    };
  }

  load(): RaftInitialState {
    const base = { hardState: this.hardState, entries: this.entries.slice() };
    return this.snapshot ? { ...base, snapshot: this.snapshot } : base;
  }

  lastIndex(): number {
    return this.entries.length > 0 ? this.entries[this.entries.length - 1]!.index : (this.snapshot?.meta.index ?? 0);
  }

  lastTerm(): number {
    return this.entries.length > 0 ? this.entries[this.entries.length - 1]!.term : (this.snapshot?.meta.term ?? 0);
  }

  /** Does the durable log hold the entry (index, term)? Indexes the snapshot covers count as held. */
  holds(index: number, term: number): boolean {
    const offset = this.snapshot?.meta.index ?? 0;
    if (index <= offset) return true;
    return this.entries[index - offset - 1]?.term === term;
  }

  private appendEntries(entries: readonly Entry[]): void {
    const first = entries[0]!.index;
    if (first > this.lastIndex() + 1) throw new AssertionFailure(`persisting entries from ${first} would leave a gap after ${this.lastIndex()}`);
    const offset = this.snapshot?.meta.index ?? 0;
    if (first <= offset) throw new AssertionFailure(`persisting entry ${first} already covered by the snapshot at ${offset}`);
    this.entries.length = first - offset - 1;
    for (const entry of entries) this.entries.push(entry);
  }
}
