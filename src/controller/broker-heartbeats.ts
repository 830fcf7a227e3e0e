/**
 * Broker liveness as the active controller sees it: when each broker last heartbeated and how far
 * it has applied the metadata log. This lives only in the active controller's memory, as in Kafka's
 * BrokerHeartbeatManager: a new active controller starts every broker with a fresh session and
 * fences only the brokers that then stay silent for a whole session timeout.
 */
import { assert } from '../common/errors.js';
import type { BrokerId } from '../metadata/types.js';

interface Session {
  lastContactMs: number;
  /** Last metadata offset the broker reported; -1 before its first heartbeat. */
  metadataOffset: number;
}

export class BrokerHeartbeats {
  private readonly sessions = new Map<BrokerId, Session>();

  constructor(private readonly sessionTimeoutMs: number) {
    assert(sessionTimeoutMs > 0, 'broker session timeout must be positive');
  }

  /** Records contact from a broker (a heartbeat or a registration). */
  touch(brokerId: BrokerId, nowMs: number, metadataOffset?: number): void {
    const session = this.sessions.get(brokerId);
    if (session) {
      session.lastContactMs = nowMs;
      if (metadataOffset !== undefined) session.metadataOffset = metadataOffset;
    } else {
      this.sessions.set(brokerId, { lastContactMs: nowMs, metadataOffset: metadataOffset ?? -1 });
    }
  }

  /** Gives every listed broker a fresh session starting now and forgets all others. */
  renewAll(brokerIds: Iterable<BrokerId>, nowMs: number): void {
    this.sessions.clear();
    for (const id of brokerIds) this.sessions.set(id, { lastContactMs: nowMs, metadataOffset: -1 });
  }

  /**
   * A session is valid until `sessionTimeoutMs` has fully passed since the last contact. A broker
   * this controller has not heard of yet gets a session starting now, so it is never fenced for a
   * silence the controller did not witness.
   */
  hasValidSession(brokerId: BrokerId, nowMs: number): boolean {
    const session = this.sessions.get(brokerId);
    if (!session) {
      this.touch(brokerId, nowMs);
      return true;
    }
    return nowMs - session.lastContactMs <= this.sessionTimeoutMs;
  }

  lastContactMs(brokerId: BrokerId): number | undefined {
    return this.sessions.get(brokerId)?.lastContactMs;
  }

  metadataOffset(brokerId: BrokerId): number | undefined {
    return this.sessions.get(brokerId)?.metadataOffset;
  }
}
