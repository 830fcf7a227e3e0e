/**
 * The one fault injector of both simulations: carries out the nemesis' faults on the virtual
 * network and the simulated nodes. It resolves "whoever leads" targets the moment a fault strikes
 * (faults aimed at 'next-leader' wait for the next election and hit its winner right away, when a
 * new leader has not yet replicated anything of its own term), keeps the order nodes went down in
 * (restarts and resumes take the oldest first), and ends the fault phase with everything healed,
 * calm, restarted and resumed; faults still armed then are void.
 */
import { describeFault as describeCommonFault } from '../common/faults.js';
import type { SeededRandom } from '../common/random.js';
import type { NodeId } from '../raft/types.js';
import type { SimNetwork, NetworkConditions } from './network.js';
import { describeFault, type CrashKind, type Fault, type FaultTarget, type LeaderTarget } from './nemesis.js';

export type NodeStatus = 'up' | 'paused' | 'crashed';

/** A simulated node as the injector sees it: a process that can crash, restart, pause and resume. */
export interface FaultableNode {
  readonly id: NodeId;
  status(): NodeStatus;
  /** The process dies now ('kill' or 'power-loss'). */
  crash(kind: Exclude<CrashKind, 'power-loss-after-write'>): void;
  /**
   * Arms a power loss for the moment the node's next write becomes durable; when that comes,
   * `strike` is asked first and the node dies only if it returns true.
   */
  armPowerLossAfterWrite(strike: () => boolean): void;
  /** Starts a new process over the disk as it is. */
  start(): void | Promise<void>;
  pause(): void;
  resume(): void;
}

export interface FaultCounts {
  faults: number;
  kills: number;
  powerLosses: number;
  /** Power losses that struck the moment a write became durable (see CrashKind). */
  powerLossesAfterWrite: number;
  pauses: number;
  partitions: number;
}

export interface FaultInjectorOptions {
  readonly nodes: ReadonlyMap<NodeId, FaultableNode>;
  readonly network: SimNetwork;
  readonly random: SeededRandom;
  /** The network once the faults stop. */
  readonly calm: NetworkConditions;
  /** Hosts besides the nodes (clients): an isolated node is cut off from them too. */
  readonly clientIds?: readonly number[];
  /** The node a leader target names right now, if any ('next-leader' never reaches here). */
  resolveLeader(target: Exclude<LeaderTarget, 'next-leader'>): NodeId | undefined;
  /** Applies a fault (through `apply`) after a delay of virtual time. */
  scheduleFault(delayMs: number, fault: Fault): void;
  /** Starting a node may be asynchronous; its failure must stop the run. */
  onStartFailure(error: unknown): void;
}

export function crashCount(counts: FaultCounts): number {
  return counts.kills + counts.powerLosses + counts.powerLossesAfterWrite;
}

/** A fault aimed at one node. */
type NodeFault = Extract<Fault, { node: FaultTarget }>;

export class FaultInjector {
  readonly counts: FaultCounts = { faults: 0, kills: 0, powerLosses: 0, powerLossesAfterWrite: 0, pauses: 0, partitions: 0 };
  /** Nodes down, in the order they went down. */
  private readonly crashed: NodeId[] = [];
  private readonly paused: NodeId[] = [];
  /** Faults waiting for the next leader to be elected. */
  private readonly armed: NodeFault[] = [];
  private highestLeaderTerm = 0;
  private faultsOver = false;

  constructor(private readonly options: FaultInjectorOptions) {}

