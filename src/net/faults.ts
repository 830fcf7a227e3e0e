/**
 * Network faults injected at a node's edge, for the cluster's `isolate N`, `heal` and `delay N`
 * verbs and for tests: isolate (drop everything to and from every peer), a delay for all traffic,
 * and per-peer drop and delay. `NetworkFaults` decides the fate of one message; `faultyTransport`
 * applies it to a RaftTransport in both directions, and `route` works for any other message sink
 * (replica fetch streams, heartbeats). The spec mirrors admin.proto's FaultSpec.
 */
import { systemClock, type Clock } from '../common/clock.js';
import { errors } from '../common/errors.js';
import type { Message, NodeId, RaftTransport } from '../raft/types.js';

export interface PeerFault {
  readonly nodeId: NodeId;
  readonly drop: boolean;
  readonly delayMs: number;
}

export interface FaultSpec {
  readonly isolate: boolean;
  /** Added to every message to and from every peer. */
  readonly delayMs: number;
  readonly peers: readonly PeerFault[];
}

export const NO_FAULTS: FaultSpec = Object.freeze({ isolate: false, delayMs: 0, peers: [] });

export interface FaultStats {
  readonly dropped: number;
  readonly delayed: number;
}

export class NetworkFaults {
  private current: FaultSpec = NO_FAULTS;
  private readonly byPeer = new Map<NodeId, PeerFault>();
  private droppedCount = 0;
  private delayedCount = 0;

  constructor(private readonly clock: Clock = systemClock) {}

  /** Replaces all faults at once (an empty spec heals everything). */
  set(spec: FaultSpec): void {
    if (spec.delayMs < 0 || spec.peers.some((p) => p.delayMs < 0)) throw errors.invalidRequest('fault delays must not be negative');
    this.current = { isolate: spec.isolate, delayMs: spec.delayMs, peers: spec.peers.map((p) => ({ ...p })) };
    this.byPeer.clear();
    for (const peer of this.current.peers) this.byPeer.set(peer.nodeId, peer);
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

  /** Runs `deliver` now, later, or never, as the faults towards `peer` say. */
  route(peer: NodeId, deliver: () => void): void {
    const fault = this.byPeer.get(peer);
    if (this.current.isolate || fault?.drop) {
      this.droppedCount++;
      return;
    }
    const delayMs = this.current.delayMs + (fault?.delayMs ?? 0);
    if (delayMs <= 0) {
      deliver();
      return;
    }
    this.delayedCount++;
    // One fixed delay per peer keeps each peer's messages in order.
    this.clock.schedule(delayMs, deliver);
  }
}

/**
 * A RaftTransport whose traffic passes through `faults`: outgoing messages by destination,
 * incoming ones by sender, so isolating a node cuts it off in both directions.
 */
export function faultyTransport(inner: RaftTransport, faults: NetworkFaults): RaftTransport {
  return {
    send(message: Message): void {
      faults.route(message.to, () => inner.send(message));
    },
    onMessage(handler: (message: Message) => void): void {
      inner.onMessage((message) => faults.route(message.from, () => handler(message)));
    },
  };
}
