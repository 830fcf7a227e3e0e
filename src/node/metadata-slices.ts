/**
 * Hands metadata to the replica manager in slices that leave the event loop free between them.
 *
 * Creating or deleting a topic of thousands of partitions means opening or removing thousands of
 * logs on this broker. Done in one go it blocks the process for seconds, and the same process
 * heartbeats to the controller and may be a Raft voter: its session expires, it is fenced,
 * leaders move, and a cluster at rest churns. Kafka does this work on threads apart from the
 * heartbeat; here each slice runs for at most `budgetMs` before the rest waits for the next turn
 * of the event loop. Updates stay in order: a later one waits behind the slices of an earlier one.
 * A small update with nothing queued ahead of it is applied at once, as before.
 *
 * An update's partitions may first wait for `prepare` (the process makes the directories and files
 * of partitions new to this broker off the event loop), a group at a time: the next group is
 * prepared while the one before is applied. Later updates wait behind it.
 */
import type { Clock, Timer } from '../common/clock.js';
import type { HostedPartitionId, MetadataUpdate } from '../broker/index.js';
import type { PartitionRegistration } from '../metadata/types.js';

/** Partitions applied between two looks at the clock, at most. */
const CHUNK = 50;
/** The first slice's size, before the cost of a partition is known. */
const FIRST_CHUNK = 10;
/** Partitions prepared at a time: the next group is prepared while this one is applied. */
const PREPARE_CHUNK = 2 * CHUNK;

export interface MetadataSlicesOptions {
  clock: Clock;
  /** Applies one slice (a complete update of its own). */
  apply: (slice: MetadataUpdate) => void;
  /** The replicas this broker hosts of deleted topics, removed in slices before the topics go. */
  hostedOf: (topicIds: readonly string[]) => HostedPartitionId[];
  /** Longest stretch of work before yielding to the event loop. */
  budgetMs: number;
  /**
   * Runs `fn` once the event loop has handled the I/O that is waiting (a process passes
   * `setImmediate`: a zero-delay timer may run in the same timers phase as the slice before it,
   * and heartbeats would wait behind every slice). Defaults to `clock.schedule(0, fn)`.
   */
  nextTurn?: (fn: () => void) => Timer;
  /**
   * Work to finish before some of an update's partitions are applied, started once the updates
   * ahead of it are done; undefined when there is none. Whether it succeeds or fails, the
   * partitions are applied next: `apply` does whatever it left undone.
   */
  prepare?: (partitions: readonly PartitionRegistration[]) => Promise<void> | undefined;
}

interface Pending {
  removals: HostedPartitionId[] | undefined;
  removedTopicIds: readonly string[];
  partitions: readonly PartitionRegistration[];
  next: number;
  /** Partitions [0, prepared) are ready to apply. */
  prepared: number;
  /** A `prepare` of the partitions from `prepared` on is running. */
  preparing: boolean;
}

export class MetadataSlices {
  private readonly queue: Pending[] = [];
  private timer: Timer | undefined;
  private stopped = false;
  /**
   * Partitions per slice: fewer when the last slice took long per partition (logs recovered after
   * a crash take milliseconds each), so a slice stays near the budget.
   */
  private chunk = FIRST_CHUNK;

  constructor(private readonly options: MetadataSlicesOptions) {}

  submit(update: MetadataUpdate): void {
    if (this.stopped) return;
    this.queue.push({ removals: undefined, removedTopicIds: update.removedTopicIds ?? [], partitions: update.partitions ?? [], next: 0, prepared: 0, preparing: false });
    if (this.timer === undefined) this.drain();
  }

  /** True while slices of earlier updates still wait for their turn. */
  busy(): boolean {
    return this.queue.length > 0;
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.queue.length = 0;
  }

  private drain(): void {
    this.timer = undefined;
    const { clock, budgetMs } = this.options;
    const deadline = clock.monotonic() + budgetMs;
    while (this.queue.length > 0 && !this.stopped) {
      // Waiting for `prepare`: its completion drains again.
      if (!this.applyNextSlice(this.queue[0]!)) return;
      if (this.queue.length > 0 && clock.monotonic() >= deadline) {
        const next = (): void => this.drain();
        this.timer = this.options.nextTurn ? this.options.nextTurn(next) : clock.schedule(0, next);
        return;
      }
    }
  }

  /**
   * Removals first (a deleted topic's replicas, then the topic itself), then the partitions.
   * Returns false when the head waits for `prepare` instead.
   */
  private applyNextSlice(head: Pending): boolean {
    const { apply, hostedOf } = this.options;
    if (head.removedTopicIds.length > 0) {
      head.removals ??= hostedOf(head.removedTopicIds);
      if (head.removals.length > CHUNK) {
        apply({ removedPartitions: head.removals.splice(0, CHUNK) });
        return true;
      }
      apply({ removedPartitions: head.removals, removedTopicIds: head.removedTopicIds });
      head.removedTopicIds = [];
      head.removals = [];
      if (head.partitions.length === 0) this.queue.shift();
      return true;
    }
    this.prepareAhead(head);
    if (head.next >= head.prepared && head.next < head.partitions.length) return false;
    const slice = head.partitions.slice(head.next, Math.min(head.next + this.chunk, head.prepared));
    head.next += slice.length;
    if (head.next >= head.partitions.length) this.queue.shift();
    if (slice.length > 0) {
      const { clock, budgetMs } = this.options;
      const startedAt = clock.monotonic();
      apply({ partitions: slice });
      const msPerPartition = (clock.monotonic() - startedAt) / slice.length;
      this.chunk = msPerPartition > 0 ? Math.max(1, Math.min(CHUNK, Math.floor(budgetMs / msPerPartition))) : CHUNK;
    }
    return true;
  }

  /** Starts preparing the next group of the head's partitions, unless one is being prepared. */
  private prepareAhead(head: Pending): void {
    const { prepare } = this.options;
    while (!head.preparing && head.prepared < head.partitions.length) {
      const to = prepare ? Math.min(head.partitions.length, head.prepared + PREPARE_CHUNK) : head.partitions.length;
      const work = prepare?.(head.partitions.slice(head.prepared, to));
      if (work === undefined) {
        head.prepared = to;
        continue;
      }
      head.preparing = true;
      const done = (): void => {
        head.preparing = false;
        head.prepared = to;
        if (!this.stopped && this.timer === undefined && this.queue[0] === head) this.drain();
      };
      work.then(done, done);
    }
  }
}