  /** Applies one fault; returns what was done, for traces (undefined when it had no target or is void). */
  apply(fault: Fault): string | undefined {
    // A fault armed for the next leader may fall due after the quiet period began: it is void.
    if (this.faultsOver) return undefined;
    this.counts.faults++;
    const { network, nodes } = this.options;
    switch (fault.kind) {
      case 'network':
        network.setConditions(fault.conditions);
        break;
      case 'slow-link':
        network.setLinkConditions(fault.from, fault.to, fault.conditions);
        break;
      case 'isolate': {
        const id = this.resolve(fault);
        if (id === undefined) return undefined;
        this.counts.partitions++;
        network.partition([[id], [...nodes.keys(), ...(this.options.clientIds ?? [])].filter((other) => other !== id)]);
        return describeCommonFault({ kind: 'isolate', nodes: [id] });
      }
      case 'partition':
        this.counts.partitions++;
        network.partition(fault.groups);
        break;
      case 'cut-one-way':
        network.cutLink(fault.from, fault.to);
        break;
      case 'heal':
        network.heal();
        break;
      case 'crash':
        return this.crash(fault);
      case 'restart': {
        const id = this.crashed.shift();
        if (id === undefined) return undefined;
        this.start(id);
        return `restart ${id}`;
      }
      case 'pause': {
        const id = this.resolve(fault);
        const node = id === undefined ? undefined : nodes.get(id);
        if (!node || node.status() !== 'up') return undefined;
        node.pause();
        this.paused.push(node.id);
        this.counts.pauses++;
        return describeCommonFault({ kind: 'pause', nodes: [node.id] });
      }
      case 'resume': {
        const id = this.paused.shift();
        if (id === undefined) return undefined;
        nodes.get(id)!.resume();
        return `resume ${id}`;
      }
      case 'quiet':
        this.quiet();
        break;
    }
    return describeFault(fault);
  }

  /** Tells the injector that `id` leads `term`: faults armed for the next leader strike it now. */
  leaderElected(id: NodeId, term: number): void {
    if (term <= this.highestLeaderTerm) return;
    this.highestLeaderTerm = term;
    for (const fault of this.armed.splice(0)) {
      this.options.scheduleFault(this.options.random.int(0, 3), { ...fault, node: id });
    }
  }

  /** The end of the fault phase: a calm, whole network and every node running. */
  quiet(): void {
    this.faultsOver = true;
    this.armed.length = 0;
    this.options.network.heal();
    this.options.network.setConditions(this.options.calm);
    for (const id of this.crashed.splice(0)) this.start(id);
    for (const id of this.paused.splice(0)) this.options.nodes.get(id)!.resume();
  }

  private crash(fault: Extract<Fault, { kind: 'crash' }>): string | undefined {
    const id = this.resolve(fault);
    const node = id === undefined ? undefined : this.options.nodes.get(id);
    if (!node || node.status() === 'crashed') return undefined;
    if (fault.crash === 'power-loss-after-write') {
      node.armPowerLossAfterWrite(() => {
        if (this.faultsOver) return false;
        removeFrom(this.paused, node.id);
        this.crashed.push(node.id);
        this.counts.powerLossesAfterWrite++;
        return true;
      });
      return `power loss armed for node ${node.id}'s next write`;
    }
    removeFrom(this.paused, node.id);
    node.crash(fault.crash);
    this.crashed.push(node.id);
    if (fault.crash === 'kill') {
      this.counts.kills++;
      return describeCommonFault({ kind: 'kill', nodes: [node.id] });
    }
    this.counts.powerLosses++;
    return `${fault.crash} ${node.id}`;
  }

  private start(id: NodeId): void {
    const started = this.options.nodes.get(id)!.start();
    if (started) started.catch(this.options.onStartFailure);
  }

  /** The node a fault strikes now; a fault for the next leader is armed instead (undefined). */
  private resolve(fault: NodeFault): NodeId | undefined {
    const target = fault.node;
    if (typeof target === 'number') return target;
    if (target === 'next-leader') {
      this.armed.push(fault);
      return undefined;
    }
    return this.options.resolveLeader(target);
  }
}

function removeFrom(list: NodeId[], id: NodeId): void {
  const i = list.indexOf(id);
  if (i >= 0) list.splice(i, 1);
}
