/**
 * Network faults as the supervisor keeps them (which nodes are isolated, which are delayed) and
 * the FaultSpec each node must hold for that. An isolation is only real when both directions are
 * cut, so the isolated node drops everything and every peer drops traffic from and to it.
 */
import type { FaultSpec, PeerFault } from './admin-types.js';
import type { FaultState } from './run-dir.js';

export function faultSpecFor(nodeId: number, faults: FaultState): FaultSpec {
  const peers: PeerFault[] = faults.isolated
    .filter((id) => id !== nodeId)
    .sort((a, b) => a - b)
    .map((id) => ({ node_id: id, drop: true, delay_ms: 0 }));
  return {
    isolate: faults.isolated.includes(nodeId),
    delay_ms: faults.delays[String(nodeId)] ?? 0,
    peers,
  };
}

export function withIsolated(faults: FaultState, nodeId: number): FaultState {
  return { ...faults, isolated: [...new Set([...faults.isolated, nodeId])] };
}

export function withDelay(faults: FaultState, nodeId: number, delayMs: number): FaultState {
  const delays = { ...faults.delays };
  if (delayMs > 0) delays[String(nodeId)] = delayMs;
  else delete delays[String(nodeId)];
  return { ...faults, delays };
}

/** Heals one node (its isolation and delay), or everything when no node is given. */
export function healed(faults: FaultState, nodeId?: number): FaultState {
  if (nodeId === undefined) return { isolated: [], delays: {} };
  return withDelay({ ...faults, isolated: faults.isolated.filter((id) => id !== nodeId) }, nodeId, 0);
}

export function hasFaults(faults: FaultState): boolean {
  return faults.isolated.length > 0 || Object.keys(faults.delays).length > 0;
}

export function describeFaultSpec(spec: FaultSpec): string {
  const parts: string[] = [];
  if (spec.isolate) parts.push('isolated');
  if (spec.delay_ms > 0) parts.push(`delay ${spec.delay_ms} ms`);
  const dropped = spec.peers.filter((p) => p.drop).map((p) => p.node_id);
  if (dropped.length > 0) parts.push(`drops ${dropped.join(',')}`);
  const delayed = spec.peers.filter((p) => p.delay_ms > 0).map((p) => `${p.node_id}:${p.delay_ms}ms`);
  if (delayed.length > 0) parts.push(`delays ${delayed.join(',')}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}
