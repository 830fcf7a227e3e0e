/**
 * Carries out faults on the simulated cluster: resolves "whoever leads" targets at the moment the
 * fault strikes, keeps the order nodes went down in (restarts and resumes take the oldest first),
 * and ends the fault phase with everything healed, restarted and resumed.
 */
import type { SeededRandom } from '../../common/random.js';
import { topicByName } from '../../metadata/index.js';
import { NO_LEADER } from '../../metadata/types.js';
import type { ClusterNetwork } from './cluster-network.js';
import type { ClusterNode } from './cluster-node.js';
import { describeFault, type ClusterFault, type FaultTarget } from './cluster-nemesis.js';
import { CALM_LINK } from './link-conditions.js';

export interface FaultCounts {
  faults: number;
  kills: number;
  powerLosses: number;
  pauses: number;
  partitions: number;
}

export class FaultInjector {
  readonly counts: FaultCounts = { faults: 0, kills: 0, powerLosses: 0, pauses: 0, partitions: 0 };
  private readonly crashed: number[] = [];
  private readonly paused: number[] = [];

  constructor(
    private readonly nodes: ReadonlyMap<number, ClusterNode>,
    private readonly network: ClusterNetwork,
    /** Clients are cut off from an isolated node too. */
    private readonly clientIds: readonly number[],
    private readonly topic: string,
    private readonly random: SeededRandom,
    /** Starting a node is asynchronous; its failure must stop the run. */
    private readonly onStartFailure: (error: unknown) => void,
  ) {}

  /** Applies one fault; returns what was done, for traces (undefined when it had no target). */
  apply(fault: ClusterFault): string | undefined {
    this.counts.faults++;
    const network = this.network;
    switch (fault.kind) {
      case 'network':
        network.setConditions(fault.conditions);
        break;
      case 'slow-link':
        network.setLinkConditions(fault.from, fault.to, fault.conditions);
        break;
      case 'isolate': {
        const id = this.resolve(fault.node);
        if (id === undefined) return undefined;
        this.counts.partitions++;
        network.partition([[id], [...this.nodes.keys(), ...this.clientIds].filter((other) => other !== id)]);
        return `isolate ${id}`;
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
      case 'crash': {
        const id = this.resolve(fault.node);
        const node = id === undefined ? undefined : this.nodes.get(id);
        if (!node || node.status() === 'crashed') return undefined;
        removeFrom(this.paused, node.id);
        node.crash(fault.crash);
        this.crashed.push(node.id);
        if (fault.crash === 'kill') this.counts.kills++;
        else this.counts.powerLosses++;
        return `${fault.crash} ${node.id}`;
      }
      case 'restart': {
        const id = this.crashed.shift();
        if (id === undefined) return undefined;
        this.start(id);
        return `restart ${id}`;
      }
      case 'pause': {
        const id = this.resolve(fault.node);
        const node = id === undefined ? undefined : this.nodes.get(id);
        if (!node || node.status() !== 'up') return undefined;
        node.pause();
        this.paused.push(node.id);
        this.counts.pauses++;
        return `pause ${node.id}`;
      }
      case 'resume': {
        const id = this.paused.shift();
        if (id === undefined) return undefined;
        this.nodes.get(id)!.resume();
        return `resume ${id}`;
      }
      case 'quiet':
        this.quiet();
        break;
    }
    return describeFault(fault);
  }

  /** The end of the fault phase: a calm, whole network and every node running. */
  quiet(): void {
    this.network.heal();
    this.network.setConditions(CALM_LINK);
    for (const id of this.crashed.splice(0)) this.start(id);
    for (const id of this.paused.splice(0)) this.nodes.get(id)!.resume();
  }

  private start(id: number): void {
    this.nodes.get(id)!.start().catch(this.onStartFailure);
  }

  private resolve(target: FaultTarget): number | undefined {
    if (typeof target === 'number') return target;
    return target === 'controller' ? this.activeController() : this.someLeader();
  }

  /** The Raft leader of the highest term among running nodes. */
  private activeController(): number | undefined {
    let best: { id: number; term: number } | undefined;
    for (const node of this.nodes.values()) {
      const status = node.runtime()?.driver.status();
      if (status?.role === 'leader' && (!best || status.term > best.term)) best = { id: node.id, term: status.term };
    }
    return best?.id;
  }

  /** The leader of a random partition, as the active controller's image names it. */
  private someLeader(): number | undefined {
    const controller = this.activeController();
    const image = controller === undefined ? undefined : this.nodes.get(controller)!.runtime()?.publisher.image();
    const topic = image && topicByName(image, this.topic);
    if (!topic || topic.partitions.size === 0) return undefined;
    const partition = topic.partitions.get(this.random.int(0, topic.partitions.size - 1));
    return partition && partition.leader !== NO_LEADER && this.nodes.has(partition.leader) ? partition.leader : undefined;
  }
}

function removeFrom(list: number[], id: number): void {
  const i = list.indexOf(id);
  if (i >= 0) list.splice(i, 1);
}
