/**
 * Raft's safety properties, checked against everything the simulated cluster does:
 * - election safety: at most one leader per term, over the whole run;
 * - log matching / state machine safety: every node commits and applies the same entry at each
 *   index, applies them in order, and a restored snapshot holds exactly the committed prefix;
 * - leader completeness: a node that becomes leader holds every entry committed so far (entries
 *   behind its snapshot are covered by the snapshot check).
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

export class SafetyChecker {
  private readonly leaderByTerm = new Map<number, NodeId>();
  /** committed[i - 1] is the entry committed at index i; the history is contiguous from 1. */
  private readonly committed: Entry[] = [];
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
      this.recordCommitted(core.id, core.entryAt(index)!, 'committed');
    }
    this.checkedCommit.set(core, commit);
  }

  /** An entry a node's application applied. */
  observeApplied(node: NodeId, entry: Entry): void {
    this.recordCommitted(node, entry, 'applied');
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

  private recordCommitted(node: NodeId, entry: Entry, how: string): void {
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
    this.prefixHash.push(chainHash(this.prefixHash[this.prefixHash.length - 1]!, entry));
    this.onCommitted(entry);
  }
}
