/**
 * What a coordinator holds for one `__consumer_offsets` partition it leads: the groups, their
 * committed offsets, and the appends in flight. When leadership moves the partition is closed:
 * every append in flight is answered NOT_COORDINATOR at once and its late outcome ignored, so no
 * request waits on a partition this broker no longer leads.
 */
import { assert, errors, type BrokerError } from '../../common/errors.js';
import type { RecordInput } from '../../log/batch/index.js';
import { ClassicGroup } from './group.js';
import type { OffsetStore } from './offsets.js';
import type { OffsetsTopicWriter } from './offsets-topic-writer.js';

interface InFlightAppend {
  settle(error?: BrokerError): void;
}

export class CoordinatorPartition {
  readonly groups = new Map<string, ClassicGroup>();
  private readonly inFlight = new Set<InFlightAppend>();
  private open = true;

  constructor(
    readonly partition: number,
    readonly offsets: OffsetStore,
    private readonly writer: OffsetsTopicWriter,
  ) {}

  isOpen(): boolean {
    return this.open;
  }

  /** The group, created Empty if it does not exist yet. */
  getOrCreateGroup(groupId: string, nowMs: number): ClassicGroup {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new ClassicGroup(groupId, 'Empty', nowMs);
      this.groups.set(groupId, group);
    }
    return group;
  }

  /** This very group object is live here (not removed, replaced or unloaded). */
  holds(group: ClassicGroup): boolean {
    return this.open && this.groups.get(group.groupId) === group;
  }

  /**
   * Hands `records` to the writer as one batch. `done` runs exactly once: with the writer's
   * outcome, or with NOT_COORDINATOR if the partition closes first.
   */
  append(records: readonly RecordInput[], done: (error?: BrokerError) => void): void {
    assert(this.open, `append to __consumer_offsets-${this.partition} after it was unloaded`);
    assert(records.length > 0, 'an append needs at least one record');
    let settled = false;
    let reportedByWriter = false;
    const entry: InFlightAppend = {
      settle: (error) => {
        if (settled) return;
        settled = true;
        this.inFlight.delete(entry);
        done(error);
      },
    };
    this.inFlight.add(entry);
    this.writer({
      partition: this.partition,
      records,
      complete: (error) => {
        assert(!reportedByWriter, `the append to __consumer_offsets-${this.partition} was completed twice`);
        reportedByWriter = true;
        entry.settle(error);
      },
    });
  }

  /** Leadership moved: fail everything in flight. The caller unloads the groups. */
  close(): void {
    this.open = false;
    const error = errors.notCoordinator(`__consumer_offsets-${this.partition} is no longer led here`);
    for (const entry of [...this.inFlight]) entry.settle(error);
  }

  inFlightCount(): number {
    return this.inFlight.size;
  }
}
