// The producer's side of a controlled shutdown: the leader moves while records stream in, the old
// leader answers NOT_LEADER_OR_FOLLOWER, and the new one first cannot commit (acks=all times out
// on the broker, or the answer comes just after the client gave up). Retries go in sequence order
// and, once the new leader commits again, everything queued is delivered at once, in order.
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type BrokerlabClient } from '../../../src/client/index.js';
import { readBatchHeader, readRecords } from '../../../src/log/batch/index.js';
import { FakeCluster, waitUntil } from './fake-cluster.js';

const REQUEST_TIMED_OUT = 7;

let cluster: FakeCluster | undefined;
let client: BrokerlabClient | undefined;

afterEach(async () => {
  await client?.close({ timeoutMs: 100 });
  cluster?.stop();
  client = undefined;
  cluster = undefined;
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('idempotent producer across a leader move', () => {
  it('retries timed-out batches in sequence order and delivers the queue as soon as the new leader commits', async () => {
    cluster = await FakeCluster.start(2);
    const c = cluster;
    c.addTopic('payments', 1, [1]);
    client = createClient({ bootstrapServers: c.bootstrapServers, requestTimeoutMs: 300, retryBackoffMs: 20, retryBackoffMaxMs: 100 });
    const producer = client.producer({ acks: 'all', deliveryTimeoutMs: 6_000 });

    // Broker 2 leads but cannot commit at first: it writes, then answers REQUEST_TIMED_OUT when the
    // request's own timeout passes (every other time a little after the client gave up).
    let committing = false;
    c.broker(2).produceScript = (request, index) =>
      committing ? undefined : { kind: 'append', answerErrorCode: REQUEST_TIMED_OUT, answerAfter: sleep(request.timeout_ms + (index % 2) * 5) };

    const sent: string[] = [];
    const outcomes: Promise<unknown>[] = [];
    const failures: string[] = [];
    let producing = true;
    const loop = (async () => {
      for (let i = 0; producing; i++) {
        const value = `payment-${i}`;
        sent.push(value);
        outcomes.push(producer.send({ topic: 'payments', messages: [{ value, partition: 0 }] }).catch((e: Error) => failures.push(`${value}: ${e.message}`)));
        await sleep(20);
      }
    })();
    await sleep(200);
    c.moveLeader('payments', 0, 2);
    await waitUntil(() => c.broker(2).produceRequests.length >= 3, 5_000, 'retries on the new leader');
    committing = true;
    const healedAtMs = performance.now();
    await sleep(300);
    producing = false;
    await loop;
    await Promise.all(outcomes);
    const deliveredAfterMs = performance.now() - healedAtMs;

    expect(failures).toEqual([]);
    // Everything queued during the outage went out promptly once the leader could commit.
    expect(deliveredAfterMs).toBeLessThan(3_000);
    const stored = c.partition('payments', 0)!.batches.flatMap((b) => readRecords(b).map((r) => r.value!.toString()));
    expect(stored).toEqual(sent);
    // On the new leader, sequences never go backwards except to resend the batch at the head.
    const sequences = c.broker(2).produceRequests.map((r) => readBatchHeader(r.records).baseSequence);
    for (let i = 1; i < sequences.length; i++) expect(sequences[i]).toBeGreaterThanOrEqual(sequences[i - 1]!);
  });
});
