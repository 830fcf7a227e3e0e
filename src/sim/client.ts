/**
 * The simulated client: it proposes unique payloads, through its RaftDriver, to whichever node it
 * believes leads, follows NOT_CONTROLLER hints, and tracks proposals made once the cluster should
 * be stable, so the liveness check can require each of them to commit in bounded time. A proposal
 * the driver refuses with NOT_CONTROLLER is certainly not committed and no longer awaited.
 */
import { isBrokerError } from '../common/errors.js';
import type { SeededRandom } from '../common/random.js';
import { NONE, type Entry, type NodeId } from '../raft/types.js';
import type { SimNode } from './sim-node.js';

export interface ProposalOutcome {
  readonly accepted: boolean;
  readonly node: NodeId;
  readonly payload: string;
}

export class SimClient {
  proposalsAccepted = 0;
  /** Proposals that must commit: payload -> virtual time accepted, oldest first. */
  private readonly awaited = new Map<string, number>();
  awaitedCommitted = 0;
  private target: NodeId;
  private sequence = 0;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly random: SeededRandom,
    private readonly nodeIds: readonly NodeId[],
  ) {
    this.target = random.pick(nodeIds);
  }

  /** Proposes the next payload to the believed leader; `mustCommit` marks it for the liveness check. */
  propose(nodes: ReadonlyMap<NodeId, SimNode>, nowMs: number, mustCommit: boolean): ProposalOutcome {
    const node = nodes.get(this.target)!;
    const payload = `p${++this.sequence}`;
    const driver = node.driver;
    if (node.status() !== 'up' || driver === undefined) {
      // No answer from a stopped process: try someone else next time.
      this.target = this.random.pick(this.nodeIds);
      return { accepted: false, node: node.id, payload };
    }
    if (driver.role() !== 'leader') {
      this.follow(driver.leader());
      return { accepted: false, node: node.id, payload };
    }
    this.proposalsAccepted++;
    if (mustCommit) this.awaited.set(payload, nowMs);
    driver.propose(this.encoder.encode(payload)).then(
      () => {},
      (e: unknown) => {
        if (!isBrokerError(e, 'NOT_CONTROLLER')) return;
        // Certainly not committed: nothing to wait for.
        this.awaited.delete(payload);
        this.follow(e.details['leaderId'] as NodeId);
      },
    );
    return { accepted: true, node: node.id, payload };
  }

  private follow(hint: NodeId): void {
    this.target = hint !== NONE ? hint : this.random.pick(this.nodeIds);
  }

  /** Called with every newly committed entry. */
  committed(entry: Entry): void {
    if (entry.type !== 'normal' || this.awaited.size === 0) return;
    if (this.awaited.delete(this.decoder.decode(entry.data))) this.awaitedCommitted++;
  }

  /** The oldest awaited proposal not yet committed, if any. */
  oldestAwaited(): { payload: string; acceptedAtMs: number } | undefined {
    for (const [payload, acceptedAtMs] of this.awaited) return { payload, acceptedAtMs };
    return undefined;
  }

  awaitedCount(): number {
    return this.awaited.size;
  }
}
