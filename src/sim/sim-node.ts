/**
 * One simulated node: a RaftCore acting as its volatile memory, a DurableState as its disk, and the
 * application on top. The node can crash (losing memory and any Ready not yet persisted), restart
 * from its disk, and pause (a stopped process: no ticks, no I/O completing, messages queue up).
 */
import { AssertionFailure, assert } from '../common/errors.js';
import type { SeededRandom } from '../common/random.js';
import { RaftCore, type RaftConfig } from '../raft/core.js';
import type { Membership, Message, NodeId, Ready } from '../raft/types.js';
import { AppStateMachine, decodeAppSnapshot, encodeAppSnapshot, type AppSnapshot } from './app-state-machine.js';
import { DurableState } from './durable-state.js';

export type NodeStatus = 'up' | 'paused' | 'crashed';

/** What a node reports to the simulation while it runs. */
export interface NodeObserver {
  applied(node: NodeId, term: number, entry: Ready['committed'][number]): void;
  restored(node: NodeId, snapshot: AppSnapshot): void;
  send(message: Message): void;
}

export class SimNode {
  status: NodeStatus = 'up';
  /** Bumped at every restart, so events scheduled for an earlier life are recognized and dropped. */
  incarnation = 0;
  readonly durable = new DurableState();
  core: RaftCore;
  app = new AppStateMachine();
  /** The Ready being persisted; the next one is taken only after it completes. */
  inFlightReady: Ready | undefined;
  /** Messages that arrived while paused, delivered on resume. */
  readonly inbox: Message[] = [];
  /** A persistence completion that came due while paused. */
  persistDueOnResume = false;
  snapshotsTaken = 0;
  snapshotsInstalled = 0;
  private appliedSinceSnapshot = 0;

  constructor(
    readonly id: NodeId,
    private readonly membership: Membership,
    private readonly makeConfig: (random: SeededRandom) => RaftConfig,
    private readonly random: SeededRandom,
    private readonly snapshotEvery: number,
    private readonly observer: NodeObserver,
  ) {
    this.core = new RaftCore(makeConfig(random.fork()), this.durable.load());
  }

  crash(): void {
    this.status = 'crashed';
    this.inFlightReady = undefined;
    this.inbox.length = 0;
    this.persistDueOnResume = false;
  }

  /** Starts a fresh core and application from what is on disk. */
  restart(): void {
    assert(this.status === 'crashed', `restarting node ${this.id} that is ${this.status}`);
    this.incarnation++;
    const initial = this.durable.load();
    this.core = new RaftCore(this.makeConfig(this.random.fork()), initial);
    this.app = new AppStateMachine();
    this.appliedSinceSnapshot = 0;
    if (initial.snapshot) this.restoreApp(decodeAppSnapshot(initial.snapshot.data));
    this.status = 'up';
  }

  /** Takes the next Ready if the previous one is done and there is something to do. */
  takeReady(): Ready | undefined {
    if (this.status !== 'up' || this.inFlightReady !== undefined || !this.core.hasReady()) return undefined;
    this.inFlightReady = this.core.ready();
    return this.inFlightReady;
  }

  /** The disk write of the in-flight Ready finished: send its messages, apply, advance. */
  completePersist(): void {
    const ready = this.inFlightReady;
    assert(ready !== undefined, `node ${this.id} completed a write it never started`);
    this.durable.persist(ready);
    for (const message of ready.messages) this.observer.send(message);
    if (ready.snapshot) {
      this.snapshotsInstalled++;
      this.restoreApp(decodeAppSnapshot(ready.snapshot.data));
    }
    for (const entry of ready.committed) {
      this.observer.applied(this.id, this.core.term(), entry);
      if (!this.app.apply(entry)) throw new AssertionFailure(`node ${this.id} was handed entry ${entry.index} after applying ${this.app.appliedIndex}`);
      this.appliedSinceSnapshot++;
    }
    this.inFlightReady = undefined;
    this.core.advance();
    this.maybeTakeSnapshot();
  }

  private restoreApp(snapshot: AppSnapshot): void {
    this.observer.restored(this.id, snapshot);
    this.app.restore(snapshot);
    this.appliedSinceSnapshot = 0;
  }

  /** Snapshots the application every few applied entries, so lagging followers need InstallSnapshot. */
  private maybeTakeSnapshot(): boolean {
    if (this.appliedSinceSnapshot < this.snapshotEvery) return false;
    const index = this.app.appliedIndex;
    const term = this.core.entryAt(index)?.term;
    if (term === undefined) return false;
    const data = encodeAppSnapshot(this.app.snapshot());
    this.core.snapshot(index, data);
    this.durable.saveSnapshot({ meta: { index, term, membership: this.membership }, data });
    this.appliedSinceSnapshot = 0;
    this.snapshotsTaken++;
    return true;
  }
}
