/**
 * The records one controller operation proposes, applied as they are added so that each decision
 * sees the effect of the previous ones (fencing two brokers in one tick elects leaders in view of
 * both). The working image keeps the offset of the image it started from: proposed records have no
 * Raft index until they are appended.
 */
import { applyRecords, type MetadataImage } from '../metadata/image.js';
import type { MetadataRecord } from '../metadata/records.js';
import { partitionChangeEvents, type ChangeCause, type ControllerEvent } from './controller-events.js';

export class RecordBatch {
  private current: MetadataImage;
  private readonly added: MetadataRecord[] = [];
  private readonly noted: ControllerEvent[] = [];
  /**
   * Why partition changes added now happen; each one then becomes leader/ISR events. Undefined
   * adds them without events (AlterPartition: the requesting leader reports its own ISR change).
   */
  cause: ChangeCause | undefined = { reason: 'controller decision' };

  constructor(start: MetadataImage) {
    this.current = start;
  }

  get image(): MetadataImage {
    return this.current;
  }

  get records(): readonly MetadataRecord[] {
    return this.added;
  }

  /** The events the records added so far stand for. */
  get events(): readonly ControllerEvent[] {
    return this.noted;
  }

  note(event: ControllerEvent): void {
    this.noted.push(event);
  }

  /** Runs `step` with `cause` as the reason of the partition changes it adds. */
  because<T>(cause: ChangeCause | undefined, step: () => T): T {
    const previous = this.cause;
    this.cause = cause;
    try {
      return step();
    } finally {
      this.cause = previous;
    }
  }

  add(...records: MetadataRecord[]): void {
    if (records.length === 0) return;
    const before = this.current;
    this.current = applyRecords(this.current, records, this.current.offset).image;
    this.added.push(...records);
    if (this.cause) this.describePartitionChanges(before, records, this.cause);
  }

  private describePartitionChanges(before: MetadataImage, records: readonly MetadataRecord[], cause: ChangeCause): void {
    const seen = new Set<string>();
    for (const record of records) {
      if (record.type !== 'PartitionChange') continue;
      const key = `${record.topicId}/${record.partition}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const old = before.topicsById.get(record.topicId)?.partitions.get(record.partition);
      const now = this.current.topicsById.get(record.topicId)?.partitions.get(record.partition);
      if (old && now) this.noted.push(...partitionChangeEvents(old, now, cause));
    }
  }
}
