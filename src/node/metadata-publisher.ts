/**
 * Follows the committed metadata log on every node: decodes each committed Raft entry into
 * metadata records, applies them to the image, and tells listeners what changed. The image only
 * ever moves forward; a snapshot received from the leader replaces it wholesale (listeners then
 * get a delta computed against an empty image, i.e. "everything is new").
 */
import type { Logger } from '../common/logger.js';
import { applyRecords, decodeRecords, decodeSnapshot, EMPTY_IMAGE, imageToRecords, type MetadataDelta, type MetadataImage } from '../metadata/index.js';
import type { Entry, Snapshot } from '../raft/types.js';

export type MetadataListener = (image: MetadataImage, delta: MetadataDelta, previous: MetadataImage) => void;

export class MetadataPublisher {
  private current: MetadataImage = EMPTY_IMAGE;
  private appliedTerm = 0;
  private readonly listeners = new Set<MetadataListener>();
  private readonly advanceListeners = new Set<(appliedIndex: number) => void>();

  constructor(private readonly logger: Logger) {}

  image(): MetadataImage {
    return this.current;
  }

  /** Raft index of the last entry applied. */
  appliedIndex(): number {
    return this.current.offset;
  }

  /** Term of the last entry applied: a new leader's image is complete once it applies an entry of its own term. */
  lastAppliedTerm(): number {
    return this.appliedTerm;
  }

  subscribe(listener: MetadataListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called after every applied batch of entries, no-ops included. */
  onAdvance(listener: (appliedIndex: number) => void): () => void {
    this.advanceListeners.add(listener);
    return () => this.advanceListeners.delete(listener);
  }

  /** The Raft driver's apply callback. */
  apply(entries: readonly Entry[]): void {
    for (const entry of entries) {
      this.appliedTerm = entry.term;
      if (entry.type === 'noop' || entry.data.length === 0) {
        this.current = { ...this.current, offset: entry.index };
        continue;
      }
      const records = decodeRecords(entry.data);
      const previous = this.current;
      const { image, delta } = applyRecords(previous, records, entry.index);
      this.current = image;
      this.publish(image, delta, previous);
    }
    for (const listener of this.advanceListeners) listener(this.current.offset);
  }

  /** The Raft driver's restore callback: the leader sent a snapshot that replaces our state. */
  restore(snapshot: Snapshot): void {
    const previous = this.current;
    const image = decodeSnapshot(snapshot.data, snapshot.meta.index);
    this.current = image;
    this.appliedTerm = snapshot.meta.term;
    // Replaying the snapshot's records over an empty image yields the delta "everything is new".
    const { delta } = applyRecords(EMPTY_IMAGE, imageToRecords(image), snapshot.meta.index);
    this.logger.info({ index: snapshot.meta.index }, 'metadata image restored from a snapshot');
    this.publish(image, delta, previous);
  }

  private publish(image: MetadataImage, delta: MetadataDelta, previous: MetadataImage): void {
    for (const listener of this.listeners) {
      try {
        listener(image, delta, previous);
      } catch (e) {
        // A listener's failure must not stop the image from advancing on this node.
        this.logger.error({ err: e }, 'metadata listener failed');
      }
    }
  }
}
