/**
 * The records one controller operation proposes, applied as they are added so that each decision
 * sees the effect of the previous ones (fencing two brokers in one tick elects leaders in view of
 * both). The working image keeps the offset of the image it started from: proposed records have no
 * Raft index until they are appended.
 */
import { applyRecords, type MetadataImage } from '../metadata/image.js';
import type { MetadataRecord } from '../metadata/records.js';

export class RecordBatch {
  private current: MetadataImage;
  private readonly added: MetadataRecord[] = [];

  constructor(start: MetadataImage) {
    this.current = start;
  }

  get image(): MetadataImage {
    return this.current;
  }

  get records(): readonly MetadataRecord[] {
    return this.added;
  }

  add(...records: MetadataRecord[]): void {
    if (records.length === 0) return;
    this.current = applyRecords(this.current, records, this.current.offset).image;
    this.added.push(...records);
  }
}
