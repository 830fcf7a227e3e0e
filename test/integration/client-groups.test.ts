// The client's consumer groups on a real 3-node cluster: two members of one group split a topic's
// partitions and commit what they processed; when one is closed (it leaves the group), the other
// takes its partitions over from the committed offsets, and no record is missed. The producer is
// the default idempotent one, so InitProducerId is exercised on real brokers too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, isBrokerError, startCluster, type BrokerlabClient, type ConsumedRecord, type Consumer, type LocalCluster } from '../../src/index.js';
import { nodeBuilt, SKIP_REASON } from '../support/cluster-helpers.js';

const TOPIC = 'orders';
const GROUP = 'billing';
const PARTITIONS = 4;
const PER_PARTITION = 10;
const WAIT_MS = 45_000;

describe.skipIf(!nodeBuilt)(`client consumer groups on a 3-node cluster (${SKIP_REASON})`, () => {
  let cluster: LocalCluster;
  const clients: BrokerlabClient[] = [];

  const newClient = (): BrokerlabClient => {
    const client = createClient({ bootstrapServers: cluster.bootstrapServers, requestTimeoutMs: 10_000 });
    clients.push(client);
    return client;
  };

  const member = (client: BrokerlabClient): Consumer =>
    client.consumer({ groupId: GROUP, autoOffsetReset: 'earliest', sessionTimeoutMs: 6_000, heartbeatIntervalMs: 300, rebalanceTimeoutMs: 10_000 });

  /** Sends PER_PARTITION records to every partition, valued "<round>-<partition>-<i>". */
  const produceRound = async (round: number): Promise<string[]> => {
    const producer = newClient().producer({ lingerMs: 0 });
    const messages = Array.from({ length: PARTITIONS }, (_, partition) =>
      Array.from({ length: PER_PARTITION }, (_, i) => ({ value: `${round}-${partition}-${i}`, partition })),
    ).flat();
    await producer.send({ topic: TOPIC, messages });
    expect(producer.producerIdentity()?.producerId).toBeGreaterThanOrEqual(0);
    return messages.map((m) => m.value);
  };

  /**
   * One poll as an application does it: process the records (here: keep them), then commit. A
   * commit refused because the group is rebalancing is left to the next round, as it would be.
   */
  const pollAndCommit = async (consumer: Consumer, into: ConsumedRecord[]): Promise<void> => {
    const records = await consumer.poll({ maxWaitMs: 250 });
    into.push(...records);
    if (records.length === 0) return;
    await consumer.commit().catch((e: unknown) => {
      if (!isBrokerError(e) || !['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID'].includes(e.kafkaName)) throw e;
    });
  };

  const committedEverywhere = async (offset: number): Promise<boolean> => {
    const offsets = await newClient().admin().groupOffsets(GROUP);
    return offsets.length === PARTITIONS && offsets.every((o) => o.committedOffset === offset && o.lag === 0);
  };

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3 });
    await cluster.createTopic(TOPIC, { partitions: PARTITIONS, replicationFactor: 3, minInsync: 2 });
  }, 90_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close({ timeoutMs: 2_000 })));
    await cluster?.stop();
  });

  it('splits the partitions between two members, and the survivor resumes from the committed offsets after the other closes', async () => {
    const firstRound = await produceRound(1);
    const a = member(newClient());
    const b = member(newClient());
    a.subscribe([TOPIC]);
    b.subscribe([TOPIC]);
    const readByA: ConsumedRecord[] = [];
    const readByB: ConsumedRecord[] = [];
    const split = () => {
      const owned = [...a.assignment(), ...b.assignment()].map((tp) => tp.partition).sort();
      return a.assignment().length > 0 && b.assignment().length > 0 && owned.join() === '0,1,2,3';
    };
    let deadline = Date.now() + WAIT_MS;
    while (!(split() && (await committedEverywhere(PER_PARTITION))) && Date.now() < deadline) {
      await Promise.all([pollAndCommit(a, readByA), pollAndCommit(b, readByB)]);
    }
    expect(split()).toBe(true);
    expect(a.groupMetadata()!.generationId).toBe(b.groupMetadata()!.generationId);
    const seen = new Set([...readByA, ...readByB].map((r) => r.value!.toString()));
    expect(firstRound.filter((v) => !seen.has(v))).toEqual([]);

    const description = await newClient().admin().describeGroup(GROUP);
    expect(description.state).toBe('Stable');
    expect(description.members.map((m) => m.memberId).sort()).toEqual([a.groupMetadata()!.memberId, b.groupMetadata()!.memberId].sort());
    expect(description.members.flatMap((m) => m.assignment.map((tp) => tp.partition)).sort()).toEqual([0, 1, 2, 3]);
    expect((await newClient().admin().listGroups()).map((g) => g.groupId)).toContain(GROUP);

    // `a` leaves; records written afterwards on its partitions must reach `b`, from offset 10 on.
    const movedPartitions = a.assignment().map((tp) => tp.partition);
    await a.close();
    const secondRound = await produceRound(2);
    const afterClose: ConsumedRecord[] = [];
    deadline = Date.now() + WAIT_MS;
    while (!(b.assignment().length === PARTITIONS && (await committedEverywhere(2 * PER_PARTITION))) && Date.now() < deadline) {
      await pollAndCommit(b, afterClose);
    }
    expect(b.assignment()).toHaveLength(PARTITIONS);
    const values = afterClose.map((r) => r.value!.toString());
    expect(secondRound.filter((v) => !values.includes(v))).toEqual([]);
    for (const partition of movedPartitions) {
      const offsets = afterClose.filter((r) => r.partition === partition).map((r) => r.offset);
      // Everything `a` read was committed, so `b` starts exactly where `a` stopped.
      expect(offsets).toEqual(Array.from({ length: PER_PARTITION }, (_, i) => PER_PARTITION + i));
    }
  }, 120_000);
});
