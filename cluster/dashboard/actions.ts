/**
 * The node buttons: `POST /api/nodes/N/ACTION` checked here, then carried out by the same fault
 * injection the CLI's break verbs use (the shared fault model, applyFault / undoFault /
 * startNodeAgain / healNodes). Checking is pure (unit-tested); carrying out answers what happened
 * as one line, and refuses what cannot be done now (pausing a dead node) instead of throwing.
 */
import { fault, InvalidFaultError, type Fault } from '../../src/common/faults.js';
import { applyFault, healNodes, startNodeAgain, undoFault, type FaultPushResult } from '../fault-injection.js';
import type { Supervisor } from '../supervisor.js';

export const NODE_ACTIONS = ['kill', 'stop', 'start', 'pause', 'resume', 'isolate', 'heal', 'delay'] as const;
export type NodeActionName = (typeof NODE_ACTIONS)[number];

export interface NodeAction {
  node: number;
  action: NodeActionName;
  /** delay only: ms added to everything the node sends its peers (0 removes the delay). */
  ms?: number;
}

/** An answer the server sends as `{ error }` with this HTTP status. */
export class ActionError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ActionError';
  }
}

/** Upper bound on a delay from the page: a minute is already far past every timeout. */
export const MAX_DELAY_MS = 60_000;

/**
 * Checks a request: node id text from the path, action name, parsed JSON body (undefined when
 * empty). Unknown node or action: 404; a malformed id or body: 400.
 */
export function parseNodeAction(nodeText: string, actionText: string, body: unknown, knownNodes: readonly number[]): NodeAction {
  if (!/^[1-9][0-9]{0,5}$/.test(nodeText)) throw new ActionError(400, `node id must be a positive integer, got "${nodeText}"`);
  const node = Number(nodeText);
  if (!knownNodes.includes(node)) throw new ActionError(404, `unknown node ${node}; this cluster has nodes ${knownNodes.join(', ')}`);
  if (!(NODE_ACTIONS as readonly string[]).includes(actionText)) {
    throw new ActionError(404, `unknown action "${actionText}"; the actions are ${NODE_ACTIONS.join(', ')}`);
  }
  const action = actionText as NodeActionName;
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
    throw new ActionError(400, 'the body must be a JSON object');
  }
  const fields = (body ?? {}) as Record<string, unknown>;
  if (action !== 'delay') {
    const extra = Object.keys(fields);
    if (extra.length > 0) throw new ActionError(400, `${action} takes no fields, got ${extra.join(', ')}`);
    return { node, action };
  }
  const ms = fields['ms'];
  if (ms === undefined) throw new ActionError(400, 'delay needs {"ms": <milliseconds>} (0 removes the delay)');
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0 || ms > MAX_DELAY_MS) {
    throw new ActionError(400, `delay ms must be a whole number from 0 to ${MAX_DELAY_MS}, got ${JSON.stringify(ms)}`);
  }
  return { node, action, ms };
}

export interface ActionResult {
  node: number;
  action: NodeActionName;
  /** What happened, as one line for the page. */
  message: string;
  /** False when there was nothing to do (killing a node that is not running). */
  changed: boolean;
  /** Nodes that could not be told about a network fault change (dead, paused), and why. */
  unreachable?: FaultPushResult['unreachable'];
}

/** Carries out a checked action; ActionError(409) when the node's state does not allow it. */
export async function performNodeAction(supervisor: Supervisor, request: NodeAction): Promise<ActionResult> {
  const { node: id, action } = request;
  const state = supervisor.processState(id);
  const done = (message: string, changed = true, pushed?: FaultPushResult): ActionResult => {
    const result: ActionResult = { node: id, action, message, changed };
    if (pushed && pushed.unreachable.length > 0) result.unreachable = pushed.unreachable;
    return result;
  };
  const mustRun = (): void => {
    if (state === 'dead') throw new ActionError(409, `cannot ${action} node ${id}: it is not running (start it first)`);
  };
  switch (action) {
    case 'kill': {
      if (state === 'dead') return done(`node ${id} is not running; nothing to kill`, false);
      const pid = supervisor.node(id).pid;
      await apply(supervisor, fault.kill(id));
      return done(`killed node ${id} (SIGKILL, pid ${pid})`);
    }
    case 'stop': {
      if (state === 'dead') return done(`node ${id} is not running; nothing to stop`, false);
      const outcome = await supervisor.stopNode(id);
      if (!outcome) return done(`node ${id} is not running; nothing to stop`, false);
      return done(`stopped node ${id}: ${outcome.graceful ? 'controlled shutdown' : 'no exit after SIGTERM, killed'} in ${outcome.elapsedMs} ms`);
    }
    case 'start': {
      const { pid, started, pushed } = await startNodeAgain(supervisor, id);
      return started ? done(`started node ${id} (pid ${pid})`, true, pushed) : done(`node ${id} is already running (pid ${pid})`, false);
    }
    case 'pause':
      mustRun();
      if (state === 'paused') return done(`node ${id} is already paused`, false);
      await apply(supervisor, fault.pause(id));
      return done(`paused node ${id} (SIGSTOP)`);
    case 'resume':
      mustRun();
      if (state !== 'paused') return done(`node ${id} is not paused`, false);
      await undoFault(supervisor, fault.pause(id));
      return done(`resumed node ${id} (SIGCONT)`);
    case 'isolate': {
      mustRun();
      const pushed = await apply(supervisor, fault.isolate(id));
      return done(`isolated node ${id}: it and its peers drop each other's traffic`, true, pushed);
    }
    case 'heal': {
      const pushed = await healNodes(supervisor, id);
      return done(`healed node ${id}`, true, pushed);
    }
    case 'delay': {
      mustRun();
      const ms = request.ms ?? 0;
      const pushed = await apply(supervisor, fault.delay(id, ms));
      return done(ms > 0 ? `node ${id} now delays everything it sends by ${ms} ms` : `removed the delay of node ${id}`, true, pushed);
    }
  }
}

async function apply(supervisor: Supervisor, f: Fault): Promise<FaultPushResult> {
  try {
    return await applyFault(supervisor, f);
  } catch (e) {
    if (e instanceof InvalidFaultError) throw new ActionError(400, e.message);
    throw e;
  }
}
