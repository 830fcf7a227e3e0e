/**
 * The one model of a fault, shared by the CLI's break verbs, `startCluster()`, the scenarios and
 * the simulation's nemesis: what (kill, stop, pause, isolate, delay by some ms, partition from the
 * other side's nodes), where (node ids) and, optionally, for how long. Plain data: the front ends
 * describe faults with it, the cluster supervisor and the simulation's fault injector carry them
 * out.
 *
 * Below it, `FaultSpec` is the network fault state one node holds (what NodeAdmin.SetFaults sets,
 * admin.proto's FaultSpec): isolated from everyone, a delay on everything it sends, and per-peer
 * drops and delays. The cluster supervisor derives each node's spec from the faults in force.
 */

export type FaultKind = 'kill' | 'stop' | 'pause' | 'isolate' | 'delay' | 'partition';

export const FAULT_KINDS: readonly FaultKind[] = ['kill', 'stop', 'pause', 'isolate', 'delay', 'partition'];

interface FaultOf<K extends FaultKind> {
  readonly kind: K;
  /** The nodes the fault strikes (for a partition: one side). */
  readonly nodes: readonly number[];
  /** Undone after this long; without it the fault lasts until undone explicitly. */
  readonly durationMs?: number;
}

/**
 * - kill: SIGKILL, a crash; undone by starting the node again.
 * - stop: SIGTERM, a controlled shutdown; undone by starting the node again.
 * - pause: SIGSTOP, the process freezes; undone by resuming it.
 * - isolate: every message to and from every peer dropped; undone by healing.
 * - delay: everything the node sends to its peers arrives `ms` later; undone by a delay of 0.
 * - partition: `nodes` and `others` cannot reach each other (both directions); undone by healing.
 */
export type Fault =
  | FaultOf<'kill'>
  | FaultOf<'stop'>
  | FaultOf<'pause'>
  | FaultOf<'isolate'>
  | (FaultOf<'delay'> & { readonly ms: number })
  | (FaultOf<'partition'> & { readonly others: readonly number[] });

type Duration = { durationMs?: number };
const timed = (options: Duration): Duration => (options.durationMs === undefined ? {} : { durationMs: options.durationMs });
const list = (nodes: number | readonly number[]): readonly number[] => (typeof nodes === 'number' ? [nodes] : [...nodes]);

/** Builders that validate what they build. */
export const fault = {
  kill: (nodes: number | readonly number[], options: Duration = {}): Fault => validateFault({ kind: 'kill', nodes: list(nodes), ...timed(options) }),
  stop: (nodes: number | readonly number[], options: Duration = {}): Fault => validateFault({ kind: 'stop', nodes: list(nodes), ...timed(options) }),
  pause: (nodes: number | readonly number[], options: Duration = {}): Fault => validateFault({ kind: 'pause', nodes: list(nodes), ...timed(options) }),
  isolate: (nodes: number | readonly number[], options: Duration = {}): Fault => validateFault({ kind: 'isolate', nodes: list(nodes), ...timed(options) }),
  delay: (nodes: number | readonly number[], ms: number, options: Duration = {}): Fault => validateFault({ kind: 'delay', nodes: list(nodes), ms, ...timed(options) }),
  partition: (nodes: readonly number[], others: readonly number[], options: Duration = {}): Fault =>
    validateFault({ kind: 'partition', nodes: [...nodes], others: [...others], ...timed(options) }),
};

export class InvalidFaultError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidFaultError';
  }
}

const isNodeId = (id: number): boolean => Number.isInteger(id) && id > 0;
const isWholeMs = (ms: number): boolean => Number.isInteger(ms) && ms >= 0;

/** Returns the fault if it is well formed; throws InvalidFaultError saying what is wrong otherwise. */
export function validateFault(f: Fault): Fault {
  if (!FAULT_KINDS.includes(f.kind)) throw new InvalidFaultError(`unknown fault kind ${String(f.kind)}`);
  if (f.nodes.length === 0) throw new InvalidFaultError(`${f.kind}: no node given`);
  for (const id of f.nodes) if (!isNodeId(id)) throw new InvalidFaultError(`${f.kind}: node id must be a positive integer, got ${id}`);
  if (f.durationMs !== undefined && (!isWholeMs(f.durationMs) || f.durationMs === 0)) {
    throw new InvalidFaultError(`${f.kind}: duration must be a whole number of ms > 0, got ${f.durationMs}`);
  }
  if (f.kind === 'delay' && !isWholeMs(f.ms)) throw new InvalidFaultError(`delay must be a whole number of ms >= 0, got ${f.ms}`);
  if (f.kind === 'partition') {
    if (f.others.length === 0) throw new InvalidFaultError('partition: the other side has no node');
    for (const id of f.others) if (!isNodeId(id)) throw new InvalidFaultError(`partition: node id must be a positive integer, got ${id}`);
    if (f.others.some((id) => f.nodes.includes(id))) throw new InvalidFaultError('partition: a node cannot be on both sides');
  }
  return f;
}

/** "kill 2", "delay 1 by 50 ms", "partition {1} | {2,3} for 2000 ms". */
export function describeFault(f: Fault): string {
  const where = f.nodes.join(',');
  const what =
    f.kind === 'delay' ? `delay ${where} by ${f.ms} ms` : f.kind === 'partition' ? `partition {${where}} | {${f.others.join(',')}}` : `${f.kind} ${where}`;
  return f.durationMs === undefined ? what : `${what} for ${f.durationMs} ms`;
}

/** The fault towards one peer. */
export interface PeerFault {
  readonly nodeId: number;
  readonly drop: boolean;
  readonly delayMs: number;
}

/** The network faults one node holds (admin.proto's FaultSpec). */
export interface FaultSpec {
  /** Drop everything to and from every peer. */
  readonly isolate: boolean;
  /** Added to everything the node sends to any peer. */
  readonly delayMs: number;
  readonly peers: readonly PeerFault[];
}

export const NO_FAULTS: FaultSpec = Object.freeze({ isolate: false, delayMs: 0, peers: Object.freeze([]) as readonly PeerFault[] });

/** Returns the spec if it is well formed; throws InvalidFaultError otherwise. */
export function validateFaultSpec(spec: FaultSpec): FaultSpec {
  if (!isWholeMs(spec.delayMs) || spec.peers.some((p) => !isWholeMs(p.delayMs))) throw new InvalidFaultError('fault delays must be whole numbers of ms, not negative');
  return spec;
}

/** "isolated, delay 50 ms, drops 2,3, delays 4:10ms", or "none". */
export function describeFaultSpec(spec: FaultSpec): string {
  const parts: string[] = [];
  if (spec.isolate) parts.push('isolated');
  if (spec.delayMs > 0) parts.push(`delay ${spec.delayMs} ms`);
  const dropped = spec.peers.filter((p) => p.drop).map((p) => p.nodeId);
  if (dropped.length > 0) parts.push(`drops ${dropped.join(',')}`);
  const delayed = spec.peers.filter((p) => p.delayMs > 0).map((p) => `${p.nodeId}:${p.delayMs}ms`);
  if (delayed.length > 0) parts.push(`delays ${delayed.join(',')}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}
