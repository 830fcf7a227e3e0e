/**
 * How the RaftDriver makes a Ready durable before its messages go out. Safety needs the snapshot,
 * the term and the vote durable before any message is sent, and the log durable before a commit
 * index that covers it (otherwise a crash could leave a commit beyond the log).
 *
 * A change of the commit index alone is different: a restarted node learns it again from the
 * leader, so when it covers only entries that are already durable it is written in the
 * background, at most every `commitPersistIntervalMs`, instead of delaying every message by a
 * file replace (temp file, fsync, rename, directory fsync).
 */
import type { Clock, Timer } from '../common/clock.js';
import type { HardState, NodeId, RaftStorage, Ready } from './types.js';

export class ReadyPersister {
  /** Term and vote known durable; undefined until the first hard state is written. */
  private persistedTerm: number | undefined;
  private persistedVote: NodeId | undefined;
  /** A commit-only hard state waiting for its throttled background write. */
  private commitToPersist: HardState | undefined;
  private commitWriteTimer: Timer | undefined;
  private lastCommitWriteAt = -Infinity;
  private stopped = false;

  constructor(
    private readonly storage: RaftStorage,
    private readonly clock: Clock,
    private readonly commitPersistIntervalMs: number,
    /** Called when a background write fails. */
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * Whether persisting `ready` changes nothing but the log and the commit index: no snapshot, and
   * the term and vote already durable. Then a leader's messages need nothing from this write.
   */
  onlyLogAndCommit(ready: Ready): boolean {
    if (ready.snapshot) return false;
    return !ready.hardState || this.termAndVoteDurable(ready.hardState);
  }

  /** Resolves when the Ready's messages may be sent. */
  async persist(ready: Ready): Promise<void> {
    const { storage } = this;
    const { entries, hardState } = ready;
    if (ready.snapshot) await storage.saveSnapshot(ready.snapshot);
    const firstNew = entries[0]?.index ?? Infinity;
    if (!hardState) {
      if (entries.length > 0) await storage.append(entries);
      return;
    }
    if (this.termAndVoteDurable(hardState) && hardState.commit < firstNew) {
      this.persistCommitLater(hardState);
      if (entries.length > 0) await storage.append(entries);
      return;
    }
    // This write carries the newest commit too; a delayed older one must not land after it.
    this.cancelCommitWrite();
    if (entries.length > 0 && hardState.commit < firstNew) {
      await Promise.all([storage.append(entries), storage.setHardState(hardState)]);
    } else {
      if (entries.length > 0) await storage.append(entries);
      await storage.setHardState(hardState);
    }
    this.persistedTerm = hardState.term;
    this.persistedVote = hardState.vote;
  }

  /** `state` differs from what is on disk in its commit index at most. */
  private termAndVoteDurable(state: HardState): boolean {
    return state.term === this.persistedTerm && state.vote === this.persistedVote;
  }

  stop(): void {
    this.stopped = true;
    this.cancelCommitWrite();
  }

  private persistCommitLater(state: HardState): void {
    this.commitToPersist = state;
    if (this.commitWriteTimer) return;
    const waitMs = Math.max(0, this.lastCommitWriteAt + this.commitPersistIntervalMs - this.clock.monotonic());
    this.commitWriteTimer = this.clock.schedule(waitMs, () => {
      this.commitWriteTimer = undefined;
      const latest = this.commitToPersist;
      this.commitToPersist = undefined;
      if (!latest || this.stopped) return;
      this.lastCommitWriteAt = this.clock.monotonic();
      this.storage.setHardState(latest).catch(this.onError);
    });
  }

  private cancelCommitWrite(): void {
    this.commitWriteTimer?.cancel();
    this.commitWriteTimer = undefined;
    this.commitToPersist = undefined;
  }
}
