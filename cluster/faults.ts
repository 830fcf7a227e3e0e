/**
 * Network faults as the supervisor keeps them (which nodes are isolated, which are delayed, which
 * partitions are in force) and the FaultSpec (src/common/faults.ts) each node must hold for that.
 * An isolation is only real when both directions are cut, so the isolated node drops everything
 * and every peer drops traffic from and to it; a partition likewise has every node drop the nodes
 * of the other side, and since both sides get such a spec, both directions are cut. Client faults
 * (isolated from clients, answers to clients delayed) concern only the node they name.
 */
import { describeFaultSpec, type FaultSpec, type PeerFault } from '../src/common/faults.js';
import { noFaults, type FaultState, type PartitionCut } from './run-dir.js';

export { describeFaultSpec };

export function faultSpecFor(nodeId: number, faults: FaultState): FaultSpec {
  const dropped = new Set(faults.isolated.filter((id) => id !== nodeId));
  for (const id of partitionedFrom(nodeId, faults.partitions)) dropped.add(id);
  const peers: PeerFault[] = [...dropped].sort((a, b) => a - b).map((id) => ({ nodeId: id, drop: true, delayMs: 0 }));
  const clientsDelayMs = faults.clientsDelays[String(nodeId)] ?? 0;
  return {
    isolate: faults.isolated.includes(nodeId),
    delayMs: faults.delays[String(nodeId)] ?? 0,
    peers,
    // Absent unless set, as the node reports them back (src/net/faults.ts).
    ...(faults.clientsIsolated.includes(nodeId) ? { clientsIsolate: true } : {}),
    ...(clientsDelayMs > 0 ? { clientsDelayMs } : {}),
  };
}

/** The nodes on the other side of every partition `nodeId` is on. */
function partitionedFrom(nodeId: number, partitions: readonly PartitionCut[]): number[] {
  return partitions.flatMap((p) => (p.nodes.includes(nodeId) ? p.others : p.others.includes(nodeId) ? p.nodes : []));
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

export function withClientsIsolated(faults: FaultState, nodeId: number): FaultState {
  return { ...faults, clientsIsolated: [...new Set([...faults.clientsIsolated, nodeId])] };
}

export function withoutClientsIsolated(faults: FaultState, nodeId: number): FaultState {
  return { ...faults, clientsIsolated: faults.clientsIsolated.filter((id) => id !== nodeId) };
}

export function withClientsDelay(faults: FaultState, nodeId: number, delayMs: number): FaultState {
  const clientsDelays = { ...faults.clientsDelays };
  if (delayMs > 0) clientsDelays[String(nodeId)] = delayMs;
  else delete clientsDelays[String(nodeId)];
  return { ...faults, clientsDelays };
}

/** Adds the partition `nodes` | `others`, unless the same one (either way round) is in force. */
export function withPartition(faults: FaultState, nodes: readonly number[], others: readonly number[]): FaultState {
  const cut: PartitionCut = { nodes: sorted(nodes), others: sorted(others) };
  if (faults.partitions.some((p) => samePartition(p, cut))) return faults;
  return { ...faults, partitions: [...faults.partitions, cut] };
}

/** Removes the partition `nodes` | `others` (either way round), leaving any other in force. */
export function withoutPartition(faults: FaultState, nodes: readonly number[], others: readonly number[]): FaultState {
  const cut: PartitionCut = { nodes: sorted(nodes), others: sorted(others) };
  return { ...faults, partitions: faults.partitions.filter((p) => !samePartition(p, cut)) };
}

/**
 * Heals one node, or everything when no node is given. Healing a node removes its isolation, its
 * delay, its client faults and every partition it is on either side of, whole: a partition is one
 * fault, and shrinking it to the nodes left would keep cuts nobody asked for by name.
 */
export function healed(faults: FaultState, nodeId?: number): FaultState {
  if (nodeId === undefined) return noFaults();
  const peersHealed = withDelay(
    {
      ...faults,
      isolated: faults.isolated.filter((id) => id !== nodeId),
      partitions: faults.partitions.filter((p) => !p.nodes.includes(nodeId) && !p.others.includes(nodeId)),
    },
    nodeId,
    0,
  );
  return withClientsDelay(withoutClientsIsolated(peersHealed, nodeId), nodeId, 0);
}

export function hasFaults(faults: FaultState): boolean {
  return (
    faults.isolated.length > 0 ||
    Object.keys(faults.delays).length > 0 ||
    faults.partitions.length > 0 ||
    faults.clientsIsolated.length > 0 ||
    Object.keys(faults.clientsDelays).length > 0
  );
}

/** "{1} | {2,3}". */
export function describePartition(p: PartitionCut): string {
  return `{${p.nodes.join(',')}} | {${p.others.join(',')}}`;
}

function samePartition(a: PartitionCut, b: PartitionCut): boolean {
  const same = (x: readonly number[], y: readonly number[]): boolean => x.length === y.length && x.every((id, i) => id === y[i]);
  return (same(a.nodes, b.nodes) && same(a.others, b.others)) || (same(a.nodes, b.others) && same(a.others, b.nodes));
}

function sorted(ids: readonly number[]): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}
