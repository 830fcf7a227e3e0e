/**
 * Raft's safety properties, checked against everything the simulated cluster does:
 * - election safety: at most one leader per term, over the whole run;
 * - log matching / state machine safety: every node commits and applies the same entry at each
 *   index, applies them in order, and a restored snapshot holds exactly the committed prefix;
 * - leader completeness: a node that becomes leader of term T holds every entry committed in a
 *   term before T (entries behind its snapshot are covered by the snapshot check). A leader of an
 *   older term may still win after a newer one committed: it is stale, not wrong, and cannot commit.
 *   The term an entry was committed in is taken as the term of the first node seen to commit it,
 *   never lower than the real one, so the check can only be weaker, never raise a false alarm.
 * - committed entries are safe on disk: no voter whose durable log lacks the latest committed
 *   entry could win an election, i.e. its log is not at least as up to date as a quorum of the
 *   voters' durable logs. Raft's safety argument guarantees this the moment an entry commits, so it
 *   catches an unsafe commit before any crash or election has to expose it.
 * The committed history is kept globally, so it survives any node's crash.
 */
import type { RaftCore } from '../raft/core.js';
import type { Entry, NodeId } from '../raft/types.js';
import { EMPTY_HASH, chainHash, type AppSnapshot } from './app-state-machine.js';
import { fail, type FailureContext } from './failure.js';

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function describe(entry: Entry): string {
  return `(index ${entry.index}, term ${entry.term}, ${entry.type} '${new TextDecoder().decode(entry.data)}')`;
}

/** What the checker needs to know about a voter's durable log. */
export interface DurableLogView {
  readonly id: NodeId;
  lastIndex(): number;
  lastTerm(): number;
  holds(index: number, term: number): boolean;
}

export class SafetyChecker {
  private readonly leaderByTerm = new Map<number, NodeId>();
  /** committed[i - 1] is the entry committed at index i; the history is contiguous from 1. */
  private readonly committed: Entry[] = [];
  /** committedInTerm[i - 1]: the term of the first node seen to commit index i. */
  private readonly committedInTerm: number[] = [];
  /** prefixHash[i] is the application hash after applying indexes 1..i. */
  private readonly prefixHash: number[] = [EMPTY_HASH];
  /** Per running core: the commit index up to which its entries were already compared. */
  private readonly checkedCommit = new WeakMap<RaftCore, number>();
  /** Called with each newly committed entry. */
  onCommitted: (entry: Entry) => void = () => {};

  constructor(private readonly context: FailureContext) {}

  committedIndex(): number {
    return this.committed.length;
  }

  leaderCount(): number {
    return this.leaderByTerm.size;
  }

  /** Checks a node that leads `term`: alone in its term, and holding the whole committed history. */
  checkLeader(core: RaftCore): void {
    const term = core.term();
    const previous = this.leaderByTerm.get(term);
    if (previous !== undefined && previous !== core.id) {
      fail(this.context, 'election safety', `nodes ${previous} and ${core.id} both became leader in term ${term}`);
    }
    if (previous !== undefined) return;
    this.leaderByTerm.set(term, core.id);
    for (let index = core.firstIndex(); index <= this.committed.length; index++) {
      if (this.committedInTerm[index - 1]! >= term) continue;
      const expected = this.committed[index - 1]!;
      const held = core.entryAt(index);
      if (held === undefined || held.term !== expected.term || !sameBytes(held.data, expected.data)) {
        const found = held ? describe(held) : 'nothing';
        fail(this.context, 'leader completeness', `node ${core.id} leads term ${term} but holds ${found} where ${describe(expected)} was committed`);
      }
    }
  }

  /** Records the entries a node reports committed, comparing them with what others committed. */
  observeCommitIndex(core: RaftCore): void {
    const commit = core.commitIndex();
    const checked = this.checkedCommit.get(core) ?? 0;
    if (commit <= checked) return;
    for (let index = Math.max(checked + 1, core.firstIndex()); index <= commit; index++) {
      this.recordCommitted(core.id, core.term(), core.entryAt(index)!, 'committed');
    }
    this.checkedCommit.set(core, commit);
  }

  /** An entry a node's application applied while the node was in `term`. */
  observeApplied(node: NodeId, term: number, entry: Entry): void {
    this.recordCommitted(node, term, entry, 'applied');
  }

  /** A node's application restored a snapshot: it must hold exactly the committed prefix it claims. */
  observeRestore(node: NodeId, snapshot: AppSnapshot): void {
    if (snapshot.index > this.committed.length) {
      fail(this.context, 'state machine safety', `node ${node} restored a snapshot at ${snapshot.index} beyond anything committed (${this.committed.length})`);
    }
    if (this.prefixHash[snapshot.index] !== snapshot.hash) {
      fail(this.context, 'state machine safety', `node ${node} restored a snapshot at ${snapshot.index} whose state differs from the committed prefix`);
    }
  }

  /** No voter lacking the latest committed entry on disk may look electable to a quorum's disks. */
  checkCommittedDurable(voters: readonly DurableLogView[]): void {
    const latest = this.committed[this.committed.length - 1];
    if (latest === undefined) return;
    const quorum = Math.floor(voters.length / 2) + 1;
    for (const candidate of voters) {
      if (candidate.holds(latest.index, latest.term)) continue;
      const lastIndex = candidate.lastIndex();
      const lastTerm = candidate.lastTerm();
      const wouldVote = voters.filter((v) => lastTerm > v.lastTerm() || (lastTerm === v.lastTerm() && lastIndex >= v.lastIndex()));
      if (wouldVote.length >= quorum) {
        fail(
          this.context,
          'leader completeness',
          `committed ${describe(latest)} is missing from node ${candidate.id}'s disk (last ${lastIndex}/${lastTerm}), ` +
            `yet nodes ${wouldVote.map((v) => v.id).join(',')} would find its log up to date and could elect it`,
        );
      }
    }
  }

  private recordCommitted(node: NodeId, term: number, entry: Entry, how: string): void {
    const known = this.committed[entry.index - 1];
    if (known !== undefined) {
      if (known.term !== entry.term || known.type !== entry.type || !sameBytes(known.data, entry.data)) {
        fail(this.context, 'state machine safety', `node ${node} ${how} ${describe(entry)} where ${describe(known)} was committed`);
      }
      return;
    }
    if (entry.index !== this.committed.length + 1) {
      fail(this.context, 'log matching', `node ${node} ${how} index ${entry.index} while the committed history ends at ${this.committed.length}`);
    }
    this.committed.push(entry);
    this.committedInTerm.push(term);
    this.prefixHash.push(chainHash(this.prefixHash[this.prefixHash.length - 1]!, entry));
    this.onCommitted(entry);
  }
}
