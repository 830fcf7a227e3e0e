/**
 * Network faults as the supervisor keeps them (which nodes are isolated, which are delayed) and
 * the FaultSpec (src/common/faults.ts) each node must hold for that. An isolation is only real
 * when both directions are cut, so the isolated node drops everything and every peer drops
 * traffic from and to it.
 */
import { describeFaultSpec, type FaultSpec, type PeerFault } from '../src/common/faults.js';
import type { FaultState } from './run-dir.js';

export { describeFaultSpec };

export function faultSpecFor(nodeId: number, faults: FaultState): FaultSpec {
  const peers: PeerFault[] = faults.isolated
    .filter((id) => id !== nodeId)
    .sort((a, b) => a - b)
    .map((id) => ({ nodeId: id, drop: true, delayMs: 0 }));
  return {
    isolate: faults.isolated.includes(nodeId),
    delayMs: faults.delays[String(nodeId)] ?? 0,
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
