/**
 * The deterministic Raft simulation: N nodes in one process on a virtual clock and a virtual
 * network, every random choice drawn from one seed. Each node runs a real RaftDriver (persist
 * every Ready, then send its messages, then apply) over its RaftCore, on the same loop, network,
 * nemesis and fault injector as the whole-cluster simulation. Faults run for a fault phase, then a
 * quiet period must bring a stable leader and commit every new proposal in bounded time. Safety
 * invariants are checked after every step of every core and after every event; the first
 * violation throws a SimulationFailure that names the seed to replay.
 */
import { SeededRandom } from '../common/random.js';
import type { RaftConfig } from '../raft/core.js';
import { RaftDriver } from '../raft/driver.js';
import type { Entry, Membership, Message, NodeId, Role } from '../raft/types.js';
import type { AppSnapshot } from './app-state-machine.js';
import { SafetyChecker, type DurableLogView } from './checker.js';
import { SimClient } from './client.js';
import { fail, type FailureContext } from './failure.js';
import { SimNetwork } from './network.js';
import { planFaults, RAFT_FAULTS, type Fault } from './nemesis.js';
import { crashCount, FaultInjector } from './fault-injector.js';
import { drawParameters } from './parameters.js';
import { SimLoop } from './sim-loop.js';
import { SimNode, type DriverFactory } from './sim-node.js';
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
  /**
   * Builds each node's driver (default: the real RaftDriver). Tests only: a driver with a broken
   * order shows that the checker catches it.
   */
  driver?: DriverFactory;
}

