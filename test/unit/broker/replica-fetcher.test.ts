import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { errors } from '../../../src/common/errors.js';
import { silentLogger } from '../../../src/common/logger.js';
import type { ReplicaFetchRequest, ReplicaFetchResponse } from '../../../src/broker/fetch-messages.js';
import { ReplicaFetcher } from '../../../src/broker/replica-fetcher.js';
import { ReplicaManager } from '../../../src/broker/replica-manager.js';
import { ACKS_ALL, ACKS_LEADER } from '../../../src/broker/types.js';
import { Cluster, TIMING, flush } from './cluster-harness.js';
import { logValues, memoryLog, registration } from './helpers.js';

const ORDERS = registration({ replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1 });

describe('replication between replica managers', () => {
  it('copies the leader log to every follower and completes acks=all', async () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.publish(ORDERS);
    const produced = cluster.produce(1, 'orders', 0, 3, ACKS_ALL, 'a');
    await cluster.run(50);
    expect(produced.response?.partitions[0]).toEqual({ topic: 'orders', partition: 0, baseOffset: 0, lastOffset: 2, logStartOffset: 0 });
    for (const id of [1, 2, 3]) {
      const p = cluster.broker(id).getPartition('orders', 0)!;
      expect(logValues(p.log)).toEqual(['a-0', 'a-1', 'a-2']);
    }
    expect(cluster.broker(2).fetcherLeaders()).toEqual([1]);
  });

  it('drops an isolated follower from the ISR, then adds it back once it catches up', async () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.minInsync = 2;
    cluster.publish(ORDERS);
    await cluster.run(50);
    cluster.isolated.add(3);
    const produced = cluster.produce(1, 'orders', 0, 2, ACKS_ALL);
    await cluster.run(900);
    expect(produced.response).toBeUndefined();
    await cluster.run(1_000);
    expect(produced.response?.partitions[0]?.error).toBeUndefined();
    expect(cluster.registrations.get('id-orders:0')?.isr).toEqual([1, 2]);

    cluster.isolated.delete(3);
    await cluster.run(500);
    expect(cluster.registrations.get('id-orders:0')?.isr).toEqual([1, 2, 3]);
    expect(logValues(cluster.broker(3).getPartition('orders', 0)!.log)).toEqual(['v-0', 'v-1']);
    expect(cluster.alterRequests.map((r) => r.newIsr)).toEqual([
      [1, 2],
      [1, 2, 3],
    ]);
  });

  it('makes a returning old leader drop its unreplicated tail and converge on the new leader', async () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.publish(ORDERS);
    cluster.produce(1, 'orders', 0, 2, ACKS_ALL, 'a');
    await cluster.run(50);
    cluster.isolated.add(1);
    cluster.produce(1, 'orders', 0, 3, ACKS_LEADER, 'lost');
    cluster.publish({ ...ORDERS, leader: 2, isr: [2, 3], leaderEpoch: 1, partitionEpoch: 1 });
    const committed = cluster.produce(2, 'orders', 0, 1, ACKS_ALL, 'b');
    await cluster.run(50);
    expect(committed.response?.partitions[0]?.error).toBeUndefined();

    cluster.isolated.delete(1);
    await cluster.run(500);
    const expected = ['a-0', 'a-1', 'b-0'];
    for (const id of [1, 2, 3]) expect(logValues(cluster.broker(id).getPartition('orders', 0)!.log)).toEqual(expected);
    expect(cluster.registrations.get('id-orders:0')?.isr).toEqual([2, 3, 1]);
  });
});

