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
  ) {}

  /** The stored offset; undefined if the file is missing, corrupt or about another partition. */
  read(): number | undefined {
    const result = readCheckpoint(this.storage, this.path, partitionOffsetCodec);
    if (result.status === 'missing') return undefined;
    if (result.status === 'corrupt') {
      this.logger?.warn({ path: this.path, reason: result.reason }, 'ignoring corrupt offset checkpoint');
      return undefined;
    }
    const entry = result.entries.find((e) => e.topic === this.topic && e.partition === this.partition);
    if (entry) this.lastWritten = entry.offset;
    return entry?.offset;
  }

  /** Stores `offset` durably; skipped when the file already holds it. */
  write(offset: number): void {
    if (offset === this.lastWritten) return;
    writeCheckpoint(this.storage, this.path, partitionOffsetCodec, [{ topic: this.topic, partition: this.partition, offset }]);
    this.lastWritten = offset;
  }
}
