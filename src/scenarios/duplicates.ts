/**
 * `duplicates`: at-least-once delivery writes and processes things twice, and idempotence on each
 * side absorbs it.
 *
 * Producer side: one follower's traffic is delayed so that acks=all answers arrive after the
 * producer's short request timeout. The producer takes the silence for a failure and sends the
 * batch again although the leader had written it. Without idempotence each retry is written once
 * more; with it (the default) the leader recognises the producer id and sequence numbers of a batch
 * it already has, and answers with the original offsets.
 *
 * Consumer side: see redelivery.ts.
 */
import { createClient, type Producer } from '../client/index.js';
import { crashBeforeCommit, type RedeliveryRun } from './redelivery.js';
import { verdict, type Scenario, type ScenarioContext, type ScenarioResult } from './scenario.js';
import { FAULT_CLUSTER } from './support/clusters.js';
import { Faults } from './support/faults.js';
import { readTopic, text } from './support/read-back.js';
import { sleep, within } from './support/wait.js';
import { judgeDuplicates } from './verdicts.js';

export interface RetryRun {
  readonly idempotent: boolean;
  readonly sent: number;
  readonly acknowledged: number;
  /** Records of the measured sends in the log read back. */
  readonly logRecords: number;
  /** Distinct values present more than once. */
  readonly duplicatedValues: number;
  /** Copies beyond the first, over all values. */
  readonly extraCopies: number;
  /** Values sent that are not in the log at all. */
  readonly missing: number;
  /**
   * Sends acknowledged later than the request timeout after they were made: their request, or one
   * they queued behind, timed out and was sent again.
   */
  readonly retried: number;
}

export interface DuplicatesResult extends ScenarioResult {
  readonly withoutIdempotence: RetryRun;
  readonly withIdempotence: RetryRun;
  readonly redelivery: RedeliveryRun;
}

const WAIT_MS = 30_000;
/** Added to everything the follower sends, its fetches included: acks=all answers come this late at least. */
const FOLLOWER_DELAY_MS = 1_000;
/** The producer gives up on an answer this soon, well before the delayed acknowledgement. */
const REQUEST_TIMEOUT_MS = 400;
const SEND_INTERVAL_MS = 25;

export const duplicatesScenario: Scenario<DuplicatesResult> = {
  name: 'duplicates',
  summary: 'retries after lost acknowledgements duplicate records unless the producer is idempotent; redelivery after a crash is absorbed by an idempotent consumer',
  cluster: FAULT_CLUSTER,
  async run(context) {
    const windowMs = context.scale === 'small' ? 1_500 : 4_000;
    const withoutIdempotence = await retriesWhileAcksAreSlow(context, false, windowMs);
    const withIdempotence = await retriesWhileAcksAreSlow(context, true, windowMs);
    context.print();
    for (const run of [withoutIdempotence, withIdempotence]) {
      context.print(
        `${run.idempotent ? 'idempotent:    ' : 'not idempotent:'} ${run.sent} sent, ${run.acknowledged} acknowledged (${run.retried} after the request timeout), log holds ${run.logRecords}: ` +
          `${run.duplicatedValues} values more than once (${run.extraCopies} extra copies), ${run.missing} missing`,
      );
    }
    const redelivery = await crashBeforeCommit(context);
    return {
      ...verdict(judgeDuplicates(withoutIdempotence, withIdempotence, redelivery.measured)),
      withoutIdempotence,
      withIdempotence,
      redelivery,
    };
  },
};