describe('the replica fetcher', () => {
  function follower(partitions = [ORDERS]): { clock: ManualClock; rm: ReplicaManager } {
    const clock = new ManualClock(0);
    const rm = new ReplicaManager({
      brokerId: 2,
      brokerEpoch: () => 12,
      clock,
      logger: silentLogger(),
      timing: TIMING,
      openLog: (topic, partition) => memoryLog(clock, topic, partition),
      sendAlterPartition: () => Promise.reject(new Error('unused')),
    });
    rm.applyMetadata({ partitions });
    return { clock, rm };
  }

  function fetcher(clock: ManualClock, rm: ReplicaManager, fetch: (r: ReplicaFetchRequest) => Promise<ReplicaFetchResponse>) {
    const session = { closed: false, fetch, close: () => (session.closed = true) };
    const f = new ReplicaFetcher({
      leaderId: 1,
      replicaId: 2,
      brokerEpoch: () => 12,
      session,
      source: rm,
      clock,
      logger: silentLogger(),
      maxWaitMs: 100,
      minBytes: 1,
      maxBytes: 1024,
      requestTimeoutMs: 400,
      backoffMs: 50,
      newSessionId: () => ++sessionIds,
    });
    return { f, session };
  }
  let sessionIds = 0;

  it('keeps one fetch in flight and abandons it after maxWait + requestTimeout', async () => {
    const { clock, rm } = follower();
    const requests: ReplicaFetchRequest[] = [];
    const { f } = fetcher(clock, rm, (r) => {
      requests.push(r);
      return new Promise(() => undefined);
    });
    f.start();
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ replicaId: 2, brokerEpoch: 12, maxWaitMs: 100, partitions: [{ topicId: 'id-orders', fetchOffset: 0 }] });
    clock.advance(499);
    await flush();
    expect(requests).toHaveLength(1);
    clock.advance(1); // abandoned; retried after the 50 ms backoff
    clock.advance(50);
    expect(requests).toHaveLength(2);
    f.stop();
  });

  it('backs off after a failed fetch and stops cleanly', async () => {
    const { clock, rm } = follower();
    let calls = 0;
    const { f, session } = fetcher(clock, rm, () => {
      calls++;
      return Promise.reject(errors.networkException('down'));
    });
    f.start();
    await flush();
    expect(calls).toBe(1);
    clock.advance(49);
    expect(calls).toBe(1);
    clock.advance(1);
    await flush();
    expect(calls).toBe(2);
    f.stop();
    expect(session.closed).toBe(true);
    clock.advance(1_000);
    await flush();
    expect(calls).toBe(2);
  });

  it('sends every partition once per session, then only what changed, and starts over when the leader lost the session', async () => {
    const { clock, rm } = follower([0, 1, 2].map((partition) => registration({ partition, replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1 })));
    const requests: ReplicaFetchRequest[] = [];
    const answers: ReplicaFetchResponse[] = [
      // Partition 1 learns the leader's high watermark 0: its position changes (what it knows).
      { partitions: [{ topicId: 'id-orders', partition: 1, highWatermark: 0, logStartOffset: 0, records: Buffer.alloc(0) }] },
      { partitions: [] },
      { error: errors.fetchSessionIdNotFound('leader restarted'), partitions: [] },
    ];
    const { f } = fetcher(clock, rm, (r) => {
      requests.push(r);
      return Promise.resolve(answers.shift() ?? { partitions: [] });
    });
    const sent = (r: ReplicaFetchRequest) => [r.session?.epoch, r.partitions.map((p) => p.partition), r.session?.forgotten.map((p) => p.partition)];
    f.start();
    await flush();
    clock.advance(100);
    await flush();
    // Partition 2 moves to another leader: forgotten by this session.
    rm.applyMetadata({ partitions: [registration({ partition: 2, replicas: [3, 2, 1], isr: [3, 2, 1], leader: 3, leaderEpoch: 1, partitionEpoch: 1 })] });
    clock.advance(100);
    await flush();
    clock.advance(100);
    await flush();
    expect(requests.slice(0, 4).map(sent)).toEqual([
      [0, [0, 1, 2], []],
      [1, [1], []],
      [2, [], [2]],
      [0, [0, 1], []],
    ]);
    expect(requests[3]!.session!.id).toBeGreaterThan(requests[0]!.session!.id);
    f.stop();
  });

  it.each([
    ['the follower applies the new leadership first', [1, 2, 3]],
    ['the new leader applies it first', [3, 2, 1]],
  ])('fails over without waiting out a parked fetch that predates the new leadership (%s)', async (_order, ids) => {
    // Broker 2 follows broker 3 already (partition 1), and its fetch to 3 sits parked for up to
    // 100 ms. When partition 0 moves to broker 3, that fetch does not name partition 0; the first
    // acks=all write there needs broker 2 to fetch it, so the parked fetch is answered at once.
    const cluster = new Cluster(ids);
    cluster.minInsync = 2;
    cluster.publish(ORDERS);
    cluster.publish({ ...ORDERS, partition: 1, leader: 3 });
    await cluster.run(250);
    expect(cluster.broker(2).fetcherLeaders().sort()).toEqual([1, 3]);
    cluster.publish({ ...ORDERS, leader: 3, isr: [3, 2], leaderEpoch: 1, partitionEpoch: 1 });
    const produced = cluster.produce(3, 'orders', 0, 1, ACKS_ALL);
    await cluster.run(20, 5);
    expect(produced.response?.partitions[0]).toEqual({ topic: 'orders', partition: 0, baseOffset: 0, lastOffset: 0, logStartOffset: 0 });
  });

  it('moves to the new leader when metadata moves the partition, closing the old session', async () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.publish(ORDERS);
    await cluster.run(20);
    expect(cluster.broker(2).fetcherLeaders()).toEqual([1]);
    cluster.publish({ ...ORDERS, leader: 3, isr: [3, 2], leaderEpoch: 1, partitionEpoch: 1 });
    expect(cluster.broker(2).fetcherLeaders()).toEqual([3]);
    expect(cluster.broker(1).fetcherLeaders()).toEqual([3]);
    expect(cluster.broker(3).fetcherLeaders()).toEqual([]);
    expect(cluster.closedSessions).toEqual(['2->1', '3->1']);
    // Followers that reach broker 3 before it applies the metadata are told UNKNOWN_LEADER_EPOCH
    // and back off (100 ms) before fetching again.
    const produced = cluster.produce(3, 'orders', 0, 2, ACKS_ALL);
    await cluster.run(300);
    expect(produced.response?.partitions[0]?.error).toBeUndefined();
    expect(logValues(cluster.broker(2).getPartition('orders', 0)!.log)).toEqual(['v-0', 'v-1']);
  });
});
