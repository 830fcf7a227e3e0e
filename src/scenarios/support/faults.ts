/**
 * The faults a scenario injects (src/common/faults.ts), remembered so they can all be undone when
 * it ends, however it ends: a scenario run against a user's cluster must leave every node running,
 * resumed and undelayed. Undoing never throws; what it could not undo is printed.
 */
import type { LocalCluster } from '../../../cluster/index.js';
import { describeFault, fault, type Fault } from '../../common/faults.js';
import type { Print } from '../scenario.js';

/** Every ledger with faults not yet undone, so an interrupted run can still undo them. */
const active = new Set<Faults>();

/** Undoes the faults of every scenario still running (for Ctrl-C). */
export async function undoActiveFaults(): Promise<void> {
  await Promise.all([...active].map((f) => f.undoAll()));
}

/** What the ledger needs of a cluster: LocalCluster's fault methods. */
type FaultTarget = Pick<LocalCluster, 'inject' | 'undo' | 'nodes' | 'waitFor'>;

export class Faults {
  /** Faults in force, in the order they were injected. */
  private readonly inForce: Fault[] = [];

  constructor(
    private readonly cluster: FaultTarget,
    private readonly print: Print,
  ) {
    active.add(this);
  }

  /** Injects a fault and remembers it until it is undone (one with a duration undoes itself). */
  async inject(f: Fault): Promise<void> {
    if (f.durationMs === undefined) this.inForce.push(f);
    await this.cluster.inject(f);
  }

  /** Undoes, on these nodes, the faults of these kinds in force (a fault on more nodes stays on the rest). */
  async undo(kinds: readonly Fault['kind'][], ids: readonly number[]): Promise<void> {
    for (const f of this.inForce.filter((x) => kinds.includes(x.kind) && x.nodes.some((id) => ids.includes(id)))) {
      const undone = { ...f, nodes: f.nodes.filter((id) => ids.includes(id)) };
      const rest = f.nodes.filter((id) => !ids.includes(id));
      await this.cluster.undo(undone);
      this.inForce.splice(this.inForce.indexOf(f), 1, ...(rest.length > 0 ? [{ ...f, nodes: rest }] : []));
    }
  }

  async pause(ids: readonly number[]): Promise<void> {
    await this.inject(fault.pause(ids));
  }

  async resume(ids: readonly number[]): Promise<void> {
    await this.undo(['pause'], ids);
  }

  async kill(id: number): Promise<void> {
    await this.inject(fault.kill(id));
  }

  /** Starts a killed node again and waits (bounded) until it serves as a broker again, unfenced. */
  async start(id: number, timeoutMs = 30_000): Promise<void> {
    await this.undo(['kill', 'stop'], [id]);
    await this.serving(id, timeoutMs);
  }

  private async serving(id: number, timeoutMs = 30_000): Promise<void> {
    const isBroker = this.cluster.nodes.find((n) => n.id === id)?.roles.includes('broker') ?? false;
    await this.cluster.waitFor(
      (s) => {
        const node = s.nodes.find((n) => n.id === id);
        return isBroker ? node?.broker?.registered === true && node.broker.fenced === false : node?.reachable;
      },
      `node ${id} to serve again`,
      { timeoutMs },
    );
  }

  /** Delays everything node `id` sends; 0 removes the delay. */
  async delay(id: number, delayMs: number): Promise<void> {
    await this.undo(['delay'], [id]);
    if (delayMs === 0) return;
    await this.inject(fault.delay(id, delayMs));
  }

  /** Undoes whatever is still in force, newest first: resumes, undelays, heals, restarts. */
  async undoAll(): Promise<void> {
    for (const f of [...this.inForce].reverse()) {
      try {
        await this.cluster.undo(f);
        this.inForce.splice(this.inForce.indexOf(f), 1);
        if (f.kind === 'kill' || f.kind === 'stop') for (const id of f.nodes) await this.serving(id);
      } catch (e) {
        this.print(`could not undo ${describeFault(f)}: ${(e as Error).message}`);
      }
    }
    active.delete(this);
  }
}
