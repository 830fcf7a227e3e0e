/**
 * Carries out a Fault (src/common/faults.ts) on a local cluster, for the CLI's break verbs,
 * `startCluster()` and the scenarios: kill, stop and pause act on the node's process; isolate and
 * delay update the supervisor's fault state, then push to every affected node the FaultSpec that
 * state implies (NodeAdmin.SetFaults replaces a node's whole spec). A node that cannot be told
 * (dead, paused) is reported, not retried: a dead node starts without faults, and starting it
 * again pushes the current spec. A partition is kept as its two sides; every node on either side
 * is told to drop the other side.
 */
import { validateFault, type Fault } from '../src/common/faults.js';
import type { FaultSpec } from '../src/common/faults.js';
import { toWireFaults } from '../src/net/admin-service.js';
import {
  faultSpecFor,
  hasFaults,
  healed,
  withClientsDelay,
  withClientsIsolated,
  withDelay,
  withIsolated,
  withoutClientsIsolated,
  withoutPartition,
  withPartition,
} from './faults.js';
import type { FaultState } from './run-dir.js';
import type { Supervisor } from './supervisor.js';

export interface FaultPushResult {
  /** Nodes that now hold their new spec. */
  applied: { id: number; spec: FaultSpec }[];
  /** Nodes that could not be reached, and why. */
  unreachable: { id: number; reason: string }[];
}

const NOTHING_PUSHED: FaultPushResult = Object.freeze({ applied: [], unreachable: [] }) as FaultPushResult;

/**
 * Applies a fault to every node it names. Process faults answer with nothing pushed; network
 * faults with what each node was told. A fault's duration is not waited for here (see injectFault).
 */
export async function applyFault(supervisor: Supervisor, fault: Fault): Promise<FaultPushResult> {
  validateFault(fault);
  for (const id of fault.nodes) supervisor.node(id);
  if (fault.kind === 'partition') for (const id of fault.others) supervisor.node(id);
  switch (fault.kind) {
    case 'kill':
      await Promise.all(fault.nodes.map((id) => supervisor.killNode(id)));
      return NOTHING_PUSHED;
    case 'stop':
      await Promise.all(fault.nodes.map((id) => supervisor.stopNode(id)));
      return NOTHING_PUSHED;
    case 'pause':
      await Promise.all(fault.nodes.map((id) => supervisor.pauseNode(id)));
      return NOTHING_PUSHED;
    case 'isolate':
      return changeFaults(supervisor, (f) => fault.nodes.reduce(fault.clients ? withClientsIsolated : withIsolated, f));
    case 'delay': {
      const delayed = fault.clients ? withClientsDelay : withDelay;
      return changeFaults(supervisor, (f) => fault.nodes.reduce((acc, id) => delayed(acc, id, fault.ms), f));
    }
    case 'partition':
      return changeFaults(supervisor, (f) => withPartition(f, fault.nodes, fault.others));
  }
}

/** Undoes a fault: starts killed and stopped nodes again, resumes paused ones, heals, undelays. */
export async function undoFault(supervisor: Supervisor, fault: Fault): Promise<FaultPushResult> {
  switch (fault.kind) {
    case 'kill':
    case 'stop': {
      const results = await Promise.all(fault.nodes.map((id) => startNodeAgain(supervisor, id)));
      return merge(results.map((r) => r.pushed));
    }
    case 'pause':
      await Promise.all(fault.nodes.map((id) => supervisor.resumeNode(id)));
      return NOTHING_PUSHED;
    case 'isolate':
      if (fault.clients) return changeFaults(supervisor, (f) => fault.nodes.reduce(withoutClientsIsolated, f));
      return changeFaults(supervisor, (f) => ({ ...f, isolated: f.isolated.filter((id) => !fault.nodes.includes(id)) }));
    case 'delay': {
      const delayed = fault.clients ? withClientsDelay : withDelay;
      return changeFaults(supervisor, (f) => fault.nodes.reduce((acc, id) => delayed(acc, id, 0), f));
    }
    case 'partition':
      return changeFaults(supervisor, (f) => withoutPartition(f, fault.nodes, fault.others));
  }
}

/** Applies a fault and, when it has a duration, waits that long and undoes it. */
export async function injectFault(supervisor: Supervisor, fault: Fault): Promise<FaultPushResult> {
  const applied = await applyFault(supervisor, fault);
  if (fault.durationMs === undefined) return applied;
  await new Promise((resolve) => setTimeout(resolve, fault.durationMs));
  return undoFault(supervisor, fault);
}

