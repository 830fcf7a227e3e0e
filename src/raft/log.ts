/**
 * A node's in-memory Raft log: the snapshot it starts from, then the entries after it.
 *
 * It also tracks the three marks the rest of the core reasons about, always ordered
 * `applied <= committed <= lastIndex` and `snapshotIndex <= committed`:
 * - `persistedIndex`: the driver made entries up to here durable (later ones are "unstable" and
 *   go out in the next Ready);
 * - `committed`: known committed by a quorum;
 * - `applied`: handed to the state machine and acknowledged with advance().
 */
// Checks on hot paths throw AssertionFailure directly, so their message is built only on failure.
import { AssertionFailure, assert } from '../common/errors.js';
import type { Entry, Membership, Snapshot } from './types.js';

export interface EntryId {
  readonly index: number;
  readonly term: number;
}

export class RaftLog {
  /** Index and term of the last entry the snapshot covers (0 and 0 without one). */
  private offsetIndex: number;
  private offsetTerm: number;
  /** entries[i].index === offsetIndex + 1 + i */
  private entries: Entry[];
  /** The latest snapshot, sent to followers whose next entry was compacted away. */
  snapshot: Snapshot | undefined;
  /** A snapshot received from a leader that the driver has not persisted yet. */
  pendingSnapshot: Snapshot | undefined;
  committed: number;
  applied: number;
  persistedIndex: number;

  constructor(snapshot: Snapshot | undefined, entries: readonly Entry[], committed: number) {
    this.snapshot = snapshot;
    this.pendingSnapshot = undefined;
    this.offsetIndex = snapshot?.meta.index ?? 0;
    this.offsetTerm = snapshot?.meta.term ?? 0;
    this.entries = [];
    entries.forEach((entry, i) => {
      assert(entry.index === this.offsetIndex + 1 + i, `initial entries must follow the snapshot contiguously (got ${entry.index})`);
      this.entries.push(entry);
    });
    this.persistedIndex = this.lastIndex();
    this.committed = Math.max(committed, this.offsetIndex);
    assert(this.committed <= this.lastIndex(), `commit ${committed} beyond the last index ${this.lastIndex()}`);
    // The state machine restarts from the snapshot and re-applies committed entries after it.
    this.applied = this.offsetIndex;
  }

  /** Index of the first entry still held in memory (the one after the snapshot). */
  firstIndex(): number {
    return this.offsetIndex + 1;
  }

  lastIndex(): number {
    return this.offsetIndex + this.entries.length;
  }

  lastTerm(): number {
    return this.term(this.lastIndex())!;
  }

  snapshotIndex(): number {
    return this.offsetIndex;
  }

  /** The term of the entry at `index`, or undefined when it was compacted or does not exist yet. */
  term(index: number): number | undefined {
    if (index === this.offsetIndex) return this.offsetTerm;
    if (index < this.offsetIndex || index > this.lastIndex()) return undefined;
    return this.entries[index - this.offsetIndex - 1]!.term;
  }

  entry(index: number): Entry | undefined {
    if (index <= this.offsetIndex || index > this.lastIndex()) return undefined;
    return this.entries[index - this.offsetIndex - 1];
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Up to `maxCount` entries from `from`; undefined when `from` was compacted away. */
  entriesFrom(from: number, maxCount: number): Entry[] | undefined {
    if (from <= this.offsetIndex) return undefined;
    const start = from - this.offsetIndex - 1;
    return this.entries.slice(start, start + maxCount);
  }

  /** Entries in [from, to], all of which must be held in memory. */
  slice(from: number, to: number): Entry[] {
    if (to < from) return [];
    if (from <= this.offsetIndex || to > this.lastIndex()) throw new AssertionFailure(`slice [${from}, ${to}] outside the log (${this.offsetIndex}, ${this.lastIndex()}]`);
    return this.entries.slice(from - this.offsetIndex - 1, to - this.offsetIndex);
  }

  /** Raft's election restriction: is a log ending at (lastIndex, lastTerm) at least as up to date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /** A leader appends its own new entries at the end. */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    if (entries[0]!.index !== this.lastIndex() + 1) throw new AssertionFailure(`leader append at ${entries[0]!.index} must follow ${this.lastIndex()}`);
    for (const entry of entries) this.entries.push(entry);
  }

