/**
 * A producer of the workload: one send in flight at a time (so its sends are ordered), each a
 * batch of fresh unique values to one partition, sent to the leader its metadata names and
 * retried on errors until the delivery timeout, refreshing metadata when told to. It is not
 * idempotent, so a retry after an unknown outcome may write a value twice; the history says so.
 */
import type { SendOp, SendOutcome } from '../../check/index.js';
import { isBrokerError, type KafkaErrorName } from '../../common/errors.js';
import type { SeededRandom } from '../../common/random.js';
import type { ClientApi } from './client-api.js';
import type { ClientMetadata } from './client-metadata.js';
import { batchOf } from './record-values.js';

export interface ProducerSettings {
  readonly topic: string;
  readonly partitions: number;
  /** -1 (all) or 1. */
  readonly acks: number;
  readonly maxValuesPerSend: number;
  /** Pause between one send's end and the next send. */
  readonly thinkMs: readonly [number, number];
  /** How long an acks=all produce may wait for replication on the broker. */
  readonly produceTimeoutMs: number;
  /** Kafka's delivery.timeout.ms: a send is given up after this long. */
  readonly deliveryTimeoutMs: number;
  readonly retryBackoffMs: number;
  /** Keys each record by its value (a compacted topic refuses keyless records); keyless when absent. */
  readonly keyOf?: (value: string) => string;
}

/** Errors that come before the leader appends anything: the send certainly did not write. */
const NOT_WRITTEN: ReadonlySet<KafkaErrorName> = new Set([
  'NOT_ENOUGH_REPLICAS',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'INVALID_REQUIRED_ACKS',
]);

export class SimProducer {
  private sequence = 0;
  private running = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    private readonly api: ClientApi,
    private readonly metadata: ClientMetadata,
    private readonly random: SeededRandom,
    private readonly settings: ProducerSettings,
    private readonly record: (op: SendOp) => void,
  ) {}

  /** Sends to random partitions until `stop`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.idle = this.loop();
  }

  /** No new sends; resolves once the send in flight has ended. */
  stop(): Promise<void> {
    this.running = false;
    return this.idle;
  }

  /** One send of `count` fresh values to `partition`, retried until acknowledged or `deliveryTimeoutMs` passes. */
  async send(partition: number, count: number, deliveryTimeoutMs = this.settings.deliveryTimeoutMs): Promise<SendOp> {
    const { api, settings } = this;
    const values = Array.from({ length: count }, () => `${this.name}-${this.sequence++}`);
    const batch = batchOf(values, api.clock.now(), settings.keyOf);
    const invokeMs = api.clock.monotonic();
    const deadlineMs = invokeMs + deliveryTimeoutMs;
    let mayHaveWritten = false;
    let lastError = 'no leader known';
    while (api.clock.monotonic() < deadlineMs) {
      const leader = this.metadata.leaderOf(partition);
      if (!leader) {
        await this.metadata.refresh();
        await api.sleep(settings.retryBackoffMs);
        continue;
      }
      try {
        const response = await api.produce(leader.leader, {
          acks: settings.acks,
          timeoutMs: settings.produceTimeoutMs,
          partitions: [{ topic: settings.topic, partition, records: batch }],
        });
        const result = response.partitions[0]!;
        if (!result.error) return this.finish({ partition, values, invokeMs, outcome: 'ok', offset: result.baseOffset });
        lastError = result.error.kafkaName;
        if (!NOT_WRITTEN.has(result.error.kafkaName)) mayHaveWritten = true;
        if (!result.error.retriable) break;
        if (result.error.refreshMetadata) await this.metadata.refresh();
      } catch (error) {
        // No answer (lost, timed out, connection reset): the leader may have appended it.
        mayHaveWritten = true;
        lastError = isBrokerError(error) ? error.kafkaName : String(error);
        await this.metadata.refresh();
      }
      await api.sleep(settings.retryBackoffMs);
    }
    return this.finish({ partition, values, invokeMs, outcome: mayHaveWritten ? 'info' : 'fail', error: lastError });
  }

  private finish(op: { partition: number; values: string[]; invokeMs: number; outcome: SendOutcome; offset?: number; error?: string }): SendOp {
    const done: SendOp = { process: this.name, acks: this.settings.acks, completeMs: this.api.clock.monotonic(), ...op };
    this.record(done);
    return done;
  }

  private async loop(): Promise<void> {
    const { settings, random } = this;
    while (this.running) {
      await this.send(random.int(0, settings.partitions - 1), random.int(1, settings.maxValuesPerSend));
      await this.api.sleep(random.int(settings.thinkMs[0], settings.thinkMs[1]));
    }
  }
}