export async function isolateNode(supervisor: Supervisor, id: number): Promise<FaultPushResult> {
  return applyFault(supervisor, { kind: 'isolate', nodes: [id] });
}

/** Cuts `sideA` and `sideB` off from each other, both directions. */
export async function partitionNodes(supervisor: Supervisor, sideA: readonly number[], sideB: readonly number[]): Promise<FaultPushResult> {
  return applyFault(supervisor, { kind: 'partition', nodes: sideA, others: sideB });
}

/** Cuts node `id` off from its clients (Kafka and gRPC); its peers still reach it. */
export async function isolateClientsOf(supervisor: Supervisor, id: number): Promise<FaultPushResult> {
  return applyFault(supervisor, { kind: 'isolate', nodes: [id], clients: true });
}

/** Delays every answer node `id` sends to clients by `delayMs` (0 removes the delay). */
export async function delayClientsOf(supervisor: Supervisor, id: number, delayMs: number): Promise<FaultPushResult> {
  return applyFault(supervisor, { kind: 'delay', nodes: [id], ms: delayMs, clients: true });
}

export async function delayNode(supervisor: Supervisor, id: number, delayMs: number): Promise<FaultPushResult> {
  return applyFault(supervisor, { kind: 'delay', nodes: [id], ms: delayMs });
}

/** Heals one node, or every node when `id` is undefined. */
export async function healNodes(supervisor: Supervisor, id?: number): Promise<FaultPushResult> {
  if (id !== undefined) supervisor.node(id);
  return changeFaults(supervisor, (f) => healed(f, id), id === undefined);
}

/** Re-sends a node its spec (after it restarts, since faults live in the node's memory). */
export async function reapplyFaults(supervisor: Supervisor, id: number): Promise<FaultPushResult> {
  return pushSpecs(supervisor, [id], supervisor.state.faults);
}

/**
 * Starts node `id` again (undoing a kill or a stop) and, when network faults are in force, waits
 * (bounded) until it answers and re-sends it its spec.
 */
export async function startNodeAgain(supervisor: Supervisor, id: number, answerWaitMs = 10_000): Promise<{ pid: number; started: boolean; pushed: FaultPushResult }> {
  const { pid, started } = await supervisor.startNode(id);
  if (!started || !hasFaults(supervisor.state.faults)) return { pid, started, pushed: NOTHING_PUSHED };
  const deadline = Date.now() + answerWaitMs;
  while (Date.now() < deadline) {
    try {
      await supervisor.adminOf(id).status();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { pid, started, pushed: await reapplyFaults(supervisor, id) };
}

async function changeFaults(
  supervisor: Supervisor,
  change: (faults: FaultState) => FaultState,
  pushToAll = false,
): Promise<FaultPushResult> {
  const before = supervisor.state.faults;
  const after = change(before);
  supervisor.update((s) => ({ ...s, faults: after }));
  const ids = supervisor.nodes
    .map((n) => n.id)
    .filter((id) => pushToAll || JSON.stringify(faultSpecFor(id, before)) !== JSON.stringify(faultSpecFor(id, after)));
  return pushSpecs(supervisor, ids, after);
}

async function pushSpecs(supervisor: Supervisor, ids: readonly number[], faults: FaultState): Promise<FaultPushResult> {
  const result: FaultPushResult = { applied: [], unreachable: [] };
  await Promise.all(
    ids.map(async (id) => {
      const state = supervisor.processState(id);
      if (state !== 'up') {
        result.unreachable.push({ id, reason: state === 'paused' ? 'paused' : 'not running' });
        return;
      }
      const spec = faultSpecFor(id, faults);
      try {
        await supervisor.adminOf(id).setFaults(toWireFaults(spec));
        result.applied.push({ id, spec });
      } catch (e) {
        result.unreachable.push({ id, reason: (e as Error).message });
      }
    }),
  );
  result.applied.sort((a, b) => a.id - b.id);
  result.unreachable.sort((a, b) => a.id - b.id);
  return result;
}

function merge(results: readonly FaultPushResult[]): FaultPushResult {
  return {
    applied: results.flatMap((r) => r.applied).sort((a, b) => a.id - b.id),
    unreachable: results.flatMap((r) => r.unreachable).sort((a, b) => a.id - b.id),
  };
}
