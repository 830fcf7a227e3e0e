/**
 * A service that reads a topic as a member of its own consumer group: it processes what each poll
 * returns (here: remembers which values it has seen, and how often) and commits after processing,
 * or, to play a crash, stops without committing what it processed last.
 */
import type { BrokerlabClient, Consumer } from '../../client/index.js';
import { text } from './read-back.js';
import { sleep } from './wait.js';

export class GroupService {
  private consumer: Consumer | undefined;
  /** How many times each value was processed. */
  readonly seen = new Map<string, number>();
  /** Every value processed, in order, redeliveries included. */
  readonly log: string[] = [];
  processed = 0;

  constructor(
    readonly name: string,
    readonly groupId: string,
    private readonly client: BrokerlabClient,
    private readonly topic: string,
    private readonly maxPollRecords = 500,
  ) {}

  /** Joins the group (again, after a crash); it resumes at the group's committed offsets, or at the start. */
  start(): void {
    this.consumer = this.client.consumer({
      groupId: this.groupId,
      autoOffsetReset: 'earliest',
      maxPollRecords: this.maxPollRecords,
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 500,
    });
    this.consumer.subscribe([this.topic]);
  }

  /** Values processed more than once. */
  get redelivered(): number {
    return this.processed - this.seen.size;
  }

  /** Polls, processes and commits until every one of `values` has been seen (bounded). */
  async consumeUntilSeen(values: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (values.some((v) => !this.seen.has(v))) {
      if (performance.now() > deadline) {
        const missing = values.filter((v) => !this.seen.has(v)).length;
        throw new Error(`${this.name} still misses ${missing} of ${values.length} messages after ${timeoutMs} ms`);
      }
      if ((await this.pollAndProcess()) > 0) await this.consumer!.commit();
    }
  }

  /** Processes one non-empty poll, then stops before committing it: what a crash at that moment leaves behind. */
  async crashAfterProcessingOnePoll(timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    let processed = 0;
    while (processed === 0 && performance.now() < deadline) processed = await this.pollAndProcess();
    // With autoCommit off, close commits nothing; it leaves the group so the restart need not wait out the session.
    await this.consumer!.close({ timeoutMs: 5_000 });
    this.consumer = undefined;
    return processed;
  }

  async stop(): Promise<void> {
    await this.consumer?.close({ timeoutMs: 5_000 });
    this.consumer = undefined;
  }

  private async pollAndProcess(): Promise<number> {
    const records = await this.consumer!.poll({ maxWaitMs: 500 });
    for (const r of records) {
      const value = text(r.value);
      this.seen.set(value, (this.seen.get(value) ?? 0) + 1);
      this.log.push(value);
      this.processed++;
    }
    if (records.length === 0) await sleep(10);
    return records.length;
  }
}
