/**
 * Applies the nemesis' faults to the simulated cluster: network conditions and partitions, crashes
 * and restarts, pauses and resumes. Faults aimed at 'leader' hit the current leader; faults aimed
 * at 'next-leader' wait for the next election and hit its winner right away, the moment when a
 * new leader has not yet replicated anything of its own term (where Raft's Figure 8 lives).
 */
import type { SeededRandom } from '../common/random.js';
import type { Message, NodeId } from '../raft/types.js';
import { CALM_NETWORK, type SimNetwork } from './network.js';
import type { Fault, FaultTarget } from './nemesis.js';
import type { SimNode } from './sim-node.js';

/** A fault aimed at one node. */
type NodeFault = Extract<Fault, { node: FaultTarget }>;

export interface FaultHooks {
  /** A node changed state outside a delivered message: check it and persist its next Ready. */
  afterActivity(node: SimNode): void;
  /** Hands a node a message now (those that queued up while it was paused). */
  stepNow(node: SimNode, message: Message): void;
  /** Applies a fault after a delay. */
  scheduleFault(delayMs: number, fault: Fault): void;
}

export class FaultInjector {
  readonly counts = { faults: 0, crashes: 0, pauses: 0 };
  /** Nodes down, in the order they went down: restarts and resumes take the oldest first. */
  private readonly crashed: NodeId[] = [];
  private readonly paused: NodeId[] = [];
  /** Faults waiting for the next leader to be elected. */
  private readonly armed: NodeFault[] = [];
  private highestLeaderTerm = 0;
  private faultsOver = false;

  constructor(
    private readonly nodes: ReadonlyMap<NodeId, SimNode>,
    private readonly network: SimNetwork,
    private readonly random: SeededRandom,
    private readonly hooks: FaultHooks,
  ) {}

  apply(fault: Fault): void {
    // A fault armed for the next leader may fall due after the quiet period began: it is void.
    if (this.faultsOver) return;
    this.counts.faults++;
    switch (fault.kind) {
      case 'network':
        this.network.conditions = { ...fault.conditions };
        return;
      case 'partition':
        return this.network.partition(fault.groups);
      case 'cut-one-way':
        return this.network.cutLink(fault.from, fault.to);
      case 'heal':
        return this.network.heal();
      case 'restart':
        return this.restart(this.crashed[0]);
      case 'resume':
        return this.resume(this.paused[0]);
      case 'quiet':
        return this.quiet();
      case 'isolate':
      case 'crash':
      case 'pause':
        return this.applyToNode(fault);
    }
  }

  /** Tells the injector that `node` leads: faults armed for the next leader strike it now. */
  leaderElected(node: SimNode): void {
    const term = node.core.term();
    if (term <= this.highestLeaderTerm) return;
    this.highestLeaderTerm = term;
    for (const fault of this.armed.splice(0, this.armed.length)) {
      this.hooks.scheduleFault(this.random.int(0, 3), { ...fault, node: node.id });
    }
  }

  private applyToNode(fault: NodeFault): void {
    if (fault.node === 'next-leader') {
      this.armed.push(fault);
      return;
    }
    const id = fault.node === 'leader' ? this.currentLeader() : fault.node;
    if (id === undefined) return;
    if (fault.kind === 'isolate') this.network.partition([[id], [...this.nodes.keys()].filter((other) => other !== id)]);
    else if (fault.kind === 'crash') this.crash(id);
    else this.pause(id);
  }

  /** The running leader of the highest term, if any. */
  private currentLeader(): NodeId | undefined {
    let leader: SimNode | undefined;
    for (const node of this.nodes.values()) {
      if (node.status === 'crashed' || node.core.role() !== 'leader') continue;
      if (leader === undefined || node.core.term() > leader.core.term()) leader = node;
    }
    return leader?.id;
  }

  private crash(id: NodeId): void {
    const node = this.nodes.get(id)!;
    if (node.status === 'crashed') return;
    if (node.status === 'paused') removeFrom(this.paused, id);
    this.counts.crashes++;
    node.crash();
    this.crashed.push(id);
  }

  private restart(id: NodeId | undefined): void {
    const node = id === undefined ? undefined : this.nodes.get(id);
    if (node === undefined || node.status !== 'crashed') return;
    removeFrom(this.crashed, node.id);
    node.restart();
    this.hooks.afterActivity(node);
  }

  private pause(id: NodeId): void {
    const node = this.nodes.get(id)!;
    if (node.status !== 'up') return;
    this.counts.pauses++;
    node.status = 'paused';
    this.paused.push(id);
  }

  /** A paused process continues: it reads the messages that queued up and finishes its write. */
  private resume(id: NodeId | undefined): void {
    const node = id === undefined ? undefined : this.nodes.get(id);
    if (node === undefined || node.status !== 'paused') return;
    removeFrom(this.paused, node.id);
    node.status = 'up';
    for (const message of node.inbox.splice(0, node.inbox.length)) this.hooks.stepNow(node, message);
    if (node.persistDueOnResume) {
      node.persistDueOnResume = false;
      node.completePersist();
    }
    this.hooks.afterActivity(node);
  }

  /** The end of the fault phase: heal, calm the network, restart and resume everyone. */
  private quiet(): void {
    this.faultsOver = true;
    this.armed.length = 0;
    this.network.heal();
    this.network.conditions = { ...CALM_NETWORK };
    for (const id of this.nodes.keys()) {
      this.restart(id);
      this.resume(id);
    }
  }
}

function removeFrom(ids: NodeId[], id: NodeId): void {
  const at = ids.indexOf(id);
  if (at >= 0) ids.splice(at, 1);
}
