/**
 * The one model of a fault, shared by the CLI's break verbs, `startCluster()`, the scenarios and
 * the simulation's nemesis: what (kill, stop, pause, isolate, delay by some ms, partition from the
 * other side's nodes), where (node ids) and, optionally, for how long. Plain data: the front ends
 * describe faults with it, the cluster supervisor and the simulation's fault injector carry them
 * out.
 *
 * Isolate and delay may strike the node's clients instead of its peers (`clients: true`): its
 * Kafka listener and gRPC client services refuse clients, or answer them late, while peer
 * traffic flows as before.
 *
 * Below it, `FaultSpec` is the network fault state one node holds (what NodeAdmin.SetFaults sets,
 * admin.proto's FaultSpec): isolated from everyone, a delay on everything it sends, per-peer
 * drops and delays, and the client faults. The cluster supervisor derives each node's spec from
 * the faults in force.
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
 * - isolate: every message to and from every peer dropped; undone by healing. With `clients`:
 *   client connections reset and new ones refused instead (peers unaffected).
 * - delay: everything the node sends to its peers arrives `ms` later; undone by a delay of 0.
 *   With `clients`: every answer to a client leaves `ms` later instead.
 * - partition: `nodes` and `others` cannot reach each other (both directions); undone by healing.
 */
export type Fault =
  | FaultOf<'kill'>
  | FaultOf<'stop'>
  | FaultOf<'pause'>
  | (FaultOf<'isolate'> & { readonly clients?: true })
  | (FaultOf<'delay'> & { readonly ms: number; readonly clients?: true })
  | (FaultOf<'partition'> & { readonly others: readonly number[] });

type Duration = { durationMs?: number };
const timed = (options: Duration): Duration => (options.durationMs === undefined ? {} : { durationMs: options.durationMs });
type ClientsOption = Duration & { clients?: boolean };
const towardClients = (options: ClientsOption): { clients?: true } => (options.clients ? { clients: true } : {});
const list = (nodes: number | readonly number[]): readonly number[] => (typeof nodes === 'number' ? [nodes] : [...nodes]);

/** Builders that validate what they build. */
export const fault = {
  kill: (nodes: number | readonly number[], options: Duration = {}): Fault => validateFault({ kind: 'kill', nodes: list(nodes), ...timed(options) }),
  stop: (nodes: number | readonly number[], options: Duration = {}): Fault => validateFault({ kind: 'stop', nodes: list(nodes), ...timed(options) }),
  pause: (nodes: number | readonly number[], options: Duration = {}): Fault => validateFault({ kind: 'pause', nodes: list(nodes), ...timed(options) }),
  isolate: (nodes: number | readonly number[], options: ClientsOption = {}): Fault =>
    validateFault({ kind: 'isolate', nodes: list(nodes), ...towardClients(options), ...timed(options) }),
  delay: (nodes: number | readonly number[], ms: number, options: ClientsOption = {}): Fault =>
    validateFault({ kind: 'delay', nodes: list(nodes), ms, ...towardClients(options), ...timed(options) }),
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
  const clients = (f as { clients?: unknown }).clients;
  if (clients !== undefined && (clients !== true || (f.kind !== 'isolate' && f.kind !== 'delay'))) {
    throw new InvalidFaultError(`${f.kind}: only isolate and delay can strike clients (clients: true), got clients: ${String(clients)}`);
  }
  if (f.kind === 'delay' && !isWholeMs(f.ms)) throw new InvalidFaultError(`delay must be a whole number of ms >= 0, got ${f.ms}`);
  if (f.kind === 'partition') {
    if (f.others.length === 0) throw new InvalidFaultError('partition: the other side has no node');
    for (const id of f.others) if (!isNodeId(id)) throw new InvalidFaultError(`partition: node id must be a positive integer, got ${id}`);
    if (f.others.some((id) => f.nodes.includes(id))) throw new InvalidFaultError('partition: a node cannot be on both sides');
  }
  return f;
}

/** "kill 2", "delay 1 by 50 ms", "delay 1 to clients by 200 ms", "isolate 2 from clients", "partition {1} | {2,3} for 2000 ms". */
export function describeFault(f: Fault): string {
  const where = f.nodes.join(',');
  const what =
    f.kind === 'delay'
      ? `delay ${where}${f.clients ? ' to clients' : ''} by ${f.ms} ms`
      : f.kind === 'isolate' && f.clients
        ? `isolate ${where} from clients`
        : f.kind === 'partition'
          ? `partition {${where}} | {${f.others.join(',')}}`
          : `${f.kind} ${where}`;
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
  /** Refuse clients: reset Kafka connections, fail gRPC client calls UNAVAILABLE. Absent: false. */
  readonly clientsIsolate?: boolean;
  /** Added to every answer to a client (Kafka listener, gRPC client services), in ms. Absent: 0. */
  readonly clientsDelayMs?: number;
}

export const NO_FAULTS: FaultSpec = Object.freeze({ isolate: false, delayMs: 0, peers: Object.freeze([]) as readonly PeerFault[] });

/** Returns the spec if it is well formed; throws InvalidFaultError otherwise. */
export function validateFaultSpec(spec: FaultSpec): FaultSpec {
  if (!isWholeMs(spec.delayMs) || !isWholeMs(spec.clientsDelayMs ?? 0) || spec.peers.some((p) => !isWholeMs(p.delayMs))) throw new InvalidFaultError('fault delays must be whole numbers of ms, not negative');
  return spec;
}

/** "isolated, delay 50 ms, drops 2,3, delays 4:10ms, clients isolated, clients delay 200 ms", or "none". */
export function describeFaultSpec(spec: FaultSpec): string {
  const parts: string[] = [];
  if (spec.isolate) parts.push('isolated');
  if (spec.delayMs > 0) parts.push(`delay ${spec.delayMs} ms`);
  const dropped = spec.peers.filter((p) => p.drop).map((p) => p.nodeId);
  if (dropped.length > 0) parts.push(`drops ${dropped.join(',')}`);
  const delayed = spec.peers.filter((p) => p.delayMs > 0).map((p) => `${p.nodeId}:${p.delayMs}ms`);
  if (delayed.length > 0) parts.push(`delays ${delayed.join(',')}`);
  if (spec.clientsIsolate) parts.push('clients isolated');
  if ((spec.clientsDelayMs ?? 0) > 0) parts.push(`clients delay ${spec.clientsDelayMs} ms`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}
