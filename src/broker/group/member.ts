/**
 * One member of a classic group: what it sent in its last JoinGroup, the assignment it was given,
 * the JoinGroup or SyncGroup response it is waiting for, and its session timer.
 */
import { assert, type BrokerError } from '../../common/errors.js';
import type { Timer } from '../../common/clock.js';
import type { Random } from '../../common/random.js';
import type { JoinGroupMember, JoinGroupProtocol, JoinGroupResult, SyncGroupResult } from './types.js';

const NO_ASSIGNMENT = Buffer.alloc(0);

/** A response a member waits for; settled exactly once, by a state change, a timer or an unload. */
export interface Waiter<T> {
  resolve(value: T): void;
  reject(error: BrokerError): void;
}

export function waiterWithPromise<T>(): { waiter: Waiter<T>; promise: Promise<T> } {
  let waiter!: Waiter<T>;
  const promise = new Promise<T>((resolve, reject) => {
    waiter = { resolve, reject };
  });
  return { waiter, promise };
}

export class GroupMember {
  assignment: Buffer = NO_ASSIGNMENT;
  /** Joined but not yet through a completed rebalance: its session has not started. */
  isNew = false;
  awaitingJoin: Waiter<JoinGroupResult> | undefined;
  awaitingSync: Waiter<SyncGroupResult> | undefined;
  expiry: Timer | undefined;

  constructor(
    readonly memberId: string,
    readonly clientId: string,
    readonly clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    public protocols: readonly JoinGroupProtocol[],
  ) {
    assert(protocols.length > 0, `member ${memberId} supports no protocol`);
  }

  supports(protocolName: string): boolean {
    return this.protocols.some((p) => p.name === protocolName);
  }

  metadataFor(protocolName: string): Buffer {
    const protocol = this.protocols.find((p) => p.name === protocolName);
    assert(protocol !== undefined, `member ${this.memberId} does not support protocol ${protocolName}`);
    return protocol.metadata;
  }

  /** The first of this member's protocols, in its order of preference, that is among `candidates`. */
  vote(candidates: ReadonlySet<string>): string {
    const choice = this.protocols.find((p) => candidates.has(p.name));
    assert(choice !== undefined, `member ${this.memberId} supports none of the candidate protocols`);
    return choice.name;
  }

  /** Same protocols in the same order with the same metadata: a rejoin that changes nothing. */
  matches(protocols: readonly JoinGroupProtocol[]): boolean {
    return (
      protocols.length === this.protocols.length &&
      protocols.every((p, i) => p.name === this.protocols[i]!.name && p.metadata.equals(this.protocols[i]!.metadata))
    );
  }

  describeFor(protocolName: string): JoinGroupMember {
    return { memberId: this.memberId, groupInstanceId: null, metadata: this.metadataFor(protocolName) };
  }

  cancelExpiry(): void {
    this.expiry?.cancel();
    this.expiry = undefined;
  }
}

/** Kafka's member ids: the client id, a dash and a random UUID. */
export function newMemberId(clientId: string, random: Random): string {
  const bytes = Array.from({ length: 16 }, () => random.int(0, 255));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${clientId}-${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
