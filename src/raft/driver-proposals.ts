/**
 * The RaftDriver's proposals that are in the log and wait to be committed and applied. Each one
 * settles exactly once:
 * - resolved when the entry at its index is applied with its term;
 * - rejected with NOT_CONTROLLER when it certainly cannot commit: the entry at its index was
 *   applied with another term, or an entry of a newer term was applied (terms never go down
 *   along a log, so every later committed entry has a newer term too);
 * - rejected with REQUEST_TIMED_OUT when the outcome is unknown: its deadline passed, a snapshot
 *   replaced its index, or the driver stopped.
 */
import { errors } from '../common/errors.js';
import type { Entry, NodeId } from './types.js';

export interface ProposalResult {
  readonly index: number;
  readonly term: number;
}

interface Pending extends ProposalResult {
  readonly deadline: number;
  readonly resolve: (result: ProposalResult) => void;
  readonly reject: (error: unknown) => void;
}

export class PendingProposals {
  /** By index; insertion order is deadline order, since every proposal gets the same timeout. */
  private readonly byIndex = new Map<number, Pending>();
  /** Term of the last applied entry. */
  private appliedTerm = 0;

  /** `leader` says who leads now, for the hint in NOT_CONTROLLER errors. */
  constructor(private readonly leader: () => NodeId) {}

  get size(): number {
    return this.byIndex.size;
  }

  add(position: ProposalResult, deadline: number, resolve: Pending['resolve'], reject: Pending['reject']): void {
    const overwritten = this.byIndex.get(position.index);
    if (overwritten) {
      // An older proposal at this index lost its entry before we learned of it.
      this.byIndex.delete(position.index);
      overwritten.reject(this.lost(`entry ${position.index} was overwritten`));
    }
    this.byIndex.set(position.index, { index: position.index, term: position.term, deadline, resolve, reject });
  }

  /** Settles the proposals decided by these entries, which were just applied in index order. */
  applied(entries: readonly Entry[]): void {
    for (const entry of entries) {
      const p = this.byIndex.get(entry.index);
      if (!p) continue;
      this.byIndex.delete(entry.index);
      if (entry.term === p.term) p.resolve({ index: p.index, term: p.term });
      else p.reject(this.lost(`entry ${entry.index} was overwritten by term ${entry.term}`));
    }
    const term = entries[entries.length - 1]?.term ?? 0;
    if (term <= this.appliedTerm) return;
    this.appliedTerm = term;
    for (const [index, p] of this.byIndex) {
      if (p.term >= term) continue;
      this.byIndex.delete(index);
      p.reject(this.lost(`entry ${index} of term ${p.term} was lost to term ${term}`));
    }
  }

  /** A snapshot replaced the log up to `index`: whether those proposals made it cannot be told. */
  replacedBySnapshot(index: number): void {
    for (const [at, p] of this.byIndex) {
      if (at > index) continue;
      this.byIndex.delete(at);
      p.reject(errors.requestTimedOut(`outcome unknown: entry ${at} was replaced by a snapshot`));
    }
  }

  expire(now: number, timeoutMs: number): void {
    for (const [index, p] of this.byIndex) {
      if (p.deadline > now) break;
      this.byIndex.delete(index);
      p.reject(errors.requestTimedOut(`entry ${index} not committed within ${timeoutMs} ms`));
    }
  }

  rejectAll(error: unknown): void {
    for (const p of this.byIndex.values()) p.reject(error);
    this.byIndex.clear();
  }

  private lost(reason: string): Error {
    const leaderId = this.leader();
    return errors.notController(`${reason}; leader is ${leaderId === 0 ? 'unknown' : leaderId}`, { leaderId });
  }
}
