/**
 * The faults a scenario injects, remembered so they can all be undone when it ends, however it
 * ends: a scenario run against a user's cluster must leave every node running, resumed and
 * undelayed. Undoing never throws; what it could not undo is printed.
 */
import type { LocalCluster } from '../../../cluster/index.js';
import type { Print } from '../scenario.js';

/** Every ledger with faults not yet undone, so an interrupted run can still undo them. */
const active = new Set<Faults>();

/** Undoes the faults of every scenario still running (for Ctrl-C). */
export async function undoActiveFaults(): Promise<void> {
  await Promise.all([...active].map((f) => f.undoAll()));
}

export class Faults {
  private readonly paused = new Set<number>();
  private readonly killed = new Set<number>();
  private readonly delayed = new Set<number>();

  constructor(
    private readonly cluster: LocalCluster,
    private readonly print: Print,
  ) {
    active.add(this);
  }

  async pause(ids: readonly number[]): Promise<void> {
    for (const id of ids) this.paused.add(id);
    await Promise.all(ids.map((id) => this.cluster.pause(id)));
  }

  async resume(ids: readonly number[]): Promise<void> {
    await Promise.all(ids.map((id) => this.cluster.resume(id)));
    for (const id of ids) this.paused.delete(id);
  }

  async kill(id: number): Promise<void> {
    this.killed.add(id);
    await this.cluster.kill(id);
  }

  /** Starts a killed node again and waits (bounded) until it serves as a broker again, unfenced. */
  async start(id: number, timeoutMs = 30_000): Promise<void> {
    await this.cluster.start(id);
    this.killed.delete(id);
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

  async delay(id: number, delayMs: number): Promise<void> {
    if (delayMs > 0) this.delayed.add(id);
    await this.cluster.delay(id, delayMs);
    if (delayMs === 0) this.delayed.delete(id);
  }

  /** Resumes, undelays and restarts whatever is still broken. */
  async undoAll(): Promise<void> {
    const attempt = async (what: string, action: () => Promise<void>): Promise<void> => {
      try {
        await action();
      } catch (e) {
        this.print(`could not ${what}: ${(e as Error).message}`);
      }
    };
    for (const id of [...this.paused]) await attempt(`resume node ${id}`, () => this.resume([id]));
    for (const id of [...this.delayed]) await attempt(`remove the delay of node ${id}`, () => this.delay(id, 0));
    for (const id of [...this.killed]) await attempt(`start node ${id} again`, () => this.start(id));
    active.delete(this);
  }
}
