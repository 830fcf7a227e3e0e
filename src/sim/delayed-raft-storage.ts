/**
 * A node's Raft storage as both simulations give it: writes take a random while, complete in the
 * order they were issued, and reach the durable image (storage that outlives the process: a
 * MemoryRaftStorage, or the Raft simulation's DurableState) only when they complete. A crash drops
 * the writes still in progress, because their completions are timers of the dead incarnation; the
 * next incarnation loads what had completed.
 *
 * `afterDurable` runs the moment a write has reached the durable image, before the process learns
 * of it: a power loss striking there (it returns true) leaves the write on disk and the process
 * gone, so nothing it would have done next (send the Ready's messages) happens.
 */
import type { Clock } from '../common/clock.js';
import type { SeededRandom } from '../common/random.js';
import type { Entry, HardState, RaftInitialState, RaftStorage, Snapshot } from '../raft/types.js';

export class DelayedRaftStorage implements RaftStorage {
  /** When the last issued write completes: later writes complete no earlier. */
  private lastCompletionMs = 0;

  constructor(
    /** Must apply each write when called (its promise only reports that). */
    private readonly durable: RaftStorage,
    private readonly clock: Clock,
    private readonly random: SeededRandom,
    /** A write just became durable; true when the process died right then (the write never completes for it). */
    private readonly afterDurable: () => boolean = () => false,
  ) {}

  load(): Promise<RaftInitialState> {
    return this.durable.load();
  }

  append(entries: readonly Entry[]): Promise<void> {
    return this.write(() => this.durable.append(entries));
  }

  setHardState(state: HardState): Promise<void> {
    return this.write(() => this.durable.setHardState(state));
  }

  saveSnapshot(snapshot: Snapshot): Promise<void> {
    return this.write(() => this.durable.saveSnapshot(snapshot));
  }

  async close(): Promise<void> {
    // The durable image belongs to the node's disk, not to this process: nothing to release.
  }

  private write(apply: () => Promise<void>): Promise<void> {
    const now = this.clock.monotonic();
    // Mostly fast, sometimes a slow fsync.
    const latencyMs = this.random.chance(0.9) ? this.random.int(0, 2) : this.random.int(3, 15);
    const completesAtMs = Math.max(now + latencyMs, this.lastCompletionMs);
    this.lastCompletionMs = completesAtMs;
    return new Promise((resolve, reject) => {
      this.clock.schedule(completesAtMs - now, () => {
        const written = apply();
        if (this.afterDurable()) return;
        written.then(resolve, reject);
      });
    });
  }
}
