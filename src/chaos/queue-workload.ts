/**
 * The chaos lab's `queue` workload: producers and consumers at work on one topic while the faults
 * run, then, once the cluster is quiet, everything read back for the history checker.
 *
 * - One send load per partition, two sequential senders each, at a fixed total rate, with the
 *   run's acks and idempotence.
 * - A plain reader assigned every partition from the earliest offset, and two members of a
 *   consumer group committing by hand after each poll.
 * - At the end: producers stop, consumers get a bounded while to catch up with the high
 *   watermarks, and every partition is read back (the leader through the consumer, every replica
 *   from its segment files).
 */
import type { LocalCluster } from '../../cluster/index.js';
import type { FinalPartition, History } from '../check/index.js';
import { finalPartition } from './final-read.js';
import { PollLoad } from './poll-load.js';
import { SendLoad } from './send-load.js';

export interface QueueWorkloadOptions {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly acks: 1 | 'all';
  readonly idempotent: boolean;
  /** Values per second over every partition. */
  readonly ratePerSecond: number;
  readonly groupId: string;
}

export interface FinalReadProblem {
  readonly partition: number;
  readonly reason: string;
}

export class QueueWorkload {
  private readonly sends: SendLoad[];
  private readonly readers: PollLoad[];

  constructor(
    private readonly cluster: LocalCluster,
    private readonly options: QueueWorkloadOptions,
  ) {
    const bootstrapServers = cluster.bootstrapServers;
    const { topic, partitions } = options;
    this.sends = Array.from(
      { length: partitions },
      (_, partition) =>
        new SendLoad({
          bootstrapServers,
          topic,
          partition,
          acks: options.acks,
          senders: 2,
          valuesPerSend: 5,
          prefix: `p${partition}`,
          ratePerSecond: options.ratePerSecond / partitions,
          producer: { idempotent: options.idempotent, lingerMs: 0 },
        }),
    );
    this.readers = [
      new PollLoad({ bootstrapServers, topic, process: 'reader', mode: { kind: 'assigned', partitions } }),
      new PollLoad({ bootstrapServers, topic, process: 'group-a', mode: { kind: 'group', groupId: options.groupId } }),
      new PollLoad({ bootstrapServers, topic, process: 'group-b', mode: { kind: 'group', groupId: options.groupId } }),
    ];
  }

  start(): void {
    for (const s of this.sends) s.start();
    for (const r of this.readers) r.start();
  }

  get acknowledgedValues(): number {
    return this.sends.reduce((n, s) => n + s.acknowledgedValues, 0);
  }

  get recordsRead(): number {
    return this.readers.reduce((n, r) => n + r.recordsRead, 0);
  }

  /** Stops the producers; sends in flight get `graceMs` to finish. */
  async stopProducing(graceMs = 5_000): Promise<void> {
    await Promise.all(this.sends.map((s) => s.stop(graceMs)));
  }

  /**
   * Lets the plain reader catch up with the final partitions (bounded by `timeoutMs`), then stops
   * every consumer. Group members may stop behind: they are judged on what they read, not on
   * reading everything.
   */
  async drainAndStopConsumers(final: readonly FinalPartition[], timeoutMs: number): Promise<void> {
    const reader = this.readers[0]!;
    const deadline = performance.now() + timeoutMs;
    const caughtUp = (): boolean => final.every((p) => (reader.positions.get(p.partition) ?? 0) >= p.highWatermark);
    while (!caughtUp() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await Promise.all(this.readers.map((r) => r.stop()));
  }

  /** Every partition read back once the cluster is quiet; partitions that could not be read are listed with why. */
  async readFinal(timeoutMs: number): Promise<{ final: FinalPartition[]; problems: FinalReadProblem[] }> {
    const final: FinalPartition[] = [];
    const problems: FinalReadProblem[] = [];
    for (let partition = 0; partition < this.options.partitions; partition++) {
      try {
        final.push(await finalPartition(this.cluster, this.options.topic, partition, this.options.replicationFactor, timeoutMs));
      } catch (e) {
        problems.push({ partition, reason: e instanceof Error ? e.message : String(e) });
      }
    }
    return { final, problems };
  }

  history(final: readonly FinalPartition[]): History {
    return {
      topic: this.options.topic,
      sends: this.sends.flatMap((s) => s.sends),
      polls: this.readers.flatMap((r) => r.polls),
      final,
    };
  }

  /** Errors the consumers met and carried on from (a few of each). */
  consumerErrors(): string[] {
    return this.readers.flatMap((r) => r.errors.slice(0, 5));
  }
}
