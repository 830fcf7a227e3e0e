/**
 * The deterministic Raft simulation: N nodes in one process on a virtual clock and a virtual
 * network, every random choice drawn from one seed. Faults run for a fault phase, then a quiet
 * period must bring a stable leader and commit every new proposal in bounded time. Safety
 * invariants are checked after every event; the first violation throws a SimulationFailure that
 * names the seed to replay.
 */
import { SeededRandom } from '../common/random.js';
import type { RaftConfig } from '../raft/core.js';
import type { Entry, Membership, Message, NodeId, Role } from '../raft/types.js';
import type { AppSnapshot } from './app-state-machine.js';
import { SafetyChecker, type DurableLogView } from './checker.js';
import { SimClient } from './client.js';
import { EventQueue } from './event-queue.js';
import { fail, type FailureContext } from './failure.js';
import { SimNetwork } from './network.js';
import { describeFault, planFaults, type Fault } from './nemesis.js';
import { FaultInjector } from './fault-injector.js';
import { drawParameters } from './parameters.js';
import { SimNode } from './sim-node.js';
import { Digest, describeMessage } from './trace.js';

export const TICK_MS = 10;
export const ELECTION_TICKS = 10;
export const HEARTBEAT_TICKS = 2;
/** After the faults stop, a leader known to every node must exist within this time. */
export const LEADER_DEADLINE_MS = 1000;
/** How long proposals keep coming once the leader deadline passed. */
export const LIVENESS_WINDOW_MS = 500;
/** Every proposal made after the leader deadline must commit within this time. */
export const COMMIT_BOUND_MS = 300;

export interface RaftSimOptions {
  seed: number;
  /** Voters; drawn from the seed (3 or 5) when not given. */
  nodes?: 3 | 5;
  /** Learners besides the voters; drawn from the seed (mostly 0, sometimes 1 or 2) when not given. */
  learners?: number;
  /** Length of the fault phase; drawn from the seed (300–1500 ms) when not given. */
  faultPhaseMs?: number;
  /** Inject faults (default true); without them the run is a quiet period only. */
  faults?: boolean;
  /** Receives one line per event, for verbose replays. */
  trace?: (line: string) => void;
}

export interface SimResult {
  seed: number;
  nodes: number;
  learners: number;
  virtualTimeMs: number;
  events: number;
  faults: number;
  crashes: number;
  pauses: number;
  messagesSent: number;
  messagesDelivered: number;
  messagesDropped: number;
  messagesDuplicated: number;
  /** Terms in which a leader was elected. */
  leaderTerms: number;
  maxTerm: number;
  committedIndex: number;
  proposalsAccepted: number;
  /** Proposals made after the leader deadline, all of which committed in time. */
  awaitedProposalsCommitted: number;
  snapshotsTaken: number;
  snapshotsInstalled: number;
  /** A digest of the whole event sequence: equal for two runs of the same seed. */
  digest: string;
}

type SimEvent =
  | { readonly kind: 'tick'; readonly node: NodeId }
  | { readonly kind: 'deliver'; readonly message: Message }
  | { readonly kind: 'persisted'; readonly node: NodeId; readonly incarnation: number }
  | { readonly kind: 'fault'; readonly fault: Fault }
  | { readonly kind: 'propose' }
  | { readonly kind: 'check-leader' };

export function runRaftSimulation(options: RaftSimOptions): SimResult {
  return new RaftSimulation(options).run();
}

class RaftSimulation {
  private readonly queue = new EventQueue<SimEvent>();
  private readonly random: SeededRandom;
  private readonly nodes = new Map<NodeId, SimNode>();
  private readonly network: SimNetwork;
  private readonly checker: SafetyChecker;
  private readonly client: SimClient;
  private readonly persistRandom: SeededRandom;
  private readonly digest = new Digest();
  private readonly lastRole = new Map<NodeId, string>();
  private readonly trace: ((line: string) => void) | undefined;
  private readonly voterCount: number;
  private readonly learnerCount: number;
  private readonly faultPhaseMs: number;
  private readonly proposeEveryMs: number;
  private readonly context: FailureContext;
  private readonly voterDisks: readonly DurableLogView[];
  private readonly voterIds: readonly NodeId[];
  private checkedDiskVersion = -1;
  private readonly injector: FaultInjector;
  private events = 0;