async function retriesWhileAcksAreSlow(context: ScenarioContext, idempotent: boolean, windowMs: number): Promise<RetryRun> {
  const { cluster, print } = context;
  const topic = context.topicName(idempotent ? 'dup-idempotent' : 'dup-plain');
  print();
  print(`--- producer ${idempotent ? 'with idempotence (the default)' : 'with idempotent: false'}, acks=all, request timeout ${REQUEST_TIMEOUT_MS} ms (topic ${topic})`);
  await cluster.createTopic(topic, { partitions: 1, replicationFactor: 3, timeoutMs: WAIT_MS });
  await cluster.waitForIsr(topic, 0, 3, WAIT_MS);
  const partition = (await cluster.status()).partitions.find((p) => p.topic === topic && p.partition === 0)!;
  const follower = partition.replicas.find((id) => id !== partition.leader)!;
  const client = createClient({ bootstrapServers: cluster.bootstrapServers });
  const faults = new Faults(cluster, print);
  try {
    const producer = client.producer({ acks: 'all', idempotent, requestTimeoutMs: REQUEST_TIMEOUT_MS, deliveryTimeoutMs: 60_000 });
    // The producer id is obtained before the fault, so every attempt measured is a Produce.
    await producer.send({ topic, messages: [{ value: `${topic}-first`, partition: 0 }] });
    await faults.delay(follower, FOLLOWER_DELAY_MS);
    print(`node ${follower}, a follower, now delays everything it sends by ${FOLLOWER_DELAY_MS} ms: the leader learns late that it has copied a batch`);
    const sends = await sendSteadily(producer, topic, windowMs);
    await faults.delay(follower, 0);
    print(`sent ${sends.values.length} records over ${windowMs} ms, then removed the delay`);
    const latencies = await within(Promise.all(sends.outcomes), 65_000, []);
    const acknowledged = latencies.filter((ms) => ms !== undefined).length;
    const retried = latencies.filter((ms) => ms !== undefined && ms > REQUEST_TIMEOUT_MS).length;
    print(`${retried} of ${acknowledged} records were acknowledged more than ${REQUEST_TIMEOUT_MS} ms after being sent: requests timed out and were sent again`);
    const read = await readTopic(client, topic, WAIT_MS);
    const copies = new Map<string, number>();
    for (const r of read.records) copies.set(text(r.value), (copies.get(text(r.value)) ?? 0) + 1);
    const counts = sends.values.map((v) => copies.get(v) ?? 0);
    const run: RetryRun = {
      idempotent,
      sent: sends.values.length,
      acknowledged,
      logRecords: counts.reduce((sum, n) => sum + n, 0),
      duplicatedValues: counts.filter((n) => n > 1).length,
      extraCopies: counts.reduce((sum, n) => sum + Math.max(0, n - 1), 0),
      missing: counts.filter((n) => n === 0).length,
      retried,
    };
    const most = Math.max(0, ...counts);
    print(`read back ${run.logRecords} records for ${run.sent} sent: ${run.duplicatedValues} values appear more than once${most > 1 ? ` (one of them ${most} times)` : ''}`);
    print(
      idempotent
        ? 'the leader answered each retry of a batch it already had with the original offsets and wrote nothing twice'
        : 'every retry of a batch the leader had in fact written was written again: the log cannot tell a retry from a new record',
    );
    return run;
  } finally {
    await faults.undoAll();
    await client.close({ timeoutMs: 2_000 });
  }
}

/**
 * One record every SEND_INTERVAL_MS for `windowMs`, each its own send, so many batches meet the
 * slow acks. Each outcome is the acknowledgement's latency in ms, or undefined if the send failed.
 */
async function sendSteadily(producer: Producer, topic: string, windowMs: number): Promise<{ values: string[]; outcomes: Promise<number | undefined>[] }> {
  const values: string[] = [];
  const outcomes: Promise<number | undefined>[] = [];
  const startedAt = performance.now();
  for (let i = 0; performance.now() - startedAt < windowMs; i++) {
    const value = `${topic}-${i}`;
    values.push(value);
    const sentAt = performance.now();
    outcomes.push(producer.send({ topic, messages: [{ value, partition: 0 }] }).then(() => performance.now() - sentAt, () => undefined));
    await sleep(SEND_INTERVAL_MS);
  }
  return { values, outcomes };
}
