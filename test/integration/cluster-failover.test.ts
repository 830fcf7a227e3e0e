// A real 3-node cluster: kill a partition leader, watch a new one take over with a shrunk ISR,
// bring the node back and watch the ISR grow again, with no acknowledged write lost. And a
// controlled shutdown: leadership moves away before the process exits, and no produce fails.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';
import { startCluster, type LocalCluster } from '../../src/index.js';
import { nodeBuilt, produceAll, readFirstRecords, SKIP_REASON, valuesOf } from '../support/cluster-helpers.js';

describe.skipIf(!nodeBuilt)(`failover after a leader crash (${SKIP_REASON})`, () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3 });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('elects a new leader, shrinks and regrows the ISR, and keeps every acks=all write', async () => {
    const [partition] = await cluster.createTopic('orders', { partitions: 1, replicationFactor: 3, minInsync: 2 });
    expect(partition!.replicas).toHaveLength(3);
    await cluster.waitForIsr('orders', 0, 3);
    const first = Array.from({ length: 100 }, (_, i) => `before-${i}`);
    expect(await produceAll(cluster.bootstrapServers, 'orders', 0, first)).toBe(100);

    const oldLeader = await cluster.leaderOf('orders', 0);
    expect(oldLeader).toBeGreaterThan(0);
    await cluster.kill(oldLeader);
    const newLeader = await cluster.waitForLeader('orders', 0, { not: oldLeader, timeoutMs: 10_000 });
    expect(newLeader).not.toBe(oldLeader);
    const shrunk = await cluster.waitForIsr('orders', 0, 2, 10_000);
    expect(shrunk).not.toContain(oldLeader);
    const status = await cluster.status();
    expect(status.nodes.find((n) => n.id === oldLeader)?.process).toBe('dead');

    // Two in-sync replicas still meet min.insync.replicas=2.
    const second = Array.from({ length: 100 }, (_, i) => `after-${i}`);
    expect(await produceAll(cluster.bootstrapServers, 'orders', 0, second)).toBe(100);

    await cluster.start(oldLeader);
    const regrown = await cluster.waitForIsr('orders', 0, 3, 20_000);
    expect(regrown).toContain(oldLeader);
    const p = (await cluster.status()).partitions.find((q) => q.topic === 'orders')!;
    expect(p.highWatermark).toBe(200);

    const records = await readFirstRecords(cluster.bootstrapServers, 'orders', 0, 200);
    expect(valuesOf(records)).toEqual([...first, ...second]);
  });

  it('moves leadership away on a controlled shutdown (stop) before the node exits, with no produce failing', async () => {
    await cluster.waitForReady({ timeoutMs: 20_000 });
    await cluster.createTopic('payments', { partitions: 1, replicationFactor: 3 });
    await cluster.waitForIsr('payments', 0, 3, 20_000);
    const leader = await cluster.leaderOf('payments', 0);
    const logFile = cluster.nodes.find((n) => n.id === leader)!.logFile;

    // A producer sends throughout the stop, one record every 20 ms, each awaited on its own.
    const client = createClient({ bootstrapServers: cluster.bootstrapServers, requestTimeoutMs: 5_000 });
    const producer = client.producer({ acks: 'all', deliveryTimeoutMs: 30_000 });
    const sent: string[] = [];
    const failures: string[] = [];
    const outcomes: Promise<void>[] = [];
    let producing = true;
    const loop = (async () => {
      for (let i = 0; producing; i++) {
        const value = `payment-${i}`;
        sent.push(value);
        outcomes.push(producer.send({ topic: 'payments', messages: [{ value, partition: 0 }] }).then(() => undefined, (e: Error) => void failures.push(`${value}: ${e.message}`)));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const outcome = await cluster.stop(leader);
      expect(outcome?.graceful).toBe(true);
      const newLeader = await cluster.waitForLeader('payments', 0, { not: leader, timeoutMs: 5000 });
      expect(newLeader).not.toBe(leader);
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      producing = false;
      await loop;
      await Promise.all(outcomes);
      await client.close();
    }
    expect(failures, 'no produce failed during the controlled shutdown').toEqual([]);
    const records = await readFirstRecords(cluster.bootstrapServers, 'payments', 0, sent.length);
    expect(valuesOf(records)).toEqual(sent);

    // The stopped node's own log, in order: it asked for the controlled shutdown, became a
    // follower of another leader, and only then stopped.
    const order = shutdownOrder(readFileSync(logFile, 'utf8'), leader, 'payments', 0);
    expect(order.movedBeforeExit, `node ${leader}'s log since its shutdown began:\n${order.lines.join('\n')}`).toBe(true);

    await cluster.start(leader);
    await cluster.waitForIsr('payments', 0, 3, 20_000);
  });
});

interface LogLine {
  msg?: string;
  topic?: string;
  partition?: number;
  leader?: number;
}

/**
 * Reads a node's JSON log from its last controlled-shutdown request: whether it saw leadership of
 * the partition move to another node ("became follower") before it logged "node stopped". A crash
 * logs no "node stopped"; a shutdown that exits before the move logs it first, or no move at all.
 */
function shutdownOrder(log: string, node: number, topic: string, partition: number): { movedBeforeExit: boolean; lines: string[] } {
  const lines = log
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
  const asked = lines.findLastIndex((l) => l.msg === 'controlled shutdown: asking the controller to move leaderships away');
  if (asked < 0) return { movedBeforeExit: false, lines: [] };
  const after = lines.slice(asked);
  const moved = after.findIndex((l) => l.msg === 'became follower' && l.topic === topic && l.partition === partition && l.leader !== node);
  const stopped = after.findIndex((l) => l.msg === 'node stopped');
  return { movedBeforeExit: moved > 0 && stopped > moved, lines: after.map((l) => JSON.stringify(l)) };
}

// The order check itself, on logs of broken stops: it must fail them.
describe('controlled-shutdown log order', () => {
  const line = (o: LogLine) => JSON.stringify({ level: 30, ...o });
  const asked = line({ msg: 'controlled shutdown: asking the controller to move leaderships away' });
  const moved = line({ msg: 'became follower', topic: 'payments', partition: 0, leader: 2 });
  const stopped = line({ msg: 'node stopped' });

  it('accepts leadership moving before the stop', () => {
    expect(shutdownOrder([asked, moved, stopped].join('\n'), 1, 'payments', 0).movedBeforeExit).toBe(true);
  });

  it('fails a crash (no stop logged), a stop before the move, a stop without a move, and no controlled shutdown', () => {
    expect(shutdownOrder([asked, moved].join('\n'), 1, 'payments', 0).movedBeforeExit).toBe(false);
    expect(shutdownOrder([asked, stopped, moved].join('\n'), 1, 'payments', 0).movedBeforeExit).toBe(false);
    expect(shutdownOrder([asked, stopped].join('\n'), 1, 'payments', 0).movedBeforeExit).toBe(false);
    expect(shutdownOrder([moved, stopped].join('\n'), 1, 'payments', 0).movedBeforeExit).toBe(false);
    // A move logged before this shutdown began does not count.
    expect(shutdownOrder([moved, asked, stopped].join('\n'), 1, 'payments', 0).movedBeforeExit).toBe(false);
  });
});
