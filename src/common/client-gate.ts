/**
 * The client side of a node's network faults: what the Kafka listener and the gRPC client-facing
 * services (BrokerClient, GroupCoordinator) consult before answering a client. Peer traffic
 * (Raft, replication, controller RPCs) never passes here, so a node cut off from its clients
 * keeps replicating. One gate per node, set through NodeAdmin.SetFaults with the rest of the
 * node's FaultSpec.
 */
import { systemClock, type Clock } from './clock.js';

export interface ClientGate {
  /** True while clients are refused: connections reset, calls failed UNAVAILABLE. */
  isolated(): boolean;
  /** Runs `send` after the client delay (now when there is none). */
  delay(send: () => void): void;
  /** Calls `listener` each time client isolation begins; returns the unsubscribe. */
  onIsolate(listener: () => void): () => void;
}

/** No client faults. */
export const OPEN_GATE: ClientGate = { isolated: () => false, delay: (send) => send(), onIsolate: () => () => undefined };

export interface ClientFaults {
  readonly isolate: boolean;
  readonly delayMs: number;
}

export class ClientFaultGate implements ClientGate {
  private current: ClientFaults = { isolate: false, delayMs: 0 };
  private readonly listeners = new Set<() => void>();

  constructor(private readonly clock: Clock = systemClock) {}

  set(faults: ClientFaults): void {
    const starting = faults.isolate && !this.current.isolate;
    this.current = { isolate: faults.isolate, delayMs: faults.delayMs };
    // Existing connections are cut when isolation begins, not only new ones refused.
    if (starting) for (const listener of [...this.listeners]) listener();
  }

  faults(): ClientFaults {
    return this.current;
  }

  isolated(): boolean {
    return this.current.isolate;
  }

  delay(send: () => void): void {
    if (this.current.delayMs <= 0) send();
    else this.clock.schedule(this.current.delayMs, send);
  }

  onIsolate(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
