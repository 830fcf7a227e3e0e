/**
 * Producer-state snapshot files in a partition's directory, named as Kafka names them:
 * `<offset, 20 digits>.snapshot`. Each is written whole or not at all (temporary file, fsync,
 * rename, directory sync), so a crash leaves the old set of snapshots or the new one; removals are
 * made durable at once, because a snapshot that came back after a truncation would describe batches
 * the log no longer has.
 */
import type { Logger } from '../../common/logger.js';
import type { Storage } from '../../log/index.js';
import { joinPath } from '../../log/storage/storage.js';
import { writeFileAtomically } from '../../log/storage/atomic-write.js';
import { decodeSnapshot, encodeSnapshot, type ProducerStateSnapshot } from './snapshot-codec.js';

export const SNAPSHOT_FILE_SUFFIX = '.snapshot';
const OFFSET_DIGITS = 20;

export function snapshotFileName(offset: number): string {
  return `${String(offset).padStart(OFFSET_DIGITS, '0')}${SNAPSHOT_FILE_SUFFIX}`;
}

/** The offset a snapshot file name encodes, or undefined if `name` is not a snapshot file. */
export function parseSnapshotFileName(name: string): number | undefined {
  if (!name.endsWith(SNAPSHOT_FILE_SUFFIX)) return undefined;
  const stem = name.slice(0, -SNAPSHOT_FILE_SUFFIX.length);
  if (stem.length !== OFFSET_DIGITS || !/^\d+$/.test(stem)) return undefined;
  const offset = Number(stem);
  return Number.isSafeInteger(offset) ? offset : undefined;
}

export class ProducerSnapshotStore {
  constructor(
    private readonly storage: Storage,
    readonly dir: string,
    private readonly logger?: Logger,
  ) {
    storage.ensureDir(dir);
  }

  /** Offsets of the snapshot files present, ascending. */
  offsets(): number[] {
    const offsets: number[] = [];
    for (const name of this.storage.list(this.dir)) {
      const offset = parseSnapshotFileName(name);
      if (offset !== undefined) offsets.push(offset);
    }
    return offsets.sort((a, b) => a - b);
  }

  write(snapshot: ProducerStateSnapshot): void {
    writeFileAtomically(this.storage, this.pathOf(snapshot.offset), encodeSnapshot(snapshot));
  }

  /**
   * The newest snapshot that decodes and whose content names the offset its file name does. Corrupt
   * ones met on the way are deleted (logged), so the next load does not trip over them again.
   */
  loadLatestValid(): ProducerStateSnapshot | undefined {
    const offsets = this.offsets();
    for (let i = offsets.length - 1; i >= 0; i--) {
      const offset = offsets[i]!;
      const bytes = this.storage.readFile(this.pathOf(offset));
      const decoded = bytes ? decodeSnapshot(bytes) : { ok: false as const, reason: 'the file vanished' };
      if (decoded.ok && decoded.snapshot.offset === offset) return decoded.snapshot;
      const reason = decoded.ok ? `it holds offset ${decoded.snapshot.offset}` : decoded.reason;
      this.logger?.warn({ dir: this.dir, offset, reason }, 'skipping a corrupt producer state snapshot');
      this.removeWhere((o) => o === offset);
    }
    return undefined;
  }

  /** Deletes snapshots past `offset`: they describe batches beyond the log end. */
  removeAbove(offset: number): void {
    this.removeWhere((o) => o > offset);
  }

  /** Deletes snapshots below `offset`: batches between them and the log start are gone, so they cannot be replayed forward. */
  removeBelow(offset: number): void {
    this.removeWhere((o) => o < offset);
  }

  removeAll(): void {
    this.removeWhere(() => true);
  }

  /** Keeps the newest `count` snapshots. */
  retainLatest(count: number): void {
    const offsets = this.offsets();
    if (offsets.length <= count) return;
    const oldestKept = offsets[offsets.length - count]!;
    this.removeBelow(oldestKept);
  }

  private removeWhere(predicate: (offset: number) => boolean): void {
    let removed = 0;
    for (const offset of this.offsets()) {
      if (!predicate(offset)) continue;
      this.storage.remove(this.pathOf(offset));
      removed++;
    }
    if (removed > 0) this.storage.syncDir(this.dir);
  }

  private pathOf(offset: number): string {
    return joinPath(this.dir, snapshotFileName(offset));
  }
}