  /**
   * A follower's append: if our log holds (prevIndex, prevTerm), keep the entries that agree, drop
   * any conflicting suffix and add the rest. Returns the index of the last new entry, or
   * undefined when the logs do not agree at prevIndex.
   */
  maybeAppend(prevIndex: number, prevTerm: number, leaderCommit: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNewIndex = prevIndex + entries.length;
    const conflictIndex = this.findConflict(entries);
    if (conflictIndex !== 0) {
      assert(conflictIndex > this.committed, `entry ${conflictIndex} conflicts with the committed log (commit ${this.committed})`);
      this.truncateAndAppend(entries.slice(conflictIndex - prevIndex - 1));
    }
    this.commitTo(Math.min(leaderCommit, lastNewIndex));
    return lastNewIndex;
  }

  /** Index of the first entry that is new or disagrees with ours; 0 if we hold them all. */
  private findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  private truncateAndAppend(entries: readonly Entry[]): void {
    const first = entries[0]!.index;
    if (first <= this.offsetIndex || first > this.lastIndex() + 1) throw new AssertionFailure(`append at ${first} leaves a gap after ${this.lastIndex()}`);
    this.entries.length = first - this.offsetIndex - 1;
    this.persistedIndex = Math.min(this.persistedIndex, first - 1);
    for (const entry of entries) this.entries.push(entry);
  }

  /**
   * The largest index <= `index` whose term is <= `term`, with that term: no entry above it can
   * match a log whose entry at `index` has term `term`, because terms never decrease along a log.
   * A compacted or missing index is returned with term 0 (unknown: maybe a match).
   */
  findConflictByTerm(index: number, term: number): EntryId {
    for (let i = index; i > 0; i--) {
      const ourTerm = this.term(i);
      if (ourTerm === undefined) return { index: i, term: 0 };
      if (ourTerm <= term) return { index: i, term: ourTerm };
    }
    return { index: 0, term: 0 };
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    if (index > this.lastIndex()) throw new AssertionFailure(`commit ${index} beyond the last index ${this.lastIndex()}: log lost or corrupted`);
    this.committed = index;
  }

  /** Committed entries not yet handed to the state machine. */
  nextCommittedEntries(): Entry[] {
    const from = Math.max(this.applied, this.offsetIndex) + 1;
    return this.slice(from, this.committed);
  }

  hasCommittedToApply(): boolean {
    return this.committed > Math.max(this.applied, this.offsetIndex);
  }

  appliedTo(index: number): void {
    if (index > this.committed) throw new AssertionFailure(`applied ${index} beyond commit ${this.committed}`);
    if (index > this.applied) this.applied = index;
  }

  /** Entries the driver has not yet made durable. */
  unstableEntries(): Entry[] {
    return this.slice(this.persistedIndex + 1, this.lastIndex());
  }

  /**
   * The driver made entries up to `id` durable. Ignored when the log changed since they were handed
   * out (the entry at that index now has another term, or a snapshot replaced it).
   */
  stableTo(id: EntryId): void {
    if (id.index <= this.persistedIndex || !this.matchTerm(id.index, id.term)) return;
    this.persistedIndex = id.index;
  }

  /**
   * Replaces the whole log with a snapshot received from the leader. The caller has checked that
   * the snapshot is newer than our commit and that our log does not already hold its last entry.
   */
  restore(snapshot: Snapshot): void {
    const { index, term } = snapshot.meta;
    assert(index > this.committed, `restoring snapshot ${index} at or below commit ${this.committed}`);
    this.offsetIndex = index;
    this.offsetTerm = term;
    this.entries = [];
    this.committed = index;
    this.persistedIndex = index;
    this.snapshot = snapshot;
    this.pendingSnapshot = snapshot;
  }

  snapshotPersisted(snapshot: Snapshot): void {
    if (this.pendingSnapshot === snapshot) this.pendingSnapshot = undefined;
  }

  /**
   * Keeps the application's snapshot at an applied index and drops the entries it covers.
   * Returns false when an equal or newer snapshot is already in place.
   */
  compact(index: number, data: Uint8Array, membership: Membership): boolean {
    if (index <= this.offsetIndex) return false;
    assert(index <= this.applied, `snapshot at ${index} beyond applied ${this.applied}`);
    assert(index <= this.persistedIndex, `snapshot at ${index} beyond persisted ${this.persistedIndex}`);
    const term = this.term(index)!;
    this.snapshot = { meta: { index, term, membership }, data };
    this.entries = this.entries.slice(index - this.offsetIndex);
    this.offsetIndex = index;
    this.offsetTerm = term;
    return true;
  }
}
