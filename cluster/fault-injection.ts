/**
 * isolate / heal / delay: updates the supervisor's fault state, then pushes to every affected node
 * the FaultSpec that state implies (NodeAdmin.SetFaults replaces a node's whole spec). A node that
 * cannot be told (dead, paused) is reported, not retried: a dead node starts without faults, and
 * `start` pushes the current spec again.
 */
import { faultSpecFor, healed, withDelay, withIsolated } from './faults.js';
import type { FaultSpec } from './admin-types.js';
import type { FaultState } from './run-dir.js';
import type { Supervisor } from './supervisor.js';

export interface FaultPushResult {
  /** Nodes that now hold their new spec. */
  applied: { id: number; spec: FaultSpec }[];
  /** Nodes that could not be reached, and why. */
  unreachable: { id: number; reason: string }[];
}

export async function isolateNode(supervisor: Supervisor, id: number): Promise<FaultPushResult> {
  supervisor.node(id);
  return changeFaults(supervisor, (f) => withIsolated(f, id));
}

export async function delayNode(supervisor: Supervisor, id: number, delayMs: number): Promise<FaultPushResult> {
  supervisor.node(id);
  if (!Number.isInteger(delayMs) || delayMs < 0) throw new RangeError(`delay must be a whole number of ms >= 0, got ${delayMs}`);
  return changeFaults(supervisor, (f) => withDelay(f, id, delayMs));
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
        await supervisor.adminOf(id).setFaults(spec);
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
