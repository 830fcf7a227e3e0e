/**
 * Runs a pure RaftCore in a real process: ticks it on a Clock, feeds it incoming messages and
 * proposals, and carries out each Ready in the order Raft's safety needs: persist (see
 * driver-persistence.ts) -> send -> apply committed entries -> advance (see handleReady).
 *
 * Readies are handled one at a time. Inputs that arrive while one is being persisted wait in a
 * bounded inbox and are stepped together afterwards, so one fsync covers everything that arrived
 * meanwhile. A proposal's promise settles as described in driver-proposals.ts.
 */
import type { Clock, Timer } from '../common/clock.js';
import { errors, isBrokerError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { RaftCore, type RaftConfig } from './core.js';
import { ReadyPersister } from './driver-persistence.js';
import { PendingProposals, type ProposalResult } from './driver-proposals.js';
import {
  NONE,
  type Entry,
  type Membership,
  type Message,
  type NodeId,
  type RaftStorage,
  type RaftTransport,
  type Ready,
  type Role,
  type Snapshot,
} from './types.js';

export type { ProposalResult } from './driver-proposals.js';

const TICK = Symbol('tick');

/** The part of RaftCore the driver uses, so tests can drive a scripted core. */
export type DrivenCore = Pick<
  RaftCore,
  | 'tick'
  | 'step'
  | 'peerLost'
  | 'proposeAll'
  | 'hasReady'
  | 'ready'
  | 'advance'
  | 'snapshot'
  | 'entryAt'
  | 'addLearner'
  | 'role'
  | 'leader'
  | 'term'
  | 'commitIndex'
  | 'lastIndex'
>;

export interface RaftDriverOptions {
  core: DrivenCore;
  storage: RaftStorage;
  transport: RaftTransport;
  clock: Clock;
  tickMs: number;
  /** Applies committed entries (no-ops included) in index order; may be async. */
  apply: (entries: readonly Entry[]) => void | Promise<void>;
  /** Replaces the state machine with a snapshot received from the leader. */
  restore?: (snapshot: Snapshot) => void | Promise<void>;
  /** Voters and learners, recorded in the snapshots this driver takes. */
  membership: Membership;
  logger: Logger;
  /** A proposal not committed and applied within this is rejected (default 10 s). */
  proposalTimeoutMs?: number;
  /** Proposals waiting for commit beyond this are refused (default 100k). */
  maxPendingProposals?: number;
  /** Incoming messages waiting for the core beyond this are dropped (default 10k). */
  maxQueuedMessages?: number;
  /** A hard state that changed only its commit index is written at most this often (default 100 ms). */
  commitPersistIntervalMs?: number;
}

export interface OpenRaftDriverOptions extends Omit<RaftDriverOptions, 'core' | 'membership'> {
  config: RaftConfig;
}

export interface RaftStateChange {
  readonly role: Role;
  readonly leader: NodeId;
  readonly term: number;
}

export interface RaftDriverStatus extends RaftStateChange {
  readonly commitIndex: number;
  readonly lastIndex: number;
  readonly appliedIndex: number;
  readonly pendingProposals: number;
  readonly droppedMessages: number;
}

interface QueuedProposal {
  readonly data: Uint8Array;
  readonly resolve: (result: ProposalResult) => void;
  readonly reject: (error: unknown) => void;
}

interface SnapshotRequest {
  readonly index: number;
  readonly data: Uint8Array;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** How many of `entries` (in index order) come before `index`. */
function countBelow(entries: readonly Entry[], index: number): number {
  let count = 0;
  while (count < entries.length && entries[count]!.index < index) count++;
  return count;
}

export class RaftDriver {
  private readonly core: DrivenCore;
  private readonly proposalTimeoutMs: number;
  private readonly maxPendingProposals: number;
  private readonly maxQueuedMessages: number;
  /**
   * Ticks and messages in arrival order. Stepping them in that order keeps time honest after a
   * slow fsync: a heartbeat that arrived mid-stall resets the election timer before the ticks
   * that came after it, instead of a burst of ticks firing an election first.
   */
  private inbox: Array<Message | typeof TICK> = [];
  private queuedMessages = 0;
  private inboxProposals: QueuedProposal[] = [];
  private inboxSnapshots: SnapshotRequest[] = [];
  /** Changes to the core other than messages and proposals (adding a learner). */
  private inboxActions: Array<() => void> = [];
  private readonly pending: PendingProposals;
  private readonly listeners = new Set<(change: RaftStateChange) => void>();
  private readonly fatalListeners = new Set<(error: unknown) => void>();
  private processing: Promise<void> | undefined;
  private tickTimer: Timer | undefined;
  private stopped = false;
  private membership: Membership;
  private applied = 0;
  private readonly persister: ReadyPersister;
  private droppedMessages = 0;
  private lastRole: Role;
  private lastLeader: NodeId;

  constructor(private readonly options: RaftDriverOptions) {
    this.core = options.core;
    this.proposalTimeoutMs = options.proposalTimeoutMs ?? 10_000;
    this.maxPendingProposals = options.maxPendingProposals ?? 100_000;
    this.maxQueuedMessages = options.maxQueuedMessages ?? 10_000;
    this.membership = options.membership;
    this.pending = new PendingProposals(() => this.core.leader());
    this.persister = new ReadyPersister(options.storage, options.clock, options.commitPersistIntervalMs ?? 100, (error) => this.fail(error));
    this.lastRole = this.core.role();
    this.lastLeader = this.core.leader();
    options.transport.onMessage((message) => this.receive(message));
    options.transport.onPeerLost?.((peer) => {
      if (this.stopped) return;
      this.inboxActions.push(() => this.core.peerLost(peer));
      this.kick();
    });
  }

  /**
   * Loads `storage`, restores the state machine from its snapshot (if any), builds the core and
   * starts it. Committed entries after the snapshot are applied again through `apply`.
   */
  static async open(options: OpenRaftDriverOptions): Promise<RaftDriver> {
    const initial = await options.storage.load();
    if (initial.snapshot) await options.restore?.(initial.snapshot);
    const core = new RaftCore(options.config, initial);
    const membership = initial.snapshot?.meta.membership ?? { voters: options.config.voters, learners: options.config.learners ?? [] };
    const driver = new RaftDriver({ ...options, core, membership });
    driver.start(initial.snapshot?.meta.index ?? 0);
    return driver;
  }

  /** Starts ticking. `appliedIndex` is where the state machine already is (a restored snapshot). */
  start(appliedIndex = 0): void {
    this.applied = appliedIndex;
    this.scheduleTick();
    this.kick();
  }

  /**
   * Appends `data` to the log. Resolves with its position once committed and applied here.
   * Rejects with NOT_CONTROLLER (details.leaderId) only when the entry is certainly not committed
   * (this node does not lead, or the entry was overwritten), and with REQUEST_TIMED_OUT when the
   * outcome is unknown (the proposal timeout passed, or the driver stopped).
   */
  propose(data: Uint8Array): Promise<ProposalResult> {
    if (this.stopped) return Promise.reject(errors.notController('raft node stopped', { leaderId: NONE }));
    if (this.lastRole !== 'leader') {
      const leaderId = this.core.leader();
      return Promise.reject(errors.notController(`not the raft leader; leader is ${leaderId === NONE ? 'unknown' : leaderId}`, { leaderId }));
    }
    if (this.pending.size + this.inboxProposals.length >= this.maxPendingProposals) {
      return Promise.reject(errors.throttlingQuotaExceeded(`${this.maxPendingProposals} proposals already pending`));
    }
    return new Promise((resolve, reject) => {
      this.inboxProposals.push({ data, resolve, reject });
      this.kick();
    });
  }

  /**
   * Compacts the log: `data` is the state machine as of `index` (at most the applied index).
   * Resolves once the snapshot is durable and the entries it covers are dropped.
   */
  snapshot(index: number, data: Uint8Array): Promise<void> {
    if (this.stopped) return Promise.reject(errors.kafkaStorageError('raft node stopped'));
    return new Promise((resolve, reject) => {
      this.inboxSnapshots.push({ index, data, resolve, reject });
      this.kick();
    });
  }

  /** Adds a non-voting member that receives the log (a broker-only node following the metadata). */
  addLearner(id: NodeId): void {
    this.inboxActions.push(() => {
      this.core.addLearner(id);
      this.membership = { voters: this.membership.voters, learners: [...this.membership.learners, id] };
    });
    this.kick();
  }

  onStateChange(listener: (change: RaftStateChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called when persistence fails: the node stopped itself, since it can no longer keep Raft's promises. */
  onFatal(listener: (error: unknown) => void): () => void {
    this.fatalListeners.add(listener);
    return () => this.fatalListeners.delete(listener);
  }

  role(): Role {
    return this.lastRole;
  }

  leader(): NodeId {
    return this.lastLeader;
  }

  appliedIndex(): number {
    return this.applied;
  }

  status(): RaftDriverStatus {
    return {
      role: this.core.role(),
      leader: this.core.leader(),
      term: this.core.term(),
      commitIndex: this.core.commitIndex(),
      lastIndex: this.core.lastIndex(),
      appliedIndex: this.applied,
      pendingProposals: this.pending.size + this.inboxProposals.length,
      droppedMessages: this.droppedMessages,
    };
  }

  /** Stops ticking and stepping, waits for the Ready in progress, and rejects what is still pending. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.tickTimer?.cancel();
    this.persister.stop();
    while (this.processing) await this.processing;
    const notProposed = errors.notController('raft node stopped', { leaderId: NONE });
    for (const p of this.inboxProposals.splice(0)) p.reject(notProposed);
    for (const r of this.inboxSnapshots.splice(0)) r.reject(errors.kafkaStorageError('raft node stopped'));
    // These are in the log and may still commit under the next leader: their outcome is unknown.
    this.pending.rejectAll(errors.requestTimedOut('raft node stopped; outcome unknown'));
    this.inbox = [];
    this.queuedMessages = 0;
    this.inboxActions = [];
  }

  private receive(message: Message): void {
    if (this.stopped) return;
    if (this.queuedMessages >= this.maxQueuedMessages) {
      // Raft tolerates loss; an unbounded inbox would not survive a flood.
      this.droppedMessages++;
      return;
    }
    this.queuedMessages++;
    this.inbox.push(message);
    this.kick();
  }

  private scheduleTick(): void {
    this.tickTimer = this.options.clock.schedule(this.options.tickMs, () => {
      if (this.stopped) return;
      this.inbox.push(TICK);
      this.pending.expire(this.options.clock.monotonic(), this.proposalTimeoutMs);
      this.scheduleTick();
      this.kick();
    });
  }

  /** Starts the processing loop unless it is running (it will pick up the new input). */
  private kick(): void {
    if (this.processing || this.stopped) return;
    this.processing = this.process().finally(() => {
      this.processing = undefined;
    });
  }

  private async process(): Promise<void> {
    try {
      while (!this.stopped) {
        this.stepInputs();
        await this.takeSnapshots();
        if (!this.core.hasReady()) return;
        await this.handleReady(this.core.ready());
        this.core.advance();
      }
    } catch (error) {
      this.fail(error);
    }
  }

  private stepInputs(): void {
    for (const action of this.inboxActions.splice(0)) action();
    const inbox = this.inbox;
    this.inbox = [];
    this.queuedMessages = 0;
    for (const input of inbox) {
      if (input === TICK) this.core.tick();
      else this.core.step(input);
    }
    const proposals = this.inboxProposals;
    if (proposals.length === 0) return;
    this.inboxProposals = [];
    const deadline = this.options.clock.monotonic() + this.proposalTimeoutMs;
    let first: ProposalResult;
    try {
      // All at once: each follower gets one append for them, not one message per proposal.
      first = this.core.proposeAll(proposals.map((p) => p.data));
    } catch (error) {
      for (const proposal of proposals) proposal.reject(error);
      return;
    }
    for (let i = 0; i < proposals.length; i++) {
      const proposal = proposals[i]!;
      this.pending.add({ index: first.index + i, term: first.term }, deadline, proposal.resolve, proposal.reject);
    }
  }

  /** Runs between Readies, so the log a snapshot covers is durable and applied. */
  private async takeSnapshots(): Promise<void> {
    const requests = this.inboxSnapshots;
    this.inboxSnapshots = [];
    for (const request of requests) {
      const term = this.core.entryAt(request.index)?.term;
      if (request.index > this.applied || term === undefined) {
        request.reject(errors.invalidRequest(`cannot snapshot at ${request.index}: applied ${this.applied}, or already compacted`));
        continue;
      }
      this.core.snapshot(request.index, request.data);
      const snapshot: Snapshot = { meta: { index: request.index, term, membership: this.membership }, data: request.data };
      try {
        await this.options.storage.saveSnapshot(snapshot);
      } catch (error) {
        request.reject(error);
        throw error;
      }
      request.resolve();
    }
  }

  /**
   * Persist -> send -> apply; a leader whose term and vote are already durable sends first, and
   * entries an earlier Ready made durable are applied while this one is written. Protected only so
   * a test can show that the simulation catches a broken order.
   *
   * The leader's early sends are safe (Raft thesis §10.2.1, the leader writing its log in parallel
   * with replicating it): they acknowledge nothing, and the commit index they carry was reached in
   * an earlier Ready, whose entries are durable here. Followers' answers to them wait in the inbox
   * until this Ready's write is done, so no commit can count the leader's copy of an entry before
   * it is on disk. Followers still answer only after their own write.
   */
  protected async handleReady(ready: Ready): Promise<void> {
    const sendFirst = this.core.role() === 'leader' && this.persister.onlyLogAndCommit(ready);
    if (sendFirst) for (const message of ready.messages) this.options.transport.send(message);
    const persisted = this.persister.persist(ready);
    // Committed entries before this Ready's new ones were made durable by an earlier Ready: apply
    // them while this one's write runs, instead of making their proposers wait for the next fsync.
    const alreadyDurable = ready.snapshot ? 0 : countBelow(ready.committed, ready.entries[0]?.index ?? Infinity);
    if (alreadyDurable > 0) {
      persisted.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
      await this.applyCommitted(alreadyDurable === ready.committed.length ? ready.committed : ready.committed.slice(0, alreadyDurable));
    }
    await persisted;
    if (!sendFirst) for (const message of ready.messages) this.options.transport.send(message);
    if (ready.snapshot) await this.restoreSnapshot(ready.snapshot);
    if (alreadyDurable < ready.committed.length) await this.applyCommitted(ready.committed.slice(alreadyDurable));
    if (ready.softState) this.announce(ready.softState.role, ready.softState.leader);
  }

  private async applyCommitted(entries: readonly Entry[]): Promise<void> {
    await this.options.apply(entries);
    this.applied = entries[entries.length - 1]!.index;
    this.pending.applied(entries);
  }

  private async restoreSnapshot(snapshot: Snapshot): Promise<void> {
    await this.options.restore?.(snapshot);
    this.applied = Math.max(this.applied, snapshot.meta.index);
    this.membership = snapshot.meta.membership;
    this.pending.replacedBySnapshot(snapshot.meta.index);
  }

  private announce(role: Role, leader: NodeId): void {
    if (role === this.lastRole && leader === this.lastLeader) return;
    this.lastRole = role;
    this.lastLeader = leader;
    const change: RaftStateChange = { role, leader, term: this.core.term() };
    this.options.logger.info(change, role === 'leader' ? 'became raft leader' : 'raft role or leader changed');
    for (const listener of this.listeners) listener(change);
  }

  /** A failed write or apply leaves memory ahead of disk: stop, and crash if nobody handles it. */
  private fail(error: unknown): void {
    if (this.stopped) return;
    this.options.logger.error({ err: error, storageError: isBrokerError(error, 'KAFKA_STORAGE_ERROR') }, 'raft driver stopped');
    void this.stop();
    if (this.fatalListeners.size === 0) throw error;
    for (const listener of this.fatalListeners) listener(error);
  }
}