export interface SimResult {
  seed: number;
  nodes: number;
  learners: number;
  virtualTimeMs: number;
  events: number;
  faults: number;
  crashes: number;
  /** Crashes that struck the moment a write became durable, before the driver sent anything after it. */
  powerLossesAfterWrite: number;
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

export async function runRaftSimulation(options: RaftSimOptions): Promise<SimResult> {
  const simulation = new RaftSimulation(options);
  // A rejected promise nobody handles inside a node would crash a real process: stop the run.
  const onUnhandled = (error: unknown): void => simulation.loop.fail(error);
  process.on('unhandledRejection', onUnhandled);
  try {
    return await simulation.run();
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
}

class RaftSimulation {
  readonly loop = new SimLoop({ drain: 'promise-jobs' });
  private readonly random: SeededRandom;
  private readonly nodes = new Map<NodeId, SimNode>();
  private readonly network: SimNetwork;
  private readonly checker: SafetyChecker;
  private readonly client: SimClient;
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

  constructor(private readonly options: RaftSimOptions) {
    const random = new SeededRandom(options.seed);
    this.random = random;
    const params = drawParameters(random, options);
    this.voterCount = params.voters;
    this.learnerCount = params.learners;
    this.faultPhaseMs = params.faultPhaseMs;
    this.proposeEveryMs = params.proposeEveryMs;
    this.trace = options.trace;
    this.context = { seed: options.seed, nodes: this.voterCount, now: () => this.loop.now() };

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
    this.network = new SimNetwork(random.fork(), this.loop, (id) => this.nodes.get(id)?.status() === 'crashed', RAFT_FAULTS.calm);
    this.client = new SimClient(random.fork(), [...voters, ...learners]);
    this.checker = new SafetyChecker(this.context);
    this.checker.onCommitted = (entry) => this.client.committed(entry);
    const observer = {
      changed: (node: SimNode) => this.observe(node),
      applied: (node: NodeId, term: number, entry: Entry) => this.checker.observeApplied(node, term, entry),
      restored: (node: NodeId, snapshot: AppSnapshot) => this.checker.observeRestore(node, snapshot),
      received: (_node: NodeId, message: Message) => {
        this.digest.addMessage(message);
        this.trace?.(`${this.loop.now()} deliver ${describeMessage(message)}`);
      },
    };
    const makeDriver = options.driver ?? ((driverOptions) => new RaftDriver(driverOptions));
    for (const id of [...voters, ...learners]) {
      const node = new SimNode(id, {
        membership,
        makeConfig: makeConfig(id),
        random: random.fork(),
        snapshotEvery: params.snapshotEvery,
        tickMs: TICK_MS,
        loop: this.loop,
        network: this.network,
        deliver: (message) => this.nodes.get(message.to)?.receive(message),
        observer,
        makeDriver,
      });
      this.nodes.set(id, node);
      this.network.register(node);
    }
    this.injector = new FaultInjector({
      nodes: this.nodes,
      network: this.network,
      random: random.fork(),
      calm: RAFT_FAULTS.calm,
      resolveLeader: () => this.currentLeader(),
      scheduleFault: (delayMs, fault) => this.loop.after(delayMs, () => this.onFault(fault)),
      onStartFailure: (error) => this.loop.fail(error),
    });
    this.voterIds = voters;
    this.voterDisks = voters.map((id) => {
      const disk = this.nodes.get(id)!.durable;
      return { id, lastIndex: () => disk.lastIndex(), lastTerm: () => disk.lastTerm(), holds: (i: number, t: number) => disk.holds(i, t) };
    });
  }

  private get now(): number {
    return this.loop.now();
  }

  private leaderDeadlineMs(): number {
    return this.faultPhaseMs + LEADER_DEADLINE_MS;
  }

  private endMs(): number {
    return this.leaderDeadlineMs() + LIVENESS_WINDOW_MS + COMMIT_BOUND_MS;
  }

  async run(): Promise<SimResult> {
    this.scheduleStart();
    await this.loop.runUntil(this.endMs(), () => this.afterEvent());
    this.checkFinalProgress();
    return this.result();
  }

  private scheduleStart(): void {
    // Each process starts at its own moment, so their ticks are out of phase.
    for (const node of this.nodes.values()) this.loop.at(this.random.int(0, TICK_MS - 1), () => node.start());
    if (this.options.faults !== false) {
      const plan = planFaults(this.random.fork(), RAFT_FAULTS, [...this.nodes.keys()], this.faultPhaseMs);
      for (const { atMs, fault } of plan) this.loop.at(atMs, () => this.onFault(fault));
    }
    this.loop.at(this.random.int(0, this.proposeEveryMs), () => this.onPropose());
    this.loop.at(this.leaderDeadlineMs(), () => this.checkStableLeader());
  }

  /** After every event (once the promise continuations it caused ran): the checks across nodes. */
  private afterEvent(): boolean {
    this.digest.add(this.now);
    this.checkDisksIfChanged();
    this.checkCommitDeadline();
    return false;
  }

  /** After every change to a running core: check it, and let armed faults find a new leader. */
  private observe(node: SimNode): void {
    const core = node.core;
    this.checker.observeCommitIndex(core);
    if (core.role() === 'leader') {
      this.checker.checkLeader(core);
      this.injector.leaderElected(node.id, core.term());
    }
    if (this.trace) this.traceRoleChange(node.id, core.role(), core.term(), core.leader());
  }

  private onFault(fault: Fault): void {
    const done = this.injector.apply(fault);
    this.digest.add(this.injector.counts.faults);
    if (done) this.trace?.(`${this.now} fault ${done}`);
  }

  private onPropose(): void {
    const outcome = this.client.propose(this.nodes, this.now, this.now >= this.leaderDeadlineMs());
    this.digest.add(outcome.accepted ? outcome.node : 0);
    if (outcome.accepted) this.trace?.(`${this.now} propose ${outcome.payload} at node ${outcome.node}`);
    const next = this.now + this.proposeEveryMs;
    if (next <= this.leaderDeadlineMs() + LIVENESS_WINDOW_MS) this.loop.after(this.proposeEveryMs, () => this.onPropose());
  }

  /** The running leader of the highest term, if any. */
  private currentLeader(): NodeId | undefined {
    let leader: SimNode | undefined;
    for (const node of this.nodes.values()) {
      if (node.status() === 'crashed' || node.core.role() !== 'leader') continue;
      if (leader === undefined || node.core.term() > leader.core.term()) leader = node;
    }
    return leader?.id;
  }

  /** Liveness: once faults have stopped for a while, one leader is known to every node. */
  private checkStableLeader(): void {
    const leaders = [...this.nodes.values()].filter((n) => n.status() === 'up' && n.core.role() === 'leader');
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
      .map((n) => `${n.id}:${n.status() === 'up' ? n.core.role() : n.status()} term=${n.core.term()} lead=${n.core.leader()} commit=${n.core.commitIndex()} last=${n.core.lastIndex()}`)
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
    const counts = this.injector.counts;
    return {
      seed: this.options.seed,
      nodes: this.voterCount,
      learners: this.learnerCount,
      virtualTimeMs: this.now,
      events: this.loop.events,
      faults: counts.faults,
      crashes: crashCount(counts),
      powerLossesAfterWrite: counts.powerLossesAfterWrite,
      pauses: counts.pauses,
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
