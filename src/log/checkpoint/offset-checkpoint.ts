/**
 * One partition's offset kept in a checkpoint file (the log start offset, or the recovery point).
 * Kafka keeps one such file per log directory for all partitions; brokerlab keeps one per partition
 * directory, in the same format, so partitions never contend for it.
 */
import type { Logger } from '../../common/logger.js';
import type { Storage } from '../storage/storage.js';
import { partitionOffsetCodec, readCheckpoint, writeCheckpoint } from './checkpoint-file.js';

export class OffsetCheckpoint {
  private lastWritten: number | undefined;

  constructor(
    private readonly storage: Storage,
    readonly path: string,
    private readonly topic: string,
    private readonly partition: number,
    private readonly logger?: Logger,
    /** The file is known not to exist (a new partition directory): the first read skips the disk. */
    private knownMissing = false,
  ) {}

  /**
   * The stored offset, or 0 when the file is missing, corrupt or about another partition: each of
   * these offsets reads as 0 when nothing was stored (the log starts at 0, recovery and cleaning
   * start from the beginning), so a new log needs no file until its offset moves.
   */
  read(): number {
    const result = this.knownMissing ? ({ status: 'missing' } as const) : readCheckpoint(this.storage, this.path, partitionOffsetCodec);
    if (result.status === 'missing') {
      this.lastWritten = 0;
      return 0;
    }
    if (result.status === 'corrupt') {
      this.logger?.warn({ path: this.path, reason: result.reason }, 'ignoring corrupt offset checkpoint');
      return 0;
    }
    const entry = result.entries.find((e) => e.topic === this.topic && e.partition === this.partition);
    if (entry) this.lastWritten = entry.offset;
    return entry?.offset ?? 0;
  }

  /** Stores `offset` durably; skipped when the file already holds it (a missing file holds 0). */
  write(offset: number): void {
    if (offset === this.lastWritten) return;
    writeCheckpoint(this.storage, this.path, partitionOffsetCodec, [{ topic: this.topic, partition: this.partition, offset }]);
    this.lastWritten = offset;
    this.knownMissing = false;
  }
}
