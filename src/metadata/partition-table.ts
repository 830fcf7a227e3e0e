/**
 * A topic's partitions in a metadata image: an immutable map from partition index to
 * registration that shares structure between images.
 *
 * Every committed metadata record makes a new image, and most records change one partition (an
 * ISR change, a leader election). Copying a topic's whole partition map for each would make the
 * thousand ISR expansions after creating a thousand-partition topic cost a million copies. Here
 * the partitions sit in chunks of `CHUNK` slots: a new image copies the short list of chunks and
 * the one chunk it changes, and shares the rest. Iteration is in partition order.
 */
import type { PartitionRegistration } from './types.js';

const CHUNK = 64;

type Chunk = ReadonlyArray<PartitionRegistration | undefined>;

function lookup(chunks: readonly (Chunk | undefined)[], partition: number): PartitionRegistration | undefined {
  return chunks[Math.floor(partition / CHUNK)]?.[partition % CHUNK];
}

export class PartitionTable implements ReadonlyMap<number, PartitionRegistration> {
  static readonly EMPTY = new PartitionTable([], 0);

  private constructor(
    private readonly chunks: readonly (Chunk | undefined)[],
    readonly size: number,
  ) {}

  static of(registrations: Iterable<PartitionRegistration>): PartitionTable {
    const draft = PartitionTable.EMPTY.draft();
    for (const r of registrations) draft.set(r);
    return draft.finish();
  }

  get(partition: number): PartitionRegistration | undefined {
    return lookup(this.chunks, partition);
  }

  has(partition: number): boolean {
    return this.get(partition) !== undefined;
  }

  /** A writable copy that shares every chunk until it writes to it. */
  draft(): PartitionTableDraft {
    return new PartitionTableDraft(this.chunks, this.size, (chunks, size) => new PartitionTable(chunks, size));
  }

  *entries(): MapIterator<[number, PartitionRegistration]> {
    for (let c = 0; c < this.chunks.length; c++) {
      const chunk = this.chunks[c];
      if (!chunk) continue;
      for (let i = 0; i < chunk.length; i++) {
        const r = chunk[i];
        if (r) yield [c * CHUNK + i, r];
      }
    }
  }

  *keys(): MapIterator<number> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): MapIterator<PartitionRegistration> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): MapIterator<[number, PartitionRegistration]> {
    return this.entries();
  }

  forEach(fn: (value: PartitionRegistration, key: number, map: ReadonlyMap<number, PartitionRegistration>) => void): void {
    for (const [k, v] of this.entries()) fn(v, k, this);
  }
}

/** Collects the changes of one batch of records; `finish` makes the next immutable table. */
export class PartitionTableDraft {
  private readonly chunks: (Chunk | undefined)[];
  /** Chunks this draft copied, and may therefore write in place. */
  private readonly owned = new Set<number>();

  constructor(
    base: readonly (Chunk | undefined)[],
    private size: number,
    private readonly make: (chunks: readonly (Chunk | undefined)[], size: number) => PartitionTable,
  ) {
    this.chunks = [...base];
  }

  get(partition: number): PartitionRegistration | undefined {
    return lookup(this.chunks, partition);
  }

  set(registration: PartitionRegistration): void {
    const c = Math.floor(registration.partition / CHUNK);
    let chunk = this.chunks[c] as (PartitionRegistration | undefined)[] | undefined;
    if (!this.owned.has(c)) {
      chunk = chunk ? [...chunk] : [];
      this.chunks[c] = chunk;
      this.owned.add(c);
    }
    const i = registration.partition % CHUNK;
    if (chunk![i] === undefined) this.size++;
    chunk![i] = registration;
  }

  finish(): PartitionTable {
    return this.make(this.chunks, this.size);
  }
}