  constructor(private readonly options: RaftSimOptions) {
    const random = new SeededRandom(options.seed);
    this.random = random;
    const params = drawParameters(random, options);
    this.voterCount = params.voters;
    this.learnerCount = params.learners;
    this.faultPhaseMs = params.faultPhaseMs;
    this.proposeEveryMs = params.proposeEveryMs;
    this.trace = options.trace;
    this.context = { seed: options.seed, nodes: this.voterCount, now: () => this.queue.now() };

    const voters = range(1, this.voterCount);
    const learners = range(this.voterCount + 1, this.learnerCount);
    const membership: Membership = { voters, learners };
    const makeConfig = (id: NodeId) => (nodeRandom: SeededRandom): RaftConfig => ({
      id,
      voters,
      learners,
      electionTicks: ELECTION_TICKS,
      heartbeatTicks: HEARTBEAT_TICKS,
      maxInflightAppends: params.maxInflightAppends,
      maxEntriesPerAppend: params.maxEntriesPerAppend,
      random: nodeRandom,
    });
    this.network = new SimNetwork(random.fork(), () => this.queue.now(), (delayMs, message) => this.schedule(delayMs, { kind: 'deliver', message }));
    this.persistRandom = random.fork();
    this.client = new SimClient(random.fork(), [...voters, ...learners]);
    this.checker = new SafetyChecker(this.context);
    this.checker.onCommitted = (entry) => this.client.committed(entry);
    const observer = {
      applied: (node: NodeId, term: number, entry: Entry) => this.checker.observeApplied(node, term, entry),
      restored: (node: NodeId, snapshot: AppSnapshot) => this.checker.observeRestore(node, snapshot),
      send: (message: Message) => this.network.send(message),
    };
    for (const id of [...voters, ...learners]) {
      this.nodes.set(id, new SimNode(id, membership, makeConfig(id), random.fork(), params.snapshotEvery, observer));
    }
    this.injector = new FaultInjector(this.nodes, this.network, random.fork(), {
      afterActivity: (node) => this.afterActivity(node),
      stepNow: (node, message) => {
        node.core.step(message);
        this.afterActivity(node);
      },
      scheduleFault: (delayMs, fault) => this.schedule(delayMs, { kind: 'fault', fault }),
    });
    this.voterIds = voters;
    this.voterDisks = voters.map((id) => {
      const disk = this.nodes.get(id)!.durable;
      return { id, lastIndex: () => disk.lastIndex(), lastTerm: () => disk.lastTerm(), holds: (i: number, t: number) => disk.holds(i, t) };
    });
  }

  private get now(): number {
    return this.queue.now();
  }

  private leaderDeadlineMs(): number {
    return this.faultPhaseMs + LEADER_DEADLINE_MS;
  }

  private endMs(): number {
    return this.leaderDeadlineMs() + LIVENESS_WINDOW_MS + COMMIT_BOUND_MS;
  }

  run(): SimResult {
    this.scheduleStart();
    for (let event = this.queue.pop(); event !== undefined; event = this.queue.pop()) {
      if (this.now > this.endMs()) break;
      this.events++;
      this.digest.add(this.now);
      this.handle(event);
      this.checkDisksIfChanged();
      this.checkCommitDeadline();
    }
    this.checkFinalProgress();
    return this.result();
  }

