/**
 * A consumer of the workload: follows one partition from offset 0, long-polling the leader its
 * metadata names (with the leader epoch it knows, as KIP-320 consumers do), and records every
 * fetch that returned records. Consumers only ever get data below the high watermark, so whatever
 * they read must survive (unless retention or compaction removed it since); an offset out of range
 * (the log shrank under the consumer, or retention moved its start past the consumer) sends it back
 * to the leader's log start, as `auto.offset.reset=earliest` does, so it reads the partition again.
 */
import type { PollOp } from '../../check/index.js';
import type { ClientApi } from './client-api.js';
import type { ClientMetadata } from './client-metadata.js';
import { nextOffsetAfter, recordsOf } from './record-values.js';

export interface ConsumerSettings {
  readonly topic: string;
  readonly maxWaitMs: number;
  readonly maxBytes: number;
  readonly retryBackoffMs: number;
}

export class SimConsumer {
  private position = 0;
  private running = false;
  private idle: Promise<void> = Promise.resolve();
  /** Times the consumer found its position outside the leader's log. */
  resets = 0;

  constructor(
    readonly name: string,
    readonly partition: number,
    private readonly api: ClientApi,
    private readonly metadata: ClientMetadata,
    private readonly settings: ConsumerSettings,
    private readonly record: (op: PollOp) => void,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.idle = this.loop();
  }

  stop(): Promise<void> {
    this.running = false;
    return this.idle;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      if (!(await this.pollOnce())) await this.api.sleep(this.settings.retryBackoffMs);
    }
  }

  /** One fetch; false when it failed and the consumer should back off. */
  private async pollOnce(): Promise<boolean> {
    const { api, settings, partition } = this;
    const leader = this.metadata.leaderOf(partition);
    if (!leader) {
      await this.metadata.refresh();
      return false;
    }
    const invokeMs = api.clock.monotonic();
    const fetchOffset = this.position;
    let response;
    try {
      response = await api.fetch(leader.leader, {
        maxWaitMs: settings.maxWaitMs,
        minBytes: 1,
        maxBytes: settings.maxBytes,
        partitions: [{ topic: settings.topic, partition, fetchOffset, currentLeaderEpoch: leader.leaderEpoch }],
      });
    } catch {
      await this.metadata.refresh();
      return false;
    }
    const result = response.partitions[0]!;
    if (result.error) {
      if (result.error.kafkaName === 'OFFSET_OUT_OF_RANGE') {
        this.resets++;
        // The answer carries the leader's log start; -1 when the broker could not say.
        this.position = Math.max(0, result.logStartOffset);
      }
      if (result.error.refreshMetadata || result.error.retriable) await this.metadata.refresh();
      return false;
    }
    const records = recordsOf(result.records, fetchOffset);
    // Past the last batch, not only its last record: a cleaned batch may end in offsets whose
    // records are gone, and one left with none would otherwise be fetched again forever.
    const next = Math.max(nextOffsetAfter(result.records), fetchOffset);
    if (records.length > 0) this.record({ process: this.name, partition, invokeMs, completeMs: api.clock.monotonic(), fetchOffset, records });
    this.position = next;
    return true;
  }
}
