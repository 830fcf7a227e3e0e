/**
 * The simulated application each node runs on top of Raft: it applies committed entries in order,
 * keeps the payloads it applied, and folds every applied entry into a running hash. Its snapshot is
 * (index, hash, count), enough for the checker to prove a restored snapshot holds exactly the
 * committed prefix it claims.
 */
import type { Entry } from '../raft/types.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function mix(hash: number, value: number): number {
  return Math.imul(hash ^ (value & 0xff), FNV_PRIME) >>> 0;
}

function mixNumber(hash: number, value: number): number {
  let h = hash;
  for (let shift = 0; shift < 32; shift += 8) h = mix(h, value >>> shift);
  // Terms and indexes stay far below 2^32 in a simulation, so the high half is always zero.
  return h;
}

/** The running hash after applying `entry` on top of `previous`. */
export function chainHash(previous: number, entry: Entry): number {
  let h = mixNumber(previous, entry.index);
  h = mixNumber(h, entry.term);
  for (const byte of entry.data) h = mix(h, byte);
  return h;
}

export const EMPTY_HASH = FNV_OFFSET;

export interface AppSnapshot {
  readonly index: number;
  readonly hash: number;
  readonly appliedPayloads: number;
}

export function encodeAppSnapshot(snapshot: AppSnapshot): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(snapshot));
}

export function decodeAppSnapshot(data: Uint8Array): AppSnapshot {
  return JSON.parse(new TextDecoder().decode(data)) as AppSnapshot;
}

export class AppStateMachine {
  appliedIndex = 0;
  hash = EMPTY_HASH;
  /** Payloads of normal entries applied since the last restore (no-ops carry none). */
  readonly payloads: Uint8Array[] = [];
  private payloadsBeforeRestore = 0;

  /** Applies one committed entry; returns false when it does not directly follow the last one. */
  apply(entry: Entry): boolean {
    if (entry.index !== this.appliedIndex + 1) return false;
    this.appliedIndex = entry.index;
    this.hash = chainHash(this.hash, entry);
    if (entry.type === 'normal') this.payloads.push(entry.data);
    return true;
  }

  restore(snapshot: AppSnapshot): void {
    this.appliedIndex = snapshot.index;
    this.hash = snapshot.hash;
    this.payloads.length = 0;
    this.payloadsBeforeRestore = snapshot.appliedPayloads;
  }

  snapshot(): AppSnapshot {
    return { index: this.appliedIndex, hash: this.hash, appliedPayloads: this.appliedPayloadCount() };
  }

  appliedPayloadCount(): number {
    return this.payloadsBeforeRestore + this.payloads.length;
  }
}