  private scheduleStart(): void {
    for (const id of this.nodes.keys()) this.queue.schedule(this.random.int(0, TICK_MS - 1), { kind: 'tick', node: id });
    if (this.options.faults !== false) {
      const plan = planFaults(this.random.fork(), [...this.nodes.keys()], this.faultPhaseMs);
      for (const { atMs, fault } of plan) this.queue.schedule(atMs, { kind: 'fault', fault });
    }
    this.queue.schedule(this.random.int(0, this.proposeEveryMs), { kind: 'propose' });
    this.queue.schedule(this.leaderDeadlineMs(), { kind: 'check-leader' });
  }

  private schedule(delayMs: number, event: SimEvent): void {
    this.queue.schedule(this.now + delayMs, event);
  }

  private handle(event: SimEvent): void {
    switch (event.kind) {
      case 'tick':
        return this.onTick(event.node);
      case 'deliver':
        return this.onDeliver(event.message);
      case 'persisted':
        return this.onPersisted(event.node, event.incarnation);
      case 'fault':
        return this.onFault(event.fault);
      case 'propose':
        return this.onPropose();
      case 'check-leader':
        return this.checkStableLeader();
    }
  }

  private onTick(id: NodeId): void {
    this.digest.add(id);
    const node = this.nodes.get(id)!;
    if (node.status === 'up') {
      node.core.tick();
      this.afterActivity(node);
    }
    if (this.now + TICK_MS <= this.endMs()) this.schedule(TICK_MS, { kind: 'tick', node: id });
  }

  private onDeliver(message: Message): void {
    this.digest.addMessage(message);
    if (!this.network.admit(message)) return;
    const node = this.nodes.get(message.to)!;
    if (node.status === 'crashed') return;
    if (node.status === 'paused') {
      node.inbox.push(message);
      return;
    }
    this.trace?.(`${this.now} deliver ${describeMessage(message)}`);
    node.core.step(message);
    this.afterActivity(node);
  }

  private onPersisted(id: NodeId, incarnation: number): void {
    const node = this.nodes.get(id)!;
    this.digest.add(id);
    if (node.incarnation !== incarnation || node.status === 'crashed' || node.inFlightReady === undefined) return;
    if (node.status === 'paused') {
      node.persistDueOnResume = true;
      return;
    }
    node.completePersist();
    this.afterActivity(node);
  }

  /** After a node did anything: check it, and start persisting its next Ready. */
  private afterActivity(node: SimNode): void {
    if (node.status !== 'up') return;
    const core = node.core;
    this.checker.observeCommitIndex(core);
    if (core.role() === 'leader') {
      this.checker.checkLeader(core);
      this.injector.leaderElected(node);
    }
    if (this.trace) this.traceRoleChange(node.id, core.role(), core.term(), core.leader());
    const ready = node.takeReady();
    if (ready === undefined) return;
    const delayMs = this.persistRandom.chance(0.3) ? 0 : this.persistRandom.chance(0.9) ? this.persistRandom.int(1, 4) : this.persistRandom.int(5, 30);
    this.schedule(delayMs, { kind: 'persisted', node: node.id, incarnation: node.incarnation });
  }

  private onFault(fault: Fault): void {
    this.digest.add(this.injector.counts.faults);
    this.trace?.(`${this.now} fault ${describeFault(fault)}`);
    this.injector.apply(fault);
  }

  private onPropose(): void {
    const outcome = this.client.propose(this.nodes, this.now, this.now >= this.leaderDeadlineMs());
    this.digest.add(outcome.accepted ? outcome.index! : 0);
    if (outcome.accepted) {
      this.trace?.(`${this.now} propose ${outcome.payload} at node ${outcome.node} -> index ${outcome.index}`);
      this.afterActivity(this.nodes.get(outcome.node)!);
    }
    const next = this.now + this.proposeEveryMs;
    if (next <= this.leaderDeadlineMs() + LIVENESS_WINDOW_MS) this.schedule(this.proposeEveryMs, { kind: 'propose' });
  }

