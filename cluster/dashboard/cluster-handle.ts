/**
 * The dashboard's view of the cluster in a run directory. A Supervisor keeps the state file as
 * it was when opened, but `brokerlab start 2` in another terminal writes a new pid there: so each
 * use re-reads cluster.json and, when its text changed, opens a fresh Supervisor. The old one's
 * gRPC channels are closed once nothing still uses it (a `start` may be polling its node).
 */
import { readFileSync } from 'node:fs';
import { Supervisor, type SupervisorOptions } from '../supervisor.js';

export class ClusterHandle {
  private supervisor: Supervisor;
  private stateText: string;
  private readonly users = new Map<Supervisor, number>();
  private readonly retired = new Set<Supervisor>();
  private closed = false;

  constructor(
    readonly runDir: string,
    private readonly options: SupervisorOptions,
  ) {
    // Opening first makes a missing cluster fail here with NoClusterError's clear message.
    this.supervisor = Supervisor.open(runDir, options);
    this.stateText = this.readStateText() ?? '';
  }

  /** Runs `body` with an up-to-date Supervisor that stays open until `body` ends. */
  async use<T>(body: (supervisor: Supervisor) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the dashboard has stopped');
    const supervisor = this.fresh();
    this.users.set(supervisor, (this.users.get(supervisor) ?? 0) + 1);
    try {
      return await body(supervisor);
    } finally {
      const left = (this.users.get(supervisor) ?? 1) - 1;
      if (left > 0) this.users.set(supervisor, left);
      else {
        this.users.delete(supervisor);
        if (this.retired.delete(supervisor)) supervisor.close();
      }
    }
  }

  /** Releases every gRPC channel; the nodes keep running. */
  close(): void {
    this.closed = true;
    this.supervisor.close();
    for (const s of this.retired) s.close();
    this.retired.clear();
  }

  private fresh(): Supervisor {
    const text = this.readStateText();
    // An unreadable file (being replaced, or removed by `down --purge`) keeps the last good view.
    if (text === undefined || text === this.stateText) return this.supervisor;
    let next: Supervisor;
    try {
      next = Supervisor.open(this.runDir, this.options);
    } catch {
      return this.supervisor;
    }
    const old = this.supervisor;
    this.supervisor = next;
    this.stateText = text;
    if (this.users.has(old)) this.retired.add(old);
    else old.close();
    return next;
  }

  private readStateText(): string | undefined {
    try {
      return readFileSync(this.supervisor.runDir.stateFile, 'utf8');
    } catch {
      return undefined;
    }
  }
}
