/**
 * Network faults injected at a node's edge, for the cluster's `isolate N`, `heal` and `delay N`
 * verbs and for tests. The node holds one FaultSpec (src/common/faults.ts): isolate (drop
 * everything to and from every peer), a delay on everything it sends, and per-peer drops and
 * delays. `NetworkFaults` decides the fate of one message, and every path a node sends on goes
 * through it (`SendFaults`): Raft messages (`faultyTransport`), fetch requests and fetch
 * responses, controller requests and controller responses, group-coordinator responses.
 * Drops cut both directions; delays apply to what this node sends. The client faults of the spec
 * are handed to `clients`, the gate the Kafka listener and the gRPC client services consult; no
 * peer path looks at them.
 */
import { ClientFaultGate } from '../common/client-gate.js';
import { systemClock, type Clock } from '../common/clock.js';
import { errors } from '../common/errors.js';
import { NO_FAULTS, validateFaultSpec, type FaultSpec, type PeerFault } from '../common/faults.js';
import type { Message, NodeId, RaftTransport } from '../raft/types.js';

export { NO_FAULTS, type FaultSpec, type PeerFault };

export interface FaultStats {
  readonly dropped: number;
  readonly delayed: number;
}

/** What a service needs of the node's faults to send through them. */
export interface SendFaults {
  /** True while the faults cut this node off from `peer`: nothing passes either way. */
  blocked(peer: NodeId): boolean;
  /** Runs `send` now, later (the delay towards `peer`) or never (a cut link). */
  route(peer: NodeId, send: () => void): void;
  /** Runs `send` after the node's delay, for answers to callers that are not a known peer (clients). */
  delay(send: () => void): void;
}

/** No faults: every send goes out now. */
export const NO_SEND_FAULTS: SendFaults = { blocked: () => false, route: (_peer, send) => send(), delay: (send) => send() };

/** The faults towards one peer, as a sender to that peer sees them. */
export interface PeerLink {
  /** False while the faults cut this node off from the peer. */
  reachable(): boolean;
  route(send: () => void): void;
}

export function peerLink(faults: SendFaults, peer: NodeId): PeerLink {
  return { reachable: () => !faults.blocked(peer), route: (send) => faults.route(peer, send) };
}

export const OPEN_LINK: PeerLink = { reachable: () => true, route: (send) => send() };

export class NetworkFaults implements SendFaults {
  private current: FaultSpec = NO_FAULTS;
  private readonly byPeer = new Map<NodeId, PeerFault>();
  private droppedCount = 0;
  private delayedCount = 0;
  /** The client faults, for the node's client-facing front doors. */
  readonly clients: ClientFaultGate;

  constructor(private readonly clock: Clock = systemClock) {
    this.clients = new ClientFaultGate(clock);
  }

  /** Replaces all faults at once (an empty spec heals everything). */
  set(spec: FaultSpec): void {
    try {
      validateFaultSpec(spec);
    } catch (e) {
      throw errors.invalidRequest((e as Error).message);
    }
    // Client faults are kept only when set, so a spec without them reads as before they existed.
    this.current = {
      isolate: spec.isolate,
      delayMs: spec.delayMs,
      peers: spec.peers.map((p) => ({ ...p })),
      ...(spec.clientsIsolate ? { clientsIsolate: true } : {}),
      ...((spec.clientsDelayMs ?? 0) > 0 ? { clientsDelayMs: spec.clientsDelayMs } : {}),
    };
    this.byPeer.clear();
    for (const peer of this.current.peers) this.byPeer.set(peer.nodeId, peer);
    this.clients.set({ isolate: spec.clientsIsolate === true, delayMs: spec.clientsDelayMs ?? 0 });
  }

  spec(): FaultSpec {
    return this.current;
  }

  isolate(): void {
    this.set({ ...this.current, isolate: true });
  }

  heal(): void {
    this.set(NO_FAULTS);
  }

  /** Sets (or with drop=false and delayMs=0, clears) the fault towards one peer. */
  setPeer(nodeId: NodeId, fault: { drop?: boolean; delayMs?: number }): void {
    const others = this.current.peers.filter((p) => p.nodeId !== nodeId);
    const updated: PeerFault = { nodeId, drop: fault.drop ?? false, delayMs: fault.delayMs ?? 0 };
    const keep = updated.drop || updated.delayMs > 0;
    this.set({ ...this.current, peers: keep ? [...others, updated] : others });
  }

  stats(): FaultStats {
    return { dropped: this.droppedCount, delayed: this.delayedCount };
  }

  blocked(peer: NodeId): boolean {
    return this.current.isolate || this.byPeer.get(peer)?.drop === true;
  }

  /** The delay on what this node sends to `peer`. */
  delayTo(peer: NodeId): number {
    return this.current.delayMs + (this.byPeer.get(peer)?.delayMs ?? 0);
  }

  /** Runs `send` now, later, or never, as the faults towards `peer` say. */
  route(peer: NodeId, send: () => void): void {
    if (this.blocked(peer)) {
      this.droppedCount++;
      return;
    }
    this.after(this.delayTo(peer), send);
  }

  delay(send: () => void): void {
    this.after(this.current.delayMs, send);
  }

  /** Runs `deliver` now, or never when the faults cut `peer` off: what arrives is not delayed. */
  receive(peer: NodeId, deliver: () => void): void {
    if (this.blocked(peer)) {
      this.droppedCount++;
      return;
    }
    deliver();
  }

  private after(delayMs: number, send: () => void): void {
    if (delayMs <= 0) {
      send();
      return;
    }
    this.delayedCount++;
    // One fixed delay per peer keeps each peer's messages in order.
    this.clock.schedule(delayMs, send);
  }
}

/**
 * A RaftTransport whose traffic passes through `faults`: outgoing messages dropped or delayed by
 * destination, incoming ones dropped by sender, so isolating a node cuts it off in both directions.
 */
export function faultyTransport(inner: RaftTransport, faults: NetworkFaults): RaftTransport {
  return {
    send(message: Message): void {
      faults.route(message.to, () => inner.send(message));
    },
    onMessage(handler: (message: Message) => void): void {
      inner.onMessage((message) => faults.receive(message.from, () => handler(message)));
    },
    // A real connection that broke (its process died). Injected faults break none: a node cut off
    // this way is noticed as Raft notices a partition, by its silence.
    onPeerLost(handler: (peer: NodeId) => void): void {
      inner.onPeerLost?.(handler);
    },
  };
}
