/**
 * When the log forces its writes to disk. By default never: like Kafka, brokerlab leaves flushing
 * to the OS and relies on replication for durability. `flushIntervalMessages` flushes once that
 * many messages arrived since the last flush; `flushIntervalMs` flushes on the first append once
 * that much time has passed since the last flush (checked on append, with the injected Clock, so
 * the simulation controls it). Separately, a flush the policy triggers rewrites the recovery-point
 * checkpoint at most every `flushOffsetCheckpointIntervalMs`, so flushing every message does not
 * also cost a checkpoint write every message.
 */
import type { Clock } from '../common/clock.js';
import { NEVER, type LogConfig } from './config.js';

export class FlushPolicy {
  private messagesSinceFlush = 0;
  private lastFlushMs: number;
  private lastCheckpointMs: number;

  constructor(
    private readonly config: Pick<LogConfig, 'flushIntervalMessages' | 'flushIntervalMs' | 'flushOffsetCheckpointIntervalMs'>,
    private readonly clock: Clock,
  ) {
    this.lastFlushMs = clock.monotonic();
    this.lastCheckpointMs = this.lastFlushMs;
  }

  /** Counts appended messages; returns whether the log should flush now. */
  recordAppend(messages: number): boolean {
    this.messagesSinceFlush += messages;
    if (this.messagesSinceFlush >= this.config.flushIntervalMessages) return true;
    return this.config.flushIntervalMs !== NEVER && this.clock.monotonic() - this.lastFlushMs >= this.config.flushIntervalMs;
  }

  /** The log flushed everything; returns whether the recovery-point checkpoint is due too. */
  flushed(): boolean {
    this.messagesSinceFlush = 0;
    this.lastFlushMs = this.clock.monotonic();
    return this.lastFlushMs - this.lastCheckpointMs >= this.config.flushOffsetCheckpointIntervalMs;
  }

  checkpointed(): void {
    this.lastCheckpointMs = this.clock.monotonic();
  }

  unflushedMessages(): number {
    return this.messagesSinceFlush;
  }
}
