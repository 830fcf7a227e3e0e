/** How the fault verbs tell what the cluster did: leaders moved, ISRs shrunk or regrown, a new controller. */
import type { DepartureReport, FaultPushResult, ReturnReport } from '../../../cluster/index.js';
import { describeFaultSpec } from '../../../cluster/index.js';

const tp = (p: { topic: string; partition: number }) => `${p.topic}-${p.partition}`;

export function renderDeparture(report: DepartureReport): string[] {
  const lines: string[] = [];
  if (report.controller) {
    const c = report.controller;
    lines.push(
      c.to !== undefined
        ? `  controller: ${c.from} -> ${c.to} after ${c.afterMs} ms`
        : `  controller: no new active controller after ${report.waitedMs} ms`,
    );
  }
  for (const move of report.leaderMoves) {
    lines.push(
      move.afterMs !== undefined
        ? `  ${tp(move)}: leader ${move.from} -> ${move.to} after ${move.afterMs} ms`
        : `  ${tp(move)}: still no new leader after ${report.waitedMs} ms`,
    );
  }
  for (const p of report.offline) lines.push(`  ${tp(p)}: offline (its ISR was only node ${report.nodeId}; unclean election is off)`);
  for (const change of report.isrShrinks) {
    lines.push(
      change.afterMs !== undefined
        ? `  ${tp(change)}: ISR shrank to [${change.isr.join(',')}] after ${change.afterMs} ms`
        : `  ${tp(change)}: node ${report.nodeId} still in the ISR after ${report.waitedMs} ms`,
    );
  }
  if (lines.length === 0) lines.push(`  node ${report.nodeId} led no partition and was in no ISR; nothing had to move`);
  return lines;
}

export function renderReturn(report: ReturnReport): string[] {
  const lines: string[] = [];
  if (report.exited) {
    lines.push(`  node ${report.nodeId} exited after ${report.waitedMs} ms; see its output (brokerlab logs ${report.nodeId}, logs/node-${report.nodeId}.out)`);
    return lines;
  }
  if (report.registeredAfterMs !== undefined) {
    const epoch = report.brokerEpoch !== undefined ? ` (broker epoch ${report.brokerEpoch})` : '';
    lines.push(`  node ${report.nodeId} answered and registered${epoch} after ${report.registeredAfterMs} ms`);
  } else {
    lines.push(`  node ${report.nodeId} had not registered after ${report.waitedMs} ms; see its log (brokerlab logs ${report.nodeId})`);
  }
  if (report.isrJoins.length > 0) lines.push(`  in the ISR of ${report.isrJoins.map(tp).join(', ')}`);
  for (const p of report.catchingUp) {
    lines.push(`  ${tp(p)}: still catching up${p.lag !== undefined ? ` (lag ${p.lag})` : ''} after ${report.waitedMs} ms`);
  }
  return lines;
}

export function renderFaultPush(result: FaultPushResult): string[] {
  const lines = result.applied.map((a) => `  node ${a.id}: faults now ${describeFaultSpec(a.spec)}`);
  for (const u of result.unreachable) lines.push(`  node ${u.id}: not told (${u.reason})`);
  return lines;
}
