/**
 * Builds the Ready batches handed to the driver and settles them on advance().
 *
 * A Ready holds everything since the last advance(). advance() acknowledges exactly what the last
 * ready() returned, so the driver may keep stepping the core while it persists: whatever changed
 * after ready() stays for the next one.
 */
import type { EntryId } from './log.js';
import type { RaftState } from './state.js';
import type { HardState, Ready, Snapshot, SoftState } from './types.js';

interface HandedOut {
  readonly messageCount: number;
  readonly lastEntry: EntryId | undefined;
  readonly hardState: HardState | undefined;
  readonly snapshot: Snapshot | undefined;
  readonly appliedTo: number;
  readonly softState: SoftState;
}

export class ReadyTracker {
  private persistedHardState: HardState;
  private reportedSoftState: SoftState;
  private handedOut: HandedOut | undefined;

  constructor(s: RaftState) {
    this.persistedHardState = s.hardState();
    this.reportedSoftState = softStateOf(s);
  }

  hasReady(s: RaftState): boolean {
    return (
      s.outbox.length > 0 ||
      s.log.pendingSnapshot !== undefined ||
      s.log.persistedIndex < s.log.lastIndex() ||
      s.log.hasCommittedToApply() ||
      !sameHardState(this.persistedHardState, s.hardState()) ||
      !sameSoftState(this.reportedSoftState, softStateOf(s))
    );
  }

  build(s: RaftState): Ready {
    const hardState = s.hardState();
    const softState = softStateOf(s);
    const entries = s.log.unstableEntries();
    const committed = s.log.nextCommittedEntries();
    const snapshot = s.log.pendingSnapshot;
    const hardStateChanged = !sameHardState(this.persistedHardState, hardState);
    const last = entries[entries.length - 1];
    this.handedOut = {
      messageCount: s.outbox.length,
      lastEntry: last && { index: last.index, term: last.term },
      hardState: hardStateChanged ? hardState : undefined,
      snapshot,
      appliedTo: committed.length > 0 ? committed[committed.length - 1]!.index : 0,
      softState,
    };
    // Every key is always present (unset ones undefined): one object shape keeps this path fast.
    return {
      hardState: hardStateChanged ? hardState : undefined,
      entries,
      snapshot,
      messages: s.outbox.slice(),
      committed,
      softState: sameSoftState(this.reportedSoftState, softState) ? undefined : softState,
    };
  }

  /** The driver persisted, sent and applied the last Ready. */
  advance(s: RaftState): void {
    const done = this.handedOut;
    if (done === undefined) return;
    this.handedOut = undefined;
    s.outbox.splice(0, done.messageCount);
    if (done.hardState) this.persistedHardState = done.hardState;
    this.reportedSoftState = done.softState;
    if (done.snapshot) {
      s.log.snapshotPersisted(done.snapshot);
      // The state machine was restored from the snapshot.
      s.log.appliedTo(Math.min(done.snapshot.meta.index, s.log.committed));
    }
    if (done.lastEntry) s.log.stableTo(done.lastEntry);
    if (done.appliedTo > 0) s.log.appliedTo(done.appliedTo);
  }
}

function softStateOf(s: RaftState): SoftState {
  return { leader: s.lead, role: s.role };
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

function sameSoftState(a: SoftState, b: SoftState): boolean {
  return a.leader === b.leader && a.role === b.role;
}