  /** Liveness: once faults have stopped for a while, one leader is known to every node. */
  private checkStableLeader(): void {
    const leaders = [...this.nodes.values()].filter((n) => n.status === 'up' && n.core.role() === 'leader');
    if (leaders.length !== 1) {
      fail(this.context, 'liveness', `${leaders.length} leaders ${LEADER_DEADLINE_MS}ms after the faults stopped (${this.describeNodes()})`);
    }
    const leaderId = leaders[0]!.id;
    for (const node of this.nodes.values()) {
      if (node.core.leader() !== leaderId) {
        fail(this.context, 'liveness', `node ${node.id} does not follow leader ${leaderId} ${LEADER_DEADLINE_MS}ms after the faults stopped (${this.describeNodes()})`);
      }
    }
  }

  /** The disk check depends only on the voters' disks and the committed history. */
  private checkDisksIfChanged(): void {
    let version = this.checker.committedIndex();
    for (const id of this.voterIds) version += this.nodes.get(id)!.durable.version;
    if (version === this.checkedDiskVersion) return;
    this.checkedDiskVersion = version;
    this.checker.checkCommittedDurable(this.voterDisks);
  }

  private checkCommitDeadline(): void {
    const oldest = this.client.oldestAwaited();
    if (oldest !== undefined && this.now - oldest.acceptedAtMs > COMMIT_BOUND_MS) {
      fail(this.context, 'liveness', `proposal ${oldest.payload} accepted at t=${oldest.acceptedAtMs}ms did not commit within ${COMMIT_BOUND_MS}ms (${this.describeNodes()})`);
    }
  }

  private checkFinalProgress(): void {
    if (this.client.awaitedCommitted === 0) {
      fail(this.context, 'liveness', `no proposal committed after the cluster settled (${this.describeNodes()})`);
    }
    if (this.client.awaitedCount() > 0) {
      fail(this.context, 'liveness', `${this.client.awaitedCount()} proposals never committed (${this.describeNodes()})`);
    }
  }

  private describeNodes(): string {
    return [...this.nodes.values()]
      .map((n) => `${n.id}:${n.status === 'up' ? n.core.role() : n.status} term=${n.core.term()} lead=${n.core.leader()} commit=${n.core.commitIndex()} last=${n.core.lastIndex()}`)
      .join(', ');
  }

  private traceRoleChange(id: NodeId, role: Role, term: number, leader: NodeId): void {
    const summary = `${role} term=${term} leader=${leader}`;
    if (this.lastRole.get(id) === summary) return;
    this.lastRole.set(id, summary);
    this.trace!(`${this.now} node ${id} is ${summary}`);
  }

  private result(): SimResult {
    const nodes = [...this.nodes.values()];
    const stats = this.network.stats;
    return {
      seed: this.options.seed,
      nodes: this.voterCount,
      learners: this.learnerCount,
      virtualTimeMs: this.now,
      events: this.events,
      faults: this.injector.counts.faults,
      crashes: this.injector.counts.crashes,
      pauses: this.injector.counts.pauses,
      messagesSent: stats.sent,
      messagesDelivered: stats.delivered,
      messagesDropped: stats.dropped,
      messagesDuplicated: stats.duplicated,
      leaderTerms: this.checker.leaderCount(),
      maxTerm: Math.max(...nodes.map((n) => n.core.term())),
      committedIndex: this.checker.committedIndex(),
      proposalsAccepted: this.client.proposalsAccepted,
      awaitedProposalsCommitted: this.client.awaitedCommitted,
      snapshotsTaken: nodes.reduce((sum, n) => sum + n.snapshotsTaken, 0),
      snapshotsInstalled: nodes.reduce((sum, n) => sum + n.snapshotsInstalled, 0),
      digest: this.digest.hex(),
    };
  }
}

function range(first: number, count: number): NodeId[] {
  return Array.from({ length: count }, (_, i) => first + i);
}
