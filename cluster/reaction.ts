/**
 * What the cluster did about a fault: after a node goes away (kill, stop, pause, isolate), which
 * partitions it led got a new leader and how fast, whether a new controller was elected, and
 * which ISRs dropped it; after it comes back (start, resume, heal), how soon it registered and
 * rejoined the ISRs. Every observation is bounded and reports what had not happened by then.
 */
import { findPartition, type ClusterStatus } from './cluster-status.js';
import { sleep } from './wait.js';

export interface LeaderMove {
  topic: string;
  partition: number;
  from: number;
  /** -1 when no new leader appeared within the wait. */
  to: number;
  afterMs?: number;
}

export interface IsrChange {
  topic: string;
  partition: number;
  isr: number[];
  afterMs?: number;
}

export interface DepartureReport {
  nodeId: number;
  leaderMoves: LeaderMove[];
  /** Partitions whose ISR was only this node: they stay offline (unclean election is off). */
  offline: { topic: string; partition: number }[];
  isrShrinks: IsrChange[];
  controller?: { from: number; to?: number; afterMs?: number };
  complete: boolean;
  waitedMs: number;
}

export interface ReturnReport {
  nodeId: number;
  registeredAfterMs?: number;
  brokerEpoch?: number;
  isrJoins: IsrChange[];
  /** Partitions where the node is a replica but not yet back in the ISR when the wait ended. */
  catchingUp: { topic: string; partition: number; lag?: number }[];
  /** The process died while being watched. */
  exited: boolean;
  complete: boolean;
  waitedMs: number;
}

export type StatusSource = () => Promise<ClusterStatus>;

/** Watches, from `startedAt`, the cluster react to node `nodeId` leaving; `before` is the status just before. */
export async function observeDeparture(
  source: StatusSource,
  nodeId: number,
  before: ClusterStatus,
  startedAt: number,
  timeoutMs: number,
): Promise<DepartureReport> {
  const led = before.partitions.filter((p) => p.leader === nodeId);
  const movable = led.filter((p) => p.isr.some((id) => id !== nodeId));
  const report: DepartureReport = {
    nodeId,
    leaderMoves: movable.map((p) => ({ topic: p.topic, partition: p.partition, from: nodeId, to: -1 })),
    offline: led.filter((p) => !movable.includes(p)).map((p) => ({ topic: p.topic, partition: p.partition })),
    isrShrinks: [],
    complete: false,
    waitedMs: 0,
  };
  const followed = before.partitions.filter((p) => p.isr.includes(nodeId) && p.isr.some((id) => id !== nodeId));
  const shrinks = new Map(followed.map((p) => [`${p.topic}-${p.partition}`, { topic: p.topic, partition: p.partition, isr: p.isr } as IsrChange]));
  if (before.activeController === nodeId) report.controller = { from: nodeId };

  for (;;) {
    const status = await source();
    const elapsed = Date.now() - startedAt;
    for (const move of report.leaderMoves) {
      const now = findPartition(status, move.topic, move.partition);
      if (move.afterMs === undefined && now && now.leader > 0 && now.leader !== nodeId) {
        move.to = now.leader;
        move.afterMs = elapsed;
      }
    }
    for (const change of shrinks.values()) {
      const now = findPartition(status, change.topic, change.partition);
      if (change.afterMs === undefined && now && !now.isr.includes(nodeId)) {
        change.isr = now.isr;
        change.afterMs = elapsed;
      }
    }
    const controller = report.controller;
    if (controller && controller.afterMs === undefined && status.activeController && status.activeController !== nodeId) {
      controller.to = status.activeController;
      controller.afterMs = elapsed;
    }
    report.complete =
      report.leaderMoves.every((m) => m.afterMs !== undefined) &&
      [...shrinks.values()].every((c) => c.afterMs !== undefined) &&
      (controller === undefined || controller.afterMs !== undefined);
    report.waitedMs = elapsed;
    if (report.complete || elapsed >= timeoutMs) break;
    await sleep(50);
  }
  report.isrShrinks = [...shrinks.values()];
  return report;
}

/** Watches node `nodeId` come back: registered and unfenced, then in the ISR of each of its partitions. */
export async function observeReturn(
  source: StatusSource,
  nodeId: number,
  startedAt: number,
  timeoutMs: number,
): Promise<ReturnReport> {
  const report: ReturnReport = { nodeId, isrJoins: [], catchingUp: [], exited: false, complete: false, waitedMs: 0 };
  const joins = new Map<string, IsrChange>();
  for (;;) {
    const status = await source();
    const elapsed = Date.now() - startedAt;
    const node = status.nodes.find((n) => n.id === nodeId);
    const isBroker = node?.roles.includes('broker') ?? false;
    const registered = isBroker ? node?.broker?.registered === true && !node.broker.fenced : node?.reachable === true;
    if (report.registeredAfterMs === undefined && registered) {
      report.registeredAfterMs = elapsed;
      if (node?.broker) report.brokerEpoch = node.broker.brokerEpoch;
    }
    report.catchingUp = [];
    for (const p of status.partitions.filter((q) => q.replicas.includes(nodeId))) {
      const key = `${p.topic}-${p.partition}`;
      if (p.isr.includes(nodeId)) {
        if (!joins.has(key)) joins.set(key, { topic: p.topic, partition: p.partition, isr: p.isr, afterMs: elapsed });
      } else {
        const lag = p.replicaStates.find((r) => r.id === nodeId)?.lag;
        report.catchingUp.push(lag === undefined ? { topic: p.topic, partition: p.partition } : { topic: p.topic, partition: p.partition, lag });
      }
    }
    report.complete = report.registeredAfterMs !== undefined && report.catchingUp.length === 0;
    report.exited = node?.process === 'dead';
    report.waitedMs = elapsed;
    if (report.complete || report.exited || elapsed >= timeoutMs) break;
    await sleep(50);
  }
  report.isrJoins = [...joins.values()];
  return report;
}
